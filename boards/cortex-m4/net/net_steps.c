/*
 * The network firmware's job: banklink's calls over TLS (mbedTLS 3.6, the
 * arena) over TCP (lwIP raw API, NO_SYS) to the host's mock servers, each
 * step checked and printed as `check: NAME ok|FAIL ...`, with the figures
 * measured on the way. The steps and names are the contract with the host
 * harness (test/target/): one TLS context, one client at a time.
 *
 * Phases measured: "full" = connect with a full handshake + one call,
 * "resumed" = connect resuming the stored session + one call. The arena's
 * high-water mark is reset at the start of each, so it is the most the
 * arena held during that phase (the parsed trust anchor included: it lives
 * there the whole time).
 */
#include <string.h>

#include "banklink.h"
#include "bl_lwip_raw.h"
#include "bl_mbedtls.h"
#include "net.h"
#include "net_ca.h"

#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/stats.h"
#include "mbedtls/memory_buffer_alloc.h"

#define SERVER "198.18.0.1"
#define VERIFY_HOST "localhost"
#define PORT_MAIN 8443u
#define PORT_WRONGHOST 8444u
#define PORT_CUT 8445u
#define PORT_RSA 8446u
#define HERON_KEY "test-heron-key"
#define BULK_LINKS 1000u
#define CALL_TIMEOUT_MS 30000u
#define LIST_BUF 2048u

/*
 * The arena is sized to the measured peak plus a margin, not generously:
 * the run then proves the calls fit in it (an arena too small fails the
 * handshake with an allocation error, and the check says so). Peaks
 * measured: 16k 25.2 KB (ECDSA chain) / 28.0 KB (RSA-2048 chain); 4k with
 * MFL 12.9 KB. The margin leaves room for a larger chain or ticket.
 */
#if BL_NET_4K
/* 4 KiB records both ways: the server must honour MFL 4096. */
#define ARENA_SIZE (16u * 1024u)
#define MFL 4096u
#else
/* 16 KiB in (what any server may send) / 4 KiB out. */
#define ARENA_SIZE (32u * 1024u)
#define MFL 0u
#endif

/* ---- memory the application owns: banklink and mbedTLS allocate nothing ---- */
static uint8_t arena[ARENA_SIZE];
static bl_lwip_raw_conn_t conn;
static bl_transport_t tcp;
static bl_clock_t net_clock;
static bl_mbedtls_t tls;
static bl_transport_t tls_t;
static uint8_t session[BL_MBEDTLS_SESSION_BUF_SIZE];
static uint8_t work[BL_MONEYKIT_EXCHANGE_BUF_MIN];
static bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
#if !BL_NET_4K
static bl_moneykit_auth_t auth;
#endif
static bl_client_t client;
static bool client_ready;

/* ---- a meter between the client and TLS: counts connects, times them ---- */
typedef struct meter {
    const bl_transport_t *inner;
    uint32_t connects;
    uint64_t connect_insns; /* instructions of the last connect (TCP + handshake) */
} meter_t;

static meter_t meter;
static bl_transport_t metered;

static bl_status_t meter_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    meter_t *m = (meter_t *)ctx;
    bl_net_mark_t mark = bl_net_mark();
    bl_status_t st = m->inner->connect(m->inner->ctx, host, port, timeout_ms);
    m->connect_insns = bl_net_insns_since(&mark);
    m->connects++;
    return st;
}

static int32_t meter_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    const meter_t *m = (const meter_t *)ctx;
    return m->inner->send(m->inner->ctx, data, len, timeout_ms);
}

static int32_t meter_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    const meter_t *m = (const meter_t *)ctx;
    return m->inner->recv(m->inner->ctx, data, len, timeout_ms);
}

static void meter_close(void *ctx)
{
    const meter_t *m = (const meter_t *)ctx;
    m->inner->close(m->inner->ctx);
}

static int32_t meter_raw_error(void *ctx)
{
    const meter_t *m = (const meter_t *)ctx;
    return m->inner->raw_error != NULL ? m->inner->raw_error(m->inner->ctx) : 0;
}

/* ---- set-up ---- */

