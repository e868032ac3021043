#!/usr/bin/python3
"""Reference values for tests/metrics_test.cpp, from Debian's python3-sklearn and python3-scipy.

Generates a labelled case from a seed (with tied scores, as real probabilities have) and prints
the inputs and scikit-learn's metrics as one JSON object.
"""
import json
import sys

import numpy as np
from scipy.stats import binomtest
from sklearn import metrics

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
rng = np.random.default_rng(seed)
gold = rng.random(n) < 0.3
# Scores correlated with the labels, rounded so that ties occur.
scores = np.round(np.clip(0.35 * gold + rng.random(n) * 0.65, 0, 1), 2)
predicted = scores >= 0.5
second = rng.random(n) < np.where(gold, 0.7, 0.2)

precision, recall, thresholds = metrics.precision_recall_curve(gold, scores)
b = int(np.sum((predicted == gold) & (second != gold)))
c = int(np.sum((predicted != gold) & (second == gold)))
print(json.dumps({
    "gold": gold.astype(int).tolist(),
    "scores": scores.tolist(),
    "predicted": predicted.astype(int).tolist(),
    "second": second.astype(int).tolist(),
    "precision": metrics.precision_score(gold, predicted, zero_division=0),
    "recall": metrics.recall_score(gold, predicted, zero_division=0),
    "f1": metrics.f1_score(gold, predicted, zero_division=0),
    "accuracy": metrics.accuracy_score(gold, predicted),
    "confusion": metrics.confusion_matrix(gold, predicted, labels=[False, True]).ravel().tolist(),
    "roc_auc": metrics.roc_auc_score(gold, scores),
    "average_precision": metrics.average_precision_score(gold, scores),
    "pr_thresholds": thresholds.tolist(),
    "pr_precision": precision[:-1].tolist(),
    "pr_recall": recall[:-1].tolist(),
    "mcnemar_b": b,
    "mcnemar_c": c,
    "mcnemar_p": binomtest(min(b, c), b + c, 0.5).pvalue if b + c > 0 else 1.0,
}))
