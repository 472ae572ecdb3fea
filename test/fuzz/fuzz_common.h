/*
 * Helpers shared by the libFuzzer targets.
 *
 * Every target copies the input into a heap block of exactly its size (no
 * NUL after it), so AddressSanitizer reports a read one byte past the end:
 * the library must never rely on a terminator the caller did not promise.
 * Invariants are checked with FUZZ_CHECK, which aborts with a message, so a
 * wrong answer is a finding just like a crash.
 */
#ifndef BL_FUZZ_COMMON_H
#define BL_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_client.h"
#include "bl_json.h"
#include "bl_time.h"

/** libFuzzer's entry point (declared here so -Wmissing-prototypes stays quiet). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Abort with the failed condition: libFuzzer saves the input as a crash. */
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);       \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

/** A heap copy of @p n bytes of @p src, exactly @p n bytes long. */
static inline char *fuzz_dup(const uint8_t *src, size_t n)
{
    /* malloc(0) may return NULL; ASan's returns a zero-byte block, which
     * is what we want: any access through it is reported. */
    char *p = (char *)malloc(n == 0u ? 0u : n);
    if (p == NULL && n != 0u) {
        abort();
    }
    if (n != 0u) {
        memcpy(p, src, n);
    }
    return p;
}

/** True when p[0..n] (n bytes and the byte after them) lies inside base[0..cap). */
static inline bool fuzz_inside(const char *base, size_t cap, const char *p, size_t n)
{
    if (p < base) {
        return false;
    }
    size_t off = (size_t)(p - base);
    return off < cap && n < cap - off;
}

/**
 * Check a decoded string field: absent/null have no pointer; a present one
 * is a NUL-terminated view inside the body, with no NUL before its end.
 */
static inline void fuzz_check_str(const bl_str_t *s, const char *body, size_t len)
{
    FUZZ_CHECK(s->presence == BL_ABSENT || s->presence == BL_NULL || s->presence == BL_PRESENT);
    if (s->presence != BL_PRESENT) {
        FUZZ_CHECK(s->ptr == NULL);
        FUZZ_CHECK(s->len == 0u);
        return;
    }
    FUZZ_CHECK(s->ptr != NULL);
    FUZZ_CHECK(fuzz_inside(body, len, s->ptr, s->len));
    FUZZ_CHECK(s->ptr[s->len] == '\0');
    FUZZ_CHECK(memchr(s->ptr, '\0', s->len) == NULL);
}

/** Decoded strings gathered to prove they do not overlap. */
typedef struct fuzz_spans {
    const char *ptr[64]; /**< Start of each string. */
    size_t len[64];      /**< Its length (the NUL after it counts too). */
    size_t count;        /**< Strings recorded. */
} fuzz_spans_t;

/** Record a NUL-terminated view @p p of @p len bytes. */
static inline void fuzz_spans_add(fuzz_spans_t *sp, const char *p, size_t len)
{
    FUZZ_CHECK(sp->count < 64u);
    sp->ptr[sp->count] = p;
    sp->len[sp->count] = len;
    sp->count++;
}

/** Record a string field when present. */
static inline void fuzz_spans_add_str(fuzz_spans_t *sp, const bl_str_t *s)
{
    if (s->presence == BL_PRESENT) {
        fuzz_spans_add(sp, s->ptr, s->len);
    }
}

/**
 * Distinct fields come from distinct JSON tokens, so their decoded bytes
 * (NUL included) never share a byte: an overlap means one was rewritten.
 */
static inline void fuzz_spans_disjoint(const fuzz_spans_t *sp)
{
    for (size_t i = 0; i < sp->count; i++) {
        for (size_t j = i + 1u; j < sp->count; j++) {
            const char *a = sp->ptr[i];
            const char *b = sp->ptr[j];
            FUZZ_CHECK(a + sp->len[i] < b || b + sp->len[j] < a);
        }
    }
}

/** True when @p needle (n > 0 bytes) occurs in @p hay[0..len). */
static inline bool fuzz_contains(const char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n != 0u && i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

/** Range of Unix seconds that bl_time represents (years 0000..9999). */
#define FUZZ_UNIX_MIN (-62167219200LL)
#define FUZZ_UNIX_MAX 253402300799LL

/** Offsets up to +-23:59 can push a year-0000 or year-9999 time this far out. */
#define FUZZ_OFFSET_MAX_S (1439LL * 60LL)

/** Check a decoded timestamp field. */
static inline void fuzz_check_timestamp(const bl_timestamp_t *t)
{
    FUZZ_CHECK(t->presence == BL_ABSENT || t->presence == BL_NULL || t->presence == BL_PRESENT);
    FUZZ_CHECK(t->nanosecond < 1000000000u);
    if (t->presence == BL_PRESENT) {
        FUZZ_CHECK(t->unix_s >= FUZZ_UNIX_MIN - FUZZ_OFFSET_MAX_S);
        FUZZ_CHECK(t->unix_s <= FUZZ_UNIX_MAX + FUZZ_OFFSET_MAX_S + 1);
    } else {
        FUZZ_CHECK(t->unix_s == 0 && t->nanosecond == 0u);
    }
}

/** Statuses a decoder may return. */
/* Decoded error fields are NUL-terminated views inside the body that do
 * not overlap; @p absent is the field this vendor does not have. */
static inline void fuzz_check_error_info(const bl_error_info_t *info, const char *body, size_t size,
                                         const bl_str_t *absent)
{
    fuzz_spans_t spans;
    spans.count = 0;
    const bl_str_t *strs[] = {&info->api_code, &info->api_message, &info->api_name, &info->api_doc_url};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        fuzz_check_str(strs[i], body, size);
        fuzz_spans_add_str(&spans, strs[i]);
    }
    fuzz_spans_disjoint(&spans);
    FUZZ_CHECK(absent->presence == BL_ABSENT);
}

static inline bool fuzz_decode_status_ok(bl_status_t st)
{
    return st == BL_OK || st == BL_ERR_JSON || st == BL_ERR_JSON_TOKENS || st == BL_ERR_DECODE;
}

#endif /* BL_FUZZ_COMMON_H */
