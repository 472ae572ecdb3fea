/*
 * Differential fuzz target: banklink's HTTP response reader against
 * nodejs/http-parser 2.9.4 (Debian's libhttp-parser-dev), an independent
 * parser.
 *
 * The input is one response as the server sent it, then the connection
 * closes. Both parsers read it; they must agree on accept or refuse, and
 * when both accept, on the final status code, the body bytes after
 * de-chunking and keep-alive. A disagreement is allowed only when one of
 * the intended differences listed in test/fuzz/README.md applies, each
 * decided here by its own test of the input (the D numbers below are the
 * README's); any other disagreement aborts.
 *
 * http-parser is given allow_chunked_length = 1 (it then takes chunked
 * over Content-Length as RFC 9112 6.3 says, as banklink does) and the
 * default lenient_http_headers = 0.
 */
#include <http_parser.h>

#include "fuzz_common.h"
#include "bl_http.h"

/* Larger than any input (-max_len 8192): a body never fails for size. */
#define DIFF_CAP 16384u

/* Set BL_FUZZ_DIFF_VERBOSE=1 to print both outcomes of every input. */
static bool diff_verbose(void)
{
    const char *v = getenv("BL_FUZZ_DIFF_VERBOSE");
    return v != NULL && v[0] == '1';
}

typedef struct outcome {
    bool ok;          /* a whole final response was read */
    int status;       /* its status code */
    bool keep_alive;  /* the connection could be reused */
    char *body;       /* de-chunked body (malloc'ed, DIFF_CAP bytes) */
    size_t body_len;
} outcome_t;

/* ------------------------------------------------------------ banklink */

typedef struct bl_run {
    outcome_t out;
    bl_status_t st;
    bl_http_part_t part;
    bl_http_meta_t meta;
    size_t extra;
} bl_run_t;

static void run_banklink(const uint8_t *data, size_t size, bl_run_t *b)
{
    char *buf = (char *)malloc(DIFF_CAP);
    if (buf == NULL) {
        abort();
    }
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, DIFF_CAP);
    size_t avail;
    char *space = bl_http_reader_space(&r, &avail);
    FUZZ_CHECK(avail >= size);
    memcpy(space, data, size);
    b->st = bl_http_reader_feed(&r, size);
    if (b->st == BL_OK && !bl_http_reader_done(&r)) {
        b->st = bl_http_reader_eof(&r);
    }
    b->part = bl_http_reader_malformed(&r);
    b->meta = r.meta;
    b->extra = r.extra;
    b->out.ok = b->st == BL_OK && bl_http_reader_done(&r);
    b->out.status = r.meta.status;
    b->out.keep_alive = r.meta.keep_alive;
    b->out.body = (char *)malloc(DIFF_CAP);
    if (b->out.body == NULL) {
        abort();
    }
    b->out.body_len = 0;
    if (b->out.ok) {
        size_t len;
        const char *body = bl_http_reader_body(&r, &len);
        memcpy(b->out.body, body, len);
        b->out.body_len = len;
    }
    free(buf);
}

/* --------------------------------------------------------- http-parser */

#define MAX_NAMES 64u

typedef struct hp_run {
    outcome_t out;
    enum http_errno err;
    const uint8_t *data;
    unsigned char *is_body;   /* per input byte: reported through on_body */
    size_t end;               /* bytes of the input up to the end of the final message */
    size_t stop;              /* where http_parser_execute stopped (the offending byte on error) */
    int messages;             /* headers completed so far */
    bool final_seen;          /* headers of a final (non-1xx) response completed */
    bool done;                /* the final message completed */
    bool interim_closed;      /* an interim response said the connection ends */
    bool interim_framed;      /* an interim response had Content-Length or Transfer-Encoding */
    bool in_name;             /* header callbacks: the current field name is growing */
    char name[32];            /* the current field name (lower case, cut) */
    size_t name_len;
    unsigned content_lengths; /* Content-Length fields of the final response */
    unsigned transfer_encodings;
    bool te_chunked_only;     /* every Transfer-Encoding value is "chunked" (OWS trimmed) */
    bool chunked;             /* http-parser frames the final response as chunked */
    bool trailers;            /* the final response had trailer fields */
    bool upgrade;             /* http-parser stopped for a protocol upgrade */
    bool te_prefix;           /* a field name longer than, and starting with, "transfer-encoding" */
    char value[DIFF_CAP];     /* the current field value (an input is shorter) */
    size_t value_len;
} hp_run_t;

