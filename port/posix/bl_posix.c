/**
 * @file bl_posix.c
 * @brief banklink transport and clock over BSD sockets.
 *
 * The socket stays non-blocking after connect: every send and recv first
 * tries the operation and only polls when it would block, so a timeout of 0
 * ("do not wait") costs one system call and never sleeps.
 */

/* Feature macros must precede every system header. CMake defines
 * _POSIX_C_SOURCE; builds that compile every file they see (PlatformIO,
 * ESP-IDF) may not, so give them the same view of the headers. */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
/* On Apple systems a strict POSIX view hides SO_NOSIGPIPE. */
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1
#endif

#include "bl_posix.h"

#if defined(BL_PORT_POSIX) && BL_PORT_POSIX

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#if defined(MSG_NOSIGNAL)
#define BL_POSIX_SEND_FLAGS MSG_NOSIGNAL
#else
/* macOS and older BSDs: SO_NOSIGPIPE on the socket does the same job. */
#define BL_POSIX_SEND_FLAGS 0
#endif

/* Monotonic milliseconds, 64-bit so deadline arithmetic inside one call
 * never wraps (the public clock below truncates to 32 bits as the core
 * expects). */
static uint64_t bl_posix_mono_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0u;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds left before @p deadline, clamped to what poll() accepts. */
static int bl_posix_remaining(uint64_t deadline)
{
    uint64_t now = bl_posix_mono_ms();
    if (now >= deadline) {
        return 0;
    }
    uint64_t left = deadline - now;
    return left > (uint64_t)INT_MAX ? INT_MAX : (int)left;
}

/*
 * Wait until @p fd is ready for @p events or the deadline passes.
 * Returns 1 when ready (including POLLERR/POLLHUP: the next I/O call
 * reports the error), 0 on timeout, -1 on a poll failure (errno set).
 * EINTR restarts the wait with the time that is left.
 */
static int bl_posix_wait(int fd, short events, uint64_t deadline)
{
    for (;;) {
        struct pollfd p;
        p.fd = fd;
        p.events = events;
        p.revents = 0;
        int rc = poll(&p, 1, bl_posix_remaining(deadline));
        if (rc > 0) {
            return 1;
        }
        if (rc == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

static int bl_posix_would_block(int err)
{
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
    if (err == EWOULDBLOCK) {
        return 1;
    }
#endif
    return err == EAGAIN;
}

static void bl_posix_close_fd(bl_posix_socket_t *s)
{
    if (s->fd >= 0) {
        /* A failing close still releases the descriptor on Linux and the
         * BSDs; retrying on EINTR could close someone else's fd. */
        (void)close(s->fd);
        s->fd = -1;
    }
}

/* Socket options that must be in place before the connection is used. */
static int bl_posix_prepare(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
        return -1;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return -1;
    }
#if defined(SO_NOSIGPIPE)
    {
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, (socklen_t)sizeof one) != 0) {
            return -1;
        }
    }
#endif
    return 0;
}

/* Outcome of one address: 0 connected, else the errno that failed it. */
static int bl_posix_try_address(bl_posix_socket_t *s, const struct addrinfo *ai, uint64_t deadline)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        return errno;
    }
    if (bl_posix_prepare(fd) != 0) {
        int err = errno;
        (void)close(fd);
        return err;
    }
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        err = errno;
        /* EINTR: the connection still proceeds asynchronously, like
         * EINPROGRESS; waiting for writability covers both. */
        if (err == EINPROGRESS || err == EINTR || bl_posix_would_block(err)) {
            int rc = bl_posix_wait(fd, POLLOUT, deadline);
            if (rc == 0) {
                err = ETIMEDOUT;
            } else if (rc < 0) {
                err = errno;
            } else {
                socklen_t len = (socklen_t)sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
                    err = errno;
                }
            }
        }
    }
    if (err != 0) {
        (void)close(fd);
        return err;
    }
    /* Without it Nagle's algorithm and delayed ACKs add ~40 ms per call.
     * A failure here only costs latency, so it does not fail the connect. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, (socklen_t)sizeof one);
    s->fd = fd;
    return 0;
}

/* Try each address in turn; 0 when one connected, else the last errno. */
static int bl_posix_try_list(bl_posix_socket_t *s, const struct addrinfo *list, uint64_t deadline)
{
    size_t count = 0;
    for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        count++;
    }
    int err = ECONNREFUSED;
    size_t tried = 0;
    for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next, tried++) {
        uint64_t now = bl_posix_mono_ms();
        if (now >= deadline && tried > 0u) {
            break;
        }
        /* Share the time left among the addresses not yet tried, so one
         * address that drops SYNs cannot use up the whole deadline while a
         * working one waits behind it. */
        uint64_t left = deadline > now ? deadline - now : 0u;
        err = bl_posix_try_address(s, ai, now + left / (uint64_t)(count - tried));
        if (err == 0) {
            return 0;
        }
    }
    return err;
}

