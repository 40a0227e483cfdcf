using MongoDB.Bson;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// Answers one command as mongod does. Reply shapes are those of the command reference
/// (https://www.mongodb.com/docs/manual/reference/command/): hello, buildInfo, ping, saslStart,
/// saslContinue, find, getMore, killCursors, count, aggregate ($collStats count; $match then $group
/// counting), listCollections, endSessions, insert. Anything else is CommandNotFound (59).
/// </summary>
internal sealed class CommandHandler(MongoTestServer server, ConnectionState connection)
{
    // find's default first batch is 101 documents; every batch also stops at 16 MiB
    // (https://www.mongodb.com/docs/manual/reference/command/find/#std-label-find-cmd-batchSize and getMore's page).
    private const int DefaultFirstBatch = 101;

    // Commands a client may run before authenticating (the handshake, auth itself, liveness).
    private static readonly HashSet<string> Unauthenticated = new(StringComparer.OrdinalIgnoreCase)
    {
        "hello", "isMaster", "buildInfo", "ping", "saslStart", "saslContinue", "endSessions",
    };

    public BsonDocument Run(string name, BsonDocument command)
    {
        if (server.RequiresAuth && connection.User is null && !Unauthenticated.Contains(name))
        {
            throw new MongoServerException(13, "Unauthorized", $"Command {name} requires authentication");
        }

        var db = command.GetValue("$db", "admin").AsString;
        return name switch
        {
            "hello" or "isMaster" or "ismaster" => Hello(command, legacy: name != "hello"),
            "buildInfo" or "buildinfo" => Ok(new BsonDocument { { "version", "7.0.0" }, { "versionArray", new BsonArray { 7, 0, 0, 0 } }, { "maxBsonObjectSize", MongoTestServer.MaxBsonObjectSize } }),
            "ping" or "endSessions" => Ok([]),
            "saslStart" => SaslStart(command),
            "saslContinue" => SaslContinue(command),
            "find" => Find(db, command),
            "insert" => Insert(db, command),
            "getMore" => GetMore(command),
            "killCursors" => KillCursors(command),
            "count" => Count(db, command),
            "aggregate" => Aggregate(db, command),
            "listCollections" => ListCollections(db, command),
            _ => throw new MongoServerException(59, "CommandNotFound", $"no such command: '{name}'"),
        };
    }

    private static BsonDocument Ok(BsonDocument reply)
    {
        reply["ok"] = 1.0;
        return reply;
    }

    // https://www.mongodb.com/docs/manual/reference/command/hello/ ("Output"): a standalone answers without
    // setName or hosts. topologyVersion is left out, so drivers poll instead of streaming (awaitable) hello.
    private BsonDocument Hello(BsonDocument command, bool legacy)
    {
        var reply = new BsonDocument();
        if (command.GetValue("helloOk", false).ToBoolean())
        {
            reply["helloOk"] = true;
        }

        reply[legacy ? "ismaster" : "isWritablePrimary"] = true;
        reply["maxBsonObjectSize"] = MongoTestServer.MaxBsonObjectSize;
        reply["maxMessageSizeBytes"] = 48_000_000;
        reply["maxWriteBatchSize"] = 100_000;
        reply["localTime"] = new BsonDateTime(DateTime.UtcNow);
        reply["logicalSessionTimeoutMinutes"] = 30;
        reply["connectionId"] = connection.Id;
        reply["minWireVersion"] = 0;
        reply["maxWireVersion"] = 21; // MongoDB 7.0
        reply["readOnly"] = false;
        if (command.TryGetValue("saslSupportedMechs", out var user) && user.IsString)
        {
            // "<db>.<user>": the mechanisms the user's credentials support; an unknown user gets no field.
            var name = user.AsString[(user.AsString.IndexOf('.', StringComparison.Ordinal) + 1)..];
            if (server.FindUser(name) is not null)
            {
                reply["saslSupportedMechs"] = new BsonArray { "SCRAM-SHA-256" };
            }
        }

        return Ok(reply);
    }

    private BsonDocument SaslStart(BsonDocument command)
    {
        var mechanism = command.GetValue("mechanism", BsonNull.Value);
        if (mechanism != "SCRAM-SHA-256")
        {
            // The server knows SCRAM-SHA-1 too, but this test server's users have SCRAM-SHA-256 credentials only.
            throw new MongoServerException(334, "MechanismUnavailable", $"Received authentication for mechanism {mechanism} which is not enabled");
        }

        connection.Conversation = new ScramSha256Server(server.FindUser);
        var payload = connection.Conversation.Start(command["payload"].AsByteArray);
        return Ok(new BsonDocument { { "conversationId", 1 }, { "done", false }, { "payload", new BsonBinaryData(payload) } });
    }

