#!/usr/bin/env python3
"""Regenerate the seed corpus of the fuzz_decode target from the simulator.

    tests/fuzz/make-corpus.py [--out DIR]     (default tests/fuzz/corpus/decode)

Starts tests/sim/ecs_sim.py on loopback (plain HTTP, clock stopped at
CLOCK_AT), asks it what the plugin asks (DescribeInvocations and
DescribeInvocationResults with the plugin's parameters, the metadata
service's role credentials, STS AssumeRole) for a chosen set of scenarios,
and stores each response body as one file, byte for byte as the simulator
sent it. Values the simulator makes up afresh on every run (RequestId,
NextToken, temporary keys) are replaced by fixed ones of the same form, so
that running this again changes no file unless a scenario or the simulator
changed. Every file in DIR is replaced: the directory holds only what this
script makes.

The set is chosen to cover each shape the decoders meet (every status,
legacy fields, periodic history, paging, hostile text, wrong types, cut and
misshapen JSON, API errors, credentials) in a few dozen small files: a
fuzzer mutates from these, and the replay test runs them all in
`make check`. A few hand-written bodies (EDGE_CASES) add what no scenario
sends but a broken server or proxy could: values of the wrong JSON kind
where an object is expected, NUL bytes in strings, integers at the edges.
"""

import argparse
import calendar
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ecstest import Simulator  # noqa: E402

# After every time in the scenarios, so that ages look real.
CLOCK_AT = "2026-11-28T11:00:00Z"
REGION = "cn-hangzhou"
PAGE = "50"  # the plugin's MaxResults (API_PAGE_SIZE)

# (file name, action, InvokeId, extra parameters)
API_CALLS = [
    # DescribeInvocations: the invocation as the plugin reads it first
    ("invocations-finished", "DescribeInvocations", "t-hz0finished", {}),
    ("invocations-partial", "DescribeInvocations", "t-hz0partial", {}),
    ("invocations-periodic", "DescribeInvocations", "t-hz0periodic", {}),
    ("invocations-everyboot", "DescribeInvocations", "t-hz0everyboot", {}),
    ("invocations-reboot", "DescribeInvocations", "t-hz0reboot", {}),
    ("invocations-legacy", "DescribeInvocations", "t-hz0legacy", {}),
    ("invocations-text", "DescribeInvocations", "t-hz0text", {}),
    ("invocations-wrongtype", "DescribeInvocations", "t-hz0wrongtype", {}),
    ("invocations-empty", "DescribeInvocations", "t-hz0empty", {}),
    ("invocations-notfound", "DescribeInvocations", "t-hz0nosuch", {}),
    ("invocations-badjson", "DescribeInvocations", "t-hz0badjson", {}),
    ("invocations-wrongshape", "DescribeInvocations", "t-hz0wrongshape", {}),
    # DescribeInvocationResults: every instance, page by page
    ("results-finished", "DescribeInvocationResults", "t-hz0finished", {}),
    ("results-partial", "DescribeInvocationResults", "t-hz0partial", {}),
    ("results-allstatus", "DescribeInvocationResults", "t-hz0allstatus", {}),
    ("results-exitcode", "DescribeInvocationResults", "t-hz0exitcode", {}),
    ("results-failed", "DescribeInvocationResults", "t-hz0failed", {}),
    ("results-running", "DescribeInvocationResults", "t-hz0running", {}),
    ("results-stopped", "DescribeInvocationResults", "t-hz0stopped", {}),
    ("results-legacy", "DescribeInvocationResults", "t-hz0legacy", {}),
    ("results-unknownst", "DescribeInvocationResults", "t-hz0unknownst", {}),
    ("results-text", "DescribeInvocationResults", "t-hz0text", {}),
    ("results-wrongtype", "DescribeInvocationResults", "t-hz0wrongtype", {}),
    ("results-empty", "DescribeInvocationResults", "t-hz0empty", {}),
    ("results-notfound", "DescribeInvocationResults", "t-hz0nosuch", {}),
    ("results-reboot", "DescribeInvocationResults", "t-hz0reboot", {}),
    ("results-periodic-history", "DescribeInvocationResults", "t-hz0periodic",
     {"IncludeHistory": "true"}),
    ("results-everyboot-history", "DescribeInvocationResults",
     "t-hz0everyboot", {"IncludeHistory": "true"}),
    # a first page with a NextToken, kept small
    ("results-big-page", "DescribeInvocationResults", "t-hz0big",
     {"MaxResults": "3"}),
    # API errors, as decode_error() reads them
    ("error-forbidden", "DescribeInvocations", "t-hz0forbidden", {}),
    ("error-notfound", "DescribeInvocations", "t-hz0notfound", {}),
    ("error-throttle", "DescribeInvocations", "t-hz0throttle", {}),
    ("error-down", "DescribeInvocations", "t-hz0down", {}),
    ("error-unavail", "DescribeInvocations", "t-hz0unavail", {}),
    ("error-maxresults", "DescribeInvocationResults", "t-hz0finished",
     {"MaxResults": "51"}),
]

