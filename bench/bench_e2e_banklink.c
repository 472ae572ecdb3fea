/*
 * End-to-end client: banklink. One bl_client_t over the POSIX port (plain)
 * or port/mbedtls over it (TLS), reused for every call, so the connection
 * is kept alive. Caller-owned buffers sized with the documented macros.
 */
#include <stdio.h>
#include <string.h>

#include "bench_e2e.h"
#include "bl_posix.h"
#if BENCH_HAVE_TLS
#include "bl_mbedtls.h"
#endif

const char *const e2e_client_name = "banklink";

#define ITEM_ID "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define ACCESS_TOKEN "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"
#define LINK_ID "mk_eqkWN34UEoa2NxyALG8pcV"

typedef struct bl_bench {
    bool moneykit;
    bl_posix_socket_t sock;
    bl_transport_t tcp;
    bl_clock_t clock;
#if BENCH_HAVE_TLS
    bl_mbedtls_t tls;
    bl_transport_t tls_t;
    bool tls_live;
#endif
    bl_client_t client;
    bl_moneykit_auth_t auth;
    uint8_t work[BL_MONEYKIT_EXCHANGE_BUF_MIN];
    bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
    bl_heron_link_t link;
    bl_moneykit_exchange_t ex;
} bl_bench_t;

/* Counts TCP connects by standing in front of the port's connect. */
static bl_status_t (*tcp_connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);
static long tcp_connects;

static bl_status_t counting_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    tcp_connects++;
    return tcp_connect(ctx, host, port, timeout_ms);
}

void *e2e_setup(const e2e_args_t *a)
{
    static bl_bench_t b;
    memset(&b, 0, sizeof b);
    b.moneykit = a->moneykit;
    bl_posix_transport_init(&b.tcp, &b.sock);
    bl_posix_clock_init(&b.clock);
    tcp_connect = b.tcp.connect;
    b.tcp.connect = counting_connect;

    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = &b.tcp;
    cfg.clock = &b.clock;
    cfg.host = "127.0.0.1";
    cfg.port = a->port;
    cfg.buf = b.work;
    cfg.buf_size = sizeof b.work;
    cfg.tokens = b.tokens;
    cfg.token_count = BL_MONEYKIT_LINK_TOKENS;
    cfg.timeout_ms = 5000;
    cfg.max_retries = 0;
    if (a->tls) {
#if BENCH_HAVE_TLS
        /* The suite libcurl is given too, so both sides run the same crypto. */
        static const int suites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};
        bl_mbedtls_config_t tc;
        bl_mbedtls_config_init(&tc);
        tc.lower = &b.tcp;
        tc.clock = &b.clock;
        tc.verify_host = "localhost";
        tc.ciphersuites = suites;
        if (bl_mbedtls_init(&b.tls, &b.tls_t, &tc) != BL_OK || bl_mbedtls_add_ca_file(&b.tls, a->ca_file) != BL_OK) {
            fprintf(stderr, "banklink: TLS set-up failed: %s\n", bl_mbedtls_reason(&b.tls));
            bl_mbedtls_free(&b.tls);
            return NULL;
        }
        b.tls_live = true;
        cfg.transport = &b.tls_t;
#else
        fprintf(stderr, "banklink: built without port/mbedtls\n");
        return NULL;
#endif
    }
    if (bl_client_init(&b.client, &cfg) != BL_OK) {
        fprintf(stderr, "banklink: bl_client_init failed\n");
        return NULL;
    }
    bl_moneykit_auth_init(&b.auth, NULL, NULL);
    if (bl_moneykit_auth_set_token(&b.auth, "bench-access-token") != BL_OK) {
        return NULL;
    }
    return &b;
}

long e2e_calls(void *state, long n)
{
    bl_bench_t *b = state;
    long failed = 0;
    for (long i = 0; i < n; i++) {
        bl_status_t st;
        if (b->moneykit) {
            st = bl_moneykit_exchange_token(&b->client, &b->auth, EXCHANGEABLE, &b->ex);
            failed += st != BL_OK || b->ex.link.state != BL_MONEYKIT_LINK_CONNECTED ||
                      strcmp(b->ex.link.link_id.ptr, LINK_ID) != 0;
        } else {
            st = bl_heron_update_link(&b->client, "bench-api-key", ITEM_ID, ACCESS_TOKEN, &b->link);
            failed += st != BL_OK || b->link.status != BL_HERON_LINK_ACTIVE ||
                      strcmp(b->link.item_id.ptr, ITEM_ID) != 0;
        }
        if (st != BL_OK && failed == 1) {
            fprintf(stderr, "banklink: %s (HTTP %d)\n", bl_status_str(st), b->client.last.http_status);
        }
    }
    return failed;
}

long e2e_connections(void *state)
{
    (void)state;
    return tcp_connects;
}

void e2e_teardown(void *state)
{
    bl_bench_t *b = state;
    bl_client_close(&b->client);
#if BENCH_HAVE_TLS
    if (b->tls_live) {
        bl_mbedtls_free(&b->tls);
    }
#endif
}
