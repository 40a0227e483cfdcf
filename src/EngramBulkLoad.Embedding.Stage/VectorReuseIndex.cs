using System.Globalization;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Embedding.Stage;

/// <summary>
/// Where a vector of a given (content hash, model) already exists: in this snapshot's embedded parts or
/// in the snapshots named by <see cref="EmbedSettings.ReuseFrom"/>. This is what makes a re-run embed
/// only text that changed. The index holds 16 bytes of hash and 8 bytes of location per vector (about
/// 40 MB per million with the dictionary's overhead), and is built only when such vectors exist; a first
/// run pays nothing. A hit is confirmed against the full hash stored with the vector before it is used.
/// </summary>
internal sealed class VectorReuseIndex
{
    // Row groups of recently fetched hits: re-extracted records mostly come in their old order, so
    // consecutive hits fall in the same group and each group is decoded once.
    private const int CachedGroups = 4;

    private readonly Dictionary<UInt128, long> _locations = [];
    private readonly List<(string Path, string MigrationId)> _files = [];
    private readonly LinkedList<(int File, int Group, StagedVector[] Rows)> _cache = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public int Count => _locations.Count;

    /// <summary>Indexes every vector of <paramref name="modelId"/> in the given snapshots' embedded parts.</summary>
    public static async Task<VectorReuseIndex> BuildAsync(IEnumerable<SnapshotStore> snapshots, string modelId, CancellationToken cancellationToken)
    {
        var index = new VectorReuseIndex();
        foreach (var snapshot in snapshots)
        {
            var manifest = snapshot.ReadManifest();
            if (manifest.Model?.Id != modelId)
            {
                continue;
            }

            foreach (var part in manifest.Parts.Where(p => p.State >= PartState.Embedded && p.Files.Vectors is not null))
            {
                await index.AddFileAsync(snapshot.FullPath(part.Files.Vectors!.Path), manifest.MigrationId, modelId, cancellationToken);
            }
        }

        return index;
    }

    /// <summary>The stored vector for this content, or null; the caller copies it under its own memory id.</summary>
    public async Task<StagedVector?> FindAsync(string contentHash, CancellationToken cancellationToken)
    {
        if (_locations.Count == 0 || !_locations.TryGetValue(Key(contentHash), out var location))
        {
            return null;
        }

        var (file, group, row) = Unpack(location);
        var rows = await GroupAsync(file, group, cancellationToken);
        var vector = rows[row];
        return string.Equals(vector.ContentHash, contentHash, StringComparison.Ordinal) ? vector : null;
    }

    private async Task AddFileAsync(string path, string migrationId, string modelId, CancellationToken cancellationToken)
    {
        var file = _files.Count;
        _files.Add((path, migrationId));
        await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, path, migrationId, cancellationToken);
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            // Only the two key columns: the vectors themselves are decoded later, for the groups that hit.
            var hashes = await reader.ReadStringColumnAsync(group, VectorColumns.ContentHash, cancellationToken);
            var models = await reader.ReadStringColumnAsync(group, VectorColumns.ModelId, cancellationToken);
            for (var row = 0; row < hashes.Length; row++)
            {
                if (models[row] == modelId && hashes[row] is { } hash)
                {
                    _locations.TryAdd(Key(hash), Pack(file, group, row));
                }
            }
        }
    }

    private async Task<StagedVector[]> GroupAsync(int file, int group, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var node = _cache.First; node is not null; node = node.Next)
            {
                if (node.Value.File == file && node.Value.Group == group)
                {
                    _cache.Remove(node);
                    _cache.AddFirst(node);
                    return node.Value.Rows;
                }
            }

            var (path, migrationId) = _files[file];
            await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, path, migrationId, cancellationToken);
            var rows = await reader.ReadRowGroupAsync(group, cancellationToken);
            _cache.AddFirst((file, group, rows));
            if (_cache.Count > CachedGroups)
            {
                _cache.RemoveLast();
            }

            return rows;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static UInt128 Key(string contentHash)
        => contentHash.Length >= 32 && UInt128.TryParse(contentHash.AsSpan(0, 32), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var key)
            ? key
            : throw new InvalidDataException($"'{contentHash}' is not a hex SHA-256 content hash.");

    private static long Pack(int file, int group, int row) => ((long)file << 40) | ((long)group << 20) | (uint)row;

    private static (int File, int Group, int Row) Unpack(long location)
        => ((int)(location >> 40), (int)((location >> 20) & 0xFFFFF), (int)(location & 0xFFFFF));
}
