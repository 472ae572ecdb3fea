#!/usr/bin/env python3
"""Validate library.json against PlatformIO's manifest rules (stdlib only).

PlatformIO itself cannot be installed here, so this re-states the documented
rules of library.json (docs.platformio.org, "library.json" and its
"fields/" pages; the manifest schema of platformio-core) as checks:

* only documented fields, each of the documented type;
* name: required, at most 50 characters, no consecutive dashes, does not
  start or end with a dash, none of  : ; / , @ < >
* version: required, semantic version (MAJOR.MINOR[.PATCH][-pre][+build]),
  at most 20 characters;
* description <= 255 characters; keywords [a-z0-9-+. ] <= 50 each;
  platforms / frameworks "*" or [a-z0-9-_]; repository type git/hg/svn;
  authors need a name; dependencies need a name and may carry owner,
  version, platforms, frameworks; examples need name [a-zA-Z0-9-_/], base
  and files; build.libLDFMode / libCompatMode from the documented values;
  srcFilter entries are +<pattern> / -<pattern>.

And, against the source tree next to library.json, what PlatformIO would
otherwise only discover while building:

* build.srcDir, build.includeDir, every -I directory in build.flags, every
  example's base and files exist;
* every +<pattern> of srcFilter selects at least one file, the filter
  selects every core source (src/*.c) and no file under test/ or boards/.

And that the manifest is honest and works (PlatformIO's documented
behaviour, docs.platformio.org "library.json", "Construction
Environments", "Custom options in platformio.ini"):

* frameworks and platforms are PlatformIO identifiers and an explicit list
  (not "*"), and every claimed framework and platform has an example
  project under boards/ (a platformio.ini whose env uses it and takes this
  library from this checkout through lib_deps);
* dependencies build: a registry requirement, or a VCS URL pinned to a tag
  and listed in BUILDABLE_VCS with the reason it builds as a PlatformIO
  library; nothing the claimed frameworks already ship (mbedTLS, lwIP);
* build.extraScript exists, is valid Python, is exported, and, run with a
  stand-in of the library's construction environment for each example's
  options, turns on (CPPDEFINES) every port whose sources it selects
  (SRC_FILTER), so no selected port source compiles to nothing; with a
  host compiler and the headers at hand, each selected source is compiled
  with those defines and must define symbols.

usage: check_library_json.py [path/to/library.json]   (exit 1 on any error)
"""

import configparser
import shutil
import subprocess
import tempfile

import fnmatch
import json
import os
import re
import sys

