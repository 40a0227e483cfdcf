using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// Frames of the MongoDB wire protocol (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/):
/// a 16-byte little-endian header (messageLength, requestID, responseTo, opCode), then OP_MSG (2013: flagBits,
/// sections of kind 0 = one body document or kind 1 = a named document sequence, optional CRC-32C) or the
/// legacy OP_QUERY (2004), which drivers still use for the first hello of a connection, answered by OP_REPLY (1).
/// </summary>
internal static class WireMessage
{
    public const int OpReply = 1;
    public const int OpQuery = 2004;
    public const int OpMsg = 2013;

    private const uint ChecksumPresent = 1;

    /// <summary>The command of an OP_MSG: the body with every kind-1 sequence added as an array under its identifier.</summary>
    public static BsonDocument ReadOpMsg(ReadOnlySpan<byte> body)
    {
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body);
        var end = body.Length - ((flags & ChecksumPresent) != 0 ? 4 : 0);
        var position = 4;
        BsonDocument? command = null;
        var sequences = new List<(string, BsonArray)>();
        while (position < end)
        {
            var kind = body[position++];
            if (kind == 0)
            {
                var size = BinaryPrimitives.ReadInt32LittleEndian(body[position..]);
                command = Deserialize(body.Slice(position, size));
                position += size;
            }
            else if (kind == 1)
            {
                var size = BinaryPrimitives.ReadInt32LittleEndian(body[position..]);
                var section = body.Slice(position + 4, size - 4);
                var nameEnd = section.IndexOf((byte)0);
                var identifier = System.Text.Encoding.UTF8.GetString(section[..nameEnd]);
                var documents = new BsonArray();
                var at = nameEnd + 1;
                while (at < section.Length)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(section[at..]);
                    documents.Add(Deserialize(section.Slice(at, length)));
                    at += length;
                }

                sequences.Add((identifier, documents));
                position += size;
            }
            else
            {
                throw new InvalidDataException($"OP_MSG section kind {kind} is not 0 or 1");
            }
        }

        command ??= new BsonDocument();
        foreach (var (identifier, documents) in sequences)
        {
            command[identifier] = documents;
        }

        return command;
    }

    /// <summary>The query document of an OP_QUERY (flags, fullCollectionName, numberToSkip, numberToReturn, query).</summary>
    public static (string Collection, BsonDocument Query) ReadOpQuery(ReadOnlySpan<byte> body)
    {
        var nameEnd = body[4..].IndexOf((byte)0) + 4;
        var collection = System.Text.Encoding.UTF8.GetString(body[4..nameEnd]);
        var at = nameEnd + 1 + 8;
        var size = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        return (collection, Deserialize(body.Slice(at, size)));
    }

    /// <summary>An OP_MSG reply: flagBits 0 and one kind-0 section.</summary>
    public static byte[] OpMsgReply(int requestId, int responseTo, BsonDocument reply)
    {
        var document = Serialize(reply);
        var message = new byte[16 + 4 + 1 + document.Length];
        WriteHeader(message, requestId, responseTo, OpMsg);
        message[20] = 0;
        document.CopyTo(message, 21);
        return message;
    }

    /// <summary>An OP_REPLY with one document (responseFlags: AwaitCapable, as servers since 1.6 set it).</summary>
    public static byte[] OpReplyMessage(int requestId, int responseTo, BsonDocument reply)
    {
        var document = Serialize(reply);
        var message = new byte[16 + 20 + document.Length];
        WriteHeader(message, requestId, responseTo, OpReply);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(16), 8);
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(20), 0);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(28), 0);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(32), 1);
        document.CopyTo(message, 36);
        return message;
    }

    private static void WriteHeader(byte[] message, int requestId, int responseTo, int opCode)
    {
        BinaryPrimitives.WriteInt32LittleEndian(message, message.Length);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), requestId);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), responseTo);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(12), opCode);
    }

    private static BsonDocument Deserialize(ReadOnlySpan<byte> bytes)
    {
        using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        using var reader = new BsonBinaryReader(stream);
        return BsonSerializer.Deserialize<BsonDocument>(reader);
    }

    private static byte[] Serialize(BsonDocument document)
    {
        using var stream = new MemoryStream();
        // A reply may exceed 16 MiB by its envelope when it carries a document of the maximum size, as the
        // server allows (maxBsonObjectSize applies to stored documents, replies get 16 KiB more).
        using (var writer = new BsonBinaryWriter(stream, new BsonBinaryWriterSettings { MaxDocumentSize = MongoTestServer.MaxBsonObjectSize + (16 * 1024) }))
        {
            BsonSerializer.Serialize(writer, document);
        }

        return stream.ToArray();
    }
}
