using System.Globalization;

namespace EngramBulkLoad.Validation.Report;

/// <summary>
/// One source's counts as a table people read: a row per stage (extract, embed, load, associate), each
/// with what went in, what came out, what was rejected and whether they add up. report.md and report.html
/// both render these rows, so a new stage is one more row here and a new count one more column.
/// </summary>
internal static class StageRows
{
    /// <summary>The column headings, in the order of <see cref="StageRow.Cells"/>.</summary>
    public static readonly IReadOnlyList<string> Columns = ["stage", "in", "out", "rejected", "set aside", "reconciles?"];

    /// <summary>The rows of one source, in pipeline order.</summary>
    public static IReadOnlyList<StageRow> Of(SourceReconciliation s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var pending = s.PartsLoaded < s.Parts;
        return
        [
            // Standalone edges are source rows that carry only a relationship: no memory, so neither out nor rejected.
            Row("extract", "source rows to staged records", s.SourceRows, s.Staged, s.ExtractRejected, s.StandaloneEdges, "standalone edges", pending: false, s),
            Row("embed", "staged records to vectors", s.Staged, s.Embedded, s.EmbedRejected, 0, null, pending, s),
            Row("load", "vectors to memories sent to Engram", s.Embedded, s.Loaded, s.LoadRejected, 0, null, pending, s),
            // Remapped: sent to the memory Engram holds in place of an end it merged into a near-duplicate, not to the edge's own ends.
            Row("associate", "edges to associations", s.Edges, s.Associations, s.AssociationsRejected, s.AssociationsRemapped, "associations remapped (end merged by Engram)", pending, s, s.EdgesRejectedMerged == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{s.EdgesRejectedMerged:N0} edges rejected: end merged")),
        ];
    }

    private static StageRow Row(string stage, string meaning, long @in, long @out, long rejected, long setAside, string? setAsideWhat, bool pending, SourceReconciliation s, string? rejectedNote = null)
    {
        var c = CultureInfo.InvariantCulture;
        var accounted = @out + rejected + setAside;
        var (state, verdict) = accounted == @in
            ? (Reconciliation.Yes, "yes")
            : pending
                ? (Reconciliation.NotYet, string.Create(c, $"not yet: {s.PartsLoaded} of {s.Parts} parts loaded"))
                : (Reconciliation.No, string.Create(c, $"no: {@in:N0} in, {accounted:N0} accounted for ({(accounted > @in ? "+" : string.Empty)}{accounted - @in:N0})"));
        var aside = setAside == 0 ? "0" : string.Create(c, $"{setAside:N0} {setAsideWhat}");
        return new StageRow(stage, meaning, state, [stage, @in.ToString("N0", c), @out.ToString("N0", c), rejectedNote is null ? rejected.ToString("N0", c) : string.Create(c, $"{rejected:N0} ({rejectedNote})"), aside, verdict]);
    }
}

/// <summary>One stage of one source.</summary>
/// <param name="Stage">extract, embed, load or associate.</param>
/// <param name="Meaning">What goes in and what comes out, for a tooltip.</param>
/// <param name="State">Whether in = out + rejected + set aside, or the stage has not run on every part yet.</param>
/// <param name="Cells">The cells, one per <see cref="StageRows.Columns"/> entry, as text.</param>
internal sealed record StageRow(string Stage, string Meaning, Reconciliation State, IReadOnlyList<string> Cells);

/// <summary>Whether a stage's counts add up.</summary>
internal enum Reconciliation
{
    /// <summary>In = out + rejected + set aside.</summary>
    Yes,

    /// <summary>They do not add up although every part is loaded: something was lost or counted twice.</summary>
    No,

    /// <summary>They do not add up yet: some parts have not reached the end of the pipeline.</summary>
    NotYet,
}
