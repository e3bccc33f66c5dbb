#!/usr/bin/python3
# test_export_projects.py - the firmware projects `qz deploy` writes for the
# boards Quantizer cannot compile for: the ESP32-S3 (ESP-IDF project; Debian
# has no Xtensa compiler) and the TI LAUNCHXL-F28P55X (Code Composer Studio
# project; TI's C2000 compiler).
#
# Checked here, without ESP-IDF, TI's tools or the boards:
#  ESP32-S3  - qz says in plain words that it cannot build the image and
#              writes the project; the file set is complete; CMake itself
#              reads both CMakeLists.txt with stand-ins for ESP-IDF's
#              functions (every listed source exists, every C file is
#              listed); the project's C sources, with those very
#              definitions, compile warning-free on the PC against stand-ins
#              for the four ESP-IDF calls of the glue and run the protocol
#              over a pty: `qz deploy --method none --data` gets the host
#              engine's outputs bit for bit and checks the model id; a
#              user-built image goes through the ROM loader (the emulator
#              test_esp_flash.py vets with esptool-js) with --image.
#  TI C28x   - qz says flashing is done in CCS/UniFlash and writes the
#              project; the .projectspec is well-formed XML listing every
#              source; the sources built with int8 storage emulated as
#              16-bit words (and memcpy counting 16-bit units) run the
#              protocol and give the host engine's outputs bit for bit;
#              the kernels and model compile for a 16-bit-int target
#              (clang --target=msp430) with shift and overflow warnings as
#              errors. CHAR_BIT = 16 itself cannot be emulated.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: test_export_projects.py QZ MAKE_TEST_MODEL WORKDIR
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import boardlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(HERE, "hostshim")
CC = os.environ.get("CC_FOR_SHIM", "cc")
CFLAGS = ["-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]


def js(out):
    try:
        return json.loads(out[out.index("{"):])
    except ValueError:
        return None


class Runner:
    """A host-built runner: prints 'pty /dev/pts/N', serves it until its
    stdin closes."""

    def __init__(self, exe):
        self.proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode().split()
        self.pty = line[1] if len(line) == 2 and line[0] == "pty" else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def shim_pty_object(work):
    """shim_pty.c on its own (the project sources may be built with a
    pre-included header it must not see)."""
    obj = os.path.join(work, "shim_pty.o")
    if not os.path.exists(obj):
        subprocess.run([CC] + CFLAGS + ["-c", os.path.join(SHIM, "shim_pty.c"), "-o", obj],
                       check=True)
    return obj


def compile_c(args, what, t):
    p = subprocess.run([CC] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    t.check(p.returncode == 0, "%s compiles warning-free on the host%s" % (
        what, "" if p.returncode == 0 else ": " + out[:2000]))
    return p.returncode == 0


def validate(t, qz, model, board, pty, npz, what):
    rc, out = boardlib.run([qz, "deploy", model, "--board", board, "--port", pty, "--method",
                            "none", "--validate", "6", "--data", npz, "--json"], timeout=120)
    d = js(out)
    v = d.get("validation", {}) if d else {}
    ok = t.check(rc == 0 and v.get("samples") == 6 and v.get("bit_identical") and
                 v.get("inputs") == "data" and d["runner"]["board"] == board,
                 "%s: 6 real samples over the protocol, bit-identical to the host engine" % what)
    if not ok:
        print(out[-3000:])


def main():
    qz, maker, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    t = boardlib.Tap()
    p2 = os.path.join(work, "p2.tflite")
    cnn = os.path.join(work, "cnn.tflite")
    for kind, path in (("cnn-p2", p2), ("cnn", cnn)):
        rc, _ = boardlib.run([maker, kind, path])
        t.check(rc == 0, "made the %s test model" % kind)
    import numpy as np
    npz = os.path.join(work, "samples.npz")
    np.savez(npz, x=np.random.RandomState(11).uniform(-1, 1, (6, 16, 16, 1)).astype(np.float32),
             y=np.zeros(6, np.int64))

    # ---- ESP32-S3 ---------------------------------------------------------
    esp = "esp32-s3-devkitc-1"
    proj = os.path.join(work, "esp-project")
    rc, out = boardlib.run([qz, "deploy", p2, "--board", esp, "--export", proj])
    t.check(rc == 0 and "cannot build firmware" in out and "Xtensa" in out and
            "idf.py set-target esp32s3 && idf.py build flash" in out and "--method none" in out,
            "ESP32-S3: qz says in plain words it cannot build the image and how to build it")
    rc, out = boardlib.run([qz, "deploy", p2, "--board", esp, "--export", proj, "--json"])
    d = js(out)
    t.check(rc == 0 and d and d.get("method") == "esp-idf-project" and d.get("flashed") is False,
            "ESP32-S3 --json: project written, nothing flashed")
    need = ["CMakeLists.txt", "sdkconfig.defaults", "README.md", "main/CMakeLists.txt",
            "main/runner.c", "main/runner_crc.c", "main/runner_proto.h", "main/board.h",
            "main/model_slot.h", "main/board_esp32s3.c", "main/generated_model.c",
            "main/model.c", "main/model.h", "main/qe_kernels_s8.h", "main/qe_s8_conv.c"]
    missing = [f for f in need if not os.path.isfile(os.path.join(proj, f))]
    t.check(not missing, "ESP-IDF project file set complete (missing: %s)" % missing)
    with open(os.path.join(proj, "sdkconfig.defaults")) as f:
        sdk = f.read()
    t.check(all(k in sdk for k in ("CONFIG_IDF_TARGET=\"esp32s3\"", "CONFIG_ESP_CONSOLE_UART_DEFAULT=y",
                                   "CONFIG_ESP_CONSOLE_SECONDARY_NONE=y",
                                   "CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_240=y")),
            "sdkconfig.defaults: ESP32-S3, 240 MHz, console off the USB-Serial/JTAG port")
    decl = os.path.join(work, "idf-declared.txt")
    p = subprocess.run(["cmake", "-DPROJECT_DIR=" + proj, "-DSTUB_DIR=" + os.path.join(SHIM, "idf"),
                        "-DOUT=" + decl, "-P", os.path.join(SHIM, "check_idf_project.cmake")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    t.check(p.returncode == 0, "CMake reads both CMakeLists.txt; every source listed exists and "
            "every C file is listed%s" % ("" if p.returncode == 0 else ": " + p.stdout.decode()))
    srcs, defs = [], []
    if os.path.exists(decl):
        with open(decl) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition(" ")
                if k == "src":
                    srcs.append(os.path.join(proj, "main", v))
                elif k == "def":
                    defs.append("-D" + v)
    t.check(any(d_.startswith("-DQR_MODEL_ID=") for d_ in defs) and "-DQR_NO_MAIN" in defs,
            "main/CMakeLists.txt defines the model id and QR_NO_MAIN")
    exe = os.path.join(work, "esp-runner-host")
    if srcs and compile_c(CFLAGS + ["-I" + os.path.join(SHIM, "esp"), "-I" + SHIM,
                                    "-I" + os.path.join(proj, "main")] + defs + srcs +
                          [os.path.join(SHIM, "esp_shim.c"), shim_pty_object(work), "-o", exe], "the ESP-IDF project's C sources (with its definitions)", t):
        with Runner(exe) as r:
            t.check(r.pty is not None, "the host-built ESP runner serves a pty")
            if r.pty:
                validate(t, qz, p2, esp, r.pty, npz, "ESP32-S3 project on the host")
                rc, out = boardlib.run([qz, "deploy", cnn, "--board", "qemu-mps3-an547",
                                        "--port", r.pty, "--method", "none", "--validate", "1"])
                t.check(rc == 1 and "not the one" in out,
                        "a runner with another model is refused by its model id")
    # A user-built image through the ROM loader (its emulator).
    app = os.path.join(work, "quantizer_runner.bin")
    with open(app, "wb") as f:
        f.write(bytes([0xE9]) + os.urandom(20000))
    flash_img = os.path.join(work, "esp-flash.bin")
    with boardlib.Emulator(os.path.join(HERE, "esprom_emu.py"), work, "--image", flash_img) as emu:
        rc, out = boardlib.run([qz, "deploy", p2, "--board", esp, "--port", emu.pty, "--image", app,
                                "--validate", "0"], timeout=180)
    held = False
    if os.path.exists(flash_img):
        with open(flash_img, "rb") as f, open(app, "rb") as g:
            a = g.read()
            held = f.read()[0x10000:0x10000 + len(a)] == a
    t.check(rc == 0 and "MD5" in out and held,
            "ESP32-S3 --image: a user-built image flashed at 0x10000 by the ROM loader, MD5-checked")
    rc, out = boardlib.run([qz, "deploy", "--selftest", "--board", esp])
    t.check(rc == 1 and "Xtensa" in out, "ESP32-S3 --selftest: no prebuilt image, said plainly")

    # ---- TI LAUNCHXL-F28P55X -------------------------------------------------
    ti = "launchxl-f28p55x"
    tproj = os.path.join(work, "ti-project")
    rc, out = boardlib.run([qz, "deploy", cnn, "--board", ti, "--export", tproj])
    t.check(rc == 0 and "Code Composer Studio" in out and "UniFlash" in out and
            "cannot build or flash" in out,
            "TI: qz says flashing is done in CCS/UniFlash and writes the CCS project")
    need = ["quantizer_runner.projectspec", "f28p55x_runner.cmd", "README.md", "qe_c28x_int8.h",
            "qr_build.h", "board_c28x.c", "runner.c", "runner_crc.c", "generated_model.c",
            "model.c", "model.h", "qe_s8_conv.c"]
    missing = [f for f in need if not os.path.isfile(os.path.join(tproj, f))]
    t.check(not missing, "CCS project file set complete (missing: %s)" % missing)
    try:
        root = ET.parse(os.path.join(tproj, "quantizer_runner.projectspec")).getroot()
        prj = root.find("project")
        listed = set(f.get("path") for f in prj.findall("file"))
        here = set(os.path.basename(x) for x in glob.glob(os.path.join(tproj, "*.[ch]")))
        t.check(root.tag == "projectSpec" and prj.get("device") == "TMS320F28P550SJ9" and
                prj.get("linkerCommandFile") == "f28p55x_runner.cmd" and here <= listed and
                any("codestartbranch" in x for x in listed) and
                "--preinclude=qe_c28x_int8.h" in prj.get("compilerBuildOptions", ""),
                "the .projectspec is well-formed XML naming the device, the linker command file, "
                "every source and the int8 compat header")
    except ET.ParseError as e:
        t.check(False, "the .projectspec is well-formed XML: %s" % e)
    with open(os.path.join(tproj, "f28p55x_runner.cmd")) as f:
        cmd = f.read()
    t.check("codestart" in cmd and "0x080000" in cmd and ".bss" in cmd and "qr_bss_end" in cmd,
            "the linker command file places code_start at 0x080000 and names the end of .bss")
    with open(os.path.join(tproj, "README.md")) as f:
        readme = f.read()
    t.check("Not checked" in readme and "cl2000" in readme and "board_c28x.c" in readme,
            "the README says what needs TI's compiler and what was checked")
    tsrcs = [x for x in glob.glob(os.path.join(tproj, "*.c")) if not x.endswith("board_c28x.c")]
    assert_c = os.path.join(work, "c28x_assert.c")
    with open(assert_c, "w") as f:
        f.write("#include <stdint.h>\n_Static_assert(sizeof(int8_t) == 2 && sizeof(uint8_t) == 2,"
                " \"int8 storage is 16 bits\");\n")
    texe = os.path.join(work, "ti-runner-host")
    if compile_c(CFLAGS + ["-DQE_EMULATE_C28X_INT8", "-include",
                           os.path.join(tproj, "qe_c28x_int8.h"), "-I" + tproj, "-I" + SHIM] +
                 tsrcs + [assert_c, os.path.join(SHIM, "c28x_shim.c"), shim_pty_object(work),
                          "-o", texe],
                 "the CCS project's sources with int8 storage emulated as 16-bit words", t):
        with Runner(texe) as r:
            t.check(r.pty is not None, "the host-built C28x-storage runner serves a pty")
            if r.pty:
                validate(t, qz, cnn, ti, r.pty, npz, "TI project (int8 in 16-bit words) on the host")
    # 16-bit int: the kernels, the model and the runner for a 16-bit-int target.
    probe = subprocess.run(["clang", "--target=msp430", "-ffreestanding", "-fsyntax-only", "-x", "c",
                            "/dev/null"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if probe.returncode != 0:
        t.check(False, "clang with the msp430 target (Debian clang) is installed")
    else:
        inc = os.path.join(work, "msp430-inc")
        os.makedirs(inc, exist_ok=True)
        with open(os.path.join(inc, "string.h"), "w") as f:
            f.write("#include <stddef.h>\nvoid *memcpy(void *, const void *, size_t);\n"
                    "void *memmove(void *, const void *, size_t);\n"
                    "void *memset(void *, int, size_t);\nsize_t strlen(const char *);\n")
        bad = []
        for src in sorted(tsrcs):
            p = subprocess.run(["clang", "--target=msp430", "-ffreestanding", "-fsyntax-only",
                                "-std=c99", "-Wall", "-Wextra", "-Wshift-overflow",
                                "-Wshift-sign-overflow", "-Wshift-count-overflow",
                                "-Winteger-overflow", "-Wconstant-conversion", "-Werror",
                                "-Wno-unused-parameter", "-include", os.path.join(tproj, "qr_build.h"),
                                "-I" + inc, "-I" + tproj, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                bad.append(p.stdout.decode(errors="replace")[:1500])
        t.check(not bad, "kernels, model and runner have no 16-bit-int shift or overflow (clang "
                "--target=msp430)%s" % ("" if not bad else ":\n" + "\n".join(bad) +
                                        "\n(write constants of 2^15 and more as INT32_C(1) << n)"))
    t.done()


main()
