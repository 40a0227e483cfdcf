using System.Text.Json;
using System.Text.Json.Serialization;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Everything the loader needs to know about the target Engram and how to write into it: the
/// "engram" section of the job config. Every default is stated on its property. Build with
/// <see cref="FromJson"/> or set properties and call <see cref="Validate"/>; the loader refuses
/// options that were not validated.
/// </summary>
public sealed class EngramOptions
{
    /// <summary>The dimension Engram takes: every embedding must have exactly this many floats.</summary>
    public const int EngramDimension = 768;

    /// <summary>Engram's gRPC address. Default <c>http://127.0.0.1:50051</c>; <c>https://</c> turns TLS on.</summary>
    public string Address { get; set; } = "http://127.0.0.1:50051";

    /// <summary>
    /// What answers at <see cref="Address"/>, in words, when it is not an Engram (the demo's in-memory stand-in).
    /// Default null: an Engram. Not a config setting (no setter): set by the code that starts the stand-in, with <see cref="Labelled"/>.
    /// </summary>
    public string? Label { get; private set; }

    /// <summary>Names what answers at the address (<see cref="Label"/>); returns these options.</summary>
    public EngramOptions Labelled(string label)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        Label = label;
        return this;
    }

    /// <summary>The address, preceded by the <see cref="Label"/> when there is one: what lines and reports say they loaded into.</summary>
    public string Describe() => Label is null ? Address : $"{Label} at {Address}";

    /// <summary>
    /// The API key (<c>engram_key_&lt;id&gt;_&lt;secret&gt;</c>), sent as <c>authorization: Bearer ...</c>.
    /// Default null: read from the environment variable named by <see cref="ApiKeyEnvironmentVariable"/>;
    /// when both are empty no key is sent (an Engram without authentication).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Where the key is read from when <see cref="ApiKey"/> is not set. Default <c>ENGRAM_API_KEY</c>.</summary>
    public string ApiKeyEnvironmentVariable { get; set; } = "ENGRAM_API_KEY";

    /// <summary>
    /// PEM file of a certificate authority (or a self-signed server certificate) to trust for TLS in
    /// addition to the system store. Default null: only the system store.
    /// </summary>
    public string? TlsTrustedCertificatePath { get; set; }

    /// <summary>
    /// The memory space to write into: 3 to 64 of lowercase letters, digits, '-' and '_'. Default
    /// <c>default</c> (Engram's canonical default space). Sending an empty id is deprecated by Engram and refused here.
    /// </summary>
    public string MemorySpaceId { get; set; } = "default";

    /// <summary>Records per StreamingRemember batch, 1 to 1000. Default 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Batches sent at once (each on its own stream of one HTTP/2 connection), 1 to 64. Default 4.</summary>
    public int MaxBatchesInFlight { get; set; } = 4;

    /// <summary>
    /// HTTP/2 connections the batches are spread over, 1 to 16. Default 1. More helps against a server
    /// that caps concurrent streams per connection, or on many-core machines where one connection's
    /// single frame writer becomes the limit (on 2 cores it measured no difference).
    /// </summary>
    public int Connections { get; set; } = 1;

    /// <summary>Unary calls (Associate, Forget) in flight at once, 1 to 256. Default 32.</summary>
    public int MaxUnaryCallsInFlight { get; set; } = 32;

    /// <summary>
    /// Confidence per source kind, each in [0, 1]. Migrated data is not certain. Defaults: postgres 0.8,
    /// mysql 0.8, mongodb 0.8, elasticsearch 0.75, neo4j 0.85, redis 0.7, csv 0.75, jsonl 0.75, files 0.8.
    /// Entries given in config replace the default of their kind only.
    /// </summary>
    public Dictionary<string, double> Confidence { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Confidence of a source kind not in <see cref="Confidence"/>. Default 0.75.</summary>
    public double DefaultConfidence { get; set; } = 0.75;

    /// <summary>
    /// The reasoning string sent with every confidence. <c>{kind}</c>, <c>{source}</c>, <c>{collection}</c>
    /// and <c>{migration}</c> are replaced. Default
    /// "Migrated from {kind} source '{source}' ({collection}) by engram-bulkload, migration {migration}; not verified by a person".
    /// </summary>
    public string ConfidenceReasoning { get; set; } = "Migrated from {kind} source '{source}' ({collection}) by engram-bulkload, migration {migration}; not verified by a person";

    /// <summary>
    /// Activation sent with every memory, in [0, 1]. Default 0.05: below Engram's hot threshold, so a
    /// bulk load lands in the cold tier instead of displacing what users are working with.
    /// </summary>
    public double Activation { get; set; } = 0.05;

    /// <summary>Decay rate of semantic memories (rows, documents), in [0, 1]. Default 0: facts do not fade.</summary>
    public double SemanticDecayRate { get; set; }

    /// <summary>
    /// Decay rate of episodic memories (cache entries) without a TTL, in [0, 1]. Default 0.05. An entry
    /// with a TTL decays faster: ln 2 divided by the TTL in hours (half-life equal to the TTL), clamped to [this, 1].
    /// </summary>
    public double EpisodicDecayRate { get; set; } = 0.05;

    /// <summary>Association type by relation name (semantic, temporal, causal, spatial, emotional). Default empty.</summary>
    public Dictionary<string, string> AssociationTypes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Association type of a relation not in <see cref="AssociationTypes"/>. Default <c>semantic</c>.</summary>
    public string DefaultAssociationType { get; set; } = "semantic";

    /// <summary>Strength of an edge without a weight, in [0, 1]. Default 0.5.</summary>
    public double DefaultStrength { get; set; } = 0.5;

    /// <summary>Largest content, in UTF-8 bytes, sent to Engram; longer records become load rejects. Default 1 MiB.</summary>
    public int MaxContentBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Retries of a call (or of a batch, counting every attempt) that failed transiently, 0 to 20. Default 10: with
    /// 30 % of calls failing, a call gives up with probability 0.3^11 ≈ 1.8·10^-6 (README, "Retry budget"); the
    /// backoff then waits about 70 s in all before the run stops, resumable.
    /// </summary>
    public int MaxRetries { get; set; } = 10;

    /// <summary>First retry delay; doubles each attempt, with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest retry delay. Default 15 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Deadline of one call, or of one batch's stream. Default 60 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Deadline of the preflight call that connects and authenticates. Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Introspect metric read as Engram's memory pressure (0 = empty, 1 = full). Default <c>memory_pressure</c>.
    /// When Engram does not report it, the loader does not throttle.
    /// </summary>
    public string PressureMetric { get; set; } = "memory_pressure";

    /// <summary>Pressure at or above which the loader pauses before the next batch, in (0, 1]. Default 0.8.</summary>
    public double PressureThreshold { get; set; } = 0.8;

    /// <summary>How often pressure is read, and how long the loader waits before reading it again while paused. Default 2 s.</summary>
    public TimeSpan PressurePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the loader waits in total for pressure to drop before it stops the run (a re-run resumes).
    /// Default 10 minutes.
    /// </summary>
    public TimeSpan MaxPressureWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// In a sharded run, how long a shard's associations wait for every sibling shard to have loaded its
    /// memories (an edge may end in another shard) before the load stops with an error that names the
    /// shards it waited for; its own memories stay loaded and a later <c>load</c> creates the associations.
    /// Default 1 hour.
    /// </summary>
    public TimeSpan ShardWaitTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a waiting shard reads its siblings' manifests. Default 5 s.</summary>
    public TimeSpan ShardPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Message used for cache entries: <c>episode</c> (default; Engram keeps an Episode's time) or
    /// <c>memory</c> (a Memory typed EPISODIC, which carries metadata and tags but whose time Engram does not keep).
    /// </summary>
    public string EpisodicMessage { get; set; } = "episode";

    /// <summary>
    /// What the association phase does with an edge whose end Engram merged into another memory (near-duplicates,
    /// cosine at least 0.95; predicted by the near-duplicate analysis): <c>remap</c> (default) sends the association
    /// to the memory Engram holds in its place and counts it as remapped; <c>reject</c> makes it a reject
    /// (<c>merged_endpoint</c>) that names the memory held. Remap is the default because Engram holds the merged
    /// record's text in that memory, so the relationship stays findable; an edge whose two ends became one memory is
    /// rejected either way (<c>merged_self_loop</c>).
    /// </summary>
    public string MergedEndpoints { get; set; } = "remap";

    /// <summary>
    /// What the target Engram does with near-duplicates: <c>keepHighestConfidence</c> (default: Engram's store keeps
    /// the more confident of two memories within cosine 0.95, the first of equals; deduplication.rs) or <c>none</c>
    /// (an Engram built or configured without deduplication: every memory is held, no edge end is merged, and
    /// validate expects the loaded count).
    /// </summary>
    public string Deduplication { get; set; } = "keepHighestConfidence";

    /// <summary>True once <see cref="Validate"/> succeeded.</summary>
    [JsonIgnore]
    public bool IsValidated { get; private set; }

    /// <summary>The confidence defaults by source kind.</summary>
    public static IReadOnlyDictionary<string, double> DefaultConfidenceByKind { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["postgres"] = 0.8,
        ["mysql"] = 0.8,
        ["mongodb"] = 0.8,
        ["elasticsearch"] = 0.75,
        ["neo4j"] = 0.85,
        ["redis"] = 0.7,
        ["csv"] = 0.75,
        ["jsonl"] = 0.75,
        ["files"] = 0.8,
    };

    private static readonly JsonSerializerOptions BindOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Binds the "engram" section of the job config and validates it.</summary>
    /// <param name="section">The section (a JSON object); durations are "hh:mm:ss" strings.</param>
    /// <param name="path">The section's path in the config file, for messages. Default "engram".</param>
    public static EngramOptions FromJson(JsonElement section, string path = "engram")
    {
        if (section.ValueKind != JsonValueKind.Object)
        {
            throw ErrorFactory.Config(path, $"expected an object of settings, found {section.ValueKind.ToString().ToLowerInvariant()}.", "Write it as \"engram\": { \"address\": \"http://engram:50051\", \"memorySpaceId\": \"crm\" }.");
        }

        // Names and types are checked here, in the config's words: the serializer's own messages name .NET types.
        foreach (var property in section.EnumerateObject())
        {
            if (!Settings.TryGetValue(property.Name, out var setting))
            {
                throw ErrorFactory.Config($"{path}.{property.Name}", "is not a known setting here.", $"Known settings: {string.Join(", ", Settings.Keys.Order(StringComparer.Ordinal))}. Check the spelling.");
            }

            try
            {
                property.Value.Deserialize(setting.PropertyType, BindOptions);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or OverflowException or InvalidOperationException)
            {
                throw ErrorFactory.Config($"{path}.{property.Name}", $"expected {Expected(setting.PropertyType)}, found {(property.Name.Contains("key", StringComparison.OrdinalIgnoreCase) ? "another value (not shown: it may be a secret)" : Found(property.Value))}.", "See the \"engram\" section in src/EngramBulkLoad.Loading/README.md.");
            }
        }

        var options = section.Deserialize<EngramOptions>(BindOptions);
        return (options ?? new EngramOptions()).Validate(path);
    }

    /// <summary>
    /// The section's settings by their config name (camelCase; matched without regard to case, as the binder does).
    /// Only public setters: the binder ignores the others (<see cref="Label"/>), so naming one in a config is refused, not dropped.
    /// </summary>
    private static readonly Dictionary<string, System.Reflection.PropertyInfo> Settings = typeof(EngramOptions)
        .GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
        .Where(property => property.SetMethod?.IsPublic == true)
        .ToDictionary(property => JsonNamingPolicy.CamelCase.ConvertName(property.Name), StringComparer.OrdinalIgnoreCase);

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) => "a whole number",
        var t when t == typeof(double) => "a number",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(TimeSpan) => "a duration as a string \"hh:mm:ss\" (e.g. \"00:00:30\")",
        var t when t == typeof(string) => "a string",
        var t when t == typeof(Dictionary<string, double>) => "an object of names to numbers",
        var t when t == typeof(Dictionary<string, string>) => "an object of names to strings",
        _ => "a value of another type",
    };

    private static string Found(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => value.GetRawText(),
    };

    /// <summary>The confidence of records of a source kind.</summary>
    public double ConfidenceFor(string sourceKind)
        => Confidence.TryGetValue(sourceKind, out var value) ? value
            : DefaultConfidenceByKind.TryGetValue(sourceKind, out var fallback) ? fallback
            : DefaultConfidence;

    /// <summary>Checks every value, throwing a <see cref="ConfigException"/> naming the first wrong one.</summary>
    /// <param name="path">The section's path in the config file, for messages.</param>
    /// <returns>This instance, now marked validated.</returns>
    public EngramOptions Validate(string path = "engram")
    {
        if (!Uri.TryCreate(Address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw ErrorFactory.Config($"{path}.address", $"'{Address}' is not an http:// or https:// address.", "Give Engram's gRPC address, e.g. http://engram:50051 or https://engram.example.com:50051.");
        }

        if (!MemorySpaceIds.IsValid(MemorySpaceId, out var spaceProblem))
        {
            throw ErrorFactory.Config($"{path}.memorySpaceId", spaceProblem, "Use 3 to 64 lowercase letters, digits, '-' or '_', e.g. 'crm-import'.");
        }

        Range($"{path}.batchSize", BatchSize, 1, 1000, "Engram advises batches of 100 to 500.");
        Range($"{path}.maxBatchesInFlight", MaxBatchesInFlight, 1, 64, string.Empty);
        Range($"{path}.connections", Connections, 1, 16, string.Empty);
        Range($"{path}.maxUnaryCallsInFlight", MaxUnaryCallsInFlight, 1, 256, string.Empty);
        Range($"{path}.maxRetries", MaxRetries, 0, 20, string.Empty);
        Range($"{path}.maxContentBytes", MaxContentBytes, 1, 3 << 20, "Engram's gRPC messages are limited to 4 MiB, embedding included.");
        // Config binding gives plain dictionaries; names of kinds and relations are matched ignoring case.
        Confidence = new Dictionary<string, double>(Confidence ?? [], StringComparer.OrdinalIgnoreCase);
        AssociationTypes = new Dictionary<string, string>(AssociationTypes ?? [], StringComparer.OrdinalIgnoreCase);
        Unit($"{path}.defaultConfidence", DefaultConfidence);
        foreach (var (kind, value) in Confidence)
        {
            Unit($"{path}.confidence.{kind}", value);
        }

        Unit($"{path}.activation", Activation);
        Unit($"{path}.semanticDecayRate", SemanticDecayRate);
        Unit($"{path}.episodicDecayRate", EpisodicDecayRate);
        Unit($"{path}.defaultStrength", DefaultStrength);
        if (!(PressureThreshold > 0 && PressureThreshold <= 1))
        {
            throw ErrorFactory.Config($"{path}.pressureThreshold", $"{PressureThreshold} is outside (0, 1].", "Give a fraction such as 0.8.");
        }

        AssociationTypeNames.Parse(DefaultAssociationType, $"{path}.defaultAssociationType");
        foreach (var (relation, type) in AssociationTypes)
        {
            AssociationTypeNames.Parse(type, $"{path}.associationTypes.{relation}");
        }

        if (EpisodicMessage is not ("episode" or "memory"))
        {
            throw ErrorFactory.Config($"{path}.episodicMessage", $"'{EpisodicMessage}' is not a message kind.", "Use 'episode' or 'memory'.");
        }

        if (MergedEndpoints is not ("remap" or "reject"))
        {
            throw ErrorFactory.Config($"{path}.mergedEndpoints", $"'{MergedEndpoints}' is not a choice.", "Use \"remap\" (send the edge to the memory Engram holds in place of a merged end) or \"reject\" (reject it, naming that memory).");
        }

        if (Deduplication is not ("keepHighestConfidence" or "none"))
        {
            throw ErrorFactory.Config($"{path}.deduplication", $"'{Deduplication}' is not a choice.", "Use \"keepHighestConfidence\" (Engram's default) or \"none\" (an Engram that does not deduplicate).");
        }

        Positive($"{path}.retryBaseDelay", RetryBaseDelay);
        Positive($"{path}.retryMaxDelay", RetryMaxDelay);
        Positive($"{path}.callTimeout", CallTimeout);
        Positive($"{path}.connectTimeout", ConnectTimeout);
        Positive($"{path}.pressurePollInterval", PressurePollInterval);
        Positive($"{path}.maxPressureWait", MaxPressureWait);
        Positive($"{path}.shardWaitTimeout", ShardWaitTimeout);
        Positive($"{path}.shardPollInterval", ShardPollInterval);
        if (TlsTrustedCertificatePath is not null && !File.Exists(TlsTrustedCertificatePath))
        {
            throw ErrorFactory.Config($"{path}.tlsTrustedCertificatePath", $"the file '{TlsTrustedCertificatePath}' does not exist.", "Give the PEM file of the CA or of Engram's self-signed certificate.");
        }

        IsValidated = true;
        return this;
    }

    /// <summary>The API key to send, from <see cref="ApiKey"/> or the environment; null when none.</summary>
    internal string? ResolveApiKey()
    {
        var key = string.IsNullOrWhiteSpace(ApiKey) ? Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) : ApiKey;
        return string.IsNullOrWhiteSpace(key) ? null : key.Trim();
    }

    private static void Range(string path, int value, int min, int max, string why)
    {
        if (value < min || value > max)
        {
            throw ErrorFactory.Config(path, $"{value} is outside {min} to {max}.", $"Choose a value in that range. {why}".TrimEnd());
        }
    }

    private static void Unit(string path, double value)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw ErrorFactory.Config(path, $"{value} is outside [0, 1].", "Give a fraction between 0 and 1.");
        }
    }

    private static void Positive(string path, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw ErrorFactory.Config(path, $"{value} is not a positive duration.", "Give a duration such as \"00:00:30\".");
        }
    }
}
