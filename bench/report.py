#!/usr/bin/env python3
"""Turn the raw benchmark lines into bench/results.{csv,md} and the chart data.

usage: report.py RAW_CSV BUILD_DIR OUT_DIR

RAW_CSV lines (written by the bench programs and scripts/bench.sh):
  decode,DOC,IMPL,METRIC,VALUE          METRIC: instructions, ns, allocs, bytes
  e2e,PROTO,DOC,CLIENT,METRIC,VALUE     METRIC: instructions, calls_per_s,
                                        allocs_per_call, peak_rss_kib, connections
  info,KEY,VALUE                        machine and library facts
Repeated measurements of one figure are reduced to their median.
BUILD_DIR holds profile_*.txt (callgrind_annotate output) and receives the
gnuplot data files. Standard library only.
"""
import csv
import os
import re
import statistics
import sys
from collections import defaultdict

DOCS = [("moneykit", "MoneyKit exchange-token"), ("heron", "Heron update-link")]
DECODE_PEERS = [("cjson", "cJSON"), ("jsmn", "jsmn loop")]
E2E_PEER = "libcurl+cJSON"
PROTOS = [("plain", "HTTP"), ("tls", "TLS")]


def load(path):
    dec = defaultdict(list)
    e2e = defaultdict(list)
    info = {}
    with open(path) as f:
        for row in csv.reader(f):
            if not row:
                continue
            if row[0] == "decode" and len(row) == 5:
                dec[(row[1], row[2], row[3])].append(float(row[4]))
            elif row[0] == "e2e" and len(row) == 6:
                e2e[(row[1], row[2], row[3], row[4])].append(float(row[5]))
            elif row[0] == "info" and len(row) >= 3:
                info[row[1]] = ",".join(row[2:])
    med = lambda d: {k: statistics.median(v) for k, v in d.items()}
    return med(dec), med(e2e), {k: len(v) for k, v in e2e.items()}, info


def fmt(v):
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.3g}"


def build_rows(dec, e2e):
    """One row per figure: (section, metric, unit, banklink, peer, peer_name, label)."""
    rows = []
    for doc, title in DOCS:
        nbytes = dec.get((doc, "-", "bytes"))
        for peer, pname in DECODE_PEERS:
            get = lambda impl, m: dec.get((doc, impl, m))
            ib, ip = get("banklink", "instructions"), get(peer, "instructions")
            rows.append(("decode", f"decode_{doc}_instructions", "instr/decode", ib, ip, pname,
                         f"{title} decode ({fmt(nbytes)} B): instructions"))
            if nbytes:
                rows.append(("decode", f"decode_{doc}_instructions_per_byte", "instr/byte",
                             ib / nbytes if ib is not None else None, ip / nbytes if ip is not None else None,
                             pname, f"{title} decode: instructions per byte"))
            rows.append(("decode", f"decode_{doc}_time", "ns/decode", get("banklink", "ns"), get(peer, "ns"),
                         pname, f"{title} decode: time (median)"))
            rows.append(("decode", f"decode_{doc}_allocations", "allocs/decode", get("banklink", "allocs"),
                         get(peer, "allocs"), pname, f"{title} decode: heap allocations"))
    for proto, ptitle in PROTOS:
        for doc, title in DOCS:
            get = lambda client, m: e2e.get((proto, doc, client, m))
            if get("banklink", "calls_per_s") is None and get(E2E_PEER, "calls_per_s") is None:
                continue
            base = f"e2e_{proto}_{doc}"
            lab = f"{title} over {ptitle}"
            rows.append(("e2e", f"{base}_calls_per_s", "calls/s", get("banklink", "calls_per_s"),
                         get(E2E_PEER, "calls_per_s"), E2E_PEER, f"{lab}: calls per second (median)"))
            rows.append(("e2e", f"{base}_client_instructions", "instr/call", get("banklink", "instructions"),
                         get(E2E_PEER, "instructions"), E2E_PEER, f"{lab}: client instructions per call"))
            rows.append(("e2e", f"{base}_allocations", "allocs/call", get("banklink", "allocs_per_call"),
                         get(E2E_PEER, "allocs_per_call"), E2E_PEER, f"{lab}: heap allocations per call"))
            rows.append(("e2e", f"{base}_peak_rss", "KiB", get("banklink", "peak_rss_kib"),
                         get(E2E_PEER, "peak_rss_kib"), E2E_PEER, f"{lab}: client peak RSS"))
    return rows


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["metric", "unit", "banklink", "peer", "peer_name", "ratio"])
        for _, metric, unit, b, p, pname, _ in rows:
            r = ratio(b, p)
            num = lambda v: "" if v is None else (f"{v:.0f}" if abs(v) >= 100 else f"{v:.3f}".rstrip("0").rstrip("."))
            w.writerow([metric, unit, num(b), num(p), pname, "n/a" if r is None else f"{r:.4f}"])