static hp_run_t *hp_of(http_parser *p)
{
    return (hp_run_t *)p->data;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32u) : c;
}

static void end_value(hp_run_t *h)
{
    if (h->name_len > 17u && memcmp(h->name, "transfer-encoding", 17) == 0) {
        h->te_prefix = true;
    }
    if (h->name_len == 14u && memcmp(h->name, "content-length", 14) == 0) {
        h->content_lengths++;
    } else if (h->name_len == 17u && memcmp(h->name, "transfer-encoding", 17) == 0) {
        h->transfer_encodings++;
        size_t a = 0;
        size_t z = h->value_len;
        while (a < z && (h->value[a] == ' ' || h->value[a] == '\t')) {
            a++;
        }
        while (z > a && (h->value[z - 1u] == ' ' || h->value[z - 1u] == '\t')) {
            z--;
        }
        bool chunked = z - a == 7u;
        for (size_t i = 0; chunked && i < 7u; i++) {
            chunked = lower((unsigned char)h->value[a + i]) == (unsigned char)"chunked"[i];
        }
        if (!chunked) {
            h->te_chunked_only = false;
        }
    }
}

static int on_message_begin(http_parser *p)
{
    hp_run_t *h = hp_of(p);
    h->content_lengths = 0;
    h->transfer_encodings = 0;
    h->te_chunked_only = true;
    h->name_len = 0;
    h->in_name = false;
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    hp_run_t *h = hp_of(p);
    if (h->final_seen) {
        h->trailers = true; /* after the header section: a trailer field */
    }
    if (!h->in_name) {
        if (h->name_len != 0u) {
            end_value(h);
        }
        h->name_len = 0;
        h->value_len = 0;
        h->in_name = true;
    }
    for (size_t i = 0; i < n && h->name_len < sizeof h->name; i++) {
        h->name[h->name_len++] = (char)lower((unsigned char)at[i]);
    }
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    hp_run_t *h = hp_of(p);
    h->in_name = false;
    for (size_t i = 0; i < n && h->value_len < sizeof h->value; i++) {
        h->value[h->value_len++] = at[i];
    }
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    hp_run_t *h = hp_of(p);
    if (h->name_len != 0u) {
        end_value(h);
        h->name_len = 0;
    }
    h->in_name = false;
    h->messages++;
    if (p->status_code >= 200u) {
        h->final_seen = true;
        h->chunked = (p->flags & F_CHUNKED) != 0u;
        h->out.status = (int)p->status_code;
    } else {
        h->interim_closed = h->interim_closed || !http_should_keep_alive(p);
        h->interim_framed = h->interim_framed || (p->flags & (F_CONTENTLENGTH | F_CHUNKED)) != 0u ||
                            p->uses_transfer_encoding != 0u;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    hp_run_t *h = hp_of(p);
    size_t off = (size_t)((const uint8_t *)at - h->data);
    memset(h->is_body + off, 1, n);
    if (h->final_seen) {
        FUZZ_CHECK(h->out.body_len + n <= DIFF_CAP);
        memcpy(h->out.body + h->out.body_len, at, n);
        h->out.body_len += n;
    }
    return 0;
}

static int on_message_complete(http_parser *p)
{
    hp_run_t *h = hp_of(p);
    if (!h->final_seen) {
        return 0; /* an interim response: the final one follows */
    }
    h->done = true;
    h->out.keep_alive = http_should_keep_alive(p) != 0;
    return 1; /* stop: what follows is not ours (banklink counts it as extra) */
}

static void run_http_parser(const uint8_t *data, size_t size, hp_run_t *h)
{
    static const http_parser_settings settings = {
        .on_message_begin = on_message_begin,
        .on_header_field = on_header_field,
        .on_header_value = on_header_value,
        .on_headers_complete = on_headers_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
    };
    memset(h, 0, sizeof *h);
    h->data = data;
    h->is_body = (unsigned char *)calloc(size + 1u, 1u);
    h->out.body = (char *)malloc(DIFF_CAP);
    if (h->is_body == NULL || h->out.body == NULL) {
        abort();
    }
    http_parser p;
    http_parser_init(&p, HTTP_RESPONSE);
    p.allow_chunked_length = 1;
    p.data = h;
    size_t used = http_parser_execute(&p, &settings, (const char *)data, size);
    h->err = HTTP_PARSER_ERRNO(&p);
    h->stop = used;
    if (h->err == HPE_OK && !h->done && !p.upgrade) {
        /* The connection closes: that ends a close-delimited body. */
        (void)http_parser_execute(&p, &settings, NULL, 0);
        h->err = HTTP_PARSER_ERRNO(&p);
    }
    if (h->done) {
        h->err = HPE_OK; /* the stop asked for by on_message_complete */
        h->end = used;
    } else {
        h->end = size;
    }
    h->out.ok = h->done;
}

/* ------------------------------------------------- intended differences */

static bool tchar(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0u && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool text(uint8_t c)
{
    return c == '\t' || (c >= 0x20u && c != 0x7Fu);
}

static bool hexdig(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A status line banklink takes: HTTP/1.0 or 1.1, SP, three digits 100-599
 * but 101, then nothing or SP and text. */
static bool status_line_ok(const uint8_t *l, size_t n)
{
    if (n < 12u || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ') {
        return false;
    }
    int code = 0;
    for (size_t i = 9; i < 12u; i++) {
        if (l[i] < '0' || l[i] > '9') {
            return false;
        }
        code = code * 10 + (l[i] - '0');
    }
    if (code < 100 || code > 599 || code == 101 || (n > 12u && l[12] != ' ')) {
        return false;
    }
    for (size_t i = 12; i < n; i++) {
        if (!text(l[i])) {
            return false;
        }
    }
    return true;
}

static bool field_line_ok(const uint8_t *l, size_t n)
{
    size_t i = 0;
    while (i < n && tchar(l[i])) {
        i++;
    }
    if (i == 0u || i == n || l[i] != ':') {
        return false;
    }
    for (i++; i < n; i++) {
        if (!text(l[i])) {
            return false;
        }
    }
    return true;
}

/* chunk-size [ chunk-ext ] by a regular-expression-like scan: each
 * extension ';' name [ '=' ( token | quoted-string ) ] with BWS around. */
static bool chunk_line_ok(const uint8_t *l, size_t n)
{
    size_t i = 0;
    while (i < n && hexdig(l[i])) {
        i++;
    }
    if (i == 0u) {
        return false;
    }
    while (i < n) {
        while (i < n && (l[i] == ' ' || l[i] == '\t')) {
            i++;
        }
        if (i == n || l[i++] != ';') {
            return false;
        }
        while (i < n && (l[i] == ' ' || l[i] == '\t')) {
            i++;
        }
        size_t s = i;
        while (i < n && tchar(l[i])) {
            i++;
        }
        if (i == s) {
            return false;
        }
        size_t j = i;
        while (j < n && (l[j] == ' ' || l[j] == '\t')) {
            j++;
        }
        if (j == n || l[j] != '=') {
            continue; /* i stays before the white space: the next round needs a ';' */
        }
        for (j++; j < n && (l[j] == ' ' || l[j] == '\t'); j++) {
        }
        if (j < n && l[j] == '"') {
            for (j++; j < n && l[j] != '"'; j++) {
                if (l[j] == '\\') {
                    j++;
                }
                if (j == n || !text(l[j])) {
                    return false;
                }
            }
            if (j == n) {
                return false;
            }
            i = j + 1u;
        } else {
            s = j;
            while (j < n && tchar(l[j])) {
                j++;
            }
            if (j == s) {
                return false;
            }
            i = j;
        }
    }
    return true;
}

/* Is some status line (the first non-empty line, or one after an interim
 * response's empty line) not one banklink takes? */
static bool bad_status_line(const uint8_t *d, size_t size)
{
    bool want_status = true;
    size_t i = 0;
    while (i < size) {
        const uint8_t *nl = memchr(d + i, '\n', size - i);
        size_t n = nl == NULL ? size - i : (size_t)(nl - (d + i));
        const uint8_t *l = d + i;
        i += n + 1u;
        if (n > 0u && l[n - 1u] == '\r') {
            n--;
        }
        if (want_status) {
            if (n == 0u) {
                continue;
            }
            if (!status_line_ok(l, n)) {
                return true;
            }
            want_status = (l[9] == '1'); /* interim: another status line follows its empty line */
            if (!want_status) {
                return false;
            }
            while (i < size) { /* skip the interim response's fields */
                nl = memchr(d + i, '\n', size - i);
                n = nl == NULL ? size - i : (size_t)(nl - (d + i));
                l = d + i;
                i += n + 1u;
                if (n == 0u || (n == 1u && l[0] == '\r')) {
                    break;
                }
            }
        }
    }
    return false;
}

/*
 * D2 (stricter lines): some line outside the body, as http-parser
 * framed the message, is none of: empty, a status line banklink takes, a
 * field line of tchar name and text value, a chunk-size line of the
 * RFC 9112 7.1.1 grammar. Lines end at LF; one CR before it is the CRLF.
 */
static bool has_strict_line(const uint8_t *d, const hp_run_t *h)
{
    size_t i = 0;
    while (i < h->end) {
        if (h->is_body[i]) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < h->end && !h->is_body[i] && d[i] != '\n') {
            i++;
        }
        size_t n = i - s;
        if (i < h->end && d[i] == '\n') {
            i++;
        } else if (i == h->end) {
            break; /* cut by the end of the message or the input: not a whole line */
        }
        if (n > 0u && d[s + n - 1u] == '\r') {
            n--;
        }
        const uint8_t *l = d + s;
        if (n != 0u && !status_line_ok(l, n) && !field_line_ok(l, n) && !chunk_line_ok(l, n)) {
            return true;
        }
    }
    return false;
}

static void show(const char *who, const outcome_t *o)
{
    fprintf(stderr, "  %s: %s status %d keep-alive %d body %zu bytes\n", who, o->ok ? "accepts" : "refuses",
            o->status, o->keep_alive, o->body_len);
}

/*
 * D9: a LF that http-parser took as framing (not body) without a framing
 * CR right before it. Debian's http-parser is the non-strict build: after
 * chunk data it takes any two bytes as the CRLF, and after a chunk size it
 * wants CR; banklink accepts a bare LF as a line end (RFC 9112 2.2 MAY).
 */
static bool has_bare_lf_framing(const uint8_t *d, const hp_run_t *h, size_t size)
{
    size_t last = h->stop < size ? h->stop : size - 1u;
    for (size_t k = 0; size != 0u && k <= last; k++) {
        if (d[k] == '\n' && !h->is_body[k] && (k == 0u || d[k - 1u] != '\r' || h->is_body[k - 1u])) {
            return true;
        }
    }
    return false;
}

/*
 * D10: a CR that http-parser took as framing with no LF after it. The
 * non-strict build takes whatever byte follows a CR at a line end as its
 * LF; for banklink it is a bare CR (RFC 9112 2.2: refused) or a line that
 * never ends.
 */
static bool has_bare_cr_framing(const uint8_t *d, const hp_run_t *h, size_t size)
{
    size_t last = h->stop < size ? h->stop : size - 1u;
    for (size_t k = 0; size != 0u && k <= last; k++) {
        if (d[k] == '\r' && !h->is_body[k] && (k + 1u == size || d[k + 1u] != '\n')) {
            return true;
        }
    }
    return false;
}

/*
 * D12: chunk data that http-parser ended without CRLF after it. The
 * non-strict build skips the two bytes after a chunk's data unchecked;
 * banklink wants the line end there (RFC 9112 7.1).
 */
static bool has_bad_chunk_data_end(const uint8_t *d, const hp_run_t *h, size_t size)
{
    if (!h->chunked) {
        return false;
    }
    for (size_t k = 1; k < size && k <= h->stop; k++) {
        if (h->is_body[k - 1u] && !h->is_body[k] && !(d[k] == '\n' || (d[k] == '\r' && k + 1u < size && d[k + 1u] == '\n'))) {
            return true;
        }
    }
    return false;
}

/* Which intended difference explains this disagreement (0: none). */
static int explain(const uint8_t *d, size_t size, const bl_run_t *b, const hp_run_t *h)
{
    bool bl_refused_line = b->st == BL_ERR_HTTP_MALFORMED;
    /* D1 stricter status line: "HTTP/1.0" or "HTTP/1.1" exactly (the
     * non-strict http-parser checks only the H), code 100-599 but 101,
     * reason text without control bytes. */
    if (bl_refused_line && b->part == BL_HTTP_PART_STATUS_LINE && bad_status_line(d, size)) {
        return 1;
    }
    /* D2: a line banklink's grammar refuses (bare CR, control byte,
     * name outside tchar, obs-fold, chunk-ext grammar). */
    if (bl_refused_line && h->out.ok && has_strict_line(d, h)) {
        return 2;
    }
    /* D3 Transfer-Encoding other than a single "chunked": banklink refuses. */
    if (bl_refused_line && b->part == BL_HTTP_PART_FIELD && h->final_seen &&
        (!h->te_chunked_only || h->transfer_encodings > 1u)) {
        return 3;
    }
    /* D14 a field name that only begins with "Transfer-Encoding"
     * (Transfer-Encoding*x): http-parser 2.9.4 marks the message as using
     * a transfer coding once the prefix matched, and reads the body to the
     * close, 1xx included; names are compared whole (RFC 9110 5.1). */
    if (h->te_prefix) {
        return 14;
    }
    /* D9 (see has_bare_lf_framing). */
    if (has_bare_lf_framing(d, h, size)) {
        return 9;
    }
    /* D10 (see has_bare_cr_framing). */
    if (!b->out.ok && has_bare_cr_framing(d, h, size)) {
        return 10;
    }
    /* D11 HTAB after a framing value (RFC 9110 5.5: OWS is not part of
     * the value): http-parser does not see "chunked" and reads to the
     * close, and refuses a Content-Length, stopping at the HTAB. */
    if (b->meta.chunked && h->final_seen && !h->chunked && h->transfer_encodings == 1u && h->te_chunked_only) {
        return 11;
    }
    if (b->out.ok && (h->err == HPE_INVALID_CONTENT_LENGTH || h->err == HPE_INVALID_CHUNK_SIZE) && h->stop < size &&
        d[h->stop] == '\t') {
        return 11; /* and HTAB as the BWS before a chunk extension (RFC 9112 7.1.1) */
    }
    /* D12 (see has_bad_chunk_data_end). */
    if (b->st == BL_ERR_HTTP_MALFORMED && b->part == BL_HTTP_PART_CHUNK_END && has_bad_chunk_data_end(d, h, size)) {
        return 12;
    }
    /* D4 1xx: http-parser ends the connection after an interim response
     * that is not keep-alive; banklink reads on to the final one. */
    if (h->interim_closed && !h->out.ok) {
        return 4;
    }
    /* D5 1xx, 204 and 304 have no body whatever the framing headers say. */
    if (b->out.ok && (b->out.status == 204 || b->out.status == 304 || h->interim_framed)) {
        return 5;
    }
    /* D6 Content-Length repeated with the same value: banklink takes it
     * (RFC 9110 8.6); http-parser refuses any second Content-Length (its
     * only other use of this error, chunked with Content-Length, is off). */
    if (b->out.ok && !h->out.ok && h->err == HPE_UNEXPECTED_CONTENT_LENGTH) {
        return 6;
    }
    if (b->out.ok && h->out.ok && b->out.status == h->out.status && b->out.body_len == h->out.body_len &&
        memcmp(b->out.body, h->out.body, b->out.body_len) == 0 && b->out.keep_alive != h->out.keep_alive &&
        !b->out.keep_alive) {
        /* D7 bytes after the response: banklink does not reuse. */
        if (b->extra != 0u) {
            return 7;
        }
        /* D8 chunked and Content-Length together: banklink closes. */
        if (b->meta.chunked && h->content_lengths > 0u) {
            return 8;
        }
    }
    /* D13 trailer fields do not frame or end the connection (RFC 9110
     * 6.5.1: framing and connection fields are not allowed there);
     * http-parser checks a Content-Length trailer and lets a
     * Transfer-Encoding or Connection trailer end keep-alive. */
    if (b->out.ok && h->trailers && !h->out.ok &&
        (h->err == HPE_INVALID_CONTENT_LENGTH || h->err == HPE_UNEXPECTED_CONTENT_LENGTH ||
         h->err == HPE_INVALID_TRANSFER_ENCODING)) {
        return 13;
    }
    if (b->out.ok && h->out.ok && b->out.status == h->out.status && b->out.body_len == h->out.body_len &&
        memcmp(b->out.body, h->out.body, b->out.body_len) == 0 && b->out.keep_alive && !h->out.keep_alive &&
        h->trailers) {
        return 13;
    }
    return 0;
}

/* Read @p in with both parsers and check they agree or differ as intended. */
static void compare(const uint8_t *in, size_t size)
{
    bl_run_t b;
    hp_run_t h;
    run_banklink(in, size, &b);
    run_http_parser(in, size, &h);

    bool same = b.out.ok == h.out.ok;
    if (same && b.out.ok) {
        same = b.out.status == h.out.status && b.out.keep_alive == h.out.keep_alive &&
               b.out.body_len == h.out.body_len && memcmp(b.out.body, h.out.body, b.out.body_len) == 0;
    }
    int why = same ? 0 : explain(in, size, &b, &h);
    /* Where both read the same response with the same framing, every line
     * banklink took must pass the independent grammar above. */
    bool grammar_ok = !(same && b.out.ok && !has_bare_lf_framing(in, &h, size) &&
                        !has_bare_cr_framing(in, &h, size) && !has_bad_chunk_data_end(in, &h, size) &&
                        has_strict_line(in, &h));
    if (!grammar_ok) {
        fprintf(stderr, "http_diff: banklink accepted a line outside the strict grammar\n");
    }
    FUZZ_CHECK(grammar_ok);
    if (diff_verbose() || (!same && why == 0)) {
        fprintf(stderr, "http_diff: %s (intended difference D%d)\n", same ? "agree" : "DISAGREE", why);
        show("banklink   ", &b.out);
        fprintf(stderr, "    %s, part %d, extra %zu\n", bl_status_str(b.st), (int)b.part, b.extra);
        show("http-parser", &h.out);
        fprintf(stderr, "    %s, %d messages, stopped at %zu of %zu, upgrade %d, final seen %d\n", http_errno_name(h.err),
                h.messages, h.stop, size, h.upgrade, h.final_seen);
    }
    FUZZ_CHECK(same || why != 0);

    free(b.out.body);
    free(h.out.body);
    free(h.is_body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (DIFF_CAP - 1u) / 2u) {
        return 0;
    }
    uint8_t *in = (uint8_t *)fuzz_dup(data, size);
    compare(in, size);
    /* The same input with every bare LF made CRLF: no D9 to hide behind,
     * so inputs the fuzzer writes with bare LFs still compare fully. */
    size_t bare = 0;
    for (size_t i = 0; i < size; i++) {
        bare += (in[i] == '\n' && (i == 0u || in[i - 1u] != '\r')) ? 1u : 0u;
    }
    if (bare != 0u) {
        uint8_t *crlf = (uint8_t *)malloc(size + bare);
        if (crlf == NULL) {
            abort();
        }
        size_t n = 0;
        for (size_t i = 0; i < size; i++) {
            if (in[i] == '\n' && (i == 0u || in[i - 1u] != '\r')) {
                crlf[n++] = '\r';
            }
            crlf[n++] = in[i];
        }
        compare(crlf, n);
        free(crlf);
    }
    free(in);
    return 0;
}
