/**
 * @file bench_common.h
 * @brief Shared pieces of the benchmark programs: heap-call counters, a
 * monotonic clock, file loading, and the plain structs the peers (cJSON and
 * a hand-written jsmn loop) decode into.
 *
 * The peer structs hold the same information as banklink's models
 * (bl_moneykit_exchange_t, bl_heron_link_t), with fixed char arrays instead
 * of views into the body, so every decoder does the same job: every field,
 * strings copied out, enums mapped, timestamps turned into Unix seconds.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "banklink.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Keeps a function out of line so callgrind can collect it by name. */
#if defined(__GNUC__) || defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif

/**
 * @brief Heap allocation calls (malloc, calloc, realloc) made so far by the
 * whole process, shared libraries included (bench_alloc.c replaces the
 * allocator entry points in the executable, which glibc supports).
 */
uint64_t bench_alloc_calls(void);

/** Monotonic clock in nanoseconds. */
uint64_t bench_now_ns(void);

/** Peak resident set size of this process in KiB (getrusage ru_maxrss). */
long bench_peak_rss_kib(void);

/**
 * @brief Read a whole file into a new NUL-terminated heap buffer.
 * @param len Receives its length (without the NUL).
 * @return The buffer, or NULL (message printed).
 */
char *bench_load(const char *path, size_t *len);

/** Median of @p n values (sorts them in place). */
double bench_median(double *v, size_t n);

/** Longest string each peer field can hold (the seed values fit easily). */
#define PEER_ID_MAX 64u
#define PEER_TEXT_MAX 1024u
#define PEER_TAGS_MAX 16u

/** A MoneyKit product, as the peers decode it. */
typedef struct peer_mk_product {
    bl_presence_t presence;
    bl_timestamp_t refreshed_at;
    bl_timestamp_t last_attempted_at;
    char error_code[PEER_ID_MAX];
    char error_message[256];
    bl_presence_t settings_presence;
    bl_opt_bool_t required;
    bl_opt_bool_t prefetch;
} peer_mk_product_t;

/** A MoneyKit link, as the peers decode it. */
typedef struct peer_mk_link {
    char link_id[PEER_ID_MAX];
    char institution_id[PEER_ID_MAX];
    char institution_name[128];
    char provider[32];
    bl_moneykit_link_state_t state;
    char state_raw[32];
    char error_code[PEER_ID_MAX];
    bl_timestamp_t last_synced_at;
    char tags[PEER_TAGS_MAX][PEER_ID_MAX];
    size_t tag_count;
    peer_mk_product_t accounts;
    peer_mk_product_t account_numbers;
    peer_mk_product_t identity;
    peer_mk_product_t transactions;
    peer_mk_product_t investments;
} peer_mk_link_t;

/** Answer of exchange-token, as the peers decode it. */
typedef struct peer_mk_exchange {
    char link_id[PEER_ID_MAX];
    peer_mk_link_t link;
} peer_mk_exchange_t;

/** Heron integration link, as the peers decode it. */
typedef struct peer_heron_link {
    char item_id[PEER_ID_MAX];
    bl_heron_link_status_t status;
    char status_raw[32];
    char status_message[PEER_TEXT_MAX];
    char type[PEER_ID_MAX];
    bl_timestamp_t created;
    bl_timestamp_t last_successful_sync;
    bl_timestamp_t last_updated;
} peer_heron_link_t;

/**
 * @brief Timestamp text to Unix seconds with banklink's own RFC 3339 parser,
 * so all three decoders pay the same for this step and the comparison is
 * about JSON handling only.
 * @return 0, or -1 when the text is not a timestamp.
 */
int peer_timestamp(const char *s, size_t len, bl_timestamp_t *out);

/** Map a MoneyKit link state text (the peers' own table). */
bl_moneykit_link_state_t peer_mk_state(const char *s);

/** Map a Heron link status text (the peers' own table). */
bl_heron_link_status_t peer_heron_status(const char *s);

/** cJSON: parse, look each field up, copy it out, delete. @return 0 or -1. */
int peer_cjson_decode_mk(const char *body, size_t len, peer_mk_exchange_t *out);
/** cJSON decoder of the Heron body. @return 0 or -1. */
int peer_cjson_decode_heron(const char *body, size_t len, peer_heron_link_t *out);

/** jsmn tokenise-and-compare loop (raw copies: no unescaping). @return 0 or -1. */
int peer_jsmn_decode_mk(const char *body, size_t len, peer_mk_exchange_t *out);
/** jsmn decoder of the Heron body. @return 0 or -1. */
int peer_jsmn_decode_heron(const char *body, size_t len, peer_heron_link_t *out);

/**
 * @brief Field-by-field comparison of banklink's model with a peer's.
 * @return NULL when equal, else the name of the first field that differs.
 */
const char *bench_diff_mk(const bl_moneykit_exchange_t *a, const peer_mk_exchange_t *b);
/** As bench_diff_mk() for Heron. */
const char *bench_diff_heron(const bl_heron_link_t *a, const peer_heron_link_t *b);

/** Values every decoder must find in the seed bodies. @return 0 or -1. */
int bench_check_mk(const peer_mk_exchange_t *x);
/** As bench_check_mk() for Heron. @return 0 or -1. */
int bench_check_heron(const peer_heron_link_t *x);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_COMMON_H */
