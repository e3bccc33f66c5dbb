#!/usr/bin/python3
# Provenance: makes tests/models/conv1d_series.{onnx,pt},
# conv1d_series_calib.npz, conv1d_series_test.npz and the arc-fault-style
# CSV files in tests/seeds-data/afd/ from speech synthesized by Debian's
# espeak-ng and resampled by sox. Run:
#   /usr/bin/python3 tests/models/train_conv1d_series.py
# (about 5 minutes on one core, most of it espeak-ng). Seeded; README.md.
"""A 1D-conv "arc fault detection" classifier on real synthesized audio.

Real arc faults show up in a line current as broadband, noise-like
bursts on top of the (quasi-periodic) load current. The same physics,
with sound: a sustained vowel from espeak-ng is the periodic "current";
the "arc" class has a sustained fricative (s, sh, f, th, z, zh, v, dh,
h, kh: turbulent broadband noise) burst mixed in at -20..0 dB relative to
the vowel, for part or all of the window; the "normal" class has only
minor white or pink noise (SNR 30-50 dB). Voices x variants are split so
that the test set uses (voice, variant) pairs never trained on.

One sample = 2048 samples at 16 kHz (128 ms) cut into 4 consecutive
channels of 512 (channel-major), shaped like the STM32 model zoo's arc
fault detection input_shape (4, 512, 1) = (n_channels, seq_len, 1); the
ONNX input is (N, 4, 512). Values are standardized with the training
set's global mean and std (stored in the manifest), so "normalization:
True" with data-set statistics is close to the identity, and rounded to
float16 precision (kept as float32) so the files compress."""

import os

import numpy as np
import torch

import audio
import common
from models import build

NAME = "conv1d_series"
CLASSES = ["normal", "arc"]
VOWELS = ["a", "E", "I", "i", "O", "u", "V", "3", "A"]
FRICATIVES = ["s", "S", "f", "T", "z", "Z", "v", "D", "h", "x"]
VARIANTS = [v for v in audio.VARIANTS if not v.startswith("whisper")]
WIN = 2048
SEG = 512
N_TRAIN = 8000
N_CALIB = 200
N_TEST = 300
CSV_QUANT = 40
CSV_TEST = 40
EPOCHS = 12
SEEDS_DIR = os.path.join(common.REPO, "tests", "seeds-data", "afd")


def clip_pool(phonemes, combos, rng, per_phoneme):
    """Synthesize sustained phonemes for random (voice, variant) pairs."""
    pool = []
    for p in phonemes:
        for _ in range(per_phoneme):
            voice, variant = combos[rng.randint(len(combos))]
            x = audio.synth("[[" + p + ":::::]]", voice, variant,
                            speed=int(rng.randint(90, 160)),
                            pitch=int(rng.randint(20, 80)),
                            tempo=float(rng.uniform(0.7, 1.0)))
            x = audio.trim_silence(x, 3e-3)
            if len(x) >= WIN // 2:
                pool.append(x / (np.abs(x).max() + 1e-9))
    return pool


def window(x, n, rng):
    if len(x) <= n:
        return audio.fit_length(x, n, rng.randint(0, n - len(x) + 1))
    s = rng.randint(0, len(x) - n + 1)
    return x[s:s + n].astype(np.float32)


