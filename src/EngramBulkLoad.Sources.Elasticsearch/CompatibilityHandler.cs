using System.Globalization;
using System.Net.Http.Headers;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>
/// Declares another REST API compatibility version on every request. The 9.x client always sends
/// "application/vnd.elasticsearch+json; compatible-with=9", which an Elasticsearch 8 cluster refuses
/// (media_type_header_exception), and offers no setting to change it (elastic/elasticsearch-net#8526).
/// The requests this source sends (info, index exists, point in time, search with search_after and slice,
/// count) have the same shape in 8.x, so with "apiCompatibility": 8 they declare version 8 instead.
/// </summary>
internal sealed class CompatibilityHandler(int version, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly string _declared = "compatible-with=" + version.ToString(CultureInfo.InvariantCulture);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var accept = request.Headers.Accept.Select(Rewrite).ToList();
        request.Headers.Accept.Clear();
        foreach (var value in accept)
        {
            request.Headers.Accept.Add(value);
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            request.Content.Headers.ContentType = Rewrite(contentType);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private T Rewrite<T>(T header)
        where T : MediaTypeHeaderValue
    {
        foreach (var parameter in header.Parameters.Where(p => p.Name.Equals("compatible-with", StringComparison.OrdinalIgnoreCase)))
        {
            parameter.Value = _declared["compatible-with=".Length..];
        }

        return header;
    }
}
