using System.Collections.Concurrent;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// A point in time: the documents of its indexes as they were when it was opened (each index one shard,
/// numbered in order), kept alive by every search that names it for its keep_alive. Sorted result lists are
/// cached per query, sort and slice, as a real reader's doc values make paging cheap.
/// </summary>
public sealed class PointInTime
{
    internal PointInTime(string id, long contextId, IReadOnlyList<(EsIndex Index, EsDocument[] Documents)> shards, DateTimeOffset expiresAt)
    {
        Id = id;
        ContextId = contextId;
        Shards = shards;
        ExpiresAt = expiresAt;
    }

    /// <summary>The id the client sends back.</summary>
    public string Id { get; }

    /// <summary>The search context's number, as "No search context found for id [N]" names it.</summary>
    public long ContextId { get; }

    /// <summary>The indexes and their documents as of opening.</summary>
    public IReadOnlyList<(EsIndex Index, EsDocument[] Documents)> Shards { get; }

    /// <summary>When it expires unless a search extends it.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    internal ConcurrentDictionary<string, object> SortedCache { get; } = new(StringComparer.Ordinal);

    /// <summary>Every document of the point in time.</summary>
    public IEnumerable<Candidate> Candidates()
    {
        for (var shard = 0; shard < Shards.Count; shard++)
        {
            var (index, documents) = Shards[shard];
            for (var doc = 0; doc < documents.Length; doc++)
            {
                yield return new Candidate(index, shard, doc, documents[doc]);
            }
        }
    }
}
