// ort_qdq.js - run an exported ONNX QDQ model in ONNX Runtime (npm
// onnxruntime-node, CPU), one sample at a time (the exported model has
// batch 1, as the int8 model does), and write the first output of every
// sample stacked into one float32 .npy.
//
// Copyright 2026 The Quantizer developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node ort_qdq.js MODEL.onnx X.npy OUT.npy
// Needs tests/peers/node_modules (QZ_PEERS_DIR or ../peers from here).
// Exit 77 (skip) when onnxruntime-node is not installed.
'use strict';
const fs = require('fs');
const path = require('path');

const peers = process.env.QZ_PEERS_DIR || path.join(__dirname, '..', 'peers');
let ort;
try {
  ort = require(path.join(peers, 'node_modules', 'onnxruntime-node'));
} catch (e) {
  console.error('onnxruntime-node is not installed in ' + peers + ': ' + e.message);
  process.exit(77);
}

function readNpyF32(file) {
  const buf = fs.readFileSync(file);
  if (buf.slice(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(file + ': not .npy');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.slice(hstart, hstart + hlen).toString('latin1');
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(file + ': expected float32');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',')
    .map((s) => s.trim()).filter((s) => s.length).map(Number);
  const start = hstart + hlen;
  const count = shape.reduce((a, b) => a * b, 1);
  const copy = new ArrayBuffer(count * 4);
  new Uint8Array(copy).set(buf.slice(start, start + count * 4));
  return { data: new Float32Array(copy), dims: shape };
}

function writeNpyF32(file, data, dims) {
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
    dims.join(', ') + (dims.length === 1 ? ',' : '') + '), }';
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([h, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const [model, xfile, outfile] = process.argv.slice(2);
  if (!outfile) {
    console.error('usage: node ort_qdq.js MODEL.onnx X.npy OUT.npy');
    process.exit(2);
  }
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: process.env.ORT_OPT || 'all' };
  const session = await ort.InferenceSession.create(model, opts);
  const x = readNpyF32(xfile);
  const n = x.dims[0];
  const per = x.data.length / n;
  const dims = [1].concat(x.dims.slice(1));
  const name = session.inputNames[0];
  let out = null;
  let per_out = 0;
  for (let i = 0; i < n; i++) {
    const t = new ort.Tensor('float32', x.data.slice(i * per, (i + 1) * per), dims);
    const res = await session.run({ [name]: t });
    const y = res[session.outputNames[0]].data;
    if (!out) {
      per_out = y.length;
      out = new Float32Array(n * per_out);
    }
    out.set(y, i * per_out);
  }
  writeNpyF32(outfile, out, [n, per_out]);
}

main().catch((e) => {
  console.error('ort_qdq: ' + e.message);
  process.exit(1);
});
