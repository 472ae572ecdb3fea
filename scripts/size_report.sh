#!/usr/bin/env bash
# Size report of banklink's core (src/*.c) on Cortex-M0+, M4 and M33.
#
# Builds every core module with arm-none-eabi-gcc at -Os (function and data
# sections, -fstack-usage, -fcallgraph-info=su), then prints per module and
# in total .text, .rodata, .data and .bss (from arm-none-eabi-size -A), the
# largest stack frame of each module (.su files), and the deepest call chain
# inside the core (calls through the transport/clock/log function pointers
# are not followed: they belong to the port). The markdown table goes to
# stdout and to OUTDIR/size_report.md.
#
# Fails (exit 1) when, on Cortex-M4:
#   * the core's flash (.text + .rodata + .data) is over 8192 bytes,
#   * any .data or .bss byte exists (on any of the three CPUs),
#   * any function's frame is over 256 bytes, or one is dynamic/unbounded.
#
# usage: scripts/size_report.sh [OUTDIR]      (default: build-size)
# Environment: ARM_CC, ARM_SIZE (tools), BL_SIZE_CFLAGS (extra flags, e.g.
# -DBL_CONFIG_FILE=...), BL_FLASH_LIMIT, BL_STACK_LIMIT.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-size}
cc=${ARM_CC:-arm-none-eabi-gcc}
size=${ARM_SIZE:-arm-none-eabi-size}
flash_limit=${BL_FLASH_LIMIT:-8192}
stack_limit=${BL_STACK_LIMIT:-256}

