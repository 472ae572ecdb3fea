/*
 * Fuzz target: bl_heron_decode_error, Heron's `{code, description, name}`
 * error body (code is a number, kept as its digits). Decoded fields must be
 * NUL-terminated views inside the body that do not overlap.
 */
#include "bl_heron.h"
#include "fuzz_common.h"

/* The client decodes error bodies with whatever token array it has; the
 * update-link budget is the one in use when Heron answers with an error. */
#define FUZZ_TOKENS BL_HERON_LINK_TOKENS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_dup(data, size);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(FUZZ_TOKENS * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_error_info_t info;
    memset(&info, 0, sizeof info);
    bl_status_t st = bl_heron_decode_error(body, size, tokens, FUZZ_TOKENS, &info);
    FUZZ_CHECK(fuzz_decode_status_ok(st));

    fuzz_check_error_info(&info, body, size, &info.api_doc_url); /* Heron has no such field */
    free(tokens);
    free(body);
    return 0;
}
