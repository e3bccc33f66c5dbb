#!/usr/bin/python3
# onnx-summary.py MODEL.onnx - the facts the Model page shows, computed by
# the onnx Python package (an implementation independent of the engine):
# inputs and outputs with shapes, the op histogram and the number of
# weights (elements of the initializers nodes use). Prints JSON.
import json
import sys

import onnx
from onnx import numpy_helper

m = onnx.load(sys.argv[1])
g = m.graph
inits = {t.name: t for t in g.initializer}


def shape(vi):
    dims = []
    for d in vi.type.tensor_type.shape.dim:
        dims.append(d.dim_value if d.HasField("dim_value") else -1)
    return dims


used = set()
ops = {}
for n in g.node:
    ops[n.op_type] = ops.get(n.op_type, 0) + 1
    used.update(i for i in n.input if i in inits)
params = sum(numpy_helper.to_array(inits[name]).size for name in used)
for i in g.input:
    if i.name not in inits:
        print("input", i.name, *shape(i))
for o in g.output:
    print("output", o.name, *shape(o))
for op, count in ops.items():
    print("op", op, count)
print("params", int(params))
print("nodes", len(g.node))
