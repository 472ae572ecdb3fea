/*
 * A transport that answers from flash: each connect() takes the next canned
 * HTTP response. The example firmware uses it to run banklink's whole call
 * path (request writer, client, HTTP reader, JSON decoding) at boot without
 * a network, e.g. under QEMU in CI. A real application uses port/lwip.
 */
#ifndef BL_REPLAY_H
#define BL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_transport.h"

/** Replay state. */
typedef struct bl_replay {
    const char *const *responses; /* canned responses, one per connection */
    size_t count;                 /* their number */
    size_t next;                  /* index the next connect() takes */
    const char *cur;              /* response of the open connection */
    size_t cur_len;               /* its length */
    size_t off;                   /* bytes of it already returned */
    size_t sent;                  /* request bytes received on this connection */
    char head[96];                /* first request bytes, NUL-terminated */
    bool open;                    /* a connection is open */
} bl_replay_t;

/** Fill @p t with a replay transport over @p r answering @p responses in turn. */
void bl_replay_init(bl_transport_t *t, bl_replay_t *r, const char *const *responses, size_t count);

#endif /* BL_REPLAY_H */
