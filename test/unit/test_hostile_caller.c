/*
 * Hostile input from the caller, for every value of every call.
 *
 * Each "slot" is one caller value of one call (API key, bearer token,
 * client id/secret, item id, link id, Heron ids, end-user ids, tokens,
 * cursor). Each hostile input is put in each slot, the other values being
 * valid, and the call must either
 *   - refuse it: BL_ERR_INVALID_ARG, zero connects, zero bytes sent, and
 *     client.last.status says so; or
 *   - carry it safely: the exact bytes on the wire are the value
 *     percent-encoded (path segment, query, form body), JSON-escaped (JSON
 *     body) or, for a header, the value itself (printable ASCII only).
 *
 * Expected outcome by input and slot kind:
 *   CR, LF, CRLF + injected header, every byte 0x01-0x1F and 0x7F
 *       (first, middle, last)                    -> refused everywhere
 *   "" (empty)                                   -> refused; the cursor
 *       alone means "first page" and is accepted (no cursor parameter)
 *   NULL                                         -> refused; optional
 *       fields (end_user_name, asset_report_token, cursor) are accepted
 *   longer than BL_MAX_VALUE_LEN (bearer: BL_MONEYKIT_TOKEN_MAX)
 *                                                -> refused; exactly at
 *       the limit is accepted
 *   not UTF-8 (0xFF, lone continuation, overlong '/', surrogate,
 *       > U+10FFFF, truncated sequence)          -> refused in JSON bodies
 *       and headers; in path/query/form either refused or %XX-encoded
 *   non-ASCII UTF-8 in a header (API key, bearer) -> refused (the API key
 *       is documented as printable ASCII; a bearer token is a b64token)
 *   '/', '?', '%', ' ', '#', '&', '=', '+', unicode -> encoded in
 *       path/query/form, escaped in JSON, sent as is in a header
 *   "." and ".." as a whole path segment         -> refused or encoded
 *       (%2E): sent raw they are dot-segments that servers and proxies
 *       resolve, addressing another resource
 *   NUL: C strings end at NUL, so "ok\0\r\nX-Injected: 1" IS "ok"; what
 *       follows the NUL can never reach the wire (checked below).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness.h"

#define API_KEY "hrn_key_0123456789"
#define TOKEN "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
#define ITEM "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define HERON_ID "itg_3fa85f64"
#define END_USER "8d18511d-9d6e-4731-b135-260950ddad0c"
#define BEARER "mk_bearer_0a1b2c3d"
#define CLIENT_ID "mk_client_4711"
#define CLIENT_SECRET "mk_secret_abc"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"
#define LINK_ID "mk_eqkWN34UEoa2NxyALG8pcV"

/* ------------------------------------------------------------ answers */

#define LINK_FIELDS                                                                                                    \
    "{\"item_id\":\"" ITEM "\",\"status\":\"active\",\"created\":\"2020-01-01T00:00:00Z\"}"
#define MK_LINK                                                                                                        \
    "{\"link_id\":\"" LINK_ID "\",\"institution_id\":\"chase\",\"institution_name\":\"Chase\",\"provider\":\"mx\","  \
    "\"state\":\"connected\",\"products\":{}}"

static const char *const answer_bodies[] = {
    "{\"integration_link\":" LINK_FIELDS "}",
    "{\"link\":" LINK_FIELDS "}",
    NULL, /* 204 */
    "{\"links\":[" LINK_FIELDS "]}",
    "{\"access_token\":\"issued-token-1\",\"token_type\":\"bearer\",\"expires_in\":3600}",
    "{\"link_id\":\"" LINK_ID "\",\"link\":" MK_LINK "}",
    MK_LINK,
    "",
    "{\"links\":[" MK_LINK "],\"next_cursor\":\"\"}",
};
enum { A_HERON_UPDATE, A_HERON_LINK, A_NO_CONTENT, A_HERON_LIST, A_TOKEN, A_EXCHANGE, A_MK_LINK, A_EMPTY, A_MK_LIST };
static char answers[9][1024];

