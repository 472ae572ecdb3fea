/*
 * Drive bl_http_reader the way bl_client does (space, receive, feed, and
 * eof when the input runs out), checking the reader's invariants after
 * every step. Shared by the HTTP reader and chunked decoder targets.
 */
#ifndef BL_FUZZ_HTTP_DRIVE_H
#define BL_FUZZ_HTTP_DRIVE_H

#include "bl_http.h"
#include "fuzz_common.h"

/** What the "caller" does with a body in stream mode. */
typedef enum fuzz_stream {
    FUZZ_STREAM_OFF,    /**< Normal mode: the whole body must fit. */
    FUZZ_STREAM_ALL,    /**< Stream mode; consume all of the body after every feed. */
    FUZZ_STREAM_RANDOM  /**< Stream mode; consume a pseudo-random part (all of it once the buffer is full). */
} fuzz_stream_t;

/** How one read of a whole response ended. */
typedef struct fuzz_http_result {
    bl_status_t status;   /**< BL_OK when done, else the error that ended it. */
    bool done;            /**< bl_http_reader_done(). */
    bool full;            /**< Ended because bl_http_reader_space() gave 0 bytes. */
    bool eof_called;      /**< The input ran out before the reader was done. */
    char *body;           /**< Copy of the decoded body (malloc'ed), when done; in stream mode all of it. */
    size_t body_len;      /**< Its length. */
    bl_http_meta_t meta;  /**< What the headers said. */
} fuzz_http_result_t;

/** Piece sizes: deterministic, from a seed the fuzzer controls. */
typedef struct fuzz_pieces {
    uint32_t state;   /**< xorshift32 state; 0 means "as large as fits". */
    size_t max_piece; /**< Upper bound of a piece (>= 1). */
} fuzz_pieces_t;

static inline uint32_t fuzz_rand(fuzz_pieces_t *p)
{
    p->state ^= p->state << 13;
    p->state ^= p->state >> 17;
    p->state ^= p->state << 5;
    return p->state;
}

static inline size_t fuzz_next_piece(fuzz_pieces_t *p, size_t avail, size_t left)
{
    size_t n = avail < left ? avail : left;
    if (p->state == 0u) {
        return n;
    }
    size_t want = 1u + (size_t)(fuzz_rand(p) % (uint32_t)p->max_piece);
    return want < n ? want : n;
}

/** A growing copy of the body bytes a streaming caller consumed. */
typedef struct fuzz_sink {
    char *data;
    size_t len;
} fuzz_sink_t;

static inline void fuzz_sink_take(fuzz_sink_t *s, const char *p, size_t n)
{
    if (n == 0u) {
        return;
    }
    char *grown = (char *)realloc(s->data, s->len + n);
    if (grown == NULL) {
        abort();
    }
    memcpy(grown + s->len, p, n);
    s->data = grown;
    s->len += n;
}

/* Stream mode: hand (part of) the decoded body to the sink and drop it. */
static inline void fuzz_consume(bl_http_reader_t *r, fuzz_stream_t mode, fuzz_pieces_t *rng, fuzz_sink_t *sink)
{
    if (mode == FUZZ_STREAM_OFF || !bl_http_reader_in_body(r)) {
        return;
    }
    size_t blen = 0;
    char *body = bl_http_reader_body(r, &blen);
    size_t n = blen;
    if (mode == FUZZ_STREAM_RANDOM && r->len + 1u < r->cap && rng->state != 0u) {
        n = (size_t)(fuzz_rand(rng) % (uint32_t)(blen + 1u));
    }
    uint64_t before = r->consumed;
    fuzz_sink_take(sink, body, n);
    bl_http_reader_consume(r, n);
    FUZZ_CHECK(r->consumed == before + n);
    FUZZ_CHECK(r->body_len == blen - n);
}

typedef struct fuzz_line_ctx {
    const char *buf;
    size_t cap;
} fuzz_line_ctx_t;

/* The logging hook gets each status and header line: it must lie inside the
 * caller's buffer and hold no line break. Reading every byte lets ASan see
 * a line that runs past the buffer. */
