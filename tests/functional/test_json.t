#!/usr/bin/env python3
"""--output-format=json against the simulator: stdout is exactly one JSON
document (one line, valid UTF-8) whose exit_code is the process's exit code
and the plain text run's; its counts are the text run's perfdata; every
instance is listed (no 4 KB cap), worst first; faults and usage errors are
JSON too; nothing on stderr and no secret anywhere."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin, slack  # noqa: E402

t = TAP()

STATES = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
LABELS = ["total", "running", "finished", "failed", "stopped"]
RESULT_KEYS = ["state", "exit_code", "invoke_id", "region", "aggregate", "summary", "periodic",
               "repeat_mode", "command_name", "creation_time", "api_status", "counts",
               "thresholds", "breached", "polls", "still_running", "instances", "time_s", "requests",
               "clock_corrected_s"]
INSTANCE_KEYS = ["instance_id", "state", "status", "invocation_status", "legacy_status",
                 "exit_code", "error_code", "error_info", "start_time", "finished_time", "output", "dropped",
                 "hung", "stale", "over_s"]
FAULT_KEYS = ["state", "exit_code", "invoke_id", "error", "time_s", "requests", "clock_corrected_s"]
RANK = {"failed": 0, "stopped": 1, "running": 2, "finished": 3}


def perfdata(text):
    """The integer perfdata values of the plain text's first line."""
    first = text.split("\n")[0]
    _, _, perf = first.partition("|")
    values = {}
    for item in perf.split():
        m = re.match(r"^([a-z]+)=([0-9.]+)", item)
        if m:
            values[m.group(1)] = float(m.group(2))
    return values


def one_document(name, r, usage=False):
    """Checks common to every JSON run; returns the document or None. For a
    usage error the run info may be null (nothing ran)."""
    t.is_(r.stderr, "", name + ": nothing on stderr")
    try:
        text = r.stdout_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        t.ok(False, name + ": stdout is valid UTF-8", str(e))
        return None
    t.ok(text.endswith("\n") and text.count("\n") == 1,
         name + ": one line ending in a newline", text[:300])
    try:
        doc = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError as e:
        t.ok(False, name + ": stdout is one JSON document", "%s\n%r" % (e, text[:500]))
        return None
    t.ok(isinstance(doc, dict), name + ": stdout is one JSON object")
    if not isinstance(doc, dict):
        return None
    t.is_(doc.get("exit_code"), r.code, name + ": exit_code is the exit code")
    t.is_(doc.get("state"), STATES.get(r.code), name + ": state names the exit code")
    if usage and doc.get("time_s") is None and doc.get("requests") is None:
        return doc
    t.ok(isinstance(doc.get("time_s"), float) and doc["time_s"] >= 0,
         name + ": time_s is a number of seconds", doc.get("time_s"))
    t.ok(isinstance(doc.get("requests"), int) and not isinstance(doc.get("requests"), bool),
         name + ": requests is an integer", doc.get("requests"))
    return doc


def check_result(name, doc, text_run, invoke_id, want_total=None):
    t.is_(list(doc), RESULT_KEYS, name + ": the documented keys, in order")
    t.is_(doc.get("invoke_id"), invoke_id, name + ": invoke_id")
    t.is_(doc.get("region"), "cn-hangzhou", name + ": region")
    first = text_run.stdout.split("\n")[0]
    t.ok(" %s: " % doc.get("aggregate") in first, name + ": aggregate as in the text", first)
    t.ok(isinstance(doc.get("summary"), str) and ": %s" % doc["summary"] in first,
         name + ": summary is the text's", (doc.get("summary"), first))
    perf = perfdata(text_run.stdout)
    counts = doc.get("counts") or {}
    t.is_(list(counts), LABELS, name + ": counts keys")
    t.is_({k: float(v) for k, v in counts.items()}, {k: perf.get(k) for k in LABELS},
          name + ": counts are the text's perfdata")
    insts = doc.get("instances")
    t.ok(isinstance(insts, list), name + ": instances is a list")
    if not isinstance(insts, list):
        return
    t.is_(len(insts), counts.get("total"), name + ": every instance listed")
    if want_total is not None:
        t.is_(len(insts), want_total, name + ": %d instances" % want_total)
    t.ok(all(list(i) == INSTANCE_KEYS for i in insts), name + ": instance keys, in order")
    ids = [i.get("instance_id") for i in insts]
    t.is_(len(set(ids)), len(ids), name + ": no instance twice")
    order = [(RANK.get(i.get("state"), 9), i.get("instance_id")) for i in insts]
    t.ok(order == sorted(order), name + ": worst first, by id within a state")
    for label in LABELS[1:]:
        t.is_(sum(1 for i in insts if i.get("state") == label), counts.get(label),
              name + ": %s instances match counts.%s" % (label, label))
    t.ok(all(i.get("exit_code") is None or isinstance(i.get("exit_code"), int) for i in insts),
         name + ": exit codes are integers or null")
    api = doc.get("api_status")
    t.ok(isinstance(api, dict) and list(api) == ["InvocationStatus", "InvokeStatus"],
         name + ": api_status members", api)


