/* Status names. A table indexed by the enum keeps it one line per status. */
#include "bl_status.h"

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
