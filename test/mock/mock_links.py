"""The link life cycle in the mock: Heron Integration Links and MoneyKit links.

State lives in mock_server.State (one lock guards it; handlers run under
it), so create -> list -> refresh -> delete -> list is consistent, and so
is exchange -> get -> list -> delete -> get:

* Heron: end users (by your end_user_id or Heron's heron_id), integrations
  (fixed ids, see HERON_INTEGRATIONS and --heron-integration), and their
  links. A delete soft-deletes: the links disappear from every list and
  can be created again.
* MoneyKit: the links made by exchange-token or seeded, walked with an
  opaque cursor. GET /links answers {"links": [...], "next_cursor": "..."},
  the shape of MoneyKit's SDK model GetLinksResponse
  (test/conformance/moneykit.openapi.json).

Importing this module appends its routes to mock_apis.ROUTES.
"""

import base64
import datetime
import hashlib
import json
import secrets
import urllib.parse

import mock_apis as apis
from mock_apis import HERON, MONEYKIT, Reply, Route, SEGMENT, vendor_error

# Integrations the mock knows (heron_id -> link type); --heron-integration adds more.
HERON_INTEGRATIONS = {"int_mock_assets": "plaid_assets_report", "int_mock_plaid": "plaid_integration"}
HERON_STATUSES = ("pending", "active", "syncing", "erroring", "sync_disabled", "deleted_in_plaid")
CREATE_FIELDS = ("item_id", "end_user_id", "access_token", "end_user_name", "asset_report_token")

# Seeded lists (--heron-links / --moneykit-links and POST /__mock/seed).
BULK_END_USER = "end-user-bulk"
BULK_INTEGRATION = "int_mock_assets"

MONEYKIT_DEFAULT_PAGE = 50


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def _hash_id(prefix, *parts, n=20):
    return prefix + hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:n]


def parse_query(query):
    """The query string as a dict, percent-decoded like path segments ('+'
    stays '+'). Raises ValueError for a repeated name or bad UTF-8."""
    out = {}
    if not query:
        return out
    for part in query.split("&"):
        name, _, value = part.partition("=")
        name = urllib.parse.unquote(name, errors="strict")
        value = urllib.parse.unquote(value, errors="strict")
        if name in out:
            raise ValueError("query parameter %s given twice" % name)
        out[name] = value
    return out


# ---------------------------------------------------------------- Heron state

def heron_integrations(st):
    out = dict(HERON_INTEGRATIONS)
    for spec in getattr(st.opts, "heron_integration", None) or []:
        hid, _, kind = spec.partition(":")
        out[hid] = kind or "plaid_assets_report"
    return out


def heron_end_user(st, ident, create_name=None, create=False):
    """The end user known by @ident (end_user_id or heron_id), or None."""
    user = st.heron_end_users.get(ident)
    if user is None:
        user = next((u for u in st.heron_end_users.values() if u["heron_id"] == ident), None)
    if user is None and create:
        user = {"end_user_id": ident, "heron_id": _hash_id("eu_", ident), "name": create_name}
        st.heron_end_users[ident] = user
    return user


def heron_add_link(st, integration, end_user_id, item_id, access_token, end_user_name=None, **fields):
    """Create (or bring back from soft-deletion) a link; returns its record."""
    user = heron_end_user(st, end_user_id, end_user_name, create=True)
    if end_user_name:
        user["name"] = end_user_name
    key = (integration, item_id)
    now = _now()
    rec = {
        "integration": integration, "item_id": item_id, "end_user_id": user["end_user_id"],
        "access_token": access_token, "status": "pending", "status_message": None,
        "type": heron_integrations(st).get(integration, "plaid_assets_report"),
        "created": now, "last_updated": now, "last_successful_sync": None,
        "heron_id": _hash_id("itl_", integration, item_id),
        "data_source_heron_id": _hash_id("ds_", integration, item_id),
        "deleted": False, "seq": st.heron_seq,
    }
    rec.update(fields)
    st.heron_seq += 1
    st.heron_links[key] = rec
    return rec


def heron_wire_link(rec, new=False):
    """The link as Heron serves it, plus keys banklink does not read (one of
    them a nested "links" array, which a list reader must not mistake for
    the top-level one)."""
    link = {"heron_id": rec["heron_id"], "item_id": rec["item_id"], "status": rec["status"],
            "type": rec["type"], "created": rec["created"], "last_updated": rec["last_updated"],
            "last_successful_sync": rec["last_successful_sync"],
            "metadata": {"source": "mock", "links": [{"item_id": "not-a-link"}], "n": [1, 2.5e3, None]}}
    if rec["status_message"] is not None:
        link["status_message"] = rec["status_message"]
    for name in rec.get("omit", ()):
        link.pop(name, None)
    if new:
        link["data_source_heron_id"] = rec["data_source_heron_id"]
    return link