TOP_FIELDS = {
    "$schema", "name", "version", "description", "keywords", "homepage", "repository", "authors",
    "license", "frameworks", "platforms", "headers", "examples", "dependencies", "export", "scripts",
    "build",
}
BUILD_FIELDS = {
    "flags", "unflags", "includeDir", "srcDir", "srcFilter", "extraScript", "libArchive", "libLDFMode",
    "libCompatMode", "builder",
}
LDF_MODES = {"off", "chain", "deep", "chain+", "deep+"}
COMPAT_MODES = {"off", "soft", "strict"}
BUILDERS = {"PlatformIOLibBuilder", "ArduinoLibBuilder", "MbedLibBuilder"}
# SPDX identifiers commonly used by libraries (the full list needs the network).
SPDX = {
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Zlib", "BSL-1.0", "MPL-2.0", "Unlicense",
    "0BSD", "CC0-1.0", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
    "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "EPL-2.0",
}
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
SLUG_LIST_ITEM = re.compile(r"^([a-z\d\-_]+|\*)$")
KEYWORD = re.compile(r"^[a-z\d\-\+\. ]+$")
EXAMPLE_NAME = re.compile(r"^[a-zA-Z\d\-_/]+$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
FILTER_ITEM = re.compile(r"([+-])<([^<>]+)>")
SOURCE_EXT = (".c", ".cc", ".cpp", ".cxx", ".s", ".S")
# Framework and platform identifiers of PlatformIO's registry (docs
# "Frameworks", "Platforms").
FRAMEWORKS = {
    "arduino", "cmsis", "espidf", "freertos", "libopencm3", "mbed", "pulpos", "shakti-sdk", "spl",
    "stm32cube", "zephyr", "energia", "wd-riscv-sdk", "freedom-e-sdk", "kendryte-standalone-sdk",
    "simba", "picosdk",
}
PLATFORMS = {
    "atmelavr", "atmelmegaavr", "atmelsam", "espressif32", "espressif8266", "gd32v", "kendryte210",
    "lattice_ice40", "linux_arm", "linux_i686", "linux_x86_64", "native", "nordicnrf51", "nordicnrf52",
    "nxplpc", "raspberrypi", "riscv_gap", "sifive", "siliconlabsefm32", "ststm32", "ststm8", "teensy",
    "timsp430", "titiva", "wiznet7500", "windows_x86", "freescalekinetis", "intel_arc32", "maxim32",
    "nxpimxrt", "microchippic32", "chipsalliance", "infineonxmc", "renesas-ra", "aceinna_imu",
}
# VCS dependencies known to build as PlatformIO libraries, and why.
BUILDABLE_VCS = {
    "https://github.com/zserge/jsmn.git#v1.1.0":
        "header-only jsmn.h at the tag; PlatformIO's default source filter of a manifest-less "
        "library leaves out its example/ and test/ folders (the only .c files with main())",
}
# What the claimed frameworks bring themselves: a dependency on it would
# build a second, unconfigured copy.
FRAMEWORK_SHIPPED = {"mbedtls", "lwip"}


class Checker:
    def __init__(self, root):
        self.root = root
        self.errors = []

    def err(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))

    def string(self, where, v, max_len=None, pattern=None, what=None):
        if not isinstance(v, str) or not v:
            self.err(where, "must be a non-empty string")
            return False
        if max_len is not None and len(v) > max_len:
            self.err(where, "longer than %d characters" % max_len)
        if pattern is not None and not pattern.match(v):
            self.err(where, "%r: %s" % (v, what or "invalid characters"))
        return True

    def str_or_list(self, where, v, item_check):
        """String (comma-separated) or array of strings; returns the items."""
        if isinstance(v, str):
            items = [s.strip() for s in v.split(",") if s.strip()]
        elif isinstance(v, list):
            items = v
        else:
            self.err(where, "must be a string or an array of strings")
            return []
        for i, s in enumerate(items):
            item_check("%s[%d]" % (where, i), s)
        return items

    def obj(self, where, v, allowed, required=()):
        if not isinstance(v, dict):
            self.err(where, "must be an object")
            return False
        for k in v:
            if k not in allowed:
                self.err(where, "unknown field %r" % k)
        for k in required:
            if k not in v:
                self.err(where, "missing required field %r" % k)
        return True

    def path(self, where, rel, want_dir=None):
        p = os.path.normpath(os.path.join(self.root, rel))
        if not os.path.exists(p):
            self.err(where, "%r does not exist" % rel)
        elif want_dir is True and not os.path.isdir(p):
            self.err(where, "%r is not a directory" % rel)
        elif want_dir is False and not os.path.isfile(p):
            self.err(where, "%r is not a file" % rel)
        return p

    # ------------------------------------------------------------ fields
    def check(self, m):
        if not isinstance(m, dict):
            self.err("library.json", "must be a JSON object")
            return
        for k in m:
            if k not in TOP_FIELDS:
                self.err("library.json", "unknown field %r" % k)
        for k in ("name", "version"):
            if k not in m:
                self.err("library.json", "missing required field %r" % k)
        if "name" in m and self.string("name", m["name"], 50):
            n = m["name"]
            if re.search(r"[:;/,@<>]", n):
                self.err("name", "the characters : ; / , @ < > are not allowed")
            if "--" in n or n.startswith("-") or n.endswith("-"):
                self.err("name", "no consecutive dashes, no dash at either end")
        if "version" in m:
            self.string("version", m["version"], 20, SEMVER, "not a semantic version (MAJOR.MINOR[.PATCH])")
        if "description" in m:
            self.string("description", m["description"], 255)
        if "keywords" in m:
            self.str_or_list("keywords", m["keywords"], lambda w, s: self.string(w, s, 50, KEYWORD,
                                                                                 "only [a-z0-9-+. ]"))
        if "homepage" in m:
            self.string("homepage", m["homepage"], 255, URL, "not an http(s) URL")
        if "license" in m and self.string("license", m["license"], 255) and m["license"] not in SPDX:
            self.err("license", "%r is not a known SPDX identifier" % m["license"])
        for k in ("frameworks", "platforms"):
            if k in m:
                self.str_or_list(k, m[k], lambda w, s: self.string(w, s, 50, SLUG_LIST_ITEM,
                                                                   "only [a-z0-9-_] or *"))
        if "headers" in m:
            self.str_or_list("headers", m["headers"], lambda w, s: self.string(w, s))
        if "repository" in m:
            self.repository(m["repository"])
        if "authors" in m:
            self.authors(m["authors"])
        if "dependencies" in m:
            self.dependencies(m["dependencies"])
        if "examples" in m:
            self.examples(m["examples"])
        if "export" in m and self.obj("export", m["export"], {"include", "exclude"}):
            for k, v in m["export"].items():
                self.str_or_list("export." + k, v, lambda w, s: self.string(w, s))
        if "scripts" in m and self.obj("scripts", m["scripts"], {"postinstall", "preuninstall"}):
            for k, v in m["scripts"].items():
                self.str_or_list("scripts." + k, v, lambda w, s: self.string(w, s))
        if "build" in m:
            self.build(m["build"])

    def repository(self, r):
        if self.obj("repository", r, {"type", "url", "branch"}, ("type", "url")):
            if r.get("type") not in ("git", "hg", "svn"):
                self.err("repository.type", "must be git, hg or svn")
            if "url" in r:
                self.string("repository.url", r["url"], 255)

    def authors(self, a):
        items = [a] if isinstance(a, dict) else a
        if not isinstance(items, list):
            self.err("authors", "must be an object or an array of objects")
            return
        for i, au in enumerate(items):
            w = "authors[%d]" % i
            if self.obj(w, au, {"name", "email", "url", "maintainer"}, ("name",)):
                if "name" in au:
                    self.string(w + ".name", au["name"], 50)
                if "email" in au:
                    self.string(w + ".email", au["email"], 50, re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
                                "not an e-mail address")
                if "url" in au:
                    self.string(w + ".url", au["url"], 255, URL, "not an http(s) URL")
                if "maintainer" in au and not isinstance(au["maintainer"], bool):
                    self.err(w + ".maintainer", "must be true or false")

    def dependency_builds(self, where, name, version):
        if not isinstance(name, str) or not isinstance(version, str):
            return
        if name.lower().split("/")[-1] in FRAMEWORK_SHIPPED:
            self.err(where, "%r is shipped by the claimed frameworks (ESP-IDF, arduino-esp32); a copy from "
                            "a dependency would be built without the framework's configuration" % name)
        if re.match(r"^(https?|git|ssh)://|\.git(#|$)", version):
            if "#" not in version:
                self.err(where, "VCS dependency %r is not pinned to a tag (#tag)" % version)
            elif version not in BUILDABLE_VCS:
                self.err(where, "VCS dependency %r: not known to build as a PlatformIO library (a repository "
                                "without a manifest is built whole, programs and all); add it to "
                                "BUILDABLE_VCS with the reason, or use a registry package" % version)

    def dependencies(self, d):
        if isinstance(d, dict):
            for name, ver in d.items():
                self.string("dependencies[%r]" % name, name, 100)
                self.string("dependencies[%r] version" % name, ver, 100)
                self.dependency_builds("dependencies[%r]" % name, name, ver)
            return
        if not isinstance(d, list):
            self.err("dependencies", "must be an object or an array")
            return
        for i, dep in enumerate(d):
            w = "dependencies[%d]" % i
            if self.obj(w, dep, {"owner", "name", "version", "platforms", "frameworks", "authors"}, ("name",)):
                if "name" in dep:
                    self.string(w + ".name", dep["name"], 100)
                for k in ("owner", "version"):
                    if k in dep:
                        self.string(w + "." + k, dep[k], 100)
                for k in ("platforms", "frameworks"):
                    if k in dep:
                        self.str_or_list(w + "." + k, dep[k], lambda ww, s: self.string(
                            ww, s, 50, SLUG_LIST_ITEM, "only [a-z0-9-_] or *"))
                self.dependency_builds(w, dep.get("name"), dep.get("version"))

    def examples(self, ex):
        if not isinstance(ex, list):
            self.err("examples", "must be an array")
            return
        for i, e in enumerate(ex):
            w = "examples[%d]" % i
            if isinstance(e, str):
                if not any(True for _ in self.glob(e)):
                    self.err(w, "pattern %r matches no file" % e)
                continue
            if not self.obj(w, e, {"name", "base", "files"}, ("name", "base", "files")):
                continue
            if "name" in e:
                self.string(w + ".name", e["name"], 100, EXAMPLE_NAME, "only [a-zA-Z0-9-_/]")
            if isinstance(e.get("base"), str):
                base = self.path(w + ".base", e["base"], want_dir=True)
                files = e.get("files")
                if not isinstance(files, list) or not files:
                    self.err(w + ".files", "must be a non-empty array")
                else:
                    for j, f in enumerate(files):
                        if self.string("%s.files[%d]" % (w, j), f):
                            self.path("%s.files[%d]" % (w, j), os.path.join(os.path.relpath(base, self.root), f),
                                      want_dir=False)
            else:
                self.err(w + ".base", "must be a string")

    def glob(self, pattern):
        for d, _, files in os.walk(self.root):
            for f in files:
                rel = os.path.relpath(os.path.join(d, f), self.root)
                if fnmatch.fnmatch(rel, pattern):
                    yield rel

    # ------------------------------------------------------------ build
    def build(self, b):
        self.manifest_build = b if isinstance(b, dict) else {}
        if not self.obj("build", b, BUILD_FIELDS):
            return
        for k in ("flags", "unflags"):
            if k in b:
                items = self.str_or_list("build." + k, b[k], lambda w, s: self.string(w, s))
                if k == "flags":
                    for flag in items:
                        for inc in re.findall(r"-I\s*(\S+)", flag if isinstance(flag, str) else ""):
                            self.path("build.flags -I", inc, want_dir=True)
        for k in ("includeDir", "srcDir", "extraScript"):
            if k in b:
                self.string("build." + k, b[k])
        if isinstance(b.get("includeDir"), str):
            self.path("build.includeDir", b["includeDir"], want_dir=True)
        src_dir = b.get("srcDir", "src")
        if isinstance(src_dir, str):
            self.path("build.srcDir", src_dir, want_dir=True)
        if "libArchive" in b and not isinstance(b["libArchive"], bool):
            self.err("build.libArchive", "must be true or false")
        if "libLDFMode" in b and b["libLDFMode"] not in LDF_MODES:
            self.err("build.libLDFMode", "must be one of %s" % ", ".join(sorted(LDF_MODES)))
        if "libCompatMode" in b and b["libCompatMode"] not in COMPAT_MODES:
            self.err("build.libCompatMode", "must be one of %s" % ", ".join(sorted(COMPAT_MODES)))
        if "builder" in b and b["builder"] not in BUILDERS:
            self.err("build.builder", "must be one of %s" % ", ".join(sorted(BUILDERS)))
        if "srcFilter" in b and isinstance(src_dir, str):
            self.src_filter(b["srcFilter"], os.path.join(self.root, src_dir))

    def select(self, flt):
        """Library files (relative to the root) that filter @flt selects
        from build.srcDir, the way PlatformIO applies it."""
        saved, self.errors = self.errors, []
        src_dir = self.manifest_build.get("srcDir", "src") if hasattr(self, "manifest_build") else "."
        self.src_filter(flt, os.path.join(self.root, src_dir), core_checks=False)
        self.errors = saved + ["extra script filter: " + e for e in self.errors]
        return getattr(self, "selected_last", [])

    def src_filter(self, flt, src_root, core_checks=True):
        text = " ".join(flt) if isinstance(flt, list) else flt
        if not isinstance(text, str) or (isinstance(flt, list) and not all(isinstance(x, str) for x in flt)):
            self.err("build.srcFilter", "must be a string or an array of strings")
            return
        rules = FILTER_ITEM.findall(text)
        leftover = FILTER_ITEM.sub("", text).strip()
        if leftover:
            self.err("build.srcFilter", "not of the form +<pattern> / -<pattern>: %r" % leftover)
        sources = []
        for d, dirs, files in os.walk(src_root, followlinks=True):
            dirs[:] = [x for x in dirs if not x.startswith(".") and not x.startswith("build")]
            for f in files:
                if f.endswith(SOURCE_EXT):
                    sources.append(os.path.relpath(os.path.join(d, f), src_root).replace(os.sep, "/"))

        def matches(rel, pat):
            """PlatformIO-style: a directory selects what is under it; * stays in one folder."""
            pat = pat.strip().rstrip("/") if pat.strip() not in ("*", "/") else pat.strip()
            if pat == "*":
                return True
            if os.path.isdir(os.path.join(src_root, pat)):
                return rel.startswith(pat + "/")
            rx = "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in pat)
            return re.fullmatch(rx, rel) is not None

        for sign, pat in rules:
            if sign == "+" and not any(matches(s, pat) for s in sources):
                self.err("build.srcFilter", "+<%s> selects no source file" % pat)
        selected = set()
        for s in sources:
            keep = False
            for sign, pat in rules:
                if matches(s, pat):
                    keep = sign == "+"
            if keep:
                selected.add(os.path.relpath(os.path.join(src_root, s), self.root).replace(os.sep, "/"))
        self.selected_last = sorted(selected)
        if not core_checks:
            return
        core = sorted("src/" + f for f in os.listdir(os.path.join(self.root, "src")) if f.endswith(".c"))
        for c in core:
            if c not in selected:
                self.err("build.srcFilter", "core source %s is not built" % c)
        for s in sorted(selected):
            if s.startswith(("test/", "boards/", "bench/", "scripts/")):
                self.err("build.srcFilter", "%s (not library code) would be built" % s)
        self.selected = sorted(selected)


