/*
 * Checks on what banklink sent: a captured request split into method,
 * target, headers and body, with decoded path segments, query and form
 * fields, and JSON fields by a dotted path. The request comes from
 * banklink's own writer, so this reader is small, but it still refuses
 * anything malformed instead of guessing: a test must not pass on bytes a
 * server would reject.
 */
#include "bl_testkit_priv.h"

#if defined(BL_PORT_TESTKIT) && BL_PORT_TESTKIT

#include <string.h>

static bl_tk_text_t view(const char *p, size_t len)
{
    bl_tk_text_t t;
    t.ptr = p;
    t.len = len;
    return t;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool same_ci(const char *a, size_t alen, const char *b)
{
    size_t i;
    if (strlen(b) != alen) {
        return false;
    }
    for (i = 0; i < alen; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) {
            return false;
        }
    }
    return true;
}

static const char *find_crlfcrlf(const char *p, size_t len)
{
    size_t i;
    for (i = 0; i + 4u <= len; i++) {
        if (p[i] == '\r' && p[i + 1u] == '\n' && p[i + 2u] == '\r' && p[i + 3u] == '\n') {
            return p + i;
        }
    }
    return NULL;
}

/* Walk the header lines of @p head: name and value (white space trimmed). */
typedef struct header_walk {
    const char *p;
    const char *end;
} header_walk_t;

static bool next_header(header_walk_t *w, bl_tk_text_t *name, bl_tk_text_t *value)
{
    const char *line = w->p;
    const char *eol;
    const char *colon;
    if (w->p >= w->end) {
        return false;
    }
    eol = line;
    while (eol + 1 < w->end && !(eol[0] == '\r' && eol[1] == '\n')) {
        eol++;
    }
    if (eol + 1 >= w->end) {
        return false;
    }
    w->p = eol + 2;
    colon = memchr(line, ':', (size_t)(eol - line));
    if (colon == NULL || colon == line) {
        name->ptr = NULL;
        name->len = 0;
        value->ptr = NULL;
        value->len = 0;
        return true; /* not a field: matched by no name */
    }
    *name = view(line, (size_t)(colon - line));
    colon++;
    while (colon < eol && (*colon == ' ' || *colon == '\t')) {
        colon++;
    }
    while (eol > colon && (eol[-1] == ' ' || eol[-1] == '\t')) {
        eol--;
    }
    *value = view(colon, (size_t)(eol - colon));
    return true;
}

static bool find_header(bl_tk_text_t head, const char *name, bl_tk_text_t *value)
{
    header_walk_t w;
    bl_tk_text_t n;
    w.p = head.ptr;
    w.end = head.ptr + head.len;
    while (next_header(&w, &n, value)) {
        if (n.ptr != NULL && same_ci(n.ptr, n.len, name)) {
            return true;
        }
    }
    return false;
}

static bool content_length(bl_tk_text_t head, size_t *out)
{
    bl_tk_text_t v;
    size_t i;
    size_t n = 0;
    if (!find_header(head, "content-length", &v)) {
        *out = 0;
        return true;
    }
    if (v.len == 0u || v.len > 9u) {
        return false;
    }
    for (i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9') {
            return false;
        }
        n = n * 10u + (size_t)(v.ptr[i] - '0');
    }
    *out = n;
    return true;
}

bool bl_tk_request_length(const uint8_t *p, size_t len, size_t *total)
{
    const char *s = (const char *)p;
    const char *end = find_crlfcrlf(s, len);
    const char *fields;
    size_t body = 0;
    if (end == NULL) {
        return false;
    }
    /* The fields run from after the request line to the CRLF of the last one. */
    fields = (const char *)memchr(s, '\n', (size_t)(end - s) + 4u) + 1;
    if (!content_length(view(fields, (size_t)(end + 2 - fields)), &body)) {
        body = 0;
    }
    *total = (size_t)(end - s) + 4u + body;
    return true;
}

