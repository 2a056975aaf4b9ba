#!/usr/bin/env python3
"""make bench: check_ecs_invocation's speed and memory against the floor and
a peer, in one run, interleaved so that machine noise cancels.

For each case (an invocation of 3 instances, one of 1,000, a periodic one
with 10,000 history records, and for the effect of Output size 1,000
instances with 1 KiB of Output each) it measures, against the ECS API
simulator over HTTPS on loopback:

  floor    curl making the very requests the plugin makes, over one
           connection: pre-signed (signature v1) URLs, replayed against a
           simulator whose replay checks are relaxed (for this baseline only);
  plugin   check_ecs_invocation with --signature-version 1 (the same
           requests as the floor: the comparison), and with its default,
           ACS3-HMAC-SHA256 (v3);
  peer     the same check written with the official Node.js SDK (peer.js,
           its defaults: v3), installed into tests/bench with npm ci.

A round runs every command of every case once under hyperfine (wall, user
and system time) and once under /usr/bin/time -v (peak RSS), in an order
that changes from round to round (a balanced Latin square); the simulators' logs give the requests and
TLS handshakes of every run. Figures are medians over the rounds, ratios the
medians of the per-round ratios. Then the plugin and the floor run under
callgrind: instruction counts are stable however busy the machine.

  bench.py [--quick] [--rounds N] [--cases 3,1000,history,1000o] [--out FILE]
           [--tap] [--no-callgrind]

--quick (BENCH_QUICK=1): one round of the 3- and 1,000-instance cases and no
targets: only that every command ran and produced numbers, the request
counts and one TLS handshake per plugin run (CI). --tap prints those checks
as TAP (tests/bench/test_bench.t). The results go to bench-results.md (or
bench-quick-results.md) in $ECS_BUILDDIR, every run beside it in .json.
Exit status: 0 when every run did what it should, even if a target that
depends on the machine (timing, memory) printed MISS, unless BENCH_STRICT=1;
1 when a run failed, or a deterministic target (requests, handshakes, the
floor's requests) was missed; 2 when a tool is missing
(packaging/install-deps.sh --bench).

Environment: ECS_PLUGIN (the binary), ECS_SRCDIR, ECS_BUILDDIR, as the test
suite; BENCH_ROUNDS, BENCH_QUICK, BENCH_STRICT; ECS_REQUIRE_BENCH=1 makes
--tap fail rather than skip without the tools.
"""

import argparse
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ecstest import (Simulator, EcsClient, encode_params, plugin_env,  # noqa: E402
                     plugin_path, utc_timestamp, make_tmpdir, _rm_tree,
                     SCENARIO_DIR, API_VERSION)
import aliyun_sign  # noqa: E402  (tests/sim, put on sys.path by ecstest)

PAGE = 50
DEFAULT_ROUNDS = 12   # a multiple of len(COMMANDS): every order equally often

# ------------------------------------------------------------------ cases

T0 = 1764000000  # the periodic case's runs are an hour apart, before now


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def history_scenario(invoke_id):
    """A Period task on 10 instances with 1,000 runs each (10,000 history
    records), newest first as the API was seen to answer; i-bench0 is in
    the middle of a run, so the plugin reads history (one page) to find its
    latest completed one. Every completed run succeeded: OK."""
    instances = []
    for j in range(10):
        runs = []
        for k in range(1000):
            start = T0 + k * 3600 + j
            if j == 0 and k == 999:
                runs.append({"InvocationStatus": "Running", "StartTime": iso(start)})
                continue
            runs.append({"InvocationStatus": "Success", "StartTime": iso(start),
                         "FinishedTime": iso(start + 30), "ExitCode": 0,
                         "Output": "ok\n"})
        instances.append({"InstanceId": "i-bench%d" % j, "runs": runs})
    return {"description": "made by tests/bench/bench.py", "class": "normal",
            "history_order": "newest",
            "invocation": {"InvokeId": invoke_id, "CommandName": "sim-check",
                           "CreationTime": iso(T0 - 60), "InvocationStatus": "Running",
                           "RepeatMode": "Period", "Frequency": "rate(1h)", "Timed": True},
            "instances": instances, "expect": {"aggregate": None, "state": None}}


