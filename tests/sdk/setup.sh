#!/bin/sh
# Install the pinned official Alibaba Cloud ECS Node.js SDK (and its runtime)
# into tests/sdk/node_modules, exactly as package-lock.json records it, so
# tests/sdk/test_sdk.t can check the simulator against it. Safe to rerun.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
    echo "tests/sdk/setup.sh: npm is not installed (apt-get install npm)" >&2
    exit 1
fi
# Nothing to do when the installed tree already matches the lock file.
if [ -f node_modules/.package-lock.json ] &&
   [ node_modules/.package-lock.json -nt package-lock.json ] &&
   [ -d node_modules/@alicloud/ecs20140526 ]; then
    exit 0
fi
# --ignore-scripts: the only install script in the tree (openapi-core's
# "select-version") just installs TypeScript typings for Node 10/12; the SDK
# runs from its shipped dist/ files without it.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
