#!/usr/bin/python3
# Provenance: trains tests/models/fashion_cnn.{onnx,pt} and writes
# fashion_cnn_calib.npz / fashion_cnn_test.npz from Debian's
# dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Run:
#   /usr/bin/python3 tests/models/train_fashion_cnn.py
# (about 1-2 minutes on one core). Seeded; see README.md.
"""Fashion-MNIST CNN: conv-bn-relu-maxpool x2, Gemm. Input (N,1,28,28)
holding pixel/255 (the example project's rescaling {scale: 1/255,
offset: 0}), no mean/std normalisation."""

import os

import numpy as np
import torch

import common
from models import build

NAME = "fashion_cnn"
EPOCHS = 4


def main():
    common.main_guard()
    common.setup(seed=1234)
    trx, try_, tex, tey, calib_idx, test_idx = common.fashion_splits()
    prep = lambda a: (a.astype(np.float32) / 255.0)[:, None, :, :]
    xtr, xte = prep(trx), prep(tex)
    xtest, ytest = xte[test_idx], tey[test_idx]

    model = build(NAME)
    common.train(model, xtr, try_, EPOCHS, lr=3e-3, batch=128,
                 log=lambda m: "test-acc %.4f" % common.accuracy(
                     m, xtest, ytest))
    full_acc = common.accuracy(model, xte, tey)
    acc = common.accuracy(model, xtest, ytest)
    print("float accuracy: %.4f on the 1000-sample test npz, %.4f on all "
          "10000 test images" % (acc, full_acc))

    d = common.HERE
    torch.save(model.state_dict(), os.path.join(d, NAME + ".pt"))
    onnx_path = os.path.join(d, NAME + ".onnx")
    common.export_onnx(model, torch.from_numpy(xtest[:1]), onnx_path,
                       opset=13, meta={
                           "doc": "Fashion-MNIST CNN trained by "
                                  "tests/models/train_fashion_cnn.py",
                           "source": "tests/models/train_fashion_cnn.py",
                           "dataset": "Debian dataset-fashion-mnist",
                           "preprocessing": "pixel/255, NCHW 1x28x28",
                           "classes": ",".join(common.FASHION_CLASSES),
                       })
    common.check_export(model, onnx_path, xtest[:64])
    common.save_npz(os.path.join(d, NAME + "_calib.npz"),
                    xtr[calib_idx], try_[calib_idx], common.FASHION_CLASSES)
    common.save_npz(os.path.join(d, NAME + "_test.npz"), xtest, ytest,
                    common.FASHION_CLASSES)
    common.update_manifest(NAME, {
        "script": "train_fashion_cnn.py",
        "task": "Fashion-MNIST 10-class image classification",
        "input": {"name": "input", "shape": ["N", 1, 28, 28],
                  "layout": "NCHW", "preprocessing": "pixel / 255"},
        "params": common.count_params(model),
        "opset": 13,
        "float_accuracy_test_npz": round(acc, 4),
        "float_accuracy_full_test_set": round(full_acc, 4),
        "calib_samples": int(len(calib_idx)),
        "test_samples": int(len(test_idx)),
        "ops": common.op_histogram(onnx_path),
        "files": [NAME + ".onnx", NAME + ".pt", NAME + "_calib.npz",
                  NAME + "_test.npz"],
    })


if __name__ == "__main__":
    main()
