using System.Security.Cryptography.X509Certificates;
using Elastic.Clients.Elasticsearch;
using Elastic.Transport;
using EngramBulkLoad.Net;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>Builds the official client from the source's settings: nodes, credentials, CA trust, timeouts.</summary>
internal static class ClientFactory
{
    public static ElasticsearchClient Create(ElasticsearchSourceOptions options)
    {
        NodePool pool = options.Nodes.Count == 1 ? new SingleNodePool(options.Nodes[0]) : new StaticNodePool(options.Nodes);
        var invoker = options.ApiCompatibility == 9 ? new HttpRequestInvoker() : new HttpRequestInvoker((inner, _) => new CompatibilityHandler(options.ApiCompatibility, inner));
        var settings = new ElasticsearchClientSettings(pool, invoker)
            .RequestTimeout(options.RequestTimeout)
            // The job retries 429 and unreachable nodes itself, with backoff (ElasticsearchSource.SendAsync); the
            // transport's own retries go to the next node at once, which is what failover wants and a busy cluster does not.
            .MaxRetryTimeout(options.RequestTimeout);
        if (options.ApiKey is { } apiKey)
        {
            settings = settings.Authentication(new ApiKey(apiKey));
        }
        else if (options.Username is { } user)
        {
            settings = settings.Authentication(new BasicAuthentication(user, options.Password!));
        }

        if (options.CaFingerprint is { } fingerprint)
        {
            settings = settings.CertificateFingerprint(fingerprint);
        }
        else if (options.CaFile is { } caFile)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(caFile);
            settings = settings.ServerCertificateValidationCallback((_, certificate, _, errors) => CertificateTrust.ChainsTo(certificate, errors, trusted));
        }

        return new ElasticsearchClient(settings);
    }
}
