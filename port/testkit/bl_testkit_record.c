/**
 * @file bl_testkit_record.c
 * @brief The recorder (bl_testkit_record.h): a pass-through transport that
 * writes the session as a script, with secrets masked.
 *
 * Portable C99 like the core: no OS header, no heap, no stdio.
 */
#include "bl_testkit_record.h"

#if defined(BL_PORT_TESTKIT) && BL_PORT_TESTKIT

#include <string.h>

/* ------------------------------------------------------------ writing */

static void put(bl_tk_recorder_t *r, const char *s, size_t n)
{
    if (n > 0u) {
        r->write(r->write_ctx, s, n);
    }
}

static void puts_(bl_tk_recorder_t *r, const char *s)
{
    put(r, s, strlen(s));
}

static void put_dec(bl_tk_recorder_t *r, uint64_t v)
{
    char digits[24];
    size_t n = sizeof digits;
    do {
        digits[--n] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v > 0u && n > 0u);
    put(r, digits + n, sizeof digits - n);
}

/* A step line without bytes: "stall\n", "close\n", ... */
static void put_step(bl_tk_recorder_t *r, const char *line)
{
    puts_(r, line);
    put(r, "\n", 1);
    r->steps++;
}

/* ------------------------------------------------------------ masking */

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static bool ieq(const uint8_t *p, size_t n, const char *word)
{
    size_t wn = strlen(word);
    if (n != wn) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (lower(p[i]) != (uint8_t)word[i]) {
            return false;
        }
    }
    return true;
}

/* Index of the first "\r\n" at or after @p from, or @p len. */
static size_t find_crlf(const uint8_t *p, size_t len, size_t from)
{
    for (size_t i = from; i + 1u < len; i++) {
        if (p[i] == '\r' && p[i + 1u] == '\n') {
            return i;
        }
    }
    return len;
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void stars(uint8_t *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        p[i] = '*';
    }
}

/* At p[i] == '\r' inside a JSON string of a chunked body: the length of
 * the chunk framing "\r\nHEX[;ext]\r\n" that starts there, or 0 when it is
 * not one (a JSON string holds no raw CR, so framing is unambiguous). */
static size_t chunk_framing(const uint8_t *p, size_t len, size_t i)
{
    if (i + 1u >= len || p[i + 1u] != '\n') {
        return 0;
    }
    size_t j = i + 2u;
    size_t digits = 0;
    while (j < len && is_hex(p[j])) {
        j++;
        digits++;
    }
    if (digits == 0u) {
        return 0;
    }
    size_t end = find_crlf(p, len, j);
    return end < len ? end + 2u - i : 0u;
}

/* Mask a JSON string's contents from p[i] (just after its opening quote)
 * to its closing quote or the end of the block; returns where it stopped. */
static size_t mask_string(uint8_t *p, size_t len, size_t i)
{
    while (i < len && p[i] != '"') {
        if (p[i] == '\r') {
            size_t skip = chunk_framing(p, len, i);
            if (skip == 0u) {
                return i;
            }
            i += skip;
        } else if (p[i] == '\\') {
            p[i++] = '*';
            if (i < len && p[i] != '\r') {
                p[i++] = '*';
            }
        } else {
            p[i++] = '*';
        }
    }
    return i;
}

static bool json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Mask the string value of every `"key":` in @p keys found in p[0..len). */
static void mask_json(uint8_t *p, size_t len, const char *const *keys, size_t nkeys)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '"' || (i > 0u && p[i - 1u] == '\\')) {
            continue;
        }
        for (size_t k = 0; k < nkeys; k++) {
            size_t kn = strlen(keys[k]);
            size_t j = i + 1u + kn;
            if (j >= len || memcmp(p + i + 1u, keys[k], kn) != 0 || p[j] != '"') {
                continue;
            }
            j++;
            while (j < len && json_space(p[j])) {
                j++;
            }
            if (j >= len || p[j] != ':') {
                break;
            }
            j++;
            while (j < len && json_space(p[j])) {
                j++;
            }
            if (j < len && p[j] == '"') {
                i = mask_string(p, len, j + 1u);
            }
            break;
        }
    }
}

