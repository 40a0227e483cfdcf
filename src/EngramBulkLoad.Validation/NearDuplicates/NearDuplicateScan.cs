using EngramBulkLoad.Records;

namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// The state of one near-duplicate analysis (see <see cref="NearDuplicateFinder"/> for the method).
/// Indices: a "row" is a vectors row; a "memory" is the first row of a memory id (later rows of the id are
/// updates of the same memory); a "distinct vector" is the first memory with a given content hash.
/// </summary>
internal sealed class NearDuplicateScan(NearDuplicateOptions options, int? modelDimension)
{
    // Signature comparisons allowed per distinct vector and band, on average over the analysis. A bucket has every
    // pair compared while the budget lasts, so a cluster of hundreds of near-duplicates is searched exactly (the merge
    // replay needs the pair of each member with the one Engram holds, not a chain through neighbours; a fixed window
    // of 16 lost such pairs). A bucket the budget cannot pay for (thousands of near-identical vectors, or bands too
    // short for the corpus) is ordered by the next band's bits, so that vectors close enough to share that band too
    // sit together, and each member is compared with its next BucketWindow only; the pairs it leaves out are counted
    // (PairsNotCompared) and make the analysis incomplete. Time stays linear: at most 2 x ComparisonsPerVector
    // comparisons a vector and band in all.
    private const int ComparisonsPerVector = 128;
    private const int BucketWindow = 128;

    private readonly HashSet<long> _repeatedRows = [];
    // Per memory: its distinct vector, or -1 when Engram cannot take its vector.
    private readonly List<int> _distinctOfMemory = [];
    // Per distinct vector: its first memory, and how many memories share its text.
    private readonly List<int> _memoryOfDistinct = [];
    private readonly List<int> _textCopies = [];
    // Per memory: the index of its source in _sources (two bytes a memory), for the confidence Engram compares.
    private readonly List<ushort> _sourceOfMemory = [];
    private readonly List<string> _sources = [];
    private readonly CandidatePairs _candidates = new(options.MaxCandidatePairs);
    private readonly Dictionary<long, double> _verified = new(PairKeyComparer.Instance);
    // Memory ids of the members of groups only (same text, or a verified pair), not of every candidate.
    private readonly Dictionary<int, string> _ids = [];
    private HyperplaneSignatures? _hyperplanes;
    private SignatureStore? _signatures;
    private int? _dimension = modelDimension;
    private long _rows;
    private long _unloadable;
    private long _exactDuplicates;
    private long _pairsNotCompared;
    private long _comparisonsLeft;
    private int _largeBuckets;
    private bool _complete = true;

    public bool NeedsVerification => _candidates.Count > 0 || _exactDuplicates > 0;

    /// <summary>First pass: memory ids, exact duplicates by content hash, a signature per distinct vector.</summary>
    public async Task IndexAsync(IAsyncEnumerable<(string Source, StagedVector Vector)> vectors, CancellationToken cancellationToken)
    {
        // These two sets are the largest structures of the first pass; they are dropped when it ends.
        var seenIds = new HashSet<UInt128>();
        var distinctByText = new Dictionary<UInt128, int>();
        float[]? scratch = null;
        await foreach (var (source, vector) in vectors.WithCancellation(cancellationToken))
        {
            var row = _rows++;
            if (!seenIds.Add(CompactKeys.OfMemoryId(vector.MemoryId)))
            {
                _repeatedRows.Add(row);
                continue;
            }

            _sourceOfMemory.Add(SourceIndex(source));
            _dimension ??= vector.Vector.Length;
            if (vector.Vector.Length != _dimension || !(VectorChecks.Norm(vector.Vector) > 0))
            {
                _distinctOfMemory.Add(-1);
                _unloadable++;
                continue;
            }

            var text = CompactKeys.OfContentHash(vector.ContentHash);
            if (distinctByText.TryGetValue(text, out var distinct))
            {
                _distinctOfMemory.Add(distinct);
                _textCopies[distinct]++;
                _exactDuplicates++;
                continue;
            }

            distinct = _memoryOfDistinct.Count;
            distinctByText[text] = distinct;
            _distinctOfMemory.Add(distinct);
            _memoryOfDistinct.Add(_distinctOfMemory.Count - 1);
            _textCopies.Add(1);
            _hyperplanes ??= new HyperplaneSignatures(_dimension.Value, options.Bands * options.BitsPerBand, options.Seed);
            _signatures ??= new SignatureStore(_hyperplanes.Words);
            scratch ??= new float[_hyperplanes.Bits];
            _hyperplanes.Compute(vector.Vector, _signatures.Append(), scratch);
        }
    }

