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
NO_DATE = r"the local clock is probably wrong, but the answer has no readable Date header to correct it by: check NTP$"
NOT_CURED = "refused again when signed with the time of the API's Date header"


def clock_lines(r):
    """How many lines say the local clock was corrected (-v)."""
    return len([x for x in r.stdout.split("\n") if "requests were signed with the API's time" in x])


def scenario(invoke_id, faults=None, stages=None, base="t-hz0finished"):
    """A bundled scenario under another id, with faults or stages."""
    with open(os.path.join(os.environ.get("ECS_SRCDIR", "."), "tests/sim/scenarios/%s.json" % base)) as f:
        data = json.load(f)
    data["invocation"]["InvokeId"] = invoke_id
    data["faults"] = faults or []
    if stages is not None:
        data["stages"] = stages
    return data


def arn_home(sim, role_arn):
    """A HOME whose config.json's current profile assumes role_arn."""
    home = tempfile.mkdtemp(dir=tmp_base())
    os.makedirs(os.path.join(home, ".aliyun"))
    cfg = os.path.join(home, ".aliyun", "config.json")
    with open(cfg, "w") as f:
        json.dump({"current": "arn", "profiles": [
            {"name": "arn", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
             "access_key_secret": sim.access_key_secret, "ram_role_arn": role_arn}]}, f)
    os.chmod(cfg, 0o600)
    return home


def expired(**kw):
    return dict({"type": "error", "status": 400, "code": "InvalidTimeStamp.Expired",
                 "message": "Specified time stamp or date value is expired."}, **kw)


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
            t.like(r.stdout, r"\nthe local clock is 3[56]\d\d s %s the API's: requests were signed with "
                   r"the API's time \(fix NTP\)\n" % way, tag + ": -v says so")
            t.is_(clock_lines(r), 1, tag + ": in one line")
            reqs = sim.requests()
            verdicts = [q.get("verdict") for q in reqs]
            t.is_(verdicts, ["InvalidTimeStamp.Expired", "ok", "ok"], tag + ": one refused, then the rest accepted")
            t.ok(len(reqs) == 3 and reqs[0].get("nonce") and reqs[0].get("nonce") != reqs[1].get("nonce"),
                 tag + ": the retry has a nonce of its own", [q.get("nonce") for q in reqs])
            t.is_(r.stderr, "", tag + ": nothing on stderr")
            r = run_plugin(["-i", "t-hz0partial", "-vv", "--signature-version", sig] + base, env=env)
            t.like(r.stdout, r"\ntimes measured on the API's clock \(its Date header\): %s; "
                   r"the local clock is 3[56]\d\d s %s\n" % (iso(0), "behind" if offset > 0 else "ahead"),
                   tag + ": -vv says which clock the ages are on, and how far the local one is off")
            r = run_plugin(["-i", "t-hz0partial", "--output-format", "json", "--signature-version", sig] + base,
                           env=env)
            got = json.loads(r.stdout).get("clock_corrected_s")
            t.ok(isinstance(got, int) and 3500 <= abs(got) <= 3700 and (got > 0) == (offset > 0),
                 tag + ": JSON: clock_corrected_s is the offset", got)

            # Ages on the API's clock: i-a is 2 h old there, whatever the local clock says.
            sim.clear_log()
            r = run_plugin(["-i", "t-hz0clock", "--max-age", "1h", "-v", "--signature-version", sig] + base,
                           env=env)
            t.is_(r.code, 2, tag + ": --max-age 1h flags i-a, 2 h old on the API's clock")
            t.like(r.stdout, r"\ni-a Success exit=0 last run 2h00m ago \(over --max-age\)", tag + ": with its API age")
            t.unlike(r.stdout, r"\ni-b .*over --max-age", tag + ": i-b, 20 min old, is fine")
            t.is_(clock_lines(r), 1, tag + ": periodic: -v says the clock was corrected, once")
            verdicts = [q.get("verdict") for q in sim.requests()]
            t.ok(len(verdicts) >= 3 and verdicts[0] == "InvalidTimeStamp.Expired"
                 and verdicts[1:] == ["ok"] * (len(verdicts) - 1),
                 tag + ": periodic: one refused, then the rest accepted", verdicts)

        # The STS call is corrected the same way.
        home = arn_home(sim, sim.ram_role_arn)
        for sig in ("1", "3"):
            sim.clear_log()
            r = run_plugin(["-i", "t-hz0finished", "-r", "cn-hangzhou", "--sts-endpoint", sim.url, "-v",
                            "--signature-version", sig] + base, env={"HOME": home})
            reqs = sim.requests()
            t.is_(r.code, 0, "local clock 1 h %s, v%s: RamRoleArn works" % (way, sig))
            t.is_(clock_lines(r), 1, "local clock 1 h %s, v%s: RamRoleArn: -v says so, once" % (way, sig))
            t.is_([(q.get("action"), q.get("verdict")) for q in reqs],
                  [("AssumeRole", "InvalidTimeStamp.Expired"), ("AssumeRole", "ok"),
                   ("DescribeInvocations", "ok"), ("DescribeInvocationResults", "ok")],
                  "local clock 1 h %s, v%s: AssumeRole refused once; everything after signed right" % (way, sig))
        shutil.rmtree(home, ignore_errors=True)

