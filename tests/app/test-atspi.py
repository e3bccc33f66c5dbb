#!/usr/bin/python3
# test-atspi.py - drive the running app as a person with assistive
# technology would: through AT-SPI, by accessible names, with real key
# presses sent through the X server.
#
# Copyright 2026 The Quantizer developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (tests/app/meson.build runs it in its own dbus-run-session, under
# the X server of xvfb-run):
#   test-atspi.py PATH/TO/quantizer
import os
import subprocess
import sys
import time

if not os.environ.get("DISPLAY"):
    print("no display: skipping (run under xvfb-run)")
    sys.exit(77)

quantizer = sys.argv[1]

# The accessibility bus of this session, started as a desktop would.
bus = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)

import gi  # noqa: E402

gi.require_version("Gio", "2.0")
from gi.repository import Gio  # noqa: E402

# dogtail checks this key before it agrees to run (the memory backend of
# this process is what it reads).
Gio.Settings.new("org.gnome.desktop.interface").set_boolean("toolkit-accessibility", True)

from dogtail import rawinput  # noqa: E402
from dogtail.config import config  # noqa: E402
from dogtail.tree import root, SearchError  # noqa: E402
from dogtail.predicate import GenericPredicate  # noqa: E402

config.searchCutoffCount = 20
config.searchBackoffDuration = 0.25
config.actionDelay = 0.2
config.defaultDelay = 0.2
config.logDebugToFile = False
config.logDebugToStdOut = False

env = dict(os.environ)
env.pop("GTK_A11Y", None)
env.pop("NO_AT_BRIDGE", None)
app_proc = subprocess.Popen([quantizer], env=env)

STEPS = ["Model", "Data", "Preprocessing", "Quantizer", "Board", "Run", "Compare", "Deploy"]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def find(node, name=None, role=None):
    """Descendants of @node called @name (a string, or a predicate on the
    name) with role @role."""
    pred = GenericPredicate(roleName=role)
    found = []
    for n in node.findChildren(pred):
        try:
            nm = n.name
        except Exception:
            continue
        if name is None or (name(nm) if callable(name) else nm == name):
            found.append(n)
    return found


def wait_for(fn, what, timeout=10.0):
    end = time.time() + timeout
    v = None
    while time.time() < end:
        try:
            v = fn()
        except Exception:
            v = None
        if v:
            check(True, what)
            return v
        time.sleep(0.25)
    check(False, what)
    return None


def step_label(window):
    """The text under the step's name in the header, e.g. "Step 2 of 8"."""
    labels = find(window, lambda n: n.startswith("Step ") and " of " in n, "label")
    return labels[0].name if len(labels) == 1 else None


try:
    app = wait_for(lambda: root.application("quantizer"), "the app shows up on the AT-SPI bus", 30)
    if app is None:
        raise SystemExit(1)
    window = wait_for(lambda: [w for w in app.children if w.roleName == "frame"],
                      "the window is on the bus")[0]
    check(window.name == "Quantizer", f"the window is called 'Quantizer' ('{window.name}')")
    wait_for(lambda: find(window, "Welcome to Quantizer", "label"), "the start page greets")
    wait_for(lambda: find(window, "Open the Example Project", "list item"),
             "the start page offers the example project")

    # Real key presses through the X server: Ctrl+N starts a new project.
    x, y = window.position
    w, h = window.size
    rawinput.absoluteMotion(x + w // 2, y + 20)
    rawinput.keyCombo("<Control>n")
    wait_for(lambda: window.name == "New Project — Quantizer",
             "Ctrl+N starts a new project (the window title says so)")

    # Click "Next" through the steps, by its accessible name.
    for i, step in enumerate(STEPS):
        label = f"Step {i + 1} of {len(STEPS)}"
        wait_for(lambda: step_label(window) == label, f"the header says '{label}' on {step}")
        check(bool(find(window, step, "label")), f"the header names the step '{step}'")
        check(bool(find(window, step, "panel")), f"the {step} page has the accessible name '{step}'")
        if i + 1 < len(STEPS):
            buttons = find(window, "Next", "push button")
            check(len(buttons) == 1 and buttons[0].sensitive, f"one 'Next' button can be pressed on {step}")
            if len(buttons) != 1:
                print("  buttons:", [b.name for b in find(window, None, "push button")])
            if not buttons:
                break
            buttons[0].doActionNamed("click")
    buttons = find(window, "Next", "push button")
    check(len(buttons) == 1 and not buttons[0].sensitive, "'Next' cannot be pressed on the last step")

    # Real keys again: Alt+Left goes back one step, Alt+1 to the first.
    rawinput.keyCombo("<Alt>Left")
    wait_for(lambda: step_label(window) == f"Step {len(STEPS) - 1} of {len(STEPS)}",
             "Alt+Left goes back one step")
    rawinput.keyCombo("<Alt>1")
    wait_for(lambda: step_label(window) == f"Step 1 of {len(STEPS)}", "Alt+1 shows step 1")

    # Every step is listed in the sidebar under a name that says its state.
    for i, step in enumerate(STEPS):
        wait_for(lambda: find(window, lambda n: n.startswith(f"Step {i + 1}: {step}"), "list item"),
                 f"the list of steps has 'Step {i + 1}: {step}'")
    wait_for(lambda: find(window, "History", "list item"), "the list of steps has 'History'")
finally:
    app_proc.terminate()
    try:
        app_proc.wait(10)
    except subprocess.TimeoutExpired:
        app_proc.kill()
    bus.terminate()
    bus.wait()

if failures:
    print(f"{len(failures)} checks failed")
    sys.exit(1)
print("all checks passed")
