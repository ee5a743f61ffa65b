#!/usr/bin/env bash
# Installs what shopd needs on Debian 12: the packages to build it and the npm packages of
# package.json (the /docs viewer). With --test, also what the tests and benchmarks need: Catch2,
# promtool, clang 14 with libFuzzer for the fuzz targets, Google Benchmark, kcat (an independent
# Kafka client that reads back what the relay produced), Chromium for the browser tests, and the
# npm test tools (the OpenAPI linter and validator, playwright-core and axe-core).
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(
  g++ cmake ninja-build ccache pkg-config python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libsqlitecpp-dev libfmt-dev libspdlog-dev
  libcli11-dev libtomlplusplus-dev libssl-dev librdkafka-dev libjemalloc-dev libjwt-dev
  nodejs npm
)
test_packages=(catch2 prometheus curl openssl iproute2 clang-format clang-14 libclang-rt-14-dev
  libbenchmark-dev kcat chromium)

testing=false
[[ "${1:-}" == "--test" ]] && testing=true
wanted=("${build_packages[@]}")
$testing && wanted+=("${test_packages[@]}")

missing=()
for package in "${wanted[@]}"; do
  # A package is present when dpkg has it, or (for nodejs and npm) when the command exists.
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && continue
  [[ "$package" == nodejs || "$package" == npm ]] && command -v "${package/nodejs/node}" >/dev/null && continue
  missing+=("$package")
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing packages and not root; run as root or install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages, exactly as package-lock.json pins them; done again only when the lock file
# or the wanted set changed.
if [[ -f package-lock.json ]]; then
  npm_flags=(--ignore-scripts --no-audit --no-fund)
  $testing || npm_flags+=(--omit=dev)
  stamp=node_modules/.shopd-installed
  wanted_stamp="$(sha256sum package-lock.json | cut -d' ' -f1) ${npm_flags[*]}"
  installed_stamp=$(cat "$stamp" 2>/dev/null || true)
  # A full install serves a run too.
  if [[ "$installed_stamp" != "$wanted_stamp" && "$installed_stamp" != "${wanted_stamp% --omit=dev}" ]]; then
    echo "installing npm packages (npm ci ${npm_flags[*]})" >&2
    npm ci "${npm_flags[@]}" --loglevel=error
    echo "$wanted_stamp" >"$stamp"
  fi
fi
