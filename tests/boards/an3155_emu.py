#!/usr/bin/python3
# an3155_emu.py - an STM32 system-memory bootloader (ST AN3155, USART
# protocol v3.1) on a pseudo-terminal, for testing flashers without a board.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# It is only trusted because the real `stm32flash` (Debian) writes, reads
# back and verifies an image through it first (test_stm32_flash.py does
# that before testing Quantizer's own flasher against it).
#
# Speaks: 0x7F autobaud sync, GET (0x00), GET_VERSION (0x01), GET_ID (0x02),
# READ_MEMORY (0x11), GO (0x21), WRITE_MEMORY (0x31), ERASE (0x43) or
# EXTENDED_ERASE (0x44), each command byte followed by its complement,
# address + XOR checksum, ACK 0x79 / NACK 0x1F. Flash behaves like flash:
# erased bytes read 0xFF and a write to bytes that are not erased (with
# different data) is NACKed, as the part's programming error would be.
#
# Faults for the tests (each counts the n-th such command, 1-based, once):
#   --nack-write N     NACK the data phase of the n-th WRITE_MEMORY
#   --drop-ack N       swallow the final ACK of the n-th WRITE_MEMORY
#   --corrupt-read N   flip one bit in the reply of the n-th READ_MEMORY
#   --unplug-after-writes N   close the pty after n writes (board unplugged)
#   --bitrot           every write stores one wrong bit (bad flash: verify
#                      must fail every time)
#   --silent           never answer (nothing behind the port)
#   --drop-bytes N     drop every n-th byte the host sends (noisy line)
#
# --fd N uses an inherited pty master (a umockdev testbed's /dev/ttyACM0)
# instead of a new pty. --go-qemu MACHINE makes GO behave like a real
# board's reset into the application: the flashed image boots in
# qemu-system-arm (-icount shift=0) and the same serial line is bridged to
# its UART, as an ST-LINK's virtual COM port reaches the running program.
#
# usage: an3155_emu.py --ready FILE [--pid 0x413] [--flash-kb 1024]
#                      [--image OUT.bin] [--exit-on-go] [faults...]
# Writes the pty's name to FILE once listening; writes the flash contents
# (up to the last programmed byte) to OUT.bin on GO and on exit.
import argparse
import os
import select
import signal
import sys
import termios
import time
import tty

ACK, NACK = 0x79, 0x1F
FLASH_BASE = 0x08000000
RAM_BASE, RAM_SIZE = 0x20000000, 128 * 1024
SYSMEM_BASE, SYSMEM_SIZE = 0x1FFF0000, 30 * 1024
# Sector layouts (AN2606 / reference manuals) for the products that use
# sectors; others use uniform pages of PAGE_SIZE.
SECTORS = {
    0x413: [16, 16, 16, 16, 64] + [128] * 7,           # STM32F405/407
    0x421: [16, 16, 16, 16, 64, 128, 128, 128],        # STM32F446
    0x450: [128] * 16,                                  # STM32H743 (2 banks)
}


class Unplugged(Exception):
    pass