def text_table(rows):
    head = ("figure", "unit", "banklink", "peer", "peer value", "banklink/peer")
    body = [(lab, unit, fmt(b), pname, fmt(p), fmt_ratio(ratio(b, p))) for _, _, unit, b, p, pname, lab in rows]
    widths = [max(len(str(r[i])) for r in [head] + body) for i in range(len(head))]
    out = []
    for i, r in enumerate([head] + body):
        out.append("  ".join(str(c).ljust(widths[j]) if j in (0, 1, 3) else str(c).rjust(widths[j])
                             for j, c in enumerate(r)))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def md_table(rows):
    out = ["| figure | unit | banklink | peer | peer value | banklink / peer |",
           "|---|---|--:|---|--:|--:|"]
    for _, _, unit, b, p, pname, lab in rows:
        out.append(f"| {lab} | {unit} | {fmt(b)} | {pname} | {fmt(p)} | {fmt_ratio(ratio(b, p))} |")
    return "\n".join(out)


def targets(dec, e2e):
    """The issue's targets, each with its measured value and verdict."""
    out = []
    ib, ic = dec.get(("moneykit", "banklink", "instructions")), dec.get(("moneykit", "cjson", "instructions"))
    r = ratio(ib, ic)
    out.append(("MoneyKit decode: at most half cJSON's instructions", f"{fmt(ib)} vs {fmt(ic)} = {fmt_ratio(r)}",
                r is not None and r <= 0.5))
    ab, ac = dec.get(("moneykit", "banklink", "allocs")), dec.get(("moneykit", "cjson", "allocs"))
    out.append(("MoneyKit decode: 0 heap allocations", f"{fmt(ab)} vs cJSON's {fmt(ac)}", ab == 0))
    for proto, ptitle in PROTOS:
        for doc, title in DOCS:
            get = lambda c, m: e2e.get((proto, doc, c, m))
            if get("banklink", "instructions") is None:
                continue
            r = ratio(get("banklink", "instructions"), get(E2E_PEER, "instructions"))
            out.append((f"{title} over {ptitle}: at most 1/10 of libcurl's client instructions",
                        f"{fmt(get('banklink', 'instructions'))} vs {fmt(get(E2E_PEER, 'instructions'))} = "
                        f"{fmt_ratio(r)}", r is not None and r <= 0.1))
            r = ratio(get("banklink", "calls_per_s"), get(E2E_PEER, "calls_per_s"))
            out.append((f"{title} over {ptitle}: at least 1.5x libcurl's calls per second",
                        f"{fmt(get('banklink', 'calls_per_s'))} vs {fmt(get(E2E_PEER, 'calls_per_s'))} = "
                        f"{fmt_ratio(r)}", r is not None and r >= 1.5))
    return out


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def function_ranges(path, cache={}):
    """[(first, last, name)] of the function definitions in a C file, so
    cost callgrind books under a caller can go back to an inlined callee."""
    if path in cache:
        return cache[path]
    ranges = []
    try:
        lines = open(path, errors="replace").read().split("\n")
    except OSError:
        lines = []
    start = re.compile(r"^[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(")
    i = 0
    while i < len(lines):
        m = start.match(lines[i])
        if not m or lines[i].startswith(("typedef", "#")) or m.group(1) in ("if", "while", "for", "switch"):
            i += 1
            continue
        # Join until the parameter list closes: a ';' after it is a prototype.
        j, text = i, lines[i]
        while text.count("(") > text.count(")") and j + 1 < len(lines):
            j += 1
            text += lines[j]
        tail = text[text.rfind(")") + 1:]
        if ";" in tail or "=" in tail:
            i = j + 1
            continue
        k = j + 1
        while k < len(lines) and not lines[k].startswith("}"):
            k += 1
        ranges.append((i + 1, k + 1, m.group(1)))
        i = k + 1
    cache[path] = ranges
    return ranges


