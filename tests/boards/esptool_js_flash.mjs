// esptool_js_flash.mjs - flash an image with npm esptool-js (Espressif's
// JavaScript flasher, an independent client) through a Unix socket.
//
// Copyright 2026 The Quantizer developers
// SPDX-License-Identifier: GPL-3.0-or-later
//
// esptool-js expects a Web Serial SerialPort; SocketSerialPort below is one
// over a Unix stream socket (open/close, readable/writable web streams,
// setSignals, getInfo), so esptool-js's own Transport runs unmodified.
//
// usage: node esptool_js_flash.mjs PEERS_NODE_MODULES SOCKET IMAGE OFFSET
import net from "node:net";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, sockPath, imagePath, offsetStr] = process.argv.slice(2);
const esptool = await import(pathToFileURL(path.join(modules, "esptool-js", "lib", "index.js")).href);

class SocketSerialPort {
  constructor(p) {
    this.path = p;
    this.readable = null;
    this.writable = null;
  }
  async open() {
    this.sock = net.createConnection(this.path);
    await new Promise((res, rej) => {
      this.sock.once("connect", res);
      this.sock.once("error", rej);
    });
    const sock = this.sock;
    this.readable = new ReadableStream({
      start(controller) {
        sock.on("data", (d) => controller.enqueue(new Uint8Array(d)));
        sock.on("close", () => {
          try { controller.close(); } catch (e) { /* already closed */ }
        });
      },
    });
    this.writable = new WritableStream({
      write(chunk) {
        return new Promise((res) => sock.write(Buffer.from(chunk), res));
      },
    });
  }
  async close() {
    this.sock.end();
    this.readable = null;
    this.writable = null;
  }
  async setSignals() {}
  getInfo() {
    return { usbVendorId: 0x303a, usbProductId: 0x1001 };
  }
}

const lines = [];
const terminal = {
  clean() {},
  writeLine(s) { lines.push(s); console.log(s); },
  write(s) { process.stdout.write(s); },
};
const transport = new esptool.Transport(new SocketSerialPort(sockPath), false);
const loader = new esptool.ESPLoader({ transport, baudrate: 115200, romBaudrate: 115200, terminal });
try {
  await loader.detectChip("no_reset");
  console.log("CHIP " + loader.chip.CHIP_NAME);
  await loader.flashSpiAttach(0);
  const data = new Uint8Array(fs.readFileSync(imagePath));
  await loader.writeFlash({
    fileArray: [{ data, address: parseInt(offsetStr, 0) }],
    flashSize: "keep", flashMode: "keep", flashFreq: "keep",
    eraseAll: false, compress: false,
  });
  // Verify with SPI_FLASH_MD5. The ROM answers 32 ASCII hex digits (the
  // stub 16 raw bytes); esptool-js 0.7.0 hex-encodes whatever it got, so in
  // ROM mode its own writeFlash MD5 check compares 64 digits with 32 and
  // cannot pass. Decode the ROM's ASCII answer here instead.
  const want = crypto.createHash("md5").update(data).digest("hex");
  const got = await loader.flashMd5sum(parseInt(offsetStr, 0), data.length);
  const ascii = Buffer.from(got, "hex").toString("latin1");
  console.log("MD5 file " + want + " flash " + ascii);
  if (ascii !== want) {
    console.log("RESULT error MD5 mismatch");
    process.exit(1);
  }
  console.log("RESULT verified");
  await transport.disconnect();
  process.exit(0);
} catch (e) {
  console.log("RESULT error " + e.message);
  process.exit(1);
}
