/*
 * HTTP/1.1 request serialisation into the work buffer. Every value from the
 * caller is checked before the first byte is produced, so a refused value
 * means an untouched connection.
 */
#include <string.h>

#include "bl_http.h"

void bl_secrets_mark(bl_secrets_t *s, size_t start, size_t end)
{
    if (s == NULL || end <= start) {
        return;
    }
    if (s->count < BL_MAX_SECRETS) {
        s->start[s->count] = start;
        s->end[s->count] = end;
    }
    /* Counted even past the capacity: the writer refuses such a request
     * rather than send a secret it could neither redact nor track. */
    s->count++;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void bl_http_put_encoded(bl_buf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    /* "." and ".." would be resolved as dot-segments (RFC 3986 5.2.4) and
     * address another resource: send them encoded, still one segment. */
    if ((len == 1u && s[0] == '.') || (len == 2u && s[0] == '.' && s[1] == '.')) {
        bl_buf_put(b, "%2E%2E", 3u * len);
        return;
    }
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            continue;
        }
        bl_buf_put(b, s + run, i - run);
        char esc[3] = {'%', hex[c >> 4], hex[c & 0x0Fu]};
        bl_buf_put(b, esc, 3);
        run = i + 1u;
    }
    bl_buf_put(b, s + run, len - run);
}

bool bl_http_value_ok(const char *v)
{
    if (v == NULL || v[0] == '\0') {
        return false;
    }
    size_t n = 0;
    for (const char *p = v; *p != '\0'; p++, n++) {
        unsigned char c = (unsigned char)*p;
        /* Keys and tokens are printable ASCII; anything else in a header
         * is either a mistake or an attempt to inject one. */
        if (c < 0x20u || c >= 0x7Fu || n >= BL_MAX_VALUE_LEN) {
            return false;
        }
    }
    return true;
}

bool bl_http_text_ok(const char *v)
{
    if (v == NULL || v[0] == '\0') {
        return false;
    }
    size_t n = 0;
    for (const char *p = v; *p != '\0'; p++, n++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20u || c == 0x7Fu || n >= BL_MAX_VALUE_LEN) {
            return false;
        }
    }
    return bl_utf8_valid(v, n);
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0') {
        return false;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if (!is_tchar((unsigned char)*p)) {
            return false;
        }
    }
    return true;
}

/* Bounded strlen: a segment longer than BL_MAX_VALUE_LEN is refused. */
static bool bounded_len(const char *s, size_t *len)
{
    if (s == NULL) {
        return false;
    }
    size_t n = 0;
    while (s[n] != '\0') {
        if (++n > BL_MAX_VALUE_LEN) {
            return false;
        }
    }
    *len = n;
    return true;
}

static bl_status_t check_request(const char *host, const bl_http_request_t *req)
{
    if (!bl_http_value_ok(host) || req->base_path == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    for (const char *p = req->base_path; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20u || (unsigned char)*p >= 0x7Fu || *p == '?' || *p == '#') {
            return BL_ERR_INVALID_ARG;
        }
    }
    for (size_t i = 0; i < req->segment_count; i++) {
        size_t n;
        /* An empty segment would address a different resource. */
        if (!bounded_len(req->segments[i], &n) || n == 0u) {
            return BL_ERR_INVALID_ARG;
        }
    }
    for (size_t i = 0; i < req->query_count; i++) {
        size_t n;
        if (!bounded_len(req->query[i].name, &n) || n == 0u || !bounded_len(req->query[i].value, &n)) {
            return BL_ERR_INVALID_ARG;
        }
    }
    for (size_t i = 0; i < req->header_count; i++) {
        if (!name_ok(req->headers[i].name) || !bl_http_value_ok(req->headers[i].value)) {
            return BL_ERR_INVALID_ARG;
        }
    }
    if (req->body != NULL && !bl_http_value_ok(req->content_type)) {
        return BL_ERR_INVALID_ARG;
    }
    return BL_OK;
}

