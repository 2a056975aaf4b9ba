#!/usr/bin/env python3
"""The fault matrix: one row per way the check can be prevented, from a bad
option to a server that never answers. Every row must end UNKNOWN (3) with
one line that names the cause and says what to do, nothing on stderr, within
the -t deadline plus half a second (measured from outside, process start and
exit included), and, where the simulator saw the requests, with the number
of attempts the retry rules allow, each signed anew."""
import json
import os
import re
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import (SCENARIO_DIR, TAP, VALGRIND, Simulator, dns_shim, make_tmpdir,  # noqa: E402
                     parse_iso, plugin_env, run_plugin, test_certs)

t = TAP()
# The issue's bound: the deadline plus half a second, whatever the server
# does. Measured around the whole process; under AddressSanitizer a start
# costs some 0.04 s and an exit (leak check, TLS and libcurl clean-up) some
# 0.1 s, so the bound holds without subtracting anything.
#
# Under valgrind (ECS_VALGRIND=1, tests/valgrind/run-valgrind.sh) the rows
# are run for memcheck's verdict on every way a check can fail; the timing
# is the native build's to prove. Two allowances keep the bound meaningful
# there: what valgrind adds to starting and ending any run (STARTUP, below)
# is taken off, and half a second more is allowed because libcurl's and
# OpenSSL's clean-up after a TLS session and the leak check run at memcheck's
# pace (0.15-0.35 s over -V's exit when measured). A plugin that ignored
# the deadline would still be caught: it would overrun by seconds.
SLACK = 1.0 if VALGRIND else 0.5


def wrapper_startup():
    """What a wrapper (ECS_PLUGIN_WRAPPER, or valgrind under ECS_VALGRIND=1)
    adds to starting and ending the plugin, the quickest of three --version
    runs; it is not the plugin's time. Nothing without a wrapper."""
    if not VALGRIND and not os.environ.get("ECS_PLUGIN_WRAPPER", "").strip():
        return 0.0
    return min(run_plugin(["-V"]).elapsed for _ in range(3))


STARTUP = wrapper_startup()
UNKNOWN = "ECS INVOCATION UNKNOWN - "
ROWS = []  # (row, result) for the summary at the end
ENV_FAKE = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "a", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "b",
            "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"}


# What the plugin's backstop says when libcurl has not given up 0.3 s after
# the deadline (main.c).
BACKSTOP = UNKNOWN + "no result before the deadline (-t): the API or the network is too slow"


def fault_row(name, r, cause, advice, timeout, one_line=True, at_deadline=False):
    """The checks every row makes. cause and advice are regular expressions
    that line 1 must match. at_deadline: the row waits for the deadline;
    under valgrind (only), the backstop's line may come instead of the
    row's own, since what libcurl and the plugin do after the deadline
    runs at memcheck's pace on a machine busy with other tests."""
    first = r.first_line
    good = t.is_(r.code, 3, name + ": UNKNOWN")
    good &= t.ok(first.startswith(UNKNOWN), name + ": line 1 says UNKNOWN", first)
    if VALGRIND and at_deadline and first == BACKSTOP:
        t.diag("%s: under valgrind the backstop answered (%.2f s)" % (name, r.elapsed))
        cause, advice = [], None
    for rx in cause if isinstance(cause, list) else [cause]:
        good &= t.like(first, rx, name + ": names the cause")
    if advice is not None:
        good &= t.like(first, advice, name + ": says what to do")
    if one_line:
        good &= t.is_(r.stdout.count("\n"), 1, name + ": one line")
    good &= t.is_(r.stderr, "", name + ": nothing on stderr")
    good &= t.ok(r.elapsed - STARTUP <= timeout + SLACK, "%s: ended within the %d s deadline + %.1f s (%.2f s%s)"
                 % (name, timeout, SLACK, r.elapsed, " - %.2f s wrapper start" % STARTUP if STARTUP else ""))
    ROWS.append((name, good))
    return good