/*
 * A numeric IPv4 or IPv6 address, described in @p sa without getaddrinfo:
 * no resolver, no allocation inside the C library. Returns false for names
 * (and zoned IPv6 addresses), which take the getaddrinfo path.
 */
static bool bl_posix_numeric(const char *host, uint16_t port, struct sockaddr_storage *sa, struct addrinfo *ai)
{
    memset(sa, 0, sizeof *sa);
    memset(ai, 0, sizeof *ai);
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)sa;
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)sa;
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        ai->ai_family = AF_INET6;
        ai->ai_addrlen = (socklen_t)sizeof *a6;
    } else if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        ai->ai_family = AF_INET;
        ai->ai_addrlen = (socklen_t)sizeof *a4;
    } else {
        return false;
    }
    ai->ai_socktype = SOCK_STREAM;
    ai->ai_protocol = IPPROTO_TCP;
    ai->ai_addr = (struct sockaddr *)(void *)sa;
    ai->ai_next = NULL;
    return true;
}

static bl_status_t bl_posix_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_posix_socket_t *s = (bl_posix_socket_t *)ctx;
    uint64_t deadline = bl_posix_mono_ms() + timeout_ms;

    bl_posix_close_fd(s);
    s->last_errno = 0;
    if (host == NULL || host[0] == '\0') {
        s->last_errno = EINVAL;
        return BL_ERR_RESOLVE;
    }

    int err;
    struct sockaddr_storage numeric_sa;
    struct addrinfo numeric;
    if (bl_posix_numeric(host, port, &numeric_sa, &numeric)) {
        err = bl_posix_try_list(s, &numeric, deadline);
    } else {
        char service[8];
        (void)snprintf(service, sizeof service, "%u", (unsigned)port);
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        /* No AI_ADDRCONFIG: it hides loopback addresses on a host (or
         * network namespace) whose only interface is lo. */
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_protocol = IPPROTO_TCP;
        hints.ai_flags = AI_NUMERICSERV;
        struct addrinfo *list = NULL;
        int gai = getaddrinfo(host, service, &hints, &list);
        if (gai != 0) {
            /* getaddrinfo codes and errno values share last_errno; glibc's
             * EAI_* are negative, so the two stay distinguishable. */
            s->last_errno = (gai == EAI_SYSTEM && errno != 0) ? errno : gai;
            return BL_ERR_RESOLVE;
        }
        err = bl_posix_try_list(s, list, deadline);
        freeaddrinfo(list);
    }
    if (err == 0) {
        return BL_OK;
    }
    s->last_errno = err;
    if (bl_posix_mono_ms() >= deadline) {
        return BL_ERR_TIMEOUT;
    }
    return BL_ERR_CONNECT;
}

/* Common checks of send and recv; returns 0 when the call may proceed. */
static int bl_posix_io_check(bl_posix_socket_t *s, size_t len)
{
    if (s->fd < 0) {
        s->last_errno = ENOTCONN;
        return -1;
    }
    if (len == 0u) {
        /* 0 would read as "closed" from recv; a zero-length I/O is a caller
         * bug, not a state of the connection. */
        s->last_errno = EINVAL;
        return -1;
    }
    return 0;
}

