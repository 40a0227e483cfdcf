using Elastic.Clients.Elasticsearch;
using Elastic.Transport.Products.Elasticsearch;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>
/// What an unsuccessful response means: the error type and reason Elasticsearch put in its body (see
/// "Common options: error responses" in the REST reference), the status, and whether a retry can help.
/// Messages never include credentials: the client's debug information is not used, since it can hold them.
/// </summary>
internal sealed record ElasticsearchFailure(int? Status, string? Type, string? RootType, string Reason)
{
    /// <summary>True for failures that a wait and a retry can cure: 429 (the cluster's queues are full), 502-504, and no answer at all.</summary>
    public bool IsTransient => Status is null or 429 or 502 or 503 or 504;

    /// <summary>True when the point in time (its search contexts) no longer exists: it expired or was closed.</summary>
    public bool IsPitMissing => RootType == "search_context_missing_exception" || Type == "search_context_missing_exception";

    public static ElasticsearchFailure Of(ElasticsearchResponse response)
    {
        var status = response.ApiCallDetails?.HttpStatusCode;
        if (response.ElasticsearchServerError is { Error: { } error } serverError)
        {
            var root = error.RootCause?.FirstOrDefault();
            var reason = root?.Reason ?? error.Reason ?? error.Type;
            return new ElasticsearchFailure(status ?? serverError.Status, error.Type, root?.Type ?? error.CausedBy?.Type, $"{root?.Type ?? error.Type}: {reason}");
        }

        var exception = response.ApiCallDetails?.OriginalException;
        var message = exception?.InnerException?.Message ?? exception?.Message ?? "no answer";
        return new ElasticsearchFailure(status, null, null, status is { } code ? $"HTTP {code}: {message}" : message);
    }

    /// <summary>The failure as an error that says what to fix.</summary>
    public SourceException ToException(string source, string? collection, string nodes, string? index)
    {
        var problem = Status switch
        {
            401 => $"the cluster at {nodes} refused the credentials ({Reason}). Check \"username\" and \"password\", or \"apiKey\" (and the variables they name).",
            403 => $"the user may not do this ({Reason}). Grant it the read and view_index_metadata privileges on '{index}'.",
            404 when Type == "index_not_found_exception" || RootType == "index_not_found_exception" =>
                $"index '{index}' does not exist ({Reason}). Check \"index\"; a pattern such as logs-* reads every index it matches.",
            400 when Type == "media_type_header_exception" || RootType == "media_type_header_exception" =>
                $"the cluster refused the client's REST API version ({Reason}). An Elasticsearch 8.x cluster needs \"apiCompatibility\": 8 in this source's settings.",
            400 => $"the cluster refused the request ({Reason}). Check \"query\", \"sortField\", \"sliceField\" and \"watermark\" of this index.",
            null => $"cannot reach Elasticsearch at {nodes} ({Reason}). Check \"nodes\", the network, and TLS settings (tls.caFingerprint or tls.caFile for a private CA).",
            _ => $"Elasticsearch answered {Status} ({Reason}).",
        };
        return ErrorFactory.Source(source, collection, problem, null, IsTransient);
    }
}
