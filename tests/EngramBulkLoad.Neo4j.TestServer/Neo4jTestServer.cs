using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Neo4j.TestServer.Cypher;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Neo4j.TestServer;

/// <summary>Settings of the test server.</summary>
public sealed class Neo4jTestServerOptions
{
    /// <summary>Port on 127.0.0.1; 0 (the default) takes a free one.</summary>
    public int Port { get; set; }

    /// <summary>The user whose Basic credentials are accepted. Default: neo4j.</summary>
    public string User { get; set; } = "neo4j";

    /// <summary>The password. Default: "test-password".</summary>
    public string Password { get; set; } = "test-password";

    /// <summary>The databases the server has (names are case-insensitive, as in Neo4j). Default: neo4j.</summary>
    public IReadOnlyList<string> Databases { get; set; } = ["neo4j"];
}

/// <summary>Faults to inject into the next queries, for tests of failure handling.</summary>
public sealed class Neo4jFaults
{
    private int _failAfterRows = -1;

    /// <summary>
    /// The next query that produces more than this many rows fails after them, with the "errors" member Neo4j appends to a
    /// streamed result (Neo.TransientError.General.DatabaseUnavailable). One query only; -1 (the default) is off.
    /// </summary>
    public int FailAfterRows
    {
        get => Volatile.Read(ref _failAfterRows);
        set => Volatile.Write(ref _failAfterRows, value);
    }

    internal bool TryTakeFailure(long rowsWritten)
    {
        var limit = FailAfterRows;
        return limit >= 0 && rowsWritten >= limit && Interlocked.CompareExchange(ref _failAfterRows, -1, limit) == limit;
    }
}

/// <summary>A statement the server received, with its parameters as it decoded them.</summary>
public sealed record ReceivedQuery(string Database, string Statement, IReadOnlyDictionary<string, object?> Parameters, string ContentType, string Accept);

/// <summary>
/// Answers Neo4j 5's HTTP Query API on 127.0.0.1: <c>POST /db/{database}/query/v2</c> with a JSON body
/// <c>{"statement", "parameters"}</c>, Basic authentication, typed or plain JSON by Accept and Content-Type, and the
/// statement run for real by a Cypher interpreter over <see cref="Graph"/> (<see cref="Executor"/>). Statuses and
/// bodies follow QueryResource.execute and the auth filter of neo4j/neo4j (community/server/.../queryapi):
/// 202 Accepted with <c>{"data": {"fields", "values"}, "bookmarks"}</c> streamed as rows are produced; 401 with
/// Neo.ClientError.Security.Unauthorized ("No authentication header supplied.", "Invalid username or password.");
/// 404 with Neo.ClientError.Database.DatabaseNotFound; 400 with Neo.ClientError.Statement.* for statements the server
/// refuses; an error while streaming ends the body with an "errors" member after the rows sent.
/// Docs: https://neo4j.com/docs/query-api/current/query/ and /authentication-authorization/.
/// </summary>
public sealed class Neo4jTestServer : IAsyncDisposable
{
    private const string TypedMediaType = "application/vnd.neo4j.query";
    private readonly WebApplication _app;
    private readonly Neo4jTestServerOptions _options;
    private readonly ConcurrentQueue<ReceivedQuery> _received = new();
    private long _bookmark;

    private Neo4jTestServer(WebApplication app, Neo4jTestServerOptions options, Graph graph, Uri url)
    {
        _app = app;
        _options = options;
        Graph = graph;
        Url = url;
    }

    /// <summary>The server's address, http://127.0.0.1:PORT/.</summary>
    public Uri Url { get; }

    /// <summary>The graph of the default (first) database; set it up before querying.</summary>
    public Graph Graph { get; }

    /// <summary>Faults to inject.</summary>
    public Neo4jFaults Faults { get; } = new();

    /// <summary>Every statement received, in order.</summary>
    public IReadOnlyCollection<ReceivedQuery> Received => _received;