class Emu:
    def __init__(self, a):
        self.a = a
        self.pid = a.pid
        self.flash = bytearray(b"\xff" * (a.flash_kb * 1024))
        self.ram = bytearray(RAM_SIZE)
        self.sysmem = bytes((i * 37) & 0xFF for i in range(SYSMEM_SIZE))
        if a.fd >= 0:
            self.master = a.fd
            self.keep = None
            self.name = "fd:%d" % a.fd
        else:
            self.master, slave = os.openpty()
            tty.setraw(slave)
            # Keep a slave descriptor open so the master never sees EIO
            # between two clients; it is never read.
            self.keep = slave
            self.name = os.ttyname(slave)
        self.qemu = None
        self.synced = False
        self.n_write = self.n_read = self.n_in = 0
        self.top = 0
        self.sectors = SECTORS.get(self.pid)

    # -- byte I/O -------------------------------------------------------
    def getb(self, timeout=None):
        while True:
            r, _, _ = select.select([self.master], [], [], timeout)
            if not r:
                return None
            try:
                b = os.read(self.master, 1)
            except OSError:
                time.sleep(0.01)
                continue
            if not b:
                continue
            self.n_in += 1
            if self.a.drop_bytes and self.n_in % self.a.drop_bytes == 0:
                continue
            return b[0]

    def getn(self, n):
        out = bytearray()
        while len(out) < n:
            b = self.getb(1.0)
            if b is None:
                return None
            out.append(b)
        return bytes(out)

    def put(self, data):
        os.write(self.master, bytes(data))

    # -- memory ---------------------------------------------------------
    def region(self, addr, n):
        if FLASH_BASE <= addr and addr + n <= FLASH_BASE + len(self.flash):
            return self.flash, addr - FLASH_BASE, True
        if RAM_BASE <= addr and addr + n <= RAM_BASE + RAM_SIZE:
            return self.ram, addr - RAM_BASE, False
        if SYSMEM_BASE <= addr and addr + n <= SYSMEM_BASE + SYSMEM_SIZE:
            return self.sysmem, addr - SYSMEM_BASE, None
        return None, 0, None

    def read_addr(self):
        d = self.getn(5)
        if d is None:
            return None
        if d[0] ^ d[1] ^ d[2] ^ d[3] != d[4]:
            self.put([NACK])
            return None
        return int.from_bytes(d[:4], "big")

    def erase_unit(self, k):
        if self.sectors:
            if k >= len(self.sectors):
                return False
            start = sum(self.sectors[:k]) * 1024
            size = self.sectors[k] * 1024
        else:
            start, size = k * 2048, 2048
        if start + size > len(self.flash):
            return False
        self.flash[start:start + size] = b"\xff" * size
        return True

    # -- commands ---------------------------------------------------------
    def cmd_get(self):
        cmds = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92]
        self.put([ACK, len(cmds), 0x31] + cmds + [ACK])

    def cmd_read(self):
        self.put([ACK])
        addr = self.read_addr()
        if addr is None:
            return
        self.put([ACK])
        d = self.getn(2)
        if d is None or d[0] ^ 0xFF != d[1]:
            self.put([NACK])
            return
        n = d[0] + 1
        mem, off, _ = self.region(addr, n)
        if mem is None:
            self.put([NACK])
            return
        self.n_read += 1
        data = bytearray(mem[off:off + n])
        if self.a.corrupt_read == self.n_read:
            data[n // 2] ^= 0x10
        self.put([ACK] + list(data))

    def cmd_write(self):
        self.put([ACK])
        addr = self.read_addr()
        if addr is None:
            return
        self.put([ACK])
        d = self.getn(1)
        if d is None:
            return
        n = d[0] + 1
        rest = self.getn(n + 1)
        if rest is None:
            return
        data, cs = rest[:n], rest[n]
        x = d[0]
        for b in data:
            x ^= b
        self.n_write += 1
        if x != cs or addr % 4 or self.a.nack_write == self.n_write:
            self.put([NACK])
            return
        mem, off, is_flash = self.region(addr, n)
        if mem is None or is_flash is None:
            self.put([NACK])
            return
        if is_flash:
            cur = mem[off:off + n]
            if any(c != 0xFF and c != b for c, b in zip(cur, data)):
                self.put([NACK])  # programming error: not erased
                return
            data = bytearray(data)
            if self.a.bitrot:
                data[0] ^= 0x01
            self.top = max(self.top, off + n)
        mem[off:off + n] = data
        if self.a.unplug_after_writes and self.n_write >= self.a.unplug_after_writes:
            raise Unplugged()
        if self.a.drop_ack == self.n_write:
            return
        self.put([ACK])

    def cmd_ext_erase(self):
        self.put([ACK])
        d = self.getn(2)
        if d is None:
            return
        n = int.from_bytes(d, "big")
        if n >= 0xFFF0:
            cs = self.getn(1)
            if cs is None or cs[0] != d[0] ^ d[1]:
                self.put([NACK])
                return
            if n == 0xFFFF:
                self.flash[:] = b"\xff" * len(self.flash)
                self.put([ACK])
            else:
                self.put([NACK])
            return
        body = self.getn(2 * (n + 1) + 1)
        if body is None:
            return
        x = d[0] ^ d[1]
        for b in body[:-1]:
            x ^= b
        if x != body[-1]:
            self.put([NACK])
            return
        for i in range(n + 1):
            k = int.from_bytes(body[2 * i:2 * i + 2], "big")
            if not self.erase_unit(k):
                self.put([NACK])
                return
        time.sleep(0.01 * (n + 1))  # erasing takes a while
        self.put([ACK])

    def cmd_go(self):
        self.put([ACK])
        addr = self.read_addr()
        if addr is None:
            return
        self.put([ACK])
        self.dump()
        if self.a.go_qemu:
            self.bridge_to_qemu()
        if self.a.exit_on_go:
            raise SystemExit(0)
        self.synced = False  # the application runs now

    def bridge_to_qemu(self):
        import socket
        import subprocess
        sock_path = self.a.image + ".uart.sock"
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        self.qemu = subprocess.Popen(
            ["qemu-system-arm", "-M", self.a.go_qemu, "-nographic", "-monitor", "none",
             "-icount", "shift=0,align=off,sleep=off", "-kernel", self.a.image,
             "-chardev", "socket,id=uart0,path=%s,server=on,wait=on" % sock_path,
             "-serial", "chardev:uart0"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.time() + 10
        while True:
            try:
                s.connect(sock_path)
                break
            except OSError:
                if time.time() > deadline or self.qemu.poll() is not None:
                    raise SystemExit("qemu did not start")
                time.sleep(0.05)
        while True:
            r, _, _ = select.select([self.master, s], [], [])
            if self.master in r:
                try:
                    d = os.read(self.master, 4096)
                except OSError:
                    time.sleep(0.01)
                    d = b""
                if d:
                    s.sendall(d)
            if s in r:
                d = s.recv(4096)
                if not d:
                    raise SystemExit(0)
                os.write(self.master, d)

    def stop_qemu(self):
        if self.qemu and self.qemu.poll() is None:
            self.qemu.terminate()
            self.qemu.wait()

    def dump(self):
        if self.a.image:
            top = self.top
            while top > 0 and self.flash[top - 1] == 0xFF:
                top -= 1
            tmp = self.a.image + ".tmp"
            with open(tmp, "wb") as f:
                f.write(self.flash[:top])
            os.replace(tmp, self.a.image)

    def serve(self):
        with open(self.a.ready + ".tmp", "w") as f:
            f.write(self.name)
        os.replace(self.a.ready + ".tmp", self.a.ready)
        handlers = {0x00: self.cmd_get, 0x11: self.cmd_read, 0x21: self.cmd_go,
                    0x31: self.cmd_write, 0x44: self.cmd_ext_erase}
        while True:
            b = self.getb()
            if b is None or self.a.silent:
                continue
            if not self.synced:
                if b == 0x7F:
                    self.synced = True
                    self.put([ACK])
                continue
            c = self.getb(1.0)
            if c is None:
                continue
            if b ^ 0xFF != c:
                self.put([NACK])
                continue
            if b == 0x01:
                self.put([ACK, 0x31, 0x00, 0x00, ACK])
            elif b == 0x02:
                self.put([ACK, 0x01, self.pid >> 8, self.pid & 0xFF, ACK])
            elif b in handlers:
                handlers[b]()
            else:
                self.put([NACK])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ready", required=True)
    p.add_argument("--pid", type=lambda s: int(s, 0), default=0x413)
    p.add_argument("--flash-kb", type=int, default=1024)
    p.add_argument("--image")
    p.add_argument("--exit-on-go", action="store_true")
    p.add_argument("--fd", type=int, default=-1)
    p.add_argument("--go-qemu")
    for f in ("nack-write", "drop-ack", "corrupt-read", "unplug-after-writes", "drop-bytes"):
        p.add_argument("--" + f, type=int, default=0)
    p.add_argument("--bitrot", action="store_true")
    p.add_argument("--silent", action="store_true")
    a = p.parse_args()
    emu = Emu(a)
    signal.signal(signal.SIGTERM, lambda *_: (emu.stop_qemu(), emu.dump(), sys.exit(0)))
    try:
        emu.serve()
    except Unplugged:
        os.close(emu.master)
        if emu.keep is not None:
            os.close(emu.keep)
        sys.exit(0)
    finally:
        emu.stop_qemu()


main()
