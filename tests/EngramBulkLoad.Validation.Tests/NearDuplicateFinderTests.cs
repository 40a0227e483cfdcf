using EngramBulkLoad.Records;
using EngramBulkLoad.Validation.NearDuplicates;
using static EngramBulkLoad.Validation.Tests.TestSupport;

namespace EngramBulkLoad.Validation.Tests;

public sealed class NearDuplicateFinderTests
{
    [Fact]
    public async Task FindAsync_SameTextUnderOtherKeys_FoundExactlyAndFoldedIntoTheFirst()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var records = ValidationSnapshot.Records("crm", "t", 0, 50, seed: 1);
        records.Add(ValidationSnapshot.Record("crm", "t", "copy", records[7].Content));
        await snapshot.AddPartAsync("t", 0, records, Token);

        var report = await FindAsync(snapshot, new NearDuplicateOptions());

        var group = Assert.Single(report.Groups);
        Assert.Equal([records[7].MemoryId, records[^1].MemoryId], group.Members.Select(member => member.MemoryId));
        Assert.Equal(new NearDuplicateMember(records[^1].MemoryId, false, records[7].MemoryId, 1.0, records[7].MemoryId), group.Members[1]);
        Assert.Equal(1, report.ExactDuplicates);
        Assert.Equal(51, report.LoadableMemories);
        Assert.Equal(50, report.ExpectedHeld);
    }

    [Fact]
    public async Task FindAsync_PairAtCosine096_FoundAndVerified()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(40, seed: 2);
        records.Add(ValidationSnapshot.Record("crm", "t", "near", "near duplicate"));
        vectors.Add(At(vectors[12], 0.96, seed: 3));
        await snapshot.AddPartAsync("t", 0, records, Token, vectors);

        var report = await FindAsync(snapshot, new NearDuplicateOptions());

        var group = Assert.Single(report.Groups);
        var merged = group.Members.Single(member => !member.Holds);
        Assert.Equal(records[^1].MemoryId, merged.MemoryId);
        Assert.Equal(records[12].MemoryId, merged.MergedInto);
        Assert.Equal(0.96, merged.Cosine!.Value, 3);
        Assert.Equal(0, report.ExactDuplicates);
        Assert.Equal(40, report.ExpectedHeld);
    }

    [Fact]
    public async Task FindAsync_PairAtCosine090_NotADuplicate()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(40, seed: 4);
        records.Add(ValidationSnapshot.Record("crm", "t", "similar", "similar but not a duplicate"));
        vectors.Add(At(vectors[5], 0.90, seed: 5));
        await snapshot.AddPartAsync("t", 0, records, Token, vectors);

        var report = await FindAsync(snapshot, new NearDuplicateOptions());

        Assert.Empty(report.Groups);
        Assert.Equal(41, report.ExpectedHeld);
        Assert.Equal(41, report.ExpectedHeldLow);
    }

    [Theory]
    [InlineData(MergeStrategy.KeepHighestConfidence, 2)]
    [InlineData(MergeStrategy.Skip, 2)]
    [InlineData(MergeStrategy.Replace, 1)]
    public async Task FindAsync_ChainOfNearDuplicates_FoldsAsEngramsStrategyDoes(MergeStrategy strategy, int heldOfChain)
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(20, seed: 6);
        // A ~ B and B ~ C (0.97 each) but A and C about 0.94: Skip keeps A and C, Replace keeps only C.
        records.Add(ValidationSnapshot.Record("crm", "t", "b", "b"));
        vectors.Add(At(vectors[0], 0.97, seed: 7));
        records.Add(ValidationSnapshot.Record("crm", "t", "c", "c"));
        vectors.Add(At(vectors[^1], 0.97, seed: 8));
        await snapshot.AddPartAsync("t", 0, records, Token, vectors);

        var report = await FindAsync(snapshot, new NearDuplicateOptions { Strategy = strategy });

        var group = Assert.Single(report.Groups);
        Assert.Equal([records[0].MemoryId, records[^2].MemoryId, records[^1].MemoryId], group.Members.Select(member => member.MemoryId));
        Assert.Equal(heldOfChain, group.Members.Count(member => member.Holds));
        Assert.Equal(20 - 1 + heldOfChain, report.ExpectedHeld);
        Assert.Equal(20, report.ExpectedHeldLow);
        Assert.Equal(22, report.ExpectedHeldHigh);
        if (strategy == MergeStrategy.Replace)
        {
            Assert.All(group.Members.Where(member => !member.Holds), member => Assert.Equal(records[^1].MemoryId, member.MergedInto));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FindAsync_NearDuplicatesOfSourcesOfDifferentConfidence_TheMoreConfidentHeldWhicheverCameFirst(bool lessConfidentFirst)
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var notes = ValidationSnapshot.Records("notes", "n", 0, 10, seed: 40);
        var crm = ValidationSnapshot.Records("crm", "t", 0, 10, seed: 41);
        var notesVectors = Enumerable.Range(0, 10).Select(i => Random(4000 + i)).ToList();
        var crmVectors = Enumerable.Range(0, 10).Select(i => Random(5000 + i)).ToList();
        // crm 3 is a near-duplicate (0.97) of notes 3, and crm 5 has the same text as notes 5.
        crmVectors[3] = At(notesVectors[3], 0.97, seed: 42);
        crm[5] = ValidationSnapshot.Record("crm", "t", "5", notes[5].Content);
        crmVectors[5] = notesVectors[5];
        if (lessConfidentFirst)
        {
            await snapshot.AddPartAsync("n", 0, notes, Token, notesVectors);
            await snapshot.AddPartAsync("t", 0, crm, Token, crmVectors);
        }
        else
        {
            await snapshot.AddPartAsync("t", 0, crm, Token, crmVectors);
            await snapshot.AddPartAsync("n", 0, notes, Token, notesVectors);
        }

        var report = await FindAsync(snapshot, new NearDuplicateOptions { ConfidenceBySource = new() { ["crm"] = 0.8, ["notes"] = 0.75 } });

        // deduplication.rs, KeepHighestConfidence: the crm record (0.8) is held, whether it replaced the note (0.75)
        // loaded before it or the note was skipped after it.
        Assert.Equal(2, report.Groups.Count);
        foreach (var i in new[] { 3, 5 })
        {
            var group = report.Groups.Single(g => g.Members.Any(m => m.MemoryId == crm[i].MemoryId));
            Assert.Equal(crm[i].MemoryId, Assert.Single(group.Held));
            Assert.Equal(crm[i].MemoryId, group.Members.Single(m => m.MemoryId == notes[i].MemoryId).MergedInto);
        }

        Assert.Equal(18, report.ExpectedHeld);
    }

    [Fact]
    public async Task FindAsync_NearDuplicatesOfSourcesOfEqualConfidence_TheFirstLoadedHeld()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var notes = ValidationSnapshot.Records("notes", "n", 0, 5, seed: 43);
        var crm = ValidationSnapshot.Records("crm", "t", 0, 5, seed: 44);
        var notesVectors = Enumerable.Range(0, 5).Select(i => Random(6000 + i)).ToList();
        var crmVectors = Enumerable.Range(0, 5).Select(i => Random(7000 + i)).ToList();
        crmVectors[2] = At(notesVectors[2], 0.97, seed: 45);
        await snapshot.AddPartAsync("n", 0, notes, Token, notesVectors);
        await snapshot.AddPartAsync("t", 0, crm, Token, crmVectors);

        var report = await FindAsync(snapshot, new NearDuplicateOptions { ConfidenceBySource = new() { ["crm"] = 0.8, ["notes"] = 0.8 } });

        var group = Assert.Single(report.Groups);
        Assert.Equal(notes[2].MemoryId, Assert.Single(group.Held));
    }

    [Fact]
    public async Task FindAsync_ManyVectorsWithPlantedPairs_FindsEveryPairAndNoOther()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(3000, seed: 9);
        for (var i = 0; i < 25; i++)
        {
            records.Add(ValidationSnapshot.Record("crm", "t", $"planted-{i}", $"planted {i}"));
            vectors.Add(At(vectors[i * 100], 0.985, seed: 100 + i));
        }

        await snapshot.AddPartAsync("t", 0, records[..1500], Token, vectors[..1500]);
        await snapshot.AddPartAsync("t", 1, records[1500..], Token, vectors[1500..]);

        var report = await FindAsync(snapshot, new NearDuplicateOptions());

        Assert.Equal(25, report.Groups.Count);
        Assert.All(report.Groups, group => Assert.Equal(2, group.Members.Count));
        Assert.Equal(3000, report.ExpectedHeld);
        Assert.True(report.Complete);
    }

    [Fact]
    public async Task FindAsync_ClusterSpreadOverTheSnapshot_OneGroupFoldedIntoItsFirstAndNoTemporaryFileLeft()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(600, seed: 12);
        // Every third vector is near the first one, so many wait in the second pass for partners far ahead.
        NearTheFirst(vectors, every: 3, seed: 1000);

        await snapshot.AddPartAsync("t", 0, records[..300], Token, vectors[..300]);
        await snapshot.AddPartAsync("t", 1, records[300..], Token, vectors[300..]);

        var report = await FindAsync(snapshot, new NearDuplicateOptions());

        Assert.True(report.Groups.Count == 1, string.Join(" / ", report.Groups.Select(g => $"{g.Members.Count} members, {g.Held.Count()} held")));
        var group = report.Groups[0];
        Assert.Equal(200, group.Members.Count);
        Assert.Equal(records[0].MemoryId, Assert.Single(group.Held));
        Assert.All(group.Members.Skip(1), member => Assert.Equal(records[0].MemoryId, member.MergedInto));
        Assert.Equal(401, report.ExpectedHeld);
        Assert.True(report.Complete, $"{report.LargeBuckets} large buckets, {report.PairsNotCompared} pairs not compared, {report.CandidatePairs} candidates");
        Assert.Empty(Directory.GetFiles(snapshot.Folder, "*.tmp"));
    }

    [Fact]
    public async Task FindAsync_BucketLargerThanTheComparisonBudget_SearchedInAWindowAndReportedIncomplete()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(1000, seed: 14);
        NearTheFirst(vectors, every: 1, seed: 3000);
        await snapshot.AddPartAsync("t", 0, records, Token, vectors);

        // 8-bit bands put about 700 of the 1000 in the first vector's bucket: 240,000 pairs a band, more than the
        // budget of 128 comparisons a vector and band pays for once the first bands spent it.
        var report = await FindAsync(snapshot, new NearDuplicateOptions { BitsPerBand = 8 });

        Assert.True(report.LargeBuckets > 0);
        Assert.True(report.PairsNotCompared > 0);
        Assert.False(report.Complete);
        var group = Assert.Single(report.Groups);
        Assert.Equal(1000, group.Members.Count);
        Assert.Equal(records[0].MemoryId, Assert.Single(group.Held));
    }

    [Fact]
    public async Task FindAsync_MoreCandidatesThanAllowed_SaysItIsIncomplete()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(100, seed: 13);
        NearTheFirst(vectors, every: 2, seed: 2000);

        await snapshot.AddPartAsync("t", 0, records, Token, vectors);

        var report = await FindAsync(snapshot, new NearDuplicateOptions { MaxCandidatePairs = 10 });

        Assert.False(report.Complete);
        Assert.Equal(10, report.CandidatePairs);
    }

    [Fact]
    public async Task FindAsync_RepeatedIdAndUnloadableVectors_NotCountedAsMemories()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(10, seed: 10);
        vectors[3] = new float[768];
        vectors[4] = [.. vectors[4].Select(v => float.NaN)];
        await snapshot.AddPartAsync("t", 0, records, Token, vectors);
        await snapshot.AddPartAsync("t", 1, [records[0]], Token, [vectors[0]], generation: 1);

        var report = await FindAsync(snapshot, new NearDuplicateOptions());

        Assert.Equal(11, report.VectorRows);
        Assert.Equal(1, report.RepeatedIds);
        Assert.Equal(2, report.UnloadableMemories);
        Assert.Equal(8, report.ExpectedHeld);
        Assert.Empty(report.Groups);
    }

    [Fact]
    public async Task ReadOrFindAsync_SavedAnalysis_ReusedUntilTheVectorsOrOptionsChange()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(10, seed: 11);
        await snapshot.AddPartAsync("t", 0, records, Token, vectors);
        var first = await FindAsync(snapshot, new NearDuplicateOptions());

        var again = await NearDuplicateFinder.ReadOrFindAsync(snapshot.Store, new NearDuplicateOptions(), TimeProvider.System, Token);
        var otherThreshold = await NearDuplicateFinder.ReadOrFindAsync(snapshot.Store, new NearDuplicateOptions { Threshold = 0.9 }, TimeProvider.System, Token);

        Assert.True(File.Exists(Path.Combine(snapshot.Folder, NearDuplicateFinder.FileName)));
        Assert.Equal(first.CreatedAt, again.CreatedAt);
        Assert.Equal(first.Fingerprint, again.Fingerprint);
        Assert.NotEqual(first.Fingerprint, otherThreshold.Fingerprint);
    }

    [Fact]
    public void EstimatedRecall_Defaults_HighAboveTheThresholdAndNegligibleForUnrelatedVectors()
    {
        var options = new NearDuplicateOptions();

        Assert.InRange(options.EstimatedRecall(0.95), 0.99, 0.995);
        Assert.True(options.EstimatedRecall(0.97) > 0.999);
        Assert.True(options.EstimatedRecall(0.0) < 1e-4);
    }

    [Theory]
    [InlineData(MergeStrategy.Skip)]
    [InlineData(MergeStrategy.Replace)]
    public async Task FindAsync_ThousandsOfVectorsWithPairsAndChainsAtTheThreshold_MatchesAnExactReplayOfEngramsRule(MergeStrategy strategy)
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var (records, vectors) = Distinct(2500, seed: 31);
        var random = new Random(32);
        // 400 near-duplicates between cosine 0.950 and 0.965 of a random earlier vector (some of them of another
        // near-duplicate, which makes chains), placed anywhere in load order.
        for (var i = 0; i < 400; i++)
        {
            var of = random.Next(vectors.Count);
            var at = random.Next(of + 1, vectors.Count + 1);
            records.Insert(at, ValidationSnapshot.Record("crm", "t", $"near-{i}", $"near duplicate {i}"));
            vectors.Insert(at, At(vectors[of], 0.950 + (random.NextDouble() * 0.015), seed: 1000 + i));
        }

        await snapshot.AddPartAsync("t", 0, records[..1500], Token, vectors[..1500]);
        await snapshot.AddPartAsync("t", 1, records[1500..], Token, vectors[1500..]);
        var (pairs, held) = ExactReplay(vectors, 0.95, strategy);

        var report = await FindAsync(snapshot, new NearDuplicateOptions { Strategy = strategy });

        // Every pair at or above the threshold, all pairs compared exactly, against the pairs the finder verified.
        Assert.True(pairs > 300, $"only {pairs} pairs planted");
        Assert.InRange(report.VerifiedPairs, 0.99 * pairs, pairs);
        var predicted = report.Groups.SelectMany(group => group.Members).Where(member => !member.Holds).Select(member => member.MemoryId).ToHashSet();
        var exact = records.Select(record => record.MemoryId).Where((id, i) => !held[i]).ToHashSet();
        Assert.InRange(predicted.Intersect(exact).Count(), 0.99 * exact.Count, exact.Count);
        Assert.InRange(Math.Abs(report.ExpectedHeld - held.Count(h => h)), 0, 0.01 * exact.Count + 1);
    }

    /// <summary>
    /// Engram's rule replayed over every pair (deduplication.rs): in load order, each vector is compared with every
    /// vector held; the best match at or above the threshold skips the new one (Skip) or is replaced by it (Replace).
    /// </summary>
    private static (int Pairs, bool[] Held) ExactReplay(IReadOnlyList<float[]> vectors, double threshold, MergeStrategy strategy)
    {
        var pairs = 0;
        for (var i = 0; i < vectors.Count; i++)
        {
            for (var j = i + 1; j < vectors.Count; j++)
            {
                pairs += Cosine(vectors[i], vectors[j]) >= threshold ? 1 : 0;
            }
        }

        var held = new bool[vectors.Count];
        var holding = new List<int>();
        for (var i = 0; i < vectors.Count; i++)
        {
            var best = -1;
            var bestCosine = threshold;
            foreach (var h in holding)
            {
                var cosine = Cosine(vectors[h], vectors[i]);
                if (cosine >= bestCosine && (best < 0 || cosine > bestCosine))
                {
                    (best, bestCosine) = (h, cosine);
                }
            }

            if (best < 0 || strategy == MergeStrategy.Replace)
            {
                if (best >= 0)
                {
                    holding.Remove(best);
                    held[best] = false;
                }

                holding.Add(i);
                held[i] = true;
            }
        }

        return (pairs, held);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var k = 0; k < a.Length; k++)
        {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static (List<StagedRecord> Records, List<float[]> Vectors) Distinct(int count, int seed)
        => (ValidationSnapshot.Records("crm", "t", 0, count, seed), [.. Enumerable.Range(0, count).Select(i => Random((seed * 100_000) + i))]);

    /// <summary>Replaces every <paramref name="every"/>-th vector after the first with one at cosine 0.99 from the first.</summary>
    private static void NearTheFirst(List<float[]> vectors, int every, int seed)
    {
        for (var i = every; i < vectors.Count; i += every)
        {
            vectors[i] = At(vectors[0], 0.99, seed: seed + i);
        }
    }

    private static Task<NearDuplicateReport> FindAsync(ValidationSnapshot snapshot, NearDuplicateOptions options)
        => NearDuplicateFinder.FindAsync(snapshot.Store, options, TimeProvider.System, Token).WaitAsync(TestTimeout, Token);
}
