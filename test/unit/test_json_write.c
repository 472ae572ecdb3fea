/*
 * Unit tests for the JSON writer half of bl_json.h: the bounded bl_buf_t,
 * decimal numbers, JSON string escaping, UTF-8 validation, and the small
 * string helpers bl_str_list_next() and bl_str_eq().
 *
 * UTF-8 validation is checked exhaustively against an independent reference
 * decoder (every 1-, 2- and 3-byte sequence, every code point, and random
 * 4-byte sequences); escaping is checked by decoding the output again with a
 * reference JSON string decoder written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bl_json.h"

#define CANARY '#'

/* A buffer with canary bytes after its capacity. */
typedef struct guarded {
    char mem[256];
    bl_buf_t b;
} guarded_t;

static void guarded_init(guarded_t *g, size_t cap)
{
    assert_true(cap <= sizeof g->mem);
    memset(g->mem, CANARY, sizeof g->mem);
    bl_buf_init(&g->b, g->mem, cap);
}

static void assert_canaries(const guarded_t *g, size_t from)
{
    for (size_t i = from; i < sizeof g->mem; i++) {
        if (g->mem[i] != CANARY) {
            fail_msg("byte %zu written (cap %zu)", i, g->b.cap);
        }
    }
}

static void assert_content(const bl_buf_t *b, const char *want)
{
    assert_true(bl_buf_ok(b));
    if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0) {
        fail_msg("buffer holds \"%.*s\" (%zu), want \"%s\"", (int)b->len, b->data, b->len, want);
    }
}

/* ------------------------------------------------------------ bl_buf */

static void test_buf_basic(void **state)
{
    (void)state;
    guarded_t g;
    guarded_init(&g, 16);
    assert_true(bl_buf_ok(&g.b));
    assert_int_equal(g.b.len, 0);
    bl_buf_put(&g.b, "abc", 3);
    bl_buf_puts(&g.b, "def");
    bl_buf_put(&g.b, "ignored", 0);
    bl_buf_puts(&g.b, "");
    bl_buf_put(&g.b, NULL, 0);
    assert_content(&g.b, "abcdef");
    bl_buf_put(&g.b, "0123456789", 10); /* exactly fills the capacity */
    assert_content(&g.b, "abcdef0123456789");
    assert_canaries(&g, 16);
    assert_false(bl_buf_ok(NULL));
}

static void test_buf_overflow_counts(void **state)
{
    (void)state;
    guarded_t g;
    guarded_init(&g, 5);
    bl_buf_put(&g.b, "abc", 3);
    bl_buf_put(&g.b, "def", 3); /* does not fit: counted, not written */
    assert_false(bl_buf_ok(&g.b));
    assert_int_equal(g.b.len, 6);
    assert_memory_equal(g.mem, "abc", 3);
    assert_canaries(&g, 3); /* all-or-nothing: no partial "de" */
    bl_buf_put(&g.b, "g", 1); /* would fit the remaining space, but the output already has a hole */
    bl_buf_puts(&g.b, "hijkl");
    bl_buf_put_u64(&g.b, 1234);
    bl_buf_put_i64(&g.b, -5);
    assert_int_equal(bl_json_put_str(&g.b, "x\n", 2), BL_OK);
    assert_int_equal(g.b.len, 6 + 1 + 5 + 4 + 2 + 5);
    assert_false(bl_buf_ok(&g.b));
    assert_canaries(&g, 3);
}

