#!/usr/bin/python3
# esprom_emu.py - an ESP32-S3 ROM serial loader (esptool's protocol) on a
# pseudo-terminal or a Unix socket, for testing flashers without a board.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Only trusted because npm `esptool-js` (Espressif's own JavaScript
# flasher) connects, identifies the chip, writes an image and checks its
# MD5 through it first (test_esp_flash.py), before Quantizer's C loader is
# tested against it.
#
# SLIP frames (0xC0 ends, 0xDB 0xDC / 0xDB 0xDD escape 0xC0 / 0xDB).
# Request: 0x00, op, u16 size, u32 checksum, data. Reply: 0x01, op, u16
# size, u32 value, data, status byte, error byte (the ESP32-S3 ROM's two
# status bytes). Commands: SYNC 0x08 (answered 8 times), READ_REG 0x0A
# (0x40001000 reads chip magic 0x9), WRITE_REG 0x09, GET_SECURITY_INFO 0x14
# (chip id 9), SPI_ATTACH 0x0D, SPI_SET_PARAMS 0x0B, FLASH_BEGIN 0x02 (erases,
# 5 words as the S3 ROM takes), FLASH_DATA 0x03 (checksum = XOR of the data
# seeded with 0xEF, in the header's checksum field; sequence numbers
# checked), FLASH_END 0x04, SPI_FLASH_MD5 0x13 (32 hex digits as the ROM
# answers), CHANGE_BAUDRATE 0x0F. Others answer "invalid message" (0x05).
#
# Faults: --chip-id N (another chip), --flash-mb N, --nack-data N (bad-CRC
# error on the n-th FLASH_DATA, once), --drop-reply N (no answer to the n-th
# FLASH_DATA, once), --corrupt-flash (one stored bit wrong: MD5 must catch
# it), --unplug-after N (close after n FLASH_DATA), --silent.
import argparse
import hashlib
import os
import select
import signal
import socket
import sys
import time
import tty

ERR_INVALID, ERR_FAILED, ERR_CRC, ERR_WRITE = 0x05, 0x06, 0x07, 0x08


class Unplugged(Exception):
    pass


