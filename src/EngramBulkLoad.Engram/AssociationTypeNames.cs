using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Engram;

/// <summary>Names of Engram's association types as written in config.</summary>
public static class AssociationTypeNames
{
    /// <summary>Parses semantic, temporal, causal, spatial or emotional (any case).</summary>
    /// <param name="name">The name from config.</param>
    /// <param name="path">The config path, for the message.</param>
    public static AssociationType Parse(string? name, string path) => name?.ToLowerInvariant() switch
    {
        "semantic" => AssociationType.Semantic,
        "temporal" => AssociationType.Temporal,
        "causal" => AssociationType.Causal,
        "spatial" => AssociationType.Spatial,
        "emotional" => AssociationType.Emotional,
        _ => throw ErrorFactory.Config(path, $"'{name}' is not an Engram association type.", "Use semantic, temporal, causal, spatial or emotional."),
    };
}
