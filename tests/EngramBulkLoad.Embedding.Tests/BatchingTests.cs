using System.Collections.Concurrent;
using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using Microsoft.Extensions.Logging.Abstractions;

namespace EngramBulkLoad.Embedding.Tests;

public sealed partial class BatchingTests
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

        var results = await Submit(batcher, texts).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 50), results.Select(r => (int)r.Vector[0]));
        Assert.True(inference.BatchSizes.Count >= 13);
        Assert.All(inference.BatchSizes, size => Assert.InRange(size, 1, 4));
    }

    [Fact]
    public async Task SubmitAsync_BatchRunsOutOfMemory_IsHalvedAndRetriedUntilItFits()
    {
        var inference = new FakeInference { MaxTextsThatFit = 3 };
        // The gated first batch teaches the batcher a rate as slow as the gate was held (seconds on a busy CI machine),
        // so with the default 30 s deadline the 32 texts could be dropped as unable to finish; deadlines are not this test's subject.
        await using var batcher = NewBatcher(inference, new BatchingOptions { TokenBudget = 10_000, MaxBatchTexts = 32, QueueCapacity = 1000, SortWindow = 64, MaxLatency = TimeSpan.FromHours(1) });
        // Hold the worker on a first text so that all 32 are queued when it looks again.
        inference.Gate.Reset();
        var blocker = Submit(batcher, [Text(0, 5)]);
        await inference.Entered.Task.DefaultTimeout();
        var texts = Enumerable.Range(1, 32).Select(i => Text(i, 5)).ToArray();

        var pending = Submit(batcher, texts);
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

        await Assert.ThrowsAsync<InsufficientMemoryException>(() => Submit(batcher, [Text(1, 4), Text(2, 4)])).DefaultTimeout();
        inference.MaxTextsThatFit = int.MaxValue;
        var later = await Submit(batcher, [Text(3, 4)]).DefaultTimeout();

        Assert.Equal(3, (int)later[0].Vector[0]);
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
            var results = await Submit(batcher, ids.Select(id => Text(id, random.Next(2, 30))).ToArray());
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

        var results = await Submit(batcher, [Text(1, 7), new TokenizedText([2, 1, 1], Truncated: true)]).DefaultTimeout();

        Assert.Equal((7, false), (results[0].TokenCount, results[0].Truncated));
        Assert.Equal((3, true), (results[1].TokenCount, results[1].Truncated));
    }

    internal static TokenBudgetBatcher NewBatcher(FakeInference inference, BatchingOptions options, TimeProvider? time = null, EmbeddingMetrics? metrics = null)
        => new(inference, options, metrics ?? new EmbeddingMetrics(), "fake", maxSequenceLength: 512, maxTextsPerRequest: 1000, NullLogger.Instance, time);

    /// <summary>Admits and submits, as the served model does; the stand-in strings give the estimate the text's own length.</summary>
    internal static Task<EmbeddedText[]> Submit(TokenBudgetBatcher batcher, TokenizedText[] texts, DateTimeOffset? deadline = null)
    {
        var reservation = batcher.Admit(Strings(texts), deadline);
        return batcher.SubmitAsync(texts, reservation, TestContext.Current.CancellationToken);
    }

    internal static string[] Strings(TokenizedText[] texts) => texts.Select(t => new string('a', t.Ids.Length - 2)).ToArray();

    // The first id identifies the text; the fake model returns it as the vector's first value.
    internal static TokenizedText Text(int id, int length) => new([id, .. Enumerable.Repeat(1, length - 1)], Truncated: false);

    internal sealed class FakeInference : IBatchInference
    {
        public ManualResetEventSlim Gate { get; } = new(initialState: true);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<int> BatchSizes { get; } = new();

        /// <summary>The first id of every text run, batch by batch.</summary>
        public ConcurrentQueue<int[]> Batches { get; } = new();

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
            Batches.Enqueue(sequences.Select(x => x[0]).ToArray());
            return sequences.Select(s => new float[] { s[0], 0 }).ToArray();
        }

        public bool IsOutOfMemory(Exception exception) => exception is InsufficientMemoryException;
    }
}