# Refused again although signed with the API's time: the local clock is an
# hour behind, so the first refusal is real and the retry is corrected; the
# scenario (or the role) refuses that too. UNKNOWN naming the clock and the
# offset, and no loop: v1 and v3, the ECS API and STS.
with Simulator(clock_offset=HOUR, extra_scenarios={"t-hz0stamp": scenario("t-hz0stamp", [expired()])}) as sim:
    base = ["-e", sim.url, "--cacert", sim.cacert]
    home = arn_home(sim, "acs:ram::1234567890123456:role/stamp")
    for sig in ("1", "3"):
        tag = "refused again, v" + sig
        sim.clear_log()
        r = run_plugin(["-i", "t-hz0stamp", "-v", "--signature-version", sig] + base, env=plugin_env(sim))
        t.is_(r.code, 3, tag + ": UNKNOWN")
        t.like(r.first_line, r"^ECS INVOCATION UNKNOWN - t-hz0stamp: API error InvalidTimeStamp\.Expired: .* "
               r"after 2 attempts: %s \(the local clock is 3[56]\d\d s behind it\): check NTP" % NOT_CURED,
               tag + ": the line names the clock and the offset")
        t.is_([q.get("verdict") for q in sim.requests()], ["InvalidTimeStamp.Expired"] * 2,
              tag + ": exactly one corrected retry")
        t.is_(clock_lines(r), 1, tag + ": -v says the retry was signed with the API's time")

        sim.clear_log()
        r = run_plugin(["-i", "t-hz0finished", "-r", "cn-hangzhou", "--sts-endpoint", sim.url, "-v",
                        "--signature-version", sig] + base, env={"HOME": home})
        t.is_(r.code, 3, tag + ", AssumeRole: UNKNOWN")
        t.like(r.first_line, r"AssumeRole.*InvalidTimeStamp\.Expired.*%s \(the local clock is 3[56]\d\d s "
               r"behind it\): check NTP" % NOT_CURED, tag + ", AssumeRole: the line names the clock and the offset")
        t.is_([(q.get("action"), q.get("verdict")) for q in sim.requests()],
              [("AssumeRole", "InvalidTimeStamp.Expired")] * 2, tag + ", AssumeRole: exactly one corrected retry")
    shutil.rmtree(home, ignore_errors=True)

# What a corrected clock cannot cure, or has nothing to be corrected by, is
# not retried: a refusal of a timestamp the API's own Date header agrees
# with, and a refusal without a (readable) Date header, even when an earlier
# answer had one.
cases = {"t-hz0agree": ([expired()], r"refused although the request was signed within 5 s of the API's "
                        r"Date header \(the local clock (agrees with|is 1 s (behind|ahead of)) it\): the local "
                        r"clock is not the cause; check any proxy or gateway in between$", 1),
         "t-hz0nodate": ([expired(date=None)], NO_DATE, 1),
         "t-hz0baddate": ([expired(date="yesterday-ish")], NO_DATE, 1),
         "t-hz0latedate": ([expired(date=None, action="DescribeInvocationResults")],
                           NO_DATE, 2)}
