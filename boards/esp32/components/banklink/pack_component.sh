#!/usr/bin/env bash
# Packs the banklink ESP-IDF component with its sources inside, the form the
# ESP Component Registry (and a plain copy into a project's components/)
# needs: CMakeLists.txt, idf_component.yml, README.md, LICENSE if any, and
# src/, port/lwip/, port/mbedtls/ from this checkout.
#   pack_component.sh OUT_DIR      (OUT_DIR/banklink is written)
# Upload with the component manager's own client, e.g.
#   compote component upload --name banklink --project-dir OUT_DIR/banklink
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=${1:?usage: pack_component.sh OUT_DIR}
dest=$out/banklink
rm -rf "$dest"
mkdir -p "$dest/src" "$dest/port/lwip" "$dest/port/mbedtls"
cp "$here/CMakeLists.txt" "$here/idf_component.yml" "$here/README.md" "$dest/"
[ -f "$root/LICENSE" ] && cp "$root/LICENSE" "$dest/"
cp "$root"/src/*.c "$root"/src/*.h "$dest/src/"
cp "$root"/port/lwip/bl_lwip.c "$root"/port/lwip/bl_lwip.h "$dest/port/lwip/"
cp "$root"/port/mbedtls/bl_mbedtls.c "$root"/port/mbedtls/bl_mbedtls_session.c \
   "$root"/port/mbedtls/bl_mbedtls_util.c "$root"/port/mbedtls/bl_mbedtls.h \
   "$root"/port/mbedtls/bl_mbedtls_priv.h "$dest/port/mbedtls/"
echo "packed $dest"
