#!/usr/bin/env python3
"""Allocation failure (issue 5): for every N along a whole check, a build of
the plugin whose N-th allocation fails ends UNKNOWN cleanly.

tests/chaos/check_ecs_invocation_chaos is the plugin linked from the same
objects with malloc, calloc, realloc, strdup and strndup routed through
tests/chaos/chaos_alloc.c; Jansson's allocations go the same way (main.c's
allocator calls malloc). libcurl and OpenSSL allocate through the plugin's
wiping allocator (plugin/wipemem.c), so their calls come there too, but they
are counted apart and never failed here: how a library copes with a failed
allocation is the library's affair (chaos_alloc.c says more). The counting
run proves both libraries use that allocator. For each scenario below, one
run counts the allocations of a whole check (N_total) and must give the
normal answer; then
the check runs again for every N in 1..N_total with CHAOS_FAIL_AT=N (only the
N-th allocation fails), and each of those runs must

  * end UNKNOWN (exit 3) with a first line "ECS INVOCATION UNKNOWN - ..."
    that says out of memory (with --output-format=json: one JSON document,
    state UNKNOWN, error class nomem, a message that says out of memory);
    the only allocations whose failure the check survives are those of the
    -vv request trace, which is best-effort diagnostics: then the answer
    must be exactly the normal one with the trace stopping early, nothing
    else missing;
  * write nothing on stderr: no sanitizer report, no leak (the suite runs
    under ASan with detect_leaks=1);
  * end by exit() (the count file is written) within its -t deadline.

The same holds with CHAOS_FAIL_FROM=N (the N-th and every later allocation
fail: memory stays exhausted) for one N in every STRIDE_FROM: the answer that
says so must need no memory.

The scenarios are small on purpose (two instances, one): N_total grows with
the size of the responses, as Jansson makes a few allocations per JSON
value, while each allocation site is reached with one instance as with
many. Between them the two cover the text and the JSON output, -vv, the
one-shot and the periodic (history) paths, both signature versions, keys
from the environment (with an STS token) and from a CLI profile, and
--show-output. ECS_CHAOS_JOBS sets how many runs go on at once (default 3).
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from ecstest import TAP, Simulator, plugin_env, run_plugin, tmp_base  # noqa: E402

t = TAP()
T0 = float(int(time.time()))
DEADLINE = 20           # -t for every run
STRIDE_FROM = 10        # CHAOS_FAIL_FROM for N = 1, 1 + STRIDE_FROM, ...
JOBS = int(os.environ.get("ECS_CHAOS_JOBS") or 3)
PREFIX = "ECS INVOCATION UNKNOWN - "

build = os.environ.get("ECS_BUILDDIR")
chaos = os.path.join(build, "tests", "chaos", "check_ecs_invocation_chaos") if build else ""
if not build:
    t.skip_all("ECS_BUILDDIR is not set: run through make check or tests/run-all.sh")
if not os.access(chaos, os.X_OK):
    t.bail_out("%s is missing: make check builds it" % chaos)
os.environ["ECS_PLUGIN"] = chaos  # run_plugin() runs $ECS_PLUGIN


def iso(seconds_ago):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 - seconds_ago))


FAILED = {"ErrorCode": "ExitCodeNonzero", "ErrorInfo": "the command exited with a non-zero code"}


def once(instance_id, status, code, output, **extra):
    """An instance of a one-shot invocation that ran 50 minutes ago."""
    i = {"InstanceId": instance_id, "InvocationStatus": status, "StartTime": iso(3000),
         "FinishTime": iso(2998), "ExitCode": code, "Output": output}
    i.update(extra)
    return i

EXTRA = {
    # One-shot, as t-hz0partial: one instance failed, one succeeded.
    "t-hz0chaos1": {
        "description": "made by test_chaos.t", "class": "normal",
        "invocation": {"InvokeId": "t-hz0chaos1", "CommandName": "sim-check",
                       "CreationTime": iso(3600), "InvocationStatus": "PartialFailed"},
        "instances": [
            once("i-chaos1", "Failed", 1, "error: disk full\n", **FAILED),
            once("i-chaos2", "Success", 0, "ok\n")],
        "expect": {"aggregate": "PartialFailed", "state": "CRITICAL"}},
    # Periodic, as t-hz0periodic: the newest run is still in progress, so the
    # history is read for the latest completed run (Failed, with output),
    # which ended 14m30s ago: far from where "14m ago" would turn "15m".
    "t-hz0chaosp": {
        "description": "made by test_chaos.t", "class": "normal",
        "invocation": {"InvokeId": "t-hz0chaosp", "CommandName": "sim-check",
                       "CreationTime": iso(86400), "InvocationStatus": "Running",
                       "RepeatMode": "Period", "Frequency": "rate(5m)", "Timed": True},
        "instances": [
            {"InstanceId": "i-chaosp", "runs": [
                dict({"InvocationStatus": "Failed", "StartTime": iso(872),
                      "FinishedTime": iso(870), "ExitCode": 1,
                      "Output": "error: disk full\n"}, **FAILED),
                {"InvocationStatus": "Running", "StartTime": iso(300)}]}],
        "expect": {"aggregate": "Failed", "state": "CRITICAL"}},
}


class Home:
    """A throw-away HOME, optionally with an aliyun CLI config.json."""

    def __init__(self, cli=None):
        self.path = tempfile.mkdtemp(prefix="home-", dir=tmp_base())
        if cli is not None:
            os.makedirs(os.path.join(self.path, ".aliyun"))
            path = os.path.join(self.path, ".aliyun", "config.json")
            with open(path, "w") as f:
                json.dump(cli, f)
            os.chmod(path, 0o600)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


# Timings vary from run to run; nothing else may.
TIMING = [
    (re.compile(r"time=[0-9.]+s"), "time=#s"),
    (re.compile(r"\([0-9.]+ s\)"), "(# s)"),
    (re.compile(r" in [0-9.]+ s"), " in # s"),
    # the local clock moves on, the simulator's stands still
    (re.compile(r"(times measured on the API's clock).*"), r"\1 #"),
]


def masked_lines(text):
    for rx, repl in TIMING:
        text = rx.sub(repl, text)
    return text.split("\n")


def json_doc(text):
    """The one JSON document of a --output-format=json answer, else None."""
    if not text.endswith("\n") or "\n" in text[:-1]:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


class Scenario:
    def __init__(self, name, args, env, expect, json_output=False, trace=False):
        self.name = name
        self.args = args + ["-t", str(DEADLINE)]
        self.env = env
        self.expect = expect            # checks the normal answer
        self.json_output = json_output
        self.trace = trace              # -vv: the request trace comes last

    def run(self, workdir, n=0, mode="AT", **extra_env):
        count_file = os.path.join(workdir, "count.%s.%d" % (mode, n))
        env = dict(self.env, CHAOS_COUNT_FILE=count_file, **extra_env)
        if n:
            env["CHAOS_FAIL_" + mode] = str(n)
        r = run_plugin(self.args, env=env, timeout=DEADLINE + 10)
        r.allocations = r.failures = r.libraries = None
        try:
            with open(count_file) as f:
                words = f.read().split()
            os.unlink(count_file)
            r.allocations, r.failures = int(words[0]), int(words[1])
            r.libraries = (int(words[2]), int(words[3]))  # libcurl's, OpenSSL's
        except (OSError, ValueError, IndexError):
            pass  # no exit(): the backstop, or a crash
        return r

    def same_answer(self, r, normal):
        """r is the normal answer, timings aside."""
        if r.code != normal.code:
            return False
        if self.json_output:
            a, b = json_doc(r.stdout), json_doc(normal.stdout)
            return a is not None and b is not None and \
                dict(a, time_s=0) == dict(b, time_s=0)
        return masked_lines(r.stdout) == masked_lines(normal.stdout)

    def trace_cut(self, r, normal):
        """r is the normal answer but for the end of the -vv trace, which
        stops early: whole lines, and only trace lines ("  ...")."""
        if not self.trace or r.code != normal.code:
            return False
        got, want = masked_lines(r.stdout), masked_lines(normal.stdout)
        first_trace = len(want) - 1     # want ends with "" (the last "\n")
        while first_trace > 0 and want[first_trace - 1].startswith("  "):
            first_trace -= 1
        kept = len(got) - 1
        return (got[-1] == "" and first_trace <= kept < len(want) - 1 and
                got[:kept] == want[:kept])

    def out_of_memory(self, r):
        """r ends UNKNOWN and says that memory ran out."""
        if r.code != 3:
            return False
        if self.json_output:
            doc = json_doc(r.stdout)
            err = doc.get("error") if doc else None
            return (isinstance(err, dict) and doc.get("state") == "UNKNOWN" and
                    doc.get("exit_code") == 3 and err.get("class") == "nomem" and
                    "out of memory" in str(err.get("message")))
        return r.first_line.startswith(PREFIX) and "out of memory" in r.first_line


def check(sc, workdir):
    """Count, then fail every N; a few TAP lines per scenario."""
    normal = sc.run(workdir)
    if not t.ok(not normal.stderr and normal.failures == 0 and normal.allocations and
                sc.expect(normal), "%s: the counting run gives the normal answer (%s allocations)"
                % (sc.name, normal.allocations), repr(normal)):
        return None
    t.ok(normal.libraries is not None and min(normal.libraries) > 0,
         "%s: libcurl and OpenSSL allocate through the plugin's wiping allocator (%s and %s "
         "allocations)" % ((sc.name,) + (normal.libraries or (None, None))))
    total = normal.allocations
    jobs = [(n, "AT") for n in range(1, total + 1)] + \
        [(n, "FROM") for n in range(1, total + 1, STRIDE_FROM)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        runs = list(pool.map(lambda job: sc.run(workdir, *job), jobs))
    took = time.monotonic() - started

    bad = {"reached": [], "answer": [], "stderr": [], "deadline": []}
    nomem, unreached, cut = 0, 0, []
    for r, (n, mode) in zip(runs, jobs):
        label = "CHAOS_FAIL_%s=%d" % (mode, n)
        if r.stderr:
            bad["stderr"].append((label, r))
        if r.timed_out or r.elapsed > DEADLINE + 2 or r.allocations is None:
            bad["deadline"].append((label, r))
        if r.failures is None:
            continue
        if r.failures == 0 and r.allocations < n:
            # The count varies a little (libcurl hands a body over in pieces
            # of varying size): this run ended before its N-th allocation.
            unreached += 1
            if not sc.same_answer(r, normal):
                bad["answer"].append((label, r))
        elif r.failures == 0:
            bad["reached"].append((label, r))
        elif sc.out_of_memory(r):
            nomem += 1
        elif sc.trace_cut(r, normal):
            cut.append(label)
        else:
            bad["answer"].append((label, r))

    def show(items):
        """The first few runs that went wrong, and where their failed
        allocation was made."""
        text = []
        for label, r in items[:3]:
            mode, n = label[len("CHAOS_FAIL_"):].split("=")
            trace = os.path.join(workdir, "backtrace")
            sc.run(workdir, int(n), mode, CHAOS_BACKTRACE_FILE=trace)
            text.append("%s: %r\n    the failed allocation, run again:\n      %s" % (
                label, r, "\n      ".join(call_stack(trace))))
        if len(items) > 3:
            text.append("... %d in all" % len(items))
        return "\n".join(text)

    t.ok(not bad["reached"], "%s: every run failed its N-th allocation" % sc.name,
         show(bad["reached"]))
    t.ok(not bad["answer"], "%s: every run ends UNKNOWN saying out of memory%s" % (
        sc.name, ", or loses only the end of the -vv trace" if sc.trace else ""),
        show(bad["answer"]))
    t.ok(not bad["stderr"], "%s: nothing on stderr (no sanitizer report, no leak)" % sc.name,
         show(bad["stderr"]))
    t.ok(not bad["deadline"], "%s: every run exits by itself within its %d s deadline"
         % (sc.name, DEADLINE), show(bad["deadline"]))
    t.diag("%s: N_total %d, %d runs in %.1f s: %d UNKNOWN out of memory, %d with the -vv trace "
           "cut short (%s), %d ended before their N" % (
               sc.name, total, len(runs), took, nomem, len(cut), " ".join(cut) or "none",
               unreached))
    return total


def call_stack(path):
    """The lines of a CHAOS_BACKTRACE_FILE, the program's own frames as
    function and source line where addr2line is at hand."""
    try:
        with open(path) as f:
            lines = f.read().split("\n")
        os.unlink(path)
    except OSError:
        return ["(not reached)"]
    out = []
    for line in filter(None, lines):
        m = re.match(re.escape(chaos) + r"\((\+0x[0-9a-f]+)\)", line)
        if m and shutil.which("addr2line"):
            p = subprocess.run(["addr2line", "-f", "-i", "-p", "-e", chaos, m.group(1)[1:]],
                               capture_output=True, text=True)
            line = p.stdout.strip().replace("\n", "; ") or line
        out.append(line)
    return out


def expect_text(*patterns):
    """CRITICAL, and a line of the answer matches each pattern."""
    def check_answer(r):
        return r.code == 2 and all(any(re.match(p, line) for line in r.lines)
                                   for p in patterns)
    return check_answer


def expect_json(outputs, **fields):
    """CRITICAL, these top-level fields, and these instances' outputs."""
    def check_answer(r):
        doc = json_doc(r.stdout)
        return r.code == 2 and doc is not None and all(
            doc.get(k) == v for k, v in fields.items()) and \
            [i.get("output") for i in doc.get("instances", [])] == outputs
    return check_answer


