using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Elastic.Transport.Products.Elasticsearch;
using EngramBulkLoad.Configuration;
using SourceConfig = Elastic.Clients.Elasticsearch.Core.Search.SourceConfig;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>
/// Reads indexes through a point in time (PIT) with search_after, never scroll: one PIT per read, sorted by
/// the configured unique field (then the index name for patterns) and the "_shard_doc" tiebreaker, or by
/// "_shard_doc" alone. With slices, each slice of the PIT is read by its own task with its own search_after,
/// into one bounded channel. When the PIT expires (mid-read or before a resume) a new one is opened and each
/// slice continues after its last sort values, which is exact only with a unique sort field (and, for slices,
/// a slice field); without them the read stops with an error that says so.
/// </summary>
internal sealed class ElasticsearchSource : IRecordSource, IWatermarkedSource
{
    private const string ShardDoc = "_shard_doc";

    private readonly ElasticsearchSourceOptions _options;
    private readonly JsonElement _section;
    private readonly ShardSpec _shard;
    private readonly ElasticsearchClient _client;
    private readonly TimeProvider _time;
    private readonly string _nodes;

    public ElasticsearchSource(string name, ElasticsearchSourceOptions options, JsonElement section, ShardSpec shard, TimeProvider? time = null)
    {
        Name = name;
        _options = options;
        _section = section;
        _shard = shard;
        _time = time ?? TimeProvider.System;
        _client = ClientFactory.Create(options);
        _nodes = string.Join(", ", options.Nodes.Select(n => n.GetLeftPart(UriPartial.Authority)));
        Collections = options.Indexes.Select(c => c.Name).ToList();
    }

    public string Name { get; }

    public string Kind => "elasticsearch";

    public IReadOnlyList<string> Collections { get; }

    /// <summary>Requests retried after a 429 or no answer, for tests and the run report.</summary>
    public int Retries => _retries;

    private int _retries;

