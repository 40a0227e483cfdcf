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
        await using var server = await StartServerAsync();
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

        Assert.True(server.Store.Find("test-space", "a")!.CreatedAt.Year > 2001);
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
