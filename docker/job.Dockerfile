# The engram-bulkload job as a container: the same arguments as on the command line.
#   docker build -f docker/job.Dockerfile -t engram-bulkload .
#   docker run --rm -v "$PWD/snapshots:/work/snapshots" engram-bulkload demo
#     (without ENGRAM_URL the demo loads into an in-memory Engram stand-in inside the container, not Engram;
#      -e ENGRAM_URL=http://HOST:50051 loads into a real one)
#   docker run --rm -v "$PWD/snapshots:/work/snapshots" -v "$PWD/job.json:/work/job.json:ro" \
#     -e PGPASSWORD -e ENGRAM_URL engram-bulkload run -c job.json --embedding-service http://embedder:50061
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# --model runs the service's code in the job, so the job carries Hugging Face's tokenizers too
# (libhf_tokenizers.so: glibc 2.34+ and libgcc_s, both in the Debian 12 aspnet base; no ICU needed).
RUN dotnet publish src/EngramBulkLoad.Cli -c Release -r linux-x64 --self-contained false -o /app \
 && test -f /app/libhf_tokenizers.so \
 && rm -f /app/libonnxruntime_providers_cuda.so /app/libonnxruntime_providers_tensorrt.so
# (The CUDA provider is 280 MB the job never uses: with --model it runs ONNX on CPU, Auto falling back
# to CPU when the provider is absent. GPU embedding belongs to docker/embedding-service.Dockerfile.)

# ASP.NET Core runtime, not the plain one: `--model DIR` hosts the embedding service inside the job, and `demo`
# without an Engram hosts the in-memory Engram stand-in.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /app /app
# Snapshots are written under /work; mount a volume there to keep them between runs.
RUN mkdir -p /work && chown "$APP_UID" /work
WORKDIR /work
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/engram-bulkload.dll"]
CMD ["demo"]
