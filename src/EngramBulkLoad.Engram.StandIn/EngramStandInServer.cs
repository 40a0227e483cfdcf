using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// The stand-in hosted over real gRPC (HTTP/2) on 127.0.0.1, in this process: an in-memory store that follows
/// Engram's rules (deduplication, eviction, recall, validation of requests), not Engram. What it holds is
/// gone when it is disposed.
/// </summary>
public sealed class EngramStandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EngramStandInServer(WebApplication app, EngramStandInStore store, string address)
    {
        _app = app;
        Store = store;
        Address = address;
    }

    /// <summary>The address to give the client: http://127.0.0.1:PORT, or https:// when the host serves TLS.</summary>
    public string Address { get; }

    /// <summary>What the stand-in holds and received.</summary>
    public EngramStandInStore Store { get; }

    /// <summary>Starts the stand-in as Engram answers, without hooks; it listens once this returns.</summary>
    public static Task<EngramStandInServer> StartAsync(EngramStandInOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
        => StartAsync(options ?? new EngramStandInOptions(), new EngramStandInHosting(), time, cancellationToken);

    /// <summary>Starts the stand-in with a host's hooks and listener settings; it listens once this returns.</summary>
    public static async Task<EngramStandInServer> StartAsync(EngramStandInOptions options, EngramStandInHosting hosting, TimeProvider? time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hosting);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        var store = new EngramStandInStore(options, time ?? TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Wide windows so the stand-in is not what limits a benchmark of the loader on loopback.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 << 20;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                hosting.ConfigureListen?.Invoke(listen);
            });
        });
        builder.Services.AddGrpc(grpc =>
        {
            // Engram (tonic) refuses messages over 4 MiB.
            grpc.MaxReceiveMessageSize = 4 << 20;
            grpc.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(hosting.Hooks ?? NoHooks.Instance);
        var app = builder.Build();
        app.MapGrpcService<EngramStandInService>();
        await app.StartAsync(cancellationToken);

        var bound = new Uri(app.Urls.First());
        var address = $"{(hosting.Tls ? "https" : "http")}://127.0.0.1:{bound.Port}";
        return new EngramStandInServer(app, store, address);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>What a host adds to the stand-in's listener and calls (the test server: TLS, connection tracking, faults, records). Default: nothing.</summary>
public sealed class EngramStandInHosting
{
    /// <summary>Called on the loopback listener after HTTP/2 is set, e.g. to add TLS or connection middleware. Default null.</summary>
    public Action<ListenOptions>? ConfigureListen { get; init; }

    /// <summary>True when <see cref="ConfigureListen"/> adds TLS, so that the address is https://. Default false.</summary>
    public bool Tls { get; init; }

    /// <summary>Hooks called while each request is handled. Default null: none.</summary>
    public IEngramStandInHooks? Hooks { get; init; }
}
