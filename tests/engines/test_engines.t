#!/usr/bin/env python3
"""End to end: the built plugin run by a real Nagios 4 and a real Icinga 2,
each configured with the shipped snippet verbatim
(packaging/nagios/check_ecs_invocation.cfg,
packaging/icinga2/check_ecs_invocation.conf) plus test-only objects, against
the ECS API simulator.

Both cores are private instances: every config, state, spool, cache, log,
pid and socket path is in one temporary directory; Icinga 2's API listens
on 127.0.0.1 on a free port with its own user and a certificate made with
`icinga2 pki new-cert`. They run as the current user (root in CI; see
tests/engines/README.md). Each service is checked exactly once, when the test
forces it (Nagios: SCHEDULE_FORCED_SVC_CHECK through the command file;
Icinga 2: POST /v1/actions/reschedule-check with force), and the results are
read from the cores' own records: Nagios's status.dat, Icinga 2's
/v1/objects/services. For every scenario: the state, the first line, the
perfdata and the long output as each core parsed them, and the command line
the core ran. Then: no credential secret anywhere in what either core
stores or shows, `nagios4 -v` and `icinga2 daemon -C` accept the shipped
snippets and the examples, the README shows the examples verbatim, and
nothing is left running.

ECS_REQUIRE_ENGINES=1 (tests/run-all.sh, CI) turns missing cores into a
failure; otherwise they are a skip. ECS_KEEP_TMP=1 keeps the directory."""
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ecstest import TAP, SRCDIR, Simulator, plugin_path  # noqa: E402

PACKAGING = os.path.join(SRCDIR, "packaging")
NAGIOS_SNIPPET = os.path.join(PACKAGING, "nagios", "check_ecs_invocation.cfg")
NAGIOS_EXAMPLE = os.path.join(PACKAGING, "nagios", "example-service.cfg")
ICINGA_SNIPPET = os.path.join(PACKAGING, "icinga2", "check_ecs_invocation.conf")
ICINGA_EXAMPLE = os.path.join(PACKAGING, "icinga2", "example-service.conf")
README = os.path.join(SRCDIR, "README.md")
REGION = "cn-hangzhou"
NODE = "ecs-e2e"
WAIT = 90        # seconds for a core to start or to deliver its results

t = TAP()
T0 = time.monotonic()


def diag_time(what):
    t.diag("%-40s %5.1f s" % (what, time.monotonic() - T0))


def find_exe(name):
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(name, path=path)


NAGIOS = find_exe("nagios4")
ICINGA = find_exe("icinga2")
if not (NAGIOS and ICINGA):
    missing = " and ".join(n for n, p in (("nagios4", NAGIOS), ("icinga2", ICINGA))
                           if not p)
    why = "%s not installed (packaging/install-deps.sh --engines installs them)" % missing
    if os.environ.get("ECS_REQUIRE_ENGINES") == "1":
        t.bail_out(why + "; ECS_REQUIRE_ENGINES=1 wants them")
    t.skip_all(why)
if not os.access(plugin_path(), os.X_OK):
    t.bail_out("no plugin at %s: build it first" % plugin_path())


# ------------------------------------------------------------- scenarios

def counts(total, running, finished, failed, stopped, warn_failed=""):
    """The perfdata the plugin prints, as regexes (time varies)."""
    def item(label, value, warn=""):
        return re.escape("%s=%d;%s;;0;%d" % (label, value, warn, total))
    return [re.escape("total=%d;;;0" % total), item("running", running),
            item("finished", finished), item("failed", failed, warn_failed),
            item("stopped", stopped), r"time=\d+\.\d{3}s;;;0"]


AAA = (r"i-bp1aaa Failed exit=1 ExitCodeNonzero: the command exited with a"
       r" non-zero code started 2026-11-28T10:00:01Z finished"
       r" 2026-11-28T10:00:03Z \(2s\)")
ROLE = r"acs:ram::1234567890123456:role/monitor"


class Case:
    """One service in each core. nagios: ARG3's own part (after the
    endpoint and CA); icinga: custom variables; argv: what must be in the
    argv Icinga 2 built; long: a regex for each long-output line (None:
    any number of lines); long_has: regexes some long-output line must
    match."""

    def __init__(self, name, invoke_id, state, line1, perf, long=(),
                 long_has=(), nagios="", icinga=None, argv=(),
                 icinga_only=False, file_credentials=True):
        self.name = name
        self.invoke_id = invoke_id
        self.state = state
        self.line1 = line1
        self.perf = perf
        self.long = None if long is None else list(long)
        self.long_has = list(long_has)
        self.nagios = nagios
        self.icinga = dict(icinga or {})
        self.argv = list(argv)
        self.icinga_only = icinga_only
        self.file_credentials = file_credentials


