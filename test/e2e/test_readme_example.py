#!/usr/bin/env python3
"""The README's first C example, built from README.md (test/e2e/CMakeLists.txt),
run against loopback servers, and the @code examples of the public headers.

    test_readme_example.py --example build/test/e2e/readme_example

* A Heron error body (the mock, error:404): the example prints the HTTP
  status, Heron's name and description.
* A 502 whose body is a proxy's HTML page (a server in this file): the
  library has no name or message to give (NULL pointers); the example must
  still print a line, without handing NULL to printf's %s.
* Every `@code` block in src/*.h and port/*/*.h has its string literals
  closed on the line they open (a line break inside a literal is not C).
"""

import glob
import os
import re
import socket
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "mock"))
import mock_control  # noqa: E402

EXAMPLE = None
HERON_KEY = "test-heron-key"
HTML_502 = (b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 52\r\n"
            b"Connection: close\r\n\r\n<html><body><h1>502 Bad Gateway</h1></body></html>\n\n")


class Html502Server:
    """Answers every connection with a proxy's 502 page, on loopback."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.requests = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data and len(data) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    if data:
                        self.requests += 1
                        conn.sendall(HTML_502)
                except OSError:
                    pass

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


def run_example(port):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "BL_EXAMPLE_PORT": str(port),
           "HERON_API_KEY": HERON_KEY}
    return subprocess.run([EXAMPLE], env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)


class ReadmeExample(unittest.TestCase):
    def setUp(self):
        if not EXAMPLE or not os.access(EXAMPLE, os.X_OK):
            self.fail("no example executable: pass --example PATH (got %r)" % EXAMPLE)

    def test_heron_error_body_is_printed(self):
        mock = mock_control.MockServer(behaviours=["error:404"])
        mock.start()
        self.addCleanup(mock.stop)
        proc = run_example(mock.port)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 1, out)
        self.assertEqual(out, "HTTP 404 Not Found: Mock: forced error 404\n")

    def test_502_html_page_prints_no_null(self):
        server = Html502Server()
        self.addCleanup(server.stop)
        proc = run_example(server.port)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 1, out)
        self.assertGreaterEqual(server.requests, 1, "the example reached the server")
        self.assertNotIn("(null)", out)
        self.assertEqual(out, "HTTP 502 -: -\n")


class HeaderExamples(unittest.TestCase):
    def test_code_examples_have_no_line_break_in_a_string(self):
        headers = sorted(glob.glob(os.path.join(ROOT, "src", "*.h"))
                         + glob.glob(os.path.join(ROOT, "port", "*", "*.h")))
        self.assertGreater(len(headers), 5)
        bad, blocks = [], 0
        for path in headers:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in re.finditer(r"@code(.*?)@endcode", text, re.S):
                blocks += 1
                first = text.count("\n", 0, m.start()) + 1
                for i, line in enumerate(m.group(1).split("\n")):
                    code = re.sub(r"^\s*\*\s?", "", line)
                    code = re.sub(r"'(\\.|[^\\'])'", "''", code)      # char literals
                    quotes = len(re.findall(r'(?<!\\)"', re.sub(r"\\\\", "", code)))
                    if quotes % 2:
                        bad.append("%s:%d: %s" % (os.path.relpath(path, ROOT), first + i, line.strip()))
        self.assertGreater(blocks, 0, "no @code block found")
        self.assertEqual(bad, [], "string literal left open at the end of a line")


if __name__ == "__main__":
    argv = list(sys.argv)
    if "--example" in argv:
        i = argv.index("--example")
        EXAMPLE = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    unittest.main(argv=argv)
