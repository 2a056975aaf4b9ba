#!/bin/sh
# Build the RPM package of this tree with rpmbuild.
#   packaging/build-rpm.sh [--nodeps] [-t TARBALL] [OUTDIR]
# Makes the release tarball (packaging/make-dist.sh; -t uses a given one)
# and runs rpmbuild -bb on packaging/rpm/check_ecs_invocation.spec from it in
# a temporary _topdir, %check (make check) included. OUTDIR (default: the
# current directory) receives the binary RPMs; the last line printed is the
# path of the main one. --nodeps is passed to rpmbuild: on Debian (package
# rpm) the RPM database is empty, so the spec's BuildRequires, which name
# Fedora's packages, cannot be checked; tests/packaging/test_rpm.t uses it.
set -eu

usage() {
	sed -n '3s/^# *\(.*\)/usage: \1/p' "$0" >&2
	exit 2
}
tarball=
nodeps=
while [ $# -gt 0 ]; do
	case "$1" in
	--nodeps) nodeps=--nodeps; shift ;;
	-t) [ $# -ge 2 ] || usage; tarball=$2; shift 2 ;;
	-h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -le 1 ] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-.}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if ! command -v rpmbuild >/dev/null 2>&1; then
	echo "build-rpm.sh: rpmbuild is missing (packaging/install-deps.sh --test installs rpm)" >&2
	exit 1
fi

# A short path on purpose (and _builddir $work/b below): the package's make
# check puts the tests' files under the build directory, and with -vv the
# plugin shows at most 100 characters of a credentials file's path, which
# test_credentials.t reads.
work=$(mktemp -d "${TMPDIR:-/tmp}/rpm.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -z "$tarball" ]; then
	tarball=$("$top/packaging/make-dist.sh" "$work")
fi
base=$(basename "$tarball" .tar.gz) # check_ecs_invocation-VERSION
version=${base##*-}
mkdir -p "$work/SOURCES" "$work/SPECS" "$work/b" "$work/RPMS" "$work/SRPMS"
cp "$tarball" "$work/SOURCES/"
spec=$work/SPECS/check_ecs_invocation.spec
tar -xzOf "$tarball" "$base/packaging/rpm/check_ecs_invocation.spec" >"$spec"

spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
if [ "$spec_version" != "$version" ]; then
	echo "build-rpm.sh: the spec is at version $spec_version but the tarball is $version" >&2
	exit 1
fi

# The test suite's settings (ECS_REQUIRE_SDK and the like) are for the
# developer's build, not for the package's make check.
for var in $(env | sed -n 's/^\(ECS_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$var"
done
# shellcheck disable=SC2086 # $nodeps is empty or one word
rpmbuild -bb $nodeps --define "_topdir $work" --define "_builddir $work/b" "$spec"

find "$work/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
name=$(rpm -q --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm\n' --specfile "$spec" | head -n 1)
ls "$out/$name"
