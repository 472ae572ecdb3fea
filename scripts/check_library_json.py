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

usage: check_library_json.py [path/to/library.json]   (exit 1 on any error)
"""

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

    def dependencies(self, d):
        if isinstance(d, dict):
            for name, ver in d.items():
                self.string("dependencies[%r]" % name, name, 100)
                self.string("dependencies[%r] version" % name, ver, 100)
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

    def src_filter(self, flt, src_root):
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
        core = sorted("src/" + f for f in os.listdir(os.path.join(self.root, "src")) if f.endswith(".c"))
        for c in core:
            if c not in selected:
                self.err("build.srcFilter", "core source %s is not built" % c)
        for s in sorted(selected):
            if s.startswith(("test/", "boards/", "bench/", "scripts/")):
                self.err("build.srcFilter", "%s (not library code) would be built" % s)
        self.selected = sorted(selected)


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
    if c.errors:
        for e in c.errors:
            print("FAIL " + e)
        print("%s: %d error(s)" % (path, len(c.errors)))
        return 1
    built = getattr(c, "selected", [])
    print("%s: valid (%s %s; %d source files selected: %s)" % (
        path, manifest["name"], manifest["version"], len(built), " ".join(built)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
