using System.Globalization;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Loading;

/// <summary>
/// The memories Engram is predicted to hold in place of the near-duplicates it merged (cosine at least 0.95,
/// engram-core storage/deduplication.rs), from the snapshot's near-duplicate analysis (<c>near-duplicates.json</c>,
/// computed and saved when missing or stale, with the confidences this load sends), and what the association phase
/// does with an edge whose end was merged away: <c>remap</c> it to the memory held, or <c>reject</c> it naming that
/// memory (<see cref="EngramOptions.MergedEndpoints"/>). An edge whose two ends are held as one memory is rejected
/// either way: an association of a memory with itself says nothing.
/// </summary>
internal sealed class MergedEndpoints
{
    private readonly Dictionary<string, NearDuplicateMember> _merged;
    private readonly bool _remap;

    private MergedEndpoints(Dictionary<string, NearDuplicateMember> merged, bool remap)
    {
        _merged = merged;
        _remap = remap;
    }

    /// <summary>Memories predicted to be merged into another (only these are held in memory: a few per group).</summary>
    public int Count => _merged.Count;

    /// <summary>Reads the saved analysis when it is valid for the snapshot and these confidences, else runs it (two reads of the vectors) and saves it.</summary>
    public static async Task<MergedEndpoints> PredictAsync(SnapshotStore snapshot, SnapshotManifest manifest, EngramOptions engram, TimeProvider time, CancellationToken cancellationToken)
    {
        if (engram.Deduplication == "none")
        {
            // An Engram without deduplication holds every id sent: no end is merged.
            return new MergedEndpoints(new Dictionary<string, NearDuplicateMember>(StringComparer.Ordinal), remap: true);
        }

        // The same options validate uses by default, so that both read one saved analysis.
        var options = new NearDuplicateOptions().WithConfidences(engram, manifest);
        var report = await NearDuplicateFinder.ReadOrFindAsync(snapshot, options, time, cancellationToken);
        var merged = report.Groups
            .SelectMany(group => group.Members)
            .Where(member => !member.Holds && member.MergedInto is not null)
            .ToDictionary(member => member.MemoryId, StringComparer.Ordinal);
        return new MergedEndpoints(merged, engram.MergedEndpoints == "remap");
    }

    /// <summary>What to do with an edge whose ends are both loaded memories.</summary>
    public EdgeDecision Decide(StagedEdge edge, AssociateRequest request)
    {
        var from = _merged.GetValueOrDefault(edge.FromMemoryId);
        var to = _merged.GetValueOrDefault(edge.ToMemoryId);
        if (from is null && to is null)
        {
            return new EdgeDecision(request, null, null);
        }

        var heldFrom = from?.MergedInto ?? edge.FromMemoryId;
        var heldTo = to?.MergedInto ?? edge.ToMemoryId;
        var what = string.Join("; ", new[] { Describe("origin", edge.FromDescription, from), Describe("target", edge.ToDescription, to) }.OfType<string>());
        if (heldFrom == heldTo)
        {
            return new EdgeDecision(null, RejectCodes.MergedSelfLoop, $"{what}: Engram holds both ends as the one memory {heldFrom}, so the association would join it to itself; not sent.");
        }

        if (!_remap)
        {
            return new EdgeDecision(null, RejectCodes.MergedEndpoint, $"{what}; Engram does not hold the id the edge names, and engram.mergedEndpoints is \"reject\". Set it to \"remap\" to send the association to the memory held.");
        }

        request.SourceMemory = heldFrom;
        request.TargetMemory = heldTo;
        request.Reason = $"{request.Reason}; remapped: {what}";
        return new EdgeDecision(request, null, null) { Remapped = true };
    }

    private static string? Describe(string end, string description, NearDuplicateMember? member)
        => member is null
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the edge's {end} {description} ({member.MemoryId}) was merged by Engram into the memory it holds, {member.MergedInto}{(member.Cosine is { } cosine ? $" (cosine {cosine:0.000})" : string.Empty)}");
}

/// <summary>What the association phase does with one edge.</summary>
/// <param name="Request">The Associate call to send (its ends remapped when <see cref="Remapped"/>), or null when the edge is rejected.</param>
/// <param name="RejectCode">The reject code when the edge is rejected.</param>
/// <param name="Message">Why, for a reject.</param>
internal sealed record EdgeDecision(AssociateRequest? Request, string? RejectCode, string? Message)
{
    /// <summary>True when the request goes to a memory held in place of a merged end.</summary>
    public bool Remapped { get; init; }
}
