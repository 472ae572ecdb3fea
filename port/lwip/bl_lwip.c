/*
 * banklink transport over lwIP's BSD-style socket API.
 *
 * The socket stays non-blocking for its whole life: every operation is tried
 * at once and, when lwIP says EWOULDBLOCK, the thread waits in lwip_poll()
 * (or lwip_select()) for what is left of the caller's timeout. This gives
 * exact deadlines without touching SO_RCVTIMEO/SO_SNDTIMEO, which some
 * lwIP builds leave out.
 */
#if defined(BL_PORT_LWIP) && BL_PORT_LWIP

#include "bl_lwip.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/errno.h"
#include "lwip/ip_addr.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#if LWIP_DNS
#include "lwip/netdb.h"
#endif

#if NO_SYS || !LWIP_SOCKET || !LWIP_TCP
#error "banklink's lwIP port needs NO_SYS 0, LWIP_SOCKET 1 and LWIP_TCP 1 in lwipopts.h (see port/lwip/README.md)"
#endif

/* lwIP before 2.1 has select but no poll (and no LWIP_SOCKET_POLL). */
#if defined(LWIP_SOCKET_POLL) && LWIP_SOCKET_POLL
#define BL_LWIP_USE_POLL 1
#elif !defined(LWIP_SOCKET_SELECT) || LWIP_SOCKET_SELECT
#define BL_LWIP_USE_POLL 0
#else
#error "banklink's lwIP port needs LWIP_SOCKET_POLL or LWIP_SOCKET_SELECT"
#endif

/* Wide enough for whichever address families this lwIP build has. */
typedef union bl_lwip_addr {
    struct sockaddr sa;
#if LWIP_IPV4
    struct sockaddr_in in4;
#endif
#if LWIP_IPV6
    struct sockaddr_in6 in6;
#endif
} bl_lwip_addr_t;

static bool bl_lwip_would_block(int e)
{
    return e == EWOULDBLOCK || e == EAGAIN || e == EINTR;
}

/* Milliseconds left of @p timeout_ms since @p start; sys_now() wraps. */
static uint32_t bl_lwip_left(uint32_t start, uint32_t timeout_ms)
{
    uint32_t spent = (uint32_t)(sys_now() - start);
    return spent >= timeout_ms ? 0u : timeout_ms - spent;
}

/*
 * Block until @p fd is readable (or writable) or @p ms pass.
 * Returns 1 when ready (an error condition counts as ready: the next
 * operation reports it), 0 on timeout, -1 on failure (errno).
 */
static int bl_lwip_wait(int fd, bool for_write, uint32_t ms)
{
#if BL_LWIP_USE_POLL
    struct pollfd p;
    int n;
    p.fd = fd;
    p.events = (short)(for_write ? POLLOUT : POLLIN);
    p.revents = 0;
    n = lwip_poll(&p, 1, ms > (uint32_t)INT_MAX ? INT_MAX : (int)ms);
    return n > 0 ? 1 : n;
#else
    fd_set set;
    fd_set err;
    struct timeval tv;
    int n;
    FD_ZERO(&set);
    FD_ZERO(&err);
    FD_SET(fd, &set);
    FD_SET(fd, &err);
    tv.tv_sec = (long)(ms / 1000u);
    tv.tv_usec = (long)((ms % 1000u) * 1000u);
    n = lwip_select(fd + 1, for_write ? NULL : &set, for_write ? &set : NULL, &err, &tv);
    return n > 0 ? 1 : n;
#endif
}

/* Fill @p out with @p ip and @p port; returns its length, 0 if unsupported. */
static socklen_t bl_lwip_sockaddr(const ip_addr_t *ip, uint16_t port, bl_lwip_addr_t *out)
{
    memset(out, 0, sizeof *out);
#if LWIP_IPV6
    if (IP_IS_V6(ip)) {
        out->in6.sin6_family = AF_INET6;
        out->in6.sin6_port = lwip_htons(port);
        inet6_addr_from_ip6addr(&out->in6.sin6_addr, ip_2_ip6(ip));
        return (socklen_t)sizeof out->in6;
    }
#endif
#if LWIP_IPV4
    if (!IP_IS_V6(ip)) {
        out->in4.sin_family = AF_INET;
        out->in4.sin_port = lwip_htons(port);
        inet_addr_from_ip4addr(&out->in4.sin_addr, ip_2_ip4(ip));
        return (socklen_t)sizeof out->in4;
    }
#endif
    LWIP_UNUSED_ARG(port);
    return 0;
}

