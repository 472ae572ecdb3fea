#!/usr/bin/env bash
# The TLS-carrying suites against mbedTLS 3.6 (scripts/test.sh runs them
# against Debian's 2.28 in build/ and build-asan/):
#
#   tls_matrix.sh
#
# 1. builds mbedTLS 3.6 (library only, cached) from build/deps into
#    build/mbedtls3 with scripts/build_mbedtls3.sh;
# 2. configures and builds banklink against it with gcc (build-mbedtls3) and
#    with clang + ASan/UBSan (build-mbedtls3-asan);
# 3. runs ctest -L "tls|e2e-tls|lwip" in each.
# Needs build/deps (scripts/fetch_sources.sh build/deps). Exits non-zero on
# the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
deps="$PWD/build/deps"
[ -d "$deps/mbedtls" ] || bash scripts/fetch_sources.sh build/deps
bash scripts/build_mbedtls3.sh "$deps" build/mbedtls3
prefix="$PWD/build/mbedtls3"
jobs=$(nproc 2>/dev/null || echo 2)

suite() {
    local dir=$1; shift
    echo "=== tls_matrix: build $dir (mbedTLS 3.6, $*)"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
        -DBL_DEPS_DIR="$deps" -DBL_BUILD_TOOL=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "=== tls_matrix: test $dir"
    ctest --test-dir "$dir" -L "tls|e2e-tls|lwip" --output-on-failure -j2 --timeout 600
}

suite build-mbedtls3 -DCMAKE_C_COMPILER=gcc
suite build-mbedtls3-asan -DCMAKE_C_COMPILER=clang -DBL_SANITIZE=ON
echo "=== tls_matrix: passed in $(($(date +%s) - start)) s"