static bool tls_setup(void *netif)
{
    bl_lwip_raw_transport_init(&tcp, &conn, bl_net_poll, netif);
    bl_lwip_raw_clock_init(&net_clock, &conn);
    if (bl_mbedtls_arena_init(arena, sizeof arena) != BL_OK) {
        return bl_net_check("tls_init", false, "BL_ERR_UNSUPPORTED", "mbedTLS built without the arena");
    }
    bl_mbedtls_config_t cfg;
    bl_mbedtls_config_init(&cfg);
    cfg.lower = &tcp;
    cfg.clock = &net_clock;
    cfg.ca = bl_net_ca_pem;
    cfg.ca_len = bl_net_ca_pem_len;
    cfg.verify_host = VERIFY_HOST;
    cfg.session_buf = session;
    cfg.session_buf_size = sizeof session;
    cfg.max_fragment_len = (uint16_t)MFL;
    bl_status_t st = bl_mbedtls_init(&tls, &tls_t, &cfg);
    if (st != BL_OK) {
        return bl_net_check("tls_init", false, bl_status_str(st), bl_mbedtls_reason(&tls));
    }
    meter.inner = &tls_t;
    metered.connect = meter_connect;
    metered.send = meter_send;
    metered.recv = meter_recv;
    metered.close = meter_close;
    metered.raw_error = meter_raw_error;
    metered.ctx = &meter;
    return true;
}

/* A client for one server (the previous one closed first). */
static bool client_open(uint16_t port, size_t buf_size)
{
    if (client_ready) {
        bl_client_close(&client);
        client_ready = false;
    }
    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = &metered;
    cfg.clock = &net_clock;
    cfg.host = SERVER;
    cfg.port = port;
    cfg.buf = work;
    cfg.buf_size = buf_size;
    cfg.tokens = tokens;
    cfg.token_count = sizeof tokens / sizeof tokens[0];
    cfg.timeout_ms = CALL_TIMEOUT_MS;
    uint8_t j[4];
    bl_net_entropy_fill(j, sizeof j);
    cfg.jitter_seed = ((uint32_t)j[0] << 24) | ((uint32_t)j[1] << 16) | ((uint32_t)j[2] << 8) | j[3];
    client_ready = bl_client_init(&client, &cfg) == BL_OK;
    if (!client_ready) {
        (void)bl_net_check("client_init", false, "BL_ERR_INVALID_ARG", "bl_client_init");
    }
    return client_ready;
}

/* ---- measurement of one phase ---- */

typedef struct phase {
    bl_net_mark_t mark;
} phase_t;

static void phase_start(phase_t *p)
{
    mbedtls_memory_buffer_alloc_max_reset();
    p->mark = bl_net_mark();
}

static size_t arena_peak(void)
{
    size_t bytes = 0u;
    size_t blocks = 0u;
    mbedtls_memory_buffer_alloc_max_get(&bytes, &blocks);
    return bytes;
}

/* Detail of a failed call: the TLS reason when TLS failed, else a fixed text. */
static const char *detail_of(bl_status_t st, const char *what)
{
    switch (st) {
    case BL_ERR_TLS_CERT:
    case BL_ERR_TLS_PIN:
    case BL_ERR_TLS_HANDSHAKE:
    case BL_ERR_CONNECT:
    case BL_ERR_TIMEOUT:
        return bl_mbedtls_reason(&tls);
    default:
        return what;
    }
}

static bool check_call(const char *name, bl_status_t st, bool decoded_ok, const char *what)
{
    if (st != BL_OK) {
        return bl_net_check(name, false, bl_status_str(st), detail_of(st, what));
    }
    return bl_net_check(name, decoded_ok, "BL_ERR_DECODE", what);
}

/* ---- the list walk ---- */

typedef struct walk {
    size_t n;
    bool in_order;
} walk_t;

static bl_status_t on_link(void *ctx, const bl_heron_link_t *link)
{
    walk_t *w = (walk_t *)ctx;
    /* The mock seeds bulk-item-00000 ... in order. */
    char want[] = "bulk-item-00000";
    size_t v = w->n;
    for (size_t i = sizeof want - 2u; v > 0u && i >= sizeof "bulk-item-" - 1u; i--) {
        want[i] = (char)('0' + (char)(v % 10u));
        v /= 10u;
    }
    if (!bl_str_eq(&link->item_id, want)) {
        w->in_order = false;
    }
    w->n++;
    return BL_OK;
}