with Simulator() as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    # id, extra args, total instances (None: no result document)
    SCENARIOS = [
        ("t-hz0finished", [], 3),
        ("t-hz0partial", [], 4),
        ("t-hz0partial", ["--map", "PartialFailed=ok", "--warning-failed", "0"], 4),
        ("t-hz0periodic", [], 4),
        ("t-hz0bigfail", [], 1000),
        ("t-hz0text", [], 2),
        ("t-hz0nosuch", [], 0),
        ("t-hz0forbidden", [], None),
    ]
    docs = {}
    for invoke_id, extra, total in SCENARIOS:
        name = " ".join([invoke_id] + extra)
        text_run = run_plugin(["-i", invoke_id] + base + extra, env=env)
        sim.reset_faults()
        r = run_plugin(["-i", invoke_id, "--output-format=json"] + base + extra, env=env)
        sim.reset_faults()
        t.is_(r.code, text_run.code, name + ": the same exit code as the text (%s)" % text_run.code)
        t.ok(sim.access_key_secret not in r.stdout, name + ": no secret in the document")
        doc = one_document(name, r)
        if doc is None:
            continue
        docs[name] = doc
        if total is None:
            t.is_(list(doc), FAULT_KEYS, name + ": a fault document")
        else:
            check_result(name, doc, text_run, invoke_id, total)

    d = docs.get("t-hz0finished")
    if d:
        t.is_((d["state"], d["aggregate"], d["summary"]), ("OK", "Finished", "3 of 3 instances finished"),
              "t-hz0finished: OK Finished")
        t.ok(all(i["state"] == "finished" and i["exit_code"] == 0 for i in d["instances"]),
             "t-hz0finished: every instance finished with exit 0")
        t.is_((d["thresholds"], d["breached"], d["periodic"]), ({}, None, False),
              "t-hz0finished: no thresholds, none breached, not periodic")
        t.is_(d["command_name"], "sim-check", "t-hz0finished: command_name")
        t.is_(d["creation_time"], "2026-11-28T10:00:00Z", "t-hz0finished: creation_time")

    d = docs.get("t-hz0partial")
    if d:
        first = d["instances"][0]
        t.is_((d["state"], d["exit_code"], d["aggregate"]), ("CRITICAL", 2, "PartialFailed"),
              "t-hz0partial: CRITICAL PartialFailed")
        t.is_((first["instance_id"], first["state"], first["status"], first["exit_code"],
               first["error_code"], first["error_info"]),
              ("i-bp1aaa", "failed", "Failed", 1, "ExitCodeNonzero",
               "the command exited with a non-zero code"),
              "t-hz0partial: the failed instance first, with its details")
        t.is_(first["start_time"], "2026-11-28T10:00:01Z", "t-hz0partial: its start time")
        t.is_(first["finished_time"], "2026-11-28T10:00:03Z", "t-hz0partial: its finish time")
        t.is_(d["api_status"]["InvocationStatus"], "PartialFailed", "t-hz0partial: the API's own status")

    d = docs.get("t-hz0partial --map PartialFailed=ok --warning-failed 0")
    if d:
        t.is_((d["state"], d["exit_code"], d["breached"]), ("WARNING", 1, "failed"),
              "thresholds: WARNING, failed breached")
        t.is_(d["thresholds"], {"failed": {"warning": "0", "critical": None}},
              "thresholds: only the metric with a range, as given")

    d = docs.get("t-hz0periodic")
    if d:
        t.is_((d["periodic"], d["repeat_mode"]), (True, "Period"), "t-hz0periodic: periodic")
        t.is_(d["instances"][0]["instance_id"], "i-per2", "t-hz0periodic: i-per2 (failed) first")
        t.ok(re.search(r"\(periodic, \d+[smhd](-\d+[smhd])? ago\)$", d["summary"]),
             "t-hz0periodic: summary says periodic", d["summary"])

    d = docs.get("t-hz0bigfail")
    if d:
        insts = d["instances"]
        t.is_(sum(1 for i in insts if i["state"] == "failed"), 142, "t-hz0bigfail: 142 failed listed")
        t.ok(all(i["state"] == "failed" for i in insts[:142]), "t-hz0bigfail: the failed come first")
        t.is_(insts[0]["instance_id"], "i-bp1bf0007", "t-hz0bigfail: first failed by id")

    d = docs.get("t-hz0text")
    if d:
        failed = d["instances"][0]
        t.ok(failed["error_info"].startswith("exit 1 | see the log\nsecond line\ttab\u0007bell é 中文 "),
             "t-hz0text: API text kept as data ('|', newline, tab, BEL, UTF-8)", failed["error_info"])
        t.ok(d["command_name"].startswith("deploy|app\nstep\u0007 "), "t-hz0text: command name as data")
        t.ok(len(failed["error_info"]) > 200, "t-hz0text: not cut as the text line is")

    d = docs.get("t-hz0nosuch")
    if d:
        t.is_((d["state"], d["aggregate"], d["instances"]), ("UNKNOWN", "NotFound", []),
              "t-hz0nosuch: UNKNOWN NotFound, no instances")
        t.is_(d["counts"], dict.fromkeys(LABELS, 0), "t-hz0nosuch: counts 0")
        t.is_((d["repeat_mode"], d["command_name"], d["creation_time"]), (None, None, None),
              "t-hz0nosuch: invocation fields null")

    d = docs.get("t-hz0forbidden")
    if d:
        err = d.get("error") or {}
        t.is_((d["state"], d["exit_code"], d["invoke_id"]), ("UNKNOWN", 3, "t-hz0forbidden"),
              "t-hz0forbidden: UNKNOWN, with the id")
        t.is_(list(err), ["class", "code", "message"], "t-hz0forbidden: error keys")
        t.is_((err.get("class"), err.get("code")), ("api", "Forbidden.RAM"),
              "t-hz0forbidden: class api, the API's code")
        t.ok("Forbidden.RAM" in (err.get("message") or "") and "RequestId" in (err.get("message") or ""),
             "t-hz0forbidden: the message names the code and RequestId", err.get("message"))

