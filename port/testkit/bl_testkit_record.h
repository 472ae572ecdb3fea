/**
 * @file bl_testkit_record.h
 * @brief The recorder: a transport that wraps another one, passes every
 * call through, and writes the session as a script (the text format of
 * bl_testkit.h), so a real session becomes a test that bl_tk_load() plays.
 *
 * Put it between the client and the real transport (over TLS, above the
 * TLS transport: the plaintext is recorded). Nothing is allocated: the
 * recorder holds the bytes of one step in a buffer the caller gives, and
 * hands finished text to a write function.
 *
 * @code
 * static uint8_t rec_buf[64 * 1024];
 * static void to_file(void *ctx, const char *data, size_t len) { (void)fwrite(data, 1, len, ctx); }
 *
 * bl_tk_recorder_t rec;
 * if (bl_tk_recorder_init(&rec, &tcp, rec_buf, sizeof rec_buf, to_file, file) != BL_OK) ...
 * cfg.transport = &rec.transport;              // the client talks through the recorder
 * ...                                          // run the calls
 * bl_tk_recorder_finish(&rec);                 // writes what is still held
 * @endcode
 *
 * ## What is written
 *
 * | the client sees                          | recorded as                          |
 * |------------------------------------------|--------------------------------------|
 * | (at init)                                | `banklink-script 1` and a comment    |
 * | connect() succeeds                       | `connect HOST PORT`                  |
 * | connect() fails                          | `refuse BL_ERR_...` (its status)     |
 * | the bytes it sends, once it starts reading | `request METHOD TARGET N` + the N bytes |
 * | the bytes it receives                    | `answer N` + the N bytes, written when the client sends again, closes, connects, at finish, or when the buffer is full (then several `answer` steps in a row) |
 * | recv() times out, timeout_ms > 0         | `stall`                              |
 * | recv() gives 0 (peer closed)             | `close` (once per connection)        |
 * | recv() or send() fails                   | `reset` (once per connection)        |
 *
 * A zero-timeout recv() that times out (the client probing an idle
 * keep-alive connection) is not recorded: the replay answers it the same
 * way. The client's own close() writes nothing: the replay skips what a
 * closed connection had left.
 *
 * ## Secrets are masked
 *
 * Users commit recorded files, so secrets are replaced byte for byte by
 * `*` in the recorded copy (never in what the client sends or receives).
 * The length stays, so Content-Length and chunk sizes stay right and the
 * masked file still replays:
 *
 * - request headers: `authorization` and `proxy-authorization` (the scheme
 *   word stays: `Bearer ******`), `x-api-key`, `cookie`;
 * - request bodies: the form field `client_secret` (bodies sent as
 *   `application/x-www-form-urlencoded`), otherwise the JSON string values
 *   of the keys `access_token`, `client_secret`, `exchangeable_token` and
 *   `refresh_token`, wherever they are nested;
 * - answers: the `set-cookie` header, and the JSON string values of
 *   `access_token` and `refresh_token` (also across the chunk framing of a
 *   chunked body).
 *
 * A replayed client therefore sees a masked token (`mk_at_` becomes
 * `******`): code that prints a fetched token prints stars.
 *
 * ## Limits
 *
 * - Masking works within one buffered block. A request is one block when
 *   it fits the buffer; an answer longer than the buffer is cut into
 *   several `answer` steps, and a secret that straddles two of them, or a
 *   JSON key cut by chunk framing, is not recognised. Size the buffer above
 *   the largest answer that carries a secret (a token answer is ~200 B).
 * - A request larger than the buffer is recorded as `request METHOD TARGET`
 *   without its bytes (counted in bl_tk_recorder_t::truncated); it
 *   replays the same, only the recorded copy is missing.
 * - The format has no failing send: a send() that fails or times out is
 *   recorded as `reset` and the bytes of that request are dropped (in C,
 *   bl_tk_send_fails() scripts a send failure exactly).
 * - Time is not recorded: no `wait`, no `pace` (the replay answers at
 *   once; add them by hand for a slow server), and an answer's pieces
 *   become one `answer` step whatever the recv() sizes were.
 * - The write function cannot fail the session: it is told every byte
 *   once; a caller that cannot write keeps its own error flag.
 */
#ifndef BL_TESTKIT_RECORD_H
#define BL_TESTKIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "banklink.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Smallest buffer bl_tk_recorder_init() accepts. */
#define BL_TK_RECORD_MIN_BUF 64u

/**
 * Receives the script text in order, @p len bytes at @p data (not
 * NUL-terminated; may hold any byte inside a recorded block).
 */
typedef void (*bl_tk_write_fn)(void *ctx, const char *data, size_t len);

/** What the recorder's buffer holds. */
typedef enum bl_tk_rec_held {
    BL_TK_REC_NOTHING, /**< Empty. */
    BL_TK_REC_REQUEST, /**< Bytes the client sent, not yet written. */
    BL_TK_REC_ANSWER   /**< Bytes the client received, not yet written. */
} bl_tk_rec_held_t;

/**
 * @brief The recorder. Give @ref transport to the client; read the
 * counters; change the rest only through the functions.
 */
typedef struct bl_tk_recorder {
    bl_transport_t transport;    /**< The recording transport (ctx is the recorder). */
    const bl_transport_t *inner; /**< The transport that does the work. */
    uint8_t *buf;                /**< Caller's buffer: the step being collected. */
    size_t buf_size;             /**< Its size. */
    size_t len;                  /**< Bytes held in buf. */
    size_t request_len;          /**< Bytes of the held request sent so far (also those that did not fit). */
    bl_tk_rec_held_t held;       /**< What buf holds. */
    bool ended;                  /**< `close` or `reset` was written for this connection. */
    bl_tk_write_fn write;        /**< Where the text goes. */
    void *write_ctx;             /**< Passed to write. */
    uint32_t steps;              /**< Step lines written. */
    uint32_t requests;           /**< `request` steps written. */
    uint32_t truncated;          /**< Requests written without their bytes (larger than buf). */
    uint32_t split_answers;      /**< Answers written as several steps because buf was full. */
} bl_tk_recorder_t;

/**
 * @brief Set up @p r to record every call made on @p inner, and write the
 * script header.
 *
 * @param r        The recorder (the caller's storage; keep it alive while used).
 * @param inner    The real transport; it is called with its own ctx.
 * @param buf      Buffer for one step (requests are held whole; answers
 *                 longer than it are cut into several steps).
 * @param buf_size Its size, at least BL_TK_RECORD_MIN_BUF.
 * @param write    Receives the script text.
 * @param write_ctx Passed to @p write.
 * @return BL_OK, or BL_ERR_INVALID_ARG for a NULL argument, a transport
 *         without connect/send/recv/close, or a buffer that is too small
 *         (then nothing is written).
 */
BL_NODISCARD bl_status_t bl_tk_recorder_init(bl_tk_recorder_t *r, const bl_transport_t *inner, uint8_t *buf,
                                             size_t buf_size, bl_tk_write_fn write, void *write_ctx);

/**
 * @brief Write what the buffer still holds (the last answer) and empty it.
 *
 * Call it when the session is over; a request the client sent but never
 * read an answer for is dropped. The recorder stays usable: later calls
 * are recorded after what was written.
 */
void bl_tk_recorder_finish(bl_tk_recorder_t *r);

#ifdef __cplusplus
}
#endif

#endif /* BL_TESTKIT_RECORD_H */