def heron_seed(st, count, end_user_id=BULK_END_USER, integration=BULK_INTEGRATION, prefix="bulk-item-"):
    """@count active-ish links for one end user, of varied shapes."""
    for i in range(count):
        fields = {"status": HERON_STATUSES[i % len(HERON_STATUSES)],
                  "created": "2020-01-%02dT%02d:00:00Z" % (1 + i % 28, i % 24),
                  "last_updated": "2021-06-01T12:00:00.%03d+02:00" % (i % 1000),
                  "last_successful_sync": None if i % 5 == 0 else "2021-06-01T10:00:00Z"}
        if fields["status"] == "erroring":
            fields["status_message"] = apis.SEED_STATUS_MESSAGE
        if i % 97 == 3:
            fields["status_message"] = apis.ESCAPES_TEXT
        if i % 11 == 7:
            fields["omit"] = ("last_successful_sync", "type")
        heron_add_link(st, integration, end_user_id, "%s%05d" % (prefix, i),
                       "access-seed-%d" % i, "Bulk Corp", **fields)


# ---------------------------------------------------------------- Heron API

def _heron_integration(st, hid):
    if hid not in heron_integrations(st):
        return vendor_error(HERON, 404, "Integration %r not found" % hid)
    return None


def _heron_query_user(st, req, hid):
    """(end user, None) from ?end_user_id_or_heron_id=, or (None, error)."""
    try:
        query = parse_query(req.query)
    except (ValueError, UnicodeDecodeError) as e:
        return None, vendor_error(HERON, 400, "Bad query string: %s" % e)
    ident = query.get("end_user_id_or_heron_id")
    if not ident:
        return None, vendor_error(HERON, 400,
                                  "end_user_id_or_heron_id: Missing data for required field.")
    user = heron_end_user(st, ident)
    if user is None:
        return None, vendor_error(HERON, 404, "End user %r not found" % ident)
    return user, None


def _heron_list(links):
    # oversize: grows the first link, to show that one element must fit.
    return Reply(200, {"links": [heron_wire_link(r) for r in links],
                       "request_id": secrets.token_hex(8)}, HERON,
                 pad=("links", 0, "status_message") if links else None)


def heron_list_end_user_links(st, req, params):
    err = apis.heron_check_key(st, req)
    if err:
        return err
    user = heron_end_user(st, params["end_user"])
    if user is None:
        return vendor_error(HERON, 404, "End user %r not found" % params["end_user"])
    links = sorted((r for r in st.heron_links.values()
                    if r["end_user_id"] == user["end_user_id"] and not r["deleted"]),
                   key=lambda r: r["seq"])
    return _heron_list(links)


def heron_list_integration_links(st, req, params):
    err = apis.heron_check_key(st, req) or _heron_integration(st, params["heron_id"])
    if err:
        return err
    user, err = _heron_query_user(st, req, params["heron_id"])
    if err:
        return err
    links = sorted((r for r in st.heron_links.values()
                    if r["integration"] == params["heron_id"]
                    and r["end_user_id"] == user["end_user_id"] and not r["deleted"]),
                   key=lambda r: r["seq"])
    return _heron_list(links)


def heron_create_link(st, req, params):
    err = apis.heron_check_key(st, req) or _heron_integration(st, params["heron_id"])
    if err:
        return err
    if apis.media_type(req) != "application/json":
        return vendor_error(HERON, 400, "Content-Type must be application/json")
    body = apis.json_body(req)
    if body is None:
        return vendor_error(HERON, 400, "The request body is not a JSON object")
    unknown = sorted(set(body) - set(CREATE_FIELDS))
    if unknown:
        return vendor_error(HERON, 400, "%s: Unknown field." % unknown[0])
    for name in ("item_id", "end_user_id", "access_token"):
        if not isinstance(body.get(name), str) or not body[name]:
            return vendor_error(HERON, 400, "%s: Missing data for required field." % name)
    if "end_user_name" in body and not isinstance(body["end_user_name"], str):
        return vendor_error(HERON, 400, "end_user_name: Not a valid string.")
    if body.get("asset_report_token") is not None and not isinstance(body["asset_report_token"], str):
        return vendor_error(HERON, 400, "asset_report_token: Not a valid string.")
    old = st.heron_links.get((params["heron_id"], body["item_id"]))
    if old is not None and not old["deleted"]:
        return vendor_error(HERON, 409, "Integration link %r already exists" % body["item_id"])
    rec = heron_add_link(st, params["heron_id"], body["end_user_id"], body["item_id"],
                         body["access_token"], body.get("end_user_name"))
    return Reply(201, {"link": heron_wire_link(rec, new=True)}, HERON)


