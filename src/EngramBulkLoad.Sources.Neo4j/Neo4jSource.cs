using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;
using EngramBulkLoad.Sources.Neo4j.QueryApi;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>
/// Reads node collections (by label) and relationships from Neo4j over the HTTP Query API, in keyset pages:
/// each page is one query, <c>WHERE key &gt; $after ... ORDER BY key LIMIT $limit</c>, whose rows are streamed and mapped
/// as they arrive. A node becomes a record (or a reject that says why); a relationship becomes a stand-alone edge
/// between the memory ids the node collections give its ends. Shards filter here, by the hash of a node's key and,
/// for a relationship, of its start node's key: every shard reads everything and keeps its part.
/// </summary>
internal sealed class Neo4jSource : IRecordSource, IWatermarkedSource
{
    internal const string SourceKind = "neo4j";

    private readonly Neo4jSourceOptions _options;
    private readonly JsonElement _section;
    private readonly ShardSpec _shard;
    private readonly QueryApiClient _client;

    public Neo4jSource(string name, Neo4jSourceOptions options, JsonElement section, ShardSpec shard, HttpMessageHandler? handler = null)
    {
        Name = name;
        _options = options;
        _section = section;
        _shard = shard;
        _client = new QueryApiClient(options.Url, options.Database, options.User, options.Password, options.CaCertificate, handler);
        Collections = [.. options.Nodes.Select(c => c.Name), .. options.Relationships is { } r ? [r.Name] : Array.Empty<string>()];
    }

    public string Name { get; }

    public string Kind => SourceKind;

    public IReadOnlyList<string> Collections { get; }

    public JsonObject DescribeSettings() => SourceSettings.WithShard(SourceSettings.Redact(_section), _shard);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await ScalarAsync(null, "RETURN 1 AS ok", [], cancellationToken);
        for (var i = 0; i < _options.Nodes.Count; i++)
        {
            var collection = _options.Nodes[i];
            var label = CypherStatements.Quote(collection.Label);
            var nodes = AsLong(await ScalarAsync(collection.Name, $"MATCH (n:{label}) RETURN count(n) AS count", [], cancellationToken));
            if (nodes == 0)
            {
                throw ErrorFactory.Source(Name, collection.Name,
                    $"database '{_options.Database}' has no node with label '{collection.Label}'. Labels are case-sensitive: check the spelling (CALL db.labels() lists them), or remove the collection.");
            }

            if (collection.KeyProperty is { } key && AsLong(await ScalarAsync(collection.Name, CypherStatements.CountWithKey(collection), [], cancellationToken)) == 0)
            {
                throw ErrorFactory.Source(Name, collection.Name,
                    $"none of the {nodes:N0} nodes with label '{collection.Label}' has the key property '{key}'. Property names are case-sensitive: check \"key\", or leave it out to use the element id.");
            }

            // The collection's own count runs its "where" and label scope, so a predicate the server refuses fails here, before anything is written.
            await ScalarAsync(collection.Name, CypherStatements.Count(collection, Before(i)), [], cancellationToken);
        }

