#!/usr/bin/python3
"""The qz(1) manual page (made at build time from the tool's help by
src/cli/qz-man.py): groff renders it without a warning, and it documents
every command `qz --help` lists and every option of every command.

    test_man_page.py QZ QZ.1
"""
import re
import subprocess
import sys

QZ, PAGE = sys.argv[1], sys.argv[2]
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg)


def main():
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww"], stdin=open(PAGE), capture_output=True)
    check(r.returncode == 0 and not r.stderr, "groff: %s" % r.stderr.decode(errors="replace"))
    text = re.sub(r".\x08", "", r.stdout.decode("utf-8", errors="replace"))
    text = re.sub(r"\u2010\n\s*", "", text)  # words hyphenated at line ends
    top = subprocess.run([QZ, "--help"], capture_output=True, text=True).stdout
    commands = re.findall(r"^  (\w+)\s{2,}", top.split("Commands:")[1].split("Options:")[0], re.M)
    check(len(commands) >= 9, "commands in qz --help: %s" % commands)
    for c in commands:
        check("QZ " + c.upper() in text, "no section for qz %s" % c)
        h = subprocess.run([QZ, c, "--help"], capture_output=True, text=True)
        check(h.returncode == 0, "qz %s --help: exit %d" % (c, h.returncode))
        opts = re.findall(r"^\s+(?:-\w, )?(--[\w-]+)", h.stdout.split("Application Options:")[-1],
                          re.M)
        check(opts or c in ("boards",), "qz %s --help lists no option" % c)
        for o in opts:
            check(o in text, "qz %s %s is not in the manual page" % (c, o))
    print("%d commands, %d failure(s)" % (len(commands), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
