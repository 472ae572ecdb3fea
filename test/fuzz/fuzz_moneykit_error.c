/*
 * Fuzz target: bl_moneykit_decode_error, MoneyKit's `{error_code,
 * error_message, documentation_url}` error body. Decoded fields must be
 * NUL-terminated views inside the body that do not overlap.
 */
#include "bl_moneykit.h"
#include "fuzz_common.h"

/* Error answers of exchange-token are decoded with the link budget. */
#define FUZZ_TOKENS BL_MONEYKIT_LINK_TOKENS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_dup(data, size);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(FUZZ_TOKENS * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_error_info_t info;
    memset(&info, 0, sizeof info);
    bl_status_t st = bl_moneykit_decode_error(body, size, tokens, FUZZ_TOKENS, &info);
    FUZZ_CHECK(fuzz_decode_status_ok(st));

    fuzz_check_error_info(&info, body, size, &info.api_name); /* MoneyKit has no such field */
    free(tokens);
    free(body);
    return 0;
}
