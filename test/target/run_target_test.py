#!/usr/bin/env python3
"""The on-target test: banklink's network firmware under QEMU against the TLS mock.

    run_target_test.py --source REPO --deps DEPS --build BIN [--qemu QEMU]
                       [--toolchain-bin .../arm-none-eabi-gcc] [--images 16k,4k]

(CTest: target.firmware.) Steps:
  1. the test PKI (test/tls/make_pki.sh), kept in BIN/pki while it stays valid
     (its CA is built into the firmware: a new CA means a rebuild);
  2. configure and build boards/cortex-m4/net in BIN (incremental);
  3. the images' flash per component (from the GNU ld map), static RAM and the
     malloc symbols (arm-none-eabi-nm: there must be none);
  4. for each image: a fresh network namespace bl-target-<pid>-<rand> with lo
     and TUN bltun0 (198.18.0.1 peer 198.18.0.2, MTU 1500), the mock servers
     of the contract inside it, the SLIP<->TUN bridge, then QEMU (-icount
     shift=0, a random test-only entropy seed); its output streams here and
     its check/figure/result lines are parsed; after it exits, each mock's
     GET /__mock/stats over TLS (CA ca.pem, name localhost) gives the
     server-side checks; everything is torn down on every exit path;
  5. the issue's targets (reported, not failed) and a summary table.
Fails on any failed or missing check, a result other than pass, a non-zero
QEMU exit, a failed server-side check, a malloc symbol or a missing figure.
Needs root (network namespaces, /dev/net/tun). Python 3 standard library.
"""

import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import elf_report  # noqa: E402

SERVER_ADDR = "198.18.0.1"
DEVICE_ADDR = "198.18.0.2"
TUN = "bltun0"
NS_PREFIX = "bl-target-"

# name, port, extra mock_server.py options (contract: "Network").
SERVERS = [
    ("main", 8443, ["--tls-cert", "server.pem", "--tls-key", "server.key", "--heron-links", "1000"]),
    ("wronghost", 8444, ["--tls-cert", "wronghost.pem", "--tls-key", "wronghost.key"]),
    ("cut", 8445, ["--tls-cert", "server.pem", "--tls-key", "server.key", "--behaviour", "close_mid_body"]),
    ("rsa", 8446, ["--tls-cert", "server-rsa.pem", "--tls-key", "server-rsa.key"]),
]

IMAGES = {
    "16k": {
        "checks": ["moneykit_token", "moneykit_exchange", "heron_update_link", "keepalive_reuse",
                   "tls_resumed", "tls_resumed_exchange", "heron_list_1000", "wrong_host_refused",
                   "exchange_outcome_unknown", "rsa_chain"],
        "figures": ["tls_arena_size", "tls_arena_peak_full_16k", "tls_arena_peak_resumed_16k",
                    "insns_full_handshake_16k", "insns_resumed_handshake_16k", "insns_keepalive_call",
                    "insns_list_1000", "stack_peak", "lwip_mem_peak", "lwip_memp_peak_*"],
        "servers": ["main", "wronghost", "cut", "rsa"],
    },
    "4k": {
        "checks": ["mfl_full", "mfl_resumed"],
        "figures": ["tls_arena_peak_full_4k_mfl", "tls_arena_peak_resumed_4k_mfl",
                    "insns_full_handshake_4k", "insns_resumed_handshake_4k", "stack_peak_4k"],
        "servers": ["main"],
    },
}

# The targets: name, figure, limit, how it compares. Reported, not failed.
TARGETS = [
    ("tls_arena_full_16k", "tls_arena_peak_full_16k", 36864, "<="),
    ("tls_arena_full_4k_mfl", "tls_arena_peak_full_4k_mfl", 20480, "<="),
    ("stack_16k", "stack_peak", 8192, "<="),
    ("stack_4k", "stack_peak_4k", 8192, "<="),
    ("resumed_vs_full_insns_16k", ("insns_full_handshake_16k", "insns_resumed_handshake_16k"), 10, ">="),
]

