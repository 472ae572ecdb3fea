#!/usr/bin/env python3
"""Conformance of build/banklink against the spec-driven mock server Prism.

    conformance.py install --prefix DIR
        npm-install @stoplight/prism-cli@5 into DIR (skipped when present).
        Fails (does not skip) when npm or the registry is unavailable.

    conformance.py run --prism PRISM --banklink BANKLINK --spec FILE --api heron|moneykit [--calls 50]
        FILE is the project's own OpenAPI document (heron.openapi.json or
        moneykit.openapi.json, next to this file). Start `prism mock --errors` on it (request violations become
        errors), run every call banklink makes once against the examples
        (static mode) and compare the decoded output with the body Prism
        serves; then restart Prism with -d (random schema-valid answers) and
        run each call --calls times: every run must exit 0 and print the
        decoded model. Finally Prism's log must hold no request violation.

Prism is a second, independent implementation of both the HTTP server and
the specs: it catches a request the specs do not allow (a missing header,
a wrong content type, a body field out of place) and a decoder that
breaks on data our own mock never sends.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import banklink_expect as expect  # noqa: E402

PRISM_PACKAGE = "@stoplight/prism-cli@5"
SEED_ITEM_ID = "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
SEED_ACCESS_TOKEN = "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
SEED_EXCHANGEABLE = "c7318ff7-257c-490e-8242-03a815b223b7"
API_KEY = "conformance-api-key"
BEARER = "conformance-bearer"
CLIENT_ID, CLIENT_SECRET = "conformance-client", "conformance-secret"
VIOLATION = re.compile(r"did not pass the validation|Violation:|\u2716|sl-violations", re.I)


# ---------------------------------------------------------------- install
def install(prefix):
    prism = os.path.join(prefix, "node_modules", ".bin", "prism")
    if os.access(prism, os.X_OK):
        print("prism already installed: %s" % prism)
        return 0
    os.makedirs(prefix, exist_ok=True)
    cmd = ["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
           "--no-save", PRISM_PACKAGE]
    print("+ " + " ".join(cmd), flush=True)
    try:
        rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("FAIL: cannot run npm: %s (install nodejs and npm)" % e)
        return 1
    if rc != 0 or not os.access(prism, os.X_OK):
        print("FAIL: npm install %s failed (exit %d)" % (PRISM_PACKAGE, rc))
        return 1
    print("installed %s" % prism)
    return 0


# ---------------------------------------------------------------- prism
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prism:
    def __init__(self, prism, spec, dynamic):
        self.cmd_base = [prism, "mock", "--errors", "-h", "127.0.0.1"] + (["-d"] if dynamic else [])
        self.spec = spec
        self.mode = "dynamic" if dynamic else "static"

    def __enter__(self):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="prism-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(self.cmd_base + ["-p", str(self.port), self.spec],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("prism exited %d:\n%s" % (self.proc.returncode, self.text()))
            if "is listening on" in self.text():
                return self
            time.sleep(0.1)
        raise RuntimeError("prism did not start within 90 s:\n" + self.text())

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        os.unlink(self.log.name)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def violations(self):
        return [line for line in self.text().splitlines() if VIOLATION.search(line)]


class Relay:
    """A byte-for-byte TCP relay in front of Prism that keeps what Prism
    sends, so every answer banklink decoded can be compared with the exact
    body it came from (and printed when a call fails). It does not touch
    the bytes: banklink still reads Prism's own HTTP framing."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.streams = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.lsock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            record = bytearray()
            with self.lock:
                self.streams.append(record)
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, record), daemon=True).start()

    def _pump(self, src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record is not None:
                    with self.lock:
                        record.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self):
        """The responses relayed since the last take(): [(status, body text)]."""
        with self.lock:
            streams, self.streams = self.streams, []
            raw = [bytes(r) for r in streams]
        out = []
        for data in raw:
            out.extend(parse_responses(data))
        return out

    def close(self):
        self.lsock.close()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port


