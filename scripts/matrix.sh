#!/usr/bin/env bash
# Build matrix of the unit tests (ctest -L unit): gcc and clang at -O0 and
# -O2, gcc and clang with CMAKE_BUILD_TYPE=Release (-O3 -DNDEBUG) and
# MinSizeRel (-Os -DNDEBUG), the optimisation levels at which gcc's
# -Wmaybe-uninitialized finds more, and a 32-bit gcc build (-m32), which
# catches size_t/long assumptions a Cortex-M would hit. Each build has its own directory
# (build-matrix/<name>); warnings are errors (the project's BL_WARNINGS).
# Then (full run only) the core is compiled with every feature switch at 0
# alone and all at 0, with gcc and clang. Exits non-zero when any build or
# test fails; prints a summary table.
#
# The 32-bit build needs the i386 cmocka: dpkg --add-architecture i386 &&
# apt-get update && apt-get install libcmocka-dev:i386 (gcc-multilib gives
# the 32-bit libc; jsmn is header-only). Without it that build is reported
# as SKIPPED and the matrix fails.
# mbedTLS and lwIP have no i386 packages installed, so that build leaves
# those two ports out (the core, the POSIX port and the tool stay in).
#
# Usage: scripts/matrix.sh [name...]   (names: gcc-O0 gcc-O2 clang-O0
# clang-O2 gcc-Release gcc-MinSizeRel clang-Release clang-MinSizeRel
# gcc-m32-O2; default all but gcc-O2 and clang-O2, see below). Environment: JOBS (default 2),
# BL_MATRIX_DIR (default build-matrix).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${JOBS:-2}
top=${BL_MATRIX_DIR:-$root/build-matrix}
mkdir -p "$top"

m32_opts=(-DBL_PORT_MBEDTLS=OFF -DBL_PORT_LWIP=OFF -DCMAKE_LIBRARY_ARCHITECTURE=i386-linux-gnu
          -DCMAKE_IGNORE_PATH=/usr/lib/x86_64-linux-gnu)
declare -A cc=([gcc-O0]=gcc [gcc-O2]=gcc [clang-O0]=clang [clang-O2]=clang [gcc-m32-O2]=gcc
              [gcc-Release]=gcc [gcc-MinSizeRel]=gcc [clang-Release]=clang [clang-MinSizeRel]=clang)
declare -A flags=([gcc-O0]=-O0 [gcc-O2]=-O2 [clang-O0]=-O0 [clang-O2]=-O2 [gcc-m32-O2]="-O2 -m32"
                 [gcc-Release]= [gcc-MinSizeRel]= [clang-Release]= [clang-MinSizeRel]=)
# The build type: empty (only the flags above decide the optimisation) or
# CMake's own Release / MinSizeRel flags, as a user configuring with
# -DCMAKE_BUILD_TYPE=Release gets them.
declare -A btype=([gcc-Release]=Release [gcc-MinSizeRel]=MinSizeRel
                  [clang-Release]=Release [clang-MinSizeRel]=MinSizeRel)