class Honesty:
    """The claims of the manifest against the example projects and the
    extra script (see the module docstring)."""

    def __init__(self, checker, manifest):
        self.c = checker
        self.m = manifest
        self.root = checker.root
        self.notes = []
        self.compiled = 0
        self.results = []

    def items(self, key):
        v = self.m.get(key, [])
        return [x.strip() for x in v.split(",")] if isinstance(v, str) else list(v)

    def run(self):
        frameworks, platforms = self.items("frameworks"), self.items("platforms")
        for key, known, claimed in (("frameworks", FRAMEWORKS, frameworks), ("platforms", PLATFORMS, platforms)):
            if "*" in claimed:
                self.c.err(key, '"*" claims every %s; list the ones the ports run on' % key[:-1])
            for x in claimed:
                if x != "*" and x not in known:
                    self.c.err(key, "%r is not a PlatformIO %s identifier" % (x, key[:-1]))
        envs = self.example_envs()
        for fw in frameworks:
            if not any(e["framework"] == fw for e in envs):
                self.c.err("frameworks", "%r has no example platformio.ini under boards/" % fw)
        for pf in platforms:
            if not any(e["platform"] == pf for e in envs):
                self.c.err("platforms", "%r has no example platformio.ini under boards/" % pf)
        for e in envs:
            if e["framework"] not in frameworks:
                self.c.err(e["where"], "framework %r is not claimed in library.json" % e["framework"])
            if e["platform"] not in platforms:
                self.c.err(e["where"], "platform %r is not claimed in library.json" % e["platform"])
        script = self.m.get("build", {}).get("extraScript")
        if script:
            self.extra_script(script, envs)
        else:
            self.flags_define_ports()
        return envs

    def flags_define_ports(self):
        """Without an extra script only build.flags can define the ports'
        switches for the library's own sources."""
        flags = " ".join(self.items_of(self.m.get("build", {}).get("flags", [])))
        defined = set(re.findall(r"-D\s*(BL_PORT_\w+)=1\b", flags))
        for s in getattr(self.c, "selected", []):
            if not s.endswith(".c"):
                continue
            with open(os.path.join(self.root, s), encoding="utf-8") as f:
                m = re.search(r"^#if\s+defined\((BL_PORT_\w+)\)\s*&&\s*\1\b", f.read(), re.M)
            if m and m.group(1) not in defined:
                self.c.err("build", "%s is built but compiles to nothing: neither build.flags nor an "
                                    "extraScript defines %s=1" % (s, m.group(1)))

    @staticmethod
    def items_of(v):
        return [v] if isinstance(v, str) else list(v)

    def example_envs(self):
        out = []
        boards = os.path.join(self.root, "boards")
        for d, _, files in os.walk(boards):
            if "platformio.ini" not in files:
                continue
            path = os.path.join(d, "platformio.ini")
            rel = os.path.relpath(path, self.root)
            cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
            try:
                cp.read(path, encoding="utf-8")
            except configparser.Error as e:
                self.c.err(rel, "not a valid platformio.ini: %s" % e)
                continue
            for sec in cp.sections():
                if not sec.startswith("env:"):
                    continue
                where = "%s [%s]" % (rel, sec)
                env = cp[sec]
                e = {"where": where, "dir": d, "framework": env.get("framework", "").strip(),
                     "platform": env.get("platform", "").strip(),
                     "options": {k: v for k, v in env.items()}}
                deps = [x.strip() for x in env.get("lib_deps", "").splitlines() if x.strip()]
                mine = [x for x in deps if re.match(r"^(banklink=)?(symlink|file)://", x)]
                if not mine:
                    self.c.err(where, "lib_deps does not take banklink from this checkout (symlink://)")
                for x in mine:
                    target = os.path.normpath(os.path.join(d, re.sub(r"^(banklink=)?(symlink|file)://", "", x)))
                    if not os.path.isfile(os.path.join(target, "library.json")) or \
                            os.path.samefile(target, self.root) is False:
                        self.c.err(where, "lib_deps %r does not point at the folder of library.json" % x)
                out.append(e)
        return out

    def extra_script(self, script, envs):
        path = os.path.join(self.root, script)
        rel = os.path.relpath(path, self.root)
        try:
            with open(path, encoding="utf-8") as f:
                code = compile(f.read(), path, "exec")
        except (OSError, SyntaxError) as e:
            self.c.err("build.extraScript", "%s: %s" % (rel, e))
            return
        exported = self.m.get("export", {}).get("include")
        if exported and not any(rel == x or rel.startswith(x.rstrip("/") + "/") for x in exported):
            self.c.err("build.extraScript", "%s is not in export.include (the published library lacks it)" % rel)
        for e in envs:
            self.run_script(code, e, rel)

    def run_script(self, code, example, rel):
        lib = StandInEnv(example["options"])
        proj = StandInEnv(example["options"])

        def imp(name):
            g[name] = {"env": lib, "projenv": proj}[name]
        g = {"Import": imp, "__name__": "SCons", "__file__": os.path.join(self.root, rel)}
        where = "%s for %s" % (rel, example["where"])
        try:
            exec(code, g)  # noqa: S102 (the project's own script)
        except SystemExit as ex:
            self.c.err(where, "stopped the build: %s" % ex)
            return
        defines = {d[0] if isinstance(d, tuple) else str(d).split("=")[0]: (d[1] if isinstance(d, tuple) else 1)
                   for d in lib.get("CPPDEFINES", [])}
        flt = lib.get("SRC_FILTER")
        if flt is None:
            self.c.err(where, "does not set SRC_FILTER")
            return
        sources = [s for s in self.c.select(flt) if s.endswith(".c")]
        guards = {}
        for s in sources:
            with open(os.path.join(self.root, s), encoding="utf-8") as f:
                text = f.read()
            m = re.search(r"^#if\s+defined\((BL_PORT_\w+)\)\s*&&\s*\1\b", text, re.M)
            if m:
                guards[s] = m.group(1)
                if str(defines.get(m.group(1), 0)) not in ("1", "true"):
                    self.c.err(where, "%s is selected but compiles to nothing (%s is not defined to 1)"
                               % (s, m.group(1)))
        ports = sorted({g.split("_", 2)[2].lower() for g in guards.values()})
        wanted = example["options"].get("custom_banklink_ports", "lwip, mbedtls")
        self.results.append((example["where"], ports, sorted(defines), len(sources)))
        for p in re.split(r"[,\s]+", wanted.strip()):
            if p and p != "none" and p not in ports:
                self.c.err(where, "custom_banklink_ports asks for %r but no %s source is selected" % (p, p))
        self.compile_check(where, sources, defines)

    def compile_check(self, where, sources, defines):
        """Compile each selected source on the host with the defines, when
        a compiler and the headers are here; each must define symbols."""
        cc = shutil.which("cc") or shutil.which("gcc")
        nm = shutil.which("nm")
        if not cc or not nm:
            self.notes.append("%s: no host compiler, sources not compiled" % where)
            return
        inc = []
        for flag in self.m.get("build", {}).get("flags", []):
            inc += ["-I" + os.path.join(self.root, x) for x in re.findall(r"-I\s*(\S+)", flag)]
        lwip = subprocess.run(["pkg-config", "--cflags", "lwip"], capture_output=True, text=True) \
            if shutil.which("pkg-config") else None
        extra = lwip.stdout.split() if lwip is not None and lwip.returncode == 0 else []
        with tempfile.TemporaryDirectory() as tmp:
            for s in sources:
                obj = os.path.join(tmp, "o.o")
                cmd = [cc, "-std=c99", "-c", "-D_DEFAULT_SOURCE"] + ["-D%s=%s" % (k, v) for k, v in defines.items()] \
                    + inc + extra + [os.path.join(self.root, s), "-o", obj]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    if "No such file or directory" in r.stderr and "#include" in r.stderr:
                        self.notes.append("%s: %s not compiled here (a framework header is missing)" % (where, s))
                        continue
                    self.c.err(where, "%s does not compile with the script's defines:\n%s" % (s, r.stderr[-800:]))
                    continue
                syms = subprocess.run([nm, "--defined-only", obj], capture_output=True, text=True).stdout
                if not re.search(r" [TDRB] ", syms):
                    self.c.err(where, "%s compiled to an empty object" % s)
                else:
                    self.compiled += 1



