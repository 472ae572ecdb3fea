#!/usr/bin/env python3
"""Lists far larger than the work buffer: 1,000 links walked by the tool
with its default 4 KiB buffer and by the 2 KiB build, over Content-Length
and chunked bodies; MoneyKit pages walked with the cursor (every link once,
in order, on one connection); an element larger than the buffer; a body
cut in the middle of a list."""

import json
import re
import shutil

import e2e_support as s
from e2e_support import expect

BULK_USER = "end-user-bulk"
BULK_INTEGRATION = "int_mock_assets"
BIG = 1000


class HeronLargeLists(s.E2ETest):
    def setUp(self):
        super().setUp()
        self.mock.control("POST", "seed", {"heron_links": BIG})

    def walk(self, framing, tool=None, integration=None):
        if framing == "chunked":
            self.mock.config("chunked")
        args = ["list-links", BULK_USER] + (["--integration", integration] if integration else [])
        res = self.run_heron(*args, tool=tool, timeout=120)
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        resp = req["response"]
        self.assertEqual((resp["status"], resp["framing"]), (200, framing))
        self.assertEqual(len(out["links"]), BIG)
        self.assert_decoded(out, resp["body"], expect.HERON_LIST, res)
        held = [r["item_id"] for r in self.mock.stats()["heron_links"] if r["end_user_id"] == BULK_USER]
        self.assertEqual([l["item_id"] for l in out["links"]], held)
        # The body is about a hundred times the default work buffer.
        self.assertGreater(len(resp["body"]), 90 * 4096)
        return out, res

    def test_1000_links_content_length(self):
        self.walk("length")

    def test_1000_links_chunked(self):
        self.walk("chunked")

    def test_1000_links_integration_list_chunked(self):
        self.walk("chunked", integration=BULK_INTEGRATION)

    def test_1000_links_2k_buffer_content_length(self):
        self.walk("length", tool=self.tool_2k())

    def test_1000_links_2k_buffer_chunked(self):
        self.walk("chunked", tool=self.tool_2k())

    def test_10000_links_2k_buffer_chunked(self):
        """Ten times the asked-for length: a 3.8 MB body through 2 KiB."""
        self.mock.reset()
        self.mock.control("POST", "seed", {"heron_links": 10 * BIG})
        self.mock.config("chunked")
        res = self.run_heron("list-links", BULK_USER, tool=self.tool_2k(), timeout=120)
        out = self.assert_ok(res)
        (req,) = self.api_requests()
        self.assertGreater(len(req["response"]["body"]), 3500000)
        self.assertEqual(len(out["links"]), 10 * BIG)
        self.assert_decoded(out, req["response"]["body"], expect.HERON_LIST, res)

    def test_2k_build_reports_its_buffer(self):
        res = s.subprocess.run([self.tool_2k(), "--version"], capture_output=True, timeout=10)
        self.assertIn(b"work buffer 2048 bytes", res.stdout)
        res = s.subprocess.run([s.BANKLINK, "--version"], capture_output=True, timeout=10)
        self.assertIn(b"work buffer 4096 bytes", res.stdout)

    def test_bytewise_list(self):
        self.mock.reset()
        self.mock.control("POST", "seed", {"heron_links": 40})
        self.mock.config("bytewise", "chunked")
        res = self.run_heron("list-links", BULK_USER, tool=self.tool_2k())
        out = self.assert_ok(res)
        self.assertEqual(len(out["links"]), 40)
        self.assert_decoded(out, self.api_requests()[0]["response"]["body"], expect.HERON_LIST, res)


