# boardlib.py - helpers shared by the tests/boards harnesses.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts QEMU with the board's UART on a pseudo-terminal (-chardev pty) and
# finds the pty's name in QEMU's output; runs programs with timeouts; parses
# board-tool's key=value lines. Every process started here is ended by the
# pid it got, never by name.
import os
import re
import select
import shlex
import subprocess
import sys
import time

QEMU = "qemu-system-arm"


def build_root():
    return os.environ.get("QZ_BUILD_ROOT", os.path.abspath("."))


def source_root():
    return os.environ.get("QZ_SOURCE_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


class Qemu:
    """qemu-system-arm running IMAGE on MACHINE, its first UART on a pty."""

    def __init__(self, machine, image, icount=True, extra=()):
        args = [QEMU, "-M", machine, "-nographic", "-monitor", "none",
                "-chardev", "pty,id=uart0", "-serial", "chardev:uart0"]
        if icount:
            args += ["-icount", "shift=0,align=off,sleep=off"]
        if image:
            args += ["-kernel", image]
        args += list(extra)
        self.args = args
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.pty = None
        out = b""
        deadline = time.time() + 10
        while time.time() < deadline and self.pty is None:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
                m = re.search(rb"char device redirected to (/dev/pts/\d+)", out)
                if m:
                    self.pty = m.group(1).decode()
        if self.pty is None:
            self.stop()
            raise RuntimeError("QEMU did not report its pty: %r (%s)" % (out, shlex.join(args)))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def preload_env(env):
    """@env for a program run with LD_PRELOAD (umockdev, the pty shim): an
    ASan-built program must not insist on its runtime coming first."""
    env = dict(env if env is not None else os.environ)
    opts = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "verify_asan_link_order=0"
    return env


def run(args, timeout=120, env=None):
    if args and args[0] == "umockdev-run" or (env and "LD_PRELOAD" in env):
        env = preload_env(env)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                       env=env)
    return p.returncode, p.stdout.decode(errors="replace")


def kv(line):
    """key=value pairs of one board-tool output line."""
    out = {}
    for m in re.finditer(r'(\w+)=("[^"]*"|\S+)', line):
        out[m.group(1)] = m.group(2).strip('"')
    return out


def line_starting(text, word):
    for line in text.splitlines():
        if line.startswith(word + " "):
            return kv(line)
    return None


class Tap:
    """Minimal TAP-less reporting: counts, prints, exits non-zero on failure."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
            print("ok - " + what)
        else:
            self.failed += 1
            print("FAIL - " + what)
        sys.stdout.flush()
        return cond

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


class Emulator:
    """A tests/boards/*_emu.py device emulator on a pty."""

    def __init__(self, script, workdir, *args):
        self.ready = os.path.join(workdir, "emu-%d.ready" % id(self))
        if os.path.exists(self.ready):
            os.unlink(self.ready)
        self.proc = subprocess.Popen([sys.executable, script, "--ready", self.ready] + list(args))
        deadline = time.time() + 10
        while not os.path.exists(self.ready):
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("emulator %s did not start" % script)
            time.sleep(0.02)
        with open(self.ready) as f:
            self.pty = f.read().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