static void test_buf_measure_only(void **state)
{
    (void)state;
    bl_buf_t m;
    bl_buf_init(&m, NULL, 0);
    assert_true(bl_buf_ok(&m));
    bl_buf_puts(&m, "{\"a\":");
    bl_buf_put_i64(&m, INT64_MIN);
    assert_int_equal(bl_json_put_str(&m, "\"\x01", 2), BL_OK);
    bl_buf_puts(&m, "}");
    assert_int_equal(m.len, 5 + 20 + 10 + 1);
    assert_false(bl_buf_ok(&m));

    /* a NULL window with a non-zero capacity is still measure-only */
    bl_buf_t m2;
    bl_buf_init(&m2, NULL, 100);
    assert_int_equal(m2.cap, 0);
    bl_buf_puts(&m2, "abc");
    assert_int_equal(m2.len, 3);
    assert_false(bl_buf_ok(&m2));

    /* the measured size is exactly what a real write needs */
    char real[64];
    bl_buf_t r;
    bl_buf_init(&r, real, m.len);
    bl_buf_puts(&r, "{\"a\":");
    bl_buf_put_i64(&r, INT64_MIN);
    assert_int_equal(bl_json_put_str(&r, "\"\x01", 2), BL_OK);
    bl_buf_puts(&r, "}");
    assert_content(&r, "{\"a\":-9223372036854775808\"\\\"\\u0001\"}");

    bl_buf_init(&r, real, m.len - 1);
    bl_buf_puts(&r, "{\"a\":");
    bl_buf_put_i64(&r, INT64_MIN);
    assert_int_equal(bl_json_put_str(&r, "\"\x01", 2), BL_OK);
    bl_buf_puts(&r, "}");
    assert_false(bl_buf_ok(&r));
    assert_int_equal(r.len, m.len);
}

static void test_buf_null_source_poisons(void **state)
{
    (void)state;
    char mem[16];
    bl_buf_t b;
    bl_buf_init(&b, mem, sizeof mem);
    bl_buf_put(&b, NULL, 3);
    assert_false(bl_buf_ok(&b));
    bl_buf_init(&b, mem, sizeof mem);
    bl_buf_puts(&b, NULL);
    assert_false(bl_buf_ok(&b));
    /* and NULL buffers are ignored rather than crashing */
    bl_buf_init(NULL, mem, sizeof mem);
    bl_buf_put(NULL, "a", 1);
    bl_buf_put_u64(NULL, 1);
    assert_int_equal(bl_json_put_str(NULL, "a", 1), BL_ERR_INVALID_ARG);
}

static void test_buf_len_saturates(void **state)
{
    (void)state;
    char mem[4];
    bl_buf_t b;
    bl_buf_init(&b, mem, sizeof mem);
    b.len = SIZE_MAX - 2; /* as after a huge measured body */
    bl_buf_put(&b, "abcdef", 6);
    assert_int_equal(b.len, SIZE_MAX);
    assert_false(bl_buf_ok(&b));
    bl_buf_put(&b, "a", 1);
    assert_int_equal(b.len, SIZE_MAX); /* never wraps back into "fits" */
    assert_false(bl_buf_ok(&b));
}

/* ------------------------------------------------------------ numbers */

static void test_put_u64(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *text;
    } cases[] = {
        {0u, "0"},
        {1u, "1"},
        {9u, "9"},
        {10u, "10"},
        {99u, "99"},
        {100u, "100"},
        {4294967295u, "4294967295"},
        {4294967296u, "4294967296"},
        {10000000000000000000u, "10000000000000000000"},
        {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        guarded_t g;
        const size_t n = strlen(cases[i].text);
        guarded_init(&g, n);
        bl_buf_put_u64(&g.b, cases[i].v);
        assert_content(&g.b, cases[i].text);
        assert_canaries(&g, n);
        /* one byte short: counted, nothing written */
        guarded_init(&g, n - 1);
        bl_buf_put_u64(&g.b, cases[i].v);
        assert_false(bl_buf_ok(&g.b));
        assert_int_equal(g.b.len, n);
        assert_canaries(&g, 0);
    }
}