started = time.monotonic()
totals = []
with Simulator(extra_scenarios=EXTRA, clock_frozen_at=T0) as sim:
    workdir = tempfile.mkdtemp(prefix="chaos-", dir=tmp_base())
    empty = Home()
    cli = Home({"current": "monitor", "meta_path": "", "profiles": [
        {"name": "monitor", "mode": "AK", "access_key_id": sim.access_key_id,
         "access_key_secret": sim.access_key_secret, "region_id": "cn-hangzhou"}]})
    scenarios = [
        Scenario("one-shot PartialFailed, -vv --show-output, STS keys from the environment, "
                 "signature v1",
                 sim.plugin_args("t-hz0chaos1", "-vv", "--show-output", "--signature-version", "1"),
                 dict(plugin_env(sim, sts=True), HOME=empty.path),
                 expect_text(r"ECS INVOCATION CRITICAL - t-hz0chaos1 PartialFailed: 1 of 2 "
                             r"instances failed \|", r"  output: error: disk full $",
                             r"credentials: environment \(ALIBABA_CLOUD_ACCESS_KEY_ID, with a "
                             r"security token\)$", r"  DescribeInvocationResults: HTTP 200"),
                 trace=True),
        Scenario("periodic (history read), --output-format=json --show-output, keys from a "
                 "CLI profile in config.json",
                 ["-i", "t-hz0chaosp", "-e", sim.url, "--cacert", sim.cacert,
                  "--output-format=json", "--show-output"],
                 {"HOME": cli.path},
                 expect_json(["error: disk full\n"], state="CRITICAL", aggregate="Failed",
                             periodic=True, region="cn-hangzhou", requests=3),
                 json_output=True),
    ]
    try:
        for sc in scenarios:
            totals.append(check(sc, workdir))
    finally:
        for home in (empty, cli):
            home.remove()
        shutil.rmtree(workdir, ignore_errors=True)
t.diag("N_total per scenario: %s; the whole test took %.1f s" % (
    ", ".join(map(str, totals)), time.monotonic() - started))
t.done()
