using System.Globalization;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Records;
using Google.Protobuf.WellKnownTypes;

namespace EngramBulkLoad.Engram;

/// <summary>
/// The seed's mapping from a staged record and its vector to what Engram stores: rows and documents
/// become SEMANTIC memories, cache entries become episodes that decay; confidence by source kind with
/// a reasoning string; metadata with source, source_id, migrated_at, migration_id and the source's
/// fields; the migration id as a tag. Safe to use from several threads. Records Engram would refuse for their shape (wrong dimension,
/// non-finite values, oversized content) become rejects here, before anything is sent.
/// </summary>
public sealed class MemoryMapper
{
    /// <summary>Metadata keys the loader sets; a source field with one of these names is kept as <c>field_NAME</c>.</summary>
    public static readonly IReadOnlySet<string> ReservedMetadataKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "source", "source_kind", "source_id", "collection", "migrated_at", "migration_id",
    };

    private readonly EngramOptions _options;
    private readonly string _migrationId;
    private readonly string _migratedAt;
    private readonly Timestamp _migratedAtTimestamp;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Source, string Collection), Protocol.Confidence> _confidence = new();

    /// <summary>Creates a mapper for one run.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="migrationId">The migration id: metadata and tag of every memory.</param>
    /// <param name="migratedAt">The time of this run, written as migrated_at.</param>
    public MemoryMapper(EngramOptions options, string migrationId, DateTimeOffset migratedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(migrationId);
        if (!options.IsValidated)
        {
            throw new ArgumentException("Validate the options before use (EngramOptions.Validate).", nameof(options));
        }

        _options = options;
        _migrationId = migrationId;
        _migratedAt = migratedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        _migratedAtTimestamp = Timestamp.FromDateTimeOffset(migratedAt);
    }

    /// <summary>Maps one record and its vector, or says why it cannot be sent.</summary>
    /// <returns>The write, or null with <paramref name="reject"/> set.</returns>
    public MemoryWrite? Map(StagedRecord record, StagedVector vector, out RejectRecord? reject)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(vector);
        var problem = CheckVector(vector.Vector) ?? CheckContent(record.Content);
        if (problem is not null)
        {
            reject = new RejectRecord(PipelineStage.Load, record.Source, record.Collection, $"key {record.SourceKey}", record.SourceKey, record.MemoryId, problem.Value.Code, problem.Value.Message);
            return null;
        }

        reject = null;
        var request = new RememberRequest { MemorySpaceId = _options.MemorySpaceId };
        if (record.Kind == MemoryKind.Episodic && _options.EpisodicMessage == "episode")
        {
            request.Episode = ToEpisode(record, vector);
        }
        else
        {
            request.Memory = ToMemory(record, vector);
        }

        return new MemoryWrite(record.MemoryId, request, record);
    }

    /// <summary>The decay rate of a record: semantic ones use the semantic rate; episodic ones decay with a half-life equal to their TTL.</summary>
    public float DecayRate(StagedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Kind == MemoryKind.Semantic)
        {
            return (float)_options.SemanticDecayRate;
        }

        if (record.TtlSeconds is not { } ttl)
        {
            return (float)_options.EpisodicDecayRate;
        }

        if (ttl <= 0)
        {
            return 1f;
        }

        var perHour = Math.Log(2) / (ttl / 3600.0);
        return (float)Math.Clamp(perHour, _options.EpisodicDecayRate, 1.0);
    }

    private Memory ToMemory(StagedRecord record, StagedVector vector)
    {
        var memory = new Memory
        {
            Id = record.MemoryId,
            Activation = (float)_options.Activation,
            Confidence = ConfidenceOf(record),
            DecayRate = DecayRate(record),
            Content = record.Content,
            MemoryType = record.Kind == MemoryKind.Episodic ? MemoryType.Episodic : MemoryType.Semantic,
        };
        if (record.Timestamp is { } timestamp)
        {
            // Engram does not keep created_at for a Memory today; it is sent so a server that does keeps it.
            memory.CreatedAt = Timestamp.FromDateTimeOffset(timestamp);
        }

        memory.Embedding.AddRange(vector.Vector);
        memory.Tags.Add(_migrationId);
        memory.Tags.Add("source:" + record.Source);
        FillMetadata(memory.Metadata, record);
        return memory;
    }

    private Episode ToEpisode(StagedRecord record, StagedVector vector)
    {
        var episode = new Episode
        {
            Id = record.MemoryId,
            When = record.Timestamp is { } timestamp ? Timestamp.FromDateTimeOffset(timestamp) : _migratedAtTimestamp,
            What = record.Content,
            EncodingConfidence = ConfidenceOf(record),
            WhereLocation = $"{record.Source}/{record.Collection}",
            Why = ConfidenceOf(record).Reasoning,
            How = $"engram-bulkload migration {_migrationId}, source_id {record.SourceKey}",
            DecayRate = DecayRate(record),
            ConsolidationState = ConsolidationState.Recent,
        };
        episode.Who.Add(record.Source);
        episode.Embedding.AddRange(vector.Vector);
        return episode;
    }

    private Protocol.Confidence ConfidenceOf(StagedRecord record)
    {
        if (!_confidence.TryGetValue((record.Source, record.Collection), out var confidence))
        {
            var value = _options.ConfidenceFor(record.SourceKind);
            var reasoning = _options.ConfidenceReasoning
                .Replace("{kind}", record.SourceKind, StringComparison.Ordinal)
                .Replace("{source}", record.Source, StringComparison.Ordinal)
                .Replace("{collection}", record.Collection, StringComparison.Ordinal)
                .Replace("{migration}", _migrationId, StringComparison.Ordinal);
            confidence = new Protocol.Confidence { Value = (float)value, Category = Category(value), Reasoning = reasoning };
            _confidence[(record.Source, record.Collection)] = confidence;
        }

        // Shared by every memory of the collection: the loader never changes a message after building it,
        // and serializing a shared child is safe; a copy per record would only feed the garbage collector.
        return confidence;
    }

    private void FillMetadata(Google.Protobuf.Collections.MapField<string, string> metadata, StagedRecord record)
    {
        metadata["source"] = record.Source;
        metadata["source_kind"] = record.SourceKind;
        metadata["source_id"] = record.SourceKey;
        metadata["collection"] = record.Collection;
        metadata["migrated_at"] = _migratedAt;
        metadata["migration_id"] = _migrationId;
        if (string.IsNullOrWhiteSpace(record.MetadataJson))
        {
            return;
        }

        AddSourceFields(metadata, record.MetadataJson);
    }

    /// <summary>Adds the top-level fields of the record's JSON object: strings as they are, other values as JSON text.</summary>
    private static void AddSourceFields(Google.Protobuf.Collections.MapField<string, string> metadata, string json)
    {
        // A forward-only reader over pooled UTF-8: no document tree per record on the hot path.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                metadata["fields"] = json;
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                var key = ReservedMetadataKeys.Contains(name) ? "field_" + name : name;
                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        metadata[key] = reader.GetString()!;
                        break;
                    case JsonTokenType.Null:
                        // NULL is not an empty string: like every value that is not a string, it goes as its JSON text.
                        metadata[key] = "null";
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        metadata[key] = Encoding.UTF8.GetString(buffer, start, (int)(reader.BytesConsumed - start));
                        break;
                    default:
                        metadata[key] = Encoding.UTF8.GetString(reader.ValueSpan);
                        break;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ConfidenceCategory Category(double value) => value switch
    {
        >= 0.99 => ConfidenceCategory.Certain,
        >= 0.7 => ConfidenceCategory.High,
        >= 0.3 => ConfidenceCategory.Medium,
        > 0 => ConfidenceCategory.Low,
        _ => ConfidenceCategory.None,
    };

    private static (string Code, string Message)? CheckVector(float[] vector)
    {
        if (vector.Length != EngramOptions.EngramDimension)
        {
            return (RejectCodes.BadVector, $"the vector has {vector.Length} floats; Engram takes exactly {EngramOptions.EngramDimension}. Re-embed with a {EngramOptions.EngramDimension}-dimension model.");
        }

        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                return (RejectCodes.BadVector, $"the vector has a non-finite value ({vector[i]}) at position {i}. Re-embed this record.");
            }
        }

        return null;
    }

    private (string Code, string Message)? CheckContent(string content)
    {
        var bytes = Encoding.UTF8.GetByteCount(content);
        return bytes > _options.MaxContentBytes
            ? (RejectCodes.TextTooLarge, $"the content is {bytes} bytes; the loader sends at most {_options.MaxContentBytes} (engram.maxContentBytes), below Engram's 4 MiB message limit.")
            : null;
    }
}
