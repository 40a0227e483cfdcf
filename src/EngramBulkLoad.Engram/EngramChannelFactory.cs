using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Net;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Builds the one HTTP/2 channel the loader uses: TLS when the address is https:// (optionally trusting
/// a given CA or self-signed certificate), and the API key attached to every call as
/// <c>authorization: Bearer ...</c>. The key is registered with <see cref="SecretScrubber"/> before
/// anything can fail, so no message can show it.
/// </summary>
internal static class EngramChannelFactory
{
    // Engram's default limit is 4 MiB per message; a batch response is small, a Recall response may not be.
    private const int MaxReceiveMessageBytes = 64 << 20;

    public static (GrpcChannel Channel, CallInvoker Invoker) Create(EngramOptions options)
    {
        var apiKey = options.ResolveApiKey();
        SecretScrubber.Register(apiKey);
        var handler = new SocketsHttpHandler
        {
            // Several batches in flight are streams of one connection; allow more when the server caps streams.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            ConnectTimeout = options.ConnectTimeout,
        };
        if (options.TlsTrustedCertificatePath is { } trustedPath)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(trustedPath);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => CertificateTrust.ChainsTo(certificate, errors, trusted),
            };
        }

        var channel = GrpcChannel.ForAddress(options.Address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxReceiveMessageBytes,
            // Retries are the loader's own (they must resume after the last acknowledged record).
            MaxRetryAttempts = 0,
        });
        CallInvoker invoker = channel.CreateCallInvoker();
        if (apiKey is not null)
        {
            var header = "Bearer " + apiKey;
            invoker = invoker.Intercept(metadata =>
            {
                metadata.Add("authorization", header);
                return metadata;
            });
        }

        return (channel, invoker);
    }
}
