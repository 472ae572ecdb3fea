/*
 * banklink on a Raspberry Pi Pico W: FreeRTOS task joins Wi-Fi (CYW43),
 * then updates a Heron Integration Link over HTTPS: banklink's lwIP port
 * (the Pico SDK's lwIP sockets) under its mbedTLS port (pico_mbedtls).
 */
#include <stdio.h>

#include "FreeRTOS.h"
#include "pico/cyw43_arch.h"
#include "pico/rand.h"
#include "pico/stdlib.h"
#include "task.h"

#include "banklink.h"
#include "bl_lwip.h"
#include "bl_mbedtls.h"
#include "server_root_ca.h"

static const char ca_pem[] = SERVER_ROOT_CA_PEM;

/* banklink's memory, all caller-owned. */
static bl_lwip_socket_t sock;
static bl_transport_t tcp, tls_transport;
static bl_clock_t clock_;
static bl_mbedtls_t tls;
static uint8_t tls_session[BL_MBEDTLS_SESSION_BUF_SIZE];
static bl_client_t client;
static uint8_t work[BL_HERON_UPDATE_LINK_BUF_MIN];
static bl_json_token_t tokens[BL_HERON_LINK_TOKENS];

/* Random bytes from the SDK's pico_rand (ROSC, timers, unique id mixed). */
static int pico_random(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    while (len > 0) {
        uint32_t r = get_rand_32();
        size_t n = len < sizeof r ? len : sizeof r;
        for (size_t i = 0; i < n; i++) {
            out[i] = (unsigned char)(r >> (8 * i));
        }
        out += n;
        len -= n;
    }
    return 0;
}

static void update_link(void)
{
    bl_mbedtls_config_t tls_cfg;
    bl_client_config_t cfg;
    bl_heron_link_t link;
    bl_status_t st;

    bl_lwip_transport_init(&tcp, &sock);
    bl_lwip_clock_init(&clock_);
    bl_mbedtls_config_init(&tls_cfg);
    tls_cfg.lower = &tcp;
    tls_cfg.clock = &clock_;
    tls_cfg.ca = (const uint8_t *)ca_pem;
    tls_cfg.ca_len = sizeof ca_pem;
    tls_cfg.session_buf = tls_session;
    tls_cfg.session_buf_size = sizeof tls_session;
    tls_cfg.rng = pico_random;
    st = bl_mbedtls_init(&tls, &tls_transport, &tls_cfg);
    if (st != BL_OK) {
        printf("TLS init: %s (is server_root_ca.h filled in?)\n", bl_status_str(st));
        bl_mbedtls_free(&tls);
        return;
    }
    bl_client_config_init(&cfg);
    cfg.transport = &tls_transport;
    cfg.clock = &clock_;
    cfg.host = "app.herondata.io";
    cfg.port = 443;
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = BL_HERON_LINK_TOKENS;
    cfg.jitter_seed = get_rand_32();
    if (bl_client_init(&client, &cfg) == BL_OK) {
        st = bl_heron_update_link(&client, HERON_API_KEY, HERON_ITEM_ID, HERON_ACCESS_TOKEN, &link);
        if (st == BL_OK) {
            printf("link %s is %s\n", link.item_id.ptr, bl_heron_link_status_str(link.status));
        } else {
            printf("update failed: %s (HTTP %d, %s)\n", bl_status_str(st), client.last.http_status,
                   st == BL_ERR_TLS_CERT ? bl_mbedtls_reason(&tls) : "");
        }
        bl_client_close(&client);
    }
    bl_mbedtls_free(&tls);
}

static void main_task(void *arg)
{
    (void)arg;
    if (cyw43_arch_init() != 0) {
        printf("CYW43 init failed\n");
        vTaskDelete(NULL);
    }
    cyw43_arch_enable_sta_mode();
    if (cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 30000) != 0) {
        printf("Wi-Fi connect failed\n");
    } else {
        update_link();
    }
    cyw43_arch_deinit();
    vTaskDelete(NULL);
}

int main(void)
{
    stdio_init_all();
    /* 16 KiB of stack (words): the TLS handshake is the deep part. */
    xTaskCreate(main_task, "banklink", 4096, NULL, tskIDLE_PRIORITY + 1, NULL);
    vTaskStartScheduler();
    return 0;
}
