#!/bin/sh
# Install what check_ecs_invocation needs on Debian 12, from Debian's own packages.
#   packaging/install-deps.sh            build dependencies (compiler, autotools, libraries)
#   packaging/install-deps.sh --test     the above plus what the test suite uses (--engines, --bench too)
#   packaging/install-deps.sh --engines  Nagios 4 and Icinga 2 for make check-engines
#   packaging/install-deps.sh --bench    hyperfine, GNU time, valgrind and npm for make bench
# Run as root or through sudo. Safe to run again: apt skips what is already there.
set -eu

want_tests=no
want_engines=no
want_bench=no
for arg in "$@"; do
	case "$arg" in
	--test) want_tests=yes want_engines=yes want_bench=yes ;;
	--engines) want_engines=yes ;;
	--bench) want_bench=yes ;;
	-h | --help)
		sed -n '2,7s/^# \{0,1\}//p' "$0"
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
# official SDK used to prove the simulator against the real client. make fuzz needs clang with
# libFuzzer: clang-14 only recommends libclang-rt-14-dev, which holds libFuzzer
# and clang's sanitizer runtimes, and recommends are not installed here.
if [ "$want_tests" = yes ]; then
	packages="$packages perl valgrind clang-tidy cppcheck"
	# make fuzz: clang and its libFuzzer runtime (libclang-rt, which clang only
	# recommends).
	packages="$packages clang-14 libclang-rt-14-dev"
	# The packaging tests (tests/packaging/): debhelper brings dpkg-dev
	# (dpkg-buildpackage) and dh; lintian checks the .deb; rpm has rpmbuild and
	# rpm -qlp; man-db's man finds and renders the man page (it brings
	# groff-base, whose groff the man page test also runs). No fakeroot: the
	# package declares Rules-Requires-Root: no.
	packages="$packages debhelper lintian rpm man-db"
	# A machine may already have Node.js from elsewhere (with its own npm); only
	# add Debian's when there is none, so the two never fight over /usr/bin/npm.
	if ! command -v npm >/dev/null 2>&1; then
		packages="$packages nodejs npm"
	fi
fi

# What make bench measures with (run-all.sh runs its quick mode): hyperfine for
# wall and CPU time, GNU time's /usr/bin/time -v for peak RSS, valgrind's
# callgrind for an instruction count, curl for the floor it compares against,
# npm to install the official Node.js SDK the peer check is written with.
if [ "$want_bench" = yes ]; then
	packages="$packages hyperfine time valgrind curl"
	if ! command -v npm >/dev/null 2>&1; then
		packages="$packages nodejs npm"
	fi
fi

# The monitoring cores that tests/engines runs in private instances (make
# check-engines, part of the suite): the daemons only, nagios4-core rather
# than the nagios4 package, whose web interface brings Apache and PHP. The
# system services they (and exim4, the mailer nagios4-common needs) come with
# are of no use to the tests and must not run: those this run installs are
# kept from starting (policy-rc.d, which both invoke-rc.d and systemd's
# deb-systemd-invoke obey) and then disabled. Services already installed
# before are the machine owner's and stay as they are.
fresh_services=""
if [ "$want_engines" = yes ]; then
	packages="$packages nagios4-core icinga2"
	for pkg_service in nagios4-common:nagios4 icinga2-bin:icinga2 exim4-base:exim4; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' "${pkg_service%%:*}" 2>/dev/null)" != installed ]; then
			fresh_services="$fresh_services ${pkg_service#*:}"
		fi
	done
fi
policy=/usr/sbin/policy-rc.d
if [ -n "$fresh_services" ] && [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# install-deps.sh: start no service while it installs\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
# Fresh machines and containers ship without package lists.
apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into words
apt-get install -y -qq --no-install-recommends $packages >/dev/null

for service in $fresh_services; do
	if [ -d /run/systemd/system ]; then
		systemctl disable --now --quiet "$service" 2>/dev/null || true
	else
		# No systemd (a container): nothing started, keep it so at boot.
		update-rc.d "$service" disable >/dev/null 2>&1 || true
	fi
done
[ -z "$fresh_services" ] || echo "install-deps.sh: disabled the new services:$fresh_services"
echo "install-deps.sh: dependencies installed"
