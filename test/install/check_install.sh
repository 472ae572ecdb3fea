#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds a consumer with
# find_package(banklink) and another with pkg-config, and runs both.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/test/install/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
"$tmp/cmake/consumer"
pc="$tmp/prefix/lib/pkgconfig"
[ -d "$pc" ] || pc=$(dirname "$(find "$tmp/prefix" -name banklink.pc | head -1)")
cc $(PKG_CONFIG_PATH="$pc" pkg-config --cflags banklink) "$src/test/install/consumer/main.c" \
   $(PKG_CONFIG_PATH="$pc" pkg-config --libs banklink) -o "$tmp/pkgconfig_consumer"
"$tmp/pkgconfig_consumer"
echo "install: find_package and pkg-config consumers built and ran"
