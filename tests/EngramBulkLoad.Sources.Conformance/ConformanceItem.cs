using System.Globalization;
using System.Text.Json;

namespace EngramBulkLoad.Sources.Conformance;

/// <summary>What the suite expects one item to become.</summary>
public enum ConformanceOutcome
{
    /// <summary>A staged record with the item's content, metadata and timestamp.</summary>
    Record,

    /// <summary>A reject with code empty_text: title and body are blank.</summary>
    EmptyText,

    /// <summary>A reject with code text_too_large: the content is over the mapping's maxContentBytes in UTF-8 bytes (not in characters).</summary>
    TextTooLarge,
}

/// <summary>
/// One item of the generated data set: what a source test stores in its server (a row, a document, a hash,
/// a node) under the field names of <see cref="ConformanceFields"/>, and what extraction must make of it.
/// </summary>
/// <param name="Id">The item's identity: a primary key, a document id, the variable part of a Redis key.</param>
/// <param name="Title">First text field; may hold non-ASCII text.</param>
/// <param name="Body">Second text field.</param>
/// <param name="Category">A string metadata value: alpha, beta or gamma (what the "where" test filters on).</param>
/// <param name="Rank">An integer metadata value, negative for some items.</param>
/// <param name="Score">A floating-point metadata value, exactly representable in binary.</param>
/// <param name="Active">A boolean metadata value.</param>
/// <param name="Updated">The item's own time (whole seconds, UTC): the timestamp field and the watermark.</param>
/// <param name="Outcome">What extraction must make of the item.</param>
public sealed record ConformanceItem(
    string Id, string Title, string Body, string Category, long Rank, double Score, bool Active, DateTimeOffset Updated, ConformanceOutcome Outcome)
{
    /// <summary>The content a record of this item must have: the non-blank texts joined by a blank line, as the mapper joins them.</summary>
    public string ExpectedContent
        => string.Join("\n\n", new[] { Title, Body }.Where(text => !string.IsNullOrWhiteSpace(text)));

    /// <summary>
    /// The item's fields in order, with their natural CLR types (string, long, double, bool, DateTimeOffset), for a
    /// store with typed values (SQL columns, JSON documents, graph properties).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, object>> Fields =>
    [
        new(ConformanceFields.Id, Id),
        new(ConformanceFields.Title, Title),
        new(ConformanceFields.Body, Body),
        new(ConformanceFields.Category, Category),
        new(ConformanceFields.Rank, Rank),
        new(ConformanceFields.Score, Score),
        new(ConformanceFields.Active, Active),
        new(ConformanceFields.Updated, Updated),
    ];

    /// <summary>
    /// The item's fields as text, for a store whose values are strings (Redis hashes, CSV): numbers in
    /// invariant culture (doubles round-trip), booleans as true/false, the time as ISO 8601 UTC.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> TextFields => Fields.Select(f => new KeyValuePair<string, string>(f.Key, TextOf(f.Value))).ToList();

    /// <summary>The item as one JSON object (typed values; the time as an ISO 8601 string), for document stores and JSONL.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(ConformanceFields.Id, Id);
            writer.WriteString(ConformanceFields.Title, Title);
            writer.WriteString(ConformanceFields.Body, Body);
            writer.WriteString(ConformanceFields.Category, Category);
            writer.WriteNumber(ConformanceFields.Rank, Rank);
            writer.WriteNumber(ConformanceFields.Score, Score);
            writer.WriteBoolean(ConformanceFields.Active, Active);
            writer.WriteString(ConformanceFields.Updated, TextOf(Updated));
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The canonical text of a field value, as <see cref="TextFields"/> writes it.</summary>
    public static string TextOf(object value) => value switch
    {
        string text => text,
        long number => number.ToString(CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        DateTimeOffset time => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"No text form for {value.GetType().Name}.", nameof(value)),
    };
}

/// <summary>The field names every item has; a source test stores the items under these names.</summary>
public static class ConformanceFields
{
    /// <summary>The identity field (primary key, document id).</summary>
    public const string Id = "id";

    /// <summary>First text field.</summary>
    public const string Title = "title";

    /// <summary>Second text field.</summary>
    public const string Body = "body";

    /// <summary>String metadata.</summary>
    public const string Category = "category";

    /// <summary>Integer metadata.</summary>
    public const string Rank = "rank";

    /// <summary>Floating-point metadata.</summary>
    public const string Score = "score";

    /// <summary>Boolean metadata.</summary>
    public const string Active = "active";

    /// <summary>The item's time: timestamp and watermark.</summary>
    public const string Updated = "updated";

    /// <summary>The metadata fields whose values the suite checks in every record.</summary>
    public static IReadOnlyList<string> Metadata { get; } = [Category, Rank, Score, Active];
}
