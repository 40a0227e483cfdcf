using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Service.Options;

/// <summary>
/// Everything the service is configured with, bound from the <c>EmbeddingService</c> configuration
/// section (appsettings.json or environment variables such as <c>EmbeddingService__ModelsRoot</c>).
/// Validated once at startup by <see cref="Validate"/>.
/// </summary>
public sealed class EmbeddingServiceOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "EmbeddingService";

    /// <summary>Folder whose sub-folders are Hugging Face style model folders; each is loaded under its folder name. Default none.</summary>
    public string? ModelsRoot { get; set; }

    /// <summary>Individual model folders to load, in addition to those under <see cref="ModelsRoot"/>. Default none.</summary>
    public List<ModelFolderOptions> Models { get; set; } = [];

    /// <summary>Also serve the offline lexical embedder as model "lexical-hash-768-v1". Default true, so the service runs without model files.</summary>
    public bool ServeLexical { get; set; } = true;

    /// <summary>The model used when a request names none. Default: the first ONNX model loaded, else the lexical one.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Where inference runs: Auto (CUDA when it can start, else CPU), Cuda (fail without it), or Cpu. Default Auto.</summary>
    public ExecutionProviderPreference ExecutionProvider { get; set; } = ExecutionProviderPreference.Auto;

    /// <summary>Use a folder's fp16 export (model_fp16.onnx) when running on CUDA: Auto (yes when present), Fp32, Fp16. Default Auto.</summary>
    public PrecisionPreference Precision { get; set; } = PrecisionPreference.Auto;

    /// <summary>CUDA device ordinal. Default 0.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Bytes the CUDA provider's memory arena may hold on the device (ONNX Runtime's <c>gpu_mem_limit</c>),
    /// for a GPU shared with other replicas or models. With a limit the arena grows only by what each
    /// allocation asks (<c>kSameAsRequested</c>), so a batch that does not fit fails to allocate and is split
    /// and retried. Default unset: no limit beyond the device's memory.
    /// </summary>
    public long? CudaMemoryLimitBytes { get; set; }

    /// <summary>ONNX Runtime intra-op threads on CPU; 0 lets ONNX Runtime choose (one per core). Default 0.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Let ONNX Runtime's CPU threads spin while waiting for work. Default false: the service shares its
    /// cores with request handling and tokenization, which spinning threads would starve.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Port of the gRPC endpoint (HTTP/2 without TLS). Default 50061; 0 picks a free port.</summary>
    public int GrpcPort { get; set; } = 50061;

    /// <summary>Port of the HTTP/1.1 endpoint serving <c>/metrics</c> for Prometheus. Default 9464; 0 picks a free port.</summary>
    public int MetricsPort { get; set; } = 9464;

    /// <summary>Address to listen on. Default "0.0.0.0" (all interfaces, as a container needs).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>When set, every call except health checks must carry <c>authorization: Bearer &lt;token&gt;</c>. Default none.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Limits on requests.</summary>
    public RequestLimitOptions Limits { get; set; } = new();

    /// <summary>How texts from all callers are packed into inference batches.</summary>
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>Throws a <see cref="ConfigException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        Require(GrpcPort is >= 0 and <= 65535, "EmbeddingService:GrpcPort", $"must be a port number, found {GrpcPort}.", "The default is 50061.");
        Require(MetricsPort is >= 0 and <= 65535, "EmbeddingService:MetricsPort", $"must be a port number, found {MetricsPort}.", "The default is 9464.");
        Require(GrpcPort == 0 || GrpcPort != MetricsPort, "EmbeddingService:MetricsPort", "must differ from GrpcPort: gRPC needs HTTP/2 and Prometheus scrapes HTTP/1.1.", "Pick another port.");
        Require(System.Net.IPAddress.TryParse(ListenAddress, out _), "EmbeddingService:ListenAddress", $"'{ListenAddress}' is not an IP address.", "Use 0.0.0.0 or 127.0.0.1.");
        Require(CudaDeviceId >= 0, "EmbeddingService:CudaDeviceId", $"must not be negative, found {CudaDeviceId}.", "The default is 0.");
        Require(CudaMemoryLimitBytes is null or >= 256L * 1024 * 1024, "EmbeddingService:CudaMemoryLimitBytes", $"must be at least 268435456 (256 MiB) when set, found {CudaMemoryLimitBytes}.", "A BERT-base model alone takes about 440 MB in fp32; leave it unset for no limit.");
        Require(IntraOpThreads is >= 0 and <= 1024, "EmbeddingService:IntraOpThreads", $"must be between 0 and 1024, found {IntraOpThreads}.", "0 lets ONNX Runtime choose.");
        Require(BearerToken is null || BearerToken.Length >= 16, "EmbeddingService:BearerToken", "is shorter than 16 characters.", "Use a long random token, or leave it unset to disable authentication.");
        Require(ServeLexical || Models.Count > 0 || !string.IsNullOrEmpty(ModelsRoot), "EmbeddingService", "no model is configured and the lexical embedder is off.", "Set ModelsRoot or Models, or ServeLexical=true.");
        foreach (var (model, index) in Models.Select((m, i) => (m, i)))
        {
            model.Validate($"EmbeddingService:Models:{index}");
        }

        Limits.Validate();
        Batching.Validate(Limits);
    }

    internal static void Require(bool ok, string path, string problem, string fix)
    {
        if (!ok)
        {
            throw ErrorFactory.Config(path, problem, fix);
        }
    }
}

/// <summary>One model folder to load.</summary>
public sealed class ModelFolderOptions
{
    /// <summary>The folder (Hugging Face layout: model.onnx or onnx/model.onnx, config.json, tokenizer files). Required.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>The id the model is served under. Default: the folder's name.</summary>
    public string? Id { get; set; }

    /// <summary>Tokens beyond which a text is cut. Default: sentence_bert_config.json's max_seq_length, else tokenizer_config.json's model_max_length, else 512.</summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>
    /// Text put in front of every text before tokenizing, as sentence-transformers' prompt does: e5 models
    /// want "passage: " for documents, bge models an instruction. Default none. Whether its tokens count in
    /// the pooling is the model's include_prompt (1_Pooling/config.json).
    /// </summary>
    public string? Prompt { get; set; }

    internal void Validate(string path)
    {
        EmbeddingServiceOptions.Require(Prompt is null || Prompt.Length <= 1024, path + ":Prompt", $"is {Prompt?.Length} characters long; at most 1024 were expected.", "Use the model's documented prompt, e.g. \"passage: \" for e5.");
        EmbeddingServiceOptions.Require(!string.IsNullOrWhiteSpace(Path), path + ":Path", "is empty.", "Give the model folder's path.");
        EmbeddingServiceOptions.Require(MaxSequenceLength is null or (>= 8 and <= 8192), path + ":MaxSequenceLength", $"must be between 8 and 8192, found {MaxSequenceLength}.", "Leave it unset to take the model's own limit.");
    }
}

/// <summary>Which ONNX Runtime execution provider to use.</summary>
public enum ExecutionProviderPreference
{
    /// <summary>CUDA when its libraries and a GPU are there, else CPU.</summary>
    Auto,

    /// <summary>CUDA or fail at startup.</summary>
    Cuda,

    /// <summary>CPU only.</summary>
    Cpu,
}

/// <summary>Which export of a model to load.</summary>
public enum PrecisionPreference
{
    /// <summary>fp16 on CUDA when the folder has an fp16 export; fp32 otherwise.</summary>
    Auto,

    /// <summary>Always the fp32 export.</summary>
    Fp32,

    /// <summary>The fp16 export; fail when the folder has none.</summary>
    Fp16,
}
