# Minimal PNG writer/reader (numpy + zlib) and JPEG via ImageMagick.
#
# Provenance: written for Quantizer's test data scripts (no Pillow on
# the build machine). PNG per the PNG specification (ISO/IEC 15948):
# 8-bit grayscale or RGB, one IDAT, filter type 0 on every row.
"""Write and read the small PNG/JPEG files of the example project and
the seed data sets."""

import os
import struct
import subprocess
import tempfile
import zlib

import numpy as np


def _chunk(tag, data):
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def write_png(path, img):
    """img: uint8 (H, W) grayscale or (H, W, 3) RGB."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape[:2]
    color = 0 if img.ndim == 2 else 2
    rows = img.reshape(h, -1)
    raw = b"".join(b"\x00" + rows[i].tobytes() for i in range(h))
    data = (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_png(path):
    """Reader for what write_png writes (filter 0 only) -- a self-check."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        tag = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, _, color = hdr[0], hdr[1], hdr[2], hdr[3]
    ch = 1 if color == 0 else 3
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8)
    raw = raw.reshape(h, 1 + w * ch)
    assert (raw[:, 0] == 0).all()
    img = raw[:, 1:].reshape(h, w, ch)
    return img[:, :, 0] if ch == 1 else img


def write_jpeg(path, rgb, quality=95):
    """RGB uint8 (H, W, 3) -> JPEG with ImageMagick's convert (4:4:4)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    with tempfile.NamedTemporaryFile(suffix=".ppm") as t:
        t.write(b"P6 %d %d 255\n" % (w, h) + rgb.tobytes())
        t.flush()
        subprocess.run(["convert", t.name, "-strip", "-quality",
                        str(quality), "-sampling-factor", "1x1",
                        "-type", "TrueColor", "jpg:" + path + ".tmp"],
                       check=True)
    os.replace(path + ".tmp", path)
