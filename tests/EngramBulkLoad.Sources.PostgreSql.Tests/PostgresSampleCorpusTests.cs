using System.Text.RegularExpressions;
using EngramBulkLoad.Sources.Conformance;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>
/// The sample corpus as the compose stack seeds PostgreSQL (samples/seed/postgres), extracted with
/// samples/sources/postgres.json: the same records, texts and times as the files corpus, and all its links with their
/// weights (foreign keys, and the rows of the edge table article_links).
/// </summary>
public sealed partial class PostgresSampleCorpusTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_SeededSampleCorpus_GivesTheFilesCorpusRecordsAndEveryLinkWithItsWeight()
    {
        var corpus = SampleCorpus.Instance;
        var schema = await SeedAsync(corpus.Seed("postgres"));
        var section = corpus.SourceSection("postgres.json");
        // The config's unqualified tables resolve through the search path, as they do in the compose stack's public schema.
        section["connectionString"] = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { SearchPath = schema, Timezone = "UTC" }.ConnectionString;
        section.Remove("password");

        var snapshot = await ConformanceRun.ExtractAsync(new PostgresSourceFactory(), section, _temp.Path, cancellationToken: Ct);

        corpus.AssertSameRecordsAndLinks(snapshot, corpus.Links.Select(l => l.Type).Distinct().ToList(), perLinkWeights: true);
    }

    /// <summary>
    /// Runs 01-schema.sql in a fresh schema, then each <c>\copy</c> of 02-load.sql as the COPY FROM STDIN that psql
    /// sends for it (https://www.postgresql.org/docs/current/app-psql.html, \copy), in one transaction as the script does.
    /// </summary>
    private static async Task<string> SeedAsync(string folder)
    {
        var schema = await PostgresServer.CreateSchemaAsync(await File.ReadAllTextAsync(Path.Combine(folder, "01-schema.sql"), Ct), Ct);
        var copies = CopyLine().Matches(await File.ReadAllTextAsync(Path.Combine(folder, "02-load.sql"), Ct));
        Assert.Equal(6, copies.Count);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { SearchPath = schema }.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        foreach (Match copy in copies)
        {
            await using var writer = await connection.BeginTextImportAsync($"COPY {copy.Groups["table"].Value} FROM STDIN WITH ({copy.Groups["options"].Value})", Ct);
            await writer.WriteAsync(await File.ReadAllTextAsync(Path.Combine(folder, copy.Groups["file"].Value), Ct));
        }

        await transaction.CommitAsync(Ct);
        return schema;
    }

    [GeneratedRegex(@"^\\copy (?<table>\w+ \([^)]*\)) FROM '(?<file>[^']+)' WITH \((?<options>[^)]*)\)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
