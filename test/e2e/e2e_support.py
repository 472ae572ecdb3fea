"""Shared plumbing of the end-to-end tests of the host tool `banklink`.

Each test gets its own mock server (test/mock/mock_server.py) on an
ephemeral port, started in setUp and stopped by a cleanup that runs even
when the test fails. The tool runs as a child process with a clean
environment that holds only the secrets the test gives it.

Run a file directly:  python3 test_calls.py --banklink build/banklink [-v] [Test.name]
(list tests also take --banklink-2k build/banklink_2k, the tool built with a
2 KiB work buffer; without it those tests are skipped).

Over TLS: add --tls PKI_DIR (or set BL_E2E_TLS_PKI), the directory
test/tls/make_pki.sh made. Every mock then serves https with the PKI's
server certificate, and the tool gets https://localhost:PORT and
--ca-file PKI_DIR/ca.pem: the same tests, each request now behind a
verified handshake. The mock listens on 127.0.0.1 and the URL names
`localhost` because mbedTLS 2.28 matches DNS names only, not IP SANs; so
`localhost` must resolve to 127.0.0.1. A test that cannot mean the same
over TLS says why in its skip message (E2ETest.tls_skip).
"""

import json
import os
import socket
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mock"))
import mock_control  # noqa: E402
import banklink_expect as expect  # noqa: E402,F401

BANKLINK = os.environ.get("BANKLINK")
BANKLINK_2K = os.environ.get("BANKLINK_2K")
TLS_PKI = os.environ.get("BL_E2E_TLS_PKI") or None
TLS_NAME = "localhost"      # the name the PKI's server certificate is for


def pki(name):
    """A file of the test PKI (only over TLS)."""
    return os.path.join(TLS_PKI, name)


def scheme():
    return "https" if TLS_PKI else "http"


def url_of(port, host="127.0.0.1"):
    """A base URL for @port on loopback in this run's scheme (over TLS the
    name the certificate is for, which resolves to 127.0.0.1)."""
    return "%s://%s:%d" % (scheme(), TLS_NAME if TLS_PKI and host == "127.0.0.1" else host, port)


def tls_args():
    """Tool options this run needs before the command: the PKI's root CA."""
    return ["--ca-file", pki("ca.pem")] if TLS_PKI else []


class MockServer(mock_control.MockServer):
    """mock_control.MockServer that, over TLS, serves https with the PKI's
    certificate for `localhost` and names itself so in base_url and
    authority (the Host header the tool sends). plain=True keeps HTTP."""

    started = []        # the TLS mocks of the running test (E2ETest checks them)

    def __init__(self, *args, plain=False, **kw):
        if TLS_PKI and not plain and kw.get("tls") is None:
            kw["tls"] = (pki("server.pem"), pki("server.key"))
        super().__init__(*args, **kw)
        self.tls_seen = None
        self.tls_log = ""
        if self.tls:
            MockServer.started.append(self)

    def stop(self):
        # Over TLS, note what the server saw before it goes: API connections
        # and completed handshakes, so the test can show it really ran TLS.
        if self.tls and self.proc is not None and self.proc.poll() is None:
            try:
                st = self.stats()
                failed = [e for e in st["tls_errors"] if e["stage"] == "handshake"]
                self.tls_seen = (st["connections"], len(st["tls_resumed_api"]), failed)
                if failed or self.tls_seen[0] != self.tls_seen[1]:
                    self.tls_log = self.log_text()[-3000:]   # the log goes with the server
            except (OSError, RuntimeError, ValueError):
                pass
        super().stop()

    @property
    def authority(self):
        if self.tls and self.host == "127.0.0.1":
            return "%s:%d" % (TLS_NAME, self.port)
        return super().authority


def check_tls_name():
    """None when TLS_NAME resolves to 127.0.0.1, else why not."""
    try:
        addrs = {ai[4][0] for ai in socket.getaddrinfo(TLS_NAME, None, type=socket.SOCK_STREAM)}
    except OSError as e:
        return "%s does not resolve: %s" % (TLS_NAME, e)
    if "127.0.0.1" not in addrs:
        return "%s resolves to %s, not 127.0.0.1 where the mock listens" % (TLS_NAME, sorted(addrs))
    return None