static void build_answers(void)
{
    for (size_t i = 0; i < 9; i++) {
        if (answer_bodies[i] == NULL) {
            snprintf(answers[i], sizeof answers[i], "HTTP/1.1 204 No Content\r\n\r\n");
        } else {
            snprintf(answers[i], sizeof answers[i], "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(answer_bodies[i]), answer_bodies[i]);
        }
    }
}

/* -------------------------------------------------------------- slots */

/* Where a value goes, which decides how it must look on the wire. */
enum { K_HEADER, K_BEARER, K_PATH, K_QUERY, K_JSON, K_FORM };

typedef struct slot {
    const char *name;
    int kind;
    int id;
    int answer;
    int answer2;        /* a second answer (token first), or -1 */
    bool optional;      /* NULL is accepted */
    bool empty_ok;      /* "" is accepted */
    const char *before; /* wire bytes right before the value */
    const char *after;  /* and right after it */
} slot_t;

enum {
    S_UPD_KEY, S_UPD_ITEM, S_UPD_TOKEN,
    S_CRE_KEY, S_CRE_HERON, S_CRE_ITEM, S_CRE_USER, S_CRE_TOKEN, S_CRE_NAME, S_CRE_ASSET,
    S_REF_KEY, S_REF_HERON, S_REF_ITEM,
    S_DEL_KEY, S_DEL_HERON, S_DEL_USER,
    S_LST_KEY, S_LST_USER,
    S_LSI_KEY, S_LSI_HERON, S_LSI_USER,
    S_MK_BEARER, S_TOK_ID, S_TOK_SECRET, S_EXC_TOKEN, S_EXC_ID, S_EXC_SECRET,
    S_GET_LINK, S_DLL_LINK, S_MKL_CURSOR
};

static const slot_t slots[] = {
    {"heron update-link api_key", K_HEADER, S_UPD_KEY, A_HERON_UPDATE, -1, false, false, "\r\nx-api-key: ", "\r\n"},
    {"heron update-link item_id", K_PATH, S_UPD_ITEM, A_HERON_UPDATE, -1, false, false, "PUT /api/integration_links/", " HTTP/1.1\r\n"},
    {"heron update-link access_token", K_JSON, S_UPD_TOKEN, A_HERON_UPDATE, -1, false, false, "{\"end_user\":{\"access_token\":", "}}"},
    {"heron create-link api_key", K_HEADER, S_CRE_KEY, A_HERON_LINK, -1, false, false, "\r\nx-api-key: ", "\r\n"},
    {"heron create-link heron_id", K_PATH, S_CRE_HERON, A_HERON_LINK, -1, false, false, "POST /api/integrations/", "/links HTTP/1.1\r\n"},
    {"heron create-link item_id", K_JSON, S_CRE_ITEM, A_HERON_LINK, -1, false, false, "{\"item_id\":", ",\"end_user_id\":"},
    {"heron create-link end_user_id", K_JSON, S_CRE_USER, A_HERON_LINK, -1, false, false, ",\"end_user_id\":", ",\"access_token\":"},
    {"heron create-link access_token", K_JSON, S_CRE_TOKEN, A_HERON_LINK, -1, false, false, ",\"access_token\":", ",\"end_user_name\":"},
    {"heron create-link end_user_name", K_JSON, S_CRE_NAME, A_HERON_LINK, -1, true, false, ",\"end_user_name\":", ",\"asset_report_token\":"},
    {"heron create-link asset_report_token", K_JSON, S_CRE_ASSET, A_HERON_LINK, -1, true, false, ",\"asset_report_token\":", "}"},
    {"heron refresh-link api_key", K_HEADER, S_REF_KEY, A_HERON_LINK, -1, false, false, "\r\nx-api-key: ", "\r\n"},
    {"heron refresh-link heron_id", K_PATH, S_REF_HERON, A_HERON_LINK, -1, false, false, "POST /api/integrations/", "/links/" ITEM "/refresh HTTP/1.1\r\n"},
    {"heron refresh-link item_id", K_PATH, S_REF_ITEM, A_HERON_LINK, -1, false, false, "POST /api/integrations/" HERON_ID "/links/", "/refresh HTTP/1.1\r\n"},
    {"heron delete-links api_key", K_HEADER, S_DEL_KEY, A_NO_CONTENT, -1, false, false, "\r\nx-api-key: ", "\r\n"},
    {"heron delete-links heron_id", K_PATH, S_DEL_HERON, A_NO_CONTENT, -1, false, false, "DELETE /api/integrations/", "/links?end_user_id_or_heron_id="},
    {"heron delete-links end_user", K_QUERY, S_DEL_USER, A_NO_CONTENT, -1, false, false, "/links?end_user_id_or_heron_id=", " HTTP/1.1\r\n"},
    {"heron list-links api_key", K_HEADER, S_LST_KEY, A_HERON_LIST, -1, false, false, "\r\nx-api-key: ", "\r\n"},
    {"heron list-links end_user", K_PATH, S_LST_USER, A_HERON_LIST, -1, false, false, "GET /api/end_users/", "/integration_links HTTP/1.1\r\n"},
    {"heron list-integration-links api_key", K_HEADER, S_LSI_KEY, A_HERON_LIST, -1, false, false, "\r\nx-api-key: ", "\r\n"},
    {"heron list-integration-links heron_id", K_PATH, S_LSI_HERON, A_HERON_LIST, -1, false, false, "GET /api/integrations/", "/links?end_user_id_or_heron_id="},
    {"heron list-integration-links end_user", K_QUERY, S_LSI_USER, A_HERON_LIST, -1, false, false, "/links?end_user_id_or_heron_id=", " HTTP/1.1\r\n"},
    {"moneykit bearer token (set_token, then get-link)", K_BEARER, S_MK_BEARER, A_MK_LINK, -1, false, false, "\r\nAuthorization: Bearer ", "\r\n"},
    {"moneykit token client_id", K_FORM, S_TOK_ID, A_TOKEN, -1, false, false, "grant_type=client_credentials&client_id=", "&client_secret="},
    {"moneykit token client_secret", K_FORM, S_TOK_SECRET, A_TOKEN, -1, false, false, "&client_secret=", ""},
    {"moneykit exchange-token exchangeable_token", K_JSON, S_EXC_TOKEN, A_EXCHANGE, -1, false, false, "{\"exchangeable_token\":", "}"},
    {"moneykit exchange-token client_id (token fetched first)", K_FORM, S_EXC_ID, A_TOKEN, A_EXCHANGE, false, false, "grant_type=client_credentials&client_id=", "&client_secret="},
    {"moneykit exchange-token client_secret (token fetched first)", K_FORM, S_EXC_SECRET, A_TOKEN, A_EXCHANGE, false, false, "&client_secret=", "POST /link-session"},
    {"moneykit get-link link_id", K_PATH, S_GET_LINK, A_MK_LINK, -1, false, false, "GET /links/", " HTTP/1.1\r\n"},
    {"moneykit delete-link link_id", K_PATH, S_DLL_LINK, A_EMPTY, -1, false, false, "DELETE /links/", " HTTP/1.1\r\n"},
    {"moneykit list-links cursor", K_QUERY, S_MKL_CURSOR, A_MK_LIST, -1, true, true, "GET /links?cursor=", "&size=2 HTTP/1.1\r\n"},
};
#define N_SLOTS (sizeof slots / sizeof slots[0])

static bl_status_t on_heron(void *ctx, const bl_heron_link_t *l)
{
    (void)ctx;
    (void)l;
    return BL_OK;
}

static bl_status_t on_mk(void *ctx, const bl_moneykit_link_t *l)
{
    (void)ctx;
    (void)l;
    return BL_OK;
}

static bl_moneykit_list_t mk_list;

/* Make the call of slot s with value v in that slot. */
static bl_status_t run_slot(const slot_t *s, harness_t *h, const char *v)
{
    bl_client_t *c = &h->client;
    bl_heron_link_t link;
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bl_status_t st = bl_moneykit_auth_set_token(&auth, BEARER);
    assert_int_equal(st, BL_OK);
    bl_heron_new_link_t nl = {ITEM, END_USER, TOKEN, "Acme Corp", "assets-sandbox-1"};
    size_t n;
    switch (s->id) {
    case S_UPD_KEY: return bl_heron_update_link(c, v, ITEM, TOKEN, &link);
    case S_UPD_ITEM: return bl_heron_update_link(c, API_KEY, v, TOKEN, &link);
    case S_UPD_TOKEN: return bl_heron_update_link(c, API_KEY, ITEM, v, &link);
    case S_CRE_KEY: return bl_heron_create_link(c, v, HERON_ID, &nl, &link);
    case S_CRE_HERON: return bl_heron_create_link(c, API_KEY, v, &nl, &link);
    case S_CRE_ITEM: nl.item_id = v; return bl_heron_create_link(c, API_KEY, HERON_ID, &nl, &link);
    case S_CRE_USER: nl.end_user_id = v; return bl_heron_create_link(c, API_KEY, HERON_ID, &nl, &link);
    case S_CRE_TOKEN: nl.access_token = v; return bl_heron_create_link(c, API_KEY, HERON_ID, &nl, &link);
    case S_CRE_NAME: nl.end_user_name = v; return bl_heron_create_link(c, API_KEY, HERON_ID, &nl, &link);
    case S_CRE_ASSET: nl.asset_report_token = v; return bl_heron_create_link(c, API_KEY, HERON_ID, &nl, &link);
    case S_REF_KEY: return bl_heron_refresh_link(c, v, HERON_ID, ITEM, &link);
    case S_REF_HERON: return bl_heron_refresh_link(c, API_KEY, v, ITEM, &link);
    case S_REF_ITEM: return bl_heron_refresh_link(c, API_KEY, HERON_ID, v, &link);
    case S_DEL_KEY: return bl_heron_delete_links(c, v, HERON_ID, END_USER);
    case S_DEL_HERON: return bl_heron_delete_links(c, API_KEY, v, END_USER);
    case S_DEL_USER: return bl_heron_delete_links(c, API_KEY, HERON_ID, v);
    case S_LST_KEY: return bl_heron_list_links(c, v, END_USER, on_heron, NULL, &n);
    case S_LST_USER: return bl_heron_list_links(c, API_KEY, v, on_heron, NULL, &n);
    case S_LSI_KEY: return bl_heron_list_integration_links(c, v, HERON_ID, END_USER, on_heron, NULL, &n);
    case S_LSI_HERON: return bl_heron_list_integration_links(c, API_KEY, v, END_USER, on_heron, NULL, &n);
    case S_LSI_USER: return bl_heron_list_integration_links(c, API_KEY, HERON_ID, v, on_heron, NULL, &n);
    case S_MK_BEARER: {
        bl_moneykit_auth_t a2;
        bl_moneykit_auth_init(&a2, NULL, NULL);
        st = bl_moneykit_auth_set_token(&a2, v);
        if (st != BL_OK) {
            /* Refused: the auth holds no token, so nothing may be sent either. */
            bl_moneykit_link_t ml;
            bl_status_t st2 = bl_moneykit_get_link(c, &a2, LINK_ID, &ml);
            assert_int_equal(st2, BL_ERR_NO_TOKEN);
            return st;
        }
        bl_moneykit_link_t ml;
        return bl_moneykit_get_link(c, &a2, LINK_ID, &ml);
    }
    case S_TOK_ID:
    case S_TOK_SECRET:
        bl_moneykit_auth_init(&auth, s->id == S_TOK_ID ? v : CLIENT_ID, s->id == S_TOK_SECRET ? v : CLIENT_SECRET);
        return bl_moneykit_fetch_token(c, &auth);
    case S_EXC_TOKEN: {
        bl_moneykit_exchange_t ex;
        return bl_moneykit_exchange_token(c, &auth, v, &ex);
    }
    case S_EXC_ID:
    case S_EXC_SECRET: {
        bl_moneykit_exchange_t ex;
        bl_moneykit_auth_init(&auth, s->id == S_EXC_ID ? v : CLIENT_ID, s->id == S_EXC_SECRET ? v : CLIENT_SECRET);
        return bl_moneykit_exchange_token(c, &auth, EXCHANGEABLE, &ex);
    }
    case S_GET_LINK: {
        bl_moneykit_link_t ml;
        return bl_moneykit_get_link(c, &auth, v, &ml);
    }
    case S_DLL_LINK: return bl_moneykit_delete_link(c, &auth, v);
    default: /* S_MKL_CURSOR */
        bl_moneykit_list_init(&mk_list, 2, on_mk, NULL);
        if (v == NULL) {
            mk_list.cursor[0] = '\0';
        } else {
            if (strlen(v) >= sizeof mk_list.cursor) {
                return BL_ERR_INVALID_ARG; /* cannot even be stored: the struct bounds it */
            }
            strcpy(mk_list.cursor, v);
        }
        return bl_moneykit_list_links(c, &auth, &mk_list);
    }
}

/* ------------------------------------------------------- expectations */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

/* How the value must look on the wire in slot kind k. */
static void wire_form(int kind, const char *v, char *out, size_t cap)
{
    size_t n = 0;
    if ((kind == K_PATH || kind == K_QUERY || kind == K_FORM) && (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)) {
        snprintf(out, cap, "%s", v[1] == '.' ? "%2E%2E" : "%2E"); /* a dot-segment is never sent raw */
        return;
    }
    if (kind == K_JSON) {
        out[n++] = '"';
    }
    for (const unsigned char *p = (const unsigned char *)v; *p != '\0' && n + 8u < cap; p++) {
        if (kind == K_PATH || kind == K_QUERY || kind == K_FORM) {
            if (unreserved(*p)) {
                out[n++] = (char)*p;
            } else {
                n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
            }
        } else if (kind == K_JSON && (*p == '"' || *p == '\\')) {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else {
            out[n++] = (char)*p;
        }
    }
    if (kind == K_JSON) {
        out[n++] = '"';
    }
    out[n] = '\0';
}

static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        unsigned c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80u) {
            p++;
            continue;
        } else if (c >= 0xC2u && c <= 0xDFu) {
            n = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0u && c <= 0xEFu) {
            n = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0u && c <= 0xF4u) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0u) != 0x80u) {
                return false;
            }
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x800u) || (n == 3 && cp < 0x10000u) || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
            return false;
        }
        p += n + 1u;
    }
    return true;
}

