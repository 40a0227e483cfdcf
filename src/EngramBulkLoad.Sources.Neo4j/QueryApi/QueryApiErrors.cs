using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Sources.Neo4j.QueryApi;

/// <summary>
/// A failure the Query API reported: an HTTP status with <c>{"errors": [{"code": "Neo.ClientError...", "message": "..."}]}</c>
/// (401 for refused credentials, 404 for a database that does not exist, 400 for a statement the server refuses),
/// or the same "errors" member after rows. Codes: https://neo4j.com/docs/status-codes/current/errors/ ;
/// statuses: QueryResource.execute in neo4j/neo4j community/server/.../queryapi.
/// </summary>
internal sealed class QueryApiException(int? status, string? code, string message, bool isTransient) : Exception(message)
{
    /// <summary>The HTTP status, when the failure came with one.</summary>
    public int? Status { get; } = status;

    /// <summary>The Neo4j status code, e.g. Neo.ClientError.Statement.SyntaxError; null when the server sent none.</summary>
    public string? Code { get; } = code;

    /// <summary>True for Neo.TransientError codes and for failures to reach the server: retrying may succeed.</summary>
    public bool IsTransient { get; } = isTransient;
}

internal static class QueryApiErrors
{
    /// <summary>The first error of an error body; a body that is not one is described by its start.</summary>
    public static QueryApiException FromBody(int? status, ReadOnlySpan<byte> json)
    {
        ErrorBody? body = null;
        ErrorEntry[]? entries = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                entries = JsonSerializer.Deserialize(json, QueryApiJson.Default.ErrorEntryArray);
            }
            else
            {
                body = JsonSerializer.Deserialize(json, QueryApiJson.Default.ErrorBody);
                entries = body?.Errors;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page, an older server's HTML): described below by its text.
        }

        if (entries is { Length: > 0 } && entries[0] is { } first)
        {
            var code = first.Code ?? "(no code)";
            return new QueryApiException(status, first.Code, $"{code}: {first.Message}", code.StartsWith("Neo.TransientError", StringComparison.Ordinal));
        }

        var text = System.Text.Encoding.UTF8.GetString(json[..Math.Min(json.Length, 200)]).ReplaceLineEndings(" ");
        return new QueryApiException(status, null, $"HTTP {status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} without a Neo4j error body: {text}", status is >= 500);
    }
}

internal sealed class ErrorBody
{
    public ErrorEntry[]? Errors { get; init; }
}

internal sealed class ErrorEntry
{
    public string? Code { get; init; }

    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(ErrorEntry[]))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class QueryApiJson : JsonSerializerContext;
