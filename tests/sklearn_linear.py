#!/usr/bin/python3
"""Reference for tests/cascade_linear_test.cpp: scikit-learn's TF-IDF and logistic regression, the
pipeline the linear fast tier copies (bench/sklearn_cv.py is the same pipeline on real data).

Reads a JSON case {"texts", "train": [{"text", "gold"}], "test", "c", "min_df", "minn", "maxn"}
(texts already normalised by arbiter) from the file named by argv[1] and prints one JSON object:
each text's word and character features as scikit-learn's analyzers list them (repeats kept),
the vocabulary size of each block, and P(violation) of each test text. Debian's python3-sklearn.
"""
import json
import sys

import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

case = json.load(open(sys.argv[1], encoding="utf-8"))
chars_range = (case["minn"], case["maxn"])


def vectorizers():
    return (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=case["min_df"]),
            TfidfVectorizer(analyzer="char_wb", ngram_range=chars_range, sublinear_tf=True, min_df=case["min_df"]))


words, chars = vectorizers()
out = {"words": [words.build_analyzer()(t) for t in case["texts"]],
       "chars": [chars.build_analyzer()(t) for t in case["texts"]]}
if not case["test"]:  # features only
    print(json.dumps(out))
    sys.exit(0)
train = [e["text"] for e in case["train"]]
x = sp.hstack([words.fit_transform(train), chars.fit_transform(train)]).tocsr()
# A tight tolerance: the optimum itself, so that the comparison does not depend on where either
# solver stops.
model = LogisticRegression(C=case["c"], solver="liblinear", tol=1e-10, max_iter=10000)
model.fit(x, [int(e["gold"]) for e in case["train"]])
test = sp.hstack([words.transform(case["test"]), chars.transform(case["test"])]).tocsr()
out["vocabulary"] = len(words.vocabulary_) + len(chars.vocabulary_)
out["probabilities"] = model.predict_proba(test)[:, 1].tolist()
print(json.dumps(out))