static bool list_bulk(const char *name)
{
    walk_t w = {0u, true};
    size_t count = 0u;
    bl_status_t st = bl_heron_list_links(&client, HERON_KEY, "end-user-bulk", on_link, &w, &count);
    return check_call(name, st, count == BULK_LINKS && w.n == BULK_LINKS && w.in_order,
                      "expected 1000 links bulk-item-00000.. in order");
}

static void print_lwip_figures(void)
{
    bl_net_figure("lwip_mem_peak", lwip_stats.mem.max, "B");
    bl_net_figure("lwip_mem_size", MEM_SIZE, "B");
    for (size_t i = 0; i < MEMP_MAX; i++) {
        char name[32];
        const char *d = memp_pools[i]->desc;
        size_t k = 0u;
        /* "PBUF_REF/ROM" -> "PBUF_REF_ROM": figure names are one word. */
        for (; d[k] != '\0' && k + 1u < sizeof name; k++) {
            char c = d[k];
            name[k] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '_';
        }
        name[k] = '\0';
        bl_net_figure2("lwip_memp_peak_", name, lwip_stats.memp[i]->max, "count");
    }
    bl_net_figure("lwip_tcp_xmit", lwip_stats.tcp.xmit, "count");
    bl_net_figure("lwip_tcp_drop", lwip_stats.tcp.drop, "count");
    bl_net_figure("uart_rx_stalls", bl_net_uart_rx_stalls(), "count");
    bl_net_figure("uart_tx_waits", bl_net_uart_tx_waits(), "count");
}

static void print_calibration(void)
{
    /* 2,000,001 instructions; the measurement itself adds a few dozen and
     * the 1 ms tick interrupts (two here) a few more each. */
    const uint32_t iterations = 1000000u;
    uint64_t expected = 2u * (uint64_t)iterations + 1u;
    uint64_t got = bl_net_calibrate(iterations);
    bl_net_figure("icount_calibration_expected", expected, "insns");
    bl_net_figure("icount_calibration_measured", got, "insns");
    bl_net_figure("icount_calibration_error", got > expected ? got - expected : expected - got, "insns");
}

#if !BL_NET_4K
/* ---------------------------------------------------------------- 16k image */

