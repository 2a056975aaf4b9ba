#!/usr/bin/env python3
"""Secrets are wiped before their memory is given back. Every block the
plugin frees, whoever frees it (the plugin, Jansson, libcurl, OpenSSL), is
caught by tests/functional/free_scan.c, preloaded: none may hold a secret,
as sent or percent-encoded once or twice, nor the first 16 characters of
one (a secret cut at the end of a buffer). The secrets are the long-lived
AccessKey secret, the STS secret and security token given in the
environment, and the temporary secret and token that AssumeRole (a
RamRoleArn profile) and the metadata service (--ram-role) issue, each with
both signature versions.

The shim works against any build: without sanitizers it takes free()'s and
realloc()'s place; under AddressSanitizer (the CI build) it installs ASan's
free hook. The plugin runs without ECS_PLUGIN_WRAPPER and valgrind (under
ECS_VALGRIND=1 too): memcheck replaces the allocator and would report the
shim's reading of bytes a program never wrote; the scan is about what the
freed bytes hold."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, make_tmpdir, plugin_env, plugin_path, preload_shim, run_plugin, tmp_base  # noqa: E402
import aliyun_sign  # noqa: E402  (tests/sim, on the path since ecstest)

t = TAP()
HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = 16  # characters of a secret that are enough to give it away


def forms(what, value):
    """(what, form, bytes) for each form of a secret to look for."""
    once = aliyun_sign.percent_encode(value)
    out = [("as sent", value), ("percent-encoded", once),
           ("percent-encoded twice", aliyun_sign.percent_encode(once)),
           ("its first %d characters" % HEAD, value[:HEAD])]
    return [(what, form, v.encode("utf-8")) for form, v in out]


def freed_blocks(path):
    """The records free_scan.c wrote: (size, frames, bytes); None when the
    file is cut short or malformed."""
    with open(path, "rb") as f:
        data = f.read()
    blocks, pos = [], 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        m = re.match(rb"B (\d+) (\S*)$", data[pos:nl]) if nl >= 0 else None
        if m is None:
            return None
        size = int(m.group(1))
        end = nl + 1 + size
        if data[end:end + 1] != b"\n":
            return None
        blocks.append((size, m.group(2).decode("utf-8", "replace"), data[nl + 1:end]))
        pos = end + 1
    return blocks


def caller(frames):
    """The first few frames of a record, the plugin's own as function and
    source line where addr2line is at hand."""
    out = []
    for frame in frames.split("<")[:6]:
        obj, _, off = frame.rpartition("+")
        if obj == os.path.basename(plugin_path()) and shutil.which("addr2line"):
            p = subprocess.run(["addr2line", "-f", "-i", "-p", "-e", plugin_path(), off],
                               capture_output=True, text=True)
            frame = p.stdout.strip().replace("\n", "; ") or frame
        out.append(frame)
    return " < ".join(out)


def scan(blocks, secrets):
    """One line for each secret found in blocks of one size freed by one
    caller, with the forms it was found in."""
    found = {}
    for n, (size, frames, data) in enumerate(blocks):
        for what, form, needle in secrets:
            if needle in data:
                hit = found.setdefault((what, size, frames.split("<")[0]), [set(), set(), frames])
                hit[0].add(form)
                hit[1].add(n)
    return ["%s (%s): %d-byte block freed %d time(s) from %s" % (
        what, ", ".join(sorted(forms)), size, len(blocks), caller(frames))
        for (what, size, _), (forms, blocks, frames) in sorted(found.items())]


preload, why = preload_shim("free_scan.c", ["-O1"])
if preload is None:
    t.skip_all("cannot build free_scan.c: " + why)

with Simulator(issued_log=True) as sim:
    work = make_tmpdir("wipe-")
    empty = tempfile.mkdtemp(prefix="home-", dir=tmp_base())
    arn = tempfile.mkdtemp(prefix="home-", dir=tmp_base())
    os.makedirs(os.path.join(arn, ".aliyun"))
    config = os.path.join(arn, ".aliyun", "config.json")
    with open(config, "w") as f:
        json.dump({"current": "arn", "meta_path": "", "profiles": [
            {"name": "arn", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
             "access_key_secret": sim.access_key_secret, "ram_role_arn": sim.ram_role_arn,
             "ram_session_name": "nagios", "region_id": "cn-hangzhou"}]}, f)
    os.chmod(config, 0o600)

    fixed = forms("AccessKey secret", sim.access_key_secret) + \
        forms("STS secret", sim.sts_access_key_secret) + forms("security token", sim.sts_token)
    # (name, arguments, environment, signature version, where temporary
    # keys come from: AssumeRole issues new ones each time, the metadata
    # service the same ones for a while)
    runs = []
    for sig in ("1", "3"):
        runs += [
            ("STS keys from the environment, v" + sig, [],
             dict(plugin_env(sim, sts=True), HOME=empty), sig, None),
            ("a RamRoleArn profile (AssumeRole), v" + sig, ["--sts-endpoint", sim.url],
             {"HOME": arn}, sig, "sts"),
            ("--ram-role (the metadata service), v" + sig,
             ["--ram-role", sim.ecs_role, "--metadata-url", sim.metadata_url, "-r", "cn-hangzhou"],
             {"HOME": empty}, sig, "imds"),
        ]
    for n, (name, extra, env, sig, issuer) in enumerate(runs):
        out = os.path.join(work, "freed.%d" % n)
        args = sim.plugin_args("t-hz0finished", "--signature-version", sig, "-vv") + extra
        issued_before = len(sim.issued())
        r = run_plugin(args, env=dict(env, LD_PRELOAD=preload, ECS_FREE_SCAN_OUT=out,
                                      ECS_FREE_SCAN_MIN=str(HEAD)), wrap=False)
        if not t.ok(r.code == 0 and not r.stderr and os.path.exists(out),
                    name + ": the check is OK, nothing on stderr, the freed blocks were seen", r):
            continue
        blocks = freed_blocks(out)
        os.unlink(out)
        if not t.ok(blocks is not None, name + ": the scan's records are whole"):
            continue
        issued = sim.issued()
        temporary = []
        for c in issued:
            temporary += forms("temporary secret", c["AccessKeySecret"]) + \
                forms("temporary security token", c["SecurityToken"])
        if issuer is not None:
            t.ok(len(issued) > issued_before or (issuer == "imds" and issued),
                 name + ": the temporary key looked for is known (%d issued)" % len(issued))
        # The shim sees the plugin's own frees: its answer, which holds no
        # secret, is freed unwiped at the end.
        answer = r.first_line.split("|")[0].strip().encode("utf-8")
        t.ok(answer.startswith(b"ECS INVOCATION OK") and any(answer in d for _, _, d in blocks),
             name + ": the scan saw the plugin free its answer (%d blocks with data)" % len(blocks))
        found = scan(blocks, fixed + temporary)
        t.ok(not found, name + ": no secret in a freed block", "\n".join(found))

    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(empty, ignore_errors=True)
    shutil.rmtree(arn, ignore_errors=True)

t.done()
