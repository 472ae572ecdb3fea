#!/usr/bin/env python3
"""Helpers of scripts/record_fixtures.sh (python3 stdlib only).

    fixture_post.py post RAW OUT NAME DESCRIPTION   a --record file -> a fixture
    fixture_post.py compare COMMITTED_DIR NEW_DIR    same fixtures, up to what varies

`post` turns what the tool recorded against the mock into a fixture of the
test kit: `connect` lines go (fixtures chain on one kept-alive
connection), each `request METHOD TARGET N` loses its N recorded bytes and
becomes `request METHOD PATTERN`, the ids in the path turned into `{name}`
segments and the query dropped, so that any id, cursor or page size
matches. Answers, `stall`, `close` and `reset` stay byte for byte.

`compare` checks a fresh recording against the committed one. Only what
the mock makes up per run is normalised, on both sides, with the same
length so the `answer N` lines still agree: the Date header, the
`request_id` of Heron and MoneyKit answers (secrets.token_hex), and the
`created` / `last_updated` times the mock stamps on links it creates or
refreshes (datetime.now(), `…T…​.mmm+00:00`).
"""

import os
import re
import sys

# Paths of the two APIs with their variable segments (first match wins).
PATTERNS = [
    (r"^/api/integration_links/[^/]+$", "/api/integration_links/{item_id}"),
    (r"^/api/end_users/[^/]+/integration_links$", "/api/end_users/{end_user_id_or_heron_id}/integration_links"),
    (r"^/api/integrations/[^/]+/links/[^/]+/refresh$", "/api/integrations/{heron_id}/links/{item_id}/refresh"),
    (r"^/api/integrations/[^/]+/links$", "/api/integrations/{heron_id}/links"),
    (r"^/links/[^/]+$", "/links/{link_id}"),
    (r"^/links$", "/links"),
    (r"^/auth/token$", "/auth/token"),
    (r"^/link-session/exchange-token$", "/link-session/exchange-token"),
]


def pattern_of(target):
    path = target.split("?", 1)[0]
    for regex, pattern in PATTERNS:
        if re.match(regex, path):
            return pattern
    raise SystemExit("fixture_post: no pattern for the path %r" % path)


def steps(data):
    """(line, block) pairs of a script; comments and the header dropped."""
    out, pos, header = [], 0, False
    while pos < len(data):
        nl = data.index(b"\n", pos)
        line = data[pos:nl]
        pos = nl + 1
        if not line or line.startswith(b"#"):
            continue
        if not header:
            if line != b"banklink-script 1":
                raise SystemExit("fixture_post: not a banklink script")
            header = True
            continue
        words = line.split(b" ")
        block = None
        if words[0] == b"answer" or (words[0] == b"request" and len(words) == 4):
            n = int(words[-1] if words[0] == b"request" else words[1])
            block = data[pos:pos + n]
            if data[pos + n:pos + n + 1] != b"\n":
                raise SystemExit("fixture_post: block of %r is cut" % line)
            pos += n + 1
        out.append((line, block))
    return out


def post(raw, out, name, description):
    with open(raw, "rb") as f:
        data = f.read()
    text = [b"# " + name.encode() + b": " + description.encode(),
            b"# Recorded from the project's mock server (test/mock) by scripts/record_fixtures.sh;",
            b"# regenerate the C with port/testkit/gen_fixtures.py. Secrets are masked with '*'.",
            b"banklink-script 1"]
    requests = 0
    for line, block in steps(data):
        words = line.split(b" ")
        if words[0] == b"connect":
            continue
        if words[0] == b"refuse":
            raise SystemExit("fixture_post: %s: the tool could not connect to the mock" % name)
        if words[0] == b"request":
            requests += 1
            line = b"request " + words[1] + b" " + pattern_of(words[2].decode()).encode()
            block = None
        text.append(line)
        if block is not None:
            text.append(block)
    if requests == 0:
        raise SystemExit("fixture_post: %s: no request was recorded" % name)
    with open(out, "wb") as f:
        f.write(b"\n".join(text) + b"\n")


NORMALISE = [
    (rb"\r\nDate: [^\r]*\r\n", lambda m: b"\r\nDate: " + b"D" * (len(m.group(0)) - 10) + b"\r\n"),
    (rb'"request_id": "[0-9a-f]+"', lambda m: b'"request_id": "' + b"r" * (len(m.group(0)) - 16) + b'"'),
    (rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", lambda m: b"T" * len(m.group(0))),
]


def normalised(data):
    for regex, repl in NORMALISE:
        data = re.sub(regex, repl, data)
    return data


def compare(committed, new):
    names = sorted(n for n in os.listdir(committed) if n.endswith(".script"))
    fresh = sorted(n for n in os.listdir(new) if n.endswith(".script"))
    bad = 0
    if names != fresh:
        print("fixture sets differ: committed %s, recorded %s" % (names, fresh))
        bad += 1
    for n in sorted(set(names) & set(fresh)):
        with open(os.path.join(committed, n), "rb") as f:
            a = normalised(f.read())
        with open(os.path.join(new, n), "rb") as f:
            b = normalised(f.read())
        if a != b:
            bad += 1
            la, lb = a.split(b"\n"), b.split(b"\n")
            at = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            print("%s differs from the mock's answer now, line %d:\n  committed: %r\n  recorded:  %r"
                  % (n, at + 1, la[at][:300] if at < len(la) else b"(end)",
                     lb[at][:300] if at < len(lb) else b"(end)"))
    print("%d fixtures compared, %d differ" % (len(names), bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) == 6 and argv[1] == "post":
        post(argv[2], argv[3], argv[4], argv[5])
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
