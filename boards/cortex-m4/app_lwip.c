/*
 * banklink on lwIP: transport and clock from port/lwip, plain HTTP.
 * For HTTPS, stack port/mbedtls on a->tcp (bl_mbedtls_init() with
 * cfg.lower = &a->tcp) and hand its transport to the client instead, as
 * boards/esp32/main/main.c does.
 */
#include "app_lwip.h"

bl_status_t app_banklink_init(app_banklink_t *a, const char *host, uint16_t port)
{
    bl_client_config_t cfg;

    bl_lwip_transport_init(&a->tcp, &a->sock);
    bl_lwip_clock_init(&a->clock);
    bl_client_config_init(&cfg);
    cfg.transport = &a->tcp;
    cfg.clock = &a->clock;
    cfg.host = host;
    cfg.port = port;
    cfg.buf = a->work;
    cfg.buf_size = sizeof a->work;
    cfg.tokens = a->tokens;
    cfg.token_count = sizeof a->tokens / sizeof a->tokens[0];
    cfg.timeout_ms = 10000u;
    return bl_client_init(&a->client, &cfg);
}

bl_status_t app_heron_update_link(app_banklink_t *a, const char *api_key, const char *item_id,
                                  const char *access_token, bl_heron_link_t *out)
{
    bl_status_t st = bl_heron_update_link(&a->client, api_key, item_id, access_token, out);
    if (st != BL_OK && st != BL_ERR_API) {
        /* A network failure: do not keep a half-dead connection around. */
        bl_client_close(&a->client);
    }
    return st;
}
