#!/usr/bin/env python3
"""The fault matrix: every way the check can be prevented ends UNKNOWN (3),
within the -t deadline, with one line that names the cause, nothing on
stderr, and no secret anywhere in what the plugin prints."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin, slack  # noqa: E402

t = TAP()
# Slack for process start-up under AddressSanitizer on a busy 2-core machine
# (and valgrind's overhead under ECS_VALGRIND=1).
SLACK = slack(1.0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def expect_unknown(name, r, needles, timeout):
    first = r.stdout.split("\n")[0]
    t.is_(r.code, 3, name + ": UNKNOWN")
    t.ok(first.startswith("ECS INVOCATION UNKNOWN - "), name + ": first line says UNKNOWN", first)
    for n in needles:
        t.ok(n in first, "%s: names the cause (%s)" % (name, n), first)
    t.is_(r.stderr, "", name + ": nothing on stderr")
    t.ok(r.elapsed <= timeout + SLACK, "%s: ended within the %d s deadline (%.2f s)" % (name, timeout, r.elapsed))


with Simulator() as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    # id, extra args, timeout, needles in line 1, how many requests the simulator may see
    MATRIX = [
        ("t-hz0down", 10, ["API error InternalError", "RequestId", "after 5 attempts"], (5, 5)),
        ("t-hz0forbidden", 10, ["API error Forbidden.RAM", "User not authorized", "HTTP 403", "RequestId"], (1, 1)),
        ("t-hz0badjson", 10, ["not valid JSON"], (1, 1)),
        ("t-hz0huge", 20, ["larger than 32 MiB"], (1, 1)),
        ("t-hz0wrongtype", 10, ["documented shape", "not an integer"], None),
        ("t-hz0wrongshape", 10, ["Invocations is a string, not an object"], (1, 1)),
        ("t-hz0unknownst", 10, ["status 'Exploded'", "does not know"], None),
        ("t-hz0empty", 10, ["has no instances"], None),
        ("t-hz0cut", 10, ["failed (transfer closed", "after 5 attempts"], (5, 5)),
        ("t-hz0stuckpage", 10, ["same NextToken"], (3, 3)),
        ("t-hz0slow", 3, ["deadline"], None),
        ("t-hz0trickle", 3, ["deadline"], None),
        ("t-hz0hang", 2, ["deadline"], None),
    ]
    for sig, (invoke_id, timeout, needles, req_range) in (
            (sig, row) for sig in ("1", "3") for row in MATRIX):
        if sig == "1" and timeout <= 3:
            continue  # the slow transport faults do not depend on the signature
        # Under valgrind the rows that are not about the deadline get room
        # for its overhead too (a 32 MiB answer is slow to take in there).
        if timeout > 3:
            timeout = int(slack(timeout))
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", invoke_id, "-t", str(timeout), "--signature-version", sig] + base, env=env)
        expect_unknown("%s (v%s)" % (invoke_id, sig), r, needles, timeout)
        if req_range:
            n = len(sim.requests())
            t.ok(req_range[0] <= n <= req_range[1], "%s: %d request(s) seen, expected %d..%d" % (invoke_id, n, *req_range))

    # A stuck NextToken is noticed at once, not after the deadline.
    r = run_plugin(["-i", "t-hz0stuckpage", "-t", "10"] + base, env=env)
    t.ok(r.elapsed < slack(3), "t-hz0stuckpage: gives up at once (%.2f s)" % r.elapsed)

    # Retries of 5xx are each signed anew (a fresh nonce; the timestamp is made again too).
    sim.reset_faults()
    sim.clear_log()
    run_plugin(["-i", "t-hz0down", "-t", "10"] + base, env=env)
    reqs = sim.requests()
    t.is_(len({q.get("nonce") for q in reqs}), len(reqs), "t-hz0down: every retry has a new nonce")

    # A wrong secret: the server's string to sign matches ours, so say the secret is wrong.
    bad = dict(env, ALIBABA_CLOUD_ACCESS_KEY_SECRET="not-the-secret")
    for sig in ("1", "3"):
        sim.reset_faults()
        sim.clear_log()
        r = run_plugin(["-i", "t-hz0finished", "--signature-version", sig] + base, env=bad)
        expect_unknown("wrong secret (v%s)" % sig, r, ["SignatureDoesNotMatch", "secret is wrong"], 30)
        t.is_(len(sim.requests()), 1, "wrong secret (v%s): not retried" % sig)

    bad = dict(env, ALIBABA_CLOUD_ACCESS_KEY_ID="nobody")
    r = run_plugin(["-i", "t-hz0finished"] + base, env=bad)
    expect_unknown("unknown key id", r, ["InvalidAccessKeyId.NotFound"], 30)

    bad = dict(plugin_env(sim, sts=True), ALIBABA_CLOUD_SECURITY_TOKEN="stale-token")
    r = run_plugin(["-i", "t-hz0finished"] + base, env=bad)
    expect_unknown("wrong STS token", r, ["API error InvalidSecurityToken"], 30)
    t.ok("stale-token" not in r.stdout, "wrong STS token: the token is not echoed")

    # TLS is verified: without the test CA the simulator's certificate is refused.
    r = run_plugin(["-i", "t-hz0finished", "-e", sim.url], env=env)
    expect_unknown("untrusted certificate", r, ["TLS"], 30)
    r = run_plugin(["-i", "t-hz0finished", "-e", sim.url, "--cacert", "/nonexistent/ca.pem"], env=env)
    expect_unknown("missing CA file", r, ["TLS"], 30)

    # Secrets never appear in output, at any verbosity, in any outcome.
    sts = plugin_env(sim, sts=True)
    leaks = []
    for invoke_id in ["t-hz0partial", "t-hz0throttle", "t-hz0down", "t-hz0periodic", "t-hz0text", "t-hz0nosuch"]:
        for v, sig in [("-v", "3"), ("-vv", "1"), ("-vvv", "1"), ("-vvv", "3")]:
            r = run_plugin(["-i", invoke_id, v, "-t", "10", "--signature-version", sig] + base, env=sts)
            for secret in (sim.sts_access_key_secret, sim.sts_token):
                if secret in r.stdout or secret in r.stderr:
                    leaks.append((invoke_id, v))
            if re.search(r"Signature=(?!REDACTED)", r.stdout):
                leaks.append((invoke_id, v, "signature"))
    t.is_(leaks, [], "no secret, token or signature in any output at -v, -vv, -vvv")
    r = run_plugin(["-i", "t-hz0partial", "-vvv", "--signature-version", "1"] + base, env=sts)
    t.ok("Signature=REDACTED" in r.stdout and "SecurityToken=REDACTED" in r.stdout,
         "-vvv (v1) shows requests with the signature and token redacted", r.stdout[-600:])
    r = run_plugin(["-i", "t-hz0partial", "-vvv", "--signature-version", "3"] + base, env=sts)
    t.ok("Signature=REDACTED" in r.stdout and "x-acs-security-token REDACTED" in r.stdout,
         "-vvv (v3) shows requests with the signature and token redacted", r.stdout[-600:])
    bad = dict(sts, ALIBABA_CLOUD_ACCESS_KEY_SECRET="wrong-secret-value")
    r = run_plugin(["-i", "t-hz0partial", "-vvv"] + base, env=bad)
    t.ok(sim.sts_token not in r.stdout and "wrong-secret-value" not in r.stdout,
         "SignatureDoesNotMatch (whose Message echoes the token) leaks nothing")

# Nothing listening: connection refused, retried, then UNKNOWN.
port = free_port()
r = run_plugin(["-i", "t-hz0finished", "-e", "http://127.0.0.1:%d" % port, "-t", "5"],
               env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "a", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "b",
                    "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"})
expect_unknown("connection refused", r, ["cannot connect"], 5)

# A host that does not resolve.
r = run_plugin(["-i", "t-hz0finished", "-e", "https://ecs.no-such-region.invalid", "-t", "5"],
               env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "a", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "b",
                    "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"})
t.is_(r.code, 3, "unresolvable host: UNKNOWN")
t.ok("resolve" in r.stdout.split("\n")[0] or "deadline" in r.stdout.split("\n")[0],
     "unresolvable host: says so", r.stdout)
t.ok(r.elapsed <= 5 + SLACK, "unresolvable host: within the deadline (%.2f s)" % r.elapsed)

# Plain HTTP works to loopback (the simulator without TLS).
with Simulator(tls=False) as plain:
    r = run_plugin(["-i", "t-hz0finished", "-e", plain.url], env=plugin_env(plain))
    t.is_(r.code, 0, "plain http:// to loopback works")
    t.is_(plain.connections(), 1, "plain http: one connection")

t.done()
