#!/usr/bin/env bash
# Benchmark banklink against libcurl + cJSON (and a plain jsmn loop for
# decoding): builds bench/ in build-bench, runs every measurement, prints
# the table and writes bench/results.csv, bench/results.md and
# bench/results.png. Takes one to two minutes.
#
#   scripts/bench.sh
#
# Needs (Debian): build-essential cmake libjsmn-dev libmbedtls-dev
# libcjson-dev libcurl4-openssl-dev valgrind gnuplot-nox openssl python3.
# Knobs (environment, each bounded): DECODE_ITERS DECODE_RUNS DECODE_CG_ITERS
# E2E_CALLS E2E_RUNS E2E_WARMUP E2E_CG_CALLS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/build-bench

bounded() { # name value min max
  local v=$2
  if ! [[ $v =~ ^[0-9]+$ ]] || [ "$v" -lt "$3" ] || [ "$v" -gt "$4" ]; then
    echo "bench: $1=$v is outside [$3, $4]" >&2
    exit 2
  fi
  echo "$v"
}
DECODE_ITERS=$(bounded DECODE_ITERS "${DECODE_ITERS:-10000}" 100 1000000)
DECODE_RUNS=$(bounded DECODE_RUNS "${DECODE_RUNS:-11}" 1 31)
DECODE_CG_ITERS=$(bounded DECODE_CG_ITERS "${DECODE_CG_ITERS:-2000}" 10 100000)
E2E_CALLS=$(bounded E2E_CALLS "${E2E_CALLS:-3000}" 10 100000)
E2E_RUNS=$(bounded E2E_RUNS "${E2E_RUNS:-7}" 1 21)
E2E_WARMUP=$(bounded E2E_WARMUP "${E2E_WARMUP:-20}" 1 1000)
E2E_CG_CALLS=$(bounded E2E_CG_CALLS "${E2E_CG_CALLS:-200}" 10 5000)

missing=()
for tool in cmake cc valgrind callgrind_annotate gnuplot openssl python3 taskset timeout; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
for hdr in cjson/cJSON.h curl/curl.h jsmn.h mbedtls/ssl.h; do
  [ -f "/usr/include/$hdr" ] || [ -f "/usr/include/x86_64-linux-gnu/$hdr" ] || missing+=("$hdr")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench: missing ${missing[*]}" >&2
  echo "bench: apt-get install libcjson-dev libcurl4-openssl-dev valgrind gnuplot-nox openssl" >&2
  exit 2
fi

echo "=== build ($build)"
cmake -S bench -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
have_tls=0
grep -q 'BENCH_HAVE_TLS=1' "$build/CMakeFiles/bench_e2e_banklink.dir/flags.make" && have_tls=1

