#!/usr/bin/env bash
# Builds shopd (installing what is missing) and runs it on the embedded default:
# SQLite files under ./data, listening on 127.0.0.1:8080. Extra arguments go to shopd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The tests need more than running does (Catch2, Node tools); scripts/test.sh turns them on.
cmake --preset release -DSHOPD_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release --target shopd
exec build/release/shopd "$@"
