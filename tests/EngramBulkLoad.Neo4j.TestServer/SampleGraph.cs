namespace EngramBulkLoad.Neo4j.TestServer;

/// <summary>
/// A generated graph of articles and authors for benchmarks: Article nodes (key "id", text "title" and "body",
/// "updated" as a datetime) and Person nodes, with CITES relationships between articles (weight in [0, 1]) and
/// WROTE relationships from a person to an article. Deterministic for a given size.
/// </summary>
public static class SampleGraph
{
    public static Graph Create(int nodes, int relationships)
    {
        var graph = new Graph(new Guid("6f1c5a52-8a5e-4c1e-9d1e-0c7b2d5e9a11"));
        var random = new Random(17);
        var people = Math.Max(1, nodes / 10);
        var articles = new List<GraphNode>(nodes - people);
        var authors = new List<GraphNode>(people);
        for (var i = 0; i < people; i++)
        {
            authors.Add(graph.AddNode("Person", new Dictionary<string, object?> { ["id"] = (long)i, ["name"] = $"Author {i}", ["bio"] = $"Writes about topic {i % 97} and topic {i % 89}." }));
        }

        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < nodes - people; i++)
        {
            articles.Add(graph.AddNode("Article", new Dictionary<string, object?>
            {
                ["id"] = (long)i,
                ["title"] = $"Article {i} on topic {i % 113}",
                ["body"] = $"Body of article {i}: a paragraph about subject {i % 211}, citing work {random.Next(nodes)} and method {random.Next(1000)}.",
                ["updated"] = start.AddMinutes(i),
                ["tags"] = new[] { $"t{i % 7}", $"t{i % 11}" },
            }));
        }

        for (var i = 0; i < relationships; i++)
        {
            if (i % 4 == 3)
            {
                graph.AddRelationship(authors[random.Next(authors.Count)], "WROTE", articles[random.Next(articles.Count)]);
            }
            else
            {
                graph.AddRelationship(articles[random.Next(articles.Count)], "CITES", articles[random.Next(articles.Count)],
                    new Dictionary<string, object?> { ["weight"] = Math.Round(random.NextDouble(), 3), ["since"] = (long)(2000 + random.Next(25)) });
            }
        }

        return graph;
    }
}
