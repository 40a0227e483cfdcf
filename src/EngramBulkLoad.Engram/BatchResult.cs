using EngramBulkLoad.Records;

namespace EngramBulkLoad.Engram;

/// <summary>What became of one batch: every record was either acknowledged by Engram or rejected with Engram's reason.</summary>
/// <param name="Acknowledged">Records Engram acknowledged.</param>
/// <param name="Rejects">Records Engram refused, each with Engram's message.</param>
/// <param name="StreamsOpened">StreamingRemember calls the batch took (1 when nothing went wrong).</param>
public sealed record BatchResult(int Acknowledged, IReadOnlyList<RejectRecord> Rejects, int StreamsOpened);