/* The largest count send/recv may move in one call and still fit int32_t. */
static size_t bl_posix_clamp(size_t len)
{
    return len > (size_t)INT32_MAX ? (size_t)INT32_MAX : len;
}

static int32_t bl_posix_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_posix_socket_t *s = (bl_posix_socket_t *)ctx;
    if (bl_posix_io_check(s, len) != 0) {
        return BL_IO_ERROR;
    }
    uint64_t deadline = bl_posix_mono_ms() + timeout_ms;
    size_t n = bl_posix_clamp(len);
    for (;;) {
        ssize_t rc = send(s->fd, data, n, BL_POSIX_SEND_FLAGS);
        if (rc > 0) {
            return (int32_t)rc;
        }
        int err = rc == 0 ? EIO : errno;
        if (err == EINTR) {
            continue;
        }
        if (!bl_posix_would_block(err)) {
            s->last_errno = err;
            return BL_IO_ERROR;
        }
        int w = bl_posix_wait(s->fd, POLLOUT, deadline);
        if (w == 0) {
            return BL_IO_TIMEOUT;
        }
        if (w < 0) {
            s->last_errno = errno;
            return BL_IO_ERROR;
        }
    }
}

static int32_t bl_posix_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_posix_socket_t *s = (bl_posix_socket_t *)ctx;
    if (bl_posix_io_check(s, len) != 0) {
        return BL_IO_ERROR;
    }
    uint64_t deadline = bl_posix_mono_ms() + timeout_ms;
    size_t n = bl_posix_clamp(len);
    for (;;) {
        ssize_t rc = recv(s->fd, data, n, 0);
        if (rc > 0) {
            return (int32_t)rc;
        }
        if (rc == 0) {
            return BL_IO_CLOSED;
        }
        int err = errno;
        if (err == EINTR) {
            continue;
        }
        if (!bl_posix_would_block(err)) {
            s->last_errno = err;
            return BL_IO_ERROR;
        }
        int w = bl_posix_wait(s->fd, POLLIN, deadline);
        if (w == 0) {
            return BL_IO_TIMEOUT;
        }
        if (w < 0) {
            s->last_errno = errno;
            return BL_IO_ERROR;
        }
    }
}

static void bl_posix_close(void *ctx)
{
    /* last_errno survives: the core may ask raw_error() after closing. */
    bl_posix_close_fd((bl_posix_socket_t *)ctx);
}

static int32_t bl_posix_raw_error(void *ctx)
{
    return (int32_t)((const bl_posix_socket_t *)ctx)->last_errno;
}

void bl_posix_transport_init(bl_transport_t *t, bl_posix_socket_t *sock)
{
    sock->fd = -1;
    sock->last_errno = 0;
    t->connect = bl_posix_connect;
    t->send = bl_posix_send;
    t->recv = bl_posix_recv;
    t->close = bl_posix_close;
    t->raw_error = bl_posix_raw_error;
    t->ctx = sock;
}

static uint32_t bl_posix_now_ms(void *ctx)
{
    (void)ctx;
    /* Truncation is the documented contract: the core only subtracts. */
    return (uint32_t)(bl_posix_mono_ms() & 0xFFFFFFFFu);
}

static void bl_posix_sleep_ms(void *ctx, uint32_t ms)
{
    (void)ctx;
    struct timespec req;
    req.tv_sec = (time_t)(ms / 1000u);
    req.tv_nsec = (long)(ms % 1000u) * 1000000L;
    struct timespec rem;
    /* A signal must not shorten a back-off: sleep the remainder. */
    while (nanosleep(&req, &rem) != 0 && errno == EINTR) {
        req = rem;
    }
}

void bl_posix_clock_init(bl_clock_t *c)
{
    c->now_ms = bl_posix_now_ms;
    c->sleep_ms = bl_posix_sleep_ms;
    c->ctx = NULL;
}

#else /* BL_PORT_POSIX */

/* ISO C forbids an empty translation unit. */
typedef int bl_posix_port_disabled_t;

#endif /* BL_PORT_POSIX */