static void test_put_i64(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-1, "-1"},
        {-9, "-9"},
        {-10, "-10"},
        {42, "42"},
        {-2147483648LL, "-2147483648"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN + 1, "-9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        guarded_t g;
        const size_t n = strlen(cases[i].text);
        guarded_init(&g, n);
        bl_buf_put_i64(&g.b, cases[i].v);
        assert_content(&g.b, cases[i].text);
        assert_canaries(&g, n);
        guarded_init(&g, n - 1);
        bl_buf_put_i64(&g.b, cases[i].v);
        assert_false(bl_buf_ok(&g.b));
        assert_int_equal(g.b.len, n);
        assert_canaries(&g, 0);
    }
    /* against the C library for a sweep of values */
    uint64_t rng = 12345u;
    for (int i = 0; i < 10000; i++) {
        char want[32], got[32];
        bl_buf_t b;
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        const int64_t v = (int64_t)(rng >> (rng % 64u)) * ((rng & 1u) ? -1 : 1);
        snprintf(want, sizeof want, "%lld", (long long)v);
        bl_buf_init(&b, got, sizeof got);
        bl_buf_put_i64(&b, v);
        bl_buf_put(&b, "", 1);
        assert_true(bl_buf_ok(&b));
        assert_string_equal(got, want);
    }
}

/* ------------------------------------------------------------ escaping */

static void expect_json(const char *in, size_t len, const char *want)
{
    guarded_t g;
    const size_t n = strlen(want);
    guarded_init(&g, n);
    assert_int_equal(bl_json_put_str(&g.b, in, len), BL_OK);
    assert_content(&g.b, want);
    assert_canaries(&g, n);

    /* measuring gives the same length, and one byte less does not fit */
    bl_buf_t m;
    bl_buf_init(&m, NULL, 0);
    assert_int_equal(bl_json_put_str(&m, in, len), BL_OK);
    assert_int_equal(m.len, n);
    guarded_init(&g, n - 1);
    assert_int_equal(bl_json_put_str(&g.b, in, len), BL_OK);
    assert_false(bl_buf_ok(&g.b));
    assert_int_equal(g.b.len, n);
}

static void test_escape_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"", 0, "\"\""},
        {"plain text", 10, "\"plain text\""},
        {"\"", 1, "\"\\\"\""},
        {"\\", 1, "\"\\\\\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\""},
        {"line1\nline2", 11, "\"line1\\nline2\""},
        {"\x01", 1, "\"\\u0001\""},
        {"\x1f", 1, "\"\\u001f\""},
        {"\x0b", 1, "\"\\u000b\""},
        {"\x1b[31m", 5, "\"\\u001b[31m\""},
        {"a\0b", 3, "\"a\\u0000b\""},
        {"\x7f", 1, "\"\x7f\""},
        {"/", 1, "\"/\""},
        {"</script>", 9, "\"</script>\""},
        {" ~", 2, "\" ~\""},
        {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""},
        {"\xe2\x82\xac 5", 5, "\"\xe2\x82\xac 5\""},
        {"\xf0\x9f\x8f\xa6", 4, "\"\xf0\x9f\x8f\xa6\""},
        {"\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\xe2\x80\xa8\xe2\x80\xa9\""}, /* U+2028/9 are legal in JSON */
        {"\xef\xbb\xbf", 3, "\"\xef\xbb\xbf\""},
        {"tok\"en\\\n", 8, "\"tok\\\"en\\\\\\n\""},
        {"\"\"\"", 3, "\"\\\"\\\"\\\"\""},
        {"access-sandbox-8f1c\tend", 23, "\"access-sandbox-8f1c\\tend\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_json(cases[i].in, cases[i].len, cases[i].out);
    }
}

static void test_every_control_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 0x20u; c++) {
        char in[1] = {(char)c};
        char want[16];
        switch (c) {
        case '\b': strcpy(want, "\"\\b\""); break;
        case '\f': strcpy(want, "\"\\f\""); break;
        case '\n': strcpy(want, "\"\\n\""); break;
        case '\r': strcpy(want, "\"\\r\""); break;
        case '\t': strcpy(want, "\"\\t\""); break;
        default: snprintf(want, sizeof want, "\"\\u%04x\"", c); break;
        }
        expect_json(in, 1, want);
    }
    /* every other ASCII byte passes through, except the two escaped ones */
    for (unsigned c = 0x20u; c < 0x80u; c++) {
        char in[1] = {(char)c};
        char want[8];
        if (c == '"' || c == '\\') {
            snprintf(want, sizeof want, "\"\\%c\"", (char)c);
        } else {
            snprintf(want, sizeof want, "\"%c\"", (char)c);
        }
        expect_json(in, 1, want);
    }
}