bool bl_tk_split_request(const uint8_t *p, size_t len, bl_tk_request_t *out)
{
    const char *s = (const char *)p;
    const char *end;
    const char *sp1;
    const char *sp2;
    const char *eol;
    const char *q;
    size_t body_len;
    size_t head_len;
    memset(out, 0, sizeof *out);
    out->raw = view(s, len);
    end = find_crlfcrlf(s, len);
    if (end == NULL) {
        return false;
    }
    head_len = (size_t)(end - s) + 4u;
    eol = memchr(s, '\r', head_len);
    sp1 = memchr(s, ' ', (size_t)(eol - s));
    if (sp1 == NULL || sp1 == s) {
        return false;
    }
    sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (sp2 == NULL || sp2 == sp1 + 1 || (size_t)(eol - sp2) != 9u || memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 ||
        sp1[1] != '/') {
        return false;
    }
    out->method = view(s, (size_t)(sp1 - s));
    out->target = view(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    q = memchr(out->target.ptr, '?', out->target.len);
    if (q != NULL) {
        out->path = view(out->target.ptr, (size_t)(q - out->target.ptr));
        out->query = view(q + 1, out->target.len - out->path.len - 1u);
    } else {
        out->path = out->target;
    }
    out->head = view(eol + 2, (size_t)(end + 2 - (eol + 2)));
    if (!content_length(out->head, &body_len) || head_len + body_len != len) {
        return false;
    }
    out->body = view(s + head_len, body_len);
    return true;
}

/* ------------------------------------------------------------ decoding */

static int hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode into out (NUL-terminated); '+' is a space only in forms. */
static bool decode(bl_tk_text_t t, bool plus_space, char *out, size_t cap, size_t *out_len)
{
    size_t i;
    size_t n = 0;
    if (out == NULL || cap == 0u) {
        return false;
    }
    for (i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        if (c == '%') {
            int hi;
            int lo;
            if (i + 2u >= t.len) {
                return false; /* a '%' needs two hex digits after it */
            }
            hi = hex(t.ptr[i + 1u]);
            lo = hex(t.ptr[i + 2u]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            c = (char)(hi * 16 + lo);
            i += 2u;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (n + 1u >= cap) {
            return false;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    if (out_len != NULL) {
        *out_len = n;
    }
    return true;
}

/* Segment @p index of a path "/a/b" (0 = "a"). */
static bool segment_of(bl_tk_text_t path, size_t index, bl_tk_text_t *out)
{
    size_t i = 1;
    size_t k = 0;
    if (path.len < 2u || path.ptr[0] != '/') {
        return false;
    }
    while (i <= path.len) {
        size_t start = i;
        while (i < path.len && path.ptr[i] != '/') {
            i++;
        }
        if (k == index) {
            *out = view(path.ptr + start, i - start);
            return true;
        }
        k++;
        i++;
    }
    return false;
}

static size_t segments_in(bl_tk_text_t path)
{
    size_t n = 0;
    bl_tk_text_t seg;
    while (segment_of(path, n, &seg)) {
        n++;
    }
    return n;
}

/* A pattern piece that matches anything: a lone star or {name}. */
static bool is_wildcard(bl_tk_text_t t)
{
    return bl_tk_text_is(t, "*") || (t.len >= 2u && t.ptr[0] == '{' && t.ptr[t.len - 1u] == '}');
}

/* Two encoded pieces that decode to the same bytes (a wildcard matches all). */
static bool same_decoded(bl_tk_text_t pattern, bl_tk_text_t actual, bool plus_space)
{
    char a[256];
    char b[256];
    size_t alen;
    size_t blen;
    if (is_wildcard(pattern)) {
        return true;
    }
    if (!decode(pattern, plus_space, a, sizeof a, &alen) || !decode(actual, plus_space, b, sizeof b, &blen)) {
        return false;
    }
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* A walk over "a=1&b=2": the next key and value (empty without '='). */
typedef struct pair_walk {
    bl_tk_text_t list;
    size_t pos;
} pair_walk_t;

static bool next_pair(pair_walk_t *w, bl_tk_text_t *key, bl_tk_text_t *value)
{
    size_t start = w->pos;
    const char *eq;
    bl_tk_text_t pair;
    if (w->list.ptr == NULL || w->pos >= w->list.len) {
        return false;
    }
    while (w->pos < w->list.len && w->list.ptr[w->pos] != '&') {
        w->pos++;
    }
    pair = view(w->list.ptr + start, w->pos - start);
    w->pos++;
    eq = memchr(pair.ptr, '=', pair.len);
    *key = view(pair.ptr, eq != NULL ? (size_t)(eq - pair.ptr) : pair.len);
    *value = eq != NULL ? view(eq + 1, pair.len - key->len - 1u) : view(pair.ptr + pair.len, 0);
    return true;
}

static pair_walk_t pairs_of(bl_tk_text_t list)
{
    pair_walk_t w;
    w.list = list;
    w.pos = 0;
    return w;
}

/* Find parameter @p name in "a=1&b=2" (name compared decoded). */
static bool param_of(bl_tk_text_t list, bl_tk_text_t name, bool plus_space, bl_tk_text_t *value)
{
    pair_walk_t w = pairs_of(list);
    bl_tk_text_t key;
    while (next_pair(&w, &key, value)) {
        if (!is_wildcard(name) && same_decoded(name, key, plus_space)) {
            return true;
        }
    }
    return false;
}

static size_t params_in(bl_tk_text_t list)
{
    pair_walk_t w = pairs_of(list);
    bl_tk_text_t key;
    bl_tk_text_t value;
    size_t n = 0;
    while (next_pair(&w, &key, &value)) {
        n++;
    }
    return n;
}

bool bl_tk_target_matches(const bl_tk_request_t *req, bl_tk_text_t pattern)
{
    const char *q = memchr(pattern.ptr, '?', pattern.len);
    bl_tk_text_t ppath = view(pattern.ptr, q != NULL ? (size_t)(q - pattern.ptr) : pattern.len);
    size_t n = segments_in(ppath);
    size_t i;
    if (ppath.len == 1u && ppath.ptr[0] == '/') {
        if (!(req->path.len == 1u && req->path.ptr[0] == '/')) {
            return false;
        }
    } else if (n == 0u || n != segments_in(req->path)) {
        return false;
    }
    for (i = 0; i < n; i++) {
        bl_tk_text_t a;
        bl_tk_text_t b;
        if (!segment_of(ppath, i, &a) || !segment_of(req->path, i, &b) || !same_decoded(a, b, false)) {
            return false;
        }
    }
    if (q != NULL) {
        /* The same number of parameters, each of the pattern's found. */
        pair_walk_t w = pairs_of(view(q + 1, pattern.len - ppath.len - 1u));
        bl_tk_text_t key;
        bl_tk_text_t want;
        if (params_in(w.list) != params_in(req->query)) {
            return false;
        }
        while (next_pair(&w, &key, &want)) {
            bl_tk_text_t got;
            if (!param_of(req->query, key, false, &got) || !same_decoded(want, got, false)) {
                return false;
            }
        }
    }
    return true;
}

/* ------------------------------------------------------------ public checks */

size_t bl_tk_request_count(const bl_testkit_t *kit)
{
    return kit->request_count;
}

bool bl_tk_get_request(const bl_testkit_t *kit, size_t index, bl_tk_request_t *out)
{
    if (kit == NULL || out == NULL || index >= kit->request_count) {
        if (out != NULL) {
            memset(out, 0, sizeof *out);
        }
        return false;
    }
    return bl_tk_split_request(kit->capture + kit->requests[index].off, kit->requests[index].len, out);
}

bool bl_tk_method_is(const bl_tk_request_t *req, const char *method)
{
    return req != NULL && method != NULL && bl_tk_text_is(req->method, method);
}

bool bl_tk_path_is(const bl_tk_request_t *req, const char *pattern)
{
    if (req == NULL || pattern == NULL || req->path.ptr == NULL) {
        return false;
    }
    return bl_tk_target_matches(req, view(pattern, strlen(pattern)));
}

size_t bl_tk_segment_count(const bl_tk_request_t *req)
{
    return req != NULL && req->path.ptr != NULL ? segments_in(req->path) : 0u;
}

const char *bl_tk_segment(const bl_tk_request_t *req, size_t index, char *out, size_t cap)
{
    bl_tk_text_t seg;
    if (req == NULL || req->path.ptr == NULL || !segment_of(req->path, index, &seg)) {
        return NULL;
    }
    return decode(seg, false, out, cap, NULL) ? out : NULL;
}

const char *bl_tk_query(const bl_tk_request_t *req, const char *name, char *out, size_t cap)
{
    bl_tk_text_t v;
    if (req == NULL || name == NULL || !param_of(req->query, view(name, strlen(name)), false, &v)) {
        return NULL;
    }
    return decode(v, false, out, cap, NULL) ? out : NULL;
}

const char *bl_tk_form(const bl_tk_request_t *req, const char *name, char *out, size_t cap)
{
    bl_tk_text_t v;
    if (req == NULL || name == NULL || req->body.ptr == NULL || !param_of(req->body, view(name, strlen(name)), true, &v)) {
        return NULL;
    }
    return decode(v, true, out, cap, NULL) ? out : NULL;
}

const char *bl_tk_header(const bl_tk_request_t *req, const char *name, char *out, size_t cap)
{
    bl_tk_text_t v;
    if (req == NULL || name == NULL || out == NULL || req->head.ptr == NULL || !find_header(req->head, name, &v) ||
        v.len + 1u > cap) {
        return NULL;
    }
    memcpy(out, v.ptr, v.len);
    out[v.len] = '\0';
    return out;
}

bool bl_tk_header_is(const bl_tk_request_t *req, const char *name, const char *value)
{
    bl_tk_text_t v;
    return req != NULL && name != NULL && value != NULL && req->head.ptr != NULL && find_header(req->head, name, &v) &&
           bl_tk_text_is(v, value);
}

/* ------------------------------------------------------------ JSON body */

/* The body tokenised in the caller's frame (the request view stays const). */
typedef struct json_view {
    char text[BL_TK_BODY_MAX];
    bl_json_token_t tokens[BL_TK_JSON_TOKENS];
    bl_json_doc_t doc;
} json_view_t;

/* Token index of the value at dotted @p path, -1 when absent or not JSON. */
static int json_find(const bl_tk_request_t *req, const char *path, json_view_t *jv)
{
    int at = 0;
    const char *p = path;
    if (req == NULL || path == NULL || req->body.ptr == NULL || req->body.len >= sizeof jv->text) {
        return -1;
    }
    memcpy(jv->text, req->body.ptr, req->body.len);
    jv->text[req->body.len] = '\0';
    if (bl_json_parse(&jv->doc, jv->text, req->body.len, jv->tokens, BL_TK_JSON_TOKENS) != BL_OK) {
        return -1;
    }
    while (*p != '\0') {
        char key[128];
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        const char *keys[1];
        int found = -1;
        if (n == 0u || n >= sizeof key || jv->tokens[at].type != BL_JSON_OBJECT) {
            return -1;
        }
        memcpy(key, p, n);
        key[n] = '\0';
        keys[0] = key;
        if (bl_json_object_find(&jv->doc, at, keys, 1, &found) != BL_OK || found < 0) {
            return -1;
        }
        at = found;
        p += n + (dot != NULL ? 1u : 0u);
        if (dot != NULL && *p == '\0') {
            return -1; /* a trailing dot names no key */
        }
    }
    return at;
}

const char *bl_tk_json_string(const bl_tk_request_t *req, const char *path, char *out, size_t cap)
{
    json_view_t jv;
    bl_str_t s;
    int at = json_find(req, path, &jv);
    if (at < 0 || out == NULL || bl_json_get_str(&jv.doc, at, &s) != BL_OK || s.presence != BL_PRESENT ||
        s.len + 1u > cap) {
        return NULL;
    }
    memcpy(out, s.ptr, s.len);
    out[s.len] = '\0';
    return out;
}

bool bl_tk_json_int(const bl_tk_request_t *req, const char *path, int64_t *out)
{
    json_view_t jv;
    bl_presence_t presence;
    int at = json_find(req, path, &jv);
    return at >= 0 && out != NULL && bl_json_get_int(&jv.doc, at, INT64_MIN, INT64_MAX, out, &presence) == BL_OK &&
           presence == BL_PRESENT;
}

bool bl_tk_json_bool(const bl_tk_request_t *req, const char *path, bool *out)
{
    json_view_t jv;
    bl_opt_bool_t b;
    int at = json_find(req, path, &jv);
    if (at < 0 || out == NULL || bl_json_get_bool(&jv.doc, at, &b) != BL_OK || b.presence != BL_PRESENT) {
        return false;
    }
    *out = b.value;
    return true;
}

bl_presence_t bl_tk_json_presence(const bl_tk_request_t *req, const char *path)
{
    json_view_t jv;
    int at = json_find(req, path, &jv);
    if (at < 0) {
        return BL_ABSENT;
    }
    return bl_json_is_null(&jv.doc, at) ? BL_NULL : BL_PRESENT;
}

int bl_tk_json_members(const bl_tk_request_t *req, const char *path)
{
    json_view_t jv;
    int at = json_find(req, path, &jv);
    if (at < 0 || jv.tokens[at].type != BL_JSON_OBJECT) {
        return -1;
    }
    return jv.tokens[at].size;
}

#else /* BL_PORT_TESTKIT */

/* ISO C forbids an empty translation unit. */
typedef int bl_testkit_request_disabled_t;

#endif /* BL_PORT_TESTKIT */
