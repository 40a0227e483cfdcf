using EngramBulkLoad.Embedding.TestModels;

namespace EngramBulkLoad.Benchmarks.Embedding;

/// <summary>
/// Texts with a realistic spread of lengths for records from a database: many short (titles, names,
/// short descriptions), fewer medium (paragraphs), a tail of long ones (documents) that exceed the
/// model's 384 tokens and get truncated.
/// </summary>
internal static class Corpus
{
    public static IReadOnlyList<string> Vocabulary(int size)
        => Enumerable.Range(0, size).Select(i => "w" + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static string[] Texts(int count, IReadOnlyList<string> words, int seed)
    {
        var random = new Random(seed);
        var all = ModelFolderWriter.Words.Concat(words).ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            var roll = random.NextDouble();
            var length = roll < 0.6 ? random.Next(4, 40) : roll < 0.9 ? random.Next(40, 160) : random.Next(160, 450);
            return string.Join(' ', Enumerable.Range(0, length).Select(_ => all[random.Next(all.Length)]));
        }).ToArray();
    }
}
