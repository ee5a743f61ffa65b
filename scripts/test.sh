#!/usr/bin/env bash
# Builds shopd and runs every test: the release build and the examples against its installed
# package, then the same suite under AddressSanitizer and UndefinedBehaviorSanitizer, then
# each libFuzzer target for SHOPD_FUZZ_SECONDS (default 60). Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

for preset in release asan; do
  echo "== $preset: build" >&2
  cmake --preset "$preset" -DSHOPD_BUILD_TESTS=ON >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test" >&2
  ctest --preset "$preset"
  if [[ "$preset" == release ]]; then
    scripts/examples.sh build/release
  fi
done

echo "== fuzz: build" >&2
cmake --preset fuzz -DSHOPD_FUZZ_SECONDS="${SHOPD_FUZZ_SECONDS:-60}" >/dev/null
cmake --build --preset fuzz
echo "== fuzz: run" >&2
ctest --preset fuzz
