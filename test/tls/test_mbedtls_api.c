/**
 * @file test_mbedtls_api.c
 * @brief cmocka tests of the TLS port's API edges that need no server:
 * argument checks, trust-anchor parsing, pin decoding, failure words,
 * and "no trust anchors: the network is never touched".
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bl_mbedtls.h"

/* A lower transport that only counts: connect() must never reach it when
 * the TLS layer already knows it will refuse. */
typedef struct {
    int connects;
} counting_t;

static bl_status_t cnt_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)host;
    (void)port;
    (void)timeout_ms;
    ((counting_t *)ctx)->connects++;
    return BL_ERR_CONNECT;
}
static int32_t cnt_send(void *ctx, const uint8_t *d, size_t n, uint32_t t)
{
    (void)ctx;
    (void)d;
    (void)n;
    (void)t;
    return BL_IO_ERROR;
}
static int32_t cnt_recv(void *ctx, uint8_t *d, size_t n, uint32_t t)
{
    (void)ctx;
    (void)d;
    (void)n;
    (void)t;
    return BL_IO_ERROR;
}
static void cnt_close(void *ctx)
{
    (void)ctx;
}

static counting_t counter;
static bl_transport_t lower = {cnt_connect, cnt_send, cnt_recv, cnt_close, NULL, &counter};

static void base_config(bl_mbedtls_config_t *cfg)
{
    bl_mbedtls_config_init(cfg);
    cfg->lower = &lower;
}

static void test_pin_base64(void **state)
{
    (void)state;
    uint8_t out[BL_MBEDTLS_PIN_SIZE];
    uint8_t want[BL_MBEDTLS_PIN_SIZE];
    for (size_t i = 0; i < sizeof want; i++) {
        want[i] = (uint8_t)i;
    }
    assert_int_equal(bl_mbedtls_pin_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", out), BL_OK);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(bl_mbedtls_pin_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", out), BL_OK);
    assert_memory_equal(out, want, sizeof want);
    /* URL-safe alphabet: 0xfb 0xff ... */
    assert_int_equal(bl_mbedtls_pin_from_base64("-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8=", out), BL_OK);
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(out[1], 0xff);
    /* Wrong length, bad character, non-canonical tail, NULL. */
    assert_int_equal(bl_mbedtls_pin_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", out), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_mbedtls_pin_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==", out), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_mbedtls_pin_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8=", out), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_mbedtls_pin_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", out), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_mbedtls_pin_from_base64("", out), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_mbedtls_pin_from_base64(NULL, out), BL_ERR_INVALID_ARG);
}

static void test_flag_words(void **state)
{
    (void)state;
    assert_string_equal(bl_mbedtls_flags_reason(0, false), "ok");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_EXPIRED, false), "certificate expired");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_FUTURE, false), "certificate not yet valid");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_CN_MISMATCH, false), "host name mismatch");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_NOT_TRUSTED, true), "self-signed certificate");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_NOT_TRUSTED, false),
                        "certificate not signed by a trusted CA");
    /* Trust first: an untrusted, expired certificate is first of all untrusted. */
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED, false),
                        "certificate not signed by a trusted CA");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, false),
                        "certificate not valid for a TLS server");
    assert_string_equal(bl_mbedtls_flags_reason(MBEDTLS_X509_BADCERT_BAD_KEY, false),
                        "certificate uses a weak hash or key");
}

static void test_init_arguments(void **state)
{
    (void)state;
    bl_mbedtls_t tls;
    bl_transport_t t;
    bl_mbedtls_config_t cfg;

    base_config(&cfg);
    assert_int_equal(bl_mbedtls_init(NULL, &t, &cfg), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_mbedtls_init(&tls, &t, NULL), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);
    cfg.lower = NULL;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);

    uint8_t store[64];
    base_config(&cfg);
    cfg.session_buf = store; /* without its size */
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.max_fragment_len = 1000;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);

    static const char pem_no_nul[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    base_config(&cfg);
    cfg.ca = (const uint8_t *)pem_no_nul;
    cfg.ca_len = sizeof pem_no_nul - 1u; /* NUL not counted */
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    assert_string_equal(bl_mbedtls_reason(&tls), "invalid TLS setting or trust anchors");
    bl_mbedtls_free(&tls);

    static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    base_config(&cfg);
    cfg.ca = garbage;
    cfg.ca_len = sizeof garbage;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    assert_true(bl_mbedtls_raw_error(&tls) < 0);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.session_buf = store;
    cfg.session_buf_size = sizeof store;
    cfg.max_fragment_len = 4096;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_OK);
    assert_ptr_equal(t.ctx, &tls);
    assert_non_null(t.connect);
    assert_non_null(t.raw_error);
    assert_string_equal(bl_mbedtls_reason(&tls), "ok");
    assert_int_equal(bl_mbedtls_add_ca_file(&tls, "/nonexistent/ca.pem"), BL_ERR_INVALID_ARG);
    /* A store that holds no session is refused and emptied. */
    memset(store, 0x5a, sizeof store);
    assert_int_equal(bl_mbedtls_session_adopt(&tls, sizeof store), BL_ERR_INVALID_ARG);
    assert_int_equal(store[0], 0);
    assert_int_equal(bl_mbedtls_session_adopt(&tls, sizeof store + 1u), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);
    bl_mbedtls_free(&tls); /* twice is harmless */
}