class NoHeap(s.E2ETest):
    """The walk needs no memory beyond the static buffers: 0 heap
    allocations for 1,000 links (valgrind counts them).

    Over TLS, Debian's mbedTLS allocates while it sets up a connection
    (handshake, certificate parsing; test/tls's tls.allocations counts
    those and shows banklink's own code makes none), and the name lookup
    of `localhost` allocates inside glibc. What must still hold: nothing
    is allocated per link or per page. So the 1,000-link walk is compared
    with the same command over a one-link list on one connection: the
    counts differ only by the handshake's own jitter (random-sized big
    numbers, a few dozen allocations), where one allocation per link would
    add 1,000 and one per page (100 pages) 100."""

    TLS_JITTER = 64

    def run_counted(self, *args, env):
        """(parsed stdout, allocations valgrind counted) of one tool run."""
        if shutil.which("valgrind") is None:
            self.skipTest("valgrind not installed")
        with open(self.tool_2k(), "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("sanitizer build: valgrind cannot run it (the plain build counts)")
        cmd = ["valgrind", "--error-exitcode=99", self.tool_2k(), "--base-url", self.mock.base_url]
        proc = s.subprocess.run(cmd + s.tls_args() + list(args), env=dict(env, PATH="/usr/bin:/bin"),
                                capture_output=True, timeout=180)
        err = proc.stderr.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, err[-3000:])
        m = re.search(r"total heap usage: ([\d,]+) allocs", err)
        self.assertIsNotNone(m, err[-2000:])
        return json.loads(proc.stdout), int(m.group(1).replace(",", "")), err

    def assert_no_heap(self, counted, baseline):
        """@counted: (out, allocs, log) of the big walk; @baseline(): the
        same of the one-link walk, only called over TLS."""
        _, allocs, err = counted
        if not s.TLS_PKI:
            self.assertEqual(allocs, 0, err[-2000:])
            return
        out, base, base_err = baseline()
        self.assertEqual(len(out["links"]), 1)
        self.assertGreater(base, 0, "a TLS run without any allocation: was it TLS?\n" + base_err[-2000:])
        self.assertLess(abs(allocs - base), self.TLS_JITTER,
                        "1,000 links made %d allocations, 1 link %d: something is allocated per "
                        "link or per page\n%s" % (allocs, base, err[-2000:]))

    def test_heron_1000_links_no_heap(self):
        self.mock.control("POST", "seed", {"heron_links": BIG})
        self.mock.config("chunked")
        env = {"HERON_API_KEY": s.HERON_KEY}
        counted = self.run_counted("heron", "list-links", BULK_USER, env=env)
        self.assertEqual(len(counted[0]["links"]), BIG)

        def baseline():
            self.mock.control("POST", "seed", {"heron_links": 1, "end_user_id": "eu-one"})
            return self.run_counted("heron", "list-links", "eu-one", env=env)
        self.assert_no_heap(counted, baseline)

    def test_moneykit_1000_links_pages_no_heap(self):
        self.mock.control("POST", "seed", {"moneykit_links": BIG})
        env = {"MONEYKIT_CLIENT_ID": s.CLIENT_ID, "MONEYKIT_CLIENT_SECRET": s.CLIENT_SECRET}
        counted = self.run_counted("moneykit", "list-links", "--page-size", "10", env=env)
        self.assertEqual(len(counted[0]["links"]), BIG)

        def baseline():
            self.mock.reset()
            self.mock.control("POST", "seed", {"moneykit_links": 1})
            return self.run_counted("moneykit", "list-links", "--page-size", "10", env=env)
        self.assert_no_heap(counted, baseline)


class HeronElementSize(s.E2ETest):
    """Only the largest element must fit the buffer, not the list."""

    def setUp(self):
        super().setUp()
        self.mock.control("POST", "seed", {"heron_links": 3, "end_user_id": "eu-big"})

    def test_element_of_3_kib_fits_4k_not_2k(self):
        self.mock.config("oversize:4000")   # body ~4 KB, first link ~3.2 KB
        res = self.run_heron("list-links", "eu-big")
        out = self.assert_ok(res)
        body = self.api_requests()[-1]["response"]["body"]
        first = json.loads(body)["links"][0]
        self.assertGreater(len(json.dumps(first)), 3000)
        self.assert_decoded(out, body, expect.HERON_LIST, res)
        res = self.run_heron("list-links", "eu-big", tool=self.tool_2k())
        self.assert_exit(res, s.EXIT_MALFORMED)
        self.assert_in_stderr(res, "does not fit the work buffer", "BL_ERR_RESPONSE_TOO_LARGE")

    def test_element_larger_than_4k(self):
        self.mock.config("oversize:6000", "chunked")
        res = self.run_heron("list-links", "eu-big")
        self.assert_exit(res, s.EXIT_MALFORMED)
        self.assert_in_stderr(res, "BL_ERR_RESPONSE_TOO_LARGE")


class CutLists(s.E2ETest):
    def test_body_cut_after_some_links(self):
        self.mock.control("POST", "seed", {"heron_links": 200})
        self.mock.config("close_mid_body")
        res = self.run_heron("list-links", BULK_USER)
        self.assertEqual(res.rc, s.EXIT_NETWORK, res.describe())
        # Links already printed stay printed; the document is left open, so
        # no JSON parser takes it for the whole list.
        self.assertTrue(res.stdout.startswith('{"links":[{"item_id":"bulk-item-00000"'), res.stdout[:80])
        self.assertRaises(ValueError, json.loads, res.stdout)
        self.assert_in_stderr(res, "links were printed before the failure; the list is incomplete",
                              "BL_ERR_RECV")
        self.assertEqual(len(self.api_requests()), 1, "a list that delivered links is not retried")

    def test_failure_before_any_link_leaves_stdout_empty(self):
        self.mock.control("POST", "seed", {"heron_links": 5})
        self.mock.config("error:500")
        res = self.run_heron("list-links", BULK_USER, "--retries", "0")
        self.assert_exit(res, s.EXIT_API)

    def test_malformed_list(self):
        self.mock.control("POST", "seed", {"heron_links": 5})
        self.mock.config("malformed_json")
        res = self.run_heron("list-links", BULK_USER)
        self.assertIn(res.rc, (s.EXIT_MALFORMED,), res.describe())
        self.assert_in_stderr(res, "BL_ERR_JSON")


