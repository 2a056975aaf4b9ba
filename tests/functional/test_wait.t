#!/usr/bin/env python3
"""--wait and --interval, the cron use: poll until no instance is running or
the -t deadline comes, each poll a fresh signed request over the same
connection; a deadline reached while running reports Running, never OK."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, VALGRIND, Simulator, plugin_env, run_plugin, slack  # noqa: E402

t = TAP()


def instance(status, exit_code=None):
    inst = {"InstanceId": "i-later", "InvocationStatus": status, "StartTime": "2026-11-28T10:00:01Z"}
    if exit_code is not None:
        inst["ExitCode"] = exit_code
        inst["FinishTime"] = "2026-11-28T10:00:09Z"
    return inst


# Pending on the first read, Running on the next two, finished from the fourth:
# the simulator moves the invocation on per read, so the test needs no timing.
LATER = {"description": "made by test_wait.t", "class": "normal",
         "invocation": {"InvokeId": "t-hz0later", "CommandName": "sim-check",
                        "CreationTime": "2026-11-28T10:00:00Z", "InvocationStatus": "Pending"},
         "instances": [instance("Pending")],
         "stages": [{"after_reads": 1, "invocation": {"InvocationStatus": "Running"},
                     "instances": [instance("Running")]},
                    {"after_reads": 3, "invocation": {"InvocationStatus": "Success"},
                     "instances": [instance("Success", 0)]}],
         "expect": {"aggregate": None, "state": None}}

with Simulator(extra_scenarios={"t-hz0later": LATER}) as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    sim.reset_faults()
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0later", "--wait", "--interval", "1", "-t", "20", "-vv"] + base, env=env)
    t.is_(r.code, 0, "--wait: OK once the run finished")
    t.like(r.stdout, r"^ECS INVOCATION OK - t-hz0later Finished: 1 of 1 instances finished \|",
           "--wait: judged on the last poll")
    reqs = sim.requests()
    polls = [q for q in reqs if q.get("action") == "DescribeInvocations"]
    t.is_(len(polls), 4, "--wait: Pending, Running, Running, then finished: 4 polls")
    t.is_(len({q.get("nonce") for q in reqs}), len(reqs), "--wait: every poll signed anew (fresh nonces)")
    t.is_(sim.connections(), 1, "--wait: one connection for all the polls")
    t.like(r.stdout, r"4 polls over \d+ s", "-vv says how many polls")
    t.is_(r.stderr, "", "--wait: nothing on stderr")
    sim.reset_faults()
    r = run_plugin(["-i", "t-hz0later"] + base, env=env)
    t.is_(r.code, 1, "without --wait the first read (Pending) is Running: WARNING")

    # It never finishes: the deadline is kept, and the answer is Running.
    # A deadline of 4 s, and under valgrind room for its overhead on top.
    deadline = int(slack(4))
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0running", "--wait", "--interval", "1", "-t", str(deadline)] + base, env=env)
    t.is_(r.code, 1, "--wait, still running at the deadline: WARNING (Running), not OK")
    t.like(r.stdout, r"^ECS INVOCATION WARNING - t-hz0running Running: 2 of 3 instances running - "
                     r"still running after \d+ s of --wait \|", "line 1 says it is still running")
    t.ok(r.elapsed <= slack(deadline + 1.0), "--wait: the -t deadline is kept (%.2f s)" % r.elapsed)
    t.ok(len([q for q in sim.requests() if q.get("action") == "DescribeInvocations"]) >= 3,
         "--wait: it did poll meanwhile")
    r = run_plugin(["-i", "t-hz0running", "--wait", "--interval", "1", "-t", "3", "--output-format=json"] + base,
                   env=env)
    doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    t.ok(r.code == 1 and doc.get("still_running") is True and isinstance(doc.get("polls"), int)
         and doc["polls"] >= 1,
         "--output-format=json says still_running and how many polls (%s, %s)"
         % (doc.get("still_running"), doc.get("polls")))

    # An interval longer than the deadline: one last poll just inside it.
    # (The plugin's own count of polls: the previous run, which gave up at
    # its deadline, may still have a request on its way to the log. Under
    # valgrind the first poll pays for OpenSSL's handshake, several seconds;
    # the plugin's estimate of a poll shrinks after the second, and one more
    # may fit.)
    r = run_plugin(["-i", "t-hz0running", "--wait", "--interval", "1000", "-t", str(deadline),
                    "--output-format=json"] + base, env=env)
    doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    polls = doc.get("polls") or 0
    t.ok(r.code == 1 and (polls == 2 or (VALGRIND and polls > 2)) and doc.get("requests") == 2 * polls
         and deadline - 1.5 <= r.elapsed <= slack(deadline + 1.0),
         "--interval beyond -t: a last poll just before the deadline (%s polls, %s requests, %.2f s)"
         % (doc.get("polls"), doc.get("requests"), r.elapsed))

    # A finished invocation is not polled twice; without --wait there is one read.
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0finished", "--wait", "--interval", "1"] + base, env=env)
    t.is_((r.code, len([q for q in sim.requests() if q.get("action") == "DescribeInvocations"])), (0, 1),
          "--wait on a finished invocation: one read, OK")
    sim.clear_log()
    r = run_plugin(["-i", "t-hz0running"] + base, env=env)
    t.is_((r.code, len([q for q in sim.requests() if q.get("action") == "DescribeInvocations"])), (1, 1),
          "no --wait: one read of a running invocation")

    r = run_plugin(["-i", "t-hz0running", "--interval", "0"] + base, env=env)
    t.ok(r.code == 3 and "--interval" in r.stdout, "--interval 0 is a usage error")

t.done()
