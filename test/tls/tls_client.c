/**
 * @file tls_client.c
 * @brief Test client of the TLS port: the POSIX transport under the mbedTLS
 * transport, driven either directly (a raw HTTP exchange) or through the
 * banklink core (Heron update-link, MoneyKit exchange-token).
 *
 * Prints one `key=value` line per call for run_tls_tests.py to check:
 *   call=1 status=BL_OK reason="ok" flags=0x0 raw=0 resumed=0 ...
 * Built twice: tls_client, and tls_client_alloc with alloc_hook.c
 * (BL_TEST_ALLOC_HOOK), which adds the allocation figures of each call.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banklink.h"
#include "bl_mbedtls.h"
#include "bl_posix.h"

#if defined(BL_TEST_ALLOC_HOOK)
#include "alloc_hook.h"
#endif

typedef struct {
    const char *host;
    uint16_t port;
    const char *ca;        /* file passed as bytes */
    const char *ca_file;   /* file through bl_mbedtls_add_ca_file */
    const char *pin;
    const char *verify_host;
    const char *mode;
    const char *secret;
    const char *session_file; /* session kept across runs, as across deep sleep */
    int calls;
    int reconnect;         /* close between calls (core modes) */
    int no_session;
    unsigned mfl;
    uint32_t timeout_ms;
    bl_mbedtls_versions_t versions;
    bl_mbedtls_tls13_kex_t kex;
    const char *sig_algs;  /* comma-separated names, see parse_sig_algs */
} opts_t;

static uint16_t sig_alg_list[16];

/* Names of the signature schemes (RFC 8446 4.2.3) the tests restrict to. */
static int parse_sig_algs(const char *spec)
{
    static const struct { const char *name; uint16_t id; } names[] = {
        {"ecdsa_secp256r1_sha256", 0x0403}, {"ecdsa_secp384r1_sha384", 0x0503},
        {"rsa_pss_rsae_sha256", 0x0804},    {"rsa_pss_rsae_sha384", 0x0805},
        {"rsa_pkcs1_sha256", 0x0401},       {"rsa_pkcs1_sha384", 0x0501},
    };
    size_t n = 0;
    const char *p = spec;
    while (*p != '\0' && n + 1 < sizeof sig_alg_list / sizeof sig_alg_list[0]) {
        size_t len = strcspn(p, ",");
        size_t k = 0;
        for (; k < sizeof names / sizeof names[0]; k++) {
            if (strlen(names[k].name) == len && strncmp(p, names[k].name, len) == 0) break;
        }
        if (k == sizeof names / sizeof names[0]) return -1;
        sig_alg_list[n++] = names[k].id;
        p += len;
        if (*p == ',') p++;
    }
    sig_alg_list[n] = 0;
    return n > 0 ? 0 : -1;
}

/* Static: the test owns every buffer, like firmware would. */
static uint8_t ca_bytes[256 * 1024];
static uint8_t session_buf[BL_MBEDTLS_SESSION_BUF_SIZE];
static uint8_t work[8192];
static bl_json_token_t tokens[256];

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int usage(void)
{
    fprintf(stderr, "usage: tls_client --host H --port P (--ca FILE | --ca-file FILE | --ca-system)\n"
                    "  [--mode raw|idle|heron|moneykit] [--calls N] [--reconnect] [--no-session]\n"
                    "  [--pin BASE64] [--verify-host NAME] [--mfl N] [--timeout MS] [--secret S]\n"
                    "  [--session-file PATH] [--tls 1.2|1.3|any] [--kex psk_dhe_ke|psk_ke]\n"
                    "  [--sig-algs NAME,NAME...]\n");
    return 2;
}

