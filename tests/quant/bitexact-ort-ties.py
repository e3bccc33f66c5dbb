#!/usr/bin/python3
# Provenance: written for Quantizer's test suite. Why the engine's int8
# inference and ONNX Runtime running the exported QDQ model differ on the
# real models of tests/models, measured layer by layer on one test sample.
#
# The engine computes what TFLite Micro computes (TFLite's reference
# fixed-point arithmetic, bit-identical with TFLite: see
# tests/quant/test-tflite-model.c); ONNX Runtime requantizes in float32 and
# rounds half to even, i.e. (up to float32 error) the exactly rounded
# value. The fixed point rounds twice, which makes a window around every
# .5 tie where it may go the other way:
#   CONV_2D, DEPTHWISE, FULLY_CONNECTED: y = round(acc * M / 2^31), then
#     round(y / 2^r): within 2^-(r+1) LSB of a tie (r: the right shift of
#     the layer's multiplier);
#   MEAN over H, W (GlobalAveragePool): the sum rescaled and rounded, then
#     divided by the count N and rounded: within (0.5 + 2^-(r+1)) / N LSB;
#   ADD: both inputs rescaled at 2^20 and rounded, the sum rescaled:
#     within 2^-(r+1) + 2 * output multiplier LSB.
# This test checks, for every quantized node of the QDQ model run alone in
# ONNX Runtime on the engine's own int8 inputs, that every output that
# differs from the engine's differs by one LSB and lies inside that
# window of a tie (the exact value computed here in float64 from the
# integer inputs, weights and biases); ops without requantization must not
# differ at all. Then it runs the whole QDQ model and prints, tensor after
# tensor, how many values differ end to end: the per-layer tie flips
# spreading through the network.
#
# Prints the figures; exits 1 when a difference is not a tie, 77 (skip)
# when node or onnxruntime-node is missing.
#
# Usage: bitexact-ort-ties.py QUANT_TOOL BATCH_JS [--models a,b] [--keep DIR]
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.environ.get("QZ_SOURCE_ROOT",
                     os.path.dirname(os.path.dirname(os.path.dirname(
                         os.path.abspath(__file__)))))
MODELS = os.path.join(SRC, "tests", "models")
# the settings of test_peers.py: its accuracy runs (percentile calibration,
# equalization + bias correction) on every model, and its end-to-end
# figures (min-max, no optimization) on the two deepest
SETTINGS = [("", ["calib_method=percentile", "optimize=true", "output_type=int8"]),
            ("minmax", ["output_type=int8"])]
DEEP = ("mobilenetv2_tiny", "audio_kws")


def right_shift(real):
    """-shift of TFLite's QuantizeMultiplier(real), 0 for a left shift."""
    if real <= 0:
        return 0
    q, e = math.frexp(real)
    if round(q * (1 << 31)) == (1 << 31):
        e += 1
    return max(0, -e)


def scalar(a):
    """A per-tensor float32 scale as a numpy float32."""
    return np.float32(np.asarray(a).reshape(-1)[0])


def tie_window(r):
    return 2.0 ** -(r + 1) if r > 0 else 0.0


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if r.returncode == 77:
        print("SKIP: " + r.stderr.strip())
        raise SystemExit(77)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit("failed (%d): %s" % (r.returncode, " ".join(cmd)))
    return r.stdout


class Model:
    """The QDQ graph with its quantization parameters."""

    def __init__(self, path):
        import onnx
        from onnx import numpy_helper
        self.path = path
        self.m = onnx.load(path)
        g = self.m.graph
        self.inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        self.prod = {o: n for n in g.node for o in n.output}
        self.users = {}
        for n in g.node:
            for t in n.input:
                self.users.setdefault(t, []).append(n)

    def attrs(self, node):
        import onnx
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def qparams(self, qnode):
        s = np.asarray(self.inits[qnode.input[1]], dtype=np.float32)
        z = (np.asarray(self.inits[qnode.input[2]]).astype(np.int64)
             if len(qnode.input) > 2 else np.zeros_like(s, dtype=np.int64))
        return s, z

    def dq_input(self, t):
        """(quantized name, scale, zp, constant int values or None) of the
        DequantizeLinear that makes tensor t, or None."""
        n = self.prod.get(t)
        if n is None or n.op_type != "DequantizeLinear":
            return None
        s, z = self.qparams(n)
        c = self.inits.get(n.input[0])
        return n.input[0], s, z, (None if c is None else c.astype(np.int64))

    def q_output(self, node):
        """The QuantizeLinear after node (through one Relu / Clip)."""
        for u in self.users.get(node.output[0], []):
            if u.op_type == "QuantizeLinear":
                return u
        acts = [u for u in self.users.get(node.output[0], [])
                if u.op_type in ("Relu", "Clip")]
        if len(acts) == 1:
            for u in self.users.get(acts[0].output[0], []):
                if u.op_type == "QuantizeLinear":
                    return u
        return None


