using System.Globalization;
using System.Text.Json;

namespace EngramBulkLoad.Identity;

/// <summary>
/// The canonical text of a record's key. A foreign key and the primary key it points to must give
/// the same text, so both go through here: one value is written as itself, several as a JSON array.
/// </summary>
public static class SourceKey
{
    /// <summary>Formats one key value; returns null when the value is null (the record has no key).</summary>
    public static string? Format(object? value) => value is null or DBNull ? null : FormatValue(value);

    /// <summary>Formats a (possibly composite) key; returns null when any part is null.</summary>
    public static string? Format(IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 1)
        {
            return Format(values[0]);
        }

        var parts = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null or DBNull)
            {
                return null;
            }

            parts[i] = FormatValue(values[i]!);
        }

        // Relaxed escaping keeps keys readable ("a\"b", "Zürich") in metadata and reject messages; the
        // exact text is part of every memory id, so this encoding must never change.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var part in parts)
            {
                writer.WriteStringValue(part);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string FormatValue(object value) => value switch
    {
        string s => s,
        DateTime dt => dt.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("O", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToHexStringLower(bytes),
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
