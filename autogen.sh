#!/bin/sh
# Bootstrap the build system from a git checkout (release tarballs ship configure).
set -e
cd "$(dirname "$0")"
exec autoreconf --force --install --verbose >/dev/null
