#!/usr/bin/env python3
"""Keep the project's OpenAPI documents (heron.openapi.json,
moneykit.openapi.json, next to this file) consistent with the mock server
and the decoders. Stdlib only; reads nothing outside the repository.

    check_specs.py

* Each document is OpenAPI 3.0, every $ref resolves, every {param} of a
  path is declared as a path parameter, every operation has a 2xx answer.
* Routes: every route test/mock serves is an operation of its vendor's
  document, and every operation of a document is served by the mock (the
  documents hold exactly the calls banklink makes).
* Decoders: every key the decoders of src/bl_heron.c and src/bl_moneykit.c
  look up is a property of a response schema of their vendor's document,
  and every field of the tool's printed model (test/e2e/banklink_expect.py)
  is a property of that call's answer, of a matching type.
* Answers: the mock is started and every operation called (plain, and
  with each data variant: nulls, datetimes, escapes); every answer body
  must validate against the document's schema for its status (enums only
  on the plain answers: the nulls variant sends unknown enum values on
  purpose, as vendors add values).

Exit 0 when all hold, 1 with the list of problems otherwise.
"""

import http.client
import json
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "mock"))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
import mock_apis  # noqa: E402
import mock_links  # noqa: E402,F401  (appends its routes to mock_apis.ROUTES)
import mock_control  # noqa: E402
import banklink_expect as expect  # noqa: E402

DOCS = {"heron": os.path.join(HERE, "heron.openapi.json"),
        "moneykit": os.path.join(HERE, "moneykit.openapi.json")}
DECODERS = {"heron": os.path.join(ROOT, "src", "bl_heron.c"),
            "moneykit": os.path.join(ROOT, "src", "bl_moneykit.c")}
METHODS = ("get", "put", "post", "delete", "patch")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$")

problems = []


def problem(msg):
    problems.append(msg)


def load(vendor):
    with open(DOCS[vendor], encoding="utf-8") as f:
        return json.load(f)


