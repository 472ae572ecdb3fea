/*
 * banklink on an ESP32: Wi-Fi up, clock set by SNTP (certificate validity
 * needs it), then a Heron update-link over HTTPS — banklink's lwIP port
 * (ESP-IDF's lwIP sockets) under its mbedTLS port (ESP-IDF's mbedTLS).
 */
#include <stdio.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_netif_sntp.h"
#include "esp_random.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nvs_flash.h"
#include "protocol_examples_common.h"

#include "banklink.h"
#include "bl_lwip.h"
#include "bl_mbedtls.h"

static const char *TAG = "banklink";

/* EMBED_TXTFILES adds a terminating NUL, which mbedTLS wants counted. */
extern const uint8_t ca_pem_start[] asm("_binary_server_root_ca_pem_start");
extern const uint8_t ca_pem_end[] asm("_binary_server_root_ca_pem_end");

/* Everything banklink uses lives here: no heap of banklink's own. */
static bl_lwip_socket_t sock;
static bl_transport_t tcp, tls_transport;
static bl_clock_t clock_;
static bl_mbedtls_t tls;
static uint8_t tls_session[BL_MBEDTLS_SESSION_BUF_SIZE];
static bl_client_t client;
static uint8_t work[BL_HERON_UPDATE_LINK_BUF_MIN];
static bl_json_token_t tokens[BL_HERON_LINK_TOKENS];

/* Hardware RNG for mbedTLS (esp_random.h). */
static int hw_random(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    esp_fill_random(out, len);
    return 0;
}

static void banklink_task(void *arg)
{
    bl_mbedtls_config_t tls_cfg;
    bl_client_config_t cfg;
    bl_heron_link_t link;
    bl_status_t st;
    (void)arg;

    bl_lwip_transport_init(&tcp, &sock);
    bl_lwip_clock_init(&clock_);

    bl_mbedtls_config_init(&tls_cfg);
    tls_cfg.lower = &tcp;
    tls_cfg.clock = &clock_;
    tls_cfg.ca = ca_pem_start;
    tls_cfg.ca_len = (size_t)(ca_pem_end - ca_pem_start);
    tls_cfg.session_buf = tls_session;
    tls_cfg.session_buf_size = sizeof tls_session;
    tls_cfg.rng = hw_random;
    st = bl_mbedtls_init(&tls, &tls_transport, &tls_cfg);
    if (st != BL_OK) {
        ESP_LOGE(TAG, "TLS init: %s", bl_status_str(st));
        vTaskDelete(NULL);
        return;
    }

    bl_client_config_init(&cfg);
    cfg.transport = &tls_transport;
    cfg.clock = &clock_;
    cfg.host = CONFIG_BANKLINK_HOST;
    cfg.port = 443;
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = BL_HERON_LINK_TOKENS;
    cfg.jitter_seed = esp_random();
    if (bl_client_init(&client, &cfg) != BL_OK) {
        ESP_LOGE(TAG, "bad client configuration");
        vTaskDelete(NULL);
        return;
    }

    st = bl_heron_update_link(&client, CONFIG_BANKLINK_HERON_API_KEY, CONFIG_BANKLINK_ITEM_ID,
                              CONFIG_BANKLINK_ACCESS_TOKEN, &link);
    if (st == BL_OK) {
        ESP_LOGI(TAG, "link %s is %s", link.item_id.ptr, bl_heron_link_status_str(link.status));
    } else if (st == BL_ERR_API) {
        ESP_LOGE(TAG, "Heron said %d: %s", client.last.http_status,
                 client.last.api_message.ptr ? client.last.api_message.ptr : "");
    } else if (st == BL_ERR_TLS_CERT || st == BL_ERR_TLS_HANDSHAKE) {
        ESP_LOGE(TAG, "TLS: %s (%s)", bl_status_str(st), bl_mbedtls_reason(&tls));
    } else {
        ESP_LOGE(TAG, "%s (transport code %ld)", bl_status_str(st), (long)client.last.transport_code);
    }
    bl_client_close(&client);
    bl_mbedtls_free(&tls);
    vTaskDelete(NULL);
}

void app_main(void)
{
    esp_sntp_config_t sntp = ESP_NETIF_SNTP_DEFAULT_CONFIG("pool.ntp.org");

    ESP_ERROR_CHECK(nvs_flash_init());
    ESP_ERROR_CHECK(esp_netif_init());
    ESP_ERROR_CHECK(esp_event_loop_create_default());
    ESP_ERROR_CHECK(example_connect()); /* Wi-Fi or Ethernet, from menuconfig */

    ESP_ERROR_CHECK(esp_netif_sntp_init(&sntp));
    if (esp_netif_sntp_sync_wait(pdMS_TO_TICKS(15000)) != ESP_OK) {
        ESP_LOGW(TAG, "no SNTP answer yet: certificate dates cannot be checked");
    }
    /* The TLS handshake needs a deep stack; banklink itself < 1 KiB. */
    xTaskCreate(banklink_task, "banklink", 12 * 1024, NULL, 5, NULL);
}
