#!/usr/bin/python3
"""Benchmark: the float engine against ONNX Runtime (one thread each) on the
trained models of tests/models at batch 1 and batch 32, in the same run.
Prints the time per run and the ratio engine / ORT; no timed assertions.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.environ["QZ_SOURCE_ROOT"]
BUILD = os.environ["QZ_BUILD_ROOT"]
BENCH = os.path.join(BUILD, "tests", "bench", "bench-float")
ORT = os.path.join(SRC, "tests", "onnx", "ort_run.js")
NODE = shutil.which("node")
if not NODE or not os.path.isdir(os.path.join(SRC, "tests", "peers", "node_modules",
                                              "onnxruntime-node")):
    print("SKIP: node or onnxruntime-node missing")
    sys.exit(77)


def ms(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith("ms_per_run"):
            return float(line.split()[1])
    raise RuntimeError(" ".join(cmd) + ": " + p.stderr.strip())


print("%-26s %5s %12s %12s %8s" % ("model", "batch", "engine ms", "ORT ms", "ratio"))
with tempfile.TemporaryDirectory() as tmp:
    for model in sorted(glob.glob(os.path.join(SRC, "tests", "models", "*.onnx"))):
        name = os.path.basename(model)[:-5]
        npz = os.path.join(SRC, "tests", "models", name.replace("_opset13", "") + "_test.npz")
        if not os.path.exists(npz):
            continue
        x = np.load(npz)["x"]
        for batch in (1, 32):
            xin = os.path.join(tmp, "x.npy")
            np.save(xin, np.ascontiguousarray(x[:batch]))
            runs = "200" if batch == 1 else "20"
            try:
                e = ms([BENCH, model, runs, xin])
                o = ms([NODE, ORT, "--bench", runs, model, xin])
            except RuntimeError as err:
                print("%-26s %5d  error: %s" % (name, batch, err))
                continue
            print("%-26s %5d %12.3f %12.3f %8.2f" % (name, batch, e, o, e / o))
