/*
 * Building a script: the step functions a test calls, and the reader of
 * the script text (the recorder's output, the fixtures). Both end in
 * bl_tk_push(), so a step from text and a step from C are the same thing.
 */
#include "bl_testkit_priv.h"

#if defined(BL_PORT_TESTKIT) && BL_PORT_TESTKIT

#include <string.h>

void bl_tk_step_clear(bl_tk_step_t *step, bl_tk_step_kind_t kind)
{
    memset(step, 0, sizeof *step);
    step->kind = kind;
    step->fail_after = SIZE_MAX;
    step->fail_io = BL_IO_ERROR;
    step->status = BL_OK;
}

bl_status_t bl_tk_push(bl_testkit_t *kit, const bl_tk_step_t *step)
{
    if (kit->step_count >= BL_TK_MAX_STEPS) {
        kit->overflow = true;
        return BL_ERR_INVALID_ARG;
    }
    kit->steps[kit->step_count++] = *step;
    return BL_OK;
}

static bl_status_t push_kind(bl_testkit_t *kit, bl_tk_step_kind_t kind)
{
    bl_tk_step_t st;
    if (kit == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_tk_step_clear(&st, kind);
    return bl_tk_push(kit, &st);
}

static bl_tk_text_t text_of(const char *s)
{
    bl_tk_text_t t;
    t.ptr = s;
    t.len = s != NULL ? strlen(s) : 0u;
    return t;
}

bl_status_t bl_tk_connect(bl_testkit_t *kit)
{
    return push_kind(kit, BL_TK_STEP_CONNECT);
}

bl_status_t bl_tk_refuse(bl_testkit_t *kit, bl_status_t status)
{
    bl_tk_step_t st;
    if (kit == NULL || status == BL_OK || (unsigned)status >= (unsigned)BL_STATUS_COUNT) {
        return BL_ERR_INVALID_ARG;
    }
    bl_tk_step_clear(&st, BL_TK_STEP_REFUSE);
    st.status = status;
    return bl_tk_push(kit, &st);
}

bl_status_t bl_tk_expect(bl_testkit_t *kit, const char *method, const char *path_pattern)
{
    bl_tk_step_t st;
    if (kit == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_tk_step_clear(&st, BL_TK_STEP_REQUEST);
    st.method = text_of(method);
    st.target = text_of(path_pattern);
    return bl_tk_push(kit, &st);
}

bl_status_t bl_tk_answer(bl_testkit_t *kit, const char *bytes)
{
    return bl_tk_answer_bytes(kit, bytes, bytes != NULL ? strlen(bytes) : 0u);
}

bl_status_t bl_tk_answer_bytes(bl_testkit_t *kit, const void *bytes, size_t len)
{
    bl_tk_step_t st;
    if (kit == NULL || (bytes == NULL && len != 0u)) {
        return BL_ERR_INVALID_ARG;
    }
    bl_tk_step_clear(&st, BL_TK_STEP_ANSWER);
    st.data = (const uint8_t *)bytes;
    st.len = len;
    return bl_tk_push(kit, &st);
}

bl_status_t bl_tk_split(bl_testkit_t *kit, const uint16_t *sizes, size_t n)
{
    bl_tk_step_t *st;
    size_t i;
    if (kit == NULL || sizes == NULL || n == 0u || n > BL_TK_MAX_PIECES || kit->step_count == 0u) {
        return BL_ERR_INVALID_ARG;
    }
    st = &kit->steps[kit->step_count - 1u];
    if (st->kind != BL_TK_STEP_ANSWER) {
        return BL_ERR_INVALID_ARG;
    }
    for (i = 0; i < n; i++) {
        if (sizes[i] == 0u) {
            return BL_ERR_INVALID_ARG;
        }
    }
    memcpy(st->pieces, sizes, n * sizeof sizes[0]);
    st->piece_count = (uint8_t)n;
    return BL_OK;
}

bl_status_t bl_tk_pace(bl_testkit_t *kit, uint32_t ms)
{
    if (kit == NULL || kit->step_count == 0u || kit->steps[kit->step_count - 1u].kind != BL_TK_STEP_ANSWER) {
        return BL_ERR_INVALID_ARG;
    }
    kit->steps[kit->step_count - 1u].pace_ms = ms;
    return BL_OK;
}

bl_status_t bl_tk_send_fails(bl_testkit_t *kit, size_t after_bytes, int32_t io)
{
    bl_tk_step_t *st;
    if (kit == NULL || kit->step_count == 0u || (io != BL_IO_ERROR && io != BL_IO_TIMEOUT) || after_bytes == SIZE_MAX) {
        return BL_ERR_INVALID_ARG;
    }
    st = &kit->steps[kit->step_count - 1u];
    if (st->kind != BL_TK_STEP_REQUEST) {
        return BL_ERR_INVALID_ARG;
    }
    st->fail_after = after_bytes;
    st->fail_io = io;
    return BL_OK;
}

bl_status_t bl_tk_stall(bl_testkit_t *kit)
{
    return push_kind(kit, BL_TK_STEP_STALL);
}

bl_status_t bl_tk_wait(bl_testkit_t *kit, uint32_t ms)
{
    bl_tk_step_t st;
    if (kit == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_tk_step_clear(&st, BL_TK_STEP_WAIT);
    st.ms = ms;
    return bl_tk_push(kit, &st);
}

bl_status_t bl_tk_close(bl_testkit_t *kit)
{
    return push_kind(kit, BL_TK_STEP_CLOSE);
}

bl_status_t bl_tk_reset_conn(bl_testkit_t *kit)
{
    return push_kind(kit, BL_TK_STEP_RESET);
}

/* ------------------------------------------------------------ script text */

/* A cursor over one line's words. */
typedef struct words {
    const char *p;
    const char *end;
} words_t;

static bool next_word(words_t *w, bl_tk_text_t *out)
{
    while (w->p < w->end && (*w->p == ' ' || *w->p == '\t')) {
        w->p++;
    }
    if (w->p == w->end) {
        return false;
    }
    out->ptr = w->p;
    while (w->p < w->end && *w->p != ' ' && *w->p != '\t') {
        w->p++;
    }
    out->len = (size_t)(w->p - out->ptr);
    return true;
}

bool bl_tk_text_is(bl_tk_text_t text, const char *s)
{
    size_t n = strlen(s);
    return text.ptr != NULL && text.len == n && memcmp(text.ptr, s, n) == 0;
}

/* Decimal digits only, at most @p max. */
static bool parse_uint(bl_tk_text_t t, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (t.len == 0u || t.len > 20u) {
        return false;
    }
    for (i = 0; i < t.len; i++) {
        uint64_t d;
        if (t.ptr[i] < '0' || t.ptr[i] > '9') {
            return false;
        }
        d = (uint64_t)(t.ptr[i] - '0');
        if (v > (max - d) / 10u) {
            return false;
        }
        v = v * 10u + d;
    }
    *out = v;
    return true;
}

/* A status by its bl_status_str() name (or its number, for builds
 * without the names). Refusing with BL_OK makes no sense: not accepted. */
static bool parse_status(bl_tk_text_t t, bl_status_t *out)
{
    int i;
    uint64_t v;
    for (i = 1; i < (int)BL_STATUS_COUNT; i++) {
        if (bl_tk_text_is(t, bl_status_str((bl_status_t)i))) {
            *out = (bl_status_t)i;
            return true;
        }
    }
    if (parse_uint(t, (uint64_t)BL_STATUS_COUNT - 1u, &v) && v != 0u) {
        *out = (bl_status_t)v;
        return true;
    }
    return false;
}

/* "1,10,100" into the step's pieces. */
static bool parse_pieces(bl_tk_text_t t, bl_tk_step_t *st)
{
    size_t i = 0;
    size_t count = 0;
    while (i <= t.len) {
        size_t start = i;
        bl_tk_text_t num;
        uint64_t v;
        while (i < t.len && t.ptr[i] != ',') {
            i++;
        }
        num.ptr = t.ptr + start;
        num.len = i - start;
        if (count == BL_TK_MAX_PIECES || !parse_uint(num, UINT16_MAX, &v) || v == 0u) {
            return false;
        }
        st->pieces[count++] = (uint16_t)v;
        i++;
    }
    st->piece_count = (uint8_t)count;
    return true;
}

/* One step line (without its newline) into @p st; *block gets the byte
 * count that follows the line, or stays SIZE_MAX for none. */
static bool parse_step(const char *line, size_t len, bl_tk_step_t *st, size_t *block)
{
    words_t w;
    bl_tk_text_t word;
    bl_tk_text_t extra;
    uint64_t v;
    w.p = line;
    w.end = line + len;
    *block = SIZE_MAX;
    if (!next_word(&w, &word)) {
        return false;
    }
    if (bl_tk_text_is(word, "connect")) {
        bl_tk_text_t host;
        bl_tk_text_t port;
        bl_tk_step_clear(st, BL_TK_STEP_CONNECT);
        if (next_word(&w, &host) && (!next_word(&w, &port) || !parse_uint(port, UINT16_MAX, &v))) {
            return false; /* HOST PORT come together or not at all */
        }
    } else if (bl_tk_text_is(word, "refuse")) {
        bl_tk_step_clear(st, BL_TK_STEP_REFUSE);
        if (!next_word(&w, &extra) || !parse_status(extra, &st->status)) {
            return false;
        }
    } else if (bl_tk_text_is(word, "request")) {
        bl_tk_step_clear(st, BL_TK_STEP_REQUEST);
        if (!next_word(&w, &st->method) || !next_word(&w, &st->target)) {
            return false;
        }
        if (next_word(&w, &extra)) {
            if (!parse_uint(extra, SIZE_MAX - 1u, &v)) {
                return false;
            }
            *block = (size_t)v;
        }
    } else if (bl_tk_text_is(word, "answer")) {
        bl_tk_step_clear(st, BL_TK_STEP_ANSWER);
        if (!next_word(&w, &extra) || !parse_uint(extra, SIZE_MAX - 1u, &v)) {
            return false;
        }
        *block = (size_t)v;
        extra.ptr = NULL;
        extra.len = 0;
        if (next_word(&w, &extra) && bl_tk_text_is(extra, "split")) {
            if (!next_word(&w, &extra) || !parse_pieces(extra, st)) {
                return false;
            }
            extra.ptr = NULL;
            (void)next_word(&w, &extra);
        }
        if (extra.ptr != NULL && bl_tk_text_is(extra, "pace")) {
            if (!next_word(&w, &extra) || !parse_uint(extra, UINT32_MAX, &v) || v == 0u) {
                return false;
            }
            st->pace_ms = (uint32_t)v;
        } else if (extra.ptr != NULL) {
            return false;
        }
    } else if (bl_tk_text_is(word, "stall")) {
        bl_tk_step_clear(st, BL_TK_STEP_STALL);
    } else if (bl_tk_text_is(word, "wait")) {
        bl_tk_step_clear(st, BL_TK_STEP_WAIT);
        if (!next_word(&w, &extra) || !parse_uint(extra, UINT32_MAX, &v)) {
            return false;
        }
        st->ms = (uint32_t)v;
    } else if (bl_tk_text_is(word, "close")) {
        bl_tk_step_clear(st, BL_TK_STEP_CLOSE);
    } else if (bl_tk_text_is(word, "reset")) {
        bl_tk_step_clear(st, BL_TK_STEP_RESET);
    } else {
        return false;
    }
    return !next_word(&w, &extra); /* nothing may follow */
}

bl_status_t bl_tk_load(bl_testkit_t *kit, const char *text, size_t len, size_t *line)
{
    size_t pos = 0;
    size_t lineno = 0;
    size_t first_step = 0;
    bool header = false;
    bool overflow_before;
    if (line != NULL) {
        *line = 0;
    }
    if (kit == NULL || (text == NULL && len != 0u)) {
        return BL_ERR_INVALID_ARG;
    }
    first_step = kit->step_count;
    overflow_before = kit->overflow;
    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
        size_t block;
        bl_tk_step_t st;
        lineno++;
        pos += n + (nl != NULL ? 1u : 0u);
        if (n > 0u && start[n - 1u] == '\r') {
            n--; /* a script edited on Windows; byte blocks are exact anyway */
        }
        if (n == 0u || start[0] == '#') {
            continue;
        }
        if (!header) {
            static const char magic[] = "banklink-script 1";
            if (n != sizeof magic - 1u || memcmp(start, magic, n) != 0) {
                goto malformed;
            }
            header = true;
            continue;
        }
        if (!parse_step(start, n, &st, &block)) {
            goto malformed;
        }
        if (block != SIZE_MAX) {
            if (nl == NULL || len - pos < block || len - pos - block < 1u || text[pos + block] != '\n') {
                goto malformed;
            }
            st.data = (const uint8_t *)(text + pos);
            st.len = block;
            /* Count the block's newlines so later errors name the right line. */
            {
                const char *b = text + pos;
                size_t i;
                for (i = 0; i < block; i++) {
                    lineno += b[i] == '\n' ? 1u : 0u;
                }
            }
            pos += block + 1u;
            lineno++;
        }
        if (bl_tk_push(kit, &st) != BL_OK) {
            kit->step_count = first_step;
            kit->overflow = overflow_before;
            if (line != NULL) {
                *line = lineno;
            }
            return BL_ERR_INVALID_ARG;
        }
    }
    if (!header) {
        lineno = lineno == 0u ? 1u : lineno;
        goto malformed;
    }
    return BL_OK;

malformed:
    kit->step_count = first_step;
    if (line != NULL) {
        *line = lineno;
    }
    return BL_ERR_DECODE;
}

#else /* BL_PORT_TESTKIT */

/* ISO C forbids an empty translation unit. */
typedef int bl_testkit_script_disabled_t;

#endif /* BL_PORT_TESTKIT */