names=("$@")
# gcc-O2 and clang-O2 are left out of the default run: scripts/test.sh's
# main suites already build everything at -O2 (RelWithDebInfo) with gcc and
# with clang (+ sanitizers), and Release adds -O3 on top.
[ ${#names[@]} -eq 0 ] && names=(gcc-O0 clang-O0 gcc-Release gcc-MinSizeRel
                                 clang-Release clang-MinSizeRel gcc-m32-O2)

summary=()
failed=0
for name in "${names[@]}"; do
  [ -n "${cc[$name]:-}" ] || { echo "unknown configuration $name"; exit 2; }
  dir=$top/$name
  extra=()
  if [[ $name == *m32* ]]; then
    extra=("${m32_opts[@]}")
    if ! [ -e /usr/lib/i386-linux-gnu/libcmocka.so ]; then
      echo "=== $name: no i386 cmocka (apt-get install libcmocka-dev:i386): SKIPPED"
      summary+=("$name|SKIPPED (no i386 cmocka)|-")
      failed=1
      continue
    fi
  fi
  bt=${btype[$name]:-}
  echo "=== $name: ${cc[$name]} ${flags[$name]}${bt:+CMAKE_BUILD_TYPE=$bt}"
  start=$(date +%s)
  if ! cmake -S . -B "$dir" -DCMAKE_C_COMPILER="${cc[$name]}" -DCMAKE_BUILD_TYPE="$bt" \
        -DCMAKE_C_FLAGS="${flags[$name]}" "${extra[@]}" > "$dir.configure.log" 2>&1; then
    tail -20 "$dir.configure.log"
    summary+=("$name|configure FAILED|-")
    failed=1
    continue
  fi
  if ! cmake --build "$dir" -j"$jobs" > "$dir/build.log" 2>&1; then
    grep -E "error|warning" "$dir/build.log" | head -20
    summary+=("$name|build FAILED (see $dir/build.log)|-")
    failed=1
    continue
  fi
  if [[ $name == *m32* ]]; then
    # Prove it is 32-bit code that ran, not a 64-bit fallback.
    file -L "$dir/test/unit/test_faults" | grep -q "ELF 32-bit" \
      || { echo "$name: test_faults is not a 32-bit program"; failed=1; }
  fi
  ctest --test-dir "$dir" -L unit -j"$jobs" --output-on-failure > "$dir/ctest.log" 2>&1
  rc=$?
  result=$(grep -E "tests passed" "$dir/ctest.log" | tail -1)
  bad=$(grep -E "^\s+[0-9]+ - " "$dir/ctest.log" | sed -E 's/^\s+[0-9]+ - //; s/ \(.*//' | tr '\n' ' ')
  secs=$(( $(date +%s) - start ))
  if [ "$rc" != 0 ]; then
    failed=1
    summary+=("$name|$result; failed: $bad|${secs}s")
  else
    summary+=("$name|$result|${secs}s")
  fi
  echo "    $result (${secs}s)"
done

# Every feature switch at 0 on its own, and all of them at 0, with both
# compilers and the project's warnings: a switch must never break the build.
if [ $# -eq 0 ]; then
  echo "=== feature switches: each BL_CONFIG_* at 0, gcc and clang -O2"
  start=$(date +%s)
  jsmn_dir=$(dirname "$(echo '#include <jsmn.h>' | cpp -H -o /dev/null 2>&1 | awk '/jsmn.h$/ {print $2; exit}')")
  switches=(HERON MONEYKIT LIFECYCLE LISTS LOG STATUS_NAMES HTTP_DATE)
  combos=()
  all=""
  for sw in "${switches[@]}"; do
    combos+=("-DBL_CONFIG_$sw=0")
    all="$all -DBL_CONFIG_$sw=0"
  done
  combos+=("$all")
  bad=0
  for compiler in gcc clang; do
    for combo in "${combos[@]}"; do
      for src in src/*.c; do
        # shellcheck disable=SC2086
        if ! "$compiler" -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror -O2 \
              -isystem "$jsmn_dir" $combo -c "$src" -o /dev/null; then
          echo "    $compiler $combo $src: FAILED"
          bad=1
        fi
      done
    done
  done
  secs=$(( $(date +%s) - start ))
  if [ "$bad" = 0 ]; then
    summary+=("switches|${#combos[@]} combinations x 2 compilers compile cleanly|${secs}s")
  else
    summary+=("switches|FAILED|${secs}s")
    failed=1
  fi
fi

echo
echo "=== matrix summary"
printf '%-16s %-8s %s\n' config time result
for row in "${summary[@]}"; do
  IFS='|' read -r n r t <<< "$row"
  printf '%-16s %-8s %s\n' "$n" "$t" "$r"
done
[ "$failed" = 0 ] && echo "matrix: OK" || { echo "matrix: FAILED"; exit 1; }
