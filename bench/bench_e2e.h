/**
 * @file bench_e2e.h
 * @brief What each end-to-end client (banklink, libcurl + cJSON) supplies
 * to the shared driver in bench_e2e_common.c.
 */
#ifndef BENCH_E2E_H
#define BENCH_E2E_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What to call and where. */
typedef struct e2e_args {
    bool tls;            /**< TLS (ECDHE-ECDSA-AES128-GCM-SHA256, TLS 1.2) or plain HTTP. */
    bool moneykit;       /**< exchange-token; otherwise Heron update-link. */
    uint16_t port;       /**< Server port on 127.0.0.1. */
    const char *ca_file; /**< Trust anchor (PEM) for TLS; the server name is "localhost". */
} e2e_args_t;

/** The client's name in the results ("banklink", "libcurl+cJSON"). */
extern const char *const e2e_client_name;

/** Prepare a client (no connection yet). @return its state, or NULL. */
void *e2e_setup(const e2e_args_t *args);

/**
 * @brief Make @p n sequential calls on one kept-alive connection, checking
 * each decoded answer.
 * @return How many failed.
 */
long e2e_calls(void *state, long n);

/** Connections opened so far (1 when keep-alive held). */
long e2e_connections(void *state);

/** Close and release. */
void e2e_teardown(void *state);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_E2E_H */
