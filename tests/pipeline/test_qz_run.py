#!/usr/bin/python3
"""qz run on the three seed configurations of ../shared/seeds/ (image
classification on flowers, audio event detection on ESC-10, arc fault
detection) and the Tensorlab example, recreated in tests/pipeline/configs/
with only their paths changed (each file says what and why), run from that
folder as the model zoo runs from src/, with hydra.run.dir overridden into
the build folder.

Checks: the output folder's layout, report.json's DESIGN.md fields, that
the exported models load again and give the same accuracy (qz evaluate),
that qz evaluate on a configuration's data gives the float accuracy qz run
reports (one code path), the history rows, --json, --rerun, the other
operation modes (evaluation, benchmarking of the int8 model, ONNX QDQ
export) and bad input: YAML syntax errors, wrong types, missing paths,
contradictory settings, QAT -> exit 1 with one line naming file:line:col;
an unreadable history is refused and left as it was.

    test_qz_run.py QZ WORKDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

QZ = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2])
SRC = os.environ["QZ_SOURCE_ROOT"]
CONFIGS = os.path.join(SRC, "tests", "pipeline", "configs")
MODELS = os.path.join(SRC, "tests", "models")
ENV = dict(os.environ, XDG_DATA_HOME=os.path.join(WORK, "xdg"), LC_ALL="C")
failures = 0


def check(cond, msg):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", msg, flush=True)
    return cond


def qz(*args, cwd=CONFIGS, env=None):
    p = subprocess.run([QZ] + list(args), capture_output=True, text=True, cwd=cwd,
                       env=env or ENV)
    return p.returncode, p.stdout, p.stderr


def run(name, *overrides, out=None, json_out=False, cwd=CONFIGS):
    out = out or os.path.join(WORK, "runs", name)
    args = ["run", "--config-path", ".", "--config-name", name + ".yaml",
            "--latency-runs", "3", "hydra.run.dir=" + out] + list(overrides)
    if json_out:
        args.insert(1, "--json")
    rc, so, se = qz(*args, cwd=cwd)
    return rc, so, se, out


def report_of(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def history():
    rc, so, se = qz("history", "--json")
    check(rc == 0, "qz history --json: exit %d: %s" % (rc, se))
    return json.loads(so)["runs"] if rc == 0 else []


def check_layout(out, what, fmt="tflite", plots=True):
    files = ["report.json", ".hydra/config.yaml", ".hydra/overrides.yaml", "logs/run.log",
             "quantized_models/model_quantized." + fmt]
    if plots:
        files += ["report.html", "report.pdf", "plots/sqnr.png", "plots/memory.png"]
    for f in files:
        check(os.path.isfile(os.path.join(out, f)), "%s: %s missing" % (what, f))
    parent = os.path.dirname(out)
    left = [e for e in os.listdir(parent) if ".partial." in e]
    check(not left, "%s: staging folders left: %s" % (what, left))


def check_report_fields(r, what, evaluated=True):
    """The report.json fields DESIGN.md names."""
    for k in ("path", "format", "params", "macs"):
        check(k in r["model"], "%s: model.%s" % (what, k))
    check(r["model"]["params"] > 0 and r["model"]["macs"] > 0, "%s: params/macs" % what)
    for k in ("float_bytes", "quantized_bytes", "weights_bytes", "arena_bytes"):
        check(isinstance(r["size"].get(k), int) and r["size"][k] > 0, "%s: size.%s" % (what, k))
    check(r["layers"] and all(set(l) >= {"name", "op", "sqnr_db"} for l in r["layers"]),
          "%s: layers" % what)
    check(isinstance(r["config"], dict) and "quantization" in r["config"], "%s: config" % what)
    if not evaluated:
        return
    for m in ("float", "quantized"):
        e = r[m]
        for k in ("accuracy", "per_class", "confusion", "latency_ms"):
            check(k in e, "%s: %s.%s" % (what, m, k))
        n = len(r["classes"])
        check(len(e["per_class"]) == n and len(e["confusion"]) == n, "%s: %s classes" % (what, m))
        for name, c in e["per_class"].items():
            check(set(c) >= {"precision", "recall", "f1", "support"}, "%s: per_class" % what)
        # the confusion matrix's rows add up to the supports
        for i, name in enumerate(r["classes"]):
            check(sum(e["confusion"][i]) == e["per_class"][name]["support"],
                  "%s: %s confusion row %s" % (what, m, name))
        check(sum(map(sum, e["confusion"])) == e["samples"], "%s: %s samples" % (what, m))
        diag = sum(e["confusion"][i][i] for i in range(n))
        check(abs(diag / e["samples"] - e["accuracy"]) < 1e-12, "%s: %s accuracy" % (what, m))
        check(e["latency_ms"] and e["latency_ms"] > 0, "%s: %s latency" % (what, m))
    oe = r["output_error"]
    check(oe is not None and all(k in oe for k in ("rmse", "mae", "l2r", "cos", "nse")),
          "%s: output_error" % what)


def evaluate(model, data, *extra):
    rc, so, se = qz("evaluate", model, "--data", data, "--json", "--latency-runs", "1", *extra)
    if not check(rc == 0, "qz evaluate %s --data %s: exit %d: %s" % (model, data, rc, se)):
        return None
    return json.loads(so)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    manifest = json.load(open(os.path.join(MODELS, "manifest.json")))
    runs = {}

    # -- image classification (seed 001): as written (quantization) ---------
    rc, so, se, out = run("flowers_quantization", out=os.path.join(WORK, "runs", "flowers_q"))
    if check(rc == 0, "flowers quantization: exit %d: %s" % (rc, se)):
        check_layout(out, "flowers quantization", plots=False)
        r = report_of(out)
        check(r["mode"] == "quantization", "flowers: mode")
        check(r["float"] is None or r["float"]["accuracy"] is None,
              "flowers quantization evaluates nothing")
        q = r["quantizer"]["quantization"]
        check(q["input_type"] == "uint8" and q["output_type"] == "float",
              "flowers: uint8 input, float output: %s %s" % (q["input_type"], q["output_type"]))
        check(q["calibration"]["samples"] == 60, "flowers: quantization_split 0.4 of 150 = 60 "
              "calibration images, got %s" % q["calibration"]["samples"])
        check(any("extra_options" in w for w in r["warnings"]),
              "flowers: the extra_options warning is in the report")
        rc, so, se = qz("info", r["model"]["quantized_path"], "--json")
        check(rc == 0, "qz info on the exported .tflite: %s" % se)
        runs["flowers_q"] = r

    # -- image classification, chained (the guide's chain_eqe) ---------------
    rc, so, se, out = run("flowers_quantization", "operation_mode=chain_eqe",
                          out=os.path.join(WORK, "runs", "flowers_eqe"))
    if check(rc == 0, "flowers chain_eqe: exit %d: %s" % (rc, se)):
        check_layout(out, "flowers chain_eqe")
        check(os.path.isfile(os.path.join(out, "plots", "confusion.png")), "confusion plot")
        r = report_of(out)
        check_report_fields(r, "flowers")
        fa, qa = r["float"]["accuracy"], r["quantized"]["accuracy"]
        print("flowers: float %.4f, int8 %.4f on %d images" % (fa, qa, r["float"]["samples"]))
        check(r["float"]["samples"] == 100, "flowers: 100 test images")
        check(fa >= 0.8, "flowers: float accuracy %.3f" % fa)
        check(abs(fa - qa) <= 0.05, "flowers: int8 %.3f vs float %.3f" % (qa, fa))
        # qz evaluate on the same configuration's data: the same code path
        e = evaluate(os.path.join(MODELS, "mobilenetv2_tiny.onnx"),
                     os.path.join(CONFIGS, "flowers_quantization.yaml"))
        if e:
            check(e["float"]["accuracy"] == fa and e["float"]["confusion"] == r["float"]["confusion"],
                  "qz evaluate on the config: %s vs qz run %s" % (e["float"]["accuracy"], fa))
        # the exported int8 model, read back from its file
        e = evaluate(r["model"]["quantized_path"], os.path.join(CONFIGS, "flowers_quantization.yaml"))
        if e:
            check(e["float"] is None or e["float"]["accuracy"] is None, "an int8 model is quantized")
            check(e["quantized"]["accuracy"] == qa and
                  e["quantized"]["confusion"] == r["quantized"]["confusion"],
                  "the exported .tflite gives %s, the run %s" % (e["quantized"]["accuracy"], qa))
        runs["flowers_eqe"] = r

    # -- arc fault detection (seed 000) --------------------------------------
    rc, so, se, out = run("afd_quantization", "operation_mode=chain_eqe", json_out=True,
                          out=os.path.join(WORK, "runs", "afd_eqe"))
    if check(rc == 0, "afd chain_eqe: exit %d: %s" % (rc, se)):
        check_layout(out, "afd")
        r = report_of(out)
        check(json.loads(so) == r, "qz run --json prints report.json")
        check_report_fields(r, "afd")
        fa, qa = r["float"]["accuracy"], r["quantized"]["accuracy"]
        print("afd: float %.4f, int8 %.4f on %d rows" % (fa, qa, r["float"]["samples"]))
        want = manifest["conv1d_series"]["float_accuracy_seeds_csv_test"]
        check(abs(fa - want) < 1e-9, "afd: float %.4f, the models' manifest says %.4f" % (fa, want))
        check(qa >= 0.85, "afd: int8 accuracy %.3f" % qa)
        check(r["classes"] == ["normal", "arc"], "afd classes %s" % r["classes"])
        runs["afd"] = r

        # evaluation mode on the exported model, and benchmarking on a board
        tfl = r["model"]["quantized_path"]
        rc, so, se, out2 = run("afd_quantization", "operation_mode=evaluation",
                               "model.model_path=" + tfl,
                               out=os.path.join(WORK, "runs", "afd_eval_int8"))
        if check(rc == 0, "afd evaluation of the int8 model: %s" % se):
            r2 = report_of(out2)
            check(r2["quantized"]["accuracy"] == qa, "afd evaluation mode on the .tflite: %s vs %s"
                  % (r2["quantized"]["accuracy"], qa))
            check(not os.path.exists(os.path.join(out2, "quantized_models")),
                  "evaluation exports nothing")
        rc, so, se, out3 = run("afd_quantization", "operation_mode=benchmarking",
                               "model.model_path=" + tfl, "quantization.board=nucleo-f446re",
                               out=os.path.join(WORK, "runs", "afd_bench"))
        if check(rc == 0, "afd benchmarking: %s" % se):
            r3 = report_of(out3)
            b = r3["board"]
            check(b and b["id"] == "nucleo-f446re" and b["latency_source"] == "estimate" and
                  b["latency_ms"] > 0 and b["fits_flash"] and b["fits_ram"],
                  "benchmarking: board estimate %s" % b)
            check(r3["board_check"]["deployable"], "benchmarking: deployable")
            check(r3["quantized"]["latency_ms"] > 0 and r3["quantized"]["accuracy"] is None,
                  "benchmarking measures latency, not accuracy")

        # chain_qb: quantize, then sizes and latency on a board (no data is evaluated)
        rc, so, se, out5 = run("afd_quantization", "operation_mode=chain_qb",
                               "quantization.board=nucleo-f446re",
                               out=os.path.join(WORK, "runs", "afd_qb"))
        if check(rc == 0, "afd chain_qb: %s" % se):
            r5 = report_of(out5)
            names = [ph["name"] for ph in r5["phases"]]
            check("evaluating float model" not in names and "measuring latency" in names and
                  "calibrating" in names, "chain_qb phases: %s" % names)
            check(r5["board"]["latency_ms"] > 0 and r5["quantized"]["accuracy"] is None,
                  "chain_qb: a board estimate, no accuracy")
            # the C code only on request (--export-c or deployment)
            check(not os.path.exists(os.path.join(out5, "quantized_models", "c_model")),
                  "chain_qb writes no C code")

        # chain_qe: quantize, then evaluate the quantized model only (the same
        # calibration as chain_eqe, so the same int8 model and accuracy)
        rc, so, se, out6 = run("afd_quantization", "operation_mode=chain_qe",
                               out=os.path.join(WORK, "runs", "afd_qe"))
        if check(rc == 0, "afd chain_qe: exit %d: %s" % (rc, se)):
            r6 = report_of(out6)
            names = [ph["name"] for ph in r6["phases"]]
            check(r6["mode"] == "chain_qe" and "evaluating float model" not in names and
                  "evaluating quantized model" in names, "chain_qe phases: %s" % names)
            check(r6["quantized"]["accuracy"] == qa and
                  r6["quantized"]["confusion"] == r["quantized"]["confusion"],
                  "chain_qe: int8 %s, chain_eqe's %s" % (r6["quantized"]["accuracy"], qa))

        # ONNX QDQ export
        rc, so, se, out4 = run("afd_quantization", "quantization.quantizer=Onnx_quantizer",
                               "quantization.quantization_input_type=float",
                               "quantization.quantization_output_type=float",
                               out=os.path.join(WORK, "runs", "afd_onnx"))
        if check(rc == 0, "afd Onnx_quantizer: %s" % se):
            check_layout(out4, "afd onnx", fmt="onnx")
            onnx_model = os.path.join(out4, "quantized_models", "model_quantized.onnx")
            e = evaluate(onnx_model, os.path.join(CONFIGS, "afd_quantization.yaml"))
            if e:
                check(e["model"]["format"] == "onnx" and e["quantized"]["accuracy"] >= 0.85,
                      "the QDQ model evaluates: %s" % e["quantized"]["accuracy"])

    # -- chain_qd: quantize and deploy to an emulated board (qz deploy runs
    #    the runner firmware in QEMU and validates it against the host) ------
    build = os.environ.get("QZ_BUILD_ROOT", "")
    image = os.path.join(build, "targets", "runner-qemu-mps2-an386.bin")
    if shutil.which("qemu-system-arm") and (os.path.exists(image) or
                                            shutil.which("arm-none-eabi-gcc")):
        rc, so, se, out = run("afd_quantization", "operation_mode=chain_qd",
                              "quantization.board=qemu-mps2-an386",
                              out=os.path.join(WORK, "runs", "afd_qd"))
        if check(rc == 0, "afd chain_qd: exit %d: %s" % (rc, se)):
            r = report_of(out)
            check(r["board"]["latency_source"] == "measured" and r["board"]["latency_ms"] > 0,
                  "chain_qd: the latency measured on the board: %s" % r["board"])
            check(os.path.isfile(os.path.join(out, "quantized_models", "c_model", "model.c")),
                  "chain_qd: the C model is exported")
            check(not any("differ" in w for w in r["warnings"]), "chain_qd: %s" % r["warnings"])
            print("chain_qd on qemu-mps2-an386: %.3f ms measured, %.3f ms estimated" %
                  (r["board"]["latency_ms"], r["board_check"]["estimated_ms"]))
    else:
        print("chain_qd not checked: no qemu-system-arm, or neither a runner image in %s nor "
              "arm-none-eabi-gcc to build one" % image)

    # -- a float TFLite model (MediaPipe's face detector, npm peer): quantized
    #    on random data, sized and timed for a board ---------------------------
    face = os.path.join(SRC, "tests", "peers", "node_modules", "@mediapipe", "face_detection",
                        "face_detection_short_range.tflite")
    if os.path.exists(face):
        out = os.path.join(WORK, "runs", "face")
        rc, so, se, _ = run("afd_quantization", "operation_mode=chain_qb", "model.model_path=" + face,
                            "~model.input_shape", "~dataset", "~preprocessing",
                            "quantization.board=stm32n6570-dk", out=out)
        if check(rc == 0, "float TFLite chain_qb: exit %d: %s" % (rc, se)):
            r = report_of(out)
            check(r["model"]["format"] == "tflite" and r["quantizer"]["quantization"]
                  ["calibration"]["random_data"], "float TFLite: random calibration")
            check(r["board"]["latency_ms"] > 0 and r["board_check"]["deployable"],
                  "float TFLite: the board estimate")
            rc, so, se = qz("info", r["model"]["quantized_path"], "--json")
            check(rc == 0 and json.loads(so)["inputs"][0]["shape"][-1] == 3,
                  "the quantized face detector loads, NHWC kept: %s" % se)
    else:
        print("float TFLite not checked: no %s" % face)

    # -- audio event detection (seed 002) -------------------------------------
    # The model was trained on the features the seed's feature_extraction
    # gives (ln(mel + 1e-4), to_db False); the models' manifest says how many
    # of the 80 seed WAVs it gets wrong in float (from its training script).
    zoo = manifest["audio_kws_zoo"]
    missed = round((1.0 - zoo["float_accuracy_all_seed_wavs"]) * 80)
    rc, so, se, out = run("esc10_quantization", "operation_mode=chain_eqe",
                          out=os.path.join(WORK, "runs", "esc10_eqe"))
    if check(rc == 0, "esc10 chain_eqe: exit %d: %s" % (rc, se)):
        check_layout(out, "esc10")
        r = report_of(out)
        check_report_fields(r, "esc10")
        q = r["quantizer"]["quantization"]
        check(q["input_type"] == "float" and q["output_type"] == "uint8",
              "esc10: float input, uint8 output")
        check(r["classes"] == ["yes", "no", "up", "down", "left", "right", "on", "off", "stop",
                               "go"], "esc10: classes in the model's order: %s" % r["classes"])
        # 80 clips, validation_split 0.2: 2 per class are evaluated
        check(r["float"]["samples"] == 20, "esc10: %s patches" % r["float"]["samples"])
        fa, qa = r["float"]["accuracy"], r["quantized"]["accuracy"]
        # at most the manifest's misses can fall among the 20 validation clips
        check(fa >= 1.0 - missed / 20.0 - 1e-9,
              "esc10: float %.4f on the 20 validation clips; the models' manifest misses %d of "
              "all 80 (%.4f)" % (fa, missed, zoo["float_accuracy_all_seed_wavs"]))
        check(qa >= fa - 0.05 - 1e-9, "esc10: int8 %.4f vs float %.4f (more than one clip of 20 "
              "lost)" % (qa, fa))
        check(r["output_error"]["acc"] >= 0.95,
              "esc10: int8 agrees with float on %.2f of the patches" % r["output_error"]["acc"])
        print("esc10: float %.4f, int8 %.4f on %d patches" % (fa, qa, r["float"]["samples"]))
        runs["esc10"] = r

    # the same configuration evaluating all 80 WAVs (as its test set): exactly
    # the float accuracy of the models' manifest, through the engine's own
    # WAV reading, temporal preprocessing and log-mel patches
    esc = "../../seeds-data/esc_kws/"
    rc, so, se, out = run("esc10_quantization", "operation_mode=evaluation",
                          "dataset.test_audio_path=" + esc + "audio",
                          "dataset.test_csv_path=" + esc + "meta/esc50.csv",
                          out=os.path.join(WORK, "runs", "esc10_all"))
    if check(rc == 0, "esc10 evaluation of all 80 WAVs: exit %d: %s" % (rc, se)):
        r = report_of(out)
        fa = r["float"]["accuracy"]
        print("esc10: float %.4f on all %d WAVs, the models' manifest says %.4f" %
              (fa, r["float"]["samples"], zoo["float_accuracy_all_seed_wavs"]))
        check(r["float"]["samples"] == 80 and
              abs(fa - zoo["float_accuracy_all_seed_wavs"]) < 1e-9,
              "esc10: float %.4f on %d WAVs, the models' manifest says %.4f on 80" %
              (fa, r["float"]["samples"], zoo["float_accuracy_all_seed_wavs"]))

    # -- TI Tensorlab (seed 004) -------------------------------------------------
    rc, so, se, out = run("tensorlab_arc_fault", out=os.path.join(WORK, "runs", "tensorlab"))
    if check(rc == 0, "tensorlab: exit %d: %s" % (rc, se)):
        r = report_of(out)
        check(r["mode"] == "chain_eqe", "tensorlab: quantization 2 evaluates, quantizes, evaluates")
        q = r["quantizer"]["quantization"]
        check(q["power_of_two"] and q["activation_symmetric"] and q["granularity"] == "per_channel",
              "tensorlab: TI NPU style settings %s" % q)
        check(r["board"]["id"] == "launchxl-f28p55x", "tensorlab: target_device F28P55 is the "
              "LAUNCHXL-F28P55X, got %s" % r["board"]["id"])
        check(r["board"]["latency_source"] == "estimate", "tensorlab: an estimate")
        check(r["quantized"]["accuracy"] >= 0.8, "tensorlab: int8 %s" % r["quantized"]["accuracy"])
        print("tensorlab: float %.4f, int8 %.4f, board estimate %.3f ms" %
              (r["float"]["accuracy"], r["quantized"]["accuracy"], r["board"]["latency_ms"]))
        runs["tensorlab"] = r

    # Tensorlab's quantization: 0 keeps the model in float: an evaluation
    rc, so, se, out = run("tensorlab_arc_fault", "training.quantization=0",
                          out=os.path.join(WORK, "runs", "tensorlab0"))
    if check(rc == 0, "tensorlab quantization 0: exit %d: %s" % (rc, se)):
        r = report_of(out)
        check(r["mode"] == "evaluation" and r["float"]["accuracy"] is not None and
              r["quantizer"] is None and not os.path.exists(os.path.join(out, "quantized_models")),
              "tensorlab quantization 0 evaluates the float model only")

    # -- the history ---------------------------------------------------------
    rows = history()
    by_dir = {row["output_dir"]: row for row in rows}
    for key, r in runs.items():
        row = by_dir.get(r["output_dir"])
        if not check(row is not None, "history: no row for %s" % key):
            continue
        check(row["status"] == "finished", "history: %s %s" % (key, row["status"]))
        check(str(row["id"]) == r["run"]["id"] == str(r["history_run_id"]), "history id %s" % key)
        if r["float"] and r["float"]["accuracy"] is not None:
            check(row["float_accuracy"] == r["float"]["accuracy"] and
                  row["quantized_accuracy"] == r["quantized"]["accuracy"],
                  "history accuracies of %s" % key)
        check(row["quantized_bytes"] == r["size"]["quantized_bytes"], "history size of %s" % key)
    if "tensorlab" in runs:
        check(by_dir[runs["tensorlab"]["output_dir"]]["board"] == "launchxl-f28p55x",
              "history: the board id")

    # -- rerun from the history's stored configuration -------------------------
    if "afd" in runs:
        rid = runs["afd"]["history_run_id"]
        rc, so, se = qz("history", "config", str(rid))
        check(rc == 0 and "operation_mode: chain_eqe" in so, "qz history config %s" % rid)
        rerun_out = os.path.join(WORK, "runs", "afd_rerun")
        rc, so, se = qz("run", "--rerun", str(rid), "--latency-runs", "3", "-q",
                        "hydra.run.dir=" + rerun_out, cwd=WORK)
        if check(rc == 0, "qz run --rerun %s: %s" % (rid, se)):
            r = report_of(rerun_out)
            check(r["float"]["accuracy"] == runs["afd"]["float"]["accuracy"] and
                  r["quantized"]["accuracy"] == runs["afd"]["quantized"]["accuracy"] and
                  r["quantized"]["confusion"] == runs["afd"]["quantized"]["confusion"],
                  "the rerun gives the same numbers")
        rc, so, se = qz("run", "--rerun", "9999", cwd=WORK)
        check(rc == 1 and len(se.strip().splitlines()) == 1 and "9999" in se,
              "--rerun of an unknown run: %d %s" % (rc, se))

    bad_input()
    print("%d failure(s)" % failures)
    return 1 if failures else 0


def expect_error(args, pattern, what, cwd=CONFIGS, code=1):
    rc, so, se = qz(*args, cwd=cwd)
    lines = se.strip().splitlines()
    ok = check(rc == code, "%s: exit %d, expected %d: %s" % (what, rc, code, se))
    if code == 1:
        ok = check(len(lines) == 1, "%s: %d lines on stderr: %s" % (what, len(lines), se)) and ok
        ok = check(re.search(pattern, se) is not None,
                   "%s: '%s' does not match %s" % (what, se.strip(), pattern)) and ok
    check(so == "", "%s: nothing on stdout" % what)
    return ok


def bad_input():
    bad = os.path.join(WORK, "bad")
    os.makedirs(bad, exist_ok=True)
    afd = open(os.path.join(CONFIGS, "afd_quantization.yaml")).read()
    # absolute paths so the copies can live elsewhere
    afd = afd.replace("../../", SRC + "/tests/")
    out = os.path.join(WORK, "runs", "never")

    def write(name, text):
        with open(os.path.join(bad, name), "w") as f:
            f.write(text)
        return ["run", "-q", "--config-path", bad, "--config-name", name, "hydra.run.dir=" + out]

    # a YAML syntax error
    expect_error(write("syntax.yaml", afd.replace("  class_names: [normal,arc]",
                                                  "  class_names: [normal,arc\n")),
                 r"syntax\.yaml:\d+:\d+: ", "YAML syntax error")
    # a wrong type
    expect_error(write("type.yaml", afd.replace("global_seed: 123", "global_seed: many")),
                 r"type\.yaml:\d+:\d+: .*global_seed", "wrong type")
    expect_error(write("choice.yaml", afd.replace("granularity: per_channel",
                                                  "granularity: per_chanel")),
                 r"choice\.yaml:\d+:\d+: .*granularity", "misspelt choice")
    # a missing path
    expect_error(write("missing.yaml", afd.replace("conv1d_series.onnx", "no_such_model.onnx")),
                 r"missing\.yaml:\d+:\d+: .*no_such_model\.onnx", "missing model")
    # contradictory settings: uint8 output for a board that needs int8
    tl = open(os.path.join(CONFIGS, "tensorlab_arc_fault.yaml")).read().replace("../../",
                                                                                 SRC + "/tests/")
    expect_error(write("contra.yaml", tl + "quantization:\n  quantization_output_type: uint8\n"),
                 r"contra\.yaml:\d+:\d+: .*uint8.*int8", "uint8 output on the F28P55")
    # QAT
    expect_error(write("qat.yaml", tl.replace("quantization_method: 'PTQ'",
                                              "quantization_method: 'QAT'")),
                 r"qat\.yaml:\d+:\d+: .*QAT.*PTQ", "QAT")
    # the model zoo's modes that train: one sentence, the file's location
    for mode in ("training", "chain_tqe", "chain_tqeb", "chain_tbqeb", "chain_tb"):
        expect_error(write("mode.yaml", afd.replace("operation_mode: quantization",
                                                    "operation_mode: " + mode)),
                     r"mode\.yaml:\d+:\d+: operation_mode '%s' includes training, which "
                     r"Quantizer does not do" % mode, "operation_mode " + mode)
    # an unknown board
    expect_error(write("board.yaml", afd + "  board: no-such-board\n"),
                 r"no-such-board", "unknown board")
    # usage errors: exit 2
    expect_error(["run", "--config-path", bad, "--config-name", "syntax.yaml", "not-an-override"],
                 None, "an override without '='", code=2)
    expect_error(["run", "--rerun", "1", "--config-name", "x.yaml"], None,
                 "--rerun with a file", code=2)
    check(not os.path.exists(out), "failed runs leave no output folder")

    # an unreadable history is refused, not recreated
    xdg = os.path.join(WORK, "xdg-corrupt")
    os.makedirs(os.path.join(xdg, "quantizer"), exist_ok=True)
    dbp = os.path.join(xdg, "quantizer", "history.db")
    junk = b"this is not an SQLite database\n" * 200
    with open(dbp, "wb") as f:
        f.write(junk)
    env = dict(ENV, XDG_DATA_HOME=xdg)
    p = subprocess.run([QZ, "run", "-q", "--config-path", CONFIGS, "--config-name",
                        "afd_quantization.yaml", "hydra.run.dir=" + out], cwd=CONFIGS, env=env,
                       capture_output=True, text=True)
    check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "history.db" in
          p.stderr, "corrupt history: %d %s" % (p.returncode, p.stderr))
    check(open(dbp, "rb").read() == junk, "the corrupt history is left as it was")
    check(not os.path.exists(out), "no output without a history")


if __name__ == "__main__":
    sys.exit(main())
