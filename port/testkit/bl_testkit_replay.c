/*
 * The replay transport and fake clock: plays the kit's steps as the server
 * side of each connection. The step semantics are documented in
 * bl_testkit.h; this file keeps them in one place (one function per
 * transport call) so that what a script means is read off one switch.
 */
#include "bl_testkit_priv.h"

#if defined(BL_PORT_TESTKIT) && BL_PORT_TESTKIT

#include <string.h>

/* ------------------------------------------------------------ report */

void bl_tk_report_clear(bl_testkit_t *kit)
{
    kit->report[0] = '\0';
}

void bl_tk_report_add(bl_testkit_t *kit, const char *s)
{
    size_t used = strlen(kit->report);
    while (*s != '\0' && used + 1u < sizeof kit->report) {
        kit->report[used++] = *s++;
    }
    kit->report[used] = '\0';
}

void bl_tk_report_num(bl_testkit_t *kit, size_t n)
{
    char digits[24];
    size_t i = sizeof digits - 1u;
    digits[i] = '\0';
    do {
        digits[--i] = "0123456789"[n % 10u];
        n /= 10u;
    } while (n != 0u && i > 0u);
    bl_tk_report_add(kit, digits + i);
}

void bl_tk_report_text(bl_testkit_t *kit, bl_tk_text_t text)
{
    char part[72];
    size_t i;
    if (text.ptr == NULL) {
        bl_tk_report_add(kit, "(any)");
        return;
    }
    /* Only printable ASCII: the report goes into test logs. */
    for (i = 0; i < text.len && i + 1u < sizeof part; i++) {
        part[i] = text.ptr[i];
        if (part[i] < 0x20 || part[i] >= 0x7f) {
            part[i] = '?';
        }
    }
    part[i] = '\0';
    bl_tk_report_add(kit, part);
    if (i < text.len) {
        bl_tk_report_add(kit, "...");
    }
}

/* Start the report of the first mismatch; later ones keep the first. */
static bool mismatch_begin(bl_testkit_t *kit)
{
    if (kit->mismatch) {
        return false;
    }
    kit->mismatch = true;
    bl_tk_report_clear(kit);
    bl_tk_report_add(kit, "step ");
    bl_tk_report_num(kit, kit->next + 1u);
    if (kit->next < kit->step_count) {
        bl_tk_report_add(kit, " (");
        bl_tk_report_add(kit, bl_tk_step_name(kit->steps[kit->next].kind));
        bl_tk_report_add(kit, "): ");
    } else {
        bl_tk_report_add(kit, " (past the end): ");
    }
    return true;
}

static void mismatch(bl_testkit_t *kit, const char *why)
{
    if (mismatch_begin(kit)) {
        bl_tk_report_add(kit, why);
    }
}

const char *bl_tk_step_name(bl_tk_step_kind_t kind)
{
    switch (kind) {
    case BL_TK_STEP_CONNECT: return "connect";
    case BL_TK_STEP_REFUSE: return "refuse";
    case BL_TK_STEP_REQUEST: return "request";
    case BL_TK_STEP_ANSWER: return "answer";
    case BL_TK_STEP_STALL: return "stall";
    case BL_TK_STEP_WAIT: return "wait";
    case BL_TK_STEP_CLOSE: return "close";
    case BL_TK_STEP_RESET: return "reset";
    default: return "?";
    }
}

/* ------------------------------------------------------------ state helpers */

static bl_tk_step_t *current(bl_testkit_t *kit)
{
    return kit->next < kit->step_count ? &kit->steps[kit->next] : NULL;
}

static void advance_step(bl_testkit_t *kit)
{
    kit->next++;
    kit->answer_off = 0;
    kit->piece_index = 0;
}

/* Forget the half-received request of a connection that went away. */
static void drop_pending(bl_testkit_t *kit)
{
    kit->capture_len = kit->pending_off;
    kit->pending_len = 0;
    kit->pending_need = 0;
}

/* The server side of a connection the client closed is gone with it. */
static void skip_rest_of_connection(bl_testkit_t *kit)
{
    const bl_tk_step_t *st;
    while ((st = current(kit)) != NULL) {
        if (st->kind == BL_TK_STEP_ANSWER || st->kind == BL_TK_STEP_STALL || st->kind == BL_TK_STEP_RESET) {
            kit->skipped++;
        } else if (st->kind != BL_TK_STEP_WAIT && st->kind != BL_TK_STEP_CLOSE) {
            break;
        }
        advance_step(kit);
    }
}

/* ------------------------------------------------------------ transport */

