/*
 * Fixed-body HTTP/1.1 keep-alive server for the end-to-end benchmark.
 *
 *   bench_server plain PORT_FILE
 *   bench_server tls PORT_FILE CERT_CHAIN_PEM KEY_PEM
 *
 * Listens on 127.0.0.1 (ephemeral port, written to PORT_FILE once ready)
 * and answers
 *   PUT  /api/integration_links/...     200 + the Heron seed body
 *   POST /link-session/exchange-token   200 + the MoneyKit seed body
 * anything else 404, on as many requests per connection as the client
 * sends. One process per connection (fork) with blocking I/O: the clients
 * are sequential, so this adds no work per call. TLS is mbedTLS, TLS 1.2
 * only, with ECDHE-ECDSA-AES128-GCM-SHA256 as its only suite, so both
 * clients must negotiate that one. The server ends itself after
 * BENCH_SERVER_MAX_S seconds in case whoever started it did not stop it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"

#define BENCH_SERVER_MAX_S 900u
#define REQ_MAX 8192

typedef struct server {
    bool tls;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    char heron[2048];
    char moneykit[2048];
    char not_found[256];
} server_t;

typedef struct conn {
    const server_t *srv;
    int fd;
    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
} conn_t;

static long conn_recv(conn_t *c, char *p, size_t n)
{
    if (!c->srv->tls) {
        ssize_t r;
        do {
            r = recv(c->fd, p, n, 0);
        } while (r < 0 && errno == EINTR);
        return (long)r;
    }
    int r;
    do {
        r = mbedtls_ssl_read(&c->ssl, (unsigned char *)p, n);
    } while (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE);
    return r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ? 0 : r;
}

static int conn_send_all(conn_t *c, const char *p, size_t n)
{
    while (n > 0) {
        long w;
        if (c->srv->tls) {
            w = mbedtls_ssl_write(&c->ssl, (const unsigned char *)p, n);
            if (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE) {
                continue;
            }
        } else {
            w = (long)send(c->fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) {
                continue;
            }
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Content-Length of a header block, 0 when absent. */
static long content_length(const char *head, const char *end)
{
    for (const char *p = head; p < end; p++) {
        if ((p == head || p[-1] == '\n') && (size_t)(end - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) {
            return strtol(p + 15, NULL, 10);
        }
    }
    return 0;
}

/* Serve requests until the client closes. */
static void serve(conn_t *c)
{
    static char buf[REQ_MAX + 1];
    size_t have = 0;
    for (;;) {
        char *eoh = NULL;
        while ((eoh = strstr(buf, "\r\n\r\n")) == NULL) {
            if (have >= REQ_MAX) {
                return;
            }
            long r = conn_recv(c, buf + have, REQ_MAX - have);
            if (r <= 0) {
                return;
            }
            have += (size_t)r;
            buf[have] = '\0';
        }
        size_t head_len = (size_t)(eoh + 4 - buf);
        long clen = content_length(buf, eoh);
        if (clen < 0 || (size_t)clen > REQ_MAX - head_len) {
            return;
        }
        if (strstr(buf, "Expect: 100-continue") != NULL && have < head_len + (size_t)clen &&
            conn_send_all(c, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0) {
            return;
        }
        while (have < head_len + (size_t)clen) {
            long r = conn_recv(c, buf + have, REQ_MAX - have);
            if (r <= 0) {
                return;
            }
            have += (size_t)r;
        }
        const char *answer = c->srv->not_found;
        if (strncmp(buf, "PUT /api/integration_links/", 27) == 0) {
            answer = c->srv->heron;
        } else if (strncmp(buf, "POST /link-session/exchange-token ", 34) == 0) {
            answer = c->srv->moneykit;
        }
        if (conn_send_all(c, answer, strlen(answer)) != 0) {
            return;
        }
        size_t used = head_len + (size_t)clen;
        memmove(buf, buf + used, have - used);
        have -= used;
        buf[have] = '\0';
    }
}

static void handle(server_t *srv, int fd)
{
    conn_t c;
    memset(&c, 0, sizeof c);
    c.srv = srv;
    c.fd = fd;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!srv->tls) {
        serve(&c);
        return;
    }
    /* A forked child must not repeat its parent's random stream. */
    pid_t pid = getpid();
    mbedtls_ctr_drbg_reseed(&srv->drbg, (const unsigned char *)&pid, sizeof pid);
    mbedtls_net_init(&c.net);
    c.net.fd = fd;
    mbedtls_ssl_init(&c.ssl);
    if (mbedtls_ssl_setup(&c.ssl, &srv->conf) != 0) {
        return;
    }
    mbedtls_ssl_set_bio(&c.ssl, &c.net, mbedtls_net_send, mbedtls_net_recv, NULL);
    int r;
    do {
        r = mbedtls_ssl_handshake(&c.ssl);
    } while (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE);
    if (r == 0) {
        serve(&c);
        mbedtls_ssl_close_notify(&c.ssl);
    } else {
        char err[128];
        mbedtls_strerror(r, err, sizeof err);
        fprintf(stderr, "bench_server: handshake failed: %s\n", err);
    }
    mbedtls_ssl_free(&c.ssl);
}

static int tls_setup(server_t *s, const char *cert, const char *key)
{
    static const int suites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};
    mbedtls_ssl_config_init(&s->conf);
    mbedtls_x509_crt_init(&s->crt);
    mbedtls_pk_init(&s->key);
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    if (mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy, NULL, 0) != 0 ||
        mbedtls_x509_crt_parse_file(&s->crt, cert) != 0 || mbedtls_pk_parse_keyfile(&s->key, key, NULL) != 0 ||
        mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        fprintf(stderr, "bench_server: cannot load %s / %s\n", cert, key);
        return -1;
    }
    mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
    mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&s->conf, suites);
    return mbedtls_ssl_conf_own_cert(&s->conf, &s->crt, &s->key) == 0 ? 0 : -1;
}

