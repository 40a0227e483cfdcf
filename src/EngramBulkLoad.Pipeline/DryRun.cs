using System.Diagnostics;
using System.Text;
using EngramBulkLoad.Embedding;
using EngramBulkLoad.Sources;

namespace EngramBulkLoad.Pipeline;

/// <summary>
/// A dry run: reads a sample of every collection and embeds it, then scales what it measured to the
/// whole source: records, tokens, embedding time with this embedder on this machine, and storage.
/// Nothing is written, neither the snapshot nor Engram.
/// </summary>
public static class DryRun
{
    /// <summary>Floats per vector times four bytes: what the vectors snapshot stores per record before compression.</summary>
    private const int VectorBytes = EngramDimensions.Required * sizeof(float);

    /// <summary>Samples <paramref name="sample"/> items of each collection and estimates the whole run.</summary>
    public static async Task<IReadOnlyList<DryRunEstimate>> EstimateAsync(
        IReadOnlyList<IRecordSource> sources, ITextEmbedder embedder, int sample, int textsPerBatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(embedder);
        foreach (var source in sources)
        {
            await source.CheckAsync(cancellationToken);
        }

        var estimates = new List<DryRunEstimate>();
        foreach (var source in sources)
        {
            foreach (var collection in source.Collections)
            {
                estimates.Add(await EstimateCollectionAsync(source, collection, embedder, sample, textsPerBatch, cancellationToken));
            }
        }

        return estimates;
    }

    private static async Task<DryRunEstimate> EstimateCollectionAsync(
        IRecordSource source, string collection, ITextEmbedder embedder, int sample, int textsPerBatch, CancellationToken cancellationToken)
    {
        long read = 0, records = 0, rejects = 0, edges = 0, stagedBytes = 0, tokens = 0;
        var embedTime = TimeSpan.Zero;
        var batch = new List<EmbeddingInput>(textsPerBatch);
        long? counted = null;
        await foreach (var item in source.ReadAsync(collection, null, cancellationToken))
        {
            read++;
            if (read > sample)
            {
                continue; // Past the sample the source is only counted, when it cannot estimate its size itself.
            }

            edges += item.Edges.Count;
            if (item.Record is { } record)
            {
                records++;
                stagedBytes += Encoding.UTF8.GetByteCount(record.Content) + Encoding.UTF8.GetByteCount(record.MetadataJson);
                batch.Add(new EmbeddingInput(record.MemoryId, record.Content));
                if (batch.Count == textsPerBatch)
                {
                    (embedTime, tokens) = await EmbedAsync(embedder, batch, embedTime, tokens, cancellationToken);
                }
            }
            else if (item.Reject is not null)
            {
                rejects++;
            }

            if (read == sample && await source.EstimateCountAsync(collection, cancellationToken) is { } estimate)
            {
                counted = estimate;
                break;
            }
        }

        if (batch.Count > 0)
        {
            (embedTime, tokens) = await EmbedAsync(embedder, batch, embedTime, tokens, cancellationToken);
        }

        var total = counted ?? read;
        var sampled = Math.Min(read, sample);
        var scale = sampled == 0 ? 0 : (double)total / sampled;
        return new DryRunEstimate(
            source.Name, collection, sampled, total, counted is not null,
            (long)(records * scale), (long)(rejects * scale), (long)(edges * scale), (long)(tokens * scale),
            TimeSpan.FromTicks((long)(embedTime.Ticks * scale)),
            (long)(stagedBytes * scale), (long)(records * scale * VectorBytes));
    }

    private static async Task<(TimeSpan Time, long Tokens)> EmbedAsync(ITextEmbedder embedder, List<EmbeddingInput> batch, TimeSpan time, long tokens, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outputs = await embedder.EmbedAsync(batch, cancellationToken);
        batch.Clear();
        return (time + Stopwatch.GetElapsedTime(started), tokens + outputs.Sum(output => (long)output.TokenCount));
    }
}

/// <summary>What a dry run expects of one collection, scaled from its sample.</summary>
/// <param name="Source">The source.</param>
/// <param name="Collection">The collection.</param>
/// <param name="Sampled">Items read and measured.</param>
/// <param name="TotalItems">Items in the collection: the source's own estimate, or counted by reading it.</param>
/// <param name="TotalIsEstimate">True when <paramref name="TotalItems"/> is the source's estimate (e.g. PostgreSQL statistics).</param>
/// <param name="Records">Expected records.</param>
/// <param name="Rejects">Expected extract rejects.</param>
/// <param name="Edges">Expected edges.</param>
/// <param name="Tokens">Expected tokens for the model.</param>
/// <param name="EmbeddingTime">Expected embedding time with this embedder, one call at a time.</param>
/// <param name="TextBytes">Expected UTF-8 bytes of content and metadata (the records snapshot, before compression).</param>
/// <param name="VectorBytes">Expected bytes of vectors (before compression).</param>
public sealed record DryRunEstimate(
    string Source, string Collection, long Sampled, long TotalItems, bool TotalIsEstimate,
    long Records, long Rejects, long Edges, long Tokens, TimeSpan EmbeddingTime, long TextBytes, long VectorBytes);
