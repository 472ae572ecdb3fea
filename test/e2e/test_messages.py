#!/usr/bin/env python3
"""What the tool says when it fails, and what its README promises.

* A vendor given without a command names the missing command.
* A 503 with Retry-After that outlives `--retries` is neither called a
  rate limit nor blamed on the deadline; a 429 whose wait does not fit the
  deadline says so.
* https:// aimed at a plain-HTTP port says the server did not answer TLS,
  not only a raw mbedTLS code.
* Every command of boards/posix/README.md's "Try it against the local mock
  server" block runs against the mock with the exit code the block says
  (the text is read from the README, so the two cannot drift apart).
"""

import os
import re
import shlex
import subprocess

import e2e_support as s

ROOT = os.path.normpath(os.path.join(s.HERE, "..", ".."))
TOOL_README = os.path.join(ROOT, "boards", "posix", "README.md")


class Messages(s.E2ETest):
    def test_vendor_without_command_names_what_is_missing(self):
        for vendor, first in (("heron", "update-link"), ("moneykit", "exchange-token")):
            with self.subTest(vendor=vendor):
                res = self.run_tool(vendor)
                self.assert_exit(res, s.EXIT_USAGE)
                self.assert_in_stderr(res, "missing %s command (expected %s" % (vendor, first))
                self.assertNotIn("''", res.stderr, "an empty command must not be quoted as one")
        self.assertEqual(self.api_requests(), [], "nothing is sent")

    def test_503_out_of_retries_is_not_a_rate_limit_nor_the_deadline(self):
        self.mock.config("status:503:5", "retry_after:0")
        res = self.heron(opts=("--retries", "1", "--timeout-ms", "15000"))
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual(len(self.api_requests()), 2, "one try plus one retry")
        self.assert_in_stderr(res, "HTTP 503", "no retry left after 2 attempts", "BL_ERR_RATE_LIMITED")
        self.assertNotIn("rate limited", res.stderr, res.describe())
        self.assertNotIn("deadline", res.stderr, res.describe())

    def test_429_with_a_wait_beyond_the_deadline_says_so(self):
        self.mock.config("status:429:5", "retry_after:30")
        res = self.heron(opts=("--timeout-ms", "2000"))
        self.assert_exit(res, s.EXIT_API)
        self.assertEqual(len(self.api_requests()), 1, "a wait past the deadline is not slept")
        self.assert_in_stderr(res, "HTTP 429", "rate limited", "does not fit the deadline", "retry after 30 s")
        self.assertNotIn("no retry left", res.stderr, res.describe())


class PlainPort(s.E2ETest):
    tls_skip = "points https:// at the plain mock itself"

    def test_https_to_a_plain_http_port_says_the_server_did_not_answer_tls(self):
        url = "https://127.0.0.1:%d" % self.mock.port
        res = self.heron(base_url=url, opts=("--timeout-ms", "5000"))
        if res.rc == s.EXIT_USAGE and "https" in res.stderr.lower():
            self.skipTest("tool built without the TLS port: " + res.stderr.strip())
        self.assert_exit(res, s.EXIT_NETWORK)
        self.assert_in_stderr(res, "did not answer in TLS", "use http://", "BL_ERR_TLS_HANDSHAKE")


def readme_commands(path):
    """The shell commands of the README's mock block, continuations joined."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"## Try it against the local mock server\n.*?```sh\n(.*?)```", text, re.S)
    if not m:
        raise AssertionError("no mock block in %s" % path)
    cmds, cur = [], ""
    for line in m.group(1).splitlines():
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        if cur.strip() and not cur.lstrip().startswith("#"):
            cmds.append(cur.strip())
        cur = ""
    return cmds


class ToolReadme(s.E2ETest):
    tls_skip = "the README block is plain http://"

    def setUp(self):
        if s.TLS_PKI:
            self.skipTest("not over TLS: " + self.tls_skip)
        if not s.BANKLINK or not os.access(s.BANKLINK, os.X_OK):
            self.fail("no banklink executable: pass --banklink PATH (got %r)" % s.BANKLINK)
        self.cmds = readme_commands(TOOL_README)
        start = [c for c in self.cmds if "mock_server.py" in c]
        self.assertEqual(len(start), 1, "one mock start line in the README block: %r" % start)
        args = shlex.split(start[0].rstrip("&").strip())
        args = args[args.index("test/mock/mock_server.py") + 1:]
        i = args.index("--port")
        self.readme_port = args[i + 1]
        del args[i:i + 2]
        self.mock = s.MockServer(extra_args=args, verbose=True)
        self.mock.start()
        self.addCleanup(self.mock.stop)
        self.cmds.remove(start[0])

    def test_every_command_exits_as_the_readme_says(self):
        readme_url = "http://127.0.0.1:%s" % self.readme_port
        self.assertGreaterEqual(len(self.cmds), 5)
        promised = 0
        for cmd in self.cmds:
            want = 0
            m = re.search(r"#\s*exit (\d+)", cmd)
            if m:
                want = int(m.group(1))
                promised += 1
            line = cmd.replace(readme_url, self.mock.base_url)
            line = re.sub(r"(^|\s)build/banklink\b", lambda mm: mm.group(1) + shlex.quote(s.BANKLINK), line)
            with self.subTest(cmd=cmd):
                proc = subprocess.run(["bash", "-c", line], cwd=ROOT, stdin=subprocess.DEVNULL,
                                      capture_output=True, timeout=60,
                                      env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"})
                out = proc.stdout.decode("utf-8", "replace")
                err = proc.stderr.decode("utf-8", "replace")
                if 'echo "exit $?"' in cmd:
                    got = re.findall(r"^exit (\d+)$", out, re.M)
                    self.assertEqual(got, [str(want)], "%s\nstdout: %s\nstderr: %s\nmock log:\n%s"
                                     % (line, out[-2000:], err[-2000:], self.mock.log_text()[-3000:]))
                else:
                    self.assertEqual(proc.returncode, want, "%s\nstdout: %s\nstderr: %s"
                                     % (line, out[-2000:], err[-2000:]))
        self.assertGreaterEqual(promised, 1, "the block promises at least one exit code")


if __name__ == "__main__":
    s.main()
