#!/usr/bin/env python3
"""A wrong local clock: the API refuses the timestamp (InvalidTimeStamp.Expired);
the plugin takes the offset from the response's Date header, signs again
with the corrected time, uses it for the rest of the run (the STS call too),
says so at -v, and measures ages on the API's clock."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, VALGRIND, Simulator, plugin_env, run_plugin, tmp_base  # noqa: E402

t = TAP()
HOUR = 3600

for offset in (HOUR, -HOUR):
    way = "behind" if offset > 0 else "ahead of"
    # The simulator's clock stands still at T0 + offset, so ages are exact.
    T0 = float(int(time.time()))
    now_api = T0 + offset

    def iso(ago):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_api - ago))

    # On the API's clock: i-a last ran 2 h ago, i-b 20 min ago; rate(10m).
    stall = {"description": "made by test_clock.t", "class": "normal",
             "invocation": {"InvokeId": "t-hz0clock", "CommandName": "sim-check", "CreationTime": iso(86400),
                            "InvocationStatus": "Running", "RepeatMode": "Period", "Frequency": "rate(10m)",
                            "Timed": True},
             "instances": [
                 {"InstanceId": "i-a", "runs": [{"InvocationStatus": "Success", "ExitCode": 0,
                                                  "StartTime": iso(2 * HOUR + 5), "FinishedTime": iso(2 * HOUR)}]},
                 {"InstanceId": "i-b", "runs": [{"InvocationStatus": "Success", "ExitCode": 0,
                                                  "StartTime": iso(1205), "FinishedTime": iso(1200)}]}],
             "expect": {"aggregate": None, "state": None}}
    with Simulator(clock_offset=offset, clock_frozen_at=T0, extra_scenarios={"t-hz0clock": stall}) as sim:
        env = plugin_env(sim)
        base = ["-e", sim.url, "--cacert", sim.cacert]
        for sig in ("1", "3"):
            tag = "local clock 1 h %s, v%s" % (way, sig)
            sim.clear_log()
            r = run_plugin(["-i", "t-hz0partial", "-v", "--signature-version", sig] + base, env=env)
            t.is_(r.code, 2, tag + ": the same answer as with a right clock (CRITICAL)")
            # The Date header counts whole seconds and the simulator's clock
            # stands still at T0 while the local one moves on: about an hour.
            t.like(r.stdout, r"\nthe local clock is 3[56]\d\d s %s the API's" % way, tag + ": -v says so")
            verdicts = [q.get("verdict") for q in sim.requests()]
            t.is_(verdicts, ["InvalidTimeStamp.Expired", "ok", "ok"], tag + ": one refused, then the rest accepted")
            t.is_(r.stderr, "", tag + ": nothing on stderr")
            r = run_plugin(["-i", "t-hz0partial", "-vv", "--signature-version", sig] + base, env=env)
            t.like(r.stdout, r"\ntimes measured on the API's clock \(its Date header\): %s; "
                   r"the local clock is 3[56]\d\d s %s\n" % (iso(0), "behind" if offset > 0 else "ahead"),
                   tag + ": -vv says which clock the ages are on, and how far the local one is off")

            # Ages on the API's clock: i-a is 2 h old there, whatever the local clock says.
            r = run_plugin(["-i", "t-hz0clock", "--max-age", "1h", "--signature-version", sig] + base, env=env)
            t.is_(r.code, 2, tag + ": --max-age 1h flags i-a, 2 h old on the API's clock")
            t.like(r.stdout, r"\ni-a Success exit=0 last run 2h00m ago \(over --max-age\)", tag + ": with its API age")
            t.ok("\ni-b" not in r.stdout, tag + ": i-b, 20 min old, is fine")

        # The STS call is corrected the same way.
        home = tempfile.mkdtemp(dir=tmp_base())
        os.makedirs(os.path.join(home, ".aliyun"))
        cfg = os.path.join(home, ".aliyun", "config.json")
        with open(cfg, "w") as f:
            json.dump({"current": "arn", "profiles": [
                {"name": "arn", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                 "access_key_secret": sim.access_key_secret, "ram_role_arn": sim.ram_role_arn}]}, f)
        os.chmod(cfg, 0o600)
        for sig in ("1", "3"):
            sim.clear_log()
            r = run_plugin(["-i", "t-hz0finished", "-r", "cn-hangzhou", "--sts-endpoint", sim.url, "-v",
                            "--signature-version", sig] + base, env={"HOME": home})
            reqs = sim.requests()
            t.is_(r.code, 0, "local clock 1 h %s, v%s: RamRoleArn works" % (way, sig))
            t.is_([(q.get("action"), q.get("verdict")) for q in reqs],
                  [("AssumeRole", "InvalidTimeStamp.Expired"), ("AssumeRole", "ok"),
                   ("DescribeInvocations", "ok"), ("DescribeInvocationResults", "ok")],
                  "local clock 1 h %s, v%s: AssumeRole refused once; everything after signed right" % (way, sig))
        shutil.rmtree(home, ignore_errors=True)

# Refused even after the correction: UNKNOWN naming the clock, no loop.
always = json.load(open(os.path.join(os.environ.get("ECS_SRCDIR", "."), "tests/sim/scenarios/t-hz0finished.json")))
always["invocation"]["InvokeId"] = "t-hz0stamp"
always["faults"] = [{"type": "error", "status": 400, "code": "InvalidTimeStamp.Expired",
                     "message": "Specified time stamp or date value is expired."}]
with Simulator(extra_scenarios={"t-hz0stamp": always}) as sim:
    r = run_plugin(["-i", "t-hz0stamp", "-e", sim.url, "--cacert", sim.cacert, "-v"], env=plugin_env(sim))
    first = r.stdout.split("\n")[0]
    t.is_(r.code, 3, "refused again after the correction: UNKNOWN")
    t.ok("InvalidTimeStamp.Expired" in first and "check NTP" in first and "corrected by" in first,
         "the line names the clock and the offset", first)
    t.is_(len(sim.requests()), 2, "exactly one corrected retry")
t.done()