def heron_refresh_link(st, req, params):
    err = apis.heron_check_key(st, req) or _heron_integration(st, params["heron_id"])
    if err:
        return err
    rec = st.heron_links.get((params["heron_id"], params["item_id"]))
    if rec is None or rec["deleted"]:
        return vendor_error(HERON, 404, "Integration link %r not found" % params["item_id"])
    rec["status"] = "syncing"
    rec["last_updated"] = _now()
    return Reply(200, {"link": heron_wire_link(rec)}, HERON)


def heron_delete_links(st, req, params):
    err = apis.heron_check_key(st, req) or _heron_integration(st, params["heron_id"])
    if err:
        return err
    user, err = _heron_query_user(st, req, params["heron_id"])
    if err:
        return err
    for rec in st.heron_links.values():
        if rec["integration"] == params["heron_id"] and rec["end_user_id"] == user["end_user_id"]:
            rec["deleted"] = True
            rec["status"] = "sync_disabled"
    return Reply(204, None, HERON)


# ---------------------------------------------------------------- MoneyKit

def moneykit_seed(st, count, prefix="mk_bulk"):
    """@count links of varied shapes (ids in order, so pages are checkable)."""
    states = ("connected", "error", "connecting", "awaiting_token_exchange", "deleted")
    for i in range(count):
        link_id = "%s%05d" % (prefix, i)
        variants = {"nulls"} if i % 4 == 1 else {"datetimes"} if i % 4 == 2 else set()
        link = apis.moneykit_link(link_id, variants)
        if not variants:
            link["state"] = states[i % len(states)]
            link["tags"] = ["seq:%d" % i] + (["vip"] if i % 3 == 0 else [])
        if i % 89 == 5:
            link["institution_name"] = apis.ESCAPES_TEXT
        apis.moneykit_add_link(st, link_id, link)


def _encode_cursor(seq):
    raw = json.dumps({"after": seq}).encode()
    return "cur_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text):
    if not text.startswith("cur_"):
        raise ValueError("not a cursor")
    b64 = text[4:] + "=" * (-len(text[4:]) % 4)
    seq = json.loads(base64.urlsafe_b64decode(b64.encode()).decode())["after"]
    if not isinstance(seq, int):
        raise ValueError("not a cursor")
    return seq


def moneykit_list_links(st, req, params):
    err = apis.moneykit_check_auth(st, req)
    if err:
        return err
    try:
        query = parse_query(req.query)
    except (ValueError, UnicodeDecodeError) as e:
        return vendor_error(MONEYKIT, 400, "Bad query string: %s" % e)
    size_text = query.get("size")
    size = MONEYKIT_DEFAULT_PAGE
    max_size = getattr(st.opts, "moneykit_max_page_size", 1000)
    if size_text is not None:
        if not size_text.isdigit() or not 1 <= int(size_text) <= max_size:
            return vendor_error(MONEYKIT, 422, "size must be an integer from 1 to %d" % max_size)
        size = int(size_text)
    after = -1
    if query.get("cursor"):
        try:
            after = _decode_cursor(query["cursor"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return vendor_error(MONEYKIT, 400, "Invalid cursor %r" % query["cursor"][:60])
    ordered = sorted((seq, lid) for lid, seq in st.link_seq.items() if lid in st.links and seq > after)
    page = ordered[:size]
    more = len(ordered) > size
    next_cursor = _encode_cursor(page[-1][0]) if more else ("" if "nulls" not in req.variants else None)
    if query.get("cursor") and any(b.name == "repeat_cursor" for b in getattr(req, "behaviours", ())):
        next_cursor = query["cursor"]
    obj = {"links": [st.links[lid] for _, lid in page], "next_cursor": next_cursor}
    return Reply(200, obj, MONEYKIT)


ROUTES = [
    Route("GET", r"^/api/end_users/(?P<end_user>%s)/integration_links$" % SEGMENT, HERON,
          heron_list_end_user_links),
    Route("GET", r"^/api/integrations/(?P<heron_id>%s)/links$" % SEGMENT, HERON,
          heron_list_integration_links),
    Route("POST", r"^/api/integrations/(?P<heron_id>%s)/links$" % SEGMENT, HERON, heron_create_link),
    Route("DELETE", r"^/api/integrations/(?P<heron_id>%s)/links$" % SEGMENT, HERON, heron_delete_links),
    Route("POST", r"^/api/integrations/(?P<heron_id>%s)/links/(?P<item_id>%s)/refresh$"
          % (SEGMENT, SEGMENT), HERON, heron_refresh_link),
    Route("GET", r"^/links$", MONEYKIT, moneykit_list_links),
]
apis.ROUTES.extend(ROUTES)
