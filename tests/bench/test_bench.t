#!/usr/bin/env python3
"""TAP: make bench's quick mode (tests/bench/bench.py --quick), so that the
benchmark never rots. It asserts no timing: only that every command (floor,
plugin, peer) ran, was measured and answered as it should, the request
counts, one connection and exactly one TLS handshake per plugin run, the
floor making the plugin's very requests, and the callgrind counts.

Run by tests/run-all.sh (CI) with ECS_BENCH_PLUGIN set to a build without
sanitizers (callgrind cannot run those); otherwise ECS_PLUGIN is measured and
callgrind is skipped if it is sanitized. Without hyperfine, GNU time,
valgrind, curl or node the test is skipped, unless ECS_REQUIRE_BENCH=1 (CI).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
if os.environ.get("ECS_BENCH_PLUGIN"):
    os.environ["ECS_PLUGIN"] = os.environ["ECS_BENCH_PLUGIN"]
import bench  # noqa: E402

out = os.path.join(os.environ.get("ECS_BUILDDIR") or ".", "tests", "tmp")
os.makedirs(out, exist_ok=True)
sys.exit(bench.main(["--quick", "--tap", "--out",
                     os.path.join(out, "bench-quick-results.md")]))
