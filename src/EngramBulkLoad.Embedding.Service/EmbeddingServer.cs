using System.Net;
using EngramBulkLoad.Embedding.Service.Grpc;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Errors;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EngramBulkLoad.Embedding.Service;

/// <summary>
/// Builds the service: loads the models, then hosts gRPC (HTTP/2 without TLS) on one port and the
/// Prometheus <c>/metrics</c> endpoint (HTTP/1.1) on another, since a cleartext port cannot offer both.
/// </summary>
public static class EmbeddingServer
{
    /// <summary>Builds the service from the command line, appsettings.json and environment variables.</summary>
    public static async Task<WebApplication> CreateAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(args);
        EmbeddingServiceOptions options;
        try
        {
            options = builder.Configuration.GetSection(EmbeddingServiceOptions.SectionName).Get<EmbeddingServiceOptions>() ?? new EmbeddingServiceOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the setting and the value it could not convert.
            throw ErrorFactory.Config(EmbeddingServiceOptions.SectionName, ex.InnerException?.Message ?? ex.Message, "Correct the value in appsettings.json or the EmbeddingService__ environment variable.");
        }

        var (app, _) = await CreateAsync(builder, options, chooser: null, cancellationToken);
        return app;
    }

    /// <summary>Builds the service around <paramref name="builder"/>; the returned endpoints know their ports once the app has started.</summary>
    internal static async Task<(WebApplication App, ServerEndpoints Endpoints)> CreateAsync(WebApplicationBuilder builder, EmbeddingServiceOptions options, ExecutionProviderChooser? chooser, CancellationToken cancellationToken)
    {
        options.Validate();
        var endpoints = new ServerEndpoints();
        var address = IPAddress.Parse(options.ListenAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoints.Grpc = listen;
            });
            kestrel.Listen(address, options.MetricsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.Metrics = listen;
            });
        });

        // grpc-dotnet logs every non-OK status at Information (RpcConnectionError), which under overload is a
        // line per refusal carrying caller strings; the service logs its refusals itself (Debug, plus one
        // Warning per overload episode) and counts them in embedding_rejected_total.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        var metrics = new EmbeddingMetrics();
        var exporter = new PrometheusTextExporter(metrics.Meter);
        ModelRegistry? registry = null;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(exporter);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => registry ?? throw new InvalidOperationException("Models are loaded before the server starts."));
        builder.Services.AddSingleton<BearerTokenInterceptor>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.Limits.MaxReceiveMessageBytes;
            grpc.MaxSendMessageSize = options.Limits.MaxSendMessageBytes;
            if (options.BearerToken is not null)
            {
                grpc.Interceptors.Add<BearerTokenInterceptor>();
            }
        });
        builder.Services.AddGrpcHealthChecks().AddCheck("models", () => registry is null ? HealthCheckResult.Unhealthy("loading models") : HealthCheckResult.Healthy());

        var app = builder.Build();
        try
        {
            registry = await ModelRegistry.LoadAsync(options, metrics, app.Services.GetRequiredService<ILoggerFactory>(), TimeProvider.System, chooser, cancellationToken);
            foreach (var model in registry.Models)
            {
                ResponseSize.CheckLimit(options.Limits, model.Info.ModelId, model.Info.Dimension);
            }
        }
        catch
        {
            if (registry is not null)
            {
                await registry.DisposeAsync();
            }

            await app.DisposeAsync();
            exporter.Dispose();
            metrics.Dispose();
            throw;
        }

        app.MapGrpcService<EmbeddingGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGet("/metrics", (PrometheusTextExporter prometheus) => Results.Text(prometheus.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            exporter.Dispose();
            metrics.Dispose();
        });
        if (options.BearerToken is not null)
        {
            Errors.SecretScrubber.Register(options.BearerToken);
        }

        return (app, endpoints);
    }
}

/// <summary>The two listening endpoints; their ports are the real ones after the app has started (even when configured as 0).</summary>
internal sealed class ServerEndpoints
{
    public ListenOptions? Grpc { get; set; }

    public ListenOptions? Metrics { get; set; }

    public Uri GrpcAddress => Address(Grpc);

    public Uri MetricsAddress => Address(Metrics);

    private static Uri Address(ListenOptions? listen)
        => listen?.IPEndPoint is { } endPoint ? new Uri($"http://{endPoint}") : throw new InvalidOperationException("The server has not started.");
}
