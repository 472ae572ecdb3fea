#!/usr/bin/env python3
"""Flash and RAM of a firmware image per component, from its ELF and GNU ld map.

    elf_report.py IMAGE.elf IMAGE.map [--suffix 16k] [--toolchain-bin arm-none-eabi-gcc]

Prints `figure:` lines (flash_<component>_<suffix>, ram_*, malloc_symbols)
and a `check:` line that the components add up to arm-none-eabi-size's
text + data. Used by run_target_test.py; runs alone on any image built with
-Wl,-Map. Components, by the input file of each input section in the map:
  core     libbl_core_cm4.a            ports    libbl_ports_cm4*.a
  lwip     liblwip_cm4.a               mbedtls  libmbedtls_cm4_*.a
  app      object files linked directly (CMakeFiles/<target>.dir/...)
  libc     libc.a, libc_nano.a, libg*.a, libgcc.a, libm.a, libnosys.a, crt*.o
  fill     *fill* (alignment) and linker-script data (LONG, BYTE, ...)
"""

import argparse
import os
import re
import subprocess
import sys

COMPONENTS = ("core", "ports", "lwip", "mbedtls", "app", "libc")
MALLOC_SYMBOLS = ("malloc", "_malloc_r", "calloc", "_calloc_r", "realloc", "_realloc_r",
                  "free", "_free_r", "_sbrk", "_sbrk_r")
LIBC_RE = re.compile(r"(^|/)(libc|libc_nano|libg|libg_nano|libgcc|libm|libnosys|librdimon\w*)\.a\(|"
                     r"(^|/)crt\w*\.o$")


class Tools:
    """arm-none-eabi-nm/-size/-objdump, beside the compiler given."""

    def __init__(self, gcc):
        base = os.path.basename(gcc)
        prefix = base[:-len("gcc")] if base.endswith("gcc") else "arm-none-eabi-"
        d = os.path.dirname(gcc)
        self.nm = os.path.join(d, prefix + "nm") if d else prefix + "nm"
        self.size = os.path.join(d, prefix + "size") if d else prefix + "size"
        self.objdump = os.path.join(d, prefix + "objdump") if d else prefix + "objdump"


def component(path):
    if "libbl_core_cm4" in path:
        return "core"
    if "libbl_ports_cm4" in path:
        return "ports"
    if "liblwip_cm4" in path:
        return "lwip"
    if "libmbedtls_cm4" in path:
        return "mbedtls"
    if LIBC_RE.search(path):
        return "libc"
    if "CMakeFiles/" in path and ".dir/" in path and "(" not in path:
        return "app"
    return "other"


