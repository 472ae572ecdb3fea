#!/usr/bin/env python3
"""Self-test of the mock server: validation, vendor errors, every behaviour.

Runs without banklink (raw sockets and http.client), so a broken mock is
caught before it makes the end-to-end tests lie.
"""

import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mock_control import MockServer  # noqa: E402

HERON_BODY = b'{"end_user": {"access_token": "access-sandbox-1"}}'


def heron_request(item="item-1", key="test-heron-key", body=HERON_BODY, extra=b""):
    head = (b"PUT /api/integration_links/" + item.encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n")
    if key is not None:
        head += b"x-api-key: " + key.encode() + b"\r\n"
    return head + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


def exchange_request(token="tok-1", bearer="test-static-token", version=True):
    body = json.dumps({"exchangeable_token": token}).encode()
    head = (b"POST /link-session/exchange-token HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n")
    if bearer:
        head += b"Authorization: Bearer " + bearer.encode() + b"\r\n"
    if version:
        head += b"moneykit-version: 2023-02-18\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def token_request(form):
    body = form.encode()
    return (b"POST /auth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


def raw_exchange(mock, data, timeout=5.0):
    """Send @data, read until the server closes. Returns (bytes, recv count)."""
    s = socket.create_connection((mock.host, mock.port), timeout=timeout)
    try:
        s.sendall(data)
        out, reads = b"", 0
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
            reads += 1
        return out, reads
    finally:
        s.close()


def split_response(raw):
    """(status line, {lowercase header: [values]}, body) of the last response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    while head.split(b" ")[1:2] and head.split(b" ")[1][:1] == b"1":
        head, _, body = body.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], headers, body


def dechunk(body):
    out = b""
    while True:
        line, _, body = body.partition(b"\r\n")
        n = int(line.split(b";")[0], 16)
        if n == 0:
            return out, body
        out, body = out + body[:n], body[n + 2:]


class MockTest(unittest.TestCase):
    behaviours = ()

    def setUp(self):
        self.mock = MockServer(behaviours=self.behaviours)
        self.mock.start()
        self.addCleanup(self.mock.stop)

    def call(self, data):
        raw, _ = raw_exchange(self.mock, data)
        status, headers, body = split_response(raw)
        return int(status.split()[1]), headers, body


class Validation(MockTest):
    def test_heron_ok_echoes_decoded_item_id(self):
        status, headers, body = self.call(heron_request("a%2Fb%20c%3F%25%C3%A9"))
        self.assertEqual(status, 200)
        link = json.loads(body)["integration_link"]
        self.assertEqual(link["item_id"], "a/b c?%\u00e9")
        self.assertEqual(headers["content-length"], [str(len(body))])

    def test_heron_auth_and_body_errors(self):
        for req, code in ((heron_request(key=None), 401), (heron_request(key="wrong"), 401),
                          (heron_request(body=b"{bad"), 400),
                          (heron_request(body=b'{"end_user": {}}'), 400)):
            status, _, body = self.call(req)
            self.assertEqual(status, code)
            err = json.loads(body)
            self.assertEqual(err["code"], code)
            self.assertIn("name", err)
            self.assertIn("description", err)

    def test_unencoded_target_refused(self):
        status, _, _ = self.call(heron_request("a b"))
        self.assertEqual(status, 400)
        stats = self.mock.stats()
        self.assertEqual(stats["requests"], [])
        self.assertEqual(len(stats["bad_requests"]), 1)

    def test_tls_client_hello_refused_at_once(self):
        t0 = time.monotonic()
        raw, _ = raw_exchange(self.mock, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        self.assertTrue(raw.startswith(b"HTTP/1.1 400"), raw[:60])
        self.assertLess(time.monotonic() - t0, 1.0)

    def test_token_then_exchange_once(self):
        status, _, body = self.call(token_request(
            "grant_type=client_credentials&client_id=test-client-id&client_secret=test-client-secret"))
        self.assertEqual(status, 201)
        tok = json.loads(body)
        self.assertEqual((tok["token_type"], tok["expires_in"]), ("bearer", 3600))
        status, _, body = self.call(exchange_request("xt-1", bearer=tok["access_token"]))
        self.assertEqual(status, 201)
        self.assertEqual(json.loads(body)["link"]["institution_id"], "chase")
        status, _, body = self.call(exchange_request("xt-1", bearer=tok["access_token"]))
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error_code"], "link_session_error.invalid_token_exchange")
        stats = self.mock.stats()
        self.assertIn("xt-1", stats["exchanged_tokens"])
        self.assertEqual(stats["issued_tokens"], [tok["access_token"]])

    def test_moneykit_errors(self):
        cases = ((token_request("grant_type=client_credentials&client_id=x&client_secret=y"), 401,
                  "api_error.auth.unauthorized"),
                 (exchange_request(bearer=None), 401, "api_error.auth.unauthorized"),
                 (exchange_request(bearer="made-up"), 401, "api_error.auth.unauthorized"),
                 (exchange_request(version=False), 400, "api_error.request.invalid"))
        for req, code, error_code in cases:
            status, _, body = self.call(req)
            self.assertEqual(status, code)
            self.assertEqual(json.loads(body)["error_code"], error_code)

    def test_stats_counts_api_connections_only(self):
        self.mock.stats()
        self.assertEqual(self.mock.stats()["connections"], 0)
        self.call(heron_request())
        stats = self.mock.stats()
        self.assertEqual(stats["connections"], 1)
        self.assertEqual(stats["requests"][0]["headers"]["x-api-key"], "test-heron-key")

    def test_keep_alive_serves_two_requests_on_one_connection(self):
        one = heron_request().replace(b"Connection: close\r\n", b"")
        raw, _ = raw_exchange(self.mock, one + heron_request())
        self.assertEqual(raw.count(b"HTTP/1.1 200 OK"), 2)
        reqs = self.mock.api_requests()
        self.assertEqual(reqs[0]["connection"], reqs[1]["connection"])


class Behaviours(MockTest):
    def test_chunked(self):
        self.mock.config("chunked")
        status, headers, body = self.call(heron_request())
        self.assertEqual(headers["transfer-encoding"], ["chunked"])
        self.assertIn(b";ext=1\r\n", body)
        data, trailer = dechunk(body)
        self.assertIn(b"X-Mock-Trailer: done", trailer)
        self.assertIn("integration_link", json.loads(data))

    def test_bytewise(self):
        self.mock.config("bytewise")
        raw, _ = raw_exchange(self.mock, heron_request())
        self.assertIn(b"integration_link", raw)
        # The reader may see the bytes coalesced (a loaded machine reads
        # late); the server's count of sends says what went on the wire.
        self.assertEqual(self.mock.api_requests()[0]["response"]["sends"], len(raw))

    def test_interim(self):
        self.mock.config("interim")
        raw, _ = raw_exchange(self.mock, heron_request())
        self.assertTrue(raw.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 "))
        self.assertEqual(self.call(heron_request())[0], 200)

    def test_status_then_normal_with_retry_after(self):
        self.mock.config("status:503:2")
        for expected in (503, 503, 200):
            status, headers, _ = self.call(heron_request())
            self.assertEqual(status, expected)
        self.assertEqual(headers.get("retry-after"), None)
        self.mock.config("status:429", "retry_after:date", "ratelimit")
        status, headers, body = self.call(exchange_request())
        self.assertEqual(status, 429)
        self.assertTrue(headers["retry-after"][0].endswith("GMT"))
        self.assertEqual(headers["x-ratelimit-remaining"], ["0"])
        self.assertEqual(json.loads(body)["error_code"], "api_error.rate_limit_exceeded")

    def test_error(self):
        self.mock.config("error:404")
        status, _, body = self.call(heron_request())
        self.assertEqual((status, json.loads(body)["code"]), (404, 404))

    def test_unprocessable(self):
        # A token of the wrong type fails the schema: 422 with the fields.
        status, _, body = self.call(heron_request(body=b'{"end_user": {"access_token": 5}}'))
        err = json.loads(body)
        self.assertEqual((status, err["code"], err["name"]), (422, 422, "Unprocessable Entity"))
        self.assertEqual(err["errors"], {"json": {"end_user": {"access_token": ["Not a valid string."]}}})
        self.assertIn("semantic errors", err["description"])
        # The behaviour gives the same answer to a valid request.
        self.mock.config("unprocessable")
        status, _, body2 = self.call(heron_request())
        self.assertEqual((status, json.loads(body2)), (422, err))
        # MoneyKit is not affected.
        self.assertEqual(self.call(exchange_request())[0], 201)

    def test_close_mid_body_and_no_length(self):
        self.mock.config("close_mid_body")
        status, headers, body = self.call(heron_request())
        self.assertLess(len(body), int(headers["content-length"][0]))
        self.mock.config("no_length")
        status, headers, body = self.call(heron_request())
        self.assertNotIn("content-length", headers)
        self.assertIn("integration_link", json.loads(body))

    def test_close_before_response_processes_the_request(self):
        self.mock.config("close_before_response:1")
        raw, _ = raw_exchange(self.mock, exchange_request("once"))
        self.assertEqual(raw, b"")
        status, _, _ = self.call(exchange_request("once"))
        self.assertEqual(status, 400)
        self.assertEqual(len(self.mock.api_requests()), 2)

    def test_oversize_and_malformed(self):
        self.mock.config("oversize:100000")
        status, _, body = self.call(heron_request())
        self.assertEqual(len(body), 100000)
        json.loads(body)
        self.mock.config("malformed_json")
        self.assertRaises(ValueError, json.loads, self.call(heron_request())[2])
        self.mock.config("conflicting_length")
        _, headers, _ = self.call(heron_request())
        self.assertEqual(len(set(headers["content-length"])), 2)
        self.mock.config("malformed_status")
        raw, _ = raw_exchange(self.mock, heron_request())
        self.assertTrue(raw.startswith(b"HTTP/1.1 2x0 "))

    def test_fixture_variants(self):
        self.mock.config("nulls", "datetimes", "escapes")
        _, _, body = self.call(heron_request())
        self.assertIn(b"\\/", body)
        link = json.loads(body)["integration_link"]
        self.assertIsNone(link["type"])
        self.assertEqual(link["created"], "2019-12-31T22:30:00-01:30")
        self.mock.config("nulls")
        _, _, body = self.call(heron_request())
        self.assertNotIn("status_message", json.loads(body)["integration_link"])
        self.mock.config("escapes")
        _, _, body = self.call(heron_request())
        self.assertIn("\U0001F600", json.loads(body)["integration_link"]["status_message"])

    def test_keepalive_close_idle(self):
        self.mock.config("keepalive_close_idle:100")
        s = socket.create_connection((self.mock.host, self.mock.port), timeout=5)
        s.sendall(heron_request().replace(b"Connection: close\r\n", b""))
        time.sleep(0.4)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        self.assertEqual(data.count(b"HTTP/1.1 200"), 1)

    def test_unknown_behaviour_refused(self):
        self.assertRaises(RuntimeError, self.mock.config, "no_such_thing")


def api_request(method, target, body=None, key="test-heron-key", bearer=None, close=True):
    """A raw request; JSON @body (dict) or bytes."""
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    head = ("%s %s HTTP/1.1\r\nHost: x\r\n" % (method, target)).encode()
    if close:
        head += b"Connection: close\r\n"
    if key is not None:
        head += b"x-api-key: " + key.encode() + b"\r\n"
    if bearer is not None:
        head += b"Authorization: Bearer " + bearer.encode() + b"\r\nmoneykit-version: 2023-02-18\r\n"
    if body is not None:
        head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return head + b"\r\n" + (body or b"")


class LinkLifecycle(MockTest):
    """State kept across calls: create -> list -> refresh -> delete -> list."""

    def json_call(self, *args, **kw):
        status, headers, body = self.call(api_request(*args, **kw))
        return status, (json.loads(body) if body else None), headers

    def test_heron_create_list_refresh_delete(self):
        new = {"item_id": "it-1", "end_user_id": "eu 1+x/\u00e9", "access_token": "tok",
               "end_user_name": "Acme"}
        status, body, _ = self.json_call("POST", "/api/integrations/int_mock_assets/links", new)
        self.assertEqual(status, 201)
        link = body["link"]
        self.assertEqual((link["item_id"], link["status"]), ("it-1", "pending"))
        self.assertTrue(link["data_source_heron_id"].startswith("ds_"))
        self.assertNotIn("access_token", link)
        # Duplicate while active.
        status, body, _ = self.json_call("POST", "/api/integrations/int_mock_assets/links", new)
        self.assertEqual((status, body["code"]), (409, 409))
        # Both lists, the end user by its id (percent-decoded, '+' kept) or heron_id.
        eu = "eu%201%2Bx%2F%C3%A9"
        status, body, _ = self.json_call("GET", "/api/end_users/%s/integration_links" % eu)
        self.assertEqual(status, 200)
        self.assertEqual([l["item_id"] for l in body["links"]], ["it-1"])
        heron_id = self.mock.stats()["heron_end_users"][0]["heron_id"]
        status, body, _ = self.json_call(
            "GET", "/api/integrations/int_mock_assets/links?end_user_id_or_heron_id=" + heron_id)
        self.assertEqual([l["item_id"] for l in body["links"]], ["it-1"])
        status, body, _ = self.json_call(
            "GET", "/api/integrations/int_mock_plaid/links?end_user_id_or_heron_id=" + eu)
        self.assertEqual(body["links"], [])
        status, body, _ = self.json_call(
            "POST", "/api/integrations/int_mock_assets/links/it-1/refresh")
        self.assertEqual((status, body["link"]["status"]), (200, "syncing"))
        status, body, _ = self.json_call(
            "DELETE", "/api/integrations/int_mock_assets/links?end_user_id_or_heron_id=" + eu)
        self.assertEqual((status, body), (204, None))
        status, body, _ = self.json_call("GET", "/api/end_users/%s/integration_links" % eu)
        self.assertEqual((status, body["links"]), (200, []))
        status, body, _ = self.json_call(
            "POST", "/api/integrations/int_mock_assets/links/it-1/refresh")
        self.assertEqual(status, 404)
        # A deleted link can be created again.
        status, _, _ = self.json_call("POST", "/api/integrations/int_mock_assets/links", new)
        self.assertEqual(status, 201)

    def test_heron_errors(self):
        cases = [
            (("GET", "/api/end_users/nobody/integration_links"), 404),
            (("GET", "/api/integrations/int_none/links?end_user_id_or_heron_id=x"), 404),
            (("GET", "/api/integrations/int_mock_assets/links"), 400),
            (("DELETE", "/api/integrations/int_mock_assets/links?end_user_id_or_heron_id=nobody"), 404),
            (("POST", "/api/integrations/int_mock_assets/links/nothing/refresh"), 404),
            (("POST", "/api/integrations/int_mock_assets/links", {"item_id": "i", "end_user_id": "e"}),
             400),
            (("POST", "/api/integrations/int_mock_assets/links",
              {"item_id": "i", "end_user_id": "e", "access_token": "t", "status": "active"}), 400),
            (("POST", "/api/integrations/int_none/links",
              {"item_id": "i", "end_user_id": "e", "access_token": "t"}), 404),
            (("GET", "/api/end_users/x/integration_links", None, "wrong-key"), 401),
        ]
        for args, code in cases:
            status, body, _ = self.json_call(*args)
            self.assertEqual(status, code, args)
            self.assertEqual(body["code"], code)
            self.assertIn("description", body)
        self.assertEqual(self.mock.stats()["heron_links"], [])

    def test_seeded_list_chunked_in_small_chunks(self):
        self.mock.control("POST", "seed", {"heron_links": 300})
        self.mock.config("chunked")
        raw, _ = raw_exchange(self.mock, api_request(
            "GET", "/api/end_users/end-user-bulk/integration_links"))
        _, headers, body = split_response(raw)
        self.assertEqual(headers["transfer-encoding"], ["chunked"])
        data, _ = dechunk(body)
        links = json.loads(data)["links"]
        self.assertEqual(len(links), 300)
        self.assertEqual(links[7]["item_id"], "bulk-item-00007")
        self.assertGreater(body.count(b"\r\n"), 2 * len(data) // 1531)
        # Reset forgets seeded links unless the server started with them.
        self.mock.reset()
        status, _, _ = self.json_call("GET", "/api/end_users/end-user-bulk/integration_links")
        self.assertEqual(status, 404)

    def test_moneykit_pages(self):
        self.mock.control("POST", "seed", {"moneykit_links": 7})
        seen, cursor, pages = [], "", 0
        while True:
            target = "/links?size=3" + ("&cursor=" + cursor if cursor else "")
            status, body, _ = self.json_call("GET", target, key=None, bearer="test-static-token")
            self.assertEqual(status, 200, body)
            seen += [l["link_id"] for l in body["links"]]
            pages += 1
            cursor = body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(seen, ["mk_bulk%05d" % i for i in range(7)])
        self.assertEqual(seen, self.mock.stats()["moneykit_links"])
        # Default page 50; bad size and cursor refused in MoneyKit's format.
        status, body, _ = self.json_call("GET", "/links", key=None, bearer="test-static-token")
        self.assertEqual((len(body["links"]), body["next_cursor"]), (7, ""))
        for target, code in (("/links?size=0", 422), ("/links?size=x", 422),
                             ("/links?size=1001", 422), ("/links?cursor=zzz", 400)):
            status, body, _ = self.json_call("GET", target, key=None, bearer="test-static-token")
            self.assertEqual(status, code, target)
            self.assertIn("error_code", body)
        # Deleted links leave the list; unknown ones are 404.
        status, body, _ = self.json_call("DELETE", "/links/mk_bulk00003", key=None,
                                         bearer="test-static-token")
        self.assertEqual(status, 200)
        status, body, _ = self.json_call("GET", "/links/mk_bulk00003", key=None,
                                         bearer="test-static-token")
        self.assertEqual((status, body["error_code"]), (404, "api_error.link.not_found"))
        status, body, _ = self.json_call("GET", "/links", key=None, bearer="test-static-token")
        self.assertNotIn("mk_bulk00003", [l["link_id"] for l in body["links"]])

    def test_expire_token_once_and_lifetime(self):
        status, _, body = self.call(token_request(
            "grant_type=client_credentials&client_id=test-client-id&client_secret=test-client-secret"))
        tok = json.loads(body)["access_token"]
        self.mock.config("expire_token")
        status, body, _ = self.json_call("GET", "/links", key=None, bearer=tok)
        self.assertEqual((status, body["error_code"]), (401, "api_error.auth.expired_access_token"))
        # That token stays expired; the behaviour is used up.
        status, body, _ = self.json_call("GET", "/links", key=None, bearer=tok)
        self.assertEqual((status, body["error_code"]), (401, "api_error.auth.expired_access_token"))
        status, body, _ = self.json_call("GET", "/links", key=None, bearer="test-static-token")
        self.assertEqual(status, 200)

    def test_idle_close_recorded(self):
        self.mock.config("keepalive_close_idle:0")
        raw, _ = raw_exchange(self.mock, api_request("GET", "/api/end_users/x/integration_links",
                                                     close=False))
        self.assertTrue(raw.startswith(b"HTTP/1.1 404"), raw[:40])
        self.assertIn(b"Connection: keep-alive", raw)
        stats = self.mock.stats()
        self.assertEqual(stats["idle_closed"], [stats["requests"][0]["connection"]])


class TokenLifetime(unittest.TestCase):
    def test_short_lifetime_expires(self):
        mock = MockServer(extra_args=["--moneykit-token-lifetime", "1", "--moneykit-links", "2"]).start()
        self.addCleanup(mock.stop)
        raw, _ = raw_exchange(mock, token_request(
            "grant_type=client_credentials&client_id=test-client-id&client_secret=test-client-secret"))
        tok = json.loads(split_response(raw)[2])
        self.assertEqual(tok["expires_in"], 1)
        req = api_request("GET", "/links", key=None, bearer=tok["access_token"])
        self.assertTrue(raw_exchange(mock, req)[0].startswith(b"HTTP/1.1 200"))
        time.sleep(1.1)
        _, _, body = split_response(raw_exchange(mock, req)[0])
        self.assertEqual(json.loads(body)["error_code"], "api_error.auth.expired_access_token")
        # Links the server started with survive a reset.
        mock.reset()
        self.assertEqual(mock.stats()["moneykit_links"], ["mk_bulk00000", "mk_bulk00001"])


class StartOptions(unittest.TestCase):
    def test_ipv6_prefix_and_start_time(self):
        t0 = time.monotonic()
        mock = MockServer(host="::1", path_prefix="/prefix").start()
        self.addCleanup(mock.stop)
        # Well under a second alone; the margin covers a loaded machine
        # running the suites in parallel.
        self.assertLess(time.monotonic() - t0, 2.0)
        s = socket.create_connection(("::1", mock.port), timeout=5)
        s.sendall(heron_request("x").replace(b"/api/", b"/prefix/api/"))
        data = s.recv(65536)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])
        self.assertEqual(mock.api_requests()[0]["path"], "/prefix/api/integration_links/x")

    def test_tls_and_session_resumption_recorded(self):
        import shutil, ssl, subprocess, tempfile
        if shutil.which("openssl") is None:
            self.skipTest("openssl command not installed")
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                       check=True, capture_output=True)
        mock = MockServer(tls=(cert, key)).start()
        self.addCleanup(mock.stop)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2   # session reuse visible at once
        session = None
        for _ in range(2):
            s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", mock.port)),
                                server_hostname="localhost", session=session)
            s.sendall(heron_request())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])
            session = s.session
            s.close()
        self.assertEqual(mock.stats()["tls_resumed"][:2], [False, True])

    def test_sigterm_stops_quickly(self):
        mock = MockServer().start()
        self.addCleanup(mock.stop)
        t0 = time.monotonic()
        mock.proc.terminate()
        self.assertEqual(mock.proc.wait(timeout=5), 0)
        self.assertLess(time.monotonic() - t0, 1.0)


if __name__ == "__main__":
    unittest.main()
