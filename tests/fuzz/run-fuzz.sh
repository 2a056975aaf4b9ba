#!/bin/sh
# Build the libFuzzer targets of tests/fuzz/ and run each for a bounded time.
#   tests/fuzz/run-fuzz.sh [SECONDS]     SECONDS per target (default FUZZ_SECONDS, else 30)
# `make fuzz` calls this. Exit status: 0 when every target ran clean, 1 when
# one crashed, leaked, hit undefined behaviour, broke a promise of its
# parser or timed out, 2 when fuzzing is not possible here (no clang with
# libFuzzer, no Jansson).
#
# Environment: FUZZ_CC (the compiler; default: the first of clang, clang-14
# that can link -fsanitize=fuzzer), FUZZ_TARGETS (a subset, e.g. "decode
# options"), ECS_BUILDDIR (a configured build directory, for its config.h;
# without one the script configures a scratch copy), FUZZ_KEEP=1 (keep the
# scratch directory).
#
# The plugin sources are compiled here, with clang, whatever compiler the
# normal build uses: libFuzzer and its coverage instrumentation are clang's.
# The fuzzer works on a scratch copy of each committed corpus, so the run
# never changes tests/fuzz/corpus/.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir="$top/tests/fuzz"
seconds=${1:-${FUZZ_SECONDS:-30}}
targets=${FUZZ_TARGETS:-decode thresholds options profiles}

case "$seconds" in
'' | *[!0-9]* | 0)
	echo "run-fuzz.sh: SECONDS must be a whole number of seconds above 0, not '$seconds'" >&2
	exit 2
	;;
esac

# Only the modules the targets reach, and what they call: no libcurl, no
# OpenSSL, so nothing is fuzzed through a library we did not mean to.
plugin_sources="decode jsonscan jsonmem wipemem credentials profiles util fault status thresholds options"

# Inputs longer than a parser would meet only slow the search down. A
# threshold is at most 47 bytes, so 64 also covers "too long"; response bodies
# of a few instances and credential files are a few KB.
max_len() {
	case "$1" in
	decode) echo 16384 ;;
	thresholds) echo 64 ;;
	options) echo 2048 ;;
	profiles) echo 4096 ;;
	esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ecs-fuzz.XXXXXX")
keep=${FUZZ_KEEP:-0}
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "run-fuzz.sh: scratch directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Which compiler can build and link a libFuzzer target with both sanitizers?
cat >"$work/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }
EOF
cc=
for candidate in ${FUZZ_CC:-clang clang-14}; do
	if "$candidate" -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" \
		>/dev/null 2>&1; then
		cc=$candidate
		break
	fi
done
if [ -z "$cc" ]; then
	echo "run-fuzz.sh: cannot fuzz: no compiler here builds with -fsanitize=fuzzer" \
		"(tried: ${FUZZ_CC:-clang clang-14})." >&2
	echo "run-fuzz.sh: install clang-14 and libclang-rt-14-dev (packaging/install-deps.sh --test)," \
		"or set FUZZ_CC to a clang that has libFuzzer." >&2
	exit 2
fi
if ! jansson_cflags=$(pkg-config --cflags jansson) || ! jansson_libs=$(pkg-config --libs jansson); then
	echo "run-fuzz.sh: cannot fuzz: pkg-config does not know Jansson (libjansson-dev)" >&2
	exit 2
fi

# config.h: the build's own, else one from a scratch configure.
confdir=
for dir in "${ECS_BUILDDIR:-}" "$top" "$top/build-test"; do
	if [ -n "$dir" ] && [ -f "$dir/config.h" ]; then
		confdir=$dir
		break
	fi
done
if [ -z "$confdir" ]; then
	if [ ! -x "$top/configure" ]; then
		echo "run-fuzz.sh: no config.h and no configure script: run ./autogen.sh first" >&2
		exit 2
	fi
	mkdir "$work/configured"
	(cd "$work/configured" && "$top/configure" --quiet >"$work/configure.log" 2>&1) || {
		echo "run-fuzz.sh: configure failed; see $work/configure.log" >&2
		keep=1
		exit 2
	}
	confdir=$work/configured
fi

# The project's warnings (configure.ac's list), as errors: the style wants
# the code warning-free under clang as well as gcc.
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
	-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wvla
	-Wpointer-arith -Wimplicit-fallthrough -Wundef -Wcast-align -Wwrite-strings -Werror
	-I$confdir -I$top/plugin -I$fuzzdir $jansson_cflags"

echo "run-fuzz.sh: building with $cc ($("$cc" --version | sed -n 1p))"
mkdir "$work/obj"
objects=
for src in $plugin_sources; do
	# shellcheck disable=SC2086 # flag lists are meant to split
	"$cc" $cflags -fsanitize=fuzzer-no-link,address,undefined \
		-c "$top/plugin/$src.c" -o "$work/obj/$src.o"
	objects="$objects $work/obj/$src.o"
done
for t in $targets; do
	if [ ! -f "$fuzzdir/fuzz_$t.c" ]; then
		echo "run-fuzz.sh: no target '$t' (tests/fuzz/fuzz_$t.c)" >&2
		exit 2
	fi
	# shellcheck disable=SC2086
	"$cc" $cflags -fsanitize=fuzzer,address,undefined -DFUZZ_TARGET="fuzz_$t" \
		"$fuzzdir/fuzz_main.c" "$fuzzdir/fuzz_$t.c" $objects $jansson_libs -lm \
		-o "$work/fuzz_$t"
done

# halt_on_error: the first report ends the run and names the input.
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS

failed=0
mkdir "$work/artifacts" "$work/corpus"
for t in $targets; do
	cp -R "$fuzzdir/corpus/$t" "$work/corpus/$t"
	seeds=$(find "$work/corpus/$t" -type f | wc -l)
	log="$work/fuzz_$t.log"
	set -- -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-"
	# A target's dictionary, if it has one (tests/fuzz/TARGET.dict).
	if [ -f "$fuzzdir/$t.dict" ]; then
		set -- "$@" -dict="$fuzzdir/$t.dict"
	fi
	started=$(date +%s)
	rc=0
	# -timeout: one input taking 10 s is a hang (they take microseconds).
	# The outer timeout only guards against a fuzzer that does not stop.
	timeout $((seconds * 2 + 120)) "$work/fuzz_$t" "$@" "$work/corpus/$t" >"$log" 2>&1 || rc=$?
	elapsed=$(($(date +%s) - started))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log")
	found=$(find "$work/artifacts" -name "$t-*" ! -name "$t-slow-unit-*" | sed 's,.*/,,')
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		failed=1
		echo "fuzz_$t: FAILED after ${elapsed} s (exit $rc): ${found:-no input saved}"
		grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z]+: ' "$log" | head -n 20 | sed 's/^/    /'
	else
		echo "fuzz_$t: ${runs:-?} runs in ${elapsed} s from $seeds seeds (coverage ${cov:-?} edges): no crash, leak, UB or timeout"
	fi
done

if [ "$failed" -ne 0 ]; then
	keep=1
	echo "run-fuzz.sh: FAILED. Inputs: $work/artifacts/; logs: $work/fuzz_*.log." >&2
	echo "run-fuzz.sh: replay one with $work/fuzz_TARGET FILE; after the fix, add it under tests/fuzz/regressions/TARGET/." >&2
	exit 1
fi
echo "run-fuzz.sh: all targets clean ($seconds s each)"
