#!/usr/bin/python3
# Provenance: makes tests/seeds-data/fashion_photos/ and
# fashion_photos_test/ -- a flowers-style class-folder image tree for
# the STM32 model zoo image-classification seed config -- from real
# Fashion-MNIST images (Debian's dataset-fashion-mnist), and checks them
# against tests/models/mobilenetv2_tiny.pt. Run from the repo root:
#   /usr/bin/python3 tests/seeds-data/make_seed_images.py
"""Each 28x28 Fashion-MNIST image is padded with 2 black pixels to 32x32
(as mobilenetv2_tiny was trained), copied into R, G and B, enlarged 2x
by pixel replication to 64x64 and written as a baseline JPEG (quality
95, no chroma subsampling). Resizing 64x64 back to the model's 32x32
with nearest or (half-pixel) bilinear interpolation gives the 32x32
image again, up to JPEG's rounding. These are not photographs: no
Debian package ships a class-labelled photo collection; the folders
mimic tf_flowers' layout (<root>/<class>/<name>.jpg).

fashion_photos/       15 training images per class (calibration source)
fashion_photos_test/  10 test images per class (never trained on)
"""

import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "models"))

import common  # noqa: E402
import imageio_min  # noqa: E402
import models  # noqa: E402

N_QUANT = 15
N_TEST = 10


def to_rgb64(img28):
    a = np.pad(img28, 2)
    a = np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)
    return np.repeat(a[:, :, None], 3, axis=2)


def read_jpeg(path):
    """Decode with ImageMagick (an independent decoder) to RGB uint8."""
    out = subprocess.run(["convert", path, "-depth", "8", "rgb:-"],
                         check=True, capture_output=True).stdout
    a = np.frombuffer(out, dtype=np.uint8)
    return a.reshape(64, 64, 3)


def write_tree(root, images, labels, per_class):
    if os.path.isdir(root):
        shutil.rmtree(root)
    counts = {}
    paths = []
    for img, lab in zip(images, labels):
        cls = common.FASHION_CLASSES[int(lab)]
        k = counts.get(cls, 0)
        if k >= per_class:
            continue
        counts[cls] = k + 1
        d = os.path.join(root, cls)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "%s_%03d.jpg" % (cls, k))
        imageio_min.write_jpeg(p, to_rgb64(img))
        paths.append((p, int(lab)))
    return paths


def main():
    trx, try_, tex, tey, calib_idx, test_idx = common.fashion_splits()
    q = write_tree(os.path.join(HERE, "fashion_photos"), trx[calib_idx],
                   try_[calib_idx], N_QUANT)
    t = write_tree(os.path.join(HERE, "fashion_photos_test"), tex[test_idx],
                   tey[test_idx], N_TEST)
    m = models.load("mobilenetv2_tiny", os.path.join(
        REPO, "tests", "models", "mobilenetv2_tiny.pt"))
    for name, paths in (("fashion_photos", q), ("fashion_photos_test", t)):
        xs, ys, err = [], [], 0
        for p, lab in paths:
            rgb = read_jpeg(p)
            small = rgb[::2, ::2].astype(np.float32)   # nearest 64 -> 32
            xs.append(small.transpose(2, 0, 1) / 127.5 - 1.0)
            ys.append(lab)
        acc = common.accuracy(m, np.stack(xs).astype(np.float32),
                              np.array(ys))
        print("%s: %d JPEG images, mobilenetv2_tiny float accuracy %.4f "
              "(decoded by ImageMagick, nearest 64->32, /127.5 - 1)"
              % (name, len(ys), acc))


if __name__ == "__main__":
    main()
