#!/usr/bin/python3
# Check the flatpak manifest as far as this machine can: it parses, it has
# the keys flatpak-builder needs, it builds this app on the GNOME runtime
# with the modules the runtime lacks, every downloaded source is pinned by
# its sha256, and the sandbox can reach serial ports. When flatpak-builder
# is installed, its own parser reads the manifest too.
#
# Usage: check-manifest.py MANIFEST.json
import json
import os
import re
import shutil
import subprocess
import sys

path = sys.argv[1]
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


with open(path, encoding="utf-8") as f:
    m = json.load(f)

app_id = m.get("id") or m.get("app-id")
need(app_id == "io.github.quantizer.Quantizer", f"id is {app_id!r}, not the app id")
need(m.get("runtime") == "org.gnome.Platform", "the runtime is not org.gnome.Platform")
need(m.get("sdk") == "org.gnome.Sdk", "the sdk is not org.gnome.Sdk")
# GNOME 43 and 44 carry GTK 4.8+/libadwaita 1.2+ (newer ones too, but the
# pins of the build are for these).
need(str(m.get("runtime-version")) in ("43", "44"), "runtime-version is not 43 or 44")
need(m.get("command") == "quantizer", "command is not quantizer")

args = m.get("finish-args", [])
need("--device=all" in args, "no --device=all: serial ports of boards are unreachable")
need("--socket=wayland" in args, "no Wayland socket")
need("--socket=fallback-x11" in args, "no fallback X11 socket")
need(not any(a.startswith("--filesystem=host") for a in args),
     "--filesystem=host: files must come through the portals")

modules = m.get("modules", [])
names = [mod.get("name") for mod in modules if isinstance(mod, dict)]
need(len(names) == len(set(names)), "module names are not unique")
for lib in ("protobuf-c", "libserialport", "soxr", "fftw3f"):
    need(lib in names, f"no module for {lib}, which the GNOME runtime lacks")
need(names and names[-1] == "quantizer", "the last module is not quantizer")
for mod in modules:
    if not isinstance(mod, dict):
        continue
    need(mod.get("buildsystem") in ("meson", "autotools", "cmake", "cmake-ninja", "simple"),
         f"module {mod.get('name')}: unknown buildsystem {mod.get('buildsystem')!r}")
    need(bool(mod.get("sources")), f"module {mod.get('name')} has no sources")
    for src in mod.get("sources", []):
        if src.get("type") in ("archive", "file"):
            need(re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")) is not None,
                 f"module {mod.get('name')}: {src.get('url')} is not pinned by sha256")
            need(src.get("url", "").startswith("https://"),
                 f"module {mod.get('name')}: {src.get('url')} is not https")
        elif src.get("type") == "dir":
            d = os.path.normpath(os.path.join(os.path.dirname(path), src["path"]))
            need(os.path.isfile(os.path.join(d, "meson.build")),
                 f"module {mod.get('name')}: {d} has no meson.build")
app = modules[-1] if modules else {}
need(app.get("buildsystem") == "meson", "quantizer is not built with meson")

fb = shutil.which("flatpak-builder")
if fb:
    r = subprocess.run([fb, "--show-manifest", path], capture_output=True, text=True)
    need(r.returncode == 0, "flatpak-builder --show-manifest failed: " + r.stderr.strip())
    print("flatpak-builder --show-manifest: ok" if r.returncode == 0 else r.stderr)
else:
    print("flatpak-builder is not installed: checked the manifest's structure only")

for p in problems:
    print(p)
print(f"{len(modules)} modules, {len(problems)} problems")
sys.exit(1 if problems else 0)
