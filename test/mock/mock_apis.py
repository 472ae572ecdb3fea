"""The two APIs the mock server plays: routes, request validation, answers.

Heron Data and MoneyKit paths do not overlap, so one routing table serves
both. Each route names its vendor so that errors come back in that vendor's
own format, whoever produced them (validation here, or a behaviour such as
`error:404` in mock_server.py).

A handler gets (state, request, params) and returns a Reply. It validates
the request the way the real API would and is the only place that changes
API state (issued tokens, exchanged tokens, links).

To add an endpoint: write a handler and append a Route to ROUTES.
"""

import base64
import hashlib
import hmac
import http
import json
import re
import secrets
import time
import urllib.parse

HERON = "heron"
MONEYKIT = "moneykit"

MONEYKIT_VERSION = "2023-02-18"
MONEYKIT_DOCS = "https://docs.moneykit.com/errors"

# Seed values: the examples of the vendors' public API documentation
# (test/conformance/*.openapi.json carries them too).
SEED_STATUS_MESSAGE = (
    "[ITEM_LOGIN_REQUIRED] the login details of this item have changed "
    "(credentials, MFA, or required user action) and a user login is required "
    "to update this information. use Link's update mode to restore the item "
    "to a good state")
SEED_EXCHANGEABLE_TOKEN = "c7318ff7-257c-490e-8242-03a815b223b7"
SEED_LINK_ID = "mk_eqkWN34UEoa2NxyALG8pcV"

# A string that exercises every JSON escape the reader must undo.
# "<slash>" is written on the wire as the optional escape "\/".
ESCAPES_TEXT = ('caf\u00e9 \U0001F600 "quoted" back\\slash tab\t nl\n '
                'cr\r ctrl\u0001\u001f del\u007f <slash> \u2028 end')

MONEYKIT_ERROR_CODES = {
    400: "api_error.request.invalid",
    401: "api_error.auth.unauthorized",
    403: "api_error.auth.forbidden",
    404: "api_error.resource.not_found",
    405: "api_error.request.method_not_allowed",
    409: "api_error.request.conflict",
    422: "api_error.request.validation",
    429: "api_error.rate_limit_exceeded",
    500: "api_error.internal_server_error",
    502: "api_error.bad_gateway",
    503: "api_error.service_unavailable",
    504: "api_error.gateway_timeout",
}


def reason(status):
    """HTTP reason phrase of @status ("Unknown" for unregistered codes)."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class Reply:
    """An API answer before the behaviours shape it on the wire.

    obj is JSON-serialisable (or None for an empty body); pad names the
    string field that `oversize:` grows, as a tuple of keys.
    """

    def __init__(self, status, obj, vendor, headers=None, pad=None):
        self.status = status
        self.obj = obj
        self.vendor = vendor
        self.headers = list(headers or [])
        self.pad = pad


def vendor_error(vendor, status, message=None, code=None):
    """An error body in @vendor's format."""
    if vendor == HERON:
        obj = {"code": status,
               "description": message or reason(status),
               "name": reason(status)}
        return Reply(status, obj, HERON, pad=("description",))
    code = code or MONEYKIT_ERROR_CODES.get(status, "api_error.http_%d" % status)
    obj = {"error_code": code,
           "error_message": message or reason(status),
           "documentation_url": "%s#%s" % (MONEYKIT_DOCS, code)}
    return Reply(status, obj, MONEYKIT, pad=("error_message",))


# werkzeug's text for 422, which Heron's {code, description, name} errors use.
UNPROCESSABLE_TEXT = "The request was well-formed but was unable to be followed due to semantic errors."


def heron_validation_error(location, fields):
    """Heron's 422 for a request that parses but fails the schema: the usual
    error keys plus `errors` {location: {field: [messages]}} (webargs'
    shape, which banklink does not decode and must skip)."""
    obj = {"code": 422, "description": UNPROCESSABLE_TEXT, "name": reason(422),
           "errors": {location: fields}}
    return Reply(422, obj, HERON, pad=("description",))


def media_type(req):
    return req.header("content-type", "").split(";")[0].strip().lower()


