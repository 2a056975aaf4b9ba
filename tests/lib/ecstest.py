"""Test harness for check_ecs_invocation: TAP output, the loopback ECS
simulator as a context manager, a signing API client, and a runner for the
plugin binary. Python 3 standard library only.

Typical use in a tests/functional/*.t script:

    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
    from ecstest import TAP, Simulator, run_plugin, plugin_env

    t = TAP()
    with Simulator() as sim:
        r = run_plugin(sim.plugin_args("t-hz0finished"), env=plugin_env(sim))
        t.is_(r.code, 0, "Finished is OK")
    t.done()

Environment: ECS_SRCDIR (source tree, default: two levels above this file),
ECS_BUILDDIR (temp files go to $ECS_BUILDDIR/tests/tmp), ECS_PLUGIN (the
binary, default $ECS_BUILDDIR/check_ecs_invocation), ECS_PLUGIN_WRAPPER
(optional command prefix, e.g. "strace -f"),
ECS_KEEP_TMP=1 (keep the simulator's temp directory for inspection).

ECS_VALGRIND=1 runs every plugin run under valgrind's memcheck (the plugin
must be built without sanitizers), its report in a log file of its own
(ECS_VALGRIND_LOGDIR, default $ECS_BUILDDIR/tests/tmp/valgrind), so that
what the tests assert on stdout, stderr and the exit code stays the
plugin's. Any error or leak in a log fails the script, in TAP.done().
slack() widens the tests' timing allowances by valgrind's overhead.
tests/valgrind/run-valgrind.sh runs the whole suite so.
"""

import atexit
import calendar
import itertools
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

