#!/usr/bin/env python3
"""TAP: the official ECS Node.js SDK against the simulator.

Starts the simulator (TLS, with response bodies logged) and runs
conformance.js once per variant: signature v3 (the SDK default,
ACS3-HMAC-SHA256) and v2 (RPC HMAC-SHA1), each with a plain and an STS key.
Every check conformance.js prints becomes a TAP line; in addition each
response the SDK parsed is compared with the body the simulator logged under
the same RequestId, and the simulator's log must show the SDK's requests
verified with both signature versions. The first variant also runs
t-hz0slow (20 s); which scenarios run and why the others do not:
tests/sim/scenarios/README.md.

Needs tests/sdk/node_modules (sh tests/sdk/setup.sh). Without it the test is
skipped, unless ECS_REQUIRE_SDK=1 (CI), where that is a failure.
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ecstest import TAP, Simulator, SRCDIR  # noqa: E402

SDK_DIR = os.path.join(SRCDIR, "tests", "sdk")
t = TAP()

missing = None
if not shutil.which("node"):
    missing = "node is not installed"
elif not os.path.isdir(os.path.join(SDK_DIR, "node_modules", "@alicloud",
                                    "ecs20140526")):
    missing = "run tests/sdk/setup.sh"
if missing:
    if os.environ.get("ECS_REQUIRE_SDK") == "1":
        t.ok(False, "the official SDK is installed (ECS_REQUIRE_SDK=1)",
             missing)
        t.done()
    t.skip_all(missing)


def first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return "%s: %r (%s) vs %r (%s)" % (path, a, type(a).__name__, b,
                                          type(b).__name__)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                return "%s.%s: only in the SDK's model" % (path, k)
            if k not in b:
                return "%s.%s: sent by the simulator, unknown to the SDK" \
                    % (path, k)
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (path, a, b)


def run_variant(sim, sig, cred, slow=False):
    sim.reset_faults()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "NODE_EXTRA_CA_CERTS": sim.cacert,
        "SIM_AK": sim.access_key_id,
        "SIM_SECRET": sim.access_key_secret,
        "SIM_STS_AK": sim.sts_access_key_id,
        "SIM_STS_SECRET": sim.sts_access_key_secret,
        "SIM_STS_TOKEN": sim.sts_token,
    }
    cmd = ["node", os.path.join(SDK_DIR, "conformance.js"),
           "--endpoint", "127.0.0.1:%d" % sim.port, "--protocol", "HTTPS",
           "--scenarios", sim.scenario_dir, "--sig", sig, "--cred", cred,
           "--slow", "yes" if slow else "no"]
    try:
        p = subprocess.run(cmd, cwd=SDK_DIR, env=env, capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=120)
    except subprocess.TimeoutExpired:
        t.ok(False, "%s-%s: conformance.js finished in time" % (sig, cred))
        return []
    lines = []
    for raw in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            t.diag("conformance.js: " + raw)
    done = any(x.get("type") == "done" for x in lines)
    t.ok(p.returncode == 0 and done, "%s-%s: conformance.js ran to the end"
         % (sig, cred), p.stderr.decode("utf-8", "replace")[-2000:])
    return lines


def main():
    with Simulator(log_bodies=True) as sim:
        variants = [("v3", "plain"), ("v3", "sts"), ("v2", "plain"),
                    ("v2", "sts")]
        calls = {}
        for sig, cred in variants:
            sim.clear_log()
            # t-hz0slow costs 20 s and does not depend on the signature:
            # the first variant only
            lines = run_variant(sim, sig, cred, slow=(sig, cred) == variants[0])
            log = {r.get("request_id"): r for r in sim.requests()}
            for x in lines:
                if x.get("type") == "check":
                    t.ok(x["ok"], x["name"], x.get("diag"))
            # responses: the SDK's model vs the simulator's body
            per = {}
            for x in lines:
                if x.get("type") != "call":
                    continue
                name = x["name"].rsplit(" page ", 1)[0]
                entry = log.get(x["request_id"])
                if entry is None:
                    diff = "no log entry for RequestId %s" % x["request_id"]
                else:
                    diff = first_difference(entry.get("body"), x["map"])
                    if not diff and entry.get("verdict") != "ok":
                        diff = "verdict %s" % entry.get("verdict")
                per.setdefault(name, []).append(diff)
            for name, diffs in per.items():
                bad = [d for d in diffs if d]
                t.ok(not bad, "%s: the SDK's model equals the wire body "
                     "(%d response%s)" % (name, len(diffs),
                                          "s" if len(diffs) > 1 else ""),
                     bad[:3])
            calls[(sig, cred)] = len(per)
            reqs = sim.requests()
            want_sig = 3 if sig == "v3" else 1
            ok_reqs = [r for r in reqs if r["verdict"] == "ok"]
            t.ok(ok_reqs and all(r["sig_version"] == want_sig
                                 for r in reqs),
                 "%s-%s: simulator verified %d SDK requests as signature "
                 "v%d" % (sig, cred, len(ok_reqs), want_sig),
                 sorted({(r["sig_version"], r["verdict"]) for r in reqs}))
            want_ak = sim.sts_access_key_id if cred == "sts" \
                else sim.access_key_id
            t.ok(all(r["access_key_id"] == want_ak and
                     r.get("security_token_sent") == (cred == "sts")
                     for r in ok_reqs),
                 "%s-%s: every accepted request used %s%s" % (
                     sig, cred, want_ak,
                     " with its SecurityToken" if cred == "sts" else ""))
            t.ok(any(r["verdict"] == "SignatureDoesNotMatch" for r in reqs),
                 "%s-%s: the wrong-secret request reached the simulator"
                 % (sig, cred))
        t.ok(all(calls.get(v) for v in variants),
             "every variant parsed responses", calls)
        t.is_(sim.stderr_text(), "", "nothing on the simulator's stderr")


main()
t.done()