def sections(tools, elf):
    """{name: (size, flags)} of the ELF's allocated sections (objdump -h)."""
    out = subprocess.run([tools.objdump, "-h", elf], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    result = {}
    for i, line in enumerate(lines):
        m = re.match(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+", line)
        if m and i + 1 < len(lines):
            flags = {f.strip() for f in lines[i + 1].split(",")}
            if "ALLOC" in flags:
                result[m.group(1)] = (int(m.group(2), 16), flags)
    return result


def parse_map(path):
    """{output section: {component: bytes}} from the map's memory map part.

    Each input section counts for the bytes from its address that no earlier
    one covered: merged strings (.rodata.*.str1.*) are listed with sizes
    that overlap, and this way the parts add up to the section's size.
    """
    entries = {}          # output section -> [(address, size, component)]
    out = None
    pending = None        # input section name waiting for its address line
    started = False
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not started:
                started = line.startswith("Linker script and memory map")
                continue
            if line.startswith("Cross Reference Table"):
                break
            if not line.strip():
                continue
            if not line[0].isspace():
                name = line.split()[0]
                out = None if name.startswith(("LOAD", "OUTPUT", "START", "END")) else name
                pending = None
                continue
            if out is None:
                continue
            m = re.match(r"^ \*fill\*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
            if m:
                entries.setdefault(out, []).append((int(m.group(1), 16), int(m.group(2), 16), "fill"))
                continue
            m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m and not m.group(1).startswith("*"):
                entries.setdefault(out, []).append((int(m.group(2), 16), int(m.group(3), 16),
                                                    component(m.group(4).strip())))
                pending = None
                continue
            m = re.match(r"^ (\S+)\s*$", line)
            if m and not m.group(1).startswith("*"):
                pending = m.group(1)
                continue
            m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m:
                if pending is not None:
                    comp = component(m.group(3).strip())
                elif re.match(r"^(LONG|SHORT|BYTE|QUAD|SQUAD|FILL)\b", m.group(3)):
                    comp = "fill"
                else:
                    comp = None
                if comp is not None:
                    entries.setdefault(out, []).append((int(m.group(1), 16), int(m.group(2), 16), comp))
                pending = None
    per = {}
    for out, items in entries.items():
        d = per.setdefault(out, {})
        covered = None
        for addr, size, comp in items:
            start = addr if covered is None else max(addr, covered)
            end = addr + size
            if end > start:
                d[comp] = d.get(comp, 0) + end - start
                covered = end
            elif covered is None:
                covered = addr
    return per


def size_totals(tools, elf):
    """(text, data, bss) as arm-none-eabi-size prints them."""
    out = subprocess.run([tools.size, elf], capture_output=True, text=True, check=True).stdout
    fields = out.splitlines()[1].split()
    return int(fields[0]), int(fields[1]), int(fields[2])


def malloc_symbols(tools, elf):
    out = subprocess.run([tools.nm, elf], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[-1] in MALLOC_SYMBOLS:
            found.append(parts[-1])
    return sorted(set(found))


def measure(tools, elf, mapf):
    """A dict of the figures of one image (no printing)."""
    secs = sections(tools, elf)
    per = parse_map(mapf)
    text, data, bss = size_totals(tools, elf)
    flash = {c: 0 for c in COMPONENTS + ("fill", "other")}
    ram = {c: 0 for c in COMPONENTS + ("fill", "other")}
    for name, (size, flags) in secs.items():
        comps = per.get(name, {})
        if "LOAD" in flags:             # has contents: in flash (.data: its load image)
            for c, n in comps.items():
                flash[c] += n
        if "READONLY" not in flags:     # .data, .bss, stacks: RAM
            for c, n in comps.items():
                ram[c] += n
    r = {c: flash[c] for c in flash}
    r["total"] = text + data
    r["unattributed"] = r["total"] - sum(flash.values())
    r["ram_data"] = data
    r["ram_bss"] = bss
    r["ram_static"] = data + bss
    r["ram_by_component"] = ram
    r["malloc_list"] = malloc_symbols(tools, elf)
    r["malloc"] = len(r["malloc_list"])
    return r


def report(res, tools, elf, mapf, suffix):
    """Figures and checks of one image into @res (a run_target_test.Results)."""
    r = measure(tools, elf, mapf)
    s = "_" + suffix
    names = {"core": "flash_banklink_core", "ports": "flash_ports", "lwip": "flash_lwip",
             "mbedtls": "flash_mbedtls", "app": "flash_app", "libc": "flash_libc"}
    for c in COMPONENTS:
        res.figure(names[c] + s, r[c], "B")
    res.figure("flash_fill" + s, r["fill"], "B")
    if r["other"]:
        res.figure("flash_other" + s, r["other"], "B")
    res.figure("flash_total" + s, r["total"], "B")
    res.figure("ram_data" + s, r["ram_data"], "B")
    res.figure("ram_bss" + s, r["ram_bss"], "B")
    res.figure("ram_static" + s, r["ram_static"], "B")
    for c in COMPONENTS:
        if r["ram_by_component"][c]:
            res.figure("ram_%s%s" % (c, s), r["ram_by_component"][c], "B")
    res.figure("malloc_symbols" + s, r["malloc"], "count")
    res.check(suffix, "flash_components_add_up" + s, r["unattributed"] == 0 and r["other"] == 0,
              "size says %d B, the map's components %d B (difference %d, unknown inputs %d)"
              % (r["total"], r["total"] - r["unattributed"], r["unattributed"], r["other"]))
    res.check(suffix, "no_malloc" + s, r["malloc"] == 0, "found: %s" % " ".join(r["malloc_list"]))
    return r


class _Printer:
    """Stand-alone use: print what run_target_test's Results would record."""

    failures = []

    def figure(self, name, value, unit, echo=True):
        print("figure: %s = %s %s" % (name, value, unit))

    def check(self, image, name, ok, detail="", source="harness"):
        print("check: %s %s%s" % (name, "ok" if ok else "FAIL", "" if ok else " " + detail))
        if not ok:
            self.failures.append(name)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("elf")
    p.add_argument("map")
    p.add_argument("--suffix", default="image")
    p.add_argument("--toolchain-bin", default="arm-none-eabi-gcc")
    opts = p.parse_args()
    pr = _Printer()
    report(pr, Tools(opts.toolchain_bin), opts.elf, opts.map, opts.suffix)
    return 1 if pr.failures else 0


if __name__ == "__main__":
    sys.exit(main())
