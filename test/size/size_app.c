/*
 * Reference firmware for the linked size figure (scripts/size_profiles.sh):
 * it makes every call the build's profile offers, so the link with
 * --gc-sections keeps exactly the core a firmware making all of them would
 * carry, plus the libgcc and libc routines the core pulls in.
 *
 * It is linked, never run. It has no string literals of its own, so every
 * merged string in the image is the core's; the values passed are whatever
 * the volatile pointer yields, so no call can be folded away.
 */
#include "banklink.h"

/* An address the compiler cannot see through. */
static void *volatile opaque;

#if BL_CONFIG_HERON && BL_CONFIG_LISTS
static bl_status_t on_heron_link(void *ctx, const bl_heron_link_t *link)
{
    (void)ctx;
    return link->status == BL_HERON_LINK_ACTIVE ? BL_OK : BL_ERR_DECODE;
}
#endif

#if BL_CONFIG_MONEYKIT && BL_CONFIG_LISTS
static bl_status_t on_moneykit_link(void *ctx, const bl_moneykit_link_t *link)
{
    (void)ctx;
    return link->state == BL_MONEYKIT_LINK_CONNECTED ? BL_OK : BL_ERR_DECODE;
}
#endif

int main(void)
{
    bl_client_t *client = opaque;
    const bl_client_config_t *cfg = opaque;
    const char *text = opaque;
    unsigned failures = 0;

    bl_client_config_init(opaque);
    failures += bl_client_init(client, cfg) != BL_OK;
    failures += bl_client_wait_ms(client) != 0u;
    failures += bl_status_str((bl_status_t)failures) == text;
#if BL_CONFIG_HERON
    bl_heron_link_t *link = opaque;
    failures += bl_heron_update_link(client, text, text, text, link) != BL_OK;
    failures += bl_heron_link_status_str(link->status) == text;
#if BL_CONFIG_LIFECYCLE
    failures += bl_heron_create_link(client, text, text, opaque, link) != BL_OK;
    failures += bl_heron_refresh_link(client, text, text, text, link) != BL_OK;
    failures += bl_heron_delete_links(client, text, text, text) != BL_OK;
#endif
#if BL_CONFIG_LISTS
    failures += bl_heron_list_links(client, text, text, on_heron_link, opaque, opaque) != BL_OK;
    failures += bl_heron_list_integration_links(client, text, text, text, on_heron_link, opaque, opaque) != BL_OK;
#endif
#endif
#if BL_CONFIG_MONEYKIT
    bl_moneykit_auth_t *auth = opaque;
    bl_moneykit_auth_init(auth, text, text);
    failures += bl_moneykit_auth_set_token(auth, text) != BL_OK;
    failures += bl_moneykit_fetch_token(client, auth) != BL_OK;
    failures += bl_moneykit_exchange_token(client, auth, text, opaque) != BL_OK;
    failures += bl_moneykit_link_state_str((bl_moneykit_link_state_t)failures) == text;
#if BL_CONFIG_LIFECYCLE
    failures += bl_moneykit_get_link(client, auth, text, opaque) != BL_OK;
    failures += bl_moneykit_delete_link(client, auth, text) != BL_OK;
#endif
#if BL_CONFIG_LISTS
    bl_moneykit_list_t *list = opaque;
    bl_moneykit_list_init(list, 50u, on_moneykit_link, opaque);
    failures += bl_moneykit_list_links(client, auth, list) != BL_OK;
#endif
    bl_moneykit_auth_clear(auth);
#endif
    bl_client_close(client);
    return (int)failures;
}
