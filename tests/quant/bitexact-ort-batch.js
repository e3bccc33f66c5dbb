// bitexact-ort-batch.js - run many ONNX models in ONNX Runtime (npm
// onnxruntime-node, CPU, one thread, all graph optimizations as a user
// gets them) in one process, for bitexact-ort-ties.py.
//
// Copyright 2026 The Quantizer developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node bitexact-ort-batch.js JOBS.json
//   JOBS.json: [{"model": PATH, "inputs": {NAME: FILE.npy, ...},
//                "outdir": DIR}, ...]
//   writes DIR/<i>.npy for output i and DIR/names.txt (one output name a
//   line). .npy of int8, uint8, int32 or float32.
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

const TYPES = {
  '|i1': ['int8', Int8Array, 1],
  '|u1': ['uint8', Uint8Array, 1],
  '<i4': ['int32', Int32Array, 4],
  '<f4': ['float32', Float32Array, 4],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.slice(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(file + ': not .npy');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.slice(hstart, hstart + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const t = TYPES[descr];
  if (!t) throw new Error(file + ': dtype ' + descr + ' is not supported');
  if (/'fortran_order':\s*True/.test(header)) throw new Error(file + ': Fortran order');
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',')
    .map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const copy = new ArrayBuffer(count * t[2]);
  new Uint8Array(copy).set(buf.slice(start, start + count * t[2]));
  return new ort.Tensor(t[0], new t[1](copy), dims);
}

function writeNpy(file, tensor) {
  const descr = Object.keys(TYPES).find((k) => TYPES[k][0] === tensor.type);
  if (!descr) throw new Error('cannot write ' + tensor.type);
  const dims = tensor.dims;
  let header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
    dims.join(', ') + (dims.length === 1 ? ',' : '') + '), }';
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = tensor.data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}

async function main() {
  const jobsFile = process.argv[2];
  if (!jobsFile) {
    console.error('usage: node bitexact-ort-batch.js JOBS.json');
    process.exit(2);
  }
  const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
  for (const job of jobs) {
    const session = await ort.InferenceSession.create(job.model, {
      intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    });
    const feeds = {};
    for (const name of session.inputNames) {
      if (!(name in job.inputs)) throw new Error(job.model + ': no data for input ' + name);
      feeds[name] = readNpy(job.inputs[name]);
    }
    const res = await session.run(feeds);
    fs.mkdirSync(job.outdir, { recursive: true });
    session.outputNames.forEach((name, i) => writeNpy(path.join(job.outdir, i + '.npy'), res[name]));
    fs.writeFileSync(path.join(job.outdir, 'names.txt'), session.outputNames.join('\n') + '\n');
  }
}

main().catch((e) => {
  console.error('bitexact-ort-batch: ' + (e && e.message ? e.message : e));
  process.exit(1);
});
