// ort_run.js - run an ONNX model with ONNX Runtime (npm onnxruntime-node,
// CPU) on .npy inputs and write its outputs as .npy: the independent peer
// the engine's float results are checked against.
//
// Copyright 2026 The Quantizer developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node ort_run.js MODEL OUTDIR INPUT.npy [INPUT.npy ...]
//          writes OUTDIR/<index>.npy per graph output and prints
//          "<index> <name> <shape>" lines.
//        node ort_run.js --bench RUNS MODEL INPUT.npy [...]
//          prints "ms_per_run <mean>" after one warm-up run.
// Needs tests/peers/node_modules (QZ_PEERS_DIR or ../peers relative to here).
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

const DTYPES = {
  '<f4': ['float32', Float32Array, 4],
  '<f8': ['float64', Float64Array, 8],
  '<i8': ['int64', BigInt64Array, 8],
  '<i4': ['int32', Int32Array, 4],
  '<i2': ['int16', Int16Array, 2],
  '|i1': ['int8', Int8Array, 1],
  '|u1': ['uint8', Uint8Array, 1],
  '|b1': ['bool', Uint8Array, 1],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.slice(0, 6).toString('latin1') !== '\x93NUMPY')
    throw new Error(file + ': not a .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.slice(hstart, hstart + hlen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header))
    throw new Error(file + ': Fortran order is not supported');
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)[1];
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const dt = DTYPES[descr];
  if (!dt) throw new Error(file + ': dtype ' + descr + ' is not supported');
  const start = hstart + hlen;
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = buf.slice(start, start + count * dt[2]);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  let data = new dt[1](copy);
  if (dt[0] === 'bool') data = Uint8Array.from(data);
  return { type: dt[0], data, dims: shape };
}

function writeNpy(file, tensor) {
  const map = {
    float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1',
    uint8: '|u1', bool: '|b1',
  };
  const descr = map[tensor.type];
  if (!descr) throw new Error('cannot write ' + tensor.type);
  const dims = tensor.dims;
  const shape = '(' + dims.join(', ') + (dims.length === 1 ? ',' : '') + ')';
  let header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ', }';
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

async function main() {
  const args = process.argv.slice(2);
  let bench = 0;
  if (args[0] === '--bench') {
    bench = parseInt(args[1], 10);
    args.splice(0, 2);
  }
  const model = args[0];
  const outdir = bench ? null : args[1];
  const inputs = args.slice(bench ? 1 : 2);
  // One intra-op thread, so the ratio to the single-threaded engine is fair.
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  if (inputs.length !== session.inputNames.length) {
    console.error(model + ' has ' + session.inputNames.length + ' inputs, ' + inputs.length +
                  ' given');
    process.exit(1);
  }
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const t = readNpy(inputs[i]);
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  });
  if (bench) {
    await session.run(feeds);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < bench; i++) await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / bench;
    console.log('ms_per_run ' + ms.toFixed(4));
    return;
  }
  const results = await session.run(feeds);
  fs.mkdirSync(outdir, { recursive: true });
  session.outputNames.forEach((name, i) => {
    const t = results[name];
    writeNpy(path.join(outdir, i + '.npy'), t);
    console.log(i + ' ' + name + ' [' + t.dims.join(', ') + ']');
  });
}

main().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
