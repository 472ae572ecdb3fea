/*
 * End-to-end banklink calls over an lwIP port (socket or raw API, see
 * bl_lwip_test.h): Heron update-link and list, MoneyKit exchange-token
 * against the mock server, plain HTTP and TLS (port/mbedtls stacked on the
 * lwIP transport). The mock's control
 * endpoints switch behaviours (a 503, a server that closes idle keep-alive
 * connections, one that never answers) and report which TCP connection
 * each request came on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_lwip_test.h"
/* Set by CMake when port/mbedtls is built. */
#if defined(BL_T_WITH_TLS) && BL_T_WITH_TLS
#include "bl_mbedtls.h"
#endif

/* The mock server's default credentials (test/mock/mock_server.py). */
#define BL_T_HERON_KEY "test-heron-key"
#define BL_T_MK_ID "test-client-id"
#define BL_T_MK_SECRET "test-client-secret"
#define BL_T_ITEM "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define BL_T_ACCESS "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
/* Name in the test certificate (run_lwip_test.sh); no DNS on this lwIP. */
#define BL_T_TLS_NAME "banklink-mock.test"

#define BL_T_BUF 4096u
#define BL_T_TOKENS 192u
/* The list walk's work buffer: far smaller than a 1,000-link answer. */
#define BL_T_SMALL_BUF 2048u
/* mock_links.BULK_END_USER: the owner of the --heron-links links. */
#define BL_T_BULK_USER "end-user-bulk"

/* One banklink client and what it owns. */
typedef struct bl_t_env {
    bl_t_conn_t sock;
    bl_transport_t tcp;
    bl_clock_t clock;
    bl_client_t client;
    bl_json_token_t tokens[BL_T_TOKENS];
    uint8_t buf[BL_T_BUF];
} bl_t_env_t;

/* A client over @p t using the first @p buf_size bytes of the env's buffer. */
static bool bl_t_env_init_buf(bl_t_env_t *e, const bl_transport_t *t, const char *host, uint16_t port,
                              size_t buf_size)
{
    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = t;
    cfg.clock = &e->clock;
    cfg.host = host;
    cfg.port = port;
    cfg.buf = e->buf;
    cfg.buf_size = buf_size;
    cfg.tokens = e->tokens;
    cfg.token_count = BL_T_TOKENS;
    cfg.timeout_ms = 10000u;
    return bl_client_init(&e->client, &cfg) == BL_OK;
}

static bool bl_t_env_init(bl_t_env_t *e, const bl_transport_t *t, const char *host, uint16_t port)
{
    return bl_t_env_init_buf(e, t, host, port, sizeof e->buf);
}

/*
 * One control request to the mock (its own connection, Connection: close).
 * Returns the HTTP status (0 on failure); the body lands in @p out.
 */
static int bl_t_control(const bl_t_opts_t *o, const char *method, const char *path, const char *body, char *out,
                        size_t cap)
{
    bl_t_conn_t sock;
    bl_transport_t t;
    char req[512];
    size_t len = 0;
    int n;
    int status = 0;
    const char *p;

    bl_t_conn_init(&t, &sock);
    n = snprintf(req, sizeof req,
                 "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Type: application/json\r\n"
                 "Content-Length: %u\r\n\r\n%s",
                 method, path, o->server, (unsigned)strlen(body), body);
    if (n <= 0 || (size_t)n >= sizeof req || t.connect(t.ctx, o->server, o->http_port, 3000u) != BL_OK) {
        return 0;
    }
    while (len < (size_t)n) {
        int32_t w = t.send(t.ctx, (const uint8_t *)req + len, (size_t)n - len, 3000u);
        if (w <= 0) {
            t.close(t.ctx);
            return 0;
        }
        len += (size_t)w;
    }
    len = 0;
    for (;;) {
        int32_t r = len + 1u < cap ? t.recv(t.ctx, (uint8_t *)out + len, cap - 1u - len, 5000u) : BL_IO_ERROR;
        if (r == BL_IO_CLOSED) {
            break;
        }
        if (r < 0) {
            t.close(t.ctx);
            return 0;
        }
        len += (size_t)r;
    }
    t.close(t.ctx);
    out[len] = '\0';
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1) {
        return 0;
    }
    p = strstr(out, "\r\n\r\n");
    memmove(out, p != NULL ? p + 4 : out + len, strlen(p != NULL ? p + 4 : out + len) + 1u);
    return status;
}

static bool bl_t_behaviours(const bl_t_opts_t *o, const char *json_list)
{
    char body[256];
    char resp[2048];
    (void)snprintf(body, sizeof body, "{\"behaviours\": %s}", json_list);
    return bl_t_control(o, "POST", "/__mock/config", body, resp, sizeof resp) == 200;
}

