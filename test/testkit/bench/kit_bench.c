/*
 * What a test through the kit costs against the same test through a real
 * server: N Heron update-link calls, each checked, through the replay
 * transport, then N through the POSIX port to the mock server on loopback
 * (one kept-alive connection). Prints `figure:` lines; asserts only that
 * every call succeeded, never a speed.
 *
 *   kit_bench CALLS [MOCK_PORT]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_posix.h"
#include "bl_testkit.h"

static const char heron_ok[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 95\r\n\r\n"
    "{\"integration_link\":{\"item_id\":\"item 1/\\u00fc\",\"status\":\"active\",\"type\":\"plaid_assets_report\"}}";

static bl_testkit_t kit;
static uint8_t work[4096];
static bl_json_token_t tokens[128];

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(bl_client_config_t *cfg, long calls, int through_kit)
{
    bl_client_t client;
    long i;
    cfg->buf = work;
    cfg->buf_size = sizeof work;
    cfg->tokens = tokens;
    cfg->token_count = 128;
    if (bl_client_init(&client, cfg) != BL_OK) {
        return 1;
    }
    for (i = 0; i < calls; i++) {
        bl_heron_link_t link;
        bl_status_t st;
        if (through_kit) {
            bl_tk_clear(&kit);
            if (bl_tk_expect(&kit, "PUT", "/api/integration_links/{item_id}") != BL_OK ||
                bl_tk_answer(&kit, heron_ok) != BL_OK) {
                return 1;
            }
        }
        st = bl_heron_update_link(&client, "test-heron-key", "item-1", "access-sandbox-1", &link);
        if (st != BL_OK || link.status != BL_HERON_LINK_ACTIVE || (through_kit && !bl_tk_finished(&kit))) {
            fprintf(stderr, "kit_bench: call %ld: %s %s\n", i, bl_status_str(st), through_kit ? bl_tk_report(&kit) : "");
            return 1;
        }
    }
    bl_client_close(&client);
    return 0;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    bl_client_config_t cfg;
    double t0;
    double kit_s;
    if (calls < 1 || calls > 1000000 || bl_tk_init(&kit) != BL_OK) {
        fprintf(stderr, "usage: kit_bench CALLS [MOCK_PORT]\n");
        return 2;
    }
    bl_tk_client_config(&kit, &cfg);
    t0 = seconds();
    if (run(&cfg, calls, 1) != 0) {
        return 1;
    }
    kit_s = seconds() - t0;
    printf("figure: testkit_calls = %ld calls\n", calls);
    printf("figure: testkit_call_us = %.2f us\n", kit_s * 1e6 / (double)calls);
    printf("figure: testkit_calls_per_s = %.0f calls/s\n", (double)calls / kit_s);
    printf("figure: testkit_kit_bytes = %zu B\n", sizeof kit);
    if (argc > 2) {
        bl_transport_t tcp;
        bl_posix_socket_t sock;
        bl_clock_t clock;
        double mock_s;
        long mock_calls = calls / 10 > 0 ? calls / 10 : 1; /* the mock is slower: fewer calls, same rate */
        bl_posix_transport_init(&tcp, &sock);
        bl_posix_clock_init(&clock);
        bl_client_config_init(&cfg);
        cfg.transport = &tcp;
        cfg.clock = &clock;
        cfg.host = "127.0.0.1";
        cfg.port = (uint16_t)strtol(argv[2], NULL, 10);
        t0 = seconds();
        if (run(&cfg, mock_calls, 0) != 0) {
            return 1;
        }
        mock_s = seconds() - t0;
        printf("figure: mock_calls = %ld calls\n", mock_calls);
        printf("figure: mock_call_us = %.2f us\n", mock_s * 1e6 / (double)mock_calls);
        printf("figure: mock_calls_per_s = %.0f calls/s\n", (double)mock_calls / mock_s);
        printf("figure: kit_speedup = %.0f x (calls/s through the kit / through the mock on loopback)\n",
               ((double)calls / kit_s) / ((double)mock_calls / mock_s));
    }
    return 0;
}
