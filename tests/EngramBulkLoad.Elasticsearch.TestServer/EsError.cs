using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// An error as Elasticsearch answers it (reference "REST API common options: error responses"): status, and
/// a body {"error": {"root_cause": [...], "type", "reason", ...}, "status"}; a search that failed on every
/// shard wraps the cause in search_phase_execution_exception ("all shards failed") with the cause as root_cause.
/// </summary>
public sealed class EsError(int status, string type, string reason, IReadOnlyDictionary<string, object?>? extra = null, EsError? rootCause = null)
    : Exception(reason)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The error type, e.g. index_not_found_exception.</summary>
    public string Type { get; } = type;

    /// <summary>Further fields of the error object (index, resource.type, header, line, col, ...).</summary>
    public IReadOnlyDictionary<string, object?> Extra { get; } = extra ?? new Dictionary<string, object?>();

    /// <summary>The root cause when it differs from this error (a search phase failure).</summary>
    public EsError? RootCause { get; } = rootCause;

    /// <summary>index_not_found_exception, as the cluster returns it for a missing concrete index (404).</summary>
    public static EsError IndexNotFound(string index) => new(404, "index_not_found_exception", $"no such index [{index}]",
        new Dictionary<string, object?> { ["resource.type"] = "index_or_alias", ["resource.id"] = index, ["index_uuid"] = "_na_", ["index"] = index });

    /// <summary>A request the parser refuses (400 parsing_exception, or x_content_parse_exception).</summary>
    public static EsError Parsing(string reason) => new(400, "parsing_exception", reason, new Dictionary<string, object?> { ["line"] = 1, ["col"] = 1 });

    /// <summary>An argument the server refuses (400 illegal_argument_exception).</summary>
    public static EsError IllegalArgument(string reason) => new(400, "illegal_argument_exception", reason);

    /// <summary>
    /// A search on a point in time whose search contexts are gone (expired or closed): every shard fails with
    /// search_context_missing_exception, "No search context found for id [N]", and the search answers 404.
    /// </summary>
    public static EsError PitMissing(long contextId)
    {
        var cause = new EsError(404, "search_context_missing_exception", $"No search context found for id [{contextId}]");
        return new EsError(404, "search_phase_execution_exception", "all shards failed",
            new Dictionary<string, object?> { ["phase"] = "query", ["grouped"] = true }, cause);
    }

    /// <summary>429 es_rejected_execution_exception, as a full search thread pool queue rejects a request.</summary>
    public static EsError Rejected() => new(429, "es_rejected_execution_exception",
        "rejected execution of org.elasticsearch.common.util.concurrent.TimedRunnable on TaskExecutionTimeTrackingEsThreadPoolExecutor[name = node-1/search, queue capacity = 1000, task execution EWMA = 1ms, total task execution time = 1s]");

    /// <summary>Writes the response body.</summary>
    public void WriteBody(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WritePropertyName("error");
        writer.WriteStartObject();
        writer.WritePropertyName("root_cause");
        writer.WriteStartArray();
        (RootCause ?? this).WriteCause(writer);
        writer.WriteEndArray();
        WriteFields(writer);
        if (RootCause is not null)
        {
            writer.WritePropertyName("failed_shards");
            writer.WriteStartArray();
            writer.WriteStartObject();
            writer.WriteNumber("shard", -1);
            writer.WriteNull("index");
            writer.WritePropertyName("reason");
            RootCause.WriteCause(writer);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WritePropertyName("caused_by");
            RootCause.WriteCause(writer);
        }

        writer.WriteEndObject();
        writer.WriteNumber("status", Status);
        writer.WriteEndObject();
    }

    private void WriteCause(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        WriteFields(writer);
        writer.WriteEndObject();
    }

    private void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("type", Type);
        writer.WriteString("reason", Message);
        foreach (var (name, value) in Extra)
        {
            writer.WritePropertyName(name);
            JsonSerializer.Serialize(writer, value);
        }
    }
}