def make_sample(label, vowels, frics, rng):
    v = window(vowels[rng.randint(len(vowels))], WIN, rng)
    if label == 1:
        f = frics[rng.randint(len(frics))]
        burst = int(rng.randint(WIN // 4, WIN + 1))
        fb = window(f, burst, rng)
        fb *= np.hanning(burst).astype(np.float32) ** 0.25
        arc = audio.fit_length(fb, WIN, rng.randint(0, WIN - burst + 1))
        pv = float(np.mean(v ** 2)) + 1e-12
        pa = float(np.mean(fb ** 2)) + 1e-12
        ratio_db = rng.uniform(-20.0, 0.0)
        v = v + arc * np.sqrt(pv / pa * 10.0 ** (ratio_db / 10.0))
    kind = "pink" if rng.rand() < 0.5 else "white"
    x = audio.add_noise(v, rng.uniform(30.0, 50.0), rng, kind)
    x *= rng.uniform(0.2, 1.0) / (np.abs(x).max() + 1e-9)
    return x.reshape(4, SEG)


def make_set(n, vowels, frics, rng):
    y = np.arange(n) % 2
    rng.shuffle(y)
    x = np.stack([make_sample(int(l), vowels, frics, rng) for l in y])
    return x.astype(np.float32), y.astype(np.int64)


def write_csv(path, x, y):
    """Header, then one sample per row: label (class index: 0 normal,
    1 arc), then the 4x512 values channel-major (ch0 t0..t511, ch1 ...)."""
    cols = ["label"] + ["c%d_t%d" % (c, t) for c in range(4)
                        for t in range(SEG)]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(",".join(cols) + "\n")
        for xi, yi in zip(x, y):
            vals = ",".join("%.4g" % v for v in xi.reshape(-1))
            f.write("%d,%s\n" % (yi, vals))
    os.replace(tmp, path)


def main():
    common.main_guard()
    common.setup(seed=77)
    rng = np.random.RandomState(77)
    combos = [(v, var) for v in audio.VOICES for var in VARIANTS]
    order = rng.permutation(len(combos))
    n_test = len(combos) // 5
    test_combos = [combos[i] for i in order[:n_test]]
    train_combos = [combos[i] for i in order[n_test:]]

    print("synthesizing sustained phonemes ...", flush=True)
    v_tr = clip_pool(VOWELS, train_combos, rng, 40)
    f_tr = clip_pool(FRICATIVES, train_combos, rng, 36)
    v_te = clip_pool(VOWELS, test_combos, rng, 12)
    f_te = clip_pool(FRICATIVES, test_combos, rng, 11)
    print("clips: train %d vowels %d fricatives, test %d / %d"
          % (len(v_tr), len(f_tr), len(v_te), len(f_te)), flush=True)

    xtr, ytr = make_set(N_TRAIN, v_tr, f_tr, rng)
    xcal, ycal = make_set(N_CALIB, v_tr, f_tr, rng)
    xte, yte = make_set(N_TEST, v_te, f_te, rng)
    xcq, ycq = make_set(CSV_QUANT, v_tr, f_tr, rng)
    xct, yct = make_set(CSV_TEST, v_te, f_te, rng)
    mean, std = float(xtr.mean()), float(xtr.std())
    norm = lambda a: ((a - mean) / std).astype(np.float16).astype(
        np.float32)
    xtr, xcal, xte, xcq, xct = map(norm, (xtr, xcal, xte, xcq, xct))
    # the CSV holds 4 significant digits: evaluate on exactly that
    g4 = np.vectorize(lambda v: float("%.4g" % v), otypes=[np.float64])
    xcq, xct = g4(xcq).astype(np.float32), g4(xct).astype(np.float32)

    model = build(NAME)
    common.train(model, xtr, ytr, EPOCHS, lr=3e-3, batch=64,
                 log=lambda m: "test-acc %.4f" % common.accuracy(m, xte, yte))
    acc = common.accuracy(model, xte, yte)
    csv_acc = common.accuracy(model, xct, yct)
    # "normalization: True" refits mean/std on the CSV's own rows
    m2, s2 = float(xcq.mean()), float(xcq.std())
    refit_acc = common.accuracy(model, ((xct - m2) / (s2 + 1e-8)).astype(
        np.float32), yct)
    print("float accuracy: %.4f on the test npz, %.4f on the CSV test rows "
          "(%.4f after a mean/std refit on the quantization CSV: mean %.3g "
          "std %.3g)" % (acc, csv_acc, refit_acc, m2, s2))

    d = common.HERE
    torch.save(model.state_dict(), os.path.join(d, NAME + ".pt"))
    onnx_path = os.path.join(d, NAME + ".onnx")
    common.export_onnx(model, torch.from_numpy(xte[:1]), onnx_path,
                       opset=13, meta={
                           "doc": "1D-conv normal/arc classifier trained by "
                                  "tests/models/train_conv1d_series.py",
                           "source": "tests/models/train_conv1d_series.py",
                           "dataset": "espeak-ng sustained vowels, with or "
                                      "without fricative bursts, 16 kHz",
                           "preprocessing": "(x - %.6g) / %.6g, 4x512 "
                                            "channel-major" % (mean, std),
                           "classes": ",".join(CLASSES),
                       })
    common.check_export(model, onnx_path, xte[:64])
    common.save_npz(os.path.join(d, NAME + "_calib.npz"), xcal, ycal, CLASSES)
    common.save_npz(os.path.join(d, NAME + "_test.npz"), xte, yte, CLASSES)

    os.makedirs(SEEDS_DIR, exist_ok=True)
    write_csv(os.path.join(SEEDS_DIR, "Arc_and_Normal_quantization.csv"),
              xcq, ycq)
    write_csv(os.path.join(SEEDS_DIR, "Arc_and_Normal_test.csv"), xct, yct)

    common.update_manifest(NAME, {
        "script": "train_conv1d_series.py",
        "task": "2-class normal/arc detection on 16 kHz espeak-ng audio "
                "(arc = fricative noise burst on a vowel)",
        "input": {"name": "input", "shape": ["N", 4, 512], "layout": "NCL",
                  "preprocessing": "(x - mean) / std with the training "
                                   "set's global statistics",
                  "mean": mean, "std": std},
        "params": common.count_params(model),
        "opset": 13,
        "float_accuracy_test_npz": round(acc, 4),
        "float_accuracy_seeds_csv_test": round(csv_acc, 4),
        "float_accuracy_seeds_csv_test_refit_norm": round(refit_acc, 4),
        "calib_samples": N_CALIB,
        "test_samples": N_TEST,
        "ops": common.op_histogram(onnx_path),
        "files": [NAME + ".onnx", NAME + ".pt", NAME + "_calib.npz",
                  NAME + "_test.npz"],
    })


if __name__ == "__main__":
    main()
