#!/usr/bin/env bash
# banklink inside someone else's build: configures, builds and installs the
# parent projects in test/subproject/ (add_subdirectory with the binary
# folder `banklink`; FetchContent with SOURCE_DIR) against a copy of the
# checkout, and shows that the parent gets
#   * its own test only (no banklink test registered),
#   * no tool (no banklink, banklink_2k, banklink_lean, test_* targets),
#   * no install rules (its install tree holds its own program only),
#   * no cmocka requirement (no CMOCKA_* in its cache),
#   * a program that links banklink's core and POSIX port and runs,
# and that nothing is written into banklink's source tree.
# Usage: check_subproject.sh SOURCE_DIR [C_COMPILER]
set -euo pipefail
src=$(cd "$1" && pwd)
cc=${2:-cc}
here=$src/test/subproject
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A copy of the checkout (tracked and new files, no build folders), so a
# stray write into banklink's source tree shows up as a changed file.
copy=$tmp/banklink-src
mkdir -p "$copy"
(cd "$src" && git ls-files -co --exclude-standard -z 2>/dev/null \
   | grep -zv '^build' | xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$copy" \
  || (cd "$src" && tar cf - --exclude='./build*' --exclude=./.git .) | tar xf - -C "$copy"
[ -f "$copy/CMakeLists.txt" ] || fail "could not copy the checkout"
(cd "$copy" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$tmp/before"

for parent in add_subdirectory fetchcontent; do
  b=$tmp/build-$parent
  cmake -S "$here/$parent" -B "$b" -DCMAKE_C_COMPILER="$cc" -DBL_SOURCE_DIR="$copy" > "$tmp/$parent.cfg" 2>&1 \
    || { cat "$tmp/$parent.cfg"; fail "$parent: configure"; }
  cmake --build "$b" > "$tmp/$parent.build" 2>&1 || { tail -30 "$tmp/$parent.build"; fail "$parent: build"; }
  "$b/app" | grep -q "parent app: BL_OK" || fail "$parent: the program did not run"

  tests=$(ctest --test-dir "$b" -N | sed -n 's/^ *Test *#[0-9]*: //p' | tr '\n' ' ')
  [ "$tests" = "parent.app " ] || fail "$parent: tests registered: '$tests' (want only parent.app)"

  targets=$(cmake --build "$b" --target help | sed -n 's/^\.\.\. //p' | awk '{print $1}')
  for t in banklink banklink_2k banklink_lean banklink_core_lean test_cli test_posix_port test_faults; do
    if printf '%s\n' "$targets" | grep -qx "$t"; then fail "$parent: banklink added target $t"; fi
  done
  printf '%s\n' "$targets" | grep -qx banklink_core || fail "$parent: no banklink_core target"
  printf '%s\n' "$targets" | grep -qx banklink_posix || fail "$parent: no banklink_posix target (asked for)"
  for t in banklink_mbedtls banklink_lwip; do
    if printf '%s\n' "$targets" | grep -qx "$t"; then fail "$parent: $t built but not asked for"; fi
  done
  if find "$b" -type f -name banklink -perm -u+x | grep -q .; then fail "$parent: the tool was built"; fi
  if grep -q '^CMOCKA_' "$b/CMakeCache.txt"; then fail "$parent: banklink looked for cmocka"; fi

  cmake --install "$b" --prefix "$tmp/inst-$parent" > "$tmp/$parent.install" 2>&1 \
    || { cat "$tmp/$parent.install"; fail "$parent: install"; }
  installed=$(cd "$tmp/inst-$parent" && find . -type f | sort | tr '\n' ' ')
  [ "$installed" = "./bin/app " ] || fail "$parent: installed '$installed' (want only ./bin/app)"
  echo "$parent: builds and runs; tests: $tests; banklink targets: core, posix; installs: $installed"
done

# BL_INSTALL=ON restores banklink's install rules for a parent that wants them.
b=$tmp/build-install-on
cmake -S "$here/add_subdirectory" -B "$b" -DCMAKE_C_COMPILER="$cc" -DBL_SOURCE_DIR="$copy" -DBL_INSTALL=ON \
  > "$tmp/install-on.cfg" 2>&1 || { cat "$tmp/install-on.cfg"; fail "BL_INSTALL=ON: configure"; }
cmake --build "$b" > /dev/null 2>&1 || fail "BL_INSTALL=ON: build"
cmake --install "$b" --prefix "$tmp/inst-on" > /dev/null 2>&1 || fail "BL_INSTALL=ON: install"
[ -f "$tmp/inst-on/include/banklink/banklink.h" ] || fail "BL_INSTALL=ON: no headers installed"
find "$tmp/inst-on" -name banklinkConfig.cmake | grep -q . || fail "BL_INSTALL=ON: no CMake package installed"
echo "BL_INSTALL=ON: headers and CMake package installed"

(cd "$copy" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$tmp/after"
if ! diff -u "$tmp/before" "$tmp/after" > "$tmp/src.diff"; then
  head -20 "$tmp/src.diff"
  fail "the builds wrote into banklink's source tree"
fi
echo "subproject: add_subdirectory and FetchContent parents get no tests, no tool, no install rules; source tree untouched"
