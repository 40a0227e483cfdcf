using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Loading;

namespace EngramBulkLoad.Validation.Tests;

internal static class TestSupport
{
    public const string Space = "validate-space";

    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    public static EngramOptions Options(EngramTestServer server) => new EngramOptions
    {
        Address = server.Address,
        MemorySpaceId = Space,
        ApiKeyEnvironmentVariable = "EBL_TEST_NO_SUCH_VARIABLE",
        BatchSize = 50,
        MaxBatchesInFlight = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        CallTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    }.Validate();

    public static Task<EngramTestServer> StartServerAsync(Action<EngramTestServerOptions>? change = null)
    {
        var options = new EngramTestServerOptions();
        change?.Invoke(options);
        return EngramTestServer.StartAsync(options, cancellationToken: Token).WaitAsync(TestTimeout, Token);
    }

    /// <summary>A unit vector at cosine <paramref name="cosine"/> from the unit vector <paramref name="from"/>, in a direction fixed by <paramref name="seed"/>.</summary>
    public static float[] At(float[] from, double cosine, int seed)
    {
        var other = Random(seed, from.Length);
        double along = 0;
        for (var i = 0; i < from.Length; i++)
        {
            along += other[i] * from[i];
        }

        // The part of a random direction orthogonal to `from`, normalised, mixed in at the right angle.
        var orthogonal = new double[from.Length];
        double norm = 0;
        for (var i = 0; i < from.Length; i++)
        {
            orthogonal[i] = other[i] - (along * from[i]);
            norm += orthogonal[i] * orthogonal[i];
        }

        var sine = Math.Sqrt(1 - (cosine * cosine));
        return [.. Enumerable.Range(0, from.Length).Select(i => (float)((cosine * from[i]) + (sine * orthogonal[i] / Math.Sqrt(norm))))];
    }

    /// <summary>A random unit vector (random vectors of 768 dimensions are nearly orthogonal).</summary>
    public static float[] Random(int seed, int dimension = 768)
    {
        var random = new Random(seed);
        var vector = new float[dimension];
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        return [.. vector.Select(v => (float)(v / norm))];
    }

    public static Task<LoadReport> LoadAsync(ValidationSnapshot snapshot, EngramClient engram)
        => LoadStage.RunAsync(snapshot.Store, engram, TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

    public static string Describe(ValidationReport report)
        => string.Join("\n", report.Checks.Select(check => $"{check.Name}: {check.Status}: {check.Message} {string.Join("; ", check.Examples)}"));
}
