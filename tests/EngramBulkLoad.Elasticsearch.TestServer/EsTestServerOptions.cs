namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>How the test server behaves.</summary>
public sealed class EsTestServerOptions
{
    /// <summary>The major version it answers as: 8 (8.19.0) or 9 (9.1.0). Default: 9.</summary>
    public int MajorVersion { get; set; } = 9;

    /// <summary>Port on 127.0.0.1; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Users for basic authentication; with none and no API key, security is off and every request is let in.</summary>
    public Dictionary<string, string> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>API keys, in the encoded form (base64 of id:key) clients send as "Authorization: ApiKey ...".</summary>
    public HashSet<string> ApiKeys { get; } = new(StringComparer.Ordinal);
}

/// <summary>Failures to inject, and counts of what the server answered.</summary>
public sealed class EsFaults
{
    private int _rejectSearches;
    private int _rejected;
    private int _searches;
    private int _scrolls;

    /// <summary>The next <paramref name="count"/> search requests answer 429 es_rejected_execution_exception.</summary>
    public void RejectNextSearches(int count) => Interlocked.Exchange(ref _rejectSearches, count);

    /// <summary>Requests answered 429 so far.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Search requests answered so far (including rejected ones).</summary>
    public int Searches => Volatile.Read(ref _searches);

    /// <summary>Requests that asked for a scroll; the source must never send one.</summary>
    public int Scrolls => Volatile.Read(ref _scrolls);

    /// <summary>Called for each search after it was counted: the handler expires the PIT when this returns true.</summary>
    public Func<int, bool>? ExpirePitAtSearch { get; set; }

    internal bool TakeRejection()
    {
        Interlocked.Increment(ref _searches);
        while (true)
        {
            var left = Volatile.Read(ref _rejectSearches);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _rejectSearches, left - 1, left) == left)
            {
                Interlocked.Increment(ref _rejected);
                return true;
            }
        }
    }

    internal void CountScroll() => Interlocked.Increment(ref _scrolls);
}
