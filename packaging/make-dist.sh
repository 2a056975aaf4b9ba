#!/bin/sh
# Make the release tarball of this tree (make dist) in DIR and print its path.
#   packaging/make-dist.sh DIR
# Used by build-deb.sh and build-rpm.sh, so that the packages are built from
# exactly what a release ships (EXTRA_DIST), working-tree changes included.
# Configures a scratch build directory for it, unless the tree is configured
# in place (./configure in the source directory), where make dist runs there.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: packaging/make-dist.sh DIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)

[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh)
if [ -f "$top/config.status" ]; then
	build=$top
else
	build=$(mktemp -d "$dir/dist-build.XXXXXX")
	trap 'rm -rf "$build"' EXIT
	(cd "$build" && "$top/configure" --quiet >/dev/null)
fi
# The name make dist gives the tarball: PACKAGE-VERSION.tar.gz.
name=$(sed -n "s/^PACKAGE_TARNAME = //p" "$build/Makefile")-$(sed -n "s/^PACKAGE_VERSION = //p" "$build/Makefile")
rm -f "$build/$name.tar.gz"
make -s -C "$build" dist >/dev/null
mv "$build/$name.tar.gz" "$dir/$name.tar.gz"
echo "$dir/$name.tar.gz"