    private BsonDocument SaslContinue(BsonDocument command)
    {
        var conversation = connection.Conversation ?? throw new MongoServerException(17, "ProtocolError", "No SASL session state found");
        connection.Conversation = null;
        var payload = conversation.Continue(command["payload"].AsByteArray);
        connection.User = conversation.AuthenticatedUser;
        // With skipEmptyExchange (sent by drivers since MongoDB 4.4) the conversation ends with the server's signature.
        return Ok(new BsonDocument { { "conversationId", 1 }, { "done", true }, { "payload", new BsonBinaryData(payload) } });
    }

    private BsonDocument Find(string db, BsonDocument command)
    {
        var collection = command["find"].AsString;
        var filter = command.GetValue("filter", new BsonDocument()).AsBsonDocument;
        server.LastFind = filter;
        IEnumerable<BsonDocument> documents = (server.Store.Documents(db, collection) ?? []).Where(d => QueryMatcher.Matches(d, filter));
        if (command.TryGetValue("sort", out var sort) && sort.AsBsonDocument.ElementCount > 0)
        {
            documents = Sort(documents, sort.AsBsonDocument);
        }

        if (command.TryGetValue("skip", out var skip))
        {
            documents = documents.Skip(skip.ToInt32());
        }

        if (command.TryGetValue("limit", out var limit) && limit.ToInt64() != 0)
        {
            documents = documents.Take((int)Math.Abs(limit.ToInt64()));
        }

        if (command.TryGetValue("projection", out var projection) && projection.AsBsonDocument.ElementCount > 0)
        {
            documents = documents.Select(d => Project(d, projection.AsBsonDocument));
        }

        var batchSize = command.TryGetValue("batchSize", out var size) ? size.ToInt32() : DefaultFirstBatch;
        var cursor = new ServerCursor($"{db}.{collection}", documents.ToList());
        return CursorReply(cursor, batchSize, "firstBatch", command.GetValue("singleBatch", false).ToBoolean(), newCursor: true);
    }

    private BsonDocument GetMore(BsonDocument command)
    {
        var id = command["getMore"].ToInt64();
        var cursor = server.TakeCursor(id) ?? throw new MongoServerException(43, "CursorNotFound", $"cursor id {id} not found");
        var batchSize = command.TryGetValue("batchSize", out var size) ? size.ToInt32() : int.MaxValue;
        return CursorReply(cursor, batchSize, "nextBatch", singleBatch: false, newCursor: false, id);
    }

    private BsonDocument CursorReply(ServerCursor cursor, int batchSize, string field, bool singleBatch, bool newCursor, long id = 0)
    {
        var batch = new BsonArray();
        long bytes = 0;
        while (cursor.Position < cursor.Documents.Count && batch.Count < (batchSize <= 0 ? int.MaxValue : batchSize))
        {
            var next = cursor.Documents[cursor.Position];
            var length = next.ToBson().Length;
            if (batch.Count > 0 && bytes + length > MongoTestServer.MaxBsonObjectSize)
            {
                break;
            }

            batch.Add(next);
            bytes += length;
            cursor.Position++;
        }

        var exhausted = cursor.Position >= cursor.Documents.Count || singleBatch;
        if (exhausted)
        {
            if (!newCursor)
            {
                server.CloseCursor(id);
            }

            id = 0;
        }
        else if (newCursor)
        {
            id = server.OpenCursor(cursor);
        }

        return Ok(new BsonDocument { { "cursor", new BsonDocument { { field, batch }, { "id", id }, { "ns", cursor.Namespace } } } });
    }

    private BsonDocument KillCursors(BsonDocument command)
    {
        var killed = new BsonArray();
        var notFound = new BsonArray();
        foreach (var id in command["cursors"].AsBsonArray.Select(c => c.ToInt64()))
        {
            (server.KillCursor(id) ? killed : notFound).Add(id);
        }

        return Ok(new BsonDocument { { "cursorsKilled", killed }, { "cursorsNotFound", notFound }, { "cursorsAlive", new BsonArray() }, { "cursorsUnknown", new BsonArray() } });
    }

