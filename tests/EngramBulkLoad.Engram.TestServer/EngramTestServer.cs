using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// An Engram-compatible gRPC server on 127.0.0.1 (HTTP/2, optionally TLS with a self-signed certificate
/// made in memory), started in-process by tests and benchmarks, or as an executable for the demo.
/// <see cref="Store"/> shows what it received; <see cref="Faults"/> injects latency and failures.
/// </summary>
public sealed class EngramTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _certificateDirectory;

    private EngramTestServer(WebApplication app, EngramTestStore store, FaultInjector faults, string address, string? certificatePemPath, string? certificateDirectory)
    {
        _app = app;
        Store = store;
        Faults = faults;
        Address = address;
        CertificatePemPath = certificatePemPath;
        _certificateDirectory = certificateDirectory;
    }

    /// <summary>The address to give the client: http://127.0.0.1:PORT, or https:// in TLS mode.</summary>
    public string Address { get; }

    /// <summary>In TLS mode, a PEM file of the server's self-signed certificate, for the client to trust.</summary>
    public string? CertificatePemPath { get; }

    /// <summary>What the server holds and received.</summary>
    public EngramTestStore Store { get; }

    /// <summary>Faults to inject.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Starts a server; it listens once this returns.</summary>
    public static async Task<EngramTestServer> StartAsync(EngramTestServerOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        options ??= new EngramTestServerOptions();
        time ??= TimeProvider.System;
        var store = new EngramTestStore(options, time);
        var faults = new FaultInjector();
        var connections = new ConcurrentDictionary<string, ConnectionContext>(StringComparer.Ordinal);
        faults.AbortConnection = id =>
        {
            if (!connections.TryGetValue(id, out var connection))
            {
                return false;
            }

            connection.Abort(new ConnectionAbortedException("injected dropped connection"));
            return true;
        };

        X509Certificate2? certificate = options.UseTls ? CreateCertificate() : null;
        string? certificateDirectory = null;
        string? pemPath = null;
        if (certificate is not null)
        {
            certificateDirectory = Directory.CreateTempSubdirectory("engram-test-server-").FullName;
            pemPath = Path.Combine(certificateDirectory, "engram-test-server.pem");
            await File.WriteAllTextAsync(pemPath, certificate.ExportCertificatePem(), cancellationToken);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Wide windows so the server is not what limits a benchmark of the loader on loopback.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 << 20;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(next => async connection =>
                {
                    connections[connection.ConnectionId] = connection;
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        connections.TryRemove(connection.ConnectionId, out _);
                    }
                });
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
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
        builder.Services.AddSingleton(faults);
        var app = builder.Build();
        app.MapGrpcService<EngramTestService>();
        await app.StartAsync(cancellationToken);

        var bound = new Uri(app.Urls.First());
        var address = $"{(certificate is null ? "http" : "https")}://127.0.0.1:{bound.Port}";
        return new EngramTestServer(app, store, faults, address, pemPath, certificateDirectory);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        if (_certificateDirectory is not null)
        {
            Directory.Delete(_certificateDirectory, recursive: true);
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=engram-test-server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var ephemeral = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(7));
        // Kestrel on Linux needs a certificate whose key can be exported to the TLS stack; a PKCS#12 round trip gives one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), password: null);
    }
}