def json_body(req):
    """The body as a JSON object, or None when it is not one."""
    try:
        obj = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def _link_id_for(token):
    if token == SEED_EXCHANGEABLE_TOKEN:
        return SEED_LINK_ID
    digest = hashlib.sha256(token.encode("utf-8")).digest()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    n = int.from_bytes(digest[:16], "big")
    out = ""
    while len(out) < 22:
        n, r = divmod(n, 62)
        out += alphabet[r]
    return "mk_" + out


# ---------------------------------------------------------------- Heron

def heron_link(item_id, variants):
    """The integration_link object, with keys banklink does not read."""
    link = {
        "heron_id": "itl_" + hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:20],
        "created": "2020-01-01T00:00:00Z",
        "item_id": item_id,
        "last_successful_sync": "2020-01-01T00:00:00Z",
        "last_updated": "2020-01-01T00:00:00Z",
        "metadata": {"source": "mock", "nested": [1, 2.5e3, True, None, {"deep": ["x", {}]}]},
        "status": "active",
        "status_message": SEED_STATUS_MESSAGE,
        "type": "plaid_assets_report",
        "end_user_id": "8d18511d-9d6e-4731-b135-260950ddad0c",
    }
    if "datetimes" in variants:
        link["created"] = "2019-12-31T22:30:00-01:30"
        link["last_successful_sync"] = "2020-01-01T00:00:00.250Z"
        link["last_updated"] = "1969-12-31T23:59:58.000+00:00"
    if "nulls" in variants:
        del link["status_message"]
        link["type"] = None
        link["last_successful_sync"] = None
        link["status"] = "sync_paused_by_mock"   # open enum: unknown value
    if "escapes" in variants:
        link["status_message"] = ESCAPES_TEXT
    return link


def heron_check_key(st, req):
    """None when the x-api-key header is right, else the error."""
    key = req.header("x-api-key")
    if key is None:
        return vendor_error(HERON, 401, "Missing API key (x-api-key header)")
    if not hmac.compare_digest(key.encode("utf-8", "surrogateescape"),
                               st.opts.heron_api_key.encode("utf-8")):
        return vendor_error(HERON, 401, "Invalid API key")
    return None


def heron_update_link(st, req, params):
    err = heron_check_key(st, req)
    if err:
        return err
    if media_type(req) != "application/json":
        return vendor_error(HERON, 400, "Content-Type must be application/json")
    body = json_body(req)
    if body is None:
        return vendor_error(HERON, 400, "The request body is not a JSON object")
    end_user = body.get("end_user")
    token = end_user.get("access_token") if isinstance(end_user, dict) else None
    if token is not None and not isinstance(token, str):
        return heron_validation_error("json", {"end_user": {"access_token": ["Not a valid string."]}})
    if not isinstance(token, str) or not token:
        return vendor_error(HERON, 400, "end_user.access_token: Missing data for required field.")
    obj = {"integration_link": heron_link(params["item_id"], req.variants),
           "request_id": secrets.token_hex(8)}
    return Reply(200, obj, HERON, pad=("integration_link", "status_message"))


# ---------------------------------------------------------------- MoneyKit

def moneykit_link(link_id, variants):
    """The link object of the exchange seed, plus keys banklink does not read."""
    link = {
        "link_id": link_id,
        "institution_id": "chase",
        "institution_name": "Chase",
        "institution_avatar": None,
        "provider": "mx",
        "state": "connected",
        "error_code": None,
        "last_synced_at": "2023-02-16T09:14:11",
        "tags": ["user_type:admin", "team:ops"],
        "products": {
            "accounts": {
                "refreshed_at": "2023-02-16T09:14:11",
                "last_attempted_at": "2023-02-16T09:14:11",
            },
            "identity": {
                "refreshed_at": "2023-02-16T09:14:11",
                "last_attempted_at": "2023-02-16T09:14:11",
                "settings": {"required": True, "prefetch": False},
            },
            "transactions": None,
            "investments": {
                "refreshed_at": None,
                "last_attempted_at": "2023-02-16T09:14:11",
                "error_code": "provider_error",
                "error_message": "The provider did not answer",
                "settings": {"required": False, "prefetch": True, "extra": 1},
                "unknown_product_field": {"a": [1, 2]},
            },
        },
        "connection_metadata": {"mock": True},
    }
    products = link["products"]
    if "datetimes" in variants:
        link["last_synced_at"] = "2023-02-16T09:14:11.125"
        products["accounts"]["refreshed_at"] = "2023-02-16T10:14:11+01:00"
        products["accounts"]["last_attempted_at"] = "2023-02-16T09:14:11.000Z"
        products["identity"]["refreshed_at"] = "1969-07-20T20:17:40Z"
    if "nulls" in variants:
        link["last_synced_at"] = None
        link["tags"] = None
        link["error_code"] = "auth_expired"
        link["state"] = "awaiting_mock_review"   # open enum: unknown value
        products["accounts"] = None
        products["identity"]["settings"] = None
        del products["investments"]
    if "escapes" in variants:
        link["institution_name"] = ESCAPES_TEXT
    return link