        if (_options.Relationships is { } relationships)
        {
            await ScalarAsync(relationships.Name, CypherStatements.CountRelationships(relationships.Types.Count > 0), TypesParameter(relationships), cancellationToken);
        }
    }

    public async Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken)
    {
        long count;
        if (_options.Relationships is { } relationships && collection == relationships.Name)
        {
            count = AsLong(await ScalarAsync(collection, CypherStatements.CountRelationships(relationships.Types.Count > 0), TypesParameter(relationships), cancellationToken));
        }
        else
        {
            var index = IndexOf(collection);
            count = AsLong(await ScalarAsync(collection, CypherStatements.Count(_options.Nodes[index], Before(index)), [], cancellationToken));
        }

        return count / _shard.Count;
    }

    public bool HasWatermark(string collection)
        => _options.Nodes.FirstOrDefault(c => c.Name == collection)?.Watermark is not null;

    public async Task<string?> ReadWatermarkAsync(string collection, string? above, CancellationToken cancellationToken)
    {
        var index = IndexOf(collection);
        var options = _options.Nodes[index];
        if (options.Watermark is null)
        {
            throw new ArgumentException($"Collection '{collection}' of source '{Name}' has no watermark.", nameof(collection));
        }

        var parameters = new Dictionary<string, object?>();
        if (above is not null)
        {
            parameters["wmAbove"] = TypedValueText.Parse(above);
        }

        var value = await ScalarAsync(collection, CypherStatements.MaxWatermark(options, Before(index), above is not null), parameters, cancellationToken);
        if (value is null)
        {
            return null;
        }

        if (!TypedValueText.IsOrderable(value))
        {
            throw ErrorFactory.Source(Name, collection,
                $"the watermark property '{options.Watermark}' holds a {value.GetType().Name}; a watermark must be a number, a string or a temporal value that grows when a node changes. Choose another property.");
        }

        return TypedValueText.Format(value);
    }

    public string BackfillCursor(string collection, string? above, string upTo)
        => new Neo4jCursor { Backfill = new Neo4jBackfill { Above = above, UpTo = upTo } }.ToJson();

    public IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, CancellationToken cancellationToken)
    {
        var resume = Neo4jCursor.Parse(cursor);
        if (_options.Relationships is { } relationships && collection == relationships.Name)
        {
            return new RelationshipReader(this, relationships).ReadAsync(resume?.AfterId, cancellationToken);
        }

        return ReadNodesAsync(IndexOf(collection), resume, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    internal Neo4jSourceOptions Options => _options;

    internal ShardSpec Shard => _shard;

    /// <summary>Runs a statement and streams its rows; a failure becomes a <see cref="SourceException"/> that names the collection and says what to fix.</summary>
    internal async IAsyncEnumerable<object?[]> QueryAsync(string? collection, string statement, Dictionary<string, object?> parameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var rows = _client.RunAsync(statement, parameters, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await rows.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (QueryApiException ex)
            {
                throw Neo4jErrors.Translate(ex, Name, collection, _options, statement);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw ErrorFactory.Source(Name, collection,
                    $"the connection to Neo4j at {_options.Url.Authority} broke while reading a result ({ex.Message}). Run the extract again: it resumes after the last completed part.", ex, isTransient: true);
            }

            yield return rows.Current;
        }
    }

    private async IAsyncEnumerable<SourceItem> ReadNodesAsync(int index, Neo4jCursor? resume, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = _options.Nodes[index];
        var mapper = new RecordMapper(Kind, Name, options.Name, options.Mapping);
        var rows = new NodeRows(options.Mapping.Timestamp);
        var backfill = resume?.Backfill;
        if (resume?.InNullKeyPass != true)
        {
            var after = resume?.After is { } text ? TypedValueText.Parse(text) : null;
            var afterId = resume?.AfterId;
            string? previousKey = after is null ? null : KeyText(after);
            while (true)
            {
                var parameters = PageParameters(backfill);
                if (after is not null)
                {
                    parameters["after"] = after;
                    if (!options.KeyIsElementId)
                    {
                        parameters["afterId"] = afterId;
                    }
                }

                var statement = CypherStatements.NodePage(options, Before(index), after is not null, backfill is not null);
                var read = 0;
                await foreach (var row in QueryAsync(options.Name, statement, parameters, cancellationToken))
                {
                    read++;
                    var node = (Neo4jNode)row[1]!;
                    var key = row[0]!;
                    after = key;
                    afterId = node.ElementId;
                    if (!TypedValueText.IsOrderable(key))
                    {
                        throw ErrorFactory.Source(Name, options.Name,
                            $"node {node.ElementId} has a key '{options.KeyProperty}' of type {key.GetType().Name}; a key must be a string, a number or a temporal value. Choose another key property, or leave \"key\" out to use the element id.");
                    }

                    var keyText = KeyText(key);
                    var isDuplicate = previousKey == keyText;
                    previousKey = keyText;
                    if (!_shard.Includes(keyText))
                    {
                        continue;
                    }

                    var position = new NodePosition(options.KeyIsElementId ? null : TypedValueText.Format(key), node.ElementId, keyText, backfill);
                    if (isDuplicate)
                    {
                        yield return mapper.Reject(position, keyText, mapper.MemoryIdOf(keyText), Records.RejectCodes.DuplicateKey,
                            $"key {keyText} is on more than one node with label '{options.Label}' (this one is {node.ElementId}); the first node is kept. Choose a unique key property (a uniqueness constraint guarantees it), or leave \"key\" out to use the element id.");
                        continue;
                    }

                    yield return mapper.Map(rows.Of(node), position);
                }

                if (read < _options.PageSize)
                {
                    break;
                }
            }

            resume = null;
        }

        // Nodes without the key property cannot be ordered by it; they all become rejects, in shard 0 (as PostgreSQL's NULL keys).
        if (options.KeyIsElementId || _shard.Index != 0)
        {
            yield break;
        }

        var afterNull = resume?.InNullKeyPass == true ? resume.AfterId : null;
        while (true)
        {
            var parameters = PageParameters(backfill);
            if (afterNull is not null)
            {
                parameters["afterId"] = afterNull;
            }

            var read = 0;
            await foreach (var row in QueryAsync(options.Name, CypherStatements.NullKeyPage(options, Before(index), afterNull is not null, backfill is not null), parameters, cancellationToken))
            {
                read++;
                var node = (Neo4jNode)row[1]!;
                afterNull = node.ElementId;
                yield return mapper.Map(rows.Of(node), new NullKeyPosition(node.ElementId, backfill));
            }

            if (read < _options.PageSize)
            {
                yield break;
            }
        }
    }

    private Dictionary<string, object?> PageParameters(Neo4jBackfill? backfill)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal) { ["limit"] = (long)_options.PageSize };
        if (backfill is not null)
        {
            parameters["wmAbove"] = backfill.Above is null ? null : TypedValueText.Parse(backfill.Above);
            parameters["wmUpTo"] = TypedValueText.Parse(backfill.UpTo);
        }

        return parameters;
    }

    private static Dictionary<string, object?> TypesParameter(Neo4jRelationshipOptions relationships)
        => relationships.Types.Count > 0 ? new() { ["types"] = relationships.Types } : [];

    /// <summary>The node collections before this one: a node with one of their labels belongs to them.</summary>
    internal IReadOnlyList<Neo4jNodeCollectionOptions> Before(int index) => _options.Nodes.Take(index).ToList();

    /// <summary>A key's canonical text, the same for a node and for a relationship end pointing at it.</summary>
    internal static string KeyText(object key) => Identity.SourceKey.Format(key)!;

    private int IndexOf(string collection)
    {
        for (var i = 0; i < _options.Nodes.Count; i++)
        {
            if (_options.Nodes[i].Name == collection)
            {
                return i;
            }
        }

        throw new ArgumentException($"Source '{Name}' has no collection '{collection}'.", nameof(collection));
    }

    private async Task<object?> ScalarAsync(string? collection, string statement, Dictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        object? value = null;
        await foreach (var row in QueryAsync(collection, statement, parameters, cancellationToken))
        {
            value = row.Length > 0 ? row[0] : null;
        }

        return value;
    }

    private static long AsLong(object? value) => value is long n ? n : Convert.ToInt64(value ?? 0L, CultureInfo.InvariantCulture);
}

/// <summary>A node read in key order; the cursor (JSON) and location are formatted only when asked for.</summary>
internal sealed class NodePosition(string? key, string elementId, string keyText, Neo4jBackfill? backfill) : SourcePosition
{
    public override string Cursor => new Neo4jCursor { After = key ?? "String:" + elementId, AfterId = key is null ? null : elementId, Backfill = backfill }.ToJson();

    public override string Location => $"key {keyText} (node {elementId})";

    public override bool HasSameCursor(SourcePosition other)
        => other is NodePosition node ? node.ElementIdValue == elementId && Equals(node.BackfillValue, backfill) : base.HasSameCursor(other);

    private string ElementIdValue => elementId;

    private Neo4jBackfill? BackfillValue => backfill;
}

/// <summary>A node of the pass over nodes without the key property.</summary>
internal sealed class NullKeyPosition(string elementId, Neo4jBackfill? backfill) : SourcePosition
{
    public override string Cursor => new Neo4jCursor { Phase = "nullKey", AfterId = elementId, Backfill = backfill }.ToJson();

    public override string Location => $"node {elementId} (no key property)";
}
