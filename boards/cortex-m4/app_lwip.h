/*
 * banklink over lwIP for an RTOS application: the part of this example to
 * copy into a real firmware.
 */
#ifndef APP_LWIP_H
#define APP_LWIP_H

#include "banklink.h"
#include "bl_lwip.h"

/** Everything one Heron client owns; put it in static storage or a task stack. */
typedef struct app_banklink {
    bl_lwip_socket_t sock;
    bl_transport_t tcp;
    bl_clock_t clock;
    bl_client_t client;
    uint8_t work[BL_HERON_UPDATE_LINK_BUF_MIN];
    bl_json_token_t tokens[BL_HERON_LINK_TOKENS];
} app_banklink_t;

/**
 * Prepare @p a for @p host:@p port (a name needs LWIP_DNS 1). Call from an
 * application task once lwIP is up (tcpip_init() done, netif up, address
 * assigned), never from the tcpip thread.
 * @return BL_OK or BL_ERR_INVALID_ARG.
 */
bl_status_t app_banklink_init(app_banklink_t *a, const char *host, uint16_t port);

/** Heron update-link over lwIP; see bl_heron_update_link() for the statuses. */
bl_status_t app_heron_update_link(app_banklink_t *a, const char *api_key, const char *item_id,
                                  const char *access_token, bl_heron_link_t *out);

#endif /* APP_LWIP_H */
