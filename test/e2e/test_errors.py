#!/usr/bin/env python3
"""API errors (exit 4), retries and their limits, deadlines (exit 3), and
the rule that an exchange is never replayed when its outcome is unknown."""

import re

import e2e_support as s

OUTCOME_UNKNOWN = re.compile(r"outcome[ _]unknown", re.I)


class ApiErrors(s.E2ETest):
    def test_heron_404_names_status_code_and_message(self):
        self.mock.config("error:404")
        res = self.heron()
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "404", "Not Found", "Mock: forced error 404")
        self.assertEqual(len(self.api_requests()), 1, "a 404 is not retried")

    def test_moneykit_404_names_error_code_and_message(self):
        self.mock.config("error:404")
        res = self.exchange("xt-404")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "404", "api_error.resource.not_found", "Mock: forced error 404")

    def test_heron_500_is_api_error(self):
        self.mock.config("error:500")
        res = self.heron(opts=("--retries", "0"))
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "500")

    def test_heron_wrong_key(self):
        res = self.heron(key="not-the-key")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "401", "Unauthorized", "Invalid API key")
        self.assertNotIn("not-the-key", res.stderr)

    def test_moneykit_unknown_bearer(self):
        res = self.exchange("xt-bearer", bearer="made-up-token")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "401", "api_error.auth.unauthorized")
        self.assertNotIn("made-up-token", res.stderr)

    def test_moneykit_bad_client_credentials(self):
        res = self.token(secret="wrong-secret")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "401", "api_error.auth.unauthorized")
        self.assertNotIn("wrong-secret", res.stderr)

    def test_second_exchange_of_a_token_is_refused(self):
        self.assert_ok(self.exchange("xt-twice"))
        res = self.exchange("xt-twice")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "400", "link_session_error.invalid_token_exchange")
        self.assertEqual(len(self.api_requests()), 2)


class Retries(s.E2ETest):
    def test_put_503_is_retried(self):
        self.mock.config("status:503:1")
        res = self.heron()
        out = self.assert_ok(res)
        reqs = self.api_requests()
        self.assertEqual([r["response"]["status"] for r in reqs], [503, 200])
        self.assertEqual(out["integration_link"]["item_id"], s.SEED_ITEM_ID)
        self.assertGreaterEqual(res.elapsed, 0.9, "Retry-After: 1 must be honoured")

    def test_put_502_and_504_are_retried(self):
        for code in (502, 504):
            with self.subTest(code=code):
                self.mock.reset()
                self.mock.config("status:%d:1" % code)
                self.assert_ok(self.heron())
                self.assertEqual([r["response"]["status"] for r in self.api_requests()],
                                 [code, 200])

    def test_429_until_retries_run_out(self):
        self.mock.config("status:429:5")
        res = self.heron(opts=("--retries", "1"))
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual(len(self.api_requests()), 2, "one try plus one retry")
        self.assert_in_stderr(res, "429")

    def test_default_is_two_retries(self):
        self.mock.config("status:503:10", "retry_after:0")
        res = self.heron()
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual(len(self.api_requests()), 3)

    def test_retries_zero(self):
        self.mock.config("status:503:1", "retry_after:0")
        self.assert_exit(self.heron(opts=("--retries", "0")), s.EXIT_API)
        self.assertEqual(len(self.api_requests()), 1)

    def test_retry_after_http_date(self):
        self.mock.config("status:429:1", "retry_after:date")
        res = self.heron()
        self.assert_ok(res)
        self.assertEqual(len(self.api_requests()), 2)
        self.assertGreaterEqual(res.elapsed, 0.9, "Retry-After as an HTTP date must be honoured")

    def test_exchange_429_and_503_are_retried(self):
        for code in (429, 503):
            with self.subTest(code=code):
                self.mock.reset()
                self.mock.config("status:%d:1" % code, "retry_after:0")
                out = self.assert_ok(self.exchange("xt-retry-%d" % code))
                self.assertEqual([r["response"]["status"] for r in self.api_requests()],
                                 [code, 201])
                self.assertEqual(out["link"]["institution_id"], "chase")

    def test_exchange_502_is_not_retried(self):
        self.mock.config("status:502:1")
        res = self.exchange("xt-502")
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual(len(self.api_requests()), 1,
                         "a 502 may come after the exchange happened: no retry")

    def test_put_close_before_response_is_retried(self):
        self.mock.config("close_before_response:1")
        out = self.assert_ok(self.heron())
        reqs = self.api_requests()
        self.assertEqual(len(reqs), 2)
        self.assertTrue(reqs[0]["response"]["dropped"])
        self.assertEqual(out["integration_link"]["status"], "active")

    def test_exchange_close_before_response_is_outcome_unknown(self):
        self.mock.config("close_before_response:1")
        res = self.exchange("xt-unknown")
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assertRegex(res.stderr, OUTCOME_UNKNOWN)
        reqs = self.api_requests()
        self.assertEqual(len(reqs), 1, "the exchange must never be replayed")
        self.assertEqual(self.mock.stats()["exchanged_tokens"].keys(), {"xt-unknown"})

    def test_exchange_with_credentials_close_before_response(self):
        # The token call is idempotent in effect; the exchange is not.
        self.mock.config("close_before_response:2")
        res = self.exchange("xt-unknown-2", credentials=True)
        reqs = self.api_requests()
        exchanges = [r for r in reqs if r["path"] == "/link-session/exchange-token"]
        self.assertLessEqual(len(exchanges), 1, "the exchange must never be replayed")
        if exchanges and exchanges[0]["response"]["dropped"]:
            self.assert_exit(res, s.EXIT_NETWORK)
            self.assertRegex(res.stderr, OUTCOME_UNKNOWN)


class Deadlines(s.E2ETest):
    def test_delay_over_timeout_fails_fast(self):
        self.mock.config("delay:5000")
        res = self.heron(opts=("--timeout-ms", "500"))
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assertLess(res.elapsed, 2.0, "the deadline covers the whole call")

    def test_exchange_timeout_is_outcome_unknown(self):
        self.mock.config("delay:5000")
        res = self.exchange("xt-slow", opts=("--timeout-ms", "500"))
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assertLess(res.elapsed, 2.0)
        self.assertRegex(res.stderr, OUTCOME_UNKNOWN)
        self.assertEqual(len(self.api_requests()), 1)

    def test_retry_after_beyond_deadline_stops(self):
        self.mock.config("status:503:5", "retry_after:30")
        res = self.heron(opts=("--timeout-ms", "1000"))
        self.assertIn(res.rc, (s.EXIT_API, s.EXIT_NETWORK), res.describe())
        self.assertLess(res.elapsed, 2.5, "must not sleep past its deadline")
        self.assertEqual(len(self.api_requests()), 1)

    def test_connection_refused(self):
        res = self.heron(base_url=s.url_of(1))
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assertLess(res.elapsed, 5.0)


if __name__ == "__main__":
    s.main()
