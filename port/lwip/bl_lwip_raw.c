/*
 * banklink transport over lwIP's raw TCP API, for NO_SYS 1 (bare metal).
 *
 * lwIP runs only when someone calls it. Every wait below is therefore a loop
 * that calls the application's poll hook (netif input, sys_check_timeouts())
 * and then looks at what lwIP's callbacks recorded in bl_lwip_raw_conn_t.
 * The callbacks never call banklink and never block: they run inside the
 * hook, on the stack of a banklink call that is already waiting.
 *
 * Ownership: a pbuf handed to the recv callback is ours once it returns
 * ERR_OK. It is queued (pbuf_cat), copied out as far as recv() asks and
 * released from the front with pbuf_free_header(); only then is the window
 * reopened (tcp_recved()), so an application that reads slowly makes the
 * server wait instead of draining the pbuf pool.
 */
#if defined(BL_PORT_LWIP_RAW) && BL_PORT_LWIP_RAW

#include "bl_lwip_raw.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#if LWIP_DNS
#include "lwip/dns.h"
#endif

#if !LWIP_TCP || !LWIP_CALLBACK_API
#error "banklink's raw-API lwIP port needs LWIP_TCP 1 and LWIP_CALLBACK_API 1 in lwipopts.h (see port/lwip/README.md)"
#endif
#if LWIP_VERSION < 0x02010000U
#error "banklink's raw-API lwIP port needs lwIP 2.1 or later (pbuf_free_header, tcp_new_ip_type)"
#endif
/* The receive queue is one pbuf chain whose tot_len is a u16_t; it holds at
 * most one window, so the window must fit. */
#if TCP_WND > 0xFFFF
#error "banklink's raw-API lwIP port needs TCP_WND <= 65535 (the receive queue is one pbuf chain)"
#endif

/* The resolved address is kept in the conn without lwIP's types in the
 * public header; make sure the storage is large enough. */
typedef char bl_lwip_raw_addr_fits[(sizeof(ip_addr_t) <= sizeof(((bl_lwip_raw_conn_t *)0)->dns_addr)) ? 1 : -1];

/* Milliseconds since @p start; sys_now() wraps, the subtraction does not care. */
static uint32_t bl_lwip_raw_elapsed(uint32_t start)
{
    return (uint32_t)(sys_now() - start);
}

static void bl_lwip_raw_poll(const bl_lwip_raw_conn_t *c)
{
    if (c->poll != NULL) {
        c->poll(c->poll_ctx);
    }
}

/* ---- lwIP callbacks: record, never call banklink, never touch a freed pcb ---- */

static err_t bl_lwip_raw_on_recv(void *arg, struct tcp_pcb *tpcb, struct pbuf *p, err_t err)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)arg;

    LWIP_UNUSED_ARG(err); /* lwIP 2.x always passes ERR_OK */
    if (c == NULL || c->pcb != (void *)tpcb) {
        /* Not ours (any more): behave like lwIP's default handler. */
        if (p != NULL) {
            tcp_recved(tpcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) {
        c->peer_closed = true; /* FIN: recv() answers BL_IO_CLOSED once the queue is empty */
        return ERR_OK;
    }
    if (c->rx_queue == NULL) {
        c->rx_queue = p;
    } else {
        pbuf_cat((struct pbuf *)c->rx_queue, p);
    }
    return ERR_OK;
}

static void bl_lwip_raw_on_err(void *arg, err_t err)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)arg;

    if (c == NULL) {
        return;
    }
    /* lwIP has freed the pcb already (RST, retransmission timeout, abort). */
    c->pcb = NULL;
    c->connecting = false;
    c->failed = true;
    c->last_err = (int8_t)err;
}

static err_t bl_lwip_raw_on_connected(void *arg, struct tcp_pcb *tpcb, err_t err)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)arg;

    if (c != NULL && c->pcb == (void *)tpcb) {
        c->connecting = false;
        c->connected = err == ERR_OK;
        if (err != ERR_OK) {
            c->last_err = (int8_t)err;
        }
    }
    return ERR_OK;
}