def profile(path, top):
    """Self instructions per source function (inlining undone by line
    ranges) from an uncompressed callgrind file; also shares per object."""
    if not os.path.exists(path):
        return [], {}
    by_fn, by_obj = defaultdict(int), defaultdict(int)
    ob = fl = fn = ""
    skip_next = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("ob="):
                ob = line[3:]
            elif line.startswith(("fl=", "fi=", "fe=")):
                fl = line[3:]
                if not os.path.isfile(fl) and os.path.isfile(os.path.join(REPO, fl)):
                    fl = os.path.join(REPO, fl)
            elif line.startswith("fn="):
                fn = line[3:]
            elif line.startswith("calls="):
                skip_next = True  # the next cost line is the callee's inclusive cost
            elif line[:1].isdigit():
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) < 2:
                    continue
                ln, cost = int(parts[0]), int(parts[1])
                name = fn
                for first, last, rname in function_ranges(fl) if os.path.isfile(fl) else []:
                    if first <= ln <= last:
                        name = rname
                        break
                if name != fn:
                    name = f"{name} (inlined in {fn})"
                where = os.path.basename(fl) if os.path.isfile(fl) else os.path.basename(ob)
                by_fn[(name, where)] += cost
                by_obj[os.path.basename(ob)] += cost
    total = sum(by_fn.values()) or 1
    funcs = sorted(((100.0 * c / total, n, w, "") for (n, w), c in by_fn.items()), reverse=True)
    return funcs[:top], {k: 100.0 * v / total for k, v in by_obj.items()}


def hotspots_md(build):
    out = []
    for tag, title in [("decode_moneykit_banklink", "MoneyKit decode (bl_moneykit_decode_exchange)"),
                       ("e2e_plain_moneykit_banklink", "MoneyKit exchange-token call over HTTP (client)"),
                       ("e2e_tls_moneykit_banklink", "MoneyKit exchange-token call over TLS (client)")]:
        funcs, objs = profile(os.path.join(build, "cg", f"{tag}.out"), 8)
        if not funcs:
            continue
        out.append(f"**{title}** — self instructions by source function (callgrind; cost of inlined "
                   "functions given back to them by line):\n")
        out.append("| share | function | file |")
        out.append("|--:|---|---|")
        for share, fn, file_, _ in funcs:
            out.append(f"| {share:.1f}% | `{fn}` | {file_} |")
        mbed = sum(v for k, v in objs.items() if k.startswith("libmbed"))
        libc = sum(v for k, v in objs.items() if k.startswith("libc"))
        if mbed > 0:
            out.append(f"\nIn this call {mbed:.0f}% of the client's instructions are in mbedTLS "
                       f"(record encryption), {libc:.0f}% in libc, the rest in banklink.")
        out.append("")
    # Where the peer's instructions go, by library: what libcurl itself costs.
    for proto, ptitle in PROTOS:
        _, objs = profile(os.path.join(build, "cg", f"e2e_{proto}_moneykit_curl.out"), 0)
        if objs:
            parts = ", ".join(f"{k} {v:.0f}%" for k, v in sorted(objs.items(), key=lambda kv: -kv[1]) if v >= 1)
            out.append(f"libcurl+cJSON, MoneyKit call over {ptitle}, instructions by library: {parts}.\n")
    return "\n".join(out)


def write_dat(build, dec, e2e):
    """Data files for bench/results.gp (one row per group, one column per client)."""
    def dump(name, header, rows):
        with open(os.path.join(build, name), "w") as f:
            f.write("# " + " ".join(header) + "\n")
            for r in rows:
                f.write(" ".join(str(x if x is not None else "NaN") for x in r) + "\n")
    for metric, name in [("instructions", "decode_instr.dat"), ("ns", "decode_ns.dat"),
                         ("allocs", "decode_allocs.dat")]:
        dump(name, ["doc", "banklink", "jsmn", "cJSON"],
             [[f'"{title.split()[0]}"'] + [dec.get((doc, impl, metric)) for impl in ("banklink", "jsmn", "cjson")]
              for doc, title in DOCS])
    for metric, name in [("instructions", "e2e_instr.dat"), ("calls_per_s", "e2e_cps.dat"),
                         ("allocs_per_call", "e2e_allocs.dat"), ("peak_rss_kib", "e2e_rss.dat")]:
        rows = []
        for proto, ptitle in PROTOS:
            for doc, title in DOCS:
                if e2e.get((proto, doc, "banklink", "calls_per_s")) is None:
                    continue
                rows.append([f'"{title.split()[0]}\\n{ptitle}"'] +
                            [e2e.get((proto, doc, c, metric)) for c in ("banklink", E2E_PEER)])
        dump(name, ["case", "banklink", "libcurl+cJSON"], rows)