static bool bl_t_reset(const bl_t_opts_t *o)
{
    char resp[2048];
    return bl_t_control(o, "POST", "/__mock/reset", "{}", resp, sizeof resp) == 200;
}

/*
 * The server-side connection index of each API request recorded since the
 * last reset, oldest first. Returns how many were found, SIZE_MAX when the
 * stats could not be read.
 */
static size_t bl_t_connections(const bl_t_opts_t *o, long *idx, size_t max)
{
    /* Large: with --heron-links the stats list every link the mock holds. */
    static char stats[1024u * 1024u];
    const char *p = stats;
    size_t n = 0;
    if (bl_t_control(o, "GET", "/__mock/stats", "", stats, sizeof stats) != 200) {
        return SIZE_MAX; /* matches no expected count */
    }
    while (n < max && (p = strstr(p, "\"connection\": ")) != NULL) {
        p += strlen("\"connection\": ");
        idx[n++] = strtol(p, NULL, 10);
    }
    return n;
}

static bl_status_t bl_t_heron(bl_t_env_t *e, const char *key, bl_heron_link_t *link, uint32_t *ms)
{
    uint32_t t0 = e->clock.now_ms(e->clock.ctx);
    bl_status_t st = bl_heron_update_link(&e->client, key, BL_T_ITEM, BL_T_ACCESS, link);
    *ms = e->clock.now_ms(e->clock.ctx) - t0;
    printf("     heron update_link: %s, HTTP %d, %lu attempt(s), %lu ms\n", bl_status_str(st),
           e->client.last.http_status, (unsigned long)e->client.last.attempts, (unsigned long)*ms);
    return st;
}

