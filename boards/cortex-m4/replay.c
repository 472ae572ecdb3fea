#include "replay.h"

#include <string.h>

static bl_status_t bl_replay_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_replay_t *r = (bl_replay_t *)ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    if (r->next >= r->count) {
        return BL_ERR_CONNECT;
    }
    r->cur = r->responses[r->next++];
    r->cur_len = strlen(r->cur);
    r->off = 0u;
    r->sent = 0u;
    r->head[0] = '\0';
    r->open = true;
    return BL_OK;
}

static int32_t bl_replay_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_replay_t *r = (bl_replay_t *)ctx;
    (void)timeout_ms;
    if (!r->open || len == 0u) {
        return BL_IO_ERROR;
    }
    if (r->sent < sizeof r->head - 1u) {
        size_t n = sizeof r->head - 1u - r->sent;
        n = n < len ? n : len;
        memcpy(r->head + r->sent, data, n);
        r->head[r->sent + n] = '\0';
    }
    r->sent += len;
    return (int32_t)len;
}

static int32_t bl_replay_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_replay_t *r = (bl_replay_t *)ctx;
    size_t n;
    (void)timeout_ms;
    if (!r->open) {
        return BL_IO_ERROR;
    }
    if (r->sent == 0u) {
        return BL_IO_TIMEOUT; /* nothing was asked yet */
    }
    if (r->off == r->cur_len) {
        return BL_IO_CLOSED;
    }
    n = r->cur_len - r->off;
    n = n < len ? n : len;
    memcpy(data, r->cur + r->off, n);
    r->off += n;
    return (int32_t)n;
}

static void bl_replay_close(void *ctx)
{
    ((bl_replay_t *)ctx)->open = false;
}

void bl_replay_init(bl_transport_t *t, bl_replay_t *r, const char *const *responses, size_t count)
{
    memset(r, 0, sizeof *r);
    r->responses = responses;
    r->count = count;
    t->connect = bl_replay_connect;
    t->send = bl_replay_send;
    t->recv = bl_replay_recv;
    t->close = bl_replay_close;
    t->raw_error = NULL;
    t->ctx = r;
}
