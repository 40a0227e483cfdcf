using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Engram.StandIn;
using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

public sealed class AssociationAndRollbackTests
{
    [Fact]
    public async Task RunAsync_EdgesAfterMemories_AssociatedWithMappedTypeClampedStrengthAndMissingEndsRejected()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var people = Enumerable.Range(0, 3).Select(i => TestSnapshot.Record("crm", "postgres", "people", $"{i}", $"person {i}")).ToList();
        var ghost = MemoryIdentity.ForRecord("postgres", "crm", "people", "999");
        var edges = new List<StagedEdge>
        {
            Edge(people[0].MemoryId, people[1].MemoryId, "FOLLOWED_BY", 1.7),
            Edge(people[1].MemoryId, people[2].MemoryId, "knows", -0.2),
            Edge(people[2].MemoryId, people[0].MemoryId, "knows", null),
            Edge(people[0].MemoryId, ghost, "knows", 0.4),
        };
        await snapshot.AddPartAsync("people", 0, people, people.Select((_, i) => TestSnapshot.Vector(i + 10)).ToList(), Token, edges);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server, o => o.AssociationTypes["FOLLOWED_BY"] = "temporal"), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(3, report.AssociationsLoaded);
        Assert.Equal(1, report.AssociationsRejected);
        Assert.False(report.AssociationsPending);
        var associations = server.Store.AssociateCalls.OrderBy(a => a.Strength).ToList();
        Assert.Equal(3, associations.Count);
        Assert.Equal((0f, AssociationType.Semantic), (associations[0].Strength, associations[0].Type));
        Assert.Equal((0.5f, AssociationType.Semantic), (associations[1].Strength, associations[1].Type));
        Assert.Equal((1f, AssociationType.Temporal), (associations[2].Strength, associations[2].Type));
        var part = snapshot.Manifest().Parts[0];
        Assert.Equal(3, part.Counts.Associations);
        Assert.Equal(1, part.Counts.AssociationsRejected);
        Assert.Equal(3, part.Counts.Loaded);
        var reject = Assert.Single(await RejectFiles.ReadAsync(snapshot.Store, part, Token));
        Assert.Equal(RejectCodes.MissingEndpoint, reject.Code);
        Assert.Equal(edges[3].EdgeId, reject.MemoryId);
        Assert.Contains("people key 999", reject.Message, StringComparison.Ordinal);
        Assert.Contains("people key 0", reject.Message, StringComparison.Ordinal);

        // A second run finds the associations done and sends none again.
        await snapshot.ReopenAsync(Token);
        var again = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);
        Assert.Equal(0, again.AssociationsLoaded);
        Assert.Equal(3, server.Store.AssociateCalls.Count);
    }

    [Fact]
    public async Task RunAsync_EdgeToRecordRejectedAtLoad_RejectedAsMissingEndpointKeepingMemoryReject()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var records = Enumerable.Range(0, 2).Select(i => TestSnapshot.Record("crm", "postgres", "t", $"{i}", $"text {i}")).ToList();
        server.Faults.RejectWhen = r => r.Memory?.Id == records[1].MemoryId ? "refused" : null;
        await snapshot.AddPartAsync("t", 0, records, [TestSnapshot.Vector(1), TestSnapshot.Vector(2)], Token, [Edge(records[0].MemoryId, records[1].MemoryId, "r", 0.9)]);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(0, report.AssociationsLoaded);
        var rejects = await RejectFiles.ReadAsync(snapshot.Store, snapshot.Manifest().Parts[0], Token);
        Assert.Equal([RejectCodes.EngramRejected, RejectCodes.MissingEndpoint], rejects.Select(r => r.Code).Order(StringComparer.Ordinal));
        Assert.Empty(server.Store.AssociateCalls);
    }

    [Fact]
    public async Task RollbackRunAsync_TwoMigrationsAndForeignMemories_RemovesExactlyThatMigration()
    {
        await using var server = await StartServerAsync();
        await using var first = await TestSnapshot.CreateAsync("mig-a", Token);
        await using var second = await TestSnapshot.CreateAsync("mig-b", Token);
        await first.AddPartAsync("t", 0, 120, Token);
        await first.AddPartAsync("t", 1, 80, Token);
        await second.AddPartAsync("t", 0, 60, Token, source: "cache", kind: "redis", seedBase: 7_000_000);
        var foreign = new StoredMemory("someone-elses", "test-space", "x", [], 0.9f, 0.9f, DateTimeOffset.UnixEpoch, IsEpisode: false);
        server.Store.Seed(foreign);
        var poisoned = first.MemoryIds[5];
        server.Faults.RejectWhen = r => r.Memory?.Id == poisoned ? "refused" : null;
        await LoadStage.RunAsync(first.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);
        await LoadStage.RunAsync(second.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);
        Assert.Equal(199 + 60 + 1, server.Store.Count("test-space"));

        var report = await Rollback.RunAsync(first.Store, Options(server), TimeProvider.System, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(200, report.MemoryIds);
        Assert.Equal(199, report.Removed);
        Assert.Equal(1, report.NotFound);
        Assert.Equal(2, report.PartsReset);
        Assert.Equal(61, server.Store.Count("test-space"));
        Assert.NotNull(server.Store.Find("test-space", "someone-elses"));
        Assert.All(second.MemoryIds, id => Assert.NotNull(server.Store.Find("test-space", id)));
        Assert.All(first.MemoryIds, id => Assert.Null(server.Store.Find("test-space", id)));
        Assert.All(first.Manifest().Parts, part =>
        {
            Assert.Equal(PartState.Embedded, part.State);
            Assert.Null(part.Counts.Loaded);
            Assert.Null(part.Files.LoadRejects);
        });

        // Loading again after a rollback writes the migration again.
        server.Faults.RejectWhen = null;
        var reload = await LoadStage.RunAsync(first.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);
        Assert.Equal(200, reload.RecordsLoaded);
        Assert.Equal(261, server.Store.Count("test-space"));
    }

    [Fact]
    public async Task RollbackRunAsync_LoadKilledMidPart_RemovesPartlyLoadedRecordsToo()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 300, Token);
        server.Faults.FailNextCalls("StreamingRemember", Grpc.Core.StatusCode.Unavailable, 0);
        server.Faults.FailStreamAfter(150, Grpc.Core.StatusCode.PermissionDenied);
        await Assert.ThrowsAsync<Errors.EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server, o => o.MaxBatchesInFlight = 1), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));
        Assert.Equal(PartState.Embedded, snapshot.Manifest().Parts[0].State);
        Assert.Equal(150, server.Store.Count("test-space"));

        var report = await Rollback.RunAsync(snapshot.Store, Options(server), TimeProvider.System, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(150, report.Removed);
        Assert.Equal(0, server.Store.Count("test-space"));
    }

    private static StagedEdge Edge(string from, string to, string relation, double? weight)
        => new(MemoryIdentity.ForEdge(from, to, relation), "crm", from, to, relation, weight, Describe(from), Describe(to));

    private static string Describe(string id)
    {
        for (var i = 0; i < 1000; i++)
        {
            if (MemoryIdentity.ForRecord("postgres", "crm", "people", $"{i}") == id || MemoryIdentity.ForRecord("postgres", "crm", "t", $"{i}") == id)
            {
                return $"people key {i}";
            }
        }

        return id;
    }
}
