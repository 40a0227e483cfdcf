using Npgsql;
using Testcontainers.PostgreSql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>
/// The same source against the official postgres image, where a Docker engine exists. Machines
/// without Docker (these build machines) skip it with that reason.
/// </summary>
public sealed class PostgresContainerTests
{
    [Fact]
    public async Task Check_OfficialImage_ConnectsAndDescribesTable()
    {
        var ct = TestContext.Current.CancellationToken;
        var hasDocker = File.Exists("/var/run/docker.sock") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        Assert.SkipUnless(hasDocker, "No Docker engine here (no /var/run/docker.sock, no DOCKER_HOST); the Testcontainers test runs where Docker exists.");

        await using var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
        await container.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(5), ct);
        await using (var connection = new NpgsqlConnection(container.GetConnectionString()))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("CREATE TABLE docs (id int PRIMARY KEY, body text); INSERT INTO docs VALUES (1, 'hello');", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        var config = Configuration.JobConfigLoader.Parse(
            $$"""{ "migrationId": "tc", "sources": [ { "name": "pg", "kind": "postgres", "connectionString": "{{container.GetConnectionString()}}", "tables": [ { "table": "docs", "key": "id", "text": "body" } ] } ] }""",
            "/tmp/tc.json");
        var source = new PostgresSourceFactory().Create(config.Sources[0], config.Extract, null);

        await source.CheckAsync(ct);
        var items = await source.ReadAsync("docs", null, ct).ToListAsync(ct);

        Assert.Equal("hello", Assert.Single(items).Record?.Content);
    }
}
