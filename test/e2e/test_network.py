#!/usr/bin/env python3
"""Addresses and logging: IPv6, a base URL with a path prefix, and -v
output that shows the exchange but never a secret."""

import e2e_support as s
from e2e_support import expect


class IPv6(s.E2ETest):
    host = "::1"
    tls_skip = ("an IPv6 literal URL needs the certificate's IP SAN ::1, which mbedTLS 2.28 "
                "does not match, and no name resolves to ::1 here")

    def test_heron_over_ipv6(self):
        self.assertTrue(self.mock.base_url.startswith("http://[::1]:"))
        res = self.heron()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assert_decoded(out, req["response"]["body"], expect.HERON_UPDATE_LINK, res)
        self.assertEqual(req["headers"]["host"], "[::1]:%d" % self.mock.port)

    def test_exchange_over_ipv6(self):
        self.assert_ok(self.exchange("xt-v6", credentials=True))
        self.assertEqual(len(self.api_requests()), 2)


class PathPrefix(s.E2ETest):
    path_prefix = "/prefix/v1"

    def test_heron_under_prefix(self):
        self.assertTrue(self.mock.base_url.endswith("/prefix/v1"))
        out = self.assert_ok(self.heron(item_id="id/with slash"))
        (req,) = self.api_requests()
        self.assertEqual(req["path"], "/prefix/v1/api/integration_links/id%2Fwith%20slash")
        self.assertEqual(out["integration_link"]["item_id"], "id/with slash")

    def test_moneykit_under_prefix(self):
        self.assert_ok(self.exchange("xt-prefix", credentials=True))
        self.assertEqual([r["path"] for r in self.api_requests()],
                         ["/prefix/v1/auth/token", "/prefix/v1/link-session/exchange-token"])

    def test_trailing_slash_in_base_url(self):
        self.assert_ok(self.heron(base_url=self.mock.base_url + "/"))
        self.assertEqual(self.api_requests()[0]["path"],
                         "/prefix/v1/api/integration_links/" + s.SEED_ITEM_ID)


class Verbose(s.E2ETest):
    def assert_no_secret(self, res, secrets):
        for secret in secrets:
            self.assertNotIn(secret, res.stderr, "secret %r in stderr\n%s" % (secret, res.describe()))

    def test_heron_verbose_redacts(self):
        key = "hk-" + "9" * 24
        token = "access-sandbox-" + "7" * 24
        self.mock.stop()
        self.mock = s.MockServer(extra_args=["--heron-api-key", key], verbose=True).start()
        self.addCleanup(self.mock.stop)
        res = self.heron(access_token=token, key=key, opts=("-v",))
        self.assert_ok(res)
        self.assert_in_stderr(res, "PUT /api/integration_links/", "HTTP/1.1 200")
        self.assert_no_secret(res, [key, token])
        self.assertNotIn(key, res.stdout)
        self.assertNotIn(token, res.stdout)

    def test_moneykit_credentials_verbose_redacts(self):
        secret = "mk-secret-" + "5" * 24
        self.mock.stop()
        self.mock = s.MockServer(extra_args=["--moneykit-client-secret", secret],
                                 verbose=True).start()
        self.addCleanup(self.mock.stop)
        res = self.run_tool("-v", "moneykit", "exchange-token", "xt-verbose",
                            env={"MONEYKIT_CLIENT_ID": s.CLIENT_ID,
                                 "MONEYKIT_CLIENT_SECRET": secret})
        self.assert_ok(res)
        issued = self.mock.stats()["issued_tokens"]
        self.assertEqual(len(issued), 1)
        self.assert_in_stderr(res, "POST /auth/token", "POST /link-session/exchange-token")
        self.assert_no_secret(res, [secret, issued[0]])
        self.assertNotIn(secret, res.stdout)
        self.assertNotIn(issued[0], res.stdout)

    def test_static_bearer_verbose_redacts(self):
        res = self.exchange("xt-verbose-2", opts=("-v",))
        self.assert_ok(res)
        self.assert_no_secret(res, [s.STATIC_TOKEN])

    def test_token_command_prints_token_on_stdout_only(self):
        res = self.token(opts=("-v",))
        out = self.assert_ok(res)
        self.assertEqual(out["access_token"], self.mock.stats()["issued_tokens"][0])
        self.assert_no_secret(res, [out["access_token"], s.CLIENT_SECRET])

    def test_errors_do_not_leak(self):
        self.mock.config("error:401")
        res = self.heron(opts=("-v",))
        self.assert_exit(res, s.EXIT_API)
        self.assert_no_secret(res, [s.HERON_KEY, s.SEED_ACCESS_TOKEN])


if __name__ == "__main__":
    s.main()