static bool ascii_printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20u || *p > 0x7Eu) {
            return false;
        }
    }
    return true;
}

static bool has_ctl(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20u || *p == 0x7Fu) {
            return true;
        }
    }
    return false;
}

static bool dot_segment(const char *s)
{
    return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

enum { E_REFUSE, E_CARRY, E_REFUSE_OR_CARRY };

static int expectation(const slot_t *s, const char *v)
{
    if (v == NULL) {
        return s->optional ? E_CARRY : E_REFUSE;
    }
    if (v[0] == '\0') {
        return s->empty_ok ? E_CARRY : E_REFUSE;
    }
    size_t max = s->kind == K_BEARER ? BL_MONEYKIT_TOKEN_MAX : BL_MAX_VALUE_LEN;
    if (strlen(v) > max || has_ctl(v)) {
        return E_REFUSE;
    }
    if (s->kind == K_HEADER || s->kind == K_BEARER) {
        return ascii_printable(v) ? E_CARRY : E_REFUSE;
    }
    if (!utf8_ok(v)) {
        return s->kind == K_JSON ? E_REFUSE : E_REFUSE_OR_CARRY;
    }
    if (s->kind == K_PATH && dot_segment(v)) {
        return E_REFUSE_OR_CARRY; /* carried only as %2E, checked below */
    }
    return E_CARRY;
}

/* ------------------------------------------------------------ running */

static unsigned long cases;
static unsigned long failures;

static void fail_case(const slot_t *s, const char *v, const char *what)
{
    failures++;
    if (failures <= 60u || getenv("BL_HOSTILE_VERBOSE") != NULL) {
        printf("FAIL %s <- \"", s->name);
        if (v == NULL) {
            printf("(NULL)");
        } else {
            size_t n = strlen(v);
            for (size_t i = 0; i < n && i < 40u; i++) {
                unsigned char c = (unsigned char)v[i];
                if (c < 0x20u || c >= 0x7Fu) {
                    printf("\\x%02x", c);
                } else {
                    putchar(c);
                }
            }
            if (n > 40u) {
                printf("...(%zu bytes)", n);
            }
        }
        printf("\": %s\n", what);
    }
}

/* The server of slot s: it reads the request and gives the slot's answer
 * (and the second one, for a call that fetches a token first). */
static void script_slot(harness_t *h, const slot_t *s)
{
    TK(bl_tk_expect(&h->kit, NULL, NULL));
    TK(bl_tk_answer(&h->kit, answers[s->answer]));
    if (s->answer2 >= 0) {
        TK(bl_tk_expect(&h->kit, NULL, NULL));
        TK(bl_tk_answer(&h->kit, answers[s->answer2]));
    }
}

static void check_slot(const slot_t *s, const char *v)
{
    static harness_t h;
    harness_init(&h, sizeof h.buf, 2);
    script_slot(&h, s);
    bl_status_t st = run_slot(s, &h, v);
    cases++;
    int e = expectation(s, v);
    char msg[256];
    /* Missing credentials are BL_ERR_NO_TOKEN (documented), also a refusal. */
    bool creds = s->id == S_TOK_ID || s->id == S_TOK_SECRET || s->id == S_EXC_ID || s->id == S_EXC_SECRET;
    bool refused = st == BL_ERR_INVALID_ARG || (v == NULL && creds && st == BL_ERR_NO_TOKEN);
    if (refused) {
        if (e == E_CARRY) {
            snprintf(msg, sizeof msg, "refused, expected it carried");
            fail_case(s, v, msg);
        }
        if (h.kit.connects != 0u || h.kit.bytes_sent != 0u) {
            snprintf(msg, sizeof msg, "refused but %u connects, %zu bytes sent", (unsigned)h.kit.connects, h.kit.bytes_sent);
            fail_case(s, v, msg);
        }
        if (s->id != S_MK_BEARER && h.client.last.status != st) {
            snprintf(msg, sizeof msg, "client.last.status is %s", bl_status_str(h.client.last.status));
            fail_case(s, v, msg);
        }
        return;
    }
    if (e == E_REFUSE) {
        snprintf(msg, sizeof msg, "got %s with %zu bytes sent, expected BL_ERR_INVALID_ARG and nothing sent",
                 bl_status_str(st), h.kit.bytes_sent);
        fail_case(s, v, msg);
        return;
    }
    if (st != BL_OK) {
        snprintf(msg, sizeof msg, "got %s, expected BL_OK", bl_status_str(st));
        fail_case(s, v, msg);
    } else if (!bl_tk_finished(&h.kit)) {
        snprintf(msg, sizeof msg, "not the scripted exchange: %s", bl_tk_report(&h.kit));
        fail_case(s, v, msg);
    }
    if (v == NULL || (v[0] == '\0' && s->empty_ok)) {
        return; /* nothing of it to find on the wire */
    }
    static char want[16384];
    char form[8192];
    wire_form(s->kind == K_BEARER ? K_HEADER : s->kind, v, form, sizeof form);
    snprintf(want, sizeof want, "%s%s%s", s->before, form, s->after);
    bool found = sent_contains(&h, want);
    if (!found && s->kind != K_PATH && dot_segment(v)) {
        /* outside a path a literal "." or ".." is harmless too */
        snprintf(want, sizeof want, "%s%s%s", s->before, v, s->after);
        found = sent_contains(&h, want);
    }
    if (!found) {
        snprintf(msg, sizeof msg, "not found on the wire as \"%.120s\"", want);
        fail_case(s, v, msg);
    }
    /* The request head stays plain ASCII with one CRLF per line, whatever the value. */
    const char *end = NULL;
    for (size_t i = 0; i + 4u <= h.kit.capture_len; i++) {
        if (memcmp((const char *)h.kit.capture + i, "\r\n\r\n", 4) == 0) {
            end = (const char *)h.kit.capture + i;
            break;
        }
    }
    for (const char *p = (const char *)h.kit.capture; end != NULL && p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20u && c != '\r' && c != '\n') || c >= 0x7Fu || (c == '\r' && p[1] != '\n') ||
            (c == '\n' && p[-1] != '\r')) {
            snprintf(msg, sizeof msg, "request head holds byte 0x%02x at %zu", c, (size_t)(p - (const char *)h.kit.capture));
            fail_case(s, v, msg);
            break;
        }
    }
    if (s->kind == K_PATH && dot_segment(v)) {
        char seg[8];
        snprintf(seg, sizeof seg, "/%s/", v);
        char last[8];
        snprintf(last, sizeof last, "/%s ", v);
        if (sent_contains(&h, seg) || sent_contains(&h, last)) {
            fail_case(s, v, "sent as a raw dot-segment: the server resolves it to another resource");
        }
    }
}

