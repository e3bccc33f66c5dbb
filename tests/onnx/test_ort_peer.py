#!/usr/bin/python3
"""The engine against ONNX Runtime (npm onnxruntime-node) on real trained
models, and models written by qe_onnx_save() run in ONNX Runtime.

For every tests/models/NAME.onnx with NAME_test.npz: `qz infer` and
tests/onnx/ort_run.js on the same samples at batch 1 and batch 32; the
largest difference must stay within 1e-4 of the output's magnitude.
Then each model is read and written back (onnx-tool save) and optimized
(BN folded, activations fused, written back as separate nodes): ONNX Runtime
must load both and give the same outputs as on the original.
Exit 77 when node or onnxruntime-node is missing.
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
QZ = os.path.join(BUILD, "src", "cli", "qz")
TOOL = os.path.join(BUILD, "tests", "onnx", "onnx-tool")
ORT = os.path.join(SRC, "tests", "onnx", "ort_run.js")
PEERS = os.environ.get("QZ_PEERS_DIR", os.path.join(SRC, "tests", "peers"))
NODE = shutil.which("node")
TOL = 1e-4
failures = 0

if not NODE:
    print("SKIP: node is not installed")
    sys.exit(77)
if not os.path.isdir(os.path.join(PEERS, "node_modules", "onnxruntime-node")):
    print("SKIP: onnxruntime-node is not installed in " + PEERS)
    sys.exit(77)


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def ort(model, inputs, outdir):
    p = subprocess.run([NODE, ORT, model, outdir] + inputs, capture_output=True, text=True)
    if p.returncode == 77:
        print("SKIP: " + p.stderr.strip())
        sys.exit(77)
    if p.returncode != 0:
        return None, p.stderr.strip()
    n = len(p.stdout.splitlines())
    return [np.load(os.path.join(outdir, "%d.npy" % i)) for i in range(n)], ""


def engine(model, inputs, outdir):
    args = [QZ, "infer", model, "-o", outdir, "--json"]
    for i in inputs:
        args += ["--input", i]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    import json
    return [np.load(o["file"]) for o in json.loads(p.stdout)["outputs"]], ""


def rel_err(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    scale = max(np.abs(b).max(), 1e-30)
    return np.abs(a - b).max() / scale


models = sorted(glob.glob(os.path.join(SRC, "tests", "models", "*.onnx")))
with tempfile.TemporaryDirectory() as tmp:
    for model in models:
        name = os.path.basename(model)[:-5]
        npz = os.path.join(SRC, "tests", "models", name + "_test.npz")
        if not os.path.exists(npz):
            npz = os.path.join(SRC, "tests", "models", name.replace("_opset13", "") + "_test.npz")
        if not os.path.exists(npz):
            print("skip %s: no test inputs" % name)
            continue
        x = np.load(npz)["x"]
        for batch in (1, 32):
            xin = os.path.join(tmp, "%s_b%d.npy" % (name, batch))
            np.save(xin, np.ascontiguousarray(x[:batch]))
            ref, err = ort(model, [xin], os.path.join(tmp, "ort_%s_%d" % (name, batch)))
            if ref is None:
                check(False, "%s: ONNX Runtime failed: %s" % (name, err))
                continue
            got, err = engine(model, [xin], os.path.join(tmp, "qz_%s_%d" % (name, batch)))
            if got is None:
                check(False, "%s: engine failed: %s" % (name, err))
                continue
            for k, (g, r) in enumerate(zip(got, ref)):
                e = rel_err(g, r)
                same = (g.argmax(-1) == r.argmax(-1)).mean() if g.ndim >= 2 else 1.0
                print("%-28s batch %2d output %d: max |engine - ORT| / max |ORT| = %.2e, "
                      "argmax agreement %.3f" % (name, batch, k, e, same))
                check(g.shape == r.shape, "%s: shape %s vs ORT %s" % (name, g.shape, r.shape))
                check(e <= TOL, "%s batch %d: relative error %.2e above %g" % (name, batch, e, TOL))
        # written back by the engine, run by ONNX Runtime
        xin = os.path.join(tmp, "%s_b32.npy" % name)
        ref, _ = ort(model, [xin], os.path.join(tmp, "ort_%s_32" % name))
        for mode in ("save", "optimize"):
            out = os.path.join(tmp, "%s_%s.onnx" % (name, mode))
            p = subprocess.run([TOOL, mode, model, out], capture_output=True, text=True)
            check(p.returncode == 0, "%s: onnx-tool %s: %s" % (name, mode, p.stderr.strip()))
            if p.returncode != 0 or ref is None:
                continue
            got, err = ort(out, [xin], os.path.join(tmp, "ort_%s_%s" % (name, mode)))
            check(got is not None, "%s: ONNX Runtime cannot run the %s model: %s" % (name, mode, err))
            if got is None:
                continue
            for g, r in zip(got, ref):
                e = rel_err(g, r)
                print("%-28s %-8s written by the engine, run by ORT: rel. difference %.2e"
                      % (name, mode, e))
                check(e <= (1e-6 if mode == "save" else TOL),
                      "%s %s: ORT outputs differ by %.2e" % (name, mode, e))

print("%d failures" % failures)
sys.exit(1 if failures else 0)
