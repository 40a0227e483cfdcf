using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using EngramBulkLoad.Sources;

namespace EngramBulkLoad.Extraction;

/// <summary>
/// The files of one extract part while it is being written: records, edges and rejects, each opened on
/// first use. Completing closes all of them and returns the manifest entry; abandoning deletes them.
/// </summary>
internal sealed class PartBuilder(SnapshotStore store, string source, string collection, int index) : IAsyncDisposable
{
    private PartFileWriter<StagedRecord>? _records;
    private PartFileWriter<StagedEdge>? _edges;
    private PartFileWriter<RejectRecord>? _rejects;

    public long SourceRows { get; private set; }

    /// <summary>The position of the last item added; its cursor, formatted once when the part completes, resumes after the part.</summary>
    public SourcePosition? LastPosition { get; private set; }

    public async ValueTask<long> AddAsync(SourceItem item, CancellationToken cancellationToken)
    {
        long contentBytes = 0;
        if (item.Record is { } record)
        {
            _records ??= await OpenAsync(PartCodecs.Records, PartKind.Records, null, cancellationToken);
            await _records.WriteAsync(record, cancellationToken);
            contentBytes = record.Content.Length;
        }
        else if (item.Reject is { } reject)
        {
            _rejects ??= await OpenAsync(PartCodecs.Rejects, PartKind.Rejects, PipelineStage.Extract, cancellationToken);
            await _rejects.WriteAsync(reject, cancellationToken);
        }

        foreach (var edge in item.Edges)
        {
            _edges ??= await OpenAsync(PartCodecs.Edges, PartKind.Edges, null, cancellationToken);
            await _edges.WriteAsync(edge, cancellationToken);
        }

        SourceRows++;
        if (item.IsStandaloneEdge)
        {
            StandaloneEdges++;
        }

        LastPosition = item.Position;
        return contentBytes;
    }

    public long StandaloneEdges { get; private set; }

    /// <summary>Closes the part's files (fsynced and renamed into place) and describes them for the manifest.</summary>
    public async Task<PartEntry> CompleteAsync(CancellationToken cancellationToken)
    {
        var files = new PartFiles
        {
            Records = _records is null ? null : await _records.CompleteAsync(RelativePath(PartKind.Records, null), cancellationToken),
            Edges = _edges is null ? null : await _edges.CompleteAsync(RelativePath(PartKind.Edges, null), cancellationToken),
            ExtractRejects = _rejects is null ? null : await _rejects.CompleteAsync(RelativePath(PartKind.Rejects, PipelineStage.Extract), cancellationToken),
        };
        return new PartEntry
        {
            Source = source,
            Collection = collection,
            Index = index,
            State = PartState.Extracted,
            Cursor = LastPosition?.Cursor,
            Files = files,
            Counts = new PartCounts
            {
                SourceRows = SourceRows,
                Staged = files.Records?.Rows ?? 0,
                ExtractRejected = files.ExtractRejects?.Rows ?? 0,
                Edges = files.Edges?.Rows ?? 0,
                StandaloneEdges = StandaloneEdges,
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_records is not null)
        {
            await _records.DisposeAsync();
        }

        if (_edges is not null)
        {
            await _edges.DisposeAsync();
        }

        if (_rejects is not null)
        {
            await _rejects.DisposeAsync();
        }
    }

    private string RelativePath(PartKind kind, PipelineStage? stage) => SnapshotLayout.PartPath(kind, source, collection, index, stage);

    private Task<PartFileWriter<T>> OpenAsync<T>(PartCodec<T> codec, PartKind kind, PipelineStage? stage, CancellationToken cancellationToken)
        => PartFileWriter<T>.CreateAsync(codec, store.FullPath(RelativePath(kind, stage)), store.MigrationId, cancellationToken);
}