def main():
    raw, build, out_dir = sys.argv[1:4]
    dec, e2e, runs, info = load(raw)
    rows = build_rows(dec, e2e)
    write_csv(rows, os.path.join(out_dir, "results.csv"))
    write_dat(build, dec, e2e)
    print(text_table(rows))
    tg = targets(dec, e2e)
    print()
    for name, value, ok in tg:
        print(f"{'MET ' if ok else 'MISS'}  {name}: {value}")

    has_tls = any(k[0] == "tls" for k in e2e)
    nruns = max([n for k, n in runs.items() if k[3] == "calls_per_s"] or [0])
    md = [
        "# banklink benchmark results",
        "",
        "Generated by `scripts/bench.sh` (do not edit by hand). Ratios are banklink / peer, "
        "measured in the same run; instruction counts (valgrind `callgrind`) are the primary, "
        "repeatable measure, wall-clock figures swing with scheduling.",
        "",
        f"Machine: {info.get('cpu', '?')}, {info.get('cpus', '?')} CPUs (load average {info.get('load', '?')} "
        f"when the run started), {info.get('kernel', '?')}; "
        f"{info.get('cc', '?')}, `-O2`. Peers: cJSON {info.get('cjson', '?')}, {info.get('curl', '?')}, "
        f"mbedTLS {info.get('mbedtls', '?')} (banklink's TLS and the server).",
        "",
        "![benchmark chart](results.png)",
        "",
        md_table(rows),
        "",
        "## Targets (issue 7)",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    md += [f"| {n} | {v} | {'met' if ok else '**not met**'} |" for n, v, ok in tg]
    md += [
        "",
        "## How it is measured",
        "",
        f"* **Decode**: the seed bodies compacted (MoneyKit {fmt(dec.get(('moneykit', '-', 'bytes')))} bytes, "
        f"Heron {fmt(dec.get(('heron', '-', 'bytes')))} bytes) decoded into the same information: every "
        "field, strings copied out (cJSON, jsmn) or viewed in place (banklink), enums mapped, timestamps "
        "turned into Unix seconds. The peers use banklink's own RFC 3339 parser for that last step, so it "
        "costs all three the same. cJSON parses, looks each field up, copies it and deletes the tree; the "
        "jsmn loop tokenises (default mode) and compares keys, copying raw bytes without unescaping or "
        "checking primitives — a lower bound, not a drop-in equal. Before timing, the program checks that "
        "all three produce identical fields. Instructions: callgrind collecting only the decode function "
        f"(`--toggle-collect`), {info.get('decode_cg_iters', '?')} decodes, divided. Time: median of "
        f"{info.get('decode_runs', '?')} runs of {info.get('decode_iters', '?')} decodes, pinned to one CPU. "
        "Allocations: the bench programs replace malloc/calloc/realloc and count every call, shared "
        "libraries included.",
        f"* **End to end**: sequential calls to one local keep-alive server (`bench/bench_server.c`, fixed "
        "bodies, one process per connection) over one connection. banklink: one `bl_client_t`, "
        "`bl_heron_update_link` / `bl_moneykit_exchange_token`. Peer: one libcurl easy handle reused, header "
        "list built once, request body built with cJSON per call, answer into a fixed buffer and decoded "
        "with cJSON as above. Calls per second: median of "
        f"{nruns} runs of {info.get('e2e_calls', '?')} calls, server and client pinned to the same CPU "
        "(`taskset -c 0`). Client instructions per call: callgrind on the client process only, collecting "
        f"{info.get('e2e_cg_calls', '?')} calls after {info.get('e2e_warmup', '?')} warm-up calls (connection "
        "and TLS handshake excluded: steady state). Allocations per call: counted over the timed calls. Peak "
        "RSS: `getrusage` of each client process (separate executables, each linking only its own stack). "
        "Every run checks each decoded answer and that only one connection was opened.",
    ]
    if has_tls:
        md.append("* **TLS**: TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 (P-256 certificate from a local CA, "
                  "verified by both clients, host name `localhost`). The server accepts only that suite; "
                  "libcurl (OpenSSL) is given it with `CURLOPT_SSL_CIPHER_LIST`, banklink's mbedTLS context "
                  "with `mbedtls_ssl_conf_ciphersuites` on the `conf` the port exposes (the port has no "
                  "cipher-suite option).")
    else:
        md.append("* **TLS**: skipped — port/mbedtls is not in this tree.")
    md += ["", "## Where banklink's instructions go", "", hotspots_md(build)]
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(md).rstrip() + "\n")


if __name__ == "__main__":
    main()
