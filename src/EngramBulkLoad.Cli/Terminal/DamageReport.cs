using EngramBulkLoad.Snapshot;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>How damaged part files are shown: which part, which file, what is wrong, and the command that redoes it.</summary>
internal static class DamageReport
{
    public static void WriteInspection(TextWriter output, string folder, int files, IReadOnlyList<DamagedPartFile> damaged)
    {
        if (damaged.Count == 0)
        {
            output.WriteLine($"part files: {files:N0} checked (footer and row count against the manifest), all whole");
            return;
        }

        output.WriteLine($"part files: {files:N0} checked, {damaged.Count:N0} DAMAGED in {damaged.Select(d => d.PartName).Distinct().Count():N0} part(s):");
        foreach (var file in damaged)
        {
            output.WriteLine($"  {file.PartName}: {file.File.Path}: {file.Problem}");
        }

        output.WriteLine("To redo them, with the snapshot's job config, in this order:");
        foreach (var stage in damaged.Select(d => d.Stage).Distinct().OrderBy(PartRedo.Order))
        {
            output.WriteLine($"  {CommandName.Current} {stage} --config JOB --snapshot {CommandName.Quote(folder)} --redo-damaged");
        }

        output.WriteLine("then run the later stages (embed, load) as usual: the redone parts go through them again.");
    }

    public static void WriteRedone(TextWriter error, string stage, IReadOnlyList<DamagedPartFile> redone)
    {
        if (redone.Count == 0)
        {
            error.WriteLine($"[{stage}] --redo-damaged: no damaged part file of this stage.");
            return;
        }

        foreach (var part in redone.GroupBy(file => file.PartName))
        {
            error.WriteLine($"[{stage}] --redo-damaged: {part.Key} ({string.Join("; ", part.Select(file => $"{file.File.Path}: {file.Problem}"))}) is redone.");
        }
    }
}
