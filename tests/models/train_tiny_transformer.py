#!/usr/bin/python3
# Provenance: trains tests/models/tiny_transformer.{onnx,pt} and writes
# tiny_transformer_calib.npz / tiny_transformer_test.npz from
# scikit-learn's bundled digits data set (sklearn.datasets.load_digits,
# 1797 real 8x8 handwritten digits, UCI). Run:
#   /usr/bin/python3 tests/models/train_tiny_transformer.py
# (about 2 minutes on one core). Seeded; see README.md.
"""A two-block pre-LN transformer encoder (LayerNormalization, MatMul
attention with Softmax, erf-GELU MLP, residual adds, mean pooling) on
digits read as 8 tokens (image rows) of 8 features (pixels / 16).
Input (N, 8, 8). Exported with opset 17, where torch 1.13 writes
nn.LayerNorm as the native LayerNormalization op; also exported at
opset 13 as tiny_transformer_opset13.onnx, where the same LayerNorm
becomes ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add."""

import os

import numpy as np
import torch
from sklearn.datasets import load_digits

import common
from models import build

NAME = "tiny_transformer"
CLASSES = [str(i) for i in range(10)]
N_TEST = 500
N_CALIB = 200
EPOCHS = 150


def augment(xb):
    """Shift the 8x8 digit by up to one pixel (zero fill)."""
    n = xb.shape[0]
    img = torch.nn.functional.pad(xb, (1, 1, 1, 1))
    dx, dy = np.random.randint(0, 3, size=2)
    return img[:, dy:dy + 8, dx:dx + 8].reshape(n, 8, 8)


def main():
    common.main_guard()
    common.setup(seed=5)
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0)  # (1797, 8, 8)
    y = digits.target.astype(np.int64)
    rng = np.random.RandomState(5)
    test_idx = common.stratified_pick(y, N_TEST, rng)
    train_mask = np.ones(len(y), bool)
    train_mask[test_idx] = False
    train_idx = np.flatnonzero(train_mask)
    calib_idx = train_idx[common.stratified_pick(y[train_idx], N_CALIB, rng)]
    xte, yte = x[test_idx], y[test_idx]

    model = build(NAME)
    common.train(model, x[train_idx], y[train_idx], EPOCHS, lr=3e-3,
                 batch=64, weight_decay=0.05, augment=augment,
                 log=lambda m: "test-acc %.4f" % common.accuracy(m, xte, yte))
    acc = common.accuracy(model, xte, yte)
    print("float accuracy: %.4f on the %d held-out digits" % (acc, N_TEST))

    d = common.HERE
    torch.save(model.state_dict(), os.path.join(d, NAME + ".pt"))
    meta = {
        "doc": "Tiny transformer encoder on sklearn digits, trained by "
               "tests/models/train_tiny_transformer.py",
        "source": "tests/models/train_tiny_transformer.py",
        "dataset": "scikit-learn load_digits (UCI handwritten digits)",
        "preprocessing": "8x8 image / 16 as 8 tokens of 8",
        "classes": ",".join(CLASSES),
    }
    files = [NAME + ".onnx", NAME + "_opset13.onnx", NAME + ".pt",
             NAME + "_calib.npz", NAME + "_test.npz"]
    path17 = os.path.join(d, NAME + ".onnx")
    common.export_onnx(model, torch.from_numpy(xte[:1]), path17, opset=17,
                       meta=meta)
    common.check_export(model, path17, xte[:64])
    path13 = os.path.join(d, NAME + "_opset13.onnx")
    common.export_onnx(model, torch.from_numpy(xte[:1]), path13, opset=13,
                       meta=meta)
    common.check_export(model, path13, xte[:64])
    common.save_npz(os.path.join(d, NAME + "_calib.npz"), x[calib_idx],
                    y[calib_idx], CLASSES)
    common.save_npz(os.path.join(d, NAME + "_test.npz"), xte, yte, CLASSES)
    common.update_manifest(NAME, {
        "script": "train_tiny_transformer.py",
        "task": "sklearn digits, 10 classes, rows as tokens",
        "input": {"name": "input", "shape": ["N", 8, 8],
                  "layout": "(batch, token, feature)",
                  "preprocessing": "pixel / 16"},
        "params": common.count_params(model),
        "opset": 17,
        "float_accuracy_test_npz": round(acc, 4),
        "calib_samples": N_CALIB,
        "test_samples": N_TEST,
        "ops": common.op_histogram(path17),
        "ops_opset13": common.op_histogram(path13),
        "files": files,
    })


if __name__ == "__main__":
    main()
