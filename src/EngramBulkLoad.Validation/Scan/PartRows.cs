namespace EngramBulkLoad.Validation.Scan;

/// <summary>Rows actually found in one part's files, to compare with the counts its manifest entry claims.</summary>
internal sealed class PartRows
{
    public long Records { get; set; }

    public long Vectors { get; set; }

    public long ExtractRejects { get; set; }

    public long EmbedRejects { get; set; }

    public long LoadMemoryRejects { get; set; }

    public long LoadEdgeRejects { get; set; }
}