def _mk_client_credentials(req, form):
    """(client_id, client_secret) from the form or HTTP Basic auth."""
    cid, secret = form.get("client_id"), form.get("client_secret")
    auth = req.header("authorization", "")
    if cid is None and auth[:6].lower() == "basic ":
        try:
            raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            cid, _, secret = raw.partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        cid, secret = urllib.parse.unquote(cid), urllib.parse.unquote(secret)
    return cid, secret


def moneykit_auth_token(st, req, params):
    if media_type(req) != "application/x-www-form-urlencoded":
        return vendor_error(MONEYKIT, 400, "Content-Type must be application/x-www-form-urlencoded")
    try:
        pairs = urllib.parse.parse_qsl(req.body.decode("utf-8"), keep_blank_values=True,
                                       strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return vendor_error(MONEYKIT, 400, "The form body is malformed")
    form = {}
    for k, v in pairs:
        if k in form:
            return vendor_error(MONEYKIT, 400, "Parameter %s given twice" % k)
        form[k] = v
    if form.get("grant_type") != "client_credentials":
        return vendor_error(MONEYKIT, 400, "grant_type must be client_credentials")
    cid, secret = _mk_client_credentials(req, form)
    if (cid is None or secret is None
            or not hmac.compare_digest(cid.encode(), st.opts.moneykit_client_id.encode())
            or not hmac.compare_digest(secret.encode(), st.opts.moneykit_client_secret.encode())):
        return vendor_error(MONEYKIT, 401, "Invalid client credentials")
    token = "mk_at_" + secrets.token_urlsafe(32)
    lifetime = st.opts.moneykit_token_lifetime
    st.issued_tokens.append(token)
    st.token_expiry[token] = time.monotonic() + lifetime
    obj = {"access_token": token, "token_type": "bearer", "expires_in": lifetime,
           "scope": form.get("scope", "")}
    return Reply(201, obj, MONEYKIT, pad=("scope",))


EXPIRED_TOKEN = "api_error.auth.expired_access_token"


def moneykit_check_auth(st, req):
    """None when the bearer token and version header are valid, else the error.

    An issued token past its lifetime (--moneykit-token-lifetime) answers
    401 api_error.auth.expired_access_token, as does any valid token while
    the behaviour expire_token[:N] has calls left (the token then stays
    expired, so a client that repeats the call without renewing fails).
    """
    auth = req.header("authorization")
    if auth is None or auth[:7].lower() != "bearer ":
        return vendor_error(MONEYKIT, 401, "Missing bearer token")
    token = auth[7:].strip()
    if token != st.opts.moneykit_static_token and token not in st.issued_tokens:
        return vendor_error(MONEYKIT, 401, "Invalid or expired access token")
    expiry = st.token_expiry.get(token)
    if expiry is not None and time.monotonic() >= expiry:
        return vendor_error(MONEYKIT, 401, "The access token has expired", code=EXPIRED_TOKEN)
    force = next((b for b in getattr(req, "behaviours", ())
                  if b.name == "expire_token" and b.remaining > 0), None)
    if force is not None:
        force.remaining -= 1
        if token in st.token_expiry:
            st.token_expiry[token] = time.monotonic()
        return vendor_error(MONEYKIT, 401, "The access token has expired (mock: expire_token)",
                            code=EXPIRED_TOKEN)
    version = req.header("moneykit-version")
    if version is None:
        return vendor_error(MONEYKIT, 400, "The moneykit-version header is required")
    if version.strip() != MONEYKIT_VERSION:
        return vendor_error(MONEYKIT, 400, "Unsupported moneykit-version %r" % version)
    return None


def moneykit_add_link(st, link_id, link):
    """Store a link; lists walk links in the order they were added."""
    st.links[link_id] = link
    if link_id not in st.link_seq:
        st.link_seq[link_id] = st.next_link_seq
        st.next_link_seq += 1


def moneykit_exchange_token(st, req, params):
    err = moneykit_check_auth(st, req)
    if err:
        return err
    if media_type(req) != "application/json":
        return vendor_error(MONEYKIT, 400, "Content-Type must be application/json")
    body = json_body(req)
    if body is None:
        return vendor_error(MONEYKIT, 400, "The request body is not a JSON object")
    token = body.get("exchangeable_token")
    if not isinstance(token, str) or not token or set(body) != {"exchangeable_token"}:
        return vendor_error(MONEYKIT, 400,
                            "The body must be {\"exchangeable_token\": string} and nothing else")
    if token in st.exchanged_tokens:
        return vendor_error(MONEYKIT, 400, "The exchangeable token was already exchanged",
                            code="link_session_error.invalid_token_exchange")
    link_id = _link_id_for(token)
    link = moneykit_link(link_id, req.variants)
    st.exchanged_tokens[token] = link_id
    moneykit_add_link(st, link_id, link)
    obj = {"link_id": link_id, "link": link, "request_id": secrets.token_hex(8)}
    return Reply(201, obj, MONEYKIT, pad=("link", "institution_name"))


def moneykit_get_link(st, req, params):
    err = moneykit_check_auth(st, req)
    if err:
        return err
    link = st.links.get(params["id"])
    if link is None:
        return vendor_error(MONEYKIT, 404, "No link %r" % params["id"],
                            code="api_error.link.not_found")
    return Reply(200, link, MONEYKIT, pad=("institution_name",))


def moneykit_delete_link(st, req, params):
    err = moneykit_check_auth(st, req)
    if err:
        return err
    st.link_seq.pop(params["id"], None)
    if st.links.pop(params["id"], None) is None:
        return vendor_error(MONEYKIT, 404, "No link %r" % params["id"],
                            code="api_error.link.not_found")
    return Reply(200, None, MONEYKIT)


class Route:
    """METHOD + path regex (on the raw, still percent-encoded path)."""

    def __init__(self, method, pattern, vendor, handler):
        self.method = method
        self.regex = re.compile(pattern)
        self.vendor = vendor
        self.handler = handler


SEGMENT = r"[^/]+"
ROUTES = [
    Route("PUT", r"^/api/integration_links/(?P<item_id>%s)$" % SEGMENT, HERON, heron_update_link),
    Route("POST", r"^/auth/token$", MONEYKIT, moneykit_auth_token),
    Route("POST", r"^/link-session/exchange-token$", MONEYKIT, moneykit_exchange_token),
    Route("GET", r"^/links/(?P<id>%s)$" % SEGMENT, MONEYKIT, moneykit_get_link),
    Route("DELETE", r"^/links/(?P<id>%s)$" % SEGMENT, MONEYKIT, moneykit_delete_link),
]


def vendor_of_path(path):
    """Which vendor's error format an unrouted path gets."""
    return HERON if path.startswith("/api/") else MONEYKIT


def match(method, path):
    """(route, params) for a raw path, or (None, methods the path allows).

    Path parameters are percent-decoded as strict UTF-8; a parameter that is
    not valid UTF-8 once decoded leaves the path unmatched.
    """
    allowed = []
    for r in ROUTES:
        m = r.regex.match(path)
        if not m:
            continue
        if r.method != method:
            allowed.append(r.method)
            continue
        try:
            params = {k: urllib.parse.unquote(v, errors="strict")
                      for k, v in m.groupdict().items()}
        except UnicodeDecodeError:
            return None, []
        return r, params
    return None, allowed