static const char *method_name(bl_method_t m)
{
    switch (m) {
    case BL_GET: return "GET";
    case BL_PUT: return "PUT";
    case BL_POST: return "POST";
    case BL_DELETE: return "DELETE";
    default: return NULL;
    }
}

static void put_header(bl_buf_t *b, const char *name, const char *value)
{
    bl_buf_puts(b, name);
    bl_buf_put(b, ": ", 2);
    bl_buf_puts(b, value);
    bl_buf_put(b, "\r\n", 2);
}

bl_status_t bl_http_write_request(bl_buf_t *out, const char *host, uint16_t port, const bl_http_request_t *req,
                                  bl_secrets_t *secrets)
{
    const char *method = method_name(req->method);
    if (method == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_status_t st = check_request(host, req);
    if (st != BL_OK) {
        return st;
    }
    secrets->count = 0;

    /* Measure the body first so Content-Length can precede it. */
    size_t body_len = 0;
    if (req->body != NULL) {
        bl_buf_t measure;
        bl_secrets_t ignored;
        ignored.count = 0;
        bl_buf_init(&measure, NULL, 0);
        st = req->body(&measure, req->body_ctx, &ignored);
        if (st != BL_OK) {
            return st;
        }
        body_len = measure.len;
    }

    bl_buf_puts(out, method);
    bl_buf_put(out, " ", 1);
    bl_buf_puts(out, req->base_path);
    for (size_t i = 0; i < req->segment_count; i++) {
        bl_buf_put(out, "/", 1);
        bl_http_put_encoded(out, req->segments[i], strlen(req->segments[i]));
    }
    if (req->segment_count == 0u && req->base_path[0] == '\0') {
        bl_buf_put(out, "/", 1);
    }
    for (size_t i = 0; i < req->query_count; i++) {
        bl_buf_put(out, i == 0u ? "?" : "&", 1);
        bl_http_put_encoded(out, req->query[i].name, strlen(req->query[i].name));
        bl_buf_put(out, "=", 1);
        bl_http_put_encoded(out, req->query[i].value, strlen(req->query[i].value));
    }
    bl_buf_puts(out, " HTTP/1.1\r\nHost: ");
    bool v6 = memchr(host, ':', strlen(host)) != NULL;
    if (v6) {
        bl_buf_put(out, "[", 1);
    }
    bl_buf_puts(out, host);
    if (v6) {
        bl_buf_put(out, "]", 1);
    }
    if (port != 80u && port != 443u) {
        bl_buf_put(out, ":", 1);
        bl_buf_put_u64(out, port);
    }
    bl_buf_puts(out, "\r\nUser-Agent: " BL_USER_AGENT "\r\nAccept: application/json\r\n");
    for (size_t i = 0; i < req->header_count; i++) {
        const bl_header_t *h = &req->headers[i];
        bl_buf_puts(out, h->name);
        bl_buf_put(out, ": ", 2);
        size_t start = out->len;
        bl_buf_puts(out, h->value);
        if (h->secret) {
            bl_secrets_mark(secrets, start, out->len);
        }
        bl_buf_put(out, "\r\n", 2);
    }
    if (req->body != NULL) {
        put_header(out, "Content-Type", req->content_type);
        bl_buf_puts(out, "Content-Length: ");
        bl_buf_put_u64(out, body_len);
        bl_buf_put(out, "\r\n\r\n", 4);
        size_t before = out->len;
        st = req->body(out, req->body_ctx, secrets);
        if (st != BL_OK) {
            return st;
        }
        if (out->len - before != body_len) {
            return BL_ERR_INVALID_ARG; /* a body writer that is not deterministic */
        }
    } else if (req->method == BL_PUT || req->method == BL_POST) {
        bl_buf_puts(out, "Content-Length: 0\r\n\r\n");
    } else {
        bl_buf_put(out, "\r\n", 2);
    }
    if (secrets->count > BL_MAX_SECRETS) {
        return BL_ERR_INVALID_ARG;
    }
    return bl_buf_ok(out) ? BL_OK : BL_ERR_REQUEST_TOO_LARGE;
}