SRCDIR = os.path.abspath(os.environ.get("ECS_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SIM_DIR = os.path.join(SRCDIR, "tests", "sim")
SIM_SCRIPT = os.path.join(SIM_DIR, "ecs_sim.py")
SCENARIO_DIR = os.path.join(SIM_DIR, "scenarios")
KEYS_FILE = os.path.join(SIM_DIR, "keys.json")
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)
import aliyun_sign  # noqa: E402  (tests/sim/aliyun_sign.py)

API_VERSION = "2014-05-26"
STS_API_VERSION = "2015-04-01"


# ------------------------------------------------------------------ valgrind

VALGRIND = os.environ.get("ECS_VALGRIND") == "1"
# memcheck finds every kind of leak but "still reachable" (what libcurl,
# OpenSSL and glibc keep for the life of the process by design), and counts
# each leak as an error. The suppressions are for library noise only.
VALGRIND_OPTIONS = [
    "--tool=memcheck", "--leak-check=full",
    "--show-leak-kinds=definite,indirect,possible",
    "--errors-for-leak-kinds=definite,indirect,possible",
    "--num-callers=40",
    "--suppressions=" + os.path.join(SRCDIR, "tests", "valgrind", "valgrind.supp"),
]
# Seconds that valgrind adds to one plugin run on a 2-core machine: start-up,
# OpenSSL's handshake under memcheck (about 2.5 s of CPU), the leak check at
# exit. ECS_VALGRIND_SLACK overrides it for slower machines.
VALGRIND_SLACK = float(os.environ.get("ECS_VALGRIND_SLACK") or 8)
_valgrind_runs = itertools.count(1)
_valgrind_logs = []  # (log path, what is wrong with it or None)


def slack(seconds):
    """A timing allowance for one plugin run: seconds, and under
    ECS_VALGRIND=1 valgrind's overhead on top."""
    return seconds + (VALGRIND_SLACK if VALGRIND else 0)


def valgrind_command(log_file):
    """The command prefix that runs a program under memcheck, its report
    going to log_file."""
    return [os.environ.get("VALGRIND") or "valgrind", "--log-file=" + log_file] + \
        VALGRIND_OPTIONS


def _valgrind_logdir():
    d = os.environ.get("ECS_VALGRIND_LOGDIR") or os.path.join(
        tmp_base() or tempfile.gettempdir(), "valgrind")
    os.makedirs(d, exist_ok=True)
    return d


def valgrind_verdict(log_file):
    """None when the memcheck log at log_file reports nothing, else why."""
    try:
        with open(log_file, errors="replace") as f:
            text = f.read()
    except OSError as e:
        return "no log (%s)" % e
    m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    if m is None:
        return "no ERROR SUMMARY: valgrind did not finish"
    if m.group(1) != "0":
        return "%s errors" % m.group(1)
    return None


# ---------------------------------------------------------------------- TAP

class TAP:
    """Minimal TAP producer; the plan is printed at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    @staticmethod
    def _clean(name):
        return str(name).replace("\\", "\\\\").replace("#", "\\#") \
            .replace("\n", " ")

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def ok(self, cond, name, diag=None):
        self.n += 1
        good = bool(cond)
        if not good:
            self.failed += 1
        print("%s %d - %s" % ("ok" if good else "not ok", self.n,
                              self._clean(name)))
        if not good and diag is not None:
            self.diag(diag)
        sys.stdout.flush()
        return good

    def is_(self, got, want, name):
        return self.ok(got == want, name,
                       "     got: %r\n    want: %r" % (got, want))

    def like(self, text, regex, name):
        found = text is not None and re.search(regex, text) is not None
        return self.ok(found, name, "    text: %r\n   regex: %r"
                       % (text, regex))

    def unlike(self, text, regex, name):
        found = text is not None and re.search(regex, text) is not None
        return self.ok(not found, name, "    text: %r\n matches: %r"
                       % (text, regex))

    def skip(self, name, reason):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, self._clean(name),
                                         self._clean(reason)))
        sys.stdout.flush()

    def skip_all(self, reason):
        print("1..0 # SKIP %s" % self._clean(reason))
        sys.stdout.flush()
        sys.exit(0)

    def bail_out(self, reason):
        print("Bail out! %s" % self._clean(reason))
        sys.stdout.flush()
        sys.exit(255)

    def done(self):
        if VALGRIND:
            bad = [(log, why) for log, why in _valgrind_logs if why]
            self.ok(not bad, "valgrind: no error and no leak in %d plugin runs"
                    % len(_valgrind_logs),
                    "\n".join("%s: %s" % (log, why) for log, why in bad))
        print("1..%d" % self.n)
        sys.stdout.flush()
        sys.exit(1 if self.failed else 0)


# ---------------------------------------------------------------- temp/certs

def tmp_base():
    build = os.environ.get("ECS_BUILDDIR")
    if build:
        base = os.path.join(build, "tests", "tmp")
        os.makedirs(base, exist_ok=True)
        return base
    return None


def make_tmpdir(prefix):
    return tempfile.mkdtemp(prefix=prefix, dir=tmp_base())


_CERTS = {}
_CERTS_LOCK = threading.Lock()


def _rm_tree(path):
    if os.environ.get("ECS_KEEP_TMP") != "1":
        shutil.rmtree(path, ignore_errors=True)


def test_certs():
    """A throw-away CA and a server certificate for 127.0.0.1/localhost,
    made once per process with the openssl command. Returns a dict with
    paths: ca (PEM), cert, key."""
    with _CERTS_LOCK:
        if _CERTS:
            return dict(_CERTS)
        d = make_tmpdir("certs-")
        atexit.register(_rm_tree, d)
        ca_key = os.path.join(d, "ca.key")
        ca = os.path.join(d, "ca.pem")
        key = os.path.join(d, "server.key")
        csr = os.path.join(d, "server.csr")
        cert = os.path.join(d, "server.pem")
        ext = os.path.join(d, "server.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        cmds = [
            ["openssl", "req", "-x509", "-nodes", *ec, "-keyout", ca_key,
             "-out", ca, "-days", "30", "-subj",
             "/CN=check_ecs_invocation test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["openssl", "req", "-new", "-nodes", *ec, "-keyout", key,
             "-out", csr, "-subj", "/CN=127.0.0.1"],
            ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey",
             ca_key, "-CAcreateserial", "-out", cert, "-days", "30",
             "-extfile", ext],
        ]
        for cmd in cmds:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True)
            if p.returncode != 0:
                raise RuntimeError("%s failed: %s" % (
                    " ".join(cmd[:3]), p.stderr.decode("utf-8", "replace")))
        _CERTS.update(ca=ca, cert=cert, key=key, dir=d)
        return dict(_CERTS)


def parse_iso(ts):
    """'2026-11-28T10:00:00Z' -> unix time."""
    return calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ"))


# ----------------------------------------------------------------- simulator

class Simulator:
    """The ECS API simulator in a child process, on 127.0.0.1.

    Simulator(tls=True, clock_offset=0, relax_replay=False,
              clock_at=None, scenarios=None, extra_scenarios=None,
              log_bodies=False, metadata=True, imds_v2_only=False,
              imds_v1_only=False, clock_frozen_at=None,
              signature_log=False, issued_log=False)

    clock_at: an ISO-8601 UTC time the simulator's clock should show now
      (sets clock_offset). clock_frozen_at: a Unix time at which the
      simulator's clock stands still (its Date headers all say that second),
      so that ages measured on the API's clock are exact. scenarios: another scenario directory.
      extra_scenarios: {InvokeId: scenario object} added beside the
      committed ones (written to a private copy of the directory).
    metadata: also start the ECS metadata service (metadata_url);
      imds_v2_only: it refuses requests without a token.
      imds_v1_only: it has no token path (404), as before IMDSv2.
    signature_log: the simulator writes every signature it receives to a
      file of its own (signatures()), never to the request log.
    issued_log: the simulator writes every temporary key it issues
      (AssumeRole, the metadata service) to a file of its own (issued()).
    The STS endpoint (AssumeRole) is the API listener itself: sts_url = url.
    """

    def __init__(self, tls=True, clock_offset=0, relax_replay=False,
                 clock_at=None, scenarios=None, extra_scenarios=None,
                 log_bodies=False, metadata=True, imds_v2_only=False,
                 imds_v1_only=False, clock_frozen_at=None,
                 signature_log=False, issued_log=False):
        self.tls = tls
        self.signature_log = signature_log
        self.issued_log = issued_log
        self.clock_frozen_at = clock_frozen_at
        self.clock_offset = float(clock_offset)
        if clock_at is not None:
            self.clock_offset = parse_iso(clock_at) - time.time()
        self.relax_replay = relax_replay
        self.scenarios = scenarios or SCENARIO_DIR
        self.extra_scenarios = extra_scenarios or {}
        self.log_bodies = log_bodies
        self.metadata = metadata
        self.imds_v2_only = imds_v2_only
        self.imds_v1_only = imds_v1_only
        self.proc = None
        self.dir = None
        self.metadata_url = None
        self.metadata_port = None
        with open(KEYS_FILE) as f:
            keys = json.load(f)
        self.access_key_id = "testid"
        self.access_key_secret = keys["testid"]["secret"]
        self.sts_access_key_id = "STS.testid"
        self.sts_access_key_secret = keys["STS.testid"]["secret"]
        self.sts_token = keys["STS.testid"]["security_token"]
        # an STS key whose token the API answers InvalidSecurityToken.Expired
        e = keys["STS.expired"]
        self.expired_sts = ("STS.expired", e["secret"], e["security_token"])
        # ECS instance RAM roles (metadata service)
        self.ecs_role = "MonitorRole"           # Code Success, listed
        self.broken_ecs_role = "BrokenRole"     # Code Failed
        self.expired_ecs_role = "ExpiredRole"   # API says token expired
        # RamRoleArn (STS AssumeRole), for the key testid
        self.ram_role_arn = "acs:ram::1234567890123456:role/monitor"
        self.ram_role_arn_denied = "acs:ram::1234567890123456:role/admin"
        self.ram_role_arn_expired = "acs:ram::1234567890123456:role/expired"
        for role in (self.ecs_role, self.broken_ecs_role,
                     self.expired_ecs_role):
            assert role in keys["ecs_roles"], role
        for arn in (self.ram_role_arn, self.ram_role_arn_denied,
                    self.ram_role_arn_expired):
            assert arn in keys["ram_roles"], arn
        self.region = "cn-hangzhou"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self.dir = make_tmpdir("sim-")
        self.log_path = os.path.join(self.dir, "requests.log")
        self.ready_path = os.path.join(self.dir, "ready")
        self.stderr_path = os.path.join(self.dir, "sim.stderr")
        self.clock_path = os.path.join(self.dir, "clock")
        self.signature_log_path = os.path.join(self.dir, "signatures.log")
        self.issued_log_path = os.path.join(self.dir, "issued.log")
        scen = self.scenarios
        if self.extra_scenarios:
            scen = os.path.join(self.dir, "scenarios")
            os.makedirs(scen)
            for name in os.listdir(self.scenarios):
                if name.endswith(".json"):
                    shutil.copy(os.path.join(self.scenarios, name), scen)
            for sid, obj in self.extra_scenarios.items():
                with open(os.path.join(scen, sid + ".json"), "w") as f:
                    json.dump(obj, f)
        self.scenario_dir = scen
        cmd = [sys.executable, SIM_SCRIPT, "--scenarios", scen,
               "--keys", KEYS_FILE, "--log", self.log_path,
               "--ready-file", self.ready_path, "--port", "0",
               "--clock-file", self.clock_path]
        if self.metadata:
            cmd += ["--metadata-port", "0"]
            if self.imds_v2_only:
                cmd.append("--imds-v2-only")
            if self.imds_v1_only:
                cmd.append("--imds-v1-only")
        self.cacert = None
        if self.tls:
            certs = test_certs()
            self.cacert = certs["ca"]
            cmd += ["--tls-cert", certs["cert"], "--tls-key", certs["key"]]
        if self.clock_offset:
            cmd += ["--clock-offset", "%.3f" % self.clock_offset]
        if self.clock_frozen_at is not None:
            cmd += ["--clock-frozen-at", "%.3f" % float(self.clock_frozen_at)]
        if self.relax_replay:
            cmd.append("--relax-replay")
        if self.log_bodies:
            cmd.append("--log-bodies")
        if self.signature_log:
            cmd += ["--signature-log", self.signature_log_path]
        if self.issued_log:
            cmd += ["--issued-log", self.issued_log_path]
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._stderr,
                                     stderr=self._stderr)
        deadline = time.monotonic() + 10
        port = mport = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                # written atomically: line 1 the API port, then
                # "metadata PORT" when the metadata service runs
                with open(self.ready_path) as f:
                    lines = f.read().split("\n")
                if lines[0].strip():
                    port = int(lines[0])
                    for line in lines[1:]:
                        words = line.split()
                        if len(words) == 2 and words[0] == "metadata":
                            mport = int(words[1])
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        if port is None or (self.metadata and mport is None):
            err = self.stderr_text()
            self.stop()
            raise RuntimeError("simulator did not start: %s" % err)
        self.port = port
        self.host = "127.0.0.1"
        self.url = "%s://127.0.0.1:%d" % ("https" if self.tls else "http",
                                           port)
        self.sts_url = self.url
        if mport is not None:
            self.metadata_port = mport
            self.metadata_url = "http://127.0.0.1:%d" % mport
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        if self.dir:
            _rm_tree(self.dir)
            self.dir = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # ---- log

    def _lines(self):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return []
        out = []
        for line in data.decode("utf-8", "replace").splitlines():
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass        # a line being written right now
        return out

    def requests(self, service=None):
        """The request log: a list of dicts (see tests/sim/README.md), every
        service by default; service="ecs", "sts" or "imds" selects one
        ("imds" lines have their own keys: method, path, token_sent, ...)."""
        since = getattr(self, "_cleared_at", 0.0)
        out = [r for r in self._lines() if "event" not in r and r.get("t", since) >= since]
        if service is None:
            return out
        return [r for r in out if r.get("service", "ecs") == service]

    def api_requests(self):
        """The API listener's requests (services ecs and sts)."""
        return [r for r in self.requests() if r.get("service") != "imds"]

    def signatures(self):
        """With signature_log=True: every signature clients sent (v1
        Signature, v3 the Signature of Authorization), oldest first."""
        try:
            with open(self.signature_log_path) as f:
                return [line.rstrip("\n") for line in f if line.strip()]
        except OSError:
            return []

    def issued(self):
        """With issued_log=True: every temporary key issued, oldest first,
        as dicts with AccessKeyId, AccessKeySecret and SecurityToken."""
        try:
            with open(self.issued_log_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def clear_log(self):
        """Forget the requests so far. A request that arrived before, but
        that the simulator logs only now (a plugin that gave up at its
        deadline leaves one behind on a busy machine), is left out too: it
        carries its arrival time."""
        self._cleared_at = time.time()
        with open(self.log_path, "r+b") as f:
            f.truncate(0)
        if self.signature_log and os.path.exists(self.signature_log_path):
            with open(self.signature_log_path, "r+b") as f:
                f.truncate(0)

    def connections(self):
        """TCP connections to the API listener."""
        return len({r["conn"] for r in self.api_requests()})

    def handshakes(self):
        """TLS handshakes completed on the API listener since clear_log()
        (resumed ones too: a resumption is a handshake all the same)."""
        since = getattr(self, "_cleared_at", 0.0)
        return len([r for r in self._lines() if r.get("event") == "tls"
                    and r.get("t", since) >= since])

    def reset_faults(self, timeout=5):
        """Reset every scenario's fault counters (SIGHUP) and wait until the
        simulator has done it."""
        self._signal_and_wait(signal.SIGHUP, "reset", timeout)

    def _signal_and_wait(self, signum, event, timeout):
        before = sum(1 for r in self._lines() if r.get("event") == event)
        self.proc.send_signal(signum)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for r in self._lines()
                   if r.get("event") == event) > before:
                return
            time.sleep(0.02)
        raise RuntimeError("simulator did not confirm the %s" % event)

    # ---- clock

    def set_clock_offset(self, seconds, timeout=5):
        """Move the running simulator's clock to now + seconds (SIGUSR1):
        timestamps, Date, token and credential expiry follow it."""
        with open(self.clock_path + ".tmp", "w") as f:
            f.write("%.3f\n" % float(seconds))
        os.replace(self.clock_path + ".tmp", self.clock_path)
        self._signal_and_wait(signal.SIGUSR1, "clock", timeout)
        self.clock_offset = float(seconds)

    def advance_clock(self, seconds):
        self.set_clock_offset(self.clock_offset + seconds)

    def timestamp(self):
        """A request timestamp that the simulator's clock accepts."""
        if self.clock_frozen_at is not None:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                 time.gmtime(self.clock_frozen_at + self.clock_offset))
        return utc_timestamp(self.clock_offset)

    # ---- metadata service

    def imds_request(self, method, path, headers=None, body=None,
                     timeout=10):
        """One plain-HTTP request to the metadata service -> Response."""
        conn = http.client.HTTPConnection("127.0.0.1", self.metadata_port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v
                                       for k, v in r.getheaders()},
                            r.read())
        finally:
            conn.close()

    def imds_token(self, ttl=21600):
        """An IMDSv2 token (PUT /latest/api/token)."""
        r = self.imds_request("PUT", "/latest/api/token", {
            "X-aliyun-ecs-metadata-token-ttl-seconds": str(ttl)})
        if r.status != 200:
            raise RuntimeError("token PUT answered %d" % r.status)
        return r.body.decode("ascii")

    def role_credentials(self, role=None, token=None):
        """The metadata service's JSON for an ECS role (default ecs_role)."""
        h = {"X-aliyun-ecs-metadata-token": token} if token else {}
        r = self.imds_request("GET", "/latest/meta-data/ram/"
                              "security-credentials/" + (role or
                                                         self.ecs_role), h)
        return r.json

    # ---- plugin helpers

    def plugin_args(self, invoke_id, *extra):
        """-i ID -e URL [--cacert CA] + extra."""
        args = ["-i", invoke_id, "-e", self.url]
        if self.cacert:
            args += ["--cacert", self.cacert]
        return args + list(extra)

    def client(self, sts=False, creds=None, **kw):
        """An EcsClient with the plain test key, the STS key (sts=True), or
        creds: a dict with AccessKeyId/AccessKeySecret/SecurityToken (as
        AssumeRole and the metadata service answer) or an (id, secret,
        token) tuple such as expired_sts."""
        if creds is not None:
            if isinstance(creds, dict):
                creds = (creds["AccessKeyId"], creds["AccessKeySecret"],
                         creds.get("SecurityToken"))
            return EcsClient(self, *creds, **kw)
        if sts:
            return EcsClient(self, self.sts_access_key_id,
                             self.sts_access_key_secret, self.sts_token, **kw)
        return EcsClient(self, self.access_key_id, self.access_key_secret,
                         **kw)