static void test_null_string_arg(void **state)
{
    (void)state;
    char mem[8];
    bl_buf_t b;
    bl_buf_init(&b, mem, sizeof mem);
    assert_int_equal(bl_json_put_str(&b, NULL, 0), BL_OK);
    assert_content(&b, "\"\"");
    assert_int_equal(bl_json_put_str(&b, NULL, 3), BL_ERR_INVALID_ARG);
    assert_content(&b, "\"\"");
}

/* ------------------------------------------------------------ UTF-8 */

static void test_invalid_utf8_refused(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {
        {"\x80", 1},                         /* lone continuation */
        {"\xbf", 1},
        {"a\x80z", 3},
        {"\xc0\x80", 2},                     /* overlong NUL */
        {"\xc0\xaf", 2},                     /* overlong '/' */
        {"\xc1\xbf", 2},                     /* overlong U+007F */
        {"\xe0\x80\xaf", 3},                 /* overlong '/' */
        {"\xe0\x9f\xbf", 3},                 /* overlong U+07FF */
        {"\xf0\x80\x80\xaf", 4},             /* overlong '/' */
        {"\xf0\x8f\xbf\xbf", 4},             /* overlong U+FFFF */
        {"\xed\xa0\x80", 3},                 /* U+D800 */
        {"\xed\xbf\xbf", 3},                 /* U+DFFF */
        {"\xed\xa0\xbd\xed\xb2\xa9", 6},     /* CESU-8 surrogate pair */
        {"\xf4\x90\x80\x80", 4},             /* U+110000 */
        {"\xf5\x80\x80\x80", 4},
        {"\xf7\xbf\xbf\xbf", 4},
        {"\xf8\x88\x80\x80\x80", 5},         /* 5-byte form */
        {"\xfc\x84\x80\x80\x80\x80", 6},     /* 6-byte form */
        {"\xfe", 1},
        {"\xff", 1},
        {"\xc3", 1},                         /* truncated */
        {"caf\xc3", 4},
        {"\xe2\x82", 2},
        {"\xf0\x9f\x8f", 3},
        {"\xf0\x9f", 2},
        {"\xf0", 1},
        {"\xc3\x28", 2},                     /* bad continuation */
        {"\xe2\x28\xa1", 3},
        {"\xe2\x82\x28", 3},
        {"\xf0\x28\x8c\xbc", 4},
        {"\xf0\x90\x28\xbc", 4},
        {"\xf0\x90\x8c\x28", 4},
        {"\xc3\xa9\xa9", 3},                 /* extra continuation */
        {"ok\xc3\xa9" "but\xff", 9},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        guarded_t g;
        guarded_init(&g, 64);
        bl_buf_put(&g.b, "{\"k\":", 5);
        if (bl_utf8_valid(bad[i].s, bad[i].len)) {
            fail_msg("case %zu accepted as UTF-8", i);
        }
        assert_int_equal(bl_json_put_str(&g.b, bad[i].s, bad[i].len), BL_ERR_INVALID_ARG);
        assert_content(&g.b, "{\"k\":"); /* nothing appended, not even the quote */
        assert_canaries(&g, 5);
        /* a measuring buffer learns nothing either */
        bl_buf_t m;
        bl_buf_init(&m, NULL, 0);
        assert_int_equal(bl_json_put_str(&m, bad[i].s, bad[i].len), BL_ERR_INVALID_ARG);
        assert_int_equal(m.len, 0);
    }
}

