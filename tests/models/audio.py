# Spoken-keyword synthesis and log-mel features for Quantizer's audio
# test models.
#
# Provenance: written for Quantizer's test suite. Audio comes from
# Debian's espeak-ng (speech synthesis) and sox (tempo change and
# resampling to 16 kHz); noise, gain and time shifts are added with a
# seeded numpy generator. The mel code re-implements librosa's
# semantics in numpy (librosa is not a dependency); README.md lists the
# exact parameters of every model.
"""Keyword synthesis (espeak-ng + sox) and numpy mel spectrograms."""

import hashlib
import io
import os
import subprocess
import wave

import numpy as np

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off",
            "stop", "go"]
# espeak-ng's own English voices (no mbrola data needed)
VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp",
          "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
VARIANTS = ["", "f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4",
            "m5", "m6", "m7", "klatt", "klatt3", "croak", "whisper"]
SR = 16000
CACHE = os.environ.get("QZ_AUDIO_CACHE",
                       os.path.join("/tmp", "qz-audio-cache-%d" % os.getuid()))


def read_wav(data):
    """16-bit PCM WAV bytes -> (float32 mono in [-1, 1), rate)."""
    with wave.open(io.BytesIO(data)) as w:
        assert w.getsampwidth() == 2, "expected 16-bit PCM"
        ch, rate, n = w.getnchannels(), w.getframerate(), w.getnframes()
        pcm = np.frombuffer(w.readframes(n), dtype="<i2")
    pcm = pcm.reshape(-1, ch)[:, 0]
    return pcm.astype(np.float32) / 32768.0, rate


def write_wav(path, x, rate=SR):
    """float mono -> 16-bit PCM WAV (clipped), written atomically."""
    pcm = np.clip(np.round(np.asarray(x) * 32768.0), -32768, 32767)
    tmp = path + ".tmp"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    os.replace(tmp, path)


def synth(text, voice, variant="", speed=160, pitch=50, tempo=1.0,
          rate=SR):
    """espeak-ng -> sox (tempo, resample) -> float32 mono at `rate`.

    Cached on disk by its parameters (the result is deterministic).
    """
    key = "|".join(map(str, (text, voice, variant, speed, pitch,
                             round(tempo, 4), rate)))
    h = hashlib.sha1(key.encode()).hexdigest()[:20]
    cpath = os.path.join(CACHE, h + ".wav")
    if os.path.exists(cpath):
        with open(cpath, "rb") as f:
            return read_wav(f.read())[0]
    v = voice + ("+" + variant if variant else "")
    raw = subprocess.run(
        ["espeak-ng", "-v", v, "-s", str(speed), "-p", str(pitch),
         "--stdout", text],
        check=True, capture_output=True).stdout
    effects = ["rate", "-v", str(rate)]
    if abs(tempo - 1.0) > 1e-6:
        effects = ["tempo", "-s", "%.4f" % tempo] + effects
    out = subprocess.run(
        ["sox", "-t", "wav", "-", "-t", "wav", "-b", "16", "-c", "1", "-"]
        + effects, input=raw, check=True, capture_output=True).stdout
    os.makedirs(CACHE, exist_ok=True)
    with open(cpath + ".tmp", "wb") as f:
        f.write(out)
    os.replace(cpath + ".tmp", cpath)
    return read_wav(out)[0]


def trim_silence(x, thresh=1e-3):
    """Cut leading/trailing samples below thresh (espeak's padding)."""
    idx = np.flatnonzero(np.abs(x) > thresh)
    if idx.size == 0:
        return x
    return x[idx[0]:idx[-1] + 1]


def fit_length(x, n, offset):
    """Place x into n zeros starting at offset (cut what falls outside)."""
    out = np.zeros(n, dtype=np.float32)
    src0 = max(0, -offset)
    dst0 = max(0, offset)
    k = min(len(x) - src0, n - dst0)
    if k > 0:
        out[dst0:dst0 + k] = x[src0:src0 + k]
    return out


