#!/usr/bin/python3
# Provenance: makes, from speech synthesized by Debian's espeak-ng and
# resampled to 16 kHz by sox:
#   tests/models/audio_kws.{onnx,pt}, audio_kws_calib.npz, audio_kws_test.npz
#   tests/models/audio_kws_zoo.{onnx,pt}, audio_kws_zoo_calib.npz,
#       audio_kws_zoo_test.npz
#   tests/models/audio_ref/*.wav + audio_ref/mel_reference.npz
#   tests/seeds-data/esc_kws/ (ESC-50 style audio/ + meta/esc50.csv)
# Run: /usr/bin/python3 tests/models/train_audio_kws.py
# (about 10 minutes on one core, half of it espeak-ng). Seeded; README.md.
"""Two DS-CNN keyword spotters on 10 spoken keywords (yes no up down left
right on off stop go) said by 8 espeak-ng English voices x 17 voice
variants at random speeds, pitches and tempos, with white or pink noise.
Test samples come from (voice, variant) pairs never trained on.

audio_kws      1 s clips, log-mel with librosa's defaults (audio.KWS_MEL):
               input (N, 1, 40, 51) in dB (0 = the clip's loudest bin).
audio_kws_zoo  the STM32 model zoo ESC-10 example's preprocessing and
               feature_extraction (audio.ZOO_PRE, ZOO_MEL, ZOO_PATCH):
               silence removal, repeat to 1 s, 64-mel HTK magnitude
               spectrogram (power 1, no dB) as the model zoo feeds it
               with to_db False: ln(mel + 1e-4); (N, 1, 64, 96) patches.
"""

import csv
import os

import numpy as np
import torch

import audio
import common
from models import build

WORDS = audio.KEYWORDS
TRAIN_PER_WORD = 200
TEST_PER_WORD = 60
AUG_PER_UTT = 2
N_CALIB = 200
N_TEST = 400
SEED_WAVS_TRAIN = 6      # per class, folds 1-4 (trained voices)
SEED_WAVS_TEST = 2       # per class, fold 5 (held-out voices)
REF_WAVS = 5
SEEDS_DIR = os.path.join(common.REPO, "tests", "seeds-data", "esc_kws")
REF_DIR = os.path.join(common.HERE, "audio_ref")


def utterances(combos, per_word, rng):
    """[(word index, trimmed float32 16 kHz waveform, combo id)]"""
    out = []
    for wi, w in enumerate(WORDS):
        for _ in range(per_word):
            ci = rng.randint(len(combos))
            voice, variant = combos[ci]
            x = audio.synth(w, voice, variant,
                            speed=int(rng.randint(120, 221)),
                            pitch=int(rng.randint(20, 81)),
                            tempo=float(rng.uniform(0.85, 1.15)))
            x = audio.trim_silence(x)
            out.append((wi, x / (np.abs(x).max() + 1e-9), ci))
    return out


def noisy(x, rng):
    if rng.rand() < 0.8:
        kind = "pink" if rng.rand() < 0.5 else "white"
        x = audio.add_noise(x, rng.uniform(5.0, 40.0), rng, kind)
    return (x * rng.uniform(0.1, 0.9) / (np.abs(x).max() + 1e-9)).astype(
        np.float32)


def clip_1s(x, rng):
    """The word at a random place in 1 s of silence, then noise/gain."""
    n = audio.SR
    if len(x) > n:
        s = (len(x) - n) // 2
        x = x[s:s + n]
    return noisy(audio.fit_length(x, n, rng.randint(0, n - len(x) + 1)), rng)


def clip_natural(x, rng):
    """The word with 0-150 ms of silence either side, then noise/gain:
    what a recorded clip of a short sound event looks like."""
    pre = rng.randint(0, int(0.15 * audio.SR))
    post = rng.randint(0, int(0.15 * audio.SR))
    return noisy(np.concatenate([np.zeros(pre, np.float32), x,
                                 np.zeros(post, np.float32)]), rng)


def kws_features(clips):
    return np.stack([audio.melspectrogram(c, audio.KWS_MEL)[None]
                     for c in clips]).astype(np.float32)


def zoo_features(clips):
    """First (64, 96) patch of each clip (clips shorter than 1.5 s give
    exactly one patch after repeating to 1 s)."""
    return np.stack([audio.zoo_patches(c)[0][None] for c in clips])


def fp16_round(a):
    return a.astype(np.float16).astype(np.float32)


def build_set(utts, n_aug, rng, clipper):
    clips, ys = [], []
    for wi, x, _ in utts:
        for _ in range(n_aug):
            clips.append(clipper(x, rng))
            ys.append(wi)
    return clips, np.array(ys, dtype=np.int64)


def pick(utts, per_class, rng):
    by = {}
    for u in utts:
        by.setdefault(u[0], []).append(u)
    out = []
    for wi in sorted(by):
        idx = rng.choice(len(by[wi]), size=per_class, replace=False)
        out.extend(by[wi][i] for i in idx)
    return out


