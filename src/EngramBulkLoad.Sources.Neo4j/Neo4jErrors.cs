using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Neo4j.QueryApi;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>Turns Query API failures into messages that say what to fix. Never includes the password.</summary>
internal static class Neo4jErrors
{
    public static SourceException Translate(QueryApiException ex, string source, string? collection, Neo4jSourceOptions options, string statement)
    {
        var server = $"{options.Url.Scheme}://{options.Url.Authority}";
        return ex switch
        {
            { Code: "Neo.ClientError.Security.Unauthorized" } or { Status: 401 } => ErrorFactory.Source(source, collection,
                $"Neo4j at {server} refused user '{options.User}' ({ex.Message}). Check \"user\" and the password (the source's \"password\", e.g. \"${{NEO4J_PASSWORD}}\").", ex),
            { Code: "Neo.ClientError.Security.Forbidden" } => ErrorFactory.Source(source, collection,
                $"Neo4j at {server} does not let user '{options.User}' run this ({ex.Message}). Grant the user read access (e.g. the reader role) on database '{options.Database}'.", ex),
            { Code: "Neo.ClientError.Database.DatabaseNotFound" } => ErrorFactory.Source(source, collection,
                $"database '{options.Database}' does not exist on {server} ({ex.Message}). Check \"database\" (SHOW DATABASES lists them; the default is neo4j).", ex),
            { Code: "Neo.ClientError.Statement.SyntaxError" } => ErrorFactory.Source(source, collection,
                $"Neo4j refused the statement as invalid Cypher ({ex.Message}). The statement was: {statement}. When the error is inside the collection's \"where\", fix that predicate (it is Cypher over the node n).", ex),
            { Code: { } code } when code.StartsWith("Neo.ClientError.Statement.", StringComparison.Ordinal) => ErrorFactory.Source(source, collection,
                $"Neo4j could not run the statement ({ex.Message}). The statement was: {statement}. Check the collection's \"where\" and property names.", ex),
            { Status: 404, Code: null } => ErrorFactory.Source(source, collection,
                $"{server} has no Query API at {options.Url.AbsolutePath.TrimEnd('/')}/db/{options.Database}/query/v2 ({ex.Message}). The Query API needs Neo4j 5.19 or later; before 5.25 a self-managed server enables it with QUERY_API_ENDPOINTS in server.http_enabled_modules (https://neo4j.com/docs/query-api/). Check the url, the version and that setting.", ex),
            { Status: null, Code: null } => ErrorFactory.Source(source, collection, ex.Message, ex, ex.IsTransient),
            _ => ErrorFactory.Source(source, collection, $"Neo4j at {server} answered {ex.Message}.", ex, ex.IsTransient),
        };
    }
}
