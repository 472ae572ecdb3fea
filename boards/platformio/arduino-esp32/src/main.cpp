// banklink under PlatformIO + Arduino on ESP32: connect Wi-Fi with the
// Arduino WiFi library, then set the client up over lwIP + mbedTLS. The
// banklink headers declare C linkage for C++ callers.
#include <Arduino.h>
#include <WiFi.h>

#include "banklink.h"
#include "bl_lwip.h"
#include "bl_mbedtls.h"

static uint8_t work[BL_HERON_UPDATE_LINK_BUF_MIN];
static bl_json_token_t tokens[BL_HERON_LINK_TOKENS];
static bl_lwip_socket_t sock;
static bl_transport_t tcp, tls;
static bl_clock_t blclock;
static bl_mbedtls_t ctx;

void setup()
{
    Serial.begin(115200);
    WiFi.begin("your-ssid", "your-password");
    while (WiFi.status() != WL_CONNECTED) {
        delay(250);
    }
    bl_lwip_transport_init(&tcp, &sock);
    bl_lwip_clock_init(&blclock);
    bl_mbedtls_config_t tcfg;
    bl_mbedtls_config_init(&tcfg);
    tcfg.lower = &tcp;
    tcfg.clock = &blclock;
    if (bl_mbedtls_init(&ctx, &tls, &tcfg) != BL_OK) {
        Serial.println("banklink: TLS setup failed");
        return;
    }
    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = &tls;
    cfg.clock = &blclock;
    cfg.host = "app.herondata.io";
    cfg.port = 443;
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = BL_HERON_LINK_TOKENS;
    bl_client_t client;
    if (bl_client_init(&client, &cfg) != BL_OK) {
        return;
    }
    bl_heron_link_t link;
    bl_status_t st = bl_heron_update_link(&client, "your-heron-api-key", "item-id", "access-token", &link);
    Serial.println(bl_status_str(st));
    bl_client_close(&client);
}

void loop()
{
    delay(1000);
}