static void test_valid_utf8_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
    } good[] = {
        {"", 0},
        {"\x00", 1},
        {"\x7f", 1},
        {"\xc2\x80", 2},         /* U+0080 */
        {"\xdf\xbf", 2},         /* U+07FF */
        {"\xe0\xa0\x80", 3},     /* U+0800 */
        {"\xed\x9f\xbf", 3},     /* U+D7FF */
        {"\xee\x80\x80", 3},     /* U+E000 */
        {"\xef\xbf\xbd", 3},     /* U+FFFD */
        {"\xef\xbf\xbe", 3},     /* U+FFFE (a noncharacter, but well-formed) */
        {"\xef\xbf\xbf", 3},     /* U+FFFF */
        {"\xf0\x90\x80\x80", 4}, /* U+10000 */
        {"\xf3\xbf\xbf\xbf", 4}, /* U+FFFFF */
        {"\xf4\x80\x80\x80", 4}, /* U+100000 */
        {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF */
        {"Gr\xc3\xbc\xc3\x9f" "e \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80", 19},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!bl_utf8_valid(good[i].s, good[i].len)) {
            fail_msg("case %zu refused", i);
        }
    }
    assert_true(bl_utf8_valid(NULL, 0));
    assert_false(bl_utf8_valid(NULL, 1));
}

/* Reference: decode one sequence by the classic bit masks, then apply the
 * well-formedness rules (shortest form, no surrogates, <= U+10FFFF).
 * Returns its length, or 0 if invalid. */
static size_t ref_utf8_seq(const unsigned char *p, size_t len)
{
    size_t n;
    uint32_t cp;
    if (p[0] < 0x80u) {
        return 1;
    } else if ((p[0] & 0xE0u) == 0xC0u) {
        n = 2;
        cp = p[0] & 0x1Fu;
    } else if ((p[0] & 0xF0u) == 0xE0u) {
        n = 3;
        cp = p[0] & 0x0Fu;
    } else if ((p[0] & 0xF8u) == 0xF0u) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (p[k] & 0x3Fu);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80u, 0x800u, 0x10000u};
    if (cp < min_cp[n] || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
        return 0;
    }
    return n;
}

static bool ref_utf8_valid(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const size_t n = ref_utf8_seq(p + i, len - i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

static void test_utf8_exhaustive_short(void **state)
{
    (void)state;
    unsigned char s[3];
    size_t valid2 = 0, valid3 = 0;
    for (unsigned a = 0; a < 256u; a++) {
        s[0] = (unsigned char)a;
        if (bl_utf8_valid((const char *)s, 1) != ref_utf8_valid(s, 1)) {
            fail_msg("1-byte %02x", a);
        }
        for (unsigned b = 0; b < 256u; b++) {
            s[1] = (unsigned char)b;
            const bool want2 = ref_utf8_valid(s, 2);
            valid2 += want2;
            if (bl_utf8_valid((const char *)s, 2) != want2) {
                fail_msg("2-byte %02x %02x", a, b);
            }
            for (unsigned c = 0; c < 256u; c++) {
                s[2] = (unsigned char)c;
                const bool want3 = ref_utf8_valid(s, 3);
                valid3 += want3;
                if (bl_utf8_valid((const char *)s, 3) != want3) {
                    fail_msg("3-byte %02x %02x %02x", a, b, c);
                }
            }
        }
    }
    /* sanity of the reference itself: 128*128 + 1920 two-byte strings, and
     * 128^3 + 2*128*1920 + 61440 (3-byte BMP minus surrogates) three-byte */
    assert_int_equal(valid2, 128u * 128u + 1920u);
    assert_int_equal(valid3, 128u * 128u * 128u + 2u * 128u * 1920u + 61440u);
}

static size_t encode_utf8(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80u) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (unsigned char)(0xC0u | (cp >> 6));
        out[1] = (unsigned char)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (unsigned char)(0xE0u | (cp >> 12));
        out[1] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (unsigned char)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (unsigned char)(0xF0u | (cp >> 18));
    out[1] = (unsigned char)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (unsigned char)(0x80u | (cp & 0x3Fu));
    return 4;
}

static void test_utf8_every_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFFu; cp++) {
        unsigned char s[4];
        const size_t n = encode_utf8(cp, s);
        const bool want = cp < 0xD800u || cp > 0xDFFFu;
        if (bl_utf8_valid((const char *)s, n) != want) {
            fail_msg("U+%04X", (unsigned)cp);
        }
        /* cut short, it is never valid */
        for (size_t k = 1; k < n; k++) {
            if (bl_utf8_valid((const char *)s, k)) {
                fail_msg("U+%04X truncated to %zu bytes accepted", (unsigned)cp, k);
            }
        }
    }
    /* just past the end of Unicode, encoded the same way */
    unsigned char s[4];
    assert_int_equal(encode_utf8(0x110000u, s), 4);
    assert_false(bl_utf8_valid((const char *)s, 4));
}

