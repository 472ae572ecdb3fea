#!/usr/bin/env python3
"""The lean profile (boards/cortex-m4/bl_config.h) end to end.

Run with the tool built on that profile (build/banklink_lean): the seed
calls themselves are test_calls.py's, run on the same binary; this file
checks what the profile leaves out and how the rest behaves without it.
"""

import email.utils
import re
import time

import e2e_support as s

# bl_status_t numbers: the lean build prints them instead of names.
UNSUPPORTED, OUTCOME_UNKNOWN, API = 3, 10, 19

LEFT_OUT = [
    ("heron", "list-links", "end-user-1"),
    ("heron", "create-link", "itg_1", "--item-id", "i", "--end-user-id", "u", "--access-token", "t"),
    ("heron", "refresh-link", "itg_1", "item-1"),
    ("heron", "delete-links", "itg_1", "end-user-1"),
    ("moneykit", "get-link", "mk_1"),
    ("moneykit", "delete-link", "mk_1"),
    ("moneykit", "list-links"),
]


class LeftOut(s.E2ETest):
    def test_commands_of_switched_off_calls_are_refused_and_send_nothing(self):
        env = {"HERON_API_KEY": s.HERON_KEY, "MONEYKIT_CLIENT_ID": s.CLIENT_ID,
               "MONEYKIT_CLIENT_SECRET": s.CLIENT_SECRET}
        for args in LEFT_OUT:
            with self.subTest(command=" ".join(args[:2])):
                res = self.run_tool(*args, env=env)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_in_stderr(res, "not in this build", "[%d]" % UNSUPPORTED)
                self.assert_nothing_sent(res)

    def test_verbose_gets_no_library_log(self):
        res = self.heron(opts=("-v",))
        self.assert_ok(res)
        # The log hook is built out: not one request or response line.
        self.assertNotIn("PUT /api/integration_links", res.stderr)
        self.assertNotIn("HTTP/1.1 200", res.stderr)


class StatusNumbers(s.E2ETest):
    def test_api_error_is_reported_by_number(self):
        self.mock.config("error:404")
        res = self.heron()
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "[%d]" % API, "404")
        self.assertNotIn("BL_ERR_", res.stderr)

    def test_exchange_cut_off_is_outcome_unknown_and_not_replayed(self):
        self.mock.config("close_before_response:1")
        res = self.exchange("xt-lean-unknown")
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assert_in_stderr(res, "[%d]" % OUTCOME_UNKNOWN)
        self.assertEqual(len(self.api_requests()), 1, "the exchange must never be replayed")
        self.assertEqual(self.mock.stats()["exchanged_tokens"].keys(), {"xt-lean-unknown"})


class RetriesWithoutHttpDates(s.E2ETest):
    def test_retry_after_seconds_is_honoured(self):
        self.mock.config("status:503:1")  # Retry-After: 1
        res = self.heron()
        self.assert_ok(res)
        self.assertEqual([r["response"]["status"] for r in self.api_requests()], [503, 200])
        self.assertGreaterEqual(res.elapsed, 0.9, "Retry-After: 1 must be honoured")

    def test_retry_after_date_is_ignored_for_own_backoff(self):
        # A full build would wait a minute (or give up at once, past its
        # deadline); this one cannot read the date and backs off on its own
        # schedule (0.1 to 0.2 s for the first retry).
        date = email.utils.formatdate(int(time.time()) + 60, usegmt=True)
        self.mock.config("status:429:1", "retry_after:" + date)
        res = self.heron()
        out = self.assert_ok(res)
        self.assertEqual([r["response"]["status"] for r in self.api_requests()], [429, 200])
        self.assertLess(res.elapsed, 5.0, "an HTTP-date Retry-After must not be waited for")
        self.assertEqual(out["integration_link"]["item_id"], s.SEED_ITEM_ID)

    def test_exchange_429_is_retried_once_then_decoded(self):
        self.mock.config("status:429:1", "retry_after:0")
        out = self.assert_ok(self.exchange("xt-lean-429"))
        self.assertEqual([r["response"]["status"] for r in self.api_requests()], [429, 201])
        self.assertEqual(out["link"]["institution_id"], "chase")
        self.assertTrue(re.match(r"^[0-9a-zA-Z_-]+$", out["link_id"]))


if __name__ == "__main__":
    s.main()