static bl_status_t tk_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_testkit_t *kit = (bl_testkit_t *)ctx;
    const bl_tk_step_t *st;
    (void)host;
    (void)port;
    if (kit->mismatch) {
        return BL_ERR_CONNECT; /* off script: fail fast rather than guess */
    }
    if (kit->open) {
        /* banklink closes before it reconnects; a caller that does not is
         * treated as if it had. */
        kit->transport.close(kit);
    }
    st = current(kit);
    if (st != NULL && st->kind == BL_TK_STEP_REFUSE) {
        bl_status_t status = st->status;
        if (status == BL_ERR_TIMEOUT) {
            kit->now_ms += timeout_ms;
        }
        kit->refused++;
        advance_step(kit);
        return status;
    }
    if (st != NULL && st->kind == BL_TK_STEP_CONNECT) {
        advance_step(kit);
    } else if (st == NULL || st->kind != BL_TK_STEP_REQUEST) {
        mismatch(kit, st == NULL ? "the client connects; the script has no step left"
                                 : "the client connects; the script expects no new connection here");
        return BL_ERR_CONNECT;
    }
    kit->open = true;
    kit->peer_closed = false;
    kit->peer_reset = false;
    kit->connects++;
    return BL_OK;
}

/* A whole request arrived: keep it, check it against the step, move on.
 * (send() refuses bytes that do not fit the capture, so it is all there.) */
static void finish_request(bl_testkit_t *kit, const bl_tk_step_t *st)
{
    bl_tk_request_t req;
    kit->request_total++;
    if (kit->request_count < BL_TK_MAX_REQUESTS) {
        bl_tk_span_t *span = &kit->requests[kit->request_count++];
        span->off = kit->pending_off;
        span->len = kit->pending_need;
    }
    if (bl_tk_split_request(kit->capture + kit->pending_off, kit->pending_need, &req)) {
        bool method_ok = st->method.ptr == NULL || bl_tk_text_is(st->method, "*") ||
                         (st->method.len == req.method.len && memcmp(st->method.ptr, req.method.ptr, req.method.len) == 0);
        bool target_ok = st->target.ptr == NULL || bl_tk_target_matches(&req, st->target);
        if ((!method_ok || !target_ok) && mismatch_begin(kit)) {
            bl_tk_report_add(kit, "the client sent ");
            bl_tk_report_text(kit, req.method);
            bl_tk_report_add(kit, " ");
            bl_tk_report_text(kit, req.target);
            bl_tk_report_add(kit, "; the script expects ");
            bl_tk_report_text(kit, st->method);
            bl_tk_report_add(kit, " ");
            bl_tk_report_text(kit, st->target);
        }
    } else {
        mismatch(kit, "the client sent bytes that are not an HTTP/1.1 request");
    }
    kit->capture_len = kit->pending_off + kit->pending_need;
    kit->pending_off = kit->capture_len;
    kit->pending_len = 0;
    kit->pending_need = 0;
    advance_step(kit);
}

