using System.Diagnostics;
using System.Globalization;
using EngramBulkLoad.Benchmarks.Loading;

// Loader throughput against the Engram test server on loopback, same process.
//   dotnet run -c Release --project benchmarks/EngramBulkLoad.Benchmarks.Loading -- [--records 60000] [--in-flight 4] [--connections 1] [--batches 100,500,1000] [--repeat 2]
var records = 60_000;
var inFlight = 4;
var connections = 1;
var repeat = 2;
int[] batchSizes = [100, 500, 1000];
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--records":
            records = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--in-flight":
            inFlight = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--connections":
            connections = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--repeat":
            repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--batches":
            batchSizes = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            break;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}");
            return 2;
    }
}

Console.WriteLine($"Engram loader throughput: {records:N0} records of 768 floats, {inFlight} batches in flight over {connections} HTTP/2 connections, loopback test server in-process.");
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB available to .NET, {Environment.OSVersion}, .NET {Environment.Version}.");
await using var snapshot = await BenchSnapshot.CreateAsync(records, CancellationToken.None);
Console.WriteLine($"Snapshot: {snapshot.Parts} parts, vectors {snapshot.VectorBytes / (1 << 20):N0} MiB on disk.");
var producer = await MapOnly.RunAsync(snapshot, CancellationToken.None);
producer = await MapOnly.RunAsync(snapshot, CancellationToken.None);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Producer alone (no network), per record: read {producer.ReadSeconds * 1e6 / producer.Records:F1} us, map {producer.MapSeconds * 1e6 / producer.Records:F1} us, serialize {producer.SerializeSeconds * 1e6 / producer.Records:F1} us ({producer.Records / (producer.ReadSeconds + producer.MapSeconds + producer.SerializeSeconds):N0} records/s on one core); {producer.Bytes / producer.Records:N0} bytes per RememberRequest."));
Console.WriteLine();
Console.WriteLine("| batch | run | records | seconds | records/s | MB/s (payload) | CPU us/record (client+server) | peak working set MiB | retries |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var batch in batchSizes)
{
    // A first, unreported run warms up the JIT and connection paths for this batch size.
    await LoadRun.RunAsync(snapshot, batch, inFlight, connections, CancellationToken.None);
    for (var run = 1; run <= repeat; run++)
    {
        var result = await LoadRun.RunAsync(snapshot, batch, inFlight, connections, CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {batch} | {run} | {result.Records:N0} | {result.Seconds:F2} | {result.Records / result.Seconds:N0} | {(double)producer.Bytes / producer.Records * result.Records / 1e6 / result.Seconds:F1} | {result.CpuSeconds * 1e6 / result.Records:F0} | {result.PeakWorkingSet / (1 << 20):N0} | {result.Retries} |"));
    }
}

return 0;