# key, title, invoke id, instances, expected exit code, history pages read
CASES = [
    {"key": "3", "title": "3 instances", "invoke_id": "t-hz0finished", "instances": 3,
     "exit": 0, "history_pages": 0},
    {"key": "1000", "title": "1,000 instances", "invoke_id": "t-hz0big", "instances": 1000,
     "exit": 0, "history_pages": 0},
    {"key": "history", "title": "periodic, 10,000 history records",
     "invoke_id": "t-benchhist", "instances": 10, "exit": 0, "history_pages": 1},
    # Not one of the cases: how the size of Output (which
    # DescribeInvocationResults always sends) moves the figures.
    {"key": "1000o", "title": "1,000 instances, 1 KiB Output each",
     "invoke_id": "t-benchbigout", "instances": 1000, "exit": 0, "history_pages": 0,
     "informational": True},
]
QUICK_CASES = "3,1000"


def big_output_scenario(invoke_id):
    """t-hz0big with 1 KiB of Output on every instance (a chatty script)
    instead of "ok": DescribeInvocationResults always carries Output."""
    with open(os.path.join(SCENARIO_DIR, "t-hz0big.json")) as f:
        sc = json.load(f)
    sc["description"] = "made by tests/bench/bench.py: t-hz0big, 1 KiB of Output each"
    sc["invocation"]["InvokeId"] = invoke_id
    sc["generate"]["instance_id"] = "i-bp1bo{n:04d}"
    line = "2026-11-28T10:00:02Z check: disk, memory, services and ports as expected\n"
    sc["generate"]["template"]["Output"] = (line * (1024 // len(line) + 1))[:1024]
    return sc


EXTRA_SCENARIOS = {"t-benchhist": history_scenario("t-benchhist"),
                   "t-benchbigout": big_output_scenario("t-benchbigout")}

COMMANDS = ["floor", "plugin-v1", "plugin-v3", "peer"]
LABEL = {"floor": "floor: curl, pre-signed v1",
         "plugin-v1": "check_ecs_invocation, v1",
         "plugin-v3": "check_ecs_invocation, v3 (default)",
         "peer": "peer: Node.js SDK (v3)"}


def orders(n):
    """A balanced Latin square (Williams design) for an even n: over n
    rounds each command runs in every position once and right after every
    other command once, so that neither its place in the round nor what ran
    just before it (the peer's big node process, say) favours one command."""
    first = [0]
    for k in range(1, n):
        first.append((k + 1) // 2 if k % 2 else n - k // 2)
    return [[(x + r) % n for x in first] for r in range(n)]


def max_requests(case):
    return 1 + max(1, math.ceil(case["instances"] / PAGE)) + case["history_pages"]


# ------------------------------------------------------------------ tools

class Missing(Exception):
    pass


def need(tool, hint="packaging/install-deps.sh --bench"):
    path = shutil.which(tool)
    if path is None:
        raise Missing("%s is not installed (%s)" % (tool, hint))
    return path


def gnu_time():
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        raise Missing("/usr/bin/time (GNU time) is not installed "
                      "(packaging/install-deps.sh --bench)")
    return path


def peer_dir(tmp):
    """Where peer.js runs with node_modules from npm ci: tests/bench in the
    source tree, or a copy in the build tree when that is read-only."""
    d = HERE
    if not os.access(d, os.W_OK):
        build = os.environ.get("ECS_BUILDDIR") or tmp
        d = os.path.join(build, "tests", "bench-peer")
        os.makedirs(d, exist_ok=True)
        for name in ("peer.js", "package.json", "package-lock.json"):
            shutil.copy(os.path.join(HERE, name), d)
    return d


def npm_ci(d):
    """Install the pinned SDK as package-lock.json records it (as
    tests/sdk/setup.sh does), unless that is already there."""
    stamp = os.path.join(d, "node_modules", ".package-lock.json")
    if (os.path.isdir(os.path.join(d, "node_modules", "@alicloud", "ecs20140526"))
            and os.path.exists(stamp)
            and os.path.getmtime(stamp) >= os.path.getmtime(os.path.join(d, "package-lock.json"))):
        return
    need("npm")
    # --ignore-scripts: the one install script in the tree only fetches
    # TypeScript typings for old Node versions (see tests/sdk/setup.sh).
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts",
                        "--loglevel=error"], cwd=d, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise Missing("npm ci in %s failed: %s" % (d, p.stderr.strip()[-500:]))


def sanitized(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


# ------------------------------------------------------------------ floor

def v1_url(sim, action, params, nonce):
    """A URL signed with signature v1 for POST with an empty body, the way
    the plugin builds its own (api.c build_v1)."""
    allp = {"Action": action, "Version": API_VERSION, "Format": "JSON",
            "AccessKeyId": sim.access_key_id, "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0", "SignatureNonce": nonce,
            "Timestamp": utc_timestamp(), "RegionId": sim.region}
    allp.update(params)
    allp["Signature"] = aliyun_sign.v1_signature(sim.access_key_secret, "POST", allp)
    return "/?" + encode_params(allp)


def presign(sim, case, shape):
    """Pre-sign the request sequence the plugin made (shape: its logged
    requests) against the relaxed simulator sim, walking the pages once to
    learn the NextTokens that simulator hands out. Returns the paths and the
    bytes of every answer."""
    client = EcsClient(sim, sim.access_key_id, sim.access_key_secret)
    paths, sizes, token = [], [], None
    try:
        for i, req in enumerate(shape):
            params = {"InvokeId": case["invoke_id"]}
            if req["action"] == "DescribeInvocations":
                params.update(IncludeOutput="false", MaxResults=str(PAGE))
                token = None
            else:
                params["MaxResults"] = str(PAGE)
                if req.get("include_history") in (True, "true"):
                    params["IncludeHistory"] = "true"
                if req.get("next_token") is not None:
                    if token is None:
                        raise RuntimeError("the plugin sent a NextToken the floor has not seen")
                    params["NextToken"] = token
            path = v1_url(sim, req["action"], params, "bench-floor-%s-%d" % (case["key"], i))
            r = client.send("POST", path, b"",
                            {"Content-Type": "application/x-www-form-urlencoded"})
            if r.status != 200 or r.json is None:
                raise RuntimeError("pre-signed %s refused: %r" % (req["action"], r))
            sizes.append(len(r.body))
            if req["action"] == "DescribeInvocationResults":
                token = r.json["Invocation"].get("NextToken") or None
            paths.append(path)
    finally:
        client.close()
    return paths, sizes


def curl_config(sim, paths, cfg_path):
    """curl --config: every URL in one curl invocation, so that curl reuses
    one connection, each body written to /dev/null (read, not parsed)."""
    lines = ['silent', 'show-error', 'compressed', 'cacert = "%s"' % sim.cacert,
             'data = ""']
    for p in paths:
        lines.append('url = "%s%s"' % (sim.url, p))
        lines.append('output = "/dev/null"')
    with open(cfg_path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------ runs

class Log:
    """Reads what a simulator logged since the last call."""

    def __init__(self, sim):
        self.path = sim.log_path
        self.offset = os.path.getsize(self.path)

    def since(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        # only whole lines; a partial one is left for next time
        end = data.rfind(b"\n") + 1
        self.offset += end
        out = []
        for line in data[:end].decode("utf-8", "replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out


class Runner:
    """Runs one command once, either timed (hyperfine: wall, user and
    system time) or for memory (/usr/bin/time -v: peak RSS), and reads the
    requests and TLS handshakes of that very run from the simulator's log.
    Separate executions, so that neither tool's own cost is in the other's
    figures."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.env = None
        self.hyperfine = need("hyperfine")
        self.time = gnu_time()

    def _tmp(self, name):
        p = os.path.join(self.tmp, name)
        if os.path.exists(p):
            os.unlink(p)
        return p

    def timed(self, argv, log=None):
        js, out = self._tmp("hyperfine.json"), self._tmp("stdout.txt")
        if log is not None:
            log.since()
        p = subprocess.run([self.hyperfine, "-N", "--runs", "1", "-i", "--style", "none",
                            "--output", out, "--export-json", js, "--", shlex.join(argv)],
                           env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True)
        if p.returncode != 0 or not os.path.exists(js):
            raise RuntimeError("hyperfine failed on %s: %s %s" % (argv[0], p.stdout, p.stderr))
        with open(js) as f:
            res = json.load(f)["results"][0]
        run = {"kind": "timed", "wall": res["times"][0], "cpu": res["user"] + res["system"],
               "user": res["user"], "system": res["system"],
               "exit": (res.get("exit_codes") or [None])[0]}
        return self._finish(run, out, log)

    def memory(self, argv, log=None):
        tv, out = self._tmp("time.txt"), self._tmp("stdout.txt")
        if log is not None:
            log.since()
        with open(out, "wb") as f:
            subprocess.run([self.time, "-v", "-o", tv] + argv, env=self.env,
                           stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.DEVNULL)
        with open(tv) as f:
            text = f.read()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        st = re.search(r"Exit status: (\d+)", text)
        run = {"kind": "memory", "rss_kib": int(m.group(1)) if m else None,
               "exit": int(st.group(1)) if st else None}
        return self._finish(run, out, log)

    @staticmethod
    def _finish(run, out, log):
        with open(out, "rb") as f:
            run["line"] = f.read().decode("utf-8", "replace").split("\n", 1)[0][:200]
        if log is not None:
            lines = log.since()
            reqs = [r for r in lines if "event" not in r and r.get("service", "ecs") != "imds"]
            run["requests"] = len(reqs)
            run["ok_requests"] = sum(1 for r in reqs if r.get("verdict") == "ok")
            run["handshakes"] = sum(1 for r in lines if r.get("event") == "tls")
            run["connections"] = len({r["conn"] for r in reqs})
            run["shape"] = [shape_of(r) for r in reqs]
            run["log"] = reqs
        return run


def shape_of(r):
    """What makes two requests the same request, bar nonce and signing."""
    return (r.get("action"), r.get("invoke_id"), str(r.get("max_results")),
            r.get("include_history") in (True, "true"), r.get("next_token") is not None)


# ------------------------------------------------------------------ stats

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def quartiles(xs):
    xs = sorted(x for x in xs if x is not None)
    if len(xs) < 4:
        return (xs[0], xs[-1]) if xs else (None, None)
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def per_round(runs_a, runs_b, key, fn=lambda a, b: a / b if b else None):
    """fn(a, b) of the runs of the same round."""
    return [fn(a[key], b[key]) for a, b in zip(runs_a, runs_b)
            if a.get(key) is not None and b.get(key) is not None]


def fmt(x, spec="%.1f"):
    return "–" if x is None else spec % x


def num(x):
    return "–" if x is None else "{:,}".format(x)


# ------------------------------------------------------------------ report helpers

def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d CPUs, %s %s" % (cpu, os.cpu_count() or 0, platform.system(),
                                   platform.release())


def version(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (p.stdout or p.stderr).split("\n", 1)[0].strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


class Checks:
    """What must hold whatever the machine: as TAP lines (--tap) or kept for
    the summary."""

    def __init__(self, tap):
        self.tap = tap
        self.items = []
        self.n = 0

    def ok(self, cond, name, diag=None):
        self.items.append((bool(cond), name))
        if self.tap:
            self.n += 1
            print("%s %d - %s" % ("ok" if cond else "not ok", self.n,
                                  name.replace("#", "\\#")))
            if not cond and diag is not None:
                for line in str(diag).splitlines() or [""]:
                    print("# " + line)
            sys.stdout.flush()
        return bool(cond)

    def failed(self):
        return [n for ok, n in self.items if not ok]


def say(args, text=""):
    for line in text.splitlines() or [""]:
        print(("# " + line) if args.tap else line)
    sys.stdout.flush()


def callgrind(argv, env, tmp, name):
    """Instructions executed (Ir) by argv under callgrind, whole process,
    and those in the plugin's own functions (callgrind_annotate: the
    binary's object), with its top few."""
    out = os.path.join(tmp, "callgrind.%s.out" % name)
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv,
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=900)
    total = None
    try:
        with open(out) as f:
            for line in f:
                if line.startswith(("totals:", "summary:")):
                    total = int(line.split()[1])
    except OSError:
        pass
    own, top = None, []
    binary = os.path.realpath(argv[0])
    if total and shutil.which("callgrind_annotate"):
        a = subprocess.run(["callgrind_annotate", "--threshold=100", out],
                           capture_output=True, text=True)
        own = 0
        for line in a.stdout.splitlines():
            m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$", line)
            if m and m.group(2).rstrip().endswith("[%s]" % binary):
                ir = int(m.group(1).replace(",", ""))
                own += ir
                if len(top) < 6:
                    top.append((ir, m.group(2).split(" [")[0]))
    return {"exit": p.returncode, "ir": total, "own_ir": own, "top_own": top,
            "stderr": p.stderr[-2000:]}


# ------------------------------------------------------------------ main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("BENCH_QUICK") == "1")
    ap.add_argument("--rounds", type=int,
                    default=int(os.environ.get("BENCH_ROUNDS") or 0) or None)
    ap.add_argument("--cases", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--no-callgrind", action="store_true")
    args = ap.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else DEFAULT_ROUNDS)
    keys = (args.cases or (QUICK_CASES if args.quick else
                           ",".join(c["key"] for c in CASES))).split(",")
    cases = [c for c in CASES if c["key"] in keys]
    if len(cases) != len(keys):
        ap.error("--cases: choose from %s" % ",".join(c["key"] for c in CASES))
    strict = os.environ.get("BENCH_STRICT") == "1"
    checks = Checks(args.tap)
    plugin = os.path.realpath(plugin_path())
    tmp = make_tmpdir("bench-")
    try:
        if not os.access(plugin, os.X_OK):
            raise Missing("no plugin at %s (make first)" % plugin)
        need("curl")
        need("node")
        if not args.no_callgrind:
            need("valgrind")
        runner = Runner(tmp)
        pdir = peer_dir(tmp)
        npm_ci(pdir)
    except Missing as e:
        if args.tap and os.environ.get("ECS_REQUIRE_BENCH") != "1":
            print("1..0 # SKIP %s" % e)
            return 0
        if args.tap:
            print("not ok 1 - the benchmark's tools are installed\n# %s\n1..1" % e)
        else:
            print("bench: %s" % e, file=sys.stderr)
        _rm_tree(tmp)
        return 2
    try:
        return run(args, cases, rounds, strict, checks, plugin, runner, pdir, tmp)
    except RuntimeError as e:
        checks.ok(False, "the benchmark ran to the end", str(e))
        if args.tap:
            print("1..%d" % checks.n)
        else:
            print("bench: FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        _rm_tree(tmp)


def run(args, cases, rounds, strict, checks, plugin, runner, pdir, tmp):
    asan = sanitized(plugin)
    load_start = os.getloadavg()
    started = time.time()
    say(args, "bench: %s, %d round%s, cases %s, load average %.2f %.2f %.2f"
        % ("quick" if args.quick else "full", rounds, "" if rounds == 1 else "s",
           ",".join(c["key"] for c in cases), *load_start))
    if asan:
        say(args, "bench: WARNING: %s is built with sanitizers: its figures mean nothing "
            "(configure without --enable-sanitizers for real ones)" % plugin)

    home = os.path.join(tmp, "home")
    os.makedirs(home)
    runs = {c["key"]: {cmd: [] for cmd in COMMANDS} for c in cases}
    mem = {c["key"]: {cmd: [] for cmd in COMMANDS} for c in cases}
    cg, floor_bytes, argvs = {}, {}, {}
    sims = []
    try:
        strict_sim = Simulator(tls=True, extra_scenarios=EXTRA_SCENARIOS, metadata=False)
        sims.append(strict_sim.start())
        relaxed_sim = Simulator(tls=True, relax_replay=True, extra_scenarios=EXTRA_SCENARIOS,
                                metadata=False)
        sims.append(relaxed_sim.start())
        # Every command gets the same small environment: the key, the
        # region, the test CA for node; an empty HOME.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": home,
               "NODE_EXTRA_CA_CERTS": strict_sim.cacert}
        env.update(plugin_env(strict_sim))
        runner.env = env
        logs = {"strict": Log(strict_sim), "relaxed": Log(relaxed_sim)}

        def log_of(cmd):
            return logs["relaxed" if cmd == "floor" else "strict"]

        base = ["-e", strict_sim.url, "--cacert", strict_sim.cacert, "-t", "120"]
        # The plugin's own requests (v1) first: the floor makes exactly those.
        for c in cases:
            a = {"plugin-v1": [plugin, "-i", c["invoke_id"], "--signature-version", "1"] + base,
                 "plugin-v3": [plugin, "-i", c["invoke_id"]] + base,
                 "peer": [shutil.which("node"), os.path.join(pdir, "peer.js"), c["invoke_id"],
                          "127.0.0.1:%d" % strict_sim.port]}
            first = runner.memory(a["plugin-v1"], log_of("plugin-v1"))
            if not (first["exit"] == c["exit"] and first["requests"] == first["ok_requests"] > 0):
                raise RuntimeError("%s: the plugin failed: exit %s, %s"
                                   % (c["title"], first["exit"], first["line"]))
            paths, sizes = presign(relaxed_sim, c, first["log"])
            cfg = os.path.join(tmp, "curl-%s.cfg" % c["key"])
            curl_config(relaxed_sim, paths, cfg)
            a["floor"] = [shutil.which("curl"), "-q", "--config", cfg]
            argvs[c["key"]] = a
            floor_bytes[c["key"]] = sum(sizes)
            c["shape"] = first["shape"]
        # Warm-up (page cache, the simulator's caches), untimed.
        if not args.quick:
            for c in cases:
                for cmd in COMMANDS:
                    runner.memory(argvs[c["key"]][cmd], log_of(cmd))
        # Rounds: every command of every case, timed, then for memory, in
        # an order that changes from round to round (a Williams design).
        square = orders(len(COMMANDS))
        for r in range(rounds):
            order = [COMMANDS[i] for i in square[r % len(square)]]
            for c in cases:
                for cmd in order:
                    runs[c["key"]][cmd].append(runner.timed(argvs[c["key"]][cmd], log_of(cmd)))
                for cmd in order:
                    mem[c["key"]][cmd].append(runner.memory(argvs[c["key"]][cmd], log_of(cmd)))
            if not args.quick:
                say(args, "bench: round %d of %d done (%.0f s, load %.2f)"
                    % (r + 1, rounds, time.time() - started, os.getloadavg()[0]))
        # Callgrind: instruction counts, stable however busy the machine.
        if not args.no_callgrind and not asan:
            for k in ("3", "1000") if not args.quick else ("3",):
                if k in argvs:
                    for cmd in ("plugin-v1", "plugin-v3", "floor") if k == "3" else \
                            ("plugin-v1", "floor"):
                        cg[(k, cmd)] = callgrind(argvs[k][cmd], env, tmp, k + cmd)
        elif asan:
            say(args, "bench: callgrind skipped: the plugin is built with sanitizers")
    finally:
        for s in sims:
            s.stop()
    load_end = os.getloadavg()

    # ---------------------------------------------------------------- checks
    for c in cases:
        k, cap = c["key"], max_requests(c)
        for cmd in COMMANDS:
            rs = runs[k][cmd] + mem[k][cmd]
            name = "%s, %s" % (c["title"], LABEL[cmd])
            checks.ok(all(x["exit"] == c["exit"] for x in rs),
                      "%s: every run exits %d" % (name, c["exit"]),
                      [(x["exit"], x["line"]) for x in rs if x["exit"] != c["exit"]][:3])
            checks.ok(all(x["wall"] > 0 and x["cpu"] > 0 for x in runs[k][cmd]) and
                      all((x["rss_kib"] or 0) > 0 for x in mem[k][cmd]),
                      "%s: every run measured (wall, CPU, peak RSS)" % name)
            checks.ok(all(x["requests"] == x["ok_requests"] > 0 for x in rs),
                      "%s: every request accepted" % name,
                      [(x["requests"], x["ok_requests"]) for x in rs])
            if cmd != "peer":
                checks.ok(all(x["handshakes"] == 1 and x["connections"] == 1 for x in rs),
                          "%s: one connection, exactly one TLS handshake per run" % name,
                          [(x["handshakes"], x["connections"]) for x in rs])
            if cmd.startswith("plugin"):
                checks.ok(all(x["requests"] <= cap for x in rs),
                          "%s: at most %d requests (1 + ceil(%d/%d)%s)"
                          % (name, cap, c["instances"], PAGE,
                             " + %d history page" % c["history_pages"]
                             if c["history_pages"] else ""),
                          [x["requests"] for x in rs])
            if cmd in ("floor", "plugin-v1"):
                checks.ok(all(x["shape"] == c["shape"] for x in rs),
                          "%s: the same requests as the plugin's first run" % name,
                          [x["shape"] for x in rs if x["shape"] != c["shape"]][:1])
    for (k, cmd), res in sorted(cg.items()):
        checks.ok(res["exit"] == 0 and res["ir"],
                  "callgrind, %s instances, %s: %s instructions" % (k, cmd, num(res["ir"])),
                  res["stderr"])

    # ---------------------------------------------------------------- report
    def med(k, cmd, key, src=None):
        return median([x.get(key) for x in (src or runs)[k][cmd]])

    lines = []
    w = lines.append
    w("Measured %s on %s; %d round%s (a round runs every command of every case once timed "
      "and once for memory, in an order balanced over the rounds); load average %.2f at the "
      "start, %.2f at the end." % (time.strftime("%Y-%m-%d", time.gmtime(started)), machine(), rounds,
                    "" if rounds == 1 else "s", load_start[0], load_end[0]))
    w("")
    w("| case | command | wall ms | CPU ms | peak RSS MiB | requests | TLS handshakes |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for c in cases:
        k = c["key"]
        for cmd in COMMANDS:
            w("| %s | %s | %s | %s | %s | %s | %s |" % (
                c["title"], LABEL[cmd], fmt(1000 * med(k, cmd, "wall")),
                fmt(1000 * med(k, cmd, "cpu")), fmt(med(k, cmd, "rss_kib", mem) / 1024.0),
                fmt(med(k, cmd, "requests"), "%d"), fmt(med(k, cmd, "handshakes"), "%d")))
    w("")
    w("| case | plugin/floor wall | plugin/floor CPU | plugin/floor RSS | plugin−floor RSS MiB "
      "| peer/plugin wall | peer/plugin RSS | bytes received |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ratios = {}
    for c in cases:
        k = c["key"]
        t, m = runs[k], mem[k]
        rr = {"wall": per_round(t["plugin-v1"], t["floor"], "wall"),
              "cpu": per_round(t["plugin-v1"], t["floor"], "cpu"),
              "v3_wall": per_round(t["plugin-v3"], t["floor"], "wall"),
              "v3_cpu": per_round(t["plugin-v3"], t["floor"], "cpu"),
              "rss": per_round(m["plugin-v1"], m["floor"], "rss_kib"),
              "rss_diff": per_round(m["plugin-v1"], m["floor"], "rss_kib",
                                    lambda a, b: (a - b) / 1024.0),
              "peer_wall": per_round(t["peer"], t["plugin-v3"], "wall"),
              "peer_rss": per_round(m["peer"], m["plugin-v3"], "rss_kib")}
        rt = ratios[k] = {n: median(v) for n, v in rr.items()}
        rt["wall_iqr"] = quartiles(rr["wall"])
        rt["cpu_iqr"] = quartiles(rr["cpu"])
        w("| %s | %s (IQR %s–%s; v3 %s) | %s (IQR %s–%s; v3 %s) | %s | %s | %s | %s | %s |" % (
            c["title"], fmt(rt["wall"], "%.2f"), fmt(rt["wall_iqr"][0], "%.2f"),
            fmt(rt["wall_iqr"][1], "%.2f"), fmt(rt["v3_wall"], "%.2f"),
            fmt(rt["cpu"], "%.2f"), fmt(rt["cpu_iqr"][0], "%.2f"), fmt(rt["cpu_iqr"][1], "%.2f"),
            fmt(rt["v3_cpu"], "%.2f"), fmt(rt["rss"], "%.2f"), fmt(rt["rss_diff"], "%+.1f"),
            fmt(rt["peer_wall"], "%.1f"), fmt(rt["peer_rss"], "%.1f"), num(floor_bytes[k])))
    w("")
    w("Medians over the rounds; ratios are medians of the per-round ratios, IQR their "
      "interquartile range (the noise). plugin/floor: the plugin signing v1, whose requests "
      "are exactly the floor's (v3: the plugin's default signing against the same floor); "
      "peer/plugin: both at their default, v3.")
    if cg:
        w("")
        parts = []
        for k in ("3", "1000"):
            if (k, "plugin-v1") in cg:
                p1, fl = cg[(k, "plugin-v1")], cg[(k, "floor")]
                parts.append("%s instances: plugin v1 %s (in its own code %s)%s, floor %s, "
                             "plugin/floor %s" % (
                                 "3" if k == "3" else "1,000", num(p1["ir"]), num(p1["own_ir"]),
                                 ", plugin v3 %s" % num(cg[(k, "plugin-v3")]["ir"])
                                 if (k, "plugin-v3") in cg else "",
                                 num(fl["ir"]), fmt((p1["ir"] or 0) / (fl["ir"] or 1), "%.2f")))
        w("Callgrind, instructions executed (Ir, whole process): " + "; ".join(parts) + ".")

    # ---------------------------------------------------------------- targets
    targets = []   # (ok, text, deterministic)
    if not args.quick:
        judged = [c for c in cases if not c.get("informational")]
        for c in judged:
            rt = ratios[c["key"]]
            targets.append((rt["wall"] is not None and rt["wall"] <= 1.25,
                            "%s: plugin wall time within 1.25x of the floor's (%s)"
                            % (c["title"], fmt(rt["wall"], "%.2f")), False))
            targets.append((rt["cpu"] is not None and rt["cpu"] <= 1.5,
                            "%s: plugin CPU time within 1.5x of the floor's (%s)"
                            % (c["title"], fmt(rt["cpu"], "%.2f")), False))
        if "3" in ratios:
            rt = ratios["3"]
            targets.append((rt["rss"] is not None and rt["rss"] <= 1.25,
                            "3 instances: plugin peak RSS within 1.25x of the floor's (%s)"
                            % fmt(rt["rss"], "%.2f"), False))
            targets.append((rt["peer_wall"] is not None and rt["peer_wall"] >= 15,
                            "3 instances: the peer at least 15x slower (%s)"
                            % fmt(rt["peer_wall"], "%.1f"), False))
            targets.append((rt["peer_rss"] is not None and rt["peer_rss"] >= 8,
                            "3 instances: the peer uses at least 8x more memory (%s)"
                            % fmt(rt["peer_rss"], "%.1f"), False))
        if "1000" in ratios:
            rt = ratios["1000"]
            targets.append((rt["rss_diff"] is not None and rt["rss_diff"] <= 8,
                            "1,000 instances: plugin peak RSS within 8 MiB of the floor's (%s MiB)"
                            % fmt(rt["rss_diff"], "%+.1f"), False))
        if "3" in ratios and "1000" in ratios:
            lin = median(per_round(runs["1000"]["plugin-v1"], runs["3"]["plugin-v1"], "wall"))
            targets.append((lin is not None and lin < 8,
                            "cost linear in N: the 1,000-instance case under 8x the "
                            "3-instance case's wall time (%s)" % fmt(lin, "%.2f"), False))
        for c in judged:
            k = c["key"]
            rs = runs[k]["plugin-v1"] + runs[k]["plugin-v3"] + mem[k]["plugin-v1"] + \
                mem[k]["plugin-v3"]
            targets.append((all(x["handshakes"] == 1 for x in rs),
                            "%s: exactly one TLS handshake per plugin run" % c["title"], True))
            targets.append((all(x["requests"] <= max_requests(c) for x in rs),
                            "%s: at most %d requests per plugin run (made %s)"
                            % (c["title"], max_requests(c),
                               fmt(median([x["requests"] for x in rs]), "%d")), True))
        w("")
        w("Targets (timing and memory ones depend on the machine; a MISS there does not fail "
          "make bench unless BENCH_STRICT=1):")
        w("")
        for ok, text, _ in targets:
            w("- %s %s" % ("PASS" if ok else "MISS", text))

    report = "\n".join(lines) + "\n"
    out = args.out or os.path.join(os.environ.get("ECS_BUILDDIR") or ".",
                                   "bench-quick-results.md" if args.quick else "bench-results.md")
    with open(out, "w") as f:
        f.write(report)
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump({"cases": [{k: v for k, v in c.items() if k != "shape"} for c in cases],
                   "timed": {k: {cmd: [strip(x) for x in v] for cmd, v in d.items()}
                             for k, d in runs.items()},
                   "memory": {k: {cmd: [strip(x) for x in v] for cmd, v in d.items()}
                              for k, d in mem.items()},
                   "callgrind": {"%s %s" % k: {kk: vv for kk, vv in v.items() if kk != "stderr"}
                                 for k, v in cg.items()},
                   "load": [load_start, load_end], "machine": machine(),
                   "versions": {"plugin": version([plugin, "--version"]),
                                "curl": version(["curl", "--version"]),
                                "node": version(["node", "--version"]),
                                "hyperfine": version(["hyperfine", "--version"])}},
                  f, indent=1)
    say(args, "")
    say(args, report)
    say(args, "bench: results in %s (every run in %s)" % (out, os.path.splitext(out)[0] + ".json"))
    own = cg.get(("3", "plugin-v1"), {}).get("top_own")
    if own:
        say(args, "bench: the plugin's own functions by instructions (3 instances, v1, self):")
        for ir, where in own:
            say(args, "  %12s  %s" % (num(ir), where))

    bad = checks.failed()
    hard = [t for ok, t, det in targets if not ok and (det or strict)]
    soft = [t for ok, t, det in targets if not ok and not det]
    if args.tap:
        print("1..%d" % checks.n)
    if bad or hard:
        say(args, "bench: FAILED: " + "; ".join(bad + hard))
        return 1
    if soft:
        say(args, "bench: every run as expected; %d timing or memory target%s MISSED "
            "(see above)" % (len(soft), "" if len(soft) == 1 else "s"))
    else:
        say(args, "bench: every run as expected" + ("; every target met" if targets else ""))
    return 0


def strip(run):
    return {k: v for k, v in run.items() if k not in ("log", "shape")}


if __name__ == "__main__":
    sys.exit(main())