static int32_t tk_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_testkit_t *kit = (bl_testkit_t *)ctx;
    bl_tk_step_t *st;
    size_t n;
    size_t room;
    if (!kit->open || kit->peer_closed || kit->peer_reset || kit->mismatch || data == NULL) {
        return BL_IO_ERROR;
    }
    kit->sends++;
    for (;;) {
        st = current(kit);
        if (st == NULL) {
            mismatch(kit, "the client sends a request; the script has no step left");
            return BL_IO_ERROR;
        }
        if (st->kind == BL_TK_STEP_WAIT) {
            kit->now_ms += st->ms;
            advance_step(kit);
            continue;
        }
        break;
    }
    switch (st->kind) {
    case BL_TK_STEP_REQUEST:
        break;
    case BL_TK_STEP_CONNECT:
    case BL_TK_STEP_REFUSE:
        /* The next exchange is on a new connection: this one is gone. */
        kit->peer_closed = true;
        return BL_IO_ERROR;
    case BL_TK_STEP_CLOSE:
        advance_step(kit);
        kit->peer_closed = true;
        return BL_IO_ERROR;
    case BL_TK_STEP_RESET:
        advance_step(kit);
        kit->peer_reset = true;
        return BL_IO_ERROR;
    default:
        mismatch(kit, "the client sends before it read the answer the script has due");
        return BL_IO_ERROR;
    }
    if (kit->send_pace_ms != 0u) {
        if (kit->send_pace_ms > timeout_ms) {
            kit->now_ms += timeout_ms;
            return BL_IO_TIMEOUT;
        }
        kit->now_ms += kit->send_pace_ms;
    }
    n = len;
    if (kit->send_max != 0u && n > kit->send_max) {
        n = kit->send_max;
    }
    if (st->fail_after != SIZE_MAX) {
        if (kit->pending_len >= st->fail_after) {
            /* The cut request has played its step; the connection is broken
             * and the client's retry (if any) meets the next step. */
            if (st->fail_io == BL_IO_TIMEOUT) {
                kit->now_ms += timeout_ms;
            }
            kit->peer_reset = true;
            advance_step(kit);
            return st->fail_io;
        }
        if (n > st->fail_after - kit->pending_len) {
            n = st->fail_after - kit->pending_len;
        }
    }
    room = sizeof kit->capture - kit->capture_len;
    if (n > room) {
        kit->overflow = true;
        mismatch(kit, "the requests do not fit BL_TK_CAPTURE_SIZE");
        return BL_IO_ERROR;
    }
    memcpy(kit->capture + kit->capture_len, data, n);
    kit->capture_len += n;
    kit->bytes_sent += n;
    kit->pending_len += n;
    if (kit->pending_need == 0u) {
        size_t total;
        if (bl_tk_request_length(kit->capture + kit->pending_off, kit->pending_len, &total)) {
            kit->pending_need = total;
        }
    }
    if (kit->pending_need != 0u && kit->pending_len >= kit->pending_need) {
        if (kit->pending_len > kit->pending_need) {
            mismatch(kit, "the client sent more than one request before reading an answer");
        }
        finish_request(kit, st);
        if (kit->mismatch) {
            return BL_IO_ERROR;
        }
    }
    return (int32_t)n;
}

static int32_t tk_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_testkit_t *kit = (bl_testkit_t *)ctx;
    if (!kit->open || kit->peer_reset || kit->mismatch || data == NULL) {
        return BL_IO_ERROR;
    }
    if (kit->peer_closed) {
        return BL_IO_CLOSED;
    }
    for (;;) {
        bl_tk_step_t *st = current(kit);
        if (st == NULL) {
            if (timeout_ms == 0u) {
                return BL_IO_TIMEOUT; /* an idle connection, still open */
            }
            mismatch(kit, "the client waits for an answer; the script has no step left");
            kit->peer_closed = true;
            return BL_IO_CLOSED;
        }
        switch (st->kind) {
        case BL_TK_STEP_CONNECT:
        case BL_TK_STEP_REFUSE:
            kit->peer_closed = true;
            return BL_IO_CLOSED;
        case BL_TK_STEP_REQUEST:
            if (timeout_ms != 0u) {
                mismatch(kit, kit->pending_len != 0u ? "the client reads before its request is complete"
                                                     : "the client waits for an answer; the script expects a request first");
                kit->now_ms += timeout_ms;
            }
            return BL_IO_TIMEOUT;
        case BL_TK_STEP_ANSWER: {
            size_t n = st->len - kit->answer_off;
            if (n == 0u) {
                advance_step(kit);
                continue;
            }
            if (st->pace_ms != 0u) {
                if (st->pace_ms > timeout_ms) {
                    kit->now_ms += timeout_ms;
                    return BL_IO_TIMEOUT; /* the piece is still on its way */
                }
                kit->now_ms += st->pace_ms;
            }
            if (st->piece_count != 0u) {
                size_t i = kit->piece_index < st->piece_count ? kit->piece_index : st->piece_count - 1u;
                if (n > st->pieces[i]) {
                    n = st->pieces[i];
                }
            }
            if (n > len) {
                n = len;
            }
            if (n > (size_t)INT32_MAX) {
                n = (size_t)INT32_MAX;
            }
            memcpy(data, st->data + kit->answer_off, n);
            kit->answer_off += n;
            kit->piece_index++;
            if (kit->answer_off == st->len) {
                advance_step(kit);
            }
            return (int32_t)n;
        }
        case BL_TK_STEP_STALL:
            if (timeout_ms == 0u) {
                return BL_IO_TIMEOUT;
            }
            kit->now_ms += timeout_ms;
            advance_step(kit);
            return BL_IO_TIMEOUT;
        case BL_TK_STEP_WAIT:
            kit->now_ms += st->ms;
            advance_step(kit);
            continue;
        case BL_TK_STEP_CLOSE:
            advance_step(kit);
            kit->peer_closed = true;
            return BL_IO_CLOSED;
        case BL_TK_STEP_RESET:
        default:
            advance_step(kit);
            kit->peer_reset = true;
            return BL_IO_ERROR;
        }
    }
}

