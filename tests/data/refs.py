"""Independent numpy references for the preprocessing of engine/data.

Written from the documented semantics of tf.image.resize (TensorFlow's
ResizeBilinear/ResizeNearestNeighbor/ResizeBicubic with half_pixel_centers,
ResizeArea, ScaleAndTranslate), Keras smart_resize, librosa (filters.mel,
stft, power_to_db, effects.split) and the STM32 model zoo's get_patches and
arc-fault preprocess_data. Nothing here calls the engine.
"""
import struct
import wave
import zlib

import numpy as np
import scipy.signal

F32 = np.float32


# ---- tf.image.resize -------------------------------------------------------


def _scale(inn, out):
    return F32(inn) / F32(out)


def resize_bilinear(img, oh, ow):
    h, w, _ = img.shape

    def axis(out, inn):
        s = _scale(inn, out)
        x = (np.arange(out, dtype=F32) + F32(0.5)) * s - F32(0.5)
        lo = np.floor(x)
        lerp = (x - lo).astype(np.float64)
        return (np.maximum(lo.astype(np.int64), 0),
                np.minimum(np.ceil(x).astype(np.int64), inn - 1), lerp)

    y0, y1, yl = axis(oh, h)
    x0, x1, xl = axis(ow, w)
    im = img.astype(np.float64)
    tl, tr = im[y0][:, x0], im[y0][:, x1]
    bl, br = im[y1][:, x0], im[y1][:, x1]
    xl = xl[None, :, None]
    top = tl + (tr - tl) * xl
    bot = bl + (br - bl) * xl
    return top + (bot - top) * yl[:, None, None]


def resize_nearest(img, oh, ow):
    h, w, _ = img.shape

    def axis(out, inn):
        s = _scale(inn, out)
        i = np.floor((np.arange(out, dtype=F32) + F32(0.5)) * s).astype(np.int64)
        return np.clip(i, 0, inn - 1)

    return img.astype(np.float64)[axis(oh, h)][:, axis(ow, w)]


def _keys_table_weights(delta):
    """TF's bicubic weights: Keys a=-0.5 at the offset rounded to 1/1024."""
    a = -0.5
    off = np.rint(delta * 1024).astype(np.int64)

    def k0(x):  # |t| < 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def k1(x):  # 1 <= |t| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    t = off / 1024.0
    w = np.stack([k1(t + 1), k0(t), k0(1 - t), k1(2 - t)], axis=-1)
    return w.astype(F32).astype(np.float64)


def resize_bicubic(img, oh, ow):
    h, w, _ = img.shape

    def axis(out, inn):
        s = _scale(inn, out)
        x = (np.arange(out, dtype=F32) + F32(0.5)) * s - F32(0.5)
        base = np.floor(x).astype(np.int64)
        delta = (x - np.floor(x)).astype(np.float64)
        wts = _keys_table_weights(delta)
        M = np.zeros((out, inn))
        for j in range(4):
            idx = base - 1 + j
            ok = (idx >= 0) & (idx < inn)  # outside taps get no weight
            for o in range(out):
                if ok[o]:
                    M[o, idx[o]] += wts[o, j]
        return M / M.sum(axis=1, keepdims=True)

    Y, X = axis(oh, h), axis(ow, w)
    return np.einsum('yh,hwc,xw->yxc', Y, img.astype(np.float64), X)


def resize_area(img, oh, ow):
    h, w, _ = img.shape

    def axis(out, inn):
        s = _scale(inn, out)
        M = np.zeros((out, inn))
        for o in range(out):
            a = float(F32(o) * s)
            b = float(F32(o + 1) * s)
            for i in range(int(np.floor(a)), int(np.ceil(b))):
                ov = min(i + 1, b) - max(i, a)
                if ov > 0:
                    M[o, min(max(i, 0), inn - 1)] += ov
        return M / float(s)

    Y, X = axis(oh, h), axis(ow, w)
    return np.einsum('yh,hwc,xw->yxc', Y, img.astype(np.float64), X)


def _lanczos(r):
    def k(x):
        x = np.abs(x)
        with np.errstate(invalid='ignore', divide='ignore'):
            v = r * np.sin(np.pi * x) * np.sin(np.pi * x / r) / (np.pi ** 2 * x * x)
        v = np.where(x <= 1e-3, 1.0, v)
        return np.where(x > r, 0.0, v)
    return k, float(r)


