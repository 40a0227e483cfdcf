# The embedding service on a CUDA 13 + cuDNN 9 runtime base, as ONNX Runtime 1.31's CUDA provider needs.
# The same image runs on CPU: without a GPU the CUDA provider fails to start and the service falls back
# to CPU, saying so in its startup log and in Info.
#   docker build -f docker/embedding-service.Dockerfile -t engram-embedding .
#   docker run --rm --gpus all -p 50061:50061 -p 9464:9464 -v "$PWD/models:/models:ro" engram-embedding
#   docker run --rm -p 50061:50061 engram-embedding            # CPU, lexical embedder only
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Hugging Face's tokenizers run as a native library (Tokenizers.DotNet.runtime.linux-x64: glibc 2.34+ and
# libgcc_s, both in the Ubuntu 24.04 base); no ICU is needed, the service keeps InvariantGlobalization.
RUN dotnet publish src/EngramBulkLoad.Embedding.Service -c Release -r linux-x64 --self-contained false -o /app \
 && test -f /app/libhf_tokenizers.so

# Only a source of the ASP.NET Core runtime files; the final image is NVIDIA's.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS dotnet

FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && mkdir -p /models
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    EmbeddingService__ModelsRoot=/models \
    EmbeddingService__ListenAddress=0.0.0.0
WORKDIR /app
COPY --from=build /app .
# gRPC (HTTP/2) and Prometheus /metrics (HTTP/1.1).
EXPOSE 50061 9464
# One sub-folder per model, Hugging Face layout; mount read-only.
VOLUME /models
USER ubuntu
ENTRYPOINT ["dotnet", "EngramBulkLoad.Embedding.Service.dll"]
