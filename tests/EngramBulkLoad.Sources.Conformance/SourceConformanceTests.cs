using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Conformance;

/// <summary>
/// The conformance suite every source passes, so PostgreSQL, files, Redis, MongoDB, Elasticsearch and
/// Neo4j behave alike: exactness, resume, shards, filters and backfill, bad input, determinism.
/// <para>
/// How a source derives from it: in the source's test project, reference this project and write
/// <c>public sealed class MySourceConformanceTests : SourceConformanceTests</c> that supplies
/// <list type="bullet">
/// <item><see cref="Factory"/>: the source's <see cref="IRecordSourceFactory"/>;</item>
/// <item><see cref="CreateCollectionAsync"/>: store the given items on the test's own server, each under the
/// field names of <see cref="ConformanceFields"/> (typed values, or the texts of <see cref="ConformanceItem.TextFields"/>),
/// in a place no other test uses (own schema, key prefix, index, label);</item>
/// <item><see cref="SourceSection"/>: the source's config section (kind, connection, collection) for that
/// collection, with the given mapping settings (text, timestamp, maxContentBytes, and "where" or "watermark"
/// when a test adds them) placed where the kind expects per-collection settings, and the key mapped to the item's id;</item>
/// <item><see cref="WhereCategoryIs"/>: the kind's own "where" value selecting items by category;</item>
/// <item>the bad-input sections: <see cref="UnreachableSection"/>, <see cref="WrongCredentialsSection"/>
/// (return null when the kind has no server or no credentials) and <see cref="MissingCollectionSection"/>.</item>
/// </list>
/// Override <see cref="SupportsWatermark"/> and <see cref="UpsertAsync"/> where the kind has backfill by
/// watermark, and <see cref="MetadataKeepsTypes"/>, <see cref="ExpectedKind"/>, <see cref="ExpectedKey"/> where
/// the kind differs from a SQL table. A server the test needs but cannot find must fail the test under
/// CI=true (skip with the reason otherwise), in <see cref="CreateCollectionAsync"/>.
/// </para>
/// <para>
/// Error wording the suite relies on: an unreachable server is a transient <see cref="SourceException"/> whose
/// message says "cannot reach"; refused credentials and a missing collection are <see cref="SourceException"/>s
/// that say which user or collection; a content field that does not exist is an error naming it, or a reject
/// per item whose message names it.
/// </para>
/// </summary>
public abstract class SourceConformanceTests : IDisposable
{
    /// <summary>The password or key <see cref="WrongCredentialsSection"/> must use; the suite looks for it in every output.</summary>
    protected const string WrongSecret = "conformance-wrong-secret-7f3a9c";

    /// <summary>A text field no item has, for the missing-content-field test.</summary>
    protected const string AbsentField = "summary_not_there";

    private readonly TempFolder _temp = new();
    private int _snapshots;

    /// <summary>Cancellation of the running test.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A folder of this test's own, deleted after it (for files a source test writes).</summary>
    protected string WorkFolder => _temp.Path;

    /// <summary>The factory of the source under test.</summary>
    protected abstract IRecordSourceFactory Factory { get; }

    /// <summary>Items in the main data set: a few thousand. Default 2,000.</summary>
    protected virtual int ItemCount => 2000;

    /// <summary>True when metadata keeps the items' value types (numbers, booleans); false when values are text (Redis hashes, CSV). Default true.</summary>
    protected virtual bool MetadataKeepsTypes => true;

    /// <summary>The memory kind the source's records get. Default semantic.</summary>
    protected virtual MemoryKind ExpectedKind => MemoryKind.Semantic;

    /// <summary>True when the kind supports "watermark" and backfills; then <see cref="UpsertAsync"/> must be overridden. Default false.</summary>
    protected virtual bool SupportsWatermark => false;

    /// <summary>
    /// Whether two reads of an unchanged collection return rows in the same order. True for key-ordered reads
    /// (SQL, files, MongoDB's _id, Elasticsearch's sort, Neo4j's key); a source whose server does not promise an
    /// order (Redis SCAN, whose order changes while the keyspace is resized) compares the rows as sets: still
    /// every item exactly once, with the same content, but not in the same order.
    /// </summary>
    protected virtual bool OrderIsStable => true;

