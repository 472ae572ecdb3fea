#!/usr/bin/env python3
"""The seed calls end to end: what banklink sends and what it prints."""

import json

import e2e_support as s
from e2e_support import expect


class HeronUpdateLink(s.E2ETest):
    def test_seed_call_decodes_every_field(self):
        res = self.heron()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assertEqual(req["api"], "heron_update_link")
        self.assertEqual(req["response"]["status"], 200)
        self.assert_decoded(out, req["response"]["body"], expect.HERON_UPDATE_LINK, res)
        self.assertEqual(out["integration_link"]["item_id"], s.SEED_ITEM_ID)
        self.assertEqual(out["integration_link"]["created"], "2020-01-01T00:00:00Z")

    def test_request_is_what_heron_expects(self):
        self.assert_ok(self.heron())
        (req,) = self.api_requests()
        self.assertEqual(req["method"], "PUT")
        self.assertEqual(req["path"], "/api/integration_links/" + s.SEED_ITEM_ID)
        self.assertEqual(req["http_version"], "1.1")
        h = req["headers"]
        self.assertEqual(h["x-api-key"], s.HERON_KEY)
        self.assertEqual(h["content-type"].split(";")[0], "application/json")
        self.assertEqual(h["host"], self.mock.authority)
        self.assertTrue(h["user-agent"].startswith("banklink/"), h["user-agent"])
        self.assertIn("application/json", h.get("accept", ""))
        self.assertEqual(json.loads(req["body"]), {"end_user": {"access_token": s.SEED_ACCESS_TOKEN}})
        self.assertNotIn("authorization", h)

    def test_nulls_absent_fields_and_unknown_enum(self):
        self.mock.config("nulls")
        res = self.heron()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assert_decoded(out, req["response"]["body"], expect.HERON_UPDATE_LINK, res)
        link = out["integration_link"]
        self.assertNotIn("status_message", link)
        self.assertIsNone(link["type"])
        self.assertIsNone(link["last_successful_sync"])
        self.assertEqual(link["status"], "sync_paused_by_mock")

    def test_datetimes_offsets_fractions_pre_1970(self):
        self.mock.config("datetimes")
        res = self.heron()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assert_decoded(out, req["response"]["body"], expect.HERON_UPDATE_LINK, res)
        link = out["integration_link"]
        self.assertEqual(link["created"], "2020-01-01T00:00:00Z")
        self.assertEqual(link["last_updated"], "1969-12-31T23:59:58Z")

    def test_every_json_escape_round_trips(self):
        self.mock.config("escapes")
        res = self.heron()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assertIn("\\u00e9", req["response"]["body"])
        self.assertIn("\\/", req["response"]["body"])
        self.assert_decoded(out, req["response"]["body"], expect.HERON_UPDATE_LINK, res)

    def test_access_token_is_json_escaped(self):
        token = 'tok "quoted" back\\slash caf\u00e9 \U0001F600 </tag>'
        self.assert_ok(self.heron(access_token=token))
        (req,) = self.api_requests()
        self.assertEqual(json.loads(req["body"])["end_user"]["access_token"], token)


