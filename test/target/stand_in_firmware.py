#!/usr/bin/env python3
"""A stand-in for the network firmware, to test the harness without QEMU.

    run_target_test.py ... --no-build --fake-qemu \
        "ip netns exec {ns} python3 test/target/stand_in_firmware.py {elf} {socket} CA_PEM"

Makes the calls of the firmware's scenario (the image is told by the ELF's
name: *_16k.elf or *_4k.elf) straight from inside the namespace with
Python's ssl, not over SLIP, and prints check/figure/result lines in the
firmware's format; figures are made-up numbers. So the harness's
server-side checks, figure parsing and teardown can be tried while the
firmware does not exist or does not work. It holds the unix socket open
for the run, as QEMU does, so the bridge stays up. Test tool only.
"""

import http.client
import json
import socket
import ssl
import sys

HOST = "198.18.0.1"


class Conn:
    def __init__(self, ctx, port, session=None, name="localhost"):
        raw = socket.create_connection((HOST, port), timeout=10)
        self.s = ctx.wrap_socket(raw, server_hostname=name, session=session)
        self.s.do_handshake()

    def call(self, method, path, headers, body=b""):
        head = "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n" % (method, path, len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        self.s.sendall(head.encode() + body)
        r = http.client.HTTPResponse(self.s)
        r.begin()
        data = r.read()
        return r.status, data

    def close(self):
        self.s.close()


def check(name, ok, detail=""):
    print("check: %s %s" % (name, "ok" if ok else "FAIL BL_ERR_TEST " + detail), flush=True)
    return ok


def heron(conn, item):
    body = json.dumps({"end_user": {"access_token": "access-cm4-1"}}).encode()
    return conn.call("PUT", "/api/integration_links/" + item,
                     {"x-api-key": "test-heron-key", "Content-Type": "application/json"}, body)


def run_16k(ctx):
    ok = True
    c = Conn(ctx, 8443)
    st, data = c.call("POST", "/auth/token", {"Content-Type": "application/x-www-form-urlencoded"},
                      b"grant_type=client_credentials&client_id=test-client-id&client_secret=test-client-secret")
    ok &= check("moneykit_token", st == 201, str(st))
    token = json.loads(data).get("access_token", "") if st == 201 else ""
    st, _ = c.call("POST", "/link-session/exchange-token",
                   {"Authorization": "Bearer " + token, "Content-Type": "application/json",
                    "moneykit-version": "2023-02-18"},
                   json.dumps({"exchangeable_token": "public-token-cm4-1"}).encode())
    ok &= check("moneykit_exchange", st in (200, 201), str(st))
    st, _ = heron(c, "cm4-item-1")
    ok &= check("heron_update_link", st == 200, str(st))
    ok &= check("keepalive_reuse", True)
    session = c.s.session
    c.close()
    c = Conn(ctx, 8443, session)
    st, _ = heron(c, "cm4-item-2")
    ok &= check("tls_resumed", st == 200 and c.s.session_reused, "%s %s" % (st, c.s.session_reused))
    st, data = c.call("GET", "/api/end_users/end-user-bulk/integration_links", {"x-api-key": "test-heron-key"})
    n = len(json.loads(data)["links"]) if st == 200 else 0
    ok &= check("heron_list_1000", n == 1000, str(n))
    c.close()
    try:
        Conn(ctx, 8444).close()
        ok &= check("wrong_host_refused", False, "connected")
    except ssl.SSLCertVerificationError:
        ok &= check("wrong_host_refused", True)
    c = Conn(ctx, 8445)
    try:
        st, _ = c.call("POST", "/link-session/exchange-token",
                       {"Authorization": "Bearer test-static-token", "Content-Type": "application/json",
                        "moneykit-version": "2023-02-18"},
                       json.dumps({"exchangeable_token": "public-token-cm4-cut"}).encode())
        ok &= check("exchange_outcome_unknown", False, "answered %s" % st)
    except (http.client.HTTPException, OSError):
        ok &= check("exchange_outcome_unknown", True)
    c.close()
    c = Conn(ctx, 8446)
    st, _ = heron(c, "cm4-item-rsa")
    ok &= check("rsa_chain", st == 200, str(st))
    c.close()
    for i, f in enumerate(["tls_arena_size", "tls_arena_peak_full_16k", "tls_arena_peak_resumed_16k",
                           "stack_peak", "lwip_mem_peak", "lwip_memp_peak_TCP_PCB"]):
        print("figure: %s = %d B" % (f, 1000 * (i + 1)))
    for f, v in (("insns_full_handshake_16k", 50000000), ("insns_resumed_handshake_16k", 2000000),
                 ("insns_keepalive_call", 300000), ("insns_list_1000", 9000000)):
        print("figure: %s = %d insns" % (f, v))
    return ok


def run_4k(ctx):
    c = Conn(ctx, 8443)
    st, _ = heron(c, "cm4-item-mfl-1")
    ok = check("mfl_full", st == 200, str(st))
    session = c.s.session
    c.close()
    c = Conn(ctx, 8443, session)
    st, _ = heron(c, "cm4-item-mfl-2")
    ok &= check("mfl_resumed", st == 200 and c.s.session_reused, str(st))
    c.close()
    for f in ("tls_arena_peak_full_4k_mfl", "tls_arena_peak_resumed_4k_mfl", "stack_peak_4k"):
        print("figure: %s = 4000 B" % f)
    print("figure: insns_full_handshake_4k = 50000000 insns")
    print("figure: insns_resumed_handshake_4k = 2000000 insns")
    return ok


def main():
    elf, sock_path, ca = sys.argv[1:4]
    line = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    line.connect(sock_path)
    ctx = ssl.create_default_context(cafile=ca)
    print("stand-in firmware for %s (not the real one)" % elf, flush=True)
    ok = run_16k(ctx) if "16k" in elf else run_4k(ctx)
    print("result: %s" % ("pass" if ok else "fail"), flush=True)
    line.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
