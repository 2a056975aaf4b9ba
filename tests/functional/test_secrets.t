#!/usr/bin/env python3
"""Secrets stay secret. Every scenario of tests/sim/scenarios runs at -vvv,
signed with both signature versions, with a plain AccessKey and with STS
credentials (AccessKey and security token): neither secret, nor the token,
nor any signature the simulator received may appear in what the plugin
writes to stdout or stderr, as sent or percent-encoded. The simulator's own
request log must not hold them either, and it must not have found the secret
in any request, nor the token anywhere but in the field that carries it.
Finally a running check (one that waits on a server that never answers)
must have no secret on its command line (/proc/PID/cmdline)."""
import concurrent.futures
import json
import os
import shlex
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import (SCENARIO_DIR, TAP, VALGRIND, Simulator, plugin_env, plugin_path,  # noqa: E402
                     run_plugin)
import aliyun_sign  # noqa: E402  (tests/sim, on the path since ecstest)

t = TAP()
SCENARIOS = sorted(f[:-5] for f in os.listdir(SCENARIO_DIR) if f.endswith(".json"))
WRONG_SECRET = "wrong-secret-9z8y7x"


def forms(value):
    """A value as sent, and percent-encoded once and twice (a v1 query
    carries it once encoded; a v1 string to sign twice)."""
    once = aliyun_sign.percent_encode(value)
    return {value, once, aliyun_sign.percent_encode(once)}


# Behind a wrapper (ECS_PLUGIN_WRAPPER) or under valgrind (ECS_VALGRIND=1,
# tests/valgrind/run-valgrind.sh) everything is slower: give each run ten
# times as long.
SLOWER = 10 if VALGRIND or os.environ.get("ECS_PLUGIN_WRAPPER", "").strip() else 1


def timeout_for(sid):
    """Scenarios whose faults make the plugin wait (slow, hanging, retried
    servers) get 1 s; their traces are as long as they get by then."""
    with open(os.path.join(SCENARIO_DIR, sid + ".json")) as f:
        cls = json.load(f).get("class")
    return SLOWER * (1 if cls in ("transport", "api-error") else 5)


with Simulator(signature_log=True) as sim:
    base = ["-e", sim.url, "--cacert", sim.cacert]
    creds = {"AK": plugin_env(sim), "STS": plugin_env(sim, sts=True)}
    secrets = {"AccessKey secret": forms(sim.access_key_secret),
               "STS secret": forms(sim.sts_access_key_secret),
               "STS token": forms(sim.sts_token),
               "wrong secret": forms(WRONG_SECRET)}

    def run(job):
        sid, sig, label, env, v = job
        args = ["-i", sid, v, "-t", str(timeout_for(sid)), "--signature-version", sig] + base
        return job, run_plugin(args, env=env)

    for sig in ("1", "3"):
        sim.clear_log()
        started = time.monotonic()
        jobs = [(sid, sig, label, env, "-vvv") for sid in SCENARIOS for label, env in creds.items()]
        # SignatureDoesNotMatch echoes the whole string to sign (with the
        # token, for v1) in its Message; other verbosities print other lines.
        for label, env in creds.items():
            jobs.append(("t-hz0partial", sig, label + ", wrong secret",
                         dict(env, ALIBABA_CLOUD_ACCESS_KEY_SECRET=WRONG_SECRET), "-vvv"))
            for v in ("-v", "-vv"):
                jobs.append(("t-hz0partial", sig, label, env, v))
        # The simulator answers concurrent requests; most runs wait on it
        # rather than compute, so eight go at a time.
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, jobs))
        took = time.monotonic() - started
        signatures = sim.signatures()
        log = sim.requests()
        leaks, ended, quiet = [], [], []
        for (sid, _, label, _, v), r in results:
            text = r.stdout + "\n" + r.stderr
            for what, values in secrets.items():
                if any(x in text for x in values):
                    leaks.append("%s %s %s: %s" % (sid, label, v, what))
            for s in signatures:
                if any(x in text for x in forms(s)):
                    leaks.append("%s %s %s: a signature" % (sid, label, v))
                    break
            if r.code is None:
                ended.append("%s %s" % (sid, label))
            if r.stderr:
                quiet.append("%s %s: %r" % (sid, label, r.stderr[:200]))
        name = "v%s, %d runs" % (sig, len(jobs))
        t.diag("v%s: %d runs (%d scenarios, AK and STS, -v to -vvv) in %.1f s" % (sig, len(jobs), len(SCENARIOS), took))
        t.ok(len(signatures) >= len(jobs), name + ": the simulator received %d signatures" % len(signatures))
        t.is_(leaks, [], name + ": no secret, token or signature in stdout or stderr")
        t.is_(quiet, [], name + ": nothing on stderr")
        t.is_(ended, [], name + ": every run ended by itself")
        # What the simulator kept: its log never holds a secret, a token or a
        # signature, and no request carried the secret, or the token outside
        # SecurityToken / x-acs-security-token.
        with open(sim.log_path, encoding="utf-8") as f:
            text = f.read()
        found = [what for what, values in secrets.items() if any(x in text for x in values)]
        found += ["a signature"] if any(x in text for s in signatures for x in forms(s)) else []
        t.is_(found, [], name + ": the simulator's request log holds none of them")
        signed = [q for q in log if q.get("sig_version") and "secret_seen" in q]
        t.ok(len(signed) >= len(jobs), name + ": %d requests were checked for misplaced secrets" % len(signed))
        t.is_([q.get("invoke_id") for q in signed if q["secret_seen"]], [],
              name + ": no request carried the secret")
        t.is_([q.get("invoke_id") for q in signed if q["token_outside"]], [],
              name + ": no request carried the token outside its field")
        t.ok(any(q["security_token_sent"] for q in signed), name + ": the STS runs sent their token")
        traces = [r.stdout for (sid, _, label, _, v), r in results
                  if sid == "t-hz0partial" and label == "STS" and v == "-vvv"]
        want = "SecurityToken=REDACTED" if sig == "1" else "x-acs-security-token REDACTED"
        t.ok(traces and "Signature=REDACTED" in traces[0] and want in traces[0],
             name + ": -vvv shows the requests, signature and token redacted", traces[:1])

    # A running check: its command line holds no secret (none is ever
    # passed there), also while it waits on a server that never answers.
    env = dict(creds["STS"], PATH=os.environ.get("PATH", "/usr/bin:/bin"), LC_ALL="C")
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    cmd = shlex.split(os.environ.get("ECS_PLUGIN_WRAPPER", "")) + \
        [plugin_path(), "-i", "t-hz0hang", "-vvv", "-t", str(10 * SLOWER)] + base
    sim.clear_log()
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 8 * SLOWER
    while time.monotonic() < deadline and not sim.requests():
        time.sleep(0.02)
    alive = p.poll() is None
    try:
        with open("/proc/%d/cmdline" % p.pid, "rb") as f:
            cmdline = f.read().decode("utf-8", "replace")
    except OSError:
        cmdline = ""
    os.killpg(p.pid, signal.SIGKILL)
    p.communicate()
    t.ok(alive and sim.requests(), "a check waiting on the API is running (pid %d)" % p.pid)
    t.ok("t-hz0hang" in cmdline, "its /proc/PID/cmdline was read", cmdline.replace("\0", " "))
    t.is_([what for what, values in secrets.items() if any(x in cmdline for x in values)], [],
          "its /proc/PID/cmdline holds no secret and no token")

t.done()
