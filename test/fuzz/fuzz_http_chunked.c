/*
 * Fuzz target: the chunked transfer decoder.
 *
 * The input is the body of a response whose fixed header says
 * `Transfer-Encoding: chunked`. It is read byte by byte and in one go; both
 * must agree, and the decoded body must equal what a deliberately simple
 * reference decoder (below, written from RFC 9112 section 7.1: chunk-ext
 * grammar as a state machine, trailer fields checked like header fields,
 * bare LF accepted as a line end) makes of the same bytes.
 */
#include "fuzz_http_drive.h"

#define FUZZ_CHUNKED_CAP 4096u

static const char fuzz_head[] = "HTTP/1.1 200 OK\r\n"
                                "Content-Type: application/json\r\n"
                                "Transfer-Encoding: chunked\r\n"
                                "\r\n";

enum { REF_INCOMPLETE = 0, REF_OK = 1, REF_MALFORMED = -1 };

/* Next line of p[*pos..n): its start and length without LF and one CR. */
static int ref_line(const uint8_t *p, size_t n, size_t *pos, const uint8_t **line, size_t *len)
{
    const uint8_t *nl = memchr(p + *pos, '\n', n - *pos);
    if (nl == NULL) {
        return 0;
    }
    *line = p + *pos;
    *len = (size_t)(nl - *line);
    *pos += *len + 1u;
    if (*len > 0u && (*line)[*len - 1u] == '\r') {
        (*len)--;
    }
    return 1;
}

static int ref_hex(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* RFC 9110 5.6.2 tchar. */
static bool ref_tchar(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0u && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field text (RFC 9110 5.5): HTAB, SP, VCHAR, obs-text. */
static bool ref_text(uint8_t c)
{
    return c == '\t' || (c >= 0x20u && c != 0x7Fu);
}

/* chunk-ext (RFC 9112 7.1.1) after the size, as a state machine. */
static bool ref_ext_ok(const uint8_t *p, size_t n)
{
    enum { CLEAN, WS, SEMI, NAME, AFTER_NAME, EQ, VALUE, QUOTED, QPAIR } st = CLEAN;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        bool ws = c == ' ' || c == '\t';
        switch (st) {
        case CLEAN:
        case WS:
            if (ws) {
                st = WS;
            } else if (c == ';') {
                st = SEMI;
            } else {
                return false;
            }
            break;
        case SEMI:
            if (!ws) {
                if (!ref_tchar(c)) {
                    return false;
                }
                st = NAME;
            }
            break;
        case NAME:
        case AFTER_NAME:
            if (ws) {
                st = AFTER_NAME;
            } else if (c == '=') {
                st = EQ;
            } else if (c == ';') {
                st = SEMI;
            } else if (st == NAME && ref_tchar(c)) {
                st = NAME;
            } else {
                return false;
            }
            break;
        case EQ:
            if (c == '"') {
                st = QUOTED;
            } else if (ref_tchar(c)) {
                st = VALUE;
            } else if (!ws) {
                return false;
            }
            break;
        case VALUE:
            if (ws) {
                st = WS;
            } else if (c == ';') {
                st = SEMI;
            } else if (!ref_tchar(c)) {
                return false;
            }
            break;
        case QUOTED:
            if (c == '"') {
                st = CLEAN;
            } else if (c == '\\') {
                st = QPAIR;
            } else if (!ref_text(c)) {
                return false;
            }
            break;
        case QPAIR:
            if (!ref_text(c)) {
                return false;
            }
            st = QUOTED;
            break;
        }
    }
    return st == CLEAN || st == NAME || st == VALUE;
}

/* A trailer field line: a token, a colon, field text. */
static bool ref_field_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && ref_tchar(p[i])) {
        i++;
    }
    if (i == 0u || i == n || p[i] != ':') {
        return false;
    }
    for (i++; i < n; i++) {
        if (!ref_text(p[i])) {
            return false;
        }
    }
    return true;
}

