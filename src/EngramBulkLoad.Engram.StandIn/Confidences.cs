using EngramBulkLoad.Engram.Protocol;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>engram-proto/src/lib.rs, Confidence::new: the value clamped to [0, 1] and its category.</summary>
internal static class Confidences
{
    public static Protocol.Confidence Of(float value, string reasoning)
    {
        value = Math.Clamp(value, 0f, 1f);
        var category = value switch
        {
            0f => ConfidenceCategory.None,
            <= 0.2f => ConfidenceCategory.Low,
            <= 0.7f => ConfidenceCategory.Medium,
            <= 0.95f => ConfidenceCategory.High,
            _ => ConfidenceCategory.Certain,
        };
        return new Protocol.Confidence { Value = value, Category = category, Reasoning = reasoning };
    }
}
