#!/usr/bin/python3
"""fastText's own autotune on the folds arbiter-cascade-bench cv wrote (--folds-out), for the
labels named: the comparison issue 17 asks for beside arbiter's fixed fastText options.

  bench/fasttext_autotune_cv.py FOLDS.jsonl SECONDS DATASET:LABEL...

Per fold: the training part is split 80/20 (stratified, seeded), `fasttext supervised` searches
for SECONDS on it with the 20% as its validation file (metric: F1 of the violation label), the
best options it prints are used to train again on the whole training part, and that model scores
the held-out fold. The bucket count and the dimension stay fixed (2M, 50), and a search that runs
far past SECONDS is stopped and repeated with another seed (see the comments below). Prints
ROC-AUC and PR-AUC of the pooled out-of-fold scores, as the bench does, and the options each fold
chose. Needs Debian's fasttext (the CLI) and python3-sklearn; one
thread, so that it leaves the rest of the machine alone.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

STOPPED = [0]  # searches stopped for running far past their duration
TUNED = ["epoch", "lr", "dim", "minCount", "wordNgrams", "minn", "maxn", "bucket", "loss"]


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(("__label__violation " if r["gold"] else "__label__safe ") + r["fasttext_line"] + "\n")


def best_options(output):
    """The options autotune's last "Best selected args" block lists."""
    lines = output.replace("\r", "\n").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("Best selected args"))
    options = {}
    for line in lines[start + 1:]:
        key, sep, value = line.partition(" = ")
        if not sep:
            break
        if key in TUNED:  # dsub (quantization only) sits between dim's and loss's lines
            options[key] = value.strip()
    return options


def fold_scores(rows, train, test, seconds, work, seed):
    rng = random.Random(seed)
    by_class = {True: [r for r in train if r["gold"]], False: [r for r in train if not r["gold"]]}
    search, validation = [], []
    for group in by_class.values():
        rng.shuffle(group)
        cut = len(group) // 5
        validation += group[:cut]
        search += group[cut:]
    paths = {name: os.path.join(work, name + ".txt") for name in ("search", "validation", "train", "test")}
    write(paths["search"], search)
    write(paths["validation"], validation)
    write(paths["train"], train)
    write(paths["test"], test)
    search_command = ["fasttext", "supervised", "-input", paths["search"], "-output", os.path.join(work, "tuned"),
                      "-autotune-validation", paths["validation"], "-autotune-duration", str(seconds),
                      "-autotune-metric", "f1:__label__violation", "-thread", "1", "-verbose", "3",
                      # Left free, autotune tries up to 10M buckets of hundreds of dimensions
                      # (gigabytes a model), and one fold's search and retraining ran over 10
                      # minutes here. Kept at arbiter's fastText options; epochs, learning rate,
                      # word and character n-grams, minCount and loss are tuned.
                      "-bucket", "2000000", "-dim", "50"]
    # Some searches never return (one ran 12 CPU minutes past a 20 s duration); they are stopped
    # and the fold searched again with another seed, and the count is reported.
    for attempt in range(3):
        try:
            tuned = subprocess.run(search_command + ["-seed", str(seed + 100 * attempt)], capture_output=True,
                                   text=True, check=True, timeout=seconds * 3 + 60)
            break
        except subprocess.TimeoutExpired:
            STOPPED[0] += 1
    else:
        raise RuntimeError("autotune did not return in three attempts")
    options = best_options(tuned.stdout + tuned.stderr)
    command = ["fasttext", "supervised", "-input", paths["train"], "-output", os.path.join(work, "final"),
               "-thread", "1", "-seed", str(seed), "-verbose", "0"]
    for key, value in options.items():
        command += ["-" + key, value]
    subprocess.run(command, capture_output=True, check=True)
    predicted = subprocess.run(["fasttext", "predict-prob", os.path.join(work, "final.bin"), paths["test"], "2"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
    scores = []
    for line in predicted:
        fields = line.split()
        labels = dict(zip(fields[0::2], map(float, fields[1::2])))
        scores.append(labels.get("__label__violation", 1 - labels.get("__label__safe", 0.5)))
    return scores, options


def main():
    folds_file, seconds, wanted = sys.argv[1], int(sys.argv[2]), set(sys.argv[3:])
    groups = {}
    with open(folds_file, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["dataset"] + ":" + r["label"] in wanted:
                groups.setdefault((r["dataset"], r["label"]), []).append(r)
    print("%-20s %-5s %-18s %6s %5s %8s %7s" % ("dataset", "label", "learner", "items", "pos", "roc_auc", "pr_auc"))
    for (dataset, label), rows in groups.items():
        scores = np.zeros(len(rows))
        chosen = []
        for k in sorted({r["fold"] for r in rows}):
            train = [r for r in rows if r["fold"] != k]
            test_index = [i for i, r in enumerate(rows) if r["fold"] == k]
            with tempfile.TemporaryDirectory() as work:
                s, options = fold_scores(rows, train, [rows[i] for i in test_index], seconds, work, k + 1)
            scores[test_index] = s
            chosen.append(options)
        gold = np.array([r["gold"] for r in rows], dtype=int)
        print("%-20s %-5s %-18s %6d %5d %8.4f %7.4f" % (dataset, label, "fasttext autotune", len(rows), gold.sum(),
                                                    roc_auc_score(gold, scores), average_precision_score(gold, scores)))
        print("  searches stopped past their duration so far: %d" % STOPPED[0])
        for k, options in enumerate(chosen):
            print("  fold %d: %s" % (k, " ".join("%s=%s" % kv for kv in options.items())))
        sys.stdout.flush()


main()