def exact_values(M, node, ins, so, zo):
    """The exact requantized value (before rounding and clamping) of every
    output of node, in float64 from the integer inputs, and the width of
    the tie window of TFLite's arithmetic for each (same shape), or None
    when the op has no requantization window here."""
    op = node.op_type
    a = M.attrs(node)
    if op in ("Conv", "Gemm"):
        import torch
        (_, sx, zx, x), (_, sw, zw, w) = ins[0], ins[1]
        if zw.any():
            raise SystemExit("%s: weights with a zero point are not handled" % node.name)
        sx, zx = scalar(sx), int(zx.reshape(-1)[0])
        bias = ins[2][3] if len(ins) > 2 else None
        xs = torch.tensor((x - zx).astype(np.float64))
        ws = torch.tensor(w.astype(np.float64))
        if op == "Conv":
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise SystemExit("%s: auto_pad not handled" % node.name)
            nd = w.ndim - 2
            pads = list(a.get("pads", [0] * (2 * nd)))
            f = torch.nn.functional
            pad = []
            for d in reversed(range(nd)):
                pad += [pads[d], pads[d + nd]]
            xs = f.pad(xs, pad)
            conv = f.conv1d if nd == 1 else f.conv2d
            acc = conv(xs, ws, stride=a.get("strides", [1] * nd),
                       dilation=a.get("dilations", [1] * nd),
                       groups=a.get("group", 1)).numpy()
            cshape = (1, -1) + (1,) * nd
            real = (np.float64(sx) * sw.astype(np.float64) / np.float64(so)).reshape(-1)
        else:
            if a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
                raise SystemExit("%s: Gemm alpha/beta not handled" % node.name)
            xs = xs.t() if a.get("transA", 0) else xs
            ws = ws.t() if a.get("transB", 0) else ws
            acc = (xs @ ws).numpy()
            cshape = (1, -1)
            # per-tensor FULLY_CONNECTED: the scale product in float (TFLite)
            real = (np.float64(np.float32(sx) * sw.astype(np.float32)) /
                    np.float64(so)).reshape(-1)
        if bias is not None:
            acc = acc + bias.reshape(cshape)
        real_b = np.broadcast_to(real, (acc.shape[1],)).reshape(cshape)
        v = acc * real_b
        win = np.vectorize(lambda r: tie_window(right_shift(r)))(real).reshape(cshape)
        return v + zo, np.broadcast_to(win, v.shape)
    if op in ("GlobalAveragePool",):
        _, sx, zx, x = ins[0]
        sx, zx = scalar(sx), int(zx.reshape(-1)[0])
        axes = tuple(range(2, x.ndim))
        count = int(np.prod([x.shape[k] for k in axes]))
        s = (x - zx).sum(axis=axes, keepdims=True).astype(np.float64)
        real = np.float64(sx) / np.float64(so)
        v = s * real / count
        w = (0.5 + tie_window(right_shift(float(real)))) / count
        return v + zo, np.full(v.shape, w)
    if op == "Add":
        (_, sa, za, xa), (_, sb, zb, xb) = ins[0], ins[1]
        sa, sb = scalar(sa), scalar(sb)
        za, zb = int(za.reshape(-1)[0]), int(zb.reshape(-1)[0])
        v = ((xa - za) * np.float64(sa) + (xb - zb) * np.float64(sb)) / np.float64(so)
        twice = 2.0 * float(max(np.float32(sa), np.float32(sb)))
        real_out = twice / ((1 << 20) * float(so))
        w = tie_window(right_shift(real_out)) + 2.0 * real_out
        return v + zo, np.full(v.shape, w)
    return None


