#!/usr/bin/python3
"""Our onnx.proto subset reads models exactly as the complete ONNX schema.

onnx-tool is built against the schema the engine uses (Debian libonnx-dev's
onnx.proto when installed) and onnx-tool-subset against
engine/onnx/proto/onnx.proto; both print a canonical digest (every tensor,
initializer hash, node, attribute, opset, metadata) of every ONNX
conformance model and test model, and the digests must be identical.
"""
import glob
import os
import subprocess
import sys

BUILD = os.environ["QZ_BUILD_ROOT"]
SRC = os.environ["QZ_SOURCE_ROOT"]
full = os.path.join(BUILD, "tests", "onnx", "onnx-tool")
subset = os.path.join(BUILD, "tests", "onnx", "onnx-tool-subset")

schemas = [subprocess.run([t, "schema"], capture_output=True, text=True).stdout.strip()
           for t in (full, subset)]
print("schemas:", schemas)
if schemas[1] != "subset":
    print("FAIL: onnx-tool-subset was not built with the subset schema")
    sys.exit(1)
if schemas[0] != "system":
    print("SKIP: the system onnx.proto is not installed, nothing to compare with")
    sys.exit(77)

models = sorted(glob.glob("/usr/include/onnx/backend/test/data/*/*/model.onnx"))
models += sorted(glob.glob(os.path.join(SRC, "tests", "models", "*.onnx")))
models += sorted(glob.glob(os.path.join(SRC, "tests", "fuzz", "corpus-onnx", "*.onnx")))
bad = 0
for i in range(0, len(models), 200):
    chunk = models[i:i + 200]
    a = subprocess.run([full, "digest"] + chunk, capture_output=True, text=True).stdout
    b = subprocess.run([subset, "digest"] + chunk, capture_output=True, text=True).stdout
    if a != b:
        for la, lb in zip(a.splitlines(), b.splitlines()):
            if la != lb:
                print("FAIL: first difference:\n  system: %s\n  subset: %s" % (la, lb))
                break
        bad += 1
print("%d models read by both schemas, %s" % (len(models), "identical" if not bad else "DIFFERENT"))
sys.exit(1 if bad or not models else 0)
