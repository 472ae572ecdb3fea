#!/usr/bin/env python3
"""Local mock server of the Heron Data and MoneyKit APIs (stdlib only).

One process serves both APIs (their paths do not overlap), validates
requests like the real services, and answers errors in each vendor's
format (see mock_apis.py). Behaviours change how answers go on the wire,
to test a client's HTTP reader, retries and deadlines:

    python3 mock_server.py --port 0 --port-file /tmp/port --behaviour chunked

Control endpoints (not part of either API):
    POST /__mock/config  {"behaviours": ["chunked", "status:503:2"]}  replace the set
    POST /__mock/reset   clear behaviours, recorded requests, counters and
                         links (the --heron-links/--moneykit-links come back)
    POST /__mock/seed    {"heron_links": N, "moneykit_links": N, ...} add links
    GET  /__mock/stats   what the server saw (see State.stats): connections,
                         requests (method, path, headers, body, connection,
                         response), bad_requests, exchanged_tokens,
                         issued_tokens, tls_resumed (every connection), tls_resumed_api
                         (API connections only), tls_errors, idle_closed,
                         heron_links, heron_end_users, moneykit_links
Run with --help for the options and --list-behaviours for the behaviours.
"""

import argparse
import copy
import email.utils
import json
import os
import signal
import socket
import sys
import threading
import time

import mock_apis as apis
import mock_http as mh
import mock_links   # adds the link life-cycle routes to apis.ROUTES

# name: (min args, max args, help). Arguments are integers except retry_after's.
BEHAVIOURS = {
    "chunked": (0, 0, "body in several chunks, with a chunk extension and a trailer"),
    "bytewise": (0, 0, "every response byte in its own send (TCP_NODELAY)"),
    "delay": (1, 1, "delay:MS wait MS before answering"),
    "interim": (0, 0, "send 100 Continue and 103 Early Hints before the answer"),
    "error": (1, 1, "error:STATUS answer the vendor's error body with STATUS"),
    "status": (1, 3, "status:CODE[:N[:SKIP]] after SKIP (default 0) requests answered normally, the next N "
                     "(default 1) API requests answer CODE"),
    "retry_after": (1, 1, "retry_after:VALUE Retry-After for status: (seconds, an HTTP date, or 'date' = now+1s)"),
    "ratelimit": (0, 0, "add x-ratelimit-limit/-remaining/-reset headers"),
    "close_mid_body": (0, 0, "send headers with Content-Length and half the body, then close"),
    "close_before_response": (0, 1, "close_before_response[:N] process the first N (default 1) API requests, close without answering"),
    "oversize": (1, 1, "oversize:BYTES pad a string field so the body is BYTES long"),
    "no_length": (0, 0, "no Content-Length nor chunked: body ends when the connection closes"),
    "malformed_json": (0, 0, "body is truncated JSON"),
    "malformed_status": (0, 0, "garbage status line"),
    "conflicting_length": (0, 0, "two different Content-Length headers"),
    "keepalive_close_idle": (1, 1, "keepalive_close_idle:MS close a keep-alive connection idle for MS "
                                   "(0: right after each answer, still advertising keep-alive, even if the client "
                                   "already sent its next request)"),
    "no_keepalive": (0, 0, "always Connection: close"),
    "expire_token": (0, 1, "expire_token[:N] the next N (default 1) MoneyKit calls with a valid token answer 401 "
                           "api_error.auth.expired_access_token; that token stays expired"),
    "unprocessable": (0, 0, "Heron update-link and create-link answer 422 with a validation body (errors: "
                            "access_token is not a valid string), as Heron does for a body that fails its schema"),
    "repeat_cursor": (0, 0, "GET /links hands back the cursor it was asked for (a server bug: an endless walk)"),
    "nulls": (0, 0, "fixture: optional fields null or absent, unknown enum values"),
    "datetimes": (0, 0, "fixture: offsets, fractions, zone-less and pre-1970 datetimes"),
    "escapes": (0, 0, "fixture: a string field with every JSON escape"),
}
VARIANTS = ("nulls", "datetimes", "escapes")
DEFAULT_IDLE_S = 30.0


