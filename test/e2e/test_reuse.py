#!/usr/bin/env python3
"""Connections, tokens and rate limits across the requests of one run.

One tool run is one call, except where the library makes several requests
in one process: a MoneyKit token then the call, and the pages of a list.
Those must share one keep-alive connection (the server counts the
connections it accepted), survive a server that closed the connection while
idle, renew a token before it expires and once when the server says it
expired, and stop at once when the server asks for a wait longer than the
deadline allows."""

import json
import re

import e2e_support as s
from e2e_support import expect

EXPIRED = "api_error.auth.expired_access_token"
RECONNECT_NOTE = "idle connection was closed by the server; reconnecting"


def bearer_of(req):
    return req["headers"].get("authorization", "")[len("Bearer "):]


class ConnectionReuse(s.E2ETest):
    def test_token_then_get_one_connection(self):
        self.mock.control("POST", "seed", {"moneykit_links": 1})
        res = self.run_moneykit("get-link", "mk_bulk00000")
        self.assert_ok(res)
        stats = self.mock.stats()
        self.assertEqual([r["path"] for r in stats["requests"]], ["/auth/token", "/links/mk_bulk00000"])
        self.assertEqual(stats["connections"], 1)
        self.assertEqual(stats["idle_closed"], [])

    def test_token_and_five_pages_one_connection(self):
        self.mock.control("POST", "seed", {"moneykit_links": 5})
        self.assert_ok(self.run_moneykit("list-links", "--page-size", "1"))
        stats = self.mock.stats()
        self.assertEqual(len(stats["requests"]), 6)
        self.assertEqual(stats["connections"], 1)

    def test_server_closes_idle_connection_between_pages(self):
        self.mock.control("POST", "seed", {"moneykit_links": 5})
        self.mock.config("keepalive_close_idle:0")
        res = self.run_moneykit("-v", "list-links", "--page-size", "1")
        out = self.assert_ok(res)
        self.assertEqual([l["link_id"] for l in out["links"]], ["mk_bulk%05d" % i for i in range(5)])
        stats = self.mock.stats()
        # Every answer was followed by the server's close: each request
        # found the connection dead and opened a new one, and no request
        # was lost on the dead one (the server saw each exactly once).
        self.assertEqual(len(stats["requests"]), 6)
        self.assertEqual(stats["connections"], 6)
        self.assertGreaterEqual(len(stats["idle_closed"]), 5)
        self.assertEqual(len({r["connection"] for r in stats["requests"]}), 6)
        self.assertEqual(res.stderr.count("* connected"), 6)
        # Found dead before the request went out (usually), or reset under
        # it and retried: either way invisible to the user.
        self.assertTrue(RECONNECT_NOTE in res.stderr or "retrying in" in res.stderr, res.stderr[-2000:])

    def test_server_closes_idle_connection_token_then_get(self):
        self.mock.control("POST", "seed", {"moneykit_links": 1})
        self.mock.config("keepalive_close_idle:0")
        res = self.run_moneykit("get-link", "mk_bulk00000")
        out = self.assert_ok(res)
        self.assertEqual(out["link_id"], "mk_bulk00000")
        stats = self.mock.stats()
        self.assertEqual([r["path"] for r in stats["requests"]], ["/auth/token", "/links/mk_bulk00000"])
        self.assertEqual(stats["connections"], 2)

    def test_no_keepalive_server(self):
        self.mock.control("POST", "seed", {"moneykit_links": 4})
        self.mock.config("no_keepalive")
        out = self.assert_ok(self.run_moneykit("list-links", "--page-size", "2"))
        self.assertEqual(len(out["links"]), 4)
        self.assertEqual(self.mock.stats()["connections"], 3)

    def test_idle_close_longer_than_the_run_keeps_one_connection(self):
        self.mock.control("POST", "seed", {"moneykit_links": 4})
        self.mock.config("keepalive_close_idle:5000")
        self.assert_ok(self.run_moneykit("list-links", "--page-size", "2"))
        self.assertEqual(self.mock.stats()["connections"], 1)


