#!/usr/bin/env python3
"""How answers arrive on the wire: framing the tool must read, and framing
it must refuse (exit 5) without printing anything."""

import e2e_support as s
from e2e_support import expect

CALLS = {
    "heron": (lambda t: t.heron(), expect.HERON_UPDATE_LINK),
    "exchange": (lambda t: t.exchange("xt-wire"), expect.MONEYKIT_EXCHANGE),
    "token": (lambda t: t.token(), expect.MONEYKIT_TOKEN),
}


class Readable(s.E2ETest):
    """Each behaviour alone and in combination still decodes exactly."""

    def check(self, *behaviours):
        for name, (call, schema) in CALLS.items():
            with self.subTest(call=name, behaviours=behaviours):
                self.mock.reset()
                self.mock.config(*behaviours)
                res = call(self)
                out = self.assert_ok(res)
                req = self.api_requests()[-1]
                self.assert_decoded(out, req["response"]["body"], schema, res)

    def test_chunked(self):
        self.check("chunked")

    def test_bytewise(self):
        self.check("bytewise")

    def test_interim_responses(self):
        self.check("interim")

    def test_no_length_body_ends_at_close(self):
        self.check("no_length")

    def test_no_keepalive(self):
        self.check("no_keepalive")

    def test_ratelimit_headers_on_success(self):
        self.check("ratelimit")

    def test_all_at_once(self):
        self.check("interim", "chunked", "bytewise", "escapes", "datetimes")

    def test_delay_within_timeout(self):
        self.mock.config("delay:300")
        res = self.heron(opts=("--timeout-ms", "5000"))
        self.assert_ok(res)
        self.assertGreaterEqual(res.elapsed, 0.3)
        self.assertEqual(len(self.api_requests()), 1)


class Refused(s.E2ETest):
    """Broken or oversized answers: exit 5, nothing on stdout."""

    def check(self, behaviour, code=s.EXIT_MALFORMED, calls=("heron", "exchange")):
        for name in calls:
            with self.subTest(call=name, behaviour=behaviour):
                self.mock.reset()
                self.mock.config(behaviour)
                res = CALLS[name][0](self)
                self.assert_exit(res, code)
                self.assertGreaterEqual(len(self.api_requests()), 1)

    def test_oversize(self):
        self.check("oversize:100000", calls=("heron", "exchange", "token"))

    def test_oversize_chunked(self):
        self.mock.config("oversize:100000", "chunked")
        self.assert_exit(self.heron(), s.EXIT_MALFORMED)

    def test_malformed_json(self):
        self.check("malformed_json", calls=("heron", "exchange", "token"))

    def test_malformed_status_line(self):
        self.check("malformed_status")

    def test_conflicting_content_length(self):
        self.check("conflicting_length")


class CutShort(s.E2ETest):
    """The connection closes before the answer is complete."""

    def test_close_mid_body_heron(self):
        self.mock.config("close_mid_body")
        res = self.heron(opts=("--retries", "1"))
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assertIn(len(self.api_requests()), (1, 2))

    def test_close_mid_body_exchange_is_outcome_unknown(self):
        self.mock.config("close_mid_body")
        res = self.exchange("xt-mid-body")
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assert_in_stderr(res, "unknown")
        self.assertEqual(len(self.api_requests()), 1, "an exchange must never be replayed")


if __name__ == "__main__":
    s.main()