class Behaviour:
    """One parsed behaviour; `remaining` counts down for status: and close_before_response:."""

    def __init__(self, spec):
        name, _, rest = spec.partition(":")
        if name not in BEHAVIOURS:
            raise ValueError("unknown behaviour %r (try --list-behaviours)" % spec)
        lo, hi, _ = BEHAVIOURS[name]
        if name == "retry_after":
            args = [rest] if rest else []
        else:
            args = rest.split(":") if rest else []
            if not all(a.isdigit() for a in args):
                raise ValueError("behaviour %r takes integer arguments" % spec)
            args = [int(a) for a in args]
        if not lo <= len(args) <= hi:
            raise ValueError("behaviour %r takes %d to %d arguments" % (spec, lo, hi))
        self.spec, self.name, self.args = spec, name, args
        self.skip = 0
        if name == "status":
            self.remaining = args[1] if len(args) > 1 else 1
            self.skip = args[2] if len(args) > 2 else 0
        elif name in ("close_before_response", "expire_token"):
            self.remaining = args[0] if args else 1
        else:
            self.remaining = 0


def parse_behaviours(specs):
    return [Behaviour(s) for s in specs]


def find(behaviours, name):
    for b in behaviours:
        if b.name == name:
            return b
    return None


class State:
    """Everything the server remembers; one lock guards it all."""

    def __init__(self, opts, behaviours):
        self.opts = opts
        self.lock = threading.Lock()
        self.issued_tokens = []     # kept across resets: a token stays valid
        self.token_expiry = {}      # issued token -> time.monotonic() it expires
        self.conn_seq = 0
        self.reset()
        self.behaviours = behaviours

    def reset(self):
        self.behaviours = []
        self.requests = []
        self.bad_requests = []      # refused before routing: not valid HTTP
        self.conn_control = {}      # connection index -> only control requests so far
        self.exchanged_tokens = {}
        self.links = {}             # MoneyKit link_id -> link
        self.link_seq = {}          # MoneyKit link_id -> order of creation (cursor)
        self.next_link_seq = 0
        self.heron_end_users = {}   # end_user_id -> {end_user_id, heron_id, name}
        self.heron_links = {}       # (integration heron_id, item_id) -> record
        self.heron_seq = 0
        self.tls_resumed = []
        self.tls_by_conn = {}       # connection index -> resumed a TLS session
        self.tls_errors = []
        self.idle_closed = []       # connections the server closed for being idle
        self.api_count = 0
        # Lists the server starts with come back after a reset.
        mock_links.heron_seed(self, getattr(self.opts, "heron_links", 0) or 0)
        mock_links.moneykit_seed(self, getattr(self.opts, "moneykit_links", 0) or 0)

    def new_connection(self):
        with self.lock:
            idx = self.conn_seq
            self.conn_seq += 1
            self.conn_control[idx] = False
            return idx

    def stats(self):
        return {
            "connections": sum(1 for c in self.conn_control.values() if not c),
            "requests": self.requests,
            "bad_requests": self.bad_requests,
            "exchanged_tokens": self.exchanged_tokens,
            "issued_tokens": self.issued_tokens,
            "tls_resumed": self.tls_resumed,
            "tls_resumed_api": [self.tls_by_conn[i] for i in sorted(self.conn_control)
                                if not self.conn_control[i] and i in self.tls_by_conn],
            "tls_errors": self.tls_errors,
            "idle_closed": self.idle_closed,
            "behaviours": [b.spec for b in self.behaviours],
            "heron_links": [
                {k: r[k] for k in ("integration", "item_id", "end_user_id", "status", "deleted")}
                for r in sorted(self.heron_links.values(), key=lambda r: r["seq"])],
            "heron_end_users": list(self.heron_end_users.values()),
            "moneykit_links": sorted(self.links, key=lambda k: self.link_seq.get(k, -1)),
        }


