using EngramBulkLoad.Embedding.Service;

var app = await EmbeddingServer.CreateAsync(args, CancellationToken.None);
await app.RunAsync();
