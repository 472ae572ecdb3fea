/*
 * Incremental HTTP/1.1 response reader.
 *
 * Layout of the caller's buffer while reading:
 *
 *   [0, body_len)   decoded body (empty until the headers are done)
 *   [pos, len)      received bytes not parsed yet
 *
 * Header lines are parsed where they lie and dropped; chunk data is moved
 * down onto the decoded body, which removes the framing in place. One byte
 * is always kept free so the body can be NUL-terminated.
 */
#include <string.h>

#include "bl_http.h"
#include "bl_time.h"

enum {
    S_STATUS,
    S_HEADERS,
    S_BODY_LENGTH,
    S_BODY_CLOSE,
    S_CHUNK_SIZE,
    S_CHUNK_DATA,
    S_CHUNK_END,
    S_TRAILERS,
    S_DONE
};

/* Longest Content-Length or chunk size we parse before calling it absurd. */
#define BL_HTTP_MAX_DIGITS 18u

static void meta_reset(bl_http_meta_t *m)
{
    m->status = 0;
    m->content_length = -1;
    m->retry_after_s = -1;
    m->date_unix = -1;
    m->ratelimit_limit = -1;
    m->ratelimit_remaining = -1;
    m->ratelimit_reset = -1;
    m->chunked = false;
    m->keep_alive = true;
}

void bl_http_reader_init(bl_http_reader_t *r, char *buf, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->cap = cap;
    r->state = S_STATUS;
    r->retry_at = -1;
    meta_reset(&r->meta);
}

bool bl_http_reader_done(const bl_http_reader_t *r)
{
    return r->state == S_DONE;
}

bool bl_http_reader_started(const bl_http_reader_t *r)
{
    /* A final (non-1xx) status line has been parsed. */
    return r->state != S_STATUS && r->meta.status >= 200;
}

char *bl_http_reader_body(const bl_http_reader_t *r, size_t *len)
{
    *len = r->body_len;
    return r->buf;
}

bool bl_http_reader_in_body(const bl_http_reader_t *r)
{
    return r->state > S_HEADERS;
}

#if BL_CONFIG_LISTS
void bl_http_reader_set_stream(bl_http_reader_t *r)
{
    r->stream = true;
}

void bl_http_reader_consume(bl_http_reader_t *r, size_t n)
{
    if (n > r->body_len) {
        n = r->body_len;
    }
    /* Everything after the consumed prefix (rest of the body and unparsed
     * bytes) slides down together. */
    memmove(r->buf, r->buf + n, r->len - n);
    r->body_len -= n;
    r->len -= n;
    r->pos -= n;
    r->consumed += n;
    if (r->state == S_DONE && r->body_len < r->cap) {
        r->buf[r->body_len] = '\0';
    }
}
#endif /* BL_CONFIG_LISTS */

char *bl_http_reader_space(bl_http_reader_t *r, size_t *avail)
{
    if (r->cap == 0u) {
        *avail = 0;
        return r->buf;
    }
    if (r->len + 1u >= r->cap && r->pos > r->body_len) {
        /* Full, but parsed lines can go: slide the unparsed tail down. */
        size_t gap = r->pos - r->body_len;
        memmove(r->buf + r->body_len, r->buf + r->pos, r->len - r->pos);
        r->len -= gap;
        r->pos = r->body_len;
    }
    *avail = r->cap - 1u - r->len;
    return r->buf + r->len;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Case-insensitive equality of p[0..n) with a lower-case literal. */
static bool ieq(const char *p, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i] != '\0'; i++) {
        if (lower((unsigned char)p[i]) != (unsigned char)lit[i]) {
            return false;
        }
    }
    return i == n && lit[i] == '\0';
}

