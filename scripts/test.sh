#!/usr/bin/env bash
# The whole test suite: install dependencies, build, run every CTest suite
# (unit, end-to-end, conformance, TLS, lwIP, boards, target, size, install)
# with gcc, then again with ASan + UBSan under clang; the TLS-carrying suites
# again against mbedTLS 3.6 (gcc and ASan); then static analysis, coverage
# (98 % lines / 95 % branches enforced), the compiler/optimisation/32-bit
# matrix, and every fuzz target for a bounded time (FUZZ_SECONDS, default
# 30 s each). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# lwIP 2.2.1 and mbedTLS 3.6 sources (Debian source packages) for the
# NO_SYS lwIP tests and the Cortex-M4 network firmware; cached in build/.
bash scripts/fetch_sources.sh build/deps
deps="-DBL_DEPS_DIR=$PWD/build/deps"

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {
  local dir=$1; shift
  echo "=== build $dir ($*)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "=== test $dir"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 600
}

run_suite build -DCMAKE_C_COMPILER=gcc "$deps"
run_suite build-asan -DCMAKE_C_COMPILER=clang -DBL_SANITIZE=ON "$deps"

echo "=== TLS suites against mbedTLS 3.6 (built from Debian's source package)"
bash scripts/tls_matrix.sh
echo "=== static analysis"
bash scripts/static_analysis.sh
echo "=== coverage"
bash scripts/coverage.sh
echo "=== compiler matrix"
bash scripts/matrix.sh
echo "=== fuzzing"
FUZZ_JOBS=${FUZZ_JOBS:-2} bash scripts/fuzz.sh
echo "=== all suites passed"