/* ------------------------------------------------------------- inputs */

static char *dup_fill(size_t n, char c)
{
    char *p = malloc(n + 1u);
    assert_non_null(p);
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

static void control_bytes(void **state)
{
    (void)state;
    unsigned long before = failures;
    static const char *const fixed[] = {"a\rb", "a\nb", "a\r\nb", "ok\r\nX-Injected: 1", "\r\n", "ok\r\n\r\nGET / HTTP/1.1"};
    for (size_t i = 0; i < N_SLOTS; i++) {
        for (size_t j = 0; j < sizeof fixed / sizeof fixed[0]; j++) {
            check_slot(&slots[i], fixed[j]);
        }
        for (unsigned c = 1; c <= 0x7Fu; c = c == 0x1Fu ? 0x7Fu : c + 1u) {
            char v[3][8];
            snprintf(v[0], sizeof v[0], "%cabc", (char)c);
            snprintf(v[1], sizeof v[1], "ab%ccd", (char)c);
            snprintf(v[2], sizeof v[2], "abc%c", (char)c);
            for (int k = 0; k < 3; k++) {
                check_slot(&slots[i], v[k]);
            }
        }
    }
    assert_int_equal(failures - before, 0);
}

static void empty_null_and_length(void **state)
{
    (void)state;
    unsigned long before = failures;
    char *at_max = dup_fill(BL_MAX_VALUE_LEN, 'a');
    char *over = dup_fill(BL_MAX_VALUE_LEN + 1u, 'a');
    char *way_over = dup_fill(100000, 'a');
    char *tok_max = dup_fill(BL_MONEYKIT_TOKEN_MAX, 't');
    char *tok_over = dup_fill(BL_MONEYKIT_TOKEN_MAX + 1u, 't');
    for (size_t i = 0; i < N_SLOTS; i++) {
        const slot_t *s = &slots[i];
        check_slot(s, NULL);
        check_slot(s, "");
        if (s->id != S_MKL_CURSOR) {
            /* (a cursor lives in bl_moneykit_list_t.cursor[256]: it cannot be longer) */
            check_slot(s, over);
            check_slot(s, way_over);
        }
        if (s->kind == K_BEARER) {
            check_slot(s, tok_max);
            check_slot(s, tok_over);
        } else if (s->id != S_MKL_CURSOR) {
            check_slot(s, at_max); /* the cursor's own storage is smaller */
        }
    }
    free(at_max);
    free(over);
    free(way_over);
    free(tok_max);
    free(tok_over);
    assert_int_equal(failures - before, 0);
}

static void not_utf8(void **state)
{
    (void)state;
    unsigned long before = failures;
    static const char *const bad[] = {
        "tok\xff", "\xfe\xff", "a\x80" "b", "a\xc0\xaf" "b", "a\xed\xa0\x80" "b", "a\xf4\x90\x80\x80" "b",
        "a\xe2\x82", "a\xc3(", "\xf8\x88\x80\x80\x80",
    };
    for (size_t i = 0; i < N_SLOTS; i++) {
        for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
            check_slot(&slots[i], bad[j]);
        }
    }
    assert_int_equal(failures - before, 0);
}

