using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Engram;

/// <summary>One record ready to send: its id, the request Engram receives, and the staged record it came from (for rejects).</summary>
/// <param name="MemoryId">The deterministic memory id; Engram's acknowledgement must echo it.</param>
/// <param name="Request">The RememberRequest, memory space included.</param>
/// <param name="Record">The staged record, named in a reject if Engram refuses it.</param>
public sealed record MemoryWrite(string MemoryId, RememberRequest Request, StagedRecord Record)
{
    /// <summary>A load reject for this record with Engram's own message.</summary>
    public RejectRecord Reject(string code, string message)
        => new(PipelineStage.Load, Record.Source, Record.Collection, $"key {Record.SourceKey}", Record.SourceKey, MemoryId, code, message);
}