static void bl_t_heron_plain(bl_t_count_t *c, const bl_t_opts_t *o, bl_t_env_t *e)
{
    bl_heron_link_t link;
    uint32_t ms;
    long conn[8];
    size_t nconn;

    BL_CHECK(c, bl_t_reset(o));
    if (BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK)) {
        BL_CHECK(c, link.status == BL_HERON_LINK_ACTIVE);
        BL_CHECK(c, bl_str_eq(&link.item_id, BL_T_ITEM));
        BL_CHECK(c, e->client.last.attempts == 1u);
    }
    /* Keep-alive: the second call rides the same lwIP connection. */
    BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    nconn = bl_t_connections(o, conn, 8u);
    BL_CHECK(c, nconn == 2u && conn[0] == conn[1]);

    /* The server drops the idle connection; lwIP reports the FIN and the client reconnects. */
    BL_CHECK(c, bl_t_reset(o) && bl_t_behaviours(o, "[\"keepalive_close_idle:100\"]"));
    BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    e->clock.sleep_ms(e->clock.ctx, 400u);
    BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    nconn = bl_t_connections(o, conn, 8u);
    BL_CHECK(c, nconn == 2u && conn[0] != conn[1]);
    /* ... and when it closes right after each answer (while still
     * advertising keep-alive), the next call finds the FIN and reconnects. */
    BL_CHECK(c, bl_t_reset(o) && bl_t_behaviours(o, "[\"keepalive_close_idle:0\"]"));
    BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    nconn = bl_t_connections(o, conn, 8u);
    BL_CHECK(c, nconn == 2u && conn[0] != conn[1]);

    /* A 503 is retried (PUT is idempotent). */
    BL_CHECK(c, bl_t_reset(o) && bl_t_behaviours(o, "[\"status:503:1\", \"retry_after:0\"]"));
    BL_CHECK(c, bl_t_heron(e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    BL_CHECK(c, e->client.last.attempts == 2u);

    /* The API's verdict comes back with Heron's error fields. */
    BL_CHECK(c, bl_t_reset(o));
    BL_CHECK(c, bl_t_heron(e, "wrong-key", &link, &ms) == BL_ERR_API);
    BL_CHECK(c, e->client.last.http_status == 401);
    BL_CHECK(c, e->client.last.api_message.len > 0u);
}

/* Counts the links the walk delivers and checks each one decoded. */
typedef struct bl_t_walk {
    const bl_clock_t *clock;
    size_t seen;
    size_t bad;
} bl_t_walk_t;

/* The application is slow now and then: meanwhile the network keeps running
 * (the raw port's sleep polls lwIP), so the server fills the window. */
#define BL_T_WALK_PAUSE_EVERY 50u
#define BL_T_WALK_PAUSE_MS 5u

static bl_status_t bl_t_walk_link(void *ctx, const bl_heron_link_t *l)
{
    bl_t_walk_t *w = (bl_t_walk_t *)ctx;
    w->seen++;
    if (l->item_id.len == 0u || l->status == BL_HERON_LINK_UNKNOWN) {
        w->bad++;
    }
    if (w->seen % BL_T_WALK_PAUSE_EVERY == 0u) {
        w->clock->sleep_ms(w->clock->ctx, BL_T_WALK_PAUSE_MS);
    }
    return BL_OK;
}

/*
 * A long list through a small buffer: the answer is many windows long, the
 * reader takes a little at a time, so the port must queue what lwIP hands
 * it and reopen the window only as it is read.
 */
static void bl_t_heron_list(bl_t_count_t *c, const bl_t_opts_t *o, const bl_transport_t *t, bl_t_env_t *e,
                            const char *host, uint16_t port)
{
    bl_t_walk_t walk = {NULL, 0u, 0u};
    size_t count = 0;
    uint32_t t0;
    bl_status_t st;

    if (o->heron_links == 0u) {
        printf("     (no --heron-links: list walk not run)\n");
        return;
    }
    if (!BL_CHECK(c, bl_t_env_init_buf(e, t, host, port, BL_T_SMALL_BUF))) {
        return;
    }
    walk.clock = &e->clock;
    t0 = e->clock.now_ms(e->clock.ctx);
    st = bl_heron_list_links(&e->client, BL_T_HERON_KEY, BL_T_BULK_USER, bl_t_walk_link, &walk, &count);
    printf("     heron list_links through a %u-byte buffer: %s, %lu links, %lu ms\n", (unsigned)BL_T_SMALL_BUF,
           bl_status_str(st), (unsigned long)count, (unsigned long)(e->clock.now_ms(e->clock.ctx) - t0));
    BL_CHECK(c, st == BL_OK);
    BL_CHECK(c, count == (size_t)o->heron_links && walk.seen == count && walk.bad == 0u);
    bl_client_close(&e->client);
}

static bl_status_t bl_t_exchange(bl_t_env_t *e, bl_moneykit_auth_t *auth, const char *token,
                                 bl_moneykit_exchange_t *ex)
{
    uint32_t t0 = e->clock.now_ms(e->clock.ctx);
    bl_status_t st = bl_moneykit_exchange_token(&e->client, auth, token, ex);
    printf("     moneykit exchange_token: %s, HTTP %d, %lu ms\n", bl_status_str(st), e->client.last.http_status,
           (unsigned long)(e->clock.now_ms(e->clock.ctx) - t0));
    return st;
}

static void bl_t_moneykit_plain(bl_t_count_t *c, const bl_t_opts_t *o, bl_t_env_t *e)
{
    static bl_moneykit_auth_t auth;
    bl_moneykit_exchange_t ex;

    bl_moneykit_auth_init(&auth, BL_T_MK_ID, BL_T_MK_SECRET);
    BL_CHECK(c, bl_t_reset(o));
    if (BL_CHECK(c, bl_t_exchange(e, &auth, "c7318ff7-257c-490e-8242-03a815b223b7", &ex) == BL_OK)) {
        BL_CHECK(c, e->client.last.http_status == 201);
        BL_CHECK(c, ex.link.link_id.len > 0u && bl_str_eq(&ex.link_id, ex.link.link_id.ptr));
        BL_CHECK(c, ex.link.institution_name.len > 0u);
    }
    BL_CHECK(c, auth.valid); /* the token was fetched through lwIP too */
    /* The server kept it: a second exchange of the same token is refused. */
    BL_CHECK(c, bl_t_exchange(e, &auth, "c7318ff7-257c-490e-8242-03a815b223b7", &ex) == BL_ERR_API);
    BL_CHECK(c, e->client.last.http_status == 400);
    /* Request delivered, no answer: not retried, outcome unknown. */
    BL_CHECK(c, bl_t_behaviours(o, "[\"close_before_response:1\"]"));
    BL_CHECK(c, bl_t_exchange(e, &auth, "0b5a1d57-3c6f-4f0e-9a43-5d2b3c4a1e77", &ex) == BL_ERR_OUTCOME_UNKNOWN);
    BL_CHECK(c, bl_t_reset(o));
    bl_moneykit_auth_clear(&auth);
}

#if defined(BL_T_WITH_TLS) && BL_T_WITH_TLS
/* Read a PEM file into @p buf with its NUL (mbedTLS wants it counted). */
static size_t bl_t_read_pem(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL) {
        return 0;
    }
    n = fread(buf, 1u, cap - 1u, f);
    (void)fclose(f);
    buf[n] = 0;
    return n > 0u && n < cap - 1u ? n + 1u : 0u;
}

