#!/usr/bin/python3
# test_qz_quantize_c.py - `qz quantize --format c`: the C inference module
# compiles warnings-free (gcc -std=c99 -Wall -Wextra -Werror) and, fed the
# same int8 inputs, gives the outputs `qz infer` gives on the written int8
# .tflite, byte for byte; the .tflite as a C array compiles and holds the
# file's bytes. Also: a float TFLite model quantizes (MediaPipe's face
# detector, when installed: two outputs, so no module, a note and the C
# array), and an already-quantized model is refused.
#
# Usage: test_qz_quantize_c.py QZ WORKDIR
import json
import os
import shutil
import subprocess
import sys

import numpy as np

SRC = os.environ.get("QZ_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
failures = 0

DRIVER = r"""
#include <stdio.h>
#include "model.h"

/* stdin: N samples of MODEL_INPUT_SIZE bytes; stdout: their outputs */
int main(void)
{
  static int8_t in[MODEL_INPUT_SIZE], out[MODEL_OUTPUT_SIZE];
  while (fread(in, 1, sizeof in, stdin) == sizeof in) {
    int rc = model_run(in, out);
    if (rc != 0) {
      fprintf(stderr, "model_run: layer %d\n", rc);
      return 1;
    }
    if (fwrite(out, 1, sizeof out, stdout) != sizeof out)
      return 1;
  }
  return 0;
}
"""

ARRAY_DUMP = r"""
#include <stdio.h>
#include "model_tflite.h"

int main(void)
{
  return fwrite(model_tflite, 1, model_tflite_len, stdout) == model_tflite_len ? 0 : 1;
}
"""


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + what)
    else:
        print("ok: " + what)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def main():
    qz, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cc = shutil.which("gcc") or shutil.which("cc")
    models = os.path.join(SRC, "tests", "models")
    onnx = os.path.join(models, "fashion_cnn.onnx")
    out = os.path.join(work, "q")
    rc, so, se = run([qz, "quantize", onnx, "--data", os.path.join(models, "fashion_cnn_calib.npz"),
                      "--format", "c", "--diagnostic-samples", "0", "-o", out, "--json"])
    check(rc == 0, "qz quantize --format c: %s" % se.strip()[-300:])
    if rc != 0:
        return 1
    j = json.loads(so)
    tfl = j["model"]
    cdir = j["c_model"]["path"] if isinstance(j.get("c_model"), dict) else None
    adir = j.get("c_array")
    check(os.path.isfile(tfl) and tfl.endswith("model_quantized.tflite"), "the .tflite is written")
    check(cdir is not None and os.path.isfile(os.path.join(cdir, "model.c")) and
          os.path.isfile(os.path.join(cdir, "model.h")), "the C module is written: %r" % j.get("c_model"))
    check(adir is not None and os.path.isfile(os.path.join(adir, "model_tflite.c")), "the C array is written")
    check(os.path.isfile(os.path.join(out, "report.json")), "report.json is written")
    if cdir is None or adir is None or cc is None:
        print("%d failures" % failures)
        return 1 if failures else 0
    print("C module: %d bytes of constants, a %d-byte arena" %
          (j["c_model"]["const_bytes"], j["c_model"]["arena_bytes"]))

    # build the module with the strictest flags the issue names
    with open(os.path.join(work, "driver.c"), "w") as f:
        f.write(DRIVER)
    exe = os.path.join(work, "runner")
    srcs = sorted(os.path.join(cdir, n) for n in os.listdir(cdir) if n.endswith(".c"))
    rc, _, se = run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-I", cdir, "-o", exe,
                     os.path.join(work, "driver.c")] + srcs + ["-lm"])
    check(rc == 0, "the module compiles with -std=c99 -Wall -Wextra -Werror: %s" % se[:800])

    # the same int8 inputs through the module and through qz infer
    x = np.load(os.path.join(models, "fashion_cnn_test.npz"))["x"][:24].astype(np.float32)
    hdr = open(os.path.join(cdir, "model.h")).read()
    scale = float(hdr.split("MODEL_INPUT_SCALE ")[1].split("f")[0])
    zp = int(hdr.split("MODEL_INPUT_ZERO_POINT ")[1].split()[0])
    q = np.clip(np.round(x / scale) + zp, -128, 127).astype(np.int8)
    if rc == 0:
        rc, cout, se = run([exe], input=q.tobytes())
        check(rc == 0, "the module runs: %s" % se)
        mine = np.frombuffer(cout, dtype=np.int8).reshape(len(q), -1)
        same = 0
        for i in range(len(q)):
            np.save(os.path.join(work, "in.npy"), q[i:i + 1])
            od = os.path.join(work, "infer%d" % i)
            r2, _, se = run([qz, "infer", tfl, "--input", os.path.join(work, "in.npy"), "-o", od])
            if r2 != 0:
                check(False, "qz infer: %s" % se)
                break
            ref = np.load(os.path.join(od, os.listdir(od)[0]))
            same += int(ref.dtype == np.int8 and np.array_equal(ref.reshape(-1), mine[i]))
        check(same == len(q), "C module and qz infer agree bit for bit on %d of %d samples" %
              (same, len(q)))

    # the C array holds the .tflite byte for byte
    with open(os.path.join(work, "dump.c"), "w") as f:
        f.write(ARRAY_DUMP)
    dump = os.path.join(work, "dump")
    rc, _, se = run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", adir, "-o", dump,
                     os.path.join(work, "dump.c"), os.path.join(adir, "model_tflite.c")])
    check(rc == 0, "the C array compiles: %s" % se[:400])
    if rc == 0:
        rc, b, _ = run([dump])
        check(rc == 0 and b == open(tfl, "rb").read(), "the C array is the .tflite")

    # an already-quantized model is refused, naming it
    rc, _, se = run([qz, "quantize", tfl, "-o", os.path.join(work, "again"), "-q"])
    check(rc == 1 and "already quantized" in se and "int8 TFLite" in se, "int8 model refused: %s" % se)

    # a float TFLite model (fp16 weights) quantizes; two outputs: no module
    face = os.path.join(SRC, "tests", "peers", "node_modules", "@mediapipe", "face_detection",
                        "face_detection_short_range.tflite")
    if os.path.exists(face):
        fo = os.path.join(work, "face")
        rc, so, se = run([qz, "quantize", face, "--format", "c", "--random-samples", "4",
                          "--random-range", "-1,1", "--diagnostic-samples", "0", "-o", fo, "--json"])
        check(rc == 0, "float TFLite quantizes: %s" % se.strip()[-300:])
        if rc == 0:
            fj = json.loads(so)
            check(isinstance(fj.get("c_model"), str) and "one output" in fj["c_model"] and
                  os.path.isfile(os.path.join(fj["c_array"], "model_tflite.c")),
                  "two outputs: a note instead of the module, the C array still: %r" % fj.get("c_model"))
            rep = json.load(open(os.path.join(fo, "report.json")))
            check(rep["model"]["format"] == "tflite" and rep["model"]["macs"] > 0,
                  "report: format tflite, MACs %r" % rep["model"].get("macs"))
    else:
        print("(no MediaPipe model installed: TFLite part skipped)")
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