    /// <summary>Candidate pairs: distinct vectors sharing a band, kept when their signatures are close enough.</summary>
    public void CollectCandidates(CancellationToken cancellationToken)
    {
        if (_signatures is null || _hyperplanes is null || _signatures.Count < 2)
        {
            return;
        }

        var count = _signatures.Count;
        var keys = new uint[count];
        var order = new int[count];
        var secondKeys = new uint[BucketWindow * 2];
        _comparisonsLeft = (long)ComparisonsPerVector * count * options.Bands;
        var cutoff = HammingCutoff(_hyperplanes.Bits, options.Threshold);
        for (var band = 0; band < options.Bands && _complete; band++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < count; i++)
            {
                keys[i] = HyperplaneSignatures.Slice(_signatures.Get(i), band * options.BitsPerBand, options.BitsPerBand);
                order[i] = i;
            }

            Array.Sort(keys, order);
            for (int start = 0, end; start < count && _complete; start = end)
            {
                end = start + 1;
                while (end < count && keys[end] == keys[start])
                {
                    end++;
                }

                var members = order.AsSpan(start, end - start);
                long m = members.Length;
                var window = m - 1;
                if (m * (m - 1) / 2 > _comparisonsLeft && m > BucketWindow + 1)
                {
                    OrderByBand(members, (band + 1) % options.Bands, ref secondKeys);
                    window = BucketWindow;
                    // The bucket's pairs less those within the window: m(m-1)/2 - (W(m-W) + W(W-1)/2).
                    _pairsNotCompared += (m * (m - 1) / 2) - ((window * (m - window)) + (window * (window - 1) / 2));
                    _largeBuckets++;
                }

                _comparisonsLeft = Math.Max(0, _comparisonsLeft - ((window * (m - window)) + (window * (window - 1) / 2)));
                AddBucket(members, (int)window, cutoff);
            }
        }

        _candidates.Seal();
        _complete &= !_candidates.Full && _pairsNotCompared == 0;

