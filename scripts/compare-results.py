#!/usr/bin/env python3
"""compare-results.py — check that two evalctl runs computed the same numbers.

    scripts/compare-results.py BEFORE_DIR AFTER_DIR [SUITE ...]

Each DIR holds one output folder per suite (DIR/<suite>/result.json and
predictions.jsonl, as written by `evalctl run --out DIR/<suite>`). The results
are compared exactly (floats bit for bit, as JSON text) after dropping what
differs between any two runs: the run block (id, timestamps, host, args),
efficiency and timing figures (also tokens/s and the CPU time to fit
harness probes), and the ONNX Runtime library path. Prints one
line per suite and up to 20 differing JSON paths; exits 1 if any differ.
Used for the golden before/after check of refactors (issue 12).
"""
import json
import os
import sys

VOLATILE = {"run", "efficiency", "library", "wall_seconds", "seconds", "duration", "timing", "started", "finished",
            "tokens_per_second", "examples_per_second",
            "cost"}  # measured energy and CPU time (harness/cost): differs run to run


def volatile(k, v):
    # adaptation.compute of harness-fitted probes is measured CPU time.
    return k in VOLATILE or k.endswith("_seconds") or (k == "compute" and isinstance(v, str) and "CPU-seconds" in v)


def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if not volatile(k, v)}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def diff(a, b, path, out):
    if len(out) >= 20:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'after' if k not in a else 'before'}")
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items before, {len(b)} after")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif json.dumps(a) != json.dumps(b):
        out.append(f"{path}: {json.dumps(a)[:80]} -> {json.dumps(b)[:80]}")


def load_preds(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return sorted(json.dumps(strip(json.loads(line)), sort_keys=True) for line in f if line.strip())


def main():
    before, after = sys.argv[1], sys.argv[2]
    suites = sys.argv[3:] or sorted(d for d in os.listdir(before) if os.path.isfile(os.path.join(before, d, "result.json")))
    bad = 0
    for s in suites:
        pa, pb = os.path.join(before, s, "result.json"), os.path.join(after, s, "result.json")
        if not os.path.exists(pb):
            print(f"{s}: MISSING after")
            bad += 1
            continue
        with open(pa) as f:
            a = strip(json.load(f))
        with open(pb) as f:
            b = strip(json.load(f))
        out = []
        diff(a, b, "$", out)
        qa, qb = load_preds(os.path.join(before, s, "predictions.jsonl")), load_preds(os.path.join(after, s, "predictions.jsonl"))
        if qa != qb:
            out.append("predictions.jsonl differs")
        nm = sum(len(e.get("metrics") or []) for e in a.get("evaluations") or [])
        if out:
            bad += 1
            print(f"{s}: DIFFERENT ({nm} evaluation metrics compared)")
            for line in out:
                print("   ", line)
        else:
            print(f"{s}: identical ({len(a.get('evaluations') or [])} evaluations, {nm} metrics, predictions equal)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
