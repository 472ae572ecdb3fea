"""Shared plumbing of the end-to-end tests of the host tool `banklink`.

Each test gets its own mock server (test/mock/mock_server.py) on an
ephemeral port, started in setUp and stopped by a cleanup that runs even
when the test fails. The tool runs as a child process with a clean
environment that holds only the secrets the test gives it.

Run a file directly:  python3 test_calls.py --banklink build/banklink [-v] [Test.name]
(list tests also take --banklink-2k build/banklink_2k, the tool built with a
2 KiB work buffer; without it those tests are skipped).
"""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mock"))
from mock_control import MockServer  # noqa: E402,F401  (re-exported for the tests)
import banklink_expect as expect  # noqa: E402,F401

BANKLINK = os.environ.get("BANKLINK")
BANKLINK_2K = os.environ.get("BANKLINK_2K")

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

    def setUp(self):
        if not BANKLINK or not os.access(BANKLINK, os.X_OK):
            self.fail("no banklink executable: pass --banklink PATH (got %r)" % BANKLINK)
        self.mock = MockServer(behaviours=self.behaviours, host=self.host,
                               path_prefix=self.path_prefix, verbose=True)
        self.mock.start()
        self.addCleanup(self.mock.stop)

    # ------------------------------------------------------------ running
    def run_tool(self, *args, env=None, base_url=None, timeout=60, tool=None):
        """Run banklink (or @tool) with --base-url pointing at this test's mock."""
        cmd = [tool or BANKLINK, "--base-url", base_url or self.mock.base_url] + list(args)
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
    PATH) off the command line."""
    global BANKLINK, BANKLINK_2K
    argv = list(sys.argv)
    if "--banklink" in argv:
        i = argv.index("--banklink")
        BANKLINK = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    if "--banklink-2k" in argv:
        i = argv.index("--banklink-2k")
        BANKLINK_2K = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    os.environ["BANKLINK"] = BANKLINK or ""
    os.environ["BANKLINK_2K"] = BANKLINK_2K or ""
    unittest.main(argv=argv, module="__main__")