# Usage errors: no network, the same exit code as the text, still one document.
CREDS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cr3t-value",
         "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"}
USAGE = [
    ([], None, "missing -i/--invoke-id"),
    (["-i", "t-1", "-t", "abc"], "t-1", "-t/--timeout"),
    (["-i", "t-1", "-e", "http://ecs.cn-hangzhou.aliyuncs.com"], "t-1", "loopback"),
]
for args, invoke_id, needle in USAGE:
    name = "usage " + (" ".join(args) or "(no -i)")
    text_run = run_plugin(args, env=CREDS)
    r = run_plugin(["--output-format=json"] + args, env=CREDS)
    t.is_(r.code, 3, name + ": exit 3")
    t.is_(r.code, text_run.code, name + ": the same exit code as the text")
    t.ok(r.elapsed < slack(2), name + ": at once (%.2f s)" % r.elapsed)
    t.ok("s3cr3t-value" not in r.stdout, name + ": no secret")
    doc = one_document(name, r, usage=True)
    if doc is None:
        continue
    err = doc.get("error") or {}
    t.is_(list(doc), FAULT_KEYS, name + ": a fault document")
    # A bad command line may be reported before the id is taken as given.
    t.ok(doc.get("invoke_id") in (None, invoke_id), name + ": invoke_id null or as given",
         doc.get("invoke_id"))
    t.is_((err.get("class"), err.get("code")), ("usage", None), name + ": class usage, no code")
    t.ok(needle in (err.get("message") or ""), name + ": says " + needle, err.get("message"))
    t.ok(doc.get("requests") in (0, None), name + ": no request", doc.get("requests"))

# The backstop (a timer past the deadline, for a libcurl that would not keep
# its own) answers in JSON too: fire it early with SIGALRM on a hanging read.
with Simulator() as sim:
    import signal
    import subprocess
    import time
    from ecstest import plugin_path
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    env.update({k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")})
    env.update(plugin_env(sim))
    p = subprocess.Popen([plugin_path(), "-i", "t-hz0hang", "-e", sim.url, "--cacert", sim.cacert, "-t", "20",
                          "--output-format=json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    p.send_signal(signal.SIGALRM)
    out, err = p.communicate(timeout=20)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    t.is_((p.returncode, list(doc), (doc.get("error") or {}).get("class")), (3, FAULT_KEYS, "deadline"),
          "the backstop's answer is a JSON fault document, class deadline, exit 3")
    t.is_(err, b"", "the backstop: nothing on stderr")

t.done()
