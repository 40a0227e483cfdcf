using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using CsvHelper.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Files;

/// <summary>
/// Reads a CSV file with a header row. A row with the wrong number of fields or broken quoting is a
/// row with a problem naming its line; empty fields are NULL (a CSV cannot tell the two apart).
/// </summary>
internal static class CsvRows
{
    public static async IAsyncEnumerable<FileRow> ReadAsync(string source, string path, string delimiter, [EnumeratorCancellation] CancellationToken cancellationToken)
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
        var checking = Utf8CheckingStream.Open(path);
        using var reader = new StreamReader(checking, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        using var csv = new CsvParser(reader, configuration);
        if (!await csv.ReadAsync())
        {
            yield break;
        }

        var header = csv.Record ?? [];
        // A record spans the lines after the previous record up to the parser's raw row (quoted fields may hold line breaks).
        var lastLine = csv.RawRow;
        if (checking.InvalidLineIn(1, lastLine) is { } headerLine)
        {
            // Column names are the mapping's vocabulary: one that cannot be read stops the file, it is not a row to reject.
            throw ErrorFactory.Source(source, path, $"the header row {Utf8CheckingStream.Problem(headerLine)}");
        }

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
            var firstLine = lastLine + 1;
            lastLine = csv.RawRow;
            var invalid = checking.InvalidLineIn(firstLine, lastLine);
            if (record.Length == 1 && record[0].Length == 0 && invalid is null)
            {
                continue; // a blank line
            }

            position++;
            var location = $"line {csv.RawRow}";
            if (invalid is { } line)
            {
                yield return new FileRow(position, location, null, Utf8CheckingStream.Problem(line));
            }
            else if (badData is not null)
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
