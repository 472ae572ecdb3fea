#!/usr/bin/env python3
"""Record, then replay: the tool's --record writes a session against the
mock server as a test-kit script, the mock is stopped, and --replay plays
the script back through the test kit (port/testkit) with no server at all.
The replay must print the same stdout, exit with the same code and (where
it carries no transport detail) the same stderr. The recorded file must
hold none of the secrets the session used, and an edited file (a method
changed, an answer removed) must fail the replay with exit code 6 and a
report naming the step.

Over TLS (e2e-tls.record) the same sessions are recorded above TLS: the
file holds the plaintext requests and answers."""

import os
import re
import shutil
import tempfile

import e2e_support as s

EXIT_REPLAY = 6
BULK_USER = "end-user-bulk"


class RecordReplay(s.E2ETest):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory(prefix="bl-record-")
        self.addCleanup(self.tmp.cleanup)
        self.secrets = {s.HERON_KEY, s.CLIENT_SECRET, s.STATIC_TOKEN, s.SEED_ACCESS_TOKEN,
                        s.SEED_EXCHANGEABLE}

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    # ------------------------------------------------------------ helpers
    def record(self, name, args, env, tool=None):
        """Run the tool with --record; returns (result, script bytes)."""
        script = self.path(name + ".script")
        base = self.mock.base_url
        res = self.run_tool("--record", script, *args, env=env, base_url=base, tool=tool, timeout=120)
        with open(script, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"banklink-script 1\n"), self.context(res))
        for tok in self.mock.stats()["issued_tokens"]:
            self.secrets.add(tok)
        self.assert_no_secrets(data)
        return res, script, data, base

    def replay(self, script, args, env, base, tool=None):
        """Run the tool with --replay against no server (the mock is stopped)."""
        self.mock.stop()
        return self.run_tool("--replay", script, *args, env=env, base_url=base, tool=tool, timeout=60)

    def assert_no_secrets(self, data):
        for secret in self.secrets:
            at = data.find(secret.encode())
            self.assertEqual(at, -1, "the record holds the secret %r: ...%r..."
                             % (secret, data[max(0, at - 200):at + 60]))

    def round_trip(self, name, args, env, rc, tool=None, same_stderr=True):
        """Record @args, check the exit code, replay, compare; returns the
        recording's (result, script path, bytes)."""
        rec, script, data, base = self.record(name, args, env, tool=tool)
        self.assertEqual(rec.rc, rc, "recording: " + self.context(rec))
        rep = self.replay(script, args, env, base, tool=tool)
        self.assertEqual(rep.rc, rec.rc, "replay exit code\nrecorded:\n%s\nreplayed:\n%s\nscript:\n%s"
                         % (rec.describe(), rep.describe(), data[:3000].decode("latin-1")))
        self.assertEqual(rep.stdout, rec.stdout, "replay stdout")
        self.assertNotIn("banklink: replay:", rep.stderr)
        if same_stderr:
            self.assertEqual(rep.stderr, rec.stderr, "replay stderr")
        return rec, script, data

    def steps(self, data, word):
        return [l for l in data.split(b"\n") if l.startswith(word.encode() + b" ") or l == word.encode()]

    def heron_env(self):
        return {"HERON_API_KEY": s.HERON_KEY}

    def creds_env(self):
        return {"MONEYKIT_CLIENT_ID": s.CLIENT_ID, "MONEYKIT_CLIENT_SECRET": s.CLIENT_SECRET}

    def update_args(self):
        return ["heron", "update-link", s.SEED_ITEM_ID, "--access-token", s.SEED_ACCESS_TOKEN]

    # ------------------------------------------------------------ sessions
    def test_heron_update_link(self):
        rec, _, data = self.round_trip("update", self.update_args(), self.heron_env(), s.EXIT_OK)
        self.assertEqual(len(self.steps(data, "connect")), 1)
        (req,) = self.steps(data, "request")
        self.assertTrue(req.startswith(b"request PUT /api/integration_links/" + s.SEED_ITEM_ID.encode() + b" "))
        # Masked byte for byte: the header and the body keep their lengths.
        self.assertIn(b"x-api-key: " + b"*" * len(s.HERON_KEY) + b"\r\n", data)
        self.assertIn(b'"access_token":"' + b"*" * len(s.SEED_ACCESS_TOKEN) + b'"', data)

    def test_heron_list_links_chunked_2k(self):
        tool = self.tool_2k()
        self.mock.control("POST", "seed", {"heron_links": 50})
        self.mock.config("chunked")
        rec, _, data = self.round_trip("list", ["heron", "list-links", BULK_USER], self.heron_env(),
                                       s.EXIT_OK, tool=tool)
        self.assertEqual(rec.stdout.count('"item_id"'), 50)
        self.assertIn(b"Transfer-Encoding: chunked", data)

    def test_moneykit_exchange_token_one_connection(self):
        rec, _, data = self.round_trip("exchange", ["moneykit", "exchange-token", s.SEED_EXCHANGEABLE],
                                       self.creds_env(), s.EXIT_OK)
        self.assertEqual(len(self.steps(data, "connect")), 1, "token and exchange on one connection")
        reqs = self.steps(data, "request")
        self.assertEqual([r.split(b" ")[1:3] for r in reqs],
                         [[b"POST", b"/auth/token"], [b"POST", b"/link-session/exchange-token"]])
        self.assertIn(b"Authorization: Bearer ***", data)

    def test_moneykit_list_links_pages(self):
        self.mock.control("POST", "seed", {"moneykit_links": 7})
        rec, _, data = self.round_trip("pages", ["moneykit", "list-links", "--page-size", "2"],
                                       self.creds_env(), s.EXIT_OK)
        pages = [r for r in self.steps(data, "request") if r.startswith(b"request GET /links?")]
        self.assertEqual(len(pages), 4)
        self.assertEqual(rec.stdout.count('"link_id"'), 7)

    def test_heron_404(self):
        self.mock.config("error:404")
        rec, _, _ = self.round_trip("e404", self.update_args(), self.heron_env(), s.EXIT_API)
        self.assert_in_stderr(rec, "HTTP 404")

    def test_heron_503_then_ok(self):
        self.mock.config("status:503:1")
        rec, _, data = self.round_trip("e503", self.update_args(), self.heron_env(), s.EXIT_OK)
        self.assertEqual(len(self.steps(data, "request")), 2, "the 503 and the retry")
        self.assertIn(b"HTTP/1.1 503 ", data)

    def test_moneykit_exchange_dropped_outcome_unknown(self):
        self.mock.config("close_before_response:1")
        rec, _, data = self.round_trip("dropped", ["moneykit", "exchange-token", "tok-dropped"],
                                       {"MONEYKIT_ACCESS_TOKEN": s.STATIC_TOKEN}, s.EXIT_NETWORK)
        self.assert_in_stderr(rec, "BL_ERR_OUTCOME_UNKNOWN")
        self.assertEqual(data.split(b"\n")[-2:], [b"close", b""])
        self.assertNotIn(b"tok-dropped", data)

    def test_no_heap(self):
        """--record and --replay keep to static memory: valgrind counts no
        allocation (plain HTTP to a numeric address; over TLS mbedTLS
        allocates in the handshake, so the replay only)."""
        if shutil.which("valgrind") is None:
            self.skipTest("valgrind not installed")
        with open(s.BANKLINK, "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("sanitizer build: valgrind cannot run it (the plain build counts)")
        script = self.path("heap.script")
        args = self.update_args()

        def allocs(*opts):
            cmd = ["valgrind", "--error-exitcode=99", s.BANKLINK, "--base-url", self.mock.base_url]
            proc = s.subprocess.run(cmd + s.tls_args() + list(opts) + args,
                                    env={"PATH": "/usr/bin:/bin", "HERON_API_KEY": s.HERON_KEY},
                                    capture_output=True, timeout=120)
            err = proc.stderr.decode("utf-8", "replace")
            self.assertEqual(proc.returncode, 0, err[-3000:])
            m = re.search(r"total heap usage: ([\d,]+) allocs", err)
            self.assertIsNotNone(m, err[-2000:])
            return int(m.group(1).replace(",", ""))

        recorded = allocs("--record", script)
        if not s.TLS_PKI:
            self.assertEqual(recorded, 0, "--record allocated")
        self.mock.stop()
        self.assertEqual(allocs("--replay", script), 0, "--replay allocated")

    # ------------------------------------------------------------ edited files
    def edited(self, data, old, new):
        self.assertIn(old, data)
        path = self.path("edited.script")
        with open(path, "wb") as f:
            f.write(data.replace(old, new, 1))
        return path

    def test_edited_method_fails_replay(self):
        rec, script, data, base = self.record("m", self.update_args(), self.heron_env())
        self.assertEqual(rec.rc, s.EXIT_OK, self.context(rec))
        path = self.edited(data, b"\nrequest PUT ", b"\nrequest GET ")
        rep = self.replay(path, self.update_args(), self.heron_env(), base)
        self.assertEqual(rep.rc, EXIT_REPLAY, rep.describe())
        self.assertEqual(rep.stdout, "")
        self.assertRegex(rep.stderr, r"banklink: replay: step \d+ \(request\): the client sent PUT "
                                     r"/api/integration_links/\S+; the script expects GET ")

    def test_removed_answer_fails_replay(self):
        args = ["moneykit", "exchange-token", s.SEED_EXCHANGEABLE]
        rec, script, data, base = self.record("a", args, self.creds_env())
        self.assertEqual(rec.rc, s.EXIT_OK, self.context(rec))
        # Cut the exchange's answer: the file ends with its request.
        at = data.rindex(b"\nanswer ")
        path = self.path("cut.script")
        with open(path, "wb") as f:
            f.write(data[:at + 1])
        rep = self.replay(path, args, self.creds_env(), base)
        self.assertEqual(rep.rc, EXIT_REPLAY, rep.describe())
        self.assertEqual(rep.stdout, "")
        self.assertIn("banklink: replay: step ", rep.stderr)
        self.assertIn("no step left", rep.stderr)

    def test_unplayed_step_fails_replay(self):
        """A script longer than the run (a second update recorded, one replayed)."""
        rec, script, data, base = self.record("u", self.update_args(), self.heron_env())
        twice = self.path("twice.script")
        with open(twice, "wb") as f:
            f.write(data + data[data.index(b"\nrequest ") + 1:])
        rep = self.replay(twice, self.update_args(), self.heron_env(), base)
        self.assertEqual(rep.rc, EXIT_REPLAY, rep.describe())
        self.assertEqual(rep.stdout, rec.stdout, "the command itself succeeded")
        self.assertRegex(rep.stderr, r"banklink: replay: step \d+ \(request\) was not played")

    def test_replay_file_errors(self):
        rep = self.run_tool("--replay", self.path("missing.script"), *self.update_args(),
                            env=self.heron_env())
        self.assertEqual(rep.rc, s.EXIT_USAGE, rep.describe())
        self.assertIn("cannot open", rep.stderr)
        bad = self.path("bad.script")
        with open(bad, "w") as f:
            f.write("banklink-script 1\nanswer 99\nshort\n")
        rep = self.run_tool("--replay", bad, *self.update_args(), env=self.heron_env())
        self.assertEqual(rep.rc, s.EXIT_USAGE, rep.describe())
        self.assertRegex(rep.stderr, re.escape(bad) + r" line \d+")
        self.assert_nothing_sent(rep)


if __name__ == "__main__":
    s.main()
