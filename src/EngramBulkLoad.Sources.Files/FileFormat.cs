namespace EngramBulkLoad.Sources.Files;

/// <summary>The file formats a file source reads.</summary>
public enum FileFormat
{
    /// <summary>One JSON object per line (JSON Lines, NDJSON).</summary>
    JsonLines,

    /// <summary>Comma-separated values with a header row (RFC 4180 quoting).</summary>
    Csv,
}
