using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Options;
using Google.Protobuf;

namespace EngramBulkLoad.Embedding.Service.Grpc;

/// <summary>
/// How large an EmbedResponse gets, so a response that cannot be sent is known before inference: at
/// startup for a full request of short ids (a configuration error), and per request with its real ids
/// (INVALID_ARGUMENT, since sending the same request again can never succeed).
/// </summary>
internal static class ResponseSize
{
    // Per embedding beyond its vector and id: field tags and length prefixes (at most 1 + 5 for the
    // embedding, 1 + 3 for the vector bytes, 1 + 1 for the id), token_count (1 + 5), truncated (1 + 1).
    private const int PerEmbedding = 20;

    // model_id, dimension and request_id framing; a model id is a folder name, well under this.
    private const int PerResponse = 512;

    /// <summary>Bytes of a response with <paramref name="texts"/> vectors of <paramref name="dimension"/> values and empty ids.</summary>
    public static long Minimum(int texts, int dimension) => PerResponse + (texts * (PerEmbedding + (4L * dimension)));

    /// <summary>Bytes of the response to <paramref name="request"/> from a model of <paramref name="dimension"/> values.</summary>
    public static long For(EmbedRequest request, int dimension)
    {
        var size = Minimum(request.Items.Count, dimension) + CodedOutputStream.ComputeStringSize(request.RequestId);
        foreach (var item in request.Items)
        {
            size += CodedOutputStream.ComputeStringSize(item.Id);
        }

        return size;
    }

    /// <summary>Throws a ConfigException when a full request's vectors cannot fit in one response.</summary>
    public static void CheckLimit(RequestLimitOptions limits, string modelId, int dimension)
    {
        var needed = Minimum(limits.MaxTextsPerRequest, dimension);
        var fitting = (limits.MaxSendMessageBytes - PerResponse) / (PerEmbedding + (4L * dimension));
        EmbeddingServiceOptions.Require(
            needed <= limits.MaxSendMessageBytes,
            "EmbeddingService:Limits:MaxSendMessageBytes",
            $"is {limits.MaxSendMessageBytes}, but the response to a full request ({limits.MaxTextsPerRequest} texts, Limits:MaxTextsPerRequest) of model '{modelId}' ({dimension} values per vector) takes at least {needed} bytes; valid requests would fail after inference.",
            $"Raise MaxSendMessageBytes to at least {needed} plus room for the ids, or lower MaxTextsPerRequest to {Math.Max(1, fitting)} or less.");
    }
}
