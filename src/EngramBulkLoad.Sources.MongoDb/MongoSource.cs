using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;
using MongoDB.Bson;
using MongoDB.Driver;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>
/// Reads collections in _id order through the official driver, one streaming find per collection (the server
/// sends batches of <c>batchSize</c>, so memory stays flat). Resume is keyset pagination on _id, bracket by
/// bracket in BSON sort order (<see cref="IdBracket"/>), never skip/limit. When the server forgets the cursor
/// mid-read (idle timeout, failover), the read starts again after the last _id it yielded.
/// Shards are filtered client-side: the SHA-256 of the _id's key text (<see cref="ShardSpec.Includes"/>) has no
/// server-side equivalent in the query language, so every shard reads every _id and keeps its own.
/// </summary>
internal sealed class MongoSource : IRecordSource, IWatermarkedSource
{
    private readonly MongoSourceOptions _options;
    private readonly JsonElement _section;
    private readonly ShardSpec _shard;
    private readonly MongoUrl _url;
    private MongoClient? _client;

    public MongoSource(string name, MongoSourceOptions options, JsonElement section, ShardSpec shard)
    {
        Name = name;
        _options = options;
        _section = section;
        _shard = shard;
        _url = new MongoUrl(options.ConnectionString);
        Collections = options.Collections.Select(c => c.Name).ToList();
    }

    public string Name { get; }

    public string Kind => "mongodb";

    public IReadOnlyList<string> Collections { get; }

    public JsonObject DescribeSettings() => SourceSettings.WithShard(SourceSettings.Redact(_section, MongoSourceOptions.Redact), _shard);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var database = Database();
        List<string> names;
        try
        {
            // The connection authenticates before ping runs, so wrong credentials fail here.
            await database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
            using var cursor = await database.ListCollectionNamesAsync(cancellationToken: cancellationToken);
            names = await cursor.ToListAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            throw MongoErrors.Translate(ex, Name, null, _url);
        }

