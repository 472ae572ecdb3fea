#!/usr/bin/env bash
# Does boards/esp32/components/banklink resolve its sources wherever it is?
# There is no ESP-IDF here: test/stub_project evaluates the component's
# CMakeLists.txt with idf_component_register() stubbed and records what it
# registers; this script then checks that every source and include folder
# exists, that the sources are the whole core plus the lwIP and mbedTLS
# ports (and no other file), that the include folders hold every header
# they include, and the public defines. Cases:
#   in-place   the component inside this checkout (the example project);
#   copied     the folder copied alone into another project: a clear
#              configure error, not an empty component;
#   copied+dir the same with BANKLINK_DIR pointing at this checkout;
#   packed     pack_component.sh output copied into another project, the
#              form the component manager installs: sources inside it.
# Also: idf_component.yml sits at the component root and names jsmn.
# Usage: check_component.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
comp=$src/boards/esp32/components/banklink
stub=$src/boards/esp32/test/stub_project
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

[ -f "$comp/idf_component.yml" ] || fail "no idf_component.yml at the component root"
grep -Eq '^version: *"?[0-9]+\.[0-9]+\.[0-9]+' "$comp/idf_component.yml" || fail "idf_component.yml: no version"
grep -Eq '^ *espressif/jsmn:' "$comp/idf_component.yml" || fail "idf_component.yml: jsmn is not a dependency"

expected=$( (cd "$src/src" && ls ./*.c | sed 's|^\./||'; echo bl_lwip.c bl_mbedtls.c bl_mbedtls_session.c bl_mbedtls_util.c | tr ' ' '\n') | sort)

# check NAME COMPONENT_DIR EXPECTED_ROOT [cmake args...]
check() {
  local name=$1 dir=$2 root=$3
  shift 3
  local rec=$tmp/$name.record
  cmake -S "$stub" -B "$tmp/$name" -DCOMPONENT="$dir" -DRECORD="$rec" "$@" > "$tmp/$name.log" 2>&1 \
    || { cat "$tmp/$name.log"; fail "$name: configure"; }
  local got n=0
  got=$(awk '$1 == "srcs" {print $2}' "$rec")
  [ -n "$got" ] || fail "$name: no SRCS registered (an empty component)"
  while read -r f; do
    [ -f "$f" ] || fail "$name: SRCS names $f, which does not exist"
    case $f in "$root"/*) ;; *) fail "$name: $f is not under $root" ;; esac
    n=$((n + 1))
  done <<< "$got"
  [ "$(printf '%s\n' "$got" | xargs -n1 basename | sort)" = "$expected" ] \
    || fail "$name: SRCS are not the core plus the lwIP and mbedTLS ports: $(printf '%s\n' "$got" | xargs -n1 basename | tr '\n' ' ')"
  local incs
  incs=$(awk '$1 == "incs" {print $2}' "$rec")
  while read -r d; do [ -d "$d" ] || fail "$name: INCLUDE_DIRS names $d, which does not exist"; done <<< "$incs"
  # Every project header a registered source includes is in an include folder.
  for h in $(printf '%s\n' "$got" | xargs grep -ho '#include "[^"]*"' | sed 's/#include "//; s/"$//' | grep '^bl' | sort -u); do
    local hit=""
    while read -r d; do [ -f "$d/$h" ] && hit=1; done <<< "$incs"
    [ -n "$hit" ] || fail "$name: $h (included by the sources) is in no INCLUDE_DIRS folder"
  done
  for want in "define BL_PORT_LWIP=1" "define BL_PORT_MBEDTLS=1" "requires mbedtls" "requires lwip"; do
    grep -qx "$want" "$rec" || fail "$name: the component does not register '$want'"
  done
  echo "$name: $n sources, $(printf '%s\n' "$incs" | wc -l) include folders, all present under ${root#"$tmp"/}"
}

check in-place "$comp" "$src"

mkdir -p "$tmp/proj1/components"
cp -r "$comp" "$tmp/proj1/components/"
if cmake -S "$stub" -B "$tmp/copied" -DCOMPONENT="$tmp/proj1/components/banklink" -DRECORD="$tmp/copied.record" \
     > "$tmp/copied.log" 2>&1; then
  fail "copied: a component folder without sources configured (it would be empty)"
fi
grep -q "no banklink sources" "$tmp/copied.log" || { cat "$tmp/copied.log"; fail "copied: no clear error"; }
echo "copied: configure stops with 'no banklink sources ...' (no empty component)"

check copied+dir "$tmp/proj1/components/banklink" "$src" -DBANKLINK_DIR="$src"

bash "$comp/pack_component.sh" "$tmp/pack" > /dev/null
mkdir -p "$tmp/proj2/components"
cp -r "$tmp/pack/banklink" "$tmp/proj2/components/"
check packed "$tmp/proj2/components/banklink" "$tmp/proj2/components/banklink"
[ -f "$tmp/proj2/components/banklink/idf_component.yml" ] || fail "packed: no idf_component.yml"
echo "esp32 component: resolves in place, with BANKLINK_DIR, and packed; refuses to be empty"