def signed_anew(name, sim, n_min, n_max):
    """The simulator saw n_min..n_max requests, each with its own nonce and
    signature (so each was signed again, not resent), and timestamps that
    never go backwards."""
    reqs = sim.requests()
    t.ok(n_min <= len(reqs) <= n_max, "%s: %d request(s), expected %d..%d" % (name, len(reqs), n_min, n_max))
    if len(reqs) > 1:
        t.is_(len({q.get("nonce") for q in reqs}), len(reqs), name + ": every attempt has a new nonce")
        sigs = sim.signatures()
        t.is_(len(set(sigs)), len(reqs), name + ": every attempt has a new signature")
        stamps = [x for x in request_times(reqs) if x is not None]
        t.ok(stamps == sorted(stamps), name + ": the attempts' timestamps never go backwards",
             [q.get("timestamp") for q in reqs])
    return reqs


def request_times(reqs):
    """The Timestamp (v1) or x-acs-date (v3) of each request, as Unix
    seconds; None where a request had none."""
    return [parse_iso(q["timestamp"]) if q.get("timestamp") else None for q in reqs]


def scenario(invoke_id, faults):
    """The plain Finished invocation of two instances with other faults."""
    with open(os.path.join(SCENARIO_DIR, "t-hz0finished.json")) as f:
        data = json.load(f)
    data["invocation"]["InvokeId"] = invoke_id
    data["faults"] = faults
    data["class"] = "api-error"
    data["expect"] = {"aggregate": None, "state": "UNKNOWN"}
    return data


def raw(status, body, ctype="text/html", **kw):
    return dict({"type": "raw", "status": status, "content_type": ctype, "body": body}, **kw)


def throttle(ms=None, **kw):
    f = {"type": "error", "status": 400, "code": "Throttling.User"}
    if ms is not None:
        f["retry_after_ms"] = ms
    f.update(kw)
    return f


RESULTS_PAGE = ('{"RequestId":"{RequestId}","Invocation":{"TotalCount":51,"NextToken":"",'
                '"InvocationResults":{"InvocationResult":[%s]}}}'
                % ",".join('{"InstanceId":"i-%03d","InvocationStatus":"Success","ExitCode":0}' % n
                           for n in range(51)))
EXTRA = {
    "t-hz0noncealways": scenario("t-hz0noncealways", [
        {"type": "error", "status": 400, "code": "SignatureNonceUsed"}]),
    "t-hz0throttled": scenario("t-hz0throttled", [throttle(300)]),
    "t-hz0waitsec": scenario("t-hz0waitsec", [throttle(1000)]),
    "t-hz0waitlong": scenario("t-hz0waitlong", [throttle(60000)]),
    "t-hz0toomany": scenario("t-hz0toomany", [raw(429, "Too Many Requests\n", "text/plain")]),
    "t-hz0toomany2": scenario("t-hz0toomany2", [raw(429, "Too Many Requests\n", "text/plain", first=2)]),
    "t-hz0html404": scenario("t-hz0html404", [raw(404, "<html><body>Not Found</body></html>\n")]),
    "t-hz0deep": scenario("t-hz0deep", [raw(200, "[" * 100 + "]" * 100, "application/json",
                                            action="DescribeInvocations")]),
    "t-hz0manyvals": scenario("t-hz0manyvals", [raw(200, "[" + "{}," * 300000 + "{}]", "application/json",
                                                    action="DescribeInvocations")]),
    "t-hz0longstr": scenario("t-hz0longstr", [raw(
        200, '{"RequestId":"{RequestId}","Invocations":{"Invocation":[{"InvokeId":"t-hz0longstr",'
        '"CommandName":"%s","InvocationStatus":"Success"}]}}' % ("x" * (2 << 20)), "application/json",
        action="DescribeInvocations")]),
    "t-hz0bigpage": scenario("t-hz0bigpage", [raw(200, RESULTS_PAGE, "application/json",
                                                  action="DescribeInvocationResults")]),
}

