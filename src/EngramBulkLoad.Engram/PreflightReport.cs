namespace EngramBulkLoad.Engram;

/// <summary>What the preflight found: Engram answered, accepted the credentials and the memory space.</summary>
/// <param name="Address">The address that answered, preceded by what it is when not an Engram (<see cref="EngramOptions.Describe"/>).</param>
/// <param name="MemorySpaceId">The memory space that will be written.</param>
/// <param name="Authenticated">True when an API key was sent and accepted; false when none was sent.</param>
/// <param name="Healthy">Engram's own health flag.</param>
/// <param name="HealthSummary">Engram's health summary.</param>
/// <param name="MemoriesBefore">Memories Engram reported in the space before the load (0 when it does not count them).</param>
/// <param name="Pressure">Memory pressure, when Engram reports it.</param>
public sealed record PreflightReport(string Address, string MemorySpaceId, bool Authenticated, bool Healthy, string HealthSummary, long MemoriesBefore, double? Pressure);
