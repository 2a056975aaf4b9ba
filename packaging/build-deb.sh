#!/bin/sh
# Build the Debian package of this tree and check it with lintian.
#   packaging/build-deb.sh [-t TARBALL] [OUTDIR]
# Makes the release tarball (packaging/make-dist.sh; -t uses a given one),
# unpacks it in a temporary directory as check-ecs-invocation-VERSION with
# packaging/debian as debian/ (dpkg-buildpackage wants it at the top), runs
# dpkg-buildpackage -us -uc -b with the distribution's build flags, then
# lintian on the result. OUTDIR (default: the current directory) receives
# the .deb, .buildinfo and .changes files and lintian.txt; the last line
# printed is the path of the .deb. Fails when the build fails or lintian
# reports an error. Needs dpkg-dev, debhelper and lintian
# (packaging/install-deps.sh --test); root is not needed.
set -eu

usage() {
	sed -n '3s/^# *\(.*\)/usage: \1/p' "$0" >&2
	exit 2
}
tarball=
while [ $# -gt 0 ]; do
	case "$1" in
	-t) [ $# -ge 2 ] || usage; tarball=$2; shift 2 ;;
	-h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-.}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in dpkg-buildpackage dh lintian; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build-deb.sh: $tool is missing (packaging/install-deps.sh --test installs it)" >&2
		exit 1
	fi
done

# A short path on purpose: the package's make check puts the tests' files
# under the build directory, and with -vv the plugin shows at most 100
# characters of a credentials file's path, which test_credentials.t reads.
work=$(mktemp -d "${TMPDIR:-/tmp}/deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$tarball" ]; then
	tarball=$("$top/packaging/make-dist.sh" "$work")
fi
base=$(basename "$tarball" .tar.gz) # check_ecs_invocation-VERSION
version=${base##*-}
tar -xzf "$tarball" -C "$work"
src=$work/check-ecs-invocation-$version
mv "$work/$base" "$src"
cp -R "$src/packaging/debian" "$src/debian"

# The Debian version is VERSION-REVISION: the changelog must name this release.
deb_version=$(cd "$src" && dpkg-parsechangelog -S Version)
if [ "${deb_version%-*}" != "$version" ]; then
	echo "build-deb.sh: packaging/debian/changelog is at $deb_version but the tarball is $version;" \
		"add an entry for $version-1" >&2
	exit 1
fi
# Not needed for a binary build, but it lets dpkg-buildpackage build the
# source package too when the directory is kept for that.
cp "$tarball" "$work/check-ecs-invocation_$version.orig.tar.gz"

# The test suite's settings (ECS_REQUIRE_SDK and the like) are for the
# developer's build, not for the package's make check.
for var in $(env | sed -n 's/^\(ECS_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$var"
done
(cd "$src" && dpkg-buildpackage -us -uc -b -jauto)

changes=$(ls "$work"/check-ecs-invocation_"$deb_version"_*.changes)
status=0
lintian --display-info --fail-on error "$changes" >"$work/lintian.txt" 2>&1 || status=$?
cat "$work/lintian.txt"
for f in "$changes" "$work"/*.deb "$work"/*.buildinfo "$work/lintian.txt"; do
	cp "$f" "$out/"
done
if [ "$status" -ne 0 ]; then
	echo "build-deb.sh: lintian reports errors (exit $status), see $out/lintian.txt" >&2
	exit 1
fi
ls "$out"/check-ecs-invocation_"$deb_version"_*.deb
