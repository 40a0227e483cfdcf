using EngramBulkLoad.Errors;
using MongoDB.Driver;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>Turns driver and server failures into messages that say what to fix. Never includes the password.</summary>
internal static class MongoErrors
{
    public static SourceException Translate(Exception ex, string source, string? collection, MongoUrl url)
    {
        var server = string.Join(",", url.Servers.Select(s => s.ToString()));
        var message = ex switch
        {
            MongoAuthenticationException => ($"MongoDB at {server} refused user '{url.Username}' (authSource '{url.AuthenticationSource ?? url.DatabaseName ?? "admin"}'): {ex.Message} "
                + "Check the user name and the password (the connection string's, or the source's \"password\" setting), and authSource.", false),
            MongoCommandException { Code: 13 } command => ($"{command.ErrorMessage}. Grant the user the read role on the database.", false),
            MongoCommandException command => ($"MongoDB error {command.Code} ({command.CodeName}): {command.ErrorMessage}", false),
            TimeoutException => ($"cannot reach MongoDB at {server} within the server selection timeout: {ex.Message} "
                + "Check the host and port, that the server runs and accepts connections, or raise serverSelectionTimeoutMS.", true),
            MongoConnectionException => ($"the connection to MongoDB at {server} failed: {ex.Message}", true),
            _ => ($"MongoDB at {server}: {ex.Message}", false),
        };
        return ErrorFactory.Source(source, collection, SecretScrubber.Scrub(message.Item1), ex, message.Item2);
    }
}
