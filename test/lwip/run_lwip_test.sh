#!/usr/bin/env bash
# Run banklink's lwIP test on lwIP's own TCP/IP stack, isolated in a fresh
# network namespace:
#
#   namespace bl-lwip-<pid>-<rand>
#     Linux side:  tap device bltap0, 198.18.0.1/24, mock server(s) on it
#     lwIP side:   the test binary opens bltap0 through tapif and is
#                  198.18.0.2/24 (PRECONFIGURED_TAPIF=bltap0)
#
# Only 198.18.0.0/15 (RFC 2544 benchmarking) is used and the namespace has no
# link to the outside, so nothing leaves it. The namespace and the servers
# are removed on every exit path. Needs root (CI runs as root): it fails,
# not skips, when it cannot create the namespace.
#
# usage: run_lwip_test.sh TEST_BINARY MOCK_SERVER_PY [--tls] [--mtu N]
#            [--heron-links N] [--dns RESPONDER_PY] [--blackhole IP]
#            [--server-name NAME]
#   --tls: also start a TLS mock server, with a throw-away CA and server
#   certificate (for the name banklink-mock.test) made here with openssl.
#   --mtu: of the TAP device (default 576, see below).
#   --heron-links: the mock servers start with N Heron links (the test walks them).
#   --dns: run RESPONDER_PY (a DNS server answering NXDOMAIN) on the Linux
#   side, port 53, and tell the test to use it.
#   --blackhole, --server-name: passed on to the test binary.
# Used by lwip.stack (socket port) and lwip.raw_stack (raw-API port, NO_SYS).
set -euo pipefail

bin=$1
mock=$2
shift 2
tls=""
# 576 by default: Debian's liblwip.so 2.1.3 (the socket port's test) is built
# with mismatched pbuf sizes (pbuf_alloc() fills pool pbufs up to 1536 bytes,
# memp allocates 616 with the header, 592 of payload), so tapif overflows the
# heap on any frame over 592 bytes. 576 + 14 bytes of Ethernet header fit,
# and Linux then also advertises an MSS of 536, so neither side sends a
# larger segment. lwIP built from source with one lwipopts.h (the raw-API
# test) has no such mismatch and runs at 1500.
mtu=576
heron_links=0
dns_py=""
bin_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --tls) tls=--tls; shift ;;
        --mtu) mtu=$2; shift 2 ;;
        --heron-links) heron_links=$2; shift 2 ;;
        --dns) dns_py=$2; shift 2 ;;
        --blackhole|--server-name) bin_args+=("$1" "$2"); shift 2 ;;
        *) echo "FAIL: unknown option $1"; exit 2 ;;
    esac
done
tls_name=banklink-mock.test
ns="bl-lwip-$$-${RANDOM}"
tap=bltap0
server=198.18.0.1
work=$(mktemp -d "${TMPDIR:-/tmp}/bl-lwip.XXXXXX")
pids=()
tls_port=""

cleanup() {
    local rc=$?
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
    if [ "$rc" -ne 0 ] && [ -d "$work" ]; then
        for f in "$work"/*.log; do
            [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 40 "$f"; }
        done
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A P-256 CA and a server certificate signed by it, valid for $tls_name.
make_certs() {
    local d=$1
    command -v openssl >/dev/null || { echo "FAIL: openssl is needed to make the TLS test certificates"; exit 1; }
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=banklink lwIP test CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        >"$d/openssl.log" 2>&1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$tls_name" \
        -keyout "$d/server.key" -out "$d/server.csr" >>"$d/openssl.log" 2>&1
    printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$tls_name" \
        >"$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
        -extfile "$d/server.ext" -out "$d/server.pem" >>"$d/openssl.log" 2>&1
}

[ -x "$bin" ] || { echo "FAIL: test binary $bin not found"; exit 1; }
[ -f "$mock" ] || { echo "FAIL: mock server $mock not found"; exit 1; }
if ! ip netns add "$ns"; then
    echo "FAIL: cannot create network namespace $ns (this test needs root and CAP_NET_ADMIN)"
    exit 1
fi
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tap" mode tap
ip -n "$ns" link set "$tap" mtu "$mtu"
ip -n "$ns" addr add "$server/24" dev "$tap"
ip -n "$ns" link set "$tap" up

# Start one mock server inside the namespace; sets mock_port. (Not called in
# $(...): the server's pid must reach the cleanup list of this shell.)
start_mock() {
    local name=$1
    shift
    local pf="$work/$name.port"
    ip netns exec "$ns" python3 "$mock" --host "$server" --port 0 --port-file "$pf" \
        --heron-links "$heron_links" "$@" \
        >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        if [ -s "$pf" ]; then
            mock_port=$(cat "$pf")
            return 0
        fi
        if ! kill -0 "${pids[-1]}" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "FAIL: mock server ($name) did not start"
    return 1
}

start_mock http
http_port=$mock_port
args=(--server "$server" --http-port "$http_port")
if [ "$tls" = "--tls" ]; then
    make_certs "$work"
    start_mock tls --tls-cert "$work/server.pem" --tls-key "$work/server.key"
    tls_port=$mock_port
    args+=(--tls-port "$tls_port" --ca "$work/ca.pem" --tls-name "$tls_name")
fi

if [ "$heron_links" != 0 ]; then
    args+=(--heron-links "$heron_links")
fi
if [ -n "$dns_py" ]; then
    dns_ready="$work/dns.ready"
    ip netns exec "$ns" python3 "$dns_py" --host "$server" --port 53 --ready-file "$dns_ready" \
        >"$work/dns.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        [ -e "$dns_ready" ] && break
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    [ -e "$dns_ready" ] || { echo "FAIL: DNS responder did not start"; exit 1; }
    args+=(--dns "$server")
fi
args+=("${bin_args[@]}")

echo "namespace $ns: lwIP on $tap (MTU $mtu), mock server $server:$http_port${tls_port:+ (TLS :$tls_port)}"
ip netns exec "$ns" env PRECONFIGURED_TAPIF="$tap" timeout 200 "$bin" "${args[@]}"
