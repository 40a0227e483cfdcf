using System.Collections.Concurrent;
using MongoDB.Bson;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// The server's data: databases of collections of documents, kept in insertion order (a real server
/// returns documents in _id order only when asked to sort, which is what the source does).
/// </summary>
public sealed class MongoTestStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, List<BsonDocument>>> _databases = new(StringComparer.Ordinal);

    /// <summary>Inserts documents; a document without _id gets an ObjectId, as the server does on insert. Unlike a server, duplicate _ids are not checked: tests insert unique ones.</summary>
    public void Insert(string database, string collection, IEnumerable<BsonDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var list = _databases.GetOrAdd(database, _ => new(StringComparer.Ordinal)).GetOrAdd(collection, _ => []);
        lock (list)
        {
            foreach (var document in documents)
            {
                if (!document.Contains("_id"))
                {
                    document.InsertAt(0, new BsonElement("_id", ObjectId.GenerateNewId()));
                }

                var id = document["_id"];
                if (id.BsonType is BsonType.Array or BsonType.RegularExpression or BsonType.Undefined)
                {
                    // https://www.mongodb.com/docs/manual/core/document/#the-_id-field
                    throw new ArgumentException($"The _id field may not be of type {id.BsonType}.", nameof(documents));
                }

                list.Add(document);
            }
        }
    }

    /// <summary>Inserts one document as the insert command does: false, and nothing stored, when its _id is taken.</summary>
    public bool TryInsert(string database, string collection, BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var list = _databases.GetOrAdd(database, _ => new(StringComparer.Ordinal)).GetOrAdd(collection, _ => []);
        lock (list)
        {
            if (document.TryGetValue("_id", out var id) && list.Exists(d => BsonOrder.Equal(d["_id"], id)))
            {
                return false;
            }
        }

        Insert(database, collection, [document]);
        return true;
    }

    /// <summary>Replaces documents by _id, inserting those that are new (an upsert of whole documents).</summary>
    public void Replace(string database, string collection, IEnumerable<BsonDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var list = _databases.GetOrAdd(database, _ => new(StringComparer.Ordinal)).GetOrAdd(collection, _ => []);
        lock (list)
        {
            foreach (var document in documents)
            {
                var at = list.FindIndex(d => BsonOrder.Equal(d["_id"], document["_id"]));
                if (at < 0)
                {
                    list.Add(document);
                }
                else
                {
                    list[at] = document;
                }
            }
        }
    }

    /// <summary>Creates an empty collection (listCollections shows it).</summary>
    public void CreateCollection(string database, string collection) => _databases.GetOrAdd(database, _ => new(StringComparer.Ordinal)).GetOrAdd(collection, _ => []);

    /// <summary>The collection's documents now (a copy of the list), or null when it does not exist.</summary>
    public IReadOnlyList<BsonDocument>? Documents(string database, string collection)
    {
        if (_databases.TryGetValue(database, out var collections) && collections.TryGetValue(collection, out var list))
        {
            lock (list)
            {
                return [.. list];
            }
        }

        return null;
    }

    /// <summary>The document count without scanning, like a collection's metadata count.</summary>
    public long Count(string database, string collection)
        => _databases.TryGetValue(database, out var collections) && collections.TryGetValue(collection, out var list) ? list.Count : 0;

    /// <summary>The collections of a database, by name.</summary>
    public IReadOnlyList<string> Collections(string database)
        => _databases.TryGetValue(database, out var collections) ? [.. collections.Keys.Order(StringComparer.Ordinal)] : [];
}