/* Mask the value of form field @p name in an x-www-form-urlencoded body. */
static void mask_form(uint8_t *p, size_t len, const char *name)
{
    size_t nn = strlen(name);
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && p[end] != '&') {
            end++;
        }
        if (end - i > nn && memcmp(p + i, name, nn) == 0 && p[i + nn] == '=') {
            stars(p, i + nn + 1u, end);
        }
        i = end + 1u;
    }
}

/* Which header values are secret. */
typedef enum { HDR_KEEP, HDR_VALUE, HDR_CREDENTIALS } hdr_mask_t;

static hdr_mask_t request_header(const uint8_t *name, size_t n)
{
    if (ieq(name, n, "authorization") || ieq(name, n, "proxy-authorization")) {
        return HDR_CREDENTIALS;
    }
    return (ieq(name, n, "x-api-key") || ieq(name, n, "cookie")) ? HDR_VALUE : HDR_KEEP;
}

static hdr_mask_t answer_header(const uint8_t *name, size_t n)
{
    return ieq(name, n, "set-cookie") ? HDR_VALUE : HDR_KEEP;
}

/* Mask the header values of the head in p[0..len) (request or status line
 * first); returns the offset of the body (len when the head does not end
 * in this block) and tells whether the body is a form. */
static size_t mask_head(uint8_t *p, size_t len, hdr_mask_t (*kind)(const uint8_t *, size_t), bool *form)
{
    *form = false;
    size_t line = find_crlf(p, len, 0);
    if (line >= len) {
        return len;
    }
    line += 2u;
    while (line < len) {
        size_t eol = find_crlf(p, len, line);
        if (eol == line) {
            return line + 2u;
        }
        size_t colon = line;
        while (colon < eol && p[colon] != ':') {
            colon++;
        }
        size_t v = colon + 1u;
        while (v < eol && (p[v] == ' ' || p[v] == '\t')) {
            v++;
        }
        if (colon < eol) {
            hdr_mask_t m = kind(p + line, colon - line);
            if (m == HDR_CREDENTIALS) {
                /* Keep the scheme word ("Bearer") and the one separator
                 * after it: a reader sees what kind of credentials went,
                 * not which. Any further blank is the credential's own
                 * (masked), so a masked file records the same again. */
                size_t sp = v;
                while (sp < eol && p[sp] != ' ' && p[sp] != '\t') {
                    sp++;
                }
                if (sp < eol) {
                    sp++;
                }
                stars(p, sp < eol ? sp : v, eol);
            } else if (m == HDR_VALUE) {
                stars(p, v, eol);
            } else if (ieq(p + line, colon - line, "content-type")) {
                static const char form_type[] = "application/x-www-form-urlencoded";
                size_t fn = sizeof form_type - 1u;
                *form = eol - v >= fn && ieq(p + v, fn, form_type);
            }
        }
        if (eol >= len) {
            return len;
        }
        line = eol + 2u;
    }
    return len;
}

static void mask_request(uint8_t *p, size_t len)
{
    static const char *const keys[] = {"access_token", "client_secret", "exchangeable_token", "refresh_token"};
    bool form;
    size_t body = mask_head(p, len, request_header, &form);
    if (form) {
        mask_form(p + body, len - body, "client_secret");
    } else {
        mask_json(p + body, len - body, keys, sizeof keys / sizeof keys[0]);
    }
}

static void mask_answer(uint8_t *p, size_t len)
{
    static const char *const keys[] = {"access_token", "refresh_token"};
    bool form;
    /* A block that starts a response carries its head; later blocks of a
     * long answer are body only. */
    if (len >= 5u && memcmp(p, "HTTP/", 5) == 0) {
        (void)mask_head(p, len, answer_header, &form);
    }
    mask_json(p, len, keys, sizeof keys / sizeof keys[0]);
}

