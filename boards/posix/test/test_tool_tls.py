#!/usr/bin/env python3
"""build/banklink over https against the local mock server.

    test_tool_tls.py BANKLINK SOURCE_DIR WORK_DIR

A test PKI is made in WORK_DIR by test/tls/make_pki.sh; one mock server per
certificate serves TLS on loopback. Checks: both calls succeed with
--ca-file and with SSL_CERT_FILE, a matching --pin-sha256 is accepted, and
every bad certificate (expired, wrong host, self-signed, untrusted CA) or a
pin mismatch ends with exit 3, the right status on stderr, and no request
reaching the server. Bad --ca-file / --pin-sha256 values are exit 2 with no
connection made. A MoneyKit token and list pages share one TLS connection;
when the server closes it between pages the tool reconnects and resumes the
TLS session.
"""
import json
import os
import ssl
import subprocess
import sys
import time
import unittest
import urllib.request

BANKLINK, SOURCE, WORK = sys.argv[1:4]
PKI = os.path.join(WORK, "pki")
HERON_KEY = "hk-tls-test-key"
ITEM = "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"


def pki(name):
    return os.path.join(PKI, name)


def read(path):
    with open(path) as f:
        return f.read().strip()


class MockServer:
    """test/mock/mock_server.py serving TLS with one certificate."""

    def __init__(self, cert):
        self.port_file = os.path.join(WORK, "port-%s" % cert)
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(SOURCE, "test", "mock", "mock_server.py"),
             "--host", "127.0.0.1", "--port", "0", "--port-file", self.port_file,
             "--heron-api-key", HERON_KEY, "--moneykit-client-id", "cid",
             "--moneykit-client-secret", "csec",
             "--tls-cert", pki(cert + ".pem"), "--tls-key", pki(cert + ".key")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not (os.path.exists(self.port_file) and read(self.port_file)):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("mock server with %s did not start" % cert)
            time.sleep(0.05)
        self.port = int(read(self.port_file))

    def control(self, name, obj):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        req = urllib.request.Request("https://127.0.0.1:%d/__mock/%s" % (self.port, name),
                                     data=json.dumps(obj).encode(), method="POST")
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            return json.load(r)

    def stats(self):
        # The control endpoint is on the same TLS port; the test's own client
        # does not care about the certificate (it is not what is tested).
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen("https://127.0.0.1:%d/__mock/stats" % self.port,
                                    context=ctx, timeout=5) as r:
            return json.load(r)

    def reset(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        req = urllib.request.Request("https://127.0.0.1:%d/__mock/reset" % self.port,
                                     data=b"{}", method="POST")
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            r.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run(args, env_extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HERON_", "MONEYKIT_")) and k != "SSL_CERT_FILE"}
    env.update(env_extra or {})
    return subprocess.run([BANKLINK] + args, env=env, capture_output=True, timeout=60)


class ToolOverTls(unittest.TestCase):
    servers = {}

    @classmethod
    def setUpClass(cls):
        subprocess.run(["sh", os.path.join(SOURCE, "test", "tls", "make_pki.sh"), PKI],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for cert in ("server", "expired", "wronghost", "selfsigned", "untrusted"):
            cls.servers[cert] = MockServer(cert)

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers.values():
            s.stop()

    def setUp(self):
        for s in self.servers.values():
            s.reset()

    def heron(self, cert, *extra, env=None):
        url = "https://localhost:%d" % self.servers[cert].port
        return run(["--base-url", url, "--timeout-ms", "5000"] + list(extra)
                   + ["heron", "update-link", ITEM, "--access-token", "access-sandbox-tls"],
                   dict({"HERON_API_KEY": HERON_KEY}, **(env or {})))

    def explain(self, res):
        return "exit %d\nstdout: %s\nstderr: %s" % (res.returncode, res.stdout[:500], res.stderr[-1500:])

    def test_heron_with_ca_file(self):
        res = self.heron("server", "--ca-file", pki("ca.pem"))
        self.assertEqual(res.returncode, 0, self.explain(res))
        out = json.loads(res.stdout)
        self.assertEqual(out["integration_link"]["item_id"], ITEM)
        self.assertEqual(len(self.servers["server"].stats()["requests"]), 1)

    def test_heron_with_der_ca_and_env(self):
        res = self.heron("server", env={"SSL_CERT_FILE": pki("ca.der")})
        self.assertEqual(res.returncode, 0, self.explain(res))
        self.assertIn("integration_link", json.loads(res.stdout))

    def test_moneykit_exchange_over_tls(self):
        url = "https://localhost:%d" % self.servers["server"].port
        res = run(["--ca-file", pki("ca.pem"), "--base-url", url, "moneykit", "exchange-token",
                   "c7318ff7-257c-490e-8242-03a815b223b7"],
                  {"MONEYKIT_CLIENT_ID": "cid", "MONEYKIT_CLIENT_SECRET": "csec"})
        self.assertEqual(res.returncode, 0, self.explain(res))
        out = json.loads(res.stdout)
        self.assertEqual(out["link_id"], out["link"]["link_id"])
        paths = [r.get("path") for r in self.servers["server"].stats()["requests"]]
        self.assertEqual(paths, ["/auth/token", "/link-session/exchange-token"], paths)

    def moneykit_list(self, *extra):
        url = "https://localhost:%d" % self.servers["server"].port
        return run(["--ca-file", pki("ca.pem"), "--base-url", url, "moneykit", "list-links"] + list(extra),
                   {"MONEYKIT_CLIENT_ID": "cid", "MONEYKIT_CLIENT_SECRET": "csec"})

    def test_token_and_pages_share_one_tls_connection(self):
        server = self.servers["server"]
        server.control("seed", {"moneykit_links": 5})
        res = self.moneykit_list("--page-size", "2")
        self.assertEqual(res.returncode, 0, self.explain(res))
        self.assertEqual([l["link_id"] for l in json.loads(res.stdout)["links"]],
                         ["mk_bulk%05d" % i for i in range(5)])
        stats = server.stats()
        self.assertEqual([r["path"] for r in stats["requests"]], ["/auth/token"] + ["/links"] * 3)
        self.assertEqual(stats["connections"], 1, "one handshake for the token and three pages")
        self.assertEqual(stats["tls_resumed_api"], [False])

    def test_idle_close_reconnects_and_resumes(self):
        server = self.servers["server"]
        server.control("seed", {"moneykit_links": 5})
        server.control("config", {"behaviours": ["keepalive_close_idle:0"]})
        res = self.moneykit_list("--page-size", "2")
        self.assertEqual(res.returncode, 0, self.explain(res))
        self.assertEqual(len(json.loads(res.stdout)["links"]), 5)
        stats = server.stats()
        self.assertEqual(len(stats["requests"]), 4)
        self.assertEqual(stats["connections"], 4, "the server closed after every answer")
        # The first handshake is full; each reconnect resumes its session.
        self.assertEqual(stats["tls_resumed_api"], [False, True, True, True])

    def test_matching_pin(self):
        pin = read(pki("server.pin"))
        res = self.heron("server", "--ca-file", pki("ca.pem"), "--pin-sha256", pin)
        self.assertEqual(res.returncode, 0, self.explain(res))

    def assert_refused(self, res, cert, status, words):
        self.assertEqual(res.returncode, 3, self.explain(res))
        err = res.stderr.decode()
        self.assertIn(status, err)
        self.assertIn(words, err)
        self.assertEqual(res.stdout, b"")
        self.assertNotIn(HERON_KEY, err)
        # Verification happens before any request byte: the server saw none.
        self.assertEqual(self.servers[cert].stats()["requests"], [])

    def test_pin_mismatch(self):
        pin = read(pki("other.pin"))
        res = self.heron("server", "--ca-file", pki("ca.pem"), "--pin-sha256", pin)
        self.assert_refused(res, "server", "BL_ERR_TLS_PIN", "pin")

    def test_bad_certificates(self):
        for cert, words in (("expired", "expired"), ("wronghost", "host name"),
                            ("selfsigned", "self-signed"), ("untrusted", "trusted")):
            with self.subTest(cert=cert):
                res = self.heron(cert, "--ca-file", pki("ca.pem"))
                self.assert_refused(res, cert, "BL_ERR_TLS_CERT", words)

    def test_unknown_ca_is_refused(self):
        # The server's chain is fine, but the client trusts another CA.
        res = self.heron("server", "--ca-file", pki("otherca.pem"))
        self.assert_refused(res, "server", "BL_ERR_TLS_CERT", "trusted")

    def test_bad_ca_file_and_pin_text_send_nothing(self):
        before = self.servers["server"].stats()["connections"]
        res = self.heron("server", "--ca-file", os.path.join(WORK, "no-such-ca.pem"))
        self.assertEqual(res.returncode, 2, self.explain(res))
        self.assertIn(b"--ca-file", res.stderr)
        res = self.heron("server", "--ca-file", pki("ca.pem"), "--pin-sha256", "bm90IGEgcGlu")
        self.assertEqual(res.returncode, 2, self.explain(res))
        self.assertIn(b"--pin-sha256", res.stderr)
        self.assertEqual(self.servers["server"].stats()["connections"], before)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
