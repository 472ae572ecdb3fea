#!/usr/bin/env python3
"""Write the committed seed corpora and dictionaries of the fuzz targets.

    python3 test/fuzz/tools/make_corpus.py

Seeds are the real answers: the response bodies of the vendor documents
(the vendors' documented examples, copied below), the spec examples, and the bodies the
mock server (test/mock/mock_apis.py, imported) sends, each with the
variants the mock knows (extra fields, zone-less and offset timestamps,
nulls, every JSON escape) plus error bodies, chunked framing, interim 1xx
answers and the header shapes the client reads. Run it again after
changing it; it rewrites corpus/ and dict/ and leaves regressions/ alone.
"""
import json
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(FUZZ, "..", "mock"))
import mock_apis  # noqa: E402  (the mock server's own answers)
from mock_http import chunk_body  # noqa: E402

# ------------------------------------------------------------------ bodies
# Heron seed (seeds/000_*.txt): the 200 answer of PUT /api/integration_links/{item_id}.
HERON_SEED = """{
"integration_link": {
"created": "2020-01-01T00:00:00Z",
"item_id": "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op",
"last_successful_sync": "2020-01-01T00:00:00Z",
"last_updated": "2020-01-01T00:00:00Z",
"status": "active",
"status_message": "[ITEM_LOGIN_REQUIRED] the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
"type": "plaid_assets_report"
}
}
"""

# MoneyKit seed (seeds/002_*.txt): the answer of POST /link-session/exchange-token.
MONEYKIT_SEED = """{
  "link_id": "mk_eqkWN34UEoa2NxyALG8pcV",
  "link": {
    "link_id": "mk_eqkWN34UEoa2NxyALG8pcV",
    "institution_id": "chase",
    "institution_name": "Chase",
    "provider": "mx",
    "state": "connected",
    "last_synced_at": "2023-02-16T09:14:11",
    "tags": [
      "user_type:admin"
    ],
    "products": {
      "accounts": {
        "refreshed_at": "2023-02-16T09:14:11",
        "last_attempted_at": "2023-02-16T09:14:11"
      },
      "identity": {
        "refreshed_at": "2023-02-16T09:14:11",
        "last_attempted_at": "2023-02-16T09:14:11",
        "settings": {
          "required": true,
          "prefetch": false
        }
      }
    }
  }
}
"""

ITEM = "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
VARIANTS = [(), ("datetimes",), ("nulls",), ("escapes",), ("datetimes", "nulls", "escapes")]


def dumps(obj, style):
    """JSON as servers write it: compact, spaced, or indented."""
    if style == "compact":
        return json.dumps(obj, separators=(",", ":"))
    if style == "ascii":
        return json.dumps(obj, indent=1, ensure_ascii=True)
    return json.dumps(obj, indent=2, ensure_ascii=False)


def heron_links():
    out = {"seed": HERON_SEED}
    for v in VARIANTS:
        obj = {"integration_link": mock_apis.heron_link(ITEM, set(v)), "request_id": "0123456789abcdef"}
        for style in ("compact", "ascii", "pretty"):
            out["mock_%s_%s" % ("_".join(v) or "plain", style)] = dumps(obj, style)
    out["minimal"] = '{"integration_link":{}}'
    out["status_unknown"] = '{"integration_link":{"status":"paused","created":null}}'
    return out


def moneykit_exchanges():
    out = {"seed": MONEYKIT_SEED}
    for v in VARIANTS:
        link = mock_apis.moneykit_link(mock_apis.SEED_LINK_ID, set(v))
        obj = {"link_id": mock_apis.SEED_LINK_ID, "link": link}
        for style in ("compact", "ascii", "pretty"):
            out["mock_%s_%s" % ("_".join(v) or "plain", style)] = dumps(obj, style)
    many = mock_apis.moneykit_link(mock_apis.SEED_LINK_ID, set())
    many["tags"] = ["tag:%d" % i for i in range(16)]
    out["sixteen_tags"] = dumps({"link_id": mock_apis.SEED_LINK_ID, "link": many}, "compact")
    return out


