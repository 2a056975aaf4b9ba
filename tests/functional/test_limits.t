#!/usr/bin/env python3
"""Numbers at their limits: exit codes outside the int range, a Dropped
count near 2^63, a server that pages for ever. The plugin must count and
print them exactly, never wrap, and stop paging on its own bound."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import SCENARIO_DIR, TAP, Simulator, plugin_env, run_plugin  # noqa: E402

t = TAP()
INT64_MAX = 2 ** 63 - 1


def invocation(invoke_id, instances, **extra):
    with open(os.path.join(SCENARIO_DIR, "t-hz0finished.json")) as f:
        data = json.load(f)
    data["invocation"]["InvokeId"] = invoke_id
    data["instances"] = instances
    data["expect"] = {"aggregate": None, "state": None}
    data.update(extra)
    return data


def instance(iid, status, **fields):
    d = {"InstanceId": iid, "InvocationStatus": status, "StartTime": "2026-11-28T10:00:01Z",
         "FinishTime": "2026-11-28T10:00:03Z", "Output": "out\n"}
    d.update(fields)
    return d


EXTRA = {
    # exit codes as Windows reports them (unsigned 32-bit, or negative
    # NTSTATUS values), and at the ends of int64
    "t-hz0bigexit": invocation("t-hz0bigexit", [
        instance("i-exit1", "Failed", ExitCode=4294967295, ErrorCode="ExitCodeNonzero"),
        instance("i-exit2", "Failed", ExitCode=-1073741819, ErrorCode="ExitCodeNonzero"),
        instance("i-exit3", "Success", ExitCode=INT64_MAX),
        instance("i-exit4", "Success", ExitCode=-INT64_MAX - 1),
    ]),
    "t-hz0dropped": invocation("t-hz0dropped", [
        instance("i-drop1", "Failed", ExitCode=1, ErrorCode="ExitCodeNonzero", Dropped=INT64_MAX,
                 Repeats=2 ** 31),
    ]),
    # NextToken after NextToken, for ever
    "t-hz0endless": invocation("t-hz0endless", [instance("i-end1", "Success", ExitCode=0)],
                               endless_paging=True),
}

with Simulator(extra_scenarios=EXTRA) as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    r = run_plugin(["-i", "t-hz0bigexit", "-v"] + base, env=env)
    t.is_(r.code, 2, "t-hz0bigexit: CRITICAL (exit codes other than 0 failed)")
    t.like(r.first_line, r"PartialFailed: 4 of 4 instances failed|Failed: 4 of 4 instances failed",
           "t-hz0bigexit: every instance counted failed")
    for n in ("4294967295", "-1073741819", str(INT64_MAX), str(-INT64_MAX - 1)):
        t.like(r.stdout, r"\bexit=%s\b" % n, "t-hz0bigexit: exit=%s printed exactly" % n)
    t.is_(r.stderr, "", "t-hz0bigexit: nothing on stderr")
    r = run_plugin(["-i", "t-hz0bigexit", "--ok-exit-codes",
                    "4294967295,-1073741819,%d" % INT64_MAX] + base, env=env)
    t.is_(r.code, 2, "t-hz0bigexit: --ok-exit-codes with the large codes: one left failed")
    t.like(r.first_line, r"PartialFailed: 1 of 4 instances failed",
           "t-hz0bigexit: the three listed codes count finished (no wrap to int)")
    t.like(r.stdout, r"\ni-exit4 Success exit=-9223372036854775808 \(not an --ok-exit-codes value\)", "t-hz0bigexit: the one not listed failed")
    # -2^63 itself does not fit the option's parser: refused, not wrapped.
    r = run_plugin(["-i", "t-hz0bigexit", "--ok-exit-codes", str(-INT64_MAX - 1)] + base, env=env)
    t.is_(r.code, 3, "--ok-exit-codes -2^63: refused")
    t.like(r.first_line, r"^ECS INVOCATION UNKNOWN - --ok-exit-codes takes", "--ok-exit-codes -2^63: says why")
    r = run_plugin(["-i", "t-hz0bigexit", "--ok-exit-codes", "9223372036854775808"] + base, env=env)
    t.is_(r.code, 3, "--ok-exit-codes 2^63: refused, not wrapped")
    r = run_plugin(["-i", "t-hz0bigexit", "--ok-exit-codes", "-1"] + base, env=env)
    t.is_(r.code, 2, "t-hz0bigexit: -1 does not match 4294967295")
    r = run_plugin(["-i", "t-hz0bigexit", "--output-format=json"] + base, env=env)
    doc = json.loads(r.stdout)
    t.is_(sorted(i["exit_code"] for i in doc["instances"]),
          sorted([4294967295, -1073741819, INT64_MAX, -INT64_MAX - 1]),
          "t-hz0bigexit: the JSON output carries the exact exit codes")

    r = run_plugin(["-i", "t-hz0dropped", "--show-output"] + base, env=env)
    t.is_(r.code, 2, "t-hz0dropped: CRITICAL")
    t.like(r.stdout, r"\[%d more bytes dropped by the API\]" % INT64_MAX,
           "t-hz0dropped: Dropped near 2^63 printed exactly")
    r = run_plugin(["-i", "t-hz0dropped", "--output-format=json"] + base, env=env)
    t.is_(json.loads(r.stdout)["instances"][0]["dropped"], INT64_MAX, "t-hz0dropped: exact in JSON too")

    # The plugin's own bound on pages (1,000) ends a list that never ends,
    # with UNKNOWN inside the deadline, not with a wrapped counter.
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0endless", "-t", "60"] + base, env=env)
    t.is_(r.code, 3, "t-hz0endless: UNKNOWN")
    t.like(r.first_line, r"the API kept paging past 1000 pages", "t-hz0endless: says it gave up paging")
    pages = [q for q in sim.requests() if q.get("action") == "DescribeInvocationResults"]
    t.is_(len(pages), 1000, "t-hz0endless: exactly 1000 pages read")
    t.is_(r.stderr, "", "t-hz0endless: nothing on stderr")

t.done()
