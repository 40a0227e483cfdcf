namespace EngramBulkLoad.Loading;

/// <summary>Keeps the load stage's latest report, for displays that read it on their own timer.</summary>
public sealed class LatestLoadProgress : IProgress<LoadProgress>
{
    // Boxed so that a reader on another thread never sees half of an update.
    private volatile object? _latest;

    /// <summary>The latest report; all zero before the first.</summary>
    public LoadProgress Value => _latest is LoadProgress value ? value : default;

    /// <inheritdoc />
    public void Report(LoadProgress value) => _latest = value;
}
