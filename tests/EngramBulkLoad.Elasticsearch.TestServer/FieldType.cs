namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// The field types this server maps, and how dynamic mapping picks one for a new field (reference
/// "Dynamic field mapping"): a JSON string becomes <see cref="Date"/> when it passes date detection
/// (strict_date_optional_time), otherwise <see cref="Text"/> with a "keyword" sub-field (ignore_above 256);
/// a whole number becomes <see cref="Long"/>, another number <see cref="Float"/>, true/false <see cref="Boolean"/>.
/// </summary>
public enum FieldType
{
    /// <summary>Analysed full text: searchable by its tokens, not sortable (fielddata is off by default).</summary>
    Text,

    /// <summary>An exact string: term queries, ranges and sorting compare it as written.</summary>
    Keyword,

    /// <summary>A 64-bit whole number.</summary>
    Long,

    /// <summary>A floating-point number (float, double, scaled_float are all kept as double here).</summary>
    Float,

    /// <summary>A date, kept and sorted as epoch milliseconds.</summary>
    Date,

    /// <summary>true or false.</summary>
    Boolean,
}