class MoneyKitExchange(s.E2ETest):
    def test_seed_call_decodes_every_field(self):
        res = self.exchange()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assertEqual(req["response"]["status"], 201)
        self.assert_decoded(out, req["response"]["body"], expect.MONEYKIT_EXCHANGE, res)
        self.assertEqual(out["link_id"], "mk_eqkWN34UEoa2NxyALG8pcV")
        link = out["link"]
        self.assertEqual(link["last_synced_at"], "2023-02-16T09:14:11Z")   # zone-less -> Z
        self.assertEqual(link["tags"], ["user_type:admin", "team:ops"])
        self.assertEqual(link["products"]["identity"]["settings"], {"required": True, "prefetch": False})
        self.assertIsNone(link["products"]["transactions"])
        self.assertNotIn("account_numbers", link["products"])
        self.assertEqual(self.mock.stats()["exchanged_tokens"],
                         {s.SEED_EXCHANGEABLE: "mk_eqkWN34UEoa2NxyALG8pcV"})

    def test_request_is_what_moneykit_expects(self):
        self.assert_ok(self.exchange("xt-request-shape"))
        (req,) = self.api_requests()
        self.assertEqual((req["method"], req["path"]), ("POST", "/link-session/exchange-token"))
        h = req["headers"]
        self.assertEqual(h["authorization"], "Bearer " + s.STATIC_TOKEN)
        self.assertEqual(h["moneykit-version"], "2023-02-18")
        self.assertEqual(h["content-type"].split(";")[0], "application/json")
        self.assertEqual(json.loads(req["body"]), {"exchangeable_token": "xt-request-shape"})

    def test_client_credentials_fetch_token_then_exchange(self):
        res = self.exchange("xt-credentials", credentials=True)
        out = self.assert_ok(res)
        token_req, exchange_req = self.api_requests()
        self.assertEqual(token_req["path"], "/auth/token")
        self.assertEqual(token_req["headers"]["content-type"].split(";")[0],
                         "application/x-www-form-urlencoded")
        form = dict(p.split("=", 1) for p in token_req["body"].split("&"))
        self.assertEqual(form["grant_type"], "client_credentials")
        issued = self.mock.stats()["issued_tokens"]
        self.assertEqual(len(issued), 1)
        self.assertEqual(exchange_req["headers"]["authorization"], "Bearer " + issued[0])
        self.assertEqual(exchange_req["response"]["status"], 201)
        self.assert_decoded(out, exchange_req["response"]["body"], expect.MONEYKIT_EXCHANGE, res)

    def test_client_credentials_reuse_the_connection(self):
        self.assert_ok(self.exchange("xt-keepalive", credentials=True))
        reqs = self.api_requests()
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[0]["connection"], reqs[1]["connection"],
                         "the token call and the exchange should share one keep-alive connection")
        self.assertEqual(self.mock.stats()["connections"], 1)

    def test_nulls_and_unknown_state(self):
        self.mock.config("nulls")
        res = self.exchange("xt-nulls")
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assert_decoded(out, req["response"]["body"], expect.MONEYKIT_EXCHANGE, res)
        self.assertIsNone(out["link"]["tags"])
        self.assertIsNone(out["link"]["products"]["accounts"])
        self.assertEqual(out["link"]["state"], "awaiting_mock_review")

    def test_datetimes(self):
        self.mock.config("datetimes")
        res = self.exchange("xt-datetimes")
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assert_decoded(out, req["response"]["body"], expect.MONEYKIT_EXCHANGE, res)
        self.assertEqual(out["link"]["products"]["accounts"]["refreshed_at"], "2023-02-16T09:14:11Z")
        self.assertEqual(out["link"]["products"]["accounts"]["last_attempted_at"],
                         "2023-02-16T09:14:11Z")

    def test_escapes(self):
        self.mock.config("escapes")
        res = self.exchange("xt-escapes")
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assert_decoded(out, req["response"]["body"], expect.MONEYKIT_EXCHANGE, res)


class MoneyKitToken(s.E2ETest):
    def test_token_printed(self):
        res = self.token()
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assertEqual((req["method"], req["path"]), ("POST", "/auth/token"))
        self.assertEqual(req["response"]["status"], 201)
        self.assert_decoded(out, req["response"]["body"], expect.MONEYKIT_TOKEN, res)
        self.assertEqual(out["access_token"], self.mock.stats()["issued_tokens"][0])
        self.assertEqual((out["token_type"], out["expires_in"]), ("bearer", 3600))

    def test_token_needs_credentials(self):
        res = self.run_tool("moneykit", "token")
        self.assert_exit(res, s.EXIT_USAGE)
        self.assert_nothing_sent(res)


if __name__ == "__main__":
    s.main()