class Emu:
    def __init__(self, a):
        self.a = a
        self.flash = bytearray(b"\xff" * (a.flash_mb * 1024 * 1024))
        self.begin = None
        self.n_data = 0
        self.top = 0
        self.buf = bytearray()

    # -- link ---------------------------------------------------------------
    def open(self):
        if self.a.socket:
            if os.path.exists(self.a.socket):
                os.unlink(self.a.socket)
            self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.srv.bind(self.a.socket)
            self.srv.listen(1)
            name = "unix:" + self.a.socket
            self.fd = None
        else:
            self.fd, slave = os.openpty()
            tty.setraw(slave)
            self.keep = slave
            name = os.ttyname(slave)
        with open(self.a.ready + ".tmp", "w") as f:
            f.write(name)
        os.replace(self.a.ready + ".tmp", self.a.ready)

    def read_some(self):
        if self.a.socket and self.fd is None:
            self.conn, _ = self.srv.accept()
            self.fd = self.conn.fileno()
        r, _, _ = select.select([self.fd], [], [], None)
        try:
            d = os.read(self.fd, 4096)
        except OSError:
            time.sleep(0.01)
            return b""
        if not d and self.a.socket:
            self.conn.close()
            self.fd = None
        return d

    def send(self, op, value=0, data=b"", status=0, error=0):
        body = bytes([0x01, op]) + (len(data) + 2).to_bytes(2, "little") + \
            (value & 0xFFFFFFFF).to_bytes(4, "little") + data + bytes([status, error])
        out = bytearray([0xC0])
        for b in body:
            if b == 0xC0:
                out += b"\xdb\xdc"
            elif b == 0xDB:
                out += b"\xdb\xdd"
            else:
                out.append(b)
        out.append(0xC0)
        os.write(self.fd, bytes(out))

    def frames(self):
        """Yield decoded SLIP frames."""
        while True:
            d = self.read_some()
            self.buf += d
            while True:
                try:
                    start = self.buf.index(0xC0)
                except ValueError:
                    self.buf.clear()
                    break
                try:
                    end = self.buf.index(0xC0, start + 1)
                except ValueError:
                    del self.buf[:start]
                    break
                raw = self.buf[start + 1:end]
                del self.buf[:end]  # keep the end 0xC0 as a possible start
                if not raw:
                    continue
                out = bytearray()
                i = 0
                while i < len(raw):
                    if raw[i] == 0xDB and i + 1 < len(raw):
                        out.append(0xC0 if raw[i + 1] == 0xDC else 0xDB)
                        i += 2
                    else:
                        out.append(raw[i])
                        i += 1
                yield bytes(out)

    # -- commands --------------------------------------------------------------
    def handle(self, f):
        if len(f) < 8 or f[0] != 0x00:
            return
        op = f[1]
        size = int.from_bytes(f[2:4], "little")
        chk = int.from_bytes(f[4:8], "little")
        data = f[8:8 + size]
        if len(data) != size:
            self.send(op, status=1, error=ERR_INVALID)
            return
        w = [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data) - len(data) % 4, 4)]
        if op == 0x08:
            if data[:4] != b"\x07\x07\x12\x20":
                return
            for _ in range(8):
                self.send(op, value=0x20120707)
        elif op == 0x0A:
            regs = {0x40001000: self.a.magic, 0x60007044: 0x12345678, 0x60007048: 0x0000ABCD}
            self.send(op, value=regs.get(w[0], 0))
        elif op == 0x09 or op == 0x0D or op == 0x0F:
            self.send(op)
        elif op == 0x0B:
            self.send(op)
        elif op == 0x14:
            info = (0).to_bytes(4, "little") + bytes(8) + self.a.chip_id.to_bytes(4, "little") + \
                (0).to_bytes(4, "little")
            self.send(op, data=info)
        elif op == 0x02:
            if len(w) < 4:
                self.send(op, status=1, error=ERR_INVALID)
                return
            erase, blocks, bsize, off = w[:4]
            if off + erase > len(self.flash) or bsize == 0:
                self.send(op, status=1, error=ERR_FAILED)
                return
            self.flash[off:off + erase] = b"\xff" * erase
            self.begin = [off, bsize, 0, blocks]
            self.send(op)
        elif op == 0x03:
            if self.begin is None or len(w) < 4:
                self.send(op, status=1, error=ERR_FAILED)
                return
            n, seq = w[0], w[1]
            payload = data[16:16 + n]
            x = 0xEF
            for b in payload:
                x ^= b
            self.n_data += 1
            if self.a.unplug_after and self.n_data > self.a.unplug_after:
                raise Unplugged()
            if self.a.drop_reply == self.n_data:
                return
            if len(payload) != n or x != chk or self.a.nack_data == self.n_data:
                self.send(op, status=1, error=ERR_CRC)
                return
            off, bsize, expect, blocks = self.begin
            if seq != expect and seq != expect - 1:
                self.send(op, status=1, error=ERR_FAILED)
                return
            at = off + seq * bsize
            if at + n > len(self.flash):
                self.send(op, status=1, error=ERR_WRITE)
                return
            stored = bytearray(payload)
            if self.a.corrupt_flash and seq == 0 and n:
                stored[n // 3] ^= 0x04
            self.flash[at:at + n] = stored
            self.top = max(self.top, at + n)
            self.begin[2] = max(expect, seq + 1)
            self.send(op)
        elif op == 0x04:
            self.send(op)
            if w and w[0] == 0:
                self.dump()
        elif op == 0x13:
            addr, n = w[0], w[1]
            if addr + n > len(self.flash):
                self.send(op, status=1, error=ERR_FAILED)
                return
            self.send(op, data=hashlib.md5(self.flash[addr:addr + n]).hexdigest().encode())
        else:
            self.send(op, status=1, error=ERR_INVALID)

    def dump(self):
        if self.a.image:
            with open(self.a.image + ".tmp", "wb") as f:
                f.write(self.flash[:self.top])
            os.replace(self.a.image + ".tmp", self.a.image)

    def serve(self):
        self.open()
        for f in self.frames():
            if self.a.silent:
                continue
            self.handle(f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ready", required=True)
    p.add_argument("--socket")
    p.add_argument("--image")
    p.add_argument("--chip-id", type=int, default=9)
    p.add_argument("--magic", type=lambda s: int(s, 0), default=0x9)
    p.add_argument("--flash-mb", type=int, default=8)
    for f in ("nack-data", "drop-reply", "unplug-after"):
        p.add_argument("--" + f, type=int, default=0)
    p.add_argument("--corrupt-flash", action="store_true")
    p.add_argument("--silent", action="store_true")
    a = p.parse_args()
    emu = Emu(a)
    signal.signal(signal.SIGTERM, lambda *_: (emu.dump(), sys.exit(0)))
    try:
        emu.serve()
    except Unplugged:
        os.close(emu.fd)
        if not a.socket:
            os.close(emu.keep)
        sys.exit(0)


main()
