using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>Turns field values into text and timestamps, the same way for every source.</summary>
public static class FieldValues
{
    /// <summary>
    /// The value as content text. Returns false (with a reason) for values that have no sensible text,
    /// such as binary data: those records are rejected rather than staged with garbage content.
    /// </summary>
    public static bool TryText(object? value, out string? text, out string? problem)
    {
        problem = null;
        switch (value)
        {
            case null or DBNull:
                text = null;
                return true;
            case string s:
                text = s;
                return true;
            case RawJson json:
                text = json.Json;
                return true;
            case JsonElement element:
                text = element.ValueKind switch
                {
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    JsonValueKind.String => element.GetString(),
                    _ => element.GetRawText(),
                };
                return true;
            case byte[] bytes:
                text = null;
                problem = $"holds {bytes.Length} bytes of binary data (bytea), which cannot be embedded as text";
                return false;
            case IEnumerable items and not string:
                text = string.Join(", ", items.Cast<object?>().Select(item => TryText(item, out var t, out _) ? t : null).Where(t => !string.IsNullOrEmpty(t)));
                return true;
            case IFormattable formattable:
                text = formattable.ToString(null, CultureInfo.InvariantCulture);
                return true;
            default:
                text = value.ToString();
                return true;
        }
    }

    /// <summary>
    /// The value as a relationship weight: a number, or text that parses as one (invariant culture). Null is no
    /// weight (true, null); anything else that is not a finite number is false, so the caller can say so.
    /// </summary>
    public static bool TryWeight(object? value, out double? weight)
    {
        weight = value switch
        {
            null or DBNull => null,
            double d => d,
            float f => f,
            decimal m => (double)m,
            long or int or short or byte => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            JsonElement { ValueKind: JsonValueKind.Null } => null,
            JsonElement { ValueKind: JsonValueKind.Number } element => element.GetDouble(),
            JsonElement { ValueKind: JsonValueKind.String } element => Parse(element.GetString()),
            string s => Parse(s),
            _ => double.NaN,
        };
        return weight is null || double.IsFinite(weight.Value);

        static double Parse(string? text)
            => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
    }

    /// <summary>
    /// The value as a point in time. Times without a zone are taken as UTC. An <see cref="InfiniteTime"/> is no
    /// point in time: null, and true (the caller notes it; the record is kept without a time).
    /// </summary>
    public static bool TryTimestamp(object? value, out DateTimeOffset? timestamp)
    {
        switch (value)
        {
            case null or DBNull or InfiniteTime:
                timestamp = null;
                return true;
            case DateTimeOffset dto:
                timestamp = dto;
                return true;
            case DateTime dt:
                timestamp = new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime());
                return true;
            case DateOnly date:
                timestamp = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
                return true;
            case JsonElement { ValueKind: JsonValueKind.Null }:
                timestamp = null;
                return true;
            case JsonElement { ValueKind: JsonValueKind.String } element:
                return TryParse(element.GetString()!, out timestamp);
            case JsonElement { ValueKind: JsonValueKind.Number } element when element.TryGetInt64(out var seconds):
                return TryUnixSeconds(seconds, out timestamp);
            case string s when s.Length == 0:
                timestamp = null;
                return true;
            case string s:
                return TryParse(s, out timestamp);
            case long or int:
                return TryUnixSeconds(Convert.ToInt64(value, CultureInfo.InvariantCulture), out timestamp);
            default:
                timestamp = null;
                return false;
        }
    }

    private static bool TryParse(string text, out DateTimeOffset? timestamp)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            timestamp = parsed;
            return true;
        }

        timestamp = null;
        return false;
    }

    private static bool TryUnixSeconds(long seconds, out DateTimeOffset? timestamp)
    {
        // Ten-thousand years either way is DateTimeOffset's range; anything beyond is not a timestamp.
        if (seconds is >= -62_135_596_800 and <= 253_402_300_799)
        {
            timestamp = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        timestamp = null;
        return false;
    }
}