    // count without a query reads the collection's metadata count, as estimatedDocumentCount relies on.
    // https://www.mongodb.com/docs/manual/reference/command/insert/: documents come in the command or, from drivers,
    // in an OP_MSG "documents" sequence (merged into the command by WireMessage). The reply's n counts the inserted
    // ones; a repeated _id is a write error (code 11000, DuplicateKey) with the document's index, after which an
    // ordered insert (the default) stops and an unordered one goes on. A document without _id gets an ObjectId.
    private BsonDocument Insert(string db, BsonDocument command)
    {
        var collection = command["insert"].AsString;
        var ordered = command.GetValue("ordered", true).ToBoolean();
        var documents = command.GetValue("documents", new BsonArray()).AsBsonArray;
        var errors = new BsonArray();
        var inserted = 0;
        for (var index = 0; index < documents.Count; index++)
        {
            var document = documents[index].AsBsonDocument;
            if (server.Store.TryInsert(db, collection, document))
            {
                inserted++;
                continue;
            }

            errors.Add(new BsonDocument
            {
                { "index", index }, { "code", 11000 },
                { "errmsg", $"E11000 duplicate key error collection: {db}.{collection} index: _id_ dup key: {{ _id: {document["_id"].ToJson()} }}" },
            });
            if (ordered)
            {
                break;
            }
        }

        var reply = new BsonDocument { { "n", inserted } };
        if (errors.Count > 0)
        {
            reply["writeErrors"] = errors;
        }

        return Ok(reply);
    }

    private BsonDocument Count(string db, BsonDocument command)
    {
        var collection = command["count"].AsString;
        long n = command.TryGetValue("query", out var query) && query.AsBsonDocument.ElementCount > 0
            ? (server.Store.Documents(db, collection) ?? []).LongCount(d => QueryMatcher.Matches(d, query.AsBsonDocument))
            : server.Store.Count(db, collection);
        return Ok(new BsonDocument { { "n", n <= int.MaxValue ? (BsonValue)(int)n : n } });
    }

    private BsonDocument Aggregate(string db, BsonDocument command)
    {
        var collection = command["aggregate"].AsString;
        var pipeline = command["pipeline"].AsBsonArray.Select(s => s.AsBsonDocument).ToList();
        var results = new List<BsonDocument>();
        if (pipeline.Count == 1 && pipeline[0].GetElement(0).Name == "$collStats")
        {
            // https://www.mongodb.com/docs/manual/reference/operator/aggregation/collStats/: { count: {} } adds "count".
            var stats = new BsonDocument { { "ns", $"{db}.{collection}" }, { "host", $"127.0.0.1:{server.Port}" }, { "localTime", DateTime.UtcNow } };
            if (pipeline[0][0].AsBsonDocument.Contains("count"))
            {
                stats["count"] = server.Store.Count(db, collection);
            }

            results.Add(stats);
        }
        else
        {
            IEnumerable<BsonDocument> documents = server.Store.Documents(db, collection) ?? [];
            foreach (var stage in pipeline)
            {
                var op = stage.GetElement(0);
                documents = op.Name switch
                {
                    "$match" => documents.Where(d => QueryMatcher.Matches(d, op.Value.AsBsonDocument)).ToList(),
                    "$skip" => documents.Skip(op.Value.ToInt32()).ToList(),
                    "$limit" => documents.Take(op.Value.ToInt32()).ToList(),
                    "$group" => Group(documents, op.Value.AsBsonDocument),
                    _ => throw new MongoServerException(40324, "Location40324", $"Unrecognized pipeline stage name: '{op.Name}'"),
                };
            }

            results.AddRange(documents);
        }

        var batchSize = command.GetValue("cursor", new BsonDocument()).AsBsonDocument.GetValue("batchSize", DefaultFirstBatch).ToInt32();
        return CursorReply(new ServerCursor($"{db}.{collection}", results), batchSize, "firstBatch", singleBatch: false, newCursor: true);
    }

    // The grouping countDocuments sends: { _id: <constant>, n: { $sum: 1 } }; other accumulators are refused.
    private static List<BsonDocument> Group(IEnumerable<BsonDocument> documents, BsonDocument spec)
    {
        var list = documents.ToList();
        var result = new BsonDocument("_id", spec["_id"]);
        foreach (var field in spec.Where(e => e.Name != "_id"))
        {
            if (field.Value is not BsonDocument { ElementCount: 1 } accumulator || accumulator.GetElement(0).Name != "$sum" || !accumulator[0].IsNumeric)
            {
                throw new MongoServerException(15952, "Location15952", $"unsupported accumulator for field '{field.Name}' in this test server");
            }

            result[field.Name] = list.Count * accumulator[0].ToInt32();
        }

        return list.Count == 0 ? [] : [result];
    }