def plugin_env(sim, sts=False):
    """Credential environment for the plugin against sim."""
    if sts:
        env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.sts_access_key_id,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.sts_access_key_secret,
               "ALIBABA_CLOUD_SECURITY_TOKEN": sim.sts_token}
    else:
        env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": sim.access_key_id,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": sim.access_key_secret}
    env["ALIBABA_CLOUD_REGION_ID"] = "cn-hangzhou"
    return env


# -------------------------------------------------------------------- plugin

class Result:
    def __init__(self, code, out, err, elapsed, timed_out):
        self.code = code
        self.stdout_bytes = out
        self.stderr_bytes = err
        self.stdout = out.decode("utf-8", "replace")
        self.stderr = err.decode("utf-8", "replace")
        self.elapsed = elapsed
        self.timed_out = timed_out

    @property
    def lines(self):
        return self.stdout.split("\n")

    @property
    def first_line(self):
        return self.lines[0]

    def __repr__(self):
        return "Result(code=%r, elapsed=%.2f, stdout=%r, stderr=%r)" % (
            self.code, self.elapsed, self.stdout[:500], self.stderr[:500])


def plugin_path():
    p = os.environ.get("ECS_PLUGIN")
    if p:
        return p
    build = os.environ.get("ECS_BUILDDIR") or SRCDIR
    return os.path.join(build, "check_ecs_invocation")


