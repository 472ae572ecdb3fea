/*
 * The client under test, as the unit tests set it up: banklink's test kit
 * (port/testkit, bl_testkit.h) is its transport and its clock, so every
 * scripted server is a kit script (bl_tk_expect, bl_tk_answer, bl_tk_stall,
 * ...) and every check on what was sent reads the kit (its capture, its
 * counters, its request checks). What is left here is the client's set-up
 * (buffers, tokens, settings) and a few helpers.
 *
 * Include after <cmocka.h>: the helpers assert. A harness holds a kit
 * (about 30 KiB): make it static, not a local.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <string.h>

#include "banklink.h"
#include "bl_testkit.h"

/* Everything a test client needs, owned by the test. */
typedef struct harness {
    bl_testkit_t kit; /* the scripted server, the fake clock, the requests sent */
    uint8_t buf[4096];
    bl_json_token_t tokens[256];
    bl_client_t client;
} harness_t;

/* A step the script needs must be appended (the kit's calls are nodiscard). */
#define TK(call) assert_int_equal((call), BL_OK)

/* An empty script, a zeroed buffer, and a client on the kit's transport and
 * clock: host api.example.test:443, @p buf_size bytes of work buffer,
 * @p retries retries, a fixed jitter seed. */
static inline void harness_init(harness_t *h, size_t buf_size, uint32_t retries)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(bl_tk_init(&h->kit), BL_OK);
    bl_client_config_t cfg;
    bl_tk_client_config(&h->kit, &cfg);
    cfg.host = "api.example.test";
    cfg.buf = h->buf;
    cfg.buf_size = buf_size;
    cfg.tokens = h->tokens;
    cfg.token_count = 256;
    cfg.max_retries = retries;
    cfg.jitter_seed = 12345;
    assert_int_equal(bl_client_init(&h->client, &cfg), BL_OK);
}

/* Append an answer of @p len bytes, handed out at most @p piece bytes per
 * recv (0: as much as the client asks for). */
static inline void harness_answer(harness_t *h, const void *bytes, size_t len, size_t piece)
{
    TK(bl_tk_answer_bytes(&h->kit, bytes, len));
    if (piece != 0u) {
        assert_true(piece <= UINT16_MAX);
        const uint16_t sizes[1] = {(uint16_t)piece};
        TK(bl_tk_split(&h->kit, sizes, 1));
    }
}

/* The script was played to its end and nothing unforeseen happened. */
static inline void harness_finished(harness_t *h)
{
    if (!bl_tk_finished(&h->kit)) {
        fail_msg("script not finished: %s", bl_tk_report(&h->kit));
    }
}

/* The client did nothing the script did not foresee (steps may be left). */
static inline void harness_no_mismatch(harness_t *h)
{
    if (h->kit.mismatch || h->kit.overflow) {
        fail_msg("off script: %s", bl_tk_report(&h->kit));
    }
}

/* Request number @p index (0 = first) that the client sent, split. */
static inline void harness_request(const harness_t *h, size_t index, bl_tk_request_t *req)
{
    if (!bl_tk_get_request(&h->kit, index, req)) {
        fail_msg("no well-formed request %zu (%zu captured)", index, bl_tk_request_count(&h->kit));
    }
}

/* Does needle occur anywhere in hay[0..n)? */
static inline bool contains(const void *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *p = hay;
    for (size_t i = 0; k <= n && i + k <= n; i++) {
        if (memcmp(p + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

/* Does needle occur in the requests the client sent? */
static inline bool sent_contains(const harness_t *h, const char *needle)
{
    return contains(h->kit.capture, h->kit.capture_len, needle);
}

#endif /* HARNESS_H */
