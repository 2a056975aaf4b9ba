#!/usr/bin/env python3
"""The credential chain, as the official SDKs and the aliyun CLI walk it:
--profile/--ram-role, the environment, ~/.aliyun/config.json, the INI
credentials file, the ECS metadata service when asked for; each profile
mode; the order between sources; and each way it can fail. Every run gets a
fake HOME, so nothing of the machine's own configuration leaks in."""
import json
import os
import shutil
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, run_plugin, tmp_base  # noqa: E402

t = TAP()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Home:
    """A throw-away HOME with optional CLI config and INI credentials."""

    def __init__(self, cli=None, ini=None, cli_mode=0o600, ini_mode=0o600):
        self.path = tempfile.mkdtemp(prefix="home-", dir=tmp_base())
        if cli is not None:
            os.makedirs(os.path.join(self.path, ".aliyun"))
            self.cli = os.path.join(self.path, ".aliyun", "config.json")
            self._write(self.cli, cli if isinstance(cli, str) else json.dumps(cli), cli_mode)
        if ini is not None:
            os.makedirs(os.path.join(self.path, ".alibabacloud"))
            self.ini = os.path.join(self.path, ".alibabacloud", "credentials")
            self._write(self.ini, ini, ini_mode)

    @staticmethod
    def _write(path, text, mode):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def cli_config(current, *profiles):
    return {"current": current, "profiles": list(profiles), "meta_path": ""}


def ak_profile(name, sim, secret=None, region="cn-hangzhou", **extra):
    p = {"name": name, "mode": "AK", "access_key_id": sim.access_key_id,
         "access_key_secret": secret or sim.access_key_secret, "region_id": region}
    p.update(extra)
    return p


def run(sim, home, args=(), env=None, sig="3", invoke_id="t-hz0finished", v="-vv", region=True):
    e = {"HOME": home.path}
    e.update(env or {})
    a = ["-i", invoke_id, "-e", sim.url, "--cacert", sim.cacert, "--signature-version", sig, v]
    if region:
        a += ["-r", "cn-hangzhou"]
    return run_plugin(a + list(args), env=e)


def first(r):
    return r.stdout.split("\n")[0]


def expect_ok(name, r, source_re):
    t.is_(r.code, 0, name + ": OK")
    t.like(r.stdout, r"\ncredentials: " + source_re, name + ": -vv names the source")
    t.is_(r.stderr, "", name + ": nothing on stderr")


def expect_unknown(name, r, needle):
    t.is_(r.code, 3, name + ": UNKNOWN")
    t.ok(first(r).startswith("ECS INVOCATION UNKNOWN - ") and needle in first(r),
         name + ": says " + needle, first(r))
    t.is_(r.stderr, "", name + ": nothing on stderr")


def imds_requests(sim):
    return [q for q in sim.requests() if q.get("service") == "imds"]


