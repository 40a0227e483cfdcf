namespace EngramBulkLoad.Records;

/// <summary>The three stages of a migration; every reject names the stage that produced it.</summary>
public enum PipelineStage
{
    Extract = 1,
    Embed = 2,
    Load = 3,
}