/* Versions, TLS 1.3 key exchange and signature algorithms: range checks,
 * and what a build without TLS 1.3 (2.28) refuses. */
static void test_version_settings(void **state)
{
    (void)state;
    bl_mbedtls_t tls;
    bl_transport_t t;
    bl_mbedtls_config_t cfg;
#if MBEDTLS_VERSION_NUMBER >= 0x03020000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    const bl_status_t only13 = BL_OK;
    const bl_status_t sigs = BL_OK;
#elif MBEDTLS_VERSION_NUMBER >= 0x03000000
    const bl_status_t only13 = BL_ERR_UNSUPPORTED;
    const bl_status_t sigs = BL_OK;
#else
    const bl_status_t only13 = BL_ERR_UNSUPPORTED;
    const bl_status_t sigs = BL_ERR_UNSUPPORTED;
#endif
    static const uint16_t ecdsa_only[] = {0x0403, 0};
    static const uint16_t empty[] = {0};

    base_config(&cfg);
    assert_int_equal(cfg.versions, BL_MBEDTLS_TLS_1_2_AND_1_3);
    assert_int_equal(cfg.tls13_kex, BL_MBEDTLS_TLS13_KEX_PSK_DHE);
    assert_null(cfg.sig_algs);
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_OK);
    assert_int_equal(bl_mbedtls_version(&tls), 0);
    assert_int_equal(bl_mbedtls_peer_alert(&tls), -1);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.versions = BL_MBEDTLS_TLS_1_2_ONLY;
    cfg.max_fragment_len = 512;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_OK);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.versions = BL_MBEDTLS_TLS_1_3_ONLY;
    cfg.tls13_kex = BL_MBEDTLS_TLS13_KEX_PSK_ONLY;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), only13);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.versions = (bl_mbedtls_versions_t)3;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.tls13_kex = (bl_mbedtls_tls13_kex_t)2;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.sig_algs = empty;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_ERR_INVALID_ARG);
    bl_mbedtls_free(&tls);

    base_config(&cfg);
    cfg.sig_algs = ecdsa_only;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), sigs);
    bl_mbedtls_free(&tls);

    assert_int_equal(bl_mbedtls_version(NULL), 0);
    assert_int_equal(bl_mbedtls_peer_alert(NULL), -1);
}

static void test_no_trust_anchor_no_network(void **state)
{
    (void)state;
    bl_mbedtls_t tls;
    bl_transport_t t;
    bl_mbedtls_config_t cfg;
    base_config(&cfg);
    counter.connects = 0;
    assert_int_equal(bl_mbedtls_init(&tls, &t, &cfg), BL_OK);
    assert_int_equal(t.connect(t.ctx, "example.com", 443, 1000), BL_ERR_TLS_CERT);
    assert_string_equal(bl_mbedtls_reason(&tls), "no trust anchors loaded");
    assert_int_equal(counter.connects, 0);
    /* Nothing is connected: I/O fails, close is safe. */
    uint8_t b[4] = {0};
    assert_int_equal(t.send(t.ctx, b, sizeof b, 0), BL_IO_ERROR);
    assert_int_equal(t.recv(t.ctx, b, sizeof b, 0), BL_IO_ERROR);
    t.close(t.ctx);

    /* With a CA (the system bundle, where the machine has one) the lower
     * connect runs and its failure is passed on. */
    if (access(BL_MBEDTLS_DEFAULT_CA_FILE, R_OK) != 0) {
        print_message("no %s: lower-connect part skipped\n", BL_MBEDTLS_DEFAULT_CA_FILE);
        bl_mbedtls_free(&tls);
        return;
    }
    assert_int_equal(bl_mbedtls_add_ca_file(&tls, NULL), BL_OK); /* the system bundle */
    assert_int_equal(t.connect(t.ctx, "example.com", 443, 1000), BL_ERR_CONNECT);
    assert_int_equal(counter.connects, 1);
    assert_false(bl_mbedtls_resumed(&tls));
    bl_mbedtls_free(&tls);
}

static void test_arena(void **state)
{
    (void)state;
    static uint8_t arena[64 * 1024];
    size_t peak = 0;
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    assert_int_equal(bl_mbedtls_arena_init(arena, sizeof arena), BL_OK);
#else
    /* Debian's build: no arena allocator; say so rather than pretend. */
    assert_int_equal(bl_mbedtls_arena_init(arena, sizeof arena), BL_ERR_UNSUPPORTED);
    assert_int_equal(bl_mbedtls_arena_peak(&peak, NULL), BL_ERR_UNSUPPORTED);
#endif
    (void)peak;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_base64),
        cmocka_unit_test(test_flag_words),
        cmocka_unit_test(test_init_arguments),
        cmocka_unit_test(test_version_settings),
        cmocka_unit_test(test_no_trust_anchor_no_network),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
