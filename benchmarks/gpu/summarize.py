"""Prints the GPU kit's summary (markdown) from results.json and, when present, torch.json."""
import json
import os
import sys

folder = sys.argv[1]
results = json.load(open(os.path.join(folder, "results.json"), encoding="utf-8"))
torch_path = os.path.join(folder, "torch.json")
torch = json.load(open(torch_path, encoding="utf-8")) if os.path.exists(torch_path) else None

print(f"# GPU kit results\n\nMachine: {results['machine']}; provider asked: {results['provider']}; {results['texts']} texts; "
      f"{results['started']} to {results['finished']}.\n")
for key, label in (("provider_agreement", "(a) CUDA fp32 vs CPU fp32"), ("precision_agreement", "(b) fp16 vs CPU fp32")):
    check = results.get(key)
    if check is None:
        continue
    if check.get("skipped"):
        print(f"- {label}: skipped, {check['skipped']}")
    else:
        verdict = "PASS" if check["passed"] else "FAIL"
        print(f"- {label}: {check['left']} vs {check['right']}, {check['texts']} texts, min cosine {check['min_cosine']:.6f}, "
              f"mean {check['mean_cosine']:.6f} (goal >= {check['goal']}): {verdict}")
oom = results.get("out_of_memory")
if oom is not None:
    if oom.get("skipped"):
        print(f"- (e) out-of-memory split: skipped, {oom['skipped']}")
    else:
        print(f"- (e) out-of-memory split under {oom['memory_limit_bytes'] // 2**20} MiB: {oom['texts']} texts of {oom['tokens_per_text']} tokens, "
              f"{oom['splits']:.0f} splits, min cosine {oom['min_cosine']:.6f}: {'PASS' if oom['passed'] else 'FAIL ' + str(oom.get('error'))}")

points = results.get("throughput", [])
if points:
    print("\n(c) Service throughput (gRPC, 64 texts a call):\n")
    print("| provider | precision | callers | token budget | batch <= | texts/s | tokens/s | padding | refusals |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in points:
        print(f"| {p['provider']} | {p['precision']} | {p['callers']} | {p['token_budget']} | {p['max_batch_texts']} | "
              f"{p['texts_per_second']:.1f} | {p['tokens_per_second']:.0f} | {p['padding_share']:.1%} | {p['refused']} |")
if torch:
    print(f"\n(d) PyTorch {torch['torch']} (CUDA {torch['cuda']}, {torch['device']}, attention {torch['attention']}), fp16:\n")
    print("| token budget | batch <= | texts/s | tokens/s |")
    print("| ---: | ---: | ---: | ---: |")
    for p in torch["points"]:
        print(f"| {p['token_budget']} | {p['max_batch_texts']} | {p['texts_per_second']:.1f} | {p['tokens_per_second']:.0f} |")
    best_service = max((p for p in points if p["precision"] == "fp16"), key=lambda p: p["texts_per_second"], default=None)
    best_torch = max(torch["points"], key=lambda p: p["texts_per_second"])
    if best_service:
        ratio = best_service["texts_per_second"] / best_torch["texts_per_second"]
        print(f"\nBest service fp16 {best_service['texts_per_second']:.1f} texts/s ({best_service['callers']} callers) vs best PyTorch fp16 "
              f"{best_torch['texts_per_second']:.1f} texts/s: ratio {ratio:.2f} (goal >= 2): {'PASS' if ratio >= 2 else 'FAIL'}")
else:
    print("\n(d) PyTorch: not run (dry run, or torch with CUDA not importable).")
