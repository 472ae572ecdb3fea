#!/usr/bin/env python3
"""A DNS server that knows no name: every query gets NXDOMAIN (stdlib only).

The raw-API lwIP test points lwIP's resolver at it, so dns_gethostbyname()
takes its asynchronous path (query out, answer in, found callback with no
address) and banklink's port must turn that into BL_ERR_RESOLVE.

    python3 nxdomain_dns.py --host 198.18.0.1 --port 53 --ready-file F
"""

import argparse
import socket
import struct
import sys


def answer(query):
    """The NXDOMAIN reply to one query, or None if it is not a query."""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    if flags & 0x8000:  # a response, not a query
        return None
    # QR=1, opcode copied, RD copied, RA=1, RCODE=3 (NXDOMAIN); echo the question.
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
    return struct.pack("!HHHHHH", qid, rflags, qdcount, 0, 0, 0) + query[12:]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--ready-file", required=True)
    a = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.host, a.port))
    with open(a.ready_file, "w", encoding="ascii") as f:
        f.write("ready\n")
    while True:
        data, peer = s.recvfrom(2048)
        reply = answer(data)
        if reply is not None:
            s.sendto(reply, peer)
            print("NXDOMAIN to %s:%d (%d bytes)" % (peer[0], peer[1], len(data)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
