#!/usr/bin/env bash
# Fetch the sources the board image and the NO_SYS lwIP tests compile,
# from Debian's source packages (never vendored, never committed):
#
#   fetch_sources.sh DEST     ->  DEST/lwip     lwIP 2.2.1     (trixie)
#                                 DEST/mbedtls  mbedTLS 3.6.6  (trixie)
#
# Adds a deb-src entry for Debian trixie (sources only: no binary package
# of this machine changes), runs `apt-get source`, unpacks into DEST and
# leaves a stamp per package, so a second run with the same versions is a
# no-op (CI's build folder is fresh, a developer's is not). Exits non-zero
# when a package cannot be fetched.
set -euo pipefail
dest=${1:?usage: fetch_sources.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Package, Debian release, version prefix the build expects.
wanted=("lwip trixie 2.2.1" "mbedtls trixie 3.6.")

all_cached=1
for w in "${wanted[@]}"; do
    read -r pkg _ ver <<<"$w"
    stamp="$dest/$pkg/.banklink-fetched"
    if [ ! -f "$stamp" ] || ! grep -q "^$ver" "$stamp"; then
        all_cached=0
    fi
done
if [ "$all_cached" = 1 ]; then
    echo "fetch_sources: cached in $dest ($(cat "$dest/lwip/.banklink-fetched"), $(cat "$dest/mbedtls/.banklink-fetched"))"
    exit 0
fi

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
list=/etc/apt/sources.list.d/banklink-src.sources
if [ ! -f "$list" ]; then
    $sudo_cmd tee "$list" >/dev/null <<'SRC'
# Added by banklink's scripts/fetch_sources.sh: source packages only.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $sudo_cmd apt-get update -qq
fi
command -v dpkg-source >/dev/null || { echo "fetch_sources: dpkg-source missing (apt-get install dpkg-dev)"; exit 1; }

dl="$dest/.download"
mkdir -p "$dl"
for w in "${wanted[@]}"; do
    read -r pkg rel ver <<<"$w"
    stamp="$dest/$pkg/.banklink-fetched"
    if [ -f "$stamp" ] && grep -q "^$ver" "$stamp"; then
        continue
    fi
    rm -rf "$dest/$pkg" "$dl/$pkg"
    mkdir -p "$dl/$pkg"
    (cd "$dl/$pkg" && apt-get source -qq --download-only "$pkg/$rel" >/dev/null 2>"$dl/$pkg.log") || {
        cat "$dl/$pkg.log"; echo "fetch_sources: apt-get source $pkg/$rel failed"; exit 1; }
    dsc=$(ls "$dl/$pkg"/*.dsc)
    full=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
    case "$full" in
        "$ver"*) ;;
        *) echo "fetch_sources: $pkg/$rel is $full, expected $ver*"; exit 1 ;;
    esac
    dpkg-source --no-check -x "$dsc" "$dest/$pkg" >"$dl/$pkg.extract.log" 2>&1 || {
        cat "$dl/$pkg.extract.log"; echo "fetch_sources: unpacking $pkg failed"; exit 1; }
    echo "$full" >"$stamp"
    # dpkg-source leaves a copy of the upstream tarball beside the tree.
    rm -rf "${dl:?}/$pkg" "$dest/${pkg}_"*
    echo "fetch_sources: $pkg $full -> $dest/$pkg"
done