raw=$build/raw.csv
cg=$build/cg
mkdir -p "$cg"
rm -f "$cg"/*.out "$build"/profile_*.txt
: >"$raw"
{
  echo "info,cpu,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/,/ /g')"
  echo "info,cpus,$(nproc)"
  echo "info,load,$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "info,kernel,Linux $(uname -r)"
  echo "info,cc,$(cc --version | head -1 | sed 's/,/ /g')"
  echo "info,cjson,$(dpkg-query -W -f='${Version}' libcjson-dev 2>/dev/null || echo '?')"
  echo "info,curl,$(curl-config --version 2>/dev/null || echo libcurl) ($(curl-config --ssl-backends 2>/dev/null || echo '?'))"
  echo "info,mbedtls,$(dpkg-query -W -f='${Version}' libmbedtls-dev 2>/dev/null || echo '?')"
  echo "info,decode_iters,$DECODE_ITERS"
  echo "info,decode_runs,$DECODE_RUNS"
  echo "info,decode_cg_iters,$DECODE_CG_ITERS"
  echo "info,e2e_calls,$E2E_CALLS"
  echo "info,e2e_warmup,$E2E_WARMUP"
  echo "info,e2e_cg_calls,$E2E_CG_CALLS"
} >>"$raw"

# Ir collected by callgrind in OUT (the "summary:" line), divided by N.
per_iter() { awk -v n="$2" '/^summary:/ { printf "%.1f\n", $2 / n; exit }' "$1"; }
callgrind() { # out-file collect-function command...
  local out=$1 fn=$2
  shift 2
  timeout 300 valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$fn" \
    --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$out" "$@" >/dev/null 2>"$out.log" || {
    echo "bench: callgrind run failed: $* (see $out.log)" >&2
    exit 1
  }
}

echo "=== decode: check that the three decoders agree"
"$build/bench_decode" verify

echo "=== decode: instructions (callgrind, $DECODE_CG_ITERS decodes each)"
for doc in moneykit heron; do
  for impl in banklink cjson jsmn; do
    out=$cg/decode_${doc}_$impl.out
    callgrind "$out" "bench_decode_${doc}_$impl" "$build/bench_decode" count "$doc" "$impl" "$DECODE_CG_ITERS"
    echo "decode,$doc,$impl,instructions,$(per_iter "$out" "$DECODE_CG_ITERS")" >>"$raw"
  done
done
callgrind_annotate --inclusive=no --threshold=100 "$cg/decode_moneykit_banklink.out" \
  >"$build/profile_decode_moneykit.txt" 2>/dev/null

echo "=== decode: time and allocations ($DECODE_RUNS x $DECODE_ITERS decodes, CPU 0)"
timeout 300 taskset -c 0 "$build/bench_decode" time "$DECODE_ITERS" "$DECODE_RUNS" >>"$raw"

# ---------------------------------------------------------------- servers
tls_dir=$build/tls
if [ "$have_tls" = 1 ] && [ ! -f "$tls_dir/chain.pem" ]; then
  echo "=== TLS: local CA and P-256 server certificate for localhost"
  mkdir -p "$tls_dir"
  (
    cd "$tls_dir"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=banklink bench CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
    openssl ecparam -name prime256v1 -genkey -noout -out server.key
    openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
      -extfile ext.cnf -out server.pem 2>/dev/null
    cat server.pem ca.pem >chain.pem
  ) >/dev/null
fi

server_pids=()
stop_servers() {
  for pid in "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  server_pids=()
}
trap stop_servers EXIT

declare -A port
start_server() { # proto: starts it, sets port[proto]
  local proto=$1 pf=$build/server_$1.port
  rm -f "$pf"
  # Output to a log, not to a pipe: nothing may wait for the server's EOF.
  if [ "$proto" = tls ]; then
    taskset -c 0 "$build/bench_server" tls "$pf" "$tls_dir/chain.pem" "$tls_dir/server.key" \
      >"$build/server_$proto.log" 2>&1 &
  else
    taskset -c 0 "$build/bench_server" plain "$pf" >"$build/server_$proto.log" 2>&1 &
  fi
  server_pids+=($!)
  for _ in $(seq 1 100); do
    if [ -s "$pf" ]; then
      port[$proto]=$(cat "$pf")
      return 0
    fi
    sleep 0.05
  done
  echo "bench: $proto server did not start (see $build/server_$proto.log)" >&2
  exit 1
}

protos=(plain)
[ "$have_tls" = 1 ] && protos+=(tls)
for proto in "${protos[@]}"; do
  start_server "$proto"
done

echo "=== end to end: calls per second ($E2E_RUNS x $E2E_CALLS calls, server and client on CPU 0)"
for proto in "${protos[@]}"; do
  for doc in moneykit heron; do
    ca=""
    [ "$proto" = tls ] && ca=$tls_dir/ca.pem
    for run in $(seq 1 "$E2E_RUNS"); do
      for client in banklink curl; do
        # shellcheck disable=SC2086
        timeout 120 taskset -c 0 "$build/bench_e2e_$client" "$proto" "$doc" "${port[$proto]}" \
          "$E2E_WARMUP" "$E2E_CALLS" $ca >>"$raw"
      done
    done
  done
done
if grep -E '^e2e,.*,connections,' "$raw" | grep -qv ',connections,1$'; then
  echo "bench: a client opened more than one connection (keep-alive broken):" >&2
  grep -E ',connections,' "$raw" | grep -v ',connections,1$' >&2
  exit 1
fi

echo "=== end to end: client instructions (callgrind, $E2E_CG_CALLS calls after $E2E_WARMUP warm-up calls)"
for proto in "${protos[@]}"; do
  for doc in moneykit heron; do
    ca=""
    [ "$proto" = tls ] && ca=$tls_dir/ca.pem
    for client in banklink curl; do
      out=$cg/e2e_${proto}_${doc}_$client.out
      # shellcheck disable=SC2086
      callgrind "$out" bench_e2e_calls "$build/bench_e2e_$client" "$proto" "$doc" "${port[$proto]}" \
        "$E2E_WARMUP" "$E2E_CG_CALLS" $ca
      name=banklink
      [ "$client" = curl ] && name=libcurl+cJSON
      echo "e2e,$proto,$doc,$name,instructions,$(per_iter "$out" "$E2E_CG_CALLS")" >>"$raw"
    done
    callgrind_annotate --inclusive=no --threshold=100 "$cg/e2e_${proto}_${doc}_banklink.out" \
      >"$build/profile_e2e_${proto}_${doc}.txt" 2>/dev/null
  done
done
stop_servers

echo "=== report"
python3 bench/report.py "$raw" "$build" bench
gnuplot -e "dir='$build'; out='bench/results.png'" bench/results.gp
echo
echo "bench: wrote bench/results.csv, bench/results.md, bench/results.png"
