"""HTTP/1.1 on a raw socket, strict enough to catch a client's mistakes.

The mock server cannot use http.server: it must be able to answer with
broken framing on purpose (conflicting Content-Length, garbage status
line, one byte per send, close mid-body), and it must refuse requests the
way a strict production server would (bad request line, bare LF, missing
Host, unencoded characters in the target), so that a banklink bug shows up
as a failed request rather than being papered over.
"""

import re
import socket

MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024

# RFC 3986 characters allowed unencoded in origin-form (path + query).
TARGET_RE = re.compile(rb"^/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$")
TOKEN_RE = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
REQUEST_LINE_RE = re.compile(rb"^([A-Z]+) (\S+) HTTP/(1\.[01])$")


class BadRequest(Exception):
    """The request is not acceptable HTTP; answer @status and close."""

    def __init__(self, status, message, path="/"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


class Request:
    """A parsed request. Header names are lowercased; values are latin-1."""

    def __init__(self, method, target, version, headers, body):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers          # list of (lowercase name, value)
        self.body = body
        self.path, _, self.query = target.partition("?")
        self.variants = frozenset()     # fixture variants chosen by behaviours

    def header(self, name, default=None):
        """The value of header @name; repeated headers are joined by ", "."""
        values = [v for n, v in self.headers if n == name]
        return ", ".join(values) if values else default

    def header_dict(self):
        out = {}
        for n, v in self.headers:
            out[n] = out[n] + ", " + v if n in out else v
        return out

    def wants_close(self):
        tokens = [t.strip().lower() for t in self.header("connection", "").split(",")]
        if self.version == "1.0":
            return "keep-alive" not in tokens
        return "close" in tokens


class Conn:
    """A buffered reader over one (possibly TLS) socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.last_error = None   # why wait_for_request() gave up

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("peer closed")
        self.buf += data

    def _take_until(self, delim, limit, what):
        while True:
            i = self.buf.find(delim)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(delim):]
                return out
            if len(self.buf) > limit:
                raise BadRequest(431 if what == "head" else 400, what + " too long")
            self._fill()

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def wait_for_request(self, idle_s):
        """Wait up to @idle_s for the first byte of a request.

        Returns False when the peer closed or stayed idle (the caller closes).
        """
        if self.buf:
            return True
        self.sock.settimeout(idle_s)
        try:
            self._fill()
        except (EOFError, socket.timeout, OSError) as e:
            self.last_error = e
            return False
        return True

    def read_request(self, send_continue):
        """Read one full request; raises BadRequest, EOFError, OSError."""
        self.sock.settimeout(30)
        while self.buf.startswith(b"\r\n"):   # RFC 9112 2.2: ignore a leading CRLF
            self.buf = self.buf[2:]
        if self.buf and not self.buf[:1].isupper():
            # e.g. a TLS ClientHello (0x16) on the plain port: refuse at once
            # instead of waiting for a request head that never comes.
            raise BadRequest(400, "not HTTP: first byte 0x%02x" % self.buf[0])
        head = self._take_until(b"\r\n\r\n", MAX_HEAD, "head")
        lines = head.split(b"\r\n")
        m = REQUEST_LINE_RE.match(lines[0])
        if not m:
            raise BadRequest(400, "malformed request line %r" % lines[0][:200])
        method, target, version = (m.group(1).decode(), m.group(2), m.group(3).decode())
        path = target.split(b"?")[0].decode("latin-1")
        if not TARGET_RE.match(target):
            raise BadRequest(400, "request target has characters that must be "
                             "percent-encoded: %r" % target[:200], path)
        headers = []
        for line in lines[1:]:
            if line[:1] in (b" ", b"\t"):
                raise BadRequest(400, "obsolete header line folding", path)
            name, sep, value = line.partition(b":")
            if not sep or not TOKEN_RE.match(name):
                raise BadRequest(400, "malformed header line %r" % line[:200], path)
            if any(c in value for c in (b"\n", b"\r", b"\0")):
                raise BadRequest(400, "CR, LF or NUL inside header %r" % name, path)
            headers.append((name.decode().lower(), value.strip(b" \t").decode("latin-1")))
        req = Request(method, target.decode("latin-1"), version, headers, b"")
        hosts = [v for n, v in headers if n == "host"]
        if version == "1.1" and len(hosts) != 1:
            raise BadRequest(400, "HTTP/1.1 request needs exactly one Host header", path)
        req.body = self._read_body(req, send_continue, path)
        return req

    def _read_body(self, req, send_continue, path):
        te = req.header("transfer-encoding")
        lengths = {v.strip() for n, v in req.headers if n == "content-length"}
        if te is not None:
            if te.strip().lower() != "chunked" or lengths:
                raise BadRequest(400, "unsupported Transfer-Encoding %r" % te, path)
            if (req.header("expect") or "").lower() == "100-continue":
                send_continue()
            return self._read_chunked(path)
        if not lengths:
            return b""
        if len(lengths) > 1 or not all(x.isdigit() for x in lengths):
            raise BadRequest(400, "bad Content-Length %r" % sorted(lengths), path)
        n = int(lengths.pop())
        if n > MAX_BODY:
            raise BadRequest(413, "body too large", path)
        if n and (req.header("expect") or "").lower() == "100-continue":
            send_continue()
        return self._take(n)

    def _read_chunked(self, path):
        body = b""
        while True:
            line = self._take_until(b"\r\n", 1024, "chunk size")
            size = line.split(b";")[0].strip()
            if not re.match(rb"^[0-9A-Fa-f]+$", size):
                raise BadRequest(400, "bad chunk size %r" % line[:100], path)
            n = int(size, 16)
            if n == 0:
                break
            if len(body) + n > MAX_BODY:
                raise BadRequest(413, "body too large", path)
            body += self._take(n)
            if self._take(2) != b"\r\n":
                raise BadRequest(400, "chunk not followed by CRLF", path)
        while self._take_until(b"\r\n", MAX_HEAD, "trailer"):
            pass
        return body


SEND_PIECE = 64 * 1024


def send(sock, data, bytewise):
    """Write @data, one send per byte when @bytewise. Returns the sends made
    (a whole answer counts as one).

    Python's socket timeout bounds a whole sendall(), so one sendall of a
    long list to a slow reader (a Cortex-M under QEMU reading a 400 KB list
    through a one-byte UART) times out although the reader keeps up. Pieces
    of SEND_PIECE bytes give each piece the timeout: a stalled reader is
    still dropped, a slow one is not."""
    if not bytewise:
        view = memoryview(data)
        for i in range(0, len(data), SEND_PIECE):
            sock.sendall(view[i:i + SEND_PIECE])
        return 1
    for i in range(len(data)):
        sock.sendall(data[i:i + 1])
    return len(data)


CHUNK_MAX = 1531   # odd, so chunk boundaries fall anywhere in a long list


def chunk_body(body):
    """@body as chunked transfer coding: several chunks, one with an
    extension, upper- and lower-case hex sizes, and a trailer header. A
    long body (a list) goes in chunks of at most CHUNK_MAX bytes, so that
    chunk headers keep arriving while a client streams it."""
    pieces, n = [], len(body)
    cuts = {0, n // 5, n // 2, (4 * n) // 5, n}
    if n > 4 * CHUNK_MAX:
        cuts.update(range(0, n, CHUNK_MAX))
    cuts = sorted(cuts)
    for a, b in zip(cuts, cuts[1:]):
        if b > a:
            pieces.append(body[a:b])
    out = []
    for i, p in enumerate(pieces):
        size = ("%x;ext=1" % len(p)) if i == 0 else ("%X" % len(p) if i % 2 else "%x" % len(p))
        out.append(size.encode() + b"\r\n" + p + b"\r\n")
    return b"".join(out) + b"0\r\nX-Mock-Trailer: done\r\n\r\n"
