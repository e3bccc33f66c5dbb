#!/usr/bin/python3
# Check that po/LANG.po is complete: it compiles cleanly (msgfmt --check),
# has no fuzzy or untranslated message, and translates every string the
# sources have today (a fresh template from POTFILES.in, compared with
# msgcmp), so a new string without its translation fails the suite.
#
# Usage: check-translation.py SOURCE_ROOT LANG
import os
import subprocess
import sys
import tempfile

root, lang = sys.argv[1], sys.argv[2]
po = os.path.join(root, "po", f"{lang}.po")
problems = []


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


r = run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po])
print(r.stderr.strip())
if r.returncode != 0:
    problems.append(f"msgfmt --check failed for {po}")
if "fuzzy" in r.stderr or "untranslated" in r.stderr:
    problems.append(f"{po} has fuzzy or untranslated messages: {r.stderr.strip()}")

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "fresh.pot")
    # The same keywords as meson's 'glib' preset of i18n.gettext().
    args = ["xgettext", "--from-code=UTF-8", "--add-comments", "--keyword=_", "--keyword=N_",
            "--keyword=C_:1c,2", "--keyword=NC_:1c,2", "--keyword=g_dcgettext:2",
            "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
            "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format",
            "--flag=NC_:2:pass-c-format", "--flag=g_dngettext:2:pass-c-format",
            "--flag=g_strdup_printf:1:c-format", "--flag=g_string_printf:2:c-format",
            "--flag=g_string_append_printf:2:c-format", "--flag=g_error_new:3:c-format",
            "--flag=g_set_error:4:c-format", "--flag=g_markup_printf_escaped:1:c-format",
            "--flag=g_log:3:c-format", "--flag=g_print:1:c-format",
            "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
            "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format",
            "--flag=g_snprintf:3:c-format",
            "--directory", root, "--files-from", os.path.join(root, "po", "POTFILES.in"),
            "-o", pot]
    r = run(args)
    if r.returncode != 0:
        problems.append("xgettext failed: " + r.stderr.strip())
    else:
        r = run(["msgcmp", po, pot])
        if r.returncode != 0:
            problems.append(f"{po} lacks translations of current strings "
                            f"(run `ninja -C BUILD quantizer-update-po` and translate):\n"
                            + r.stderr.strip())

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
