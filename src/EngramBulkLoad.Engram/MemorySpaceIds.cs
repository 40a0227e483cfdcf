namespace EngramBulkLoad.Engram;

/// <summary>Engram's memory space id syntax, checked before anything is sent.</summary>
public static class MemorySpaceIds
{
    /// <summary>Shortest id Engram accepts.</summary>
    public const int MinLength = 3;

    /// <summary>Longest id Engram accepts.</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="id"/> is 3 to 64 of lowercase ASCII letters, digits, '-' and '_'.</summary>
    /// <param name="id">The id to check.</param>
    /// <param name="problem">What is wrong, when it is not valid.</param>
    public static bool IsValid(string? id, out string problem)
    {
        if (string.IsNullOrEmpty(id))
        {
            problem = "the memory space id is empty (Engram would fall back to its default space, which it deprecates).";
            return false;
        }

        if (id.Length is < MinLength or > MaxLength)
        {
            problem = $"the memory space id '{id}' has {id.Length} characters; Engram takes {MinLength} to {MaxLength}.";
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                problem = $"the memory space id '{id}' contains '{c}'; Engram takes only lowercase letters, digits, '-' and '_'.";
                return false;
            }
        }

        problem = string.Empty;
        return true;
    }
}