static void test_utf8_random_long(void **state)
{
    (void)state;
    uint64_t rng = 0xC0FFEEu;
    unsigned char s[12];
    for (int i = 0; i < 2000000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = rng;
        const size_t len = 4u + (size_t)(r % 9u);
        for (size_t k = 0; k < len; k++) {
            /* favour lead and continuation bytes so that valid strings occur */
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            r = rng >> 33;
            s[k] = (unsigned char)((r & 3u) == 0 ? 0xF0u + (r >> 2) % 8u : (r & 3u) == 1 ? (r >> 2) & 0x7Fu : 0x80u + (r >> 2) % 64u);
        }
        if (bl_utf8_valid((const char *)s, len) != ref_utf8_valid(s, len)) {
            fail_msg("disagreement with the reference at iteration %d", i);
        }
    }
}

/* ------------------------------------------------------------ round trip */

/* Reference JSON string decoder: the bytes between the quotes of @p q
 * (which must start and end with a quote) into @p out. Returns the decoded
 * length, or SIZE_MAX if @p q is not a valid JSON string. */
static size_t ref_json_decode(const char *q, size_t qlen, unsigned char *out)
{
    size_t o = 0;
    if (qlen < 2 || q[0] != '"' || q[qlen - 1] != '"') {
        return SIZE_MAX;
    }
    for (size_t i = 1; i + 1 < qlen; i++) {
        const unsigned char c = (unsigned char)q[i];
        if (c < 0x20u || c == '"') {
            return SIZE_MAX; /* must have been escaped */
        }
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (++i + 1 >= qlen) {
            return SIZE_MAX;
        }
        switch (q[i]) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            unsigned v = 0;
            if (i + 4 >= qlen - 1) {
                return SIZE_MAX;
            }
            for (int k = 1; k <= 4; k++) {
                const char h = q[i + (size_t)k];
                v <<= 4;
                if (h >= '0' && h <= '9') {
                    v |= (unsigned)(h - '0');
                } else if (h >= 'a' && h <= 'f') {
                    v |= (unsigned)(h - 'a' + 10);
                } else {
                    return SIZE_MAX; /* the writer promises lowercase */
                }
            }
            if (v >= 0x20u) {
                return SIZE_MAX; /* the writer only escapes control bytes */
            }
            out[o++] = (unsigned char)v;
            i += 4;
            break;
        }
        default:
            return SIZE_MAX;
        }
    }
    return o;
}

static void test_round_trip_random(void **state)
{
    (void)state;
    uint64_t rng = 77u;
    unsigned char in[64];
    unsigned char dec[64];
    char out[64 * 6 + 2];
    size_t checked = 0;
    for (int i = 0; i < 200000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        const size_t len = (size_t)(rng >> 58);
        size_t n = 0;
        while (n < len) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t cp = (uint32_t)(rng >> 40);
            switch (cp % 4u) {
            case 0: cp = (cp >> 2) % 0x40u; break;    /* controls, quotes, punctuation */
            case 1: cp = 0x20u + (cp >> 2) % 0x60u; break;
            case 2: cp = (cp >> 2) % 0x110000u; break;
            default: cp = '\\' ^ ((cp >> 2) & 0x22u); break; /* '\\', '^', '|', '~' */
            }
            if (cp >= 0xD800u && cp <= 0xDFFFu) {
                continue;
            }
            unsigned char enc[4];
            const size_t k = encode_utf8(cp, enc);
            if (n + k > sizeof in) {
                break;
            }
            memcpy(in + n, enc, k);
            n += k;
        }
        bl_buf_t b;
        bl_buf_init(&b, out, sizeof out);
        assert_int_equal(bl_json_put_str(&b, (const char *)in, n), BL_OK);
        assert_true(bl_buf_ok(&b));
        const size_t d = ref_json_decode(out, b.len, dec);
        if (d != n || memcmp(dec, in, n) != 0) {
            fail_msg("iteration %d: \"%.*s\" does not decode back", i, (int)b.len, out);
        }
        checked++;
    }
    assert_int_equal(checked, 200000);
}