def train_one(name, xtr, ytr, xte, yte, epochs, lr):
    model = build(name)
    common.train(model, xtr, ytr, epochs, lr=lr, batch=64,
                 weight_decay=1e-4,
                 log=lambda m: "test-acc %.4f" % common.accuracy(m, xte, yte))
    return model


def export(name, model, xcal, ycal, xte, yte, meta, extra):
    d = common.HERE
    torch.save(model.state_dict(), os.path.join(d, name + ".pt"))
    onnx_path = os.path.join(d, name + ".onnx")
    common.export_onnx(model, torch.from_numpy(xte[:1]), onnx_path,
                       opset=13, meta=meta)
    common.check_export(model, onnx_path, xte[:64])
    common.save_npz(os.path.join(d, name + "_calib.npz"), xcal, ycal, WORDS)
    common.save_npz(os.path.join(d, name + "_test.npz"), xte, yte, WORDS)
    entry = {
        "script": "train_audio_kws.py",
        "params": common.count_params(model),
        "opset": 13,
        "calib_samples": int(len(xcal)),
        "test_samples": int(len(xte)),
        "ops": common.op_histogram(onnx_path),
        "files": [name + ".onnx", name + ".pt", name + "_calib.npz",
                  name + "_test.npz"],
    }
    entry.update(extra)
    common.update_manifest(name, entry)


def write_seed_audio(utts_tr, utts_te, rng):
    """ESC-50 layout: audio/<fold>-<src>-<take>-<target>.wav and
    meta/esc50.csv (filename,fold,target,category,esc10,src_file,take)."""
    adir = os.path.join(SEEDS_DIR, "audio")
    mdir = os.path.join(SEEDS_DIR, "meta")
    os.makedirs(adir, exist_ok=True)
    os.makedirs(mdir, exist_ok=True)
    rows, clips = [], []
    sel = ([(u, 1 + i % 4) for i, u in enumerate(pick(utts_tr,
                                                      SEED_WAVS_TRAIN, rng))]
           + [(u, 5) for u in pick(utts_te, SEED_WAVS_TEST, rng)])
    for k, ((wi, x, ci), fold) in enumerate(sel):
        src = 100000 + 1000 * ci + k
        fn = "%d-%d-A-%d.wav" % (fold, src, wi)
        c = clip_natural(x, rng)
        audio.write_wav(os.path.join(adir, fn), c)
        # what the engine will read back: 16-bit PCM
        clips.append(np.round(c * 32768.0).clip(-32768, 32767) / 32768.0)
        rows.append([fn, fold, wi, WORDS[wi], "True", src, "A"])
    rows_sorted = sorted(zip(rows, clips), key=lambda r: r[0][0])
    with open(os.path.join(mdir, "esc50.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["filename", "fold", "target", "category", "esc10",
                    "src_file", "take"])
        for r, _ in rows_sorted:
            w.writerow(r)
    return [r for r, _ in rows_sorted], [c for _, c in rows_sorted]