CASES = [
    Case("finished", "t-hz0finished", 0,
         re.escape("ECS INVOCATION OK - t-hz0finished Finished: 3 of 3 instances finished"),
         counts(3, 0, 3, 0, 0)),
    Case("partial", "t-hz0partial", 2,
         re.escape("ECS INVOCATION CRITICAL - t-hz0partial PartialFailed: 1 of 4 instances failed"),
         counts(4, 0, 3, 1, 0),
         long=[AAA, r"  output: error: something broke ?"],
         nagios="--show-output", icinga={"ecs_invocation_show_output": True},
         argv=[["--show-output"]]),
    Case("running", "t-hz0running", 1,
         re.escape("ECS INVOCATION WARNING - t-hz0running Running: 2 of 3 instances running"),
         counts(3, 2, 1, 0, 0),
         long=[r"i-bp1run00%d Running started 2026-11-28T10:00:01Z \(running [0-9dhms]+\)" % i
               for i in (1, 2)]),
    Case("notfound", "t-hz0notfound", 3,
         re.escape("ECS INVOCATION UNKNOWN - t-hz0notfound NotFound: no such invocation in"
                   " cn-hangzhou (unknown or expired id)"),
         counts(0, 0, 0, 0, 0)),
    Case("forbidden", "t-hz0forbidden", 3,
         re.escape("ECS INVOCATION UNKNOWN - t-hz0forbidden: API error Forbidden.RAM: User not"
                   " authorized to operate on the specified resource. (HTTP 403, RequestId ")
         + r"[0-9A-F-]{36}\)"
         + re.escape(": grant the RAM identity ecs:DescribeInvocations and ecs:DescribeInvocationResults"),
         []),
    # Throttled twice, then answered; -v (ecs_invocation_verbose = true).
    Case("throttle", "t-hz0throttle", 0,
         re.escape("ECS INVOCATION OK - t-hz0throttle Finished: 2 of 2 instances finished"),
         counts(2, 0, 2, 0, 0), long=None,
         long_has=[r"i-bp1throttle[12] Success exit=0 started .*", r"API status: Success"],
         nagios="-v", icinga={"ecs_invocation_verbose": True}, argv=[["-v"]]),
    # '|', newlines, control characters and invalid UTF-8 in the API's text
    # and in the command output: the cores must still split line 1 and the
    # perfdata where the plugin means them to.
    Case("text", "t-hz0text", 2,
         re.escape("ECS INVOCATION CRITICAL - t-hz0text PartialFailed: 1 of 2 instances failed"),
         counts(2, 0, 1, 1, 0),
         long=[r"i-bp1txt002 Failed exit=1 ExitCodeNonzero: exit 1 / see the log second line"
               r" tab.bell .*", r"  output: out/put line2.*"],
         nagios="--show-output=300", icinga={"ecs_invocation_show_output_bytes": 300},
         argv=[["--show-output=300"]]),
    Case("mapped", "t-hz0partial", 1,
         re.escape("ECS INVOCATION WARNING - t-hz0partial PartialFailed: 1 of 4 instances"
                   " failed - failed=1 outside warning range 0"),
         counts(4, 0, 3, 1, 0, warn_failed="0"),
         long=[AAA],
         nagios="--map PartialFailed=warning,Running=ok --warning-failed 0",
         icinga={"ecs_invocation_map": ["PartialFailed=warning", "Running=ok"],
                 "ecs_invocation_warning_failed": "0"},
         argv=[["--map", "PartialFailed=warning"], ["--map", "Running=ok"],
               ["--warning-failed", "0"]]),
    # --profile: section [monitor] of the credentials file, a RamRoleArn
    # profile, so the plugin calls STS AssumeRole first.
    Case("profile", "t-hz0finished", 0,
         re.escape("ECS INVOCATION OK - t-hz0finished Finished: 3 of 3 instances finished"),
         counts(3, 0, 3, 0, 0), long=None,
         long_has=[r"credentials: role %s assumed through https://127\.0\.0\.1:\d+ \(section"
                   r" \[monitor\] \(type ram_role_arn\) of (?P<file>\S+)\)" % re.escape(ROLE)],
         nagios="--profile monitor --sts-endpoint=@URL@ -vv",
         icinga={"ecs_invocation_profile": "monitor", "ecs_invocation_sts_endpoint": "@URL@",
                 "ecs_invocation_verbose": 2},
         argv=[["--profile", "monitor"], ["--sts-endpoint", "@URL@"], ["-vv"]]),
    # Every other option at once, the ECS instance RAM role from the
    # simulator's metadata service as the credentials (no file, no key).
    Case("allopts", "t-hz0finished", 0,
         re.escape("ECS INVOCATION OK - t-hz0finished Finished: 3 of 3 instances finished"),
         [re.escape(x) for x in ("total=3;1:;1:;0", "running=0;0;0;0;3", "finished=3;1:;1:;0;3",
                                 "failed=0;0;0;0;3", "stopped=0;0;0;0;3")]
         + [r"time=\d+\.\d{3}s;;;0"], long=None,
         long_has=[r"endpoint https://127\.0\.0\.1:\d+, region cn-hangzhou \(from -r\),"
                   r" signature v1 \(HMAC-SHA1\)",
                   r"credentials: ECS RAM role 'MonitorRole' from http://127\.0\.0\.1:\d+"
                   r" \(IMDSv2; .*\)"],
         nagios="--ram-role MonitorRole --metadata-url=@MDURL@ --signature-version 1"
                " --ok-exit-codes 0,3 --wait --interval 1 --max-runtime 1d --max-age 1d"
                " --warning-total 1: --critical-total 1: --warning-running 0"
                " --critical-running 0 --warning-finished 1: --critical-finished 1:"
                " --warning-failed 0 --critical-failed 0 --warning-stopped 0"
                " --critical-stopped 0 --map NotFound=critical -vv",
         icinga={"ecs_invocation_ram_role": "MonitorRole", "ecs_invocation_metadata_url": "@MDURL@",
                 "ecs_invocation_signature_version": 1, "ecs_invocation_ok_exit_codes": "0,3",
                 "ecs_invocation_wait": True, "ecs_invocation_interval": 1,
                 "ecs_invocation_max_runtime": "1d", "ecs_invocation_max_age": "1d",
                 "ecs_invocation_warning_total": "1:", "ecs_invocation_critical_total": "1:",
                 "ecs_invocation_warning_running": "0", "ecs_invocation_critical_running": "0",
                 "ecs_invocation_warning_finished": "1:", "ecs_invocation_critical_finished": "1:",
                 "ecs_invocation_warning_failed": "0", "ecs_invocation_critical_failed": "0",
                 "ecs_invocation_warning_stopped": "0", "ecs_invocation_critical_stopped": "0",
                 "ecs_invocation_map": "NotFound=critical", "ecs_invocation_verbose": 2},
         argv=[["--ram-role", "MonitorRole"], ["--metadata-url", "@MDURL@"],
               ["--signature-version", "1"], ["--ok-exit-codes", "0,3"], ["--wait"],
               ["--interval", "1"], ["--max-runtime", "1d"], ["--max-age", "1d"],
               ["--warning-total", "1:"], ["--critical-total", "1:"],
               ["--warning-running", "0"], ["--critical-running", "0"],
               ["--warning-finished", "1:"], ["--critical-finished", "1:"],
               ["--warning-failed", "0"], ["--critical-failed", "0"],
               ["--warning-stopped", "0"], ["--critical-stopped", "0"],
               ["--map", "NotFound=critical"], ["-vv"]],
         file_credentials=False),
    # Icinga 2's env route: the keys in custom variables, handed over as
    # environment variables (here the STS key with its token); -vvv prints
    # each request, with the signature and the token redacted.
    Case("envkeys", "t-hz0finished", 0,
         re.escape("ECS INVOCATION OK - t-hz0finished Finished: 3 of 3 instances finished"),
         counts(3, 0, 3, 0, 0), long=None,
         long_has=[re.escape("credentials: environment (ALIBABA_CLOUD_ACCESS_KEY_ID,"
                             " with a security token)")],
         icinga={"ecs_invocation_access_key_id": "@STS_ID@",
                 "ecs_invocation_access_key_secret": "@STS_SECRET@",
                 "ecs_invocation_security_token": "@STS_TOKEN@",
                 "ecs_invocation_verbose": 3},
         argv=[["-vvv"]], icinga_only=True, file_credentials=False),
]


