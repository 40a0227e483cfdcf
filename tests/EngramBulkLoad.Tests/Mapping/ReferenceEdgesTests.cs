using System.Text.Json;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Tests.Mapping;

/// <summary>References that hold arrays (of keys, or of objects with their own type and weight) and weights read from the row.</summary>
public sealed class ReferenceEdgesTests
{
    private static readonly string[] Names = ["id", "title", "links", "links_weight"];

    private static readonly SourcePosition Position = SourcePosition.Of("c", "key a1");

    private static RecordMapper Mapper(ReferenceMapping reference) => new("elasticsearch", "kb", "articles", new MappingOptions
    {
        Key = ["id"],
        Text = ["title"],
        References = [reference],
    });

    private static FieldRow Row(object? links, object? weight = null) => new(Names, FieldRow.IndexOf(Names), ["a1", "Title", links, weight]);

    private static object Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Id(string key) => MemoryIdentity.ForRecord("elasticsearch", "kb", "articles", key);

    [Fact]
    public void Map_ArrayOfKeys_OneEdgePerKeyOnceEach()
    {
        var reference = new ReferenceMapping { Fields = ["links"], Collection = "articles", Relation = "references", Weight = 0.6 };
        var row = Row(new[] { (JsonElement)Json("\"a2\""), (JsonElement)Json("\"a3\""), (JsonElement)Json("\"a2\""), (JsonElement)Json("null") });

        var item = Mapper(reference).Map(row, Position);

        Assert.NotNull(item.Record);
        Assert.Equal([Id("a2"), Id("a3")], item.Edges.Select(e => e.ToMemoryId));
        Assert.All(item.Edges, e => Assert.Equal(("references", 0.6), (e.Relation, e.Weight!.Value)));
    }

    [Fact]
    public void Map_ArrayColumnOfKeys_OneEdgePerElement()
    {
        var reference = new ReferenceMapping { Fields = ["links"], Collection = "articles", Relation = "references" };

        var item = Mapper(reference).Map(Row(new[] { "a2", "a3" }), Position);

        Assert.Equal([Id("a2"), Id("a3")], item.Edges.Select(e => e.ToMemoryId));
    }

    [Fact]
    public void Map_ArrayOfObjects_EachEdgeHasItsOwnTypeAndWeight()
    {
        var reference = new ReferenceMapping
        {
            Fields = ["links"], Collection = "articles", Relation = "related_to", Weight = 0.5,
            Element = new ReferenceElement { Id = "to", Relation = "type", Weight = "weight" },
        };
        var links = Json("""[{"to":"a2","type":"supersedes","weight":0.9},{"to":"a3","weight":"0.25"},{"to":"a4","type":"","weight":null}]""");

        var item = Mapper(reference).Map(Row(links), Position);

        Assert.Equal(
            [(Id("a2"), "supersedes", 0.9), (Id("a3"), "related_to", 0.25), (Id("a4"), "related_to", 0.5)],
            item.Edges.Select(e => (e.ToMemoryId, e.Relation, e.Weight!.Value)));
        Assert.Equal(MemoryIdentity.ForEdge(Id("a1"), Id("a2"), "supersedes"), item.Edges[0].EdgeId);
    }

    [Fact]
    public void Map_ArrayOfObjectsWithoutElement_RejectsNamingTheSetting()
    {
        var reference = new ReferenceMapping { Fields = ["links"], Collection = "articles", Relation = "references" };

        var item = Mapper(reference).Map(Row(Json("""[{"to":"a2"}]""")), Position);

        var reject = Assert.IsType<RejectRecord>(item.Reject);
        Assert.Equal(RejectCodes.Malformed, reject.Code);
        Assert.Contains("\"element\"", reject.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"to":"a2","weight":"strong"}]""", "has weight strong")]
    [InlineData("""[{"weight":0.5}]""", "has no key in 'to'")]
    public void Map_BrokenObject_RejectsTheRecordWithTheReason(string links, string reason)
    {
        var reference = new ReferenceMapping
        {
            Fields = ["links"], Collection = "articles", Relation = "references",
            Element = new ReferenceElement { Id = "to", Weight = "weight" },
        };

        var item = Mapper(reference).Map(Row(Json(links)), Position);

        Assert.Null(item.Record);
        Assert.Contains(reason, Assert.IsType<RejectRecord>(item.Reject).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_WeightField_GivesTheRowsWeightAndFallsBackWhenNull()
    {
        var reference = new ReferenceMapping { Fields = ["links"], Collection = "articles", Relation = "depends_on", Weight = 0.5, WeightField = "links_weight" };

        var own = Mapper(reference).Map(Row("a2", 0.31), Position);
        var fallback = Mapper(reference).Map(Row("a2", null), Position);
        var bad = Mapper(reference).Map(Row("a2", "heavy"), Position);

        Assert.Equal(0.31, Assert.Single(own.Edges).Weight);
        Assert.Equal(0.5, Assert.Single(fallback.Edges).Weight);
        Assert.Contains("weight field 'links_weight' holds 'heavy'", Assert.IsType<RejectRecord>(bad.Reject).Message, StringComparison.Ordinal);
    }
}
