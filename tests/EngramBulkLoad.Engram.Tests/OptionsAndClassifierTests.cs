using System.Text.Json;
using EngramBulkLoad.Errors;
using Grpc.Core;

namespace EngramBulkLoad.Engram.Tests;

public sealed class OptionsAndClassifierTests
{
    [Fact]
    public void FromJson_EngramSection_BindsAndValidates()
    {
        using var json = JsonDocument.Parse("""
            {
              "address": "https://engram.example.com:50051",
              "memorySpaceId": "crm-import",
              "batchSize": 250,
              "maxBatchesInFlight": 8,
              "confidence": { "postgres": 0.9 },
              "associationTypes": { "FOLLOWS": "temporal" },
              "callTimeout": "00:02:00"
            }
            """);

        var options = EngramOptions.FromJson(json.RootElement);

        Assert.True(options.IsValidated);
        Assert.Equal(250, options.BatchSize);
        Assert.Equal(8, options.MaxBatchesInFlight);
        Assert.Equal(0.9, options.ConfidenceFor("Postgres"));
        Assert.Equal(0.7, options.ConfidenceFor("redis"));
        Assert.Equal(0.75, options.ConfidenceFor("unknown-kind"));
        Assert.Equal(TimeSpan.FromMinutes(2), options.CallTimeout);
        Assert.Equal(0.05, options.Activation);
        Assert.Equal("temporal", options.AssociationTypes["follows"]);
    }

    [Theory]
    [InlineData("""{ "batchSize": 0 }""", "engram.batchSize")]
    [InlineData("""{ "batchSize": 1001 }""", "engram.batchSize")]
    [InlineData("""{ "confidence": { "redis": 1.5 } }""", "engram.confidence.redis")]
    [InlineData("""{ "defaultAssociationType": "friendly" }""", "engram.defaultAssociationType")]
    [InlineData("""{ "address": "engram:50051" }""", "engram.address")]
    [InlineData("""{ "batchSise": 10 }""", "engram")]
    // The label says what answers when it is not an Engram (the demo's stand-in); the code sets it, a config cannot.
    [InlineData("""{ "label": "an Engram" }""", "engram.label")]
    public void FromJson_WrongValue_ConfigErrorNamesThePath(string section, string path)
    {
        using var json = JsonDocument.Parse(section);

        var error = Assert.Throws<ConfigException>(() => EngramOptions.FromJson(json.RootElement));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "", FailureKind.Transient)]
    [InlineData(StatusCode.ResourceExhausted, "", FailureKind.Transient)]
    [InlineData(StatusCode.DeadlineExceeded, "", FailureKind.Transient)]
    [InlineData(StatusCode.Aborted, "", FailureKind.Transient)]
    [InlineData(StatusCode.Unauthenticated, "", FailureKind.Fatal)]
    [InlineData(StatusCode.PermissionDenied, "", FailureKind.Fatal)]
    [InlineData(StatusCode.InvalidArgument, "Invalid memory_space_id: too short", FailureKind.Fatal)]
    [InlineData(StatusCode.InvalidArgument, "Embedding must be exactly 768 dimensions", FailureKind.Record)]
    [InlineData(StatusCode.FailedPrecondition, "", FailureKind.Record)]
    [InlineData(StatusCode.Internal, "boom", FailureKind.Fatal)]
    [InlineData(StatusCode.Unimplemented, "", FailureKind.Fatal)]
    internal void Classify_Status_TransientRecordOrFatal(StatusCode code, string detail, FailureKind expected)
    {
        Assert.Equal(expected, StatusClassifier.Classify(new RpcException(new Status(code, detail))));
    }

    [Fact]
    public void Classify_InternalCausedByConnectionReset_Transient()
    {
        var error = new RpcException(new Status(StatusCode.Internal, "Error reading next message.", new IOException("The response ended prematurely.")));

        Assert.Equal(FailureKind.Transient, StatusClassifier.Classify(error));
    }
}