/* ------------------------------------------------------------ steps */

static bool token_char(uint8_t c)
{
    return c > 0x20u && c < 0x7Fu;
}

/* Write the held request: its line, then the bytes when they all fitted. */
static void flush_request(bl_tk_recorder_t *r)
{
    const uint8_t *p = r->buf;
    size_t m = 0;
    while (m < r->len && token_char(p[m])) {
        m++;
    }
    size_t t0 = m + 1u;
    size_t t = t0;
    while (t < r->len && token_char(p[t])) {
        t++;
    }
    bool whole = r->request_len == r->len;
    puts_(r, "request");
    if (m > 0u && m < r->len && p[m] == ' ' && t > t0 && t < r->len && p[t] == ' ') {
        put(r, " ", 1);
        put(r, (const char *)p, m);
        put(r, " ", 1);
        put(r, (const char *)p + t0, t - t0);
    } else {
        /* Not an HTTP request line: let the replay take any request. */
        puts_(r, " * *");
    }
    if (whole) {
        mask_request(r->buf, r->len);
        put(r, " ", 1);
        put_dec(r, r->len);
        put(r, "\n", 1);
        put(r, (const char *)r->buf, r->len);
    } else {
        r->truncated++;
    }
    put(r, "\n", 1);
    r->steps++;
    r->requests++;
    bl_secure_zero(r->buf, r->len);
    r->len = 0;
    r->request_len = 0;
    r->held = BL_TK_REC_NOTHING;
}

static void flush_answer(bl_tk_recorder_t *r)
{
    if (r->held != BL_TK_REC_ANSWER) {
        return;
    }
    if (r->len == 0u) {
        r->held = BL_TK_REC_NOTHING;
        return;
    }
    mask_answer(r->buf, r->len);
    puts_(r, "answer ");
    put_dec(r, r->len);
    put(r, "\n", 1);
    put(r, (const char *)r->buf, r->len);
    put(r, "\n", 1);
    r->steps++;
    bl_secure_zero(r->buf, r->len);
    r->len = 0;
    r->held = BL_TK_REC_NOTHING;
}

/* A request the client never read an answer for: not a complete step. */
static void drop_request(bl_tk_recorder_t *r)
{
    if (r->held == BL_TK_REC_REQUEST) {
        bl_secure_zero(r->buf, r->len);
        r->len = 0;
        r->request_len = 0;
        r->held = BL_TK_REC_NOTHING;
    }
}

/* The connection ended on the server's side: `close` or `reset`, once. */
static void end_connection(bl_tk_recorder_t *r, const char *word)
{
    flush_answer(r);
    if (!r->ended) {
        put_step(r, word);
        r->ended = true;
    }
}

static void hold_answer(bl_tk_recorder_t *r, const uint8_t *data, size_t n)
{
    if (r->held != BL_TK_REC_ANSWER) {
        r->held = BL_TK_REC_ANSWER;
        r->len = 0;
    }
    while (n > 0u) {
        if (r->len == r->buf_size) {
            flush_answer(r);
            r->split_answers++;
            r->held = BL_TK_REC_ANSWER;
        }
        size_t room = r->buf_size - r->len;
        size_t take = n < room ? n : room;
        memcpy(r->buf + r->len, data, take);
        r->len += take;
        data += take;
        n -= take;
    }
}

static void hold_request(bl_tk_recorder_t *r, const uint8_t *data, size_t n)
{
    if (r->held != BL_TK_REC_REQUEST) {
        r->held = BL_TK_REC_REQUEST;
        r->len = 0;
        r->request_len = 0;
    }
    size_t room = r->buf_size - r->len;
    size_t take = n < room ? n : room;
    memcpy(r->buf + r->len, data, take);
    r->len += take;
    r->request_len += n;
}

/* ------------------------------------------------------------ transport */