# Bodies no scenario sends, written here: the fuzzer rarely builds valid
# JSON of a new shape from random mutations, so seed the odd shapes.
EDGE_CASES = {
    "edge-array-root": b'[{"Invocations":{"Invocation":[]}}]',
    "edge-entries-not-objects":
        b'{"Invocations":{"Invocation":[null,"t-x",[],{"InvokeId":"t-x"}]}}',
    "edge-records-not-objects":
        b'{"Invocation":{"InvocationResults":{"InvocationResult":'
        b'[{"InstanceId":"i-1"},[],1.5,true,null]}}}',
    "edge-nul-in-string":
        b'{"Invocations":{"Invocation":[{"InvokeId":"t-x",'
        b'"CommandName":"a\\u0000b"}]}}',
    "edge-integer-limits":
        b'{"Invocation":{"NextToken":null,"InvocationResults":'
        b'{"InvocationResult":[{"InstanceId":"i-1",'
        b'"ExitCode":9223372036854775807,"Repeats":-9223372036854775808,'
        b'"Dropped":1e3}]}}}',
    "edge-all-null":
        b'{"Invocations":{"Invocation":[{"InvokeId":"t-x","CommandName":null,'
        b'"RepeatMode":null,"InvokeInstances":{"InvokeInstance":null}}]},'
        b'"Invocation":{"InvocationResults":null},"Code":null,'
        b'"Credentials":null}',
    "edge-record-without-id":
        b'{"Invocation":{"InvocationResults":{"InvocationResult":'
        b'[{"InstanceId":"","InvocationStatus":"Success"}]}}}',
}

# Values made afresh on every run, and what stands in for them.
VOLATILE = [
    (r'("RequestId"\s*:\s*)"[^"]*"',
     r'\1"2F6F0B5E-3C1D-4E0A-9B7C-5D4E3F2A1B0C"'),
    (r'requestId=[0-9A-Fa-f-]+', 'requestId=2F6F0B5E-3C1D-4E0A-9B7C-5D4E3F2A1B0C'),
    (r'("NextToken"\s*:\s*)"[^"]+"', r'\1"AAAAAseed+Next/Token0123456789="'),
    (r'("AccessKeyId"\s*:\s*)"STS\.[^"]*"', r'\1"STS.NSeedKeyIdNotReal0001"'),
    (r'("AccessKeySecret"\s*:\s*)"[^"]*"', r'\1"SeedSecretNotReal0123456789"'),
    (r'("SecurityToken"\s*:\s*)"[^"]*"',
     r'\1"CAISseedTokenNotReal+seed/token0123456789="'),
]


def normalise(body):
    text = body.decode("utf-8", "surrogateescape")
    for pattern, replacement in VOLATILE:
        text = re.sub(pattern, replacement, text)
    return text.encode("utf-8", "surrogateescape")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus", "decode"))
    args = ap.parse_args()

    frozen = calendar.timegm(time.strptime(CLOCK_AT, "%Y-%m-%dT%H:%M:%SZ"))
    bodies = {}
    with Simulator(tls=False, metadata=True, clock_frozen_at=frozen) as sim:
        client = sim.client()
        # The clock stands still, so every request needs its own nonce.
        for n, (name, action, invoke_id, extra) in enumerate(API_CALLS):
            params = {"RegionId": REGION, "InvokeId": invoke_id,
                      "MaxResults": PAGE}
            if action == "DescribeInvocations":
                params["IncludeOutput"] = "false"
            params.update(extra)
            r = client.call(action, params, sig=3, timestamp=sim.timestamp(),
                            nonce="seed-nonce-%04d" % n)
            bodies[name] = r.body
        r = client.assume_role(sim.ram_role_arn, "fuzz-seed", duration=900,
                               sig=3, timestamp=sim.timestamp(),
                               nonce="seed-nonce-sts-1")
        bodies["assumerole-ok"] = r.body
        r = client.assume_role(sim.ram_role_arn_denied, "fuzz-seed", sig=3,
                               timestamp=sim.timestamp(),
                               nonce="seed-nonce-sts-2")
        bodies["assumerole-denied"] = r.body
        r = sim.imds_request("GET", "/latest/meta-data/ram/"
                             "security-credentials/" + sim.ecs_role)
        bodies["metadata-ok"] = r.body
        r = sim.imds_request("GET", "/latest/meta-data/ram/"
                             "security-credentials/" + sim.broken_ecs_role)
        bodies["metadata-broken"] = r.body

    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        os.unlink(os.path.join(args.out, old))
    bodies.update(EDGE_CASES)
    for name, body in sorted(bodies.items()):
        with open(os.path.join(args.out, name + ".json"), "wb") as f:
            f.write(normalise(body))
    print("make-corpus.py: %d files in %s" % (len(bodies), args.out))


if __name__ == "__main__":
    main()
