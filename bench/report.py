#!/usr/bin/python3
"""Turns the JSON of one bench/run into the results table and appends it to bench/RESULTS.md."""
import argparse
import datetime
import json
import pathlib
import re
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--command", required=True)
ap.add_argument("--results", required=True)
ap.add_argument("--policy", required=True)
ap.add_argument("--device", help="the GPU both engines ran on (bench/gpu-run); absent: the CPU")
args = ap.parse_args()
out = pathlib.Path(args.out)
probe, base, reason, score = (json.loads((out / f"{n}.json").read_text()) for n in ("probe", "baseline", "reason", "score"))


def kv_mib(log):
    """KV cache size as llama.cpp logs it when the context is created (None when not logged)."""
    text = (out / log).read_text(errors="replace")
    sizes = [float(m) for m in re.findall(r"llama_kv_cache: size = +([\d.]+) MiB", text)]
    return sum(sizes) if sizes else None


base["kv_mib"], reason["kv_mib"], score["kv_mib"] = kv_mib("server.log"), kv_mib("reason.log"), kv_mib("score.log")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
content = score["content_tokens_per_item"]
ideal = probe["model_prefill_tokens_per_second"] / content  # items/s if only the content were evaluated


def ceiling_line():
    """What llama.cpp alone reaches on this model; on a CPU, also as a share of the machine's peak."""
    prefill, decode = probe["model_prefill_tokens_per_second"], probe["model_decode_tokens_per_second"]
    gflops, gbps = prefill * probe["flops_per_token"] / 1e9, decode * probe["bytes_per_token"] / 1e9
    if args.device:
        return (f"Model through llama.cpp directly on the GPU: prefill {prefill:.1f} tokens/s ({gflops:.0f} GFLOP/s), "
                f"decode {decode:.1f} tokens/s ({gbps:.1f} GB/s).")
    return (f"Machine ceiling (same run): FP32 FMA {probe['fma_gflops']:.0f} GFLOP/s, triad {probe['triad_gbps']:.1f} GB/s. "
            f"Model through llama.cpp directly: prefill {prefill:.1f} tokens/s ({gflops:.0f} GFLOP/s, "
            f"{100 * gflops / probe['fma_gflops']:.0f}% of FMA peak), decode {decode:.1f} tokens/s ({gbps:.1f} GB/s, "
            f"{100 * gbps / probe['triad_gbps']:.0f}% of triad).")


rows = [("llama-server (baseline)", base), ("arbiter reason", reason), ("arbiter score", score)]
on = f"{args.device} (CPU: {cpu})" if args.device else f"{cpu}, {probe['threads']} threads"
lines = [
    f"## {datetime.date.today()} · commit {commit} · {on}",
    "",
    f"Command: `{args.command}`",
    "",
    ceiling_line(),
    "",
    f"arbiter's engine: {probe.get('engine', 'not recorded')}.",
    "",
    f"Workload: {base['items']} items of openai-moderation, policy {args.policy}, policy prefix "
    f"{score['prefix_tokens']} tokens, {content:.1f} content tokens per item on average.",
    "",
    "| engine | items/s | prompt tokens evaluated / item | generated / item | TTV p50 ms | TTV p95 ms | peak RSS MiB | KV MiB | failures |",
    "|---|---|---|---|---|---|---|---|---|",
]
for name, r in rows:
    kv = "n/a" if r["kv_mib"] is None else f"{r['kv_mib']:.0f}"
    lines.append(f"| {name} | {r['items_per_second']:.3f} | {r['prompt_tokens_evaluated_per_item']:.1f} | "
                 f"{r['generated_per_item']:.1f} | {r['ttv_p50_ms']:.0f} | {r['ttv_p95_ms']:.0f} | "
                 f"{r['peak_rss_mib']:.0f} | {kv} | {r['failures']} |")
# The CPU targets are the embedded engine's own (docs/engine.md); on a GPU, issue 32's goal.
reason_target, score_target = (1.2, 1.2) if args.device else (1.5, 10)
checks = [
    (f"reason items/s vs baseline (target >= {reason_target})", reason["items_per_second"] / base["items_per_second"],
     reason_target, True),
    (f"score items/s vs baseline (target >= {score_target})", score["items_per_second"] / base["items_per_second"],
     score_target, True),
    ("score prompt tokens evaluated / content tokens (target <= 1.05)",
     score["prompt_tokens_evaluated_per_item"] / content, 1.05, False),
]
# The ideal is one sequence's prefill of 512 tokens: a CPU's bound, not a GPU's, which does far more
# when many sequences share a batch.
if not args.device:
    checks.append(("score items/s vs ideal prefill-bound items/s (target >= 0.9)", score["items_per_second"] / ideal,
                   0.9, True))
lines += ["", "| ratio | value | met |", "|---|---|---|"]
for name, value, target, higher in checks:
    met = value >= target if higher else value <= target
    lines.append(f"| {name} | {value:.2f} | {'yes' if met else 'no'} |")
# Context for the targets, measured in the same run. No engine's score mode can pass the ideal
# prefill-bound rate, so ideal / baseline bounds the score-vs-baseline ratio on this machine; and
# the prompt tokens beyond the one evaluation of the policy prefix show what amortisation leaves.
beyond_prefix = (score["prompt_tokens_evaluated_per_item"] * score["items"] - score["prefix_tokens"]) / score["items"]
if not args.device:
    lines.append(f"| (bound) ideal prefill-bound items/s vs baseline: the most any score mode reaches here | "
                 f"{ideal / base['items_per_second']:.2f} | |")
lines.append(f"| (context) score prompt tokens beyond the one prefix evaluation / content tokens | "
             f"{beyond_prefix / content:.2f} | |")
text = "\n".join(lines) + "\n"
print(text)
results = pathlib.Path(args.results)
if not results.exists():
    results.write_text("# Benchmark results\n\nAppended by bench/run; see bench/README.md for what each column means.\n\n")
with results.open("a") as f:
    f.write("\n" + text)
