using System.Globalization;
using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Records;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

public sealed class MappingTests
{
    [Fact]
    public async Task RunAsync_RowAndCacheEntry_StoredAsSemanticMemoryAndDecayingEpisode()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync("mig-map", Token);
        var row = TestSnapshot.Record("crm", "postgres", "public.customers", "42", "Customer Ada, London", metadataJson: "{\"city\":\"London\",\"age\":36,\"source\":\"web\",\"vip\":null}");
        var when = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var entry = TestSnapshot.Record("cache", "redis", "session:*", "session:9", "session of user 9", MemoryKind.Episodic, ttl: 7200, timestamp: when);
        await snapshot.AddPartAsync("public.customers", 0, [row], [TestSnapshot.Vector(1)], Token);
        await snapshot.AddPartAsync("session:*", 0, [entry], [TestSnapshot.Vector(2)], Token);

        await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        // What the loader sent (the wire), then what Engram keeps of it (grpc.rs: id, content, embedding, confidence; an episode's when).
        var memory = server.Store.LastRequest(row.MemoryId)!.Memory;
        Assert.Equal(MemoryType.Semantic, memory.MemoryType);
        Assert.Equal("Customer Ada, London", memory.Content);
        Assert.Equal(0.8f, memory.Confidence.Value);
        Assert.Contains("postgres source 'crm'", memory.Confidence.Reasoning, StringComparison.Ordinal);
        Assert.Equal(0.05f, memory.Activation);
        Assert.Equal(0f, memory.DecayRate);
        Assert.Equal(["mig-map", "source:crm"], memory.Tags);
        Assert.Equal("crm", memory.Metadata["source"]);
        Assert.Equal("42", memory.Metadata["source_id"]);
        Assert.Equal("mig-map", memory.Metadata["migration_id"]);
        Assert.Equal("public.customers", memory.Metadata["collection"]);
        Assert.True(DateTimeOffset.TryParse(memory.Metadata["migrated_at"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
        Assert.Equal("London", memory.Metadata["city"]);
        Assert.Equal("36", memory.Metadata["age"]);
        Assert.Equal("web", memory.Metadata["field_source"]);
        Assert.Equal("null", memory.Metadata["vip"]);
        Assert.Equal(768, memory.Embedding.Count);
        var held = server.Store.Find("test-space", row.MemoryId)!;
        Assert.False(held.IsEpisode);
        Assert.Equal(("Customer Ada, London", 0.8f, 768), (held.Content, held.Confidence, held.Embedding.Length));

        var episode = server.Store.LastRequest(entry.MemoryId)!.Episode;
        Assert.Equal(when, episode.When.ToDateTimeOffset());
        Assert.Equal(0.7f, episode.EncodingConfidence.Value);
        Assert.Equal((float)(Math.Log(2) / 2), episode.DecayRate, 5);
        Assert.Equal("session of user 9", episode.What);
        var heldEpisode = server.Store.Find("test-space", entry.MemoryId)!;
        Assert.True(heldEpisode.IsEpisode);
        Assert.Equal(when, heldEpisode.When);
        Assert.Equal(0.7f, heldEpisode.Confidence);
    }

    [Fact]
    public async Task RunAsync_ConfidenceConfiguredAndEpisodesAsMemories_UsesConfigAndKeepsMetadata()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync("mig-conf", Token);
        var entry = TestSnapshot.Record("cache", "redis", "k", "1", "cached value", MemoryKind.Episodic);
        await snapshot.AddPartAsync("k", 0, [entry], [TestSnapshot.Vector(3)], Token);

        await LoadStage.RunAsync(
            snapshot.Store,
            Options(server, o =>
            {
                o.Confidence["REDIS"] = 0.75;
                o.EpisodicMessage = "memory";
                o.ConfidenceReasoning = "from {source}/{collection}";
            }),
            TimeProvider.System,
            null,
            Token).WaitAsync(TestTimeout, Token);

        var memory = server.Store.LastRequest(entry.MemoryId)!.Memory;
        Assert.Equal(MemoryType.Episodic, memory.MemoryType);
        Assert.Equal(0.75f, memory.Confidence.Value);
        Assert.Equal("from cache/k", memory.Confidence.Reasoning);
        Assert.Equal(0.05f, memory.DecayRate);
        Assert.Equal("mig-conf", memory.Metadata["migration_id"]);
        Assert.False(server.Store.Find("test-space", entry.MemoryId)!.IsEpisode);
    }

    [Fact]
    public void Map_ContentLargerThanLimit_RejectedAsTextTooLarge()
    {
        var options = new EngramOptions { MaxContentBytes = 10 }.Validate();
        var mapper = new MemoryMapper(options, "mig", DateTimeOffset.UnixEpoch);
        var record = TestSnapshot.Record("crm", "postgres", "t", "1", "this text is longer than ten bytes");

        var write = mapper.Map(record, new StagedVector(record.MemoryId, record.ContentHash, "m", TestSnapshot.Vector(1), 1, false), out var reject);

        Assert.Null(write);
        Assert.Equal(RejectCodes.TextTooLarge, reject!.Code);
        Assert.Equal(record.MemoryId, reject.MemoryId);
    }

    [Theory]
    [InlineData(null, 0.05)]
    [InlineData(3600L, 0.6931)]
    [InlineData(86400L * 365, 0.05)]
    [InlineData(0L, 1.0)]
    [InlineData(60L, 1.0)]
    public void DecayRate_CacheEntryTtl_HalfLifeEqualsTtlWithinBounds(long? ttl, double expected)
    {
        var mapper = new MemoryMapper(new EngramOptions().Validate(), "mig", DateTimeOffset.UnixEpoch);
        var record = TestSnapshot.Record("cache", "redis", "k", "1", "v", MemoryKind.Episodic, ttl);

        Assert.Equal(expected, mapper.DecayRate(record), 3);
    }

    [Theory]
    [InlineData(0.3, 0.3f)]
    [InlineData(1.7, 1f)]
    [InlineData(-0.4, 0f)]
    [InlineData(null, 0.5f)]
    [InlineData(double.NaN, 0.5f)]
    public void Strength_EdgeWeight_ClampedToUnitIntervalWithDefault(double? weight, float expected)
    {
        var mapper = new AssociationMapper(new EngramOptions().Validate());

        Assert.Equal(expected, mapper.Strength(weight));
    }

    [Fact]
    public void TypeOf_RelationMappedInConfig_UsesMappingElseDefault()
    {
        var options = new EngramOptions { DefaultAssociationType = "semantic" };
        options.AssociationTypes["FOLLOWED_BY"] = "temporal";
        options.AssociationTypes["caused"] = "Causal";
        var mapper = new AssociationMapper(options.Validate());

        Assert.Equal(AssociationType.Temporal, mapper.TypeOf("followed_by"));
        Assert.Equal(AssociationType.Causal, mapper.TypeOf("CAUSED"));
        Assert.Equal(AssociationType.Semantic, mapper.TypeOf("fk_orders_customer"));
    }
}