def moneykit_tokens():
    base = {"access_token": "mk_at_" + "A1b2C3d4" * 5, "token_type": "bearer", "expires_in": 3600, "scope": ""}
    out = {"mock": dumps(base, "compact"), "mock_pretty": dumps(base, "pretty")}
    out["max_len"] = dumps(dict(base, access_token="t" * 1024), "compact")
    out["too_long"] = dumps(dict(base, access_token="t" * 1025), "compact")
    out["escaped"] = '{"access_token":"ab\\u0063d\\/ef","token_type":"Bearer","expires_in":0}'
    out["no_expiry"] = '{"access_token":"abcdefgh","token_type":"bearer"}'
    out["big_expiry"] = '{"access_token":"abcdefgh","token_type":"bearer","expires_in":4294967296}'
    out["long_type"] = '{"access_token":"abcdefgh","token_type":"bearer-with-a-long-name","expires_in":60}'
    return out


def heron_errors():
    out = {}
    for status, msg in ((400, "end_user.access_token: Missing data for required field."),
                        (401, "Invalid API key"), (404, None), (429, None), (500, None)):
        out["mock_%d" % status] = dumps(mock_apis.vendor_error(mock_apis.HERON, status, msg).obj, "compact")
    out["pretty_401"] = dumps(mock_apis.vendor_error(mock_apis.HERON, 401, "Invalid API key").obj, "pretty")
    out["code_string"] = '{"code":"401","description":"Unauthorized","name":"Unauthorized"}'
    out["code_null"] = '{"code":null,"description":null,"name":"x"}'
    return out


def moneykit_errors():
    out = {}
    for status in (400, 401, 404, 429, 500, 503):
        out["mock_%d" % status] = dumps(mock_apis.vendor_error(mock_apis.MONEYKIT, status).obj, "compact")
    out["expired"] = dumps(mock_apis.vendor_error(mock_apis.MONEYKIT, 401, "The access token expired",
                                                  "api_error.auth.expired_access_token").obj, "pretty")
    out["exchanged"] = dumps(mock_apis.vendor_error(mock_apis.MONEYKIT, 400,
                                                    "The exchangeable token was already exchanged",
                                                    "link_session_error.invalid_token_exchange").obj, "compact")
    return out


def json_edge_cases():
    return {
        "empty_object": "{}",
        "nested": '{"a":{"b":[1,2.5e3,-0,true,false,null,{"c":["x",{}]}]}}',
        "deep": "{\"a\":" + "[" * 40 + "]" * 40 + "}",
        "numbers": '{"i":9223372036854775807,"j":-9223372036854775808,"k":9223372036854775808,"f":1.5E-3}',
        "strings": '{"tags":["a","","\\u00e9","\\ud83d\\ude00"],"s":"\\"\\\\\\/\\b\\f\\n\\r\\t"}',
        "dup_keys": '{"status":"a","status":"b","code":1,"code":2}',
        "timestamps": '{"created":"2020-01-01T00:00:00Z","last_updated":"1969-12-31T23:59:58.000+00:00"}',
    }