static void specials_encoded(void **state)
{
    (void)state;
    unsigned long before = failures;
    static const char *const special[] = {
        "a/b",   "a?b",  "a%b",  "a%2Fb", "a b", "a#b",  "a&b=c+d", "../x", "a/../b", "x;y", "@:!$'()*,",
        "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80", "a\"b\\c", "~-._", "[::1]", "<script>", "{\"x\":1}",
    };
    for (size_t i = 0; i < N_SLOTS; i++) {
        for (size_t j = 0; j < sizeof special / sizeof special[0]; j++) {
            check_slot(&slots[i], special[j]);
        }
    }
    assert_int_equal(failures - before, 0);
}

static void dot_segments(void **state)
{
    (void)state;
    unsigned long before = failures;
    for (size_t i = 0; i < N_SLOTS; i++) {
        check_slot(&slots[i], ".");
        check_slot(&slots[i], "..");
    }
    assert_int_equal(failures - before, 0);
}

/* What follows a NUL is not part of a C string, so it cannot be sent. */
static void nul_ends_the_value(void **state)
{
    (void)state;
    unsigned long before = failures;
    static const char v[] = "ok\0\r\nX-Injected: 1";
    for (size_t i = 0; i < N_SLOTS; i++) {
        static harness_t h;
        harness_init(&h, sizeof h.buf, 2);
        const slot_t *s = &slots[i];
        script_slot(&h, s);
        bl_status_t st = run_slot(s, &h, v);
        cases++;
        if (st != BL_OK || !bl_tk_finished(&h.kit) || sent_contains(&h, "X-Injected")) {
            fail_case(s, v, "the bytes after the NUL reached the wire, or \"ok\" was not accepted");
        }
    }
    assert_int_equal(failures - before, 0);
}

