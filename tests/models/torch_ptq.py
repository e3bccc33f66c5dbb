#!/usr/bin/python3
# Provenance: PyTorch's own FX post-training quantization of Quantizer's
# test models -- the independent accuracy peer for the engine's PTQ.
# Written for Quantizer; uses only Debian's torch 1.13. Its committed
# output is torch_ptq_results.json, made with:
#   /usr/bin/python3 tests/models/torch_ptq.py > tests/models/torch_ptq_results.json
"""Quantize each model with torch.ao.quantization.quantize_fx and report
float and int8 accuracy on <name>_test.npz as JSON on stdout.

Calibration uses exactly the samples of <name>_calib.npz (all of them,
in file order, in batches of --calib-batch). Two weight schemes:

  per_channel  get_default_qconfig_mapping(engine): for 'onednn' that is
               HistogramObserver activations (quint8, no reduce_range) and
               PerChannelMinMaxObserver symmetric qint8 weights.
  per_tensor   the same mapping with every per-channel weight observer
               replaced by MinMaxObserver per-tensor symmetric qint8
               (what get_default_qconfig('qnnpack') uses).

FX fuses Conv+BatchNorm before the weight observers see the weights, so
the per-tensor row shows what BN folding does to depthwise layers.

Usage: torch_ptq.py [--models a,b] [--engine onednn|qnnpack]
                    [--threads N] [--calib-batch N] [--dir DIR]
Exit 0 on success, 1 when a model or npz cannot be read, 2 on usage.
"""

import argparse
import copy
import json
import os
import sys
import time
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import models as model_defs  # noqa: E402


def per_tensor_mapping(mapping):
    from torch.ao.quantization import QConfig
    from torch.ao.quantization.observer import (
        PerChannelMinMaxObserver, default_weight_observer)

    def swap(qc):
        if qc is None or qc.weight is None:
            return qc
        w = qc.weight()
        if isinstance(w, PerChannelMinMaxObserver):
            return QConfig(activation=qc.activation,
                           weight=default_weight_observer)
        return qc

    out = copy.deepcopy(mapping)
    out.global_qconfig = swap(out.global_qconfig)
    for k, v in list(out.object_type_qconfigs.items()):
        out.object_type_qconfigs[k] = swap(v)
    return out


def load_npz(path):
    with np.load(path, allow_pickle=False) as z:
        return (np.ascontiguousarray(z["x"], dtype=np.float32),
                np.asarray(z["y"], dtype=np.int64),
                [str(c) for c in z["classes"]])


@torch.no_grad()
def top1(model, x, batch=250):
    out = [model(torch.from_numpy(x[i:i + batch])).argmax(1)
           for i in range(0, len(x), batch)]
    return torch.cat(out).numpy()


def quantize(model, mapping, xcal, calib_batch):
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    m = copy.deepcopy(model).eval()
    example = (torch.from_numpy(xcal[:1]),)
    prepared = prepare_fx(m, mapping, example_inputs=example)
    with torch.no_grad():
        for i in range(0, len(xcal), calib_batch):
            prepared(torch.from_numpy(xcal[i:i + calib_batch]))
    return convert_fx(prepared)


def run_model(name, d, engine, calib_batch):
    from torch.ao.quantization import get_default_qconfig_mapping
    t0 = time.time()
    model = model_defs.load(name, os.path.join(d, name + ".pt"))
    xcal, _, _ = load_npz(os.path.join(d, name + "_calib.npz"))
    xte, yte, classes = load_npz(os.path.join(d, name + "_test.npz"))
    pred_f = top1(model, xte)
    res = {
        "calib_samples": int(len(xcal)),
        "test_samples": int(len(xte)),
        "float": round(float((pred_f == yte).mean()), 4),
    }
    default = get_default_qconfig_mapping(engine)
    for label, mapping in (("per_channel", default),
                           ("per_tensor", per_tensor_mapping(default))):
        q = quantize(model, mapping, xcal, calib_batch)
        res["quantized_modules_" + label] = sorted({
            type(mod).__name__ for mod in q.modules()
            if "quantized" in type(mod).__module__})
        pred_q = top1(q, xte)
        acc = float((pred_q == yte).mean())
        res["int8_" + label] = round(acc, 4)
        res["drop_" + label] = round(res["float"] - acc, 4)
        res["agree_" + label] = round(float((pred_q == pred_f).mean()), 4)
    res["seconds"] = round(time.time() - t0, 2)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="",
                    help="comma-separated names (default: all in "
                         "manifest.json)")
    ap.add_argument("--engine", default="onednn",
                    choices=["onednn", "qnnpack"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--calib-batch", type=int, default=50)
    ap.add_argument("--dir", default=HERE,
                    help="directory holding <name>.pt and the npz files")
    args = ap.parse_args()

    if args.engine not in torch.backends.quantized.supported_engines:
        print("torch_ptq: quantized engine %r not in this torch build (%s)"
              % (args.engine, torch.backends.quantized.supported_engines),
              file=sys.stderr)
        return 1
    torch.backends.quantized.engine = args.engine
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.models:
        names = args.models.split(",")
    else:
        with open(os.path.join(args.dir, "manifest.json")) as f:
            names = [n for n in json.load(f) if n in model_defs.MODELS]
    for n in names:
        if n not in model_defs.MODELS:
            print("torch_ptq: unknown model %r (known: %s)"
                  % (n, ", ".join(model_defs.MODELS)), file=sys.stderr)
            return 2

    out = {
        "tool": "torch.ao.quantization.quantize_fx (prepare_fx/convert_fx)",
        "torch": torch.__version__,
        "engine": args.engine,
        "calibration": "all samples of <name>_calib.npz, batches of %d"
                       % args.calib_batch,
        "activations": "HistogramObserver quint8 affine, reduce_range "
                       "False",
        "weights": {
            "per_channel": "PerChannelMinMaxObserver qint8 symmetric",
            "per_tensor": "MinMaxObserver qint8 per-tensor symmetric",
        },
        "models": {},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in names:
            try:
                out["models"][n] = run_model(n, args.dir, args.engine,
                                             args.calib_batch)
            except (OSError, KeyError, ValueError) as e:
                print("torch_ptq: %s: %s" % (n, e), file=sys.stderr)
                return 1
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
