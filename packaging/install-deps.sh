#!/bin/sh
# Install what check_ecs_invocation needs on Debian 12, from Debian's own packages.
#   packaging/install-deps.sh          build dependencies (compiler, autotools, libraries)
#   packaging/install-deps.sh --test   the above plus what the test suite uses
# Run as root or through sudo. Safe to run again: apt skips what is already there.
set -eu

want_tests=no
for arg in "$@"; do
	case "$arg" in
	--test) want_tests=yes ;;
	-h | --help)
		sed -n '2,5s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "install-deps.sh: unknown argument '$arg' (try --help)" >&2
		exit 2
		;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -- "$0" "$@"
	fi
	echo "install-deps.sh: run me as root (or install sudo)" >&2
	exit 1
fi

# What building needs. pkg-config finds the three libraries for configure.
packages="build-essential autoconf automake pkg-config
	libcurl4-openssl-dev libjansson-dev libssl-dev
	python3 openssl ca-certificates"

# What the tests need: prove (perl) runs them, the simulator is Python 3's standard
# library, valgrind is the second memory checker (make check-valgrind), clang-tidy
# and cppcheck the static analysers (make clang-tidy, make cppcheck), npm installs the
# official SDK used to prove the simulator against the real client.
if [ "$want_tests" = yes ]; then
	packages="$packages perl valgrind clang-tidy cppcheck"
	# A machine may already have Node.js from elsewhere (with its own npm); only
	# add Debian's when there is none, so the two never fight over /usr/bin/npm.
	if ! command -v npm >/dev/null 2>&1; then
		packages="$packages nodejs npm"
	fi
fi

export DEBIAN_FRONTEND=noninteractive
# Fresh machines and containers ship without package lists.
apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into words
apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "install-deps.sh: dependencies installed"
