#!/usr/bin/env python3
"""Periodic history read lazily: an invocation with 10,000 run records,
newest first, is judged after one page of history; the same history oldest
first (the order is undocumented) is read to the end and judged the same."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin  # noqa: E402

t = TAP()
T0 = 1764000000  # runs are an hour apart, before the test's "now"


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def history(order):
    instances = []
    for j in range(10):
        runs = []
        for k in range(1000):
            start = T0 + k * 3600 + j
            last = k == 999
            if j == 0 and last:
                runs.append({"InvocationStatus": "Running", "StartTime": iso(start)})
                continue
            # i-2: the run before its newest failed, which must not matter.
            failed = j == 2 and k == 998
            runs.append({"InvocationStatus": "Failed" if failed else "Success", "StartTime": iso(start),
                         "FinishedTime": iso(start + 30), "ExitCode": 1 if failed else 0,
                         "ErrorCode": "ExitCodeNonzero" if failed else ""})
        instances.append({"InstanceId": "i-%d" % j, "runs": runs})
    # i-0 runs now; the one before (k=998) decides: make it a failure.
    instances[0]["runs"][998].update({"InvocationStatus": "Failed", "ExitCode": 3, "ErrorCode": "ExitCodeNonzero"})
    return {"description": "made by test_history.t", "class": "normal", "history_order": order,
            "invocation": {"InvokeId": "t-hz0hist" + order, "CommandName": "sim-check",
                           "CreationTime": iso(T0 - 60), "InvocationStatus": "Running",
                           "RepeatMode": "Period", "Frequency": "rate(1h)", "Timed": True},
            "instances": instances, "expect": {"aggregate": None, "state": None}}


def with_new_instance():
    """The newest-first history plus i-new, whose first run is still going:
    it has no earlier run (Repeats 1), so looking for one must not make the
    plugin read all 10,000 records."""
    s = history("newest")
    s["invocation"]["InvokeId"] = "t-hz0histnew"
    s["instances"].append({"InstanceId": "i-new", "runs": [
        {"InvocationStatus": "Running", "StartTime": iso(T0 + 999 * 3600 + 50)}]})
    return s


EXTRA = {"t-hz0histnewest": history("newest"), "t-hz0histoldest": history("oldest"),
         "t-hz0histnew": with_new_instance()}
with Simulator(extra_scenarios=EXTRA) as sim:
    base = ["-e", sim.url, "--cacert", sim.cacert, "-t", "60"]
    # the same request count, connection and handshake every time: a
    # DescribeInvocations, one page of the 10 instances, then the history
    for order, pages in (("newest", 1), ("oldest", 200)):
        sim.clear_log()
        r = run_plugin(["-i", "t-hz0hist" + order, "-v"] + base, env=plugin_env(sim))
        hist = [q for q in sim.requests() if q.get("include_history") in (True, "true")]
        t.is_(r.code, 2, "%s first: CRITICAL (i-0's latest completed run failed)" % order)
        t.like(r.stdout, r"PartialFailed: 1 of 10 instances failed", "%s first: one failed of 10" % order)
        t.like(r.stdout, r"\ni-0 Failed exit=3 ExitCodeNonzero", "%s first: i-0 judged by the run before the running one" % order)
        t.ok("\ni-1 Success" in r.stdout and "\ni-2 Success" in r.stdout,
             "%s first: i-1 and i-2 judged by their newest runs" % order)
        t.is_(len(hist), pages, "%s first: %d page(s) of history read of 200" % (order, pages))
        t.ok(all(str(q.get("max_results")) == "50" for q in hist), "%s first: pages of 50" % order)
        t.is_(len(sim.requests()), 2 + pages, "%s first: %d requests in all" % (order, 2 + pages))
        t.is_((sim.connections(), sim.handshakes()), (1, 1),
              "%s first: one connection, exactly one TLS handshake" % order)
        t.is_(r.stderr, "", "%s first: nothing on stderr" % order)
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0histnew", "-v"] + base, env=plugin_env(sim))
    hist = [q for q in sim.requests() if q.get("include_history") in (True, "true")]
    t.like(r.stdout, r"PartialFailed: 1 of 11 instances failed, 1 running",
           "a new instance on its first run: counted as running, i-0 still judged by its run before")
    t.is_(len(hist), 1, "and one page of history is read, not 200")
    t.is_(len(sim.requests()), 3, "3 requests in all")
    t.is_((sim.connections(), sim.handshakes()), (1, 1), "one connection, exactly one TLS handshake")
t.done()
