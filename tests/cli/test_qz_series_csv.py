#!/usr/bin/python3
"""qz data, qz quantize and qz evaluate on a CSV series file (the arc fault
detection seed's data, tests/seeds-data/afd/) with a Conv1d model whose
input keeps its batch axis: (1, 4, 512) is 4 channels of 512 values, as
the model zoo's (4, 512, 1) and a bare (4, 512) are.

Checks: the data engine reads the same 40 x 2048 values for every way of
writing that shape; `qz quantize` calibrates on all 40 rows and writes the
.tflite; `qz evaluate` gives the float accuracy of the models' manifest
(tests/models/manifest.json, from the training script) on the 40 test
rows, and the quantized model stays within one row of it.

    test_qz_series_csv.py QZ WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

QZ = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2])
SRC = os.environ["QZ_SOURCE_ROOT"]
MODELS = os.path.join(SRC, "tests", "models")
AFD = os.path.join(SRC, "tests", "seeds-data", "afd")
ENV = dict(os.environ, XDG_DATA_HOME=os.path.join(WORK, "xdg"), LC_ALL="C")
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg, flush=True)
    return cond


def qz(*args):
    p = subprocess.run([QZ] + list(args), capture_output=True, text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    manifest = json.load(open(os.path.join(MODELS, "manifest.json")))
    model = os.path.join(MODELS, "conv1d_series.onnx")
    calib = os.path.join(AFD, "Arc_and_Normal_quantization.csv")
    test = os.path.join(AFD, "Arc_and_Normal_test.csv")
    want = manifest["conv1d_series"]["float_accuracy_seeds_csv_test"]

    # the data engine: every spelling of 4 channels x 512 reads all values
    values = {}
    for shape in ("1,4,512", "4,512,1", "4,512", "1,1,4,512", "1,4,512,1"):
        rc, so, se = qz("data", calib, "--input-shape", shape, "--json", "-q", "--threads", "1")
        if not check(rc == 0, "qz data --input-shape %s: exit %d: %s" % (shape, rc, se)):
            continue
        r = json.loads(so)
        check(r["kind"] == "series" and r["samples"] == 40, "qz data %s: %s %s" %
              (shape, r["kind"], r["samples"]))
        check(r["values"]["count"] == 40 * 4 * 512,
              "input shape %s: %d values read, 40 rows of 4 x 512 hold %d" %
              (shape, r["values"]["count"], 40 * 4 * 512))
        values[shape] = r["values"]
    ref = values.get("4,512,1")
    for shape, v in values.items():
        # (sums in another order may differ in the last digits)
        check(ref and all(v[k] == ref[k] for k in ("count", "min", "max", "histogram")) and
              all(abs(v[k] - ref[k]) <= 1e-9 * max(1.0, abs(ref[k])) for k in ("mean", "std")),
              "input shape %s reads other values than (4, 512, 1): %s" %
              (shape, {k: v[k] for k in ("count", "min", "max", "mean", "std")}))

    # qz quantize: the model's (1, 4, 512) input, batch axis included
    out = os.path.join(WORK, "q")
    rc, so, se = qz("quantize", model, "--data", calib, "-o", out, "-q")
    tflite = os.path.join(out, "quantized_models", "model_quantized.tflite")
    if check(rc == 0, "qz quantize --data %s: exit %d: %s" % (calib, rc, se)):
        r = json.load(open(os.path.join(out, "report.json")))
        c = r["quantization"]["calibration"]
        check(c["samples"] == 40 and not c["random_data"],
              "qz quantize calibrated on %s" % c)
        check(os.path.isfile(tflite), "qz quantize wrote %s" % tflite)

    # qz evaluate: the float model on the test rows (the pipeline's path)
    rc, so, se = qz("evaluate", model, "--data", test, "--json", "--latency-runs", "1")
    fa = None
    if check(rc == 0, "qz evaluate float: exit %d: %s" % (rc, se)):
        r = json.loads(so)
        fa = r["float"]["accuracy"]
        check(r["float"]["samples"] == 40 and abs(fa - want) < 1e-9,
              "qz evaluate: float %s on %s rows, the models' manifest says %s on 40" %
              (fa, r["float"]["samples"], want))
    # ... and the model qz quantize wrote
    if os.path.isfile(tflite):
        rc, so, se = qz("evaluate", tflite, "--data", test, "--json", "--latency-runs", "1")
        if check(rc == 0, "qz evaluate int8: exit %d: %s" % (rc, se)):
            r = json.loads(so)
            qa = r["quantized"]["accuracy"]
            print("conv1d_series on the AFD CSV: float %s, int8 %s (40 rows)" % (fa, qa))
            check(r["quantized"]["samples"] == 40 and qa >= want - 1.0 / 40 - 1e-9,
                  "qz evaluate int8: %s on %s rows (float %s)" %
                  (qa, r["quantized"]["samples"], want))

    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