def parse_responses(data):
    """Split the bytes of one connection into [(status, body text)]."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            out.append((0, "<incomplete head> " + head.decode("latin-1")))
            break
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            out.append((0, "<bad status line> " + lines[0]))
            break
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if 100 <= status < 200:
            data = rest
            continue
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                n = int(size_line.split(b";")[0] or b"0", 16)
                if n == 0:
                    rest = rest.partition(b"\r\n\r\n")[2] if not rest.startswith(b"\r\n") else rest[2:]
                    break
                body, rest = body + rest[:n], rest[n + 2:]
        elif "content-length" in headers:
            n = int(headers["content-length"])
            body, rest = rest[:n], rest[n:]
        else:
            body, rest = rest, b""
        out.append((status, body.decode("utf-8", "replace")))
        data = rest
    return out


# ---------------------------------------------------------------- calls
class Call:
    """One banklink command, its environment, and the schema of its output."""

    def __init__(self, name, args, env, schema):
        self.name, self.args, self.env, self.schema = name, args, env, schema


HERON_INTEGRATION = "int_conformance"
HERON_END_USER = "8432b0b7-11fa-4334-b496-5f850c35bb43"
MONEYKIT_LINK_ID = "mk_eqkWN34UEoa2NxyALG8pcV"


def calls_for(api):
    """Every call banklink makes that the spec describes.

    Not here: `moneykit list-links` (GET /links). It is in
    moneykit.openapi.json, and check_specs.py validates the mock's pages
    against it, but Prism's random answers (dynamic mode) hand back a new
    next_cursor every time, so the walk would never end; it is tested
    against the project's mock (test/e2e/test_lists.py).
    """
    heron_env = {"HERON_API_KEY": API_KEY}
    creds = {"MONEYKIT_CLIENT_ID": CLIENT_ID, "MONEYKIT_CLIENT_SECRET": CLIENT_SECRET}
    bearer = {"MONEYKIT_ACCESS_TOKEN": BEARER}
    if api == "heron":
        return [
            Call("heron update-link",
                 ["heron", "update-link", SEED_ITEM_ID, "--access-token", SEED_ACCESS_TOKEN],
                 heron_env, expect.HERON_UPDATE_LINK),
            Call("heron list-links", ["heron", "list-links", HERON_END_USER], heron_env, expect.HERON_LIST),
            Call("heron list-links --integration",
                 ["heron", "list-links", HERON_END_USER, "--integration", HERON_INTEGRATION],
                 heron_env, expect.HERON_LIST),
            Call("heron create-link",
                 ["heron", "create-link", HERON_INTEGRATION, "--item-id", SEED_ITEM_ID,
                  "--end-user-id", HERON_END_USER, "--access-token", SEED_ACCESS_TOKEN,
                  "--end-user-name", "Acme Corp"],
                 heron_env, expect.HERON_CREATE_LINK),
            Call("heron refresh-link", ["heron", "refresh-link", HERON_INTEGRATION, SEED_ITEM_ID],
                 heron_env, expect.HERON_CREATE_LINK),
            Call("heron delete-links", ["heron", "delete-links", HERON_INTEGRATION, HERON_END_USER],
                 heron_env, expect.EMPTY),
        ]
    return [
        Call("moneykit token", ["moneykit", "token"], creds, expect.MONEYKIT_TOKEN),
        Call("moneykit exchange-token", ["moneykit", "exchange-token", SEED_EXCHANGEABLE],
             bearer, expect.MONEYKIT_EXCHANGE),
        Call("moneykit exchange-token (client credentials)",
             ["moneykit", "exchange-token", SEED_EXCHANGEABLE], creds, expect.MONEYKIT_EXCHANGE),
        Call("moneykit get-link", ["moneykit", "get-link", MONEYKIT_LINK_ID], bearer, expect.MONEYKIT_LINK),
        Call("moneykit get-link (client credentials)", ["moneykit", "get-link", MONEYKIT_LINK_ID], creds,
             expect.MONEYKIT_LINK),
        Call("moneykit delete-link", ["moneykit", "delete-link", MONEYKIT_LINK_ID], bearer, expect.EMPTY),
    ]


def run_banklink(banklink, base_url, call, verbose):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(call.env)
    cmd = [banklink, "--base-url", base_url, "--timeout-ms", "10000"] + (["-v"] if verbose else []) \
        + call.args
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def check_one(call, rc, out, err, sent):
    """None when the run is right, else what is wrong."""
    if rc != 0:
        return "exit %d" % rc
    try:
        doc = json.loads(out)
    except ValueError as e:
        return "stdout is not JSON (%s)" % e
    if call.schema is expect.EMPTY:
        # A delete: the API answers no body, the tool prints {}.
        return None if doc == {} else "printed %r, expected {}" % (doc,)
    try:
        if sent is not None:
            expect.check_output(doc, sent, call.schema)
        else:
            expect.check_shape(doc, call.schema)
    except expect.Mismatch as e:
        return str(e)
    return None


def static_spec(spec, workdir):
    """A copy of @spec (JSON) without `format: date-time`, for static mode.

    MoneyKit's answers carry zone-less timestamps such as
    "2023-02-16T09:14:11", which JSON Schema's date-time format rejects;
    with --errors Prism would then refuse to serve the documents' own
    examples (HTTP 500, response violation). Static mode is about serving
    those examples, so it drops the format. Dynamic mode keeps the original
    document, so that random datetimes are real datetimes. Request schemas
    are untouched: the check of banklink's requests is the same in both
    modes.
    """
    with open(spec, encoding="utf-8") as f:
        doc = json.load(f)

    def strip(node):
        if isinstance(node, dict):
            if node.get("format") == "date-time":
                del node["format"]
            for v in node.values():
                strip(v)
        elif isinstance(node, list):
            for v in node:
                strip(v)
    strip(doc)
    out = os.path.join(workdir, "static-" + os.path.basename(spec))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    return out


def run_calls(opts, prism, relay, call, n, failures, notes):
    """Run @call @n times through @relay; returns how many were right.

    A run in which Prism closed the connection without a single byte of
    answer (seen once in several thousand runs, on a loaded machine; the
    tool then rightly reports a POST's outcome as unknown) is repeated once
    and noted: that is the test server failing, not what is tested. Any
    other problem, or a second silent close, is a failure.
    """
    ok = 0
    secrets = [API_KEY, BEARER, CLIENT_SECRET]
    repeated = False
    i = 0
    while i < n:
        relay.take()
        rc, out, err = run_banklink(opts.banklink, relay.url, call, verbose=True)
        answers = relay.take()
        if not answers and rc == 3 and not repeated:
            repeated = True
            notes.append("%s %s #%d: Prism closed without answering; run repeated (Prism log: %s)"
                         % (prism.mode, call.name, i + 1, " | ".join(prism.text().splitlines()[-3:])))
            continue
        i += 1
        problem = None
        if not answers:
            problem = "no answer went through the relay"
        else:
            status, text = answers[-1]
            try:
                sent = json.loads(text) if 200 <= status < 300 else None
            except ValueError:
                sent = None
            if call.schema is expect.EMPTY:
                if not 200 <= status < 300 or text.strip():
                    problem = "Prism answered %d %r to a delete, expected 2xx, no body" % (status, text[:300])
            elif sent is None and rc == 0:
                problem = "exit 0 but Prism answered %d %s" % (status, text[:300])
            elif sent is not None and call.schema is expect.MONEYKIT_TOKEN:
                secrets = secrets + [sent.get("access_token")]
            problem = problem or check_one(call, rc, out, err, sent)
        leaked = [x for x in secrets if isinstance(x, str) and len(x) > 3 and x in err]
        if not problem and leaked:
            problem = "-v log shows a secret: %r" % leaked
        if problem:
            shown = "\n".join("  HTTP %d %s" % (st, body[:3000]) for st, body in answers)
            failures.append("%s %s #%d: %s\nPrism answered:\n%s\nstdout: %s\nstderr (-v):\n%s"
                            % (prism.mode, call.name, i, problem, shown, out[:3000],
                               err[-3000:]))
        else:
            ok += 1
    return ok


def run(opts):
    failures, summary, notes = [], [], []
    workdir = tempfile.mkdtemp(prefix="bl-conformance-")
    try:
        for dynamic in (False, True):
            spec = opts.spec if dynamic else static_spec(opts.spec, workdir)
            with Prism(opts.prism, spec, dynamic) as prism:
                relay = Relay(prism.port)
                try:
                    for call in calls_for(opts.api):
                        n = opts.calls if dynamic else 1
                        ok = run_calls(opts, prism, relay, call, n, failures, notes)
                        summary.append((prism.mode, call.name, ok, n))
                finally:
                    relay.close()
                bad = prism.violations()
                if bad:
                    failures.append("%s: Prism logged request violations:\n  %s"
                                    % (prism.mode, "\n  ".join(bad[:40])))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for mode, name, ok, n in summary:
        print("%-8s %-48s %3d/%d decoded exactly as Prism sent it" % (mode, name, ok, n))
    for note in notes:
        print("NOTE: " + note)
    for i, f in enumerate(failures):
        print("FAIL: " + (f if i < 10 else f.split("\n")[0]))
    passed = sum(ok for _, _, ok, _ in summary)
    print("%d passed, %d failed" % (passed, sum(n - ok for _, _, ok, n in summary)
                                    + sum(1 for f in failures if "violations" in f.split("\n")[0])))
    return 1 if failures else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("install")
    pi.add_argument("--prefix", required=True)
    pr = sub.add_parser("run")
    pr.add_argument("--prism", required=True)
    pr.add_argument("--banklink", required=True)
    pr.add_argument("--spec", required=True)
    pr.add_argument("--api", choices=("heron", "moneykit"), required=True)
    pr.add_argument("--calls", type=int, default=50)
    opts = p.parse_args(argv)
    if opts.cmd == "install":
        return install(opts.prefix)
    for path in (opts.prism, opts.banklink):
        if not os.access(path, os.X_OK):
            print("FAIL: %s is missing or not executable" % path)
            return 1
    if not os.path.isfile(opts.spec):
        print("FAIL: no OpenAPI document at %s" % opts.spec)
        return 1
    return run(opts)


if __name__ == "__main__":
    sys.exit(main())
