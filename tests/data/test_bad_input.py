#!/usr/bin/python3
"""Bad input never crashes: unusable files and rows are skipped and listed
with a reason, or the run stops with one clear line when nothing is left.

usage: test_bad_input.py DATA_TOOL QZ   (run by meson, suite 'data'; the
ASan build runs the same binaries, so memory errors fail here too)
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refs  # noqa: E402

TOOL, QZ = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='qz-bad-')
failures = []
rng = np.random.default_rng(7)


def expect(name, cond, detail=''):
    print('%-60s %s %s' % (name, 'ok' if cond else 'FAIL', '' if cond else detail))
    if not cond:
        failures.append(name)


def qz_data(path, *extra):
    p = subprocess.run([QZ, 'data', path, '--json', '--quiet'] + list(extra),
                       capture_output=True)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def skipped(report):
    return {os.path.basename(s['path']): s['reason'] for s in report['skipped']}


# ---- images ------------------------------------------------------------------------
root = os.path.join(TMP, 'imgs')
for c in ('cat', 'dog', 'empty_class'):
    os.makedirs(os.path.join(root, c))
good = rng.integers(0, 256, size=(30, 40, 3)).astype(np.uint8)
for i in range(3):
    refs.write_png(os.path.join(root, 'cat', 'ok%d.png' % i), np.roll(good, i, axis=0))
    refs.write_png(os.path.join(root, 'dog', 'ok%d.png' % i), np.roll(good, 7 + i, axis=1))
png = open(os.path.join(root, 'cat', 'ok0.png'), 'rb').read()
with open(os.path.join(root, 'cat', 'trunc.png'), 'wb') as f:
    f.write(png[:len(png) // 2])
bad = bytearray(png)
bad[40:60] = b'\xff' * 20  # corrupt the compressed data (CRC and zlib fail)
with open(os.path.join(root, 'cat', 'corrupt.png'), 'wb') as f:
    f.write(bytes(bad))
convert = shutil.which('convert', path='/usr/bin')
if convert:
    jp = os.path.join(TMP, 'g.jpg')
    subprocess.run([convert, os.path.join(root, 'cat', 'ok1.png'), jp], check=True)
    data = open(jp, 'rb').read()
    with open(os.path.join(root, 'dog', 'trunc.jpg'), 'wb') as f:
        f.write(data[:len(data) * 2 // 3])
    with open(os.path.join(root, 'dog', 'garbage.jpg'), 'wb') as f:
        f.write(b'\xff\xd8\xff\xe0' + os.urandom(300))
with open(os.path.join(root, 'dog', 'readme.txt'), 'w') as f:
    f.write('not an image\n')
with open(os.path.join(root, 'dog', 'anim.gif'), 'wb') as f:
    f.write(b'GIF89a' + b'\x00' * 20)
with open(os.path.join(root, 'dog', 'short.bmp'), 'wb') as f:
    f.write(b'BM' + b'\x00' * 10)
open(os.path.join(root, 'dog', 'zero.png'), 'wb').close()
# a non-UTF-8 file name
bname = os.path.join(root.encode(), b'cat', b'caf\xe9-\xff.png')
with open(bname, 'wb') as f:
    f.write(png)
# a file directly in the root
refs.write_png(os.path.join(root, 'stray.png'), good)

rc, out, err = qz_data(root, '--input-shape', '1,16,16,3')
expect('images: qz data exits 0 with bad files present', rc == 0, err)
rep = json.loads(out) if rc == 0 else {'skipped': [], 'classes': [], 'messages': []}
sk = skipped(rep)
for name, word in [('trunc.png', 'PNG'), ('corrupt.png', 'PNG'), ('readme.txt', 'not an image'),
                   ('anim.gif', 'GIF'), ('short.bmp', 'BMP'), ('zero.png', 'empty'),
                   ('stray.png', 'class folder')] + (
                       [('trunc.jpg', 'JPEG'), ('garbage.jpg', 'JPEG')] if convert else []):
    expect('images: %s skipped with a reason (%s)' % (name, word),
           name in sk and word.lower() in sk[name].lower(), repr(sk.get(name)))
expect('images: non-UTF-8 name listed as a usable sample (not skipped)',
       not any('caf' in k for k in sk) and rep['samples'] == 7 and
       sum(c['count'] for c in rep['classes']) == 7,
       json.dumps(rep.get('classes')))
codes = [m['code'] for m in rep['messages']]
expect('images: empty class warned', 'empty-class' in codes, codes)
expect('images: duplicate content found (renamed copy of ok0.png)',
       any('caf' in d['a'] + d['b'] for d in rep['duplicates']), json.dumps(rep['duplicates']))
# loader over the same folder: decode failures are skipped, never fatal
p = subprocess.run([TOOL, 'load', root, os.path.join(TMP, 'l.npz'), 'all', '3',
                    'input_shape=1,16,16,3', 'validation_split=-1'], capture_output=True, text=True)
expect('images: loader exits 0 and lists decode failures', p.returncode == 0 and
       'corrupt.png' in p.stdout, p.stderr)
z = np.load(os.path.join(TMP, 'l.npz')) if p.returncode == 0 else None
expect('images: loader yields the 7 good images', z is not None and z['x'].shape[0] == 7,
       None if z is None else z['x'].shape)

# nothing usable: a clear one-line error, exit 1
allbad = os.path.join(TMP, 'allbad')
os.makedirs(os.path.join(allbad, 'a'))
with open(os.path.join(allbad, 'a', 'x.txt'), 'w') as f:
    f.write('x')
rc, out, err = qz_data(allbad)
expect('no data set kind found: exit 1 with one line', rc == 1 and err.count('\n') == 1 and
       'not a data set' in err, err)
with open(os.path.join(allbad, 'a', 'bad.jpg'), 'wb') as f:
    f.write(b'\xff\xd8\xff\xe0' + b'\x00' * 100)
rc, out, err = qz_data(allbad)
expect('nothing usable after decoding: exit 1 with one line', rc == 1 and
       err.count('\n') == 1 and 'no usable sample' in err, err)
rc, out, err = qz_data(os.path.join(TMP, 'does-not-exist'))
expect('missing path: exit 1', rc == 1 and 'no such' in err.lower(), err)
rc, out, err = qz_data(root, '--input-shape', '1,16,16,2')
expect('impossible input shape: exit 1 naming it', rc == 1 and '16, 16, 2' in err, err)
rc, out, err = qz_data(root, '--input-shape', '1,16,16,1', '--color-mode', 'rgb')
expect('color_mode against input channels: exit 1', rc == 1 and 'color_mode' in err, err)

# ---- audio -------------------------------------------------------------------------------
aroot = os.path.join(TMP, 'audio')
os.makedirs(os.path.join(aroot, 'audio'))
os.makedirs(os.path.join(aroot, 'meta'))
t = np.arange(16000) / 16000
refs.write_wav(os.path.join(aroot, 'audio', '1-a.wav'), 0.3 * np.sin(2 * np.pi * 300 * t), 16000)
refs.write_wav(os.path.join(aroot, 'audio', '1-b.wav'), 0.3 * np.sin(2 * np.pi * 500 * t), 16000)
refs.write_wav(os.path.join(aroot, 'audio', '2-c.wav'), 0.3 * np.sin(2 * np.pi * 700 * t), 22050,
               channels=2)
refs.write_wav(os.path.join(aroot, 'audio', 'slow.wav'), 0.3 * np.sin(t[:40]), 4)  # 4 Hz
wav = open(os.path.join(aroot, 'audio', '1-a.wav'), 'rb').read()
with open(os.path.join(aroot, 'audio', 'trunc.wav'), 'wb') as f:
    f.write(wav[:len(wav) // 3])
with open(os.path.join(aroot, 'audio', 'corrupt.wav'), 'wb') as f:
    f.write(b'RIFF' + struct.pack('<I', 1000) + b'WAVEfmt ' + os.urandom(40))
with open(os.path.join(aroot, 'meta', 'esc50.csv'), 'w') as f:
    f.write('filename,fold,target,category,esc10,src_file,take\n')
    f.write('1-a.wav,1,0,dog,True,1,A\n')
    f.write('1-b.wav,1,1,rooster,True,1,A\n')
    f.write('2-c.wav,2,0,dog,True,2,A\n')
    f.write('slow.wav,2,1,rooster,True,2,A\n')
    f.write('trunc.wav,3,0,dog,True,3,A\n')
    f.write('corrupt.wav,3,1,rooster,True,3,A\n')
    f.write('missing.wav,4,0,dog,True,4,A\n')
    f.write('1-a.wav,4,5,helicopter,True,4,A\n')
    f.write('only,three,columns\n')
rc, out, err = qz_data(aroot, '--class-names', 'dog,rooster', '--no-split')
expect('audio: qz data exits 0', rc == 0, err)
rep = json.loads(out) if rc == 0 else {'skipped': []}
reasons = ' | '.join(s['path'] + ': ' + s['reason'] for s in rep['skipped'])
for what, word in [('slow.wav', 'resample'), ('trunc.wav', 'truncated'),
                   ('corrupt.wav', 'sound file'), ('missing.wav', 'no such'),
                   ('line 10', 'columns')]:
    expect('audio: %s skipped (%s)' % (what, word),
           any(what in s['path'] + s['reason'] and word in s['reason'] for s in rep['skipped']),
           reasons)

expect('audio: other ESC-50 categories left out, not listed as errors',
       not any('helicopter' in s['reason'] for s in rep['skipped']) and
       any(m['code'] == 'filtered' for m in rep.get('messages', [])), reasons)

# ---- time series CSV ---------------------------------------------------------------------
sp = os.path.join(TMP, 'series.csv')
with open(sp, 'w') as f:
    f.write('label,' + ','.join('v%d' % i for i in range(8)) + '\n')
    for i in range(6):
        f.write('%s,%s\n' % (['normal', 'arc'][i % 2], ','.join(str(float(i + k)) for k in range(8))))
    f.write('arc,1,2,3\n')                         # wrong column count
    f.write('normal,1,2,3,x,5,6,7,8\n')            # non-numeric cell
    f.write('spark,1,2,3,4,5,6,7,8\n')             # label not in class_names
    f.write('normal,1,2,3,nan,5,6,7,8\n')          # NaN is not a number we accept
rc, out, err = qz_data(sp, '--class-names', 'normal,arc', '--no-split')
expect('series: qz data exits 0', rc == 0, err)
rep = json.loads(out) if rc == 0 else {'skipped': [], 'classes': []}
reasons = [s['reason'] for s in rep['skipped']]
expect('series: wrong column count listed', any('4 columns, expected 9' in r for r in reasons),
       reasons)
expect('series: non-numeric cell listed', any("'x' is not a number" in r for r in reasons),
       reasons)
expect('series: unknown label listed', any("'spark' is not in class_names" in r for r in reasons),
       reasons)
expect('series: NaN cell listed', any("'nan' is not a number" in r for r in reasons), reasons)
expect('series: 6 good rows kept', sum(c['count'] for c in rep['classes']) == 6, rep['classes'])

# tensors: NaN rows skipped, bad y refused
np.savez(os.path.join(TMP, 't.npz'), x=np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 4.0]],
                                                dtype=np.float32), y=np.array([0, 1, 1]))
rc, out, err = qz_data(os.path.join(TMP, 't.npz'), '--no-split')
rep = json.loads(out) if rc == 0 else {'skipped': []}
expect('tensors: NaN sample skipped', rc == 0 and any('x[1]' in s['reason'] for s in rep['skipped']),
       err)
np.savez(os.path.join(TMP, 'c.npz'), x=np.arange(12, dtype=np.float32).reshape(4, 3),
         y=np.array([1, 0, 1, 1]), classes=np.array(['zebra', 'ant']))
rc, out, err = qz_data(os.path.join(TMP, 'c.npz'), '--no-split')
rep = json.loads(out) if rc == 0 else {'classes': []}
expect('tensors: .npz classes name the labels as listed',
       [(c['name'], c['count']) for c in rep['classes']] == [('zebra', 1), ('ant', 3)],
       rep['classes'])
np.savez(os.path.join(TMP, 'u.npz'), x=np.zeros((3, 2), np.float32), y=np.array([0.5, 1, 2]))
rc, out, err = qz_data(os.path.join(TMP, 'u.npz'))
expect('tensors: float y refused with a clear message', rc == 1 and 'integer label' in err, err)
with open(os.path.join(TMP, 'v.npz'), 'wb') as f:
    f.write(b'PK\x03\x04' + os.urandom(64))
rc, out, err = qz_data(os.path.join(TMP, 'v.npz'))
expect('tensors: corrupt .npz refused, exit 1', rc == 1, err)

# ---- mutations: flipped bytes and cuts in every format, never a crash ----------------
fz = os.path.join(TMP, 'fuzz')
os.makedirs(os.path.join(fz, 'img', 'a'))
os.makedirs(os.path.join(fz, 'wav', 'a'))
seeds = {'png': png, 'wav': wav}
bmp_path = os.path.join(TMP, 's.bmp')
refs.write_bmp24(bmp_path, good[:9, :13])
seeds['bmp'] = open(bmp_path, 'rb').read()
if convert:
    seeds['jpg'] = open(jp, 'rb').read()
k = 0
for ext, data in seeds.items():
    for i in range(25):
        b = bytearray(data)
        for _ in range(int(rng.integers(1, 8))):
            pos = int(rng.integers(0, len(b)))
            b[pos] = int(rng.integers(0, 256))
        if i % 3 == 0:
            b = b[:int(rng.integers(1, len(b)))]
        sub = 'wav' if ext == 'wav' else 'img'
        with open(os.path.join(fz, sub, 'a', 'm%03d.%s' % (k, ext)), 'wb') as f:
            f.write(bytes(b))
        k += 1
for sub, shape in (('img', ['--input-shape', '1,8,8,3']), ('wav', [])):
    p = subprocess.run([QZ, 'data', os.path.join(fz, sub), '--json', '--quiet', '--no-split'] + shape,
                       capture_output=True)
    expect('mutated %s files: exit 0 or 1, never a crash' % sub, p.returncode in (0, 1),
           'exit %d: %s' % (p.returncode, p.stderr[-300:]))
    p = subprocess.run([TOOL, 'load', os.path.join(fz, sub), os.path.join(TMP, 'f.npz'), 'all',
                        '2', 'validation_split=-1', 'input_shape=1,8,8,3' if sub == 'img' else
                        'target_rate=16000'], capture_output=True)
    expect('mutated %s files through the loader: no crash' % sub, p.returncode in (0, 1),
           'exit %d: %s' % (p.returncode, p.stderr[-300:]))

shutil.rmtree(TMP, ignore_errors=True)
if failures:
    print('failed:', ', '.join(failures))
    sys.exit(1)
