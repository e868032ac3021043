#!/usr/bin/python3
"""scikit-learn's reference for the fast tier, on the very folds arbiter-cascade-bench used.

Reads the examples and folds `arbiter-cascade-bench cv --folds-out FILE` wrote and, per dataset
and label, cross-validates the issue's linear reference: TF-IDF word 1-2-grams and character
2-5-grams (char_wb, sublinear tf, each block L2-normalised), logistic regression (liblinear,
C=1, scikit-learn's defaults otherwise). Prints ROC-AUC and PR-AUC (average precision) of the
pooled out-of-fold scores, as the bench prints its own. Debian's python3-sklearn.
"""
import json
import sys
from collections import OrderedDict

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

C = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
TOL = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
groups = OrderedDict()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        groups.setdefault((r["dataset"], r["label"]), []).append(r)

print("%-20s %-5s %-18s %6s %5s %8s %7s" % ("dataset", "label", "learner", "items", "pos", "roc_auc", "pr_auc"))
for (dataset, label), rows in groups.items():
    texts = np.array([r["text"] for r in rows], dtype=object)
    gold = np.array([r["gold"] for r in rows], dtype=int)
    fold = np.array([r["fold"] for r in rows])
    scores = np.zeros(len(rows))
    for k in sorted(set(fold)):
        train, test = fold != k, fold == k
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        x_train = sp.hstack([words.fit_transform(texts[train]), chars.fit_transform(texts[train])]).tocsr()
        x_test = sp.hstack([words.transform(texts[test]), chars.transform(texts[test])]).tocsr()
        model = LogisticRegression(C=C, solver="liblinear", tol=TOL, max_iter=10000).fit(x_train, gold[train])
        scores[test] = model.predict_proba(x_test)[:, 1]
    print("%-20s %-5s %-18s %6d %5d %8.4f %7.4f" % (dataset, label, "sklearn C=%g tol=%g" % (C, TOL), len(rows), gold.sum(),
                                                roc_auc_score(gold, scores), average_precision_score(gold, scores)))
    sys.stdout.flush()
