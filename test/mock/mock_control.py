"""Start, steer and stop mock_server.py from a test (stdlib only).

    with MockServer(behaviours=["chunked"]) as mock:
        run_client(mock.base_url)
        stats = mock.stats()

The server runs as a child process on an ephemeral port; the port is read
from the --port-file it writes once it listens. stop() terminates it (and
kills it if SIGTERM is ignored), so a test can call it from tearDown or
addCleanup and the server never outlives the test.
"""

import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

MOCK_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mock_server.py")


class MockServer:
    """A mock_server.py child process."""

    def __init__(self, behaviours=(), host="127.0.0.1", path_prefix="", extra_args=(),
                 verbose=False, tls=None):
        """@tls: (certificate chain PEM, key PEM) to serve https; the control
        calls then use TLS too, without verification (loopback, test only)."""
        self.behaviours = list(behaviours)
        self.tls = tls
        self.host = host
        self.path_prefix = path_prefix
        self.extra_args = list(extra_args)
        self.verbose = verbose
        self.proc = None
        self.port = None
        self.tmpdir = None

    # ------------------------------------------------------------ lifecycle
    def start(self, timeout_s=5.0):
        self.tmpdir = tempfile.mkdtemp(prefix="bl-mock-")
        port_file = os.path.join(self.tmpdir, "port")
        self.log_path = os.path.join(self.tmpdir, "mock.log")
        cmd = [sys.executable, MOCK_SERVER, "--host", self.host, "--port", "0",
               "--port-file", port_file]
        if self.path_prefix:
            cmd += ["--path-prefix", self.path_prefix]
        for b in self.behaviours:
            cmd += ["--behaviour", b]
        if self.verbose:
            cmd.append("--verbose")
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        cmd += self.extra_args
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        log = self.log_text()
        self.stop()
        raise RuntimeError("mock server did not start: %s" % log)

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
            self.log.close()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ addresses
    @property
    def authority(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s:%d" % (host, self.port)

    @property
    def base_url(self):
        return "%s://%s%s" % ("https" if self.tls else "http", self.authority, self.path_prefix)

    # ------------------------------------------------------------ control
    def control(self, method, name, obj=None):
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=10, context=ctx)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            body = json.dumps(obj).encode() if obj is not None else None
            headers = {"Connection": "close"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            conn.request(method, "/__mock/" + name, body=body, headers=headers)
            resp = conn.getresponse()
            data = json.loads(resp.read().decode("utf-8"))
            if resp.status != 200:
                raise RuntimeError("mock %s: %d %s" % (name, resp.status, data))
            return data
        finally:
            conn.close()

    def config(self, *behaviours):
        """Replace the behaviours (and restart their counters)."""
        return self.control("POST", "config", {"behaviours": list(behaviours)})

    def reset(self):
        return self.control("POST", "reset", {})

    def stats(self):
        return self.control("GET", "stats")

    def api_requests(self):
        """The API requests recorded so far (control requests excluded)."""
        return self.stats()["requests"]