/* Client settings: host and base path are checked like any value. */
static void hostile_config(void **state)
{
    (void)state;
    unsigned long before = failures;
    static const char *const bad_hosts[] = {"", "a\rb", "a\nb", "a b\r\nX: y", "a\tb", "a\x7f", "h\xc3\xa9st",
                                            "h\xff"};
    for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        static harness_t h;
        harness_init(&h, sizeof h.buf, 0);
        bl_client_config_t cfg = h.client.cfg;
        cfg.host = bad_hosts[i];
        bl_client_t c;
        cases++;
        if (bl_client_init(&c, &cfg) == BL_OK) {
            /* Accepted: then a call must still send nothing odd. */
            bl_heron_link_t link;
            bl_status_t st = bl_heron_update_link(&c, API_KEY, ITEM, TOKEN, &link);
            printf("FAIL host \"%s\" accepted by bl_client_init (call: %s, %zu bytes sent)\n", bad_hosts[i],
                   bl_status_str(st), h.kit.bytes_sent);
            failures++;
        }
    }
    char *long_host = dup_fill(BL_MAX_VALUE_LEN + 1u, 'h');
    static harness_t h;
    harness_init(&h, sizeof h.buf, 0);
    bl_client_config_t cfg = h.client.cfg;
    cfg.host = long_host;
    bl_client_t c;
    assert_int_equal(bl_client_init(&c, &cfg), BL_ERR_INVALID_ARG);
    free(long_host);
    cfg.host = NULL;
    assert_int_equal(bl_client_init(&c, &cfg), BL_ERR_INVALID_ARG);

    static const char *const bad_paths[] = {"/a b", "/a?b", "/a#b", "/a\r\nX: y", "/a\x01", "/\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        harness_init(&h, sizeof h.buf, 2);
        h.client.cfg.base_path = bad_paths[i];
        bl_heron_link_t link;
        bl_status_t st = bl_heron_update_link(&h.client, API_KEY, ITEM, TOKEN, &link);
        cases++;
        assert_int_equal(st, BL_ERR_INVALID_ARG);
        assert_int_equal(h.kit.connects, 0);
        assert_int_equal(h.kit.bytes_sent, 0);
    }
    assert_int_equal(failures - before, 0);
}

