/*
 * Fuzz target: bl_heron_decode_link_response, with the documented token
 * budget BL_HERON_LINK_TOKENS. Every decoded string must be a NUL-terminated
 * view inside the body, fields must not overlap, timestamps must be in
 * range and the status enum must agree with the raw text.
 */
#include "bl_heron.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_dup(data, size);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(BL_HERON_LINK_TOKENS * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_heron_link_t link;
    memset(&link, 0xA5, sizeof link); /* the decoder must set every field */
    bl_status_t st = bl_heron_decode_link_response(body, size, tokens, BL_HERON_LINK_TOKENS, &link);
    FUZZ_CHECK(fuzz_decode_status_ok(st));

    const bl_str_t *strs[] = {&link.item_id, &link.status_raw, &link.status_message, &link.type};
    fuzz_spans_t spans;
    spans.count = 0;
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        fuzz_check_str(strs[i], body, size);
        fuzz_spans_add_str(&spans, strs[i]);
    }
    fuzz_spans_disjoint(&spans);
    fuzz_check_timestamp(&link.created);
    fuzz_check_timestamp(&link.last_successful_sync);
    fuzz_check_timestamp(&link.last_updated);

    FUZZ_CHECK((unsigned)link.status <= (unsigned)BL_HERON_LINK_DELETED_IN_PLAID);
    if (link.status != BL_HERON_LINK_UNKNOWN) {
        FUZZ_CHECK(bl_str_eq(&link.status_raw, bl_heron_link_status_str(link.status)));
    } else if (link.status_raw.presence == BL_PRESENT) {
        for (int s = BL_HERON_LINK_PENDING; s <= BL_HERON_LINK_DELETED_IN_PLAID; s++) {
            FUZZ_CHECK(!bl_str_eq(&link.status_raw, bl_heron_link_status_str((bl_heron_link_status_t)s)));
        }
    }
    free(tokens);
    free(body);
    return 0;
}