# ---------------------------------------------------------------- usage
r = run_plugin(["-r", "cn-hangzhou"], env=ENV_FAKE)
# What to do about a usage error is the usage, under line 1.
fault_row("usage: no -i", r, r"missing -i/--invoke-id", None, 2, one_line=False)
t.like(r.stdout, r"^[^\n]*\nUsage: check_ecs_invocation -i INVOKE_ID", "usage: no -i: the usage follows line 1")
r = run_plugin(["-i", "t-1", "-t", "abc"], env=ENV_FAKE)
fault_row("usage: bad -t", r, r"-t/--timeout must be whole seconds", r"from 1 to 3600", 2, one_line=False)

# ---------------------------------------------------------- credentials
home = make_tmpdir("faults-home-")
r = run_plugin(["-i", "t-hz0finished", "-r", "cn-hangzhou"], env={"HOME": home})
fault_row("credentials: none found", r, r"no credentials",
          r"set ALIBABA_CLOUD_ACCESS_KEY_ID .*HOME %s" % re.escape(home), 2)
ini = os.path.join(home, "credentials")
with open(ini, "w") as f:
    f.write("[default]\ntype = access_key\naccess_key_id = LTAIfaults\naccess_key_secret = faults-secret-1\n")
os.chmod(ini, 0o644)
r = run_plugin(["-i", "t-hz0finished", "-r", "cn-hangzhou"],
               env={"HOME": home, "ALIBABA_CLOUD_CREDENTIALS_FILE": ini})
fault_row("credentials: file readable by others", r, r"is not private \(mode 0644: the group and others can read it\)",
          r"chmod 600 " + re.escape(ini), 2)
t.ok("faults-secret-1" not in r.stdout, "credentials: the refused file's secret is not shown")

# ------------------------------------------------------------------ DNS
# The suite talks to loopback only, and the machine's resolver is not on it:
# the dns_hang.c shim answers these look-ups inside the plugin's process.
preload, why = dns_shim()
if preload is None:
    t.skip("DNS: name does not resolve", "cannot build dns_hang.c: " + why)
    t.skip("DNS: look-up that hangs", "cannot build dns_hang.c: " + why)
else:
    env = dict(ENV_FAKE, LD_PRELOAD=preload, ECS_TEST_DNS_OFFLINE="1")
    r = run_plugin(["-i", "t-hz0finished", "-e", "https://ecs.no-such-region.invalid", "-t", "5"], env=env)
    # NXDOMAIN, retried as a transport error
    fault_row("DNS: name does not resolve", r,
              [r"cannot resolve the API host of https://ecs\.no-such-region\.invalid", r"after 5 attempts"],
              r"check -e/-r and DNS", 5)

    env = dict(ENV_FAKE, LD_PRELOAD=preload, ECS_TEST_DNS_OFFLINE="1", ECS_TEST_DNS_HANG="hang.invalid")
    r = run_plugin(["-i", "t-hz0finished", "-e", "https://hang.invalid", "-t", "2"], env=env)
    fault_row("DNS: look-up that hangs", r,
              r"the DNS look-up of the API host of https://hang\.invalid did not finish before the deadline",
              r"check the resolver", 2, at_deadline=True)
    t.ok(r.elapsed >= 1.9, "DNS: look-up that hangs: waited for the deadline (%.2f s)" % r.elapsed)

# -------------------------------------------------------------- connect
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
r = run_plugin(["-i", "t-hz0finished", "-e", "http://127.0.0.1:%d" % port, "-t", "5"], env=ENV_FAKE)
fault_row("connect: refused", r, [r"cannot connect to http://127\.0\.0\.1:%d " % port, r"after \d attempts"],
          r"check -e, the network", 5)

# A listening socket that never accepts: the kernel completes the TCP
# handshake, and then nothing ever answers the TLS hello.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(8)
r = run_plugin(["-i", "t-hz0finished", "-e", "https://127.0.0.1:%d" % silent.getsockname()[1], "-t", "2"],
               env=ENV_FAKE)