/* "HTTP/1.1 200 OK ... <file body>" into dst. */
static int load_answer(char *dst, size_t cap, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", BENCH_DATA_DIR, file);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    char body[1536];
    size_t n = fread(body, 1, sizeof body - 1u, f);
    fclose(f);
    body[n] = '\0';
    int w = snprintf(dst, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     n, body);
    return (w > 0 && (size_t)w < cap && n < sizeof body - 1u) ? 0 : -1;
}

int main(int argc, char **argv)
{
    static server_t srv;
    srv.tls = argc == 5 && strcmp(argv[1], "tls") == 0;
    if (!(argc == 3 && strcmp(argv[1], "plain") == 0) && !srv.tls) {
        fprintf(stderr, "usage: %s plain PORT_FILE | tls PORT_FILE CERT KEY\n", argv[0]);
        return 2;
    }
    if (load_answer(srv.heron, sizeof srv.heron, "heron_link.json") != 0 ||
        load_answer(srv.moneykit, sizeof srv.moneykit, "moneykit_exchange.json") != 0 ||
        (srv.tls && tls_setup(&srv, argv[3], argv[4]) != 0)) {
        return 1;
    }
    snprintf(srv.not_found, sizeof srv.not_found,
             "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    signal(SIGPIPE, SIG_IGN);
    alarm(BENCH_SERVER_MAX_S);

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("bench_server: listen");
        return 1;
    }
    /* Write the port atomically: whoever polls the file never reads half. */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *pf = fopen(tmp, "w");
    if (pf == NULL || fprintf(pf, "%u\n", (unsigned)ntohs(addr.sin_port)) < 0 || fclose(pf) != 0 ||
        rename(tmp, argv[2]) != 0) {
        perror(argv[2]);
        return 1;
    }
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("bench_server: accept");
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(lfd);
            alarm(BENCH_SERVER_MAX_S);
            handle(&srv, fd);
            close(fd);
            _exit(0);
        }
        close(fd);
    }
}
