#!/usr/bin/python3
# Provenance: Quantizer test (meson suite `data`): checks that the
# committed models and data sets in tests/models/ are the ones
# manifest.json describes, and (with --ptq) that PyTorch's FX
# quantizer still gives the committed torch_ptq_results.json figures.
"""Integrity checks of tests/models/ (no training, a few seconds).

  check_models.py            sizes + sha256 of every file in manifest.json;
                             each ONNX passes onnx.checker, keeps its
                             BatchNormalization nodes, has a batch axis
                             named N and the manifest's input shape; each
                             npz has float32 x shaped like the input, int64
                             y within range and unicode classes; the .pt
                             reloads into models.py and reproduces the
                             manifest's float accuracy on the test npz.
  check_models.py --ptq NAME runs torch_ptq.py on NAME and compares with
                             torch_ptq_results.json (identical expected:
                             same torch, same samples, deterministic
                             observers).
Exit 0 when everything holds, 1 with one line per failure otherwise.
"""

import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def check_all():
    import onnx
    import torch

    import common
    import models

    torch.set_num_threads(1)
    fails = []
    with open(os.path.join(HERE, "manifest.json")) as f:
        man = json.load(f)
    for name, e in man.items():
        for fn, facts in e["files"].items():
            p = os.path.join(HERE, fn)
            if not os.path.exists(p):
                fails.append("%s: missing" % fn)
                continue
            if os.path.getsize(p) != facts["bytes"] or \
                    common.sha256(p) != facts["sha256"]:
                fails.append("%s: differs from manifest.json (size or "
                             "sha256)" % fn)
        shape = e["input"]["shape"]
        onnx_files = [f for f in e["files"] if f.endswith(".onnx")]
        for fn in onnx_files:
            m = onnx.load(os.path.join(HERE, fn))
            onnx.checker.check_model(m)
            dims = m.graph.input[0].type.tensor_type.shape.dim
            got = [d.dim_param or d.dim_value for d in dims]
            if got != shape:
                fails.append("%s: input shape %s, manifest says %s"
                             % (fn, got, shape))
            n_bn = sum(n.op_type == "BatchNormalization"
                       for n in m.graph.node)
            model = models.build(name)
            want = sum(isinstance(x, torch.nn.modules.batchnorm._BatchNorm)
                       for x in model.modules())
            if n_bn != want:
                fails.append("%s: %d BatchNormalization nodes, expected %d"
                             % (fn, n_bn, want))
        for split in ("calib", "test"):
            fn = "%s_%s.npz" % (name, split)
            with np.load(os.path.join(HERE, fn), allow_pickle=False) as z:
                x, y, cl = z["x"], z["y"], z["classes"]
            if x.dtype != np.float32 or list(x.shape[1:]) != shape[1:]:
                fails.append("%s: x %s %s, expected float32 (n, %s)"
                             % (fn, x.dtype, x.shape, shape[1:]))
            if y.dtype != np.int64 or y.shape != (x.shape[0],) or \
                    y.min() < 0 or y.max() >= len(cl):
                fails.append("%s: bad y (%s, %s)" % (fn, y.dtype, y.shape))
            if cl.dtype.kind != "U":
                fails.append("%s: classes are not unicode" % fn)
            if not np.isfinite(x).all():
                fails.append("%s: x has NaN/Inf" % fn)
        model = models.load(name, os.path.join(HERE, name + ".pt"))
        with np.load(os.path.join(HERE, name + "_test.npz")) as z:
            acc = common.accuracy(model, z["x"], z["y"])
        if abs(acc - e["float_accuracy_test_npz"]) > 0.0006:
            fails.append("%s: float accuracy %.4f, manifest says %.4f"
                         % (name, acc, e["float_accuracy_test_npz"]))
        print("%-18s ok: %d files, float accuracy %.4f" % (
            name, len(e["files"]), acc))
    return fails


def check_ptq(name):
    with open(os.path.join(HERE, "torch_ptq_results.json")) as f:
        ref = json.load(f)["models"][name]
    r = subprocess.run([sys.executable, os.path.join(HERE, "torch_ptq.py"),
                        "--models", name], capture_output=True, text=True)
    if r.returncode != 0:
        return ["torch_ptq.py failed: " + r.stderr.strip()[-300:]]
    got = json.loads(r.stdout)["models"][name]
    fails = []
    for k in ("float", "int8_per_channel", "int8_per_tensor"):
        print("%s %-17s committed %.4f  now %.4f" % (name, k, ref[k], got[k]))
        if abs(got[k] - ref[k]) > 1e-9:
            fails.append("%s: %s is %.4f, torch_ptq_results.json says %.4f"
                         % (name, k, got[k], ref[k]))
    return fails


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--ptq":
        fails = check_ptq(sys.argv[2])
    elif len(sys.argv) == 1:
        fails = check_all()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for f in fails:
        print("FAIL " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