def log(state, msg):
    if state.opts.verbose:
        sys.stderr.write("mock: %s\n" % msg)
        sys.stderr.flush()


def retry_after_value(behaviours, status):
    b = find(behaviours, "retry_after")
    if b is not None:
        if b.args[0] == "date":
            return email.utils.formatdate(int(time.time()) + 2, usegmt=True)
        return b.args[0]
    return "1" if status in (429, 503) else None


def serialize(reply, behaviours, variants):
    """The body bytes of @reply after the body-shaping behaviours."""
    if reply.obj is None:
        return b""
    obj = reply.obj

    def dump(o):
        text = json.dumps(o, ensure_ascii="escapes" in variants)
        return text.replace("<slash>", "\\/").encode("utf-8")

    body = dump(obj)
    over = find(behaviours, "oversize")
    if over is not None and reply.pad and over.args[0] > len(body):
        obj = copy.deepcopy(obj)
        for _ in range(3):   # twice suffices; a null field changes size once
            missing = over.args[0] - len(body)
            if missing <= 0:
                break
            parent = obj
            for key in reply.pad[:-1]:
                parent = parent[key]
            parent[reply.pad[-1]] = (parent.get(reply.pad[-1]) or "") + "x" * missing
            body = dump(obj)
    if find(behaviours, "malformed_json") is not None:
        body = body[:max(1, len(body) // 2)]
    return body


def decide(state, req, behaviours, prefix):
    """Pick the reply for an API request (called with the lock held)."""
    path = req.path
    if prefix:
        if not (path == prefix or path.startswith(prefix + "/")):
            return apis.vendor_error(apis.vendor_of_path(path), 404,
                                     "Not found (expected path prefix %s)" % prefix), None, {}
        path = path[len(prefix):] or "/"
    vendor = apis.vendor_of_path(path)
    route, found = apis.match(req.method, path)
    params = found if route else {}
    vendor = route.vendor if route else vendor
    forced = next((b for b in behaviours if b.name == "status" and b.remaining > 0), None)
    if forced is not None and forced.skip > 0:
        forced.skip -= 1
        forced = None
    if forced is not None:
        forced.remaining -= 1
        code = forced.args[0]
        reply = apis.vendor_error(vendor, code, "Mock: forced status %d" % code)
        ra = retry_after_value(behaviours, code)
        if ra is not None:
            reply.headers.append(("Retry-After", ra))
        return reply, route, params
    err = find(behaviours, "error")
    if err is not None:
        reply = apis.vendor_error(vendor, err.args[0], "Mock: forced error %d" % err.args[0])
        if find(behaviours, "retry_after") is not None:
            reply.headers.append(("Retry-After", retry_after_value(behaviours, err.args[0])))
        return reply, route, params
    if route is not None and find(behaviours, "unprocessable") is not None:
        name = route.handler.__name__
        if name == "heron_update_link":
            return apis.heron_validation_error(
                "json", {"end_user": {"access_token": ["Not a valid string."]}}), route, params
        if name == "heron_create_link":
            return apis.heron_validation_error(
                "json", {"access_token": ["Not a valid string."]}), route, params
    if route is None:
        if found:
            reply = apis.vendor_error(vendor, 405, "Method %s not allowed" % req.method)
            reply.headers.append(("Allow", ", ".join(found)))
            return reply, None, {}
        return apis.vendor_error(vendor, 404, "No route for %s %s" % (req.method, path)), None, {}
    return route.handler(state, req, params), route, params


def write_response(sock, state, req, reply, body, behaviours, keep, record=None):
    """Frame @body as the behaviours say and send it. Returns whether the
    connection stays open; @record["sends"] gets the number of sends."""
    bytewise = find(behaviours, "bytewise") is not None
    for name in ("no_length", "close_mid_body", "malformed_status", "conflicting_length",
                 "no_keepalive"):
        if find(behaviours, name) is not None:
            keep = False
    if find(behaviours, "interim") is not None:
        mh.send(sock, b"HTTP/1.1 100 Continue\r\n\r\n", bytewise)
        mh.send(sock, b"HTTP/1.1 103 Early Hints\r\nLink: </mock.css>; rel=preload\r\n\r\n",
                bytewise)
    if find(behaviours, "malformed_status") is not None:
        head = "HTTP/1.1 2x0 Fine Thanks\r\n"
    else:
        head = "HTTP/1.1 %d %s\r\n" % (reply.status, apis.reason(reply.status))
    headers = [("Date", email.utils.formatdate(usegmt=True)), ("Server", "banklink-mock")]
    if reply.obj is not None:
        headers.append(("Content-Type", "application/json"))
    headers += reply.headers
    if find(behaviours, "ratelimit") is not None:
        remaining = 0 if reply.status == 429 else max(0, 100 - state.api_count)
        headers += [("x-ratelimit-limit", "100"), ("x-ratelimit-remaining", str(remaining)),
                    ("x-ratelimit-reset", "1")]
    payload = body
    if find(behaviours, "chunked") is not None and find(behaviours, "no_length") is None:
        headers += [("Transfer-Encoding", "chunked"), ("Trailer", "X-Mock-Trailer")]
        payload = mh.chunk_body(body)
    elif find(behaviours, "no_length") is None:
        headers.append(("Content-Length", str(len(body))))
        if find(behaviours, "conflicting_length") is not None:
            headers.append(("Content-Length", str(len(body) + 7)))
    headers.append(("Connection", "keep-alive" if keep else "close"))
    head += "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
    wire = head.encode("latin-1")
    if find(behaviours, "close_mid_body") is not None:
        payload = body[:len(body) // 2]
        keep = False
    sends = mh.send(sock, wire + payload, bytewise)
    if record is not None:
        record["sends"] = sends
    return keep


def handle_api(sock, state, req, idx):
    """Record, decide, shape and send one API request. Returns keep-alive."""
    with state.lock:
        behaviours = state.behaviours
        state.api_count += 1
        state.conn_control[idx] = False
        req.variants = frozenset(b.name for b in behaviours if b.name in VARIANTS)
        req.behaviours = behaviours   # for behaviours a handler applies (expire_token)
        record = {"method": req.method, "path": req.path, "query": req.query,
                  "target": req.target, "http_version": req.version,
                  "headers": req.header_dict(), "header_list": [list(h) for h in req.headers],
                  "body": req.body.decode("utf-8", "replace"), "connection": idx}
        state.requests.append(record)
        reply, route, params = decide(state, req, behaviours, state.opts.path_prefix)
        record["api"] = route.handler.__name__ if route else None
        record["params"] = params
        drop = next((b for b in behaviours
                     if b.name == "close_before_response" and b.remaining > 0), None)
        if drop is not None:
            drop.remaining -= 1
        body = serialize(reply, behaviours, req.variants)
        framing = ("close" if find(behaviours, "no_length") is not None
                   else "chunked" if find(behaviours, "chunked") is not None else "length")
        record["response"] = {"status": reply.status, "body": body.decode("utf-8", "replace"),
                              "dropped": drop is not None, "framing": framing}
    log(state, "#%d %s %s -> %s%s" % (idx, req.method, req.target, reply.status,
                                      " (dropped)" if drop else ""))
    if drop is not None:
        return False
    delay = find(behaviours, "delay")
    if delay is not None:
        time.sleep(delay.args[0] / 1000.0)
    return write_response(sock, state, req, reply, body, behaviours, not req.wants_close(),
                          record["response"])


def seed(state, spec):
    """POST /__mock/seed {"heron_links": N, "end_user_id": ..., "integration": ...,
    "item_prefix": ..., "moneykit_links": N, "link_prefix": ...}: add N links
    (called with the lock held)."""
    n_heron = int(spec.get("heron_links", 0))
    n_mk = int(spec.get("moneykit_links", 0))
    if n_heron < 0 or n_mk < 0 or n_heron + n_mk > 100000:
        raise ValueError("seed counts must be 0 to 100000")
    mock_links.heron_seed(state, n_heron, spec.get("end_user_id", mock_links.BULK_END_USER),
                     spec.get("integration", mock_links.BULK_INTEGRATION), spec.get("item_prefix", "bulk-item-"))
    mock_links.moneykit_seed(state, n_mk, spec.get("link_prefix", "mk_bulk"))
    return {"heron_links": n_heron, "moneykit_links": n_mk}


def control_reply(status, obj):
    return apis.Reply(status, obj, None)


def handle_control(sock, state, req):
    """The /__mock/ endpoints; always answered plainly, whatever the behaviours."""
    name = req.path.rsplit("/__mock/", 1)[1]
    with state.lock:
        if name == "config" and req.method == "POST":
            try:
                specs = json.loads(req.body.decode("utf-8") or "{}").get("behaviours", [])
                state.behaviours = parse_behaviours(specs)
                reply = control_reply(200, {"behaviours": [b.spec for b in state.behaviours]})
            except (ValueError, AttributeError, TypeError) as e:
                reply = control_reply(400, {"error": str(e)})
        elif name == "reset" and req.method == "POST":
            state.reset()
            reply = control_reply(200, {"reset": True})
        elif name == "stats" and req.method == "GET":
            reply = control_reply(200, state.stats())
        elif name == "seed" and req.method == "POST":
            try:
                reply = control_reply(200, seed(state, json.loads(req.body.decode("utf-8") or "{}")))
            except (ValueError, AttributeError, TypeError, KeyError) as e:
                reply = control_reply(400, {"error": str(e)})
        elif name == "health" and req.method == "GET":
            reply = control_reply(200, {"ok": True})
        else:
            reply = control_reply(404, {"error": "unknown control endpoint %s" % req.path})
        body = json.dumps(reply.obj).encode("utf-8")
    return write_response(sock, state, req, reply, body, [], not req.wants_close())


def serve_connection(state, raw, idx, tls_ctx):
    sock = raw
    first = True
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls_ctx is not None:
            raw.settimeout(10)
            try:
                sock = tls_ctx.wrap_socket(raw, server_side=True)
            except (OSError, ValueError) as e:
                with state.lock:
                    state.tls_errors.append({"connection": idx, "stage": "handshake",
                                             "error": str(e)})
                log(state, "#%d TLS handshake failed: %s" % (idx, e))
                return
            with state.lock:
                state.tls_resumed.append(bool(sock.session_reused))
                state.tls_by_conn[idx] = bool(sock.session_reused)
        conn = mh.Conn(sock)
        while True:
            idle = find(state.behaviours, "keepalive_close_idle")
            idle_s = idle.args[0] / 1000.0 if idle is not None else DEFAULT_IDLE_S
            if not first and idle_s == 0:
                # Close right after the answer, whatever the client may have
                # sent meanwhile: every next request finds a dead connection.
                with state.lock:
                    state.idle_closed.append(idx)
                log(state, "#%d closed right after the answer (keepalive_close_idle:0)" % idx)
                return
            if not conn.wait_for_request(DEFAULT_IDLE_S if first else idle_s):
                if not first and not isinstance(conn.last_error, EOFError):
                    with state.lock:
                        state.idle_closed.append(idx)
                    log(state, "#%d closed: idle for %g s" % (idx, idle_s))
                if tls_ctx is not None and first:
                    # The handshake went through on our side, but the client
                    # left (or sent an alert) before any request: typically it
                    # rejected our certificate after verifying it.
                    err = conn.last_error
                    with state.lock:
                        state.tls_errors.append({
                            "connection": idx, "stage": "after_handshake",
                            "error": str(err) if err and str(err) else "closed before any request"})
                return

            def send_continue():
                mh.send(sock, b"HTTP/1.1 100 Continue\r\n\r\n", False)
            try:
                req = conn.read_request(send_continue)
            except mh.BadRequest as e:
                vendor = apis.vendor_of_path(e.path)
                reply = apis.vendor_error(vendor, e.status, e.message)
                body = json.dumps(reply.obj).encode("utf-8")
                log(state, "#%d bad request: %s" % (idx, e.message))
                with state.lock:
                    state.bad_requests.append({"path": e.path, "error": e.message,
                                               "connection": idx, "status": e.status})
                write_response(sock, state, None, reply, body, [], False)
                return
            if req.path.startswith("/__mock/") or "/__mock/" in req.path:
                if first:
                    with state.lock:
                        state.conn_control[idx] = True
                keep = handle_control(sock, state, req)
            else:
                keep = handle_api(sock, state, req, idx)
            first = False
            if not keep:
                return
    except (EOFError, OSError) as e:
        log(state, "#%d connection ended: %s" % (idx, e))
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def make_tls_context(cert, key):
    import ssl   # only when asked: keeps start-up fast
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def listen(host, port):
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, socktype, proto, _, addr = infos[0]
    sock = socket.socket(family, socktype, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(addr)
    sock.listen(128)
    return sock


def write_port_file(path, port):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1, ::1)")
    p.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--path-prefix", default="", help="API paths live under this prefix, e.g. /sandbox")
    p.add_argument("--heron-api-key", default="test-heron-key")
    p.add_argument("--moneykit-client-id", default="test-client-id")
    p.add_argument("--moneykit-client-secret", default="test-client-secret")
    p.add_argument("--moneykit-static-token", default="test-static-token",
                   help="a bearer token accepted besides the ones /auth/token issued")
    p.add_argument("--moneykit-token-lifetime", type=int, default=3600, metavar="S",
                   help="expires_in of issued tokens; a token older than that answers 401 "
                        "api_error.auth.expired_access_token")
    p.add_argument("--moneykit-max-page-size", type=int, default=1000, metavar="N",
                   help="largest size= GET /links accepts (default page: 50)")
    p.add_argument("--moneykit-links", type=int, default=0, metavar="N",
                   help="start with N MoneyKit links (mk_bulk00000, ...)")
    p.add_argument("--heron-links", type=int, default=0, metavar="N",
                   help="start with N Heron links of end user %s in integration %s"
                        % (mock_links.BULK_END_USER, mock_links.BULK_INTEGRATION))
    p.add_argument("--heron-integration", action="append", default=[], metavar="ID[:TYPE]",
                   help="an integration besides %s" % ", ".join(mock_links.HERON_INTEGRATIONS))
    p.add_argument("--tls-cert", help="serve TLS with this certificate chain (PEM)")
    p.add_argument("--tls-key", help="private key of --tls-cert (PEM)")
    p.add_argument("--behaviour", action="append", default=[], metavar="NAME[:ARG]")
    p.add_argument("--list-behaviours", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="log each request to stderr")
    opts = p.parse_args(argv)
    opts.path_prefix = opts.path_prefix.rstrip("/")
    if opts.path_prefix and not opts.path_prefix.startswith("/"):
        p.error("--path-prefix must start with /")
    if bool(opts.tls_cert) != bool(opts.tls_key):
        p.error("--tls-cert and --tls-key go together")
    return p, opts


def main(argv=None):
    parser, opts = parse_args(argv)
    if opts.list_behaviours:
        for name, (_, _, text) in BEHAVIOURS.items():
            print("%-22s %s" % (name, text))
        return 0
    try:
        behaviours = parse_behaviours(opts.behaviour)
    except ValueError as e:
        parser.error(str(e))
    tls_ctx = make_tls_context(opts.tls_cert, opts.tls_key) if opts.tls_cert else None
    state = State(opts, behaviours)
    lsock = listen(opts.host, opts.port)
    port = lsock.getsockname()[1]

    def on_term(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_term)
    if opts.port_file:
        write_port_file(opts.port_file, port)
    log(state, "listening on %s port %d%s" % (opts.host, port, " (TLS)" if tls_ctx else ""))
    try:
        while True:
            raw, _ = lsock.accept()
            idx = state.new_connection()   # counted here, in accept order
            threading.Thread(target=serve_connection, args=(state, raw, idx, tls_ctx),
                             daemon=True).start()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        lsock.close()
        log(state, "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