with Simulator(extra_scenarios={k: scenario(k, v[0]) for k, v in cases.items()}) as sim:
    base = ["-e", sim.url, "--cacert", sim.cacert]
    for invoke_id, (_, line, requests) in sorted(cases.items()):
        for sig in ("1", "3"):
            tag = "%s, v%s" % (invoke_id, sig)
            sim.clear_log()
            r = run_plugin(["-i", invoke_id, "-v", "--signature-version", sig] + base, env=plugin_env(sim))
            t.is_(r.code, 3, tag + ": UNKNOWN")
            t.like(r.first_line, r"^ECS INVOCATION UNKNOWN - %s: API error InvalidTimeStamp\.Expired: .*: %s"
                   % (invoke_id, line), tag + ": says why the clock was not corrected")
            t.is_(len(sim.requests()), requests, tag + ": no retry")
            t.is_(clock_lines(r), 0, tag + ": -v does not claim a correction")
            r = run_plugin(["-i", invoke_id, "--output-format", "json", "--signature-version", sig] + base,
                           env=plugin_env(sim))
            t.is_(json.loads(r.stdout).get("clock_corrected_s", "missing"), None, tag + ": JSON: clock_corrected_s null")

# A correction is not one of the retries: a run whose clock is off and whose
# API then throttles it four times gets the same answer as with a right clock.
# And a clock that steps in the middle of a run (NTP, during --wait) is
# corrected again, at most three times a run.
throttled = scenario("t-hz0clockthr", [{"type": "error", "status": 400, "code": "Throttling.User", "first": 4,
                                       "action": "DescribeInvocations"}])


def polled(invoke_id, steps):
    """Running (so --wait polls it) until the last of its clock steps, then
    Finished: steps are (after_reads, clock_step) pairs."""
    sc = scenario(invoke_id, base="t-hz0running",
                  stages=[{"after_reads": n, "clock_step": step} for n, step in steps])
    sc["stages"][-1].update(invocation={"InvocationStatus": "Success"},
                            instances=scenario("x")["instances"])
    return sc


stepped = polled("t-hz0stepped", [(1, -HOUR)])
moving = polled("t-hz0moving", [(1, HOUR), (2, HOUR), (3, HOUR)])
with Simulator(clock_offset=HOUR, extra_scenarios={"t-hz0clockthr": throttled, "t-hz0stepped": stepped,
                                                   "t-hz0moving": moving}) as sim:
    base = ["-e", sim.url, "--cacert", sim.cacert]
    env = plugin_env(sim)
    for sig in ("1", "3"):
        tag = "clock off and throttled, v" + sig
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", "t-hz0clockthr", "-v", "--signature-version", sig] + base, env=env)
        t.is_(r.code, 0, tag + ": OK, as with a right clock")
        t.is_([q.get("verdict") for q in sim.requests()],
              ["InvalidTimeStamp.Expired"] + ["Throttling.User"] * 4 + ["ok", "ok"],
              tag + ": the correction did not use up an attempt")

        tag = "clock stepped back during --wait, v" + sig
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", "t-hz0stepped", "--wait", "--interval", "1", "-v", "--signature-version", sig]
                       + base, env=env)
        t.is_(r.code, 0, tag + ": OK")
        t.is_([q.get("verdict") for q in sim.requests()],
              ["InvalidTimeStamp.Expired", "ok", "ok", "ok", "InvalidTimeStamp.Expired", "ok"],
              tag + ": refused once at the start and once after the step")
        t.like(r.stdout, r"\nthe local clock (agrees with|is 1 s (behind|ahead of)) the API's "
               r"\(it moved during the run: corrected 2 times\): requests were signed", tag + ": -v says so")
        t.is_(clock_lines(r), 1, tag + ": in one line")

        tag = "clock that keeps moving, v" + sig
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", "t-hz0moving", "--wait", "--interval", "1", "--signature-version", sig] + base,
                       env=env)
        t.is_(r.code, 3, tag + ": UNKNOWN")
        t.like(r.first_line, r"InvalidTimeStamp\.Expired.*: the local clock keeps moving \(now it is 14[34]\d\d s behind the "
               r"API's; corrected 3 times in this run\): check NTP$", tag + ": says so")
        t.is_([q.get("verdict") for q in sim.requests()].count("InvalidTimeStamp.Expired"), 4,
              tag + ": three corrections, then no more")
t.done()