static bool run_16k(void)
{
    bool ok = true;
    phase_t ph;
    bl_status_t st;
    const bl_mbedtls_stats_t *ts = bl_mbedtls_stats(&tls);

    /* 1-3: MoneyKit token + exchange and Heron update-link, one connection. */
    if (!client_open(PORT_MAIN, sizeof work)) {
        return false;
    }
    bl_moneykit_auth_init(&auth, "test-client-id", "test-client-secret");
    phase_start(&ph);
    st = bl_moneykit_fetch_token(&client, &auth);
    uint64_t insns_token = bl_net_insns_since(&ph.mark);
    size_t peak_full = arena_peak();
    uint64_t insns_full_hs = meter.connect_insns;
    uint32_t ms_full_hs = ts->last_handshake_ms;
    ok &= check_call("moneykit_token", st, auth.valid && bl_moneykit_auth_token(&auth)[0] != '\0',
                     "no access token stored");

    bl_moneykit_exchange_t ex;
    bl_net_mark_t m = bl_net_mark();
    st = bl_moneykit_exchange_token(&client, &auth, "public-token-cm4-1", &ex);
    uint64_t insns_exchange = bl_net_insns_since(&m);
    ok &= check_call("moneykit_exchange", st, ex.link.link_id.len > 0u && bl_str_eq(&ex.link_id, ex.link.link_id.ptr),
                     "no link id in the answer");

    bl_heron_link_t link;
    m = bl_net_mark();
    st = bl_heron_update_link(&client, HERON_KEY, "cm4-item-1", "access-cm4-1", &link);
    uint64_t insns_keepalive = bl_net_insns_since(&m);
    ok &= check_call("heron_update_link", st, bl_str_eq(&link.item_id, "cm4-item-1"), "item id not echoed");

    /* 4: all three on one TCP connection and one full handshake. */
    ok &= bl_net_check("keepalive_reuse",
                       meter.connects == 1u && ts->handshakes_full == 1u && ts->handshakes_resumed == 0u,
                       "BL_ERR_CONNECT", "more than one connection or handshake for calls 1-3");

    /* 5: new connection, session resumed (ticket), Heron update-link. */
    bl_client_close(&client);
    phase_start(&ph);
    st = bl_heron_update_link(&client, HERON_KEY, "cm4-item-2", "access-cm4-2", &link);
    uint64_t insns_resumed_phase = bl_net_insns_since(&ph.mark);
    size_t peak_resumed = arena_peak();
    uint64_t insns_resumed_hs = meter.connect_insns;
    uint32_t ms_resumed_hs = ts->last_handshake_ms;
    if (st == BL_OK && !bl_mbedtls_resumed(&tls)) {
        ok &= bl_net_check("tls_resumed", false, "BL_ERR_TLS_HANDSHAKE", "full handshake: session not resumed");
    } else {
        ok &= check_call("tls_resumed", st, bl_str_eq(&link.item_id, "cm4-item-2") && meter.connects == 2u,
                         "item id not echoed or no new connection");
    }

    /* 5b: the MoneyKit exchange too on the resumed connection (the token
     * fetched in 1 is still valid): the same calls as 1-3, no new handshake. */
    uint32_t connects_resumed = meter.connects;
    st = bl_moneykit_exchange_token(&client, &auth, "public-token-cm4-2", &ex);
    ok &= check_call("tls_resumed_exchange", st,
                     ex.link.link_id.len > 0u && meter.connects == connects_resumed && ts->handshakes_full == 1u,
                     "no link id, or a new connection or full handshake");

    /* 6: 1000 links through a 2 KiB work buffer (a new client, resumed). */
    if (!client_open(PORT_MAIN, LIST_BUF)) {
        return false;
    }
    m = bl_net_mark();
    ok &= list_bulk("heron_list_1000");
    uint64_t insns_list = bl_net_insns_since(&m);
    uint32_t ms_list = bl_net_ms_since(&m);

    /* 7: certificate for another name: refused before any request byte. */
    if (!client_open(PORT_WRONGHOST, sizeof work)) {
        return false;
    }
    st = bl_heron_update_link(&client, HERON_KEY, "cm4-item-wrong", "access-cm4-wrong", &link);
    const char *reason = bl_mbedtls_reason(&tls);
    ok &= bl_net_check("wrong_host_refused", st == BL_ERR_TLS_CERT && strcmp(reason, "host name mismatch") == 0,
                       bl_status_str(st), reason);

    /* 8: the server cuts the answer: the exchange may have happened. */
    if (!client_open(PORT_CUT, sizeof work)) {
        return false;
    }
    bl_moneykit_auth_clear(&auth);
    bl_moneykit_auth_init(&auth, NULL, NULL);
    st = bl_moneykit_auth_set_token(&auth, "test-static-token");
    if (st == BL_OK) {
        st = bl_moneykit_exchange_token(&client, &auth, "public-token-cm4-cut", &ex);
    }
    ok &= bl_net_check("exchange_outcome_unknown", st == BL_ERR_OUTCOME_UNKNOWN && client.last.attempts == 1u,
                       bl_status_str(st), "expected BL_ERR_OUTCOME_UNKNOWN after one attempt");

    /* 9: RSA-2048 server certificate, full handshake. */
    if (!client_open(PORT_RSA, sizeof work)) {
        return false;
    }
    uint32_t full_before = ts->handshakes_full;
    phase_start(&ph);
    st = bl_heron_update_link(&client, HERON_KEY, "cm4-item-rsa", "access-cm4-rsa", &link);
    size_t peak_rsa = arena_peak();
    uint64_t insns_rsa_hs = meter.connect_insns;
    ok &= check_call("rsa_chain", st, bl_str_eq(&link.item_id, "cm4-item-rsa") && ts->handshakes_full == full_before + 1u,
                     "item id not echoed or no full handshake");
    bl_client_close(&client);
    client_ready = false;

    bl_net_figure("tls_arena_size", ARENA_SIZE, "B");
    bl_net_figure("tls_arena_peak_full_16k", peak_full, "B");
    bl_net_figure("tls_arena_peak_resumed_16k", peak_resumed, "B");
    bl_net_figure("tls_arena_peak_full_rsa_16k", peak_rsa, "B");
    bl_net_figure("tls_context_size", sizeof tls, "B");
    bl_net_figure("tls_session_len", ts->session_needed, "B");
    bl_net_figure("insns_full_handshake_16k", insns_full_hs, "insns");
    bl_net_figure("insns_resumed_handshake_16k", insns_resumed_hs, "insns");
    bl_net_figure("insns_full_handshake_rsa_16k", insns_rsa_hs, "insns");
    bl_net_figure("insns_full_phase_16k", insns_token, "insns");
    bl_net_figure("insns_resumed_phase_16k", insns_resumed_phase, "insns");
    bl_net_figure("insns_exchange_call", insns_exchange, "insns");
    bl_net_figure("insns_keepalive_call", insns_keepalive, "insns");
    bl_net_figure("insns_list_1000", insns_list, "insns");
    bl_net_figure("handshake_ms_full_16k", ms_full_hs, "ms");
    bl_net_figure("handshake_ms_resumed_16k", ms_resumed_hs, "ms");
    bl_net_figure("list_1000_ms", ms_list, "ms");
    bl_net_figure("tcp_connects", meter.connects, "count");
    if (insns_resumed_hs > 0u) {
        bl_net_figure("handshake_full_over_resumed_x", insns_full_hs / insns_resumed_hs, "count");
    }
    return ok;
}
#else
/* ---------------------------------------------------------------- 4k image */

