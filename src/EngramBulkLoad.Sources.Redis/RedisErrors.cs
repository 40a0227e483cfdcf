using EngramBulkLoad.Errors;
using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>Turns StackExchange.Redis failures into messages that say what to fix. Never includes the password.</summary>
internal static class RedisErrors
{
    public static SourceException Translate(Exception ex, string source, string? collection, RedisSourceOptions options)
    {
        var server = $"{options.Host}:{options.Port}";
        var user = options.User ?? "default";
        return ex switch
        {
            RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } => ErrorFactory.Source(source, collection,
                $"Redis at {server} refused user '{user}' (wrong user name or password, or the user is disabled). Check \"user\" and \"password\" (e.g. \"${{REDIS_PASSWORD}}\").", ex),
            RedisServerException refused when IsAuth(refused.Message) => ErrorFactory.Source(source, collection,
                $"Redis at {options.Host}:{options.Port} refused user '{user}': {FirstWord(refused.Message)}. Check \"user\" and \"password\", and the user's ACL (it needs +@read +scan +type +pttl +pexpiretime on the keys).", ex),
            RedisConnectionException connection => ErrorFactory.Source(source, collection,
                $"cannot reach Redis at {server} ({connection.FailureType}). Check \"host\" and \"port\" (and \"tls\"), and that the server is running and accepts connections.", ex, isTransient: true),
            RedisTimeoutException => ErrorFactory.Source(source, collection,
                $"Redis at {server} did not answer in time. Check the network and the server's load, or raise \"timeoutMs\".", ex, isTransient: true),
            RedisServerException redis => ErrorFactory.Source(source, collection, $"Redis at {server} answered with an error: {redis.Message}", ex),
            _ => ErrorFactory.Source(source, collection, ex.Message, ex),
        };
    }

    /// <summary>True for the server's refusals of a user: NOAUTH, WRONGPASS, NOPERM.</summary>
    private static bool IsAuth(string message)
        => message.StartsWith("NOAUTH", StringComparison.Ordinal) || message.StartsWith("WRONGPASS", StringComparison.Ordinal) || message.StartsWith("NOPERM", StringComparison.Ordinal);

    private static string FirstWord(string message) => message.Split(' ', 2)[0];
}