        // The signatures are not needed past this point; dropping them leaves the second pass 128 bytes a vector lighter.
        _signatures = null;
    }

    /// <summary>
    /// Second pass: exact cosine of every candidate pair, and the ids of the memories in a group. Each vector
    /// that a later candidate still needs waits in <paramref name="spillFolder"/> (see <see cref="WaitingVectors"/>);
    /// in memory there are two numbers per distinct vector.
    /// </summary>
    public async Task VerifyAsync(IAsyncEnumerable<(string Source, StagedVector Vector)> vectors, string spillFolder, CancellationToken cancellationToken)
    {
        // Pairs are sorted by second member, so the last pair naming a vector first is its last partner.
        var lastPartner = new int[_memoryOfDistinct.Count];
        var slotOf = new int[_memoryOfDistinct.Count];
        Array.Fill(lastPartner, -1);
        for (var i = 0; i < _candidates.Count; i++)
        {
            var (first, second) = _candidates[i];
            lastPartner[first] = second;
        }

        using var waiting = _candidates.Count > 0 ? WaitingVectors.Create(spillFolder, _dimension!.Value) : null;
        var partnerVector = new float[_dimension ?? 0];
        var next = 0;
        long row = -1;
        var memory = -1;
        await foreach (var (_, vector) in vectors.WithCancellation(cancellationToken))
        {
            row++;
            if (_repeatedRows.Contains(row))
            {
                continue;
            }

            memory++;
            var distinct = _distinctOfMemory[memory];
            if (distinct < 0)
            {
                continue;
            }

            if (_textCopies[distinct] > 1)
            {
                _ids[memory] = vector.MemoryId;
            }

            if (_memoryOfDistinct[distinct] != memory)
            {
                continue;
            }

            for (; next < _candidates.Count && _candidates[next].Second == distinct; next++)
            {
                var partner = _candidates[next].First;
                var partnerId = waiting!.Read(slotOf[partner], partnerVector);
                var cosine = VectorChecks.Cosine(partnerVector, vector.Vector);
                if (cosine >= options.Threshold)
                {
                    _verified[Pair(partner, distinct)] = cosine;
                    _ids[_memoryOfDistinct[partner]] = partnerId;
                    _ids[memory] = vector.MemoryId;
                }

                if (lastPartner[partner] == distinct)
                {
                    waiting.Release(slotOf[partner]);
                }
            }

            if (lastPartner[distinct] > distinct)
            {
                slotOf[distinct] = waiting!.Add(vector.MemoryId, vector.Vector);
            }
        }

        if (next < _candidates.Count)
        {
            throw new InvalidDataException($"The vectors files changed during the near-duplicate analysis ({_candidates.Count - next} candidate pairs were not met in the second read). Run validate again once nothing writes to the snapshot.");
        }
    }

    public NearDuplicateReport Report(string migrationId, string fingerprint, DateTimeOffset now)
    {
        var groups = options.Strategy == MergeStrategy.None ? [] : Groups();
        var loadable = _distinctOfMemory.Count(distinct => distinct >= 0);
        var folded = groups.Sum(group => group.Members.Count(member => !member.Holds));
        // Only a group that is not a clique (a chain: some members below the threshold of each other) can fold
        // differently when batches in flight reorder its members; a clique always folds to one.
        var chains = groups.Where(group => !group.IsClique).ToList();
        var chainFolded = chains.Sum(group => group.Members.Count(member => !member.Holds));
        return new NearDuplicateReport
        {
            MigrationId = migrationId,
            CreatedAt = now,
            Fingerprint = fingerprint,
            Options = options,
            VectorRows = _rows,
            RepeatedIds = _repeatedRows.Count,
            LoadableMemories = loadable,
            UnloadableMemories = _unloadable,
            ExactDuplicates = _exactDuplicates,
            CandidatePairs = _candidates.Count,
            LargeBuckets = _largeBuckets,
            PairsNotCompared = _pairsNotCompared,
            VerifiedPairs = _verified.Count,
            Complete = _complete,
            RecallAtThreshold = options.EstimatedRecall(options.Threshold),
            ExpectedHeld = loadable - folded,
            ExpectedHeldLow = loadable - folded + chainFolded - chains.Sum(group => group.Members.Count - 1),
            ExpectedHeldHigh = loadable - folded + chainFolded - chains.Sum(group => group.ExactDuplicates),
            Groups = groups,
        };
    }

    /// <summary>Sorts a large bucket's members by the bits of another band (the bucket's own bits are all equal).</summary>
    private void OrderByBand(Span<int> members, int band, ref uint[] keys)
    {
        if (keys.Length < members.Length)
        {
            keys = new uint[members.Length];
        }

        var span = keys.AsSpan(0, members.Length);
        for (var i = 0; i < members.Length; i++)
        {
            span[i] = HyperplaneSignatures.Slice(_signatures!.Get(members[i]), band * options.BitsPerBand, options.BitsPerBand);
        }

        span.Sort(members);
    }

    /// <summary>Compares each member with the next <paramref name="window"/> members; a pair close enough in signature becomes a candidate.</summary>
    private void AddBucket(ReadOnlySpan<int> members, int window, int cutoff)
    {
        for (var a = 0; a < members.Length; a++)
        {
            for (var b = a + 1; b < members.Length && b <= a + window; b++)
            {
                if (HyperplaneSignatures.Hamming(_signatures!.Get(members[a]), _signatures.Get(members[b])) > cutoff)
                {
                    continue;
                }

                if (!_candidates.TryAdd(Math.Min(members[a], members[b]), Math.Max(members[a], members[b])))
                {
                    _complete = false;
                    return;
                }
            }
        }
    }

    /// <summary>Connected components of memories linked by the same text or a verified pair, replayed through Engram's merge rule.</summary>
    private List<NearDuplicateGroup> Groups()
    {
        var parent = _ids.Keys.ToDictionary(memory => memory, memory => memory);
        int Find(int memory)
        {
            while (parent[memory] != memory)
            {
                memory = parent[memory] = parent[parent[memory]];
            }

            return memory;
        }

        void Union(int a, int b) => parent[Find(a)] = Find(b);

        foreach (var memory in _ids.Keys)
        {
            Union(memory, _memoryOfDistinct[_distinctOfMemory[memory]]);
        }

        foreach (var pair in _verified.Keys)
        {
            var (first, second) = Split(pair);
            Union(_memoryOfDistinct[first], _memoryOfDistinct[second]);
        }

        bool Similar(int a, int b)
        {
            var (x, y) = (_distinctOfMemory[a], _distinctOfMemory[b]);
            return x == y || _verified.ContainsKey(Pair(Math.Min(x, y), Math.Max(x, y)));
        }

        double? CosineOf(int a, int b)
        {
            var (x, y) = (_distinctOfMemory[a], _distinctOfMemory[b]);
            return x == y ? 1.0 : _verified.TryGetValue(Pair(Math.Min(x, y), Math.Max(x, y)), out var cosine) ? cosine : null;
        }

        float ConfidenceOf(int memory) => options.ConfidenceOf(_sources[_sourceOfMemory[memory]]);

        var groups = new List<NearDuplicateGroup>();
        foreach (var component in _ids.Keys.GroupBy(Find).Where(component => component.Count() > 1).OrderBy(component => component.Min()))
        {
            var members = component.Order().ToList();
            var merged = MergeSimulation.Run(members, CosineOf, ConfidenceOf, options.Strategy);
            var clique = members.Count <= 64 && members.Select((a, i) => members.Skip(i + 1).All(b => Similar(a, b))).All(all => all);
            groups.Add(new NearDuplicateGroup([.. members.Select((memory, i) =>
            {
                var first = _memoryOfDistinct[_distinctOfMemory[memory]];
                return new NearDuplicateMember(
                    _ids[memory],
                    merged[i] is null,
                    merged[i] is { } keeper ? _ids[keeper] : null,
                    merged[i] is { } other ? CosineOf(memory, other) : null,
                    first != memory ? _ids[first] : null);
            })]) { IsClique = clique });
        }

        return groups;
    }

    private ushort SourceIndex(string source)
    {
        // Parts come source by source, so the last source is nearly always the one.
        var index = _sources.Count > 0 && _sources[^1] == source ? _sources.Count - 1 : _sources.IndexOf(source);
        if (index < 0)
        {
            index = _sources.Count;
            _sources.Add(source);
        }

        return checked((ushort)index);
    }

    /// <summary>Largest Hamming distance kept: the threshold's expected distance plus four standard deviations.</summary>
    private static int HammingCutoff(int bits, double threshold)
    {
        var p = Math.Acos(Math.Clamp(threshold, -1, 1)) / Math.PI;
        return (int)Math.Ceiling((bits * p) + (4 * Math.Sqrt(bits * p * (1 - p)))) + 1;
    }

    private static long Pair(int first, int second) => ((long)first << 32) | (uint)second;

    private static (int First, int Second) Split(long pair) => ((int)(pair >> 32), (int)(pair & 0xFFFF_FFFF));
}
