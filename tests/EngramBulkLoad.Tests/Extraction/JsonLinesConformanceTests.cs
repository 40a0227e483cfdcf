using System.Text.Json.Nodes;
using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.Conformance;
using EngramBulkLoad.Sources.Files;

namespace EngramBulkLoad.Tests.Extraction;

/// <summary>The conformance suite over a JSONL file, one file per test. Files have no server, credentials or watermark.</summary>
public sealed class JsonLinesConformanceTests : SourceConformanceTests
{
    protected override IRecordSourceFactory Factory { get; } = new FileSourceFactory();

    protected override async Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        var path = Path.Combine(WorkFolder, $"items-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(path, items.Select(item => item.ToJson()), cancellationToken);
        return new ConformanceCollection("items", path);
    }

    protected override JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, mapping);

    protected override JsonNode WhereCategoryIs(string category) => new JsonObject { [ConformanceFields.Category] = category };

    protected override JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping) => null;

    protected override JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping) => null;

    protected override (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping)
    {
        var path = Path.Combine(WorkFolder, "absent.jsonl");
        return (Section(path, mapping), $"the file '{path}' does not exist");
    }

    private static JsonObject Section(string path, JsonObject mapping)
    {
        var section = mapping.DeepClone().AsObject();
        section["kind"] = "jsonl";
        section["path"] = path;
        section["collection"] = "items";
        section["key"] = ConformanceFields.Id;
        return section;
    }
}
