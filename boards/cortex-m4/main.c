/*
 * Example firmware for a generic Cortex-M4: at boot it runs a Heron
 * update-link and a MoneyKit token exchange through banklink's full call
 * path against canned answers, checks what it decoded and what it sent, and
 * reports over semihosting. CI runs it under QEMU (mps2-an386).
 *
 * The canned server is banklink's test kit (port/testkit): the same replay
 * transport, fake clock and request checks that host tests use, compiled
 * for this CPU (no OS header, no heap). Each answer is a step of its script
 * after the request it answers; the kit checks each request's method and
 * path as it arrives, and the checks below read its headers and JSON body.
 *
 * For the real thing, see app_lwip.c: the same calls over lwIP.
 */
#include <string.h>

#include "banklink.h"
#include "bl_testkit.h"
#include "board.h"

#define ITEM_ID "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define API_KEY "board-api-key"
#define ACCESS_TOKEN "access-sandbox-board"
#define BEARER "board-static-token"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"

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

static const char heron_answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 295\r\n\r\n" HERON_BODY;
static const char moneykit_answer[] =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 334\r\n\r\n" MONEYKIT_BODY;

/* Caller-owned memory: banklink allocates nothing. */
static uint8_t work[BL_MONEYKIT_EXCHANGE_BUF_MIN];
static bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
static bl_moneykit_auth_t auth;
static bl_client_t client;
static bl_testkit_t kit; /* the scripted server and its clock (capacities in CMakeLists.txt) */

/* The server's side of the two calls, on one kept-alive connection. */
static bool script(void)
{
    return bl_tk_init(&kit) == BL_OK && bl_tk_expect(&kit, "PUT", "/api/integration_links/" ITEM_ID) == BL_OK &&
           bl_tk_answer(&kit, heron_answer) == BL_OK &&
           bl_tk_expect(&kit, "POST", "/link-session/exchange-token") == BL_OK &&
           bl_tk_answer(&kit, moneykit_answer) == BL_OK;
}

/* Does the JSON string at @p path of request @p req equal @p want? */
static bool json_is(const bl_tk_request_t *req, const char *path, const char *want)
{
    char v[64];
    const char *got = bl_tk_json_string(req, path, v, sizeof v);
    return got != NULL && strcmp(got, want) == 0;
}

/* Request @p index as sent: method, path, one header, one JSON string. */
static bool request_is(size_t index, const char *method, const char *path, const char *header, const char *value,
                       const char *json_path, const char *json_value)
{
    bl_tk_request_t req;
    return bl_tk_get_request(&kit, index, &req) && bl_tk_method_is(&req, method) && bl_tk_path_is(&req, path) &&
           bl_tk_header_is(&req, header, value) && json_is(&req, json_path, json_value);
}

static bool report(const char *what, bl_status_t st, bool ok)
{
    bl_board_print(what);
    bl_board_print(bl_status_str(st));
    bl_board_puts(st == BL_OK && ok ? ", decoded as expected" : ", WRONG");
    return st == BL_OK && ok;
}

int main(void)
{
    bl_client_config_t cfg;
    bl_heron_link_t link;
    bl_moneykit_exchange_t ex;
    bl_status_t st;
    bool ok = true;

    if (!script()) {
        bl_board_puts("test kit: the script does not fit (BL_TK_* capacities)");
        bl_board_exit(false);
    }
    bl_client_config_init(&cfg);
    cfg.transport = &kit.transport;
    cfg.clock = &kit.clock;
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

    st = bl_heron_update_link(&client, API_KEY, ITEM_ID, ACCESS_TOKEN, &link);
    ok &= report("heron update_link: ", st,
                 request_is(0, "PUT", "/api/integration_links/" ITEM_ID, "x-api-key", API_KEY,
                            "end_user.access_token", ACCESS_TOKEN)
                     && link.status == BL_HERON_LINK_ACTIVE && bl_str_eq(&link.item_id, ITEM_ID)
                     && link.created.unix_s == 1577836800);

    bl_moneykit_auth_init(&auth, NULL, NULL);
    st = bl_moneykit_auth_set_token(&auth, BEARER);
    if (st == BL_OK) {
        st = bl_moneykit_exchange_token(&client, &auth, EXCHANGEABLE, &ex);
    }
    ok &= report("moneykit exchange_token: ", st,
                 request_is(1, "POST", "/link-session/exchange-token", "Authorization", "Bearer " BEARER,
                            "exchangeable_token", EXCHANGEABLE)
                     && bl_str_eq(&ex.link.link_id, "mk_1") && ex.link.state == BL_MONEYKIT_LINK_CONNECTED
                     && ex.link.tags.count == 1u && ex.link.last_synced_at.unix_s == 1676538851);
    bl_client_close(&client);
    bl_moneykit_auth_clear(&auth);

    /* Every step played, nothing off script, both requests on one connection. */
    bl_board_print("test kit: ");
    bl_board_puts(bl_tk_report(&kit));
    ok &= bl_tk_finished(&kit) && kit.connects == 1u;

    bl_board_puts(ok ? "banklink on Cortex-M4: PASS" : "banklink on Cortex-M4: FAIL");
    bl_board_exit(ok);
    return 0;
}