class TokenLifeCycle(s.E2ETest):
    def test_expired_once_renewed_and_call_repeated(self):
        self.mock.control("POST", "seed", {"moneykit_links": 1})
        self.mock.config("expire_token")
        res = self.run_moneykit("get-link", "mk_bulk00000")
        out = self.assert_ok(res)
        reqs = self.api_requests()
        self.assertEqual([(r["path"], r["response"]["status"]) for r in reqs],
                         [("/auth/token", 201), ("/links/mk_bulk00000", 401),
                          ("/auth/token", 201), ("/links/mk_bulk00000", 200)])
        self.assertIn(EXPIRED, reqs[1]["response"]["body"])
        issued = self.mock.stats()["issued_tokens"]
        self.assertEqual([bearer_of(reqs[1]), bearer_of(reqs[3])], issued)
        self.assert_decoded(out, reqs[3]["response"]["body"], expect.MONEYKIT_LINK, res)
        self.assertEqual(self.mock.stats()["connections"], 1)

    def test_expired_twice_renews_only_once(self):
        self.mock.config("expire_token:2")
        res = self.run_moneykit("get-link", "mk_x")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "401", EXPIRED)
        self.assertEqual([r["path"] for r in self.api_requests()],
                         ["/auth/token", "/links/mk_x", "/auth/token", "/links/mk_x"])

    def test_expired_exchange_is_repeated_once_and_exchanged_once(self):
        self.mock.config("expire_token")
        out = self.assert_ok(self.exchange("xt-expired", credentials=True))
        reqs = self.api_requests()
        self.assertEqual([(r["path"], r["response"]["status"]) for r in reqs],
                         [("/auth/token", 201), ("/link-session/exchange-token", 401),
                          ("/auth/token", 201), ("/link-session/exchange-token", 201)])
        self.assertEqual(self.mock.stats()["exchanged_tokens"], {"xt-expired": out["link_id"]})

    def test_expired_on_a_later_page(self):
        self.mock.control("POST", "seed", {"moneykit_links": 6})
        self.assert_ok(self.run_moneykit("list-links", "--page-size", "2"))
        self.mock.reset()
        self.mock.control("POST", "seed", {"moneykit_links": 6})
        self.mock.config("expire_token")
        out = self.assert_ok(self.run_moneykit("list-links", "--page-size", "2"))
        self.assertEqual([l["link_id"] for l in out["links"]], ["mk_bulk%05d" % i for i in range(6)])
        statuses = [(r["path"], r["response"]["status"]) for r in self.api_requests()]
        self.assertEqual(statuses[:4], [("/auth/token", 201), ("/links", 401), ("/auth/token", 201),
                                        ("/links", 200)])
        self.assertEqual(len(statuses), 6)

    def test_expired_without_credentials_is_an_api_error(self):
        self.mock.config("expire_token")
        res = self.run_moneykit("get-link", "mk_x", credentials=False, bearer=s.STATIC_TOKEN)
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "get-link: API error: HTTP 401 " + EXPIRED)
        self.assertEqual(len(self.api_requests()), 1)

    def test_static_token_with_credentials_renewed_on_expiry(self):
        self.mock.control("POST", "seed", {"moneykit_links": 1})
        self.mock.config("expire_token")
        env = {"MONEYKIT_ACCESS_TOKEN": s.STATIC_TOKEN, "MONEYKIT_CLIENT_ID": s.CLIENT_ID,
               "MONEYKIT_CLIENT_SECRET": s.CLIENT_SECRET}
        self.assert_ok(self.run_tool("moneykit", "get-link", "mk_bulk00000", env=env))
        self.assertEqual([r["path"] for r in self.api_requests()],
                         ["/links/mk_bulk00000", "/auth/token", "/links/mk_bulk00000"])


