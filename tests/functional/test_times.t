#!/usr/bin/env python3
"""--max-runtime (a hung run) and --max-age (a stalled periodic schedule),
measured on the API's clock. The simulator's clock is frozen at one second
(T0, taken when the test starts, so the plugin's signatures still fall in
the API's window) and every scenario time is written relative to it: the
ages the plugin measures are then exact, however slowly the test runs. One
simulator is frozen three days ahead of the local clock, to show that ages
follow the API's Date header, not the local clock."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin  # noqa: E402

t = TAP()
T0 = float(int(time.time()))


def iso(seconds_ago):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 - seconds_ago))


def scenario(invoke_id, repeat, instances, creation_ago=3 * 86400):
    inv = {"InvokeId": invoke_id, "CommandName": "sim-check", "CreationTime": iso(creation_ago),
           "InvocationStatus": "Running", "RepeatMode": repeat}
    if repeat != "Once":
        inv["Frequency"] = "rate(1h)"
        inv["Timed"] = True
    return {"description": "made by test_times.t", "class": "normal", "invocation": inv,
            "instances": instances, "expect": {"aggregate": None, "state": None}}


def run(started_ago, status="Success", code=0):
    r = {"InvocationStatus": status, "StartTime": iso(started_ago)}
    if status != "Running":
        r["FinishedTime"] = iso(started_ago - 2)
        r["ExitCode"] = code
    return r


EXTRA = {
    # Once: one instance running for 2 hours, one done.
    "t-hz0hung": scenario("t-hz0hung", "Once", [
        {"InstanceId": "i-hung", "InvocationStatus": "Running", "StartTime": iso(7200)},
        {"InstanceId": "i-done", "InvocationStatus": "Success", "ExitCode": 0,
         "StartTime": iso(7300), "FinishTime": iso(7290)}]),
    # Once, still Pending (no StartTime): waits since the creation, 3 hours ago.
    "t-hz0pending": scenario("t-hz0pending", "Once", [
        {"InstanceId": "i-pend", "InvocationStatus": "Pending"}], creation_ago=3 * 3600),
    # Periodic, hourly: i-fresh ran an hour ago; i-stale last ran two days ago;
    # i-never has no completed run since the creation three days ago.
    "t-hz0stall": scenario("t-hz0stall", "Period", [
        {"InstanceId": "i-fresh", "runs": [run(3 * 3600), run(3600)]},
        {"InstanceId": "i-stale", "runs": [run(3 * 86400), run(2 * 86400)]},
        {"InstanceId": "i-never", "runs": [run(600, "Running")]}]),
    # Periodic, created three days ago and never fired: one instance waits
    # for its schedule (Scheduled), one was just triggered (Pending).
    "t-hz0sched": scenario("t-hz0sched", "Period", [
        {"InstanceId": "i-wait", "InvocationStatus": "Scheduled"},
        {"InstanceId": "i-trig", "InvocationStatus": "Pending"}]),
    # Periodic: the newest run hangs for 5 hours, the one before succeeded.
    "t-hz0perhung": scenario("t-hz0perhung", "Period", [
        {"InstanceId": "i-ph", "runs": [run(6 * 3600), run(5 * 3600, "Running")]}]),
}

with Simulator(extra_scenarios=EXTRA, clock_frozen_at=T0) as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    def check(invoke_id, extra):
        r = run_plugin(["-i", invoke_id] + base + extra, env=env)
        t.is_(r.stderr, "", "%s %s: nothing on stderr" % (invoke_id, " ".join(extra)))
        return r, r.stdout.split("\n")[0]

    r, first = check("t-hz0hung", ["--max-runtime", "1h"])
    t.is_(r.code, 2, "a run in progress for 2h is CRITICAL with --max-runtime 1h")
    t.like(first, r"Running: 1 of 2 instances running - 1 running over 1h00m \|", "line 1 says one run is over the limit")
    t.like(r.stdout, r"\ni-hung Running running for 2h00m \(over --max-runtime\)", "the long output names it and for how long")
    r, _ = check("t-hz0hung", ["--max-runtime", "1h", "-vv"])
    t.like(r.stdout, r"\ntimes measured on the API's clock \(its Date header\): %s; the local clock "
           % re.escape(iso(0)), "-vv says the ages were measured on the API's clock, and when that was")
    r, first = check("t-hz0hung", ["--max-runtime", "3h"])
    t.is_(r.code, 1, "under the limit it is only Running (WARNING)")
    t.ok("over" not in first, "and line 1 does not mention a limit", first)
    r, _ = check("t-hz0hung", ["--max-runtime", "90m", "--map", "Running=ok"])
    t.is_(r.code, 2, "--map Running=ok does not hide a hung run")

    r, _ = check("t-hz0pending", ["--max-runtime", "2h"])
    t.is_(r.code, 2, "a Pending run is measured from the invocation's creation (3h > 2h)")
    r, _ = check("t-hz0pending", ["--max-runtime", "4h"])
    t.is_(r.code, 1, "... and is fine under 4h")

    r, first = check("t-hz0stall", ["--max-age", "1d"])
    t.is_(r.code, 2, "a periodic instance whose last run is 2 days old is CRITICAL with --max-age 1d")
    t.like(first, r" - 2 with no run in 1d0h", "line 1 counts the stalled instances (i-stale, i-never)")
    t.like(r.stdout, r"\ni-stale Success exit=0 last run 1d23h ago \(over --max-age\)",
           "i-stale is named with the age of its last completed run (finished 2 s after its start 2 days ago)")
    t.like(r.stdout, r"\ni-never Running no completed run since its creation 3d0h ago \(over --max-age\)",
           "i-never is measured from the creation, and says it never completed a run")
    t.ok("\ni-fresh" not in r.stdout, "i-fresh, which ran an hour ago, is not listed")
    r, first = check("t-hz0stall", ["--max-age", "4d", "--map", "Running=ok"])
    t.is_(r.code, 0, "with --max-age 4d nothing is stale")
    r, _ = check("t-hz0stall", [])
    t.is_(r.code, 1, "without --max-age, i-never still counts as running (WARNING)")

    r, first = check("t-hz0sched", ["--max-runtime", "1h"])
    t.is_(r.code, 1, "a periodic instance waiting for its schedule, or Pending since an unknown trigger, "
          "is not a hung run: Running (WARNING), not CRITICAL")
    t.ok("over" not in r.stdout, "nothing is said to be over --max-runtime", r.stdout)
    r, first = check("t-hz0sched", ["--max-age", "1d"])
    t.is_(r.code, 2, "but with --max-age 1d, three days without a completed run is CRITICAL")
    t.like(r.stdout, r"\ni-wait Scheduled no completed run since its creation 3d0h ago \(over --max-age\)",
           "i-wait is named as never having completed a run")
    r, first = check("t-hz0reboot", ["--max-runtime", "1h"])
    t.is_(r.code, 1, "t-hz0reboot: an instance waiting for the next reboot is not hung")

    r, first = check("t-hz0perhung", ["--max-runtime", "4h"])
    t.is_(r.code, 2, "periodic: the newest run hanging 5h is CRITICAL, though the last completed run succeeded")
    t.like(r.stdout, r"\ni-ph Success exit=0; a newer run in progress for 5h00m \(over --max-runtime\)", "named with the hung run's duration")
    r = run_plugin(["-i", "t-hz0stall", "--max-age", "1d", "--output-format=json"] + base, env=env)
    doc = json.loads(r.stdout)
    stale = sorted(i["instance_id"] for i in doc["instances"] if i["stale"])
    t.is_(stale, ["i-never", "i-stale"], "--output-format=json marks the stale instances")
    t.is_(sorted(i["over_s"] for i in doc["instances"] if i["stale"]), [2 * 86400 - 2, 3 * 86400],
          "and says exactly how old, in seconds (over_s)")
    r, _ = check("t-hz0perhung", ["--max-runtime", "6h"])
    t.is_(r.code, 0, "periodic: under the limit, judged by the completed run (OK)")

# The API's clock, not the local one: the simulator runs 3 days ahead. Its
# first refusal (InvalidTimeStamp.Expired) teaches the plugin the offset.
def skews(ahead, before, after):
    """The whole seconds the local clock can be behind a simulator frozen
    at T0 + ahead, for a run between before and after (time.time()): ahead
    less the time since T0, which is seconds under valgrind."""
    return "|".join(str(n) for n in range(int(T0 + ahead - after) - 1, int(T0 + ahead - before) + 2))


with Simulator(extra_scenarios=EXTRA, clock_frozen_at=T0 + 3 * 86400) as sim:
    before = time.time()
    r = run_plugin(["-i", "t-hz0hung", "-e", sim.url, "--cacert", sim.cacert, "--max-runtime", "1d",
                    "-v"], env=plugin_env(sim))
    after = time.time()
    t.is_(r.code, 2, "a run 2h old by the local clock is 3d2h old by the API's: CRITICAL with --max-runtime 1d")
    t.like(r.stdout, r"\ni-hung Running running for 3d2h ", "and its age is the API's")
    t.like(r.stdout, r"\nthe local clock is (%s) s behind the API's" % skews(3 * 86400, before, after),
           "-v says the local clock is 3 days behind")

# Ten minutes off is inside the API's 15-minute timestamp window: nothing is
# refused or corrected, and still the ages are the API's (2h10m, not 2h00m).
with Simulator(extra_scenarios=EXTRA, clock_frozen_at=T0 + 600) as sim:
    before = time.time()
    r = run_plugin(["-i", "t-hz0hung", "-e", sim.url, "--cacert", sim.cacert, "--max-runtime", "1h",
                    "-vv"], env=plugin_env(sim))
    after = time.time()
    t.is_([q.get("verdict") for q in sim.requests()], ["ok", "ok"], "10 min off: no request refused")
    t.like(r.stdout, r"\ni-hung Running running for 2h10m \(over --max-runtime\)",
           "10 min off: the age is on the API's clock, uncorrected")
    t.like(r.stdout, r"\ntimes measured on the API's clock \(its Date header\): %s; the local clock is "
           r"(%s) s behind\n" % (re.escape(iso(-600)), skews(600, before, after)),
           "-vv says the local clock is 10 minutes behind")

t.done()