/* Does the comma-separated list p[0..n) contain the token lit? */
static bool list_has(const char *p, size_t n, const char *lit)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ',')) {
            i++;
        }
        size_t start = i;
        while (i < n && p[i] != ',') {
            i++;
        }
        size_t end = i;
        while (end > start && (p[end - 1u] == ' ' || p[end - 1u] == '\t')) {
            end--;
        }
        if (end > start && ieq(p + start, end - start, lit)) {
            return true;
        }
    }
    return false;
}

/* Whole decimal number; false on anything else or more than 18 digits. */
static bool parse_dec(const char *p, size_t n, int64_t *out)
{
    if (n == 0u || n > BL_HTTP_MAX_DIGITS) {
        return false;
    }
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static bl_status_t on_content_length(bl_http_reader_t *r, const char *v, size_t n)
{
    int64_t cl;
    if (!parse_dec(v, n, &cl)) {
        return BL_ERR_HTTP_MALFORMED;
    }
    if (r->meta.content_length >= 0 && r->meta.content_length != cl) {
        return BL_ERR_HTTP_MALFORMED; /* conflicting lengths: framing is ambiguous */
    }
    r->meta.content_length = cl;
    return BL_OK;
}

/* RFC 9110 5.6.2 tchar, the bytes of a token (field name, chunk-ext name
 * or value): a bitmap over 0x00-0x7F. */
static bool is_tchar(char ch)
{
    static const uint32_t map[4] = {0x00000000u, 0x03FF6CFAu, 0xC7FFFFFEu, 0x57FFFFFFu};
    unsigned char c = (unsigned char)ch;
    return c < 0x80u && ((map[c >> 5] >> (c & 31u)) & 1u) != 0u;
}

/* A byte of a field value, reason phrase or quoted-string (RFC 9110 5.5,
 * RFC 9112 4): visible ASCII, SP, HTAB or obs-text (0x80-0xFF). Every
 * other control byte is refused, bare CR and NUL included: a CR kept as
 * data is where a peer that ends lines at CR would see another field. */
static bool is_text(char ch)
{
    unsigned char c = (unsigned char)ch;
    return (c >= 0x20u && c != 0x7Fu) || c == '\t';
}

static bool all_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_text(p[i])) {
            return false;
        }
    }
    return true;
}

/* Index of the first byte at or after i that is not SP or HTAB (OWS, BWS). */
static size_t skip_ows(const char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t')) {
        i++;
    }
    return i;
}

/* Index after the token starting at i (i itself when there is none). */
static size_t skip_token(const char *p, size_t i, size_t n)
{
    while (i < n && is_tchar(p[i])) {
        i++;
    }
    return i;
}

/*
 * Check a field line (header or trailer) and split it: field-name ":" OWS
 * field-value OWS, the name a token (RFC 9110 5.1; no white space before
 * the colon, no obsolete folding), the value text only (5.5). The value
 * comes back with its OWS trimmed.
 */
static bool split_field(const char *line, size_t n, size_t *name_len, const char **value, size_t *value_len)
{
    size_t colon = skip_token(line, 0, n);
    if (colon == 0u || colon == n || line[colon] != ':' || !all_text(line + colon + 1u, n - colon - 1u)) {
        return false; /* no name, a byte outside tchar (a leading SP: obs-fold), no colon, a control byte */
    }
    size_t v = skip_ows(line, colon + 1u, n);
    size_t end = n;
    while (end > v && (line[end - 1u] == ' ' || line[end - 1u] == '\t')) {
        end--;
    }
    *name_len = colon;
    *value = line + v;
    *value_len = end - v;
    return true;
}

