using System.Globalization;
using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation.Report;

/// <summary>
/// Which near-duplicate groups the reports show, and how a member reads: the largest groups first, capped,
/// so a corpus with thousands of groups still gives a page people can scroll; the JSON holds them all.
/// </summary>
internal static class NearDuplicateListing
{
    /// <summary>Groups shown in the reports (and looked up in the records for their source and text).</summary>
    public const int Groups = 25;

    /// <summary>Members shown per group; the rest are counted.</summary>
    public const int MembersPerGroup = 12;

    /// <summary>Characters of a member's text shown.</summary>
    public const int ExcerptLength = 120;

    /// <summary>The largest groups first; among equal sizes, load order (the analysis' order) is kept.</summary>
    public static IReadOnlyList<NearDuplicateGroup> Largest(IReadOnlyList<NearDuplicateGroup> groups)
        => [.. groups.OrderByDescending(group => group.Members.Count).Take(Groups)];

    /// <summary>The memory ids the reports show, so the snapshot scan can find their records.</summary>
    public static IReadOnlySet<string> ShownIds(IReadOnlyList<NearDuplicateGroup> groups)
        => Largest(groups).SelectMany(group => group.Members.Take(MembersPerGroup)).Select(member => member.MemoryId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The start of a text on one line, cut at <see cref="ExcerptLength"/> characters (never inside a surrogate pair).</summary>
    public static string Excerpt(string content)
    {
        // Only the start is split: a record's text can be a megabyte.
        var start = content.Length > ExcerptLength * 4 ? content[..(ExcerptLength * 4)] : content;
        var line = string.Join(' ', start.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length <= ExcerptLength)
        {
            return line;
        }

        var cut = char.IsHighSurrogate(line[ExcerptLength - 1]) ? ExcerptLength - 1 : ExcerptLength;
        return line[..cut] + "…";
    }

    /// <summary>What happens to a member: held, or merged into which id at which cosine.</summary>
    public static string Fate(NearDuplicateMember member)
        => member.Holds
            ? "held"
            : member.SameTextAs is not null
                ? $"merges into {member.MergedInto} (same text)"
                : member.Cosine is { } cosine
                    ? string.Create(CultureInfo.InvariantCulture, $"merges into {member.MergedInto} (cosine {cosine:0.000})")
                    : $"merges into {member.MergedInto}";
}
