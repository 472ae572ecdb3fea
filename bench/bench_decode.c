/*
 * Decode benchmark: the Heron update-link answer and the MoneyKit
 * exchange-token answer, decoded by banklink, by cJSON and by a plain jsmn
 * loop into the same information (see bench_common.h).
 *
 *   bench_decode verify                   all decoders agree field by field
 *   bench_decode time ITERS RUNS          ns and heap calls per decode
 *   bench_decode count DOC IMPL ITERS     one pair, for callgrind
 *
 * Under callgrind, run with --collect-atstart=no
 * --toggle-collect=bench_decode_DOC_IMPL: only the decode function is
 * counted, not the loop nor the copy of the body that precedes each decode
 * (banklink decodes in place, so every round needs a fresh copy; the peers
 * get the same copy so the loops are identical).
 *
 * Output lines: decode,DOC,IMPL,METRIC,VALUE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

enum { DOC_HERON, DOC_MONEYKIT, NDOCS };
enum { IMPL_BANKLINK, IMPL_CJSON, IMPL_JSMN, NIMPLS };

static const char *const doc_names[NDOCS] = {"heron", "moneykit"};
static const char *const impl_names[NIMPLS] = {"banklink", "cjson", "jsmn"};
static const char *const doc_files[NDOCS] = {"heron_link.json", "moneykit_exchange.json"};

/* Everything one decode touches, kept off the stack of the loop. */
typedef struct bench_state {
    const char *body[NDOCS];
    size_t len[NDOCS];
    char work[4096];
    bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
    bl_moneykit_exchange_t bl_mk;
    bl_heron_link_t bl_heron;
    peer_mk_exchange_t peer_mk;
    peer_heron_link_t peer_heron;
} bench_state_t;

/* The measured functions: out of line, named for --toggle-collect. */
BENCH_NOINLINE int bench_decode_moneykit_banklink(bench_state_t *s)
{
    return bl_moneykit_decode_exchange(s->work, s->len[DOC_MONEYKIT], s->tokens, BL_MONEYKIT_LINK_TOKENS,
                                       &s->bl_mk) == BL_OK ? 0 : -1;
}

BENCH_NOINLINE int bench_decode_moneykit_cjson(bench_state_t *s)
{
    return peer_cjson_decode_mk(s->work, s->len[DOC_MONEYKIT], &s->peer_mk);
}

BENCH_NOINLINE int bench_decode_moneykit_jsmn(bench_state_t *s)
{
    return peer_jsmn_decode_mk(s->work, s->len[DOC_MONEYKIT], &s->peer_mk);
}

BENCH_NOINLINE int bench_decode_heron_banklink(bench_state_t *s)
{
    return bl_heron_decode_link_response(s->work, s->len[DOC_HERON], s->tokens, BL_HERON_LINK_TOKENS,
                                         &s->bl_heron) == BL_OK ? 0 : -1;
}

BENCH_NOINLINE int bench_decode_heron_cjson(bench_state_t *s)
{
    return peer_cjson_decode_heron(s->work, s->len[DOC_HERON], &s->peer_heron);
}

BENCH_NOINLINE int bench_decode_heron_jsmn(bench_state_t *s)
{
    return peer_jsmn_decode_heron(s->work, s->len[DOC_HERON], &s->peer_heron);
}

typedef int (*decode_fn)(bench_state_t *s);

static const decode_fn fns[NDOCS][NIMPLS] = {
    {bench_decode_heron_banklink, bench_decode_heron_cjson, bench_decode_heron_jsmn},
    {bench_decode_moneykit_banklink, bench_decode_moneykit_cjson, bench_decode_moneykit_jsmn},
};

/* @p iters decodes; returns the number that failed (must be 0). */
static long run(bench_state_t *s, int doc, int impl, long iters)
{
    long failed = 0;
    decode_fn fn = fns[doc][impl];
    for (long i = 0; i < iters; i++) {
        memcpy(s->work, s->body[doc], s->len[doc] + 1u);
        failed += fn(s) != 0;
    }
    return failed;
}

/* banklink's views point into s->work, so the peers decode the pristine
 * body here rather than a fresh copy in s->work. */
