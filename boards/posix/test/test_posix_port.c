/*
 * The POSIX transport and clock against real loopback sockets the test
 * opens itself: IPv4 and IPv6, names and numbers, every return value of the
 * transport contract (bytes, closed, timeout, error with errno kept), and
 * the failure statuses of connect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bl_posix.h"

/* A listening socket on loopback; returns its fd and port, or -1. */
static int listen_on(int family, uint16_t *port, int backlog)
{
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                     : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static int accept_one(int lfd)
{
    struct pollfd p = {lfd, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1) {
        return -1;
    }
    return accept(lfd, NULL, NULL);
}

static uint32_t now_ms(const bl_clock_t *c)
{
    return c->now_ms(c->ctx);
}

typedef struct fixture {
    bl_posix_socket_t sock;
    bl_transport_t t;
    bl_clock_t clock;
} fixture_t;

static int setup(void **state)
{
    static fixture_t f;
    bl_posix_transport_init(&f.t, &f.sock);
    bl_posix_clock_init(&f.clock);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    f->t.close(f->t.ctx);
    return 0;
}

/* Connect to @p host, exchange bytes both ways, see TCP_NODELAY set. */
static void round_trip(fixture_t *f, int family, const char *host)
{
    uint16_t port = 0;
    int lfd = listen_on(family, &port, 4);
    if (lfd < 0) {
        skip();
    }
    assert_int_equal(f->t.connect(f->t.ctx, host, port, 2000), BL_OK);
    assert_true(f->sock.fd >= 0);
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    assert_int_equal(getsockopt(f->sock.fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    assert_true(nodelay != 0);

    int cfd = accept_one(lfd);
    assert_true(cfd >= 0);
    static const uint8_t req[] = "GET / HTTP/1.1\r\n\r\n";
    assert_int_equal(f->t.send(f->t.ctx, req, sizeof req - 1u, 1000), (int32_t)(sizeof req - 1u));
    char got[64];
    ssize_t n = recv(cfd, got, sizeof got, 0);
    assert_int_equal(n, (ssize_t)(sizeof req - 1u));
    assert_memory_equal(got, req, sizeof req - 1u);

    assert_int_equal(send(cfd, "hello", 5, 0), 5);
    uint8_t buf[16];
    /* Pieces as small as the caller asks for. */
    assert_int_equal(f->t.recv(f->t.ctx, buf, 2, 1000), 2);
    assert_memory_equal(buf, "he", 2);
    assert_int_equal(f->t.recv(f->t.ctx, buf, sizeof buf, 1000), 3);
    assert_memory_equal(buf, "llo", 3);

    /* Orderly close by the peer. */
    close(cfd);
    assert_int_equal(f->t.recv(f->t.ctx, buf, sizeof buf, 1000), BL_IO_CLOSED);
    f->t.close(f->t.ctx);
    assert_int_equal(f->sock.fd, -1);
    f->t.close(f->t.ctx); /* safe twice */
    close(lfd);
}

static void test_ipv4_numeric(void **state)
{
    round_trip(*state, AF_INET, "127.0.0.1");
}

static void test_ipv6_numeric(void **state)
{
    round_trip(*state, AF_INET6, "::1");
}

static void test_name_localhost(void **state)
{
    /* "localhost" may list ::1 first: the port must move on to 127.0.0.1
     * when ::1 refuses. */
    round_trip(*state, AF_INET, "localhost");
}

static void test_recv_timeouts(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    int lfd = listen_on(AF_INET, &port, 4);
    assert_true(lfd >= 0);
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_OK);
    int cfd = accept_one(lfd);
    assert_true(cfd >= 0);
    uint8_t buf[8];

    /* 0 = do not wait. */
    uint32_t t0 = now_ms(&f->clock);
    assert_int_equal(f->t.recv(f->t.ctx, buf, sizeof buf, 0), BL_IO_TIMEOUT);
    assert_true(now_ms(&f->clock) - t0 < 50u);

    /* A real wait lasts about as long as asked. */
    t0 = now_ms(&f->clock);
    assert_int_equal(f->t.recv(f->t.ctx, buf, sizeof buf, 150), BL_IO_TIMEOUT);
    uint32_t waited = now_ms(&f->clock) - t0;
    assert_true(waited >= 140u);
    assert_true(waited < 1000u);

    /* Data already there with timeout 0 is returned. */
    assert_int_equal(send(cfd, "x", 1, 0), 1);
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    assert_int_equal(f->t.recv(f->t.ctx, buf, sizeof buf, 0), 1);
    close(cfd);
    close(lfd);
}

static void test_send_blocks_then_times_out(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    int lfd = listen_on(AF_INET, &port, 4);
    assert_true(lfd >= 0);
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_OK);
    int cfd = accept_one(lfd);
    assert_true(cfd >= 0);
    /* The peer never reads: fill the socket buffers until send waits. */
    static uint8_t chunk[65536];
    int32_t rc = 0;
    for (int i = 0; i < 10000; i++) {
        rc = f->t.send(f->t.ctx, chunk, sizeof chunk, 100);
        if (rc <= 0) {
            break;
        }
    }
    assert_int_equal(rc, BL_IO_TIMEOUT);
    close(cfd);
    close(lfd);
}

static void test_reset_is_error_with_errno(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    int lfd = listen_on(AF_INET, &port, 4);
    assert_true(lfd >= 0);
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_OK);
    int cfd = accept_one(lfd);
    assert_true(cfd >= 0);
    /* SO_LINGER 0 makes close() send RST. */
    struct linger lg = {1, 0};
    assert_int_equal(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    close(cfd);
    uint8_t buf[8];
    assert_int_equal(f->t.recv(f->t.ctx, buf, sizeof buf, 1000), BL_IO_ERROR);
    assert_int_equal(f->t.raw_error(f->t.ctx), ECONNRESET);
    close(lfd);
}

static void test_send_to_closed_peer_no_sigpipe(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    int lfd = listen_on(AF_INET, &port, 4);
    assert_true(lfd >= 0);
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_OK);
    int cfd = accept_one(lfd);
    assert_true(cfd >= 0);
    close(cfd);
    close(lfd);
    /* SIGPIPE keeps its default action (kill the process): surviving this
     * loop is the assertion that MSG_NOSIGNAL is used. */
    signal(SIGPIPE, SIG_DFL);
    static const uint8_t data[1024];
    int32_t rc = 0;
    for (int i = 0; i < 100 && rc >= 0; i++) {
        rc = f->t.send(f->t.ctx, data, sizeof data, 500);
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(rc, BL_IO_ERROR);
    int err = f->t.raw_error(f->t.ctx);
    assert_true(err == EPIPE || err == ECONNRESET);
}

static void test_connect_refused(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    int lfd = listen_on(AF_INET, &port, 4);
    assert_true(lfd >= 0);
    close(lfd); /* nobody listens on port now */
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_ERR_CONNECT);
    assert_int_equal(f->t.raw_error(f->t.ctx), ECONNREFUSED);
    assert_int_equal(f->sock.fd, -1);
}