static int parse(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->mode = "raw";
    o->calls = 1;
    o->timeout_ms = 5000u;
    o->secret = "sk-test-SECRET-0123456789";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1;
        if (strcmp(a, "--host") == 0 && v) o->host = v;
        else if (strcmp(a, "--port") == 0 && v) o->port = (uint16_t)atoi(v);
        else if (strcmp(a, "--ca") == 0 && v) o->ca = v;
        else if (strcmp(a, "--ca-file") == 0 && v) o->ca_file = v;
        else if (strcmp(a, "--pin") == 0 && v) o->pin = v;
        else if (strcmp(a, "--verify-host") == 0 && v) o->verify_host = v;
        else if (strcmp(a, "--mode") == 0 && v) o->mode = v;
        else if (strcmp(a, "--secret") == 0 && v) o->secret = v;
        else if (strcmp(a, "--session-file") == 0 && v) o->session_file = v;
        else if (strcmp(a, "--calls") == 0 && v) o->calls = atoi(v);
        else if (strcmp(a, "--mfl") == 0 && v) o->mfl = (unsigned)atoi(v);
        else if (strcmp(a, "--timeout") == 0 && v) o->timeout_ms = (uint32_t)atoi(v);
        else if (strcmp(a, "--tls") == 0 && v) {
            if (strcmp(v, "1.2") == 0) o->versions = BL_MBEDTLS_TLS_1_2_ONLY;
            else if (strcmp(v, "1.3") == 0) o->versions = BL_MBEDTLS_TLS_1_3_ONLY;
            else if (strcmp(v, "any") != 0) return -1;
        } else if (strcmp(a, "--kex") == 0 && v) {
            if (strcmp(v, "psk_ke") == 0) o->kex = BL_MBEDTLS_TLS13_KEX_PSK_ONLY;
            else if (strcmp(v, "psk_dhe_ke") != 0) return -1;
        } else if (strcmp(a, "--sig-algs") == 0 && v) o->sig_algs = v;
        else {
            used = 0;
            if (strcmp(a, "--reconnect") == 0) o->reconnect = 1;
            else if (strcmp(a, "--no-session") == 0) o->no_session = 1;
            else if (strcmp(a, "--ca-system") == 0) o->ca_file = "";
            else return -1;
        }
        i += used;
    }
    return o->host != NULL && o->port != 0 ? 0 : -1;
}

/* A PEM file gets its NUL counted, as bl_mbedtls_config_t::ca asks. */
static size_t read_ca(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t n = fread(ca_bytes, 1, sizeof ca_bytes - 1u, f);
    fclose(f);
    if (n > 10 && memcmp(ca_bytes, "-----BEGIN", 10) == 0) {
        ca_bytes[n++] = 0;
    }
    return n;
}

/* ------------------------------------------------------------ raw HTTP */