static void tk_close(void *ctx)
{
    bl_testkit_t *kit = (bl_testkit_t *)ctx;
    if (!kit->open) {
        return;
    }
    kit->open = false;
    kit->closes++;
    drop_pending(kit);
    skip_rest_of_connection(kit);
}

static int32_t tk_raw_error(void *ctx)
{
    const bl_testkit_t *kit = (const bl_testkit_t *)ctx;
    return kit->peer_reset ? BL_TK_RESET_CODE : 0;
}

static uint32_t tk_now(void *ctx)
{
    return ((const bl_testkit_t *)ctx)->now_ms;
}

static void tk_sleep(void *ctx, uint32_t ms)
{
    bl_testkit_t *kit = (bl_testkit_t *)ctx;
    kit->now_ms += ms;
    kit->slept_ms += ms;
    kit->sleeps++;
}

/* ------------------------------------------------------------ set-up */

bl_status_t bl_tk_init_sized(bl_testkit_t *kit, size_t size)
{
    if (kit == NULL || size != sizeof *kit) {
        return BL_ERR_INVALID_ARG;
    }
    memset(kit, 0, sizeof *kit);
    kit->transport.connect = tk_connect;
    kit->transport.send = tk_send;
    kit->transport.recv = tk_recv;
    kit->transport.close = tk_close;
    kit->transport.raw_error = tk_raw_error;
    kit->transport.ctx = kit;
    kit->clock.now_ms = tk_now;
    kit->clock.sleep_ms = tk_sleep;
    kit->clock.ctx = kit;
    kit->now_ms = BL_TK_START_MS;
    return BL_OK;
}

void bl_tk_clear(bl_testkit_t *kit)
{
    uint32_t now = kit->now_ms;
    if (bl_tk_init_sized(kit, sizeof *kit) == BL_OK) {
        kit->now_ms = now;
    }
}

void bl_tk_client_config(bl_testkit_t *kit, bl_client_config_t *cfg)
{
    bl_client_config_init(cfg);
    cfg->transport = &kit->transport;
    cfg->clock = &kit->clock;
    cfg->host = BL_TK_HOST;
    cfg->port = 443;
    cfg->jitter_seed = 1;
}

void bl_tk_set_send_max(bl_testkit_t *kit, size_t max)
{
    kit->send_max = max;
}

void bl_tk_set_send_pace(bl_testkit_t *kit, uint32_t ms)
{
    kit->send_pace_ms = ms;
}

void bl_tk_advance(bl_testkit_t *kit, uint32_t ms)
{
    kit->now_ms += ms;
}

uint32_t bl_tk_now(const bl_testkit_t *kit)
{
    return kit->now_ms;
}

/* ------------------------------------------------------------ results */

bool bl_tk_finished(const bl_testkit_t *kit)
{
    return !kit->overflow && !kit->mismatch && kit->next == kit->step_count && kit->pending_len == 0u &&
           kit->request_total == kit->request_count;
}

const char *bl_tk_report(bl_testkit_t *kit)
{
    if (kit->mismatch || kit->overflow) {
        if (!kit->mismatch) {
            bl_tk_report_clear(kit);
            bl_tk_report_add(kit, "the script does not fit BL_TK_MAX_STEPS");
        }
        return kit->report;
    }
    bl_tk_report_clear(kit);
    if (kit->pending_len != 0u) {
        bl_tk_report_add(kit, "a request was left half sent (");
        bl_tk_report_num(kit, kit->pending_len);
        bl_tk_report_add(kit, " bytes)");
    } else if (kit->next < kit->step_count) {
        bl_tk_report_add(kit, "step ");
        bl_tk_report_num(kit, kit->next + 1u);
        bl_tk_report_add(kit, " (");
        bl_tk_report_add(kit, bl_tk_step_name(kit->steps[kit->next].kind));
        bl_tk_report_add(kit, ") was not played: ");
        bl_tk_report_num(kit, kit->step_count - kit->next);
        bl_tk_report_add(kit, " of ");
        bl_tk_report_num(kit, kit->step_count);
        bl_tk_report_add(kit, " steps left");
    } else if (kit->request_total != kit->request_count) {
        bl_tk_report_add(kit, "more requests than BL_TK_MAX_REQUESTS were sent");
    } else {
        bl_tk_report_add(kit, "ok");
    }
    return kit->report;
}

#else /* BL_PORT_TESTKIT */

/* ISO C forbids an empty translation unit. */
typedef int bl_testkit_replay_disabled_t;

#endif /* BL_PORT_TESTKIT */
