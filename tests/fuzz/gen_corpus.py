#!/usr/bin/python3
# gen_corpus.py - writes the small seed inputs in corpus-onnx/ for the ONNX
# reader fuzz target (run with Debian's /usr/bin/python3, onnx 1.12).
# Seeds cover: a Conv/BN/Relu/Gemm net, a model with unknown and foreign-
# domain ops, external data, symbolic batch dims, QDQ per-axis, typed
# (non-raw) initializers of each type, and a TensorProto .pb.
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus-onnx")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)


def save(model, name):
    onnx.save(model, os.path.join(OUT, name))


def t(name, arr, raw=True):
    if raw:
        return numpy_helper.from_array(arr, name)
    return helper.make_tensor(name, helper.np_dtype_to_tensor_dtype(arr.dtype)
                              if hasattr(helper, "np_dtype_to_tensor_dtype")
                              else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype],
                              arr.shape, arr.flatten().tolist())


x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 6, 6])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
nodes = [
    helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["c", "s", "o", "m", "v"], ["bn"], name="bn"),
    helper.make_node("Relu", ["bn"], ["r"], name="relu"),
    helper.make_node("GlobalAveragePool", ["r"], ["p"], name="gap"),
    helper.make_node("Flatten", ["p"], ["f"], name="flat"),
    helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1),
]
inits = [t("w", rng.standard_normal((4, 2, 3, 3)).astype(np.float32)),
         t("b", rng.standard_normal(4).astype(np.float32), raw=False),
         t("s", np.ones(4, np.float32)), t("o", np.zeros(4, np.float32)),
         t("m", np.zeros(4, np.float32)), t("v", np.ones(4, np.float32)),
         t("fw", rng.standard_normal((3, 4)).astype(np.float32), raw=False),
         t("fb", np.zeros(3, np.float32))]
g = helper.make_graph(nodes, "cnn", [x], [y], inits)
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "cnn.onnx")

nodes = [helper.make_node("FancyOp", ["x"], ["a"], name="unknown"),
         helper.make_node("FusedConv", ["a"], ["b"], name="ms", domain="com.microsoft"),
         helper.make_node("Relu", ["b"], ["y"], name="relu")]
g = helper.make_graph(nodes, "unknown", [x], [helper.make_tensor_value_info("y", 1, None)])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                         helper.make_opsetid("com.microsoft", 1)]),
     "unknown_ops.onnx")

ext = t("w", np.ones(4, np.float32))
ext.ClearField("raw_data")
ext.data_location = TensorProto.EXTERNAL
ext.external_data.add(key="location", value="weights.bin")
g = helper.make_graph([helper.make_node("Add", ["x1", "w"], ["y1"], name="add")], "ext",
                      [helper.make_tensor_value_info("x1", 1, [4])],
                      [helper.make_tensor_value_info("y1", 1, [4])], [ext])
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "external.onnx")

xq = helper.make_tensor_value_info("xq", TensorProto.FLOAT, [1, 3, 4, 4])
yq = helper.make_tensor_value_info("yq", TensorProto.FLOAT, None)
nodes = [helper.make_node("QuantizeLinear", ["xq", "sx", "zx"], ["q"], name="q"),
         helper.make_node("DequantizeLinear", ["q", "sx", "zx"], ["dq"], name="dq"),
         helper.make_node("DequantizeLinear", ["wq", "sw", "zw"], ["wd"], name="dqw", axis=0),
         helper.make_node("Conv", ["dq", "wd"], ["yq"], name="conv")]
inits = [t("sx", np.array(0.05, np.float32)), t("zx", np.array(3, np.uint8)),
         t("wq", rng.integers(-127, 127, (2, 3, 1, 1)).astype(np.int8)),
         t("sw", np.array([0.01, 0.02], np.float32)), t("zw", np.zeros(2, np.int8))]
g = helper.make_graph(nodes, "qdq", [xq], [yq], inits)
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "qdq_per_axis.onnx")

typed = [t("i8", np.array([1, -2], np.int8), raw=False), t("u8", np.array([1, 2], np.uint8), raw=False),
         t("i32", np.array([1, -2], np.int32), raw=False),
         t("i64", np.array([1, -2], np.int64), raw=False),
         t("f16", np.array([1.5, -2], np.float16), raw=False),
         t("bool", np.array([True, False]), raw=False),
         t("f64", np.array([1.5, -2], np.float64), raw=False)]
nodes = [helper.make_node("Identity", [n.name], [n.name + "_out"], name="id_" + n.name)
         for n in typed]
g = helper.make_graph(nodes, "typed", [], [helper.make_tensor_value_info(n.name + "_out", n.data_type, [2])
                                          for n in typed], typed)
save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "typed_initializers.onnx")

with open(os.path.join(OUT, "tensor.pb"), "wb") as f:
    f.write(numpy_helper.from_array(rng.standard_normal((2, 3)).astype(np.float32), "t")
            .SerializeToString())
