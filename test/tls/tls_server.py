#!/usr/bin/env python3
"""A small TLS server on loopback that reports what it received.

For each connection it records whether the handshake completed (and the
error if not), the TLS version, whether the session was resumed, and every
application byte that arrived after the handshake. The banklink TLS tests
use it to prove that a refused certificate lets no request byte (and so no
API key) reach the server.

HTTP: each request (headers + Content-Length body) is answered with
`{"ok":true,"path":...,"received":N}`; keep-alive unless the request says
`Connection: close`; path `/close` answers and then closes with
close_notify. Run standalone for manual tests:

    python3 tls_server.py --cert server.pem --key server.key [--max-tls 1.1|1.2] [--min-tls 1.3]
                          [--allow-no-dhe]
"""

import argparse
import json
import socket
import ssl
import subprocess
import threading
import time
import warnings

# OpenSSL's SSL_OP_ALLOW_NO_DHE_KEX (SSL_OP_BIT(10), 1.1.1 and 3.x).
SSL_OP_ALLOW_NO_DHE_KEX = 1 << 10


class Conn:
    """What one connection saw."""

    def __init__(self, idx):
        self.idx = idx
        self.handshake = None      # "ok" or the error text
        self.version = None
        self.cipher = None
        self.resumed = False
        self.app_bytes = 0
        self.data = b""
        self.requests = 0

    def as_dict(self):
        return {"idx": self.idx, "handshake": self.handshake, "version": self.version,
                "cipher": self.cipher, "resumed": self.resumed,
                "app_bytes": self.app_bytes, "requests": self.requests}


class TLSServer:
    """Threaded TLS/HTTP server on 127.0.0.1, ephemeral port."""

    def __init__(self, cert, key, max_tls=None, hang=False, host="127.0.0.1", min_tls=None, allow_no_dhe=False):
        self.hang = hang
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if min_tls == "1.3":
            self.ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        if allow_no_dhe:
            # TLS 1.3 psk_ke resumption (no ECDHE) when the client asks for
            # it. Python has no name for SSL_OP_ALLOW_NO_DHE_KEX: its value.
            self.ctx.options |= getattr(ssl, "OP_ALLOW_NO_DHE_KEX", SSL_OP_ALLOW_NO_DHE_KEX)
        if max_tls == "1.1":
            # Only 1.0/1.1: OpenSSL 3 needs security level 0 to offer them.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self.ctx.minimum_version = ssl.TLSVersion.TLSv1
                self.ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            self.ctx.set_ciphers("DEFAULT@SECLEVEL=0")
        elif max_tls == "1.2":
            self.ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.ctx.load_cert_chain(cert, key)
        self.lock = threading.Lock()
        self.conns = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                c = Conn(len(self.conns))
                self.conns.append(c)
            threading.Thread(target=self._serve, args=(raw, c), daemon=True).start()

    def _serve(self, raw, c):
        raw.settimeout(10)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.hang:
            # Accept TCP, never answer the ClientHello: a handshake timeout.
            try:
                while raw.recv(4096):
                    pass
            except OSError:
                pass
            raw.close()
            with self.lock:
                c.handshake = "hung"
            return
        try:
            s = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError) as e:
            with self.lock:
                c.handshake = str(e)
            # Anything the client still sends is counted: it must be nothing.
            self._drain_raw(raw, c)
            return
        with self.lock:
            c.handshake = "ok"
            c.version = s.version()
            c.cipher = s.cipher()[0] if s.cipher() else None
            c.resumed = bool(s.session_reused)
        try:
            self._http(s, c)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                s.close()
            except OSError:
                pass

    def _drain_raw(self, raw, c):
        try:
            raw.settimeout(0.5)
            while raw.recv(4096):
                pass
        except OSError:
            pass
        raw.close()

    def _http(self, s, c):
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(16384)
                if not chunk:
                    return
                with self.lock:
                    c.app_bytes += len(chunk)
                    c.data += chunk
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            need = int(headers.get("content-length", "0"))
            while len(buf) < need:
                chunk = s.recv(16384)
                if not chunk:
                    return
                with self.lock:
                    c.app_bytes += len(chunk)
                    c.data += chunk
                buf += chunk
            buf = buf[need:]
            with self.lock:
                c.requests += 1
                received = c.app_bytes
            body = json.dumps({"ok": True, "path": path, "received": received}).encode()
            close = path == "/close" or headers.get("connection", "").lower() == "close"
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                      b"Connection: %s\r\n\r\n%s" % (len(body), b"close" if close else b"keep-alive", body))
            if close:
                s.unwrap()   # close_notify
                return

    def stats(self):
        with self.lock:
            return [c.as_dict() for c in self.conns]

    def received(self):
        with self.lock:
            return b"".join(c.data for c in self.conns)

    def wait_idle(self, count, timeout=5.0):
        """Wait until @count connections have a handshake outcome."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.conns) >= count and all(c.handshake for c in self.conns[:count]):
                    return True
            time.sleep(0.01)
        return False

    def close(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass


class OpenSSLServer:
    """`openssl s_server -www` on 127.0.0.1, ephemeral port: a second TLS
    implementation's server configuration (versions, signature algorithms,
    psk_ke) under the same tests. Its status page names the session "New"
    or "Reused", which is how it reports resumption to the client."""

    def __init__(self, cert, key, versions=None, sigalgs=None, allow_no_dhe=False, extra=()):
        cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key, "-www"]
        if versions == "1.2":
            cmd.append("-tls1_2")
        elif versions == "1.3":
            cmd.append("-tls1_3")
        if sigalgs:
            cmd += ["-sigalgs", sigalgs]
        if allow_no_dhe:
            cmd.append("-allow_no_dhe_kex")
        cmd += list(extra)
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.port = None
        self.started = threading.Event()
        # One reader thread finds the ACCEPT line and then drains the output
        # so the server never blocks on a full pipe; the wait is bounded.
        threading.Thread(target=self._read, daemon=True).start()
        if not self.started.wait(10) or self.port is None:
            self.close()
            raise RuntimeError("openssl s_server did not start: %s" % " ".join(cmd))

    def _read(self):
        for line in self.proc.stdout:
            if self.port is None and line.startswith("ACCEPT "):
                self.port = int(line.rsplit(":", 1)[1])
                self.started.set()
        self.started.set()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--max-tls", choices=["1.1", "1.2"])
    p.add_argument("--min-tls", choices=["1.3"])
    p.add_argument("--allow-no-dhe", action="store_true", help="accept TLS 1.3 psk_ke resumption")
    opts = p.parse_args()
    srv = TLSServer(opts.cert, opts.key, opts.max_tls, min_tls=opts.min_tls, allow_no_dhe=opts.allow_no_dhe)
    print("listening on 127.0.0.1 port %d" % srv.port, flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print(json.dumps(srv.stats(), indent=1))


if __name__ == "__main__":
    main()
