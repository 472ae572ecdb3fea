/*
 * Fuzz target: bl_moneykit_decode_exchange, with the documented token
 * budget BL_MONEYKIT_LINK_TOKENS. Every string (tags included, which are
 * packed in place) must be a NUL-terminated view inside the body; no two
 * fields may share a byte; required fields are present on success; the
 * state enum agrees with the raw text.
 */
#include "bl_moneykit.h"
#include "fuzz_common.h"

static void check_product(const bl_moneykit_product_t *p, const char *body, size_t len, fuzz_spans_t *spans,
                          bool ok)
{
    FUZZ_CHECK(p->presence == BL_ABSENT || p->presence == BL_NULL || p->presence == BL_PRESENT);
    fuzz_check_timestamp(&p->refreshed_at);
    fuzz_check_timestamp(&p->last_attempted_at);
    fuzz_check_str(&p->error_code, body, len);
    fuzz_check_str(&p->error_message, body, len);
    fuzz_spans_add_str(spans, &p->error_code);
    fuzz_spans_add_str(spans, &p->error_message);
    const bl_moneykit_product_settings_t *s = &p->settings;
    FUZZ_CHECK(s->presence == BL_ABSENT || s->presence == BL_NULL || s->presence == BL_PRESENT);
    FUZZ_CHECK(s->required.presence <= BL_PRESENT && s->prefetch.presence <= BL_PRESENT);
    if (!ok) {
        return; /* a failed decode may leave a product half filled */
    }
    if (p->presence != BL_PRESENT) {
        FUZZ_CHECK(s->presence == BL_ABSENT);
        FUZZ_CHECK(p->error_code.presence == BL_ABSENT && p->refreshed_at.presence == BL_ABSENT);
    }
    if (s->presence != BL_PRESENT) {
        FUZZ_CHECK(s->required.presence == BL_ABSENT && s->prefetch.presence == BL_ABSENT);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_dup(data, size);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(BL_MONEYKIT_LINK_TOKENS * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_moneykit_exchange_t ex;
    memset(&ex, 0xA5, sizeof ex); /* the decoder must set every field */
    bl_status_t st = bl_moneykit_decode_exchange(body, size, tokens, BL_MONEYKIT_LINK_TOKENS, &ex);
    FUZZ_CHECK(fuzz_decode_status_ok(st));

    const bl_moneykit_link_t *l = &ex.link;
    fuzz_spans_t spans;
    spans.count = 0;
    const bl_str_t *strs[] = {&ex.link_id,      &l->link_id,   &l->institution_id, &l->institution_name,
                              &l->provider,     &l->state_raw, &l->error_code};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        fuzz_check_str(strs[i], body, size);
        fuzz_spans_add_str(&spans, strs[i]);
    }
    fuzz_check_timestamp(&l->last_synced_at);

    const bl_moneykit_product_t *prods[] = {&l->products.accounts, &l->products.account_numbers,
                                            &l->products.identity, &l->products.transactions,
                                            &l->products.investments};
    for (size_t i = 0; i < sizeof prods / sizeof prods[0]; i++) {
        check_product(prods[i], body, size, &spans, st == BL_OK);
    }

    const bl_str_list_t *tags = &l->tags;
    FUZZ_CHECK(tags->presence <= BL_PRESENT);
    if (st == BL_OK) { /* a failed decode may leave the list half made */
        FUZZ_CHECK((tags->count == 0u) == (tags->first == NULL));
        FUZZ_CHECK(tags->presence == BL_PRESENT || tags->count == 0u);
    }
    const char *tag = tags->first;
    for (size_t i = 0; i < tags->count; i++, tag = bl_str_list_next(tag)) {
        FUZZ_CHECK(tag >= body && tag < body + size);
        const char *nul = memchr(tag, '\0', (size_t)(body + size - tag));
        FUZZ_CHECK(nul != NULL); /* the NUL lies inside the body */
        size_t n = (size_t)(nul - tag);
        if (spans.count < 64u) {
            fuzz_spans_add(&spans, tag, n);
        }
    }
    fuzz_spans_disjoint(&spans);

    FUZZ_CHECK((unsigned)l->state <= (unsigned)BL_MONEYKIT_LINK_ERROR);
    if (l->state != BL_MONEYKIT_LINK_UNKNOWN) {
        FUZZ_CHECK(bl_str_eq(&l->state_raw, bl_moneykit_link_state_str(l->state)));
    } else if (l->state_raw.presence == BL_PRESENT) {
        for (int s = BL_MONEYKIT_LINK_CONNECTING; s <= BL_MONEYKIT_LINK_ERROR; s++) {
            FUZZ_CHECK(!bl_str_eq(&l->state_raw, bl_moneykit_link_state_str((bl_moneykit_link_state_t)s)));
        }
    }
    if (st == BL_OK) {
        FUZZ_CHECK(ex.link_id.presence == BL_PRESENT && l->link_id.presence == BL_PRESENT);
        FUZZ_CHECK(l->institution_id.presence == BL_PRESENT && l->institution_name.presence == BL_PRESENT);
        FUZZ_CHECK(l->provider.presence == BL_PRESENT && l->state_raw.presence == BL_PRESENT);
    }
    free(tokens);
    free(body);
    return 0;
}
