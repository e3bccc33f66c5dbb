#!/usr/bin/python3
"""Compare engine/data's preprocessing with the numpy references in refs.py.

usage: test_preproc.py DATA_TOOL QZ   (run by meson, suite 'data')
Tolerances (from the issue): images 1e-5 after rescaling, log-mel 1e-3 dB,
series 1e-5. Prints the largest error of every check.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refs  # noqa: E402

TOOL = sys.argv[1]
TMP = tempfile.mkdtemp(prefix='qz-data-test-')
failures = []
rng = np.random.default_rng(20261125)


def run(*args):
    p = subprocess.run([TOOL] + [str(a) for a in args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError('data-tool %s failed: %s' % (' '.join(map(str, args)), p.stderr))
    return p.stdout


def check(name, err, tol):
    ok = err <= tol
    print('%-52s max error %.3g (tolerance %g) %s' % (name, err, tol, 'ok' if ok else 'FAIL'))
    if not ok:
        failures.append(name)


def npy(name, a):
    p = os.path.join(TMP, name)
    np.save(p, a)
    return p


def load(p):
    return np.load(p)


# ---- tf.image.resize ----------------------------------------------------------------------
cases = [((37, 53, 3), (16, 20)), ((7, 9, 1), (20, 15)), ((48, 64, 3), (48, 64)),
         ((100, 75, 3), (33, 41)), ((5, 5, 3), (12, 3))]
methods = ['bilinear', 'nearest', 'bicubic', 'area', 'lanczos3', 'lanczos5', 'gaussian',
           'mitchellcubic']
for shape, (oh, ow) in cases:
    img = rng.integers(0, 256, size=shape).astype(np.float32)
    src = npy('img.npy', img)
    for m in methods:
        for aa in ([False, True] if m in ('bilinear', 'bicubic', 'lanczos3') else [False]):
            out = os.path.join(TMP, 'out.npy')
            run('resize', src, out, m, oh, ow, *(['antialias'] if aa else []))
            got = load(out).astype(np.float64) / 255.0
            ref = refs.tf_resize(img, oh, ow, m, aa) / 255.0
            check('resize %s%s %s->%dx%d' % (m, '+aa' if aa else '', shape, oh, ow),
                  float(np.max(np.abs(got - ref))), 1e-5)

# ---- image decoding + full pipeline (PNG/BMP written here, pixels known) -------------------
root = os.path.join(TMP, 'imgs')
pix = {}
for cls in ('b_cls', 'a_cls'):
    os.makedirs(os.path.join(root, cls))
    for i in range(3):
        h, w = int(rng.integers(20, 60)), int(rng.integers(20, 60))
        im = rng.integers(0, 256, size=(h, w, 3)).astype(np.uint8)
        name = os.path.join(root, cls, 'im%d.%s' % (i, 'bmp' if i == 2 else 'png'))
        (refs.write_bmp24 if i == 2 else refs.write_png)(name, im)
        pix[name] = im
for m in ['bilinear', 'nearest', 'bicubic', 'area']:
    for aspect in ['fit', 'crop']:
        for layout in ['nhwc', 'nchw']:
            out = os.path.join(TMP, 'load.npz')
            shape = '1,24,32,3' if layout == 'nhwc' else '1,3,24,32'
            stdout = run('load', root, out, 'all', 2, 'input_shape=' + shape, 'layout=' + layout,
                         'interpolation=' + m, 'aspect_ratio=' + aspect, 'scale=1/127.5',
                         'offset=-1', 'validation_split=-1')
            z = np.load(out)
            names = sorted(pix)  # a_cls files first, as listed
            err = 0.0
            for k, name in enumerate(names):
                im = pix[name].astype(np.float32)
                if aspect == 'crop':
                    y0, x0, ch, cw = refs.smart_resize_box(im.shape[0], im.shape[1], 24, 32)
                    im = im[y0:y0 + ch, x0:x0 + cw]
                ref = refs.tf_resize(im, 24, 32, m) / 127.5 - 1
                if layout == 'nchw':
                    ref = ref.transpose(2, 0, 1)
                err = max(err, float(np.max(np.abs(z['x'][k] - ref))))
            labels_ok = list(z['y']) == [0, 0, 0, 1, 1, 1]
            check('images %s %s %s (PNG+BMP, 1/127.5-1)' % (m, aspect, layout),
                  err if labels_ok else 1.0, 1e-5)

# grayscale from RGB: 0.299 R + 0.587 G + 0.114 B (libpng fixed point rounds)
name = sorted(pix)[0]
out = os.path.join(TMP, 'gray.npy')
run('decode', name, out, 'grayscale')
g = load(out)[:, :, 0].astype(np.float64)
ref = pix[name].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
check('PNG rgb->grayscale (BT.601 in libpng 15-bit fixed point)', float(np.max(np.abs(g - ref))), 1.5)

# JPEG: libjpeg-turbo through the engine vs ImageMagick's decoder of the same file
convert = shutil.which('convert', path='/usr/bin')
if convert:
    jp = os.path.join(TMP, 'x.jpg')
    refs.write_png(os.path.join(TMP, 'x.png'), rng.integers(0, 256, size=(45, 61, 3)).astype(np.uint8))
    subprocess.run([convert, os.path.join(TMP, 'x.png'), '-quality', '90', jp], check=True)
    raw = subprocess.run([convert, jp, '-depth', '8', 'rgb:-'], capture_output=True, check=True).stdout
    im = np.frombuffer(raw, dtype=np.uint8).reshape(45, 61, 3).astype(np.int64)
    run('decode', jp, out, 'rgb')
    check('JPEG decode vs ImageMagick (8-bit levels)',
          float(np.max(np.abs(load(out).astype(np.int64) - im))), 1.0)
    # thumbnail: DCT scaling + area resampling, longer side at most 20 pixels
    run('thumb', jp, out, 20)
    th = load(out).astype(np.float64)
    check('thumbnail shape (15, 20, 3) and mean level', 0.0 if th.shape == (15, 20, 3) and
          abs(th.mean() - im.mean()) < 3 else 1.0, 0.0)
else:
    print('ImageMagick convert not found: JPEG cross-check not run')

# ---- librosa mel / STFT / power_to_db ---------------------------------------------------------
sr = 16000
t = np.arange(int(1.3 * sr)) / sr
wave_ = (0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3100 * t) *
         (t > 0.4) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
espeak = shutil.which('espeak-ng')
sox = shutil.which('sox')
signals = {'tones+noise': wave_}
if espeak and sox:
    wv = os.path.join(TMP, 'yes.wav')
    subprocess.run([espeak, '-w', os.path.join(TMP, 'e.wav'), 'yes, quantize the model'],
                   check=True, capture_output=True)
    subprocess.run([sox, os.path.join(TMP, 'e.wav'), '-r', '16000', '-b', '16', wv], check=True)
    y, _ = refs.read_wav(wv)
    signals['espeak speech'] = y.astype(np.float32)
else:
    print('espeak-ng/sox not found: speech signal not used')

configs = [
    ('model zoo defaults', {}),
    ('AED example (htk, norm None, power 1, no db)',
     dict(n_fft=512, hop_length=160, window_length=400, center=False, power=1.0, fmin=125,
          fmax=7500, norm='none', htk=True, to_db=False)),
    ('hamming, reflect, 1024/256, ref 1.0',
     dict(n_fft=1024, hop_length=256, window_length=1024, window='hamming', pad_mode='reflect',
          n_mels=40, fmin=0, fmax=8000, ref=1.0)),
    ('blackman, edge pad, power 1 in dB', dict(window='blackman', pad_mode='edge', power=1.0,
                                               n_mels=32, top_db=60.0)),
]
engine_keys = {'hop_length': 'spec_hop_length', 'top_db': 'fe_top_db'}
for sname, y in signals.items():
    src = npy('y.npy', y)
    for cname, cfg in configs:
        full = dict(n_fft=512, hop_length=160, window_length=400, window='hann', center=True,
                    pad_mode='constant', power=2.0, n_mels=64, fmin=20, fmax=20000,
                    norm='slaney', htk=False, to_db=True, ref='max', top_db=80.0)
        full.update(cfg)
        args = []
        for k, v in full.items():
            if k == 'ref':
                args += ['db_ref=max'] if v == 'max' else ['db_ref=fixed', 'db_ref_value=%r' % v]
                continue
            args.append('%s=%s' % (engine_keys.get(k, k), v))
        out = os.path.join(TMP, 'mel.npy')
        run('mel', src, out, sr, *args)
        got = load(out).astype(np.float64)
        ref = refs.log_mel(y.astype(np.float64), sr, **full)
        unit = 'dB' if full['to_db'] else 'ln'
        tol = 1e-3 if full['to_db'] else 1e-4
        err = float(np.max(np.abs(got - ref))) if got.shape == ref.shape else float('inf')
        check('log-mel %s, %s [%s]' % (sname, cname, unit), err, tol)

# mel filterbank alone (slaney + htk, both norms)
for htk in (0, 1):
    for norm in ('slaney', 'none'):
        out = os.path.join(TMP, 'fb.npy')
        run('filterbank', out, 22050, 2048, 80, 30, 9000, htk, norm)
        ref = refs.mel_filterbank(22050, 2048, 80, 30, 9000, bool(htk), norm)
        got = load(out).astype(np.float64)
        check('mel filterbank htk=%d norm=%s (relative)' % (htk, norm),
              float(np.max(np.abs(got - ref)) / np.max(np.abs(ref))), 1e-6)

# temporal preprocessing (silence removal, repeat to min_length)
sil = np.concatenate([np.zeros(3000), 0.3 * np.sin(np.arange(5000) * 0.05), np.zeros(7000),
                      0.2 * np.sin(np.arange(2600) * 0.09), np.zeros(1000)]).astype(np.float32)
for top_db, fl, hl, mn, lengthen, trim in [(60, 2048, 512, 1, 'after', False),
                                           (30, 400, 100, 2, 'before', False),
                                           (40, 800, 200, 1, 'after', True)]:
    src = npy('sil.npy', sil)
    out = os.path.join(TMP, 'tmp.npy')
    run('temporal', src, out, 8000, 'top_db=%d' % top_db, 'frame_length=%d' % fl,
        'hop_length=%d' % hl, 'min_length=%d' % mn, 'lengthen=' + lengthen,
        'trim_last_second=%d' % trim)
    got = load(out).astype(np.float64)
    ref = refs.load_and_reformat(sil.astype(np.float64), 8000, mn, top_db, fl, hl, trim, lengthen)
    err = float(np.max(np.abs(got - ref))) if got.shape == ref.shape else float('inf')
    check('silence removal top_db=%d fl=%d hop=%d min=%d %s' % (top_db, fl, hl, mn, lengthen),
          err, 1e-7)

# resampling: a real resampler keeps a tone (libsoxr HQ; no bit-exact peer here)
tone = np.sin(2 * np.pi * 1000 * np.arange(44100) / 44100).astype(np.float32)
out = os.path.join(TMP, 'rs.npy')
run('resample', npy('tone.npy', tone), out, 44100, 16000)
got = load(out).astype(np.float64)
ideal = np.sin(2 * np.pi * 1000 * np.arange(len(got)) / 16000)
mid = slice(200, len(got) - 200)
check('resample 44.1k->16k length ceil(n*16/44.1)', abs(len(got) - 16000), 0)
check('resample 44.1k->16k 1 kHz tone (abs)', float(np.max(np.abs(got[mid] - ideal[mid]))), 2e-3)

# ---- time series -----------------------------------------------------------------------------
x = rng.standard_normal(1024).astype(np.float32) * 40 + 3
out = os.path.join(TMP, 'fft.npy')
run('rfft', npy('x.npy', x), out, 512)
ref = np.abs(np.fft.rfft(x.astype(np.float64)))[:512]
check('series |rfft| (relative to max)', float(np.max(np.abs(load(out) - ref)) / ref.max()), 1e-6)
run('zscore', npy('x.npy', x), out, 1e-8)
ref = (x.astype(np.float64) - x.mean(dtype=np.float64)) / (x.astype(np.float64).std() + 1e-8)
check('series per-sample z-score', float(np.max(np.abs(load(out) - ref))), 1e-5)


# arc-fault CSV (model zoo layout: one channel per row, label last, no header)
def zoo_preprocess(X, seq_len, n_ch, downsampling, time_domain, norm):
    """The model zoo's preprocess_data(), with decimation for downsampling."""
    target = seq_len if time_domain else seq_len * 2
    if downsampling:
        k = X.shape[1] // target
        X = X[:, ::k][:, :target]
    else:
        X = X[:, :target]
    if not time_domain:
        X = np.abs(np.fft.rfft(X))[:, :seq_len]
    if norm is True:
        params = (X.mean(axis=0), X.std(axis=0) + 1e-8) if not time_domain else (X.mean(), X.std() + 1e-8)
        X = (X - params[0]) / params[1]
    elif isinstance(norm, tuple):
        X = (X - norm[0]) / norm[1]
    return X.reshape(-1, n_ch, seq_len)


