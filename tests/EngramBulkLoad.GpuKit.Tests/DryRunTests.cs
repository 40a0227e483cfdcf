using System.Text.Json;

namespace EngramBulkLoad.GpuKit.Tests;

/// <summary>
/// The kit that runs on the GPU machine, run here on CPU: the same publish, pieces, checksums, unpacking,
/// model writing and checks (CUDA replaced by the CPU provider; PyTorch and the memory-limit split skipped).
/// </summary>
public sealed class DryRunTests(KitFixture kit) : IClassFixture<KitFixture>
{
    [Fact]
    public void Prepare_CpuKit_PiecesFitOneCommandAndTheManifestListsThem()
    {
        var lines = File.ReadAllLines(Path.Combine(kit.Pieces, "MANIFEST")).Where(l => !l.StartsWith('#')).Select(l => l.Split(' ')).ToArray();

        Assert.Equal("kit.tar.xz", lines[^1][2]);
        foreach (var piece in lines[..^1])
        {
            var file = new FileInfo(Path.Combine(kit.Pieces, piece[2]));
            Assert.Equal(long.Parse(piece[1], System.Globalization.CultureInfo.InvariantCulture), file.Length);
            Assert.True(file.Length <= 56L * 1024 * 1024, $"{file.Name} is {file.Length} bytes, over the 56 MiB a command can carry with the working tree.");
        }

        Assert.Equal(lines[..^1].Sum(p => long.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)), long.Parse(lines[^1][1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Run_CpuDryRun_EveryCheckThatRunsOnCpuPasses()
    {
        var results = Path.Combine(kit.Work, "results");

        var (exitCode, output) = await KitFixture.RunAsync(kit.Root, "benchmarks/gpu/run.sh", "--cpu", "--pieces", kit.Pieces, "--kit-dir", Path.Combine(kit.Work, "kit"), "--results", results);

        Assert.True(exitCode == 0, $"run.sh --cpu exited {exitCode}:\n{output}");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(results, "results.json"), TestContext.Current.CancellationToken));
        var agreement = json.RootElement.GetProperty("provider_agreement");
        Assert.True(agreement.GetProperty("passed").GetBoolean());
        Assert.Equal(64, agreement.GetProperty("texts").GetInt32());
        Assert.True(agreement.GetProperty("min_cosine").GetDouble() >= 0.9999);
        var throughput = json.RootElement.GetProperty("throughput").EnumerateArray().ToArray();
        Assert.Equal(2, throughput.Length);
        Assert.All(throughput, p => Assert.True(p.GetProperty("texts_per_second").GetDouble() > 0));
        Assert.Contains("no device memory limit", json.RootElement.GetProperty("out_of_memory").GetProperty("skipped").GetString(), StringComparison.Ordinal);
        var summary = await File.ReadAllTextAsync(Path.Combine(results, "summary.md"), TestContext.Current.CancellationToken);
        Assert.Contains("(a) CUDA fp32 vs CPU fp32", summary, StringComparison.Ordinal);
        Assert.Contains("| CPUExecutionProvider | fp32 | 8 |", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DamagedPiece_RefusesAndNamesThePieceToSendAgain()
    {
        var pieces = CopyPieces("damaged");
        var piece = Path.Combine(pieces, "piece-00");
        var bytes = await File.ReadAllBytesAsync(piece, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(piece, bytes, TestContext.Current.CancellationToken);

        var (exitCode, output) = await KitFixture.RunAsync(kit.Root, "benchmarks/gpu/run.sh", "--cpu", "--pieces", pieces, "--kit-dir", Path.Combine(kit.Work, "kit-damaged"));

        Assert.Equal(2, exitCode);
        Assert.Contains("piece piece-00 is damaged", output, StringComparison.Ordinal);
        Assert.Contains("send it again", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingPiece_RefusesAndNamesIt()
    {
        var pieces = CopyPieces("missing");
        File.Delete(Path.Combine(pieces, "piece-00"));

        var (exitCode, output) = await KitFixture.RunAsync(kit.Root, "benchmarks/gpu/run.sh", "--cpu", "--pieces", pieces, "--kit-dir", Path.Combine(kit.Work, "kit-missing"));

        Assert.Equal(2, exitCode);
        Assert.Contains("pieces missing: piece-00", output, StringComparison.Ordinal);
    }

    private string CopyPieces(string name)
    {
        var target = Path.Combine(kit.Work, "pieces-" + name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(kit.Pieces))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }
}
