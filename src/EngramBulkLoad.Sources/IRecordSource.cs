namespace EngramBulkLoad.Sources;

/// <summary>
/// A database or file the job extracts from. Each source has one or more collections (tables,
/// queries, files, indexes) and reads each as a stream of <see cref="SourceItem"/>s in a stable
/// order, so that extraction can stop after any item and resume after it from its cursor.
/// </summary>
public interface IRecordSource : IAsyncDisposable
{
    /// <summary>The source's name in the job config; part of every memory id.</summary>
    string Name { get; }

    /// <summary>The source's kind (postgres, jsonl, csv, ...); part of every memory id.</summary>
    string Kind { get; }

    /// <summary>The source's settings less secrets, as the snapshot manifest records them.</summary>
    System.Text.Json.Nodes.JsonObject DescribeSettings();

    /// <summary>The collections to extract, in order.</summary>
    IReadOnlyList<string> Collections { get; }

    /// <summary>
    /// Checks before anything is written: the server answers, the credentials work, every table and
    /// every column the mapping names exists. Throws a <see cref="Errors.SourceException"/> that says what to fix.
    /// </summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>An estimate of the items a collection holds, for progress and ETA; null when unknown.</summary>
    Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a collection from just after <paramref name="cursor"/> (null: from the start). Items come in
    /// a stable order; each carries the cursor to resume after it.
    /// </summary>
    IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, CancellationToken cancellationToken);
}
