namespace EngramBulkLoad.Tests.Shared;

/// <summary>
/// The address of a real server a test needs, from the environment variable test.sh sets. Without it the
/// test skips with the reason; under CI=true it fails, because CI must never pass by skipping.
/// </summary>
internal static class ServerVariable
{
    public static string Require(string variable, string server)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(value))
        {
            return value;
        }

        var reason = $"{variable} is not set: run ./test.sh, which starts {server} and sets it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"Under CI=true the {server} tests must run. {reason}");
        }

        Assert.Skip(reason);
        return string.Empty;
    }
}