    /// <summary>Starts a server; it listens once this returns.</summary>
    public static async Task<Neo4jTestServer> StartAsync(Neo4jTestServerOptions? options = null, Graph? graph = null, CancellationToken cancellationToken = default)
    {
        options ??= new Neo4jTestServerOptions();
        graph ??= new Graph();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.AllowSynchronousIO = false;
        });
        var app = builder.Build();
        Neo4jTestServer? server = null;
        app.MapPost("/db/{database}/query/v2", (HttpContext context, string database) => server!.QueryAsync(context, database));
        await app.StartAsync(cancellationToken);
        var address = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        server = new Neo4jTestServer(app, options, graph, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task QueryAsync(HttpContext context, string database)
    {
        var request = context.Request;
        var response = context.Response;
        if (Authenticate(request.Headers.Authorization.ToString()) is { } refusal)
        {
            await ErrorAsync(response, StatusCodes.Status401Unauthorized, "Neo.ClientError.Security.Unauthorized", refusal);
            return;
        }

        if (!_options.Databases.Contains(database, StringComparer.OrdinalIgnoreCase))
        {
            // The Query API runs through a local driver session; a database the routing table does not know is a FatalDiscoveryException → 404.
            await ErrorAsync(response, StatusCodes.Status404NotFound, "Neo.ClientError.Database.DatabaseNotFound",
                $"Unable to get a routing table for database '{database.ToLowerInvariant()}' because this database does not exist");
            return;
        }

        var contentType = request.ContentType ?? string.Empty;
        var typedIn = contentType.StartsWith(TypedMediaType, StringComparison.Ordinal);
        if (!typedIn && !contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        var accept = request.Headers.Accept.ToString();
        var typedOut = accept.Contains(TypedMediaType, StringComparison.Ordinal);
        if (!typedOut && accept.Length > 0 && !accept.Contains("application/json", StringComparison.Ordinal) && !accept.Contains("*/*", StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status406NotAcceptable;
            return;
        }

        string statement;
        Dictionary<string, object?> parameters;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: context.RequestAborted);
            if (!body.RootElement.TryGetProperty("statement", out var statementElement) || statementElement.ValueKind != JsonValueKind.String)
            {
                await ErrorAsync(response, StatusCodes.Status400BadRequest, "Neo.ClientError.Request.Invalid", "Bad Request: the body must have a \"statement\".");
                return;
            }

            statement = statementElement.GetString()!;
            parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (body.RootElement.TryGetProperty("parameters", out var parameterElement) && parameterElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var parameter in parameterElement.EnumerateObject())
                {
                    parameters[parameter.Name] = typedIn ? QueryApiJson.ReadTyped(parameter.Value) : QueryApiJson.ReadPlain(parameter.Value);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            await ErrorAsync(response, StatusCodes.Status400BadRequest, "Neo.ClientError.Request.Invalid", $"Bad Request: {ex.Message}");
            return;
        }

        _received.Enqueue(new ReceivedQuery(database, statement, parameters, contentType, accept));
        Executor executor;
        try
        {
            executor = Executor.Prepare(statement, Graph, parameters);
        }
        catch (CypherSyntaxException ex)
        {
            await ErrorAsync(response, StatusCodes.Status400BadRequest, "Neo.ClientError.Statement.SyntaxError", ex.Message);
            return;
        }
        catch (CypherException ex)
        {
            await ErrorAsync(response, StatusCodes.Status400BadRequest, ex.Code, ex.Message);
            return;
        }

        await StreamAsync(context, executor, typedOut);
    }

    private async Task StreamAsync(HttpContext context, Executor executor, bool typed)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentType = typed ? TypedMediaType : "application/json";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartObject("data");
        writer.WriteStartArray("fields");
        foreach (var field in executor.Fields)
        {
            writer.WriteStringValue(field);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("values");
        (string Code, string Message)? failure = null;
        long written = 0;
        long flushed = 0;
        try
        {
            foreach (var row in executor.Rows())
            {
                if (Faults.TryTakeFailure(written))
                {
                    throw new CypherException("Neo.TransientError.General.DatabaseUnavailable", "The database is not currently available to serve your request (injected).");
                }

                writer.WriteStartArray();
                foreach (var value in row)
                {
                    if (typed)
                    {
                        QueryApiJson.WriteTyped(writer, value);
                    }
                    else
                    {
                        QueryApiJson.WritePlain(writer, value);
                    }
                }

                writer.WriteEndArray();
                written++;
                // Rows go out as they are produced (Neo4j streams results): flush every 32 KiB written.
                if (writer.BytesCommitted + writer.BytesPending - flushed > 32 * 1024)
                {
                    writer.Flush();
                    flushed = writer.BytesCommitted;
                    await response.BodyWriter.FlushAsync(context.RequestAborted);
                }
            }
        }
        catch (CypherException ex)
        {
            failure = (ex.Code, ex.Message);
        }
        catch (OverflowException)
        {
            failure = ("Neo.ClientError.Statement.ArithmeticError", "long overflow");
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        if (failure is { } error)
        {
            writer.WriteStartArray("errors");
            writer.WriteStartObject();
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteStartArray("bookmarks");
            writer.WriteStringValue("FB:" + Convert.ToBase64String(BitConverter.GetBytes(Interlocked.Increment(ref _bookmark))));
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.Flush();
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Null when the Basic credentials are the configured ones; otherwise Neo4j's message for the refusal.</summary>
    private string? Authenticate(string header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "No authentication header supplied.";
        }

        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return "Invalid authentication header.";
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return "Invalid authentication header.";
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && decoded[..colon] == _options.User && decoded[(colon + 1)..] == _options.Password ? null : "Invalid username or password.";
    }

    private static async Task ErrorAsync(HttpResponse response, int status, string code, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("errors");
        writer.WriteStartObject();
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        await response.BodyWriter.FlushAsync();
    }
}
