using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Embedding.Stage;

/// <summary>
/// Embeds one part: its records are read one row group at a time; each record's vector is reused when
/// the same text was embedded by the same model before, otherwise its text goes to the embedder in
/// batches, several in flight. Vectors are written in record order, and records the embedder cannot
/// handle become rejects, so staged = embedded + rejected for every part.
/// </summary>
internal sealed class PartEmbedder(SnapshotStore store, ITextEmbedder embedder, EmbedSettings settings, VectorReuseIndex reuse, EmbedProgress progress)
{
    public async Task<(PartFile? Vectors, PartFile? Rejects, long Embedded, long Rejected)> EmbedAsync(PartEntry part, CancellationToken cancellationToken)
    {
        var recordsFile = part.Files.Records ?? throw new ArgumentException("The part has no records to embed.", nameof(part));
        var vectorsPath = SnapshotLayout.PartPath(PartKind.Vectors, part.Source, part.Collection, part.Index);
        var rejectsPath = SnapshotLayout.PartPath(PartKind.Rejects, part.Source, part.Collection, part.Index, PipelineStage.Embed);
        await using var records = await PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, store.FullPath(recordsFile.Path), store.MigrationId, cancellationToken);
        await using var vectors = await PartFileWriter<StagedVector>.CreateAsync(PartCodecs.Vectors, store.FullPath(vectorsPath), store.MigrationId, cancellationToken);
        PartFileWriter<RejectRecord>? rejects = null;
        try
        {
            for (var group = 0; group < records.RowGroupCount; group++)
            {
                var rows = await records.ReadRowGroupAsync(group, cancellationToken);
                var results = await EmbedGroupAsync(part, rows, cancellationToken);
                foreach (var result in results)
                {
                    if (result.Vector is { } vector)
                    {
                        await vectors.WriteAsync(vector, cancellationToken);
                    }
                    else
                    {
                        rejects ??= await PartFileWriter<RejectRecord>.CreateAsync(PartCodecs.Rejects, store.FullPath(rejectsPath), store.MigrationId, cancellationToken);
                        await rejects.WriteAsync(result.Reject!, cancellationToken);
                    }
                }
            }

            var rejected = rejects?.RowCount ?? 0;
            var embedded = vectors.RowCount;
            var vectorsFile = embedded > 0 ? await vectors.CompleteAsync(vectorsPath, cancellationToken) : null;
            var rejectsFile = rejects is null ? null : await rejects.CompleteAsync(rejectsPath, cancellationToken);
            if (embedded + rejected != part.Counts.Staged)
            {
                throw ErrorFactory.Snapshot(store.Folder, $"part {part.Source}/{part.Collection}#{part.Index} lists {part.Counts.Staged} staged records but its records file gave {embedded + rejected}. The file was changed after extraction; extract that collection again.");
            }

            return (vectorsFile, rejectsFile, embedded, rejected);
        }
        finally
        {
            if (rejects is not null)
            {
                await rejects.DisposeAsync();
            }
        }
    }

    private async Task<Result[]> EmbedGroupAsync(PartEntry part, StagedRecord[] rows, CancellationToken cancellationToken)
    {
        var results = new Result[rows.Length];
        var pending = new List<int>(rows.Length);
        var reused = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            if (await reuse.FindAsync(rows[i].ContentHash, cancellationToken) is { } found
                && VectorCheck.Problem(found.Vector, embedder.Info.Dimension) is null)
            {
                results[i] = new Result(found with { MemoryId = rows[i].MemoryId }, null);
                reused++;
            }
            else
            {
                pending.Add(i);
            }
        }

        progress.AddReused(reused);
        var batches = pending.Chunk(settings.TextsPerBatch);
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.BatchesInFlight, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(batches, options, async (batch, token) =>
        {
            var outputs = await EmbedBatchAsync(part, rows, batch, token);
            var tokens = 0L;
            var rejected = 0;
            for (var j = 0; j < batch.Length; j++)
            {
                results[batch[j]] = outputs[j];
                rejected += outputs[j].Vector is null ? 1 : 0;
                tokens += outputs[j].Vector?.TokenCount ?? 0;
            }

            progress.AddEmbedded(batch.Length - rejected, tokens);
            progress.AddRejected(rejected);
        });
        return results;
    }

    /// <summary>
    /// One embedder call for a batch. A call the embedder refuses for good (not a passing outage, which
    /// stops the run so it can resume later) is retried text by text, so that one bad text becomes one
    /// reject instead of failing its neighbours.
    /// </summary>
    private async Task<Result[]> EmbedBatchAsync(PartEntry part, StagedRecord[] rows, int[] batch, CancellationToken cancellationToken)
    {
        try
        {
            var outputs = await embedder.EmbedAsync([.. batch.Select(i => new EmbeddingInput(rows[i].MemoryId, rows[i].Content))], cancellationToken);
            return [.. batch.Select((i, j) => Check(part, rows[i], outputs[j]))];
        }
        catch (EmbeddingException ex) when (!ex.IsTransient && batch.Length > 1)
        {
            var results = new Result[batch.Length];
            for (var j = 0; j < batch.Length; j++)
            {
                results[j] = await EmbedOneAsync(part, rows[batch[j]], cancellationToken);
            }

            return results;
        }
        catch (EmbeddingException ex) when (!ex.IsTransient)
        {
            return [Reject(part, rows[batch[0]], RejectCodes.EmbedFailed, SecretScrubber.Scrub(ex.Message))];
        }
    }

    private async Task<Result> EmbedOneAsync(PartEntry part, StagedRecord record, CancellationToken cancellationToken)
    {
        try
        {
            var outputs = await embedder.EmbedAsync([new EmbeddingInput(record.MemoryId, record.Content)], cancellationToken);
            return Check(part, record, outputs[0]);
        }
        catch (EmbeddingException ex) when (!ex.IsTransient)
        {
            return Reject(part, record, RejectCodes.EmbedFailed, SecretScrubber.Scrub(ex.Message));
        }
    }

    private Result Check(PartEntry part, StagedRecord record, EmbeddingOutput output)
    {
        if (VectorCheck.Problem(output.Vector, embedder.Info.Dimension) is { } problem)
        {
            return Reject(part, record, RejectCodes.BadVector, $"model '{embedder.Info.ModelId}' returned an unusable vector: {problem} Check the model export and its pooling.");
        }

        return new Result(new StagedVector(record.MemoryId, record.ContentHash, embedder.Info.ModelId, output.Vector, output.TokenCount, output.Truncated), null);
    }

    private static Result Reject(PartEntry part, StagedRecord record, string code, string message)
        => new(null, new RejectRecord(PipelineStage.Embed, part.Source, part.Collection, $"key {record.SourceKey}", record.SourceKey, record.MemoryId, code, message));

    private readonly record struct Result(StagedVector? Vector, RejectRecord? Reject);
}