static int verify(bench_state_t *s)
{
    for (int impl = IMPL_CJSON; impl < NIMPLS; impl++) {
        bool cj = impl == IMPL_CJSON;
        int rc = cj ? peer_cjson_decode_mk(s->body[DOC_MONEYKIT], s->len[DOC_MONEYKIT], &s->peer_mk)
                    : peer_jsmn_decode_mk(s->body[DOC_MONEYKIT], s->len[DOC_MONEYKIT], &s->peer_mk);
        if (rc != 0 || run(s, DOC_MONEYKIT, IMPL_BANKLINK, 1) != 0 || bench_check_mk(&s->peer_mk) != 0) {
            fprintf(stderr, "moneykit: %s or banklink failed to decode\n", impl_names[impl]);
            return -1;
        }
        const char *d = bench_diff_mk(&s->bl_mk, &s->peer_mk);
        rc = cj ? peer_cjson_decode_heron(s->body[DOC_HERON], s->len[DOC_HERON], &s->peer_heron)
                : peer_jsmn_decode_heron(s->body[DOC_HERON], s->len[DOC_HERON], &s->peer_heron);
        if (rc != 0 || run(s, DOC_HERON, IMPL_BANKLINK, 1) != 0 || bench_check_heron(&s->peer_heron) != 0) {
            fprintf(stderr, "heron: %s or banklink failed to decode\n", impl_names[impl]);
            return -1;
        }
        if (d == NULL) {
            d = bench_diff_heron(&s->bl_heron, &s->peer_heron);
        }
        if (d != NULL) {
            fprintf(stderr, "banklink and %s disagree on %s\n", impl_names[impl], d);
            return -1;
        }
    }
    return 0;
}

#define MAX_RUNS 31

/* Runs of the three decoders are interleaved, so a burst of load on a
 * shared machine hits all three alike instead of one. */
static int time_all(bench_state_t *s, long iters, int runs)
{
    static double ns[NDOCS][NIMPLS][MAX_RUNS];
    uint64_t allocs[NDOCS][NIMPLS] = {{0}};
    for (int doc = 0; doc < NDOCS; doc++) {
        for (int impl = 0; impl < NIMPLS; impl++) {
            (void)run(s, doc, impl, iters / 10 + 1); /* warm the caches */
        }
    }
    for (int r = 0; r < runs; r++) {
        for (int doc = 0; doc < NDOCS; doc++) {
            for (int impl = 0; impl < NIMPLS; impl++) {
                uint64_t a0 = bench_alloc_calls();
                uint64_t t0 = bench_now_ns();
                long failed = run(s, doc, impl, iters);
                ns[doc][impl][r] = (double)(bench_now_ns() - t0) / (double)iters;
                allocs[doc][impl] += bench_alloc_calls() - a0;
                if (failed) {
                    fprintf(stderr, "%s/%s: %ld decodes failed\n", doc_names[doc], impl_names[impl], failed);
                    return -1;
                }
            }
        }
    }
    for (int doc = 0; doc < NDOCS; doc++) {
        for (int impl = 0; impl < NIMPLS; impl++) {
            printf("decode,%s,%s,ns,%.1f\n", doc_names[doc], impl_names[impl],
                   bench_median(ns[doc][impl], (size_t)runs));
            printf("decode,%s,%s,allocs,%.2f\n", doc_names[doc], impl_names[impl],
                   (double)allocs[doc][impl] / ((double)iters * runs));
        }
        printf("decode,%s,-,bytes,%zu\n", doc_names[doc], s->len[doc]);
    }
    return 0;
}

static int find(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(name, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    static bench_state_t s;
    for (int doc = 0; doc < NDOCS; doc++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", BENCH_DATA_DIR, doc_files[doc]);
        s.body[doc] = bench_load(path, &s.len[doc]);
        if (s.body[doc] == NULL) {
            return 2;
        }
    }
    if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
        if (verify(&s) != 0) {
            return 1;
        }
        printf("decoders agree on every field of both bodies (heron %zu bytes, moneykit %zu bytes)\n",
               s.len[DOC_HERON], s.len[DOC_MONEYKIT]);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "time") == 0) {
        long iters = atol(argv[2]);
        int runs = atoi(argv[3]);
        if (iters < 1 || iters > 10000000 || runs < 1 || runs > MAX_RUNS || verify(&s) != 0) {
            return 2;
        }
        return time_all(&s, iters, runs) == 0 ? 0 : 1;
    }
    if (argc == 5 && strcmp(argv[1], "count") == 0) {
        int doc = find(argv[2], doc_names, NDOCS);
        int impl = find(argv[3], impl_names, NIMPLS);
        long iters = atol(argv[4]);
        if (doc < 0 || impl < 0 || iters < 1 || iters > 1000000) {
            return 2;
        }
        long failed = run(&s, doc, impl, iters);
        printf("decode,%s,%s,iterations,%ld\n", doc_names[doc], impl_names[impl], iters);
        return failed == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: %s verify | time ITERS RUNS | count heron|moneykit banklink|cjson|jsmn ITERS\n",
            argv[0]);
    return 2;
}