/* NULL for every pointer argument of every call: BL_ERR_INVALID_ARG, no
 * connect, nothing sent. */
static void null_arguments(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, sizeof h.buf, 2);
    bl_client_t *c = &h.client;
    bl_heron_link_t link;
    bl_heron_new_link_t nl = {ITEM, END_USER, TOKEN, NULL, NULL};
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, BEARER), BL_OK);
    bl_moneykit_exchange_t ex;
    bl_moneykit_link_t ml;
    size_t n = 7;
    assert_int_equal(bl_heron_update_link(NULL, API_KEY, ITEM, TOKEN, &link), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_update_link(c, API_KEY, ITEM, TOKEN, NULL), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_create_link(NULL, API_KEY, HERON_ID, &nl, &link), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_create_link(c, API_KEY, HERON_ID, NULL, &link), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_create_link(c, API_KEY, HERON_ID, &nl, NULL), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_refresh_link(NULL, API_KEY, HERON_ID, ITEM, &link), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_refresh_link(c, API_KEY, HERON_ID, ITEM, NULL), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_delete_links(NULL, API_KEY, HERON_ID, END_USER), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_heron_list_links(NULL, API_KEY, END_USER, on_heron, NULL, &n), BL_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    assert_int_equal(bl_heron_list_links(c, API_KEY, END_USER, NULL, NULL, NULL), BL_ERR_INVALID_ARG);
    n = 7;
    assert_int_equal(bl_heron_list_integration_links(NULL, API_KEY, HERON_ID, END_USER, on_heron, NULL, &n),
                     BL_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    assert_int_equal(bl_heron_list_integration_links(c, API_KEY, HERON_ID, END_USER, NULL, NULL, NULL),
                     BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_auth_set_token(NULL, BEARER), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_fetch_token(NULL, &auth), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_fetch_token(c, NULL), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_exchange_token(c, &auth, "x", NULL), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_exchange_token(NULL, &auth, "x", &ex), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_exchange_token(c, NULL, "x", &ex), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_get_link(c, &auth, LINK_ID, NULL), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_get_link(NULL, &auth, LINK_ID, &ml), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_delete_link(NULL, &auth, LINK_ID), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_delete_link(c, NULL, LINK_ID), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_list_links(c, &auth, NULL), BL_ERR_INVALID_ARG);
    bl_moneykit_list_init(&mk_list, 0, NULL, NULL);
    assert_int_equal(bl_moneykit_list_links(c, &auth, &mk_list), BL_ERR_INVALID_ARG);
    assert_int_equal(h.kit.connects, 0);
    assert_int_equal(h.kit.bytes_sent, 0);
    /* Values the caller passes to helpers: out of range, or nowhere to write. */
    assert_string_equal(bl_status_str(BL_STATUS_COUNT), "BL_ERR_?");
    assert_string_equal(bl_status_str((bl_status_t)-1), "BL_ERR_?");
    assert_int_equal(bl_datetime_format_utc(0, 0, NULL, 0), 0);
    char one[1] = {'x'};
    assert_int_equal(bl_datetime_format_utc(0, 0, one, 0), 0);
    assert_int_equal(one[0], 'x');
    bl_timestamp_t ts;
    assert_int_not_equal(bl_json_get_timestamp(NULL, 0, &ts), BL_OK);
    cases += 30;
}

/* Every required field of the client settings, missing in turn. */
static void config_fields(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, sizeof h.buf, 0);
    const bl_client_config_t good = h.client.cfg;
    bl_transport_t t = h.kit.transport;
    bl_clock_t k = h.kit.clock;
    bl_client_t c;
    assert_int_equal(bl_client_init(NULL, &good), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_client_init(&c, NULL), BL_ERR_INVALID_ARG);
    for (int field = 0; field < 16; field++) {
        bl_client_config_t cfg = good;
        bl_transport_t tt = t;
        bl_clock_t kk = k;
        cfg.transport = &tt;
        cfg.clock = &kk;
        switch (field) {
        case 0: cfg.transport = NULL; break;
        case 1: tt.connect = NULL; break;
        case 2: tt.send = NULL; break;
        case 3: tt.recv = NULL; break;
        case 4: tt.close = NULL; break;
        case 5: cfg.clock = NULL; break;
        case 6: kk.now_ms = NULL; break;
        case 7: kk.sleep_ms = NULL; break;
        case 8: cfg.host = NULL; break;
        case 9: cfg.port = 0; break;
        case 10: cfg.buf = NULL; break;
        case 11: cfg.buf_size = 255; break;
        case 12: cfg.tokens = NULL; break;
        case 13: cfg.token_count = 0; break;
        case 14: cfg.host = ""; break;
        default: cfg.host = "a\r\nb"; break;
        }
        assert_int_equal(bl_client_init(&c, &cfg), BL_ERR_INVALID_ARG);
        cases++;
    }
    /* Optional fields left empty get their defaults: no base path, the
     * default deadline, a jitter seed from the clock. */
    bl_client_config_t cfg = good;
    cfg.base_path = NULL;
    cfg.timeout_ms = 0;
    cfg.jitter_seed = 0;
    cfg.buf_size = 256;
    assert_int_equal(bl_client_init(&h.client, &cfg), BL_OK);
    assert_string_equal(h.client.cfg.base_path, "");
    assert_int_equal(h.client.cfg.timeout_ms, BL_DEFAULT_TIMEOUT_MS);
    assert_int_not_equal(h.client.rng, 0);
    assert_int_equal(bl_client_wait_ms(&h.client), 0);
    bl_client_close(&h.client); /* not connected: nothing to close */
    assert_int_equal(h.kit.closes, 0);
    cases++;
}

static void summary(void **state)
{
    (void)state;
    printf("hostile caller inputs: %lu cases over %zu value slots, %lu failures\n", cases, N_SLOTS, failures);
}

int main(void)
{
    build_answers();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(control_bytes),     cmocka_unit_test(empty_null_and_length),
        cmocka_unit_test(not_utf8),          cmocka_unit_test(specials_encoded),
        cmocka_unit_test(dot_segments),      cmocka_unit_test(nul_ends_the_value),
        cmocka_unit_test(hostile_config),    cmocka_unit_test(null_arguments),
        cmocka_unit_test(config_fields),     cmocka_unit_test(summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