fault_row("connect: never answers", r, r"did not answer the connection before the deadline",
          r"check -e, firewalls and any proxy", 2, at_deadline=True)
t.ok(r.elapsed >= 1.9, "connect: never answers: waited for the deadline (%.2f s)" % r.elapsed)
silent.close()

# ------------------------------------------------------------------ TLS
certs = test_certs()
with Simulator(tls=False) as plain:
    r = run_plugin(["-i", "t-hz0finished", "-e", "https://127.0.0.1:%d" % plain.port, "--cacert", certs["ca"],
                    "-t", "5"], env=plugin_env(plain))
    fault_row("TLS: plain HTTP server behind https://", r, r"the TLS handshake with https://127\.0\.0\.1:\d+ failed",
              r"check that -e names the HTTPS endpoint", 5)
    t.is_(plain.requests(), [], "TLS: plain HTTP: no request reached the server")

# The test certificate names 127.0.0.1 and localhost only: a TLS server on
# 127.0.0.2 with it has the wrong name.
try:
    other = socket.socket()
    other.bind(("127.0.0.2", 0))
    other.listen(8)
except OSError as e:
    other = None
    t.skip("TLS: certificate for another name", "cannot listen on 127.0.0.2: %s" % e)
if other is not None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certs["cert"], certs["key"])

    def serve_tls():
        while True:
            try:
                c, _ = other.accept()
            except OSError:
                return
            try:
                ctx.wrap_socket(c, server_side=True).close()
            except (OSError, ssl.SSLError):
                c.close()

    threading.Thread(target=serve_tls, daemon=True).start()
    r = run_plugin(["-i", "t-hz0finished", "-e", "https://127.0.0.2:%d" % other.getsockname()[1],
                    "--cacert", certs["ca"], "-t", "5"], env=ENV_FAKE)
    fault_row("TLS: certificate for another name", r,
              [r"the server certificate was not accepted", r"127\.0\.0\.2"], r"check the host name in -e", 5)
    other.close()

