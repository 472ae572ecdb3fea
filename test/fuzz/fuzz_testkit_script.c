/*
 * Fuzz target: the test kit's script reader, its replay, and the recorder.
 *
 * The input is a script text. When bl_tk_load() takes it, three banklink
 * calls (Heron update-link, MoneyKit exchange with a token fetch, a
 * MoneyKit list page) run against it through the recorder, and:
 *   - the kit's state stays inside its arrays (next <= step_count, the
 *     capture and request index within bounds, the report NUL-terminated);
 *   - a refused script appends nothing;
 *   - what the recorder wrote always loads again (record then replay is
 *     closed under the format);
 *   - recording the replay of a recording gives the same steps again, with
 *     the same bytes (one round reaches a fixed point: masking is
 *     idempotent, split answers were merged once), except for a `close` or
 *     `reset` just before a new connection or the end: a first client that
 *     stopped reading never saw it, while the replay shows the connection
 *     gone the moment the next step is a new one;
 *   - when the first run played without a mismatch, the script has no
 *     `wait` (the recorder sees no time) and no key the recorder masks,
 *     replaying the recording gives every call the same status as the
 *     original: a recording is as good as the session. (Masking may turn
 *     an invalid token value into a valid one, hence the last condition.)
 */
#include "bl_heron.h"
#include "bl_moneykit.h"
#include "bl_testkit.h"
#include "bl_testkit_record.h"
#include "fuzz_common.h"

typedef struct sink {
    char *p;
    size_t len;
    size_t cap;
    bool overflow;
} sink_t;

static void put(void *ctx, const char *data, size_t len)
{
    sink_t *s = (sink_t *)ctx;
    if (len > s->cap - s->len) {
        s->overflow = true;
        return;
    }
    memcpy(s->p + s->len, data, len);
    s->len += len;
}

static bl_status_t on_link(void *ctx, const bl_moneykit_link_t *link)
{
    (void)ctx;
    (void)link;
    return BL_OK;
}

/* The three calls; their statuses in st[]. */
static void run_calls(const bl_transport_t *t, const bl_clock_t *clock, bl_status_t st[3])
{
    uint8_t *buf = (uint8_t *)malloc(4096);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(256 * sizeof *tokens);
    bl_moneykit_list_t *list = (bl_moneykit_list_t *)malloc(sizeof *list);
    bl_client_config_t cfg;
    bl_client_t client;
    bl_moneykit_auth_t auth;
    bl_heron_link_t link;
    bl_moneykit_exchange_t ex;
    if (buf == NULL || tokens == NULL || list == NULL) {
        abort();
    }
    bl_client_config_init(&cfg);
    cfg.transport = t;
    cfg.clock = clock;
    cfg.host = BL_TK_HOST;
    cfg.port = 443;
    cfg.buf = buf;
    cfg.buf_size = 4096;
    cfg.tokens = tokens;
    cfg.token_count = 256;
    cfg.max_retries = 1;
    cfg.timeout_ms = 5000;
    cfg.jitter_seed = 1;
    FUZZ_CHECK(bl_client_init(&client, &cfg) == BL_OK);
    st[0] = bl_heron_update_link(&client, "key", "item-1", "tok", &link);
    bl_moneykit_auth_init(&auth, "id", "secret");
    st[1] = bl_moneykit_exchange_token(&client, &auth, "ex-1", &ex);
    bl_moneykit_list_init(list, 5, on_link, NULL);
    st[2] = bl_moneykit_list_links(&client, &auth, list);
    bl_client_close(&client);
    free(list);
    free(tokens);
    free(buf);
}

/* Does the input hold a name the recorder masks? Then masking may change
 * what the calls decode. */
