#!/usr/bin/env python3
"""SLIP <-> TUN bridge between QEMU's serial port and a Linux TUN device.

    slip_tun_bridge.py --tun bltun0 --socket /tmp/w/slip.sock \
        [--mtu 1500] [--ready-file F] [--log F|-] [--verbose]

It opens /dev/net/tun (IFF_TUN | IFF_NO_PI) for the named device: run it
inside the network namespace where the device lives (one made beforehand
with `ip tuntap add dev NAME mode tun` is attached to; otherwise it is
created, and goes away when the bridge exits). It then listens on a unix
socket; QEMU connects to it as a client (-chardev socket,id=slip,path=P,
without server=on) and its UART carries RFC 1055 SLIP:

  * every SLIP frame from QEMU becomes one packet written to the TUN fd;
  * every packet read from the TUN fd goes to QEMU as END, escaped bytes, END.

One select() loop, no threads. Packets that arrive from TUN before QEMU is
connected are dropped (and counted); frames longer than --mtu are dropped
and counted; output to QEMU is buffered without blocking (QEMU reads its
UART slowly) and bounded. The bridge exits when QEMU's connection closes,
on SIGTERM/SIGINT, or after --accept-timeout seconds without a connection.
With --log, per-direction packet and byte counts are printed at exit.
Python 3 standard library only.
"""

import argparse
import errno
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys
import time

END = 0xC0
ESC = 0xDB
ESC_END = 0xDC
ESC_ESC = 0xDD

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

# Bytes waiting for QEMU beyond this are not queued: the packet is dropped
# (TCP retransmits it), so a guest that stops reading cannot grow us.
MAX_PENDING = 256 * 1024


def slip_encode(packet):
    """One SLIP frame for @packet: END, the bytes with END/ESC escaped, END."""
    body = bytes(packet).replace(bytes([ESC]), bytes([ESC, ESC_ESC]))
    body = body.replace(bytes([END]), bytes([ESC, ESC_END]))
    return bytes([END]) + body + bytes([END])


class SlipDecoder:
    """Incremental RFC 1055 decoder: feed() bytes, get back complete frames.

    Empty frames (back-to-back ENDs, the END lwIP's slipif sends before each
    frame) are skipped. A frame longer than @mtu is dropped whole at its END
    and counted in `oversize`. END always ends a frame (so the decoder finds
    the next frame after line noise); a frame whose last byte is a lone ESC
    is damaged and dropped. An ESC followed by anything but ESC_END or
    ESC_ESC is a protocol error: counted in `errors`, the byte kept as RFC
    1055's reference code does.
    """

    def __init__(self, mtu=1500):
        self.mtu = mtu
        self.buf = bytearray()
        self.escaped = False
        self.too_long = False
        self.oversize = 0
        self.errors = 0

    def feed(self, data):
        frames = []
        for b in data:
            if b == END:
                if self.too_long:
                    self.oversize += 1
                elif self.escaped:
                    self.errors += 1   # ESC right before END: a damaged frame, dropped
                elif self.buf:
                    frames.append(bytes(self.buf))
                self.buf = bytearray()
                self.escaped = False
                self.too_long = False
                continue
            if self.escaped:
                self.escaped = False
                if b == ESC_END:
                    b = END
                elif b == ESC_ESC:
                    b = ESC
                else:
                    self.errors += 1
            elif b == ESC:
                self.escaped = True
                continue
            if self.too_long:
                continue
            if len(self.buf) >= self.mtu:
                self.too_long = True
                self.buf = bytearray()
                continue
            self.buf.append(b)
        return frames


