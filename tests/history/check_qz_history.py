#!/usr/bin/python3
# check_qz_history.py - `qz history` on a history written by history-writer
# (three finished runs and one killed with SIGKILL): listing (text and
# --json), show, config, delete, exit codes and one-line errors.
# Usage: check_qz_history.py QZ HISTORY_WRITER WORKDIR
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import signal
import subprocess
import sys

qz, writer, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
db = os.path.join(work, "history.db")
problems = []


def expect(cond, what):
    if not cond:
        problems.append(what)


def qz_run(*args, env=None):
    return subprocess.run([qz, "history", *args], capture_output=True, text=True, env=env)


# Three finished runs, a fourth killed while running.
p = subprocess.Popen([writer, db, "3", "begin"], stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()
expect(line.startswith("RUNNING 4"), f"writer said {line!r}")
p.send_signal(signal.SIGKILL)
p.wait()

r = qz_run("--json", "--db", db)
expect(r.returncode == 0, f"list --json exit {r.returncode}: {r.stderr}")
doc = json.loads(r.stdout)
runs = doc["runs"]
expect([x["id"] for x in runs] == [4, 3, 2, 1], "runs newest first")
expect(runs[0]["status"] == "interrupted", "the killed run is interrupted")
expect(all(x["status"] == "finished" for x in runs[1:]), "earlier runs finished")
expect(runs[1]["quantized_bytes"] == 498000 and runs[1]["project"] == "flowers", "run fields")
expect(r.stderr == "", "--json keeps stderr quiet")

r = qz_run("--db", db)
expect(r.returncode == 0 and "interrupted" in r.stdout and "flowers" in r.stdout, "text list")
expect(r.stdout.splitlines()[0].split()[:3] == ["ID", "STATUS", "STARTED"], "table header")

r = qz_run("show", "2", "--json", "--db", db)
d = json.loads(r.stdout)
expect(d["id"] == 2 and d["metrics"]["float"]["latency_ms"] == 4.25, "show --json metrics")
expect(d["metrics"]["run"]["size.arena_bytes"] == 196608, "show --json run metrics")
expect(len(d["per_class"]) == 10 and len(d["layers"]) == 24, "show --json classes, layers")
expect(d["datasets"][0]["fingerprint"] == "fnv1a64:0123456789abcdef:5", "show --json data")
r = qz_run("show", "2", "--db", db)
expect(r.returncode == 0 and "Run 2 (finished)" in r.stdout and "tulips" in r.stdout, "show")

r = qz_run("config", "1", "--db", db)
expect(r.returncode == 0 and r.stdout == "operation_mode: chain_eqe\n", "config prints the YAML")

r = qz_run("delete", "4", "--db", db)
expect(r.returncode == 0 and "Run 4 deleted" in r.stdout, "delete")
r = qz_run("delete", "4", "--db", db)
expect(r.returncode == 1 and r.stderr == "qz history: run 4 is not in the history\n",
       f"delete again: {r.returncode} {r.stderr!r}")

# Usage errors exit 2; user errors exit 1 with one line.
for args in (["show"], ["show", "x"], ["frobnicate", "1"], ["show", "1", "2"], ["--bogus"]):
    r = qz_run(*args, "--db", db)
    expect(r.returncode == 2, f"{args}: exit {r.returncode}")
bad = os.path.join(work, "notes.db")
with open(bad, "w") as f:
    f.write("my notes\n" * 1000)
before = open(bad, "rb").read()
r = qz_run("--db", bad)
expect(r.returncode == 1 and r.stderr.count("\n") == 1 and "not a run history" in r.stderr,
       f"bad db: {r.returncode} {r.stderr!r}")
expect(open(bad, "rb").read() == before, "bad db untouched")

# No history yet: an empty list, and nothing is created.
env = dict(os.environ, XDG_DATA_HOME=os.path.join(work, "xdg"))
r = qz_run("--json", env=env)
expect(r.returncode == 0 and json.loads(r.stdout)["runs"] == [], "empty history")
expect(not os.path.exists(os.path.join(work, "xdg", "quantizer")), "listing creates nothing")
r = qz_run("show", "1", env=env)
expect(r.returncode == 1 and "there is no run history here yet" in r.stderr, "show without db")

for p in problems:
    print("FAIL:", p)
print(f"qz history: {len(problems)} problems")
sys.exit(1 if problems else 0)