static bl_status_t on_header(bl_http_reader_t *r, const char *line, size_t n)
{
    size_t name_len;
    const char *v;
    size_t vn;
    if (!split_field(line, n, &name_len, &v, &vn)) {
        return BL_ERR_HTTP_MALFORMED;
    }
    bl_http_meta_t *m = &r->meta;
    int64_t num;
    if (ieq(line, name_len, "content-length")) {
        return on_content_length(r, v, vn);
    }
    if (ieq(line, name_len, "transfer-encoding")) {
        /* Only chunked is ours to undo; anything stacked on it is not. */
        if (r->seen_te || !ieq(v, vn, "chunked")) {
            return BL_ERR_HTTP_MALFORMED;
        }
        r->seen_te = true;
        m->chunked = true;
    } else if (ieq(line, name_len, "connection")) {
        if (list_has(v, vn, "close")) {
            m->keep_alive = false;
        } else if (list_has(v, vn, "keep-alive")) {
            m->keep_alive = true;
        }
    } else if (ieq(line, name_len, "retry-after")) {
        if (parse_dec(v, vn, &num)) {
            m->retry_after_s = num;
        }
#if BL_CONFIG_HTTP_DATE
        else if (bl_http_date_parse(v, vn, &num) == BL_OK) {
            r->retry_at = num;
        }
    } else if (ieq(line, name_len, "date")) {
        if (bl_http_date_parse(v, vn, &num) == BL_OK) {
            m->date_unix = num;
        }
#endif
    } else if (ieq(line, name_len, "x-ratelimit-limit")) {
        m->ratelimit_limit = parse_dec(v, vn, &num) ? num : -1;
    } else if (ieq(line, name_len, "x-ratelimit-remaining")) {
        m->ratelimit_remaining = parse_dec(v, vn, &num) ? num : -1;
    } else if (ieq(line, name_len, "x-ratelimit-reset")) {
        m->ratelimit_reset = parse_dec(v, vn, &num) ? num : -1;
    }
    return BL_OK;
}

static bl_status_t on_status_line(bl_http_reader_t *r, const char *line, size_t n)
{
    /* "HTTP/1.x SSS[ reason]" */
    if (n < 12u || memcmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
        (n > 12u && line[12] != ' ')) {
        return BL_ERR_HTTP_MALFORMED;
    }
    if (!all_text(line + 12, n - 12u)) {
        return BL_ERR_HTTP_MALFORMED; /* a control byte in the reason phrase */
    }
    int status = 0;
    for (size_t i = 9; i < 12u; i++) {
        if (line[i] < '0' || line[i] > '9') {
            return BL_ERR_HTTP_MALFORMED;
        }
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599 || status == 101) {
        return BL_ERR_HTTP_MALFORMED; /* 101 would switch protocols: not ours */
    }
    meta_reset(&r->meta);
    r->seen_te = false;
    r->retry_at = -1;
    r->meta.status = status;
    r->meta.keep_alive = line[7] == '1';
    return BL_OK;
}

/* The headers are complete: decide how the body is framed. */
static bl_status_t on_headers_end(bl_http_reader_t *r)
{
    bl_http_meta_t *m = &r->meta;
    if (m->status < 200) {
        r->state = S_STATUS; /* interim response: the real one follows */
        return BL_OK;
    }
#if BL_CONFIG_HTTP_DATE
    if (r->retry_at >= 0 && m->date_unix >= 0) {
        m->retry_after_s = r->retry_at > m->date_unix ? r->retry_at - m->date_unix : 0;
    }
#endif
    /* Move what followed the headers to the start: the body begins there. */
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    r->body_len = 0;
    r->scanned = 0;
    if (r->head_request || m->status == 204 || m->status == 304) {
        r->no_body = true;
        r->state = S_DONE;
    } else if (m->chunked) {
        if (m->content_length >= 0) {
            m->keep_alive = false; /* TE with CL is a smuggling shape: do not reuse */
        }
        m->content_length = -1;
        r->state = S_CHUNK_SIZE;
    } else if (m->content_length >= 0) {
        if (!r->stream && (uint64_t)m->content_length > (uint64_t)(r->cap - 1u)) {
            return BL_ERR_RESPONSE_TOO_LARGE;
        }
        r->state = S_BODY_LENGTH;
    } else {
        m->keep_alive = false;
        r->state = S_BODY_CLOSE;
    }
    return BL_OK;
}

