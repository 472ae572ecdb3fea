/* Status names. A table indexed by the enum keeps it one line per status. */
#include "bl_config_defaults.h"
#include "bl_status.h"

#if BL_CONFIG_STATUS_NAMES
const char *bl_status_str(bl_status_t status)
{
    static const char *const names[BL_STATUS_COUNT] = {
        "BL_OK",
        "BL_ERR_INVALID_ARG",
        "BL_ERR_REQUEST_TOO_LARGE",
        "BL_ERR_UNSUPPORTED",
        "BL_ERR_NO_TOKEN",
        "BL_ERR_RESOLVE",
        "BL_ERR_CONNECT",
        "BL_ERR_SEND",
        "BL_ERR_RECV",
        "BL_ERR_TIMEOUT",
        "BL_ERR_OUTCOME_UNKNOWN",
        "BL_ERR_TLS_HANDSHAKE",
        "BL_ERR_TLS_CERT",
        "BL_ERR_TLS_PIN",
        "BL_ERR_HTTP_MALFORMED",
        "BL_ERR_RESPONSE_TOO_LARGE",
        "BL_ERR_JSON",
        "BL_ERR_JSON_TOKENS",
        "BL_ERR_DECODE",
        "BL_ERR_API",
        "BL_ERR_RATE_LIMITED",
    };
    if ((unsigned)status >= (unsigned)BL_STATUS_COUNT) {
        return "BL_ERR_?";
    }
    return names[status];
}
#else
/* The numbers as text, "0" to "29", each followed by its NUL: one and two
 * digits take 2 and 3 bytes, so the offset of n is computed, not stored. */
#define BL_D1(n) #n "\0"
const char *bl_status_str(bl_status_t status)
{
    typedef char count_check[(BL_STATUS_COUNT <= 30) ? 1 : -1];
    static const char numbers[] = BL_D1(0) BL_D1(1) BL_D1(2) BL_D1(3) BL_D1(4) BL_D1(5) BL_D1(6) BL_D1(7)
        BL_D1(8) BL_D1(9) BL_D1(10) BL_D1(11) BL_D1(12) BL_D1(13) BL_D1(14) BL_D1(15) BL_D1(16) BL_D1(17)
        BL_D1(18) BL_D1(19) BL_D1(20) BL_D1(21) BL_D1(22) BL_D1(23) BL_D1(24) BL_D1(25) BL_D1(26) BL_D1(27)
        BL_D1(28) BL_D1(29) "?";
    unsigned n = (unsigned)status;
    (void)sizeof(count_check);
    if (n >= (unsigned)BL_STATUS_COUNT) {
        return numbers + sizeof numbers - 2u;
    }
    return numbers + (n < 10u ? 2u * n : 20u + 3u * (n - 10u));
}
#endif
