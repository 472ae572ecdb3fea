#!/usr/bin/env python3
"""Caller input: refused values send nothing (exit 2, zero connections);
path segments are percent-encoded so the server gets the id back intact."""

import urllib.parse

import e2e_support as s

BAD_VALUES = {
    "empty": "",
    "cr": "abc\rdef",
    "lf": "abc\ndef",
    "crlf_injection": "abc\r\nX-Injected: 1",
    "soh": "abc\x01def",
    "esc": "abc\x1bdef",
    "del": "abc\x7fdef",
    "tab": "abc\tdef",
}


class Refused(s.E2ETest):
    def test_bad_item_id(self):
        for name, value in BAD_VALUES.items():
            with self.subTest(value=name):
                res = self.heron(item_id=value)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_bad_access_token(self):
        for name, value in BAD_VALUES.items():
            with self.subTest(value=name):
                res = self.heron(access_token=value)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_bad_exchangeable_token(self):
        for name, value in BAD_VALUES.items():
            with self.subTest(value=name):
                res = self.exchange(value)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_bad_secrets_from_environment(self):
        cases = [
            ("heron key with CRLF", lambda: self.heron(key="test-heron-key\r\nX-Evil: 1")),
            ("heron key empty", lambda: self.heron(key="")),
            ("bearer with LF", lambda: self.exchange("xt", bearer="test-static-token\nX: 1")),
            ("client secret with CR", lambda: self.token(secret="test-client-secret\r")),
        ]
        for name, call in cases:
            with self.subTest(case=name):
                res = call()
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_missing_heron_api_key(self):
        res = self.heron(key=None)
        self.assert_exit(res, s.EXIT_USAGE)
        self.assert_in_stderr(res, "HERON_API_KEY")
        self.assert_nothing_sent(res)

    def test_missing_moneykit_credentials(self):
        for env in ({}, {"MONEYKIT_CLIENT_ID": s.CLIENT_ID}):
            with self.subTest(env=sorted(env)):
                res = self.run_tool("moneykit", "exchange-token", "xt", env=env)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_usage_errors(self):
        for args in (["heron"], ["heron", "update-link"], ["heron", "update-link", "x"],
                     ["moneykit"], ["moneykit", "exchange-token"], ["nope"],
                     ["--timeout-ms", "abc", "moneykit", "token"],
                     ["--retries", "-1", "moneykit", "token"]):
            with self.subTest(args=args):
                res = self.run_tool(*args, env={"HERON_API_KEY": s.HERON_KEY,
                                                "MONEYKIT_ACCESS_TOKEN": s.STATIC_TOKEN})
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_bad_base_urls(self):
        sch = s.scheme()
        for url in ("ftp://127.0.0.1:%d" % self.mock.port, "127.0.0.1:%d" % self.mock.port,
                    sch + "://", sch + "://127.0.0.1:99999", sch + "://bad\rhost:1"):
            with self.subTest(url=url):
                res = self.heron(base_url=url)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)

    def test_https_to_a_plain_server_fails_without_sending(self):
        # Without TLS in the build: refused (2). With it: the handshake with
        # this plain-HTTP server fails (3). Either way no request goes out.
        # Over TLS this test's own mock speaks TLS: a plain one stands in.
        plain = self.mock
        if s.TLS_PKI:
            plain = s.MockServer(plain=True, verbose=True).start()
            self.addCleanup(plain.stop)
        res = self.heron(base_url="https://127.0.0.1:%d" % plain.port,
                         opts=("--timeout-ms", "3000"))
        self.assertIn(res.rc, (s.EXIT_USAGE, s.EXIT_NETWORK), res.describe())
        self.assertEqual(res.stdout, "")
        self.assertLess(res.elapsed, 2.5, "a failed handshake must not wait for the deadline")
        self.assertEqual(plain.stats()["requests"], [],
                         "no HTTP request may reach a server over https")


class PercentEncoding(s.E2ETest):
    IDS = ["a/b", "a b", "a?b", "100%", "a#b", "a+b", "caf\u00e9-\u2713-\U0001F600",
           "%2F", "..", "a;b=c", "[x]", "A-z_0.9~"]

    def test_item_ids_arrive_intact(self):
        for item in self.IDS:
            with self.subTest(item=item):
                self.mock.reset()
                res = self.heron(item_id=item)
                out = self.assert_ok(res)
                (req,) = self.api_requests()
                prefix = "/api/integration_links/"
                self.assertTrue(req["path"].startswith(prefix), req["path"])
                segment = req["path"][len(prefix):]
                self.assertEqual(req["query"], "", "nothing may spill into the query")
                self.assertNotIn("/", segment)
                self.assertEqual(urllib.parse.unquote(segment, errors="strict"), item)
                self.assertEqual(req["params"]["item_id"], item)
                self.assertEqual(out["integration_link"]["item_id"], item)

    def test_unreserved_characters_stay(self):
        self.assert_ok(self.heron(item_id="A-z_0.9~"))
        self.assertEqual(self.api_requests()[0]["path"], "/api/integration_links/A-z_0.9~")

    def test_reserved_characters_are_encoded(self):
        self.assert_ok(self.heron(item_id="a b/c?d#e%f"))
        path = self.api_requests()[0]["path"]
        self.assertEqual(path.upper(), "/API/INTEGRATION_LINKS/A%20B%2FC%3FD%23E%25F")


if __name__ == "__main__":
    s.main()
