using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding;
using EngramBulkLoad.Embedding.Service.Hosting;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Stage;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>
/// <c>--model DIR</c>: the embedding service started inside the job for one model folder, and the
/// ordinary gRPC client talking to it. Disposing the embedder stops the service.
/// </summary>
internal sealed class LocalModelEmbedder : ITextEmbedder
{
    private readonly LocalEmbeddingService _service;
    private readonly ITextEmbedder _client;

    private LocalModelEmbedder(LocalEmbeddingService service, ITextEmbedder client)
    {
        _service = service;
        _client = client;
    }

    public EmbedderInfo Info => _client.Info;

    public static async Task<LocalModelEmbedder> StartAsync(string folder, ExecutionProviderPreference provider, ConfigNode? section, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw ErrorFactory.Config("--model", $"model folder '{folder}' does not exist.", "Point it at a Hugging Face style export: model.onnx (or onnx/model.onnx), tokenizer files and config.json.");
        }

        var service = await LocalEmbeddingService.StartAsync(folder, provider, cancellationToken);
        try
        {
            // The section's client settings (texts per call, calls in flight, deadline) still apply.
            var client = await EmbedderFactory.CreateAsync(section, service.Address.ToString(), cancellationToken);
            section?.RejectUnknown();
            return new LocalModelEmbedder(service, client);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public Task<IReadOnlyList<EmbeddingOutput>> EmbedAsync(IReadOnlyList<EmbeddingInput> items, CancellationToken cancellationToken)
        => _client.EmbedAsync(items, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _service.DisposeAsync();
    }
}
