using System.Globalization;
using System.Text;
using EngramBulkLoad.Sources.Mapping;
using Npgsql;
using NpgsqlTypes;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// Reads the column types whose default .NET value would change what the server holds: an interval
/// (a TimeSpan has no months, and prints as "1.02:03:04"), and infinite timestamps and dates (Npgsql maps
/// them to DateTime.MaxValue/MinValue, which would become a real year-9999 or year-1 time).
/// </summary>
internal static class PostgresValues
{
    /// <summary>How a column is read, from its type name (<see cref="NpgsqlDataReader.GetDataTypeName"/>).</summary>
    public static ColumnReading ReadingOf(string typeName) => typeName switch
    {
        "json" or "jsonb" => ColumnReading.Json,
        "interval" => ColumnReading.Interval,
        "timestamp without time zone" or "timestamp with time zone" => ColumnReading.Timestamp,
        "date" => ColumnReading.Date,
        _ => ColumnReading.Default,
    };

    /// <summary>The value of a non-NULL column read as <paramref name="reading"/> says.</summary>
    public static object Read(NpgsqlDataReader reader, int ordinal, ColumnReading reading) => reading switch
    {
        ColumnReading.Json => new RawJson(reader.GetString(ordinal)),
        ColumnReading.Interval => Iso8601(reader.GetFieldValue<NpgsqlInterval>(ordinal)),
        // The wire form of timestamps is microseconds since 2000-01-01 and of dates days since then; PostgreSQL
        // sends its infinities as the largest and smallest such number (src/include/datatype/timestamp.h,
        // DT_NOBEGIN/DT_NOEND and DATEVAL_NOBEGIN/DATEVAL_NOEND).
        ColumnReading.Timestamp => reader.GetFieldValue<long>(ordinal) switch
        {
            long.MaxValue => InfiniteTime.Positive,
            long.MinValue => InfiniteTime.Negative,
            _ => reader.GetValue(ordinal),
        },
        ColumnReading.Date => reader.GetFieldValue<int>(ordinal) switch
        {
            int.MaxValue => InfiniteTime.Positive,
            int.MinValue => InfiniteTime.Negative,
            _ => reader.GetValue(ordinal),
        },
        _ => reader.GetValue(ordinal),
    };

    /// <summary>
    /// The interval in ISO 8601 form exactly as PostgreSQL writes it with <c>intervalstyle = iso_8601</c>
    /// (documentation, "Interval Output"; src/backend/utils/adt/datetime.c, EncodeInterval): years and months
    /// from the month count, days, then hours, minutes and seconds from the time part, each field with its own
    /// sign, zero fields left out, seconds with up to six decimals, and "PT0S" for a zero interval.
    /// </summary>
    public static string Iso8601(NpgsqlInterval interval)
    {
        var years = interval.Months / 12;
        var months = interval.Months % 12;
        var time = interval.Time;
        var hours = time / 3_600_000_000L;
        time -= hours * 3_600_000_000L;
        var minutes = time / 60_000_000L;
        time -= minutes * 60_000_000L;
        var seconds = time / 1_000_000L;
        var micros = time - (seconds * 1_000_000L);
        if (years == 0 && months == 0 && interval.Days == 0 && hours == 0 && minutes == 0 && seconds == 0 && micros == 0)
        {
            return "PT0S";
        }

        var text = new StringBuilder("P");
        Part(text, years, 'Y');
        Part(text, months, 'M');
        Part(text, interval.Days, 'D');
        if (hours != 0 || minutes != 0 || seconds != 0 || micros != 0)
        {
            text.Append('T');
        }

        Part(text, hours, 'H');
        Part(text, minutes, 'M');
        if (seconds != 0 || micros != 0)
        {
            if (seconds < 0 || micros < 0)
            {
                text.Append('-');
            }

            text.Append(Math.Abs(seconds).ToString(CultureInfo.InvariantCulture));
            if (micros != 0)
            {
                text.Append('.').Append(Math.Abs(micros).ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0'));
            }

            text.Append('S');
        }

        return text.ToString();
    }

    private static void Part(StringBuilder text, long value, char unit)
    {
        if (value != 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}

/// <summary>How <see cref="PostgresValues.Read"/> reads a column.</summary>
internal enum ColumnReading
{
    /// <summary>The driver's default .NET type.</summary>
    Default,

    /// <summary>json and jsonb, as their text.</summary>
    Json,

    /// <summary>interval, as ISO 8601 text.</summary>
    Interval,

    /// <summary>timestamp and timestamptz, with infinities kept.</summary>
    Timestamp,

    /// <summary>date, with infinities kept.</summary>
    Date,
}
