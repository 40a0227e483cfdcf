using System.Collections;
using EngramBulkLoad.Embedding.Service.Admission;
using EngramBulkLoad.Embedding.Service.Options;
using Microsoft.Extensions.Time.Testing;
using static EngramBulkLoad.Embedding.Tests.BatchingTests;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>Admission bounds all admitted, unanswered work, decides before tokenizing, and keeps deadlines in view.</summary>
public sealed class AdmissionTests
{
    [Fact]
    public async Task Admit_TextsAlreadyRunning_StillCountAgainstTheCapacity()
    {
        var metrics = new EngramBulkLoad.Embedding.Service.Metrics.EmbeddingMetrics();
        using var exporter = new EngramBulkLoad.Embedding.Service.Metrics.PrometheusTextExporter(metrics.Meter);
        var inference = new FakeInference();
        inference.Gate.Reset();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 8, QueueCapacity = 10, SortWindow = 8 }, metrics: metrics);
        var running = Submit(batcher, [.. Enumerable.Range(1, 6).Select(i => Text(i, 4))]);
        await inference.Entered.Task.DefaultTimeout();

        // The worker holds all six texts in a running batch; the old queue counted none of them.
        var error = Assert.Throws<OverloadedException>(() => batcher.Admit(["x", "y", "z", "w", "v"], callerDeadline: null));
        var fits = Submit(batcher, [.. Enumerable.Range(7, 4).Select(i => Text(i, 4))]);
        var admittedWhileFull = batcher.Admission.Texts;
        var scraped = exporter.Render();
        inference.Gate.Set();
        await running.DefaultTimeout();
        await fits.DefaultTimeout();

        Assert.Equal("queue_texts", error.Reason);
        Assert.Contains("6 of 10 texts admitted and unanswered", error.Message, StringComparison.Ordinal);
        Assert.Equal(10, admittedWhileFull);
        Assert.Contains("embedding_admitted_texts{model=\"fake\"} 10", scraped, StringComparison.Ordinal);
        Assert.Contains("embedding_admitted_tokens{model=\"fake\"} 40", scraped, StringComparison.Ordinal);
        await WaitUntilAsync(() => batcher.Admission.Texts == 0 && batcher.Admission.Tokens == 0);
    }

    [Fact]
    public void Admit_TokensOverCapacity_RefusedWithTokensReason()
    {
        var admission = new AdmissionControl("m", maxSequenceLength: 100, maxTexts: 1000, maxTokens: 250, TimeSpan.FromSeconds(30), new FakeTimeProvider());
        admission.Admit([new string('a', 150), new string('b', 150)], null);

        var error = Assert.Throws<OverloadedException>(() => admission.Admit([new string('c', 80)], null));

        Assert.Equal("queue_tokens", error.Reason);
        Assert.Equal(200, admission.Tokens);
    }

    [Fact]
    public void Admit_UnderOverload_RefusesWithoutReadingTheTexts()
    {
        var admission = new AdmissionControl("m", 128, maxTexts: 10, maxTokens: 100_000, TimeSpan.FromSeconds(30), new FakeTimeProvider());
        admission.Admit([.. Enumerable.Repeat("text", 8)], null);

        // A request of any size is refused on the counters alone: reading one of its texts would throw.
        var error = Assert.Throws<OverloadedException>(() => admission.Admit(new UnreadableTexts(2048), null));

        Assert.Equal("queue_texts", error.Reason);
    }

    [Fact]
    public void Admit_EstimateIsUtf8BytesPlusSpecialTokensCappedAtMaxLength_ThenReconciled()
    {
        var admission = new AdmissionControl("m", maxSequenceLength: 64, maxTexts: 100, maxTokens: 100_000, TimeSpan.FromSeconds(30), new FakeTimeProvider());

        var reservation = admission.Admit(["héllo", new string('x', 500)], null);
        var estimated = admission.Tokens;
        reservation.Reconcile(9);
        var reconciled = admission.Tokens;
        reservation.Release();

        Assert.Equal((6 + 2) + 64, estimated);
        Assert.Equal(9, reconciled);
        Assert.Equal((0, 0), (admission.Texts, admission.Tokens));
    }

    [Fact]
    public void Admit_BacklogWouldMissTheDeadline_RefusedWithRetryHintOfTheOverrun()
    {
        var time = new FakeTimeProvider();
        var admission = new AdmissionControl("m", 512, maxTexts: 10_000, maxTokens: 10_000_000, TimeSpan.FromSeconds(30), time);
        admission.RecordBatch(1000, TimeSpan.FromSeconds(1));
        admission.Admit([.. Enumerable.Repeat(new string('a', 98), 100)], null);

        // 10,000 tokens ahead at 1,000 tokens/s: 10 s, plus its own 100. Admission plans with half the time
        // left: a 5 s deadline gives 2.5 s; 20 s gives 10 s, too little for 10.1 s; 25 s is enough.
        var error = Assert.Throws<OverloadedException>(() => admission.Admit([new string('b', 98)], time.GetUtcNow().AddSeconds(5)));
        var tight = Assert.Throws<OverloadedException>(() => admission.Admit([new string('b', 98)], time.GetUtcNow().AddSeconds(20)));
        var later = admission.Admit([new string('b', 98)], time.GetUtcNow().AddSeconds(25));

        Assert.Equal("deadline", error.Reason);
        // Refused on the backlog alone (10 s against 2.5 s), before its own texts were even measured.
        Assert.Equal(7.5, error.RetryAfter.TotalSeconds, 3);
        Assert.Equal(0.1, tight.RetryAfter.TotalSeconds, 3);
        Assert.Equal(time.GetUtcNow().AddSeconds(25), later.Deadline);
    }

    [Fact]
    public void Admit_AfterTokenizingShowedTheBoundIsHigh_JudgesDeadlinesWithTheLearnedRatio()
    {
        var time = new FakeTimeProvider();
        var admission = new AdmissionControl("m", 512, maxTexts: 10_000, maxTokens: 10_000_000, TimeSpan.FromSeconds(30), time);
        admission.RecordBatch(1000, TimeSpan.FromSeconds(1));
        var request = new string('a', 398);
        var holder = admission.Admit([request], null);

        // Taking the 400-token bound at its word, 400 ahead plus 400 need 0.8 s: more than half of the 1.5 s left.
        var tooTight = Assert.Throws<OverloadedException>(() => admission.Admit([request], time.GetUtcNow().AddSeconds(1.5)));
        for (var i = 0; i < 60; i++)
        {
            // Each tokenized request turned out to be a quarter of its bound.
            var learned = admission.Admit([request], null);
            learned.Reconcile(100);
            learned.Release();
        }

        // Now its own texts count about 100 tokens: 0.5 s.
        var admitted = admission.Admit([request], time.GetUtcNow().AddSeconds(1.5));
        holder.Release();

        Assert.Equal("deadline", tooTight.Reason);
        Assert.Equal(time.GetUtcNow().AddSeconds(1.5), admitted.Deadline);
    }

    [Fact]
    public void Admit_IdleModel_TakesARequestEvenIfItAloneRunsPastTheDeadline()
    {
        var time = new FakeTimeProvider();
        var admission = new AdmissionControl("m", 512, maxTexts: 10_000, maxTokens: 10_000_000, TimeSpan.FromSeconds(1), time);
        admission.RecordBatch(10, TimeSpan.FromSeconds(1));

        var reservation = admission.Admit([new string('a', 400)], null);

        Assert.Equal(time.GetUtcNow().AddSeconds(1), reservation.Deadline);
    }

    [Fact]
    public void Admit_RequestAloneOverTheTokenCapacity_IsTooLargeNotOverloaded()
    {
        var admission = new AdmissionControl("m", maxSequenceLength: 100, maxTexts: 1000, maxTokens: 150, TimeSpan.FromSeconds(30), new FakeTimeProvider());

        var error = Assert.Throws<RequestTooLargeException>(() => admission.Admit([new string('a', 100), new string('b', 100)], null));

        Assert.Contains("Send fewer or shorter texts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenCapacity_SetBelowOneFullRequest_IsAConfigErrorNamingTheFix()
    {
        var options = new BatchingOptions { QueueTokenCapacity = 1000 };

        var error = Assert.Throws<EngramBulkLoad.Errors.ConfigException>(() => options.TokenCapacityFor("mpnet", 384, 2048));

        Assert.Contains("QueueTokenCapacity", error.Message, StringComparison.Ordinal);
        Assert.Contains("786432", error.Message, StringComparison.Ordinal);
        Assert.Equal(2 * 2048 * 384L, new BatchingOptions().TokenCapacityFor("mpnet", 384, 2048));
    }

    [Fact]
    public async Task Worker_RequestPastItsDeadline_IsDroppedBeforeItsTextsRun()
    {
        var time = new FakeTimeProvider();
        var inference = new FakeInference();
        inference.Gate.Reset();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 4, SortWindow = 4, MaxLatency = TimeSpan.FromSeconds(5) }, time);
        var first = Submit(batcher, [Text(1, 4)]);
        await inference.Entered.Task.DefaultTimeout();
        var late = Submit(batcher, [Text(2, 4), Text(3, 4)]);

        time.Advance(TimeSpan.FromSeconds(6));
        inference.Gate.Set();

        await first.DefaultTimeout();
        var error = await Assert.ThrowsAsync<OverloadedException>(() => late).DefaultTimeout();
        Assert.Equal("expired", error.Reason);
        Assert.DoesNotContain(inference.Batches, b => b.Contains(2) || b.Contains(3));
        await WaitUntilAsync(() => batcher.Admission.Texts == 0);
    }

    [Fact]
    public async Task Worker_UnstartedRequestThatCannotFinishInTime_IsDroppedBeforeCompute()
    {
        var time = new FakeTimeProvider();
        var inference = new FakeInference();
        inference.Gate.Reset();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 4, SortWindow = 4 }, time);
        var first = Submit(batcher, [Text(1, 400)]);
        await inference.Entered.Task.DefaultTimeout();
        // Admitted before any throughput was measured, so admission could not judge their deadlines.
        var ahead = Submit(batcher, [.. Enumerable.Range(0, 10).Select(i => Text(300 + i, 200))], time.GetUtcNow().AddSeconds(25));
        var behind = Submit(batcher, [Text(2, 500)], time.GetUtcNow().AddSeconds(27));

        // Now 100 tokens/s, 4 s later: the 2,000 tokens ahead end at 24 s (deadline 25 s), the 500 behind
        // them at 29 s, past their deadline of 27 s.
        batcher.Admission.RecordBatch(100, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(4));
        inference.Gate.Set();

        await first.DefaultTimeout();
        var error = await Assert.ThrowsAsync<OverloadedException>(() => behind).DefaultTimeout();
        await ahead.DefaultTimeout();

        Assert.Equal("expired", error.Reason);
        Assert.Contains("dropped before it, after 0 of 1 texts had run", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(inference.Batches, b => b.Contains(2));
    }

    [Fact]
    public async Task Worker_EarlierDeadlineArrivingLater_RunsFirst()
    {
        var time = new FakeTimeProvider();
        var inference = new FakeInference();
        inference.Gate.Reset();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 2, SortWindow = 2 }, time);
        var blocker = Submit(batcher, [Text(0, 4)]);
        await inference.Entered.Task.DefaultTimeout();
        var relaxed = Submit(batcher, [Text(10, 4), Text(11, 4)], time.GetUtcNow().AddSeconds(20));
        var urgent = Submit(batcher, [Text(20, 4), Text(21, 4)], time.GetUtcNow().AddSeconds(10));

        inference.Gate.Set();
        await Task.WhenAll(blocker, relaxed, urgent).DefaultTimeout();

        Assert.Equal(new[] { new[] { 0 }, [20, 21], [10, 11] }, inference.Batches.ToArray());
    }

    [Fact]
    public async Task Worker_UnderBacklog_FinishesWholeRequestsOneAfterAnother()
    {
        var inference = new FakeInference();
        inference.Gate.Reset();
        // An hour's deadline: the gated first batch teaches a rate as slow as the gate was held (seconds on a busy CI
        // machine), at which the 24 queued texts would be dropped as unable to finish in 30 s; order is this test's subject.
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 4, SortWindow = 4, MaxPaddingShare = 1, MaxLatency = TimeSpan.FromHours(1) });
        var blocker = Submit(batcher, [Text(0, 4)]);
        await inference.Entered.Task.DefaultTimeout();
        // Three requests of eight texts, lengths spread so that a length-sorted window across all of them
        // would interleave them; served by deadline, each finishes before the next starts.
        var requests = Enumerable.Range(1, 3)
            .Select(r => Submit(batcher, [.. Enumerable.Range(0, 8).Select(i => Text((r * 100) + i, 3 + ((i * 5) % 8)))]))
            .ToArray();

        inference.Gate.Set();
        await Task.WhenAll(requests).DefaultTimeout();
        var owners = inference.Batches.Skip(1).Select(b => b.Select(id => id / 100).Distinct().Single()).ToArray();

        Assert.Equal([1, 1, 2, 2, 3, 3], owners);
    }

    [Fact]
    public async Task Worker_CancelledRequest_IsDroppedAndItsComputedTextsCountAsWasted()
    {
        var metrics = new EngramBulkLoad.Embedding.Service.Metrics.EmbeddingMetrics();
        using var exporter = new EngramBulkLoad.Embedding.Service.Metrics.PrometheusTextExporter(metrics.Meter);
        var inference = new FakeInference();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 1, SortWindow = 1 }, metrics: metrics);
        using var cancel = new CancellationTokenSource();
        inference.Gate.Reset();
        var texts = new[] { Text(1, 4), Text(2, 4), Text(3, 4) };
        var pending = batcher.SubmitAsync(texts, batcher.Admit(Strings(texts), null), cancel.Token);
        await inference.Entered.Task.DefaultTimeout();

        // The first text is running; cancel, then let it finish: one text computed for nothing.
        await cancel.CancelAsync();
        inference.Gate.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending).DefaultTimeout();
        await WaitUntilAsync(() => batcher.Admission.Texts == 0);
        await WaitUntilAsync(() => exporter.Render().Contains("embedding_dropped_total{model=\"fake\",reason=\"cancelled\"} 1", StringComparison.Ordinal));

        Assert.Contains("embedding_wasted_texts_total{model=\"fake\",reason=\"cancelled\"} 1", exporter.Render(), StringComparison.Ordinal);
        Assert.Equal([1], inference.Batches.SelectMany(b => b));
    }

    /// <summary>Polls a condition another thread makes true, with the test's timeout; no fixed sleep.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TaskTimeouts.Default);
        while (!condition())
        {
            await Task.Yield();
            await Task.Delay(1, timeout.Token);
        }
    }

    /// <summary>A request whose texts must not be read.</summary>
    private sealed class UnreadableTexts(int count) : IReadOnlyList<string>
    {
        public int Count => count;

        public string this[int index] => throw new InvalidOperationException("admission read a text before deciding");

        public IEnumerator<string> GetEnumerator() => throw new InvalidOperationException("admission read the texts before deciding");

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
