"""What `banklink` must print for a given API response body.

The tool prints the decoded model with the API's own field names: only the
fields banklink decodes, a field absent from the response omitted, a null
printed as null, datetimes as RFC 3339 UTC ending in `Z` (zone-less input
taken as UTC, offsets converted, a fraction only when it is non-zero).
check_output() compares the tool's parsed stdout with the body the server
sent, field by field, and names the first difference.

Shared by the end-to-end tests (test/e2e) and the conformance test
(test/conformance), where the bodies are random schema-valid data.
"""

import datetime
import re

DT = "datetime"
STR, BOOL, INT = str, bool, int

SETTINGS = {"required": BOOL, "prefetch": BOOL}
PRODUCT = {"refreshed_at": DT, "last_attempted_at": DT, "error_code": STR,
           "error_message": STR, "settings": SETTINGS}
PRODUCTS = {name: PRODUCT for name in
            ("accounts", "account_numbers", "identity", "transactions", "investments")}

HERON_LINK = {
    "item_id": STR, "status": STR, "status_message": STR, "type": STR,
    "created": DT, "last_successful_sync": DT, "last_updated": DT, "data_source_heron_id": STR}
HERON_UPDATE_LINK = {"integration_link": HERON_LINK}
HERON_CREATE_LINK = {"link": HERON_LINK}      # create-link and refresh-link
HERON_LIST = {"links": [HERON_LINK]}          # both list calls

MONEYKIT_LINK = {
    "link_id": STR, "institution_id": STR, "institution_name": STR, "provider": STR,
    "state": STR, "error_code": STR, "last_synced_at": DT, "tags": [STR],
    "products": PRODUCTS}
MONEYKIT_EXCHANGE = {"link_id": STR, "link": MONEYKIT_LINK}
MONEYKIT_LIST = {"links": [MONEYKIT_LINK]}    # every page in one document
EMPTY = {}                                    # delete commands print {}
MONEYKIT_TOKEN = {"access_token": STR, "token_type": STR, "expires_in": INT}

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def parse_datetime(text):
    """An aware UTC datetime from RFC 3339 text or a zone-less timestamp."""
    m = re.match(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", text)
    if not m:
        raise ValueError("not a datetime: %r" % text)
    zone = m.group(4)
    if zone in ("Z", "z", ""):
        zone = "+00:00"
    frac = (m.group(3) or ".0")[1:]
    micros = int((frac + "000000")[:6])
    base = datetime.datetime.fromisoformat("%sT%s%s" % (m.group(1), m.group(2), zone))
    return (base + datetime.timedelta(microseconds=micros)).astimezone(datetime.timezone.utc), \
        int(frac) != 0


class Mismatch(AssertionError):
    pass


def _check_datetime(out, sent, where):
    if not isinstance(out, str) or not RFC3339_UTC.match(out):
        raise Mismatch("%s: %r is not RFC 3339 UTC ending in Z (sent %r)" % (where, out, sent))
    want, has_fraction = parse_datetime(sent)
    got, _ = parse_datetime(out)
    if got != want:
        raise Mismatch("%s: printed %r, sent %r (%s UTC)" % (where, out, sent, want.isoformat()))
    if has_fraction != ("." in out):
        raise Mismatch("%s: printed %r for %r: fraction must appear only when non-zero"
                       % (where, out, sent))


def check_output(out, sent, schema, where="$"):
    """Raise Mismatch unless @out is what banklink should print for @sent."""
    if sent is None:
        if out is not None:
            raise Mismatch("%s: sent null, printed %r" % (where, out))
        return
    if isinstance(schema, dict):
        if not isinstance(out, dict):
            raise Mismatch("%s: printed %r, expected an object" % (where, out))
        want_keys = {k for k in schema if k in sent}
        if set(out) != want_keys:
            raise Mismatch("%s: printed keys %s, expected %s (decoded fields present in the "
                           "response, nothing else)" % (where, sorted(out), sorted(want_keys)))
        for k in want_keys:
            check_output(out[k], sent[k], schema[k], "%s.%s" % (where, k))
    elif isinstance(schema, list):
        if not isinstance(out, list) or len(out) != len(sent):
            raise Mismatch("%s: printed %r, sent %r" % (where, out, sent))
        for i, (o, s) in enumerate(zip(out, sent)):
            check_output(o, s, schema[0], "%s[%d]" % (where, i))
    elif schema == DT:
        _check_datetime(out, sent, where)
    else:
        if type(out) is not schema or out != sent:
            raise Mismatch("%s: printed %r, sent %r" % (where, out, sent))


def check_shape(out, schema, where="$"):
    """Raise Mismatch unless @out has @schema's shape: only known keys, each
    value of its type or null, datetimes as RFC 3339 UTC. For answers whose
    body is not known to the test (random data it did not see)."""
    if out is None:
        return
    if isinstance(schema, dict):
        if not isinstance(out, dict):
            raise Mismatch("%s: printed %r, expected an object" % (where, out))
        extra = set(out) - set(schema)
        if extra:
            raise Mismatch("%s: printed fields banklink does not decode: %s" % (where, sorted(extra)))
        for k, v in out.items():
            check_shape(v, schema[k], "%s.%s" % (where, k))
    elif isinstance(schema, list):
        if not isinstance(out, list):
            raise Mismatch("%s: printed %r, expected a list" % (where, out))
        for i, v in enumerate(out):
            check_shape(v, schema[0], "%s[%d]" % (where, i))
    elif schema == DT:
        if not isinstance(out, str) or not RFC3339_UTC.match(out):
            raise Mismatch("%s: %r is not RFC 3339 UTC ending in Z" % (where, out))
        parse_datetime(out)
    elif type(out) is not schema:
        raise Mismatch("%s: printed %r, expected %s" % (where, out, schema.__name__))