def check_model(tool, js, name, tag, opts, work, fails):
    out = os.path.join(work, name + ("_" + tag if tag else ""))
    label = name + (" (%s)" % tag if tag else "")
    eng = os.path.join(out, "engine")
    os.makedirs(eng, exist_ok=True)
    base = os.path.join(MODELS, name)
    run([tool, base + ".onnx", base + "_calib.npz", out, "test=" + base + "_test.npz",
         "dump=1", "snap=1", "debug=1", "dumpdir=" + eng, "limit=1"] + opts)
    qdq = os.path.join(out, "model_qdq.onnx")
    M = Model(qdq)

    def engine_value(qname):
        p = os.path.join(eng, qname[:-len("_quantized")].replace("/", "_") + ".npy")
        return np.load(p).astype(np.int64) if os.path.exists(p) else None

    import onnx
    jobs, layers = [], []
    for k, node in enumerate(M.m.graph.node):
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            continue
        ins = [M.dq_input(t) for t in node.input if t]
        q = M.q_output(node)
        act = [i for i in ins if i is not None and i[3] is None]
        if q is None or not act or any(i is None for i in ins):
            continue
        feeds = [engine_value(i[0]) for i in act]
        ref = engine_value(q.output[0])
        if ref is None or any(f is None for f in feeds):
            continue
        ins = [(i[0], i[1], i[2], engine_value(i[0]) if i[3] is None else i[3])
               for i in ins]
        sub = os.path.join(out, "node_%d.onnx" % k)
        onnx.utils.extract_model(qdq, sub, [i[0] for i in act], [q.output[0]])
        d = os.path.join(out, "node_%d" % k)
        os.makedirs(d, exist_ok=True)
        inputs = {}
        for j, (i, f) in enumerate(zip(act, feeds)):
            p = os.path.join(d, "in%d.npy" % j)
            np.save(p, f.astype(np.int8))
            inputs[i[0]] = p
        jobs.append({"model": sub, "inputs": inputs, "outdir": d})
        layers.append((node, ins, q, ref, d))
    # the whole QDQ model, every quantized tensor an output
    full = onnx.load(qdq)
    have = {o.name for o in full.graph.output}
    qnames = [n.output[0] for n in full.graph.node if n.op_type == "QuantizeLinear"]
    for t in qnames:
        if t not in have:
            full.graph.output.append(onnx.helper.make_empty_tensor_value_info(t))
    fpath = os.path.join(out, "all_tensors.onnx")
    onnx.save(full, fpath)
    x0 = os.path.join(out, "x0.npy")
    np.save(x0, np.load(os.path.join(out, "x.npy"))[:1].astype(np.float32))
    fdir = os.path.join(out, "all_tensors")
    jobs.append({"model": fpath, "inputs": {full.graph.input[0].name: x0}, "outdir": fdir})
    jf = os.path.join(out, "jobs.json")
    with open(jf, "w") as f:
        json.dump(jobs, f)
    run(["node", js, jf])

    n_all = n_diff = n_win = n_bad = 0
    worst_ratio = 0.0
    first_isolated = None
    isolated = {}
    for node, ins, q, ref, d in layers:
        o = np.load(os.path.join(d, "0.npy"))
        o = o.astype(np.int64) - (128 if o.dtype == np.uint8 else 0)
        o = o.reshape(ref.shape)
        so, zo = M.qparams(q)
        zo = int(zo.reshape(-1)[0]) - (128 if M.inits[q.input[2]].dtype == np.uint8 else 0)
        so = np.float32(so.reshape(-1)[0])
        diff = np.abs(o - ref)
        nd = int((diff != 0).sum())
        n_all += diff.size
        n_diff += nd
        isolated[q.output[0]] = (nd, diff.size)
        if nd and first_isolated is None:
            first_isolated = q.output[0]
        ev = exact_values(M, node, ins, so, zo)
        if ev is None:
            if nd:
                fails.append("%s: %s %s differs from ONNX Runtime on %d outputs and has no "
                             "requantization to explain it" % (label, node.op_type,
                                                               node.name, nd))
            continue
        v, win = ev
        v = v.reshape(ref.shape)
        win = win.reshape(ref.shape)
        dist = np.abs(v - np.floor(v) - 0.5)
        eps = 4e-7 * np.maximum(1.0, np.abs(v - zo)) + 1e-9
        inwin = (dist <= win + eps) & (v > -128.5) & (v < 127.5)
        n_win += int(inwin.sum())
        bad = ((diff != 0) & ~inwin) | (diff > 1)
        n_bad += int(bad.sum())
        if (diff > 1).any():
            fails.append("%s: %s %s differs by %d LSB" % (label, node.op_type, node.name,
                                                           int(diff.max())))
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            fails.append("%s: %s %s: %d outputs differ outside the tie window, e.g. at %s "
                         "exact %.6f, window %.2e, engine %d, ONNX Runtime %d" % (
                             label, node.op_type, node.name, int(bad.sum()), i, v[i],
                             win[i], ref[i], o[i]))
        good = (diff != 0) & ~bad
        if good.any():
            r = float(np.max(dist[good] / np.maximum(win[good] + eps[good], 1e-12)))
            worst_ratio = max(worst_ratio, r)
    print("%-17s alone: %2d layers, %6d outputs, %4d differ (%.3f%%): %d by one LSB inside "
          "a tie window (the farthest at %.2f of its width), %d not; %d outputs lie in a "
          "window" % (label, len(layers), n_all, n_diff, 100.0 * n_diff / max(n_all, 1),
                      n_diff - n_bad, worst_ratio, n_bad, n_win))
    if not layers:
        fails.append("%s: no layer could be compared with ONNX Runtime" % label)

    # end to end, tensor after tensor
    names = open(os.path.join(fdir, "names.txt")).read().split()
    first_chain = None
    rows = []
    for i, t in enumerate(names):
        if not t.endswith("_quantized"):
            continue
        e = engine_value(t)
        if e is None:
            continue
        o = np.load(os.path.join(fdir, "%d.npy" % i))
        o = o.astype(np.int64) - (128 if o.dtype == np.uint8 else 0)
        dd = np.abs(o.reshape(e.shape) - e)
        if dd.any() and first_chain is None:
            first_chain = t
        iso = isolated.get(t)
        rows.append((t, dd.size, (dd != 0).mean(), (dd > 1).mean(), int(dd.max()), iso))
    step = max(1, len(rows) // 12)
    for k, (t, n, p1, p2, mx, iso) in enumerate(rows):
        if k % step == 0 or k == len(rows) - 1:
            print("   %-58s %6d values: alone %6s, end to end %5.1f%% differ, %4.1f%% by "
                  ">1 LSB (max %d)" % (t[-58:], n, "%d" % iso[0] if iso else "-", 100 * p1,
                                        100 * p2, mx))
    order = [t for t, *_ in rows]
    if first_chain is not None and (first_isolated is None or
                                    order.index(first_chain) < order.index(first_isolated)):
        fails.append("%s: end to end, %s differs before any layer differs on its own" % (
            label, first_chain))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("batch_js")
    ap.add_argument("--models",
                    default="fashion_cnn,mobilenetv2_tiny,conv1d_series,audio_kws,audio_kws_zoo")
    ap.add_argument("--keep")
    args = ap.parse_args()
    if shutil.which("node") is None:
        print("SKIP: node is not installed")
        return 77
    try:
        import onnx  # noqa: F401
        import torch
    except ImportError as e:
        print("SKIP: %s" % e)
        return 77
    torch.set_num_threads(1)
    work = args.keep or tempfile.mkdtemp(prefix="qz-ort-ties-")
    os.makedirs(work, exist_ok=True)
    fails = []
    for n in args.models.split(","):
        for tag, opts in SETTINGS:
            if not tag or n in DEEP:
                check_model(args.tool, args.batch_js, n, tag, opts, work, fails)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    for f in fails:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (0 if fails else 1, 1 if fails else 0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