static bl_status_t rec_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_tk_recorder_t *r = (bl_tk_recorder_t *)ctx;
    flush_answer(r);
    drop_request(r);
    bl_status_t st = r->inner->connect(r->inner->ctx, host, port, timeout_ms);
    if (st != BL_OK) {
        puts_(r, "refuse ");
        put_step(r, bl_status_str(st));
        return st;
    }
    r->ended = false;
    puts_(r, "connect");
    /* The host is a note for the reader (the replay does not check it);
     * one with a blank or control byte would break the line. */
    size_t hn = host != NULL ? strlen(host) : 0u;
    bool printable = hn > 0u;
    for (size_t i = 0; i < hn; i++) {
        printable = printable && token_char((uint8_t)host[i]);
    }
    if (printable) {
        put(r, " ", 1);
        put(r, host, hn);
        put(r, " ", 1);
        put_dec(r, port);
    }
    put_step(r, "");
    return BL_OK;
}

static int32_t rec_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_tk_recorder_t *r = (bl_tk_recorder_t *)ctx;
    flush_answer(r);
    int32_t n = r->inner->send(r->inner->ctx, data, len, timeout_ms);
    if (n > 0) {
        hold_request(r, data, (size_t)n);
    } else {
        drop_request(r);
        end_connection(r, "reset");
    }
    return n;
}

static int32_t rec_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_tk_recorder_t *r = (bl_tk_recorder_t *)ctx;
    if (r->held == BL_TK_REC_REQUEST) {
        flush_request(r);
    }
    int32_t n = r->inner->recv(r->inner->ctx, data, len, timeout_ms);
    if (n > 0) {
        hold_answer(r, data, (size_t)n);
    } else if (n == BL_IO_CLOSED) {
        end_connection(r, "close");
    } else if (n == BL_IO_TIMEOUT) {
        if (timeout_ms > 0u) {
            flush_answer(r);
            put_step(r, "stall");
        }
    } else {
        end_connection(r, "reset");
    }
    return n;
}

static void rec_close(void *ctx)
{
    bl_tk_recorder_t *r = (bl_tk_recorder_t *)ctx;
    flush_answer(r);
    drop_request(r);
    r->inner->close(r->inner->ctx);
}

static int32_t rec_raw_error(void *ctx)
{
    const bl_tk_recorder_t *r = (const bl_tk_recorder_t *)ctx;
    return r->inner->raw_error(r->inner->ctx);
}

bl_status_t bl_tk_recorder_init(bl_tk_recorder_t *r, const bl_transport_t *inner, uint8_t *buf, size_t buf_size,
                                bl_tk_write_fn write, void *write_ctx)
{
    if (r == NULL || inner == NULL || buf == NULL || write == NULL || buf_size < BL_TK_RECORD_MIN_BUF ||
        inner->connect == NULL || inner->send == NULL || inner->recv == NULL || inner->close == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(r, 0, sizeof *r);
    r->inner = inner;
    r->buf = buf;
    r->buf_size = buf_size;
    r->write = write;
    r->write_ctx = write_ctx;
    r->transport.connect = rec_connect;
    r->transport.send = rec_send;
    r->transport.recv = rec_recv;
    r->transport.close = rec_close;
    r->transport.raw_error = inner->raw_error != NULL ? rec_raw_error : NULL;
    r->transport.ctx = r;
    puts_(r, "banklink-script 1\n"
             "# recorded by banklink's recorder (port/testkit); secrets are masked with '*'\n");
    return BL_OK;
}

void bl_tk_recorder_finish(bl_tk_recorder_t *r)
{
    if (r == NULL || r->write == NULL) {
        return;
    }
    flush_answer(r);
    drop_request(r);
}

#else /* BL_PORT_TESTKIT */

/* ISO C forbids an empty translation unit. */
typedef int bl_testkit_record_disabled_t;

#endif /* BL_PORT_TESTKIT */
