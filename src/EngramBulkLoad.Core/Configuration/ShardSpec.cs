using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Configuration;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of every source's key space. A record belongs to
/// the shard <c>(first 8 bytes of SHA-256(UTF-8 key text) as a big-endian int64, sign bit cleared) mod
/// Count</c>: a cryptographic hash, so the split is even, and the same on every machine, runtime and
/// server version, which <c>string.GetHashCode</c> is not. N processes with 0/N .. N-1/N together read
/// every record exactly once. A count of 1 is the whole.
/// </summary>
public sealed record ShardSpec
{
    /// <summary>The environment variable a Kubernetes Indexed Job sets to the pod's index.</summary>
    public const string IndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The environment variable that gives the shard count next to <see cref="IndexVariable"/>.</summary>
    public const string CountVariable = "EBL_SHARD_COUNT";

    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>; throws when 0 &lt;= index &lt; count does not hold.</summary>
    public ShardSpec(int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Shard {index}/{count} does not exist: the count must be at least 1 and the index from 0 to count - 1.");
        }

        Index = index;
        Count = count;
    }

    /// <summary>This shard's index, from 0 to <see cref="Count"/> - 1.</summary>
    public int Index { get; }

    /// <summary>How many shards the key space is split into.</summary>
    public int Count { get; }

    /// <summary>True for 0/1: the whole key space, read without any filter.</summary>
    public bool IsWhole => Count == 1;

    /// <summary>Parses "i/N" (as <c>--shard</c> takes it); a <see cref="ConfigException"/> says what is wrong.</summary>
    /// <param name="text">The shard, e.g. "2/8".</param>
    /// <param name="origin">Where the text came from, for the message (a flag or a variable name).</param>
    public static ShardSpec Parse(string text, string origin = "--shard")
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2 || !TryNumber(parts[0], out var index) || !TryNumber(parts[1], out var count))
        {
            throw ErrorFactory.Config(origin, $"'{text}' is not a shard.", "Write INDEX/COUNT with whole numbers, e.g. 0/4 for the first of four shards.");
        }

        return Create(index, count, origin);
    }

    /// <summary>
    /// The shard a Kubernetes Indexed Job gives: the index from JOB_COMPLETION_INDEX and the count from
    /// EBL_SHARD_COUNT. Null when neither is set; an index without a count is refused, because guessing
    /// the count would silently read the wrong part of the key space.
    /// </summary>
    /// <param name="variable">Reads an environment variable; default <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    public static ShardSpec? FromEnvironment(Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        var indexText = variable(IndexVariable);
        var countText = variable(CountVariable);
        if (string.IsNullOrWhiteSpace(indexText) && string.IsNullOrWhiteSpace(countText))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(countText))
        {
            throw ErrorFactory.Config(CountVariable, $"is not set, but {IndexVariable} is ({indexText}): the shard count is unknown.",
                $"Set {CountVariable} to the Indexed Job's completions (the number of shards), or pass --shard INDEX/COUNT.");
        }

        if (string.IsNullOrWhiteSpace(indexText))
        {
            throw ErrorFactory.Config(IndexVariable, $"is not set, but {CountVariable} is ({countText}): the shard index is unknown.",
                $"Run as a Kubernetes Indexed Job (completionMode: Indexed), set {IndexVariable}, or pass --shard INDEX/COUNT.");
        }

        if (!TryNumber(indexText, out var index))
        {
            throw ErrorFactory.Config(IndexVariable, $"'{indexText}' is not a shard index.", "Expected a whole number from 0 to the shard count - 1.");
        }

        if (!TryNumber(countText, out var count))
        {
            throw ErrorFactory.Config(CountVariable, $"'{countText}' is not a shard count.", "Expected a whole number of at least 1.");
        }

        return Create(index, count, $"{IndexVariable}/{CountVariable}");
    }

    /// <summary>True when the record with this canonical key text belongs to this shard.</summary>
    public bool Includes(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (IsWhole)
        {
            return true;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(key.Length);
        var buffer = maxBytes <= 512 ? stackalloc byte[512] : new byte[maxBytes];
        SHA256.HashData(buffer[..Encoding.UTF8.GetBytes(key, buffer)], hash);
        var value = BinaryPrimitives.ReadInt64BigEndian(hash) & long.MaxValue;
        return value % Count == Index;
    }

    /// <summary>
    /// True when the row at this position (1-based) belongs to this shard: for rows that have no key to
    /// hash (unparseable lines, missing keys), so each still lands in exactly one shard.
    /// </summary>
    public bool IncludesPosition(long position) => IsWhole || (position - 1) % Count == Index;

    /// <summary>"i/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static ShardSpec Create(int index, int count, string origin)
    {
        if (count < 1)
        {
            throw ErrorFactory.Config(origin, $"shard count {count} is not possible.", "The count is the number of shard processes: at least 1.");
        }

        if (index < 0 || index >= count)
        {
            throw ErrorFactory.Config(origin, $"shard index {index} is outside 0..{count - 1} for {count} shard(s).",
                $"Number shards from 0: the shards of {count} are 0/{count} to {count - 1}/{count}.");
        }

        return new ShardSpec(index, count);
    }

    private static bool TryNumber(string text, out int value)
        => int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
