using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace EngramBulkLoad.Sources.Neo4j.QueryApi;

/// <summary>
/// Runs Cypher through Neo4j's HTTP Query API: <c>POST {url}/db/{database}/query/v2</c> with
/// <c>{"statement": ..., "parameters": {...}}</c>, Basic authentication, and typed JSON both ways
/// (Content-Type and Accept "application/vnd.neo4j.query"), so parameters keep their Cypher types (an INTEGER key
/// is compared as an INTEGER; the typed format is all-or-nothing per request, so every parameter is typed).
/// A successful query answers 202 Accepted and streams its rows (https://neo4j.com/docs/query-api/current/query/).
/// Parameters always travel as parameters: no value from data is ever spliced into a statement.
/// </summary>
internal sealed class QueryApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly AuthenticationHeaderValue? _authorization;

    public QueryApiClient(Uri url, string database, string user, string? password, string? caCertificate, HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? CreateHandler(caCertificate)) { Timeout = Timeout.InfiniteTimeSpan };
        _endpoint = new Uri(url, $"db/{Uri.EscapeDataString(database)}/query/v2");
        if (password is not null)
        {
            _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }
    }

    /// <summary>The address queries go to (no credentials in it).</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>Runs a statement and streams its rows; a failure is a <see cref="QueryApiException"/>.</summary>
    public async IAsyncEnumerable<object?[]> RunAsync(string statement, IReadOnlyDictionary<string, object?> parameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = Body(statement, parameters) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(TypedJson.MediaType));
        request.Headers.Authorization = _authorization;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new QueryApiException(null, null, Unreachable(ex), isTransient: ex.InnerException is not System.Security.Authentication.AuthenticationException);
        }

        using (response)
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted && response.StatusCode != HttpStatusCode.OK)
            {
                using var buffer = new MemoryStream();
                await body.CopyToAsync(buffer, cancellationToken);
                throw QueryApiErrors.FromBody((int)response.StatusCode, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }

            var reader = new QueryResultReader(body);
            await foreach (var row in reader.ReadRowsAsync(cancellationToken))
            {
                yield return row;
            }
        }
    }

    /// <summary>Runs a statement that returns one row of one value (a count, a max).</summary>
    public async Task<object?> ScalarAsync(string statement, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        object? value = null;
        await foreach (var row in RunAsync(statement, parameters, cancellationToken))
        {
            value = row.Length > 0 ? row[0] : null;
        }

        return value;
    }

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent Body(string statement, IReadOnlyDictionary<string, object?> parameters)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("statement", statement);
            writer.WriteStartObject("parameters");
            foreach (var (name, value) in parameters)
            {
                writer.WritePropertyName(name);
                TypedJson.Write(writer, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(TypedJson.MediaType);
        return content;
    }

    private string Unreachable(HttpRequestException ex)
    {
        var server = $"{_endpoint.Scheme}://{_endpoint.Authority}";
        return ex.InnerException is System.Security.Authentication.AuthenticationException tls
            ? $"the TLS handshake with {server} failed ({tls.Message}). If the server's certificate is signed by a private CA, give its PEM file as the source's tls.caCertificate."
            : $"cannot reach Neo4j at {server} ({ex.HttpRequestError}: {ex.Message}). Check the url (the HTTP connector, default port 7474, or 7473 for HTTPS) and that the server is running.";
    }

    private static SocketsHttpHandler CreateHandler(string? caCertificate)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1), AutomaticDecompression = DecompressionMethods.All };
        if (caCertificate is not null)
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(caCertificate);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                // Trust exactly the configured CA for this connection (custom root trust), with the usual name and date checks.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { authority },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            };
        }

        return handler;
    }
}
