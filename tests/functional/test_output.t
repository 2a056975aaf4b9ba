#!/usr/bin/env python3
"""--show-output[=BYTES]: the start of each failed or stopped instance's
command output under its line, Base64-decoded, made safe (no '|', no
control characters, invalid UTF-8 replaced), the API's Dropped bytes noted,
and the whole output still under 4 KB."""
import base64
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin  # noqa: E402

t = TAP()
BIG = "line %d of a long log|with a pipe\n"
big_text = "".join(BIG % n for n in range(2000))[:24 * 1024]
EXTRA = {
    "t-hz0bigout": {
        "description": "made by test_output.t: 24 KB of output and more dropped, NUL and ESC in it",
        "class": "normal",
        "invocation": {"InvokeId": "t-hz0bigout", "CommandName": "sim-check",
                       "CreationTime": "2026-11-28T10:00:00Z", "InvocationStatus": "Failed"},
        "instances": [
            {"InstanceId": "i-big%d" % n, "InvocationStatus": "Failed", "ExitCode": 2,
             "ErrorCode": "ExitCodeNonzero", "StartTime": "2026-11-28T10:00:01Z",
             "FinishTime": "2026-11-28T10:00:03Z", "Dropped": 4096,
             "OutputBase64": base64.b64encode(b"\x00start\x1b[31m red " + big_text.encode()).decode()}
            for n in range(12)],
        "expect": {"aggregate": "Failed", "state": "CRITICAL"},
    },
    # Output that is not UTF-8 (GBK from a Windows instance, binary): each bad
    # byte becomes U+FFFD, three bytes, so 512 bytes read print as 1.5 KB.
    "t-hz0gbk": {
        "description": "made by test_output.t: 1 KB of bytes that are not UTF-8",
        "class": "normal",
        "invocation": {"InvokeId": "t-hz0gbk", "CommandName": "sim-check",
                       "CreationTime": "2026-11-28T10:00:00Z", "InvocationStatus": "Failed"},
        "instances": [
            {"InstanceId": "i-gbk%d" % n, "InvocationStatus": "Failed", "ExitCode": 1,
             "ErrorCode": "ExitCodeNonzero", "StartTime": "2026-11-28T10:00:01Z",
             "FinishTime": "2026-11-28T10:00:03Z",
             "OutputBase64": base64.b64encode(bytes(range(128, 256)) * 8).decode()}
            for n in range(3)],
        "expect": {"aggregate": "Failed", "state": "CRITICAL"},
    },
}

with Simulator(extra_scenarios=EXTRA) as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    r = run_plugin(["-i", "t-hz0partial", "--show-output"] + base, env=env)
    lines = r.stdout.split("\n")
    t.is_(r.code, 2, "t-hz0partial --show-output: same verdict")
    t.is_(lines[1:3], ["i-bp1aaa Failed exit=1 ExitCodeNonzero: the command exited with a non-zero code"
                       " started 2026-11-28T10:00:01Z finished 2026-11-28T10:00:03Z (2s)",
                       "  output: error: something broke "],
          "the failed instance's output, decoded, on the line under it")
    t.is_(len([l for l in lines if l.startswith("  output:")]), 1, "only for the failed instance")
    r = run_plugin(["-i", "t-hz0partial", "--show-output", "-v"] + base, env=env)
    lines = r.stdout.split("\n")
    t.is_((len([l for l in lines if l.startswith("i-bp1")]), len([l for l in lines if l.startswith("  output:")])),
          (4, 1), "-v lists the three finished instances too, but not their output ('ok')")
    r = run_plugin(["-i", "t-hz0partial", "--show-output", "--output-format=json"] + base, env=env)
    doc = json.loads(r.stdout)
    t.is_({i["instance_id"]: i.get("output") is not None for i in doc["instances"]},
          {"i-bp1aaa": True, "i-bp1bbb": False, "i-bp1ccc": False, "i-bp1ddd": False},
          "JSON: output only for the failed instance")
    r = run_plugin(["-i", "t-hz0partial", "--show-output=5"] + base, env=env)
    t.ok("\n  output: error...\n" in r.stdout, "--show-output=5 cuts after 5 bytes and says so", r.stdout)
    r = run_plugin(["-i", "t-hz0partial"] + base, env=env)
    t.ok("output:" not in r.stdout, "without --show-output no output is shown")

    r = run_plugin(["-i", "t-hz0text", "--show-output=64"] + base, env=env)
    out = [l for l in r.stdout.split("\n") if l.startswith("  output:")]
    t.is_(len(out), 1, "t-hz0text: one output line")
    t.ok(out and "|" not in out[0] and "\ufffd" in out[0], "'|' made harmless, invalid UTF-8 replaced", out)
    t.ok(all(ord(c) >= 32 for c in out[0]) if out else False, "no control characters")

    r = run_plugin(["-i", "t-hz0bigout", "--show-output"] + base, env=env)
    size = len(r.stdout.encode())
    out = [l for l in r.stdout.split("\n") if l.startswith("  output:")]
    t.ok(size <= 4096, "24 KB outputs of 12 instances: the whole text stays under 4 KB (%d)" % size)
    t.ok(out and out[0].startswith("  output: ?start?[31m red line 0 of a long log/with a pipe"),
         "NUL and ESC made harmless, '|' replaced", out[:1])
    t.ok(out and out[0].endswith("... [4096 more bytes dropped by the API]"),
         "cut at 512 bytes, and the API's Dropped bytes noted", out[:1])
    t.is_(r.stderr, "", "nothing on stderr")
    t.is_(len(out), 12, "all 12 failed instances listed, each output cut to its share of the 4 KB")
    r = run_plugin(["-i", "t-hz0bigfail", "--show-output"] + base, env=env)
    t.like(r.stdout, r"\n\.\.\. and \d+ more\n", "t-hz0bigfail: instances that did not fit are counted")
    t.ok(len(r.stdout.encode()) <= 4096, "and the whole text stays under 4 KB")

    for opt in ("--show-output", "--show-output=4000"):
        r = run_plugin(["-i", "t-hz0gbk", opt] + base, env=env)
        lines = r.stdout.split("\n")
        size = len(r.stdout.encode())
        t.is_([l.split(" ")[0] for l in lines[1:] if l.startswith("i-")], ["i-gbk0", "i-gbk1", "i-gbk2"],
              "%s, output not UTF-8: every failed instance keeps its line" % opt)
        t.ok(size <= 4096 and lines[2].startswith("  output: \ufffd"),
             "%s: the output under the first, cut to fit 4 KB (%d bytes)" % (opt, size), lines[2][:40])

    r = run_plugin(["-i", "t-hz0partial", "--show-output", "--output-format=json"] + base, env=env)
    doc = json.loads(r.stdout)
    outs = {i["instance_id"]: i["output"] for i in doc["instances"]}
    t.is_(outs.get("i-bp1aaa"), "error: something broke\n", "JSON: the failed instance's whole output")
    t.ok(all(v is None for k, v in outs.items() if k != "i-bp1aaa"), "JSON: none for the others")

    r = run_plugin(["-i", "t-hz0partial", "--show-output=0"] + base, env=env)
    t.ok(r.code == 3 and "--show-output" in r.stdout, "--show-output=0 is a usage error")

t.done()
