#!/usr/bin/python3
"""qz evaluate against the trained test models and independent peers.

1. For every model of tests/models/manifest.json with a <name>_test.npz,
   `qz evaluate MODEL --data <name>_test.npz --json` gives the float
   accuracy the training script recorded (manifest float_accuracy_test_npz,
   written with 4 decimals) on as many samples.
2. For fashion_cnn and conv1d_series, the predictions of PyTorch on the
   same .pt weights (Debian torch 1.13, tests/models/models.py) scored by
   scikit-learn (accuracy_score, precision_recall_fscore_support,
   confusion_matrix): the confusion matrix is identical and every
   per-class, macro and weighted figure equal to 1e-9.
3. The other --data forms: a CSV series file (the AFD test rows: the 95 %
   of manifest float_accuracy_seeds_csv_test), an image folder and a WAV
   folder with its CSV (they run, every file is used), a YAML
   configuration's dataset section.
4. Usage and input errors: exit 2 without --data, exit 1 naming a missing
   model or data path, or a model that does not fit the data.

    test_qz_evaluate.py QZ
"""
import json
import os
import subprocess
import sys

import numpy as np

QZ = os.path.abspath(sys.argv[1])
SRC = os.environ["QZ_SOURCE_ROOT"]
MODELS = os.path.join(SRC, "tests", "models")
SEEDS = os.path.join(SRC, "tests", "seeds-data")
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg, flush=True)
    return cond


def evaluate(model, data, *extra, cwd=None):
    p = subprocess.run([QZ, "evaluate", model, "--data", data, "--json", "--latency-runs", "2"] +
                       list(extra), capture_output=True, text=True, cwd=cwd)
    if not check(p.returncode == 0, "qz evaluate %s --data %s: exit %d: %s" %
                 (os.path.basename(model), data, p.returncode, p.stderr)):
        return None
    return json.loads(p.stdout)


def torch_peer(name, r):
    import torch
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
    sys.path.insert(0, MODELS)
    import models
    torch.set_num_threads(1)
    net = models.load(name, os.path.join(MODELS, name + ".pt"))
    net.eval()
    d = np.load(os.path.join(MODELS, name + "_test.npz"))
    with torch.no_grad():
        pred = net(torch.from_numpy(d["x"])).argmax(1).numpy()
    y = d["y"]
    n = len(r["classes"])
    labels = list(range(n))
    e = r["float"]
    check(abs(accuracy_score(y, pred) - e["accuracy"]) < 1e-12,
          "%s: accuracy %s vs PyTorch + sklearn %s" % (name, e["accuracy"],
                                                        accuracy_score(y, pred)))
    cm = confusion_matrix(y, pred, labels=labels)
    check(cm.tolist() == e["confusion"], "%s: confusion matrix differs from sklearn's" % name)
    p, rc, f, s = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    for i, c in enumerate(r["classes"]):
        q = e["per_class"][c]
        check(abs(q["precision"] - p[i]) < 1e-9 and abs(q["recall"] - rc[i]) < 1e-9 and
              abs(q["f1"] - f[i]) < 1e-9 and q["support"] == s[i],
              "%s: class %s: %s vs sklearn %s %s %s %s" % (name, c, q, p[i], rc[i], f[i], s[i]))
    for avg in ("macro", "weighted"):
        p, rc, f, _ = precision_recall_fscore_support(y, pred, labels=labels, average=avg,
                                                      zero_division=0)
        check(abs(e[avg + "_precision"] - p) < 1e-9 and abs(e[avg + "_recall"] - rc) < 1e-9 and
              abs(e[avg + "_f1"] - f) < 1e-9, "%s: %s averages" % (name, avg))
    print("%s: PyTorch + scikit-learn agree (accuracy %.4f)" % (name, accuracy_score(y, pred)))


