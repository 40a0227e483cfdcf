using System.Collections.Concurrent;
using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using Microsoft.Extensions.Logging.Abstractions;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class BatchingTests
{
    [Fact]
    public void Plan_MixedLengths_KeepsEveryBatchWithinBudgetAndTextCapAndUsesEachTextOnce()
    {
        var random = new Random(11);
        var lengths = Enumerable.Range(0, 500).Select(_ => random.Next(3, 128)).ToArray();

        var batches = BatchPlanner.Plan(lengths, tokenBudget: 1024, maxBatchTexts: 24);

        Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => b).Order());
        Assert.All(batches, b => Assert.True(b.Length * b.Max(i => lengths[i]) <= 1024 && b.Length <= 24));
    }

    [Fact]
    public void Plan_PaddingCap_NoBatchHasMorePaddingThanAllowed()
    {
        var random = new Random(13);
        var lengths = Enumerable.Range(0, 300).Select(_ => random.Next(3, 384)).ToArray();

        var batches = BatchPlanner.Plan(lengths, tokenBudget: 16384, maxBatchTexts: 256, maxPaddingShare: 0.2);

        Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => b).Order());
        Assert.All(batches, b => Assert.True(1 - ((double)b.Sum(i => lengths[i]) / (b.Length * b.Max(i => lengths[i]))) <= 0.2));
    }

    [Fact]
    public void Plan_SortedByLength_PadsLessThanArrivalOrder()
    {
        var random = new Random(5);
        var lengths = Enumerable.Range(0, 256).Select(_ => random.Next(3, 128)).ToArray();

        var batches = BatchPlanner.Plan(lengths, tokenBudget: 100_000, maxBatchTexts: 16);
        var padded = batches.Sum(b => b.Length * b.Max(i => lengths[i]));
        var arrival = lengths.Chunk(16).Sum(c => c.Length * c.Max());

        Assert.True(padded < arrival * 0.8, $"sorted {padded} vs arrival {arrival}");
    }

    [Fact]
    public async Task SubmitAsync_RequestLargerThanOneBatch_RunsSeveralBatchesAndKeepsOrder()
    {
        var inference = new FakeInference();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 64, MaxBatchTexts = 4, QueueCapacity = 1000, SortWindow = 100 });
        var texts = Enumerable.Range(1, 50).Select(i => Text(i, i % 7 + 2)).ToArray();

        var results = await batcher.SubmitAsync(texts, TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 50), results.Select(r => (int)r.Vector[0]));
        Assert.True(inference.BatchSizes.Count >= 13);
        Assert.All(inference.BatchSizes, size => Assert.InRange(size, 1, 4));
    }

    [Fact]
    public async Task SubmitAsync_BatchRunsOutOfMemory_IsHalvedAndRetriedUntilItFits()
    {
        var inference = new FakeInference { MaxTextsThatFit = 3 };
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 32, QueueCapacity = 1000, SortWindow = 64 });
        // Hold the worker on a first text so that all 32 are queued when it looks again.
        inference.Gate.Reset();
        var blocker = batcher.SubmitAsync([Text(0, 5)], TestContext.Current.CancellationToken);
        await inference.Entered.Task.DefaultTimeout();
        var texts = Enumerable.Range(1, 32).Select(i => Text(i, 5)).ToArray();

        var pending = batcher.SubmitAsync(texts, TestContext.Current.CancellationToken);
        inference.Gate.Set();
        var results = await pending.DefaultTimeout();
        await blocker.DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 32), results.Select(r => (int)r.Vector[0]));
        Assert.Contains(32, inference.AttemptedSizes);
        Assert.All(inference.BatchSizes, size => Assert.True(size <= 3));
    }

    [Fact]
    public async Task SubmitAsync_SingleTextStillOutOfMemory_FailsThatRequestAndTheBatcherKeepsWorking()
    {
        var inference = new FakeInference { MaxTextsThatFit = 0 };
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 8, QueueCapacity = 1000, SortWindow = 64 });

        await Assert.ThrowsAsync<InsufficientMemoryException>(() => batcher.SubmitAsync([Text(1, 4), Text(2, 4)], TestContext.Current.CancellationToken)).DefaultTimeout();
        inference.MaxTextsThatFit = int.MaxValue;
        var later = await batcher.SubmitAsync([Text(3, 4)], TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal(3, (int)later[0].Vector[0]);
    }

    [Fact]
    public async Task SubmitAsync_QueueFull_RefusesWholeRequestWithQueueFullException()
    {
        var inference = new FakeInference();
        inference.Gate.Reset();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 1, QueueCapacity = 4, SortWindow = 1 });
        var first = batcher.SubmitAsync([Text(1, 3)], TestContext.Current.CancellationToken);
        await inference.Entered.Task.DefaultTimeout();
        var waiting = batcher.SubmitAsync([Text(2, 3), Text(3, 3), Text(4, 3)], TestContext.Current.CancellationToken);

        // Admission is decided synchronously, before any task exists.
        var error = Assert.Throws<QueueFullException>(() => { _ = batcher.SubmitAsync([Text(5, 3), Text(6, 3)], TestContext.Current.CancellationToken); });
        inference.Gate.Set();

        Assert.Contains("3 of 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (int)(await first.DefaultTimeout())[0].Vector[0]);
        Assert.Equal([2, 3, 4], (await waiting.DefaultTimeout()).Select(r => (int)r.Vector[0]));
    }

    [Fact]
    public async Task SubmitAsync_ManyConcurrentCallers_EachGetsExactlyItsOwnResultsInOrder()
    {
        var inference = new FakeInference();
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 200, MaxBatchTexts = 8, QueueCapacity = 100_000, SortWindow = 64 });

        var callers = Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            var ids = Enumerable.Range(0, random.Next(1, 60)).Select(i => (caller * 1000) + i).ToArray();
            var results = await batcher.SubmitAsync(ids.Select(id => Text(id, random.Next(2, 30))).ToArray(), TestContext.Current.CancellationToken);
            return (ids, results);
        })).ToArray();

        foreach (var (ids, results) in await Task.WhenAll(callers).DefaultTimeout())
        {
            Assert.Equal(ids, results.Select(r => (int)r.Vector[0]));
        }
    }

    [Fact]
    public async Task SubmitAsync_ResultCarriesTokenCountAndTruncationOfItsText()
    {
        await using var batcher = NewBatcher(new FakeInference(), new BatchingOptions());

        var results = await batcher.SubmitAsync([Text(1, 7), new TokenizedText([2, 1, 1], Truncated: true)], TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal((7, false), (results[0].TokenCount, results[0].Truncated));
        Assert.Equal((3, true), (results[1].TokenCount, results[1].Truncated));
    }

    private static TokenBudgetBatcher NewBatcher(FakeInference inference, BatchingOptions options)
        => new(inference, options, new EmbeddingMetrics(), "fake", NullLogger.Instance);

    // The first id identifies the text; the fake model returns it as the vector's first value.
    private static TokenizedText Text(int id, int length) => new([id, .. Enumerable.Repeat(1, length - 1)], Truncated: false);

    private sealed class FakeInference : IBatchInference
    {
        public ManualResetEventSlim Gate { get; } = new(initialState: true);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> BatchSizes { get; } = new();

        public ConcurrentQueue<int> AttemptedSizes { get; } = new();

        public int MaxTextsThatFit { get; set; } = int.MaxValue;

        public int Dimension => 2;

        public float[][] Run(IReadOnlyList<int[]> sequences)
        {
            Entered.TrySetResult();
            Gate.Wait(TaskTimeouts.Default);
            AttemptedSizes.Enqueue(sequences.Count);
            if (sequences.Count > MaxTextsThatFit)
            {
                throw new InsufficientMemoryException("simulated: out of device memory");
            }

            BatchSizes.Enqueue(sequences.Count);
            return sequences.Select(s => new float[] { s[0], 0 }).ToArray();
        }

        public bool IsOutOfMemory(Exception exception) => exception is InsufficientMemoryException;
    }
}