# ----------------------------------------------------------------- helpers

def fill(template, values):
    with open(os.path.join(HERE, template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise RuntimeError("%s: %s not filled in" % (template, ", ".join(left)))
    return text


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def icinga_value(v):
    """A Python value as Icinga 2 DSL (JSON's strings, numbers, booleans and
    arrays are valid DSL for the ASCII values used here)."""
    return json.dumps(v)


def split_nagios(text):
    """A status.dat: a list of dicts, one per block, with '_type'."""
    blocks, cur = [], None
    for line in text.split("\n"):
        s = line.strip()
        if cur is None:
            if s.endswith("{"):
                cur = {"_type": s[:-1].strip()}
        elif s == "}":
            blocks.append(cur)
            cur = None
        elif "=" in s:
            k, _, v = line.lstrip("\t ").partition("=")
            cur[k] = v
    return blocks


def nagios_unescape(s):
    """status.dat writes long output with '\\' as '\\\\' and newlines as '\\n'."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "\\": "\\"}.get(s[i + 1], s[i:i + 2]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def scan(paths, needles):
    """{needle name: [files that contain it]} over every regular file under
    paths (directories walked, FIFOs and sockets skipped)."""
    found = {}
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names]
        else:
            files.append(p)
    for path in files:
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        for name, needle in needles.items():
            if needle.encode("utf-8") in data:
                found.setdefault(name, []).append(path)
    return found


def processes_under(path):
    """(pid, command line) of every process whose command line mentions path."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if path in cmd:
            out.append((int(pid), cmd.strip()))
    return out


class Core:
    """A core started in the foreground as our child, in its own process
    group, and stopped by its pid (SIGTERM, then SIGKILL to the group)."""

    def __init__(self, name, cmd, env, log):
        self.name = name
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-3000:]
        except OSError:
            return ""

    def group(self):
        """Live (not zombie) processes of the core's process group."""
        live = []
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.proc.pid and fields[0] != "Z":
                live.append(int(pid))
        return live

    def stop(self):
        """Returns True when the core and everything in its group ended
        after SIGTERM to the core's pid."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        clean = self.proc.poll() is not None
        deadline = time.monotonic() + 10
        while self.group() and time.monotonic() < deadline:
            time.sleep(0.1)     # its workers end after it
        if self.group():
            clean = False
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        return clean


class IcingaAPI:
    """The private instance's REST API: TLS verified against its own CA,
    with the node name as the server name, on 127.0.0.1."""

    def __init__(self, port, cafile, user, password):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.auth = "Basic " + base64.b64encode(
            ("%s:%s" % (user, password)).encode()).decode()

    def request(self, method, path, body=None):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=15)
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=15)
        conn.sock = self.ctx.wrap_socket(sock, server_hostname=NODE)
        try:
            headers = {"Accept": "application/json", "Authorization": self.auth}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            raw = r.read()
            return r.status, raw
        finally:
            conn.close()


def perf_ok(items, expect):
    return len(items) == len(expect) and all(
        re.fullmatch(e, i) for e, i in zip(expect, items))


def check_result(core, case, state, line1, perf, long_text, diag):
    """The assertions every scenario gets in both cores."""
    what = "%s %s (%s)" % (core, case.name, case.invoke_id)
    t.is_(state, case.state, "%s: state %d" % (what, case.state))
    # Nagios turns every ';' of the short output into ':' (its log format
    # uses ';'; base/checks.c): line 1 has none of the plugin's own, so both
    # cores store exactly what the plugin printed.
    want = case.line1
    t.ok(re.fullmatch(want, line1), "%s: first line" % what,
         "     got: %r\n    want: %r\n%s" % (line1, want, diag))
    t.ok(perf_ok(perf, case.perf), "%s: perfdata as the core parsed it (%d values)"
         % (what, len(case.perf)), "     got: %r\n    want: %r" % (perf, case.perf))
    lines = long_text.split("\n") if long_text else []
    if case.long is not None:
        good = len(lines) == len(case.long) and all(
            re.fullmatch(e, ln) for e, ln in zip(case.long, lines))
        t.ok(good, "%s: long output (%d lines)" % (what, len(case.long)),
             "     got: %r\n    want: %r" % (lines, case.long))
    for e in case.long_has:
        t.ok(any(re.fullmatch(e, ln) for ln in lines), "%s: long output has %s"
             % (what, e[:60]), "     got: %r" % (lines,))
    t.unlike(long_text + line1, r"Sanitizer|runtime error", "%s: no sanitizer report" % what)
    return lines


# ------------------------------------------------------------------- setup

tmp = tempfile.mkdtemp(prefix="ecs-engines-")  # short: Nagios's socket path
NDIR = os.path.join(tmp, "nagios")
IDIR = os.path.join(tmp, "icinga")
HOMES = os.path.join(tmp, "homes")
SAN = os.path.join(tmp, "sanitizer")
for d in (NDIR + "/var", NDIR + "/spool", NDIR + "/rw", HOMES + "/nagios/.alibabacloud",
          HOMES + "/icinga", SAN, tmp + "/plugins", tmp + "/secrets"):
    os.makedirs(d, mode=0o700)
for sub in ("etc", "data/certs", "log", "cache", "spool", "run", "api"):
    os.makedirs(os.path.join(IDIR, sub), mode=0o700)
# The cores find the plugin as the packages will: PluginContribDir and
# $USER1$ name a directory holding check_ecs_invocation.
os.symlink(os.path.abspath(plugin_path()), os.path.join(tmp, "plugins", "check_ecs_invocation"))

import pwd, grp  # noqa: E401,E402
USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name

cores = []
sims = []


def reap_orphans():
    """Reap the processes the cores left to us as subreaper (Nagios's
    workers have their own process groups); not the simulators, which
    their Popen objects wait for."""
    keep = {s.proc.pid for s in sims if s.proc is not None}
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid() and int(pid) not in keep and fields[0] == "Z":
                os.waitpid(int(pid), os.WNOHANG)
        except (OSError, IndexError, ValueError):
            pass


def cleanup():
    clean = True
    for c in cores:
        if not c.stop():
            clean = False
    del cores[:]
    reap_orphans()
    for s in sims:
        s.stop()
    del sims[:]
    return clean


def on_signal(signum, _frame):
    sys.exit(128 + signum)      # runs the finally below


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGHUP, on_signal)


def become_subreaper():
    """Workers a core leaves behind when it ends become our children
    (PR_SET_CHILD_SUBREAPER), so that we reap them: no zombies left for an
    init that may not reap (as in some containers)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


become_subreaper()


def core_env(home):
    """What the cores (and so the plugin) get: no credentials of the user
    running the test, a HOME of their own, sanitizer reports into files."""
    e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": home, "LANG": "C", "TZ": "UTC"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        opts = [o for o in os.environ.get(k, "").split(":") if o]
        opts.append("log_path=%s/%s" % (SAN, k.split("_")[0].lower()))
        e[k] = ":".join(opts)
    return e


try:
    nsim = Simulator()
    sims.append(nsim)
    nsim.start()
    isim = Simulator()
    sims.append(isim)
    isim.start()
    SECRET = nsim.access_key_secret
    STS_SECRETS = {"STS secret": nsim.sts_access_key_secret, "STS token": nsim.sts_token}
    assert isim.access_key_secret == SECRET

    def credentials_ini(sim):
        return ("[default]\ntype = access_key\naccess_key_id = %s\naccess_key_secret = %s\n\n"
                "[monitor]\ntype = ram_role_arn\naccess_key_id = %s\naccess_key_secret = %s\n"
                "role_arn = %s\nrole_session_name = e2e\n"
                % (sim.access_key_id, SECRET, sim.access_key_id, SECRET, sim.ram_role_arn))

    # Nagios: the file where the plugin looks by default, in the daemon's
    # HOME. Icinga 2: a file named by ecs_invocation_credentials_file, and a
    # HOME with nothing in it.
    NCRED = os.path.join(HOMES, "nagios", ".alibabacloud", "credentials")
    ICRED = os.path.join(tmp, "secrets", "icinga-credentials")
    write(NCRED, credentials_ini(nsim), 0o600)
    write(ICRED, credentials_ini(isim), 0o600)

    # Icinga 2's API needs TLS: one self-signed certificate (RSA 4096, a few
    # seconds), made while Nagios starts.
    idefs = ["-DConfiguration.%s=%s" % (k, os.path.join(IDIR, v)) for k, v in (
        ("ConfigDir", "etc"), ("DataDir", "data"), ("LogDir", "log"), ("CacheDir", "cache"),
        ("SpoolDir", "spool"), ("InitRunDir", "run"))]
    idefs += ["-DConfiguration.RunAsUser=" + USER, "-DConfiguration.RunAsGroup=" + GROUP]
    certs = os.path.join(IDIR, "data", "certs")
    pki = subprocess.Popen([ICINGA, "pki", "new-cert", "--cn", NODE,
                            "--key", os.path.join(certs, NODE + ".key"),
                            "--cert", os.path.join(certs, NODE + ".crt")] + idefs,
                           env=core_env(os.path.join(HOMES, "icinga")),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, start_new_session=True)

    # ---------------------------------------------------------- Nagios 4
    def nagios_arg3(case):
        base = "--endpoint=%s --cacert=%s" % (nsim.url, nsim.cacert)
        extra = case.nagios.replace("@URL@", nsim.url).replace("@MDURL@", nsim.metadata_url)
        return (base + " " + extra).strip()

    ncases = [c for c in CASES if not c.icinga_only]
    services = []
    for c in ncases:
        services.append(
            "define service {\n\tuse\t\t\tecs-e2e-service\n\thost_name\t\t%s\n"
            "\tservice_description\t%s\n\tcheck_command\t\tcheck_ecs_invocation!%s!%s!%s\n}\n"
            % (NODE, c.name, c.invoke_id, REGION, nagios_arg3(c)))
    write(os.path.join(NDIR, "objects.cfg"),
          fill("nagios-objects.cfg.in", {"SERVICES": "\n".join(services)}))
    write(os.path.join(NDIR, "resource.cfg"),
          "$USER1$=%s\n" % os.path.join(tmp, "plugins"), 0o600)
    nvalues = {"DIR": NDIR, "SNIPPET": NAGIOS_SNIPPET, "USER": USER, "GROUP": GROUP}
    write(os.path.join(NDIR, "nagios.cfg"), fill("nagios.cfg.in", dict(nvalues, EXTRA_CFG="")))
    write(os.path.join(NDIR, "validate.cfg"), fill("nagios.cfg.in", dict(
        nvalues, EXTRA_CFG="cfg_file=%s\ncfg_file=%s" % (
            NAGIOS_EXAMPLE, os.path.join(HERE, "nagios-example-objects.cfg")))))

    p = subprocess.run([NAGIOS, "-v", os.path.join(NDIR, "validate.cfg")],
                       env=core_env(os.path.join(HOMES, "nagios")), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    t.ok(p.returncode == 0 and re.search(r"Total Warnings: +0\n", out)
         and re.search(r"Total Errors: +0\n", out),
         "nagios4 -v accepts the shipped command and example service: no warning, no error",
         out[-2000:])

    cores.append(Core("nagios", [NAGIOS, os.path.join(NDIR, "nagios.cfg")],
                      core_env(os.path.join(HOMES, "nagios")),
                      os.path.join(NDIR, "var", "stdout.log")))
    ncore = cores[-1]
    cmdfile = os.path.join(NDIR, "rw", "nagios.cmd")
    status_dat = os.path.join(NDIR, "var", "status.dat")
    deadline = time.monotonic() + WAIT
    fd = None
    while fd is None and time.monotonic() < deadline and ncore.alive():
        try:
            if os.path.exists(status_dat):
                fd = os.open(cmdfile, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:         # no FIFO yet, or no reader on it yet
            pass
        if fd is None:
            time.sleep(0.1)
    if fd is None:
        t.bail_out("Nagios did not start: %s" % ncore.output())
    diag_time("Nagios 4 up")
    now = int(time.time())
    cmds = "".join("[%d] SCHEDULE_FORCED_SVC_CHECK;%s;%s;%d\n" % (now, NODE, c.name, now)
                   for c in ncases)
    os.write(fd, cmds.encode())
    os.close(fd)

    # ---------------------------------------------------------- Icinga 2
    rc = pki.wait(timeout=120)
    pki_out = pki.stdout.read().decode("utf-8", "replace")
    pki.stdout.close()
    if rc != 0:
        t.bail_out("icinga2 pki new-cert failed: %s" % pki_out[-1000:])
    shutil.copy(os.path.join(certs, NODE + ".crt"), os.path.join(certs, "ca.crt"))
    diag_time("Icinga 2 certificate")

    def icinga_service(c):
        subst = {"@URL@": isim.url, "@STS_ID@": isim.sts_access_key_id,
                 "@STS_SECRET@": isim.sts_access_key_secret, "@STS_TOKEN@": isim.sts_token}
        v = {"ecs_invocation_invoke_id": c.invoke_id, "ecs_invocation_region": REGION,
             "ecs_invocation_endpoint": isim.url, "ecs_invocation_cacert": isim.cacert}
        if c.file_credentials:
            v["ecs_invocation_credentials_file"] = ICRED
        for k, x in c.icinga.items():
            if isinstance(x, str):
                x = subst.get(x, x.replace("@URL@", isim.url).replace("@MDURL@", isim.metadata_url))
            v[k] = x
        body = "".join("\tvars.%s = %s\n" % (k, icinga_value(x)) for k, x in v.items())
        return 'object Service "%s" {\n\timport "ecs-e2e-service"\n%s}\n' % (c.name, body)

    port = free_port()
    api_user = "ecs-e2e"
    api_password = secrets.token_hex(16)
    ivalues = {"NODE": NODE, "PLUGINDIR": os.path.join(tmp, "plugins"),
               "SNIPPET": ICINGA_SNIPPET, "PORT": str(port), "API_USER": api_user,
               "API_PASSWORD": api_password,
               "SERVICES": "\n".join(icinga_service(c) for c in CASES)}
    iconf = os.path.join(IDIR, "etc", "icinga2.conf")
    write(iconf, fill("icinga2.conf.in", dict(ivalues, EXTRA_INCLUDE="")), 0o600)
    write(os.path.join(IDIR, "etc", "validate.conf"), fill("icinga2.conf.in", dict(
        ivalues, EXTRA_INCLUDE='include "%s"' % ICINGA_EXAMPLE)), 0o600)
    p = subprocess.run([ICINGA, "daemon", "-C", "-c", os.path.join(IDIR, "etc", "validate.conf")]
                       + idefs, env=core_env(os.path.join(HOMES, "icinga")),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    t.ok(p.returncode == 0 and not re.search(r"(warning|critical)/", out),
         "icinga2 daemon -C accepts the shipped CheckCommand and example service:"
         " no warning, no error", out[-2000:])

    cores.append(Core("icinga2", [ICINGA, "daemon", "-c", iconf] + idefs,
                      core_env(os.path.join(HOMES, "icinga")),
                      os.path.join(IDIR, "log", "stdout.log")))
    icore = cores[-1]
    api = IcingaAPI(port, os.path.join(certs, "ca.crt"), api_user, api_password)
    deadline = time.monotonic() + WAIT
    up = False
    while not up and time.monotonic() < deadline and icore.alive():
        try:
            up = api.request("GET", "/v1/status/IcingaApplication")[0] == 200
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    if not up:
        t.bail_out("Icinga 2 did not start: %s" % icore.output())
    diag_time("Icinga 2 up")
    status, raw = api.request("POST", "/v1/actions/reschedule-check", {
        "type": "Service", "filter": 'host.name=="%s"' % NODE, "force": True})
    results = json.loads(raw.decode()).get("results", [])
    t.ok(status == 200 and len(results) == len(CASES) and all(
        r.get("code") == 200 for r in results),
        "Icinga 2 API: reschedule-check with force for all %d services" % len(CASES), raw[:500])

    # ----------------------------------------------- Nagios 4's results
    deadline = time.monotonic() + WAIT
    nstatus = {}
    while time.monotonic() < deadline:
        try:
            with open(status_dat, encoding="utf-8", errors="replace") as f:
                blocks = split_nagios(f.read())
        except OSError:
            blocks = []
        nstatus = {b.get("service_description"): b for b in blocks
                   if b["_type"] == "servicestatus" and b.get("host_name") == NODE}
        if all(nstatus.get(c.name, {}).get("has_been_checked") == "1" for c in ncases):
            break
        time.sleep(0.25)
    diag_time("Nagios 4 results")
    with open(os.path.join(NDIR, "var", "debug.log"), encoding="utf-8",
              errors="replace") as f:
        processed = re.findall(r"Done\.  Final output: '(.*)'$", f.read(), re.M)
    for c in ncases:
        b = nstatus.get(c.name, {})
        if not t.ok(b.get("has_been_checked") == "1", "nagios %s: checked once, when forced"
                    % c.name, "status.dat: %r\n%s" % (b, ncore.output())):
            continue
        check_result("nagios", c, int(b.get("current_state", -1)), b.get("plugin_output", ""),
                     b.get("performance_data", "").split(),
                     nagios_unescape(b.get("long_plugin_output", "")), repr(b))
        want = "%s/check_ecs_invocation --invoke-id='%s' --region='%s' %s" % (
            os.path.join(tmp, "plugins"), c.invoke_id, REGION, nagios_arg3(c))
        t.ok(any(cmd.strip() == want for cmd in processed),
             "nagios %s: the command line Nagios ran is the shipped one with the"
             " service's arguments" % c.name, "want: %r\nseen: %r" % (want, [
                 cmd for cmd in processed if "--invoke-id='%s'" % c.invoke_id in cmd]))
        if c.name == "profile":
            m = re.search(r"\(type ram_role_arn\) of (\S+)\)",
                          nagios_unescape(b.get("long_plugin_output", "")))
            # (-vv cuts a long path short)
            got = m.group(1) if m else ""
            t.ok(got.startswith(os.path.join(HOMES, "nagios") + "/") and NCRED.startswith(got),
                 "nagios profile: the credentials came from ~/.alibabacloud/credentials in"
                 " the daemon's HOME", "got %r, want %r" % (got, NCRED))

    # ----------------------------------------------- Icinga 2's results
    deadline = time.monotonic() + WAIT
    iresults = {}
    while time.monotonic() < deadline:
        status, raw = api.request("GET", "/v1/objects/services?attrs=last_check_result"
                                  "&attrs=state&attrs=last_check")
        iresults = {r["name"].split("!", 1)[1]: r["attrs"]
                    for r in json.loads(raw.decode()).get("results", [])}
        if all((iresults.get(c.name) or {}).get("last_check_result") for c in CASES):
            break
        time.sleep(0.25)
    diag_time("Icinga 2 results")
    for c in CASES:
        a = iresults.get(c.name) or {}
        cr = a.get("last_check_result")
        if not t.ok(cr, "icinga2 %s: checked once, when forced" % c.name,
                    "attrs: %r\n%s" % (a, icore.output())):
            continue
        t.is_((cr.get("exit_status"), int(cr.get("state", -1)), int(a.get("state", -1))),
              (c.state,) * 3, "icinga2 %s: exit status, check result state and service state"
              % c.name)
        output = cr.get("output", "")
        first, _, rest = output.partition("\n")
        # Icinga 2 keeps line 1's text before the '|' (with the blank before
        # it) and takes the perfdata out of it.
        check_result("icinga2", c, int(cr.get("state", -1)), first.rstrip(" "),
                     cr.get("performance_data") or [], rest, repr(cr))
        argv = cr.get("command") or []
        t.is_(argv[:1], [os.path.join(tmp, "plugins", "check_ecs_invocation")],
              "icinga2 %s: PluginContribDir + /check_ecs_invocation" % c.name)
        want = [["--invoke-id", c.invoke_id], ["--region", REGION],
                ["--endpoint", isim.url], ["--cacert", isim.cacert], ["--timeout", "30"]]
        want += [[x.replace("@URL@", isim.url).replace("@MDURL@", isim.metadata_url) for x in w]
                 for w in c.argv]
        missing = [w for w in want if not any(argv[i:i + len(w)] == w
                                              for i in range(len(argv)))]
        t.ok(not missing, "icinga2 %s: the argv Icinga built from the custom variables"
             % c.name, "argv: %r\nmissing: %r" % (argv, missing))
        if c.name == "profile":
            m = re.search(r"\(type ram_role_arn\) of (\S+)\)", rest)
            got = m.group(1) if m else ""
            t.ok(got.startswith(os.path.join(tmp, "secrets") + "/") and ICRED.startswith(got),
                 "icinga2 profile: the credentials came from ecs_invocation_credentials_file"
                 " (ALIBABA_CLOUD_CREDENTIALS_FILE)", "got %r, want %r" % (got, ICRED))

    # ------------------------------------------ what the simulators saw
    for core, sim, cases in (("nagios", nsim, ncases), ("icinga2", isim, CASES)):
        reqs = sim.requests()
        verdicts = [r.get("verdict") for r in reqs if r.get("invoke_id") == "t-hz0throttle"]
        t.is_(verdicts, ["Throttling.User", "Throttling.User", "ok", "ok"],
              "%s throttle: the plugin under the core was throttled twice, then answered"
              % core)
        keys = {r.get("access_key_id") for r in reqs if r.get("service") == "ecs"}
        assumed = [r for r in reqs if r.get("action") == "AssumeRole"]
        t.ok("testid" in keys and len(assumed) == 1 and assumed[0].get("verdict") == "ok"
             and any(k.startswith("STS.") and k != "STS.testid" for k in keys),
             "%s: the [default] key, and AssumeRole once for the [monitor] profile" % core,
             "keys %r, AssumeRole %r" % (keys, assumed))
        imds = [r.get("path") for r in sim.requests("imds")]
        t.ok("/latest/api/token" in imds and
             "/latest/meta-data/ram/security-credentials/MonitorRole" in imds,
             "%s allopts: --ram-role read the role's keys from the metadata service" % core,
             repr(imds))
        t.is_("STS.testid" in keys, core == "icinga2",
              "%s: the env route's STS key%s" % (core, " was used" if core == "icinga2"
                                                 else ": not configured in Nagios"))

    # ---------------------------- what Icinga 2 shows, then stop both
    dumps = {"services": "/v1/objects/services", "hosts": "/v1/objects/hosts",
             "checkcommands": "/v1/objects/checkcommands", "status": "/v1/status",
             "variables": "/v1/variables"}
    for name, path in dumps.items():
        status, raw = api.request("GET", path)
        with open(os.path.join(IDIR, "api", name + ".json"), "wb") as f:
            f.write(raw)
    t.ok(all(os.path.getsize(os.path.join(IDIR, "api", n + ".json")) > 100 for n in dumps),
         "Icinga 2 API: objects, status and variables read for the secret scan")
    for c in list(cores):
        t.ok(c.stop(), "%s stopped by its pid (SIGTERM), nothing of it left" % c.name)
        cores.remove(c)
    time.sleep(0.3)
    reap_orphans()
    diag_time("cores stopped")
    t.ok(os.path.exists(os.path.join(NDIR, "var", "retention.dat"))
         and os.path.exists(os.path.join(IDIR, "data", "icinga2.state")),
         "the cores wrote their state at shutdown (Nagios retention.dat, icinga2.state)")
    deadline = time.monotonic() + 10
    left = processes_under(tmp)
    while left and time.monotonic() < deadline:     # workers end after their core
        time.sleep(0.1)
        left = processes_under(tmp)
    reap_orphans()
    t.ok(not left, "no process of the test left running (workers, plugins)", repr(left))

    # -------------------------------------------------------- secrets
    # The scan finds the secret where it is meant to be (a control) ...
    found = scan([HOMES, os.path.join(tmp, "secrets")], {"secret": SECRET})
    t.is_(sorted(found.get("secret", [])), sorted([NCRED, ICRED]),
          "control: the scan finds the secret in the two credentials files")
    # ... and nowhere in what the cores store or show: status.dat,
    # retention.dat, objects.cache, logs (Nagios's debug log has every
    # command line it ran), the check result spool, icinga2.state, the
    # object cache icinga2.debug, the API's objects, status and variables.
    found = scan([NDIR], dict(STS_SECRETS, secret=SECRET))
    t.ok(not found, "Nagios: no secret in status.dat, retention.dat, objects cache, logs,"
         " spool", repr(found))
    found = scan([IDIR], {"secret": SECRET})
    t.ok(not found, "Icinga 2: the file route's secret is in no state file, object cache,"
         " log or API answer", repr(found))
    # The env route keeps its secret off every command line and result, but
    # the custom variables that feed `env` are readable (as documented).
    found = scan([IDIR], STS_SECRETS)
    where = sorted({os.path.relpath(p, IDIR) for ps in found.values() for p in ps})
    t.is_(where, ["api/services.json", "cache/icinga2.debug", "etc/icinga2.conf",
                  "etc/validate.conf"],
          "Icinga 2: the env route's secret and token are in the configuration, the object"
          " cache and the API's vars only (never in a command, result, state or log)")
    san = os.listdir(SAN)
    t.ok(not san, "no sanitizer report from any plugin run under the cores", repr(san))

    # ------------------------------------------ every option has a variable
    helptext = subprocess.run([plugin_path(), "--help"], stdin=subprocess.DEVNULL,
                              capture_output=True).stdout.decode("utf-8", "replace")
    options = set()
    for name in re.findall(r"--([a-z][a-zA-Z]*(?:-[a-zA-Z]+)*)", helptext):
        if name.endswith("-METRIC"):
            options |= {name[:-6] + m for m in
                        ("total", "running", "finished", "failed", "stopped")}
        else:
            options.add(name)
    options -= {"help", "version", "output-format"}
    with open(ICINGA_SNIPPET) as f:
        conf = f.read()
    missing = sorted(o for o in options if not re.search(
        r'(^\s*"--%s" = \{|key = "--%s"$)' % (o, o), conf, re.M))
    t.ok(len(options) >= 25 and not missing, "the CheckCommand has an argument for each of the"
         " plugin's %d options in --help (but help, version, output-format)" % len(options),
         "missing: %r" % missing)

    # --------------------------------------------------- README
    with open(README, encoding="utf-8") as f:
        readme = f.read()
    for path in (NAGIOS_EXAMPLE, ICINGA_EXAMPLE, NAGIOS_SNIPPET):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        block = re.search(r"^(define|object) .*?^}\n", text, re.M | re.S).group(0)
        t.ok(block in readme, "README shows %s's definition verbatim"
             % os.path.relpath(path, SRCDIR), block)
    # The README's abridged CheckCommand: each of its lines is in the shipped
    # file, in the same order (only the "..." comment stands for the rest).
    with open(ICINGA_SNIPPET, encoding="utf-8") as f:
        conf = f.read()
    shown = re.search(r'^object CheckCommand "ecs_invocation" \{\n.*?^}\n', readme, re.M | re.S)
    at, astray = 0, []
    for line in (shown.group(0).split("\n") if shown else []):
        if not line.strip() or "..." in line:
            continue
        found = conf.find(line + "\n", at)
        if found < 0:
            astray.append(line)
        else:
            at = found + len(line)
    t.ok(shown is not None and not astray, "README's abridged CheckCommand is the shipped one, in order",
         "not in %s, or out of order: %r" % (os.path.relpath(ICINGA_SNIPPET, SRCDIR), astray))
    diag_time("done")
finally:
    clean = cleanup()
    if os.environ.get("ECS_KEEP_TMP") == "1":
        t.diag("kept %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)

t.ok(clean, "cleanup: every core had already stopped cleanly")
t.done()
