using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The whole job from a real PostgreSQL (EBL_TEST_POSTGRES, started by test.sh) into the Engram test server.</summary>
public sealed class PostgresRunTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ebl-pipeline-pg", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Run_PostgresIntoEngram_ExactCountsWithForeignKeyAssociations()
    {
        var blog = await BlogDatabase.CreateAsync(_folder, Ct);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", blog.ConfigPath, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        Assert.Equal(blog.ExpectedIds(), Held(server));
        Assert.Equal(2500, server.Store.AssociateCalls.Count);
        var manifest = await RunTests.ReadManifestAsync(Path.Combine(_folder, "snapshot"));
        Assert.Equal(2800, manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.Equal(2800, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
    }

    [Fact]
    public async Task RunNoLoadOneAfterAnother_ThenLoadThreeShardsAtOnce_EveryForeignKeyOneAssociation()
    {
        var blog = await BlogDatabase.CreateAsync(_folder, Ct);
        await using var server = await StartServerAsync();
        for (var index = 0; index < 3; index++)
        {
            var staged = await CliAsync("run", "-c", blog.ConfigPath, "--shard", $"{index}/3", "--no-load");
            Assert.True(staged.Exit == 0, staged.Error + staged.Output);
        }

        var loads = await ShardedLoad.AtOnceAsync(Enumerable.Range(0, 3).Select(index =>
            new[] { "load", "-c", blog.ConfigPath, "--shard", $"{index}/3", "--engram", server.Address, "--memory-space", Space }));

        Assert.All(loads, load => Assert.True(load.Exit == 0, load.Error + load.Output));
        ShardedLoad.AssertExactlyOnce(server, blog.ExpectedIds(), blog.ExpectedAssociations());
        Assert.Empty(await ShardedLoad.EdgeRejectsAsync(Path.Combine(_folder, "snapshot"), 3));
        var manifests = await ShardedLoad.ManifestsAsync(Path.Combine(_folder, "snapshot"), 3);
        Assert.All(manifests, manifest => Assert.True(manifest.Parts.Sum(p => p.Counts.Loaded ?? 0) > 0, "a shard loaded nothing"));
        Assert.Equal(BlogDatabase.Posts, manifests.Sum(manifest => manifest.Parts.Sum(p => p.Counts.Associations ?? 0)));
    }
}