class TokenRenewedBeforeExpiry(s.E2ETest):
    """expires_in 61 s with the 60 s margin: a token is usable for one
    second, so with each answer taking 1.1 s every page needs a new one."""

    def setUp(self):
        super().setUp()
        self.mock.stop()
        self.mock = s.MockServer(extra_args=["--moneykit-token-lifetime", "61", "--moneykit-links", "3"],
                                 verbose=True).start()
        self.addCleanup(self.mock.stop)

    def test_renewed_before_each_page(self):
        self.mock.config("delay:1100")
        res = self.run_moneykit("list-links", "--page-size", "1", "--timeout-ms", "20000")
        out = self.assert_ok(res)
        self.assertEqual(len(out["links"]), 3)
        reqs = self.api_requests()
        self.assertEqual([r["path"] for r in reqs], ["/auth/token", "/links"] * 3)
        self.assertTrue(all(r["response"]["status"] in (200, 201) for r in reqs),
                        "no call may go out with a token about to expire")
        issued = self.mock.stats()["issued_tokens"]
        self.assertEqual(len(issued), 3)
        self.assertEqual([bearer_of(r) for r in reqs[1::2]], issued, "each page with the newest token")
        self.assertEqual(json.loads(reqs[0]["response"]["body"])["expires_in"], 61)
        self.assertEqual(self.mock.stats()["connections"], 1)

    def test_fresh_token_is_reused(self):
        res = self.run_moneykit("list-links", "--page-size", "1")
        self.assert_ok(res)
        self.assertEqual([r["path"] for r in self.api_requests()], ["/auth/token"] + ["/links"] * 3)


class RateLimits(s.E2ETest):
    def test_retry_after_beyond_deadline_fails_fast(self):
        self.mock.control("POST", "seed", {"heron_links": 3})
        self.mock.config("status:429:5", "retry_after:120")
        res = self.run_heron("list-links", "end-user-bulk", "--timeout-ms", "3000")
        self.assert_exit(res, s.EXIT_API)
        self.assertLess(res.elapsed, 1.5, "must not wait for a Retry-After past the deadline")
        self.assert_in_stderr(res, "list-links: API error: HTTP 429", "retry after 120 s",
                              "BL_ERR_RATE_LIMITED")
        self.assertEqual(len(self.api_requests()), 1)

    def test_retry_after_longer_than_what_is_left(self):
        self.mock.config("status:503:5", "retry_after:5")
        res = self.run_tool("--timeout-ms", "2000", "moneykit", "get-link", "mk_x",
                            env={"MONEYKIT_ACCESS_TOKEN": s.STATIC_TOKEN})
        self.assertIn(res.rc, (s.EXIT_API, s.EXIT_NETWORK), res.describe())
        self.assertLess(res.elapsed, 1.5)
        self.assert_in_stderr(res, "retry after 5 s")

    def test_moneykit_429_after_token(self):
        self.mock.config("status:429:5:1", "retry_after:90")
        res = self.run_moneykit("list-links", "--timeout-ms", "5000")
        self.assert_exit(res, s.EXIT_API)
        self.assertLess(res.elapsed, 1.5)
        self.assert_in_stderr(res, "HTTP 429 api_error.rate_limit_exceeded", "retry after 90 s")
        self.assertEqual([r["path"] for r in self.api_requests()], ["/auth/token", "/links"])

    def test_heron_ratelimit_headers_reported(self):
        self.mock.config("status:429:5", "retry_after:120", "ratelimit")
        res = self.run_heron("delete-links", "int_mock_assets", "eu", "--timeout-ms", "2000")
        self.assert_exit(res, s.EXIT_API)
        self.assertRegex(res.stderr, re.compile(r"rate limit 100, 0 remaining, resets in 1 s"))

    def test_short_retry_after_is_waited(self):
        self.mock.control("POST", "seed", {"heron_links": 3})
        self.mock.config("status:429:1", "retry_after:1")
        res = self.run_heron("list-links", "end-user-bulk")
        out = self.assert_ok(res)
        self.assertEqual(len(out["links"]), 3)
        self.assertGreaterEqual(res.elapsed, 0.9)
        self.assertEqual([r["response"]["status"] for r in self.api_requests()], [429, 200])

    def test_create_link_429_retried_created_once(self):
        self.mock.config("status:429:1", "retry_after:0")
        self.assert_ok(self.run_heron("create-link", "int_mock_assets", "--item-id", "it-429",
                                      "--end-user-id", "eu-429", "--access-token", "tok"))
        self.assertEqual([r["response"]["status"] for r in self.api_requests()], [429, 201])
        self.assertEqual([r["item_id"] for r in self.mock.stats()["heron_links"]], ["it-429"])


if __name__ == "__main__":
    s.main()
