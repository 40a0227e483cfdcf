using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources;

/// <summary>Creates sources of one or more kinds from their config sections. One per source plug-in.</summary>
public interface IRecordSourceFactory
{
    /// <summary>The kinds this factory creates ("postgres"; "jsonl", "csv").</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>Reads and validates the section and creates the source; nothing is connected yet.</summary>
    IRecordSource Create(SourceConfig config, ExtractSettings extract);
}
