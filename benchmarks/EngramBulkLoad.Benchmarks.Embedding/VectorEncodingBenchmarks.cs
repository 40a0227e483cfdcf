using BenchmarkDotNet.Attributes;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using Google.Protobuf;

namespace EngramBulkLoad.Benchmarks.Embedding;

/// <summary>
/// Packed little-endian bytes against protobuf repeated float for a response of 64 vectors of 768 values:
/// the server's serialize and the client's parse-and-read, the two costs a response pays.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class VectorEncodingBenchmarks
{
    private float[][] _vectors = [];
    private byte[] _packedWire = [];
    private byte[] _repeatedWire = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _vectors = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 768).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        _packedWire = Build(VectorEncoding.PackedFloat32Le).ToByteArray();
        _repeatedWire = Build(VectorEncoding.RepeatedFloat).ToByteArray();
    }

    [Benchmark(Baseline = true)]
    public byte[] SerializeRepeated() => Build(VectorEncoding.RepeatedFloat).ToByteArray();

    [Benchmark]
    public byte[] SerializePacked() => Build(VectorEncoding.PackedFloat32Le).ToByteArray();

    [Benchmark]
    public float ParseRepeated() => Read(_repeatedWire);

    [Benchmark]
    public float ParsePacked() => Read(_packedWire);

    /// <summary>Bytes on the wire for each encoding (printed by the harness).</summary>
    public static (int Packed, int Repeated) WireSizes()
    {
        var benchmark = new VectorEncodingBenchmarks();
        benchmark.Setup();
        return (benchmark._packedWire.Length, benchmark._repeatedWire.Length);
    }

    private EmbedResponse Build(VectorEncoding encoding)
    {
        var response = new EmbedResponse { ModelId = "m", Dimension = 768 };
        for (var i = 0; i < _vectors.Length; i++)
        {
            var embedding = new EngramBulkLoad.Embedding.Protocol.Embedding { Id = "id-" + i, TokenCount = 100 };
            VectorCodec.Write(embedding, _vectors[i], encoding);
            response.Embeddings.Add(embedding);
        }

        return response;
    }

    private static float Read(byte[] wire)
    {
        var response = EmbedResponse.Parser.ParseFrom(wire);
        var sum = 0f;
        foreach (var embedding in response.Embeddings)
        {
            sum += VectorCodec.Read(embedding)![0];
        }

        return sum;
    }
}
