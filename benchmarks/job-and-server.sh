# Sourced by the end-to-end benchmarks (run from the repository root): installs /usr/bin/time when it is
# missing (peak RSS and CPU come from `time -v`), builds the job and the Engram test server in Release,
# and sets JOB and SERVER to their entry assemblies.
log() { echo "[bench] $*" >&2; }

if [ ! -x /usr/bin/time ]; then
  SUDO=""; if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time >/dev/null
fi

log "building Release"
dotnet build -c Release -v q -nologo src/EngramBulkLoad.Cli >/dev/null
dotnet build -c Release -v q -nologo tests/EngramBulkLoad.Engram.TestServer >/dev/null
JOB="$PWD/src/EngramBulkLoad.Cli/bin/Release/net10.0/engram-bulkload.dll"
SERVER="$PWD/tests/EngramBulkLoad.Engram.TestServer/bin/Release/net10.0/EngramBulkLoad.Engram.TestServer.dll"
