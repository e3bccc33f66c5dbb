#!/usr/bin/env python3
"""engine/npy: the engine's .npy/.npz reader and writer against numpy itself.

numpy writes every dtype, byte order, memory order and archive flavour the
engine claims to read; the engine writes an .npz that numpy must load back.
Corrupt and truncated files must give an error line, never a crash.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

dump = sys.argv[1]
failures = 0


def run(*args):
    p = subprocess.run([dump, *args], capture_output=True, text=True)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as tmp:
    rng = np.random.default_rng(7)
    cases = {
        "f4": rng.standard_normal((2, 3, 4)).astype("<f4"),
        "f4be": rng.standard_normal((3, 5)).astype(">f4"),
        "f8": rng.standard_normal(7),
        "f2": rng.standard_normal((4, 2)).astype(np.float16),
        "i1": rng.integers(-128, 127, (5, 5), dtype=np.int8),
        "u1": rng.integers(0, 255, (3, 4, 2), dtype=np.uint8),
        "i2be": rng.integers(-30000, 30000, (6,)).astype(">i2"),
        "i4": rng.integers(-2**31, 2**31 - 1, (3, 3), dtype=np.int32),
        "i8": rng.integers(-10**6, 10**6, (4,), dtype=np.int64),
        "b1": rng.integers(0, 2, (3, 3)).astype(bool),
        "fortran": np.asfortranarray(rng.standard_normal((3, 4, 5)).astype(np.float32)),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    for name, arr in cases.items():
        path = os.path.join(tmp, name + ".npy")
        np.save(path, arr)
        rc, out, err = run(path)
        check(rc == 0, f"{name}: exit {rc}: {out} {err}")
        if rc != 0:
            continue
        got = json.loads(out)
        check(got["shape"] == list(arr.shape), f"{name}: shape {got['shape']} != {arr.shape}")
        want = np.ascontiguousarray(arr).astype(np.float32).ravel()
        check(np.array_equal(np.array(got["data"], dtype=np.float32), want), f"{name}: values differ")

    # Format version 2.0 (numpy writes it for big headers or when asked).
    path = os.path.join(tmp, "v2.npy")
    with open(path, "wb") as f:
        np.lib.format.write_array(f, cases["f4"], version=(2, 0))
    rc, out, _ = run(path)
    check(rc == 0 and json.loads(out)["shape"] == [2, 3, 4], "version 2.0 header")

    # .npz: stored and deflated, with a unicode string array.
    x = rng.standard_normal((10, 1, 4, 4)).astype(np.float32)
    y = rng.integers(0, 3, 10)
    classes = np.array(["cat", "dög", "🐟 fish"])
    for saver in (np.savez, np.savez_compressed):
        path = os.path.join(tmp, saver.__name__ + ".npz")
        saver(path, x=x, y=y, classes=classes)
        rc, out, err = run(path)
        check(rc == 0, f"{saver.__name__}: exit {rc} {out} {err}")
        if rc:
            continue
        got = json.loads(out)
        check(np.allclose(np.array(got["x"]["data"]), x.ravel()), f"{saver.__name__}: x")
        check(got["y"]["data"] == [float(v) for v in y], f"{saver.__name__}: y")
        check(got["classes"] == list(classes), f"{saver.__name__}: classes {got['classes']}")
        check("no_such_array" in got["__missing__"] and "x" in got["__missing__"],
              f"{saver.__name__}: missing-member message: {got['__missing__']}")

    # The engine's writer, read back by numpy.
    path = os.path.join(tmp, "engine.npz")
    rc, out, err = run("--write", path)
    check(rc == 0, f"engine npz write: {err}")
    with np.load(path) as z:
        check(np.array_equal(z["a"], (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3)), "written a")
        check(z["b"].dtype == np.int64 and list(z["b"]) == [i * 10**12 - 7 for i in range(4)], "written b")
        check(z["c"].shape == (0,) and z["c"].dtype == np.uint8, "written c")

    # Bad input: every corruption gives one error line and exit 1.
    good = open(os.path.join(tmp, "f4.npy"), "rb").read()
    bad = {
        "empty": b"",
        "magic": b"\x93NUMPZ" + good[6:],
        "truncated-data": good[:-5],
        "truncated-header": good[:20],
        "huge-shape": good.replace(b"(2, 3, 4)", b"(99999999999, 99999)"),
        "object": good.replace(b"<f4", b"|O8"),
        "negative": good.replace(b"(2, 3, 4)", b"(2, -3, 4)"),
        "version": good[:6] + b"\x09" + good[7:],
    }
    for name, blob in bad.items():
        path = os.path.join(tmp, "bad-" + name + ".npy")
        open(path, "wb").write(blob)
        rc, out, err = run(path)
        check(rc == 1 and out.startswith("ERROR ") and path in out and "\n" not in out,
              f"bad {name}: rc={rc} out={out!r} err={err!r}")
    z = open(os.path.join(tmp, "savez_compressed.npz"), "rb").read()
    for name, blob in {"zip-truncated": z[: len(z) // 2], "zip-garbage": b"PK" + bytes(100),
                       "zip-bitflip": z[:60] + bytes([z[60] ^ 0xFF]) + z[61:]}.items():
        path = os.path.join(tmp, name + ".npz")
        open(path, "wb").write(blob)
        rc, out, err = run(path)
        check(rc in (0, 1) and not err.startswith("=="), f"{name}: rc={rc} err={err!r}")
        if name != "zip-bitflip":
            check(rc == 1, f"{name}: should fail, got {out!r}")
        else:
            check("corrupt" in out or "CRC" in out or rc == 1, f"{name}: corruption not reported: {out!r}")

print("engine/npy:", "ok" if not failures else f"{failures} failures")
sys.exit(1 if failures else 0)
