using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using MongoDB.Bson;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>
/// The edges a document implies: every DBRef anywhere in it (https://www.mongodb.com/docs/manual/reference/database-references/#dbrefs),
/// typed by the path where it sits ("author", "comments.by"), and each configured reference field, which holds an
/// _id, an array of _ids or DBRefs, typed by the configured relation. An edge to a document outside the
/// extracted set becomes a missing_endpoint reject at load.
/// </summary>
internal sealed class DocumentReferences(string kind, string source, string database, string collection, MongoCollectionOptions options)
{
    private readonly HashSet<string> _configured = new(options.References.Select(r => r.Fields[0]), StringComparer.Ordinal);

    public IReadOnlyList<StagedEdge> Of(BsonDocument document, string memoryId, string key)
    {
        var edges = new Dictionary<string, StagedEdge>(StringComparer.Ordinal);
        foreach (var reference in options.References)
        {
            var value = DocumentRow.Resolve(document, reference.Fields[0]);
            foreach (var id in value is BsonArray array ? array : value is null ? [] : [value])
            {
                var target = id is BsonDocument dbRef && DocumentRow.IsDbRef(dbRef) ? dbRef["$id"] : id;
                if (!target.IsBsonNull)
                {
                    Add(edges, memoryId, key, reference.Collection, target, reference.Relation, reference.Weight);
                }
            }
        }

        Walk(document, string.Empty, edges, memoryId, key);
        return edges.Count == 0 ? [] : [.. edges.Values];
    }

    private void Walk(BsonValue value, string path, Dictionary<string, StagedEdge> edges, string memoryId, string key)
    {
        if (value is BsonDocument document)
        {
            if (path.Length > 0 && DocumentRow.IsDbRef(document))
            {
                var target = document["$ref"].AsString;
                if (document.TryGetValue("$db", out var db) && db.IsString && db.AsString != database)
                {
                    target = $"{db.AsString}.{target}"; // another database: not extracted by this source, so a missing endpoint at load
                }

                Add(edges, memoryId, key, target, document["$id"], path, weight: null);
                return;
            }

            foreach (var element in document)
            {
                var child = path.Length == 0 ? element.Name : $"{path}.{element.Name}";
                if (!_configured.Contains(child))
                {
                    Walk(element.Value, child, edges, memoryId, key);
                }
            }
        }
        else if (value is BsonArray array)
        {
            // Array positions are not part of the relation: every element of "refs" is a "refs" edge.
            foreach (var item in array)
            {
                Walk(item, path, edges, memoryId, key);
            }
        }
    }

    private void Add(Dictionary<string, StagedEdge> edges, string memoryId, string key, string targetCollection, BsonValue targetId, string relation, double? weight)
    {
        var targetKey = BsonText.Key(targetId);
        var target = MemoryIdentity.ForRecord(kind, source, targetCollection, targetKey);
        var id = MemoryIdentity.ForEdge(memoryId, target, relation);
        edges.TryAdd(id, new StagedEdge(id, source, memoryId, target, relation, weight, $"{collection} _id {key}", $"{targetCollection} _id {targetKey}"));
    }
}