/* Index after the quoted-string opening at p[i], or 0 when it is not closed
 * on this line or holds a control byte (RFC 9110 5.6.4). */
static size_t skip_quoted(const char *p, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        char c = p[i];
        if (c == '"') {
            return i + 1u;
        }
        if (c == '\\' && ++i == n) {
            break; /* quoted-pair cut by the line end */
        }
        if (!is_text(p[i])) {
            break;
        }
    }
    return 0;
}

/*
 * The rest of a chunk-size line after the size, from p[i]: RFC 9112 7.1.1
 * chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ), the name a
 * token, the value a token or a quoted-string. The extensions mean nothing
 * to banklink, but a line outside the grammar ("2 junk", "2;") is one that
 * another parser on the path may frame differently.
 */
static bool chunk_ext_ok(const char *p, size_t i, size_t n)
{
    while (i < n) {
        i = skip_ows(p, i, n);
        if (i == n || p[i] != ';') {
            return false;
        }
        size_t name = skip_ows(p, i + 1u, n);
        i = skip_token(p, name, n);
        if (i == name) {
            return false;
        }
        size_t eq = skip_ows(p, i, n);
        if (eq < n && p[eq] == '=') {
            size_t val = skip_ows(p, eq + 1u, n);
            i = (val < n && p[val] == '"') ? skip_quoted(p, val, n) : skip_token(p, val, n);
            if (i <= val) {
                return false;
            }
        }
    }
    return true;
}

static bl_status_t on_chunk_size(bl_http_reader_t *r, const char *line, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    size_t digits = 0;
    for (; i < n; i++) {
        char c = line[i];
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            break;
        }
        if (size != 0u || d != 0) {
            digits++;
        }
        if (digits > 15u) {
            return BL_ERR_HTTP_MALFORMED; /* beyond any buffer, and near overflow */
        }
        size = (size << 4) | (uint64_t)d;
    }
    if (i == 0u || !chunk_ext_ok(line, i, n)) {
        return BL_ERR_HTTP_MALFORMED; /* no size, or extensions that break the grammar */
    }
    if (size == 0u) {
        r->state = S_TRAILERS;
        return BL_OK;
    }
    if (!r->stream && size > (uint64_t)(r->cap - 1u - r->body_len)) {
        return BL_ERR_RESPONSE_TOO_LARGE;
    }
    r->chunk_left = size;
    r->state = S_CHUNK_DATA;
    return BL_OK;
}

static bool line_state(uint8_t s)
{
    return s == S_STATUS || s == S_HEADERS || s == S_CHUNK_SIZE || s == S_CHUNK_END || s == S_TRAILERS;
}

static bl_status_t on_line(bl_http_reader_t *r, const char *line, size_t n)
{
    if (BL_CONFIG_LOG && r->on_line != NULL && (r->state == S_STATUS || r->state == S_HEADERS)) {
        r->on_line(r->on_line_ctx, line, n);
    }
    switch (r->state) {
    case S_STATUS:
        if (n == 0u) {
            return BL_OK; /* tolerate a stray CRLF before the status line */
        }
        r->state = S_HEADERS;
        return on_status_line(r, line, n);
    case S_HEADERS:
        return n == 0u ? on_headers_end(r) : on_header(r, line, n);
    case S_CHUNK_SIZE:
        return on_chunk_size(r, line, n);
    case S_CHUNK_END:
        if (n != 0u) {
            return BL_ERR_HTTP_MALFORMED;
        }
        r->state = S_CHUNK_SIZE;
        return BL_OK;
    default: { /* S_TRAILERS: checked like header fields, then ignored */
        size_t name_len;
        const char *v;
        size_t vn;
        if (n == 0u) {
            r->state = S_DONE;
        } else if (!split_field(line, n, &name_len, &v, &vn)) {
            return BL_ERR_HTTP_MALFORMED;
        }
        return BL_OK;
    }
    }
}