def run_plugin(args, env=None, timeout=60, wrap=True):
    """Run $ECS_PLUGIN with args in a clean environment: PATH, LC_ALL=C,
    ASAN_OPTIONS/UBSAN_OPTIONS/LSAN_OPTIONS if set, then env (a value of
    None removes a variable). wrap=False runs the binary itself, never
    under ECS_PLUGIN_WRAPPER or valgrind (for a test that preloads a shim
    of its own into it). Returns a Result with code (None on timeout),
    stdout, stderr (str), stdout_bytes, stderr_bytes, elapsed (s),
    timed_out."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            e[k] = os.environ[k]
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = str(v)
    cmd = [plugin_path()] + [str(a) for a in args]
    log = None
    if VALGRIND and wrap:
        log = os.path.join(_valgrind_logdir(), "%s-%d-%d.log" % (
            os.path.basename(sys.argv[0]), os.getpid(), next(_valgrind_runs)))
        cmd = valgrind_command(log) + cmd
        timeout += VALGRIND_SLACK
    if wrap:
        cmd = shlex.split(os.environ.get("ECS_PLUGIN_WRAPPER", "")) + cmd
    t0 = time.monotonic()
    # own process group, so a timeout also ends anything it started
    p = subprocess.Popen(cmd, env=e, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        result = Result(p.returncode, out, err, time.monotonic() - t0, False)
    except subprocess.TimeoutExpired:
        elapsed = time.monotonic() - t0
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            p.kill()
        out, err = p.communicate()
        result = Result(None, out, err, elapsed, True)
    if log is not None:
        why = valgrind_verdict(log)
        _valgrind_logs.append((log, why))
        if why:
            print("# valgrind: %s in %s" % (why, log))
            sys.stdout.flush()
    return result


_SHIMS = {}


def preload_shim(source, cflags=()):
    """tests/functional/SOURCE (C) built as a shared object, and the
    LD_PRELOAD value for it, as (preload, None); (None, why) when the C
    compiler ($CC, else cc) cannot build it. Built once per script and
    source. The AddressSanitizer runtime, when the plugin links one, comes
    first in the value, since ASan refuses to start unless its runtime does
    (preloading it keeps that check on, where verify_asan_link_order=0 would
    switch it off)."""
    if source not in _SHIMS:
        out = os.path.join(make_tmpdir("shim-"), os.path.splitext(source)[0] + ".so")
        cc = shlex.split(os.environ.get("CC") or "cc")
        try:
            p = subprocess.run(cc + ["-shared", "-fPIC"] + list(cflags) + [
                "-o", out, os.path.join(SRCDIR, "tests", "functional", source), "-ldl"],
                capture_output=True)
            why = p.stderr.decode("utf-8", "replace") if p.returncode != 0 else None
        except OSError as e:
            why = str(e)
        if why is not None:
            _SHIMS[source] = (None, why or "the C compiler failed")
        else:
            preload = [out]
            ldd = subprocess.run(["ldd", plugin_path()], capture_output=True, text=True)
            for line in ldd.stdout.splitlines():
                m = re.match(r"\s*libasan\.so\S*\s+=>\s+(\S+)", line)
                if m:
                    preload.insert(0, m.group(1))
            _SHIMS[source] = (" ".join(preload), None)
    return _SHIMS[source]


def dns_shim():
    """dns_hang.c preloaded (see preload_shim()). With ECS_TEST_DNS_OFFLINE=1
    in a run's environment, every name but an address literal and localhost
    fails to resolve there and then, no query sent (the machine's resolver
    is not on loopback); ECS_TEST_DNS_HANG=NAME makes NAME's look-up hang."""
    return preload_shim("dns_hang.c")


