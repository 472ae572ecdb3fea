#!/usr/bin/env bash
# Installs the build into a temporary prefix, MOVES the installed tree to
# another folder, then builds and runs consumers against the moved tree:
#   * one CMake project, find_package(banklink COMPONENTS <every part>),
#     one program per part;
#   * one program per pkg-config module (banklink = the core,
#     banklink-posix, banklink-mbedtls, banklink-lwip), each linked with
#     that module's --cflags/--libs alone.
# Also checks that the installed CMake files and .pc files hold no absolute
# path (no /usr/lib..., nothing of the build or the first prefix) and that
# `pkg-config --libs banklink` is the core alone.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR [C_COMPILER [DEP_PREFIXES]]
# DEP_PREFIXES: the build's CMAKE_PREFIX_PATH (;-separated), where the
# consumer finds the same dependencies (e.g. an mbedTLS 3 install) again.
set -euo pipefail
build=$1
src=$2
cc=${3:-cc}
deps=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$tmp/stage" >/dev/null
mkdir -p "$tmp/elsewhere"
mv "$tmp/stage" "$tmp/elsewhere/prefix"
prefix=$tmp/elsewhere/prefix
[ ! -e "$tmp/stage" ] || fail "the installed tree was not moved"

pc=$(dirname "$(find "$prefix" -name banklink.pc | head -1)")
cfgdir=$(dirname "$(find "$prefix" -name banklinkConfig.cmake | head -1)")
[ -f "$pc/banklink.pc" ] || fail "no banklink.pc installed"
[ -f "$cfgdir/banklinkTargets.cmake" ] || fail "no banklinkTargets.cmake installed"

# No absolute path in what describes the package (the include of the
# targets file is relative to _IMPORT_PREFIX; the .pc prefix to ${pcfiledir}).
bad=$(grep -nE '(^|[";[:space:]])/(usr|lib|opt|home|root|tmp|work)/' "$cfgdir"/banklink*.cmake "$pc"/banklink*.pc || true)
[ -z "$bad" ] || { echo "$bad"; fail "absolute paths in the installed package files"; }
grep -q "MbedTLS::mbedtls\|banklink::posix" "$cfgdir"/banklinkTargets*.cmake || fail "targets file names no dependency targets"

modules=$(cd "$pc" && ls banklink*.pc | sed 's/\.pc$//' | sort | tr '\n' ' ')
export PKG_CONFIG_PATH="$pc"
for d in ${deps//;/ }; do
  for sub in lib/pkgconfig lib64/pkgconfig share/pkgconfig; do
    [ -d "$d/$sub" ] && PKG_CONFIG_PATH="$PKG_CONFIG_PATH:$d/$sub"
  done
done
core_libs=$(pkg-config --libs banklink)
case "$core_libs" in
  *mbedtls*|*lwip*|*posix*) fail "pkg-config --libs banklink is not the core alone: $core_libs" ;;
esac

parts="core"
for m in $modules; do
  case $m in
    banklink) ;;
    banklink-lwip-raw) ;;   # needs the application's own lwIP build: not linked here
    banklink-*) parts="$parts;${m#banklink-}" ;;
  esac
done

cmake -S "$src/test/install/consumer" -B "$tmp/cmake" -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_PREFIX_PATH="$prefix${deps:+;$deps}" -DBL_CONSUMER_PARTS="$parts" > "$tmp/cmake.log" 2>&1 \
  || { cat "$tmp/cmake.log"; fail "find_package consumer: configure"; }
cmake --build "$tmp/cmake" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "find_package consumer: build"; }
for part in ${parts//;/ }; do
  "$tmp/cmake/consumer_$part" > /dev/null || fail "find_package consumer_$part did not run"
done

main_of() {
  case $1 in
    banklink) echo main_core.c ;;
    banklink-posix) echo main.c ;;
    banklink-mbedtls) echo main_mbedtls.c ;;
    banklink-lwip) echo main_lwip.c ;;
    banklink-testkit) echo main_testkit.c ;;
  esac
}
linked=""
for m in $modules; do
  file=$(main_of "$m")
  [ -n "$file" ] || continue
  # shellcheck disable=SC2046
  "$cc" $(pkg-config --cflags "$m") "$src/test/install/consumer/$file" $(pkg-config --libs "$m") \
    -o "$tmp/pc_$m" || fail "pkg-config $m: compile/link"
  LD_LIBRARY_PATH="$(pkg-config --libs-only-L "$m" | sed 's/-L//g; s/ /:/g')" "$tmp/pc_$m" > /dev/null \
    || fail "pkg-config $m: program did not run"
  linked="$linked $m"
done
[ -n "$linked" ] || fail "no pkg-config module linked"
echo "install: moved tree; find_package(banklink COMPONENTS ${parts//;/ }) and pkg-config${linked} consumers built and ran; pkg-config --libs banklink = $core_libs"
