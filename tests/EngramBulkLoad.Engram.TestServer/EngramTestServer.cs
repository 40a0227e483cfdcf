using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EngramBulkLoad.Engram.StandIn;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// The Engram stand-in (<see cref="EngramStandInServer"/>: Engram's rules, over gRPC on 127.0.0.1) with what
/// only tests need: TLS with a self-signed certificate made in memory, a record of the requests received
/// (<see cref="Store"/>) and fault injection (<see cref="Faults"/>). Started in-process by tests and
/// benchmarks, or as an executable.
/// </summary>
public sealed class EngramTestServer : IAsyncDisposable
{
    private readonly EngramStandInServer _server;
    private readonly string? _certificateDirectory;

    private EngramTestServer(EngramStandInServer server, EngramTestStore store, FaultInjector faults, string? certificatePemPath, string? certificateDirectory)
    {
        _server = server;
        Store = store;
        Faults = faults;
        CertificatePemPath = certificatePemPath;
        _certificateDirectory = certificateDirectory;
    }

    /// <summary>The address to give the client: http://127.0.0.1:PORT, or https:// in TLS mode.</summary>
    public string Address => _server.Address;

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

        var log = new RequestLog(options.KeepRequests);
        var hosting = new EngramStandInHosting
        {
            Tls = certificate is not null,
            Hooks = new TestHooks(faults, log),
            ConfigureListen = listen =>
            {
                // Connections by id, so that a fault can drop the TCP connection under a stream.
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
            },
        };
        var server = await EngramStandInServer.StartAsync(options, hosting, time, cancellationToken);
        return new EngramTestServer(server, new EngramTestStore(server.Store, log), faults, pemPath, certificateDirectory);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
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