static inline void fuzz_on_line(void *ctx, const char *line, size_t len)
{
    const fuzz_line_ctx_t *c = (const fuzz_line_ctx_t *)ctx;
    FUZZ_CHECK(line >= c->buf);
    FUZZ_CHECK((size_t)(line - c->buf) + len <= c->cap);
    volatile unsigned sum = 0;
    for (size_t i = 0; i < len; i++) {
        FUZZ_CHECK(line[i] != '\n');
        sum += (unsigned char)line[i];
    }
    (void)sum;
}

static inline void fuzz_check_reader(const bl_http_reader_t *r, size_t cap)
{
    FUZZ_CHECK(r->cap == cap);
    if (cap > 0u) {
        FUZZ_CHECK(r->len <= cap - 1u); /* a byte always stays free for the NUL */
    }
    FUZZ_CHECK(r->pos <= r->len);
    FUZZ_CHECK(r->body_len <= r->pos);
}

/**
 * Read @p in[0..n) through a reader over an exactly-sized heap buffer of
 * @p cap bytes, in pieces chosen by @p pieces.
 */
static inline void fuzz_http_read(const uint8_t *in, size_t n, size_t cap, fuzz_pieces_t pieces, bool head,
                                  fuzz_stream_t stream, fuzz_http_result_t *res)
{
    char *buf = (char *)malloc(cap);
    if (buf == NULL && cap != 0u) {
        abort();
    }
    fuzz_line_ctx_t lctx = {buf, cap};
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, cap);
    r.head_request = head;
    r.on_line = fuzz_on_line;
    r.on_line_ctx = &lctx;
    if (stream != FUZZ_STREAM_OFF) {
        bl_http_reader_set_stream(&r);
    }
    fuzz_sink_t sink = {NULL, 0};
    FUZZ_CHECK(!bl_http_reader_started(&r));
    FUZZ_CHECK(!bl_http_reader_done(&r));

    memset(res, 0, sizeof *res);
    res->status = BL_OK;
    size_t off = 0;
    while (!bl_http_reader_done(&r)) {
        size_t avail = 0;
        char *space = bl_http_reader_space(&r, &avail);
        fuzz_check_reader(&r, cap);
        if (avail == 0u) {
            res->full = true;
            res->status = BL_ERR_RESPONSE_TOO_LARGE;
            break;
        }
        FUZZ_CHECK(space >= buf && (size_t)(space - buf) + avail <= cap - 1u);
        if (off == n) {
            res->eof_called = true;
            res->status = bl_http_reader_eof(&r);
            FUZZ_CHECK(res->status == BL_OK || res->status == BL_ERR_RECV);
            FUZZ_CHECK((res->status == BL_OK) == bl_http_reader_done(&r));
            break;
        }
        size_t take = fuzz_next_piece(&pieces, avail, n - off);
        memcpy(space, in + off, take);
        off += take;
        bl_status_t st = bl_http_reader_feed(&r, take);
        FUZZ_CHECK(st == BL_OK || st == BL_ERR_HTTP_MALFORMED || st == BL_ERR_RESPONSE_TOO_LARGE);
        if (st != BL_OK) {
            res->status = st;
            break;
        }
        fuzz_check_reader(&r, cap);
        fuzz_consume(&r, stream, &pieces, &sink);
        fuzz_check_reader(&r, cap);
    }
    res->done = bl_http_reader_done(&r);
    if (res->done && off < n) {
        /* Bytes past the end of the message (a pipelined or bogus reply)
         * may still arrive: they are counted, the connection is not
         * reused, and the body and its NUL stay as they were. */
        size_t blen0 = 0;
        const char *b0 = bl_http_reader_body(&r, &blen0);
        char *before = fuzz_dup((const uint8_t *)b0, blen0);
        size_t avail = 0;
        char *space = bl_http_reader_space(&r, &avail);
        size_t take = avail < n - off ? avail : n - off;
        if (take > 0u) {
            FUZZ_CHECK(space >= buf && (size_t)(space - buf) + take <= cap - 1u);
            memcpy(space, in + off, take);
            size_t extra0 = r.extra;
            FUZZ_CHECK(bl_http_reader_feed(&r, take) == BL_OK);
            FUZZ_CHECK(bl_http_reader_done(&r) && r.extra == extra0 + take && !r.meta.keep_alive);
            size_t blen1 = 0;
            const char *b1 = bl_http_reader_body(&r, &blen1);
            FUZZ_CHECK(blen1 == blen0 && b1[blen1] == '\0');
            FUZZ_CHECK(blen0 == 0u || memcmp(b1, before, blen0) == 0);
        }
        free(before);
    }
    res->meta = r.meta;
    if (res->done) {
        FUZZ_CHECK(res->status == BL_OK);
        size_t blen = 0;
        char *body = bl_http_reader_body(&r, &blen);
        FUZZ_CHECK(body == buf);
        FUZZ_CHECK(blen == r.body_len);
        FUZZ_CHECK(cap > 0u && blen <= cap - 1u);
        FUZZ_CHECK(body[blen] == '\0');
        FUZZ_CHECK(bl_http_reader_started(&r) && bl_http_reader_in_body(&r));
        FUZZ_CHECK(r.consumed == (uint64_t)sink.len);
        fuzz_sink_take(&sink, body, blen); /* the whole body, streamed or not */
        size_t total = sink.len;
        FUZZ_CHECK(total <= off); /* the body came from the input */
        const bl_http_meta_t *m = &r.meta;
        FUZZ_CHECK(m->status >= 200 && m->status <= 599); /* 1xx are skipped */
        if (head || m->status == 204 || m->status == 304) {
            FUZZ_CHECK(total == 0u);
        } else if (m->chunked) {
            FUZZ_CHECK(m->content_length == -1);
        } else if (m->content_length >= 0) {
            FUZZ_CHECK((uint64_t)total == (uint64_t)m->content_length);
        } else {
            FUZZ_CHECK(res->eof_called); /* only a close ends such a body */
            FUZZ_CHECK(!m->keep_alive);
        }
        res->body = sink.data;
        res->body_len = total;
        sink.data = NULL;
    }
    free(sink.data);
    if (r.meta.status != 0) {
        FUZZ_CHECK(r.meta.status >= 100 && r.meta.status <= 599 && r.meta.status != 101);
    }
    FUZZ_CHECK(r.meta.content_length >= -1);
    FUZZ_CHECK(r.meta.retry_after_s >= -1);
    FUZZ_CHECK(r.meta.ratelimit_limit >= -1 && r.meta.ratelimit_remaining >= -1 && r.meta.ratelimit_reset >= -1);
    free(buf);
}