def _gauss(x):
    x = np.abs(x)
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2 * 0.25)))


def _mitchell(x):
    x = np.abs(x)
    return np.where(x >= 2, 0.0, np.where(
        x >= 1, ((-7 / 18 * x + 2) * x - 10 / 3) * x + 16 / 9,
        ((7 / 6 * x - 2) * x) * x + 8 / 9))


def _triangle(x):
    return np.maximum(0.0, 1 - np.abs(x))


def _keys(x):
    x = np.abs(x)
    return np.where(x >= 2, 0.0, np.where(
        x >= 1, ((-0.5 * x + 2.5) * x - 4) * x + 2, ((1.5 * x - 2.5) * x) * x + 1))


KERNELS = {
    'lanczos3': _lanczos(3), 'lanczos5': _lanczos(5), 'gaussian': (_gauss, 1.5),
    'mitchellcubic': (_mitchell, 2.0), 'bilinear': (_triangle, 1.0), 'bicubic': (_keys, 2.0),
}


def resize_scale_translate(img, oh, ow, kernel, antialias=False):
    k, radius = KERNELS[kernel]
    h, w, _ = img.shape

    def axis(out, inn):
        # sample positions in single precision, as ScaleAndTranslate computes
        # them (the gaussian kernel jumps at |x| = 1.5, so this matters)
        scale = F32(out) / F32(inn)
        inv = F32(1.0 / float(scale))
        ks = F32(max(float(inv), 1.0) if antialias else 1.0)
        M = np.zeros((out, inn))
        for o in range(out):
            c = (F32(o) + F32(0.5)) * inv
            lo = max(int(np.ceil(c - F32(radius) * ks - F32(0.5))), 0)
            hi = min(int(np.floor(c + F32(radius) * ks - F32(0.5))), inn - 1) + 1
            src = np.arange(lo, hi)
            pos = (src.astype(F32) + F32(0.5) - c) * (F32(1) / ks)
            wts = k(pos.astype(np.float64))
            if abs(wts.sum()) > 0:
                M[o, lo:hi] = wts / wts.sum()
        return M

    Y, X = axis(oh, h), axis(ow, w)
    return np.einsum('yh,hwc,xw->yxc', Y, img.astype(np.float64), X)


def tf_resize(img, oh, ow, method, antialias=False):
    if method == 'nearest':
        return resize_nearest(img, oh, ow)
    if method == 'area':
        return resize_area(img, oh, ow)
    if method == 'bilinear' and not antialias:
        return resize_bilinear(img, oh, ow)
    if method == 'bicubic' and not antialias:
        return resize_bicubic(img, oh, ow)
    return resize_scale_translate(img, oh, ow, method, antialias)


def smart_resize_box(h, w, th, tw):
    ch = min(h, int(F32(w * th) / F32(tw)))
    cw = min(w, int(F32(h * tw) / F32(th)))
    return int((h - ch) / 2), int((w - cw) / 2), ch, cw


# ---- librosa ---------------------------------------------------------------


def hz_to_mel(f, htk):
    f = np.asanyarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-30) / min_log_hz) / logstep, mels)


def mel_to_hz(m, htk):
    m = np.asanyarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_mel = 1000.0 / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, 1000.0 * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, norm):
    if fmax is None or fmax < 0:
        fmax = sr / 2.0
    fft_freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    W = np.zeros((n_mels, len(fft_freqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        W[i] = np.maximum(0, np.minimum(lower, upper))
    if norm == 'slaney':
        W *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return W


def stft_mag(y, n_fft, hop, win_length, window, center, pad_mode, power):
    win_length = win_length or n_fft
    win = scipy.signal.get_window(window, win_length, fftbins=True)
    lpad = (n_fft - win_length) // 2
    win = np.pad(win, (lpad, n_fft - win_length - lpad))
    y = np.asarray(y, dtype=np.float64)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    n = 1 + (len(y) - n_fft) // hop
    frames = np.stack([y[t * hop:t * hop + n_fft] for t in range(n)], axis=1)
    return np.abs(np.fft.rfft(frames * win[:, None], axis=0)) ** power


def power_to_db(S, ref, amin=1e-10, top_db=80.0):
    ref_value = np.max(S) if ref == 'max' else abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, S)) - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None and top_db >= 0:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def log_mel(y, sr, n_fft=512, hop_length=160, window_length=400, window='hann', center=True,
            pad_mode='constant', power=2.0, n_mels=64, fmin=20, fmax=20000, norm='slaney',
            htk=False, to_db=True, ref='max', top_db=80.0):
    """The model zoo's compute_mel_spectrogram()."""
    S = stft_mag(y, n_fft, hop_length, window_length, window, center, pad_mode, power)
    M = mel_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, norm) @ S
    if not to_db:
        return np.log(M + 1e-4)
    if power == 1.0:  # amplitude_to_db
        r = np.max(M) if ref == 'max' else ref
        return power_to_db(M ** 2, r ** 2, 1e-10, top_db)
    return power_to_db(M, ref, 1e-10, top_db)