/* Decode chunked p[0..n) into out (at least n bytes). */
static int ref_chunked(const uint8_t *p, size_t n, uint8_t *out, size_t *out_len)
{
    size_t pos = 0;
    size_t olen = 0;
    const uint8_t *line;
    size_t ll;
    *out_len = 0;
    for (;;) {
        if (!ref_line(p, n, &pos, &line, &ll)) {
            return REF_INCOMPLETE;
        }
        uint64_t size = 0;
        size_t i = 0;
        unsigned significant = 0;
        for (; i < ll && ref_hex(line[i]) >= 0; i++) {
            int d = ref_hex(line[i]);
            if (size != 0u || d != 0) {
                significant++;
            }
            if (significant > 15u) {
                return REF_MALFORMED;
            }
            size = size * 16u + (uint64_t)d;
        }
        if (i == 0u || !ref_ext_ok(line + i, ll - i)) {
            return REF_MALFORMED;
        }
        if (size == 0u) {
            for (;;) { /* trailer fields, checked, up to the empty line */
                if (!ref_line(p, n, &pos, &line, &ll)) {
                    return REF_INCOMPLETE;
                }
                if (ll == 0u) {
                    *out_len = olen;
                    return REF_OK;
                }
                if (!ref_field_ok(line, ll)) {
                    return REF_MALFORMED;
                }
            }
        }
        if ((uint64_t)(n - pos) < size) {
            return REF_INCOMPLETE;
        }
        memcpy(out + olen, p + pos, (size_t)size);
        olen += (size_t)size;
        pos += (size_t)size;
        if (!ref_line(p, n, &pos, &line, &ll)) {
            return REF_INCOMPLETE;
        }
        if (ll != 0u) {
            return REF_MALFORMED;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t hlen = sizeof fuzz_head - 1u;
    size_t n = hlen + size;
    uint8_t *msg = (uint8_t *)malloc(n);
    if (msg == NULL) {
        abort();
    }
    memcpy(msg, fuzz_head, hlen);
    if (size != 0u) {
        memcpy(msg + hlen, data, size);
    }

    fuzz_pieces_t bytewise = {0x2545F491u, 1u};
    fuzz_pieces_t whole = {0u, 1u};
    fuzz_http_result_t a;
    fuzz_http_result_t b;
    fuzz_http_read(msg, n, FUZZ_CHUNKED_CAP, bytewise, false, FUZZ_STREAM_OFF, &a);
    fuzz_http_read(msg, n, FUZZ_CHUNKED_CAP, whole, false, FUZZ_STREAM_OFF, &b);
    fuzz_http_same(&a, &b);

    uint8_t *ref = (uint8_t *)malloc(size == 0u ? 1u : size);
    if (ref == NULL) {
        abort();
    }
    size_t ref_len = 0;
    int rs = ref_chunked(data, size, ref, &ref_len);
    bool fits = n <= FUZZ_CHUNKED_CAP - 1u;
    if (a.done) {
        FUZZ_CHECK(rs == REF_OK);
        FUZZ_CHECK(a.meta.status == 200 && a.meta.chunked);
        FUZZ_CHECK(a.body_len == ref_len);
        FUZZ_CHECK(ref_len == 0u || memcmp(a.body, ref, ref_len) == 0);
    } else if (rs == REF_OK) {
        FUZZ_CHECK(!fits); /* a whole chunked body that fits must decode */
    } else if (rs == REF_INCOMPLETE && fits) {
        FUZZ_CHECK(a.status == BL_ERR_RECV || a.status == BL_ERR_RESPONSE_TOO_LARGE);
    } else if (rs == REF_MALFORMED && fits) {
        FUZZ_CHECK(a.status == BL_ERR_HTTP_MALFORMED || a.status == BL_ERR_RESPONSE_TOO_LARGE);
    }

    free(ref);
    fuzz_http_result_free(&a);
    fuzz_http_result_free(&b);
    free(msg);
    return 0;
}
