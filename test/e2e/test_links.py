#!/usr/bin/env python3
"""The link life cycle end to end: every new subcommand against the mock,
its request, its output compared with what the server sent and holds, and
the state the calls leave behind (create -> list -> refresh -> delete ->
list for Heron; exchange -> get -> list -> delete -> get for MoneyKit)."""

import json
import re
import urllib.parse

import e2e_support as s
from e2e_support import expect

INTEGRATION = "int_mock_assets"
OTHER_INTEGRATION = "int_mock_plaid"
OUTCOME_UNKNOWN = re.compile(r"outcome[ _]unknown", re.I)


def create_args(integration, item_id, end_user_id, token="access-sandbox-1", name=None):
    args = ["create-link", integration, "--item-id", item_id, "--end-user-id", end_user_id,
            "--access-token", token]
    return args + (["--end-user-name", name] if name is not None else [])


class HeronLinks(s.E2ETest):
    def create(self, integration, item_id, end_user_id, **kw):
        res = self.run_heron(*create_args(integration, item_id, end_user_id, **kw))
        return self.assert_ok(res), res

    def list_links(self, end_user, integration=None):
        args = ["list-links", end_user] + (["--integration", integration] if integration else [])
        res = self.run_heron(*args)
        out = self.assert_ok(res)
        req = self.api_requests()[-1]
        self.assertEqual(req["response"]["status"], 200)
        self.assert_decoded(out, req["response"]["body"], expect.HERON_LIST, res)
        return out, req

    def held(self, end_user_id, integration=None):
        """Item ids the server holds, not deleted, in creation order."""
        return [r["item_id"] for r in self.mock.stats()["heron_links"]
                if r["end_user_id"] == end_user_id and not r["deleted"]
                and (integration is None or r["integration"] == integration)]

    def test_create_link_request_and_output(self):
        out, res = self.create(INTEGRATION, s.SEED_ITEM_ID, "8d18511d-9d6e", token=s.SEED_ACCESS_TOKEN,
                               name="Acme Corp")
        (req,) = self.api_requests()
        self.assertEqual((req["method"], req["path"]), ("POST", "/api/integrations/%s/links" % INTEGRATION))
        self.assertEqual(req["headers"]["x-api-key"], s.HERON_KEY)
        self.assertEqual(req["headers"]["content-type"].split(";")[0], "application/json")
        self.assertEqual(json.loads(req["body"]), {
            "item_id": s.SEED_ITEM_ID, "end_user_id": "8d18511d-9d6e",
            "access_token": s.SEED_ACCESS_TOKEN, "end_user_name": "Acme Corp"})
        self.assertEqual(req["response"]["status"], 201)
        self.assert_decoded(out, req["response"]["body"], expect.HERON_CREATE_LINK, res)
        self.assertEqual(out["link"]["status"], "pending")
        self.assertTrue(out["link"]["data_source_heron_id"].startswith("ds_"))
        self.assertEqual(self.held("8d18511d-9d6e"), [s.SEED_ITEM_ID])

    def test_create_without_name_sends_no_name(self):
        self.create(INTEGRATION, "it-noname", "eu-noname")
        self.assertNotIn("end_user_name", json.loads(self.api_requests()[0]["body"]))

    def test_lifecycle(self):
        self.create(INTEGRATION, "it-1", "eu-1")
        self.create(INTEGRATION, "it-2", "eu-1")
        self.create(OTHER_INTEGRATION, "it-3", "eu-1")
        self.create(INTEGRATION, "it-other-user", "eu-2")

        out, req = self.list_links("eu-1")
        self.assertEqual(req["path"], "/api/end_users/eu-1/integration_links")
        self.assertEqual([l["item_id"] for l in out["links"]], self.held("eu-1"))
        self.assertEqual([l["item_id"] for l in out["links"]], ["it-1", "it-2", "it-3"])
        out, req = self.list_links("eu-1", INTEGRATION)
        self.assertEqual((req["path"], req["query"]),
                         ("/api/integrations/%s/links" % INTEGRATION, "end_user_id_or_heron_id=eu-1"))
        self.assertEqual([l["item_id"] for l in out["links"]], ["it-1", "it-2"])

        res = self.run_heron("refresh-link", INTEGRATION, "it-1")
        out = self.assert_ok(res)
        req = self.api_requests()[-1]
        self.assertEqual((req["method"], req["path"], req["body"]),
                         ("POST", "/api/integrations/%s/links/it-1/refresh" % INTEGRATION, ""))
        self.assert_decoded(out, req["response"]["body"], expect.HERON_CREATE_LINK, res)
        self.assertEqual(out["link"]["status"], "syncing")
        out, _ = self.list_links("eu-1")
        self.assertEqual([l["status"] for l in out["links"]], ["syncing", "pending", "pending"])

        res = self.run_heron("delete-links", INTEGRATION, "eu-1")
        self.assertEqual(self.assert_ok(res), {})
        self.assertEqual(res.stdout, "{}\n")
        req = self.api_requests()[-1]
        self.assertEqual((req["method"], req["path"], req["query"], req["response"]["status"]),
                         ("DELETE", "/api/integrations/%s/links" % INTEGRATION,
                          "end_user_id_or_heron_id=eu-1", 204))
        out, _ = self.list_links("eu-1")
        self.assertEqual([l["item_id"] for l in out["links"]], ["it-3"])
        out, _ = self.list_links("eu-1", INTEGRATION)
        self.assertEqual(out, {"links": []})
        self.assertEqual(self.held("eu-2"), ["it-other-user"], "another end user's links stay")
        # A deleted link cannot be refreshed, and may be created again.
        res = self.run_heron("refresh-link", INTEGRATION, "it-1")
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "refresh-link", "404", "Not Found")
        self.create(INTEGRATION, "it-1", "eu-1")
        self.assertEqual(self.held("eu-1"), ["it-3", "it-1"])

    def test_list_by_heron_id(self):
        self.create(INTEGRATION, "it-h", "eu-by-heron-id")
        heron_id = self.mock.stats()["heron_end_users"][0]["heron_id"]
        out, req = self.list_links(heron_id)
        self.assertEqual([l["item_id"] for l in out["links"]], ["it-h"])
        out, req = self.list_links(heron_id, INTEGRATION)
        self.assertEqual([l["item_id"] for l in out["links"]], ["it-h"])

    def test_ids_encoded_in_path_and_query(self):
        user = "eu 1+x/\u00e9&y=z?#%"
        item = "item/1 +?"
        self.create(INTEGRATION, item, user)
        self.assertEqual(json.loads(self.api_requests()[0]["body"])["end_user_id"], user)
        out, req = self.list_links(user)
        encoded = urllib.parse.quote(user, safe="")
        self.assertEqual(req["path"], "/api/end_users/%s/integration_links" % encoded)
        self.assertEqual([l["item_id"] for l in out["links"]], [item])
        out, req = self.list_links(user, INTEGRATION)
        # Query values are encoded like path segments: '+' and '&' escaped, never a bare '+'.
        self.assertEqual(req["query"], "end_user_id_or_heron_id=" + encoded)
        self.assertEqual([l["item_id"] for l in out["links"]], [item])
        self.assert_ok(self.run_heron("refresh-link", INTEGRATION, item))
        self.assertEqual(self.api_requests()[-1]["path"], "/api/integrations/%s/links/%s/refresh"
                         % (INTEGRATION, urllib.parse.quote(item, safe="")))
        self.assert_ok(self.run_heron("delete-links", INTEGRATION, user))
        self.assertEqual(self.api_requests()[-1]["query"], "end_user_id_or_heron_id=" + encoded)
        self.assertEqual(self.held(user), [])

    def test_unknown_ids_are_404(self):
        self.create(INTEGRATION, "it-x", "eu-x")
        for args in (("list-links", "nobody"), ("list-links", "nobody", "--integration", INTEGRATION),
                     ("list-links", "eu-x", "--integration", "int_none"),
                     ("refresh-link", INTEGRATION, "no-such-item"), ("refresh-link", "int_none", "it-x"),
                     ("delete-links", INTEGRATION, "nobody"), ("delete-links", "int_none", "eu-x"),
                     create_args("int_none", "it-y", "eu-x")):
            with self.subTest(args=args):
                res = self.run_heron(*args)
                self.assert_exit(res, s.EXIT_API)
                self.assert_in_stderr(res, args[0] + ": API error: HTTP 404 Not Found")
        self.assertEqual(self.held("eu-x"), ["it-x"], "nothing changed")

    def test_duplicate_create_is_409(self):
        self.create(INTEGRATION, "it-dup", "eu-dup")
        res = self.run_heron(*create_args(INTEGRATION, "it-dup", "eu-dup"))
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "409", "already exists")

    def test_refused_input_sends_nothing(self):
        for args in (create_args(INTEGRATION, "it", "eu", token="tok\nX-Evil: 1"),
                     create_args(INTEGRATION, "it\r", "eu"),
                     ["list-links", "eu\x01"], ["delete-links", INTEGRATION, "eu\x7f\n"],
                     ["create-link", INTEGRATION, "--item-id", "it", "--end-user-id", "eu"],
                     ["refresh-link", INTEGRATION]):
            with self.subTest(args=args):
                res = self.run_heron(*args)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)
        res = self.run_heron("list-links", "eu", key=None)
        self.assert_exit(res, s.EXIT_USAGE)
        self.assert_in_stderr(res, "HERON_API_KEY")
        self.assert_nothing_sent(res)

    def test_verbose_redacts_key_and_token(self):
        token = "access-sandbox-" + "4" * 24
        res = self.run_heron("-v", *create_args(INTEGRATION, "it-v", "eu-v", token=token))
        self.assert_ok(res)
        self.assert_in_stderr(res, "POST /api/integrations/%s/links" % INTEGRATION, "HTTP/1.1 201")
        for secret in (token, s.HERON_KEY):
            self.assertNotIn(secret, res.stderr)
            self.assertNotIn(secret, res.stdout)

    def test_create_unanswered_is_outcome_unknown_never_replayed(self):
        self.mock.config("close_before_response:1")
        res = self.run_heron(*create_args(INTEGRATION, "it-lost", "eu-lost"))
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assertRegex(res.stderr, OUTCOME_UNKNOWN)
        self.assert_in_stderr(res, "link may have been created", "heron list-links")
        self.assertEqual(len(self.api_requests()), 1, "a create must never be replayed")
        # It was processed: the reconciliation the message advises finds it.
        out, _ = self.list_links("eu-lost")
        self.assertEqual([l["item_id"] for l in out["links"]], ["it-lost"])

    def test_refresh_retried_only_when_not_processed(self):
        self.create(INTEGRATION, "it-r", "eu-r")
        self.mock.config("status:503:1", "retry_after:0")
        self.assert_ok(self.run_heron("refresh-link", INTEGRATION, "it-r"))
        self.assertEqual([r["response"]["status"] for r in self.api_requests()[1:]], [503, 200])
        self.mock.config("status:502:1")
        res = self.run_heron("refresh-link", INTEGRATION, "it-r")
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual([r["response"]["status"] for r in self.api_requests()[3:]], [502])

    def test_list_and_delete_retried(self):
        self.create(INTEGRATION, "it-d", "eu-d")
        self.mock.config("close_before_response:1")
        out, _ = self.list_links("eu-d")
        self.assertEqual(len(out["links"]), 1)
        self.mock.config("close_before_response:1")
        self.assert_ok(self.run_heron("delete-links", INTEGRATION, "eu-d"))
        deletes = [r for r in self.api_requests() if r["method"] == "DELETE"]
        self.assertEqual([r["response"]["dropped"] for r in deletes], [True, False])
        self.assertEqual(self.held("eu-d"), [])

    def test_variants_decode(self):
        self.create(INTEGRATION, "it-var", "eu-var")
        for variant in ("chunked", "bytewise", "interim"):
            with self.subTest(variant=variant):
                self.mock.config(variant)
                out, _ = self.list_links("eu-var")
                self.assertEqual([l["item_id"] for l in out["links"]], ["it-var"])
                res = self.run_heron("refresh-link", INTEGRATION, "it-var")
                out = self.assert_ok(res)
                self.assert_decoded(out, self.api_requests()[-1]["response"]["body"],
                                    expect.HERON_CREATE_LINK, res)


