using System.Runtime.CompilerServices;
using System.Text.Json;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Files;

/// <summary>
/// Reads a JSON Lines file as rows. Blank lines are not rows. A line that is not a JSON object is a
/// row with a problem (it becomes a reject naming the line), never a crash; so is a line with bytes that
/// are not UTF-8 (<see cref="Utf8CheckingStream"/>). The rows' JsonElements
/// live only until the next row is read, which is how memory stays flat on any file size.
/// </summary>
internal static class JsonLinesRows
{
    public static async IAsyncEnumerable<FileRow> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var checking = Utf8CheckingStream.Open(path);
        using var reader = new StreamReader(checking, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        long lineNumber = 0;
        long position = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            position++;
            var location = $"line {lineNumber}";
            if (checking.InvalidLineIn(lineNumber, lineNumber) is { } invalid)
            {
                yield return new FileRow(position, location, null, Utf8CheckingStream.Problem(invalid));
                continue;
            }

            var document = TryParse(line, out var problem);
            if (document is null)
            {
                yield return new FileRow(position, location, null, $"is not valid JSON ({problem}). Each line must be one JSON object.");
                continue;
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    yield return new FileRow(position, location, null, $"holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, expected a JSON object ({{\"id\": ..., ...}}).");
                    continue;
                }

                var names = new List<string>();
                var values = new List<object?>();
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    names.Add(property.Name);
                    values.Add(property.Value);
                }

                yield return new FileRow(position, location, new FieldRow(names, FieldRow.IndexOf(names), [.. values]), null);
            }
        }
    }

    private static JsonDocument? TryParse(string line, out string? problem)
    {
        try
        {
            problem = null;
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            problem = ex.Message;
            return null;
        }
    }
}
