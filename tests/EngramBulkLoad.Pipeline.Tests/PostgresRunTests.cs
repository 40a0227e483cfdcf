using EngramBulkLoad.Identity;
using EngramBulkLoad.Sources.PostgreSql.Tests;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The whole job from a real PostgreSQL (EBL_TEST_POSTGRES, started by test.sh) into the Engram test server.</summary>
public sealed class PostgresRunTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ebl-pipeline-pg", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Run_PostgresIntoEngram_ExactCountsWithForeignKeyAssociations()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE authors (id int PRIMARY KEY, name text, bio text);
            CREATE TABLE posts (id bigint PRIMARY KEY, author_id int REFERENCES authors(id), title text, body text, meta jsonb);
            INSERT INTO authors SELECT g, 'author ' || g, 'writes about topic ' || (g % 7) FROM generate_series(1, 300) g;
            INSERT INTO posts SELECT g, 1 + (g % 300), 'post ' || g, CASE WHEN g % 250 = 0 THEN '' ELSE 'body of post ' || g || ' on subject ' || (g % 11) END, jsonb_build_object('n', g)
              FROM generate_series(1, 2500) g;
            """, Ct);
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "job.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "migrationId": "pg-run",
              "snapshot": "snapshot",
              "extract": { "partSize": 700 },
              "sources": [
                { "name": "blog", "kind": "postgres", "connectionString": "{{PostgresServer.ConnectionString}}",
                  "tables": [
                    { "table": "{{schema}}.authors", "key": "id", "text": ["name", "bio"] },
                    { "table": "{{schema}}.posts", "key": "id", "template": "{title}: {body}",
                      "foreignKeys": [ { "columns": ["author_id"], "references": "{{schema}}.authors", "relation": "written_by" } ] }
                  ] }
              ]
            }
            """, Ct);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", config, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        HashSet<string> expected =
        [
            .. Enumerable.Range(1, 300).Select(i => MemoryIdentity.ForRecord("postgres", "blog", $"{schema}.authors", $"{i}")),
            .. Enumerable.Range(1, 2500).Select(i => MemoryIdentity.ForRecord("postgres", "blog", $"{schema}.posts", $"{i}")),
        ];
        Assert.Equal(expected, Held(server));
        Assert.Equal(2500, server.Store.Associations.Count);
        var manifest = await RunTests.ReadManifestAsync(Path.Combine(_folder, "snapshot"));
        Assert.Equal(2800, manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.Equal(2800, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
    }
}
