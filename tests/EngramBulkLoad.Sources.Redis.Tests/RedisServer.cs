using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis.Tests;

/// <summary>
/// The real redis-server the tests use, from EBL_TEST_REDIS ("host:port"; test.sh starts one). Without it
/// the tests skip with the reason; under CI=true they fail, because CI must never pass by skipping. Each
/// test writes under its own key prefix, so tests never see each other's keys.
/// </summary>
internal static class RedisServer
{
    /// <summary>An ACL user the tests create, so credentials can be checked (right and wrong).</summary>
    public const string User = "ebl-test-user";

    /// <summary>Its password.</summary>
    public const string Password = "ebl-redis-test-pw-41c";

    private static readonly Lazy<Task<ConnectionMultiplexer>> Shared = new(ConnectAsync);

    public static string Address => EngramBulkLoad.Tests.Shared.ServerVariable.Require("EBL_TEST_REDIS", "redis-server");

    public static string Host => Address.Split(':')[0];

    public static int Port => int.Parse(Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A connection for arranging data (admin commands allowed).</summary>
    public static async Task<IDatabase> DatabaseAsync(int database = 0) => (await Shared.Value).GetDatabase(database);

    /// <summary>A key prefix no other test uses.</summary>
    public static string NewPrefix() => $"t:{Guid.NewGuid():N}:"[..15];

    private static async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(Address);
        options.AllowAdmin = true;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        await connection.GetDatabase().ExecuteAsync("ACL", "SETUSER", User, "reset", "on", ">" + Password, "~*", "&*", "+@all");
        return connection;
    }
}