static bool has_masked_key(const char *text, size_t len)
{
    static const char *const keys[] = {"_token", "secret", "ookie", "OOKIE", "uthorization", "UTHORIZATION",
                                       "api-key", "API-KEY"};
    size_t k;
    size_t i;
    for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t n = strlen(keys[k]);
        for (i = 0; i + n <= len; i++) {
            if (memcmp(text + i, keys[k], n) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool same_text(bl_tk_text_t a, bl_tk_text_t b)
{
    return a.len == b.len && (a.len == 0u || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Is step i of kit a `close`/`reset` that only ends a connection the
 * client had already left (the next step is a new connection, or none)? */
static bool ends_left_connection(const bl_testkit_t *kit, size_t i)
{
    bl_tk_step_kind_t k = kit->steps[i].kind;
    if (k != BL_TK_STEP_CLOSE && k != BL_TK_STEP_RESET) {
        return false;
    }
    return i + 1u == kit->step_count || kit->steps[i + 1u].kind == BL_TK_STEP_CONNECT ||
           kit->steps[i + 1u].kind == BL_TK_STEP_REFUSE;
}

/* The two recordings hold the same steps (see the header comment). */
static bool same_steps(const bl_testkit_t *x, const bl_testkit_t *y)
{
    size_t i = 0;
    size_t j = 0;
    for (;;) {
        while (i < x->step_count && ends_left_connection(x, i)) {
            i++;
        }
        while (j < y->step_count && ends_left_connection(y, j)) {
            j++;
        }
        if (i == x->step_count || j == y->step_count) {
            return i == x->step_count && j == y->step_count;
        }
        {
            const bl_tk_step_t *a = &x->steps[i];
            const bl_tk_step_t *b = &y->steps[j];
            if (a->kind != b->kind || a->status != b->status || a->len != b->len ||
                (a->len != 0u && memcmp(a->data, b->data, a->len) != 0) || !same_text(a->method, b->method) ||
                !same_text(a->target, b->target)) {
                fprintf(stderr, "recordings differ at steps %zu / %zu (%s / %s)\n", i, j, bl_tk_step_name(a->kind),
                        bl_tk_step_name(b->kind));
                return false;
            }
        }
        i++;
        j++;
    }
}

static void check_state(bl_testkit_t *kit)
{
    size_t i;
    const char *report = bl_tk_report(kit);
    FUZZ_CHECK(kit->next <= kit->step_count && kit->step_count <= BL_TK_MAX_STEPS);
    FUZZ_CHECK(kit->capture_len <= sizeof kit->capture && kit->request_count <= BL_TK_MAX_REQUESTS);
    for (i = 0; i < kit->request_count; i++) {
        bl_tk_request_t req;
        FUZZ_CHECK(kit->requests[i].off + kit->requests[i].len <= kit->capture_len);
        /* banklink wrote these: each must split cleanly. */
        FUZZ_CHECK(bl_tk_get_request(kit, i, &req));
    }
    FUZZ_CHECK(memchr(report, '\0', BL_TK_REPORT_MAX) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    bl_testkit_t *a = (bl_testkit_t *)malloc(sizeof *a);
    bl_testkit_t *b = (bl_testkit_t *)malloc(sizeof *b);
    bl_tk_recorder_t rec;
    uint8_t *rec_buf = (uint8_t *)malloc(8192);
    sink_t out;
    bl_status_t first[3];
    bl_status_t again[3];
    size_t line = 0;
    size_t i;
    bool has_wait = false;
    out.cap = 4u * size + 65536u;
    out.p = (char *)malloc(out.cap);
    out.len = 0;
    out.overflow = false;
    if (a == NULL || b == NULL || rec_buf == NULL || out.p == NULL) {
        abort();
    }
    FUZZ_CHECK(bl_tk_init(a) == BL_OK && bl_tk_init(b) == BL_OK);
    if (bl_tk_load(a, text, size, &line) != BL_OK) {
        FUZZ_CHECK(a->step_count == 0u && line >= 1u);
        goto done;
    }
    for (i = 0; i < a->step_count; i++) {
        has_wait = has_wait || a->steps[i].kind == BL_TK_STEP_WAIT;
    }
    FUZZ_CHECK(bl_tk_recorder_init(&rec, &a->transport, rec_buf, 8192, put, &out) == BL_OK);
    run_calls(&rec.transport, &a->clock, first);
    bl_tk_recorder_finish(&rec);
    check_state(a);
    if (out.overflow) {
        goto done;
    }
    {
        bl_status_t st = bl_tk_load(b, out.p, out.len, &line);
        /* A recording may hold more steps than the kit (explicit connects). */
        FUZZ_CHECK(st == BL_OK || (st == BL_ERR_INVALID_ARG && b->step_count == 0u));
        if (st != BL_OK || a->mismatch || has_wait) {
            goto done;
        }
    }
    {
        /* Record the replay of the recording: the same steps again. */
        sink_t out2;
        out2.cap = 4u * out.len + 65536u;
        out2.p = (char *)malloc(out2.cap);
        out2.len = 0;
        out2.overflow = false;
        if (out2.p == NULL) {
            abort();
        }
        FUZZ_CHECK(bl_tk_recorder_init(&rec, &b->transport, rec_buf, 8192, put, &out2) == BL_OK);
        run_calls(&rec.transport, &b->clock, again);
        bl_tk_recorder_finish(&rec);
        check_state(b);
        if (!b->mismatch && !out2.overflow) {
            bl_testkit_t *c = (bl_testkit_t *)malloc(sizeof *c);
            if (c == NULL) {
                abort();
            }
            FUZZ_CHECK(bl_tk_init(c) == BL_OK);
            if (bl_tk_load(c, out2.p, out2.len, &line) == BL_OK) {
                FUZZ_CHECK(same_steps(b, c));
            } else {
                /* As long as the first recording, or longer only by closes
                 * (explicit connects fill the kit). */
                FUZZ_CHECK(c->step_count == 0u);
            }
            free(c);
        }
        free(out2.p);
    }
    if (!has_masked_key(text, size)) {
        for (i = 0; i < 3; i++) {
            if (first[i] != again[i]) {
                fprintf(stderr, "call %zu: %s first, %s replayed (%s)\n", i, bl_status_str(first[i]),
                        bl_status_str(again[i]), bl_tk_report(b));
            }
            FUZZ_CHECK(first[i] == again[i]);
        }
    }
done:
    free(out.p);
    free(rec_buf);
    free(b);
    free(a);
    free(text);
    return 0;
}