LINE_RE = re.compile(r"^(check|figure|result):\s*(.*)$")
FIGURE_RE = re.compile(r"^([A-Za-z0-9_]+)\s*=\s*(-?[0-9]+(?:\.[0-9]+)?)\s*(B|insns|count|ms)\s*$")


class Terminated(Exception):
    """SIGTERM/SIGINT/SIGHUP: unwinds to the teardown."""


def on_signal(signum, frame):
    raise Terminated("signal %d" % signum)


def say(msg):
    sys.stdout.write("harness: %s\n" % msg)
    sys.stdout.flush()


def run(cmd, check=True, **kw):
    """Run @cmd, its output into ours (the CTest log)."""
    sys.stdout.flush()
    r = subprocess.run(cmd, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s exited %d" % (" ".join(cmd), r.returncode))
    return r


class Results:
    """Checks (harness and firmware) and figures, in the order they came."""

    def __init__(self):
        self.checks = []        # (image, name, ok, detail, source)
        self.figures = {}       # name -> (value, unit)
        self.figure_image = {}  # name -> image that printed it
        self.failures = []

    def check(self, image, name, ok, detail="", source="harness"):
        self.checks.append((image, name, ok, detail, source))
        if source == "harness":
            print("check: %s %s%s" % (name, "ok" if ok else "FAIL", "" if ok or not detail else " " + detail))
        if not ok:
            self.failures.append("%s [%s]: %s" % (name, image, detail or "failed"))

    def figure(self, name, value, unit, echo=True, image=None):
        self.figures[name] = (value, unit)
        self.figure_image[name] = image
        if echo:
            print("figure: %s = %s %s" % (name, value, unit))


class Teardown:
    """Undo actions, run last-in first-out, each at most once, errors reported not raised."""

    def __init__(self):
        self.actions = []

    def push(self, what, fn):
        self.actions.append((what, fn))

    def run(self):
        # A second SIGTERM must not cut the teardown short: hold signals until done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
        try:
            while self.actions:
                what, fn = self.actions.pop()
                try:
                    fn()
                except Exception as e:   # keep tearing down the rest
                    say("teardown of %s: %s" % (what, e))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def stop_process(proc, name, grace=5.0):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            say("%s did not stop on SIGTERM; killing it" % name)
            proc.kill()
            proc.wait(grace)


def remove_stale_namespaces():
    """Namespaces of earlier runs whose harness died without its teardown (SIGKILL)."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^%s(\d+)-\d+$" % re.escape(NS_PREFIX), name)
        if not m or os.path.exists("/proc/%s" % m.group(1)):
            continue
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", name])
        say("removed stale namespace %s (its harness is gone; killed %d processes)" % (name, len(pids)))


def wait_file(path, proc, what, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return
        if proc.poll() is not None:
            raise RuntimeError("%s exited %d before it was ready" % (what, proc.returncode))
        time.sleep(0.05)
    raise RuntimeError("%s not ready within %g s" % (what, timeout))


def make_pki(source, pki):
    """The test PKI in @pki, made anew when missing or when a certificate expires within 2 days."""
    need = ["ca.pem", "server.pem", "server.key", "server-rsa.pem", "server-rsa.key",
            "wronghost.pem", "wronghost.key"]
    fresh = all(os.path.exists(os.path.join(pki, f)) for f in need)
    if fresh:
        for f in ("ca.pem", "server.pem", "server-rsa.pem", "wronghost.pem"):
            r = subprocess.run(["openssl", "x509", "-checkend", str(2 * 86400), "-noout",
                                "-in", os.path.join(pki, f)], capture_output=True)
            fresh = fresh and r.returncode == 0
    if fresh:
        say("PKI in %s still valid: kept (the firmware's built-in CA stays the same)" % pki)
        return
    shutil.rmtree(pki, ignore_errors=True)
    run(["bash", os.path.join(source, "test", "tls", "make_pki.sh"), pki])
    say("PKI made in %s" % pki)


def build_firmware(opts, pki):
    src = os.path.join(opts.source, "boards", "cortex-m4", "net")
    t0 = time.monotonic()
    run(["cmake", "-S", src, "-B", opts.build, "-DBL_DEPS_DIR=%s" % opts.deps,
         "-DBL_TARGET_CA_PEM=%s" % os.path.join(pki, "ca.pem")])
    run(["cmake", "--build", opts.build, "-j2"])
    return time.monotonic() - t0


# The client that reads a mock's stats, run inside the namespace.
STATS_CLIENT = r"""
import json, socket, ssl, sys
ca, host, port, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
with socket.create_connection((host, port), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname=name) as s:
        s.sendall(b"GET /__mock/stats HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ssl.SSLEOFError:
                break
            if not chunk:
                break
            data += chunk
head, _, body = data.partition(b"\r\n\r\n")
status = head.split(b"\r\n", 1)[0]
if b" 200 " not in status + b" ":
    sys.exit("stats: %r" % status)
for line in head.split(b"\r\n")[1:]:
    k, _, v = line.partition(b":")
    if k.strip().lower() == b"content-length":
        body = body[:int(v)]
sys.stdout.write(json.dumps(json.loads(body)))
"""


def server_stats(ns, pki, port, name):
    """GET /__mock/stats of the mock on @port, over TLS verified against the test CA."""
    host = "www.example.invalid" if name == "wronghost" else "localhost"
    r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", STATS_CLIENT,
                        os.path.join(pki, "ca.pem"), SERVER_ADDR, str(port), host],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("stats of port %d: %s" % (port, (r.stderr or r.stdout).strip()[-300:]))
    return json.loads(r.stdout)


def server_checks(res, image, stats):
    """The contract's server-side checks (and two more that follow from the scenario)."""
    def reqs(name, api=None):
        return [q for q in stats.get(name, {}).get("requests", []) if api is None or q.get("api") == api]

    if image == "16k":
        wh = stats["wronghost"]
        res.check(image, "server_wronghost_no_app_bytes", wh["requests"] == [] and len(wh["tls_errors"]) > 0,
                  "requests %d, tls_errors %d" % (len(wh["requests"]), len(wh["tls_errors"])))
        main = stats["main"]
        res.check(image, "server_main_resumed", True in main["tls_resumed_api"],
                  "tls_resumed_api %s" % main["tls_resumed_api"])
        tok = reqs("main", "moneykit_auth_token")
        exc = reqs("main", "moneykit_exchange_token")
        upd = [q for q in reqs("main", "heron_update_link") if q["path"].endswith("/cm4-item-1")]
        conns = [q[0]["connection"] if q else None for q in (tok, exc, upd)]
        res.check(image, "server_keepalive_one_connection",
                  None not in conns and len(set(conns)) == 1,
                  "connections of token/exchange/update-link: %s" % conns)
        res.check(image, "server_exchange_body",
                  bool(exc) and "public-token-cm4-1" in exc[0]["body"],
                  "exchange bodies %s" % [q["body"] for q in exc])
        lists = [q for q in reqs("main", "heron_list_end_user_links")
                 if "end-user-bulk" in q["path"] and q["response"]["status"] == 200]
        n = 0
        if lists:
            try:
                n = len(json.loads(lists[-1]["response"]["body"])["links"])
            except (ValueError, KeyError):
                n = -1
        res.check(image, "server_list_1000_answered", n == 1000,
                  "%d list requests answered 200, last with %d links" % (len(lists), n))
        cut = reqs("cut", "moneykit_exchange_token")
        res.check(image, "server_cut_one_exchange", len(cut) == 1, "%d exchange requests" % len(cut))
        rsa = [q for q in reqs("rsa", "heron_update_link")
               if q["path"].endswith("/cm4-item-rsa") and q["response"]["status"] == 200]
        res.check(image, "server_rsa_update_link", len(rsa) == 1, "%d answered update-links" % len(rsa))
        upd2 = [q for q in reqs("main", "heron_update_link") if q["path"].endswith("/cm4-item-2")]
        res.check(image, "server_resumed_update_link",
                  len(upd2) == 1 and upd2[0]["connection"] not in conns,
                  "%d update-links of cm4-item-2" % len(upd2))
        exc2 = [q for q in exc if "public-token-cm4-2" in q["body"]]
        res.check(image, "server_resumed_exchange_same_connection",
                  len(exc2) == 1 and bool(upd2) and exc2[0]["connection"] == upd2[0]["connection"]
                  and exc2[0]["response"]["status"] == 201,
                  "%d exchanges of public-token-cm4-2" % len(exc2))
    else:
        main = stats["main"]
        res.check(image, "server_main_resumed_4k", True in main["tls_resumed_api"],
                  "tls_resumed_api %s" % main["tls_resumed_api"])
        done = [q for q in reqs("main", "heron_update_link") if q["response"]["status"] == 200]
        res.check(image, "server_mfl_update_links", len(done) == 2,
                  "%d answered update-links" % len(done))


class Run:
    """One image on one fresh network: namespace, servers, bridge, QEMU."""

    def __init__(self, opts, res, pki, image, elf):
        self.opts = opts
        self.res = res
        self.pki = pki
        self.image = image
        self.elf = elf
        self.td = Teardown()
        self.ns = "%s%d-%d" % (NS_PREFIX, os.getpid(), random.randrange(1 << 30))
        self.logdir = os.path.join(opts.work, image)
        self.firmware_checks = {}
        self.renamed = []
        self.result = None
        self.qemu_rc = None
        self.seconds = 0.0

    def netns(self):
        run(["ip", "netns", "add", self.ns])
        self.td.push("namespace " + self.ns, lambda: run(["ip", "netns", "del", self.ns], check=False))
        ip = ["ip", "-n", self.ns]
        run(ip + ["link", "set", "lo", "up"])
        run(ip + ["tuntap", "add", "dev", TUN, "mode", "tun"])
        run(ip + ["addr", "add", SERVER_ADDR, "peer", DEVICE_ADDR, "dev", TUN])
        run(ip + ["link", "set", TUN, "mtu", "1500", "up"])

    def spawn(self, name, cmd, log):
        f = open(os.path.join(self.logdir, log), "w")
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=self.pki)
        f.close()
        self.td.push(name, lambda: stop_process(proc, name))
        return proc

    def servers(self):
        mock = os.path.join(self.opts.source, "test", "mock", "mock_server.py")
        ports = {}
        procs = []
        for name, port, extra in SERVERS:
            pf = os.path.join(self.logdir, "port-%s" % name)
            proc = self.spawn("mock " + name,
                              ["ip", "netns", "exec", self.ns, sys.executable, mock, "--host", SERVER_ADDR,
                               "--port", str(port), "--port-file", pf, "-v"] + extra,
                              "mock-%s.log" % name)
            procs.append((name, proc, pf))
            ports[name] = port
        for name, proc, pf in procs:
            wait_file(pf, proc, "mock server " + name, 20)
        return ports

    def bridge(self, sock):
        ready = os.path.join(self.logdir, "bridge.ready")
        proc = self.spawn("bridge", ["ip", "netns", "exec", self.ns, sys.executable,
                                     os.path.join(HERE, "slip_tun_bridge.py"), "--tun", TUN, "--socket", sock,
                                     "--ready-file", ready, "--log", "-",
                                     "--stats-json", os.path.join(self.logdir, "bridge.json"),
                                     "--accept-timeout", "60"] + (["--verbose"] if self.opts.verbose_bridge
                                                                  else []),
                          "bridge.log")
        wait_file(ready, proc, "SLIP bridge", 20)
        return proc

    def qemu(self, sock):
        seed = os.urandom(32).hex()
        if self.opts.fake_qemu:
            cmd = [a.format(socket=sock, elf=self.elf, seed=seed, ns=self.ns) for a in self.opts.fake_qemu.split()]
        else:
            cmd = [self.opts.qemu, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-icount", "shift=0",
                   "-chardev", "socket,id=slip,path=%s" % sock, "-serial", "chardev:slip",
                   "-semihosting-config", "enable=on,target=native,arg=banklink_net,arg=seed=%s" % seed,
                   "-kernel", self.elf]
        say("[%s] %s" % (self.image, " ".join(cmd)))
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.td.push("qemu", lambda: stop_process(proc, "qemu"))
        log = open(os.path.join(self.logdir, "qemu.log"), "wb")
        self.td.push("qemu log", log.close)
        limit = min(self.opts.timeout, max(30, int(self.opts.end - time.monotonic() - 30)))
        deadline = t0 + limit
        buf = b""
        fd = proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.res.check(self.image, "qemu_in_time", False, "no exit within %d s: killed" % limit)
                stop_process(proc, "qemu")
                break
            r, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            log.write(chunk)
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.line(line.decode("utf-8", "replace").rstrip("\r"))
        if buf:
            self.line(buf.decode("utf-8", "replace"))
        try:
            self.qemu_rc = proc.wait(10)
        except subprocess.TimeoutExpired:
            stop_process(proc, "qemu")
            self.qemu_rc = proc.returncode
        self.seconds = time.monotonic() - t0
        self.res.check(self.image, "qemu_exit_status", self.qemu_rc == 0, "exit status %s" % self.qemu_rc)

    def line(self, text):
        m = LINE_RE.match(text)
        fm = FIGURE_RE.match(m.group(2)) if m and m.group(1) == "figure" else None
        if fm and self.res.figure_image.get(fm.group(1), self.image) != self.image:
            # The same name from an earlier image (lwip_mem_peak, ...): one
            # line per figure, so this image's gets its suffix.
            name = "%s_%s" % (fm.group(1), self.image)
            text = "figure: %s = %s %s" % (name, fm.group(2), fm.group(3))
            self.renamed.append(fm.group(1))
        print(text)
        sys.stdout.flush()
        if not m:
            return
        kind, rest = LINE_RE.match(text).groups()
        if kind == "check":
            parts = rest.split(None, 2)
            if not parts:
                return
            name = parts[0]
            ok = len(parts) > 1 and parts[1] == "ok"
            detail = " ".join(parts[1:]) if not ok else ""
            if name in self.firmware_checks:
                self.res.check(self.image, name + "_once", False, "check %s printed twice" % name)
            self.firmware_checks[name] = ok
            self.res.check(self.image, name, ok, detail, source="firmware")
        elif kind == "figure":
            fm = FIGURE_RE.match(rest)
            if fm is None:
                self.res.check(self.image, "figure_format", False, "malformed figure line %r" % text)
                return
            name, value, unit = fm.groups()
            self.res.figure(name, float(value) if "." in value else int(value), unit, echo=False,
                            image=self.image)
        else:
            self.result = rest.strip()

    def verify(self):
        spec = IMAGES[self.image]
        missing = [c for c in spec["checks"] if c not in self.firmware_checks]
        self.res.check(self.image, "firmware_checks_present_%s" % self.image, not missing,
                       "missing: %s" % " ".join(missing))
        if self.renamed:
            say("[%s] figures also printed by an earlier image, suffixed _%s here: %s"
                % (self.image, self.image, " ".join(self.renamed)))
        extra = [c for c in self.firmware_checks if c not in spec["checks"]]
        if extra:
            say("[%s] checks beyond the contract (counted): %s" % (self.image, " ".join(extra)))
        self.res.check(self.image, "firmware_result_%s" % self.image, self.result == "pass",
                       "result: %s" % self.result)
        missing = []
        for f in spec["figures"]:
            if f.endswith("*"):
                if not any(n.startswith(f[:-1]) for n in self.res.figures):
                    missing.append(f)
            elif f not in self.res.figures:
                missing.append(f)
        self.res.check(self.image, "firmware_figures_present_%s" % self.image, not missing,
                       "missing: %s" % " ".join(missing))

    def execute(self):
        os.makedirs(self.logdir, exist_ok=True)
        sockdir = tempfile.mkdtemp(prefix="bl-target-")   # short: a unix socket path has 108 bytes
        self.td.push("socket dir", lambda: shutil.rmtree(sockdir, ignore_errors=True))
        sock = os.path.join(sockdir, "slip.sock")
        ok = False
        try:
            self.netns()
            ports = self.servers()
            bridge = self.bridge(sock)
            self.qemu(sock)
            stats = {}
            for name in IMAGES[self.image]["servers"]:
                try:
                    stats[name] = server_stats(self.ns, self.pki, ports[name], name)
                except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                    self.res.check(self.image, "server_stats_%s" % name, False, str(e))
            with open(os.path.join(self.logdir, "server-stats.json"), "w") as f:
                json.dump(stats, f, indent=1)
            if set(stats) == set(IMAGES[self.image]["servers"]):
                server_checks(self.res, self.image, stats)
            stop_process(bridge, "bridge")
            self.bridge_figures()
            self.verify()
            ok = True
        finally:
            self.td.run()
            if not ok or self.res.failures:
                self.dump_logs()

    def bridge_figures(self):
        try:
            with open(os.path.join(self.logdir, "bridge.json")) as f:
                b = json.load(f)
        except (OSError, ValueError):
            return
        s = self.image
        self.res.figure("slip_packets_to_host_%s" % s, b["to_tun_packets"], "count")
        self.res.figure("slip_bytes_to_host_%s" % s, b["to_tun_bytes"], "B")
        self.res.figure("slip_packets_to_target_%s" % s, b["from_tun_packets"], "count")
        self.res.figure("slip_bytes_to_target_%s" % s, b["from_tun_bytes"], "B")
        self.res.figure("slip_dropped_%s" % s, b["slip_oversize"] + b["dropped_backlog"] + b["tun_write_errors"],
                        "count")
        self.res.figure("qemu_wall_%s" % s, int(self.seconds * 1000), "ms")

    def dump_logs(self):
        for name in sorted(os.listdir(self.logdir)):
            if name.endswith(".log") and name != "qemu.log":
                path = os.path.join(self.logdir, name)
                with open(path, errors="replace") as f:
                    lines = f.readlines()
                print("---- %s/%s (last %d of %d lines)" % (self.image, name, min(40, len(lines)), len(lines)))
                sys.stdout.write("".join(lines[-40:]))
        print("---- logs kept in %s" % self.logdir)


def report_targets(res):
    out = []
    for name, fig, limit, op in TARGETS:
        if isinstance(fig, tuple):
            a, b = (res.figures.get(f, (None,))[0] for f in fig)
            value = round(a / b, 1) if a and b else None
        else:
            value = res.figures.get(fig, (None,))[0]
        if value is None:
            line = "target: %s measured (missing) limit %s%s NOT met" % (name, op, limit)
        else:
            met = value <= limit if op == "<=" else value >= limit
            line = "target: %s measured %s limit %s%s %s" % (name, value, op, limit, "met" if met else "NOT met")
        out.append(line)
        print(line)
    return out


def summary(res, images, elf_figs, targets, seconds):
    print("")
    print("================ banklink on target (Cortex-M4, QEMU mps2-an386) ================")
    for image in images:
        flash = elf_figs.get(image, {})
        print("image %s" % image)
        if flash:
            print("  flash  %s" % "  ".join("%s %d" % (k, flash[k]) for k in
                                             ("core", "ports", "lwip", "mbedtls", "app", "libc", "total")))
            print("  RAM    data %d  bss %d  static %d   malloc symbols %d"
                  % (flash["ram_data"], flash["ram_bss"], flash["ram_static"], flash["malloc"]))
    for image in images:
        rows = [n for n in res.figures if res.figure_image.get(n) == image]
        if rows:
            print("measured by the firmware, image %s" % image)
            for n in rows:
                v, u = res.figures[n]
                print("  %-40s %12s %s" % (n, v, u))
    for t in targets:
        print("  " + t)
    fails = [c for c in res.checks if not c[2]]
    print("checks: %d, failed %d; run time %.0f s" % (len(res.checks), len(fails), seconds))
    for f in res.failures:
        print("  FAILED: " + f)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", required=True, help="the banklink checkout")
    p.add_argument("--deps", required=True, help="folder with lwip/ and mbedtls/")
    p.add_argument("--build", required=True, help="firmware build folder (kept: rebuilds are incremental)")
    p.add_argument("--work", help="logs, PKI, server stats (default: BUILD/../target-run)")
    p.add_argument("--qemu", default="qemu-system-arm")
    p.add_argument("--toolchain-bin", default="arm-none-eabi-gcc",
                   help="arm-none-eabi-gcc; nm, size and objdump are taken beside it")
    p.add_argument("--images", default="16k,4k")
    p.add_argument("--timeout", type=int, default=600, help="seconds per QEMU run")
    p.add_argument("--total-timeout", type=int, default=1400,
                   help="seconds for the whole test (below CTest's TIMEOUT, so the teardown runs)")
    p.add_argument("--no-build", action="store_true", help="use the images already in BUILD")
    p.add_argument("--fake-qemu", help="test the harness: run this instead of QEMU ({socket}, {elf}, {seed}, {ns}); "
                        "see stand_in_firmware.py")
    p.add_argument("--verbose-bridge", action="store_true", help="log every packet in WORK/IMAGE/bridge.log")
    opts = p.parse_args(argv)
    opts.source = os.path.abspath(opts.source)
    opts.build = os.path.abspath(opts.build)
    opts.work = os.path.abspath(opts.work or os.path.join(os.path.dirname(opts.build), "target-run"))
    return opts


def main(argv=None):
    opts = parse_args(argv)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    t0 = time.monotonic()
    opts.end = t0 + opts.total_timeout
    res = Results()
    images = [i for i in opts.images.split(",") if i]
    elf_figs = {}
    if os.geteuid() != 0:
        print("check: root FAIL this test needs root (network namespaces, /dev/net/tun)")
        return 1
    try:
        remove_stale_namespaces()
        for image in images:
            shutil.rmtree(os.path.join(opts.work, image), ignore_errors=True)
        os.makedirs(opts.work, exist_ok=True)
        pki = os.path.join(os.path.dirname(opts.build), "pki")
        make_pki(opts.source, pki)
        if not opts.no_build:
            secs = build_firmware(opts, pki)
            say("firmware configured and built in %.0f s" % secs)
        tools = elf_report.Tools(opts.toolchain_bin)
        for image in images:
            elf = os.path.join(opts.build, "banklink_net_%s.elf" % image)
            mapf = os.path.join(opts.build, "banklink_net_%s.map" % image)
            if not os.path.exists(elf) or not os.path.exists(mapf):
                res.check(image, "image_%s_built" % image, False, "%s or its .map missing" % elf)
                continue
            elf_figs[image] = elf_report.report(res, tools, elf, mapf, image)
        for image in images:
            elf = os.path.join(opts.build, "banklink_net_%s.elf" % image)
            if not os.path.exists(elf) and not opts.fake_qemu:
                continue
            say("---- image %s: network, servers, bridge, QEMU" % image)
            Run(opts, res, pki, image, elf).execute()
    except Terminated as e:
        res.check("-", "harness_completed", False, "stopped by %s (torn down)" % e)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        res.check("-", "harness_completed", False, str(e))
    targets = report_targets(res)
    summary(res, images, elf_figs, targets, time.monotonic() - t0)
    ok = not res.failures
    print("result: %s" % ("pass" if ok else "fail"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