static void test_connect_timeout(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    /* Backlog 0 holds one connection; Linux drops further SYNs while the
     * accept queue is full, so the next connect hangs like a black hole. */
    int lfd = listen_on(AF_INET, &port, 0);
    assert_true(lfd >= 0);
    bl_posix_socket_t s1;
    bl_transport_t t1;
    bl_posix_transport_init(&t1, &s1);
    assert_int_equal(t1.connect(t1.ctx, "127.0.0.1", port, 2000), BL_OK);
    bl_posix_socket_t s2;
    bl_transport_t t2;
    bl_posix_transport_init(&t2, &s2);
    bl_status_t st = t2.connect(t2.ctx, "127.0.0.1", port, 300);
    if (st == BL_OK) {
        t1.close(t1.ctx);
        t2.close(t2.ctx);
        close(lfd);
        skip(); /* this kernel queued it anyway */
    }
    t2.close(t2.ctx);

    bl_posix_socket_t s3;
    bl_transport_t t3;
    bl_posix_transport_init(&t3, &s3);
    uint32_t t0 = now_ms(&f->clock);
    assert_int_equal(t3.connect(t3.ctx, "127.0.0.1", port, 300), BL_ERR_TIMEOUT);
    uint32_t waited = now_ms(&f->clock) - t0;
    assert_true(waited >= 290u);
    assert_true(waited < 1500u);
    assert_int_equal(t3.raw_error(t3.ctx), ETIMEDOUT);
    assert_int_equal(s3.fd, -1);
    t1.close(t1.ctx);
    close(lfd);
}

