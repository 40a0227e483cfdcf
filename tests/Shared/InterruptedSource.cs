using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using EngramBulkLoad.Sources;

namespace EngramBulkLoad.Tests.Shared;

/// <summary>
/// A source that dies after a number of items, as a killed process or a dropped connection would.
/// Compiled into every test project that proves extraction resumes without loss or duplicates.
/// A watermark of the inner source is passed through, so a killed backfill can be tested as well, and so is
/// a repeating source's "already read" set.
/// </summary>
internal sealed class InterruptedSource(IRecordSource inner, int failAfter) : IRecordSource, IWatermarkedSource, IRepeatingSource
{
    public string Name => inner.Name;

    public string Kind => inner.Kind;

    public IReadOnlyList<string> Collections => inner.Collections;

    public JsonObject DescribeSettings() => inner.DescribeSettings();

    public Task CheckAsync(CancellationToken cancellationToken) => inner.CheckAsync(cancellationToken);

    public Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken) => inner.EstimateCountAsync(collection, cancellationToken);

    public async IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var read = 0;
        await foreach (var item in inner.ReadAsync(collection, cursor, cancellationToken))
        {
            if (read++ == failAfter)
            {
                throw new IOException("connection lost (injected)");
            }

            yield return item;
        }
    }

    public bool HasWatermark(string collection) => inner is IWatermarkedSource watermarked && watermarked.HasWatermark(collection);

    public Task<string?> ReadWatermarkAsync(string collection, string? above, CancellationToken cancellationToken)
        => ((IWatermarkedSource)inner).ReadWatermarkAsync(collection, above, cancellationToken);

    public string BackfillCursor(string collection, string? above, string upTo) => ((IWatermarkedSource)inner).BackfillCursor(collection, above, upTo);

    public void AlreadyRead(string collection, EngramBulkLoad.Identity.MemoryIdSet memoryIds) => (inner as IRepeatingSource)?.AlreadyRead(collection, memoryIds);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