def get_patches(mel, patch_length, overlap, include_last):
    frames = mel.shape[1]
    ov = int(np.floor(patch_length * overlap))
    n = 0 if frames < patch_length else 1 + (frames - patch_length) // (patch_length - ov)
    p = [mel[:, (patch_length - ov) * i: patch_length * (i + 1) - ov * i] for i in range(n)]
    if include_last and frames >= patch_length:
        p.append(mel[:, frames - patch_length:frames])
    return p


def effects_split(y, top_db, frame_length, hop_length):
    """librosa.effects.split with rms(center=True, pad_mode='constant')."""
    yp = np.pad(y.astype(np.float64), frame_length // 2)
    n = 1 + (len(yp) - frame_length) // hop_length
    ms = np.array([np.mean(yp[i * hop_length:i * hop_length + frame_length] ** 2) for i in range(n)])
    db = 10 * np.log10(np.maximum(1e-10, ms)) - 10 * np.log10(np.maximum(1e-10, ms.max()))
    ns = db > -top_db
    edges = list(np.flatnonzero(np.diff(ns.astype(int))) + 1)
    if ns[0]:
        edges.insert(0, 0)
    if ns[-1]:
        edges.append(len(ns))
    edges = np.minimum(np.array(edges, dtype=np.int64) * hop_length, len(y))
    return edges.reshape(-1, 2)


def load_and_reformat(y, sr, min_length, top_db, frame_length, hop_length, trim_last_second,
                      lengthen):
    """The model zoo's load_and_reformat() after librosa.load."""
    if len(y) < sr * min_length and lengthen == 'before':
        y = np.tile(y, sr * min_length // len(y) + 1)[:min_length * sr]
    iv = effects_split(y, top_db, frame_length, hop_length)
    y = np.concatenate([y[a:b] for a, b in iv])
    secs = len(y) // sr
    if trim_last_second and secs >= 1:
        y = y[:secs * sr]
    if len(y) < sr * min_length and lengthen == 'after':
        y = np.tile(y, sr * min_length // len(y) + 1)[:min_length * sr]
    return y


# ---- files -----------------------------------------------------------------


def write_png(path, img):
    """8-bit gray/RGB/RGBA PNG, filter 0 rows, written with zlib."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    ct = {1: 0, 3: 2, 4: 6}[c]
    raw = b''.join(b'\x00' + img[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)

    data = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, ct, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
    with open(path, 'wb') as f:
        f.write(data)


def write_bmp24(path, img):
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w, _ = img.shape
    stride = (w * 3 + 3) & ~3
    rows = b''
    for y in range(h - 1, -1, -1):
        r = img[y][:, ::-1].tobytes()  # BGR
        rows += r + b'\x00' * (stride - w * 3)
    hdr = struct.pack('<2sIHHI', b'BM', 54 + len(rows), 0, 0, 54)
    info = struct.pack('<IiiHHIIiiII', 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    with open(path, 'wb') as f:
        f.write(hdr + info + rows)


def read_wav(path):
    with wave.open(path, 'rb') as f:
        sr = f.getframerate()
        ch = f.getnchannels()
        sw = f.getsampwidth()
        data = f.readframes(f.getnframes())
    assert sw == 2
    y = np.frombuffer(data, dtype='<i2').astype(np.float64) / 32768.0
    return y.reshape(-1, ch).mean(axis=1), sr


def write_wav(path, y, sr, channels=1):
    pcm = np.clip(np.round(np.asarray(y) * 32767), -32768, 32767).astype('<i2')
    with wave.open(path, 'wb') as f:
        f.setnchannels(channels)
        f.setsampwidth(2)
        f.setframerate(sr)
        f.writeframes(pcm.tobytes())