rows = 4 * 12
Xraw = rng.standard_normal((rows, 1030)) * 5 + rng.integers(0, 3, size=(rows, 1))
Y = rng.integers(0, 2, size=rows)
csvp = os.path.join(TMP, 'afd.csv')
with open(csvp, 'w') as f:
    for r in range(rows):
        f.write(','.join('%.9g' % v for v in Xraw[r]) + ',%d\n' % Y[r])
Xf = np.array([[float('%.9g' % v) for v in row] for row in Xraw])
for td, ds_, norm in [(True, False, False), (False, False, True), (True, True, True),
                      (False, True, False)]:
    out = os.path.join(TMP, 'afd.npz')
    seq = 256
    run('load', csvp, out, 'all', 3, 'input_shape=4,%d,1' % seq, 'time_domain=%d' % td,
        'downsampling=%d' % ds_, 'normalization=%s' % ('true' if norm else 'false'),
        'validation_split=-1', 'class_names=normal,arc')
    z = np.load(out)
    # with no split, every sample is training: the statistics come from all rows
    ref = zoo_preprocess(Xf, seq, 4, ds_, td, norm)[..., None]
    # integer labels keep their meaning: class_names[k] is label k (not sorted)
    lab_ok = list(z['y']) == list(Y.reshape(-1, 4)[:, 0])
    # unnormalized FFT magnitudes reach the hundreds: compare relative to the largest
    scale_ = max(1.0, float(np.max(np.abs(ref))))
    check('AFD CSV time_domain=%d downsampling=%d normalization=%d%s' %
          (td, ds_, norm, ' (relative)' if scale_ > 1 else ''),
          float(np.max(np.abs(z['x'] - ref))) / scale_ if lab_ok else 1.0, 1e-5)

