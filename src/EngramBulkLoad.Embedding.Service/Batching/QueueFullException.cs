namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>The model's queue cannot take the request now; the service answers RESOURCE_EXHAUSTED.</summary>
internal sealed class QueueFullException(string modelId, int requested, int queued, int capacity)
    : Exception($"Model '{modelId}' has {queued} of {capacity} texts queued and cannot take {requested} more; retry with backoff or add replicas.");
