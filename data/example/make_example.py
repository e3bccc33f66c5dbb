#!/usr/bin/python3
# Provenance: makes Quantizer's bundled example project (this directory)
# from tests/models/fashion_cnn.onnx (trained by
# tests/models/train_fashion_cnn.py) and real Fashion-MNIST images from
# Debian's dataset-fashion-mnist. Run from the repository root:
#   /usr/bin/python3 data/example/make_example.py
"""Copy the model, write the images as 28x28 grayscale PNG in class
folders and check that the model, run in PyTorch on the images after
the YAML's preprocessing (pixel / 255), gets the accuracy the README
states.

dataset/quantization/<class>/  the 200 training images of
                               tests/models/fashion_cnn_calib.npz
dataset/test/<class>/          300 test images (30 per class): the first
                               300 samples of fashion_cnn_test.npz
"""

import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "models"))

import common  # noqa: E402
import imageio_min  # noqa: E402
import models  # noqa: E402

N_TEST_PER_CLASS = 30


def write_tree(root, images, labels):
    if os.path.isdir(root):
        shutil.rmtree(root)
    counts = {}
    for img, lab in zip(images, labels):
        cls = common.FASHION_CLASSES[int(lab)]
        d = os.path.join(root, cls)
        os.makedirs(d, exist_ok=True)
        k = counts.get(cls, 0)
        counts[cls] = k + 1
        p = os.path.join(d, "%s_%03d.png" % (cls, k))
        imageio_min.write_png(p, img)
        assert (imageio_min.read_png(p) == img).all()
    return counts


def main():
    trx, try_, tex, tey, calib_idx, test_idx = common.fashion_splits()
    # the test npz keeps test_idx order; take 30 per class from its start
    picked, per = [], {}
    for i in test_idx:
        c = int(tey[i])
        if per.get(c, 0) < N_TEST_PER_CLASS:
            picked.append(i)
            per[c] = per.get(c, 0) + 1
    picked = np.array(picked)

    write_tree(os.path.join(HERE, "dataset", "quantization"),
               trx[calib_idx], try_[calib_idx])
    write_tree(os.path.join(HERE, "dataset", "test"), tex[picked],
               tey[picked])
    src = os.path.join(REPO, "tests", "models", "fashion_cnn.onnx")
    shutil.copyfile(src, os.path.join(HERE, "fashion_cnn.onnx"))

    # check: the model on the PNGs after the YAML's preprocessing
    m = models.load("fashion_cnn",
                    os.path.join(REPO, "tests", "models", "fashion_cnn.pt"))
    for split in ("quantization", "test"):
        xs, ys = [], []
        root = os.path.join(HERE, "dataset", split)
        for ci, cls in enumerate(common.FASHION_CLASSES):
            for fn in sorted(os.listdir(os.path.join(root, cls))):
                img = imageio_min.read_png(os.path.join(root, cls, fn))
                xs.append(img.astype(np.float32)[None] * (1.0 / 255.0))
                ys.append(ci)
        acc = common.accuracy(m, np.stack(xs), np.array(ys))
        print("%s: %d images, float accuracy %.4f" % (split, len(ys), acc))


if __name__ == "__main__":
    main()
