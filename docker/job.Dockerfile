# The engram-bulkload job as a container: the same arguments as on the command line.
#   docker build -f docker/job.Dockerfile -t engram-bulkload .
#   docker run --rm -v "$PWD/snapshots:/work/snapshots" engram-bulkload demo
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/EngramBulkLoad.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /work
COPY --from=build /app /app
# Snapshots are written under /work; mount a volume there to keep them between runs.
ENTRYPOINT ["dotnet", "/app/engram-bulkload.dll"]
CMD ["demo"]
