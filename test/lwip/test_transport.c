/*
 * An lwIP port's transport contract, checked on lwIP's own TCP/IP stack
 * against a real server on the Linux side of the TAP device. Shared by the
 * socket port's and the raw-API port's test; the port-specific bits go
 * through the hooks of bl_lwip_test.h.
 */
#include <stdio.h>
#include <string.h>

#include "bl_lwip_test.h"

/* Send all of @p len bytes or fail. */
static bool bl_t_send_all(const bl_transport_t *t, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        int32_t n = t->send(t->ctx, (const uint8_t *)data + off, len - off, 2000u);
        if (n <= 0) {
            return false;
        }
        off += (size_t)n;
    }
    return true;
}

/* Read until the peer closes; returns bytes read, or -1 on error/timeout. */
static long bl_t_recv_to_close(const bl_transport_t *t, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        int32_t n;
        if (len + 1u >= cap) {
            return -1;
        }
        n = t->recv(t->ctx, (uint8_t *)buf + len, cap - 1u - len, 5000u);
        if (n == BL_IO_CLOSED) {
            buf[len] = '\0';
            return (long)len;
        }
        if (n < 0) {
            return -1;
        }
        len += (size_t)n;
    }
}

static void bl_t_clock(bl_t_count_t *c, const bl_clock_t *clk)
{
    uint32_t t0 = clk->now_ms(clk->ctx);
    uint32_t t1;
    clk->sleep_ms(clk->ctx, 50u);
    t1 = clk->now_ms(clk->ctx);
    printf("     clock: sleep_ms(50) took %lu ms\n", (unsigned long)(t1 - t0));
    BL_CHECK(c, t1 - t0 >= 50u && t1 - t0 < 1000u);
}

/* A raw HTTP/1.1 exchange: the stack moves real bytes both ways. */
static void bl_t_raw_http(bl_t_count_t *c, const bl_t_opts_t *o, const bl_transport_t *t,
                          const bl_t_conn_t *conn)
{
    static const char req[] = "GET /banklink-lwip-probe HTTP/1.1\r\n"
                              "Host: 198.18.0.1\r\n"
                              "Connection: close\r\n"
                              "\r\n";
    char resp[4096];
    uint8_t byte;
    long n;
    int i;

    if (!BL_CHECK(c, t->connect(t->ctx, o->server, o->http_port, 3000u) == BL_OK)) {
        printf("     raw_error %ld\n", (long)t->raw_error(t->ctx));
        return;
    }
    BL_CHECK(c, bl_t_conn_is_open(conn));
    /* The port promises TCP_NODELAY: ask lwIP itself. */
    BL_CHECK(c, bl_t_conn_nodelay(conn));
    /* Nothing was asked yet: a zero timeout must not wait and must not say "closed". */
    BL_CHECK(c, t->recv(t->ctx, &byte, 1u, 0u) == BL_IO_TIMEOUT);
    BL_CHECK(c, bl_t_send_all(t, req, sizeof req - 1u));
    n = bl_t_recv_to_close(t, resp, sizeof resp);
    BL_CHECK(c, n > 12);
    if (n > 12) {
        const char *eol = strstr(resp, "\r\n");
        printf("     response: %.*s (%ld bytes)\n", eol != NULL ? (int)(eol - resp) : 40, resp, n);
        BL_CHECK(c, strncmp(resp, "HTTP/1.", 7) == 0 && resp[9] >= '1' && resp[9] <= '5');
    }
    /* Orderly close stays "closed", not an error, however often it is asked
     * (the core's idle-close detection relies on that). */
    for (i = 0; i < 3; i++) {
        n = t->recv(t->ctx, &byte, 1u, i == 0 ? 100u : 0u);
        printf("     recv after close: %ld raw %ld\n", n, (long)t->raw_error(t->ctx));
        BL_CHECK(c, n == BL_IO_CLOSED);
    }
    t->close(t->ctx);
    BL_CHECK(c, !bl_t_conn_is_open(conn));
    BL_CHECK(c, t->recv(t->ctx, &byte, 1u, 0u) == BL_IO_ERROR);
    t->close(t->ctx); /* closing twice is allowed */
}

