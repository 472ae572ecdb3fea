/* banklink under PlatformIO + ESP-IDF: a Heron client over lwIP sockets
 * under mbedTLS. Bring up Wi-Fi and SNTP first (boards/esp32/main/main.c
 * shows both); this example only sets the client up and makes one call. */
#include <stdio.h>

#include "banklink.h"
#include "bl_lwip.h"
#include "bl_mbedtls.h"

static uint8_t work[BL_HERON_UPDATE_LINK_BUF_MIN];
static bl_json_token_t tokens[BL_HERON_LINK_TOKENS];

void app_main(void)
{
    static bl_lwip_socket_t sock;
    static bl_transport_t tcp, tls;
    static bl_clock_t clock;
    static bl_mbedtls_t ctx;
    bl_lwip_transport_init(&tcp, &sock);
    bl_lwip_clock_init(&clock);

    bl_mbedtls_config_t tcfg;
    bl_mbedtls_config_init(&tcfg);
    tcfg.lower = &tcp;
    tcfg.clock = &clock;
    if (bl_mbedtls_init(&ctx, &tls, &tcfg) != BL_OK) {
        printf("banklink: TLS setup failed\n");
        return;
    }

    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = &tls;
    cfg.clock = &clock;
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
    printf("banklink: %s\n", bl_status_str(st));
    bl_client_close(&client);
    bl_mbedtls_free(&ctx);
}
