/*
 * Example firmware for a generic Cortex-M4: at boot it runs a Heron
 * update-link and a MoneyKit token exchange through banklink's full call
 * path against canned answers (replay transport), checks what it decoded,
 * and reports over semihosting. CI runs it under QEMU (mps2-an386).
 *
 * For the real thing, see app_lwip.c: the same calls over lwIP.
 */
#include <string.h>

#include "banklink.h"
#include "board.h"
#include "replay.h"

#define ITEM_ID "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define PUT_LINE "PUT /api/integration_links/" ITEM_ID " HTTP/1.1\r\n"
#define POST_LINE "POST /link-session/exchange-token HTTP/1.1\r\n"

#define HERON_BODY                                                                                         \
    "{\"integration_link\":{\"heron_id\":\"itl_1\",\"created\":\"2020-01-01T00:00:00Z\",\"item_id\":\"" ITEM_ID \
    "\",\"last_successful_sync\":\"2020-01-01T00:00:00Z\",\"last_updated\":\"2020-01-01T00:00:00Z\","      \
    "\"status\":\"active\",\"status_message\":null,\"type\":\"plaid_assets_report\"},\"request_id\":\"r1\"}"
#define MONEYKIT_BODY                                                                                      \
    "{\"link_id\":\"mk_1\",\"link\":{\"link_id\":\"mk_1\",\"institution_id\":\"chase\","                  \
    "\"institution_name\":\"Chase\",\"provider\":\"mx\",\"state\":\"connected\",\"error_code\":null,"      \
    "\"last_synced_at\":\"2023-02-16T09:14:11\",\"tags\":[\"team:ops\"],\"products\":{\"accounts\":"       \
    "{\"refreshed_at\":\"2023-02-16T09:14:11\",\"last_attempted_at\":\"2023-02-16T09:14:11\"},"           \
    "\"transactions\":null}}}"

/* The Content-Length values below are checked against the bodies here. */
typedef char heron_len_check[(sizeof HERON_BODY - 1u == 295u) ? 1 : -1];
typedef char moneykit_len_check[(sizeof MONEYKIT_BODY - 1u == 334u) ? 1 : -1];

static const char *const answers[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 295\r\n\r\n" HERON_BODY,
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 334\r\n\r\n" MONEYKIT_BODY,
};

/* Caller-owned memory: banklink allocates nothing. */
static uint8_t work[BL_MONEYKIT_EXCHANGE_BUF_MIN];
static bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
static bl_moneykit_auth_t auth;
static bl_client_t client;
static bl_replay_t replay;

static bool report(const char *what, bl_status_t st, bool ok)
{
    bl_board_print(what);
    bl_board_print(bl_status_str(st));
    bl_board_puts(st == BL_OK && ok ? ", decoded as expected" : ", WRONG");
    return st == BL_OK && ok;
}

int main(void)
{
    bl_transport_t net;
    bl_clock_t clock;
    bl_client_config_t cfg;
    bl_heron_link_t link;
    bl_moneykit_exchange_t ex;
    bl_status_t st;
    bool ok = true;

    bl_board_clock_init(&clock);
    bl_replay_init(&net, &replay, answers, sizeof answers / sizeof answers[0]);
    bl_client_config_init(&cfg);
    cfg.transport = &net;
    cfg.clock = &clock;
    cfg.host = "app.herondata.io";
    cfg.port = 443u;
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = sizeof tokens / sizeof tokens[0];
    cfg.timeout_ms = 2000u;
    cfg.max_retries = 0u;
    if (bl_client_init(&client, &cfg) != BL_OK) {
        bl_board_puts("bl_client_init failed");
        bl_board_exit(false);
    }

    st = bl_heron_update_link(&client, "board-api-key", ITEM_ID, "access-sandbox-board", &link);
    ok &= report("heron update_link: ", st,
                 strncmp(replay.head, PUT_LINE, sizeof PUT_LINE - 1u) == 0
                     && link.status == BL_HERON_LINK_ACTIVE && bl_str_eq(&link.item_id, ITEM_ID)
                     && link.created.unix_s == 1577836800);

    bl_moneykit_auth_init(&auth, NULL, NULL);
    st = bl_moneykit_auth_set_token(&auth, "board-static-token");
    if (st == BL_OK) {
        st = bl_moneykit_exchange_token(&client, &auth, "c7318ff7-257c-490e-8242-03a815b223b7", &ex);
    }
    ok &= report("moneykit exchange_token: ", st,
                 strncmp(replay.head, POST_LINE, sizeof POST_LINE - 1u) == 0
                     && bl_str_eq(&ex.link.link_id, "mk_1") && ex.link.state == BL_MONEYKIT_LINK_CONNECTED
                     && ex.link.tags.count == 1u && ex.link.last_synced_at.unix_s == 1676538851);
    bl_client_close(&client);
    bl_moneykit_auth_clear(&auth);

    bl_board_puts(ok ? "banklink on Cortex-M4: PASS" : "banklink on Cortex-M4: FAIL");
    bl_board_exit(ok);
    return 0;
}
