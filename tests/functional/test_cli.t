#!/usr/bin/env python3
"""The command line as an operator meets it: help and version exit UNKNOWN,
every usage error is one line that says what to fix (exit 3, nothing on
stderr, no network), and credentials never come from arguments."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, run_plugin, slack  # noqa: E402

t = TAP()
CREDS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret"}

r = run_plugin(["--help"])
t.is_(r.code, 3, "--help exits 3")
t.ok("Usage:" in r.stdout and "--invoke-id" in r.stdout, "--help shows usage and options")
t.ok(max(len(l) for l in r.stdout.split("\n")) <= 80, "--help fits 80 columns")
t.is_(r.stderr, "", "--help: nothing on stderr")
r = run_plugin(["-h"])
t.is_(r.code, 3, "-h exits 3")
r = run_plugin(["-V"])
t.is_(r.code, 3, "-V exits 3")
t.like(r.stdout, r"^check_ecs_invocation \d+\.\d+\.\d+\n$", "-V prints name and version")

CASES = [
    ([], {}, "missing -i/--invoke-id"),
    (["-i", "t-1"], CREDS, "missing region"),
    (["-i", "t-1", "-r", "cn-hangzhou"], {}, "no credentials"),
    (["-i", "t-1", "-r", "cn-hangzhou"], {"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"}, "no secret"),
    (["-i", "t-1", "-r", "cn-hangzhou"], {"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "x"}, "no AccessKey id"),
    (["-i", "t-1", "-r", "cn-hangzhou", "-e", "http://ecs.cn-hangzhou.aliyuncs.com"], CREDS, "loopback"),
    # not an address, so libcurl would look it up in DNS: refused before that
    (["-i", "t-1", "-r", "cn-hangzhou", "-e", "http://127.999.999.999:5"], CREDS, "loopback"),
    (["-i", "t-1", "-r", "cn-hangzhou", "-t", "abc"], CREDS, "-t/--timeout"),
    (["-i", "t-1", "-r", "cn-hangzhou", "--critical-failed", "x"], CREDS, "not a range"),
    (["-i", "t-1", "-r", "cn-hangzhou", "--map", "Finished=great"], CREDS, "--map"),
    (["-i", "t-1", "-r", "cn-hangzhou", "--secret", "x"], CREDS, "unknown option '--secret'"),
    (["-i", "t;rm", "-r", "cn-hangzhou"], CREDS, "not an invocation id"),
]
for args, env, needle in CASES:
    r = run_plugin(args, env=env)
    first = r.stdout.split("\n")[0]
    name = " ".join(args) or "(no arguments)"
    t.is_(r.code, 3, name + ": exit 3")
    t.ok(first.startswith("ECS INVOCATION UNKNOWN - ") and needle in first, name + ": says " + needle, first)
    t.is_(r.stderr, "", name + ": nothing on stderr")
    t.ok(r.elapsed < slack(2), name + ": fails at once, before any network (%.2f s)" % r.elapsed)

# The secret from the environment never shows up, even in usage errors.
r = run_plugin(["-i", "t-1", "-r", "BAD REGION"], env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
                                                      "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s3cr3t-value"})
t.ok("s3cr3t-value" not in r.stdout, "usage error does not echo the secret")

# A fault names the endpoint it could not reach, never more of the URL (the
# query string carries the signature).
r = run_plugin(["-i", "t-1", "-r", "cn-hangzhou", "-e", "https://127.0.0.1:1", "-t", "2"], env=CREDS)
first = r.stdout.split("\n")[0]
t.is_(r.code, 3, "unreachable endpoint is UNKNOWN")
t.ok("cannot connect to https://127.0.0.1:1 " in first, "names the endpoint", first)
t.ok("Signature" not in r.stdout and "AccessKeyId" not in r.stdout, "and nothing of the signed query")

r = run_plugin(["-i", "t-1", "-r", "x", "--verbose=2"], env=CREDS)
t.ok("option '--verbose=2' takes no value" in r.stdout, "--verbose=2: says -v takes no value", r.stdout)

t.done()
