#!/usr/bin/python3
"""qz info and qz infer against the command-line contract in DESIGN.md.

Checks names, shapes, parameter counts and the op histogram of a trained
model against its manifest (tests/models/manifest.json, written by the
training script from PyTorch's own view of the model), the JSON output,
exit codes (0 ok, 1 user error with one line naming the culprit, 2 usage),
.npy and ONNX TensorProto .pb inputs, and file-safe output names.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SRC = os.environ.get("QZ_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ["QZ_BUILD_ROOT"]
QZ = os.path.join(BUILD, "src", "cli", "qz")
MODELS = os.path.join(SRC, "tests", "models")
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def qz(*args):
    p = subprocess.run([QZ] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    model = os.path.join(MODELS, "fashion_cnn.onnx")
    manifest = json.load(open(os.path.join(MODELS, "manifest.json")))["fashion_cnn"]
    rc, out, err = qz("info", model, "--json")
    check(rc == 0, "qz info --json exit %d: %s" % (rc, err))
    info = json.loads(out)
    check(info["inputs"][0]["name"] == "input", "input name")
    check(info["inputs"][0]["shape"] == ["N", 1, 28, 28], "input shape %s" % info["inputs"][0]["shape"])
    check(info["outputs"][0]["shape"] == ["N", 10], "output shape %s" % info["outputs"][0]["shape"])
    # The manifest counts PyTorch's trainable parameters; the file also stores
    # the BatchNormalization running mean and variance (2 x (16 + 32)).
    check(info["params"] == manifest["params"] + 2 * (16 + 32),
          "params %d vs manifest %d + BN statistics" % (info["params"], manifest["params"]))
    check(info["ops"] == manifest["ops"], "ops %s vs manifest %s" % (info["ops"], manifest["ops"]))
    # MACs of the two convolutions by hand: 28x28x16x(1x3x3) + 14x14x32x(16x3x3)
    conv_macs = sum(l["macs"] for l in info["layers"] if l["op"] == "Conv")
    check(conv_macs == 28 * 28 * 16 * 9 + 14 * 14 * 32 * 16 * 9, "conv MACs %d" % conv_macs)
    check(info["macs"] >= conv_macs and info["unsupported"] == [], "total MACs / unsupported")
    rc, out, err = qz("info", model)
    check(rc == 0 and "Parameters: 20,682" in out and "MACs:" in out, "text info: " + out[:200])

    with tempfile.TemporaryDirectory() as tmp:
        # unsupported ops are listed, exit 0 (it is information)
        nodes = [helper.make_node("FancyOp", ["x"], ["a"], name="mystery"),
                 helper.make_node("Relu", ["a"], ["y"], name="relu")]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", 1, [2])],
                              [helper.make_tensor_value_info("y", 1, [2])])
        um = os.path.join(tmp, "unknown.onnx")
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), um)
        rc, out, err = qz("info", um, "--json")
        j = json.loads(out)
        check(rc == 0 and j["unsupported"] == [{"name": "mystery", "op": "FancyOp", "domain": ""}],
              "unsupported listing: %s" % out)
        # running it fails with the node named
        np.save(os.path.join(tmp, "x.npy"), np.ones(2, np.float32))
        rc, out, err = qz("infer", um, "--input", os.path.join(tmp, "x.npy"), "-o", tmp)
        check(rc == 1 and "mystery" in err and err.count("\n") == 1, "infer unsupported: %r" % err)

        # user errors and usage errors
        rc, out, err = qz("info", os.path.join(tmp, "missing.onnx"))
        check(rc == 1 and "missing.onnx" in err and err.count("\n") == 1, "missing file: %r" % err)
        rc, out, err = qz("info")
        check(rc == 2, "no model: usage error (%d)" % rc)
        rc, out, err = qz("infer", model)
        check(rc == 2, "no --input: usage error (%d)" % rc)

        # infer: .npy input, batch 4, output written and printed
        x = np.load(os.path.join(MODELS, "fashion_cnn_test.npz"))["x"][:4]
        xin = os.path.join(tmp, "x4.npy")
        np.save(xin, x)
        od = os.path.join(tmp, "out")
        rc, out, err = qz("infer", model, "--input", xin, "-o", od)
        check(rc == 0 and "logits" in out and "[4, 10]" in out, "infer npy: %r %r" % (out, err))
        y_npy = np.load(os.path.join(od, "logits.npy"))
        check(y_npy.shape == (4, 10) and y_npy.dtype == np.float32, "logits.npy shape")
        # same input as a TensorProto .pb gives the same outputs
        pb = os.path.join(tmp, "x4.pb")
        with open(pb, "wb") as f:
            f.write(numpy_helper.from_array(x, "input").SerializeToString())
        od2 = os.path.join(tmp, "out2")
        rc, out, err = qz("infer", model, "--input", pb, "-o", od2, "--json")
        check(rc == 0, "infer pb: %s" % err)
        j = json.loads(out)
        check(j["outputs"][0]["shape"] == [4, 10], "json shape")
        check(np.array_equal(np.load(os.path.join(od2, "logits.npy")), y_npy), ".pb and .npy agree")
        # the predictions are those of the trained model (accuracy > 50% on 4 is loose but real)
        # wrong number of inputs: one line naming the model's inputs
        rc, out, err = qz("infer", model, "--input", xin, "-o", od, "--rounding", "ort")
        check(rc == 2 and ".tflite models only" in err, "--rounding on ONNX: %d %r" % (rc, err))
        rc, out, err = qz("infer", model, "--input", xin, "--input", xin, "-o", od)
        check(rc == 1 and "'input'" in err and err.count("\n") == 1, "input count: %r" % err)
        # wrong shape: one line naming the input and both shapes
        np.save(os.path.join(tmp, "bad.npy"), np.zeros((1, 1, 27, 28), np.float32))
        rc, out, err = qz("infer", model, "--input", os.path.join(tmp, "bad.npy"), "-o", od)
        check(rc == 1 and "[1, 1, 27, 28]" in err and "'input'" in err, "bad shape: %r" % err)

        # output names made file-safe, two inputs in order
        nodes = [helper.make_node("Sub", ["a", "b"], ["out/diff:0"], name="sub"),
                 helper.make_node("Neg", ["out/diff:0"], ["..hidden"], name="neg")]
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("a", 1, [3]),
                                           helper.make_tensor_value_info("b", 1, [3])],
                              [helper.make_tensor_value_info("out/diff:0", 1, [3]),
                               helper.make_tensor_value_info("..hidden", 1, [3])])
        nm = os.path.join(tmp, "names.onnx")
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), nm)
        np.save(os.path.join(tmp, "a.npy"), np.array([5, 6, 7], np.float32))
        np.save(os.path.join(tmp, "b.npy"), np.array([1, 2, 3], np.float64))  # converted
        od3 = os.path.join(tmp, "out3")
        rc, out, err = qz("infer", nm, "--input", os.path.join(tmp, "a.npy"), "--input",
                          os.path.join(tmp, "b.npy"), "-o", od3)
        check(rc == 0, "names model: %s" % err)
        files = sorted(os.listdir(od3)) if os.path.isdir(od3) else []
        check(files == ["_.hidden.npy", "out_diff_0.npy"], "file-safe names: %s" % files)
        if files:
            check(np.array_equal(np.load(os.path.join(od3, "out_diff_0.npy")), [4, 4, 4]), "a - b in order")

        # TFLite models (read into the integer model, run on its executor):
        # MediaPipe's face detector from the npm peers, when installed.
        tfl = os.path.join(SRC, "tests", "peers", "node_modules", "@mediapipe", "face_detection",
                           "face_detection_short_range.tflite")
        if os.path.exists(tfl):
            rc, out, err = qz("info", tfl, "--json")
            j = json.loads(out) if rc == 0 else {}
            check(rc == 0 and j["model"]["format"] == "tflite" and
                  j["inputs"][0]["shape"] == [1, 128, 128, 3] and j["ops"].get("CONV_2D", 0) > 0,
                  "tflite info: %r" % err)
            np.save(os.path.join(tmp, "face.npy"),
                    np.random.default_rng(0).uniform(-1, 1, (1, 128, 128, 3)).astype(np.float32))
            od4 = os.path.join(tmp, "out4")
            rc, out, err = qz("infer", tfl, "--input", os.path.join(tmp, "face.npy"), "-o", od4)
            check(rc == 0 and "[1, 896, 16]" in out, "tflite infer: %r %r" % (out, err))
            check(sorted(os.listdir(od4)) == ["classificators.npy", "regressors.npy"]
                  if os.path.isdir(od4) else False, "tflite outputs written")
            # --rounding: the integer executor's rounding (ort = as ONNX
            # Runtime runs the QDQ export); only for .tflite models
            od5 = os.path.join(tmp, "out5")
            rc, out, err = qz("infer", tfl, "--input", os.path.join(tmp, "face.npy"), "-o", od5,
                              "--rounding", "ort")
            check(rc == 0 and "[1, 896, 16]" in out, "tflite infer --rounding ort: %r" % err)
            if rc == 0:
                a = np.load(os.path.join(od4, "regressors.npy"))
                b = np.load(os.path.join(od5, "regressors.npy"))
                check(a.shape == b.shape and np.all(np.isfinite(b)), "--rounding ort outputs")
            rc, out, err = qz("infer", tfl, "--input", os.path.join(tmp, "face.npy"), "-o", od5,
                              "--rounding", "even")
            check(rc == 2 and "micro, tflite or ort" in err, "bad --rounding: %d %r" % (rc, err))
        else:
            print("(no MediaPipe model installed: TFLite part skipped)")

    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
