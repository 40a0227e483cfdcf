using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using CsvHelper.Configuration;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Files;

/// <summary>
/// Reads a CSV file with a header row. A row with the wrong number of fields or broken quoting is a
/// row with a problem naming its line; empty fields are NULL (a CSV cannot tell the two apart).
/// </summary>
internal static class CsvRows
{
    public static async IAsyncEnumerable<FileRow> ReadAsync(string path, string delimiter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? badData = null;
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = delimiter,
            HasHeaderRecord = true,
            BadDataFound = args => badData ??= $"has broken quoting near \"{Truncate(args.Field)}\"",
            MissingFieldFound = null,
            DetectColumnCountChanges = false,
        };
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { BufferSize = 1 << 16, Options = FileOptions.SequentialScan });
        using var csv = new CsvParser(reader, configuration);
        if (!await csv.ReadAsync())
        {
            yield break;
        }

        var header = csv.Record ?? [];
        var names = header.Select(h => h.Trim()).ToArray();
        var index = FieldRow.IndexOf(names);
        long position = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            badData = null;
            if (!await csv.ReadAsync())
            {
                break;
            }

            var record = csv.Record ?? [];
            if (record.Length == 1 && record[0].Length == 0)
            {
                continue; // a blank line
            }

            position++;
            var location = $"line {csv.RawRow}";
            if (badData is not null)
            {
                yield return new FileRow(position, location, null, $"{badData}. Quote fields that hold the delimiter, quotes or line breaks, and double inner quotes.");
            }
            else if (record.Length != names.Length)
            {
                yield return new FileRow(position, location, null, $"has {record.Length} fields, expected {names.Length} as in the header ({string.Join(", ", names)}).");
            }
            else
            {
                var values = new object?[record.Length];
                for (var i = 0; i < record.Length; i++)
                {
                    values[i] = record[i].Length == 0 ? null : record[i];
                }

                yield return new FileRow(position, location, new FieldRow(names, index, values), null);
            }
        }
    }

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
