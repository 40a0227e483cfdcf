namespace EngramBulkLoad.Tests.Shared;

/// <summary>
/// A fresh folder under the system temp folder, deleted when the test ends. Compiled into every test
/// project that writes snapshots, model folders or corpora.
/// </summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ebl-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a failed test, or mapped by a disposed ONNX session on some systems;
            // the OS temp cleaner takes it.
        }
    }
}