def main():
    manifest = json.load(open(os.path.join(MODELS, "manifest.json")))
    results = {}
    for name, m in sorted(manifest.items()):
        npz = os.path.join(MODELS, name + "_test.npz")
        if "float_accuracy_test_npz" not in m or not os.path.exists(npz):
            continue
        r = evaluate(os.path.join(MODELS, name + ".onnx"), npz)
        if not r:
            continue
        acc, want = r["float"]["accuracy"], m["float_accuracy_test_npz"]
        print("%-18s qz evaluate %.4f on %d, manifest %.4f on %d" %
              (name, acc, r["float"]["samples"], want, m.get("test_samples", -1)))
        check(abs(acc - want) <= 5e-5, "%s: accuracy %.6f, manifest %.4f" % (name, acc, want))
        if "test_samples" in m:
            check(r["float"]["samples"] == m["test_samples"], "%s: samples" % name)
        check(r["quantized"] is None or r["quantized"]["accuracy"] is None,
              "%s: a float model is reported as float" % name)
        check(r["float"]["latency"]["runs"] == 2, "%s: latency runs" % name)
        results[name] = r

    for name in ("fashion_cnn", "conv1d_series"):
        if name in results:
            torch_peer(name, results[name])

    # a CSV series file (the values are standardized already)
    r = evaluate(os.path.join(MODELS, "conv1d_series.onnx"),
                 os.path.join(SEEDS, "afd", "Arc_and_Normal_test.csv"))
    if r:
        want = manifest["conv1d_series"]["float_accuracy_seeds_csv_test"]
        check(abs(r["float"]["accuracy"] - want) < 1e-9 and r["float"]["samples"] == 40,
              "CSV series: %s on %s" % (r["float"]["accuracy"], r["float"]["samples"]))
        check(r["classes"] == ["normal", "arc"], "CSV series: the model's class names")
    # an image folder (default preprocessing: pixel / 255) and a WAV folder:
    # every file is evaluated
    r = evaluate(os.path.join(MODELS, "mobilenetv2_tiny.onnx"),
                 os.path.join(SEEDS, "fashion_photos_test"))
    if r:
        check(r["float"]["samples"] == 100 and len(r["classes"]) == 10, "image folder")
    r = evaluate(os.path.join(MODELS, "audio_kws_zoo.onnx"), os.path.join(SEEDS, "esc_kws"))
    if r:
        check(r["float"]["samples"] >= 80, "WAV + CSV: %s patches" % r["float"]["samples"])
    # a YAML configuration's data (its relative paths are taken from the
    # current folder, as the model zoo does), with a board estimate
    configs = os.path.join(SRC, "tests", "pipeline", "configs")
    r = evaluate(os.path.join(MODELS, "conv1d_series.onnx"), "afd_quantization.yaml", "--board",
                 "nucleo-f446re", cwd=configs)
    if r:
        want = manifest["conv1d_series"]["float_accuracy_seeds_csv_test"]
        check(r["float"]["samples"] == 40 and abs(r["float"]["accuracy"] - want) < 1e-9,
              "YAML data: the test rows")
        check(r["board"]["id"] == "nucleo-f446re", "--board: %s" % r["board"])

    # errors
    p = subprocess.run([QZ, "evaluate", os.path.join(MODELS, "fashion_cnn.onnx")],
                       capture_output=True, text=True)
    check(p.returncode == 2, "no --data: exit %d" % p.returncode)
    for args, needle in (
            (["no_such.onnx", "--data", os.path.join(MODELS, "fashion_cnn_test.npz")], "no_such"),
            ([os.path.join(MODELS, "fashion_cnn.onnx"), "--data", "no_such_dir"], "no_such_dir"),
            ([os.path.join(MODELS, "fashion_cnn.onnx"), "--data",
              os.path.join(MODELS, "tiny_transformer_test.npz")], "tiny_transformer_test.npz")):
        p = subprocess.run([QZ, "evaluate", "-q"] + args, capture_output=True, text=True)
        check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and
              needle in p.stderr and p.stdout == "",
              "qz evaluate %s: exit %d: %s" % (args, p.returncode, p.stderr))

    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
