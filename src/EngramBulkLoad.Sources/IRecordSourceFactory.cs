using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources;

/// <summary>Creates sources of one or more kinds from their config sections. One per source plug-in.</summary>
public interface IRecordSourceFactory
{
    /// <summary>The kinds this factory creates ("postgres"; "jsonl", "csv").</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>Reads and validates the section and creates the source; nothing is connected yet.</summary>
    /// <param name="config">The source's section.</param>
    /// <param name="extract">Job-wide extract settings.</param>
    /// <param name="shard">
    /// The part of the key space to read; null (or 0/1) for all of it. Every source must honour it, and
    /// name it in <see cref="IRecordSource.DescribeSettings"/> (see <see cref="SourceSettings.WithShard"/>).
    /// </param>
    IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard);
}