# -------------------------------------------------------------- API client

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    @property
    def code(self):
        return (self.json or {}).get("Code") if isinstance(
            self.json, dict) else None

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:300])


def utc_timestamp(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time()
                                                           + offset))


def encode_params(params):
    return "&".join("%s=%s" % (aliyun_sign.percent_encode(k),
                               aliyun_sign.percent_encode(v))
                    for k, v in params.items())


class EcsClient:
    """A small, independent signing client for the simulator, for tests
    that need to send exact (or deliberately wrong) requests. One
    keep-alive connection per client."""

    def __init__(self, sim, access_key_id, secret, token=None, timeout=30):
        self.sim = sim
        self.access_key_id = access_key_id
        self.secret = secret
        self.token = token
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            if self.sim.tls:
                ctx = ssl.create_default_context(cafile=self.sim.cacert)
                self.conn = http.client.HTTPSConnection(
                    "127.0.0.1", self.sim.port, timeout=self.timeout,
                    context=ctx)
            else:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.sim.port, timeout=self.timeout)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, method, path, body=None, headers=None):
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        if r.will_close:
            self.close()
        return Response(r.status, hdrs, data)

    def call(self, action, params=None, sig=1, method="POST", form=False,
             fmt="JSON", nonce=None, timestamp=None, secret=None,
             token=Ellipsis, access_key_id=None, drop=(), extra=None,
             headers=None, unsigned_headers=None, version=API_VERSION):
        """Send one signed request. sig=1 (RPC HMAC-SHA1) or 3 (ACS3).
        form=True moves the action params into a form body. drop lists
        parameters/headers to leave out (after signing, so the server
        notices); extra adds common parameters before signing."""
        params = dict(params or {})
        secret = self.secret if secret is None else secret
        token = self.token if token is Ellipsis else token
        ak = access_key_id or self.access_key_id
        nonce = nonce or uuid.uuid4().hex
        timestamp = timestamp or utc_timestamp()
        if sig == 1:
            common = {"Action": action, "Version": version,
                      "AccessKeyId": ak, "SignatureMethod": "HMAC-SHA1",
                      "SignatureVersion": "1.0", "SignatureNonce": nonce,
                      "Timestamp": timestamp}
            if fmt is not None:
                common["Format"] = fmt
            if token:
                common["SecurityToken"] = token
            common.update(extra or {})
            allp = dict(common)
            allp.update(params)
            allp["Signature"] = aliyun_sign.v1_signature(secret, method,
                                                         allp)
            for k in drop:
                allp.pop(k, None)
            hdrs = dict(headers or {})
            if form:
                q = {k: v for k, v in allp.items() if k not in params}
                b = {k: v for k, v in allp.items() if k in params}
                body = encode_params(b).encode("utf-8")
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
                return self.send(method, "/?" + encode_params(q), body, hdrs)
            return self.send(method, "/?" + encode_params(allp), b"" if
                             method == "POST" else None, hdrs)
        # ACS3-HMAC-SHA256
        body = b""
        query = dict(params)
        hdrs = {"host": "127.0.0.1:%d" % self.sim.port,
                "x-acs-action": action, "x-acs-version": version,
                "x-acs-date": timestamp, "x-acs-signature-nonce": nonce}
        if form:
            body = encode_params(params).encode("utf-8")
            query = {}
            hdrs["content-type"] = "application/x-www-form-urlencoded"
        if fmt is not None and fmt != "JSON":
            query["Format"] = fmt
        hdrs["x-acs-content-sha256"] = aliyun_sign.sha256_hex(body)
        if token:
            hdrs["x-acs-security-token"] = token
            hdrs["x-acs-accesskey-id"] = ak
        hdrs.update(headers or {})
        signed = [h for h in hdrs if h.startswith("x-acs-")
                  or h in ("host", "content-type")]
        hdrs["Authorization"] = aliyun_sign.v3_authorization(
            ak, secret, method, "/", query, hdrs, signed,
            hdrs["x-acs-content-sha256"])
        for k in drop:
            hdrs.pop(k, None)
        hdrs.update(unsigned_headers or {})
        path = "/" + ("?" + encode_params(query) if query else "")
        return self.send(method, path, body if method == "POST" else None,
                         hdrs)

    def assume_role(self, role_arn, session_name="check-ecs", duration=None,
                    policy=None, sig=1, **kw):
        """STS AssumeRole (version 2015-04-01) signed like the ECS calls;
        kw goes to call() (e.g. secret=, nonce=, fmt=)."""
        params = {}
        if role_arn is not None:
            params["RoleArn"] = role_arn
        if session_name is not None:
            params["RoleSessionName"] = session_name
        if duration is not None:
            params["DurationSeconds"] = str(duration)
        if policy is not None:
            params["Policy"] = policy
        return self.call("AssumeRole", params, sig=sig,
                         version=STS_API_VERSION, **kw)