/* Detach our callbacks so that nothing lwIP does with @p pcb later reaches @p c. */
static void bl_lwip_raw_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
}

static void bl_lwip_raw_reset(bl_lwip_raw_conn_t *c)
{
    if (c->rx_queue != NULL) {
        pbuf_free((struct pbuf *)c->rx_queue);
        c->rx_queue = NULL;
    }
    c->pcb = NULL;
    c->connecting = false;
    c->connected = false;
    c->peer_closed = false;
    c->failed = false;
}

static void bl_lwip_raw_close(void *ctx)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)ctx;
    struct tcp_pcb *pcb = (struct tcp_pcb *)c->pcb;

    if (pcb != NULL) {
        bl_lwip_raw_detach(pcb);
        /* ERR_MEM: no memory for the FIN; abort rather than leak the pcb.
         * (tcp_abort would call the err callback, detached above.) */
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
        }
    }
    bl_lwip_raw_reset(c);
}

/* Abort a pcb that never became usable (connect failed or timed out). */
static void bl_lwip_raw_abandon(bl_lwip_raw_conn_t *c)
{
    struct tcp_pcb *pcb = (struct tcp_pcb *)c->pcb;

    if (pcb != NULL) {
        bl_lwip_raw_detach(pcb);
        tcp_abort(pcb);
    }
    bl_lwip_raw_reset(c);
}

/* ---- name resolution ---- */

#if LWIP_DNS
static void bl_lwip_raw_on_dns(const char *name, const ip_addr_t *ipaddr, void *arg)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)arg;

    /* An answer to a lookup we gave up on may come during a later one:
     * only take it while waiting, and only for the name asked for. */
    if (c == NULL || c->dns_host == NULL || name == NULL || strcmp(name, c->dns_host) != 0) {
        return;
    }
    c->dns_done = true;
    c->dns_found = ipaddr != NULL;
    if (ipaddr != NULL) {
        memcpy(c->dns_addr, ipaddr, sizeof *ipaddr);
    }
}
#endif

static bl_status_t bl_lwip_raw_resolve(bl_lwip_raw_conn_t *c, const char *host, ip_addr_t *out, uint32_t start,
                                       uint32_t timeout_ms)
{
    if (host == NULL || host[0] == '\0') {
        c->last_err = (int8_t)ERR_ARG;
        return BL_ERR_RESOLVE;
    }
    if (ipaddr_aton(host, out)) {
        return BL_OK;
    }
#if LWIP_DNS
    {
        err_t e;
        bl_status_t st = BL_ERR_RESOLVE;

        c->dns_done = false;
        c->dns_found = false;
        c->dns_host = host;
        e = dns_gethostbyname(host, out, bl_lwip_raw_on_dns, c);
        if (e == ERR_OK) {
            st = BL_OK; /* cached (or a literal dns accepts) */
        } else if (e == ERR_INPROGRESS) {
            st = BL_ERR_TIMEOUT;
            while (bl_lwip_raw_elapsed(start) < timeout_ms) {
                bl_lwip_raw_poll(c);
                if (c->dns_done) {
                    st = c->dns_found ? BL_OK : BL_ERR_RESOLVE;
                    break;
                }
            }
            if (st == BL_OK) {
                memcpy(out, c->dns_addr, sizeof *out);
            }
            e = st == BL_ERR_TIMEOUT ? ERR_TIMEOUT : ERR_VAL;
        }
        c->dns_host = NULL;
        if (st != BL_OK) {
            c->last_err = (int8_t)e;
        }
        return st;
    }
#else
    LWIP_UNUSED_ARG(start);
    LWIP_UNUSED_ARG(timeout_ms);
    /* A name, and this lwIP has no resolver (LWIP_DNS 0). */
    c->last_err = (int8_t)ERR_ARG;
    return BL_ERR_RESOLVE;
#endif
}

