/*
 * Test transport for unit tests: plays back a recorded server side.
 *
 * Each connection answers from a script of steps (bytes, close, timeout,
 * error); recv never returns more than `piece` bytes, so a test can feed a
 * response split at every boundary. Everything the client sends is kept for
 * inspection. A fake clock advances only when the client sleeps or a step
 * says so.
 */
#ifndef SCRIPTED_TRANSPORT_H
#define SCRIPTED_TRANSPORT_H

#include <string.h>

#include "banklink.h"

enum { STEP_DATA, STEP_CLOSE, STEP_TIMEOUT, STEP_ERROR, STEP_END };

typedef struct step {
    int kind;
    const char *data; /* STEP_DATA */
    size_t len;       /* 0 = strlen(data) */
} step_t;

#define MAX_STEPS 16
#define SENT_MAX 8192

typedef struct script {
    /* one script per connection, in order; missing ones answer close */
    const step_t *conn_steps[8];
    size_t conn_count;
    size_t piece;            /* max bytes per recv; 0 = unlimited */
    bl_status_t connect_fail; /* returned by connect when not BL_OK */
    int connect_fail_times;  /* how many connects fail (then succeed) */
    long send_fail_at;       /* send fails once this many bytes went out (-1 never) */
    int send_fail_kind;      /* BL_IO_ERROR or BL_IO_TIMEOUT */
    size_t send_max;         /* max bytes accepted per send (0 = all) */
    bool idle_closed;        /* a zero-wait recv reports close (server closed while idle) */

    /* state */
    int connects;
    int closes;
    bool open;
    size_t conn_index;       /* current connection (1-based after connect) */
    size_t step;
    size_t step_off;
    char sent[SENT_MAX];
    size_t sent_len;
    int sends;
    uint32_t now;
    uint32_t slept;
} script_t;

static const step_t *cur_steps(const script_t *s)
{
    if (s->conn_index == 0 || s->conn_index > s->conn_count) {
        return NULL;
    }
    return s->conn_steps[s->conn_index - 1];
}

static inline bl_status_t st_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    script_t *s = ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    if (s->connect_fail != BL_OK && s->connect_fail_times > 0) {
        s->connect_fail_times--;
        return s->connect_fail;
    }
    s->connects++;
    s->open = true;
    s->conn_index++;
    s->step = 0;
    s->step_off = 0;
    return BL_OK;
}

static inline int32_t st_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    script_t *s = ctx;
    (void)timeout_ms;
    if (!s->open) {
        return BL_IO_ERROR;
    }
    s->sends++;
    if (s->send_fail_at >= 0 && s->sent_len >= (size_t)s->send_fail_at) {
        return s->send_fail_kind;
    }
    size_t n = len;
    if (s->send_max != 0 && n > s->send_max) {
        n = s->send_max;
    }
    if (s->send_fail_at >= 0 && s->sent_len + n > (size_t)s->send_fail_at) {
        n = (size_t)s->send_fail_at - s->sent_len;
    }
    if (s->sent_len + n > SENT_MAX) {
        return BL_IO_ERROR;
    }
    memcpy(s->sent + s->sent_len, data, n);
    s->sent_len += n;
    return (int32_t)n;
}

static inline int32_t st_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    script_t *s = ctx;
    if (!s->open) {
        return BL_IO_ERROR;
    }
    if (timeout_ms == 0) {
        /* liveness probe of an idle connection */
        return s->idle_closed ? BL_IO_CLOSED : BL_IO_TIMEOUT;
    }
    const step_t *steps = cur_steps(s);
    if (steps == NULL) {
        return BL_IO_CLOSED;
    }
    const step_t *st = &steps[s->step];
    switch (st->kind) {
    case STEP_DATA: {
        size_t total = st->len ? st->len : strlen(st->data);
        size_t n = total - s->step_off;
        if (n > len) n = len;
        if (s->piece != 0 && n > s->piece) n = s->piece;
        memcpy(data, st->data + s->step_off, n);
        s->step_off += n;
        if (s->step_off == total) {
            s->step++;
            s->step_off = 0;
        }
        return (int32_t)n;
    }
    case STEP_TIMEOUT:
        s->step++;
        s->now += timeout_ms;
        return BL_IO_TIMEOUT;
    case STEP_ERROR:
        return BL_IO_ERROR;
    case STEP_CLOSE:
    default:
        return BL_IO_CLOSED;
    }
}

static inline void st_close(void *ctx)
{
    script_t *s = ctx;
    if (s->open) {
        s->closes++;
    }
    s->open = false;
}

static inline int32_t st_raw(void *ctx)
{
    (void)ctx;
    return 104;
}

static inline uint32_t st_now(void *ctx)
{
    return ((script_t *)ctx)->now;
}

static inline void st_sleep(void *ctx, uint32_t ms)
{
    script_t *s = ctx;
    s->now += ms;
    s->slept += ms;
}

static inline void script_init(script_t *s)
{
    memset(s, 0, sizeof *s);
    s->send_fail_at = -1;
    s->send_fail_kind = BL_IO_ERROR;
    s->now = 1000;
}

/* Everything a test client needs, owned by the test. */
typedef struct harness {
    script_t script;
    bl_transport_t transport;
    bl_clock_t clock;
    uint8_t buf[4096];
    bl_json_token_t tokens[256];
    bl_client_t client;
} harness_t;

static inline void harness_init(harness_t *h, size_t buf_size, uint32_t retries)
{
    memset(h, 0, sizeof *h);
    script_init(&h->script);
    h->transport.connect = st_connect;
    h->transport.send = st_send;
    h->transport.recv = st_recv;
    h->transport.close = st_close;
    h->transport.raw_error = st_raw;
    h->transport.ctx = &h->script;
    h->clock.now_ms = st_now;
    h->clock.sleep_ms = st_sleep;
    h->clock.ctx = &h->script;
    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = &h->transport;
    cfg.clock = &h->clock;
    cfg.host = "api.example.test";
    cfg.port = 443;
    cfg.buf = h->buf;
    cfg.buf_size = buf_size;
    cfg.tokens = h->tokens;
    cfg.token_count = 256;
    cfg.max_retries = retries;
    cfg.jitter_seed = 12345;
    bl_status_t st = bl_client_init(&h->client, &cfg);
    (void)st;
}

/* Does needle occur anywhere in hay[0..n)? */
static inline bool contains(const void *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *h = hay;
    for (size_t i = 0; k <= n && i + k <= n; i++) {
        if (memcmp(h + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

#endif /* SCRIPTED_TRANSPORT_H */