def open_tun(name):
    """The fd of TUN device @name (IFF_TUN | IFF_NO_PI), non-blocking."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    try:
        ifr = struct.pack("16sH", name.encode("ascii"), IFF_TUN | IFF_NO_PI)
        fcntl.ioctl(fd, TUNSETIFF, ifr)
    except OSError:
        os.close(fd)
        raise
    return fd


def describe(packet):
    """A short text for one IPv4 packet (for --verbose)."""
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return "%d B (not IPv4)" % len(packet)
    proto = {1: "icmp", 6: "tcp", 17: "udp"}.get(packet[9], str(packet[9]))
    src = socket.inet_ntoa(packet[12:16])
    dst = socket.inet_ntoa(packet[16:20])
    extra = ""
    ihl = (packet[0] & 15) * 4
    if packet[9] == 6 and len(packet) >= ihl + 14:
        sport, dport = struct.unpack("!HH", packet[ihl:ihl + 4])
        flags = packet[ihl + 13]
        names = "".join(c for bit, c in ((2, "S"), (16, "A"), (8, "P"), (1, "F"), (4, "R"))
                        if flags & bit)
        extra = " %d->%d [%s]" % (sport, dport, names)
    return "%s %s->%s%s %d B" % (proto, src, dst, extra, len(packet))


class Stats:
    def __init__(self):
        self.to_tun_packets = 0
        self.to_tun_bytes = 0
        self.from_tun_packets = 0
        self.from_tun_bytes = 0
        self.tun_write_errors = 0
        self.dropped_no_peer = 0
        self.dropped_backlog = 0
        self.slip_oversize = 0
        self.slip_errors = 0
        self.serial_bytes_in = 0
        self.serial_bytes_out = 0

    def text(self):
        return ("bridge: qemu->tun %d packets %d B; tun->qemu %d packets %d B; serial in %d B out %d B; "
                "dropped: oversize %d, no peer %d, backlog %d, tun write errors %d; slip errors %d"
                % (self.to_tun_packets, self.to_tun_bytes, self.from_tun_packets, self.from_tun_bytes,
                   self.serial_bytes_in, self.serial_bytes_out, self.slip_oversize,
                   self.dropped_no_peer, self.dropped_backlog, self.tun_write_errors, self.slip_errors))


class Bridge:
    def __init__(self, opts, out):
        self.opts = opts
        self.out = out
        self.stats = Stats()
        self.decoder = SlipDecoder(opts.mtu)
        self.pending = bytearray()
        self.conn = None
        self.tun = None
        self.lsock = None
        self.start = time.monotonic()

    def say(self, msg):
        if self.out is not None:
            self.out.write("[%8.3f] %s\n" % (time.monotonic() - self.start, msg))
            self.out.flush()

    def setup(self):
        self.tun = open_tun(self.opts.tun)
        path = self.opts.socket
        if os.path.exists(path):
            os.unlink(path)
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(path)
        self.lsock.listen(1)
        self.lsock.setblocking(False)
        if self.opts.ready_file:
            tmp = self.opts.ready_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % os.getpid())
            os.replace(tmp, self.opts.ready_file)
        self.say("listening on %s, tun %s, mtu %d" % (path, self.opts.tun, self.opts.mtu))

    def close(self):
        for s in (self.conn, self.lsock):
            if s is not None:
                s.close()
        if self.tun is not None:
            os.close(self.tun)
        try:
            os.unlink(self.opts.socket)
        except OSError:
            pass
        self.stats.slip_oversize = self.decoder.oversize
        self.stats.slip_errors = self.decoder.errors

    def from_serial(self, data):
        self.stats.serial_bytes_in += len(data)
        for frame in self.decoder.feed(data):
            try:
                os.write(self.tun, frame)
            except OSError as e:
                self.stats.tun_write_errors += 1
                self.say("tun write failed (%s): %s" % (e.strerror, describe(frame)))
                continue
            self.stats.to_tun_packets += 1
            self.stats.to_tun_bytes += len(frame)
            if self.opts.verbose:
                self.say("qemu->tun %s" % describe(frame))

    def from_tun(self):
        # Drain what the kernel has queued: one read() is one packet.
        for _ in range(64):
            try:
                packet = os.read(self.tun, 65536)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    return
                raise
            if self.conn is None:
                self.stats.dropped_no_peer += 1
                continue
            frame = slip_encode(packet)
            if len(self.pending) + len(frame) > MAX_PENDING:
                self.stats.dropped_backlog += 1
                continue
            self.pending += frame
            self.stats.from_tun_packets += 1
            self.stats.from_tun_bytes += len(packet)
            if self.opts.verbose:
                self.say("tun->qemu %s" % describe(packet))

    def run(self):
        deadline = None
        if self.opts.accept_timeout > 0:
            deadline = time.monotonic() + self.opts.accept_timeout
        while True:
            rd = [self.tun]
            wr = []
            if self.conn is None:
                rd.append(self.lsock)
            else:
                rd.append(self.conn)
                if self.pending:
                    wr.append(self.conn)
            timeout = 1.0
            r, w, _ = select.select(rd, wr, [], timeout)
            if self.conn is None and deadline is not None and time.monotonic() > deadline:
                self.say("no connection within %g s" % self.opts.accept_timeout)
                return 2
            if self.lsock in r:
                try:
                    self.conn, _ = self.lsock.accept()
                except BlockingIOError:
                    continue
                self.conn.setblocking(False)
                self.say("peer connected")
            if self.tun in r:
                self.from_tun()
            if self.conn is not None and self.conn in r:
                try:
                    data = self.conn.recv(65536)
                except (BlockingIOError, InterruptedError):
                    data = None
                except ConnectionResetError:
                    data = b""
                if data == b"":
                    self.say("peer closed the connection")
                    return 0
                if data:
                    self.from_serial(data)
            if self.conn is not None and self.conn in w and self.pending:
                try:
                    n = self.conn.send(self.pending)
                except (BlockingIOError, InterruptedError):
                    n = 0
                except (BrokenPipeError, ConnectionResetError):
                    self.say("peer closed the connection")
                    return 0
                del self.pending[:n]
                self.stats.serial_bytes_out += n


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tun", required=True, help="TUN device name (e.g. bltun0)")
    p.add_argument("--socket", required=True, help="unix socket path QEMU connects to")
    p.add_argument("--mtu", type=int, default=1500, help="largest packet accepted from SLIP (default 1500)")
    p.add_argument("--ready-file", help="written (with the pid) once the socket listens")
    p.add_argument("--log", help="log file ('-' = stderr); counts are printed there at exit")
    p.add_argument("--stats-json", help="write the counts as JSON here at exit")
    p.add_argument("--accept-timeout", type=float, default=0,
                   help="exit 2 if no peer connected within this many seconds (0: wait forever)")
    p.add_argument("--verbose", action="store_true", help="log every packet (needs --log)")
    return p.parse_args(argv)


def main(argv=None):
    opts = parse_args(argv)
    out = None
    if opts.log == "-":
        out = sys.stderr
    elif opts.log:
        out = open(opts.log, "a", buffering=1)

    def on_signal(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    bridge = Bridge(opts, out)
    rc = 1
    try:
        bridge.setup()
        rc = bridge.run()
    except SystemExit:
        bridge.say("stopped by signal")
        rc = 0
    finally:
        bridge.close()
        bridge.say(bridge.stats.text())
        if opts.stats_json:
            with open(opts.stats_json, "w") as f:
                json.dump(vars(bridge.stats), f)
        if out is not None and out is not sys.stderr:
            out.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
