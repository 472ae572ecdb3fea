#!/usr/bin/env python3
"""A stand-in for the firmware's end of the SLIP line (tests the bridge without QEMU).

    slip_peer.py --socket PATH --addr 198.18.0.2 [--seconds 10] [--tcp HOST:PORT]

Connects to the bridge's unix socket as QEMU does, and speaks SLIP as
198.18.0.2:
  * answers every ICMP echo request (so `ping 198.18.0.2` in the namespace
    works through TUN -> bridge -> here -> bridge -> TUN);
  * with --tcp, opens one TCP connection to HOST:PORT (a minimal TCP: SYN,
    in-order data, FIN), sends "GET /__mock/stats HTTP/1.1" in plain HTTP and
    prints the status line it gets back, then closes.
It exits after --seconds or once the TCP exchange is done (with --tcp: 0 if
the answer came, 1 otherwise). Test tool only; Python standard library.
"""

import argparse
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slip_tun_bridge import SlipDecoder, slip_encode  # noqa: E402


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_packet(src, dst, proto, payload, ident=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def tcp_segment(src, dst, sport, dport, seq, ack, flags, data=b""):
    opts = b""
    if flags & 0x02:
        opts = struct.pack("!BBH", 2, 4, 1460)   # MSS
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(data))
    csum = checksum(pseudo + hdr + data)
    hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
    return hdr + data


class Peer:
    def __init__(self, opts):
        self.opts = opts
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(opts.socket)
        self.dec = SlipDecoder(1500)
        self.ident = 1
        self.tcp = None
        self.answer = b""
        self.done = False
        self.pings = 0

    def send_ip(self, dst, proto, payload):
        self.ident += 1
        self.sock.sendall(slip_encode(ip_packet(self.opts.addr, dst, proto, payload, self.ident)))

    def on_packet(self, pkt):
        if len(pkt) < 20 or pkt[0] >> 4 != 4:
            return
        ihl = (pkt[0] & 15) * 4
        src = socket.inet_ntoa(pkt[12:16])
        dst = socket.inet_ntoa(pkt[16:20])
        if dst != self.opts.addr:
            return
        body = pkt[ihl:struct.unpack("!H", pkt[2:4])[0]]
        if pkt[9] == 1 and body[:1] == b"\x08":   # echo request -> reply
            reply = b"\x00\x00\x00\x00" + body[4:]
            reply = reply[:2] + struct.pack("!H", checksum(reply)) + reply[4:]
            self.send_ip(src, 1, reply)
            self.pings += 1
        elif pkt[9] == 6 and self.tcp is not None:
            self.on_tcp(src, body)

    def tcp_send(self, flags, data=b""):
        t = self.tcp
        seg = tcp_segment(self.opts.addr, t["host"], t["sport"], t["port"], t["seq"], t["ack"], flags, data)
        self.send_ip(t["host"], 6, seg)
        t["seq"] = (t["seq"] + len(data) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    def tcp_open(self, host, port):
        self.tcp = {"host": host, "port": port, "sport": random.randrange(40000, 60000),
                    "seq": random.randrange(1 << 32), "ack": 0, "state": "syn_sent"}
        self.tcp_send(0x02)

    def on_tcp(self, src, seg):
        t = self.tcp
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", seg[:14])
        if src != t["host"] or sport != t["port"] or dport != t["sport"]:
            return
        data = seg[(off >> 4) * 4:]
        if flags & 0x04:
            t["state"] = "reset"
            self.done = True
            return
        if t["state"] == "syn_sent" and flags & 0x12 == 0x12:
            t["ack"] = (seq + 1) & 0xFFFFFFFF
            t["state"] = "open"
            self.tcp_send(0x10)
            req = b"GET /__mock/stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            self.tcp_send(0x18, req)
            return
        if seq != t["ack"]:
            self.tcp_send(0x10)   # out of order: ask again
            return
        if data:
            self.answer += data
            t["ack"] = (t["ack"] + len(data)) & 0xFFFFFFFF
        if flags & 0x01:
            t["ack"] = (t["ack"] + 1) & 0xFFFFFFFF
            self.tcp_send(0x11)
            t["state"] = "closed"
            self.done = True
            return
        if data:
            self.tcp_send(0x10)

    def run(self):
        end = time.monotonic() + self.opts.seconds
        if self.opts.tcp:
            host, port = self.opts.tcp.rsplit(":", 1)
            self.tcp_open(host, int(port))
        while time.monotonic() < end and not self.done:
            r, _, _ = select.select([self.sock], [], [], 0.2)
            if r:
                data = self.sock.recv(65536)
                if not data:
                    break
                for pkt in self.dec.feed(data):
                    self.on_packet(pkt)
        print("peer: answered %d pings" % self.pings)
        if self.opts.tcp:
            line = self.answer.split(b"\r\n", 1)[0].decode("latin-1")
            print("peer: tcp %s, %d B, status line %r" % (self.tcp["state"], len(self.answer), line))
            return 0 if line.startswith("HTTP/1.1 200") and len(self.answer) > 1000 else 1
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--socket", required=True)
    p.add_argument("--addr", default="198.18.0.2")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--tcp", metavar="HOST:PORT")
    opts = p.parse_args()
    peer = Peer(opts)
    try:
        return peer.run()
    finally:
        peer.sock.close()


if __name__ == "__main__":
    sys.exit(main())