def add_noise(x, snr_db, rng, kind="white"):
    """Add white or pink noise at the given SNR (dB, on signal power)."""
    noise = rng.standard_normal(len(x)).astype(np.float32)
    if kind == "pink":
        spec = np.fft.rfft(noise)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        noise = np.fft.irfft(spec / np.sqrt(f), n=len(x)).astype(np.float32)
    p_sig = float(np.mean(x.astype(np.float64) ** 2)) + 1e-12
    p_noise = float(np.mean(noise.astype(np.float64) ** 2)) + 1e-12
    noise *= np.sqrt(p_sig / p_noise / (10.0 ** (snr_db / 10.0)))
    return (x + noise).astype(np.float32)


# ------------------------------------------------------------ mel (numpy)


def hz_to_mel(f, htk=False):
    f = np.asanyarray(f, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz)
                    / logstep, mels)


def mel_to_hz(m, htk=False):
    m = np.asanyarray(m, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel,
                    min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False,
                   norm="slaney"):
    """librosa.filters.mel semantics: triangles on the (Slaney or HTK) mel
    scale over the rfft bin frequencies, optional Slaney area norm."""
    if fmax is None:
        fmax = sr / 2.0
    fftfreqs = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk),
                                  n_mels + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    weights = np.zeros((n_mels, 1 + n_fft // 2))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    if norm == "slaney":
        enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
        weights *= enorm[:, None]
    return weights


def hann(win_length):
    """Periodic Hann window (scipy.signal.get_window('hann', n))."""
    n = np.arange(win_length)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / win_length)


def stft_power(y, n_fft, hop_length, win_length=None, center=True,
               pad_mode="reflect", power=2.0):
    """|STFT|^power, librosa.stft semantics: periodic Hann window of
    win_length zero-padded to n_fft (centred), frames every hop_length,
    signal padded by n_fft//2 on both sides when center."""
    win_length = win_length or n_fft
    w = np.zeros(n_fft)
    lpad = (n_fft - win_length) // 2
    w[lpad:lpad + win_length] = hann(win_length)
    y = np.asarray(y, dtype=np.float64)
    if center:
        if pad_mode == "reflect":
            y = np.pad(y, n_fft // 2, mode="reflect")
        else:
            y = np.pad(y, n_fft // 2, mode="constant")
    n_frames = 1 + (len(y) - n_fft) // hop_length
    idx = np.arange(n_fft)[None, :] + hop_length * np.arange(n_frames)[:, None]
    frames = y[idx] * w[None, :]
    mag = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)).T
    return mag ** power


def power_to_db(s, ref=np.max, amin=1e-10, top_db=80.0):
    """librosa.power_to_db: 10*log10(max(amin, S)/ref), floored at
    max - top_db; ref=np.max means the array's own maximum."""
    ref_value = ref(s) if callable(ref) else ref
    db = 10.0 * np.log10(np.maximum(amin, s))
    db -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        db = np.maximum(db, db.max() - top_db)
    return db


def melspectrogram(y, p):
    """Mel spectrogram with the parameter dict p (see README.md)."""
    s = stft_power(y, p["n_fft"], p["hop_length"], p.get("win_length"),
                   p["center"], p["pad_mode"], p["power"])
    fb = mel_filterbank(p["sr"], p["n_fft"], p["n_mels"], p["fmin"],
                        p["fmax"], p["htk"], p["norm"])
    m = fb @ s
    if p.get("to_db"):
        m = power_to_db(m, top_db=p.get("top_db", 80.0))
    elif p.get("log_offset") is not None:
        # the model zoo's feature_extraction with to_db False:
        # np.log(melspec + 1e-4) (natural log, no reference, no floor)
        m = np.log(m + p["log_offset"])
    return m.astype(np.float32)


# audio_kws: librosa.feature.melspectrogram defaults (slaney mel and norm,
# centred frames with reflect padding, power 2) + power_to_db(ref=np.max,
# amin=1e-10, top_db=80) on 1 s clips at 16 kHz -> (40, 51)
KWS_MEL = {
    "sr": SR, "n_fft": 512, "hop_length": 320, "win_length": 512,
    "window": "hann", "center": True, "pad_mode": "reflect", "power": 2.0,
    "n_mels": 40, "fmin": 0.0, "fmax": 8000.0, "htk": False,
    "norm": "slaney", "to_db": True, "ref": "max", "amin": 1e-10,
    "top_db": 80.0,
}

# audio_kws_zoo: the STM32 model zoo ESC-10 quantization example's
# feature_extraction section (seeds/002), 64 mels x 96-frame patches.
# With to_db False the model zoo (and Quantizer's data engine) feed
# np.log(melspec + 1e-4): log_offset says so.
ZOO_MEL = {
    "sr": SR, "n_fft": 512, "hop_length": 160, "win_length": 400,
    "window": "hann", "center": False, "pad_mode": "constant",
    "power": 1.0, "n_mels": 64, "fmin": 125.0, "fmax": 7500.0,
    "htk": True, "norm": None, "to_db": False, "log_offset": 1e-4,
}
ZOO_PATCH = {"patch_length": 96, "overlap": 0.25,
             "include_last_patch": False}
ZOO_PRE = {"min_length": 1, "max_length": 10, "target_rate": SR,
           "top_db": 60, "frame_length": 3200, "hop_length": 3200,
           "trim_last_second": False, "lengthen": "after"}


def rms_frames(y, frame_length, hop_length):
    """librosa.feature.rms(center=True, pad_mode='constant')."""
    y = np.pad(np.asarray(y, dtype=np.float64), frame_length // 2)
    n = 1 + (len(y) - frame_length) // hop_length
    idx = (np.arange(frame_length)[None, :]
           + hop_length * np.arange(n)[:, None])
    return np.sqrt(np.mean(y[idx] ** 2, axis=1))


def split_nonsilent(y, top_db, frame_length, hop_length):
    """librosa.effects.split: intervals whose RMS is above -top_db dB of
    the loudest frame."""
    rms = rms_frames(y, frame_length, hop_length)
    db = power_to_db(rms ** 2, top_db=None)
    nonsilent = db > -top_db
    edges = np.flatnonzero(np.diff(nonsilent.astype(np.int8)))
    edges = [0] + (edges + 1).tolist() + [len(nonsilent)]
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        if nonsilent[a]:
            s0 = min(a * hop_length, len(y))
            s1 = min(b * hop_length, len(y))
            out.append((s0, s1))
    return out


def zoo_reformat(y, pre=ZOO_PRE):
    """The model zoo's load_and_reformat for a 16 kHz clip: cut to
    max_length, drop silent frames, then (lengthen 'after') repeat the
    clip until it lasts min_length seconds."""
    sr = pre["target_rate"]
    y = y[:pre["max_length"] * sr]
    iv = split_nonsilent(y, pre["top_db"], pre["frame_length"],
                         pre["hop_length"])
    if iv:
        y = np.concatenate([y[a:b] for a, b in iv])
    if pre["trim_last_second"] and len(y) >= sr:
        y = y[:(len(y) // sr) * sr]
    if len(y) < sr * pre["min_length"]:
        reps = sr * pre["min_length"] // len(y)
        y = np.tile(y, reps + 1)[:pre["min_length"] * sr]
    return y


def zoo_patches(y):
    """(64, frames) log-mel (ln(mel + 1e-4)) of the reformatted clip cut
    into (64, 96) patches
    every round(96 * (1 - overlap)) frames; the last partial patch is
    dropped."""
    m = melspectrogram(zoo_reformat(y), ZOO_MEL)
    L = ZOO_PATCH["patch_length"]
    step = int(round(L * (1.0 - ZOO_PATCH["overlap"])))
    out = [m[:, s:s + L] for s in range(0, m.shape[1] - L + 1, step)]
    return np.stack(out) if out else np.zeros((0, m.shape[0], L), np.float32)
