#!/usr/bin/env bash
# Installs a build (default build/release) into a temporary prefix and builds and runs every
# example against what was installed, as a user would, not against the build tree:
# examples/embed (C++, find_package), examples/c (C, pkg-config), examples/python (ctypes over
# the C API) and examples/http-fixture (the binary over HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >/dev/null
echo "== examples: embed (C++, find_package)" >&2
cmake -S examples/embed -B "$work/embed" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/embed" >/dev/null
"$work/embed/embed"
echo "== examples: c (pkg-config)" >&2
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cmake -S examples/c -B "$work/c" -G Ninja >/dev/null
cmake --build "$work/c" >/dev/null
"$work/c/shop_in_c"
echo "== examples: python (ctypes)" >&2
(cd examples/python && SHOPD_LIBRARY="$prefix/lib/libshopd.so" python3 test_shop.py)
echo "== examples: http-fixture (the binary)" >&2
python3 examples/http-fixture/test_over_http.py "$prefix/bin/shopd"
