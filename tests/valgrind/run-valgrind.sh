#!/bin/sh
# The test suite under valgrind's memcheck (issue 5): every unit test
# program, and every run of the plugin by the functional tests, which start
# the simulator and run the plugin against it. Any memcheck report fails the
# run: invalid reads and writes, uninitialised values, and definite,
# indirect and possible leaks.
#
#   tests/valgrind/run-valgrind.sh [--quick] [--builddir DIR] [SCRIPT.t ...]
#
#   --quick         the unit tests, the fault matrix (test_faults.t) and the
#                   scenarios (test_scenarios.t) only: every way a check
#                   ends, in the time CI can afford
#   --builddir DIR  use this build, which must be configured without
#                   --enable-sanitizers (valgrind and AddressSanitizer do not
#                   mix); by default the script configures and builds one in
#                   build-valgrind/
#   SCRIPT.t ...    these functional tests (after the unit tests) instead
#
# make check-valgrind and make check-valgrind-quick call this. Each program
# run writes its own log to BUILD/tests/tmp/valgrind/; the summary at the
# end counts them. ECS_VALGRIND_SLACK widens the tests' timing allowances
# further on a slow machine (tests/lib/ecstest.py).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
quick=no
build=
scripts=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=yes ;;
	--builddir)
		[ $# -ge 2 ] || { echo "run-valgrind.sh: --builddir needs a directory" >&2; exit 2; }
		build=$(cd "$2" && pwd)
		shift
		;;
	-h | --help)
		sed -n '2,24s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*)
		echo "run-valgrind.sh: unknown argument '$1' (try --help)" >&2
		exit 2
		;;
	*) scripts="$scripts $(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
	esac
	shift
done

VALGRIND=${VALGRIND:-valgrind}
if ! command -v "$VALGRIND" >/dev/null 2>&1; then
	echo "run-valgrind.sh: $VALGRIND not found (packaging/install-deps.sh --test installs it)" >&2
	exit 1
fi

if [ -z "$build" ]; then
	build=$top/build-valgrind
	if [ -f "$top/config.status" ]; then
		echo "run-valgrind.sh: the source tree is configured in place, so it cannot have a" >&2
		echo "separate build: run 'make check-valgrind' there, or 'make distclean' first" >&2
		exit 1
	fi
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh)
	mkdir -p "$build"
	cd "$build"
	# -O1 as the sanitizer build; without sanitizers, with the hardening.
	[ -f config.status ] || "$top/configure" --quiet --enable-werror CFLAGS="-g -O1"
	make -j2 >/dev/null
	make -j2 check TESTS= >/dev/null # builds the unit test programs without running them
fi
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$build/Makefile"; then
	echo "run-valgrind.sh: $build is built with sanitizers; valgrind needs a build without" >&2
	exit 1
fi

logs=$build/tests/tmp/valgrind
rm -rf "$logs"
mkdir -p "$logs"

ECS_PLUGIN="$build/check_ecs_invocation"
ECS_SRCDIR="$top"
ECS_BUILDDIR="$build"
ECS_VALGRIND=1
ECS_VALGRIND_LOGDIR="$logs"
PYTHONDONTWRITEBYTECODE=1
export ECS_PLUGIN ECS_SRCDIR ECS_BUILDDIR ECS_VALGRIND ECS_VALGRIND_LOGDIR VALGRIND \
	PYTHONDONTWRITEBYTECODE

# The unit tests are programs: prove runs each under memcheck, with the same
# options as the plugin runs (tests/lib/ecstest.py has them). prove splits
# the command at spaces, and memcheck replaces %p with the process id.
vg_unit=$(cd "$top/tests/lib" && python3 -c '
import sys, ecstest
print(" ".join(ecstest.valgrind_command(sys.argv[1]) + ["--error-exitcode=99"]))
' "$logs/unit-%p.log")

set --
for t in "$build"/tests/unit/test_*; do
	case "$t" in *.o) continue ;; esac
	[ -x "$t" ] && set -- "$@" "$t"
done
if [ -n "$scripts" ]; then
	mode=chosen
elif [ "$quick" = yes ]; then
	mode=quick
	scripts="$top/tests/functional/test_faults.t $top/tests/functional/test_scenarios.t"
else
	mode=full
	scripts=$(ls "$top"/tests/functional/*.t)
fi

# --failures --comments: a failed assertion shows with its diagnostics, and
# so does the name of a memcheck log with a report in it.
start=$(date +%s)
status=0
prove -j2 --timer --failures --comments --exec "$vg_unit" "$@" || status=1
# shellcheck disable=SC2086 # the list is meant to split into words
prove -j2 --timer --failures --comments $scripts || status=1
end=$(date +%s)

# Every log: the unit programs' (unit-PID.log) and one per plugin run.
runs=0
bad=0
for log in "$logs"/*.log; do
	[ -f "$log" ] || continue
	runs=$((runs + 1))
	if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
		bad=$((bad + 1))
		echo "valgrind report: $log"
		# The first few reports in full (not the banner), then only where.
		[ "$bad" -gt 3 ] || sed -e '1,/^==[0-9]*== Parent PID/d' "$log" | head -60
	fi
done
[ "$bad" -eq 0 ] || status=1
echo "valgrind ($mode): $runs programs run under memcheck, $bad with a report, in $((end - start)) s; logs in $logs"
if [ "$status" -eq 0 ]; then
	echo "Result: PASS"
else
	echo "Result: FAIL"
fi
exit "$status"