def main():
    common.main_guard()
    common.setup(seed=99)
    rng = np.random.RandomState(99)
    combos = [(v, var) for v in audio.VOICES for var in audio.VARIANTS]
    order = rng.permutation(len(combos))
    n_test = len(combos) // 5
    test_combos = [combos[i] for i in order[:n_test]]
    train_combos = [combos[i] for i in order[n_test:]]

    # torch.stft as an independent check of the numpy STFT
    yy = rng.standard_normal(audio.SR)
    for p in (audio.KWS_MEL, audio.ZOO_MEL):
        mine = audio.stft_power(yy, p["n_fft"], p["hop_length"],
                                p["win_length"], p["center"], "reflect", 2.0)
        w = torch.hann_window(p["win_length"], periodic=True,
                              dtype=torch.float64)
        ref = torch.stft(torch.from_numpy(yy), p["n_fft"], p["hop_length"],
                         p["win_length"], w, center=p["center"],
                         pad_mode="reflect", return_complex=True)
        ref = ref.abs().pow(2).numpy()
        err = np.abs(mine - ref).max() / np.abs(ref).max()
        print("numpy STFT vs torch.stft: %.1e" % err)
        assert err < 1e-10

    print("synthesizing keywords ...", flush=True)
    utts_tr = utterances(train_combos, TRAIN_PER_WORD, rng)
    utts_te = utterances(test_combos, TEST_PER_WORD, rng)

    # ---------------------------------------------------------- audio_kws
    clips, ytr = build_set(utts_tr, AUG_PER_UTT, rng, clip_1s)
    xtr = fp16_round(kws_features(clips))
    cal = pick(utts_tr, N_CALIB // len(WORDS), rng)
    cclips, ycal = build_set(cal, 1, rng, clip_1s)
    xcal = fp16_round(kws_features(cclips))
    te = pick(utts_te, N_TEST // len(WORDS), rng)
    tclips, yte = build_set(te, 1, rng, clip_1s)
    xte = fp16_round(kws_features(tclips))
    print("audio_kws: train %s test %s" % (xtr.shape, xte.shape), flush=True)
    m = train_one("audio_kws", xtr, ytr, xte, yte, epochs=8, lr=4e-3)
    acc = common.accuracy(m, xte, yte)
    print("audio_kws float accuracy %.4f" % acc)
    export("audio_kws", m, xcal, ycal, xte, yte, {
        "doc": "DS-CNN keyword spotter on log-mel, trained by "
               "tests/models/train_audio_kws.py",
        "source": "tests/models/train_audio_kws.py",
        "dataset": "espeak-ng keywords, 16 kHz",
        "preprocessing": "log-mel: " + ", ".join(
            "%s=%s" % kv for kv in sorted(audio.KWS_MEL.items())),
        "classes": ",".join(WORDS),
    }, {
        "task": "10 spoken keywords, 1 s clips",
        "input": {"name": "input", "shape": ["N", 1, 40, 51],
                  "layout": "NCHW (mel, frame)",
                  "preprocessing": "log-mel dB, see mel",
                  "mel": audio.KWS_MEL},
        "float_accuracy_test_npz": round(acc, 4),
    })

    # ref WAVs + full-precision features for the engine's log-mel tests
    os.makedirs(REF_DIR, exist_ok=True)
    names, refs, pows = [], [], []
    for k in range(REF_WAVS):
        c = tclips[k * (len(tclips) // REF_WAVS)]
        fn = "kws_%d_%s.wav" % (k, WORDS[int(yte[k * (len(tclips)
                                                    // REF_WAVS)])])
        audio.write_wav(os.path.join(REF_DIR, fn), c)
        pcm = np.round(c * 32768.0).clip(-32768, 32767) / 32768.0
        names.append(fn)
        refs.append(audio.melspectrogram(pcm, audio.KWS_MEL))
        p = dict(audio.KWS_MEL, to_db=False)
        pows.append(audio.melspectrogram(pcm, p))

    # ------------------------------------------------------ audio_kws_zoo
    clips, ytr = build_set(utts_tr, 2, rng, clip_natural)
    xtr = zoo_features(clips)
    te = pick(utts_te, N_TEST // len(WORDS), rng)
    tclips, yte_big = build_set(te, 1, rng, clip_natural)
    xte_big = zoo_features(tclips)
    print("audio_kws_zoo: train %s test %s" % (xtr.shape, xte_big.shape),
          flush=True)
    mz = train_one("audio_kws_zoo", xtr, ytr, xte_big, yte_big, epochs=8,
                   lr=4e-3)
    acc_big = common.accuracy(mz, xte_big, yte_big)

    rows, seed_clips = write_seed_audio(utts_tr, utts_te, rng)
    xs = zoo_features(seed_clips)
    ys = np.array([r[2] for r in rows], dtype=np.int64)
    folds = np.array([r[1] for r in rows])
    zoo_names = [r[0] for r in rows]
    xcal, ycal = xs[folds != 5], ys[folds != 5]
    xte, yte = xs[folds == 5], ys[folds == 5]
    acc_seed = common.accuracy(mz, xte, yte)
    acc_seed_all = common.accuracy(mz, xs, ys)
    print("audio_kws_zoo float accuracy %.4f on %d held-out patches, %.4f "
          "on the %d fold-5 seed WAVs, %.4f on all %d seed WAVs"
          % (acc_big, len(yte_big), acc_seed, len(yte), acc_seed_all,
             len(ys)))
    export("audio_kws_zoo", mz, fp16_round(xcal), ycal, fp16_round(xte),
           yte, {
               "doc": "DS-CNN keyword spotter on model-zoo style mel "
                      "patches, trained by tests/models/train_audio_kws.py",
               "source": "tests/models/train_audio_kws.py",
               "dataset": "espeak-ng keywords, 16 kHz",
               "preprocessing": "STM32 model zoo ESC-10 example: "
                                + ", ".join("%s=%s" % kv for kv in sorted(
                                    audio.ZOO_MEL.items())),
               "classes": ",".join(WORDS),
           }, {
               "task": "10 spoken keywords as ESC-50 style sound events",
               "input": {"name": "input", "shape": ["N", 1, 64, 96],
                         "layout": "NCHW (mel, frame)",
                         "preprocessing": "model zoo temporal "
                                          "preprocessing + log-mel patches "
                                          "(ln(mel + 1e-4), to_db False)",
                         "temporal": audio.ZOO_PRE, "mel": audio.ZOO_MEL,
                         "patches": audio.ZOO_PATCH},
               "float_accuracy_test_npz": round(acc_seed, 4),
               "float_accuracy_heldout": round(acc_big, 4),
               "heldout_samples": int(len(yte_big)),
               "float_accuracy_all_seed_wavs": round(acc_seed_all, 4),
               "npz_source": "tests/seeds-data/esc_kws: calib = folds 1-4,"
                             " test = fold 5 (first patch of each clip)",
           })

    np.savez_compressed(
        os.path.join(REF_DIR, "mel_reference.npz"),
        kws_files=np.array(names), kws_logmel=np.stack(refs),
        kws_melpower=np.stack(pows),
        zoo_files=np.array(zoo_names[:REF_WAVS]),
        zoo_patch=xs[:REF_WAVS, 0])


if __name__ == "__main__":
    main()
