#!/usr/bin/python3
# Check po/POTFILES.in: sorted, no duplicates, every listed file exists, and
# every file of the app with a translatable string is listed.
#
# Usage: check-potfiles.py SOURCE_ROOT
import os
import re
import sys

root = sys.argv[1]
potfiles = os.path.join(root, "po", "POTFILES.in")

C_MARK = re.compile(r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|ngettext)\s*\(")
UI_MARK = re.compile(r'translatable="yes"')
# Files whose strings are merged by i18n.merge_file or translated by GLib.
MERGED = (".desktop.in.in", ".desktop.in", ".metainfo.xml.in.in", ".metainfo.xml.in",
          ".gschema.xml")
SCAN_DIRS = ("src", "ui", "data")
SKIP_DIRS = ("data/example",)

listed = []
with open(potfiles, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            listed.append(line)

problems = []
if listed != sorted(listed):
    for a, b in zip(listed, sorted(listed)):
        if a != b:
            problems.append(f"POTFILES.in is not sorted: '{a}' is where '{b}' belongs")
            break
dupes = sorted({p for p in listed if listed.count(p) > 1})
for d in dupes:
    problems.append(f"POTFILES.in lists '{d}' more than once")
for p in listed:
    if not os.path.isfile(os.path.join(root, p)):
        problems.append(f"POTFILES.in lists '{p}', which does not exist")


def needs_translation(rel):
    path = os.path.join(root, rel)
    if rel.endswith(MERGED):
        return True
    if rel.endswith((".c", ".h")):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        # Ignore the markers inside comments.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"//[^\n]*", "", text)
        return C_MARK.search(text) is not None
    if rel.endswith(".ui"):
        with open(path, encoding="utf-8", errors="replace") as f:
            return UI_MARK.search(f.read()) is not None
    return False


found = []
for top in SCAN_DIRS:
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames
                             if os.path.join(rel_dir, d) not in SKIP_DIRS)
        for name in sorted(filenames):
            rel = os.path.join(rel_dir, name)
            if needs_translation(rel):
                found.append(rel)

for rel in found:
    if rel not in listed:
        problems.append(f"{rel} has translatable strings but is missing from po/POTFILES.in")

for p in problems:
    print(p)
print(f"{len(listed)} files listed, {len(found)} files with translatable strings found")
sys.exit(1 if problems else 0)