command -v "$cc" >/dev/null || { echo "FAIL: $cc not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"; exit 1; }
jsmn=$(echo '#include <jsmn.h>' | cpp -H -o /dev/null 2>&1 | awk '/jsmn.h$/ {print $2; exit}')
[ -n "$jsmn" ] && [ -f "$jsmn" ] || { echo "FAIL: jsmn.h not found (apt-get install libjsmn-dev)"; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
# jsmn.h alone: putting the host's /usr/include on the path would let glibc
# headers stand in for newlib's.
mkdir -p "$out/include"
cp "$jsmn" "$out/include/jsmn.h"

declare -A cpu_flags=(
    [m0plus]="-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft"
    [m4]="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
    [m33]="-mcpu=cortex-m33 -mthumb -mfloat-abi=soft"
)
warn="-std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror"
opt="-Os -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su"

sources=("$root"/src/*.c)
for cpu in m0plus m4 m33; do
    d="$out/$cpu"
    rm -rf "$d"
    mkdir -p "$d"
    for src in "${sources[@]}"; do
        m=$(basename "$src" .c)
        # shellcheck disable=SC2086
        (cd "$d" && "$cc" ${cpu_flags[$cpu]} $warn $opt -I"$root/src" -isystem "$out/include" ${BL_SIZE_CFLAGS:-} \
            -c "$src" -o "$m.o")
        "$size" -A "$d/$m.o" >"$d/$m.size"
    done
done

python3 - "$out" "$flash_limit" "$stack_limit" "$("$cc" -dumpversion)" <<'PY'
import glob, os, re, sys

out, flash_limit, stack_limit, gcc_version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cpus = [("m0plus", "Cortex-M0+"), ("m4", "Cortex-M4"), ("m33", "Cortex-M33")]

def sections(path):
    s = dict(text=0, rodata=0, data=0, bss=0)
    for line in open(path):
        f = line.split()
        if len(f) < 2 or not f[1].isdigit():
            continue
        name, n = f[0], int(f[1])
        for key in ("text", "rodata", "data", "bss"):
            if name == "." + key or name.startswith("." + key + "."):
                s[key] += n
        if name == "COMMON":
            s["bss"] += n
    return s

def stack(path):
    """(bytes, function, qualifier) of every function in a .su file."""
    rows = []
    for line in open(path):
        loc, n, kind = line.rstrip("\n").split("\t")
        rows.append((int(n), loc.rsplit(":", 1)[-1], kind))
    return rows

def callgraph(d):
    """Frame size per function and direct call edges, from the .ci files."""
    frames, edges = {}, {}
    for ci in glob.glob(os.path.join(d, "*.ci")):
        text = open(ci).read()
        for m in re.finditer(r'node: \{ title: "([^"]+)" label: "([^"]*)"', text):
            title, label = m.group(1), m.group(2)
            sz = re.search(r"\\n(\d+) bytes \((\w[\w,]*)\)", label)
            if sz:
                frames[title] = int(sz.group(1))
            else:
                frames.setdefault(title, None)  # external: not core code
        for m in re.finditer(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
            edges.setdefault(m.group(1), set()).add(m.group(2))
    return frames, edges

def deepest(frames, edges):
    """Deepest chain of core frames (the call graph of the core is acyclic)."""
    memo = {}
    def depth(f, seen):
        if frames.get(f) is None:
            return 0, []
        if f in memo:
            return memo[f]
        if f in seen:
            return 0, ["(recursion: " + f + ")"]
        best = (0, [])
        for g in edges.get(f, ()):
            cand = depth(g, seen | {f})
            if cand[0] > best[0]:
                best = cand
        memo[f] = (frames[f] + best[0], [f] + best[1])
        return memo[f]
    top = (0, [])
    for f in frames:
        cand = depth(f, frozenset())
        if cand[0] > top[0]:
            top = cand
    return top

def short(name):
    return name.split(":")[-1]

lines, failures, summary = [], [], []
lines.append("## banklink core size (arm-none-eabi-gcc %s, -Os, function/data sections)" % gcc_version)
lines.append("")
for cpu, label in cpus:
    d = os.path.join(out, cpu)
    rows, tot = [], dict(text=0, rodata=0, data=0, bss=0)
    worst_all = (0, "", "")
    for sz in sorted(glob.glob(os.path.join(d, "*.size"))):
        m = os.path.basename(sz)[:-5]
        s = sections(sz)
        st = stack(os.path.join(d, m + ".su"))
        w = max(st) if st else (0, "-", "static")
        for n, fn, kind in st:
            if kind != "static" and cpu == "m4":
                failures.append("%s: %s() has a %s stack frame" % (label, fn, kind))
        if w[0] > worst_all[0]:
            worst_all = w
        for k in tot:
            tot[k] += s[k]
        rows.append((m, s, w))
        if s["data"] or s["bss"]:
            failures.append("%s: %s has .data %d / .bss %d bytes" % (label, m, s["data"], s["bss"]))
    flash = tot["text"] + tot["rodata"] + tot["data"]
    frames, edges = callgraph(d)
    chain_bytes, chain = deepest(frames, edges)
    lines.append("### %s" % label)
    lines.append("")
    lines.append("| module | .text | .rodata | .data | .bss | flash | largest frame |")
    lines.append("|---|---:|---:|---:|---:|---:|---|")
    for m, s, w in rows:
        lines.append("| %s | %d | %d | %d | %d | %d | %d B `%s` |" % (
            m, s["text"], s["rodata"], s["data"], s["bss"], s["text"] + s["rodata"] + s["data"], w[0], w[1]))
    lines.append("| **total** | **%d** | **%d** | **%d** | **%d** | **%d** | **%d B `%s`** |" % (
        tot["text"], tot["rodata"], tot["data"], tot["bss"], flash, worst_all[0], worst_all[1]))
    lines.append("")
    lines.append("Deepest call chain inside the core: %d bytes (%s)." % (
        chain_bytes, " > ".join(short(f) for f in chain)))
    lines.append("")
    summary.append((label, flash, tot["data"] + tot["bss"], worst_all, chain_bytes))
    if cpu == "m4":
        if flash > flash_limit:
            failures.append("%s: core flash %d bytes is over %d" % (label, flash, flash_limit))
        if worst_all[0] > stack_limit:
            failures.append("%s: %s() uses %d bytes of stack, over %d" % (label, worst_all[1], worst_all[0], stack_limit))

lines.append("### Summary")
lines.append("")
lines.append("| CPU | flash (text+rodata+data) | .data+.bss | largest frame | deepest core chain |")
lines.append("|---|---:|---:|---|---:|")
for label, flash, ram, w, chain in summary:
    lines.append("| %s | %d | %d | %d B `%s` | %d B |" % (label, flash, ram, w[0], w[1], chain))
lines.append("")
lines.append("Limits (Cortex-M4): flash <= %d bytes, no .data/.bss, every frame static and <= %d bytes." % (
    flash_limit, stack_limit))
report = "\n".join(lines) + "\n"
open(os.path.join(out, "size_report.md"), "w").write(report)
sys.stdout.write(report)
if failures:
    sys.stdout.write("\nFAIL:\n" + "".join("  %s\n" % f for f in failures))
    sys.exit(1)
sys.stdout.write("\nsize report: all limits met (written to %s)\n" % os.path.join(out, "size_report.md"))
PY
