#!/usr/bin/env bash
# Install what banklink's build, tests and demo need on Debian (bookworm).
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

packages=(
  build-essential cmake pkg-config python3 openssl iproute2 procps
  libjsmn-dev libcmocka-dev libmbedtls-dev liblwip-dev
  libgtest-dev   # the GoogleTest example (boards/posix/examples); g++ comes with build-essential
  clang libclang-rt-14-dev gcc-multilib
  gcc-arm-none-eabi libnewlib-arm-none-eabi
  qemu-system-arm ca-certificates
  cppcheck clang-tidy valgrind gcovr
  libcjson-dev libcurl4-openssl-dev gnuplot-nox libhttp-parser-dev
  dpkg-dev xz-utils bzip2
)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The 32-bit build of the unit tests (scripts/matrix.sh) needs cmocka for i386.
if [ "$(dpkg --print-architecture)" = amd64 ] &&
   ! dpkg-query -W -f='${Status}' libcmocka-dev:i386 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  dpkg --print-foreign-architectures | grep -qx i386 || $sudo_cmd dpkg --add-architecture i386
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends libcmocka-dev:i386 >/dev/null
fi
echo "setup: ok"