/* recv honours its timeout on an open, silent connection. */
static void bl_t_recv_timeout(bl_t_count_t *c, const bl_t_opts_t *o, const bl_transport_t *t,
                              const bl_clock_t *clk)
{
    uint8_t byte;
    uint32_t t0;
    uint32_t spent;
    int32_t r;

    if (!BL_CHECK(c, t->connect(t->ctx, o->server, o->http_port, 3000u) == BL_OK)) {
        return;
    }
    t0 = clk->now_ms(clk->ctx);
    r = t->recv(t->ctx, &byte, 1u, 300u);
    spent = clk->now_ms(clk->ctx) - t0;
    printf("     recv(timeout 300 ms) on a silent connection: %ld after %lu ms\n", (long)r,
           (unsigned long)spent);
    BL_CHECK(c, r == BL_IO_TIMEOUT);
    BL_CHECK(c, spent >= 290u && spent < 1500u);
    t->close(t->ctx);
}

static void bl_t_connect_failures(bl_t_count_t *c, const bl_t_opts_t *o, const bl_transport_t *t,
                                  const bl_clock_t *clk)
{
    uint32_t t0;
    uint32_t spent;
    bl_status_t st;

    /* Linux answers the SYN with RST: refused, with lwIP's errno kept. */
    st = t->connect(t->ctx, o->server, o->closed_port, 3000u);
    printf("     connect to closed port %u: %s, raw_error %ld\n", (unsigned)o->closed_port, bl_status_str(st),
           (long)t->raw_error(t->ctx));
    BL_CHECK(c, st == BL_ERR_CONNECT);
    BL_CHECK(c, t->raw_error(t->ctx) != 0);

    /* Nobody answers ARP for this address: the deadline ends the connect. */
    t0 = clk->now_ms(clk->ctx);
    st = t->connect(t->ctx, o->blackhole, 80u, 500u);
    spent = clk->now_ms(clk->ctx) - t0;
    printf("     connect to silent %s: %s after %lu ms\n", o->blackhole, bl_status_str(st), (unsigned long)spent);
    BL_CHECK(c, st == BL_ERR_TIMEOUT);
    BL_CHECK(c, spent >= 490u && spent < 2000u);

    /* A name that does not resolve: the socket test's lwIP has no resolver
     * (LWIP_DNS 0), the raw test's asks a server that answers NXDOMAIN. */
    t0 = clk->now_ms(clk->ctx);
    st = t->connect(t->ctx, "api.example.invalid", 443u, 2000u);
    spent = clk->now_ms(clk->ctx) - t0;
    printf("     connect to api.example.invalid: %s, raw_error %ld, after %lu ms\n", bl_status_str(st),
           (long)t->raw_error(t->ctx), (unsigned long)spent);
    BL_CHECK(c, st == BL_ERR_RESOLVE);
    BL_CHECK(c, spent < 1500u);
    BL_CHECK(c, t->connect(t->ctx, "", 443u, 500u) == BL_ERR_RESOLVE);

    /* The socket is usable again after failures. */
    BL_CHECK(c, t->connect(t->ctx, o->server, o->http_port, 3000u) == BL_OK);
    t->close(t->ctx);
    if (o->server_name != NULL) {
        /* A name lwIP resolves (the raw test: DNS_LOCAL_HOSTLIST). */
        st = t->connect(t->ctx, o->server_name, o->http_port, 3000u);
        printf("     connect to %s: %s\n", o->server_name, bl_status_str(st));
        BL_CHECK(c, st == BL_OK);
        t->close(t->ctx);
    }
}

void bl_t_transport(bl_t_count_t *c, const bl_t_opts_t *o)
{
    bl_t_conn_t conn;
    bl_transport_t t;
    bl_clock_t clk;
    uint8_t byte;

    bl_t_conn_init(&t, &conn);
    bl_t_clock_init(&clk, &conn);
    BL_CHECK(c, !bl_t_conn_is_open(&conn) && t.ctx == &conn);
    /* Never connected: recv fails, close is harmless (twice). */
    BL_CHECK(c, t.recv(t.ctx, &byte, 1u, 0u) == BL_IO_ERROR);
    t.close(t.ctx);
    t.close(t.ctx);

    printf("-- transport: clock\n");
    bl_t_clock(c, &clk);
    printf("-- transport: raw HTTP through lwIP\n");
    bl_t_raw_http(c, o, &t, &conn);
    printf("-- transport: recv timeout\n");
    bl_t_recv_timeout(c, o, &t, &clk);
    printf("-- transport: connect failures\n");
    bl_t_connect_failures(c, o, &t, &clk);
}
