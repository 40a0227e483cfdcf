using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Maps a staged edge to an Associate call: the relation name picks the association type through
/// configuration (default semantic); the weight becomes the strength, clamped to [0, 1], and a missing
/// or non-finite weight takes the default strength (0.5).
/// </summary>
public sealed class AssociationMapper
{
    private readonly EngramOptions _options;
    private readonly AssociationType _defaultType;
    private readonly Dictionary<string, AssociationType> _types;

    /// <summary>Creates a mapper from validated options.</summary>
    public AssociationMapper(EngramOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsValidated)
        {
            throw new ArgumentException("Validate the options before use (EngramOptions.Validate).", nameof(options));
        }

        _options = options;
        _defaultType = AssociationTypeNames.Parse(options.DefaultAssociationType, "engram.defaultAssociationType");
        _types = options.AssociationTypes.ToDictionary(
            pair => pair.Key,
            pair => AssociationTypeNames.Parse(pair.Value, $"engram.associationTypes.{pair.Key}"),
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The strength an edge weight becomes.</summary>
    public float Strength(double? weight)
        => weight is { } w && double.IsFinite(w) ? (float)Math.Clamp(w, 0.0, 1.0) : (float)_options.DefaultStrength;

    /// <summary>The association type of a relation name.</summary>
    public AssociationType TypeOf(string relation)
        => _types.TryGetValue(relation, out var type) ? type : _defaultType;

    /// <summary>The Associate request for an edge.</summary>
    public AssociateRequest Map(StagedEdge edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return new AssociateRequest
        {
            MemorySpaceId = _options.MemorySpaceId,
            SourceMemory = edge.FromMemoryId,
            TargetMemory = edge.ToMemoryId,
            AssociationType = TypeOf(edge.Relation),
            Strength = Strength(edge.Weight),
            Reason = $"{edge.Relation}: {edge.FromDescription} -> {edge.ToDescription} (source '{edge.Source}')",
        };
    }
}
