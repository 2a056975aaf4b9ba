#!/usr/bin/env python3
"""Names too long for the plugin's fixed buffers are refused or ignored,
never cut short into another name: a credentials file path, the paths under
HOME, an STS endpoint. And with no HOME at all, the home directory comes
from the password database."""
import json
import os
import pwd
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, dns_shim, run_plugin, slack, tmp_base  # noqa: E402

t = TAP()
PATH_MAX_PLUGIN = 1023  # credentials.c: PATH_SIZE - 1


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)
    os.chmod(path, 0o600)  # the plugin refuses a key file others can read


def first(r):
    return r.stdout.split("\n")[0]


def expect_unknown(name, r, needle):
    t.is_(r.code, 3, name + ": UNKNOWN")
    t.ok(first(r).startswith("ECS INVOCATION UNKNOWN - ") and needle in first(r),
         name + ": says " + needle, first(r))
    t.is_(r.stderr, "", name + ": nothing on stderr")


with Simulator() as sim:
    base = ["-i", "t-hz0finished", "-e", sim.url, "--cacert", sim.cacert, "-r", "cn-hangzhou"]
    home = tempfile.mkdtemp(prefix="home-", dir=tmp_base())
    profile = {"current": "p", "profiles": [{
        "name": "p", "mode": "AK", "access_key_id": sim.access_key_id,
        "access_key_secret": sim.access_key_secret}]}

    # A HOME so long that "HOME/.aliyun/config.json" is cut, in a buffer
    # of 1023 bytes, to exactly "HOME/.aliyun/config.js": a file that
    # exists here, with keys that work. Cut short, the plugin would read it.
    suffix = "/.aliyun/config.json"
    padded = home + "/" * (PATH_MAX_PLUGIN - len(suffix) + 2 - len(home))
    assert len(padded + suffix) == PATH_MAX_PLUGIN + 2
    os.makedirs(os.path.join(home, ".aliyun"))
    write_json(os.path.join(home, ".aliyun", "config.js"), profile)
    r = run_plugin(base, env={"HOME": padded})
    expect_unknown("HOME too long for its config.json", r, "no credentials")
    t.unlike(r.stdout, r"credentials: profile", "HOME too long: no file read under a cut name")

    # The same HOME with short enough a name reads the real file.
    os.rename(os.path.join(home, ".aliyun", "config.js"), os.path.join(home, ".aliyun", "config.json"))
    r = run_plugin(base + ["-vv"], env={"HOME": home})
    t.is_(r.code, 0, "the same profile under a HOME that fits: OK")
    t.like(r.stdout, r"\ncredentials: profile 'p'", "... read from the CLI file")

    # A credentials file named outright is read as named, or not at all,
    # when the chain comes to it: after the CLI file.
    named = os.path.join(home, "x" * (PATH_MAX_PLUGIN + 10))
    r = run_plugin(base, env={"HOME": home, "ALIBABA_CLOUD_CREDENTIALS_FILE": named})
    t.is_(r.code, 0, "ALIBABA_CLOUD_CREDENTIALS_FILE too long, but the CLI file comes first: OK")
    r = run_plugin(base, env={"HOME": home, "ALIBABA_CLOUD_CREDENTIALS_FILE": named,
                              "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"})
    expect_unknown("ALIBABA_CLOUD_CREDENTIALS_FILE too long", r,
                   "ALIBABA_CLOUD_CREDENTIALS_FILE is longer than 1023 bytes")

    # An STS endpoint too long for the request: refused at once, not cut
    # down to another host name.
    arn = {"current": "arn", "profiles": [{
        "name": "arn", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
        "access_key_secret": sim.access_key_secret, "ram_role_arn": sim.ram_role_arn}]}
    write_json(os.path.join(home, ".aliyun", "config.json"), arn)
    # Under .invalid, with the dns_hang.c shim failing such names in the
    # plugin's process: a plugin that did send the request would still ask
    # no resolver off this machine.
    long_host = ".".join(["a" * 60] * 5) + ".invalid"
    preload, why = dns_shim()
    if preload is None:
        t.skip("--sts-endpoint too long", "cannot build dns_hang.c: " + why)
    else:
        r = run_plugin(base + ["--sts-endpoint", "https://" + long_host, "-t", "10"],
                       env={"HOME": home, "LD_PRELOAD": preload, "ECS_TEST_DNS_OFFLINE": "1"})
        expect_unknown("--sts-endpoint too long", r, "is longer than 255 bytes")
        t.ok(r.elapsed < slack(5), "--sts-endpoint too long: refused before any request (%.2f s)" % r.elapsed)
    r = run_plugin(base + ["--sts-endpoint", sim.url, "-vv"], env={"HOME": home})
    t.is_(r.code, 0, "the same profile with an STS endpoint that fits: OK")
    shutil.rmtree(home, ignore_errors=True)

    # No HOME: the password database says where the files are.
    pw_home = pwd.getpwuid(os.geteuid()).pw_dir
    if any(os.path.exists(os.path.join(pw_home, p))
           for p in (".aliyun/config.json", ".alibabacloud/credentials")):
        t.skip("no HOME: the home directory comes from the password database",
               "%s has credentials of its own" % pw_home)
    else:
        r = run_plugin(base, env={"HOME": None})
        expect_unknown("no HOME", r, "no credentials")
        t.ok("HOME %s)" % pw_home in first(r),
             "no HOME: the home directory comes from the password database (%s)" % pw_home, first(r))

t.done()
