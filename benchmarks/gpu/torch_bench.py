"""(d) of the GPU kit: the kit's model architecture in PyTorch fp16 through transformers, side by side.

BertModel is built from the kit model's config.json (random weights: the same architecture, not the same
numbers), run in fp16 on CUDA with its default attention (SDPA), mean pooling over the attention mask and
L2 normalization, over the same texts tokenized by BertTokenizerFast from the same vocab.txt and cut at the
same maximum length. Texts are sorted by length and packed by the same token budgets the service sweeps, so
PyTorch gets the batching the service has; tokenization and copying vectors to the host are timed, as they
are in the service. Writes one JSON file.
"""
import argparse
import json
import time

import torch
from transformers import BertConfig, BertModel, BertTokenizerFast


def batches(lengths, budget, max_texts):
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batch, longest = [], 0
    for i in order:
        new_longest = max(longest, lengths[i])
        if batch and (len(batch) + 1 > max_texts or (len(batch) + 1) * new_longest > budget):
            yield batch
            batch, new_longest = [], lengths[i]
        batch.append(i)
        longest = new_longest
    if batch:
        yield batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--texts", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--max-length", type=int, default=384)
    parser.add_argument("--budgets", default="16384,65536")
    parser.add_argument("--batch-texts", default="64,256")
    args = parser.parse_args()

    texts = [line.rstrip("\n") for line in open(args.texts, encoding="utf-8")]
    config = BertConfig.from_json_file(f"{args.model}/config.json")
    tokenizer = BertTokenizerFast(vocab_file=f"{args.model}/vocab.txt", do_lower_case=True)
    model = BertModel(config, add_pooling_layer=False).half().cuda().eval()
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]]

    def embed(batch_texts):
        encoded = tokenizer(batch_texts, truncation=True, max_length=args.max_length, padding=True, return_tensors="pt").to("cuda")
        hidden = model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(pooled.float(), dim=-1).cpu()

    points = []
    with torch.inference_mode():
        embed(texts[:64])
        for budget in [int(b) for b in args.budgets.split(",")]:
            for max_texts in [int(b) for b in args.batch_texts.split(",")]:
                plan = list(batches(lengths, budget, max_texts))
                done = tokens = 0
                torch.cuda.synchronize()
                start = time.perf_counter()
                while time.perf_counter() - start < args.seconds:
                    for batch in plan:
                        embed([texts[i] for i in batch])
                        done += len(batch)
                        tokens += sum(lengths[i] for i in batch)
                        if time.perf_counter() - start >= args.seconds:
                            break
                torch.cuda.synchronize()
                seconds = time.perf_counter() - start
                point = {"precision": "fp16", "token_budget": budget, "max_batch_texts": max_texts, "texts": done,
                         "seconds": seconds, "texts_per_second": done / seconds, "tokens_per_second": tokens / seconds}
                points.append(point)
                print(f"(d) PyTorch fp16, budget {budget:6}, batch <= {max_texts:4}: {point['texts_per_second']:9.1f} texts/s {point['tokens_per_second']:11.0f} tokens/s", flush=True)
    result = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(0),
        "attention": getattr(model.config, "_attn_implementation", "unknown"),
        "points": points,
    }
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=2)


if __name__ == "__main__":
    main()
