/*
 * Driver of the end-to-end clients:
 *
 *   CLIENT plain|tls heron|moneykit PORT WARMUP CALLS [CA_FILE]
 *
 * WARMUP calls open the connection (and finish the TLS handshake) first;
 * then CALLS calls run inside bench_e2e_calls(), the one function callgrind
 * collects (--collect-atstart=no --toggle-collect=bench_e2e_calls), so the
 * instruction count is the steady state of a kept-alive connection.
 *
 * Output lines: e2e,PROTO,DOC,CLIENT,METRIC,VALUE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_e2e.h"

BENCH_NOINLINE long bench_e2e_calls(void *state, long n);

BENCH_NOINLINE long bench_e2e_calls(void *state, long n)
{
    return e2e_calls(state, n);
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: %s plain|tls heron|moneykit PORT WARMUP CALLS [CA_FILE]\n", argv[0]);
        return 2;
    }
    e2e_args_t a;
    memset(&a, 0, sizeof a);
    a.tls = strcmp(argv[1], "tls") == 0;
    a.moneykit = strcmp(argv[2], "moneykit") == 0;
    long port = atol(argv[3]);
    long warmup = atol(argv[4]);
    long calls = atol(argv[5]);
    a.ca_file = argc == 7 ? argv[6] : NULL;
    if ((!a.tls && strcmp(argv[1], "plain") != 0) || (!a.moneykit && strcmp(argv[2], "heron") != 0) ||
        port < 1 || port > 65535 || warmup < 1 || warmup > 100000 || calls < 1 || calls > 1000000 ||
        (a.tls && a.ca_file == NULL)) {
        fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return 2;
    }
    a.port = (uint16_t)port;
    void *st = e2e_setup(&a);
    if (st == NULL) {
        return 1;
    }
    long failed = e2e_calls(st, warmup);
    uint64_t a0 = bench_alloc_calls();
    uint64_t t0 = bench_now_ns();
    failed += bench_e2e_calls(st, calls);
    uint64_t t1 = bench_now_ns();
    uint64_t allocs = bench_alloc_calls() - a0;
    long conns = e2e_connections(st);
    e2e_teardown(st);
    if (failed != 0) {
        fprintf(stderr, "%s: %ld of %ld calls failed\n", e2e_client_name, failed, warmup + calls);
        return 1;
    }
    const char *proto = argv[1];
    const char *doc = argv[2];
    double ns = (double)(t1 - t0) / (double)calls;
    printf("e2e,%s,%s,%s,calls_per_s,%.0f\n", proto, doc, e2e_client_name, 1e9 / ns);
    printf("e2e,%s,%s,%s,allocs_per_call,%.2f\n", proto, doc, e2e_client_name, (double)allocs / (double)calls);
    printf("e2e,%s,%s,%s,peak_rss_kib,%ld\n", proto, doc, e2e_client_name, bench_peak_rss_kib());
    printf("e2e,%s,%s,%s,connections,%ld\n", proto, doc, e2e_client_name, conns);
    return 0;
}
