#!/usr/bin/python3
"""Data loader throughput and memory, with peers measured in the same run.

usage: data-bench.py DATA_BENCH   (meson benchmark, suite 'bench')

1. 1000 JPEGs of 500x375 in 10 class folders (100 distinct images made with
   ImageMagick, hard-linked) -> 128x128x3 bilinear, rescaled: images/s on 2
   threads, with and without JPEG DCT-domain scaling. Peer: ImageMagick's
   `mogrify -resize 128x128!` on the same files (decode + resize + write,
   one process); and 100 JPEGs of 2000x1500 -> 224x224 where DCT scaling
   applies, on and off.
2. The same with 10x the files (10000): peak RSS must stay flat.
3. 40 ten-second 16 kHz clips -> log-mel patches (model zoo defaults):
   patches/s on 2 threads. Peer: the numpy reference (tests/data/refs.py)
   on one core, same clips and settings.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

SRC = os.environ.get('QZ_SOURCE_ROOT', os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(SRC, 'tests', 'data'))
import refs  # noqa: E402

BENCH = sys.argv[1]
TMP = tempfile.mkdtemp(prefix='qz-data-bench-')
convert = '/usr/bin/convert' if os.path.exists('/usr/bin/convert') else None
mogrify = '/usr/bin/mogrify' if os.path.exists('/usr/bin/mogrify') else None


def bench(path, threads, *kv):
    p = subprocess.run([BENCH, path, str(threads)] + list(kv), capture_output=True, text=True,
                       check=True)
    f = p.stdout.split()
    return {f[i]: float(f[i + 1]) for i in range(0, len(f) - 1, 2)}


def make_images(root, n_files, distinct):
    for c in range(10):
        os.makedirs(os.path.join(root, 'class%d' % c), exist_ok=True)
    for i in range(n_files):
        src = distinct[i % len(distinct)]
        os.link(src, os.path.join(root, 'class%d' % (i % 10), 'img%05d.jpg' % i))


try:
    rng = np.random.default_rng(1)
    if convert:
        base = os.path.join(TMP, 'base')
        os.makedirs(base)
        distinct = []
        for k in range(100):
            png = os.path.join(base, 'b%d.png' % k)
            # smooth photo-like content: low-frequency noise, upsampled
            small = rng.integers(0, 256, size=(24, 32, 3)).astype(np.uint8)
            refs.write_png(png, small)
            jpg = os.path.join(base, 'b%d.jpg' % k)
            subprocess.run([convert, png, '-resize', '500x375!', '-quality', '90', jpg],
                           check=True)
            distinct.append(jpg)
        small_set = os.path.join(TMP, 'img1k')
        big_set = os.path.join(TMP, 'img10k')
        make_images(small_set, 1000, distinct)
        make_images(big_set, 10000, distinct)
        shape = 'input_shape=1,128,128,3'
        r_dct = bench(small_set, 2, shape, 'jpeg_dct_scaling=1')
        r_full = bench(small_set, 2, shape, 'jpeg_dct_scaling=0')
        r_1t = bench(small_set, 1, shape, 'jpeg_dct_scaling=0')
        r_big = bench(big_set, 2, shape, 'jpeg_dct_scaling=1')
        print('images 500x375 JPEG -> 128x128x3 bilinear, rescaled (1000 files):')
        print('  2 threads, DCT scaling on : %7.0f images/s' % r_dct['per_second'])
        print('  2 threads, full decode    : %7.0f images/s' % r_full['per_second'])
        print('  1 thread,  full decode    : %7.0f images/s' % r_1t['per_second'])
        if mogrify:
            out = os.path.join(TMP, 'mog')
            os.makedirs(out)
            files = sorted(os.path.join(small_set, 'class0', f)
                           for f in os.listdir(os.path.join(small_set, 'class0')))
            t0 = time.monotonic()
            subprocess.run([mogrify, '-path', out, '-resize', '128x128!', '-format', 'ppm'] +
                           files, check=True)
            dt = time.monotonic() - t0
            peer = len(files) / dt
            print('  peer ImageMagick mogrify  : %7.0f images/s (1 process; its -resize filters '
                  'with antialiasing)' % peer)
            print('  ratio engine(2 threads, full decode) / ImageMagick: %.2f' %
                  (r_full['per_second'] / peer))
            print('  ratio engine(1 thread, full decode) / ImageMagick: %.2f' %
                  (r_1t['per_second'] / peer))
        print('peak RSS: 1000 files %.1f MiB, 10000 files %.1f MiB (ratio %.2f; flat means ~1)' %
              (r_dct['peak_rss_kb'] / 1024, r_big['peak_rss_kb'] / 1024,
               r_big['peak_rss_kb'] / r_dct['peak_rss_kb']))
        print('  10000 files: %.0f images/s' % r_big['per_second'])
        # large photos: where DCT-domain scaling applies (source >= 4x the target)
        big_root = os.path.join(TMP, 'big')
        for c in range(2):
            os.makedirs(os.path.join(big_root, 'c%d' % c))
        big_jpg = os.path.join(base, 'big.jpg')
        subprocess.run([convert, os.path.join(base, 'b0.png'), '-resize', '2000x1500!', '-quality',
                        '90', big_jpg], check=True)
        for i in range(100):
            os.link(big_jpg, os.path.join(big_root, 'c%d' % (i % 2), 'p%03d.jpg' % i))
        b_on = bench(big_root, 2, 'input_shape=1,224,224,3', 'jpeg_dct_scaling=1')
        b_off = bench(big_root, 2, 'input_shape=1,224,224,3', 'jpeg_dct_scaling=0')
        print('large JPEGs 2000x1500 -> 224x224x3 (100 files, 2 threads):')
        print('  DCT scaling on: %5.0f images/s, full decode: %5.0f images/s (x%.2f)' %
              (b_on['per_second'], b_off['per_second'], b_on['per_second'] / b_off['per_second']))
    else:
        print('ImageMagick not found: image benchmark skipped')

    # ---- audio ----
    aroot = os.path.join(TMP, 'audio')
    clips = []
    for c in range(2):
        os.makedirs(os.path.join(aroot, 'c%d' % c))
    sr = 16000
    t = np.arange(10 * sr) / sr
    for i in range(40):
        y = (0.3 * np.sin(2 * np.pi * (200 + 37 * i) * t) * (1 + np.sin(2 * np.pi * 0.5 * t)) / 2 +
             0.05 * rng.standard_normal(len(t)))
        p = os.path.join(aroot, 'c%d' % (i % 2), 'clip%02d.wav' % i)
        refs.write_wav(p, y, sr)
        clips.append(p)
    r_a = bench(aroot, 2, 'target_rate=16000')
    print('log-mel patches (10 s clips, 16 kHz, n_fft 512, hop 160, 64 mels, 96-frame patches):')
    print('  2 threads: %7.0f patches/s (%d patches from %d clips, %.2f s)' %
          (r_a['per_second'], r_a['items'], r_a['samples'], r_a['seconds']))
    # numpy reference peer (float64, one core) on 8 of the clips, scaled
    t0 = time.monotonic()
    n_p = 0
    for p in clips[:8]:
        y, _ = refs.read_wav(p)
        y = refs.load_and_reformat(y, sr, 1, 60, 2048, 512, False, 'after')
        m = refs.log_mel(y, sr)
        n_p += len(refs.get_patches(m, 96, 0.25, False))
    peer = n_p / (time.monotonic() - t0)
    print('  peer numpy reference (1 core): %7.0f patches/s' % peer)
    print('  ratio engine(2 threads) / numpy reference: %.1f' % (r_a['per_second'] / peer))
finally:
    shutil.rmtree(TMP, ignore_errors=True)
