#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls this) and as the README
# tells a new user to run it on a fresh Debian 12 machine:
#   1. install what the tests need (Debian packages, the pinned Node.js SDK);
#   2. build with -Werror, AddressSanitizer and UndefinedBehaviorSanitizer;
#   3. run every test (unit, simulator, functional, SDK conformance, man
#      page, and the plugin under a real Nagios 4 and Icinga 2) with prove,
#      which prints the summary; then, alone, the allocation-failure test and
#      make bench's quick mode (against a second build without sanitizers);
#   4. the libFuzzer targets for 10 s each (tests/fuzz/run-fuzz.sh), then
#      clang-tidy and cppcheck, then the unit tests, the fault matrix and
#      every scenario under valgrind (tests/valgrind/run-valgrind.sh);
#   5. then, on their own so that their builds do not slow the timing-
#      sensitive tests down, the packaging tests: build the .deb (lint,
#      install, run, purge it) and the RPM from the make dist tarball;
#   6. one last line that sums it all up ("N passed, 0 failed ...").
# Any sanitizer report goes to the plugin's stderr, and the functional tests
# fail on any stderr output, so a clean run means zero reports.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${ECS_SKIP_DEPS:-}" != 1 ]; then
	packaging/install-deps.sh --test
	sh tests/sdk/setup.sh
fi

build=${ECS_TEST_BUILDDIR:-$top/build-test}
# automake refuses a build directory while the source tree itself is
# configured (as after the README's first command): clean that build away.
if [ -f "$top/config.status" ]; then
	echo "run-all.sh: the source tree was configured in place; 'make distclean' there first"
	make -s distclean >/dev/null
fi
./autogen.sh
mkdir -p "$build"
cd "$build"
"$top/configure" --quiet --enable-werror --enable-sanitizers CFLAGS="-g -O1"
make -j2 >/dev/null
make -j2 check TESTS= >/dev/null # builds the unit test programs without running them

# The benchmark's quick mode (tests/bench/test_bench.t) measures a plain
# build, as users get it: callgrind cannot run a sanitized one.
bench_build=${ECS_BENCH_BUILDDIR:-$top/build-bench}
mkdir -p "$bench_build"
(cd "$bench_build" && "$top/configure" --quiet --enable-werror &&
	make -j2 check_ecs_invocation >/dev/null)

ECS_PLUGIN="$build/check_ecs_invocation"
ECS_SRCDIR="$top"
ECS_BUILDDIR="$build"
ECS_REQUIRE_SDK=1
ECS_REQUIRE_ENGINES=1 # tests/engines: fail, not skip, without nagios4 and icinga2
ECS_REQUIRE_PACKAGING=1 # tests/packaging: fail, not skip, without the packaging tools
ECS_BENCH_PLUGIN="$bench_build/check_ecs_invocation"
ECS_REQUIRE_BENCH=1 # tests/bench: fail, not skip, without hyperfine, GNU time, valgrind
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
PYTHONDONTWRITEBYTECODE=1
export ECS_PLUGIN ECS_SRCDIR ECS_BUILDDIR ECS_REQUIRE_SDK ECS_REQUIRE_ENGINES ECS_REQUIRE_PACKAGING \
	ASAN_OPTIONS UBSAN_OPTIONS PYTHONDONTWRITEBYTECODE ECS_BENCH_PLUGIN ECS_REQUIRE_BENCH

# Each prove run's output is kept, so that the last line of the whole run can
# sum them up (prove's own summary of the main run scrolls away behind the
# fuzzing, static analysis, valgrind and packaging output).
summary_dir=$(mktemp -d "${TMPDIR:-/tmp}/ecs-run-all.XXXXXX")
trap 'rm -rf "$summary_dir"' EXIT
proved() {
	name=$1
	shift
	{
		rc=0
		"$@" || rc=$?
		echo "$rc" >"$summary_dir/$name.rc"
	} | tee "$summary_dir/$name.log"
	rc=$(cat "$summary_dir/$name.rc")
	if [ "$rc" -ne 0 ]; then
		echo "run-all.sh: FAILED in $name (exit $rc)"
		exit "$rc"
	fi
}

# Unit tests are programs; the rest are Python scripts (prove reads the #! line).
set --
for t in "$build"/tests/unit/test_*; do
	case "$t" in *.o) continue ;; esac
	[ -x "$t" ] && set -- "$@" "$t"
done
# The allocation-failure and bench tests match no --rules pattern, so they run
# last and alone: their thousands of plugin runs would slow the tests that time things.
proved main prove -j2 --timer --rules='par=**/tests/{unit,sim,functional,sdk,engines,packaging}/*' "$@" \
	"$top"/tests/sim/test_sim.t "$top"/tests/functional/*.t "$top"/tests/sdk/test_sdk.t \
	"$top"/tests/packaging/test_manpage.t "$top"/tests/engines/test_engines.t \
	"$top"/tests/chaos/test_chaos.t "$top"/tests/bench/test_bench.t
# The fuzz targets, briefly (make fuzz runs them longer): each must build
# with clang and libFuzzer and stay clean for ECS_FUZZ_SECONDS.
proved fuzz sh "$top"/tests/fuzz/run-fuzz.sh "${ECS_FUZZ_SECONDS:-10}"
# Static analysis: any clang-tidy or cppcheck finding fails.
make -s -C "$build" clang-tidy cppcheck
# The unit tests, the fault matrix and every scenario again (--quick), each
# program under valgrind's memcheck, on a build of its own without
# sanitizers (build-valgrind/: valgrind and the sanitizers do not mix):
# every way a check ends, leaks included. make check-valgrind runs all the
# tests so.
proved valgrind sh "$top"/tests/valgrind/run-valgrind.sh --quick
# Each builds the package with the distribution's flags (not the sanitizers
# above) and runs its make check; the .deb test installs and purges the
# package (as root).
proved packaging prove --timer "$top"/tests/packaging/test_deb.t "$top"/tests/packaging/test_rpm.t

# One line for the whole run: every prove run's tests (a failed one has
# stopped the script already) and what else was checked.
tests=0
files=0
runs=0
for line in $(cat "$summary_dir"/main.log "$summary_dir"/valgrind.log "$summary_dir"/packaging.log |
	sed -n -E 's/^Files=([0-9]+), Tests=([0-9]+),.*/\1:\2/p'); do
	files=$((files + ${line%%:*}))
	tests=$((tests + ${line##*:}))
	runs=$((runs + 1))
done
echo "run-all.sh: $tests passed, 0 failed ($files test files in $runs prove runs:" \
	"the suite, the valgrind pass, the packages); fuzzing, clang-tidy and cppcheck clean;" \
	"$(grep -E '^valgrind \(' "$summary_dir/valgrind.log" | sed -E 's/;.*//')"