# class folders of one-sample CSV files (time-major: one column per channel, a header)
sroot = os.path.join(TMP, 'series_dir')
mats = {}
for cls in ('idle', 'fault'):
    os.makedirs(os.path.join(sroot, cls))
    for i in range(3):
        m = rng.standard_normal((64, 2)) * 3
        p = os.path.join(sroot, cls, 's%d.csv' % i)
        with open(p, 'w') as f:
            f.write('ch0,ch1\n')
            for r in m:
                f.write('%.9g,%.9g\n' % tuple(r))
        mats[p] = np.array([[float('%.9g' % v) for v in r] for r in m])
out = os.path.join(TMP, 'sdir.npz')
run('load', sroot, out, 'all', 2, 'input_shape=2,32,1', 'normalization=per_sample',
    'validation_split=-1')
z = np.load(out)
err = 0.0
for k, p in enumerate(sorted(mats)):  # fault/... then idle/...
    x = mats[p].T[:, :32]  # channel-major, first seq_len values
    ref = (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-8)
    err = max(err, float(np.max(np.abs(z['x'][k][..., 0] - ref))))
check('series class folders of CSVs, per-sample z-score', err if list(z['y']) == [0, 0, 0, 1, 1, 1]
      else 1.0, 1e-5)

# ---- audio end to end: WAV folders -> patches ---------------------------------------------------
if espeak and sox:
    aroot = os.path.join(TMP, 'audio')
    words = {'yes': ['yes', 'yes please'], 'no': ['no', 'no thanks']}
    clips = {}
    for cls, ws in words.items():
        os.makedirs(os.path.join(aroot, cls))
        for i, wd in enumerate(ws):
            e = os.path.join(TMP, 'e%d.wav' % i)
            subprocess.run([espeak, '-w', e, wd], check=True, capture_output=True)
            p = os.path.join(aroot, cls, '%d.wav' % i)
            subprocess.run([sox, e, '-r', '16000', '-b', '16', p], check=True)
            clips[p] = refs.read_wav(p)[0]
    fe = dict(n_fft=512, hop_length=160, window_length=400, n_mels=64, fmin=20, fmax=8000,
              patch_length=40, overlap=0.25)
    out = os.path.join(TMP, 'aud.npz')
    run('load', aroot, out, 'all', 2, 'target_rate=16000', 'top_db=60', 'frame_length=2048',
        'hop_length=512', 'min_length=1', 'max_length=10', 'n_fft=512', 'spec_hop_length=160',
        'window_length=400', 'n_mels=64', 'fmin=20', 'fmax=8000', 'patch_length=40',
        'overlap=0.25', 'validation_split=-1')
    z = np.load(out)
    refs_p, labs = [], []
    for k, p in enumerate(sorted(clips)):  # no/0.wav, no/1.wav, yes/...
        y = refs.load_and_reformat(clips[p], 16000, 1, 60, 2048, 512, False, 'after')
        m = refs.log_mel(y, 16000, n_fft=512, hop_length=160, window_length=400, n_mels=64,
                         fmin=20, fmax=8000)
        for pt in refs.get_patches(m, 40, 0.25, False):
            refs_p.append(pt[..., None])
            labs.append(0 if '/no/' in p else 1)
    ok = z['x'].shape == np.array(refs_p).shape and list(z['y']) == labs
    check('WAV folders -> log-mel patches (%d patches)' % len(labs),
          float(np.max(np.abs(z['x'] - np.array(refs_p)))) if ok else float('inf'), 1e-3)

shutil.rmtree(TMP, ignore_errors=True)
if failures:
    print('failed:', ', '.join(failures))
    sys.exit(1)
