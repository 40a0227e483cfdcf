using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using Grpc.Core;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

public sealed class LoadStageTests
{
    [Fact]
    public async Task RunAsync_EmbeddedParts_LoadsEveryRecordAndMarksPartsLoaded()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("public.orders", 0, 250, Token);
        await snapshot.AddPartAsync("public.orders", 1, 130, Token);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(380, server.Store.Count("test-space"));
        Assert.Equal(380, report.RecordsLoaded);
        Assert.Equal(0, report.RecordsRejected);
        Assert.Equal(5, report.Batches);
        Assert.True(report.Reconciles);
        Assert.All(snapshot.Manifest().Parts, part =>
        {
            Assert.Equal(PartState.Loaded, part.State);
            Assert.Equal(part.Counts.Embedded, part.Counts.Loaded);
            Assert.Equal(0, part.Counts.LoadRejected);
            Assert.Null(part.Files.LoadRejects);
        });
        Assert.All(snapshot.MemoryIds, id => Assert.NotNull(server.Store.Find("test-space", id)));
    }

    [Fact]
    public async Task RunAsync_SeveralConnectionsAndBatchOfOne_LoadsEveryRecordOnce()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 40, Token);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server, o => (o.Connections, o.BatchSize) = (3, 1)), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(40, report.Batches);
        Assert.Equal(40, server.Store.Count("test-space"));
        Assert.Equal(40, server.Store.RecordsReceived);
    }

    [Fact]
    public async Task RunAsync_SameSnapshotTwice_SecondRunSendsAndCreatesNothing()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 120, Token);
        await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);
        var received = server.Store.RecordsReceived;

        await snapshot.ReopenAsync(Token);
        var again = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(120, server.Store.Count("test-space"));
        Assert.Equal(received, server.Store.RecordsReceived);
        Assert.Equal(0, again.RecordsLoaded);
        Assert.Equal(1, again.PartsAlreadyLoaded);
        Assert.True(again.Reconciles);
    }

    [Fact]
    public async Task RunAsync_PartResentAfterStateReset_UpsertsSameIdsWithoutDuplicates()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 150, Token);
        await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        // As if the manifest save had been lost after Engram acknowledged: the whole part goes again.
        await snapshot.Store.UpdateAsync(m => m.Parts[0].State = PartState.Embedded, Token);
        await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(150, server.Store.Count("test-space"));
        Assert.Equal(150, server.Store.Upserts);
        Assert.All(server.Store.Memories("test-space"), memory => Assert.Equal(2, server.Store.RequestsFor(memory.Id)));
    }

    [Fact]
    public async Task RunAsync_TransientFailuresInjected_RetriesAndLoadsExactCounts()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 400, Token);
        server.Faults.FailNextCalls("StreamingRemember", StatusCode.Unavailable, 2);
        server.Faults.FailNextCalls("StreamingRemember", StatusCode.ResourceExhausted, 1);
        server.Faults.FailNextCalls("StreamingRemember", StatusCode.Aborted, 1);
        server.Faults.FailNextCalls("StreamingRemember", StatusCode.DeadlineExceeded, 1);
        server.Faults.FailStreamAfter(150, StatusCode.Unavailable);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(400, server.Store.Count("test-space"));
        Assert.Equal(400, report.RecordsLoaded);
        Assert.True(report.Retries >= 6, $"retries: {report.Retries}");
        Assert.Equal(6, server.Faults.InjectedFailures);
        // The record stored but not acknowledged when the stream failed was sent again: replaced, not added.
        Assert.Equal(1, server.Store.Upserts);
        Assert.Equal(400, snapshot.Manifest().Parts[0].Counts.Loaded);
    }

    [Fact]
    public async Task RunAsync_ConnectionDroppedMidStream_ResumesAfterLastAcknowledgedRecord()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 300, Token);
        server.Faults.DropConnectionAfter(170);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server, o => o.MaxBatchesInFlight = 1), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(1, server.Faults.Drops);
        Assert.Equal(300, server.Store.Count("test-space"));
        Assert.Equal(300, report.RecordsLoaded);
        Assert.True(report.Retries >= 1);
        // Records stored but whose acknowledgements were lost with the connection were sent again and
        // replaced themselves; at least the one in hand when it dropped.
        Assert.InRange(server.Store.Upserts, 1, 100);
        Assert.Equal(300, server.Store.RecordsReceived - server.Store.Upserts);
    }

    [Fact]
    public async Task RunAsync_RecordEngramRefuses_IsolatedAndRejectedWithEngramsMessage()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var records = await snapshot.AddPartAsync("t", 0, 250, Token);
        var poisoned = records[137].MemoryId;
        server.Faults.RejectWhen = request => request.Memory?.Id == poisoned ? "Memory content violates the space's policy" : null;

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(249, server.Store.Count("test-space"));
        Assert.Null(server.Store.Find("test-space", poisoned));
        Assert.Equal(249, report.RecordsLoaded);
        Assert.Equal(1, report.RecordsRejected);
        Assert.Equal(1, report.Isolations);
        Assert.Equal(1, server.Store.UnaryRemembers);
        var part = snapshot.Manifest().Parts[0];
        Assert.Equal(PartState.Loaded, part.State);
        Assert.Equal(249, part.Counts.Loaded);
        Assert.Equal(1, part.Counts.LoadRejected);
        var rejects = await RejectFiles.ReadAsync(snapshot.Store, part, Token);
        var reject = Assert.Single(rejects);
        Assert.Equal(poisoned, reject.MemoryId);
        Assert.Equal(records[137].SourceKey, reject.SourceKey);
        Assert.Equal("t", reject.Collection);
        Assert.Equal(PipelineStage.Load, reject.Stage);
        Assert.Equal(RejectCodes.EngramRejected, reject.Code);
        Assert.Contains("Memory content violates the space's policy", reject.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidArgument", reject.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_VectorWithNaN_RejectedBeforeSending()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var records = Enumerable.Range(0, 3).Select(i => TestSnapshot.Record("crm", "postgres", "t", $"{i}", $"text {i}")).ToList();
        var vectors = Enumerable.Range(0, 3).Select(i => TestSnapshot.Vector(i)).ToList();
        vectors[1][5] = float.NaN;
        await snapshot.AddPartAsync("t", 0, records, vectors, Token);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(2, server.Store.RecordsReceived);
        Assert.Equal(2, report.RecordsLoaded);
        Assert.Equal(1, report.RecordsRejected);
        var reject = Assert.Single(await RejectFiles.ReadAsync(snapshot.Store, snapshot.Manifest().Parts[0], Token));
        Assert.Equal(RejectCodes.BadVector, reject.Code);
        Assert.Equal(records[1].MemoryId, reject.MemoryId);
        Assert.True(report.Reconciles);
    }

    [Fact]
    public async Task RunAsync_KilledMidwayThenRunAgain_LoadsEverythingOnceWithExactCounts()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        for (var part = 0; part < 6; part++)
        {
            await snapshot.AddPartAsync("t", part, 200, Token);
        }

        server.Faults.RecordLatency = TimeSpan.FromMilliseconds(1);
        using var kill = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var progress = new SynchronousProgress<LoadProgress>(p =>
        {
            if (p.RecordsLoaded >= 500)
            {
                kill.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, progress, kill.Token).WaitAsync(TestTimeout, Token));
        var loadedBeforeKill = snapshot.Manifest().Parts.Count(p => p.State == PartState.Loaded);
        Assert.InRange(loadedBeforeKill, 0, 5);
        server.Faults.RecordLatency = TimeSpan.Zero;

        await snapshot.ReopenAsync(Token);
        var resumed = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(1200, server.Store.Count("test-space"));
        Assert.All(snapshot.Manifest().Parts, p => Assert.Equal(PartState.Loaded, p.State));
        Assert.Equal(1200, snapshot.Manifest().Parts.Sum(p => p.Counts.Loaded));
        Assert.Equal(loadedBeforeKill, resumed.PartsAlreadyLoaded);
        // Unfinished parts resume after the batches their journals hold: only what was in flight goes again.
        Assert.InRange(resumed.RecordsLoaded, 1, 1200 - (200 * loadedBeforeKill));
        var options = Options(server);
        Assert.InRange(server.Store.RecordsReceived - 1200, 0, options.MaxBatchesInFlight * options.BatchSize);
        Assert.True(resumed.Reconciles);
        // Every re-sent record was the same memory again: received = distinct + re-sends, and nothing was added twice.
        Assert.Equal(server.Store.RecordsReceived - 1200, server.Store.Upserts);
        Assert.Equal(1200, snapshot.MemoryIds.Distinct().Count(id => server.Store.Find("test-space", id) is not null));
    }

    [Fact]
    public async Task RunAsync_EngramStaysUnavailable_StopsAfterBoundedRetriesWithoutMarkingPartLoaded()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 50, Token);
        server.Faults.FailNextCalls("StreamingRemember", StatusCode.Unavailable, 100, "engram is restarting");

        var error = await Assert.ThrowsAsync<EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server, o => o.MaxRetries = 3), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));

        Assert.True(error.IsTransient);
        Assert.Contains("engram is restarting", error.Message, StringComparison.Ordinal);
        Assert.Contains("run again", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Faults.InjectedFailures);
        Assert.Equal(PartState.Embedded, snapshot.Manifest().Parts[0].State);
        Assert.Equal(0, server.Store.Count("test-space"));
    }

    [Fact]
    public async Task RunAsync_PressureAboveThreshold_WaitsThenLoads()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 100, Token);
        // Preflight reads 0.95, then the first batch sees 0.95 twice before it drops. Engram publishes no such
        // metric; the test server reports one on request, as an Engram behind a metrics proxy would.
        server.Faults.ReportPressure = true;
        server.Faults.ScriptPressure(0.95f, 0.95f, 0.95f);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server, o => o.MaxBatchesInFlight = 1), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.True(report.PressurePauses >= 1);
        Assert.Equal(100, server.Store.Count("test-space"));
        Assert.True(server.Store.Introspects >= 4);
    }

    [Fact]
    public async Task RunAsync_PressureNeverDrops_StopsAfterMaxWait()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 10, Token);
        server.Faults.ReportPressure = true;
        server.Faults.Pressure = 0.99f;

        var error = await Assert.ThrowsAsync<EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server, o => o.MaxPressureWait = TimeSpan.FromMilliseconds(50)), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));

        Assert.Contains("pressure", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Store.RecordsReceived);
    }

    [Fact]
    public async Task RunAsync_PartNotEmbeddedYet_LoadsOthersAndLeavesAssociationsPending()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 20, Token);
        var pending = Enumerable.Range(0, 5).Select(i => TestSnapshot.Record("crm", "postgres", "u", $"{i}", $"u {i}")).ToList();
        await snapshot.AddPartAsync("u", 0, pending, [], Token, state: PartState.Extracted);

        var report = await LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

        Assert.Equal(20, report.RecordsLoaded);
        Assert.Equal(1, report.PartsNotEmbedded);
        Assert.True(report.AssociationsPending);
    }

    private sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