class StandInEnv(dict):
    """The few SCons construction-environment calls a library extra script
    makes (Append, Replace, get, GetProjectOption), on a dict."""

    def __init__(self, options):
        super().__init__()
        self.options = options

    def GetProjectOption(self, name, default=None):  # noqa: N802 (SCons API name)
        return self.options.get(name, default)

    def Append(self, **kw):  # noqa: N802
        for k, v in kw.items():
            self.setdefault(k, [])
            self[k] = list(self[k]) + (list(v) if isinstance(v, (list, tuple)) else [v])

    def Replace(self, **kw):  # noqa: N802
        self.update(kw)


def main(argv):
    path = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "library.json")
    path = os.path.abspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL %s: %s" % (path, e))
        return 1
    c = Checker(os.path.dirname(path))
    c.check(manifest)
    h = Honesty(c, manifest)
    envs = h.run() if isinstance(manifest, dict) else []
    for n in h.notes:
        print("note: " + n)
    if c.errors:
        for e in c.errors:
            print("FAIL " + e)
        print("%s: %d error(s)" % (path, len(c.errors)))
        return 1
    built = getattr(c, "selected", [])
    print("%s: valid (%s %s; %d source files selected: %s)" % (
        path, manifest["name"], manifest["version"], len(built), " ".join(built)))
    for where, ports, defines, n in h.results:
        print("  %s: extra script turns on %s (%s); %d sources selected" % (
            where, ", ".join(ports) or "no port", " ".join(defines), n))
    print("  %d example environments; %d selected sources compiled on the host, each with symbols"
          % (len(envs), h.compiled))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
