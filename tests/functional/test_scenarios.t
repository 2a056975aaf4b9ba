#!/usr/bin/env python3
"""The built plugin against the simulator, one scenario per invocation id.

For each scenario: the exit code, the first line (state, aggregate, summary),
the perfdata values as a monitoring core would parse them, the long output,
nothing on stderr, and what the simulator saw (requests, page sizes, nonces,
one TLS connection)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin  # noqa: E402

t = TAP()

PERF_RE = re.compile(r"^([a-z]+)=([0-9.]+)(s?);([^;]*);([^;]*);([^;]*);?([^;]*)$")


def parse(out):
    """Split plugin output the way Nagios does: line 1 at the first '|'."""
    lines = out.split("\n")
    first = lines[0]
    text, _, perf = first.partition("|")
    metrics = {}
    for item in perf.split():
        m = PERF_RE.match(item)
        if m:
            metrics[m.group(1)] = {
                "value": float(m.group(2)), "uom": m.group(3), "warn": m.group(4),
                "crit": m.group(5), "min": m.group(6), "max": m.group(7)}
        else:
            metrics.setdefault("_bad", []).append(item)
    return text.strip(), metrics, [l for l in lines[1:] if l]


# id, extra args, exit code, first-line regex, counts (total, running, finished, failed, stopped),
# long-output regexes
SCENARIOS = [
    ("t-hz0finished", [], 0, r"^ECS INVOCATION OK - t-hz0finished Finished: 3 of 3 instances finished$",
     (3, 0, 3, 0, 0), []),
    ("t-hz0partial", [], 2, r"^ECS INVOCATION CRITICAL - t-hz0partial PartialFailed: 1 of 4 instances failed$",
     (4, 0, 3, 1, 0), [r"^i-bp1aaa Failed exit=1 ExitCodeNonzero"]),
    ("t-hz0failed", [], 2, r"^ECS INVOCATION CRITICAL - t-hz0failed Failed: 2 of 2 instances failed$",
     (2, 0, 0, 2, 0), [r"Timeout.*ExecutionTimeout", r"Error.*ClientNotRunning"]),
    ("t-hz0running", [], 1, r"^ECS INVOCATION WARNING - t-hz0running Running: 2 of 3 instances running$",
     (3, 2, 1, 0, 0), [r"^i-bp1run001 Running started 2026-11-28T10:00:01Z \(running \d+[dhms]"]),
    ("t-hz0stopped", [], 1, r"^ECS INVOCATION WARNING - t-hz0stopped Stopped: 3 of 3 instances stopped$",
     (3, 0, 0, 0, 3), [r" Stopped", r" Cancelled", r" Terminated"]),
    ("t-hz0finstop", [], 0, r"^ECS INVOCATION OK - t-hz0finstop Finished: 1 of 2 instances finished, 1 stopped$",
     (2, 0, 1, 0, 1), [r" Stopped"]),
    ("t-hz0partrun", [], 2, r"PartialFailed: 1 of 2 instances failed, 1 running$",
     (2, 1, 0, 1, 0), [r"Failed exit=2"]),
    ("t-hz0exitcode", [], 2, r"PartialFailed: 1 of 3 instances failed$",
     (3, 0, 2, 1, 0), [r"Success exit=3 \(not an --ok-exit-codes value\)"]),
    ("t-hz0exitcode", ["--ok-exit-codes", "0,3"], 0, r"OK - t-hz0exitcode Finished: 3 of 3",
     (3, 0, 3, 0, 0), []),
    ("t-hz0legacy", [], 2, r"PartialFailed: 2 of 3 instances failed$", (3, 0, 1, 2, 0), []),
    ("t-hz0allstatus", [], 2, r"PartialFailed: 6 of 14 instances failed, 4 running$",
     (14, 4, 1, 6, 3), []),
    ("t-hz0periodic", [], 2, r"PartialFailed: 1 of 4 instances failed, 1 running \(periodic, \d+[smhd](-\d+[smhd])? ago\)$",
     (4, 1, 2, 1, 0), [r"^i-per2 Failed exit=1"]),
    ("t-hz0periodold", [], 2, r"PartialFailed: 1 of 4 instances failed, 1 running \(periodic, \d+[smhd](-\d+[smhd])? ago\)$",
     (4, 1, 2, 1, 0), [r"^i-per2 Failed exit=1"]),
    ("t-hz0periodok", [], 0, r"OK - t-hz0periodok Finished: 3 of 3 instances finished \(periodic, \d+[smhd](-\d+[smhd])? ago\)$",
     (3, 0, 3, 0, 0), []),
    # EveryReboot: each instance by its latest completed run (i-eb1's last run
    # succeeded after a failure, i-eb2's failed after a success)
    ("t-hz0everyboot", [], 2, r"^ECS INVOCATION CRITICAL - t-hz0everyboot PartialFailed: 1 of 2 instances failed "
     r"\(periodic, \d+[smhd](-\d+[smhd])? ago\)$",
     (2, 0, 1, 1, 0), [r"^i-eb2 Failed exit=1 ExitCodeNonzero: .* started 2026-11-28T10:30:00Z"]),
    ("t-hz0reboot", [], 1, r"WARNING - t-hz0reboot Running: 1 of 2 instances running \(periodic, \d+[smhd](-\d+[smhd])? ago\)$",
     (2, 1, 1, 0, 0), []),
    ("t-hz0big", [], 0, r"OK - t-hz0big Finished: 1000 of 1000 instances finished$",
     (1000, 0, 1000, 0, 0), []),
    ("t-hz0bigfail", [], 2, r"PartialFailed: 142 of 1000 instances failed$", (1000, 0, 858, 142, 0), []),
    ("t-hz0throttle", [], 0, r"OK - t-hz0throttle Finished: 2 of 2", (2, 0, 2, 0, 0), []),
    ("t-hz0unavail", [], 0, r"OK - t-hz0unavail Finished", None, []),
    ("t-hz0nonce", [], 0, r"OK - t-hz0nonce Finished", None, []),
    ("t-hz0text", [], 2, r"PartialFailed: 1 of 2 instances failed$", (2, 0, 1, 1, 0), []),
    # another region: found only where it lives
    ("t-bj1finished", ["-r", "cn-beijing"], 0,
     r"^ECS INVOCATION OK - t-bj1finished Finished: 1 of 1 instances finished$", (1, 0, 1, 0, 0), []),
    ("t-bj1finished", [], 3, r"^ECS INVOCATION UNKNOWN - t-bj1finished NotFound: no such invocation in cn-hangzhou",
     (0, 0, 0, 0, 0), []),
    ("t-hz0nosuch", [], 3, r"^ECS INVOCATION UNKNOWN - t-hz0nosuch NotFound: no such invocation in cn-hangzhou",
     (0, 0, 0, 0, 0), []),
    ("t-hz0nosuch", ["--map", "NotFound=critical"], 2, r"CRITICAL - t-hz0nosuch NotFound", None, []),
    # The worst of the mapped state and the thresholds, on counts of 0.
    ("t-hz0nosuch", ["--critical-total", "1:"], 2,
     r"^ECS INVOCATION CRITICAL - t-hz0nosuch NotFound: no such invocation in cn-hangzhou - total=0 outside "
     r"critical range 1:$",
     (0, 0, 0, 0, 0), []),
    ("t-hz0nosuch", ["--warning-failed", "0"], 3, r"UNKNOWN - t-hz0nosuch NotFound", (0, 0, 0, 0, 0), []),
    ("t-hz0nosuch", ["--map", "NotFound=ok", "--warning-total", "1:"], 1,
     r"WARNING - t-hz0nosuch NotFound: no such invocation in cn-hangzhou - total=0 outside warning range 1:$",
     (0, 0, 0, 0, 0), []),
    ("t-hz0notfound", [], 3, r"UNKNOWN - t-hz0notfound NotFound", None, []),
    ("t-hz0running", ["--map", "Running=ok"], 0, r"^ECS INVOCATION OK - t-hz0running Running", None, []),
    ("t-hz0partial", ["--map", "partialfailed=warning"], 1, r"WARNING - t-hz0partial PartialFailed", None, []),
    ("t-hz0partial", ["--map", "PartialFailed=ok", "--warning-failed", "0"], 1,
     r"WARNING - t-hz0partial PartialFailed: 1 of 4 instances failed - failed=1 outside warning range 0$", None, []),
    ("t-hz0finished", ["--critical-total", "5:"], 2, r"CRITICAL - t-hz0finished Finished: .* - total=3 outside critical range 5:$",
     None, []),
]


def check_perf(name, metrics, counts):
    labels = ["total", "running", "finished", "failed", "stopped"]
    t.ok("_bad" not in metrics, name + ": every perfdata item parses", metrics.get("_bad"))
    t.is_([k for k in metrics if k != "_bad"], labels + ["time"], name + ": stable perfdata labels in order")
    if counts is None:
        return
    for label, want in zip(labels, counts):
        got = metrics.get(label, {}).get("value")
        t.is_(got, float(want), "%s: %s=%d" % (name, label, want))
    total = counts[0]
    for label in labels[1:]:
        m = metrics.get(label, {})
        t.ok(m.get("min") == "0" and m.get("max") == str(total),
             "%s: %s has min 0 and max %d" % (name, label, total), m)
    t.ok(metrics.get("time", {}).get("uom") == "s", name + ": time in seconds")


with Simulator() as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]
    for sig, (invoke_id, extra, code, first_re, counts, long_res) in (
            (sig, sc) for sig in ("1", "3") for sc in SCENARIOS):
        name = " ".join([invoke_id] + extra + ["(v%s)" % sig])
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", invoke_id, "--signature-version", sig] + base + extra, env=env)
        text, metrics, long_lines = parse(r.stdout)
        t.is_(r.code, code, name + ": exit code")
        t.like(text, first_re, name + ": first line")
        t.is_(r.stderr, "", name + ": nothing on stderr")
        t.ok(len(text) <= 120, name + ": the text of line 1 fits a pager (%d chars)" % len(text))
        if "NotFound" not in first_re or counts is not None:
            check_perf(name, metrics, counts)
        for rx in long_res:
            t.ok(any(re.search(rx, l) for l in long_lines), name + ": long output has " + rx, long_lines)
        reqs = sim.requests()
        t.ok(reqs and all(q.get("sig_version") == int(sig) for q in reqs),
             name + ": every request signed with v" + sig)
        # brotli's and zstd's decoders would keep answers (temporary keys)
        # in memory the wiping allocator never sees.
        t.ok(reqs and all(q.get("accept_encoding") == "gzip, deflate" for q in reqs),
             name + ": asks only for gzip or deflate", [q.get("accept_encoding") for q in reqs])
        t.is_(sim.connections(), 1, name + ": one connection for the whole run")
        t.is_(sim.handshakes(), 1, name + ": exactly one TLS handshake")
        nonces = [q.get("nonce") for q in reqs]
        t.is_(len(set(nonces)), len(nonces), name + ": no nonce used twice")

    # Paging: 1,000 instances in pages of 50, never the default 10.
    sim.reset_faults()
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0big"] + base, env=env)
    reqs = sim.requests()
    results = [q for q in reqs if q.get("action") == "DescribeInvocationResults"]
    t.is_(len([q for q in reqs if q.get("action") == "DescribeInvocations"]), 1,
          "t-hz0big: one DescribeInvocations")
    t.is_(len(results), 20, "t-hz0big: 20 result pages for 1,000 instances")
    t.ok(all(str(q.get("max_results")) == "50" for q in reqs), "t-hz0big: every page asks for 50")
    t.ok(all(q.get("verdict") == "ok" for q in reqs), "t-hz0big: every request accepted")
    t.is_(len(reqs), 21, "t-hz0big: 1 + ceil(1000/50) requests")
    t.is_(sim.connections(), 1, "t-hz0big: all 21 over one connection")
    t.is_(sim.handshakes(), 1, "t-hz0big: exactly one TLS handshake")

    # Throttling: retried with a fresh nonce and timestamp each time.
    sim.reset_faults()
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0throttle"] + base + ["-vv"], env=env)
    reqs = sim.requests()
    verdicts = [q.get("verdict") for q in reqs]
    t.is_(verdicts[:3], ["Throttling.User", "Throttling.User", "ok"], "t-hz0throttle: two refusals, then accepted")
    t.ok("2 retries" in r.stdout, "t-hz0throttle: -vv counts the retries", r.stdout)

    # Periodic, history newest first: reading stops once every running instance has a
    # completed run; oldest first: every page is read (the order cannot be trusted).
    for invoke_id in ("t-hz0periodic", "t-hz0periodold"):
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", invoke_id, "-v"] + base, env=env)
        t.like(r.stdout, r"\ni-per1 Success exit=0 started 2026-11-28T10:50:00Z",
               invoke_id + ": i-per1 judged by its latest completed run (10:50), not an older one")
        t.like(r.stdout, r"\ni-per2 Failed exit=1 .*started 2026-11-28T10:55:00Z",
               invoke_id + ": i-per2 judged by its newest run")

    # The -vv/-vvv trace never pushes the output past 4 KB, and keeps its newest lines.
    for v in ("-v", "-vv", "-vvv"):
        r = run_plugin(["-i", "t-hz0bigfail", v] + base, env=env)
        size = len(r.stdout.encode())
        t.ok(size <= 4096, "t-hz0bigfail %s: output within 4 KB (%d bytes)" % (v, size))
        t.ok(r.stdout.endswith("\n"), "t-hz0bigfail %s: output ends with a whole line" % v)
        t.like(r.stdout, r"\n\.\.\. and \d+ more\n", "t-hz0bigfail %s: says how many lines were left out" % v)
    t.like(r.stdout, r"DescribeInvocationResults: HTTP 200, \d+ bytes \([0-9.]+ s\)\n$",
           "t-hz0bigfail -vvv: the trace ends with the last request")

    # Periodic: history is read only because some instance's newest run is running.
    sim.reset_faults()
    sim.clear_log()
    run_plugin(["-i", "t-hz0periodic"] + base, env=env)
    reqs = sim.requests()
    t.ok(any(q.get("include_history") in (True, "true") for q in reqs), "t-hz0periodic: history was read")
    sim.reset_faults()
    sim.clear_log()
    run_plugin(["-i", "t-hz0finished"] + base, env=env)
    reqs = sim.requests()
    t.ok(not any(q.get("include_history") in (True, "true") for q in reqs), "t-hz0finished: no history read for Once")
    t.is_(len(reqs), 2, "t-hz0finished: two requests in all")

    # STS credentials: the token travels and is checked.
    sim.reset_faults()
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0finished"] + base, env=plugin_env(sim, sts=True))
    t.is_(r.code, 0, "STS credentials accepted")
    t.ok(all(q.get("access_key_id") == sim.sts_access_key_id for q in sim.requests()), "STS key id used")

    # -v: every instance and the API's own status.
    r = run_plugin(["-i", "t-hz0partial", "-v"] + base, env=env)
    _, _, long_lines = parse(r.stdout)
    t.is_(len([l for l in long_lines if l.startswith("i-")]), 4, "-v lists all 4 instances")
    t.ok(any(l.startswith("API status: ") for l in long_lines), "-v shows the API status")

    # The API's own status, and a note where this check judged otherwise
    # (product.md §3): t-hz0partrun's API still says Running.
    r = run_plugin(["-i", "t-hz0partrun", "-v"] + base, env=env)
    t.ok("API status: Running (this check judged PartialFailed)" in r.lines,
         "t-hz0partrun -v: the API's Running and this check's PartialFailed both named", r.lines)
    r = run_plugin(["-i", "t-hz0finished", "-v"] + base, env=env)
    t.ok("API status: Success" in r.lines, "t-hz0finished -v: the API status, Success", r.lines)
    t.ok("this check judged" not in r.stdout, "t-hz0finished -v: no note where the API agrees", r.lines)

    # Sanitising API text.
    r = run_plugin(["-i", "t-hz0text", "-vvv"] + base, env=env)
    lines = r.stdout.split("\n")
    t.is_(lines[0].count("|"), 1, "t-hz0text: one '|' on line 1")
    t.ok(all("|" not in l for l in lines[1:]), "t-hz0text: no '|' in the long output")
    t.ok(all(ch == "\n" or ch == "\t" or ord(ch) >= 32 for ch in r.stdout), "t-hz0text: no control characters")
    t.ok(len(r.stdout.encode()) <= 4096, "t-hz0text: output within 4 KB at -vvv (%d)" % len(r.stdout.encode()))

t.done()