/* ------------------------------------------------------------ helpers */

static void test_str_list_next(void **state)
{
    (void)state;
    static const char packed[] = "alpha\0\0b\0\xc3\xa9t\xc3\xa9";
    const char *p = packed;
    assert_string_equal(p, "alpha");
    p = bl_str_list_next(p);
    assert_ptr_equal(p, packed + 6);
    assert_string_equal(p, "");
    p = bl_str_list_next(p);
    assert_string_equal(p, "b");
    p = bl_str_list_next(p);
    assert_string_equal(p, "\xc3\xa9t\xc3\xa9");
    assert_null(bl_str_list_next(NULL));

    /* the documented loop */
    const bl_str_list_t list = {packed, 4, BL_PRESENT};
    const char *want[] = {"alpha", "", "b", "\xc3\xa9t\xc3\xa9"};
    const char *tag = list.first;
    for (size_t i = 0; i < list.count; i++, tag = bl_str_list_next(tag)) {
        assert_string_equal(tag, want[i]);
    }
}

static void test_str_eq(void **state)
{
    (void)state;
    const bl_str_t present = {"active", 6, BL_PRESENT};
    assert_true(bl_str_eq(&present, "active"));
    assert_false(bl_str_eq(&present, "Active"));
    assert_false(bl_str_eq(&present, "activ"));
    assert_false(bl_str_eq(&present, "actives"));
    assert_false(bl_str_eq(&present, ""));
    assert_false(bl_str_eq(&present, NULL));
    assert_false(bl_str_eq(NULL, "active"));

    const bl_str_t empty = {"", 0, BL_PRESENT};
    assert_true(bl_str_eq(&empty, ""));
    assert_false(bl_str_eq(&empty, "a"));

    const bl_str_t absent = {NULL, 0, BL_ABSENT};
    const bl_str_t null = {NULL, 0, BL_NULL};
    assert_false(bl_str_eq(&absent, ""));
    assert_false(bl_str_eq(&null, ""));
    assert_false(bl_str_eq(&null, "null"));
    /* presence decides, even if a stale pointer was left behind */
    const bl_str_t stale = {"null", 4, BL_NULL};
    assert_false(bl_str_eq(&stale, "null"));
    const bl_str_t no_ptr = {NULL, 0, BL_PRESENT};
    assert_false(bl_str_eq(&no_ptr, ""));

    /* the length counts, not a NUL further on */
    const bl_str_t prefix = {"activex", 6, BL_PRESENT};
    assert_true(bl_str_eq(&prefix, "active"));
    assert_false(bl_str_eq(&prefix, "activex"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_basic),
        cmocka_unit_test(test_buf_overflow_counts),
        cmocka_unit_test(test_buf_measure_only),
        cmocka_unit_test(test_buf_null_source_poisons),
        cmocka_unit_test(test_buf_len_saturates),
        cmocka_unit_test(test_put_u64),
        cmocka_unit_test(test_put_i64),
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_every_control_byte),
        cmocka_unit_test(test_null_string_arg),
        cmocka_unit_test(test_invalid_utf8_refused),
        cmocka_unit_test(test_valid_utf8_boundaries),
        cmocka_unit_test(test_utf8_exhaustive_short),
        cmocka_unit_test(test_utf8_every_code_point),
        cmocka_unit_test(test_utf8_random_long),
        cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_str_list_next),
        cmocka_unit_test(test_str_eq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
