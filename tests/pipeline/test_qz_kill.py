#!/usr/bin/python3
"""qz run killed: SIGKILL in the middle of calibration leaves the history
readable, the earlier runs intact and the killed run marked as not finished
('interrupted'), and no output folder; its hidden staging folder is removed
by the next run. SIGKILL while the report is written leaves either no
output folder or a complete one. Ctrl+C (SIGINT) cancels: exit 1, the run
recorded as 'cancelled', nothing written.

    test_qz_kill.py QZ WORKDIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

QZ = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2])
SRC = os.environ["QZ_SOURCE_ROOT"]
CONFIGS = os.path.join(SRC, "tests", "pipeline", "configs")
ENV = dict(os.environ, XDG_DATA_HOME=os.path.join(WORK, "xdg"), LC_ALL="C")
RUNS = os.path.join(WORK, "runs")
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg, flush=True)
    return cond


def history():
    p = subprocess.run([QZ, "history", "--json"], capture_output=True, text=True, env=ENV)
    check(p.returncode == 0, "qz history after a kill: exit %d: %s" % (p.returncode, p.stderr))
    return {r["id"]: r for r in json.loads(p.stdout)["runs"]} if p.returncode == 0 else {}


def start(out, *overrides):
    """qz run of the flowers seed calibrating on all 150 images (slow enough
    to be caught), its progress lines on a pipe."""
    args = [QZ, "run", "--config-name", "flowers_quantization.yaml", "--latency-runs", "3",
            "hydra.run.dir=" + out, "dataset.quantization_split=1.0",
            "operation_mode=chain_eqe"] + list(overrides)
    return subprocess.Popen(args, cwd=CONFIGS, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def wait_for(p, phase, timeout=120):
    """Read the plain progress lines until @phase starts."""
    t0 = time.time()
    seen = []
    for line in p.stderr:
        seen.append(line.rstrip())
        if line.startswith(phase + "..."):
            return True, seen
        if time.time() - t0 > timeout:
            break
    return False, seen


def partials():
    return [e for e in os.listdir(RUNS) if ".partial." in e]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(RUNS)

    # a finished run first
    done = os.path.join(RUNS, "done")
    p = subprocess.run([QZ, "run", "-q", "--config-name", "afd_quantization.yaml",
                        "--latency-runs", "3", "hydra.run.dir=" + done], cwd=CONFIGS, env=ENV,
                       capture_output=True, text=True)
    if not check(p.returncode == 0, "the first run: %s" % p.stderr):
        return 1
    before = history()
    check(len(before) == 1, "one run in the history")
    first = list(before.values())[0]
    report = json.load(open(os.path.join(done, "report.json")))

    # SIGKILL in the middle of calibration
    killed = os.path.join(RUNS, "killed")
    p = start(killed)
    ok, seen = wait_for(p, "calibrating")
    check(ok, "no 'calibrating' phase seen: %s" % seen)
    time.sleep(0.2)
    check(p.poll() is None, "qz run ended before it could be killed")
    p.kill()
    p.wait()
    p.stdout.close()
    p.stderr.close()
    check(p.returncode == -signal.SIGKILL, "killed: %s" % p.returncode)
    after = history()
    check(len(after) == 2, "two runs: %s" % list(after))
    check(after.get(first["id"]) == first, "the earlier run is intact")
    new = [r for i, r in after.items() if i != first["id"]]
    if check(len(new) == 1, "the killed run is listed"):
        check(new[0]["status"] == "interrupted",
              "the killed run is marked %s, not finished" % new[0]["status"])
        check(new[0]["finished"] is None or new[0]["status"] != "finished", "not finished")
    check(not os.path.exists(killed), "the killed run left its output folder")
    check(json.load(open(os.path.join(done, "report.json"))) == report, "earlier outputs intact")

    # the next run removes the dead run's staging folder
    again = os.path.join(RUNS, "again")
    p = subprocess.run([QZ, "run", "-q", "--config-name", "afd_quantization.yaml",
                        "--latency-runs", "3", "hydra.run.dir=" + again], cwd=CONFIGS, env=ENV,
                       capture_output=True, text=True)
    check(p.returncode == 0, "a run after the kill: %s" % p.stderr)
    check(not partials(), "staging folders left: %s" % partials())

    # SIGKILL while the report is written: all or nothing
    late = os.path.join(RUNS, "late")
    p = start(late)
    ok, seen = wait_for(p, "writing report")
    check(ok, "no 'writing report' phase seen: %s" % seen[-5:])
    p.kill()
    p.wait()
    p.stdout.close()
    p.stderr.close()
    if os.path.exists(late):
        with open(os.path.join(late, "report.json")) as f:
            check(json.load(f)["status"] == "finished", "a complete output folder")
        for name in ("logs/run.log", "report.html", "quantized_models/model_quantized.tflite"):
            check(os.path.isfile(os.path.join(late, name)), "complete output folder: %s" % name)
    statuses = sorted(r["status"] for r in history().values())
    check(statuses.count("interrupted") + statuses.count("finished") == len(statuses),
          "statuses after the late kill: %s" % statuses)

    # Ctrl+C cancels
    cancelled = os.path.join(RUNS, "cancelled")
    p = start(cancelled)
    ok, seen = wait_for(p, "calibrating")
    check(ok, "no 'calibrating' for SIGINT: %s" % seen)
    p.send_signal(signal.SIGINT)
    rest = p.stderr.read()
    p.wait()
    p.stdout.close()
    p.stderr.close()
    check(p.returncode == 1, "SIGINT: exit %s" % p.returncode)
    check("cancelled" in rest, "SIGINT says cancelled: %s" % rest[-300:])
    check(not os.path.exists(cancelled), "a cancelled run leaves no output folder")
    last = max(history().values(), key=lambda r: r["id"])
    check(last["status"] == "cancelled", "the cancelled run is recorded as %s" % last["status"])
    check(not partials(), "staging folders after the cancel: %s" % partials())

    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