#if LWIP_DNS
/* Resolve @p host with lwIP's resolver (blocks up to lwIP's DNS timeout). */
static socklen_t bl_lwip_lookup(bl_lwip_socket_t *s, const char *host, uint16_t port, bl_lwip_addr_t *out)
{
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    socklen_t len = 0;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = lwip_getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        s->last_error = rc != 0 ? rc : EHOSTUNREACH;
        return 0;
    }
    if (res->ai_addr != NULL && res->ai_addrlen <= (socklen_t)sizeof *out) {
        memset(out, 0, sizeof *out);
        memcpy(out, res->ai_addr, (size_t)res->ai_addrlen);
        len = (socklen_t)res->ai_addrlen;
#if LWIP_IPV6
        if (out->sa.sa_family == AF_INET6) {
            out->in6.sin6_port = lwip_htons(port);
        }
#endif
#if LWIP_IPV4
        if (out->sa.sa_family == AF_INET) {
            out->in4.sin_port = lwip_htons(port);
        }
#endif
    } else {
        s->last_error = EAFNOSUPPORT;
    }
    lwip_freeaddrinfo(res);
    return len;
}
#endif

static bl_status_t bl_lwip_resolve(bl_lwip_socket_t *s, const char *host, uint16_t port, bl_lwip_addr_t *out,
                                   socklen_t *len)
{
    ip_addr_t ip;

    if (host == NULL || host[0] == '\0') {
        s->last_error = EINVAL;
        return BL_ERR_RESOLVE;
    }
    memset(&ip, 0, sizeof ip);
    if (ipaddr_aton(host, &ip)) {
        *len = bl_lwip_sockaddr(&ip, port, out);
        if (*len == 0) {
            s->last_error = EAFNOSUPPORT;
            return BL_ERR_RESOLVE;
        }
        return BL_OK;
    }
#if LWIP_DNS
    *len = bl_lwip_lookup(s, host, port, out);
    return *len != 0 ? BL_OK : BL_ERR_RESOLVE;
#else
    /* A name, and this lwIP has no resolver (LWIP_DNS 0). */
    s->last_error = EHOSTUNREACH;
    return BL_ERR_RESOLVE;
#endif
}

static void bl_lwip_close(void *ctx)
{
    bl_lwip_socket_t *s = (bl_lwip_socket_t *)ctx;
    if (s->fd >= 0) {
        (void)lwip_close(s->fd);
        s->fd = -1;
    }
    s->peer_closed = false;
}

/* Wait for a non-blocking connect; BL_OK once lwIP reports it established. */
static bl_status_t bl_lwip_finish_connect(bl_lwip_socket_t *s, int fd, uint32_t start, uint32_t timeout_ms)
{
    int soerr = 0;
    socklen_t soerr_len = (socklen_t)sizeof soerr;
    uint32_t left = bl_lwip_left(start, timeout_ms);
    int w = left == 0 ? 0 : bl_lwip_wait(fd, true, left);

    if (w == 0) {
        s->last_error = ETIMEDOUT;
        return BL_ERR_TIMEOUT;
    }
    if (w < 0) {
        s->last_error = errno;
        return BL_ERR_CONNECT;
    }
    if (lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) != 0) {
        s->last_error = errno;
        return BL_ERR_CONNECT;
    }
    if (soerr != 0) {
        s->last_error = soerr;
        return BL_ERR_CONNECT;
    }
    return BL_OK;
}

static bl_status_t bl_lwip_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_lwip_socket_t *s = (bl_lwip_socket_t *)ctx;
    uint32_t start = sys_now();
    bl_lwip_addr_t addr;
    socklen_t addr_len = 0;
    bl_status_t st;
    int fd;
    int one = 1;

    bl_lwip_close(s);
    s->last_error = 0;
    st = bl_lwip_resolve(s, host, port, &addr, &addr_len);
    if (st != BL_OK) {
        return st;
    }
    fd = lwip_socket(addr.sa.sa_family, SOCK_STREAM, IPPROTO_TCP);
    if (fd < 0) {
        s->last_error = errno; /* ENFILE: MEMP_NUM_NETCONN exhausted */
        return BL_ERR_CONNECT;
    }
    if (lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0
        || lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, (socklen_t)sizeof one) != 0) {
        s->last_error = errno;
        (void)lwip_close(fd);
        return BL_ERR_CONNECT;
    }
    if (lwip_connect(fd, &addr.sa, addr_len) != 0) {
        int e = errno;
        st = (e == EINPROGRESS || e == EWOULDBLOCK) ? bl_lwip_finish_connect(s, fd, start, timeout_ms)
                                                     : BL_ERR_CONNECT;
        if (st != BL_OK) {
            if (s->last_error == 0) {
                s->last_error = e;
            }
            (void)lwip_close(fd);
            return st;
        }
    }
    s->fd = fd;
    return BL_OK;
}

