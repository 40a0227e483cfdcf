namespace EngramBulkLoad.Engram;

/// <summary>What a failed Engram call means for the run.</summary>
internal enum FailureKind
{
    /// <summary>Retry later with backoff: the server is busy, restarting or the connection dropped.</summary>
    Transient,

    /// <summary>Engram refused this record (or edge): it becomes a reject with Engram's message.</summary>
    Record,

    /// <summary>Nothing else will succeed (no or wrong key, forbidden or invalid space, wrong server): stop the run.</summary>
    Fatal,
}
