using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MongoDB.Bson;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// A standalone mongod, as the official driver sees it over TCP: the handshake (hello/isMaster over OP_QUERY
/// or OP_MSG), SCRAM-SHA-256, and the read commands the MongoDB source uses. Listens on 127.0.0.1 at the
/// given port (0: an ephemeral one). Users are optional; with any user configured, every data command needs
/// an authenticated connection, as with --auth.
/// </summary>
public sealed class MongoTestServer : IAsyncDisposable
{
    /// <summary>The largest document the server stores: 16 MiB (hello.maxBsonObjectSize; https://www.mongodb.com/docs/manual/reference/limits/).</summary>
    public const int MaxBsonObjectSize = 16 * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, ScramCredential> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, ServerCursor> _cursors = new();
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly Task _accepting;
    private int _connectionIds;
    private int _requestIds;
    private long _getMores;

    private MongoTestServer(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The server's data; tests insert documents here.</summary>
    public MongoTestStore Store { get; } = new();

    /// <summary>Open server cursors.</summary>
    public int OpenCursors => _cursors.Count;

    /// <summary>getMore commands answered, for tests that check a read went through several batches.</summary>
    public long GetMores => Interlocked.Read(ref _getMores);

    /// <summary>Commands received by name, for tests that check what the driver sent (e.g. killCursors).</summary>
    public ConcurrentDictionary<string, int> CommandCounts { get; } = new(StringComparer.Ordinal);

    /// <summary>The last filter a find received, for tests of what the source asks for.</summary>
    public BsonDocument? LastFind { get; internal set; }

    /// <summary>Starts a server on 127.0.0.1:<paramref name="port"/>.</summary>
    public static MongoTestServer Start(int port = 0) => new(port);

    /// <summary>Adds a user in the admin database with a SCRAM-SHA-256 credential; from then on data commands need authentication.</summary>
    public void AddUser(string user, string password) => _users[user] = ScramCredential.Create(user, password);

    /// <summary>
    /// Forgets every open cursor, as mongod does when a cursor has been idle longer than cursorTimeoutMillis
    /// (default 10 minutes; https://www.mongodb.com/docs/manual/reference/parameters/#mongodb-parameter-param.cursorTimeoutMillis).
    /// The next getMore on one gets CursorNotFound (43).
    /// </summary>
    public int ExpireCursors()
    {
        var count = _cursors.Count;
        _cursors.Clear();
        return count;
    }

    /// <summary>A connection string for a user of this server (or none).</summary>
    public string ConnectionString(string? user = null, string? password = null)
        => user is null
            ? $"mongodb://127.0.0.1:{Port}/?directConnection=true"
            : $"mongodb://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password ?? string.Empty)}@127.0.0.1:{Port}/?authSource=admin&directConnection=true";

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
            await Task.WhenAll(_connections.Values);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var id = Interlocked.Increment(ref _connectionIds);
            _connections[id] = Task.Run(async () =>
            {
                try
                {
                    await ServeAsync(client, id);
                }
                finally
                {
                    _connections.TryRemove(id, out _);
                }
            });
        }
    }

    private async Task ServeAsync(TcpClient client, int connectionId)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        var session = new ConnectionState(connectionId);
        var header = new byte[16];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                var requestId = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
                var opCode = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
                var body = new byte[length - 16];
                await stream.ReadExactlyAsync(body, _stop.Token);
                byte[] reply;
                if (opCode == WireMessage.OpMsg)
                {
                    var flags = BinaryPrimitives.ReadUInt32LittleEndian(body);
                    var response = Execute(WireMessage.ReadOpMsg(body), session);
                    if ((flags & 2) != 0)
                    {
                        continue; // moreToCome: the client expects no reply.
                    }

                    reply = WireMessage.OpMsgReply(Interlocked.Increment(ref _requestIds), requestId, response);
                }
                else if (opCode == WireMessage.OpQuery)
                {
                    var (collection, query) = WireMessage.ReadOpQuery(body);
                    // A legacy command is a query on "<db>.$cmd"; the database becomes the command's $db.
                    var command = query.Contains("$query") ? query["$query"].AsBsonDocument : query;
                    command["$db"] = collection[..collection.IndexOf('.', StringComparison.Ordinal)];
                    reply = WireMessage.OpReplyMessage(Interlocked.Increment(ref _requestIds), requestId, Execute(command, session));
                }
                else
                {
                    return; // Unknown opcodes (OP_COMPRESSED is never negotiated here): the server closes the connection.
                }

                await stream.WriteAsync(reply, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or OperationCanceledException or SocketException)
        {
        }
    }

    private BsonDocument Execute(BsonDocument command, ConnectionState session)
    {
        var name = command.GetElement(0).Name;
        CommandCounts.AddOrUpdate(name, 1, (_, n) => n + 1);
        try
        {
            var handler = new CommandHandler(this, session);
            return handler.Run(name, command);
        }
        catch (MongoServerException ex)
        {
            return new BsonDocument { { "ok", 0.0 }, { "errmsg", ex.Message }, { "code", ex.Code }, { "codeName", ex.CodeName } };
        }
    }

    internal bool RequiresAuth => !_users.IsEmpty;

    internal ScramCredential? FindUser(string user) => _users.GetValueOrDefault(user);

    internal long OpenCursor(ServerCursor cursor)
    {
        long id;
        do
        {
            id = Random.Shared.NextInt64(1, long.MaxValue);
        }
        while (!_cursors.TryAdd(id, cursor));
        return id;
    }

    internal ServerCursor? TakeCursor(long id)
    {
        Interlocked.Increment(ref _getMores);
        return _cursors.GetValueOrDefault(id);
    }

    internal void CloseCursor(long id) => _cursors.TryRemove(id, out _);

    internal bool KillCursor(long id) => _cursors.TryRemove(id, out _);
}

/// <summary>What one connection has established: its id, its authenticated user, its SASL conversation.</summary>
internal sealed class ConnectionState(int id)
{
    public int Id { get; } = id;

    public string? User { get; set; }

    public ScramSha256Server? Conversation { get; set; }
}

/// <summary>A cursor's remaining documents.</summary>
internal sealed class ServerCursor(string ns, IReadOnlyList<BsonDocument> documents)
{
    public string Namespace { get; } = ns;

    public IReadOnlyList<BsonDocument> Documents { get; } = documents;

    public int Position { get; set; }
}
