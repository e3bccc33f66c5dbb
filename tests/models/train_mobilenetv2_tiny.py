#!/usr/bin/python3
# Provenance: trains tests/models/mobilenetv2_tiny.{onnx,pt} and writes
# mobilenetv2_tiny_calib.npz / mobilenetv2_tiny_test.npz from Debian's
# dataset-fashion-mnist. Run:
#   /usr/bin/python3 tests/models/train_mobilenetv2_tiny.py
# (about 5 minutes on one idle core). Seeded; see README.md.
"""MobileNetV2 (width 0.35, inverted residuals, ReLU6, residual adds) on
Fashion-MNIST shown as 3x32x32 RGB images: the 28x28 image is padded by
2 black pixels on each side, copied into R, G and B, and scaled with
MobileNet's rescaling {scale: 1/127.5, offset: -1} to [-1, 1].

After BatchNormalization folding the depthwise layers' per-channel
weight ranges differ by orders of magnitude (printed below and recorded
in manifest.json): per-tensor weight quantization collapses there, the
case cross-layer equalization and bias correction repair."""

import os

import numpy as np
import torch
import torch.nn as nn

import common
from models import build

NAME = "mobilenetv2_tiny"
EPOCHS = 4
TRAIN_SAMPLES = 30000
THREADS = 1


def to_rgb32(a):
    """uint8 (N,28,28) -> float32 (N,3,32,32) in [-1, 1]."""
    a = np.pad(a, ((0, 0), (2, 2), (2, 2)))
    x = a.astype(np.float32) / 127.5 - 1.0
    return np.repeat(x[:, None, :, :], 3, axis=1)


def augment(xb):
    """Random horizontal flip and +-2 pixel shift (background is -1)."""
    n = xb.shape[0]
    flip = torch.rand(n) < 0.5
    xb = xb.clone()
    xb[flip] = xb[flip].flip(-1)
    pad = nn.functional.pad(xb, (2, 2, 2, 2), value=-1.0)
    dx, dy = np.random.randint(0, 5, size=2)
    return pad[:, :, dy:dy + 32, dx:dx + 32]


def depthwise_ranges(model):
    """Per-channel max |w| of each depthwise conv after folding its BN."""
    out = []
    mods = dict(model.named_modules())
    for name, m in mods.items():
        if not (isinstance(m, nn.Conv2d) and m.groups > 1
                and m.groups == m.in_channels):
            continue
        parent = name.rsplit(".", 1)[0]
        bn = mods[parent + ".1"]
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
        w = m.weight.detach() * scale[:, None, None, None]
        r = w.abs().flatten(1).max(1).values.numpy()
        out.append({
            "layer": name,
            "channels": int(r.size),
            "max": float(r.max()),
            "min": float(r.min()),
            "median": float(np.median(r)),
            "max_over_min": float(r.max() / max(r.min(), 1e-12)),
            "max_over_median": float(r.max() / np.median(r)),
            # share of channels a per-tensor int8 scale (max/127) leaves
            # with fewer than 8 quantization steps
            "channels_under_8_steps": int(
                (r / (r.max() / 127.0) < 8).sum()),
        })
    return out


def main():
    common.main_guard()
    common.setup(seed=2024, threads=THREADS)
    trx, try_, tex, tey, calib_idx, test_idx = common.fashion_splits()
    rng = np.random.RandomState(7)
    train_idx = common.stratified_pick(try_, TRAIN_SAMPLES, rng)
    xtr = to_rgb32(trx[train_idx])
    xtest, ytest = to_rgb32(tex[test_idx]), tey[test_idx]

    model = build(NAME)
    print("params:", common.count_params(model))
    # SGD with a high peak learning rate, as MobileNetV2 is usually
    # trained; it leaves some stem channels dead (always 0 after ReLU6),
    # and BN folding then blows up the depthwise weights fed by them.
    common.train(model, xtr, try_[train_idx], EPOCHS, lr=0.2, batch=128,
                 weight_decay=4e-5, augment=augment, optimizer="sgd",
                 log=lambda m: "test-acc %.4f" % common.accuracy(
                     m, xtest, ytest))
    acc = common.accuracy(model, xtest, ytest)
    full_acc = common.accuracy(model, to_rgb32(tex), tey)
    print("float accuracy: %.4f on the test npz, %.4f on all 10000 test "
          "images" % (acc, full_acc))

    ranges = depthwise_ranges(model)
    for r in ranges:
        print("%-22s ch %3d  max %8.3f  min %.2e  median %.3f  "
              "max/min %10.1f  max/median %6.1f  <8 steps %d" % (
                  r["layer"], r["channels"], r["max"], r["min"],
                  r["median"], r["max_over_min"], r["max_over_median"],
                  r["channels_under_8_steps"]))

    d = common.HERE
    torch.save(model.state_dict(), os.path.join(d, NAME + ".pt"))
    onnx_path = os.path.join(d, NAME + ".onnx")
    common.export_onnx(model, torch.from_numpy(xtest[:1]), onnx_path,
                       opset=13, meta={
                           "doc": "MobileNetV2-0.35 on Fashion-MNIST (3x32x32)"
                                  " trained by tests/models/"
                                  "train_mobilenetv2_tiny.py",
                           "source": "tests/models/train_mobilenetv2_tiny.py",
                           "dataset": "Debian dataset-fashion-mnist",
                           "preprocessing": "pad 28x28 to 32x32 with 0, "
                                            "gray to RGB, pixel/127.5 - 1",
                           "classes": ",".join(common.FASHION_CLASSES),
                       })
    common.check_export(model, onnx_path, xtest[:64])
    xcal = to_rgb32(trx[calib_idx])
    common.save_npz(os.path.join(d, NAME + "_calib.npz"), xcal,
                    try_[calib_idx], common.FASHION_CLASSES)
    common.save_npz(os.path.join(d, NAME + "_test.npz"), xtest, ytest,
                    common.FASHION_CLASSES)
    common.update_manifest(NAME, {
        "script": "train_mobilenetv2_tiny.py",
        "task": "Fashion-MNIST 10-class image classification (RGB 32x32)",
        "input": {"name": "input", "shape": ["N", 3, 32, 32],
                  "layout": "NCHW",
                  "preprocessing": "pad 2 px of 0, gray->RGB, "
                                   "pixel / 127.5 - 1"},
        "params": common.count_params(model),
        "opset": 13,
        "float_accuracy_test_npz": round(acc, 4),
        "float_accuracy_full_test_set": round(full_acc, 4),
        "calib_samples": int(len(calib_idx)),
        "test_samples": int(len(test_idx)),
        "depthwise_folded_weight_ranges": ranges,
        "ops": common.op_histogram(onnx_path),
        "files": [NAME + ".onnx", NAME + ".pt", NAME + "_calib.npz",
                  NAME + "_test.npz"],
    })


if __name__ == "__main__":
    main()
