#!/usr/bin/env bash
# Builds and runs boards/posix/examples (the link keeper and its unit tests)
# the way a user's project does, against the INSTALLED package:
#   * installs the build into a temporary prefix;
#   * CMake: find_package(banklink COMPONENTS testkit), the cmocka test (C99)
#     and the GoogleTest test (C++14), run through ctest;
#   * pkg-config: the cmocka test from `pkg-config --cflags --libs
#     banklink-testkit cmocka` alone (the examples' Makefile), with the
#     build's compiler and with clang (or gcc) too.
# Warnings are errors everywhere. Nothing is written into the source tree.
# Usage: check_examples.sh BUILD_DIR SOURCE_DIR [C_COMPILER [DEP_PREFIXES]]
# The C++ compiler is CXX, else the C compiler's sibling (gcc -> g++,
# clang -> clang++, cc -> c++).
set -euo pipefail
build=$1
src=$2
cc=${3:-cc}
deps=${4:-}
examples=$src/boards/posix/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
start=$(date +%s)

if [ -z "${CXX:-}" ]; then
  case "$(basename "$cc")" in
    *clang*) CXX=${cc/clang/clang++} ;;
    *gcc*) CXX=${cc/gcc/g++} ;;
    *) CXX=c++ ;;
  esac
fi
command -v "$CXX" > /dev/null || fail "no C++ compiler $CXX (scripts/setup.sh installs g++)"

cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
prefix=$tmp/prefix
[ -f "$(find "$prefix" -name bl_testkit_fixtures.h | head -1)" ] || fail "bl_testkit_fixtures.h not installed"

# --- find_package: both test programs, run by ctest.
cmake -S "$examples" -B "$tmp/cmake" -DCMAKE_BUILD_TYPE=Debug -DLK_WERROR=ON \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$CXX" \
      -DCMAKE_PREFIX_PATH="$prefix${deps:+;$deps}" > "$tmp/cmake.log" 2>&1 \
  || { cat "$tmp/cmake.log"; fail "examples: configure (find_package banklink testkit, GTest, cmocka)"; }
cmake --build "$tmp/cmake" -j2 > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "examples: build"; }
ctest --test-dir "$tmp/cmake" --output-on-failure --no-tests=error > "$tmp/ctest.log" 2>&1 \
  || { cat "$tmp/ctest.log"; fail "examples: tests (find_package build)"; }
grep -q "100% tests passed, 0 tests failed out of 3" "$tmp/ctest.log" \
  || { cat "$tmp/ctest.log"; fail "examples: expected the cmocka, the README and the GoogleTest programs"; }
# Each program ran its cases (a program that ran none would pass too).
cmocka_cases=$("$tmp/cmake/test_link_keeper_cmocka" 2>&1 | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p')
gtest_cases=$("$tmp/cmake/test_link_keeper_gtest" | sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\./\1/p')
[ "${cmocka_cases:-0}" -gt 0 ] && [ "${gtest_cases:-0}" -gt 0 ] \
  || fail "examples: cases run: cmocka ${cmocka_cases:-none}, GoogleTest ${gtest_cases:-none}"

# --- pkg-config alone (the Makefile), with the build's compiler and another.
pc=$(dirname "$(find "$prefix" -name banklink-testkit.pc | head -1)")
[ -f "$pc/banklink-testkit.pc" ] || fail "no banklink-testkit.pc installed"
export PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
compilers=$cc
case "$(basename "$cc")" in
  *clang*) other=gcc ;;
  *) other=clang ;;
esac
command -v "$other" > /dev/null && compilers="$compilers $other"
for c in $compilers; do
  out=$tmp/pc-$(basename "$c")
  make -s -C "$examples" OUT="$out" CC="$c" WERROR=1 check > "$out.log" 2>&1 \
    || { cat "$out.log"; fail "examples: pkg-config build or tests with $c"; }
done
echo "examples: find_package(banklink COMPONENTS testkit) -> cmocka ($cmocka_cases cases) and GoogleTest" \
     "($gtest_cases cases) passed; pkg-config banklink-testkit -> cmocka passed with $compilers;" \
     "$(( $(date +%s) - start )) s"
