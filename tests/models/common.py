# Shared helpers for the scripts that train Quantizer's test models.
#
# Provenance: written for Quantizer's test suite; run with Debian's
# /usr/bin/python3 (torch 1.13 CPU, onnx 1.12, numpy, scikit-learn).
# Nothing here downloads anything: every data set comes from a Debian
# package or from scikit-learn's bundled data (see README.md).
"""Data loading, training loop, ONNX export and npz/manifest writing."""

import gzip
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = [
    "t-shirt_top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle_boot",
]
MANIFEST = os.path.join(HERE, "manifest.json")


def setup(seed, threads=1):
    """Seed every generator and pin the thread count (shared 2-core box)."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


# ---------------------------------------------------------------- data


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_fashion():
    """Fashion-MNIST from Debian's dataset-fashion-mnist, as uint8.

    Returns (train_x [60000,28,28], train_y, test_x [10000,28,28], test_y).
    """
    d = FASHION_DIR
    trx = _read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"))
    tr_y = _read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))
    tex = _read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    te_y = _read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
    return trx, tr_y.astype(np.int64), tex, te_y.astype(np.int64)


def fashion_splits(n_calib=200, n_test=1000, seed=0):
    """Index choices shared by every Fashion-MNIST model.

    Calibration samples come from the *training* images (a stratified
    pick, as a user would calibrate on training data); test samples are
    a stratified pick of the official test images, never trained on.
    """
    trx, try_, tex, tey = load_fashion()
    rng = np.random.RandomState(seed)
    calib_idx = stratified_pick(try_, n_calib, rng)
    test_idx = stratified_pick(tey, n_test, rng)
    return trx, try_, tex, tey, calib_idx, test_idx


def stratified_pick(y, n, rng):
    """n indices of y, as evenly spread over the classes as possible."""
    classes = np.unique(y)
    per = [n // len(classes) + (1 if i < n % len(classes) else 0)
           for i in range(len(classes))]
    out = []
    for c, k in zip(classes, per):
        idx = np.flatnonzero(y == c)
        out.extend(rng.choice(idx, size=k, replace=False).tolist())
    out = np.array(out, dtype=np.int64)
    rng.shuffle(out)
    return out


# ------------------------------------------------------------ training


def train(model, x, y, epochs, lr=2e-3, batch=128, weight_decay=1e-4,
          augment=None, log=None, label_smoothing=0.0, optimizer="adamw",
          decay_norm=False):
    """AdamW (or SGD with Nesterov momentum) + one-cycle schedule on
    in-memory tensors. Weight decay applies to weight matrices and
    kernels only, unless decay_norm (then to every parameter, as
    torchvision's reference recipes do)."""
    x = torch.as_tensor(x)
    y = torch.as_tensor(y)
    n = x.shape[0]
    steps = epochs * ((n + batch - 1) // batch)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 and not decay_norm else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    if optimizer == "sgd":
        opt = torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True)
    else:
        opt = torch.optim.AdamW(groups, lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr,
                                                total_steps=steps)
    lossf = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(n)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            if augment is not None:
                xb = augment(xb)
            out = model(xb)
            loss = lossf(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
            total += len(idx)
        msg = "epoch %d: loss %.4f train-acc %.4f" % (
            ep + 1, loss_sum / total, correct / total)
        if log is not None:
            msg += " " + log(model)
        print(msg, flush=True)
    model.eval()
    return model


@torch.no_grad()
def predict(model, x, batch=500):
    model.eval()
    x = torch.as_tensor(x)
    outs = [model(x[i:i + batch]) for i in range(0, x.shape[0], batch)]
    return torch.cat(outs).numpy()


def accuracy(model, x, y):
    return float((predict(model, x).argmax(1) == np.asarray(y)).mean())


# -------------------------------------------------------------- export


def _export(model, example, path, opset):
    torch.onnx.export(
        model, example, path, opset_version=opset,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=True)


def export_onnx(model, example, path, opset=13, meta=None):
    """Export in float, NCHW/NCL, batch axis named "N", BN kept unfolded.

    TrainingMode.PRESERVE on a model in eval() mode skips torch's
    eval-mode peephole pass (which would fold BatchNormalization into
    Conv), so the engine's own folding pass has work to do.
    """
    model.eval()
    tmp = path + ".tmp"
    import warnings
    with warnings.catch_warnings():
        # torch warns about constant folding for any PRESERVE export; the
        # model is in eval() mode, so folding only touches constants.
        warnings.simplefilter("ignore", UserWarning)
        _export(model, example, tmp, opset)
    import onnx
    m = onnx.load(tmp)
    m.producer_name = "pytorch"
    m.doc_string = (meta or {}).get("doc", "")
    for k, v in sorted((meta or {}).items()):
        if k == "doc":
            continue
        p = m.metadata_props.add()
        p.key = k
        p.value = str(v)
    onnx.checker.check_model(m)
    n_bn = sum(isinstance(mod, nn.modules.batchnorm._BatchNorm)
               for mod in model.modules())
    n_bn_onnx = sum(n.op_type == "BatchNormalization" for n in m.graph.node)
    if n_bn != n_bn_onnx:
        raise SystemExit("export folded BatchNormalization (%d of %d kept)"
                         % (n_bn_onnx, n_bn))
    onnx.save(m, tmp)
    os.replace(tmp, path)
    return m


def op_histogram(path):
    import onnx
    m = onnx.load(path)
    hist = {}
    for n in m.graph.node:
        hist[n.op_type] = hist.get(n.op_type, 0) + 1
    return dict(sorted(hist.items()))


def ort_outputs(onnx_path, x):
    """Run the exported model in ONNX Runtime (npm onnxruntime-node).

    An independent check that the export is what torch computes.
    Returns None when node or the peer is not installed.
    """
    peers = os.path.join(REPO, "tests", "peers")
    if not os.path.isdir(os.path.join(peers, "node_modules",
                                      "onnxruntime-node")):
        return None
    x = np.ascontiguousarray(x, dtype=np.float32)
    with tempfile.TemporaryDirectory() as td:
        inp = os.path.join(td, "x.bin")
        out = os.path.join(td, "y.bin")
        x.tofile(inp)
        js = """
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const [model, inp, out, shape] = process.argv.slice(1);
  const s = await ort.InferenceSession.create(model);
  const buf = fs.readFileSync(inp);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const t = new ort.Tensor('float32', data, JSON.parse(shape));
  const r = await s.run({[s.inputNames[0]]: t});
  const y = r[s.outputNames[0]];
  fs.writeFileSync(out, Buffer.from(y.data.buffer, y.data.byteOffset,
                                    y.data.byteLength));
  console.log(JSON.stringify(y.dims));
})().catch(e => { console.error(e); process.exit(1); });
"""
        env = dict(os.environ, NODE_PATH=os.path.join(peers, "node_modules"))
        r = subprocess.run(["node", "-e", js, onnx_path, inp, out,
                            json.dumps(list(x.shape))],
                           capture_output=True, text=True, env=env,
                           check=True)
        dims = json.loads(r.stdout.strip().splitlines()[-1])
        return np.fromfile(out, dtype=np.float32).reshape(dims)


def check_export(model, onnx_path, x):
    """Compare torch and ONNX Runtime on x; return max relative error."""
    ref = predict(model, x)
    got = ort_outputs(onnx_path, x)
    if got is None:
        print("onnxruntime-node not installed: export not cross-checked")
        return None
    err = np.abs(got - ref).max() / max(1e-6, np.abs(ref).max())
    print("export check vs onnxruntime-node: max |diff|/max|ref| = %.2e"
          % err)
    if err > 1e-4:
        raise SystemExit("ONNX export disagrees with torch")
    return float(err)


# ----------------------------------------------------------------- npz


def save_npz(path, x, y, classes):
    """x float32 model input (batch first), y int64, classes unicode."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.int64)
    classes = np.array(list(classes), dtype=np.str_)
    assert x.shape[0] == y.shape[0]
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, x=x, y=y, classes=classes)
    os.replace(tmp, path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def update_manifest(name, entry):
    """Record one model's facts in manifest.json (read by tests)."""
    man = {}
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as f:
            man = json.load(f)
    files = {}
    for f in entry.get("files", []):
        p = os.path.join(HERE, f)
        files[f] = {"bytes": os.path.getsize(p), "sha256": sha256(p)}
    entry["files"] = files
    man[name] = entry
    tmp = MANIFEST + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict(sorted(man.items())), f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, MANIFEST)


def count_params(model):
    return int(sum(p.numel() for p in model.parameters()))


def main_guard():
    if sys.executable != "/usr/bin/python3":
        print("note: run with Debian's /usr/bin/python3 (torch 1.13)",
              file=sys.stderr)
