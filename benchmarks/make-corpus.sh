#!/usr/bin/env bash
# Writes the end-to-end benchmarks' corpus into FOLDER, once: N JSONL documents of about 500 bytes of
# text, N links between random documents, and a job config (job.json) that stages both.
#   benchmarks/make-corpus.sh FOLDER N
set -euo pipefail
FOLDER="$1"; N="$2"
[ -f "$FOLDER/docs.jsonl" ] && exit 0
echo "[bench] generating $N documents (about 500 bytes of text each) and $N links in $FOLDER" >&2
mkdir -p "$FOLDER"
python3 - "$FOLDER" "$N" <<'PY'
import json, random, sys
folder, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(5)
words = "engram memory graph vector confidence decay association parquet snapshot cluster replica schema tier recall cue episode semantic migration batch shard".split()
with open(f"{folder}/docs.jsonl", "w") as docs, open(f"{folder}/links.jsonl", "w") as links:
    for i in range(1, n + 1):
        body = " ".join(rng.choice(words) for _ in range(60)) + f" ref-{i}"
        docs.write(json.dumps({"id": i, "title": f"document {i}", "body": body, "team": f"team-{i % 50}"}) + "\n")
        links.write(json.dumps({"from": i, "to": rng.randint(1, n), "type": "related"}) + "\n")
PY
cat > "$FOLDER/job.json" <<JSON
{ "migrationId": "bench-e2e", "snapshot": "snapshot",
  "sources": [ { "name": "docs", "kind": "jsonl", "path": "docs.jsonl", "collection": "docs", "key": "id", "template": "{title}\n\n{body}",
                 "edges": { "path": "links.jsonl", "from": "from", "to": "to", "relation": "type" } } ] }
JSON