static bool run_4k(void)
{
    bool ok = true;
    phase_t ph;
    bl_status_t st;
    bl_heron_link_t link;
    const bl_mbedtls_stats_t *ts = bl_mbedtls_stats(&tls);

    if (!client_open(PORT_MAIN, sizeof work)) {
        return false;
    }
    phase_start(&ph);
    st = bl_heron_update_link(&client, HERON_KEY, "cm4-item-mfl-1", "access-cm4-mfl-1", &link);
    size_t peak_full = arena_peak();
    uint64_t insns_full_hs = meter.connect_insns;
    ok &= check_call("mfl_full", st, bl_str_eq(&link.item_id, "cm4-item-mfl-1") && ts->handshakes_full == 1u,
                     "item id not echoed or no full handshake");
    /* Proof that the server honours MFL 4096: answers far over 4 KiB
     * arrive on this connection (a 16 KiB record would not fit). */
    ok &= list_bulk("mfl_records_4k");

    bl_client_close(&client);
    phase_start(&ph);
    st = bl_heron_update_link(&client, HERON_KEY, "cm4-item-mfl-2", "access-cm4-mfl-2", &link);
    size_t peak_resumed = arena_peak();
    uint64_t insns_resumed_hs = meter.connect_insns;
    if (st == BL_OK && !bl_mbedtls_resumed(&tls)) {
        ok &= bl_net_check("mfl_resumed", false, "BL_ERR_TLS_HANDSHAKE", "full handshake: session not resumed");
    } else {
        ok &= check_call("mfl_resumed", st, bl_str_eq(&link.item_id, "cm4-item-mfl-2"), "item id not echoed");
    }
    bl_client_close(&client);
    client_ready = false;

    bl_net_figure("tls_arena_size_4k", ARENA_SIZE, "B");
    bl_net_figure("tls_arena_peak_full_4k_mfl", peak_full, "B");
    bl_net_figure("tls_arena_peak_resumed_4k_mfl", peak_resumed, "B");
    bl_net_figure("insns_full_handshake_4k", insns_full_hs, "insns");
    bl_net_figure("insns_resumed_handshake_4k", insns_resumed_hs, "insns");
    return ok;
}
#endif

bool bl_net_run_steps(void *netif)
{
    print_calibration();
    if (!tls_setup(netif)) {
        return false;
    }
#if BL_NET_4K
    bool ok = run_4k();
#else
    bool ok = run_16k();
#endif
    print_lwip_figures();
    return ok;
}
