using System.Text;
using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// The writes that seed an index, as the REST API reference describes them: "Create index" (PUT /{index} with
/// mappings.properties) and "Bulk" (POST /_bulk, /{index}/_bulk: NDJSON action and source lines). Documents are
/// visible to searches at once, which is what ?refresh=true asks a real cluster for.
/// </summary>
internal sealed partial class EsRequestHandler
{
    /// <summary>PUT /{index}: 200 {acknowledged, shards_acknowledged, index}; an existing index is resource_already_exists_exception (400).</summary>
    private Action<Utf8JsonWriter> CreateIndex(string name, JsonDocument? body)
    {
        if (name != name.ToLowerInvariant())
        {
            throw new EsError(400, "invalid_index_name_exception", $"Invalid index name [{name}], must be lowercase",
                new Dictionary<string, object?> { ["index_uuid"] = "_na_", ["index"] = name });
        }

        if (store.Find(name) is { } existing)
        {
            throw new EsError(400, "resource_already_exists_exception", $"index [{name}/{existing.Uuid}] already exists",
                new Dictionary<string, object?> { ["index_uuid"] = existing.Uuid, ["index"] = name });
        }

        var mappings = body?.RootElement.TryGetProperty("mappings", out var m) == true ? m : default;
        if (mappings.ValueKind == JsonValueKind.Object && mappings.TryGetProperty("dynamic", out var dynamic) && dynamic.ToString() != "true" && dynamic.ToString() != "True")
        {
            // Refused rather than ignored: this server maps unknown fields dynamically, as "dynamic": true does.
            throw EsError.IllegalArgument($"this test server only maps dynamically; \"dynamic\": {dynamic.GetRawText()} is not implemented");
        }

        var fields = new List<(string Path, FieldType Type)>();
        if (mappings.ValueKind == JsonValueKind.Object && mappings.TryGetProperty("properties", out var properties))
        {
            CollectFields(properties, null, fields);
        }

        var index = store.CreateIndex(name);
        foreach (var (path, type) in fields)
        {
            index.Map(path, type);
        }

        return w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("acknowledged", true);
            w.WriteBoolean("shards_acknowledged", true);
            w.WriteString("index", name);
            w.WriteEndObject();
        };
    }

    /// <summary>Leaf fields of mappings.properties; an object field (one with "properties") adds its fields under its name.</summary>
    private static void CollectFields(JsonElement properties, string? prefix, List<(string Path, FieldType Type)> fields)
    {
        foreach (var property in properties.EnumerateObject())
        {
            var path = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            if (property.Value.TryGetProperty("properties", out var nested))
            {
                CollectFields(nested, path, fields);
                continue;
            }

            var typeName = property.Value.TryGetProperty("type", out var t) ? t.GetString() : "object";
            FieldType type = typeName switch
            {
                "text" => FieldType.Text,
                "keyword" => FieldType.Keyword,
                "long" or "integer" or "short" or "byte" => FieldType.Long,
                "double" or "float" or "half_float" or "scaled_float" => FieldType.Float,
                "date" => FieldType.Date,
                "boolean" => FieldType.Boolean,
                _ => throw new EsError(400, "mapper_parsing_exception", $"No handler for type [{typeName}] declared on field [{property.Name}]"),
            };
            fields.Add((path, type));
        }
    }

    /// <summary>
    /// POST /_bulk: an action line ({"index"|"create"|"delete": {"_index", "_id"}}) and, but for delete, a source line;
    /// the body ends with a newline. Each item answers on its own (201 created, 200 updated or deleted, 404 not_found,
    /// 409 version_conflict_engine_exception for create over an existing _id); "errors" says whether any failed.
    /// A missing index is created with dynamic mappings, as action.auto_create_index allows by default.
    /// </summary>
    private Action<Utf8JsonWriter> Bulk(string? defaultIndex, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw EsError.IllegalArgument("The bulk request must be terminated by a newline [\\n]");
        }

        var lines = text.Split('\n');
        var items = new List<BulkItem>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            using var action = JsonDocument.Parse(lines[i]);
            var operation = action.RootElement.EnumerateObject().Single();
            var meta = operation.Value;
            var indexName = meta.TryGetProperty("_index", out var named) ? named.GetString() : defaultIndex;
            if (indexName is null)
            {
                throw new EsError(400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
            }

            var id = meta.TryGetProperty("_id", out var givenId) ? givenId.GetString()! : Guid.NewGuid().ToString("N")[..20];
            switch (operation.Name)
            {
                case "index" or "create":
                    if (++i >= lines.Length || lines[i].Length == 0)
                    {
                        throw EsError.IllegalArgument($"Malformed action/metadata line [{i}]: the {operation.Name} action needs a source line after it");
                    }

                    var index = store.CreateIndex(indexName);
                    if (operation.Name == "create" && index.Contains(id))
                    {
                        items.Add(new BulkItem(operation.Name, indexName, id, 409, null, index.Version(id),
                            new EsError(409, "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [{index.Version(id)}])")));
                        break;
                    }

                    var existed = index.Contains(id);
                    index.Index(id, lines[i]);
                    items.Add(new BulkItem(operation.Name, indexName, id, existed ? 200 : 201, existed ? "updated" : "created", index.Version(id), null));
                    break;
                case "delete":
                    var target = store.Find(indexName);
                    var deleted = target?.Delete(id) == true;
                    items.Add(new BulkItem("delete", indexName, id, deleted ? 200 : 404, deleted ? "deleted" : "not_found", Math.Max(1, target?.Version(id) ?? 1), null));
                    break;
                default:
                    throw EsError.IllegalArgument($"Malformed action/metadata line [{i + 1}], expected one of [create, delete, index] (update is not implemented by this test server) but found [{operation.Name}]");
            }
        }

        return w =>
        {
            w.WriteStartObject();
            w.WriteNumber("took", 1);
            w.WriteBoolean("errors", items.Any(item => item.Error is not null));
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                item.Write(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        };
    }

    private sealed record BulkItem(string Action, string Index, string Id, int Status, string? Result, long Version, EsError? Error)
    {
        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteStartObject(Action);
            w.WriteString("_index", Index);
            w.WriteString("_id", Id);
            if (Error is null)
            {
                w.WriteNumber("_version", Version);
                w.WriteString("result", Result);
                w.WriteStartObject("_shards");
                w.WriteNumber("total", 1);
                w.WriteNumber("successful", 1);
                w.WriteNumber("failed", 0);
                w.WriteEndObject();
            }
            else
            {
                w.WriteStartObject("error");
                w.WriteString("type", Error.Type);
                w.WriteString("reason", Error.Message);
                w.WriteEndObject();
            }

            w.WriteNumber("status", Status);
            w.WriteEndObject();
            w.WriteEndObject();
        }
    }
}