static void test_resolve_failure(void **state)
{
    fixture_t *f = *state;
    /* Refused before getaddrinfo, so no DNS server is asked: tests never
     * leave the machine. A real failed lookup is test_offline_lookup. */
    assert_int_equal(f->t.connect(f->t.ctx, "", 80, 1000), BL_ERR_RESOLVE);
    assert_int_equal(f->t.raw_error(f->t.ctx), EINVAL);
    assert_int_equal(f->t.connect(f->t.ctx, NULL, 80, 1000), BL_ERR_RESOLVE);
}

static void test_io_when_closed(void **state)
{
    fixture_t *f = *state;
    uint8_t b[4] = {0};
    assert_int_equal(f->t.send(f->t.ctx, b, sizeof b, 0), BL_IO_ERROR);
    assert_int_equal(f->t.raw_error(f->t.ctx), ENOTCONN);
    assert_int_equal(f->t.recv(f->t.ctx, b, sizeof b, 0), BL_IO_ERROR);
}

static void test_reconnect_closes_previous(void **state)
{
    fixture_t *f = *state;
    uint16_t port = 0;
    int lfd = listen_on(AF_INET, &port, 4);
    assert_true(lfd >= 0);
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_OK);
    int first = accept_one(lfd);
    assert_true(first >= 0);
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", port, 2000), BL_OK);
    /* The first connection was closed by the second connect. */
    char c;
    struct pollfd p = {first, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 1000), 1);
    assert_int_equal(recv(first, &c, 1, 0), 0);
    close(first);
    close(lfd);
}

static void test_clock(void **state)
{
    fixture_t *f = *state;
    uint32_t a = now_ms(&f->clock);
    f->clock.sleep_ms(f->clock.ctx, 120);
    uint32_t d = now_ms(&f->clock) - a;
    assert_true(d >= 120u);
    assert_true(d < 1000u);
    a = now_ms(&f->clock);
    f->clock.sleep_ms(f->clock.ctx, 0);
    assert_true(now_ms(&f->clock) - a < 50u);
}

/* Run only inside an empty network namespace (`unshare -rn`, see
 * CMakeLists.txt): there the lookup fails at once and nothing leaves the
 * machine. */
static void test_offline_lookup(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(f->t.connect(f->t.ctx, "banklink-test.invalid", 80, 2000), BL_ERR_RESOLVE);
    assert_int_not_equal(f->t.raw_error(f->t.ctx), 0);
    assert_int_equal(f->sock.fd, -1);
    /* A numeric address needs no lookup, and with lo down it cannot connect. */
    assert_int_equal(f->t.connect(f->t.ctx, "127.0.0.1", 80, 2000), BL_ERR_CONNECT);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "offline") == 0) {
        const struct CMUnitTest offline[] = {
            cmocka_unit_test_setup_teardown(test_offline_lookup, setup, teardown),
        };
        return cmocka_run_group_tests(offline, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipv4_numeric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_numeric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_localhost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recv_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_blocks_then_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_is_error_with_errno, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_to_closed_peer_no_sigpipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_io_when_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_closes_previous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