/**
 * The outcome must not depend on how the transport split the bytes: the
 * same status, the same body, the same header facts. keep_alive may differ
 * (bytes past the end were or were not seen), so it is not compared.
 */
static inline void fuzz_http_same(const fuzz_http_result_t *a, const fuzz_http_result_t *b)
{
    FUZZ_CHECK(a->status == b->status);
    FUZZ_CHECK(a->done == b->done);
    FUZZ_CHECK(a->body_len == b->body_len);
    if (a->body_len != 0u) {
        FUZZ_CHECK(memcmp(a->body, b->body, a->body_len) == 0);
    }
    if (a->done) {
        FUZZ_CHECK(a->meta.status == b->meta.status);
        FUZZ_CHECK(a->meta.content_length == b->meta.content_length);
        FUZZ_CHECK(a->meta.chunked == b->meta.chunked);
        FUZZ_CHECK(a->meta.retry_after_s == b->meta.retry_after_s);
        FUZZ_CHECK(a->meta.date_unix == b->meta.date_unix);
        FUZZ_CHECK(a->meta.ratelimit_limit == b->meta.ratelimit_limit);
        FUZZ_CHECK(a->meta.ratelimit_remaining == b->meta.ratelimit_remaining);
        FUZZ_CHECK(a->meta.ratelimit_reset == b->meta.ratelimit_reset);
    }
}

static inline void fuzz_http_result_free(fuzz_http_result_t *r)
{
    free(r->body);
    r->body = NULL;
}

#endif /* BL_FUZZ_HTTP_DRIVE_H */
