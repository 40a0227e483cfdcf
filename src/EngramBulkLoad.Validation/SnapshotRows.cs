using System.Runtime.CompilerServices;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Validation;

/// <summary>Streams a snapshot's rows in load order (parts in manifest order, rows in file order), one row group in memory at a time.</summary>
internal static class SnapshotRows
{
    /// <summary>Every vector of every part that has a vectors file, with the part's source name.</summary>
    public static async IAsyncEnumerable<(string Source, StagedVector Vector)> VectorsAsync(SnapshotStore snapshot, SnapshotManifest manifest, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var part in manifest.Parts.Where(part => part.Files.Vectors is not null))
        {
            await foreach (var vector in ReadAsync(snapshot, PartCodecs.Vectors, part.Files.Vectors!, cancellationToken))
            {
                yield return (part.Source, vector);
            }
        }
    }

    /// <summary>The rows of one part file.</summary>
    public static async IAsyncEnumerable<T> ReadAsync<T>(SnapshotStore snapshot, PartCodec<T> codec, PartFile file, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await PartFileReader<T>.OpenAsync(codec, snapshot.FullPath(file.Path), snapshot.MigrationId, cancellationToken);
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            foreach (var row in await reader.ReadRowGroupAsync(group, cancellationToken))
            {
                yield return row;
            }
        }
    }
}