def escaped(text):
    """The bytes between the quotes of @text written as a JSON string."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def unescape_cases():
    out = {
        "plain": "mk_eqkWN34UEoa2NxyALG8pcV",
        "escapes_text": escaped(mock_apis.ESCAPES_TEXT),
        "escapes_ascii": json.dumps(mock_apis.ESCAPES_TEXT, ensure_ascii=True)[1:-1],
        "all_short": '\\"\\\\\\/\\b\\f\\n\\r\\t',
        "surrogate_pair": "x\\ud83d\\ude00y",
        "upper_hex": "\\u00E9\\uD83D\\uDE00",
        "bmp_max": "\\uffff\\u0800\\u07ff\\u0080\\u007f",
        "lone_high": "\\ud83d",
        "lone_low": "\\ude00",
        "truncated_u": "\\u12",
        "trailing_backslash": "abc\\",
        "nul_escape": "\\u0000",
        "bad_escape": "\\x41",
        "status_message": escaped(mock_apis.SEED_STATUS_MESSAGE),
    }
    return out


def datetime_cases():
    return {
        "heron": "2020-01-01T00:00:00Z",
        "moneykit_zoneless": "2023-02-16T09:14:11",
        "fraction": "2023-02-16T09:14:11.125",
        "offset": "2019-12-31T22:30:00-01:30",
        "offset_plus": "2023-02-16T10:14:11+01:00",
        "before_1970": "1969-12-31T23:59:58.000+00:00",
        "moon": "1969-07-20T20:17:40Z",
        "leap_second": "2016-12-31T23:59:60Z",
        "year_zero": "0000-01-01T00:00:00Z",
        "year_max": "9999-12-31T23:59:59.999999999Z",
        "nanos_long": "2020-01-01T00:00:00.1234567891234Z",
        "lower_t_space": "2024-02-29 12:00:00z",
        "feb29_nonleap": "2023-02-29T00:00:00Z",
        "imf_fixdate": "Sun, 06 Nov 1994 08:49:37 GMT",
        "rfc850": "Sunday, 06-Nov-94 08:49:37 GMT",
        "asctime": "Sun Nov  6 08:49:37 1994",
        "asctime_2digit": "Thu Feb 29 23:59:60 2024",
        "imf_year_max": "Fri, 31 Dec 9999 23:59:59 GMT",
    }


# ------------------------------------------------------------------ HTTP
def response(status, reason, headers, body=b"", version="1.1", eol=b"\r\n"):
    head = ("HTTP/%s %d %s" % (version, status, reason)).encode() + eol
    for k, v in headers:
        head += ("%s: %s" % (k, v)).encode() + eol
    return head + eol + body


DATE = ("Date", "Sun, 06 Nov 1994 08:49:37 GMT")


def http_cases():
    heron = HERON_SEED.encode()
    mk = MONEYKIT_SEED.encode()
    herr = json.dumps(mock_apis.vendor_error(mock_apis.HERON, 401, "Invalid API key").obj).encode()
    merr = json.dumps(mock_apis.vendor_error(mock_apis.MONEYKIT, 429).obj).encode()
    json_ct = ("Content-Type", "application/json")

    def cl(b):
        return ("Content-Length", str(len(b)))

    return {
        "heron_200": response(200, "OK", [DATE, ("Server", "banklink-mock"), json_ct, cl(heron)], heron),
        "moneykit_201": response(201, "Created", [DATE, json_ct, cl(mk)], mk),
        "chunked": response(200, "OK", [DATE, json_ct, ("Transfer-Encoding", "chunked")], chunk_body(mk)),
        "continue_then_200": response(100, "Continue", []) + response(200, "OK", [cl(heron)], heron),
        "early_hints_then_chunked": response(103, "Early Hints", [("Link", "</a>; rel=preload")]) +
        response(201, "Created", [("Transfer-Encoding", "chunked")], chunk_body(mk)),
        "no_content": response(204, "No Content", [DATE, ("Connection", "keep-alive")]),
        "not_modified": response(304, "Not Modified", [DATE, cl(heron)]),
        "heron_401_close": response(401, "Unauthorized", [json_ct, cl(herr), ("Connection", "close")], herr),
        "moneykit_429_retry_seconds": response(429, "Too Many Requests",
                                               [DATE, ("Retry-After", "2"), json_ct, cl(merr)], merr),
        "retry_after_date": response(503, "Service Unavailable",
                                     [DATE, ("Retry-After", "Sun, 06 Nov 1994 08:49:39 GMT"), cl(b"")]),
        "ratelimit": response(200, "OK", [("x-ratelimit-limit", "100"), ("x-ratelimit-remaining", "99"),
                                          ("x-ratelimit-reset", "1"), cl(heron)], heron),
        "close_delimited_http10": response(200, "OK", [json_ct], heron, version="1.0"),
        "bare_lf": response(200, "OK", [cl(heron)], heron, eol=b"\n"),
        "te_and_cl": response(200, "OK", [cl(mk), ("Transfer-Encoding", "chunked")], chunk_body(mk)),
        "keep_alive_with_extra": response(200, "OK", [cl(b"{}")], b"{}") + b"HTTP/1.1 200 OK\r\n",
        "mixed_case_headers": response(200, "OK", [("CONTENT-LENGTH", "2"), ("connection", "Keep-Alive, Upgrade")],
                                       b"{}"),
    }


def http_prefix(cap, max_piece_byte, flags):
    return struct.pack("<H", cap) + bytes([max_piece_byte, flags])


def chunked_cases():
    mk = MONEYKIT_SEED.encode()
    heron = HERON_SEED.encode()
    return {
        "moneykit": chunk_body(mk),
        "heron": chunk_body(heron),
        "single": b"%x\r\n" % len(heron) + heron + b"\r\n0\r\n\r\n",
        "empty": b"0\r\n\r\n",
        "bare_lf": b"2\n{}\n0\n\n",
        "extensions_trailers": b"1;name=value\r\n{\r\n1 ; x\r\n}\r\n0;last\r\nX-Trailer: 1\r\nY: 2\r\n\r\n",
        "leading_zeros": b"00000000000000000002\r\n{}\r\n0\r\n\r\n",
        "upper_hex": b"A\r\n0123456789\r\n0\r\n\r\n",
        "huge_size": b"fffffffffffffff\r\nx\r\n0\r\n\r\n",
        "overflow_size": b"10000000000000000\r\n",
        "missing_crlf": b"2\r\n{}0\r\n\r\n",
    }


def c_literals(path):
    """Every LIT("...") response literal of a C test file, decoded."""
    import re
    text = open(path, encoding="utf-8").read()
    out = []
    for m in re.finditer(r'LIT\(((?:\s*"(?:[^"\\]|\\.)*")+)\s*\)', text):
        raw = b""
        for part in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)):
            i = 0
            while i < len(part):
                c = part[i]
                if c != "\\":
                    raw += c.encode("utf-8")
                    i += 1
                    continue
                e = part[i + 1]
                if e == "x":
                    j = i + 2
                    while j < len(part) and part[j] in "0123456789abcdefABCDEF":
                        j += 1
                    raw += bytes([int(part[i + 2:j], 16) & 0xFF])
                    i = j
                    continue
                if e in "01234567":
                    j = i + 1
                    while j < len(part) and j < i + 4 and part[j] in "01234567":
                        j += 1
                    raw += bytes([int(part[i + 1:j], 8)])
                    i = j
                    continue
                raw += {"r": b"\r", "n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "'": b"'"}[e]
                i += 2
        out.append(raw)
    return out


def http_diff_cases():
    """Whole responses: the recorded answers above, each chunked body in a
    response, and every answer of the hostile-server unit test."""
    out = dict(http_cases())
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    for name, body in chunked_cases().items():
        out["chunked_" + name] = head + body
    unit = os.path.join(FUZZ, "..", "unit", "test_hostile_server.c")
    for i, raw in enumerate(c_literals(unit)):
        if raw.startswith(b"HTTP/") or raw.startswith(b"\r") or raw == b"":
            out["hostile_%02d" % i] = raw
    return out


def json_diff_cases(everything):
    """Object documents: the json_parse seeds plus UTF-8 edge cases."""
    out = {k: v for k, v in everything.items() if v.lstrip().startswith("{")}
    out["utf8_ok"] = '{"a":"\u00e9\u20ac\U0001f600","\u00e9":1}'
    out["utf8_escapes_and_raw"] = '{"s":"\\u00e9' + "\u00e9" + '\\ud83d\\ude00"}'
    return out


# ------------------------------------------------------------------ dictionaries
JSON_TOKENS = ['{', '}', '[', ']', ':', ',', '"', '""', 'true', 'false', 'null', '-0', '1e9', '0.5',
               '9223372036854775807', '-9223372036854775808', '4294967295', '\\"', '\\\\', '\\/',
               '\\b', '\\f', '\\n', '\\r', '\\t', '\\u', '\\u0000', '\\u00e9', '\\ud83d\\ude00', '\\ud800',
               '\\udc00', '\xc3\xa9', '\xf0\x9f\x98\x80', '\xed\xa0\x80']
TIME_TOKENS = ['2020-01-01T00:00:00Z', '2023-02-16T09:14:11', '.125', '+01:00', '-23:59', 'Z', 'T', '-02-29',
               '23:59:60', 'Sun, ', ' GMT', 'Nov', 'Feb', 'Sunday, ', '06-Nov-94', '9999', '0000']
KEYS = {
    "heron_link": ["integration_link", "item_id", "status", "status_message", "type", "created",
                   "last_successful_sync", "last_updated", "active", "pending", "syncing", "erroring",
                   "sync_disabled", "deleted_in_plaid"],
    "heron_error": ["code", "description", "name"],
    "moneykit_exchange": ["link_id", "link", "institution_id", "institution_name", "provider", "state",
                          "error_code", "last_synced_at", "tags", "products", "accounts", "account_numbers",
                          "identity", "transactions", "investments", "refreshed_at", "last_attempted_at",
                          "error_message", "settings", "required", "prefetch", "connecting",
                          "awaiting_token_exchange", "connected", "deleted", "error"],
    "moneykit_token": ["access_token", "token_type", "expires_in", "bearer"],
    "moneykit_error": ["error_code", "error_message", "documentation_url", "api_error.auth.expired_access_token"],
}
HTTP_TOKENS = ['HTTP/1.1 ', 'HTTP/1.0 ', '\r\n', '\r\n\r\n', '200 OK', '100 Continue', '204', '304', '429',
               '101', 'Content-Length: ', 'Transfer-Encoding: chunked', 'Transfer-Encoding: ', 'chunked',
               'Connection: close', 'Connection: keep-alive', 'Retry-After: ', 'Date: ',
               'Sun, 06 Nov 1994 08:49:37 GMT', 'x-ratelimit-limit: ', 'x-ratelimit-remaining: ',
               'x-ratelimit-reset: ', ': ', '999999999999999999', '18446744073709551616', '0\r\n\r\n', ';ext=1']
STRICT_TOKENS = ['\r', '\x00', '\x7f', '\x80', ' ', '\t', '@', ';a=b', ';a="x"', '"', '\\', 'HTTP/1.2 ',
                 'Transfer-Encoding: gzip', 'Connection: keep-alive, close', 'HTTP/1.1 100 Continue\r\n\r\n']
CHUNK_TOKENS = ['\r\n', '\n', '0\r\n\r\n', ';', ' ', '\t', 'ffffffffffffffff', 'FFFFFFFFFFFFFFF', '000000000000000001',
                'X-Trailer: 1\r\n', '{}', '1\r\n{\r\n']


def dict_line(token):
    out = []
    for b in token.encode("latin-1") if isinstance(token, str) else token:
        c = chr(b)
        if c == '"' or c == '\\':
            out.append('\\' + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append('\\x%02X' % b)
    return '"%s"' % "".join(out)


def write_dict(name, tokens, note):
    seen = []
    for t in tokens:
        if t not in seen:
            seen.append(t)
    with open(os.path.join(FUZZ, "dict", name + ".dict"), "w") as f:
        f.write("# %s\n# Written by tools/make_corpus.py.\n" % note)
        for t in seen:
            f.write(dict_line(t) + "\n")


# ------------------------------------------------------------------ main
def write_corpus(target, cases):
    d = os.path.join(FUZZ, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(cases.items()):
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    links, exchanges = heron_links(), moneykit_exchanges()
    tokens, herr, merr = moneykit_tokens(), heron_errors(), moneykit_errors()
    write_corpus("heron_link", links)
    write_corpus("moneykit_exchange", exchanges)
    write_corpus("moneykit_token", tokens)
    write_corpus("heron_error", herr)
    write_corpus("moneykit_error", merr)
    everything = dict(json_edge_cases())
    for prefix, group in (("heron_link", links), ("moneykit_exchange", exchanges), ("token", tokens),
                          ("heron_error", herr), ("moneykit_error", merr)):
        for name, body in group.items():
            everything[prefix + "_" + name] = body
    write_corpus("json_parse", everything)
    write_corpus("json_unescape", unescape_cases())
    write_corpus("datetime", datetime_cases())

    # Each response with a few buffer sizes and read patterns: the real
    # work-buffer sizes with one-byte and larger pieces, a tight buffer, a
    # HEAD request.
    http = {}
    for name, raw in http_cases().items():
        http[name + "_4096_bytewise"] = http_prefix(4096, 0, 0x00) + raw
        http[name + "_3072_pieces"] = http_prefix(3072, 40, 0x52) + raw
        http[name + "_2048_large"] = http_prefix(2048, 255, 0x10) + raw
    http["heron_200_tight_256"] = http_prefix(256, 3, 0x22) + http_cases()["heron_200"]
    http["heron_200_head"] = http_prefix(4096, 10, 0x01) + http_cases()["heron_200"]
    write_corpus("http_reader", http)
    write_corpus("http_chunked", chunked_cases())
    write_corpus("http_diff", http_diff_cases())
    write_corpus("json_diff", json_diff_cases(everything))

    os.makedirs(os.path.join(FUZZ, "dict"), exist_ok=True)
    write_dict("http_reader", HTTP_TOKENS + JSON_TOKENS[:12], "HTTP response syntax and the headers the reader acts on.")
    write_dict("http_chunked", CHUNK_TOKENS, "Chunked transfer coding.")
    write_dict("json_unescape", JSON_TOKENS, "JSON string escapes and UTF-8.")
    write_dict("json_parse", JSON_TOKENS + [k for keys in KEYS.values() for k in keys] + TIME_TOKENS[:8],
               "JSON syntax and the keys the decoders read.")
    write_dict("datetime", TIME_TOKENS, "RFC 3339 and HTTP date pieces.")
    write_dict("http_diff", HTTP_TOKENS + CHUNK_TOKENS + STRICT_TOKENS,
               "HTTP response syntax, chunked framing and the bytes the strict rules refuse.")
    write_dict("json_diff", JSON_TOKENS + ['01', '1.', '1.e5', '\xef\xbb\xbf', '\xc0\x80', '\xf4\x90\x80\x80', '\x0b'],
               "JSON syntax, UTF-8 and what cJSON reads differently.")
    for target, keys in KEYS.items():
        extra = TIME_TOKENS[:8] if target in ("heron_link", "moneykit_exchange") else []
        write_dict(target, JSON_TOKENS + ['"%s":' % k for k in keys] + keys + extra,
                   "JSON syntax and the keys of this answer.")
    for reg in ["http_reader", "http_chunked", "json_unescape", "json_parse", "datetime", "heron_link",
                "heron_error", "moneykit_exchange", "moneykit_token", "moneykit_error", "http_diff", "json_diff"]:
        d = os.path.join(FUZZ, "regressions", reg)
        os.makedirs(d, exist_ok=True)
        keep = os.path.join(d, ".gitkeep")
        if not os.listdir(d):
            open(keep, "w").close()


if __name__ == "__main__":
    main()
