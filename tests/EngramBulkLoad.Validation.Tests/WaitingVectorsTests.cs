using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation.Tests;

public sealed class WaitingVectorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ebl-waiting-").FullName;

    [Fact]
    public void Read_VectorsAdded_ComeBackWithTheirIds()
    {
        using var waiting = WaitingVectors.Create(_folder, 4);
        var first = waiting.Add("ebl_a", [1f, 2f, 3f, 4f]);
        var second = waiting.Add("ebl_b", [-1f, 0.5f, float.Epsilon, 0f]);
        var vector = new float[4];

        Assert.Equal("ebl_b", waiting.Read(second, vector));
        Assert.Equal([-1f, 0.5f, float.Epsilon, 0f], vector);
        Assert.Equal("ebl_a", waiting.Read(first, vector));
        Assert.Equal([1f, 2f, 3f, 4f], vector);
        Assert.Equal(2, waiting.Count);
    }

    [Fact]
    public void Add_AfterRelease_ReusesTheSlotSoTheFileDoesNotGrow()
    {
        using var waiting = WaitingVectors.Create(_folder, 2);
        var first = waiting.Add("one", [1f, 0f]);
        waiting.Add("two", [0f, 1f]);

        waiting.Release(first);
        var third = waiting.Add("three", [0.5f, 0.5f]);

        Assert.Equal(first, third);
        Assert.Equal(2, waiting.Slots);
        var vector = new float[2];
        Assert.Equal("three", waiting.Read(third, vector));
        Assert.Equal([0.5f, 0.5f], vector);
    }

    [Fact]
    public void Read_IdLongerThanASlotHolds_ComesBackWhole()
    {
        using var waiting = WaitingVectors.Create(_folder, 1);
        var id = new string('é', 300);

        var slot = waiting.Add(id, [7f]);

        Assert.Equal(id, waiting.Read(slot, new float[1]));
    }

    [Fact]
    public void Dispose_TemporaryFile_Deleted()
    {
        var waiting = WaitingVectors.Create(_folder, 1);
        waiting.Add("x", [1f]);
        Assert.Single(Directory.GetFiles(_folder));

        waiting.Dispose();

        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void Create_FileAKilledRunLeftBehind_Deleted()
    {
        var stale = Path.Combine(_folder, "near-duplicates.waiting-stale.tmp");
        File.WriteAllBytes(stale, new byte[1024]);
        var other = Path.Combine(_folder, "near-duplicates.json.tmp");
        File.WriteAllBytes(other, [1]);

        using var waiting = WaitingVectors.Create(_folder, 1);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(other));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