/* ---- transport functions ---- */

static bl_status_t bl_lwip_raw_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)ctx;
    uint32_t start = sys_now();
    ip_addr_t ip;
    struct tcp_pcb *pcb;
    bl_status_t st;
    err_t e;

    bl_lwip_raw_close(c);
    c->last_err = (int8_t)ERR_OK;
    memset(&ip, 0, sizeof ip);
    st = bl_lwip_raw_resolve(c, host, &ip, start, timeout_ms);
    if (st != BL_OK) {
        return st;
    }
#if LWIP_IPV4 && LWIP_IPV6
    pcb = tcp_new_ip_type((u8_t)IP_GET_TYPE(&ip));
#else
    pcb = tcp_new();
#endif
    if (pcb == NULL) {
        c->last_err = (int8_t)ERR_MEM; /* MEMP_NUM_TCP_PCB exhausted */
        return BL_ERR_CONNECT;
    }
    c->pcb = pcb;
    tcp_arg(pcb, c);
    tcp_recv(pcb, bl_lwip_raw_on_recv);
    tcp_err(pcb, bl_lwip_raw_on_err);
    /* One request leaves as one segment train; Nagle would hold the tail
     * until the previous segment's (delayed) ACK. */
    tcp_nagle_disable(pcb);
    c->connecting = true;
    e = tcp_connect(pcb, &ip, port, bl_lwip_raw_on_connected);
    if (e != ERR_OK) {
        c->last_err = (int8_t)e; /* ERR_RTE: no route; ERR_MEM; ERR_USE */
        bl_lwip_raw_abandon(c);
        return BL_ERR_CONNECT;
    }
    while (c->connecting && !c->failed) {
        if (bl_lwip_raw_elapsed(start) >= timeout_ms) {
            c->last_err = (int8_t)ERR_TIMEOUT;
            bl_lwip_raw_abandon(c);
            return BL_ERR_TIMEOUT;
        }
        bl_lwip_raw_poll(c);
    }
    if (c->failed) {
        int8_t why = c->last_err; /* ERR_RST: refused; ERR_ABRT: SYN retries exhausted */
        bl_lwip_raw_reset(c);
        c->last_err = why;
        return BL_ERR_CONNECT;
    }
    if (!c->connected) {
        bl_lwip_raw_abandon(c); /* the connected callback reported an error */
        return BL_ERR_CONNECT;
    }
    return BL_OK;
}

static int32_t bl_lwip_raw_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)ctx;
    uint32_t start = sys_now();

    if (data == NULL || len == 0) {
        c->last_err = (int8_t)ERR_ARG;
        return BL_IO_ERROR;
    }
    for (;;) {
        struct tcp_pcb *pcb = (struct tcp_pcb *)c->pcb;
        size_t room;
        if (c->failed || pcb == NULL || !c->connected) {
            if (!c->failed) {
                c->last_err = (int8_t)ERR_CONN;
            }
            return BL_IO_ERROR;
        }
        room = (size_t)tcp_sndbuf(pcb);
        if (room > 0) {
            u16_t n = (u16_t)(len < room ? len : room);
            err_t e = tcp_write(pcb, data, n, TCP_WRITE_FLAG_COPY);
            if (e == ERR_OK) {
                /* Queued: a failing output is retried by lwIP's timers. */
                (void)tcp_output(pcb);
                return (int32_t)n;
            }
            if (e != ERR_MEM) {
                c->last_err = (int8_t)e;
                return BL_IO_ERROR;
            }
            /* ERR_MEM: TCP_SND_QUEUELEN or pbufs full; wait for ACKs. */
        }
        (void)tcp_output(pcb);
        if (bl_lwip_raw_elapsed(start) >= timeout_ms) {
            return BL_IO_TIMEOUT;
        }
        bl_lwip_raw_poll(c);
    }
}