# ------------------------------------------------------- the API itself
with Simulator(extra_scenarios=EXTRA, signature_log=True) as sim:
    env = plugin_env(sim)
    base = ["-e", sim.url, "--cacert", sim.cacert]

    def run(invoke_id, timeout=10, sig="3", args=(), e=None):
        sim.reset_faults()
        sim.clear_log()
        return run_plugin(["-i", invoke_id, "-t", str(timeout), "--signature-version", sig] + base + list(args),
                          env=e or env)

    r = run_plugin(["-i", "t-hz0finished", "-e", sim.url, "-t", "5"], env=env)
    fault_row("TLS: untrusted CA", r, [r"TLS with https://127\.0\.0\.1:\d+ failed", r"certificate was not accepted"],
              r"--cacert", 5)
    r = run_plugin(["-i", "t-hz0finished", "-e", sim.url, "--cacert", "/nonexistent/ca.pem", "-t", "5"], env=env)
    fault_row("TLS: CA file missing", r, r"the CA bundle cannot be used", r"check the --cacert file", 5)

    RID = r"RequestId [0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"
    # id, timeout, line-1 regexes, what to do, requests (min, max)
    MATRIX = [
        # HTTP status without an API error body
        ("t-hz0gateway", 10, [r"HTTP 502 from https://127\.0\.0\.1:\d+ without an API error body",
                              r"after 5 attempts"], r"try again later", (5, 5)),
        ("t-hz0html404", 10, [r"HTTP 404 from https://\S+ without an API error body"],
         r"not an answer of the ECS API; check -e", (1, 1)),
        # API errors: Code, Message, RequestId
        ("t-hz0forbidden", 10, [r"API error Forbidden\.RAM: User not authorized to operate on the specified "
                                r"resource\. \(HTTP 403, " + RID + r"\)"],
         r"grant the RAM identity ecs:DescribeInvocations and ecs:DescribeInvocationResults", (1, 1)),
        ("t-hz0down", 10, [r"API error InternalError: The request processing has failed", RID,
                           r"after 5 attempts"], r"try again later", (5, 5)),
        ("t-hz0noncealways", 10, [r"API error SignatureNonceUsed", RID, r"after 2 attempts"], None, (2, 2)),
        ("t-hz0sigproxy", 10, [r"API error SignatureDoesNotMatch: the server built a different string to sign: "
                               r"a bug in this plugin", RID], r"please report it", (1, 1)),
        # throttling: code Throttling.*, or HTTP 429
        ("t-hz0throttled", 10, [r"API error Throttling\.User", RID, r"after 5 attempts"],
         r"the API is throttling this account", (5, 5)),
        ("t-hz0toomany", 10, [r"the API throttled the request \(HTTP 429 from https://\S+\)", r"after 5 attempts"],
         r"the API is throttling this account", (5, 5)),
        ("t-hz0waitlong", 5, [r"API error Throttling\.User", r"it asked to wait 60\.0 s more, past the -t deadline"],
         r"the API is throttling this account", (1, 1)),
        ("t-hz0waitsec", 3, [r"API error Throttling\.User", r"it asked to wait 1\.0 s more, past the -t deadline"],
         r"the API is throttling this account", (2, 3)),
        # response size
        ("t-hz0huge", 20, [r"the API response is larger than the 32 MiB cap"], r"check -e and any proxy", (1, 1)),
        ("t-hz0hugecl", 20, [r"the API response is larger than the 32 MiB cap"], r"check -e and any proxy", (1, 1)),
        ("t-hz0deep", 10, [r"the API response nests deeper than 64 levels"], r"check -e and any proxy", (1, 1)),
        ("t-hz0manyvals", 10, [r"the API response has more than 250000 JSON values"], r"check -e and any proxy",
         (1, 1)),
        ("t-hz0longstr", 10, [r"the API response has a string of more than 1048576 bytes"],
         r"check -e and any proxy", (1, 1)),
        # JSON syntax and shape
        ("t-hz0badjson", 10, [r"the API response is not valid JSON \(.*at byte \d+ of \d+\)"],
         r"not an answer of the ECS API; check -e", (1, 1)),
        ("t-hz0wrongshape", 10, [r"documented shape: Invocations is a string, not an object"],
         r"the API may have changed; please report it", (1, 1)),
        ("t-hz0wrongtype", 10, [r"documented shape: .*ExitCode is a string, not an integer"],
         r"please report it", (2, 2)),
        ("t-hz0bigpage", 10, [r"the API sent 51 records on a page of at most 50"], r"please report it", (2, 2)),
        ("t-hz0stuckpage", 10, [r"the same NextToken it was sent, so paging would never end"], r"please report it",
         (3, 3)),
        # statuses it cannot judge
        ("t-hz0unknownst", 10, [r"instance i-bp1unk002 has status 'Exploded', which this plugin does not know"],
         r"a newer version of this plugin may know it", (2, 2)),
        ("t-hz0empty", 10, [r"invocation t-hz0empty has no instances: nothing to judge"], None, (2, 2)),
        # transport: a body cut short, retried
        ("t-hz0cut", 10, [r"the request to https://\S+ failed \(transfer closed", r"after 5 attempts"],
         r"the connection broke", (5, 5)),
    ]
    # What the transport or the body does wrong does not depend on how the
    # request was signed: those rows run with the default signature only.
    SIGNATURE_BLIND = {"t-hz0gateway", "t-hz0toomany", "t-hz0huge", "t-hz0hugecl", "t-hz0deep",
                       "t-hz0manyvals", "t-hz0longstr", "t-hz0cut"}
    seen = {}  # (id, signature version) -> (result, requests)
    for sig in ("1", "3"):
        for invoke_id, timeout, cause, advice, (lo, hi) in MATRIX:
            if sig == "1" and invoke_id in SIGNATURE_BLIND:
                continue
            name = "%s (v%s)" % (invoke_id, sig)
            r = run(invoke_id, timeout, sig)
            fault_row(name, r, cause, advice, timeout)
            seen[invoke_id, sig] = (r, signed_anew(name, sim, lo, hi))
            t.ok(all(q.get("sig_version") == int(sig) for q in sim.requests()),
                 name + ": every attempt signed with v" + sig)

    # Throttling honours x-acs-retry-after: 300 ms between attempts (not the
    # 0.1-0.8 s of the backoff); one of 1 s fits a 3 s deadline twice; one
    # of 60 s is not waited for at all.
    def gaps(invoke_id, sig="3"):
        times = [q["t"] for q in seen[invoke_id, sig][1]]
        return [round(b - a, 3) for a, b in zip(times, times[1:])]

    t.ok(len(gaps("t-hz0throttled")) == 4 and min(gaps("t-hz0throttled")) >= 0.29,
         "t-hz0throttled: 300 ms waited before each retry", gaps("t-hz0throttled"))
    t.ok(gaps("t-hz0waitsec") and min(gaps("t-hz0waitsec")) >= 0.99,
         "t-hz0waitsec: 1 s waited before each retry", gaps("t-hz0waitsec"))
    # Against a healthy run's time, so that a slow wrapper's TLS handshake
    # (seconds under valgrind) is not taken for waiting.
    healthy = run("t-hz0finished", 5).elapsed
    r = seen["t-hz0waitsec", "3"][0]
    t.ok(r.elapsed < healthy + 2.5, "t-hz0waitsec: gave up when the next wait would pass the deadline"
         " (%.2f s: two waits of 1 s; a healthy run %.2f s)" % (r.elapsed, healthy))
    r = seen["t-hz0waitlong", "3"][0]
    t.ok(r.elapsed < healthy + 1.0, "t-hz0waitlong: did not sleep towards a wait past the deadline"
         " (%.2f s; a healthy run %.2f s)" % (r.elapsed, healthy))
    # HTTP 429 is retried like a Throttling code, with jittered backoff.
    r = run("t-hz0toomany2")
    t.is_(r.code, 0, "HTTP 429 twice, then an answer: OK")
    signed_anew("t-hz0toomany2", sim, 4, 4)
    times = [q["t"] for q in sim.requests()]
    pause = [b - a for a, b in zip(times, times[1:])]
    # (the upper bounds leave 0.25 s for a loaded machine)
    t.ok(0.09 <= pause[0] <= 0.45 and 0.19 <= pause[1] <= 0.65,
         "t-hz0toomany2: backoff of 0.1-0.2 s, then 0.2-0.4 s", pause)
    # 5xx backoff is exponential with jitter: the pauses grow, and differ
    # from run to run. (Jitter in [0.5, 1) of 0.2, 0.4, 0.8, 1.6 s: the last
    # pause is at least 0.4 s longer than either of the first two, a margin
    # that a loaded machine's latency does not eat.)
    pauses = [gaps("t-hz0down", "1"), gaps("t-hz0down", "3")]
    t.ok(all(len(p) == 4 and p[3] > p[0] and p[3] > p[1] and p[2] > 0.35 for p in pauses),
         "t-hz0down: the pauses grow", pauses)
    t.ok(pauses[0] != pauses[1], "t-hz0down: the pauses are jittered", pauses)
    # Its retries span more than a second (at least 0.1 + 0.2 + 0.4 + 0.8 s of
    # pauses): each attempt is stamped when it is signed, so the last
    # timestamp is later than the first, not the first one sent again.
    for sig in ("1", "3"):
        stamps = request_times(seen["t-hz0down", sig][1])
        t.ok(len(stamps) == 5 and None not in stamps and stamps[-1] > stamps[0],
             "t-hz0down (v%s): the last attempt's timestamp is later than the first's" % sig,
             [q.get("timestamp") for q in seen["t-hz0down", sig][1]])

    # A stuck NextToken is noticed at once, not after the deadline.
    r = run("t-hz0stuckpage", 10)
    t.ok(r.elapsed < 3, "t-hz0stuckpage: gives up at once (%.2f s)" % r.elapsed)

    # SignatureDoesNotMatch, both verdicts, plain and STS keys: a wrong secret
    # (the server built our string to sign) is not the plugin's bug.
    sts = plugin_env(sim, sts=True)
    for label, e in (("AK", env), ("STS", sts)):
        bad = dict(e, ALIBABA_CLOUD_ACCESS_KEY_SECRET="not-the-secret")
        for sig in ("1", "3"):
            name = "wrong secret (%s, v%s)" % (label, sig)
            r = run("t-hz0finished", 10, sig, e=bad)
            fault_row(name, r, [r"API error SignatureDoesNotMatch: the server built the same string to sign, "
                                r"so the AccessKey secret is wrong", RID],
                      r"check the AccessKey secret \(-vv says where it came from\)", 10)
            signed_anew(name, sim, 1, 1)
            t.is_(sim.requests()[0].get("verdict"), "SignatureDoesNotMatch", name + ": the server refused it")
            name = "string to sign differs (%s, v%s)" % (label, sig)
            r = run("t-hz0sigproxy", 10, sig, e=e)
            fault_row(name, r, r"the server built a different string to sign: a bug in this plugin",
                      r"please report it", 10)
            t.ok(sim.sts_token not in r.stdout, name + ": the token the Message echoes is not shown")

    # Credentials the API refuses.
    r = run("t-hz0finished", e=dict(env, ALIBABA_CLOUD_ACCESS_KEY_ID="nobody"))
    fault_row("unknown AccessKey id", r, [r"API error InvalidAccessKeyId\.NotFound", RID],
              r"check the AccessKey id", 10)
    signed_anew("unknown AccessKey id", sim, 1, 1)
    r = run("t-hz0finished", e=dict(sts, ALIBABA_CLOUD_SECURITY_TOKEN="stale-token"))
    fault_row("wrong STS token", r, [r"API error InvalidSecurityToken\.MismatchWithAccessKey", RID],
              r"renew the STS credentials", 10)
    t.ok("stale-token" not in r.stdout, "wrong STS token: the token is not echoed")
    r = run("t-hz0finished", e=dict(env, ALIBABA_CLOUD_REGION_ID="eu-nowhere-9"))
    fault_row("unknown region", r, [r"API error InvalidRegionId\.NotFound", RID], r"check -r", 10)

    # The server takes too long, in every way it can: headers that do not
    # come, a body one byte a second, a request never answered.
    for invoke_id, needle in (("t-hz0slow", "no complete answer"), ("t-hz0trickle", "no complete answer"),
                              ("t-hz0hang", "no complete answer")):
        name = "deadline: " + invoke_id
        r = run(invoke_id, 2)
        fault_row(name, r, needle + r" from https://127\.0\.0\.1:\d+ before the deadline",
                  r"raise -t or try later", 2, at_deadline=True)
        t.ok(r.elapsed >= 1.9, "%s: waited for the deadline (%.2f s)" % (name, r.elapsed))
        signed_anew(name, sim, 1, 1)

# Plain HTTP works to loopback (the simulator without TLS): the matrix's
# faults are faults, not a plugin that cannot talk at all.
with Simulator(tls=False) as plain:
    r = run_plugin(["-i", "t-hz0finished", "-e", plain.url], env=plugin_env(plain))
    t.is_(r.code, 0, "plain http:// to loopback works")
    t.is_(plain.connections(), 1, "plain http: one connection")

failed = [name for name, good in ROWS if not good]
t.diag("fault matrix: %d rows, %d ended UNKNOWN with cause, advice and deadline as required"
       % (len(ROWS), len(ROWS) - len(failed)))
t.is_(failed, [], "every fault row held")
t.done()
