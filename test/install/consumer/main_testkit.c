/* Links the installed test kit (pkg-config banklink-testkit,
 * banklink::testkit): a recorded fixture played through a real call. */
#include <stdio.h>

#include "bl_testkit_fixtures.h"

static bl_testkit_t kit;
static uint8_t work[4096];
static bl_json_token_t tokens[128];

int main(void)
{
    bl_client_config_t cfg;
    bl_client_t client;
    bl_heron_link_t link;
    bl_status_t st;
    if (bl_tk_init(&kit) != BL_OK || bl_tk_fixture(&kit, BL_TK_FIX_HERON_UPDATE_LINK_404) != BL_OK) {
        return 1;
    }
    bl_tk_client_config(&kit, &cfg);
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = 128;
    if (bl_client_init(&client, &cfg) != BL_OK) {
        return 1;
    }
    st = bl_heron_update_link(&client, "key", "item-1", "tok", &link);
    printf("testkit: %s %d, %s\n", bl_status_str(st), client.last.http_status, bl_tk_report(&kit));
    return st == BL_ERR_API && client.last.http_status == 404 && bl_tk_finished(&kit) ? 0 : 1;
}