/* Copy up to @p len queued bytes into @p data and release them to lwIP. */
static int32_t bl_lwip_raw_take(bl_lwip_raw_conn_t *c, uint8_t *data, size_t len)
{
    struct pbuf *q = (struct pbuf *)c->rx_queue;
    u16_t n = (u16_t)(len < (size_t)q->tot_len ? len : (size_t)q->tot_len);

    n = pbuf_copy_partial(q, data, n, 0);
    c->rx_queue = pbuf_free_header(q, n);
    if (c->pcb != NULL) {
        tcp_recved((struct tcp_pcb *)c->pcb, n); /* reopen the window by what was read */
    }
    return (int32_t)n;
}

static int32_t bl_lwip_raw_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_lwip_raw_conn_t *c = (bl_lwip_raw_conn_t *)ctx;
    uint32_t start = sys_now();
    bool polled = false;

    if (data == NULL || len == 0) {
        /* A zero-length read would return 0, which means "closed". */
        c->last_err = (int8_t)ERR_ARG;
        return BL_IO_ERROR;
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    for (;;) {
        /* Data that arrived before a FIN or a reset is still delivered. */
        if (c->rx_queue != NULL) {
            return bl_lwip_raw_take(c, data, len);
        }
        if (c->peer_closed) {
            return BL_IO_CLOSED;
        }
        if (c->failed || c->pcb == NULL || !c->connected) {
            if (!c->failed) {
                c->last_err = (int8_t)ERR_CONN;
            }
            return BL_IO_ERROR;
        }
        /* Timeout 0 still polls once, so an idle FIN that has reached the
         * netif is seen before a keep-alive connection is reused. */
        if (polled && bl_lwip_raw_elapsed(start) >= timeout_ms) {
            return BL_IO_TIMEOUT;
        }
        bl_lwip_raw_poll(c);
        polled = true;
    }
}

static int32_t bl_lwip_raw_raw_error(void *ctx)
{
    const bl_lwip_raw_conn_t *c = (const bl_lwip_raw_conn_t *)ctx;
    return (int32_t)c->last_err;
}

void bl_lwip_raw_transport_init(bl_transport_t *t, bl_lwip_raw_conn_t *conn, bl_lwip_raw_poll_fn poll, void *poll_ctx)
{
    memset(conn, 0, sizeof *conn);
    conn->pcb = NULL;
    conn->rx_queue = NULL;
    conn->dns_host = NULL;
    conn->last_err = (int8_t)ERR_OK;
    conn->poll = poll;
    conn->poll_ctx = poll_ctx;
    t->connect = bl_lwip_raw_connect;
    t->send = bl_lwip_raw_send;
    t->recv = bl_lwip_raw_recv;
    t->close = bl_lwip_raw_close;
    t->raw_error = bl_lwip_raw_raw_error;
    t->ctx = conn;
}

/* ---- clock ---- */

static uint32_t bl_lwip_raw_now_ms(void *ctx)
{
    LWIP_UNUSED_ARG(ctx);
    return (uint32_t)sys_now();
}

static void bl_lwip_raw_sleep_ms(void *ctx, uint32_t ms)
{
    const bl_lwip_raw_conn_t *c = (const bl_lwip_raw_conn_t *)ctx;
    uint32_t start = sys_now();

    /* Keep lwIP's input and timers running during banklink's back-off. */
    while (bl_lwip_raw_elapsed(start) < ms) {
        bl_lwip_raw_poll(c);
    }
}

void bl_lwip_raw_clock_init(bl_clock_t *c, bl_lwip_raw_conn_t *conn)
{
    c->now_ms = bl_lwip_raw_now_ms;
    c->sleep_ms = bl_lwip_raw_sleep_ms;
    c->ctx = conn;
}

#else
/* ISO C forbids an empty translation unit. */
typedef int bl_lwip_raw_port_disabled;
#endif /* BL_PORT_LWIP_RAW */