    public JsonObject DescribeSettings() => SourceSettings.WithShard(SourceSettings.Redact(_section), _shard);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        // GET /: the node answers, the credentials work, and it is Elasticsearch (the client checks the product header).
        await SendAsync(null, null, token => _client.InfoAsync(token), cancellationToken);
        foreach (var options in _options.Indexes)
        {
            if (!options.ManyIndexes)
            {
                // HEAD /{index}: 200 or 404 (indices exists API). A pattern needs no index to match, so it is not checked.
                var exists = await SendAsync(options.Name, options.Index, token => _client.Indices.ExistsAsync(options.Index, token), cancellationToken, allow404: true);
                if (!exists.Exists)
                {
                    throw ErrorFactory.Source(Name, options.Name, $"index '{options.Index}' does not exist on {_nodes}. Check \"index\" (names are case-sensitive); a pattern such as logs-* reads every index it matches.");
                }
            }

            // A count with the query proves the query parses and the user may read the index.
            await CountAsync(options, Query(options, null, null), cancellationToken);
            if (options.SortField is { } sortField)
            {
                var missing = await CountAsync(options, Query(options, null, $$$"""{"bool":{"must_not":[{"exists":{"field":{{{JsonSerializer.Serialize(sortField)}}}}}]}}"""), cancellationToken);
                if (missing > 0)
                {
                    throw ErrorFactory.Source(Name, options.Name,
                        $"{missing:N0} document(s) have no value in sortField '{sortField}', so the read could not resume after them on a new point in time. Choose a field every document has (unique per document), or remove \"sortField\".");
                }
            }
        }
    }

    public async Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken)
    {
        var options = Find(collection);
        return await CountAsync(options, Query(options, null, null), cancellationToken) / _shard.Count;
    }

    public bool HasWatermark(string collection) => Find(collection).Watermark is not null;

    public async Task<string?> ReadWatermarkAsync(string collection, string? above, CancellationToken cancellationToken)
    {
        var options = Find(collection);
        var field = options.Watermark ?? throw new ArgumentException($"Collection '{collection}' of source '{Name}' has no watermark.", nameof(collection));
        var query = Query(options, above is null ? null : new BackfillRange { Above = above, UpTo = null! }, null);
        var request = new SearchRequest(Indices.Parse(options.Index))
        {
            Size = 1,
            Query = query,
            Sort = Parse<List<SortOptions>>($$"""[{ {{JsonSerializer.Serialize(field)}}: { "order": "desc" } }]"""),
            Source = new SourceConfig(false),
            TrackTotalHits = new TrackHits(false),
        };
        var response = await SendAsync(collection, options.Index, token => _client.SearchAsync<JsonElement>(request, token), cancellationToken);
        return response.Hits.FirstOrDefault()?.Sort?.FirstOrDefault() is { } value ? Text(value) : null;
    }

    public string BackfillCursor(string collection, string? above, string upTo)
        => ReadCursor.Start(Find(collection).Slices, new BackfillRange { Above = above, UpTo = upTo }).ToJson();

    public async IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = Find(collection);
        var resume = ReadCursor.Parse(cursor) ?? ReadCursor.Start(options.Slices, null);
        if (resume.Slices.Length != options.Slices)
        {
            throw ErrorFactory.Source(Name, collection,
                $"the snapshot read this index in {resume.Slices.Length} slice(s), the config asks for {options.Slices}. Set \"slices\": {resume.Slices.Length} to resume, or extract into a new snapshot.");
        }

        if (resume.Backfill is not null && options.Watermark is null)
        {
            throw ErrorFactory.Source(Name, collection, "the snapshot is in the middle of a backfill by a watermark, but the config names no \"watermark\" for this index. Restore the setting to resume.");
        }

        var states = resume.Slices;
        if (states.All(s => s.Done))
        {
            yield break;
        }

        var read = new SliceRead(this, options, Query(options, resume.Backfill, null), states.FirstOrDefault(s => !s.Done)?.Pit);
        var mapper = new RecordMapper(Kind, Name, collection, options.Mapping);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pages = Channel.CreateBounded<Page>(new BoundedChannelOptions(Math.Max(2, 2 * options.Slices)) { SingleReader = true });
        var producers = Task.WhenAll(states.Select((state, slice) => state.Done ? Task.CompletedTask : Task.Run(() => read.ProduceAsync(slice, state, pages.Writer, stop.Token), stop.Token)));
        var completion = producers.ContinueWith(t => pages.Writer.TryComplete(t.Exception?.InnerException), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var completed = false;
        try
        {
            await foreach (var page in pages.Reader.ReadAllAsync(stop.Token))
            {
                foreach (var hit in page.Hits)
                {
                    var next = (SliceCursor[])states.Clone();
                    next[page.Slice] = new SliceCursor { After = SortValues(hit), Pit = page.Pit };
                    states = next;
                    var row = DocumentFields.ToRow(hit.Index, hit.Id!, hit.Source);
                    if (!_shard.IsWhole && mapper.KeyOf(row) is { } key && !_shard.Includes(key))
                    {
                        continue;
                    }

                    yield return mapper.Map(row, new DocumentPosition(hit.Index, hit.Id!, states, resume.Backfill));
                }

                if (page.Last)
                {
                    var next = (SliceCursor[])states.Clone();
                    next[page.Slice] = new SliceCursor { Done = true };
                    states = next;
                }
            }

            completed = true;
        }
        finally
        {
            await stop.CancelAsync();
            await completion;
            if (completed)
            {
                await read.CloseAsync(cancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Sends a request, waiting and retrying while the cluster answers 429 or does not answer (doubling the
    /// wait from retryDelayMs, at most 30 s, for maxRetries attempts); any other failure is an error that says what to fix.
    /// </summary>
    internal async Task<TResponse> SendAsync<TResponse>(
        string? collection, string? index, Func<CancellationToken, Task<TResponse>> send, CancellationToken cancellationToken, bool allow404 = false)
        where TResponse : ElasticsearchResponse
    {
        var (response, failure) = await TrySendAsync(send, cancellationToken, allow404);
        return failure is null ? response : throw failure.ToException(Name, collection, _nodes, index);
    }

    internal async Task<(TResponse Response, ElasticsearchFailure? Failure)> TrySendAsync<TResponse>(
        Func<CancellationToken, Task<TResponse>> send, CancellationToken cancellationToken, bool allow404 = false)
        where TResponse : ElasticsearchResponse
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await send(cancellationToken);
            if (response.IsValidResponse || (allow404 && response.ApiCallDetails?.HttpStatusCode == 404))
            {
                return (response, null);
            }

            var failure = ElasticsearchFailure.Of(response);
            if (!failure.IsTransient || attempt >= _options.MaxRetries)
            {
                return (response, failure);
            }

            Interlocked.Increment(ref _retries);
            var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, _options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16))));
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    private async Task<long> CountAsync(ElasticsearchIndexOptions options, Query? query, CancellationToken cancellationToken)
    {
        var request = new CountRequest(Indices.Parse(options.Index)) { Query = query };
        var response = await SendAsync(options.Name, options.Index, token => _client.CountAsync(request, token), cancellationToken);
        return response.Count;
    }

    /// <summary>The index's query, a backfill's range and an extra condition, all as filters of one bool query; null: every document.</summary>
    private Query? Query(ElasticsearchIndexOptions options, BackfillRange? backfill, string? extra)
    {
        var filters = new List<string>();
        if (options.Query is { } query)
        {
            filters.Add(query);
        }

        if (backfill is not null)
        {
            var bounds = new List<string>();
            if (backfill.Above is { } above)
            {
                bounds.Add($"\"gt\": {Literal(above)}");
            }

            if (backfill.UpTo is { } upTo)
            {
                bounds.Add($"\"lte\": {Literal(upTo)}");
            }

            filters.Add($$$"""{"range":{ {{{JsonSerializer.Serialize(options.Watermark!)}}}: { {{{string.Join(", ", bounds)}}} } }}""");
        }

        if (extra is not null)
        {
            filters.Add(extra);
        }

        return filters.Count switch
        {
            0 => null,
            1 => Parse<Query>(filters[0]),
            _ => Parse<Query>($$$"""{"bool":{"filter":[{{{string.Join(",", filters)}}}]}}"""),
        };
    }

    /// <summary>Request parts built from their JSON form (the query DSL as the user wrote it), through the client's own serializer.</summary>
    private T Parse<T>(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return _client.ElasticsearchClientSettings.RequestResponseSerializer.Deserialize<T>(stream)
            ?? throw new InvalidOperationException($"'{json}' did not read as a {typeof(T).Name}.");
    }

    private ElasticsearchIndexOptions Find(string collection)
        => _options.Indexes.FirstOrDefault(c => c.Name == collection)
            ?? throw new ArgumentException($"Source '{Name}' has no index '{collection}'.", nameof(collection));

    /// <summary>A watermark as a JSON literal: numbers (dates sort as epoch milliseconds) as numbers, anything else as a string.</summary>
    private static string Literal(string value)
        => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? value : JsonSerializer.Serialize(value);

    private static JsonElement[] SortValues(Hit<JsonElement> hit)
        => hit.Sort is { } sort ? [.. sort.Select(ToJson)] : [];

    private static JsonElement ToJson(FieldValue value) => value.Kind switch
    {
        FieldValue.ValueKind.Long => JsonSerializer.SerializeToElement((long)value.Value!, ReadCursorJson.Default.Int64),
        FieldValue.ValueKind.Double => JsonSerializer.SerializeToElement((double)value.Value!, ReadCursorJson.Default.Double),
        FieldValue.ValueKind.Boolean => JsonSerializer.SerializeToElement((bool)value.Value!, ReadCursorJson.Default.Boolean),
        FieldValue.ValueKind.String => JsonSerializer.SerializeToElement((string)value.Value!, ReadCursorJson.Default.String),
        _ => JsonSerializer.SerializeToElement<string?>(null, ReadCursorJson.Default.String),
    };

    private static FieldValue FromJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var l) => FieldValue.Long(l),
        JsonValueKind.Number => FieldValue.Double(value.GetDouble()),
        JsonValueKind.String => FieldValue.String(value.GetString()!),
        JsonValueKind.True => FieldValue.True,
        JsonValueKind.False => FieldValue.False,
        _ => FieldValue.Null,
    };

    private static string Text(FieldValue value) => value.Value switch
    {
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        var other => other?.ToString() ?? string.Empty,
    };

    /// <summary>One search response of one slice; <see cref="Last"/> when the slice has nothing after it.</summary>
    private sealed record Page(int Slice, string Pit, IReadOnlyCollection<Hit<JsonElement>> Hits, bool Last);

    /// <summary>
    /// The state one read shares between its slices: the point in time (reopened once for all slices when it
    /// expires) and the request parts every slice sends.
    /// </summary>
    private sealed class SliceRead(ElasticsearchSource source, ElasticsearchIndexOptions options, Query? query, string? resumedPit)
    {
        private readonly SemaphoreSlim _lock = new(1, 1);
        private readonly List<SortOptions> _sort = source.Parse<List<SortOptions>>(SortJson(options));
        private readonly SourceConfig? _sourceFilter = options.SourceIncludes.Count + options.SourceExcludes.Count == 0
            ? null
            : source.Parse<SourceConfig>(JsonSerializer.Serialize(new { includes = options.SourceIncludes, excludes = options.SourceExcludes }));

        private readonly Duration _keepAlive = source.Parse<Duration>(JsonSerializer.Serialize(source._options.KeepAlive));
        private string? _pit = resumedPit;
        private int _generation;

        public async Task ProduceAsync(int slice, SliceCursor state, ChannelWriter<Page> pages, CancellationToken cancellationToken)
        {
            var after = state.After;
            var afterPit = state.Pit;
            while (true)
            {
                var (pit, generation) = await CurrentAsync(cancellationToken);
                var request = new SearchRequest
                {
                    Pit = new PointInTimeReference { Id = pit, KeepAlive = _keepAlive },
                    Size = source._options.PageSize,
                    Sort = _sort,
                    Query = query,
                    Source = _sourceFilter,
                    TrackTotalHits = new TrackHits(false),
                    SearchAfter = after is null ? null : [.. SearchAfter(after, afterPit == pit)],
                    Slice = options.Slices > 1 ? source.Parse<SlicedScroll>(SliceJson(options, slice)) : null,
                };
                var (response, failure) = await source.TrySendAsync(token => source._client.SearchAsync<JsonElement>(request, token), cancellationToken);
                if (failure is { IsPitMissing: true })
                {
                    await ReopenAsync(generation, failure, cancellationToken);
                    continue;
                }

                if (failure is not null)
                {
                    throw failure.ToException(source.Name, options.Name, source._nodes, options.Index);
                }

                // "Always use the most recently received ID for the next search request" (open point in time API).
                var current = response.PitId ?? pit;
                Update(generation, current);
                var hits = response.Hits;
                var last = hits.Count < source._options.PageSize;
                await pages.WriteAsync(new Page(slice, current, hits, last), cancellationToken);
                if (last)
                {
                    return;
                }

                after = SortValues(hits.Last());
                afterPit = current;
            }
        }

        public async Task CloseAsync(CancellationToken cancellationToken)
        {
            if (_pit is { } pit)
            {
                // DELETE /_pit frees the search contexts now rather than at keep_alive; one already gone (404) is fine.
                await source.TrySendAsync(token => source._client.ClosePointInTimeAsync(new ClosePointInTimeRequest { Id = pit }, token), cancellationToken, allow404: true);
            }
        }

        /// <summary>
        /// The search_after values: as read when they come from the point in time being searched; else with the
        /// "_shard_doc" tiebreaker at its largest, so the document they came from (identified by the unique sort
        /// field) is not read twice. Another point in time only happens with a sort field (<see cref="ReopenAsync"/>).
        /// </summary>
        private static IEnumerable<FieldValue> SearchAfter(JsonElement[] after, bool samePit)
        {
            for (var i = 0; i < after.Length; i++)
            {
                yield return !samePit && i == after.Length - 1 ? FieldValue.Long(long.MaxValue) : FromJson(after[i]);
            }
        }

        private async Task<(string Pit, int Generation)> CurrentAsync(CancellationToken cancellationToken)
        {
            await _lock.WaitAsync(cancellationToken);
            try
            {
                _pit ??= await OpenAsync(cancellationToken);
                return (_pit, _generation);
            }
            finally
            {
                _lock.Release();
            }
        }

        private void Update(int generation, string pit)
        {
            _lock.Wait();
            try
            {
                if (generation == _generation)
                {
                    _pit = pit;
                }
            }
            finally
            {
                _lock.Release();
            }
        }

        private async Task ReopenAsync(int generation, ElasticsearchFailure failure, CancellationToken cancellationToken)
        {
            await _lock.WaitAsync(cancellationToken);
            try
            {
                if (generation != _generation)
                {
                    return; // Another slice has reopened it already.
                }

                if (options.SortField is null)
                {
                    throw ErrorFactory.Source(source.Name, options.Name,
                        $"the point in time expired ({failure.Reason}), and without \"sortField\" the read's position (\"_shard_doc\") means nothing on a new one. "
                        + $"Set \"sortField\" to a field unique in every document (and raise \"keepAlive\", now {source._options.KeepAlive}), then extract this index into a new snapshot.");
                }

                if (options.Slices > 1 && options.SliceField is null)
                {
                    throw ErrorFactory.Source(source.Name, options.Name,
                        $"the point in time expired ({failure.Reason}); a new one slices documents differently unless \"sliceField\" names a numeric field to slice by. "
                        + "Set \"sliceField\" (e.g. a numeric id), or read with \"slices\": 1, and extract this index into a new snapshot.");
                }

                _pit = await OpenAsync(cancellationToken);
                _generation++;
            }
            finally
            {
                _lock.Release();
            }
        }

        private async Task<string> OpenAsync(CancellationToken cancellationToken)
        {
            var request = new OpenPointInTimeRequest(Indices.Parse(options.Index)) { KeepAlive = _keepAlive };
            var response = await source.SendAsync(options.Name, options.Index, token => source._client.OpenPointInTimeAsync(request, token), cancellationToken);
            return response.Id;
        }

        private static string SortJson(ElasticsearchIndexOptions options)
        {
            var sort = new JsonArray();
            if (options.SortField is { } field)
            {
                sort.Add(new JsonObject { [field] = new JsonObject { ["order"] = "asc" } });
                if (options.ManyIndexes)
                {
                    // A unique field is unique within an index; with the index name the order is total across the pattern.
                    sort.Add(new JsonObject { ["_index"] = new JsonObject { ["order"] = "asc" } });
                }
            }

            // Named explicitly (Elasticsearch adds it to PIT searches anyway), so the sort values always end with it.
            sort.Add(new JsonObject { [ShardDoc] = new JsonObject { ["order"] = "asc" } });
            return sort.ToJsonString();
        }

        private static string SliceJson(ElasticsearchIndexOptions options, int slice)
        {
            var json = new JsonObject { ["id"] = slice, ["max"] = options.Slices };
            if (options.SliceField is { } field)
            {
                json["field"] = field;
            }

            return json.ToJsonString();
        }
    }
}