with Simulator() as sim:
    sts_args = ["--sts-endpoint", sim.url]
    md_args = ["--metadata-url", sim.metadata_url]
    for sig in ("1", "3"):
        tag = " (v%s)" % sig

        # The environment, with the names the SDKs and the CLI read.
        with Home() as h:
            r = run(sim, h, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.access_key_id,
                                 "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.access_key_secret}, sig=sig)
            expect_ok("environment" + tag, r, r"environment \(ALIBABA_CLOUD_ACCESS_KEY_ID\)")
            r = run(sim, h, env={"ALICLOUD_ACCESS_KEY_ID": sim.access_key_id,
                                 "ALICLOUD_ACCESS_KEY_SECRET": sim.access_key_secret}, sig=sig)
            expect_ok("legacy environment names" + tag, r, r"environment \(ALICLOUD_ACCESS_KEY_ID\)")
            r = run(sim, h, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.sts_access_key_id,
                                 "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.sts_access_key_secret,
                                 "ALIBABA_CLOUD_SECURITY_TOKEN": sim.sts_token}, sig=sig)
            expect_ok("environment STS token" + tag, r, r"environment .*with a security token")

        if sig == "3":
            # Every name the aliyun CLI reads (aliyun-api.md §9.2); the
            # signature plays no part in it, so one version is enough.
            with Home() as h:
                for prefix in ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_", ""):
                    r = run(sim, h, env={prefix + "ACCESS_KEY_ID": sim.access_key_id,
                                         prefix + "ACCESS_KEY_SECRET": sim.access_key_secret})
                    expect_ok("environment: %sACCESS_KEY_ID/_SECRET" % prefix, r,
                              r"environment \(%sACCESS_KEY_ID\)\n" % prefix)
                    sim.clear_log()
                    r = run(sim, h, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.sts_access_key_id,
                                         "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.sts_access_key_secret,
                                         prefix + "SECURITY_TOKEN": sim.sts_token})
                    expect_ok("environment: %sSECURITY_TOKEN" % prefix, r, r"environment .*with a security token")
                    t.ok(all(q.get("security_token_sent") for q in sim.requests() if q.get("service") == "ecs"),
                         "environment: %sSECURITY_TOKEN: the token went with the requests" % prefix)
                # The CLI's lookup order: the first name set wins, for each
                # value on its own. The later name holds a wrong value.
                order = ("ALIBABA_CLOUD_", "ALIBABACLOUD_", "ALICLOUD_", "")
                for first_, later in zip(order, order[1:]):
                    r = run(sim, h, env={first_ + "ACCESS_KEY_ID": sim.access_key_id,
                                         first_ + "ACCESS_KEY_SECRET": sim.access_key_secret,
                                         later + "ACCESS_KEY_ID": "LTAIwrongid",
                                         later + "ACCESS_KEY_SECRET": "wrong-secret"})
                    expect_ok("order: %sACCESS_KEY_* before %sACCESS_KEY_*" % (first_, later), r,
                              r"environment \(%sACCESS_KEY_ID\)\n" % first_)
                    r = run(sim, h, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.sts_access_key_id,
                                         "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.sts_access_key_secret,
                                         first_ + "SECURITY_TOKEN": sim.sts_token,
                                         later + "SECURITY_TOKEN": "wrong-token"})
                    expect_ok("order: %sSECURITY_TOKEN before %sSECURITY_TOKEN" % (first_, later), r,
                              r"environment .*with a security token")

        # The aliyun CLI file: each mode.
        sts_profile = {"name": "sts", "mode": "StsToken", "access_key_id": sim.sts_access_key_id,
                       "access_key_secret": sim.sts_access_key_secret, "sts_token": sim.sts_token}
        ecs_profile = {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": sim.ecs_role}
        arn_profile = {"name": "arn", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                       "access_key_secret": sim.access_key_secret, "ram_role_arn": sim.ram_role_arn,
                       "ram_session_name": "nagios", "expired_seconds": 900}
        cfg = cli_config("default", ak_profile("default", sim), sts_profile, ecs_profile, arn_profile)
        with Home(cli=cfg) as h:
            r = run(sim, h, sig=sig)
            expect_ok("CLI file, current profile (AK)" + tag, r, r"profile 'default' \(mode AK\)")
            r = run(sim, h, env={"ALIBABA_CLOUD_PROFILE": "sts"}, sig=sig)
            expect_ok("CLI file, ALIBABA_CLOUD_PROFILE=sts (StsToken)" + tag, r, r"profile 'sts' \(mode StsToken\)")
            sim.clear_log()
            r = run(sim, h, ["--profile", "ecs"] + md_args, sig=sig)
            expect_ok("CLI file, --profile ecs (EcsRamRole)" + tag, r, r"ECS RAM role '%s' from .*IMDSv2" % sim.ecs_role)
            imds = imds_requests(sim)
            t.ok(len(imds) >= 2 and imds[0].get("method") == "PUT" and imds[0].get("ttl_sent")
                 and all(q.get("token_sent") for q in imds[1:]),
                 "EcsRamRole: a token PUT with its TTL, then GETs that carry the token" + tag, imds)
            t.is_(imds[0].get("ttl") if imds else None, "21600",
                  "EcsRamRole: the token asked for 21600 s, the longest the service gives, as the SDK asks" + tag)
            sim.clear_log()
            r = run(sim, h, ["--profile", "arn"] + sts_args, sig=sig)
            expect_ok("CLI file, --profile arn (RamRoleArn)" + tag, r, r"role %s assumed" % sim.ram_role_arn)
            reqs = sim.requests()
            t.ok(any(q.get("action") == "AssumeRole" and q.get("verdict") == "ok" for q in reqs),
                 "RamRoleArn: AssumeRole accepted" + tag)
            t.ok(all(q.get("verdict") == "ok" for q in reqs if q.get("action", "").startswith("Describe")),
                 "RamRoleArn: the ECS requests used the assumed keys" + tag)
            t.is_(sorted({q.get("sig_version") for q in reqs if q.get("action") == "AssumeRole"}), [int(sig)],
                  "RamRoleArn: AssumeRole signed with --signature-version %s, as the ECS requests" % sig)
            r = run(sim, h, sig=sig, region=False)
            t.is_(r.code, 0, "CLI file: region_id from the profile when -r is not given" + tag)
            t.like(r.stdout, r"region cn-hangzhou \(from the credentials profile\)", "-vv says where the region came from" + tag)

        # The INI credentials file: each type.
        ini = ("[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n\n"
               "[ecs]\ntype = ecs_ram_role\nrole_name = %s\n\n"
               "[arn]\ntype = ram_role_arn\naccess_key_id = %s\naccess_key_secret = %s\n"
               "role_arn = %s\nrole_session_name = icinga\n"
               % (sim.access_key_id, sim.access_key_secret, sim.ecs_role,
                  sim.access_key_id, sim.access_key_secret, sim.ram_role_arn))
        with Home(ini=ini) as h:
            r = run(sim, h, sig=sig)
            expect_ok("INI default section (access_key)" + tag, r, r".*default.*credentials")
            r = run(sim, h, md_args, env={"ALIBABA_CLOUD_PROFILE": "ecs"}, sig=sig)
            expect_ok("INI ecs_ram_role" + tag, r, r"ECS RAM role")
            r = run(sim, h, ["--profile", "arn"] + sts_args, sig=sig)
            expect_ok("INI ram_role_arn via --profile" + tag, r, r"role .* assumed")
            other = os.path.join(h.path, "elsewhere.ini")
            shutil.copy(h.ini, other)
            os.chmod(other, 0o600)
            os.remove(h.ini)
            r = run(sim, h, env={"ALIBABA_CLOUD_CREDENTIALS_FILE": other}, sig=sig)
            expect_ok("ALIBABA_CLOUD_CREDENTIALS_FILE" + tag, r, r".*elsewhere\.ini")

        # The metadata service, only when asked for.
        with Home() as h:
            r = run(sim, h, md_args, env={"ALIBABA_CLOUD_ECS_METADATA": sim.ecs_role}, sig=sig)
            expect_ok("ALIBABA_CLOUD_ECS_METADATA" + tag, r, r"ECS RAM role")
            r = run(sim, h, ["--ram-role", sim.ecs_role] + md_args, sig=sig)
            expect_ok("--ram-role" + tag, r, r"ECS RAM role '%s'" % sim.ecs_role)

    # Order between the sources: the first that has credentials wins. Each
    # pair has one good and one bad source, and -vv must name the good one.
    good_cli = cli_config("default", ak_profile("default", sim))
    bad_cli = cli_config("default", ak_profile("default", sim, secret="wrong-secret"))
    good_ini = "[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n" % (
        sim.access_key_id, sim.access_key_secret)
    bad_ini = "[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = wrong\n" % sim.access_key_id
    env_ok = {"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.access_key_id,
              "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.access_key_secret}
    env_bad = {"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.access_key_id,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret"}
    with Home(cli=bad_cli, ini=bad_ini) as h:
        expect_ok("order: the environment comes before the CLI file", run(sim, h, env=env_ok),
                  r"environment")
    with Home(cli=cli_config("default", ak_profile("default", sim, secret="wrong"), ak_profile("good", sim))) as h:
        expect_ok("order: --profile comes before the environment", run(sim, h, ["--profile", "good"], env=env_bad),
                  r"profile 'good'")
    with Home(cli=good_cli, ini=bad_ini) as h:
        expect_ok("order: the CLI file comes before the INI file", run(sim, h), r"profile 'default' \(mode AK\) in .*config\.json")
    # --ram-role is an explicit choice too; ALIBABA_CLOUD_ECS_METADATA is
    # the last resort. The bad role is one whose metadata answer is refused.
    with Home(cli=bad_cli, ini=bad_ini) as h:
        r = run(sim, h, ["--ram-role", sim.ecs_role] + md_args, env=env_bad)
        expect_ok("order: --ram-role comes before the environment", r, r"ECS RAM role '%s' .*--ram-role" % sim.ecs_role)
        r = run(sim, h, ["--ram-role", sim.ecs_role] + md_args)
        expect_ok("order: --ram-role comes before the CLI and INI files", r,
                  r"ECS RAM role '%s' .*--ram-role" % sim.ecs_role)
    metadata_bad = {"ALIBABA_CLOUD_ECS_METADATA": sim.broken_ecs_role}
    for name, home, env, source in (
            ("the environment", Home(), dict(env_ok, **metadata_bad), r"environment"),
            ("the CLI file", Home(cli=good_cli), metadata_bad, r"profile 'default' \(mode AK\) in .*config\.json"),
            ("the INI file", Home(ini=good_ini), metadata_bad, r".*\.alibabacloud/credentials")):
        with home as h:
            sim.clear_log()
            expect_ok("order: %s comes before ALIBABA_CLOUD_ECS_METADATA" % name, run(sim, h, md_args, env=env),
                      source)
            t.is_(imds_requests(sim), [], "order: %s: the metadata service was not asked" % name)
    with Home(cli=cli_config("default", ak_profile("default", sim, secret="x"), ak_profile("other", sim),
                             ak_profile("third", sim, secret="y"))) as h:
        expect_ok("ALICLOUD_PROFILE (the CLI's third name) picks the profile",
                  run(sim, h, env={"ALICLOUD_PROFILE": "other"}), r"profile 'other'")
        expect_ok("order: ALIBABA_CLOUD_PROFILE before ALICLOUD_PROFILE",
                  run(sim, h, env={"ALIBABA_CLOUD_PROFILE": "other", "ALICLOUD_PROFILE": "third"}),
                  r"profile 'other'")
        expect_ok("order: ALIBABACLOUD_PROFILE before ALIBABA_CLOUD_PROFILE",
                  run(sim, h, env={"ALIBABACLOUD_PROFILE": "other", "ALIBABA_CLOUD_PROFILE": "third"}),
                  r"profile 'other'")
    with Home(cli=bad_cli, ini=good_ini) as h:
        for var in ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_IGNORE_PROFILE"):
            expect_ok(var + " skips the CLI file", run(sim, h, env={var: "true"}), r".*\.alibabacloud/credentials")
    with Home(cli=cli_config("default", ak_profile("default", sim), ak_profile("other", sim, secret="x")),
              ini=good_ini.replace("[default]", "[other]")) as h:
        expect_ok("ALIBABACLOUD_PROFILE (the CLI's first name) picks the profile",
                  run(sim, h, env={"ALIBABACLOUD_PROFILE": "other", "ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}),
                  r".*\[other\]|.*other")
        expect_ok("an explicit --profile reads the CLI file even when it is disabled",
                  run(sim, h, ["--profile", "default"], env={"ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"}),
                  r"profile 'default' \(mode AK\) in .*\.aliyun/config\.json")
    named_ini = good_ini.replace("[default]", "[onlyini]")
    with Home(cli=cli_config("other", ak_profile("other", sim)), ini=named_ini) as h:
        r = run(sim, h, env={"ALIBABA_CLOUD_PROFILE": "onlyini"})
        expect_ok("order: ALIBABA_CLOUD_PROFILE missing from the CLI file falls through to the INI file", r,
                  r".*credentials")
        expect_unknown("ALIBABA_CLOUD_PROFILE in neither file is named",
                       run(sim, h, env={"ALIBABA_CLOUD_PROFILE": "typo"}), "'typo', which is in neither")
    with Home(cli=cli_config("nosuch", ak_profile("other", sim)), ini=good_ini) as h:
        expect_unknown("a dangling \"current\" in config.json is named, as the CLI does", run(sim, h),
                       "no profile of that name")
    # The region of the CLI profile in use applies to keys from elsewhere too.
    with Home(cli=cli_config("default", ak_profile("default", sim, secret="x"))) as h:
        r = run(sim, h, env=env_ok, region=False)
        t.is_(r.code, 0, "keys from the environment, region from the current CLI profile")
        t.like(r.stdout, r"region cn-hangzhou \(from the credentials profile\)", "and -vv says so")
        # ... unless the CLI file is not to be read at all.
        for var in ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_IGNORE_PROFILE",
                    "ALIBABACLOUD_IGNORE_PROFILE"):
            expect_unknown(var + ": no region from the CLI file either",
                           run(sim, h, env=dict(env_ok, **{var: "true"}), region=False), "missing region")
    # The region: -r, else the environment (the names the CLI reads), else
    # the profile. The profile names a region the invocation is not in, so
    # taking it would not be OK; -vv and the requests also say which won.
    with Home(cli=cli_config("default", ak_profile("default", sim, region="cn-beijing"))) as h:
        for var in ("ALIBABA_CLOUD_REGION_ID", "ALIBABACLOUD_REGION_ID", "ALICLOUD_REGION_ID"):
            sim.clear_log()
            r = run(sim, h, env={var: "cn-hangzhou"}, region=False)
            t.is_(r.code, 0, "order: %s comes before the profile's region_id: OK" % var)
            t.like(r.stdout, r"region cn-hangzhou \(from %s\)" % var, "order: %s: -vv names it" % var)
            t.is_(sorted({q.get("region") for q in sim.requests() if q.get("service") == "ecs"}),
                  ["cn-hangzhou"], "order: %s: the requests carried its region" % var)
        r = run(sim, h, ["-r", "cn-hangzhou"], env={"ALIBABA_CLOUD_REGION_ID": "cn-beijing"}, region=False)
        t.like(r.stdout, r"region cn-hangzhou \(from -r\)", "order: -r comes before ALIBABA_CLOUD_REGION_ID")
    # A config.json that others may read is refused when the region is to
    # come from it, as it is when keys are (product.md §7), not passed over
    # for a "missing region" that hides why.
    with Home(cli=cli_config("default", ak_profile("default", sim)), cli_mode=0o644) as h:
        expect_unknown("a loose config.json read for its region is refused",
                       run(sim, h, env=env_ok, region=False), "chmod 600 " + h.cli)
        expect_unknown("... and the line says why the file was read",
                       run(sim, h, env=env_ok, region=False),
                       "(read for its region_id; -r or ALIBABA_CLOUD_REGION_ID spares reading it)")
        expect_ok("a loose config.json that is not read (-r given) is no matter", run(sim, h, env=env_ok),
                  r"environment")
        expect_ok("... nor with ALIBABA_CLOUD_REGION_ID",
                  run(sim, h, env=dict(env_ok, ALIBABA_CLOUD_REGION_ID="cn-hangzhou"), region=False),
                  r"environment")
    # A stray generic ACCESS_KEY_ID (another tool's) does not stop the chain.
    with Home(cli=good_cli) as h:
        expect_ok("a lone generic ACCESS_KEY_ID is passed over", run(sim, h, env={"ACCESS_KEY_ID": "someone-else"}),
                  r"profile 'default'")
        expect_unknown("a lone ALIBABA_CLOUD_ACCESS_KEY_ID is an error",
                       run(sim, h, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"}), "no secret")
    # The metadata service is not used when disabled.
    with Home() as h:
        expect_unknown("ALIBABA_CLOUD_ECS_METADATA_DISABLED", run(
            sim, h, md_args, env={"ALIBABA_CLOUD_ECS_METADATA": sim.ecs_role,
                                  "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}), "no credentials")
        # An empty role_name: the role attached to the instance is asked for.
        with open(os.path.join(h.path, "ini"), "w") as f:
            f.write("[default]\ntype = ecs_ram_role\nrole_name =\n")
        os.chmod(os.path.join(h.path, "ini"), 0o600)
        expect_ok("an empty role_name asks the metadata service for the role",
                  run(sim, h, md_args, env={"ALIBABA_CLOUD_CREDENTIALS_FILE": os.path.join(h.path, "ini")}),
                  r"ECS RAM role '%s'" % sim.ecs_role)
        expect_unknown("a role whose keys the API finds expired",
                       run(sim, h, ["--ram-role", sim.expired_ecs_role] + md_args), "InvalidSecurityToken.Expired")
    with Home() as h:
        sim.clear_log()
        r = run(sim, h, md_args)
        expect_unknown("no credentials anywhere", r, "no credentials")
        t.ok("HOME %s" % h.path in first(r), "no credentials: names the HOME it looked in", first(r))
        t.is_(imds_requests(sim), [], "no credentials: the metadata service is not asked unless configured")

    # Broken sources.
    with Home(cli="{\"profiles\": [") as h:
        expect_unknown("malformed config.json", run(sim, h), "config.json")
    with Home(cli=cli_config("o", {"name": "o", "mode": "OIDC"})) as h:
        expect_unknown("unknown mode", run(sim, h), "OIDC")
    with Home(ini="[default]\nthis is not ini\n") as h:
        expect_unknown("malformed INI", run(sim, h), "line 2")
    with Home(ini="[default]\ntype = bearer_token\n") as h:
        expect_unknown("unknown INI type", run(sim, h), "bearer_token")
    with Home(cli=cli_config("default", ak_profile("default", sim)), cli_mode=0o644) as h:
        r = run(sim, h)
        expect_unknown("config.json readable by others", r, "chmod 600 " + h.cli)
    with Home(ini=good_ini, ini_mode=0o640) as h:
        expect_unknown("credentials file readable by the group", run(sim, h), "chmod 600")
    with Home() as h:
        expect_unknown("ALIBABA_CLOUD_CREDENTIALS_FILE missing", run(
            sim, h, env={"ALIBABA_CLOUD_CREDENTIALS_FILE": os.path.join(h.path, "nope")}), "does not exist")
        expect_unknown("--profile that does not exist", run(sim, h, ["--profile", "ghost"]), "no such profile")
        down = "http://127.0.0.1:%d" % free_port()
        expect_unknown("metadata service down", run(sim, h, ["--ram-role", sim.ecs_role, "--metadata-url", down, "-t", "10"]),
                       "cannot reach the ECS metadata service")
        expect_unknown("IMDSv1 disabled and no token", run(
            sim, h, ["--ram-role", sim.ecs_role, "--metadata-url", down, "-t", "10"],
            env={"ALIBABA_CLOUD_IMDSV1_DISABLED": "true"}), "ALIBABA_CLOUD_IMDSV1_DISABLED")
        expect_unknown("role the metadata service does not know", run(sim, h, ["--ram-role", "NoSuchRole"] + md_args),
                       "NoSuchRole")
        expect_unknown("metadata Code not Success", run(sim, h, ["--ram-role", sim.broken_ecs_role] + md_args),
                       "not Success")
        denied = cli_config("d", {"name": "d", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                                  "access_key_secret": sim.access_key_secret,
                                  "ram_role_arn": sim.ram_role_arn_denied})
    with Home(cli=denied) as h:
        expect_unknown("STS refuses AssumeRole", run(sim, h, sts_args), "NoPermission")
    expired = cli_config("x", {"name": "x", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                               "access_key_secret": sim.access_key_secret,
                               "ram_role_arn": sim.ram_role_arn_expired})
    with Home(cli=expired) as h:
        expect_unknown("assumed keys the API finds expired", run(sim, h, sts_args), "InvalidSecurityToken.Expired")
    with Home() as h:
        eid, esecret, etoken = sim.expired_sts
        r = run(sim, h, env={"ALIBABA_CLOUD_ACCESS_KEY_ID": eid, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": esecret,
                             "ALIBABA_CLOUD_SECURITY_TOKEN": etoken})
        expect_unknown("an expired STS token", r, "InvalidSecurityToken.Expired")
        t.ok(etoken not in r.stdout and esecret not in r.stdout, "expired token: not echoed")

    # No secret at -vvv, whatever the source and however it ends.
    leaks = []
    runs = 0
    with Home(cli=cfg, ini=ini) as h:
        failing = cli_config("d", {"name": "d", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                                   "access_key_secret": sim.access_key_secret,
                                   "ram_role_arn": sim.ram_role_arn_denied})
        for args in (["--profile", "sts"], ["--profile", "arn"] + sts_args, ["--profile", "ecs"] + md_args,
                     ["--ram-role", sim.broken_ecs_role] + md_args, ["--ram-role", sim.expired_ecs_role] + md_args,
                     ["--profile", "arn", "--sts-endpoint", "https://127.0.0.1:1", "-t", "3"]):
            r = run(sim, h, args, v="-vvv")
            runs += 1
            for secret in (sim.access_key_secret, sim.sts_access_key_secret, sim.sts_token):
                if secret in r.stdout or secret in r.stderr:
                    leaks.append(args[1])
    with Home(cli=failing) as h:
        r = run(sim, h, sts_args, v="-vvv")
        runs += 1
        if sim.access_key_secret in r.stdout or sim.access_key_secret in r.stderr:
            leaks.append("denied")
    t.is_(leaks, [], "-vvv shows no secret for any source, in %d runs that succeed or fail" % runs)

class ConnectProxy:
    """A minimal HTTP CONNECT proxy on loopback that counts the tunnels it
    opens: enough to show that libcurl's proxy variables are honoured."""

    def __init__(self):
        self.tunnels = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        if len(parts) < 2 or parts[0] != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        host, port = parts[1].rsplit(":", 1)
        self.tunnels.append(parts[1])
        upstream = socket.create_connection((host, int(port)), timeout=10)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for x in (a, b):
                    try:
                        x.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self):
        self.sock.close()


with Simulator() as sim:
    env_keys = {"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.access_key_id,
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.access_key_secret}
    # ALIBABA_CLOUD_STS_ENDPOINT, as a URL and as the bare host the SDKs take.
    arn = cli_config("arn", {"name": "arn", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                             "access_key_secret": sim.access_key_secret, "ram_role_arn": sim.ram_role_arn})
    with Home(cli=arn) as h:
        r = run(sim, h, env={"ALIBABA_CLOUD_STS_ENDPOINT": sim.url})
        expect_ok("ALIBABA_CLOUD_STS_ENDPOINT as a URL", r, r"role .* assumed through %s" % sim.url)
        r = run(sim, h, env={"ALIBABA_CLOUD_STS_ENDPOINT": sim.url.split("://", 1)[1]})
        expect_ok("ALIBABA_CLOUD_STS_ENDPOINT as a host", r, r"role .* assumed through %s" % sim.url)
        dead_sts = "https://127.0.0.1:%d" % free_port()
        r = run(sim, h, ["--sts-endpoint", sim.url], env={"ALIBABA_CLOUD_STS_ENDPOINT": dead_sts})
        expect_ok("order: --sts-endpoint comes before ALIBABA_CLOUD_STS_ENDPOINT", r,
                  r"role .* assumed through %s" % sim.url)
        # An STS host that cannot be reached: the advice names the settings
        # that chose it, not -e (which chose the ECS endpoint).
        r = run(sim, h, ["--sts-endpoint", dead_sts, "-t", "3"])
        expect_unknown("STS endpoint down", r, "at %s failed: cannot connect" % dead_sts)
        t.ok("check the STS endpoint (--sts-endpoint, ALIBABA_CLOUD_STS_ENDPOINT or the profile's sts_region)"
             in first(r) and "check -e" not in first(r),
             "STS endpoint down: the advice names --sts-endpoint and ALIBABA_CLOUD_STS_ENDPOINT, not -e", first(r))

    # Where AssumeRole goes when no endpoint is given: the profile's
    # sts_region, else the central endpoint. Checked without leaving
    # loopback: https_proxy points at a dead loopback port, so libcurl hands
    # the host name to the proxy instead of resolving and connecting to it,
    # and the failure names the URL that was chosen.
    sr = cli_config("sr", {"name": "sr", "mode": "RamRoleArn", "access_key_id": sim.access_key_id,
                           "access_key_secret": sim.access_key_secret,
                           "ram_role_arn": sim.ram_role_arn, "sts_region": "cn-shanghai"})
    dead_port = free_port()
    no_way_out = {"https_proxy": "http://127.0.0.1:%d" % dead_port, "HTTPS_PROXY": "http://127.0.0.1:%d" % dead_port,
                  "no_proxy": "", "NO_PROXY": ""}
    for name, cfg, url in (("sts_region picks its regional endpoint", sr, "https://sts.cn-shanghai.aliyuncs.com"),
                           ("no sts_region: the central endpoint", arn, "https://sts.aliyuncs.com")):
        with Home(cli=cfg) as h:
            r = run(sim, h, ["-t", "3"], env=no_way_out)
            expect_unknown(name, r, "at %s failed: cannot connect to %s (" % (url, url))
            t.ok("127.0.0.1 port %d" % dead_port in first(r), name + ": only the dead loopback proxy was tried",
                 first(r))
    with Home(cli=sr) as h:
        r = run(sim, h, env={"ALIBABA_CLOUD_STS_ENDPOINT": sim.url})
        expect_ok("order: ALIBABA_CLOUD_STS_ENDPOINT comes before the profile's sts_region", r,
                  r"role .* assumed through %s" % sim.url)
        r = run(sim, h, ["--sts-endpoint", sim.url])
        expect_ok("order: --sts-endpoint comes before the profile's sts_region", r,
                  r"role .* assumed through %s" % sim.url)

    # libcurl's proxy variables carry the API requests; the metadata service never goes through one.
    proxy = ConnectProxy()
    with Home() as h:
        r = run(sim, h, env=dict(env_keys, https_proxy=proxy.url, HTTPS_PROXY=proxy.url, NO_PROXY="", no_proxy=""))
        t.is_(r.code, 0, "https_proxy: the check works through a CONNECT proxy")
        t.ok(len(proxy.tunnels) == 1 and proxy.tunnels[0].endswith(sim.url.rsplit(":", 1)[1]),
             "https_proxy: one tunnel to the API, for the whole run", proxy.tunnels)
        before = len(proxy.tunnels)
        r = run(sim, h, ["--ram-role", sim.ecs_role, "--metadata-url", sim.metadata_url],
                env=dict(http_proxy=proxy.url, HTTP_PROXY=proxy.url, https_proxy=proxy.url, no_proxy=""))
        t.is_(r.code, 0, "http_proxy set: the RAM role still works")
        t.is_(len(proxy.tunnels) - before, 1, "http_proxy set: only the API went through the proxy, not the metadata service")
    proxy.close()

with Simulator(imds_v1_only=True) as sim:
    with Home() as h:
        sim.clear_log()
        r = run(sim, h, ["--ram-role", sim.ecs_role, "--metadata-url", sim.metadata_url])
        expect_ok("a metadata service without IMDSv2: falls back to IMDSv1", r, r"ECS RAM role .*IMDSv1")
        imds = imds_requests(sim)
        t.ok(imds and imds[0].get("method") == "PUT" and not any(q.get("token_sent") for q in imds[1:]),
             "IMDSv1 fallback: tried the token first, then asked without one", imds)
        expect_unknown("... unless ALIBABA_CLOUD_IMDSV1_DISABLED=true", run(
            sim, h, ["--ram-role", sim.ecs_role, "--metadata-url", sim.metadata_url],
            env={"ALIBABA_CLOUD_IMDSV1_DISABLED": "true"}), "refused a session token (HTTP 404)")

with Simulator(imds_v2_only=True) as sim:
    with Home() as h:
        r = run(sim, h, ["--ram-role", sim.ecs_role, "--metadata-url", sim.metadata_url])
        expect_ok("metadata service in hardened mode (IMDSv2 only)", r, r"ECS RAM role .*IMDSv2")

t.done()
