using EngramBulkLoad.Identity;
using EngramBulkLoad.Sources.PostgreSql.Tests;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// A blog in its own PostgreSQL schema (300 authors, 2,500 posts, each post written by one author through
/// a foreign key) and a job config that reads it into the snapshot folder "snapshot" beside the config.
/// </summary>
internal sealed record BlogDatabase(string Schema, string ConfigPath)
{
    public const int Authors = 300;
    public const int Posts = 2500;

    /// <summary>Creates the schema and writes the job config into <paramref name="folder"/>.</summary>
    public static async Task<BlogDatabase> CreateAsync(string folder, CancellationToken cancellationToken)
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE authors (id int PRIMARY KEY, name text, bio text);
            CREATE TABLE posts (id bigint PRIMARY KEY, author_id int REFERENCES authors(id), title text, body text, meta jsonb);
            INSERT INTO authors SELECT g, 'author ' || g, 'writes about topic ' || (g % 7) FROM generate_series(1, 300) g;
            INSERT INTO posts SELECT g, 1 + (g % 300), 'post ' || g, CASE WHEN g % 250 = 0 THEN '' ELSE 'body of post ' || g || ' on subject ' || (g % 11) END, jsonb_build_object('n', g)
              FROM generate_series(1, 2500) g;
            """, cancellationToken);
        Directory.CreateDirectory(folder);
        var config = Path.Combine(folder, "job.json");
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
              ],
              "engram": { "shardPollInterval": "00:00:00.200" }
            }
            """, cancellationToken);
        return new BlogDatabase(schema, config);
    }

    /// <summary>The memory ids of every author and post.</summary>
    public HashSet<string> ExpectedIds()
        => [
            .. Enumerable.Range(1, Authors).Select(i => MemoryIdentity.ForRecord("postgres", "blog", $"{Schema}.authors", $"{i}")),
            .. Enumerable.Range(1, Posts).Select(i => MemoryIdentity.ForRecord("postgres", "blog", $"{Schema}.posts", $"{i}")),
        ];

    /// <summary>Every post's association to its author: (post, author).</summary>
    public HashSet<(string From, string To)> ExpectedAssociations()
        => [.. Enumerable.Range(1, Posts).Select(i => (
            MemoryIdentity.ForRecord("postgres", "blog", $"{Schema}.posts", $"{i}"),
            MemoryIdentity.ForRecord("postgres", "blog", $"{Schema}.authors", $"{1 + (i % Authors)}")))];
}