/* The kind of line a parser state reads, for bl_error_info_t::http_part. */
static uint8_t part_of(uint8_t state)
{
    switch (state) {
    case S_STATUS:
        return BL_HTTP_PART_STATUS_LINE;
    case S_HEADERS:
        return BL_HTTP_PART_FIELD;
    case S_CHUNK_SIZE:
        return BL_HTTP_PART_CHUNK_LINE;
    case S_CHUNK_END:
        return BL_HTTP_PART_CHUNK_END;
    default:
        return BL_HTTP_PART_TRAILER;
    }
}

bl_http_part_t bl_http_reader_malformed(const bl_http_reader_t *r)
{
    return (bl_http_part_t)r->malformed;
}

static void finish(bl_http_reader_t *r)
{
    r->extra = r->len - r->pos;
    if (r->extra != 0u) {
        r->meta.keep_alive = false; /* bytes we did not ask for: do not trust the stream */
    }
    r->len = r->body_len;
    r->pos = r->body_len;
    if (r->body_len < r->cap) {
        r->buf[r->body_len] = '\0';
    }
}

bl_status_t bl_http_reader_feed(bl_http_reader_t *r, size_t n)
{
    if (r->state == S_DONE) {
        /* Bytes past the message landed on the body's NUL: put it back. */
        r->extra += n;
        r->meta.keep_alive = false;
        if (r->body_len < r->cap) {
            r->buf[r->body_len] = '\0';
        }
        return BL_OK;
    }
    r->len += n;
    while (r->state != S_DONE) {
        if (line_state(r->state)) {
            char *start = r->buf + r->pos;
            size_t avail = r->len - r->pos;
            char *nl = memchr(start + r->scanned, '\n', avail - r->scanned);
            if (nl == NULL) {
                r->scanned = avail;
                break;
            }
            size_t line_len = (size_t)(nl - start);
            r->pos += line_len + 1u;
            r->scanned = 0;
            if (line_len > 0u && start[line_len - 1u] == '\r') {
                line_len--;
            }
            uint8_t line_kind = r->state;
            bl_status_t st = on_line(r, start, line_len);
            if (st != BL_OK) {
                if (st == BL_ERR_HTTP_MALFORMED) {
                    r->malformed = part_of(line_kind);
                }
                return st;
            }
            continue;
        }
        if (r->state == S_BODY_CLOSE) {
            r->body_len = r->len;
            r->pos = r->len;
            break;
        }
        if (r->state == S_BODY_LENGTH) {
            uint64_t want = (uint64_t)r->meta.content_length - r->consumed;
            r->body_len = (uint64_t)r->len >= want ? (size_t)want : r->len;
            r->pos = r->body_len;
            if ((uint64_t)r->body_len == want) {
                r->state = S_DONE;
            }
            break;
        }
        /* S_CHUNK_DATA: slide chunk bytes down onto the body. */
        size_t avail = r->len - r->pos;
        size_t take = (uint64_t)avail < r->chunk_left ? avail : (size_t)r->chunk_left;
        memmove(r->buf + r->body_len, r->buf + r->pos, take);
        r->body_len += take;
        r->pos += take;
        r->chunk_left -= take;
        if (r->chunk_left == 0u) {
            r->state = S_CHUNK_END;
        }
        if (r->pos == r->len) {
            r->len = r->body_len;
            r->pos = r->body_len;
            if (r->state == S_CHUNK_DATA) {
                break;
            }
        }
    }
    if (r->state == S_DONE) {
        finish(r);
    }
    return BL_OK;
}

bl_status_t bl_http_reader_eof(bl_http_reader_t *r)
{
    if (r->state == S_DONE) {
        return BL_OK;
    }
    if (r->state == S_BODY_CLOSE) {
        r->state = S_DONE;
        r->meta.keep_alive = false;
        finish(r);
        return BL_OK;
    }
    return BL_ERR_RECV;
}