    /// <summary>The secret the working <see cref="SourceSection"/> carries (a password), which no snapshot file may contain; null when none.</summary>
    protected virtual string? SecretInSection => null;

    /// <summary>Creates a fresh collection holding <paramref name="items"/> on the test's server.</summary>
    protected abstract Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken);

    /// <summary>The source section (kind, connection, collection, key) for a collection, with <paramref name="mapping"/>'s settings in it.</summary>
    protected abstract JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping);

    /// <summary>The kind's "where" value that keeps exactly the items whose category is <paramref name="category"/>.</summary>
    protected abstract JsonNode WhereCategoryIs(string category);

    /// <summary>A section whose server does not answer (nothing listens there); null when the kind has no server.</summary>
    protected abstract JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping);

    /// <summary>A section for the collection whose credentials are <see cref="WrongSecret"/>; null when the kind has no credentials.</summary>
    protected abstract JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping);

    /// <summary>A section naming a collection that does not exist, and the text the error must contain (its name).</summary>
    protected abstract (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping);

    /// <summary>Inserts or replaces items in the collection (the watermark test changes some and adds some).</summary>
    protected virtual Task UpsertAsync(ConformanceCollection collection, IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
        => throw new NotSupportedException("Override UpsertAsync when SupportsWatermark is true.");

    /// <summary>The source key a record of the item must have. Default: the item's id.</summary>
    protected virtual string ExpectedKey(ConformanceItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Id;
    }

    /// <summary>The mapping settings the suite's tests use: text title and body, timestamp updated, maxContentBytes 4096.</summary>
    protected static JsonObject StandardMapping() => new()
    {
        ["text"] = new JsonArray(ConformanceFields.Title, ConformanceFields.Body),
        ["timestamp"] = ConformanceFields.Updated,
        ["maxContentBytes"] = ConformanceDataSet.MaxContentBytes,
    };

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Conformance_Extract_EveryItemBecomesExactlyOneRecordOrReject()
    {
        var items = ConformanceDataSet.Generate(ItemCount);
        var collection = await CreateCollectionAsync(items, Ct);

        var snapshot = await ExtractAsync(SourceSection(collection, StandardMapping()), partSize: 700);

        AssertExact(collection, items, snapshot);
    }

    [Fact]
    public async Task Conformance_Extract_InterruptedEveryFewHundredItems_ResumesToTheSameSnapshot()
    {
        var items = ConformanceDataSet.Generate(ItemCount);
        var collection = await CreateCollectionAsync(items, Ct);
        var section = SourceSection(collection, StandardMapping());
        var whole = await ExtractAsync(section, partSize: 100);

        // Every run dies after 350 items; the parts it completed stay, so each run gets further.
        var folder = NextFolder();
        var interruptions = 0;
        ConformanceSnapshot? resumed = null;
        while (resumed is null)
        {
            try
            {
                resumed = await ConformanceRun.ExtractAsync(Factory, section, folder, partSize: 100, failAfter: 350, cancellationToken: Ct);
            }
            catch (IOException)
            {
                interruptions++;
                Assert.True(interruptions <= ItemCount / 100 + 5, $"no progress after {interruptions} interrupted runs: parts must complete between interruptions.");
            }
        }

        Assert.True(interruptions >= ItemCount / 350 - 1, $"the source was interrupted only {interruptions} times; expected about {ItemCount / 350}.");
        AssertExact(collection, items, resumed);
        AssertSameRows(whole, resumed, OrderIsStable);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task Conformance_Extract_ShardsTogether_GiveTheWholeExactlyOnce(int count)
    {
        var items = ConformanceDataSet.Generate(ItemCount);
        var collection = await CreateCollectionAsync(items, Ct);
        var section = SourceSection(collection, StandardMapping());
        var whole = await ExtractAsync(section);

        var shards = new List<ConformanceSnapshot>();
        for (var i = 0; i < count; i++)
        {
            shards.Add(await ExtractAsync(section, shard: new ShardSpec(i, count)));
        }

        var records = shards.SelectMany(s => s.Records).ToList();
        Assert.Equal(records.Count, records.Select(r => r.MemoryId).Distinct().Count());
        Assert.Equal(whole.Records.Select(r => r.MemoryId).Order(StringComparer.Ordinal), records.Select(r => r.MemoryId).Order(StringComparer.Ordinal));
        Assert.Equal(Describe(whole.Rejects), Describe(shards.SelectMany(s => s.Rejects)));
        Assert.Equal(items.Count, shards.Sum(s => Assert.Single(s.Counts).SourceRows));
        Assert.All(shards, s => Assert.True(Assert.Single(s.Counts).Reconciles));
        if (count > 1)
        {
            Assert.All(shards, s => Assert.NotEmpty(s.Records));
        }
    }

    [Fact]
    public async Task Conformance_Extract_WithWhere_ReadsAndCountsOnlyMatchingItems()
    {
        var items = ConformanceDataSet.Generate(ItemCount);
        var collection = await CreateCollectionAsync(items, Ct);
        var mapping = StandardMapping();
        mapping["where"] = WhereCategoryIs("beta");

        var snapshot = await ExtractAsync(SourceSection(collection, mapping));

        AssertExact(collection, items.Where(i => i.Category == "beta").ToList(), snapshot);
    }

    [Fact]
    public async Task Conformance_Backfill_ByWatermark_ReadsOnlyChangedAndNewItems()
    {
        var items = ConformanceDataSet.Generate(ItemCount);
        var collection = await CreateCollectionAsync(items, Ct);
        var mapping = StandardMapping();
        mapping["watermark"] = ConformanceFields.Updated;
        var section = SourceSection(collection, mapping);
        if (!SupportsWatermark)
        {
            // A kind without watermarks must refuse the setting, never ignore it and read everything.
            var refused = Assert.ThrowsAny<ConfigException>(() => Create(section));
            Assert.Contains("watermark", refused.Message, StringComparison.Ordinal);
            return;
        }

        var folder = NextFolder();
        await ConformanceRun.ExtractAsync(Factory, section, folder, cancellationToken: Ct);
        var changed = new[] { 5, 10, 15, ItemCount / 2 }.Select(i => ConformanceDataSet.Item(i, revision: 1))
            .Concat(Enumerable.Range(ItemCount + 1, 3).Select(i => ConformanceDataSet.Item(i, revision: 1))).ToList();
        await UpsertAsync(collection, changed, Ct);

        var after = await ConformanceRun.ExtractAsync(Factory, section, folder, backfill: true, cancellationToken: Ct);

        Assert.Equal(changed.Select(ExpectedKey).Order(StringComparer.Ordinal), after.Generation(1).Select(r => r.SourceKey).Order(StringComparer.Ordinal));
        Assert.All(after.Generation(1), r => Assert.Contains("revision 1", r.Content, StringComparison.Ordinal));
        Assert.Equal(items.Count + changed.Count, Assert.Single(after.Counts).SourceRows);
        Assert.True(Assert.Single(after.Counts).Reconciles);
    }

    [Fact]
    public async Task Conformance_Check_ServerUnreachable_FailsSayingCannotReach()
    {
        var collection = await CreateCollectionAsync(ConformanceDataSet.Generate(3), Ct);
        if (UnreachableSection(collection, StandardMapping()) is not { } section)
        {
            Assert.Skip($"The {Factory.Kinds[0]} source reads no server.");
            return;
        }

        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync(section));

        Assert.Contains("cannot reach", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient, "an unreachable server is transient: a retry later may succeed.");
    }

    [Fact]
    public async Task Conformance_Check_WrongCredentials_RefusedWithTheSecretInNoOutputAndNoFile()
    {
        var collection = await CreateCollectionAsync(ConformanceDataSet.Generate(3), Ct);
        if (WrongCredentialsSection(collection, StandardMapping()) is not { } section)
        {
            Assert.Skip($"The {Factory.Kinds[0]} source has no credentials.");
            return;
        }

        var folder = NextFolder();
        var error = await Assert.ThrowsAsync<SourceException>(() => ConformanceRun.ExtractAsync(Factory, section, folder, cancellationToken: Ct));

        Assert.DoesNotContain(WrongSecret, error.ToString(), StringComparison.Ordinal);
        AssertNoFileContains(folder, WrongSecret);
    }

    [Fact]
    public async Task Conformance_Extract_Snapshot_HoldsNoSecretOfTheSection()
    {
        var collection = await CreateCollectionAsync(ConformanceDataSet.Generate(20), Ct);
        if (SecretInSection is not { } secret)
        {
            Assert.Skip($"The {Factory.Kinds[0]} source's section carries no secret.");
            return;
        }

        var folder = NextFolder();
        var snapshot = await ConformanceRun.ExtractAsync(Factory, SourceSection(collection, StandardMapping()), folder, cancellationToken: Ct);

        Assert.NotEmpty(snapshot.Records);
        AssertNoFileContains(folder, secret);
    }

    [Fact]
    public async Task Conformance_Check_MissingCollection_FailsNamingIt()
    {
        var collection = await CreateCollectionAsync(ConformanceDataSet.Generate(3), Ct);
        var (section, named) = MissingCollectionSection(collection, StandardMapping());

        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync(section));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conformance_Extract_MissingContentField_FailsOrRejectsEveryItemNamingIt()
    {
        var items = ConformanceDataSet.Generate(30);
        var collection = await CreateCollectionAsync(items, Ct);
        var mapping = StandardMapping();
        mapping["text"] = new JsonArray(AbsentField);

        ConformanceSnapshot snapshot;
        try
        {
            snapshot = await ExtractAsync(SourceSection(collection, mapping));
        }
        catch (SourceException error)
        {
            Assert.Contains(AbsentField, error.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Empty(snapshot.Records);
        Assert.Equal(items.Count, snapshot.Rejects.Count);
        Assert.All(snapshot.Rejects, r => Assert.Contains(AbsentField, r.Message, StringComparison.Ordinal));
        Assert.True(Assert.Single(snapshot.Counts).Reconciles);
    }

    [Fact]
    public async Task Conformance_Extract_Twice_GivesTheSameRowsInTheSameOrder()
    {
        var items = ConformanceDataSet.Generate(ItemCount);
        var collection = await CreateCollectionAsync(items, Ct);
        var section = SourceSection(collection, StandardMapping());

        var first = await ExtractAsync(section, partSize: 500);
        var second = await ExtractAsync(section, partSize: 500);

        AssertSameRows(first, second, OrderIsStable);
    }

    /// <summary>Extracts a section into a fresh folder of this test.</summary>
    protected Task<ConformanceSnapshot> ExtractAsync(JsonObject section, ShardSpec? shard = null, int partSize = 50_000)
        => ConformanceRun.ExtractAsync(Factory, section, NextFolder(), shard, partSize: partSize, cancellationToken: Ct);

    /// <summary>A fresh snapshot folder under <see cref="WorkFolder"/>.</summary>
    protected string NextFolder() => Path.Combine(WorkFolder, $"snapshot-{Interlocked.Increment(ref _snapshots)}");

    /// <summary>Asserts the snapshot holds exactly the records and rejects <paramref name="items"/> must give.</summary>
    protected void AssertExact(ConformanceCollection collection, IReadOnlyList<ConformanceItem> items, ConformanceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(snapshot);
        var good = items.Where(i => i.Outcome == ConformanceOutcome.Record).ToDictionary(ExpectedKey, StringComparer.Ordinal);
        var bad = items.Where(i => i.Outcome != ConformanceOutcome.Record).ToDictionary(ExpectedKey, StringComparer.Ordinal);
        Assert.NotEmpty(bad);

        var counts = Assert.Single(snapshot.Counts);
        Assert.Equal((items.Count, good.Count, bad.Count), (counts.SourceRows, counts.Staged, counts.Rejected));
        Assert.True(counts.Reconciles);

        var records = snapshot.Records;
        Assert.Equal(records.Count, records.Select(r => r.MemoryId).Distinct().Count());
        Assert.Equal(good.Keys.Order(StringComparer.Ordinal), records.Select(r => r.SourceKey).Order(StringComparer.Ordinal));
        foreach (var record in records)
        {
            var item = good[record.SourceKey];
            Assert.Equal((ConformanceRun.SourceName, collection.Collection), (record.Source, record.Collection));
            Assert.Equal(MemoryIdentity.ForRecord(record.SourceKind, ConformanceRun.SourceName, collection.Collection, record.SourceKey), record.MemoryId);
            Assert.Equal(item.ExpectedContent, record.Content);
            Assert.Equal(ContentHash.Of(item.ExpectedContent), record.ContentHash);
            Assert.Equal(item.Updated, record.Timestamp);
            Assert.Equal(ExpectedKind, record.Kind);
            AssertMetadata(item, record);
        }

        Assert.Equal(bad.Keys.Order(StringComparer.Ordinal), snapshot.Rejects.Select(r => r.SourceKey ?? "(none)").Order(StringComparer.Ordinal));
        foreach (var reject in snapshot.Rejects)
        {
            var expected = bad[reject.SourceKey!].Outcome == ConformanceOutcome.EmptyText ? RejectCodes.EmptyText : RejectCodes.TextTooLarge;
            Assert.Equal((PipelineStage.Extract, collection.Collection, expected), (reject.Stage, reject.Collection, reject.Code));
            Assert.False(string.IsNullOrWhiteSpace(reject.Message));
            Assert.False(string.IsNullOrWhiteSpace(reject.Location));
        }
    }

    private void AssertMetadata(ConformanceItem item, StagedRecord record)
    {
        using var metadata = JsonDocument.Parse(record.MetadataJson);
        var root = metadata.RootElement;
        foreach (var (name, value) in item.Fields.Where(f => ConformanceFields.Metadata.Contains(f.Key)))
        {
            Assert.True(root.TryGetProperty(name, out var actual), $"metadata of {record.SourceKey} has no '{name}': {record.MetadataJson}");
            if (!MetadataKeepsTypes)
            {
                Assert.Equal(ConformanceItem.TextOf(value), actual.GetString());
                continue;
            }

            switch (value)
            {
                case string text:
                    Assert.Equal(text, actual.GetString());
                    break;
                case long number:
                    Assert.Equal(number, actual.GetInt64());
                    break;
                case double number:
                    Assert.Equal(number, actual.GetDouble());
                    break;
                case bool flag:
                    Assert.Equal(flag, actual.GetBoolean());
                    break;
            }
        }

        Assert.False(root.TryGetProperty(ConformanceFields.Title, out _), "text fields are content, not metadata.");
    }

    /// <summary>
    /// Asserts two snapshots hold the same rows: ids, content hashes, times, metadata, rejects; in the same order
    /// when <paramref name="ordered"/>, else as the same set (each row still exactly once).
    /// </summary>
    protected static void AssertSameRows(ConformanceSnapshot expected, ConformanceSnapshot actual, bool ordered = true)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.Equal(Arrange(Rows(expected)), Arrange(Rows(actual)));
        Assert.Equal(Arrange(Rejects(expected)), Arrange(Rejects(actual)));

        List<string> Arrange(List<string> rows) => ordered ? rows : [.. rows.Order(StringComparer.Ordinal)];

        static List<string> Rows(ConformanceSnapshot snapshot)
            => snapshot.Records.Select(r => $"{r.MemoryId} {r.SourceKey} {r.ContentHash} {r.Timestamp:O} {r.Kind} {r.TtlSeconds} {r.MetadataJson}").ToList();

        static List<string> Rejects(ConformanceSnapshot snapshot)
            => snapshot.Rejects.Select(r => $"{r.SourceKey} {r.Code} {r.Message}").ToList();
    }

    private static List<string> Describe(IEnumerable<RejectRecord> rejects)
        => rejects.Select(r => $"{r.Collection} {r.SourceKey} {r.Code}").Order(StringComparer.Ordinal).ToList();

    private static void AssertNoFileContains(string folder, string secret)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        var needle = Encoding.UTF8.GetBytes(secret);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(needle) < 0, $"{file} contains the secret.");
        }
    }

    private IRecordSource Create(JsonObject section)
    {
        var named = section.DeepClone().AsObject();
        named["name"] = ConformanceRun.SourceName;
        var job = new JsonObject { ["migrationId"] = "conformance", ["sources"] = new JsonArray(named) };
        var config = JobConfigLoader.Parse(job.ToJsonString(), Path.Combine(WorkFolder, "job.json"));
        return Factory.Create(config.Sources[0], config.Extract, null);
    }
}