static int send_all(const bl_transport_t *t, const char *s, size_t len, uint32_t timeout)
{
    while (len > 0) {
        int32_t n = t->send(t->ctx, (const uint8_t *)s, len, timeout);
        if (n <= 0) {
            return -1;
        }
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One request on an open connection; returns the HTTP status or -1. */
static int raw_request(const bl_transport_t *t, const opts_t *o, const char *path, int keep, char *body, size_t cap)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nX-Api-Key: %s\r\nConnection: %s\r\n\r\n", path, o->host,
                     o->secret, keep ? "keep-alive" : "close");
    if (n <= 0 || (size_t)n >= sizeof req || send_all(t, req, (size_t)n, o->timeout_ms) != 0) {
        return -1;
    }
    static char buf[16384];
    size_t have = 0;
    char *end = NULL;
    while (end == NULL) {
        if (have + 1 >= sizeof buf) return -1;
        int32_t r = t->recv(t->ctx, (uint8_t *)buf + have, sizeof buf - 1 - have, o->timeout_ms);
        if (r <= 0) return -1;
        have += (size_t)r;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    const char *cl = strstr(buf, "Content-Length: ");
    if (cl == NULL) {
        /* HTTP/1.0 without a length (openssl s_server -www): the body ends
         * with the connection. Its status page says whether the server
         * resumed the session; that line becomes the body. */
        for (;;) {
            if (have + 1 >= sizeof buf) return -1;
            int32_t r = t->recv(t->ctx, (uint8_t *)buf + have, sizeof buf - 1 - have, o->timeout_ms);
            if (r == BL_IO_CLOSED) break;
            if (r <= 0) return -1;
            have += (size_t)r;
        }
        buf[have] = 0;
        const char *line = strstr(buf, "\nReused, ");
        if (line == NULL) line = strstr(buf, "\nNew, ");
        size_t blen = line != NULL ? strcspn(line + 1, "\r\n") : 0;
        if (blen > cap - 1) blen = cap - 1;
        memcpy(body, line != NULL ? line + 1 : "", blen);
        body[blen] = 0;
        return status;
    }
    size_t need = cl ? (size_t)atoi(cl + 16) : 0;
    size_t head = (size_t)(end + 4 - buf);
    while (have - head < need) {
        int32_t r = t->recv(t->ctx, (uint8_t *)buf + have, sizeof buf - 1 - have, o->timeout_ms);
        if (r <= 0) return -1;
        have += (size_t)r;
    }
    size_t blen = need < cap - 1 ? need : cap - 1;
    memcpy(body, buf + head, blen);
    body[blen] = 0;
    return status;
}

/* ------------------------------------------------------------ report */

static void print_call(int i, bl_status_t st, const bl_mbedtls_t *tls, uint64_t us, int http, size_t mfl)
{
    const bl_mbedtls_stats_t *s = bl_mbedtls_stats(tls);
    printf("call=%d status=%s reason=\"%s\" flags=0x%" PRIx32 " raw=%" PRId32 " resumed=%d hs_full=%" PRIu32
           " hs_resumed=%" PRIu32 " hs_ms=%" PRIu32 " us=%" PRIu64 " http=%d mfl=%zu session_len=%zu"
           " session_needed=%zu version=0x%04x alert=%d verify_calls=%" PRIu32,
           i, bl_status_str(st), bl_mbedtls_reason(tls), bl_mbedtls_verify_flags(tls), bl_mbedtls_raw_error(tls),
           bl_mbedtls_resumed(tls) ? 1 : 0, s->handshakes_full, s->handshakes_resumed, s->last_handshake_ms, us,
           http, mfl, s->session_len, s->session_needed, (unsigned)bl_mbedtls_version(tls), bl_mbedtls_peer_alert(tls),
           tls->verify_calls);
}

/* Largest record payload the connection sends: the negotiated MFL (1.2),
 * record_size_limit (1.3) or the build's buffer, whichever is least. Public
 * in 2.28 and 3.x alike (unlike mbedtls_ssl_get_output_max_frag_len). */
static size_t current_mfl(const bl_mbedtls_t *tls)
{
    int n = tls->connected ? mbedtls_ssl_get_max_out_record_payload(&tls->ssl) : 0;
    return n > 0 ? (size_t)n : 0u;
}

#if defined(BL_TEST_ALLOC_HOOK)
static void print_alloc(const bl_alloc_report_t *r)
{
    printf(" attribution=%d bl_allocs=%lu mbedtls_allocs=%lu mbedtls_frees=%lu mbedtls_peak=%zu other_allocs=%lu"
           " other_peak=%zu peak_all=%zu live_end=%zu",
           r->attribution ? 1 : 0, r->calls[BL_ALLOC_EXE], r->calls[BL_ALLOC_MBEDTLS], r->frees[BL_ALLOC_MBEDTLS],
           r->peak[BL_ALLOC_MBEDTLS], r->calls[BL_ALLOC_OTHER], r->peak[BL_ALLOC_OTHER], r->peak_all, r->live_end);
}
#define ALLOC_ARM() bl_alloc_arm()
#define ALLOC_REPORT()               \
    do {                             \
        bl_alloc_report_t rep_;      \
        bl_alloc_disarm(&rep_);      \
        print_alloc(&rep_);          \
    } while (0)
#else
#define ALLOC_ARM() ((void)0)
#define ALLOC_REPORT() ((void)0)
#endif

/* ------------------------------------------------------------ modes */

static int mode_raw(const bl_transport_t *t, bl_mbedtls_t *tls, const opts_t *o)
{
    int failures = 0;
    for (int i = 1; i <= o->calls; i++) {
        char body[512] = "";
        int http = -1;
        size_t mfl = 0;
        uint64_t t0 = mono_us();
        ALLOC_ARM();
        bl_status_t st = t->connect(t->ctx, o->host, o->port, o->timeout_ms);
        if (st == BL_OK) {
            mfl = current_mfl(tls);
            http = raw_request(t, o, "/raw", 0, body, sizeof body);
        }
        t->close(t->ctx);
        uint64_t us = mono_us() - t0;
        print_call(i, st, tls, us, http, mfl);
        ALLOC_REPORT();
        printf(" body=%s\n", body[0] ? body : "-");
        failures += st != BL_OK || http != 200;
    }
    return failures;
}

/* Keep-alive behaviour: a poll with timeout 0 must not break the session,
 * and a close_notify while idle must read as an orderly close. */
static int mode_idle(const bl_transport_t *t, bl_mbedtls_t *tls, const opts_t *o)
{
    char body[512];
    bl_status_t st = t->connect(t->ctx, o->host, o->port, o->timeout_ms);
    print_call(1, st, tls, 0, -1, current_mfl(tls));
    printf("\n");
    if (st != BL_OK) return 1;
    int h1 = raw_request(t, o, "/first", 1, body, sizeof body);
    uint8_t b;
    int32_t poll0 = t->recv(t->ctx, &b, 1, 0);
    int h2 = raw_request(t, o, "/second", 1, body, sizeof body);
    int h3 = raw_request(t, o, "/close", 1, body, sizeof body);
    int32_t after = BL_IO_TIMEOUT;
    for (int i = 0; i < 200 && after == BL_IO_TIMEOUT; i++) {
        after = t->recv(t->ctx, &b, 1, 0);
        if (after == BL_IO_TIMEOUT) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    t->close(t->ctx);
    printf("idle first=%d poll0=%" PRId32 " second=%d close=%d after_close=%" PRId32 "\n", h1, poll0, h2, h3, after);
    return !(h1 == 200 && poll0 == BL_IO_TIMEOUT && h2 == 200 && h3 == 200 && after == BL_IO_CLOSED);
}

static int mode_core(const bl_transport_t *t, bl_mbedtls_t *tls, const opts_t *o, const bl_clock_t *clock)
{
    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = t;
    cfg.clock = clock;
    cfg.host = o->host;
    cfg.port = o->port;
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = sizeof tokens / sizeof tokens[0];
    cfg.timeout_ms = o->timeout_ms;
    bl_client_t client;
    if (bl_client_init(&client, &cfg) != BL_OK) {
        fprintf(stderr, "bl_client_init failed\n");
        return 1;
    }
    int heron = strcmp(o->mode, "heron") == 0;
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, "test-client-id", "test-client-secret");
    int failures = 0;
    for (int i = 1; i <= o->calls; i++) {
        char detail[160] = "-";
        uint64_t t0 = mono_us();
        ALLOC_ARM();
        bl_status_t st;
        if (heron) {
            bl_heron_link_t link;
            st = bl_heron_update_link(&client, o->secret, "item-tls-1", "access-sandbox-tls", &link);
            if (st == BL_OK) snprintf(detail, sizeof detail, "%s", link.item_id.ptr);
        } else {
            char tok[64];
            snprintf(tok, sizeof tok, "exch-tls-%ld-%d", (long)mono_us(), i);
            bl_moneykit_exchange_t ex;
            st = bl_moneykit_exchange_token(&client, &auth, tok, &ex);
            if (st == BL_OK) snprintf(detail, sizeof detail, "%s", ex.link.link_id.ptr);
        }
        size_t mfl = current_mfl(tls);
        uint64_t us = mono_us() - t0;
        print_call(i, st, tls, us, client.last.http_status, mfl);
        ALLOC_REPORT();
        printf(" transport_code=%" PRId32 " detail=%s\n", client.last.transport_code, detail);
        failures += st != BL_OK;
        if (o->reconnect) {
            bl_client_close(&client);
        }
    }
    bl_client_close(&client);
    bl_moneykit_auth_clear(&auth);
    return failures;
}

int main(int argc, char **argv)
{
    opts_t o;
    if (parse(argc, argv, &o) != 0) {
        return usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    static bl_posix_socket_t sock;
    static bl_transport_t tcp, tls_t;
    static bl_mbedtls_t tls;
    bl_clock_t clock;
    bl_posix_transport_init(&tcp, &sock);
    bl_posix_clock_init(&clock);

    bl_mbedtls_config_t cfg;
    bl_mbedtls_config_init(&cfg);
    cfg.lower = &tcp;
    cfg.clock = &clock;
    cfg.verify_host = o.verify_host;
    cfg.max_fragment_len = (uint16_t)o.mfl;
    cfg.versions = o.versions;
    cfg.tls13_kex = o.kex;
    if (o.sig_algs != NULL) {
        if (parse_sig_algs(o.sig_algs) != 0) {
            fprintf(stderr, "bad --sig-algs %s\n", o.sig_algs);
            return 2;
        }
        cfg.sig_algs = sig_alg_list;
    }
    uint8_t pin[BL_MBEDTLS_PIN_SIZE];
    if (o.pin != NULL) {
        if (bl_mbedtls_pin_from_base64(o.pin, pin) != BL_OK) {
            fprintf(stderr, "bad pin %s\n", o.pin);
            return 2;
        }
        cfg.pin_sha256 = pin;
    }
    if (!o.no_session) {
        cfg.session_buf = session_buf;
        cfg.session_buf_size = sizeof session_buf;
    }
    if (o.ca != NULL) {
        cfg.ca = ca_bytes;
        cfg.ca_len = read_ca(o.ca);
    }
#if defined(BL_TEST_ALLOC_HOOK)
    bl_alloc_arm();
#endif
    bl_status_t st = bl_mbedtls_init(&tls, &tls_t, &cfg);
    if (st == BL_OK && o.ca_file != NULL) {
        st = bl_mbedtls_add_ca_file(&tls, o.ca_file[0] ? o.ca_file : NULL);
    }
#if defined(BL_TEST_ALLOC_HOOK)
    {
        bl_alloc_report_t r;
        bl_alloc_disarm(&r);
        printf("init status=%s", bl_status_str(st));
        print_alloc(&r);
        printf("\n");
    }
#endif
    printf("info mbedtls=%s context_bytes=%zu session_buf=%zu\n", MBEDTLS_VERSION_STRING, sizeof tls,
           o.no_session ? (size_t)0 : sizeof session_buf);
    if (st != BL_OK) {
        printf("init failed status=%s raw=%" PRId32 "\n", bl_status_str(st), bl_mbedtls_raw_error(&tls));
        bl_mbedtls_free(&tls);
        return 1;
    }
    if (o.session_file != NULL && !o.no_session) {
        FILE *f = fopen(o.session_file, "rb");
        if (f != NULL) {
            size_t n = fread(session_buf, 1, sizeof session_buf, f);
            fclose(f);
            printf("adopt status=%s len=%zu\n", bl_status_str(bl_mbedtls_session_adopt(&tls, n)), n);
        }
    }
    int failures;
    if (strcmp(o.mode, "raw") == 0) {
        failures = mode_raw(&tls_t, &tls, &o);
    } else if (strcmp(o.mode, "idle") == 0) {
        failures = mode_idle(&tls_t, &tls, &o);
    } else if (strcmp(o.mode, "heron") == 0 || strcmp(o.mode, "moneykit") == 0) {
        failures = mode_core(&tls_t, &tls, &o, &clock);
    } else {
        return usage();
    }
    if (o.session_file != NULL && !o.no_session) {
        FILE *f = fopen(o.session_file, "wb");
        if (f != NULL) {
            fwrite(session_buf, 1, bl_mbedtls_stats(&tls)->session_len, f);
            fclose(f);
        }
    }
    bl_mbedtls_free(&tls);
    printf("done failures=%d\n", failures);
    return failures == 0 ? 0 : 1;
}