HERON_KEY = "test-heron-key"
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
STATIC_TOKEN = "test-static-token"
SEED_ITEM_ID = "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
SEED_ACCESS_TOKEN = "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
SEED_EXCHANGEABLE = "c7318ff7-257c-490e-8242-03a815b223b7"

EXIT_OK, EXIT_USAGE, EXIT_NETWORK, EXIT_API, EXIT_MALFORMED = 0, 2, 3, 4, 5


class Result:
    """One run of the tool."""

    def __init__(self, cmd, proc, elapsed):
        self.cmd = cmd
        self.rc = proc.returncode
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.elapsed = elapsed

    def describe(self):
        return ("command: %s\nexit: %d after %.2f s\nstdout: %s\nstderr: %s"
                % (" ".join(repr(c) if " " in c else c for c in self.cmd), self.rc,
                   self.elapsed, self.stdout[:3000], self.stderr[-3000:]))


class E2ETest(unittest.TestCase):
    """Base: a fresh mock server per test, helpers to run the tool."""

    behaviours = ()
    host = "127.0.0.1"
    path_prefix = ""
    tls_skip = None     # why the whole class makes no sense over TLS

    def setUp(self):
        if not BANKLINK or not os.access(BANKLINK, os.X_OK):
            self.fail("no banklink executable: pass --banklink PATH (got %r)" % BANKLINK)
        if TLS_PKI:
            if self.tls_skip:
                self.skipTest("not over TLS: " + self.tls_skip)
            if not os.path.isfile(pki("ca.pem")):
                self.fail("no test PKI in %s: run test/tls/make_pki.sh %s" % (TLS_PKI, TLS_PKI))
            why = check_tls_name()
            if why:
                self.fail("TLS end-to-end tests need %s: %s" % (TLS_NAME, why))
            MockServer.started = []
            self.addCleanup(self.assert_tls_handshakes)   # runs after the mocks stopped
        self.mock = MockServer(behaviours=self.behaviours, host=self.host,
                               path_prefix=self.path_prefix, verbose=True)
        self.mock.start()
        self.addCleanup(self.mock.stop)

    def assert_tls_handshakes(self):
        """Over TLS: every connection the tool opened to a TLS mock
        completed a handshake, none failed in it."""
        for mock in MockServer.started:
            if mock.tls_seen is None:
                continue
            conns, handshakes, failed = mock.tls_seen
            self.assertEqual((conns, failed), (handshakes, []),
                             "every API connection must be a completed TLS handshake "
                             "(connections, failed handshakes)\nmock log:\n%s" % mock.tls_log)

    # ------------------------------------------------------------ running
    def run_tool(self, *args, env=None, base_url=None, timeout=60, tool=None):
        """Run banklink (or @tool) with --base-url pointing at this test's mock
        (and, over TLS, --ca-file naming the PKI's root CA)."""
        cmd = [tool or BANKLINK, "--base-url", base_url or self.mock.base_url] + tls_args() + list(args)
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        full_env.update(env or {})
        t0 = time.monotonic()
        proc = subprocess.run([c.encode("utf-8", "surrogateescape") if isinstance(c, str) else c
                               for c in cmd], env=full_env, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
        return Result([str(c) for c in cmd], proc, time.monotonic() - t0)

    def heron(self, item_id=SEED_ITEM_ID, access_token=SEED_ACCESS_TOKEN, opts=(),
              key=HERON_KEY, **kw):
        env = {"HERON_API_KEY": key} if key is not None else {}
        return self.run_tool(*opts, "heron", "update-link", item_id,
                             "--access-token", access_token, env=env, **kw)

    def exchange(self, token=SEED_EXCHANGEABLE, opts=(), bearer=STATIC_TOKEN,
                 credentials=False, **kw):
        env = {}
        if credentials:
            env.update(MONEYKIT_CLIENT_ID=CLIENT_ID, MONEYKIT_CLIENT_SECRET=CLIENT_SECRET)
        elif bearer is not None:
            env["MONEYKIT_ACCESS_TOKEN"] = bearer
        return self.run_tool(*opts, "moneykit", "exchange-token", token, env=env, **kw)

    def run_heron(self, *args, key=HERON_KEY, **kw):
        """`banklink heron ARGS` with HERON_API_KEY set (unless @key is None)."""
        env = {"HERON_API_KEY": key} if key is not None else {}
        return self.run_tool("heron", *args, env=env, **kw)

    def run_moneykit(self, *args, credentials=True, bearer=None, **kw):
        """`banklink moneykit ARGS` with client credentials, or a bearer token."""
        env = {}
        if credentials:
            env.update(MONEYKIT_CLIENT_ID=CLIENT_ID, MONEYKIT_CLIENT_SECRET=CLIENT_SECRET)
        if bearer is not None:
            env["MONEYKIT_ACCESS_TOKEN"] = bearer
        return self.run_tool("moneykit", *args, env=env, **kw)

    def tool_2k(self):
        """The tool built with a 2 KiB work buffer (skips the test without it)."""
        if not BANKLINK_2K or not os.access(BANKLINK_2K, os.X_OK):
            self.skipTest("no 2 KiB build: pass --banklink-2k PATH")
        return BANKLINK_2K

    def token(self, opts=(), client_id=CLIENT_ID, secret=CLIENT_SECRET, **kw):
        env = {"MONEYKIT_CLIENT_ID": client_id, "MONEYKIT_CLIENT_SECRET": secret}
        return self.run_tool(*opts, "moneykit", "token", env=env, **kw)

    # ------------------------------------------------------------ asserting
    def context(self, res):
        return "%s\nmock log:\n%s" % (res.describe(), self.mock.log_text()[-3000:])

    def assert_exit(self, res, code):
        self.assertEqual(res.rc, code, "wrong exit code\n" + self.context(res))
        if code != EXIT_OK:
            self.assertEqual(res.stdout.strip(), "", "stdout must be empty on failure\n"
                             + self.context(res))
            self.assertNotEqual(res.stderr.strip(), "", "stderr must say what failed\n"
                                + self.context(res))

    def assert_ok(self, res):
        """Exit 0 and exactly one JSON document on stdout; returns it parsed."""
        self.assert_exit(res, EXIT_OK)
        try:
            return json.loads(res.stdout)
        except ValueError as e:
            self.fail("stdout is not one JSON document (%s)\n%s" % (e, self.context(res)))

    def assert_decoded(self, out, sent_body, schema, res=None):
        """@out is what banklink must print for the body the mock sent."""
        try:
            expect.check_output(out, json.loads(sent_body), schema)
        except expect.Mismatch as e:
            self.fail("%s\nprinted: %s\nsent: %s%s" % (e, json.dumps(out), sent_body[:2000],
                                                      "\n" + self.context(res) if res else ""))

    def api_requests(self, api=None):
        reqs = self.mock.api_requests()
        return [r for r in reqs if api is None or r.get("api") == api]

    def assert_in_stderr(self, res, *needles):
        for n in needles:
            self.assertIn(n.lower(), res.stderr.lower(),
                          "stderr should mention %r\n%s" % (n, self.context(res)))

    def assert_nothing_sent(self, res):
        stats = self.mock.stats()
        self.assertEqual(stats["requests"], [], "no request may reach the server\n"
                         + self.context(res))
        self.assertEqual(stats["connections"], 0, "no connection may be opened\n"
                         + self.context(res))


def main():
    """unittest.main() that first takes --banklink PATH (and --banklink-2k
    PATH, --tls PKI_DIR) off the command line."""
    global BANKLINK, BANKLINK_2K, TLS_PKI
    argv = list(sys.argv)
    if "--banklink" in argv:
        i = argv.index("--banklink")
        BANKLINK = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    if "--banklink-2k" in argv:
        i = argv.index("--banklink-2k")
        BANKLINK_2K = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    if "--tls" in argv:
        i = argv.index("--tls")
        TLS_PKI = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    os.environ["BANKLINK"] = BANKLINK or ""
    os.environ["BANKLINK_2K"] = BANKLINK_2K or ""
    os.environ["BL_E2E_TLS_PKI"] = TLS_PKI or ""
    unittest.main(argv=argv, module="__main__")