static void bl_t_tls(bl_t_count_t *c, const bl_t_opts_t *o)
{
    static bl_t_env_t e;
    static bl_mbedtls_t tls;
    static uint8_t ca[8192];
    static uint8_t session[BL_MBEDTLS_SESSION_BUF_SIZE];
    static bl_moneykit_auth_t auth;
    bl_transport_t tls_t;
    bl_mbedtls_config_t cfg;
    bl_heron_link_t link;
    bl_moneykit_exchange_t ex;
    uint32_t ms;
    size_t ca_len = bl_t_read_pem(o->ca_file, ca, sizeof ca);
    /* By name when lwIP can resolve one (the raw test), else the address. */
    const char *host = o->server_name != NULL ? o->server_name : o->server;

    if (!BL_CHECK(c, ca_len > 0u)) {
        return;
    }
    bl_t_conn_init(&e.tcp, &e.sock);
    bl_t_clock_init(&e.clock, &e.sock);
    bl_mbedtls_config_init(&cfg);
    cfg.lower = &e.tcp;
    cfg.clock = &e.clock;
    cfg.ca = ca;
    cfg.ca_len = ca_len;
    cfg.verify_host = o->tls_name;
    cfg.session_buf = session;
    cfg.session_buf_size = sizeof session;
    if (!BL_CHECK(c, bl_mbedtls_init(&tls, &tls_t, &cfg) == BL_OK)
        || !BL_CHECK(c, bl_t_env_init(&e, &tls_t, host, o->tls_port))) {
        bl_mbedtls_free(&tls);
        return;
    }
    if (BL_CHECK(c, bl_t_heron(&e, BL_T_HERON_KEY, &link, &ms) == BL_OK)) {
        BL_CHECK(c, link.status == BL_HERON_LINK_ACTIVE && bl_str_eq(&link.item_id, BL_T_ITEM));
        printf("     TLS handshake over lwIP: %lu ms\n", (unsigned long)bl_mbedtls_stats(&tls)->last_handshake_ms);
    }
    bl_moneykit_auth_init(&auth, BL_T_MK_ID, BL_T_MK_SECRET);
    if (BL_CHECK(c, bl_t_exchange(&e, &auth, "5f0e4c1a-8b2d-4e6f-a1c3-7d9e0b2f4a68", &ex) == BL_OK)) {
        BL_CHECK(c, ex.link.link_id.len > 0u);
    }
    /* A new connection resumes the stored session. */
    bl_client_close(&e.client);
    BL_CHECK(c, bl_t_heron(&e, BL_T_HERON_KEY, &link, &ms) == BL_OK);
    printf("     handshakes: %lu full, %lu resumed\n", (unsigned long)bl_mbedtls_stats(&tls)->handshakes_full,
           (unsigned long)bl_mbedtls_stats(&tls)->handshakes_resumed);
    BL_CHECK(c, bl_mbedtls_resumed(&tls));
    bl_client_close(&e.client);
    /* The long list through the small buffer, now over TLS records. */
    bl_t_heron_list(c, o, &tls_t, &e, host, o->tls_port);
    bl_mbedtls_free(&tls);
    bl_moneykit_auth_clear(&auth);

    /* Fail closed: a certificate that does not name the host ends the call before a byte is sent. */
    cfg.verify_host = "other-host.test";
    cfg.session_buf = NULL;
    cfg.session_buf_size = 0u;
    if (BL_CHECK(c, bl_mbedtls_init(&tls, &tls_t, &cfg) == BL_OK)
        && BL_CHECK(c, bl_t_env_init(&e, &tls_t, host, o->tls_port))) {
        long conn[4];
        BL_CHECK(c, bl_t_reset(o));
        BL_CHECK(c, bl_t_heron(&e, BL_T_HERON_KEY, &link, &ms) == BL_ERR_TLS_CERT);
        printf("     wrong name: %s\n", bl_mbedtls_reason(&tls));
        /* ... and the server saw no request. */
        BL_CHECK(c, bl_t_connections(o, conn, 4u) == 0u);
    }
    bl_client_close(&e.client);
    bl_mbedtls_free(&tls);
}
#endif /* BL_T_WITH_TLS */

void bl_t_api(bl_t_count_t *c, const bl_t_opts_t *o)
{
    static bl_t_env_t e;

    bl_t_conn_init(&e.tcp, &e.sock);
    bl_t_clock_init(&e.clock, &e.sock);
    if (!BL_CHECK(c, bl_t_env_init(&e, &e.tcp, o->server, o->http_port))) {
        return;
    }
    printf("-- api over lwIP, plain HTTP: Heron\n");
    bl_t_heron_plain(c, o, &e);
    printf("-- api over lwIP, plain HTTP: MoneyKit\n");
    bl_t_moneykit_plain(c, o, &e);
    bl_client_close(&e.client);
    printf("-- api over lwIP, plain HTTP: Heron list, small buffer\n");
    bl_t_heron_list(c, o, &e.tcp, &e, o->server, o->http_port);

#if defined(BL_T_WITH_TLS) && BL_T_WITH_TLS
    if (BL_CHECK(c, o->tls_port != 0u)) {
        printf("-- api over mbedTLS over lwIP\n");
        bl_t_tls(c, o);
    }
#else
    printf("-- TLS: built without port/mbedtls, not run\n");
#endif
}