class MoneyKitLinks(s.E2ETest):
    def get_link(self, link_id, **kw):
        res = self.run_moneykit("get-link", link_id, **kw)
        return res

    def test_exchange_get_list_delete_get(self):
        ex = self.assert_ok(self.exchange("xt-life", credentials=True))
        link_id = ex["link"]["link_id"]

        res = self.get_link(link_id)
        out = self.assert_ok(res)
        req = self.api_requests()[-1]
        self.assertEqual((req["method"], req["path"], req["response"]["status"]),
                         ("GET", "/links/" + link_id, 200))
        self.assert_decoded(out, req["response"]["body"], expect.MONEYKIT_LINK, res)
        self.assertEqual(out, ex["link"], "get-link prints the link the exchange made")

        res = self.run_moneykit("list-links")
        out = self.assert_ok(res)
        self.assertEqual([l["link_id"] for l in out["links"]], [link_id])
        self.assertEqual(out["links"][0], ex["link"])

        res = self.run_moneykit("delete-link", link_id)
        self.assertEqual(self.assert_ok(res), {})
        req = self.api_requests()[-1]
        self.assertEqual((req["method"], req["path"], req["response"]["status"]),
                         ("DELETE", "/links/" + link_id, 200))
        self.assertEqual(self.mock.stats()["moneykit_links"], [])

        res = self.get_link(link_id)
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "get-link: API error: HTTP 404 api_error.link.not_found")
        self.assertEqual(self.assert_ok(self.run_moneykit("list-links")), {"links": []})
        res = self.run_moneykit("delete-link", link_id)
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "delete-link: API error: HTTP 404")

    def test_get_link_request(self):
        self.assert_ok(self.exchange("xt-req"))
        link_id = self.mock.stats()["exchanged_tokens"]["xt-req"]
        self.assert_ok(self.get_link(link_id, credentials=False, bearer=s.STATIC_TOKEN))
        req = self.api_requests()[-1]
        h = req["headers"]
        self.assertEqual(h["authorization"], "Bearer " + s.STATIC_TOKEN)
        self.assertEqual(h["moneykit-version"], "2023-02-18")
        self.assertEqual(req["body"], "")
        self.assertNotIn("content-type", h)

    def test_link_id_is_percent_encoded(self):
        res = self.get_link("mk/odd id?#")
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual(self.api_requests()[-1]["path"], "/links/mk%2Fodd%20id%3F%23")
        self.assertEqual(self.api_requests()[-1]["params"], {"id": "mk/odd id?#"})

    def test_fixture_variants_decode(self):
        for i, variant in enumerate(("nulls", "datetimes", "escapes")):
            with self.subTest(variant=variant):
                self.mock.config(variant)
                ex = self.assert_ok(self.exchange("xt-var-%d" % i))
                self.mock.config()
                res = self.get_link(ex["link"]["link_id"])
                out = self.assert_ok(res)
                self.assert_decoded(out, self.api_requests()[-1]["response"]["body"], expect.MONEYKIT_LINK,
                                    res)
        res = self.run_moneykit("list-links")
        out = self.assert_ok(res)
        self.assertEqual(len(out["links"]), 3)
        self.assert_decoded(out, self.api_requests()[-1]["response"]["body"], expect.MONEYKIT_LIST, res)

    def test_refused_input_and_missing_credentials(self):
        for args in (("get-link", "mk\n1"), ("delete-link", "mk\x01"), ("get-link", "")):
            with self.subTest(args=args):
                self.mock.reset()
                res = self.run_moneykit(*args)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_nothing_sent(res)
        self.mock.reset()
        res = self.run_moneykit("list-links", credentials=False)
        self.assert_exit(res, s.EXIT_USAGE)
        self.assert_in_stderr(res, "MONEYKIT_ACCESS_TOKEN")
        self.assert_nothing_sent(res)

    def test_bad_credentials_name_the_token_step(self):
        env = {"MONEYKIT_CLIENT_ID": s.CLIENT_ID, "MONEYKIT_CLIENT_SECRET": "wrong-secret"}
        res = self.run_tool("moneykit", "get-link", "mk_1", env=env)
        self.assert_exit(res, s.EXIT_API)
        self.assert_in_stderr(res, "auth/token: API error: HTTP 401 api_error.auth.unauthorized")
        self.assertNotIn("wrong-secret", res.stderr)
        self.assertEqual([r["path"] for r in self.api_requests()], ["/auth/token"])

    def test_get_retried_when_dropped(self):
        self.assert_ok(self.exchange("xt-drop"))
        link_id = self.mock.stats()["exchanged_tokens"]["xt-drop"]
        self.mock.config("close_before_response:1")
        self.assert_ok(self.get_link(link_id, credentials=False, bearer=s.STATIC_TOKEN))
        gets = [r for r in self.api_requests() if r["method"] == "GET"]
        self.assertEqual([r["response"]["dropped"] for r in gets], [True, False])

    def test_verbose_redacts(self):
        res = self.run_moneykit("-v", "list-links")
        self.assert_ok(res)
        issued = self.mock.stats()["issued_tokens"]
        self.assert_in_stderr(res, "GET /links HTTP/1.1")
        for secret in issued + [s.CLIENT_SECRET]:
            self.assertNotIn(secret, res.stderr)


if __name__ == "__main__":
    s.main()
