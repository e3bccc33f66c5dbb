#!/usr/bin/python3
# check_sklearn.py - the engine's metrics against scikit-learn and numpy.
#
# Usage: check_sklearn.py METRICS_TOOL WORKDIR
#
# Random label sets (several class counts, sizes and seeds, with classes
# missing from the labels, from the predictions or from both, and
# degenerate predictors) go through the engine's streaming classification
# metrics; accuracy, per-class precision/recall/F1/support, macro and
# weighted averages, balanced accuracy and the confusion matrix must equal
# scikit-learn's to 1e-9 (absolute). Random float32 outputs go through the
# output-error metrics and are compared with sklearn's mean_squared_error,
# mean_absolute_error, r2_score (NSE), cosine_similarity and numpy for the
# rest; latency statistics with numpy's median / percentile.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import subprocess
import sys
import warnings

import numpy as np
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix,
                             mean_absolute_error, mean_squared_error,
                             precision_recall_fscore_support, r2_score)
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.exceptions import UndefinedMetricWarning

TOL = 1e-9
tool, workdir = sys.argv[1], sys.argv[2]
os.makedirs(workdir, exist_ok=True)
failures = 0
compared = 0
max_diff = 0.0


def run(args, rows):
    path = os.path.join(workdir, "values.txt")
    with open(path, "w") as f:
        for r in rows:
            f.write(" ".join(repr(float(x)) for x in r) + "\n")
    out = subprocess.run([tool] + args + [path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def close(name, got, want, case):
    global failures, compared, max_diff
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    compared += got.size
    if got.shape == want.shape and got.size:
        max_diff = max(max_diff, float(np.max(np.abs(got - want))))
    if got.shape != want.shape or not np.all(np.abs(got - want) <= TOL):
        failures += 1
        print(f"FAIL {case}: {name}: engine {got.tolist()} sklearn {want.tolist()}")


def check_cls(case, n, y, p):
    got = run(["cls", str(n)], zip(y, p))
    labels = list(range(n))
    with warnings.catch_warnings():
        # zero_division="warn" (the default) warns and gives 0.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)
        pr, rc, f1, sup = precision_recall_fscore_support(y, p, labels=labels, average=None)
        avg = {a: precision_recall_fscore_support(y, p, labels=labels, average=a)
               for a in ("macro", "weighted")}
        bal = balanced_accuracy_score(y, p)
    close("accuracy", got["accuracy"], accuracy_score(y, p), case)
    close("precision", got["precision"], pr, case)
    close("recall", got["recall"], rc, case)
    close("f1", got["f1"], f1, case)
    close("support", got["support"], sup, case)
    for a in ("macro", "weighted"):
        close(a + "_precision", got[a + "_precision"], avg[a][0], case)
        close(a + "_recall", got[a + "_recall"], avg[a][1], case)
        close(a + "_f1", got[a + "_f1"], avg[a][2], case)
    close("balanced_accuracy", got["balanced_accuracy"], bal, case)
    close("confusion", got["confusion"], confusion_matrix(y, p, labels=labels), case)
    # When every class occurs, sklearn's default call (no labels=) agrees too.
    if len(set(y) | set(p)) == n:
        close("macro_f1 (default labels)", got["macro_f1"],
              precision_recall_fscore_support(y, p, average="macro")[2], case)


rng = np.random.default_rng(20240305)
cases = 0
for n in (2, 3, 5, 10, 12):
    for size in (1, 7, 50, 333):
        for trial in range(3):
            y = rng.integers(0, n, size)
            p = np.where(rng.random(size) < 0.6, y, rng.integers(0, n, size))
            check_cls(f"n={n} size={size} trial={trial}", n, y.tolist(), p.tolist())
            cases += 1
# Missing classes: absent from the labels, from the predictions, from both.
for n in (4, 6, 9):
    y = rng.integers(0, n - 1, 200)           # class n-1 never a label
    p = rng.integers(1, n, 200)               # class 0 never predicted
    check_cls(f"missing n={n}", n, y.tolist(), p.tolist())
    y = rng.integers(0, n // 2, 120)          # upper half absent from both
    p = np.where(rng.random(120) < 0.5, y, rng.integers(0, n // 2, 120))
    check_cls(f"absent-from-both n={n}", n, y.tolist(), p.tolist())
    cases += 2
# Degenerate predictors: always one class; perfect; always wrong.
y = rng.integers(0, 5, 100)
check_cls("constant predictor", 5, y.tolist(), [3] * 100)
check_cls("perfect predictor", 5, y.tolist(), y.tolist())
check_cls("always wrong", 5, y.tolist(), ((y + 1) % 5).tolist())
cases += 3

# Output error metrics (ST Edge AI validation) on float32 outputs.
for trial, (rows, row_len, noise) in enumerate([(1, 10, 0.01), (37, 10, 0.05), (500, 4, 0.2),
                                                (2000, 1, 1e-3), (64, 1000, 0.3)]):
    ref = rng.normal(0.0, 2.0, (rows, row_len)).astype(np.float32)
    y = (ref + rng.normal(0.01, noise, ref.shape)).astype(np.float32)
    got = run(["err", str(row_len if row_len > 1 else 0)], zip(ref.ravel(), y.ravel()))
    r64, y64 = ref.astype(np.float64).ravel(), y.astype(np.float64).ravel()
    case = f"err rows={rows} len={row_len}"
    d = r64 - y64
    close("rmse", got["rmse"], np.sqrt(mean_squared_error(r64, y64)), case)
    close("mae", got["mae"], mean_absolute_error(r64, y64), case)
    close("nse", got["nse"], r2_score(r64, y64), case)
    close("cos", got["cos"], cosine_similarity(r64[None, :], y64[None, :])[0, 0], case)
    close("l2r", got["l2r"], np.linalg.norm(d) / np.linalg.norm(r64), case)
    close("mean", got["mean"], np.mean(d), case)
    close("std", got["std"], np.std(d), case)
    close("max_abs", got["max_abs"], np.max(np.abs(d)), case)
    if row_len > 1:
        close("acc", got["acc"], np.mean(np.argmax(ref, axis=1) == np.argmax(y, axis=1)), case)
    else:
        if got["acc"] is not None:
            failures += 1
            print(f"FAIL {case}: acc should be null without rows, got {got['acc']}")
    cases += 1

# Latency statistics.
for size in (1, 2, 9, 20, 101):
    ms = rng.gamma(4.0, 0.5, size)
    got = run(["lat"], [[v] for v in ms])
    case = f"latency n={size}"
    close("median", got["median"], np.median(ms), case)
    close("mean", got["mean"], np.mean(ms), case)
    close("min", got["min"], np.min(ms), case)
    close("max", got["max"], np.max(ms), case)
    close("std", got["std"], np.std(ms), case)
    close("p90", got["p90"], np.percentile(ms, 90), case)
    cases += 1

print(f"{cases} cases, {compared} values compared with scikit-learn/numpy, "
      f"tolerance {TOL}, largest difference {max_diff:.3g}: {failures} failures")
sys.exit(1 if failures else 0)
