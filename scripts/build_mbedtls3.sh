#!/usr/bin/env bash
# Build mbedTLS 3.6 (library only) from the sources scripts/fetch_sources.sh
# unpacked, and install it where CMake's find_package(MbedTLS) finds it:
#
#   build_mbedtls3.sh DEPS PREFIX
#       DEPS    folder holding mbedtls/ (fetch_sources.sh's DEST)
#       PREFIX  install prefix; configure banklink with -DCMAKE_PREFIX_PATH=PREFIX
#
# mbedTLS's default configuration (3.6: TLS 1.2 and 1.3, PSA crypto), shared
# libraries: the allocation tests attribute each allocation to the object
# that made it, which needs mbedTLS in its own shared objects. Programs and
# mbedTLS's own tests are not built. Cached: PREFIX keeps a stamp with the
# source version, and a second run with the same sources does nothing.
# build/ is git-ignored: nothing of this is ever committed.
set -euo pipefail
deps=${1:?usage: build_mbedtls3.sh DEPS PREFIX}
prefix=${2:?usage: build_mbedtls3.sh DEPS PREFIX}
src="$deps/mbedtls"
[ -f "$src/include/mbedtls/build_info.h" ] || {
    echo "build_mbedtls3: no mbedTLS 3 sources in $src (run scripts/fetch_sources.sh $deps)"
    exit 1
}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
src=$(cd "$src" && pwd)
# The version as the sources state it, plus what fetch_sources recorded.
ver=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$src/include/mbedtls/build_info.h")
want="$ver $(cat "$src/.banklink-fetched" 2>/dev/null || echo unknown) shared"
stamp="$prefix/.banklink-mbedtls"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$prefix/include/mbedtls/ssl.h" ]; then
    echo "build_mbedtls3: mbedTLS $ver cached in $prefix"
    exit 0
fi
case "$ver" in
    3.6.*) ;;
    *) echo "build_mbedtls3: expected mbedTLS 3.6.x, found ${ver:-nothing}"; exit 1 ;;
esac
work="$prefix/.build"
rm -rf "$work" "$stamp"
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF -DGEN_FILES=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
    -DUSE_SHARED_MBEDTLS_LIBRARY=ON -DUSE_STATIC_MBEDTLS_LIBRARY=OFF \
    -DCMAKE_INSTALL_LIBDIR=lib >"$prefix/.build.log" 2>&1 || { tail -30 "$prefix/.build.log"; exit 1; }
cmake --build "$work" -j "$jobs" >>"$prefix/.build.log" 2>&1 || { tail -30 "$prefix/.build.log"; exit 1; }
cmake --install "$work" >>"$prefix/.build.log" 2>&1 || { tail -30 "$prefix/.build.log"; exit 1; }
rm -rf "$work"
echo "$want" >"$stamp"
echo "build_mbedtls3: mbedTLS $ver installed in $prefix"