static int32_t bl_lwip_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_lwip_socket_t *s = (bl_lwip_socket_t *)ctx;
    uint32_t start = sys_now();

    if (s->fd < 0 || data == NULL || len == 0) {
        s->last_error = s->fd < 0 ? EBADF : EINVAL;
        return BL_IO_ERROR;
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX; /* the count must fit the return value */
    }
    for (;;) {
        ssize_t n = lwip_send(s->fd, data, len, 0);
        uint32_t left;
        int w;
        if (n > 0) {
            return (int32_t)n;
        }
        if (n < 0 && !bl_lwip_would_block(errno)) {
            s->last_error = errno;
            return BL_IO_ERROR;
        }
        left = bl_lwip_left(start, timeout_ms);
        if (left == 0) {
            return BL_IO_TIMEOUT;
        }
        w = bl_lwip_wait(s->fd, true, left);
        if (w == 0) {
            return BL_IO_TIMEOUT;
        }
        if (w < 0) {
            s->last_error = errno;
            return BL_IO_ERROR;
        }
    }
}

static int32_t bl_lwip_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_lwip_socket_t *s = (bl_lwip_socket_t *)ctx;
    uint32_t start = sys_now();

    if (s->fd < 0 || data == NULL || len == 0) {
        /* A zero-length read would return 0, which means "closed". */
        s->last_error = s->fd < 0 ? EBADF : EINVAL;
        return BL_IO_ERROR;
    }
    if (s->peer_closed) {
        return BL_IO_CLOSED;
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    for (;;) {
        ssize_t n = lwip_recv(s->fd, data, len, 0);
        uint32_t left;
        int w;
        if (n > 0) {
            return (int32_t)n;
        }
        if (n == 0) {
            s->peer_closed = true;
            return BL_IO_CLOSED;
        }
        if (!bl_lwip_would_block(errno)) {
            s->last_error = errno;
            return BL_IO_ERROR;
        }
        left = bl_lwip_left(start, timeout_ms);
        if (left == 0) {
            return BL_IO_TIMEOUT;
        }
        w = bl_lwip_wait(s->fd, false, left);
        if (w == 0) {
            return BL_IO_TIMEOUT;
        }
        if (w < 0) {
            s->last_error = errno;
            return BL_IO_ERROR;
        }
    }
}

static int32_t bl_lwip_raw_error(void *ctx)
{
    const bl_lwip_socket_t *s = (const bl_lwip_socket_t *)ctx;
    return (int32_t)s->last_error;
}

void bl_lwip_transport_init(bl_transport_t *t, bl_lwip_socket_t *sock)
{
    sock->fd = -1;
    sock->last_error = 0;
    sock->peer_closed = false;
    t->connect = bl_lwip_connect;
    t->send = bl_lwip_send;
    t->recv = bl_lwip_recv;
    t->close = bl_lwip_close;
    t->raw_error = bl_lwip_raw_error;
    t->ctx = sock;
}

static uint32_t bl_lwip_now_ms(void *ctx)
{
    LWIP_UNUSED_ARG(ctx);
    return (uint32_t)sys_now();
}

static void bl_lwip_sleep_ms(void *ctx, uint32_t ms)
{
    LWIP_UNUSED_ARG(ctx);
    sys_msleep(ms);
}

void bl_lwip_clock_init(bl_clock_t *c)
{
    c->now_ms = bl_lwip_now_ms;
    c->sleep_ms = bl_lwip_sleep_ms;
    c->ctx = NULL;
}

#else
/* ISO C forbids an empty translation unit. */
typedef int bl_lwip_port_disabled;
#endif /* BL_PORT_LWIP */
