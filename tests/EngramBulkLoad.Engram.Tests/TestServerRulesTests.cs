using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Engram.TestServer;
using Grpc.Core;
using Grpc.Net.Client;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

/// <summary>The test server reproduces the real server's rules (shared/engram-contract.md), checked over the wire.</summary>
public sealed class TestServerRulesTests
{
    [Fact]
    public async Task Remember_NoConfidence_StoredWithDefaultSevenTenths()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            await client.RememberAsync(Request("a", TestSnapshot.Vector(1), confidence: null), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
        }

        Assert.Equal(0.7f, server.Store.Find("test-space", "a")!.Confidence);
    }

    [Fact]
    public async Task Remember_EmbeddingOf384_InvalidArgumentWithEngramsMessage()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => client.RememberAsync(Request("a", new float[384]), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token));

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal("Embedding must be exactly 768 dimensions", error.Status.Detail);
        }
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Tenant")]
    [InlineData("tenant.1")]
    public async Task Remember_InvalidSpaceId_InvalidArgument(string space)
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            var request = Request("a", TestSnapshot.Vector(1));
            request.MemorySpaceId = space;

            var error = await Assert.ThrowsAsync<RpcException>(() => client.RememberAsync(request, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token));

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Contains("memory_space_id", error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StreamingRemember_BadRecordInMiddle_AcknowledgesEarlierOnesThenEndsStream()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            using var call = client.StreamingRemember(cancellationToken: Token);
            await call.RequestStream.WriteAsync(Request("a", TestSnapshot.Vector(1)), Token);
            await call.RequestStream.WriteAsync(Request("b", TestSnapshot.Vector(2)), Token);
            await call.RequestStream.WriteAsync(Request("bad", new float[10]), Token);
            var acknowledged = new List<string>();

            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await call.ResponseStream.MoveNext(Token).WaitAsync(TestTimeout, Token))
                {
                    acknowledged.Add(call.ResponseStream.Current.MemoryId);
                }
            });

            Assert.Equal(["a", "b"], acknowledged);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        }

        Assert.Equal(2, server.Store.Count("test-space"));
    }

    [Fact]
    public async Task Remember_DeduplicationOn_NearDuplicateAcknowledgedButNotAdded()
    {
        await using var server = await StartServerAsync(o => o.Deduplicate = true);
        var client = Client(server, out var channel);
        using (channel)
        {
            var vector = TestSnapshot.Vector(1);
            var nearly = (float[])vector.Clone();
            nearly[0] += 0.01f;
            await client.RememberAsync(Request("first", vector), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var response = await client.RememberAsync(Request("second", nearly), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            await client.RememberAsync(Request("other", TestSnapshot.Vector(2)), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);

            Assert.Equal("second", response.MemoryId);
        }

        Assert.Equal(2, server.Store.Count("test-space"));
        Assert.Null(server.Store.Find("test-space", "second"));
        Assert.Equal(1, server.Store.Deduplicated);
    }

    [Fact]
    public async Task Remember_DeduplicationOff_NearDuplicatesBothKept()
    {
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        var client = Client(server, out var channel);
        using (channel)
        {
            var vector = TestSnapshot.Vector(1);
            await client.RememberAsync(Request("first", vector), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            await client.RememberAsync(Request("second", vector), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
        }

        Assert.Equal(2, server.Store.Count("test-space"));
    }

    [Fact]
    public async Task Remember_MemoryCreatedAt_NotKeptLikeEngram()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            var request = Request("a", TestSnapshot.Vector(1));
            request.Memory.CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
            await client.RememberAsync(request, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
        }

        Assert.True(server.Store.Find("test-space", "a")!.When.Year > 2001);
    }

    [Fact]
    public async Task Remember_NearDuplicateOfHigherConfidence_ReplacesTheHeldIdAndKeepsTheCount()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            var vector = TestSnapshot.Vector(1);
            await client.RememberAsync(Request("low", vector, confidence: 0.75f), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var response = await client.RememberAsync(Request("high", vector, confidence: 0.8f), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);

            Assert.Equal("high", response.MemoryId);
        }

        // deduplication.rs, KeepHighestConfidence: the higher confidence replaces; store.rs: the count stays.
        Assert.Equal(1, server.Store.Count("test-space"));
        Assert.Null(server.Store.Find("test-space", "low"));
        Assert.NotNull(server.Store.Find("test-space", "high"));
    }

    [Fact]
    public async Task Remember_SameIdSentTwice_OneMemoryAndTheStorageConfidenceIsTheActivation()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            var first = await client.RememberAsync(Request("a", TestSnapshot.Vector(1), confidence: 0.8f), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var again = await client.RememberAsync(Request("a", TestSnapshot.Vector(1), confidence: 0.8f), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);

            // store.rs: activation = confidence × (1 − pressure / 2); a skipped re-send reports 0.9 of it.
            Assert.Equal(0.8f, first.StorageConfidence.Value, 4);
            Assert.Equal(0.8f * (1 - (0.5f / 100_000)) * 0.9f, again.StorageConfidence.Value, 4);
            Assert.Equal("Successfully encoded in working memory, awaiting consolidation", first.StorageConfidence.Reasoning);
        }

        Assert.Equal(1, server.Store.Count("test-space"));
        Assert.Equal(2, server.Store.RequestsFor("a"));
    }

    [Fact]
    public async Task Recall_OwnVector_ConfidenceIsTheScoreWithZeroEmbeddingAndNoMetadata()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            var request = Request("a", TestSnapshot.Vector(1), confidence: 0.8f);
            request.Memory.Metadata["source"] = "crm";
            request.Memory.Tags.Add("mig");
            await client.RememberAsync(request, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var cue = new EmbeddingCue();
            cue.Vector.AddRange(TestSnapshot.Vector(1));

            var response = await client.RecallAsync(new RecallRequest { MemorySpaceId = "test-space", Cue = new Cue { Embedding = cue }, MaxResults = 5, IncludeMetadata = true }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);

            var memory = Assert.Single(response.Memories);
            Assert.Equal(("a", "a"), (memory.Id, memory.Content));
            Assert.Equal(1f, memory.Confidence.Value, 4);
            Assert.Equal("Recalled from memory store via spreading activation", memory.Confidence.Reasoning);
            Assert.Equal(768, memory.Embedding.Count);
            Assert.All(memory.Embedding, value => Assert.Equal(0f, value));
            Assert.Empty(memory.Metadata);
            Assert.Empty(memory.Tags);
        }
    }

    [Fact]
    public async Task IntrospectAndAssociate_AsEngramAnswers_NoCountsAndCreatedWithoutMemories()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            await client.RememberAsync(Request("a", TestSnapshot.Vector(1)), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var associated = await client.AssociateAsync(new AssociateRequest { MemorySpaceId = "test-space", SourceMemory = "nowhere", TargetMemory = "nobody", Strength = 3 }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var introspect = await client.IntrospectAsync(new IntrospectRequest { MemorySpaceId = "test-space", IncludeStatistics = true }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var empty = await Assert.ThrowsAsync<RpcException>(() => client.AssociateAsync(new AssociateRequest { MemorySpaceId = "test-space", SourceMemory = "a" }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token));

            Assert.True(associated.Created);
            Assert.Equal(1f, associated.FinalStrength);
            Assert.Equal(0, introspect.Statistics.TotalMemories);
            Assert.Equal(0, introspect.Statistics.TotalAssociations);
            Assert.False(introspect.Metrics.ContainsKey("memory_pressure"));
            Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        }

        Assert.Equal(1, server.Store.Count("test-space"));
    }

    [Fact]
    public async Task Forget_ByIdThenByPattern_CountDropsRecallStillFindsItPatternUnimplemented()
    {
        await using var server = await StartServerAsync();
        var client = Client(server, out var channel);
        using (channel)
        {
            await client.RememberAsync(Request("a", TestSnapshot.Vector(1)), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var forgotten = await client.ForgetAsync(new ForgetRequest { MemorySpaceId = "test-space", MemoryId = "a", Mode = ForgetMode.Suppress }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var cue = new EmbeddingCue();
            cue.Vector.AddRange(TestSnapshot.Vector(1));
            var recalled = await client.RecallAsync(new RecallRequest { MemorySpaceId = "test-space", Cue = new Cue { Embedding = cue } }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            var pattern = await Assert.ThrowsAsync<RpcException>(() => client.ForgetAsync(new ForgetRequest { MemorySpaceId = "test-space", Pattern = new Cue { Embedding = cue }, Mode = ForgetMode.Delete }, cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token));

            Assert.Equal(1, forgotten.MemoriesAffected);
            Assert.True(forgotten.Reversible);
            // store.rs: remove_consolidated_episodes leaves the persistent tiers, which recall reads first.
            Assert.Equal("a", Assert.Single(recalled.Memories).Id);
            Assert.Equal(StatusCode.Unimplemented, pattern.StatusCode);
        }

        Assert.Equal(0, server.Store.Count("test-space"));
    }

    [Fact]
    public async Task Remember_SpaceAtCapacity_EvictsTheLowestActivation()
    {
        await using var server = await StartServerAsync(o => o.Capacity = 3);
        var client = Client(server, out var channel);
        using (channel)
        {
            await client.RememberAsync(Request("weak", TestSnapshot.Vector(1), confidence: 0.2f), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            for (var i = 2; i <= 4; i++)
            {
                await client.RememberAsync(Request($"m{i}", TestSnapshot.Vector(i), confidence: 0.9f), cancellationToken: Token).ResponseAsync.WaitAsync(TestTimeout, Token);
            }
        }

        Assert.Equal(3, server.Store.Count("test-space"));
        Assert.Null(server.Store.Find("test-space", "weak"));
    }

    private static EngramService.EngramServiceClient Client(EngramTestServer server, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress(server.Address);
        return new EngramService.EngramServiceClient(channel);
    }

    private static RememberRequest Request(string id, float[] embedding, float? confidence = 0.9f)
    {
        var memory = new Memory { Id = id, Content = id };
        memory.Embedding.AddRange(embedding);
        if (confidence is { } value)
        {
            memory.Confidence = new Protocol.Confidence { Value = value };
        }

        return new RememberRequest { MemorySpaceId = "test-space", Memory = memory };
    }
}