        // A missing collection reads as empty in MongoDB; here it is almost always a typo, so it stops the run.
        var missing = _options.Collections.Select(c => c.Name).Where(c => !names.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw ErrorFactory.Source(Name, missing[0],
                $"database '{_options.Database}' has no collection {string.Join(", ", missing.Select(m => $"'{m}'"))}; it has {(names.Count == 0 ? "none" : string.Join(", ", names.Order(StringComparer.Ordinal)))}. Check the names (they are case-sensitive) and \"database\".");
        }
    }

    public async Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken)
    {
        Find(collection);
        try
        {
            // The collection's metadata count (the count command without a query): cheap, and ignores "filter",
            // so a filtered collection's progress runs ahead of the estimate's end.
            var count = await Database().GetCollection<BsonDocument>(collection).EstimatedDocumentCountAsync(cancellationToken: cancellationToken);
            return count / _shard.Count;
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            throw MongoErrors.Translate(ex, Name, collection, _url);
        }
    }

    public bool HasWatermark(string collection) => Find(collection).Watermark is not null;

    public async Task<string?> ReadWatermarkAsync(string collection, string? above, CancellationToken cancellationToken)
    {
        var options = Find(collection);
        var field = options.Watermark ?? throw new ArgumentException($"Collection '{collection}' of source '{Name}' has no watermark.", nameof(collection));
        var condition = above is null ? new BsonDocument("$exists", true) : new BsonDocument("$gt", BsonText.Parse(above));
        var filter = And(options.Filter, new BsonDocument(field, condition));
        try
        {
            // The highest value over the whole collection (after "filter"), not only this shard's: shards are
            // client-side, and a higher upper bound reads the same documents.
            var top = await Database().GetCollection<BsonDocument>(collection)
                .Find(filter).Sort(new BsonDocument(field, -1)).Project(new BsonDocument(field, 1)).Limit(1)
                .FirstOrDefaultAsync(cancellationToken);
            return top is not null && DocumentRow.Resolve(top, field) is { IsBsonNull: false } value ? BsonText.Json(value) : null;
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            throw MongoErrors.Translate(ex, Name, collection, _url);
        }
    }

    public string BackfillCursor(string collection, string? above, string upTo)
        => new IdCursor { Backfill = new WatermarkRange { Above = above, UpTo = upTo } }.ToJson();

    public async IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = Find(collection);
        var resume = ParseCursor(collection, cursor);
        var backfill = resume?.Backfill;
        if (backfill is not null && options.Watermark is null)
        {
            throw ErrorFactory.Source(Name, collection, "the snapshot is in the middle of a backfill by a watermark, but the config names no \"watermark\" for this collection. Restore the watermark setting to resume.");
        }

        var last = resume?.After is { } after ? BsonText.Parse(after) : null;
        var bracket = resume?.Bracket;
        var mapper = new RecordMapper(Kind, Name, collection, options.Mapping);
        var rows = new DocumentRow(options.FlattenDepth, options.ExtraPaths());
        var references = new DocumentReferences(Kind, Name, _options.Database, collection, options);
        var lostWithoutProgress = 0;
        var mongoCollection = Database().GetCollection<BsonDocument>(collection);
        while (true)
        {
            var find = new FindOptions<BsonDocument>
            {
                Sort = new BsonDocument("_id", 1),
                Projection = options.Projection,
                BatchSize = options.BatchSize,
            };
            var filter = And(options.Filter, last is null ? null : IdBracket.After(last, bracket!), Range(options, backfill));
            using var results = await OpenAsync(mongoCollection, filter, find, collection, cancellationToken);
            var progressed = false;
            var lost = false;
            while (true)
            {
                try
                {
                    if (!await results.MoveNextAsync(cancellationToken))
                    {
                        break;
                    }
                }
                catch (MongoException ex) when (IsCursorLost(ex))
                {
                    lost = true;
                    break;
                }
                catch (Exception ex) when (ex is MongoException or TimeoutException)
                {
                    throw MongoErrors.Translate(ex, Name, collection, _url);
                }

                foreach (var document in results.Current)
                {
                    var id = document["_id"];
                    last = id;
                    bracket = IdBracket.Of(id);
                    progressed = true;
                    var key = BsonText.Key(id);
                    if (_shard.Includes(key))
                    {
                        yield return Map(document, id, key, new IdPosition(id, key, backfill), options, mapper, rows, references);
                    }
                }
            }

            if (!lost)
            {
                yield break;
            }

            // The server forgot the cursor (CursorNotFound): read on after the last _id. Three losses in a row
            // without a single document in between mean the server cannot keep a cursor for even one batch.
            lostWithoutProgress = progressed ? 0 : lostWithoutProgress + 1;
            if (lostWithoutProgress >= 3)
            {
                throw ErrorFactory.Source(Name, collection,
                    "the server lost the read cursor three times without returning a batch (CursorNotFound). Lower \"batchSize\", or raise the server's cursorTimeoutMillis.", isTransient: true);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return ValueTask.CompletedTask;
    }

    private SourceItem Map(
        BsonDocument document, BsonValue id, string key, IdPosition position, MongoCollectionOptions options, RecordMapper mapper, DocumentRow rows, DocumentReferences references)
    {
        var fields = options.Mapping.TextFields;
        if (!fields.Any(field => DocumentRow.Has(document, field)))
        {
            return mapper.Reject(position, key, mapper.MemoryIdOf(key), RejectCodes.EmptyText,
                $"the document has no content field {string.Join(", ", fields.Select(f => $"'{f}'"))}, so there is nothing to embed. Add the field, exclude such documents with \"filter\" (e.g. {{ {fields[0]}: {{ $exists: true }} }}), or map other text fields.");
        }

        var item = mapper.Map(rows.Read(document, key), position);
        if (item.Record is not { } record)
        {
            return item;
        }

        var edges = references.Of(document, record.MemoryId, key);
        return edges.Count == 0 ? item : SourceItem.ForRecord(position, record, edges);
    }

    private async Task<IAsyncCursor<BsonDocument>> OpenAsync(
        IMongoCollection<BsonDocument> collection, BsonDocument filter, FindOptions<BsonDocument> find, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await collection.FindAsync(new BsonDocumentFilterDefinition<BsonDocument>(filter), find, cancellationToken);
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            throw MongoErrors.Translate(ex, Name, name, _url);
        }
    }

    // getMore on a cursor the server no longer has: error 43 CursorNotFound
    // (https://www.mongodb.com/docs/manual/reference/error-codes/).
    private static bool IsCursorLost(MongoException ex)
        => ex is MongoCursorNotFoundException || (ex is MongoCommandException command && command.Code == 43);

    private static BsonDocument? Range(MongoCollectionOptions options, WatermarkRange? backfill)
    {
        if (backfill is null)
        {
            return null;
        }

        var condition = new BsonDocument();
        if (backfill.Above is { } above)
        {
            condition["$gt"] = BsonText.Parse(above);
        }

        condition["$lte"] = BsonText.Parse(backfill.UpTo);
        return new BsonDocument(options.Watermark!, condition);
    }

    private static BsonDocument And(params BsonDocument?[] clauses)
    {
        var present = clauses.OfType<BsonDocument>().Where(c => c.ElementCount > 0).ToList();
        return present.Count switch
        {
            0 => [],
            1 => present[0],
            _ => new BsonDocument("$and", new BsonArray(present)),
        };
    }

    private IdCursor? ParseCursor(string collection, string? cursor)
    {
        try
        {
            var parsed = IdCursor.Parse(cursor);
            if (parsed?.After is not null && parsed.Bracket is null)
            {
                throw new FormatException("it has an _id but no bracket");
            }

            return parsed;
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw ErrorFactory.Source(Name, collection, $"the snapshot's cursor '{cursor}' is not a MongoDB cursor this version reads ({ex.Message}). Start a new snapshot for this source.", ex);
        }
    }

    private MongoCollectionOptions Find(string collection)
        => _options.Collections.FirstOrDefault(c => c.Name == collection)
            ?? throw new ArgumentException($"Source '{Name}' has no collection '{collection}'.", nameof(collection));

    private IMongoDatabase Database() => Client().GetDatabase(_options.Database);

    private MongoClient Client()
    {
        if (_client is null)
        {
            var url = _options.Password is { } password ? new MongoUrlBuilder(_options.ConnectionString) { Password = password }.ToMongoUrl() : _url;
            var settings = MongoClientSettings.FromUrl(url);
            settings.ApplicationName ??= "engram-bulkload";
            _client = new MongoClient(settings);
        }

        return _client;
    }
}
