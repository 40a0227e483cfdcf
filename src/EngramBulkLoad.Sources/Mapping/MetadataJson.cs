using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// Writes a record's own fields as a JSON object for the memory's metadata. Every CLR type a driver
/// can hand back has a written form, so no value crashes the run: binary data up to
/// <see cref="MaxInlineBytes"/> is base64, larger binary is summarised by size and hash.
/// </summary>
internal static class MetadataJson
{
    /// <summary>Binary values up to this size are kept whole (base64); larger ones are summarised.</summary>
    public const int MaxInlineBytes = 1024;

    // One buffer and writer per thread, reset for each row: a row's metadata is a short-lived string,
    // and allocating a writer and a growing buffer for each of millions of rows kept the GC busy.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// The written form of binary data, wherever a source meets it (a column, or a value nested in a document):
    /// "base64:..." up to <see cref="MaxInlineBytes"/>, else its size and SHA-256.
    /// </summary>
    public static string BinaryText(byte[] bytes)
        => bytes.Length <= MaxInlineBytes
            ? "base64:" + Convert.ToBase64String(bytes)
            : $"binary: {bytes.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))} (not copied: over {MaxInlineBytes} bytes)";

    public static string Write(FieldRow row, Func<string, bool> include)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        for (var i = 0; i < row.Names.Count; i++)
        {
            var name = row.Names[i];
            if (!include(name))
            {
                continue;
            }

            writer.WritePropertyName(name);
            WriteValue(writer, row.Values[i], depth: 0);
        }

        writer.WriteEndObject();
        writer.Flush();

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, int depth)
    {
        switch (value)
        {
            case null or DBNull:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or short or byte or sbyte or ushort or uint or ulong:
                writer.WriteNumberValue(Convert.ToDecimal(value, CultureInfo.InvariantCulture));
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                writer.WriteNumberValue(f);
                break;
            case double or float:
                // JSON has no NaN or Infinity; keep the value readable rather than dropping it.
                writer.WriteStringValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                WriteRoundTrip(writer, dt);
                break;
            case DateTimeOffset dto:
                WriteRoundTrip(writer, dto);
                break;
            case DateOnly date:
                writer.WriteStringValue(date.ToString("O", CultureInfo.InvariantCulture));
                break;
            case TimeOnly time:
                writer.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case Guid guid:
                writer.WriteStringValue(guid);
                break;
            case InfiniteTime infinite:
                writer.WriteStringValue(infinite.Text);
                break;
            case RawJson json:
                WriteRawJson(writer, json.Json);
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case byte[] bytes:
                writer.WriteStringValue(BinaryText(bytes));
                break;
            case IDictionary dictionary when depth < 8:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                    WriteValue(writer, entry.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items when depth < 8:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case IFormattable formattable:
                writer.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }

    /// <summary>The "O" (round-trip) text of a date-time, formatted on the stack: the same text as ToString("O").</summary>
    private static void WriteRoundTrip<T>(Utf8JsonWriter writer, T value)
        where T : ISpanFormattable
    {
        Span<char> text = stackalloc char[64];
        if (!value.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"a {typeof(T).Name} did not fit its round-trip format in 64 characters");
        }

        writer.WriteStringValue(text[..written]);
    }

    // The text is JSON the server has already validated (RawJson's contract); parsing it again cost more than the copy.
    private static void WriteRawJson(Utf8JsonWriter writer, string json) => writer.WriteRawValue(json, skipInputValidation: true);
}