    private BsonDocument ListCollections(string db, BsonDocument command)
    {
        var filter = command.GetValue("filter", new BsonDocument()).AsBsonDocument;
        var nameOnly = command.GetValue("nameOnly", false).ToBoolean();
        var infos = server.Store.Collections(db)
            .Select(name => nameOnly
                ? new BsonDocument { { "name", name }, { "type", "collection" } }
                : new BsonDocument
                {
                    { "name", name }, { "type", "collection" }, { "options", new BsonDocument() },
                    { "info", new BsonDocument { { "readOnly", false } } },
                    { "idIndex", new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } } },
                })
            .Where(info => QueryMatcher.Matches(info, filter))
            .ToList();
        return CursorReply(new ServerCursor($"{db}.$cmd.listCollections", infos), int.MaxValue, "firstBatch", singleBatch: true, newCursor: true);
    }

    // Missing fields sort as null; an array sorts by its smallest element ascending, its largest descending
    // (bson-type-comparison-order, "Arrays" and "Non-existent Fields").
    private static IEnumerable<BsonDocument> Sort(IEnumerable<BsonDocument> documents, BsonDocument spec)
    {
        var keys = spec.Select(e => (Path: e.Name.Split('.'), Descending: e.Value.ToInt32() < 0)).ToList();
        return documents.OrderBy(d => d, Comparer<BsonDocument>.Create((a, b) =>
        {
            foreach (var (path, descending) in keys)
            {
                var c = BsonOrder.Compare(SortValue(a, path, descending), SortValue(b, path, descending));
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            return 0;
        }));
    }

    private static BsonValue SortValue(BsonDocument document, string[] path, bool descending)
    {
        BsonValue current = document;
        foreach (var part in path)
        {
            if (current is BsonDocument d && d.TryGetValue(part, out var next))
            {
                current = next;
            }
            else
            {
                return BsonNull.Value;
            }
        }

        if (current is BsonArray { Count: > 0 } array)
        {
            return descending ? array.Max(Comparer<BsonValue>.Create(BsonOrder.Compare))! : array.Min(Comparer<BsonValue>.Create(BsonOrder.Compare))!;
        }

        return current;
    }

    // https://www.mongodb.com/docs/manual/reference/method/db.collection.find/#projection: inclusion or
    // exclusion (not both, except _id), dotted paths into embedded documents, _id included unless excluded.
    private static BsonDocument Project(BsonDocument document, BsonDocument projection)
    {
        var fields = projection.Where(e => e.Name != "_id").ToList();
        var inclusion = fields.Count > 0 && fields.All(e => e.Value.ToBoolean());
        if (fields.Count > 0 && fields.Any(e => e.Value.ToBoolean() != inclusion))
        {
            throw new MongoServerException(31254, "Location31254", "Cannot do exclusion on a field in an inclusion projection");
        }

        var keepId = projection.GetValue("_id", true).ToBoolean();
        BsonDocument result;
        if (inclusion)
        {
            result = [];
            if (keepId && document.TryGetValue("_id", out var id))
            {
                result["_id"] = id;
            }

            foreach (var field in fields)
            {
                CopyPath(document, result, field.Name.Split('.'));
            }
        }
        else
        {
            result = document.DeepClone().AsBsonDocument;
            foreach (var field in fields)
            {
                RemovePath(result, field.Name.Split('.'));
            }

            if (!keepId)
            {
                result.Remove("_id");
            }
        }

        return result;
    }

    private static void CopyPath(BsonDocument from, BsonDocument to, string[] path)
    {
        if (!from.TryGetValue(path[0], out var value))
        {
            return;
        }

        if (path.Length == 1)
        {
            to[path[0]] = value;
        }
        else if (value is BsonDocument inner)
        {
            var target = to.TryGetValue(path[0], out var existing) && existing is BsonDocument d ? d : [];
            CopyPath(inner, target, path[1..]);
            to[path[0]] = target;
        }
    }

    private static void RemovePath(BsonDocument document, string[] path)
    {
        if (path.Length == 1)
        {
            document.Remove(path[0]);
        }
        else if (document.TryGetValue(path[0], out var inner) && inner is BsonDocument d)
        {
            RemovePath(d, path[1..]);
        }
    }
}