def resolve(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError("external $ref %r (the documents must stand alone)" % ref)
        target = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > 20:
            raise ValueError("$ref loop at %r" % ref)
    return node


def operations(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


# ------------------------------------------------------------ structure
def check_structure(vendor, doc):
    if not str(doc.get("openapi", "")).startswith("3.0."):
        problem("%s: openapi must be 3.0.x" % vendor)
    for k in ("info", "paths", "components"):
        if k not in doc:
            problem("%s: no %s" % (vendor, k))

    def walk(node, where):
        if isinstance(node, dict):
            if "$ref" in node:
                try:
                    resolve(doc, node)
                except (KeyError, ValueError) as e:
                    problem("%s: %s: unresolved $ref %s (%s)" % (vendor, where, node["$ref"], e))
            for k, v in node.items():
                walk(v, where + "/" + k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, "%s[%d]" % (where, i))
    walk(doc, "#")
    for path, method, op in operations(doc):
        declared = {resolve(doc, p)["name"] for p in op.get("parameters", []) if resolve(doc, p).get("in") == "path"}
        wanted = set(re.findall(r"\{([^}]+)\}", path))
        if declared != wanted:
            problem("%s: %s %s: path parameters %s, declared %s" % (vendor, method.upper(), path,
                                                                    sorted(wanted), sorted(declared)))
        if not any(re.match(r"^2\d\d$", c) for c in op.get("responses", {})):
            problem("%s: %s %s: no 2xx answer" % (vendor, method.upper(), path))


# ------------------------------------------------------------ routes
def route_template(regex):
    """^/api/x/(?P<id>[^/]+)$ -> /api/x/{}"""
    t = regex.pattern
    if not (t.startswith("^") and t.endswith("$")):
        raise ValueError("route %r is not anchored" % t)
    t = re.sub(r"\(\?P<[^>]+>\[\^/\]\+\)", "{}", t[1:-1])
    if re.search(r"[\\()\[\]*+?|]", t):
        raise ValueError("route %r has regex syntax left: %r" % (regex.pattern, t))
    return t


def check_routes(docs):
    served = set()
    for r in mock_apis.ROUTES:
        try:
            served.add((r.vendor, r.method.lower(), route_template(r.regex)))
        except ValueError as e:
            problem("mock: %s" % e)
    documented = set()
    for vendor, doc in docs.items():
        for path, method, _ in operations(doc):
            documented.add((vendor, method, re.sub(r"\{[^}]+\}", "{}", path)))
    for v, m, p in sorted(served - documented):
        problem("mock serves %s %s (%s), which %s does not document" % (m.upper(), p, v, os.path.basename(DOCS[v])))
    for v, m, p in sorted(documented - served):
        problem("%s documents %s %s, which the mock does not serve" % (os.path.basename(DOCS[v]), m.upper(), p))
    return len(served)


# ------------------------------------------------------------ decoders
def response_properties(doc):
    """Every property name reachable from a response schema."""
    names = set()

    def walk(schema, depth=0):
        schema = resolve(doc, schema)
        if not isinstance(schema, dict) or depth > 30:
            return
        for k, v in schema.get("properties", {}).items():
            names.add(k)
            walk(v, depth + 1)
        if "items" in schema:
            walk(schema["items"], depth + 1)
    for _, _, op in operations(doc):
        for r in op.get("responses", {}).values():
            for media in resolve(doc, r).get("content", {}).values():
                walk(media.get("schema", {}))
    return names


def decoder_keys(path):
    """The keys a decoder looks up: its `keys[...] = {...}` tables."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    macros = dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', src))
    keys = set()
    for body in re.findall(r"\b\w*keys\s*\[[^\]]*\]\s*=\s*\{(.*?)\};", src, re.S):
        for tok in re.findall(r'"([^"]*)"|\b([A-Z][A-Z0-9_]*_KEY)\b', body):
            if tok[0]:
                keys.add(tok[0])
            elif tok[1] in macros:
                keys.add(macros[tok[1]])
    return keys


# The tool's printed model per documented answer (what the decoders fill).
MODELS = [
    ("heron", "put", "/api/integration_links/{item_id}", "200", expect.HERON_UPDATE_LINK),
    ("heron", "get", "/api/end_users/{end_user_id_or_heron_id}/integration_links", "200", expect.HERON_LIST),
    ("heron", "get", "/api/integrations/{heron_id}/links", "200", expect.HERON_LIST),
    ("heron", "post", "/api/integrations/{heron_id}/links", "201", expect.HERON_CREATE_LINK),
    ("heron", "post", "/api/integrations/{heron_id}/links/{link_item_id}/refresh", "200", expect.HERON_CREATE_LINK),
    ("moneykit", "post", "/auth/token", "201", expect.MONEYKIT_TOKEN),
    ("moneykit", "post", "/link-session/exchange-token", "201", expect.MONEYKIT_EXCHANGE),
    ("moneykit", "get", "/links/{id}", "200", expect.MONEYKIT_LINK),
    ("moneykit", "get", "/links", "200", {"links": [expect.MONEYKIT_LINK]}),
]


def check_model(doc, model, schema, where):
    schema = resolve(doc, schema)
    if isinstance(model, dict):
        if schema.get("type") != "object":
            problem("%s: the decoder reads an object, the document says %r" % (where, schema.get("type")))
            return
        props = schema.get("properties", {})
        for k, sub in model.items():
            if k not in props:
                problem("%s.%s: decoded, but not in the document's schema" % (where, k))
            else:
                check_model(doc, sub, props[k], "%s.%s" % (where, k))
    elif isinstance(model, list):
        if schema.get("type") != "array":
            problem("%s: the decoder reads an array, the document says %r" % (where, schema.get("type")))
        else:
            check_model(doc, model[0], schema.get("items", {}), where + "[]")
    else:
        want = {expect.STR: ("string", None), expect.BOOL: ("boolean", None), expect.INT: ("integer", None),
                expect.DT: ("string", "date-time")}[model]
        got = (schema.get("type"), schema.get("format") if want[1] else None)
        if got != want:
            problem("%s: the decoder reads %s%s, the document says %s%s"
                    % (where, want[0], " (%s)" % want[1] if want[1] else "", got[0],
                       " (%s)" % got[1] if got[1] else ""))


def check_decoders(docs):
    n = 0
    for vendor, doc in docs.items():
        props = response_properties(doc)
        for key in sorted(decoder_keys(DECODERS[vendor])):
            n += 1
            if key not in props:
                problem("%s: %s looks up %r, which no answer in %s has"
                        % (vendor, os.path.relpath(DECODERS[vendor], ROOT), key, os.path.basename(DOCS[vendor])))
    for vendor, method, path, status, model in MODELS:
        op = docs[vendor]["paths"].get(path, {}).get(method)
        if op is None or status not in op.get("responses", {}):
            problem("%s: no %s answer for %s %s" % (vendor, status, method.upper(), path))
            continue
        schema = resolve(docs[vendor], op["responses"][status])["content"]["application/json"]["schema"]
        check_model(docs[vendor], model, schema, "%s %s %s" % (vendor, method.upper(), path))
    return n


# ------------------------------------------------------------ answers
def validate(doc, value, schema, where, enums, out):
    schema = resolve(doc, schema)
    if value is None:
        if not schema.get("nullable"):
            out.append("%s: null, but not nullable" % where)
        return
    t = schema.get("type")
    ok = {"object": isinstance(value, dict), "array": isinstance(value, list),
          "string": isinstance(value, str), "boolean": isinstance(value, bool),
          "integer": isinstance(value, int) and not isinstance(value, bool),
          "number": isinstance(value, (int, float)) and not isinstance(value, bool), None: True}.get(t, False)
    if not ok:
        out.append("%s: %r is not of type %s" % (where, value, t))
        return
    if t == "string" and schema.get("format") == "date-time" and not DATETIME.match(value):
        out.append("%s: %r is not a datetime" % (where, value))
    if enums and "enum" in schema and value not in schema["enum"]:
        out.append("%s: %r is not one of %s" % (where, value, schema["enum"]))
    if t == "object":
        for k in schema.get("required", []):
            if k not in value:
                out.append("%s: required %r missing" % (where, k))
        props = schema.get("properties", {})
        for k, v in value.items():
            if k in props:
                validate(doc, v, props[k], "%s.%s" % (where, k), enums, out)
            elif schema.get("additionalProperties") is False:
                out.append("%s: %r not allowed" % (where, k))
    elif t == "array":
        for i, v in enumerate(value):
            validate(doc, v, schema.get("items", {}), "%s[%d]" % (where, i), enums, out)


class Client:
    def __init__(self, mock):
        self.mock = mock

    def call(self, method, path, body=None, headers=None, form=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.mock.port, timeout=10)
        h = dict(headers or {})
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                h["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8")
        finally:
            conn.close()


def scenario(c):
    """Every documented operation once, in an order the mock's state allows:
    [(vendor, method, path template, status, body text)]."""
    hk = {"x-api-key": "test-heron-key"}
    out = []

    def run(vendor, method, template, path, **kw):
        status, text = c.call(method.upper(), path, **kw)
        out.append((vendor, method, template, status, text))
        return status, text

    item, eu, integ = "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op", "eu-check-specs", "int_mock_assets"
    run("heron", "put", "/api/integration_links/{item_id}", "/api/integration_links/" + item,
        body={"end_user": {"access_token": "access-sandbox-check"}}, headers=hk)
    run("heron", "post", "/api/integrations/{heron_id}/links", "/api/integrations/%s/links" % integ,
        body={"item_id": "item-check-specs", "end_user_id": eu, "access_token": "tok", "end_user_name": "Acme"},
        headers=hk)
    run("heron", "get", "/api/end_users/{end_user_id_or_heron_id}/integration_links",
        "/api/end_users/%s/integration_links" % eu, headers=hk)
    run("heron", "get", "/api/integrations/{heron_id}/links",
        "/api/integrations/%s/links?end_user_id_or_heron_id=%s" % (integ, eu), headers=hk)
    run("heron", "post", "/api/integrations/{heron_id}/links/{link_item_id}/refresh",
        "/api/integrations/%s/links/item-check-specs/refresh" % integ, headers=hk)
    run("heron", "delete", "/api/integrations/{heron_id}/links",
        "/api/integrations/%s/links?end_user_id_or_heron_id=%s" % (integ, eu), headers=hk)
    status, text = run("moneykit", "post", "/auth/token", "/auth/token", form=True,
                       body={"grant_type": "client_credentials", "client_id": "test-client-id",
                             "client_secret": "test-client-secret"})
    token = json.loads(text).get("access_token", "") if status == 201 else ""
    mk = {"Authorization": "Bearer " + token, "moneykit-version": "2023-02-18"}
    status, text = run("moneykit", "post", "/link-session/exchange-token", "/link-session/exchange-token",
                       body={"exchangeable_token": "c7318ff7-257c-490e-8242-03a815b223b7"}, headers=mk)
    link = json.loads(text).get("link_id", "none") if status == 201 else "none"
    run("moneykit", "get", "/links", "/links?size=10", headers=mk)
    run("moneykit", "get", "/links/{id}", "/links/" + link, headers=mk)
    run("moneykit", "delete", "/links/{id}", "/links/" + link, headers=mk)
    return out


def check_answers(docs):
    n = 0
    for variant in (None, "nulls", "datetimes", "escapes"):
        mock = mock_control.MockServer(behaviours=[variant] if variant else [])
        mock.start()
        try:
            answers = scenario(Client(mock))
        finally:
            mock.stop()
        for vendor, method, template, status, text in answers:
            n += 1
            where = "%s %s %s [%s]" % (vendor, method.upper(), template, variant or "plain")
            op = docs[vendor]["paths"][template][method]
            if not 200 <= status < 300:
                problem("%s: the mock answered %d %s" % (where, status, text[:200]))
                continue
            r = op["responses"].get(str(status))
            if r is None:
                problem("%s: the mock answered %d, which the document does not list" % (where, status))
                continue
            content = resolve(docs[vendor], r).get("content")
            if content is None:
                if text.strip():
                    problem("%s: the document says no body, the mock sent %r" % (where, text[:200]))
                continue
            try:
                body = json.loads(text)
            except ValueError:
                problem("%s: not JSON: %r" % (where, text[:200]))
                continue
            errs = []
            validate(docs[vendor], body, content["application/json"]["schema"], "$", variant is None, errs)
            for e in errs[:10]:
                problem("%s: %s" % (where, e))
    return n


def main():
    docs = {v: load(v) for v in DOCS}
    for v, d in docs.items():
        check_structure(v, d)
    routes = check_routes(docs)
    keys = check_decoders(docs)
    answers = check_answers(docs) if not problems else 0
    for p in problems:
        print("FAIL " + p)
    ops = sum(1 for d in docs.values() for _ in operations(d))
    print("%d operations documented, %d mock routes, %d decoder keys, %d mock answers validated: %s"
          % (ops, routes, keys, answers, "%d problem(s)" % len(problems) if problems else "consistent"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
