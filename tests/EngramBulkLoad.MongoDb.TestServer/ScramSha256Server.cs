using System.Security.Cryptography;
using System.Text;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// The server side of SCRAM-SHA-256 (RFC 5802 with SHA-256 per RFC 7677), as MongoDB runs it through
/// saslStart/saslContinue (https://www.mongodb.com/docs/manual/core/security-scram/ and the drivers'
/// authentication specification, github.com/mongodb/specifications source/auth/auth.md). The server stores
/// only StoredKey and ServerKey; a client proves it knows the password without sending it.
/// </summary>
internal sealed class ScramSha256Server
{
    // MongoDB's default scramSHA256IterationCount (server parameter), and the minimum drivers accept is 4096.
    public const int Iterations = 15000;

    private readonly Func<string, ScramCredential?> _lookup;
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;
    private ScramCredential? _credential;

    public ScramSha256Server(Func<string, ScramCredential?> lookup) => _lookup = lookup;

    /// <summary>The user, once the conversation has succeeded.</summary>
    public string? AuthenticatedUser { get; private set; }

    /// <summary>client-first-message ("n,,n=user,r=nonce") to server-first-message ("r=..,s=..,i=..").</summary>
    public byte[] Start(byte[] payload)
    {
        var message = Encoding.UTF8.GetString(payload);
        // gs2 header: "n,," (no channel binding, no authzid).
        if (!message.StartsWith("n,", StringComparison.Ordinal))
        {
            throw Failed();
        }

        _clientFirstBare = message[(message.IndexOf(',', 2) + 1)..];
        var attributes = Parse(_clientFirstBare);
        if (!attributes.TryGetValue('n', out var user) || !attributes.TryGetValue('r', out var clientNonce))
        {
            throw Failed();
        }

        // RFC 5802 5.1: '=' and ',' in names travel as =3D and =2C.
        user = user.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        _credential = _lookup(user) ?? throw Failed();
        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={Iterations}";
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    /// <summary>client-final-message ("c=biws,r=..,p=proof") to server-final-message ("v=signature"); wrong proof: AuthenticationFailed.</summary>
    public byte[] Continue(byte[] payload)
    {
        if (_credential is null || _clientFirstBare is null || _serverFirst is null)
        {
            throw Failed();
        }

        var message = Encoding.UTF8.GetString(payload);
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            throw Failed();
        }

        var withoutProof = message[..proofAt];
        var attributes = Parse(message);
        if (attributes.GetValueOrDefault('r') != _nonce)
        {
            throw Failed();
        }

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var proof = Convert.FromBase64String(attributes['p']);
        var signature = HMACSHA256.HashData(_credential.StoredKey, authMessage);
        if (proof.Length != signature.Length)
        {
            throw Failed();
        }

        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ signature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), _credential.StoredKey))
        {
            throw Failed();
        }

        AuthenticatedUser = _credential.User;
        return Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(HMACSHA256.HashData(_credential.ServerKey, authMessage)));
    }

    // MongoDB answers every SCRAM failure alike, so a client cannot tell a wrong user from a wrong password.
    private static MongoServerException Failed() => new(18, "AuthenticationFailed", "Authentication failed.");

    private static Dictionary<char, string> Parse(string message)
        => message.Split(',').Where(p => p.Length >= 2 && p[1] == '=').GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[2..]);
}

/// <summary>A user's SCRAM-SHA-256 credential as the server keeps it (never the password).</summary>
internal sealed class ScramCredential
{
    private ScramCredential(string user, byte[] salt, byte[] storedKey, byte[] serverKey)
    {
        User = user;
        Salt = salt;
        StoredKey = storedKey;
        ServerKey = serverKey;
    }

    public string User { get; }

    public byte[] Salt { get; }

    public byte[] StoredKey { get; }

    public byte[] ServerKey { get; }

    /// <summary>Derives the keys; SCRAM-SHA-256 salts the SASLprep'd password itself (ASCII passwords are unchanged by SASLprep).</summary>
    public static ScramCredential Create(string user, string password)
    {
        var salt = RandomNumberGenerator.GetBytes(28);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, ScramSha256Server.Iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        return new ScramCredential(user, salt, SHA256.HashData(clientKey), HMACSHA256.HashData(salted, "Server Key"u8));
    }
}
