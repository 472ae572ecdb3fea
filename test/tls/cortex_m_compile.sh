#!/bin/sh
# Compile the mbedTLS port for a Cortex-M4 (compile only, nothing runs):
# proves the port is freestanding C99 + mbedTLS, with the arena branch on,
# and reports its flash, static RAM and worst stack frame.
#
#   cortex_m_compile.sh SOURCE_DIR OUT_DIR [MBEDTLS_INCLUDE_DIR]
#
# mbedTLS's headers come from the host build's mbedTLS (Debian's 2.28, or
# an mbedTLS 3 install) through a folder that holds only them, so no glibc
# header can leak into the build. board_user_config.h adapts either.
set -eu
src=${1:?usage: cortex_m_compile.sh SOURCE_DIR OUT_DIR}
out=${2:?usage: cortex_m_compile.sh SOURCE_DIR OUT_DIR}
cc=arm-none-eabi-gcc
command -v "$cc" >/dev/null || { echo "$cc not installed"; exit 1; }
if [ -n "${3:-}" ]; then
    inc=$3/mbedtls
else
    inc=$(dirname "$(echo '#include <mbedtls/ssl.h>' | cpp -H -o /dev/null 2>&1 | grep -m1 'mbedtls/ssl.h' | awk '{print $2}')")
fi
[ -d "$inc" ] || { echo "mbedTLS headers not found"; exit 1; }
rm -rf "$out" && mkdir -p "$out/include"
ln -s "$inc" "$out/include/mbedtls"
[ -d "$inc/../psa" ] && ln -s "$inc/../psa" "$out/include/psa"

for f in bl_mbedtls.c bl_mbedtls_session.c bl_mbedtls_util.c bl_mbedtls_posix.c; do
    $cc -mcpu=cortex-m4 -mthumb -Os -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror \
        -ffunction-sections -fdata-sections -fstack-usage \
        -DBL_PORT_MBEDTLS=1 -DBL_MBEDTLS_NO_DEFAULT_RNG=1 '-DMBEDTLS_USER_CONFIG_FILE="board_user_config.h"' \
        -I"$src/test/tls" -I"$src/src" -I"$src/port/mbedtls" -isystem "$out/include" \
        -c "$src/port/mbedtls/$f" -o "$out/${f%.c}.o"
done
arm-none-eabi-size -t "$out"/*.o
# Only libc string functions and mbedTLS may be referenced: no allocator, no
# OS. mbedTLS 3.x adds psa_crypto_init (the port initialises PSA, which TLS
# 1.3 and 3.x's 1.2 run on).
bad=$(arm-none-eabi-nm -u "$out"/*.o | awk '{print $2}' |
    grep -v -E '^(mbedtls_|bl_|mem(cpy|cmp|set)$|strlen$|psa_crypto_init$)' | sort -u || true)
if [ -n "$bad" ]; then
    echo "unexpected external symbols: $bad"
    exit 1
fi
worst=$(cat "$out"/*.su | sort -t "$(printf '\t')" -k2 -n | tail -1)
echo "worst stack frame: $worst"
echo "Cortex-M4 compile of port/mbedtls: ok"