class MoneyKitPages(s.E2ETest):
    def walk(self, n, page_size=None, tool=None, credentials=True, framing="length"):
        if framing == "chunked":
            self.mock.config("chunked")
        args = ["list-links"] + (["--page-size", str(page_size)] if page_size else [])
        res = self.run_moneykit(*args, tool=tool, credentials=credentials,
                                bearer=None if credentials else s.STATIC_TOKEN, timeout=120)
        out = self.assert_ok(res)
        pages = [r for r in self.api_requests()
                 if r["path"] == "/links" and r["response"]["status"] == 200]
        want_pages = max(1, -(-n // (page_size or 50)))
        self.assertEqual(len(pages), want_pages)
        sent = {"links": [l for p in pages for l in json.loads(p["response"]["body"])["links"]]}
        self.assert_decoded(out, json.dumps(sent), expect.MONEYKIT_LIST, res)
        ids = [l["link_id"] for l in out["links"]]
        self.assertEqual(len(ids), n)
        self.assertEqual(len(set(ids)), n, "every link exactly once")
        self.assertEqual(ids, self.mock.stats()["moneykit_links"], "in the server's order")
        # Each page asked for the cursor the previous one handed out.
        cursor = ""
        for p in pages:
            q = dict(kv.split("=", 1) for kv in p["query"].split("&") if kv)
            self.assertEqual(q.get("cursor", ""), cursor)
            if page_size:
                self.assertEqual(q["size"], str(page_size))
            else:
                self.assertNotIn("size", q)
            cursor = json.loads(p["response"]["body"])["next_cursor"] or ""
        self.assertEqual(cursor, "")
        return out, res

    def test_1000_links_in_10_pages_one_connection(self):
        self.mock.control("POST", "seed", {"moneykit_links": BIG})
        self.walk(BIG, page_size=100)
        stats = self.mock.stats()
        self.assertEqual(stats["connections"], 1, "token + 10 pages on one keep-alive connection")
        self.assertEqual(len({r["connection"] for r in stats["requests"]}), 1)
        self.assertEqual([r["path"] for r in stats["requests"]][0], "/auth/token")

    def test_1000_links_2k_buffer_pages_chunked(self):
        self.mock.control("POST", "seed", {"moneykit_links": BIG})
        self.walk(BIG, page_size=250, tool=self.tool_2k(), framing="chunked")
        self.assertEqual(self.mock.stats()["connections"], 1)

    def test_1000_links_one_page_2k_buffer(self):
        self.mock.control("POST", "seed", {"moneykit_links": BIG})
        self.walk(BIG, page_size=1000, tool=self.tool_2k())

    def test_default_page_size(self):
        self.mock.control("POST", "seed", {"moneykit_links": 120})
        self.walk(120, credentials=False)

    def test_last_page_null_cursor(self):
        self.mock.control("POST", "seed", {"moneykit_links": 7})
        self.mock.config("nulls")
        self.walk(7, page_size=3)

    def test_empty(self):
        res = self.run_moneykit("list-links", "--page-size", "10")
        self.assertEqual(self.assert_ok(res), {"links": []})
        self.assertEqual(res.stdout, '{"links":[]}\n')

    def test_exact_multiple_of_page_size(self):
        self.mock.control("POST", "seed", {"moneykit_links": 6})
        self.walk(6, page_size=3)

    def test_page_failure_after_links(self):
        self.mock.control("POST", "seed", {"moneykit_links": 9})
        self.mock.config("status:500:1:1")   # page 1 answered, page 2 fails
        res = self.run_moneykit("list-links", "--page-size", "3", "--retries", "0",
                                credentials=False, bearer=s.STATIC_TOKEN)
        self.assertEqual(res.rc, s.EXIT_API, res.describe())
        # Page 1's links are out and the document is left open.
        self.assertEqual(res.stdout.count('"link_id":"mk_bulk0000'), 3)
        self.assertRaises(ValueError, json.loads, res.stdout)
        self.assert_in_stderr(res, "list-links: API error: HTTP 500",
                              "page 2 failed after 3 links were printed; the list is incomplete")

    def test_page_retried_before_any_of_its_links(self):
        self.mock.control("POST", "seed", {"moneykit_links": 9})
        self.mock.config("status:503:1:1", "retry_after:0")
        self.walk(9, page_size=3, credentials=False)
        self.assertEqual([r["response"]["status"] for r in self.api_requests()], [200, 503, 200, 200])

    def test_cursor_handed_back_is_an_error_not_a_loop(self):
        self.mock.control("POST", "seed", {"moneykit_links": 9})
        self.mock.config("repeat_cursor")
        res = self.run_moneykit("list-links", "--page-size", "3", credentials=False, bearer=s.STATIC_TOKEN)
        self.assertEqual(res.rc, s.EXIT_MALFORMED, res.describe())
        self.assert_in_stderr(res, "page 2 handed back the cursor it was asked for")
        self.assertEqual(len(self.api_requests()), 2)


if __name__ == "__main__":
    s.main()
