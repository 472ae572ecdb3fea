/*
 * Unit tests for the JSON reader half of bl_json.h: bl_json_parse,
 * bl_json_unescape, bl_json_skip, bl_json_object_find and the typed getters.
 *
 * Every input is copied into a heap block of exactly its length (no NUL
 * after it) and every token array is exactly as large as the capacity
 * passed, so under -fsanitize=address a read or write one byte too far
 * fails the test. Escapes are checked against a reference UTF-8 encoder
 * written here, exhaustively over every code point.
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

/* ------------------------------------------------------------ harness */

/* A parsed document over exactly-sized heap copies of text and tokens. */
typedef struct parsed {
    char *text;
    size_t len;
    bl_json_token_t *tokens;
    size_t ntok;
    bl_json_doc_t doc;
} parsed_t;

static char *dup_exact(const char *s, size_t len)
{
    /* malloc(0) may return NULL, which the parser treats as a caller bug;
     * one spare byte changes nothing the parser may legally touch. */
    char *p = malloc(len == 0u ? 1u : len);
    assert_non_null(p);
    if (len > 0u) {
        memcpy(p, s, len);
    }
    return p;
}

static bl_status_t parse_len(parsed_t *p, const char *s, size_t len, size_t ntok)
{
    memset(p, 0, sizeof *p);
    p->text = dup_exact(s, len);
    p->len = len;
    p->ntok = ntok;
    p->tokens = malloc((ntok == 0u ? 1u : ntok) * sizeof *p->tokens);
    assert_non_null(p->tokens);
    return bl_json_parse(&p->doc, p->text, len, p->tokens, ntok);
}

static bl_status_t parse(parsed_t *p, const char *s)
{
    return parse_len(p, s, strlen(s), 256);
}

static void release(parsed_t *p)
{
    free(p->text);
    free(p->tokens);
    p->text = NULL;
    p->tokens = NULL;
}

/* Parse a body that must be valid and return it parsed. */
static void parse_ok(parsed_t *p, const char *s)
{
    bl_status_t st = parse(p, s);
    if (st != BL_OK) {
        fail_msg("parse of %s gave %s", s, bl_status_str(st));
    }
}

/* Status of parsing @p s (length given, may contain NUL) with plenty of tokens. */
static bl_status_t status_of_len(const char *s, size_t len)
{
    parsed_t p;
    bl_status_t st = parse_len(&p, s, len, 256);
    release(&p);
    return st;
}

static void expect_status(const char *s, bl_status_t want)
{
    bl_status_t got = status_of_len(s, strlen(s));
    if (got != want) {
        fail_msg("parse of '%s': got %s, want %s", s, bl_status_str(got), bl_status_str(want));
    }
}

/* Index of the value of top-level key @p key, or -1. */
static int find1(const parsed_t *p, int obj, const char *key)
{
    const char *keys[1] = {key};
    int at = -2;
    assert_int_equal(bl_json_object_find(&p->doc, obj, keys, 1, &at), BL_OK);
    return at;
}

/* Reference UTF-8 encoder, independent of the library's. */
static size_t ref_utf8(unsigned long cp, unsigned char *out)
{
    if (cp < 0x80u) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (unsigned char)(0xC0u + cp / 64u);
        out[1] = (unsigned char)(0x80u + cp % 64u);
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (unsigned char)(0xE0u + cp / 4096u);
        out[1] = (unsigned char)(0x80u + (cp / 64u) % 64u);
        out[2] = (unsigned char)(0x80u + cp % 64u);
        return 3;
    }
    out[0] = (unsigned char)(0xF0u + cp / 262144u);
    out[1] = (unsigned char)(0x80u + (cp / 4096u) % 64u);
    out[2] = (unsigned char)(0x80u + (cp / 64u) % 64u);
    out[3] = (unsigned char)(0x80u + cp % 64u);
    return 4;
}

static void put_hex4(char *out, unsigned long v, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (int i = 3; i >= 0; i--) {
        out[i] = digits[v & 0xFu];
        v >>= 4;
    }
}

/* Unescape exactly-sized @p s; return status, decoded bytes in @p out. */
static bl_status_t unescape_exact(const char *s, size_t len, char *out, size_t *out_len)
{
    char *buf = dup_exact(s, len);
    size_t n = 0;
    bl_status_t st = bl_json_unescape(buf, len, &n);
    if (st == BL_OK) {
        assert_true(n <= len);
        if (n < len) {
            assert_int_equal(buf[n], '\0'); /* documented: NUL after when shorter */
        }
        memcpy(out, buf, n);
        *out_len = n;
    }
    free(buf);
    return st;
}

/* ----------------------------------------------------------- escapes */

static void test_simple_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *want;
        size_t want_len;
    } cases[] = {
        {"{\"k\":\"\\\"\"}", "\"", 1},
        {"{\"k\":\"\\\\\"}", "\\", 1},
        {"{\"k\":\"\\/\"}", "/", 1},
        {"{\"k\":\"\\b\"}", "\b", 1},
        {"{\"k\":\"\\f\"}", "\f", 1},
        {"{\"k\":\"\\n\"}", "\n", 1},
        {"{\"k\":\"\\r\"}", "\r", 1},
        {"{\"k\":\"\\t\"}", "\t", 1},
        {"{\"k\":\"\\u0041\"}", "A", 1},
        {"{\"k\":\"\\u00e9\"}", "\xC3\xA9", 2},
        {"{\"k\":\"\\u00E9\"}", "\xC3\xA9", 2},
        {"{\"k\":\"\\u20AC\"}", "\xE2\x82\xAC", 3},
        {"{\"k\":\"\\uFFFF\"}", "\xEF\xBF\xBF", 3},
        {"{\"k\":\"\\ud83d\\ude00\"}", "\xF0\x9F\x98\x80", 4},
        {"{\"k\":\"\\uD83D\\uDE00\"}", "\xF0\x9F\x98\x80", 4},
        {"{\"k\":\"\\uDBFF\\uDFFF\"}", "\xF4\x8F\xBF\xBF", 4},
        {"{\"k\":\"\\uD800\\uDC00\"}", "\xF0\x90\x80\x80", 4},
        {"{\"k\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u0001j\"}", "a\"b\\c/d\be\ff\ng\rh\ti\x01j", 19},
        {"{\"k\":\"\\\\u0041\"}", "\\u0041", 6}, /* escaped backslash, then text */
        {"{\"k\":\"\"}", "", 0},
        {"{\"k\":\"plain\"}", "plain", 5},
        {"{\"k\":\"\x7F\xC3\xA9\xF4\x8F\xBF\xBF\"}", "\x7F\xC3\xA9\xF4\x8F\xBF\xBF", 7}, /* DEL and UTF-8 pass */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed_t p;
        parse_ok(&p, cases[i].json);
        bl_str_t s;
        assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "k"), &s), BL_OK);
        assert_int_equal(s.presence, BL_PRESENT);
        if (s.len != cases[i].want_len || memcmp(s.ptr, cases[i].want, s.len) != 0) {
            fail_msg("case %zu (%s): decoded %zu bytes", i, cases[i].json, s.len);
        }
        assert_int_equal(s.ptr[s.len], '\0');
        /* A view into the caller's buffer, not a copy. */
        assert_true(s.ptr > p.text && s.ptr + s.len < p.text + p.len);
        release(&p);
    }
}

/* Every BMP code point except the surrogates, as \uXXXX in both cases. */
static void test_every_bmp_escape(void **state)
{
    (void)state;
    for (unsigned long cp = 1; cp <= 0xFFFFu; cp++) {
        if (cp >= 0xD800u && cp <= 0xDFFFu) {
            continue;
        }
        for (int upper = 0; upper < 2; upper++) {
            char s[6] = {'\\', 'u'};
            put_hex4(s + 2, cp, upper);
            size_t n = 0;
            assert_int_equal(bl_json_unescape(s, sizeof s, &n), BL_OK);
            unsigned char want[4];
            size_t wn = ref_utf8(cp, want);
            if (n != wn || memcmp(s, want, wn) != 0) {
                fail_msg("U+%04lX decoded to %zu bytes", cp, n);
            }
            assert_int_equal(s[n], '\0');
        }
    }
}

/* Every supplementary code point, as a surrogate pair. */
static void test_every_surrogate_pair(void **state)
{
    (void)state;
    for (unsigned long cp = 0x10000u; cp <= 0x10FFFFu; cp++) {
        unsigned long v = cp - 0x10000u;
        char s[12] = {'\\', 'u', 0, 0, 0, 0, '\\', 'u'};
        put_hex4(s + 2, 0xD800u + (v >> 10), (int)(cp & 1u));
        put_hex4(s + 8, 0xDC00u + (v & 0x3FFu), (int)((cp >> 1) & 1u));
        size_t n = 0;
        assert_int_equal(bl_json_unescape(s, sizeof s, &n), BL_OK);
        unsigned char want[4];
        size_t wn = ref_utf8(cp, want);
        if (n != 4u || wn != 4u || memcmp(s, want, 4) != 0) {
            fail_msg("U+%06lX decoded to %zu bytes", cp, n);
        }
        assert_int_equal(s[4], '\0');
    }
}

static void test_lone_surrogates_refused(void **state)
{
    (void)state;
    char out[16];
    size_t n;
    for (unsigned long hi = 0xD800u; hi <= 0xDBFFu; hi++) {
        char s[12];
        /* alone at the end */
        s[0] = '\\';
        s[1] = 'u';
        put_hex4(s + 2, hi, 1);
        assert_int_equal(unescape_exact(s, 6, out, &n), BL_ERR_JSON);
        /* followed by plain text */
        memcpy(s + 6, "abcdef", 6);
        assert_int_equal(unescape_exact(s, 12, out, &n), BL_ERR_JSON);
        /* followed by another high surrogate */
        s[6] = '\\';
        s[7] = 'u';
        put_hex4(s + 8, hi, 0);
        assert_int_equal(unescape_exact(s, 12, out, &n), BL_ERR_JSON);
        /* followed by a non-surrogate escape */
        put_hex4(s + 8, 0x0041u, 0);
        assert_int_equal(unescape_exact(s, 12, out, &n), BL_ERR_JSON);
        /* followed by a simple escape */
        memcpy(s + 6, "\\nabcd", 6);
        assert_int_equal(unescape_exact(s, 12, out, &n), BL_ERR_JSON);
    }
    for (unsigned long lo = 0xDC00u; lo <= 0xDFFFu; lo++) {
        char s[12] = {'\\', 'u'};
        put_hex4(s + 2, lo, 0);
        assert_int_equal(unescape_exact(s, 6, out, &n), BL_ERR_JSON);
        /* a low then a high is still not a pair */
        s[6] = '\\';
        s[7] = 'u';
        put_hex4(s + 8, 0xD800u, 0);
        assert_int_equal(unescape_exact(s, 12, out, &n), BL_ERR_JSON);
    }
    /* Through the parser as well. */
    expect_status("{\"k\":\"\\uD83D\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\uDE00\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\uD83Dx\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\uD83D\\uD83D\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\uDE00\\uD83D\"}", BL_ERR_JSON);
    expect_status("{\"\\uD83D\":1}", BL_ERR_JSON); /* in a key too */
}

static void test_u0000_refused(void **state)
{
    (void)state;
    char out[16];
    size_t n;
    assert_int_equal(unescape_exact("\\u0000", 6, out, &n), BL_ERR_JSON);
    assert_int_equal(unescape_exact("ab\\u0000cd", 10, out, &n), BL_ERR_JSON);
    expect_status("{\"k\":\"\\u0000\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"a\\u0000\"}", BL_ERR_JSON);
    expect_status("{\"\\u0000\":1}", BL_ERR_JSON);
    /* U+0001 is fine: only NUL cannot live in a C string. */
    assert_int_equal(unescape_exact("\\u0001", 6, out, &n), BL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 1);
}

static void test_invalid_escapes_refused(void **state)
{
    (void)state;
    char out[8];
    size_t n;
    for (int c = 0; c < 256; c++) {
        char s[3] = {'\\', (char)c, 'x'};
        bl_status_t st = unescape_exact(s, 3, out, &n);
        bool valid = strchr("\"\\/bfnrt", c) != NULL && c != 0;
        if (c == 'u') {
            valid = false; /* "\ux" is not four hex digits */
        }
        if (valid != (st == BL_OK)) {
            fail_msg("escape \\x%02X: got %s", (unsigned)c, bl_status_str(st));
        }
        if (!valid) {
            assert_int_equal(st, BL_ERR_JSON);
        }
        /* and through the parser, where a byte may also end the string */
        if (c != '"' && c != '\\' && c >= 0x20 && c < 0x7F) {
            char json[16];
            int len = snprintf(json, sizeof json, "{\"k\":\"\\%c\"}", c);
            bl_status_t pst = status_of_len(json, (size_t)len);
            assert_int_equal(pst, valid ? BL_OK : BL_ERR_JSON);
        }
    }
    static const char *const bad_hex[] = {"\\uG000", "\\u0G00", "\\u00G0", "\\u000G", "\\u 123", "\\u-123",
                                          "\\u+123", "\\u12\"4", "\\uD83D\\uZE00", "\\uD83D\\uDE0g"};
    for (size_t i = 0; i < sizeof bad_hex / sizeof bad_hex[0]; i++) {
        assert_int_equal(unescape_exact(bad_hex[i], strlen(bad_hex[i]), out, &n), BL_ERR_JSON);
    }
    expect_status("{\"k\":\"\\x41\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\U0041\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\u00G1\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\'\"}", BL_ERR_JSON);
}

static void test_truncated_escapes_refused(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "\\",        "a\\",         "\\u",          "\\u0",           "\\u00",           "\\u004",
        "x\\u004",   "\\uD83D\\",   "\\uD83D\\u",   "\\uD83D\\uD",    "\\uD83D\\uDE",   "\\uD83D\\uDE0",
        "\\uD83D\\x", "\\uD83D\\n",
    };
    char out[16];
    size_t n;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_status_t st = unescape_exact(cases[i], strlen(cases[i]), out, &n);
        if (st != BL_ERR_JSON) {
            fail_msg("'%s': got %s", cases[i], bl_status_str(st));
        }
    }
    expect_status("{\"k\":\"\\u12\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\u\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\uD83D\\u12\"}", BL_ERR_JSON);
    expect_status("{\"k\":\"\\", BL_ERR_JSON);
    expect_status("{\"k\":\"\\u00", BL_ERR_JSON);
}

static void test_control_bytes_refused(void **state)
{
    (void)state;
    char out[8];
    size_t n;
    for (int c = 0; c < 0x20; c++) {
        char s[3] = {'a', (char)c, 'b'};
        assert_int_equal(unescape_exact(s, 3, out, &n), BL_ERR_JSON);
        /* after an escape, when the copying loop is running */
        char e[4] = {'\\', 'n', (char)c, 'b'};
        assert_int_equal(unescape_exact(e, 4, out, &n), BL_ERR_JSON);
        if (c != 0) {
            char json[16];
            int len = snprintf(json, sizeof json, "{\"k\":\"a%cb\"}", c);
            assert_int_equal(status_of_len(json, (size_t)len), BL_ERR_JSON);
            len = snprintf(json, sizeof json, "{\"a%c\":1}", c);
            assert_int_equal(status_of_len(json, (size_t)len), BL_ERR_JSON);
        }
    }
    /* 0x7F is not a control byte for JSON; UTF-8 passes (bad UTF-8: below) */
    assert_int_equal(unescape_exact("a\x7F\xC2\x80", 4, out, &n), BL_OK);
    assert_int_equal(n, 4);
}

/* An independent UTF-8 decoder (RFC 3629, by code point): the length of the
 * valid sequence at p[0..n), or 0. */
static size_t ref_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned long cp;
    size_t need;
    if (p[0] < 0x80u) {
        return 1;
    } else if ((p[0] & 0xE0u) == 0xC0u) {
        cp = p[0] & 0x1Fu;
        need = 2;
    } else if ((p[0] & 0xF0u) == 0xE0u) {
        cp = p[0] & 0x0Fu;
        need = 3;
    } else if ((p[0] & 0xF8u) == 0xF0u) {
        cp = p[0] & 0x07u;
        need = 4;
    } else {
        return 0;
    }
    if (n < need) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    static const unsigned long min_cp[5] = {0, 0, 0x80u, 0x800u, 0x10000u};
    if (cp < min_cp[need] || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
        return 0;
    }
    return need;
}

static bool ref_utf8_ok(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = ref_utf8_seq(p + i, n - i);
        if (k == 0u) {
            return false;
        }
        i += k;
    }
    return true;
}

/* Unescape @p s[0..len) placed after @p pre filler bytes (to land on the
 * word-at-a-time scan or the byte loop) and, when @p escaped, after an
 * escape (the copying loop); the status, and the bytes on success. */
static bl_status_t unescape_at(const unsigned char *s, size_t len, size_t pre, bool escaped)
{
    char in[64];
    char out[64];
    size_t k = 0;
    if (escaped) {
        in[k++] = '\\';
        in[k++] = 'n';
    }
    for (size_t i = 0; i < pre; i++) {
        in[k++] = 'a';
    }
    memcpy(in + k, s, len);
    size_t n = 0;
    bl_status_t st = unescape_exact(in, k + len, out, &n);
    if (st == BL_OK) {
        assert_int_equal(n, k + len - (escaped ? 1u : 0u));
        assert_memory_equal(out + n - len, s, len);
    }
    return st;
}

/* Raw bytes in strings must be UTF-8 (RFC 8259 8.1): overlongs, truncated
 * sequences, lone continuation bytes, encoded surrogates and code points
 * above U+10FFFF are refused, in keys and values, in every scan path. */
static void test_utf8_checked(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        bool ok;
    } cases[] = {
        {"\xC2\x80", true},          {"\xDF\xBF", true},          {"\xE0\xA0\x80", true},
        {"\xED\x9F\xBF", true},      {"\xEE\x80\x80", true},      {"\xEF\xBF\xBF", true},
        {"\xF0\x90\x80\x80", true},  {"\xF4\x8F\xBF\xBF", true},  {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", true},
        {"\xC0\x80", false},         {"\xC1\xBF", false},         {"\xE0\x80\x80", false},
        {"\xE0\x9F\xBF", false},     {"\xF0\x80\x80\x80", false}, {"\xF0\x8F\xBF\xBF", false},
        {"\xC3", false},             {"\xE2\x82", false},         {"\xF0\x9F\x98", false},
        {"\x80", false},             {"\xBF", false},             {"\xC3\xA9\xA9", false},
        {"\xED\xA0\x80", false},     {"\xED\xBF\xBF", false},     {"\xED\xA0\xBD\xED\xB8\x80", false},
        {"\xF4\x90\x80\x80", false}, {"\xF5\x80\x80\x80", false}, {"\xF8\x88\x80\x80\x80", false},
        {"\xFE", false},             {"\xFF", false},             {"caf\xE9", false},
        {"\xC3" "a", false},          {"\xE2\x82" "a", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const unsigned char *b = (const unsigned char *)cases[i].bytes;
        size_t len = strlen(cases[i].bytes);
        assert_int_equal(ref_utf8_ok(b, len), cases[i].ok);
        bl_status_t want = cases[i].ok ? BL_OK : BL_ERR_JSON;
        for (size_t pre = 0; pre < 18; pre++) {
            for (int esc = 0; esc < 2; esc++) {
                if (unescape_at(b, len, pre, esc != 0) != want) {
                    fail_msg("case %zu, %zu bytes before, escape %d: want %s", i, pre, esc, bl_status_str(want));
                }
            }
        }
        /* Cut short by an escape right after it: a sequence cannot span one. */
        char cut[32];
        snprintf(cut, sizeof cut, "%s\\n", cases[i].bytes);
        char out[32];
        size_t n;
        assert_int_equal(unescape_exact(cut, strlen(cut), out, &n), want);
        /* Whole documents: as a value and as a key. */
        char json[64];
        snprintf(json, sizeof json, "{\"k\":\"%s\"}", cases[i].bytes);
        expect_status(json, want);
        snprintf(json, sizeof json, "{\"a\":1,\"%s\":2}", cases[i].bytes);
        expect_status(json, want);
    }
    /* Every one-, two- and three-byte string of bytes >= 0x80 (and a few
     * ASCII neighbours) agrees with the reference decoder. */
    unsigned long checked = 0;
    for (unsigned a = 0x7Fu; a < 0x100u; a++) {
        for (unsigned b = 0x7Fu; b < 0x100u; b++) {
            for (unsigned c = 0x7Fu; c < 0x100u; c += (a >= 0xE0u ? 1u : 0x20u)) {
                unsigned char s[3] = {(unsigned char)a, (unsigned char)b, (unsigned char)c};
                for (size_t len = 1; len <= 3; len++) {
                    bool want = ref_utf8_ok(s, len);
                    char buf[3];
                    memcpy(buf, s, len);
                    size_t n = 0;
                    bl_status_t st = bl_json_unescape(buf, len, &n);
                    if ((st == BL_OK) != want) {
                        fail_msg("%02X %02X %02X (%zu bytes): %s", a, b, c, len, bl_status_str(st));
                    }
                    checked++;
                }
            }
        }
    }
    printf("UTF-8: %lu byte strings agree with the reference decoder\n", checked);
    /* Four-byte sequences: every lead byte F0-F4 with every second byte. */
    for (unsigned a = 0xF0u; a <= 0xF7u; a++) {
        for (unsigned b = 0x70u; b < 0x100u; b++) {
            unsigned char s[4] = {(unsigned char)a, (unsigned char)b, 0x80u, 0xBFu};
            char buf[4];
            memcpy(buf, s, 4);
            size_t n = 0;
            assert_int_equal(bl_json_unescape(buf, 4, &n) == BL_OK, ref_utf8_ok(s, 4));
        }
    }
}

static void test_unescape_in_place(void **state)
{
    (void)state;
    /* Shorter: a NUL lands right after the decoded text. */
    char a[] = {'a', '\\', 'n', 'b', '\\', 'u', '0', '0', 'e', '9'};
    size_t n = 0;
    assert_int_equal(bl_json_unescape(a, sizeof a, &n), BL_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(a, "a\nb\xC3\xA9\0", 6);
    /* Same length: nothing is written past len (exact stack array). */
    char b[] = {'p', 'l', 'a', 'i', 'n'};
    assert_int_equal(bl_json_unescape(b, sizeof b, &n), BL_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(b, "plain", 5);
    /* Empty. */
    char *e = dup_exact("", 0);
    assert_int_equal(bl_json_unescape(e, 0, &n), BL_OK);
    assert_int_equal(n, 0);
    free(e);

    /* The parser NUL-terminates every string, keys included, in place. */
    parsed_t p;
    parse_ok(&p, "{\"k\\u0031\":\"v\\/1\",\"n\":[\"x\",\"\"],\"o\":{\"p\":\"q\"}}");
    for (int i = 0; i < p.doc.count; i++) {
        const bl_json_token_t *t = &p.doc.tokens[i];
        if (t->type == BL_JSON_STRING) {
            assert_non_null(memchr(p.text + t->start, '\0', (size_t)(t->end - t->start) + 1u));
        }
    }
    assert_ptr_equal(p.doc.text, p.text);
    assert_int_equal(p.doc.len, p.len);
    assert_ptr_equal(p.doc.tokens, p.tokens);
    assert_string_equal(p.text + p.doc.tokens[1].start, "k1");
    assert_string_equal(p.text + p.doc.tokens[2].start, "v/1");
    release(&p);
}

/* ------------------------------------------------------------ grammar */

static void test_primitives(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "tru",  "nul",  "fals", "truex", "nulll", "falsey", "True", "NULL", "01",  "00",  "-01", "1.",
        "-",    "+1",   ".5",   "1e",    "1e+",   "1E-",    "--1",  "0x10", "NaN", "-.5", "1.e5", "1.5e",
        "Infinity", "-Infinity", "1_000", "t", "n", "f", "undefined",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[64];
        int len = snprintf(json, sizeof json, "{\"a\":%s}", bad[i]);
        bl_status_t st = status_of_len(json, (size_t)len);
        if (st != BL_ERR_JSON) {
            fail_msg("%s: got %s, want BL_ERR_JSON", json, bl_status_str(st));
        }
        len = snprintf(json, sizeof json, "{\"a\":[%s]}", bad[i]);
        st = status_of_len(json, (size_t)len);
        if (st != BL_ERR_JSON) {
            fail_msg("%s: got %s, want BL_ERR_JSON", json, bl_status_str(st));
        }
    }
    static const char *const good[] = {
        "true", "false", "null", "0", "-0", "1", "-1", "10", "1.5", "-0.5", "0.0", "1e5",
        "1E5",  "1e+5",  "1e-5", "-1.25e-3", "123456789012345678901234567890",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char json[64];
        int len = snprintf(json, sizeof json, "{\"a\":%s }", good[i]);
        bl_status_t st = status_of_len(json, (size_t)len);
        if (st != BL_OK) {
            fail_msg("%s: got %s, want BL_OK", json, bl_status_str(st));
        }
    }
}

static void test_trailing_garbage_and_nul(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"a\":1}x", "{\"a\":1} 1", "{\"a\":1}{}", "{\"a\":1}]", "{\"a\":1}}", "{\"a\":1},", "{\"a\":1}\"s\"",
        "{\"a\":1}[", "{\"a\":1} true", "{\"a\":1}//",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_status(bad[i], BL_ERR_JSON);
    }
    /* NUL bytes: jsmn stops at them, banklink must not. */
    static const struct {
        const char *s;
        size_t len;
    } nul[] = {
        {"{\"a\":1}\0", 8},         {"{\"a\":1}\0{}", 10},       {"{\"a\":1} \0 ", 10},
        {"{\"a\":\"x\0y\"}", 11},   {"{\"a\":1\0}", 8},          {"{\"a\"\0:1}", 8},
        {"\0{\"a\":1}", 8},         {"{\"a\":[1,\0 2]}", 13},    {"{\"a\":1}\0\0\0\0", 11},
    };
    for (size_t i = 0; i < sizeof nul / sizeof nul[0]; i++) {
        bl_status_t st = status_of_len(nul[i].s, nul[i].len);
        if (st != BL_ERR_JSON) {
            fail_msg("NUL case %zu: got %s", i, bl_status_str(st));
        }
    }
    /* White space around the object is fine. */
    expect_status(" \t\r\n{\"a\":1} \t\r\n", BL_OK);
    expect_status("{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }", BL_OK);
}

static void test_unterminated(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " ", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":\"x", "{\"a\":\"x\"", "{\"a\":[1,2",
        "{\"a\":{\"b\":1}", "{\"a", "}", "]", "{]", "{\"a\":[}", "{\"a\":{]}", "{\"a\":tr", "{\"a\":1.",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_status(bad[i], BL_ERR_JSON);
    }
}

static void test_top_level_not_object(void **state)
{
    (void)state;
    static const char *const cases[] = {"[1]", "[]", "\"s\"", "1 ", "true ", "null\n", "[{\"a\":1}]", " [ ] "};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_status(cases[i], BL_ERR_DECODE);
    }
    expect_status("{}", BL_OK);
}

/* JSON texts that are valid but not objects, without trailing space: jsmn
 * wants a delimiter after a top-level primitive, yet they are not malformed
 * JSON, so the wrong type (BL_ERR_DECODE), not BL_ERR_JSON. */
static void test_top_level_bare_primitive(void **state)
{
    (void)state;
    expect_status("1", BL_ERR_DECODE);
    expect_status("true", BL_ERR_DECODE);
    expect_status("null", BL_ERR_DECODE);
}

/* Malformed structure jsmn lets through even in strict mode: missing or
 * doubled colons and commas, keys without values ({"a":,"b":1} used to
 * decode a as "b"). bl_json_parse documents BL_ERR_JSON for malformed JSON. */
static void test_structure_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"a\":1,}",   "{\"a\" \"b\"}", "{\"a\":}",      "{\"a\":,\"b\":1}", "{\"a\":1 \"b\":2}", "{\"a\":1:2}",
        "{,\"a\":1}",   "{\"a\":[1,]}",  "{\"a\":[1 2]}", "{\"a\"::1}",       "{\"a\"}",           "{\"a\":[,1]}",
        "{\"a\":1,,\"b\":2}",
    };
    size_t accepted = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl_status_t st = status_of_len(bad[i], strlen(bad[i]));
        if (st != BL_ERR_JSON) {
            print_message("accepted malformed JSON %s -> %s\n", bad[i], bl_status_str(st));
            accepted++;
        }
    }
    /* Show what the worst of them decodes to. */
    parsed_t p;
    if (parse(&p, "{\"a\":,\"b\":1}") == BL_OK) {
        bl_str_t a;
        if (bl_json_get_str(&p.doc, find1(&p, 0, "a"), &a) == BL_OK && a.presence == BL_PRESENT) {
            print_message("{\"a\":,\"b\":1} decodes a = \"%s\", b at %d\n", a.ptr, find1(&p, 0, "b"));
        }
    }
    release(&p);
    assert_int_equal(accepted, 0);
}

/* Tricky but valid: brackets and quotes inside strings, empty containers,
 * white space everywhere. */
static void test_structure_valid_tricky(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{\"a\":\"}]\\\"{[,:\"}",
        "{\"}\":{\"]\":[\"[\",\"{\"]}}",
        "{\"a\":[[],{},[{}],[[[]]],{\"b\":{}}]}",
        "{\n\t\"a\"\r\n:\t[ 1 ,\n2 ] ,\"b\" : { } }",
        "{\"a\":-0.0e-0,\"b\":[true,false,null],\"c\":\"\\\\\"}",
        "{\"\":\"\",\" \":\" \"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        expect_status(ok[i], BL_OK);
    }
}

/* ----------------------------------------------------- differential check */

/* An independent RFC 8259 validator with banklink's string rules (no
 * \u0000, no lone surrogates), to compare acceptance on generated input. */
typedef struct ref {
    const char *s;
    size_t n;
    size_t i;
} ref_t;

static void ref_ws(ref_t *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r')) {
        r->i++;
    }
}

static long ref_hex4(const ref_t *r, size_t at)
{
    if (at + 4u > r->n) {
        return -1;
    }
    long v = 0;
    for (size_t k = at; k < at + 4u; k++) {
        char c = r->s[k];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

static bool ref_string(ref_t *r)
{
    if (r->i >= r->n || r->s[r->i] != '"') {
        return false;
    }
    r->i++;
    while (r->i < r->n) {
        unsigned char c = (unsigned char)r->s[r->i++];
        if (c == '"') {
            return true;
        }
        if (c < 0x20u) {
            return false;
        }
        if (c != '\\') {
            continue;
        }
        if (r->i >= r->n) {
            return false;
        }
        char e = r->s[r->i++];
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
            continue;
        }
        if (e != 'u') {
            return false;
        }
        long cp = ref_hex4(r, r->i);
        if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
            return false;
        }
        r->i += 4u;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (r->i + 2u > r->n || r->s[r->i] != '\\' || r->s[r->i + 1u] != 'u') {
                return false;
            }
            long lo = ref_hex4(r, r->i + 2u);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                return false;
            }
            r->i += 6u;
        }
    }
    return false;
}

static bool ref_digits(ref_t *r)
{
    size_t start = r->i;
    while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
        r->i++;
    }
    return r->i > start;
}

static bool ref_value(ref_t *r);

static bool ref_container(ref_t *r, char close, bool object)
{
    r->i++;
    ref_ws(r);
    if (r->i < r->n && r->s[r->i] == close) {
        r->i++;
        return true;
    }
    for (;;) {
        ref_ws(r);
        if (object) {
            if (!ref_string(r)) {
                return false;
            }
            ref_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':') {
                return false;
            }
            r->i++;
        }
        if (!ref_value(r)) {
            return false;
        }
        ref_ws(r);
        if (r->i >= r->n) {
            return false;
        }
        if (r->s[r->i] == close) {
            r->i++;
            return true;
        }
        if (r->s[r->i] != ',') {
            return false;
        }
        r->i++;
    }
}

static bool ref_value(ref_t *r)
{
    ref_ws(r);
    if (r->i >= r->n) {
        return false;
    }
    char c = r->s[r->i];
    if (c == '{') {
        return ref_container(r, '}', true);
    }
    if (c == '[') {
        return ref_container(r, ']', false);
    }
    if (c == '"') {
        return ref_string(r);
    }
    static const char *const lits[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        size_t l = strlen(lits[k]);
        if (r->n - r->i >= l && memcmp(r->s + r->i, lits[k], l) == 0) {
            r->i += l;
            return true;
        }
    }
    if (c == '-') {
        r->i++;
    }
    if (r->i < r->n && r->s[r->i] == '0') {
        r->i++;
    } else if (!ref_digits(r)) {
        return false;
    }
    if (r->i < r->n && r->s[r->i] == '.') {
        r->i++;
        if (!ref_digits(r)) {
            return false;
        }
    }
    if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
        r->i++;
        if (r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-')) {
            r->i++;
        }
        if (!ref_digits(r)) {
            return false;
        }
    }
    return true;
}

/* 0: invalid; 1: valid object; 2: valid, not an object. */
static int ref_classify(const char *s, size_t n)
{
    ref_t r = {s, n, 0};
    ref_ws(&r);
    bool object = r.i < n && s[r.i] == '{';
    if (!ref_value(&r)) {
        return 0;
    }
    ref_ws(&r);
    if (r.i != n) {
        return 0;
    }
    return object ? 1 : 2;
}

static uint32_t rng_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* A random valid value, depth-limited, written at out[*k]. */
static void gen_value(uint32_t *rng, char *out, size_t *k, size_t cap, int depth)
{
    static const char *const atoms[] = {"0", "-1", "12.5e-3", "true", "false", "null", "\"\"", "\"a\"",
                                        "\"\\u00e9\"", "\"\\\"x\"", "\"\\ud83d\\ude00\"", "\"]}\"", "1E+2"};
    uint32_t pick = rng_next(rng) % (depth > 3 ? 1u : 4u);
    if (*k + 40u >= cap) {
        pick = 0;
    }
    if (pick == 0) {
        const char *a = atoms[rng_next(rng) % (sizeof atoms / sizeof atoms[0])];
        size_t l = strlen(a);
        memcpy(out + *k, a, l);
        *k += l;
        return;
    }
    bool object = pick == 1;
    out[(*k)++] = object ? '{' : '[';
    uint32_t members = rng_next(rng) % 4u;
    for (uint32_t m = 0; m < members && *k + 60u < cap; m++) {
        if (m > 0) {
            out[(*k)++] = ',';
        }
        if (rng_next(rng) % 4u == 0) {
            out[(*k)++] = ' ';
        }
        if (object) {
            int kl = snprintf(out + *k, cap - *k, "\"k%u\":", (unsigned)(rng_next(rng) % 10u));
            *k += (size_t)kl;
        }
        gen_value(rng, out, k, cap, depth + 1);
    }
    out[(*k)++] = object ? '}' : ']';
}

/* Valid documents, mutated by a few byte edits, and short random strings
 * over the grammar's alphabet: banklink accepts exactly what the reference
 * accepts, and names the rest BL_ERR_JSON (BL_ERR_DECODE when it does not
 * start like an object). */
static void test_differential_grammar(void **state)
{
    (void)state;
    static const char alphabet[] = "{}[]\":, \n01-.eE+tfnrulas\\/bu0DC8A";
    uint32_t rng = 0x2545F491u;
    char doc[512];
    size_t counts[3] = {0, 0, 0};
    for (int iter = 0; iter < 200000; iter++) {
        size_t k = 0;
        if (iter % 4 == 3) {
            size_t n = 1u + rng_next(&rng) % 16u;
            for (size_t i = 0; i < n; i++) {
                doc[k++] = alphabet[rng_next(&rng) % (sizeof alphabet - 1u)];
            }
            if (rng_next(&rng) % 2u) {
                doc[0] = '{';
            }
        } else {
            doc[k++] = '{';
            int kl = snprintf(doc + k, sizeof doc - k, "\"root\":");
            k += (size_t)kl;
            gen_value(&rng, doc, &k, sizeof doc - 8u, 0);
            doc[k++] = '}';
            uint32_t edits = rng_next(&rng) % 4u;
            for (uint32_t e = 0; e < edits && k > 1u && k + 2u < sizeof doc; e++) {
                size_t at = rng_next(&rng) % k;
                char c = alphabet[rng_next(&rng) % (sizeof alphabet - 1u)];
                switch (rng_next(&rng) % 3u) {
                case 0: /* replace */
                    doc[at] = c;
                    break;
                case 1: /* insert */
                    memmove(doc + at + 1, doc + at, k - at);
                    doc[at] = c;
                    k++;
                    break;
                default: /* delete */
                    memmove(doc + at, doc + at + 1, k - at - 1u);
                    k--;
                    break;
                }
            }
        }
        int want = ref_classify(doc, k);
        counts[want]++;
        parsed_t p;
        bl_status_t got = parse_len(&p, doc, k, k + 2u);
        release(&p);
        bool agree;
        if (want == 1) {
            agree = got == BL_OK;
        } else if (want == 2) {
            agree = got == BL_ERR_DECODE;
        } else {
            size_t f = 0;
            while (f < k && (doc[f] == ' ' || doc[f] == '\n')) {
                f++;
            }
            agree = got == BL_ERR_JSON || (got == BL_ERR_DECODE && f < k && doc[f] != '{');
        }
        if (!agree) {
            fail_msg("'%.*s' (%zu bytes): reference %s, banklink %s", (int)k, doc, k,
                     want == 1 ? "valid object" : want == 2 ? "valid non-object" : "invalid", bl_status_str(got));
        }
    }
    print_message("differential: %zu invalid, %zu objects, %zu other values\n", counts[0], counts[1], counts[2]);
    assert_true(counts[0] > 10000u && counts[1] > 10000u);
}

/* ------------------------------------------------------------ tokens */

static void test_token_budget_every_size(void **state)
{
    (void)state;
    static const char body[] = "{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null,\"e\":{\"f\":{\"g\":[[]]}}}";
    /* obj a arr 1 2 obj b c d null e obj f obj g arr arr = 17 */
    const size_t needed = 17;
    for (size_t n = 0; n < needed; n++) {
        parsed_t p;
        bl_status_t st = parse_len(&p, body, strlen(body), n);
        if (st != BL_ERR_JSON_TOKENS) {
            fail_msg("%zu tokens: got %s", n, bl_status_str(st));
        }
        release(&p);
    }
    for (size_t n = needed; n < needed + 3u; n++) {
        parsed_t p;
        assert_int_equal(parse_len(&p, body, strlen(body), n), BL_OK);
        assert_int_equal(p.doc.count, (int)needed);
        bl_str_t s;
        assert_int_equal(bl_json_get_str(&p.doc, find1(&p, find1(&p, 0, "a") + 3, "b"), &s), BL_OK);
        assert_string_equal(s.ptr, "c");
        release(&p);
    }
}

/* Caller mistakes and absurd lengths are refused before the text is read. */
static void test_parse_bad_arguments(void **state)
{
    (void)state;
    char text[] = {'{', '}'};
    bl_json_token_t tok[4];
    bl_json_doc_t doc;
    assert_int_not_equal(bl_json_parse(NULL, text, 2, tok, 4), BL_OK);
    assert_int_not_equal(bl_json_parse(&doc, NULL, 2, tok, 4), BL_OK);
    assert_int_not_equal(bl_json_parse(&doc, text, 2, NULL, 4), BL_OK);
    assert_int_equal(bl_json_parse(&doc, text, 2, tok, 0), BL_ERR_JSON_TOKENS);
    /* Offsets are ints: a body beyond INT_MAX / 2 is refused up front
     * (the 2-byte array shows nothing past the length check is read). */
    assert_int_equal(bl_json_parse(&doc, text, (size_t)INT32_MAX, tok, 4), BL_ERR_JSON);
    assert_int_equal(bl_json_parse(&doc, text, 2, tok, 4), BL_OK);
    assert_int_equal(doc.count, 1);
}

/* Nesting deeper than the token budget ends cleanly (no recursion, no
 * overrun); with the budget it parses. */
static void test_deep_nesting(void **state)
{
    (void)state;
    const size_t depth = 4000;
    size_t len = 6u + 2u * depth;
    char *s = malloc(len);
    assert_non_null(s);
    memcpy(s, "{\"a\":", 5);
    memset(s + 5, '[', depth);
    memset(s + 5 + depth, ']', depth);
    s[len - 1u] = '}';
    parsed_t p;
    assert_int_equal(parse_len(&p, s, len, 64), BL_ERR_JSON_TOKENS);
    release(&p);
    assert_int_equal(parse_len(&p, s, len, depth + 1u), BL_ERR_JSON_TOKENS);
    release(&p);
    assert_int_equal(parse_len(&p, s, len, depth + 2u), BL_OK);
    assert_int_equal(p.doc.count, (int)depth + 2);
    assert_int_equal(bl_json_skip(&p.doc, 2), (int)depth + 2);
    assert_int_equal(find1(&p, 0, "a"), 2);
    assert_int_equal(find1(&p, 0, "b"), -1);
    release(&p);
    /* Deep objects too. */
    char *o = malloc(8u * depth);
    assert_non_null(o);
    size_t k = 0;
    for (size_t i = 0; i < depth; i++) {
        memcpy(o + k, "{\"a\":", 5);
        k += 5;
    }
    o[k++] = '1';
    memset(o + k, '}', depth);
    k += depth;
    assert_int_equal(parse_len(&p, o, k, 100), BL_ERR_JSON_TOKENS);
    release(&p);
    free(o);
    free(s);
}

static void test_skip_matches_parent_links(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"a\":[1,[2,[3,{}]],{\"b\":{\"c\":[]}}],\"\":\"\",\"d\":{\"e\":null,\"f\":[\"g\",\"h\"]},\"z\":0}");
    const bl_json_token_t *t = p.doc.tokens;
    int values = 0;
    for (int i = 0; i < p.doc.count; i++) {
        if (t[i].parent >= 0 && t[t[i].parent].type == BL_JSON_OBJECT) {
            continue; /* a key, not a value */
        }
        values++;
        /* Reference: first later token that is not a descendant of i. */
        int j = i + 1;
        for (; j < p.doc.count; j++) {
            int a = t[j].parent;
            while (a != -1 && a != i) {
                a = t[a].parent;
            }
            if (a != i) {
                break;
            }
        }
        if (bl_json_skip(&p.doc, i) != j) {
            fail_msg("skip(%d) = %d, want %d", i, bl_json_skip(&p.doc, i), j);
        }
    }
    assert_int_equal(values, 18);
    release(&p);
}

/* -------------------------------------------------------- object_find */

static void test_find_any_order_any_depth(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"x1\":{\"id\":\"inner\",\"deep\":[{\"id\":\"deeper\"}]},\"name\":\"n\",\"x2\":[\"id\",{\"name\":1}],"
                 "\"id\":\"outer\",\"x3\":null,\"flag\":true,\"x4\":{},\"x5\":[],\"num\":-7}");
    static const char *const keys[] = {"num", "flag", "missing", "id", "name", ""};
    int at[6];
    assert_int_equal(bl_json_object_find(&p.doc, 0, keys, 6, at), BL_OK);
    bl_str_t s;
    assert_int_equal(bl_json_get_str(&p.doc, at[3], &s), BL_OK);
    assert_string_equal(s.ptr, "outer");
    assert_int_equal(bl_json_get_str(&p.doc, at[4], &s), BL_OK);
    assert_string_equal(s.ptr, "n");
    assert_int_equal(at[2], -1);
    assert_int_equal(at[5], -1);
    bl_opt_bool_t b;
    assert_int_equal(bl_json_get_bool(&p.doc, at[1], &b), BL_OK);
    assert_true(b.value);
    int64_t v;
    bl_presence_t pr;
    assert_int_equal(bl_json_get_int(&p.doc, at[0], INT64_MIN, INT64_MAX, &v, &pr), BL_OK);
    assert_int_equal(v, -7);
    /* Nested lookups. */
    int x1 = find1(&p, 0, "x1");
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, x1, "id"), &s), BL_OK);
    assert_string_equal(s.ptr, "inner");
    int deep = find1(&p, x1, "deep");
    assert_int_equal(p.doc.tokens[deep].type, BL_JSON_ARRAY);
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, deep + 1, "id"), &s), BL_OK);
    assert_string_equal(s.ptr, "deeper");
    assert_int_equal(find1(&p, find1(&p, 0, "x4"), "id"), -1);
    release(&p);

    /* Every permutation of three keys in the document finds the same values. */
    static const char *const perms[6][3] = {{"a", "b", "c"}, {"a", "c", "b"}, {"b", "a", "c"},
                                            {"b", "c", "a"}, {"c", "a", "b"}, {"c", "b", "a"}};
    for (int i = 0; i < 6; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"%s\":{\"u\":[\"%s\"]},\"%s\":\"v%s\",\"%s\":\"v%s\",\"zz\":[{\"a\":0}]}",
                 perms[i][0], perms[i][0], perms[i][1], perms[i][1], perms[i][2], perms[i][2]);
        parse_ok(&p, json);
        static const char *const want[] = {"c", "b"};
        for (int k = 0; k < 2; k++) {
            int at1 = find1(&p, 0, want[k]);
            if (p.doc.tokens[at1].type == BL_JSON_STRING) {
                assert_int_equal(bl_json_get_str(&p.doc, at1, &s), BL_OK);
                assert_int_equal(s.ptr[0], 'v');
                assert_string_equal(s.ptr + 1, want[k]);
            }
        }
        assert_int_equal(p.doc.tokens[find1(&p, 0, perms[i][0])].type, BL_JSON_OBJECT);
        release(&p);
    }
}

static void test_find_duplicates_and_escaped_keys(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"a\":1,\"b\":{\"a\":9},\"a\":{\"x\":[1]},\"a\":\"last\"}");
    bl_str_t s;
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "a"), &s), BL_OK);
    assert_string_equal(s.ptr, "last");
    release(&p);

    parse_ok(&p, "{\"\\u0061\\u0062\":\"escaped key\",\"a\\\"b\":2,\"\\ud83d\\ude00\":3}");
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "ab"), &s), BL_OK);
    assert_string_equal(s.ptr, "escaped key");
    int64_t v;
    bl_presence_t pr;
    assert_int_equal(bl_json_get_int(&p.doc, find1(&p, 0, "a\"b"), 0, 10, &v, &pr), BL_OK);
    assert_int_equal(v, 2);
    assert_int_equal(bl_json_get_int(&p.doc, find1(&p, 0, "\xF0\x9F\x98\x80"), 0, 10, &v, &pr), BL_OK);
    assert_int_equal(v, 3);
    /* A key is matched whole, not by prefix. */
    assert_int_equal(find1(&p, 0, "a"), -1);
    assert_int_equal(find1(&p, 0, "abc"), -1);
    release(&p);

    /* Empty object; empty key. */
    parse_ok(&p, "{}");
    assert_int_equal(find1(&p, 0, "a"), -1);
    release(&p);
    parse_ok(&p, "{\"\":5}");
    assert_int_equal(find1(&p, 0, ""), 2);
    release(&p);
}

static void test_find_not_an_object(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"arr\":[1],\"s\":\"x\",\"n\":null,\"i\":1}");
    static const char *const keys[] = {"a", "b"};
    int at[2];
    static const char *const names[] = {"arr", "s", "n", "i"};
    for (size_t i = 0; i < 4; i++) {
        at[0] = at[1] = 77;
        assert_int_equal(bl_json_object_find(&p.doc, find1(&p, 0, names[i]), keys, 2, at), BL_ERR_DECODE);
        assert_int_equal(at[0], -1);
        assert_int_equal(at[1], -1);
    }
    assert_int_equal(bl_json_object_find(&p.doc, -1, keys, 2, at), BL_ERR_DECODE);
    assert_int_equal(bl_json_object_find(&p.doc, p.doc.count, keys, 2, at), BL_ERR_DECODE);
    release(&p);
}

/* ------------------------------------------------------------ getters */

static void test_get_str(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"s\":\"hello\",\"e\":\"\",\"n\":null,\"i\":1,\"b\":true,\"o\":{},\"a\":[\"x\"],\"f\":false}");
    bl_str_t s;
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "s"), &s), BL_OK);
    assert_int_equal(s.presence, BL_PRESENT);
    assert_int_equal(s.len, 5);
    assert_string_equal(s.ptr, "hello");
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "e"), &s), BL_OK);
    assert_int_equal(s.presence, BL_PRESENT);
    assert_int_equal(s.len, 0);
    assert_string_equal(s.ptr, "");
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "n"), &s), BL_OK);
    assert_int_equal(s.presence, BL_NULL);
    assert_null(s.ptr);
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "missing"), &s), BL_OK);
    assert_int_equal(s.presence, BL_ABSENT);
    assert_null(s.ptr);
    static const char *const wrong[] = {"i", "b", "o", "a", "f"};
    for (size_t i = 0; i < 5; i++) {
        s.presence = BL_PRESENT;
        assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, wrong[i]), &s), BL_ERR_DECODE);
        assert_int_not_equal(s.presence, BL_PRESENT);
    }
    release(&p);
    /* A string with a NUL-free escape decodes to the right length. */
    parse_ok(&p, "{\"s\":\"a\\tb\\u00e9\"}");
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "s"), &s), BL_OK);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.ptr, "a\tb\xC3\xA9", 6);
    release(&p);
}

static void test_get_bool(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"t\":true,\"f\":false,\"n\":null,\"i\":0,\"one\":1,\"s\":\"true\",\"o\":{},\"a\":[true]}");
    bl_opt_bool_t b;
    assert_int_equal(bl_json_get_bool(&p.doc, find1(&p, 0, "t"), &b), BL_OK);
    assert_int_equal(b.presence, BL_PRESENT);
    assert_true(b.value);
    assert_int_equal(bl_json_get_bool(&p.doc, find1(&p, 0, "f"), &b), BL_OK);
    assert_int_equal(b.presence, BL_PRESENT);
    assert_false(b.value);
    assert_int_equal(bl_json_get_bool(&p.doc, find1(&p, 0, "n"), &b), BL_OK);
    assert_int_equal(b.presence, BL_NULL);
    assert_int_equal(bl_json_get_bool(&p.doc, -1, &b), BL_OK);
    assert_int_equal(b.presence, BL_ABSENT);
    static const char *const wrong[] = {"i", "one", "s", "o", "a"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(bl_json_get_bool(&p.doc, find1(&p, 0, wrong[i]), &b), BL_ERR_DECODE);
        assert_int_not_equal(b.presence, BL_PRESENT);
    }
    release(&p);
}

static bl_status_t int_of(const char *num, int64_t min, int64_t max, int64_t *v, bl_presence_t *pr)
{
    char json[96];
    int len = snprintf(json, sizeof json, "{\"v\":%s}", num);
    parsed_t p;
    bl_status_t st = parse_len(&p, json, (size_t)len, 8);
    if (st != BL_OK) {
        release(&p);
        fail_msg("%s does not parse: %s", json, bl_status_str(st));
    }
    st = bl_json_get_int(&p.doc, find1(&p, 0, "v"), min, max, v, pr);
    release(&p);
    return st;
}

static void test_get_int(void **state)
{
    (void)state;
    static const struct {
        const char *num;
        int64_t want;
    } ok[] = {
        {"0", 0},
        {"-0", 0},
        {"1", 1},
        {"-1", -1},
        {"42", 42},
        {"3600", 3600},
        {"4294967295", 4294967295LL},
        {"9223372036854775807", INT64_MAX},
        {"9223372036854775806", INT64_MAX - 1},
        {"-9223372036854775808", INT64_MIN},
        {"-9223372036854775807", INT64_MIN + 1},
        {"1000000000000000000", 1000000000000000000LL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t v = 123;
        bl_presence_t pr = BL_ABSENT;
        bl_status_t st = int_of(ok[i].num, INT64_MIN, INT64_MAX, &v, &pr);
        if (st != BL_OK || v != ok[i].want || pr != BL_PRESENT) {
            fail_msg("%s: got %s %lld", ok[i].num, bl_status_str(st), (long long)v);
        }
    }
    static const char *const bad[] = {
        "9223372036854775808",  "-9223372036854775809", "9223372036854775810", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999", "-99999999999999999999999", "1.0", "1.5",
        "-0.0", "1e3", "1E3", "1e-3", "0e0", "true", "false", "\"5\"", "[5]", "{}",
        "92233720368547758070",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 0;
        bl_presence_t pr = BL_ABSENT;
        bl_status_t st = int_of(bad[i], INT64_MIN, INT64_MAX, &v, &pr);
        if (st != BL_ERR_DECODE || pr == BL_PRESENT) {
            fail_msg("%s: got %s, want BL_ERR_DECODE", bad[i], bl_status_str(st));
        }
    }
    /* Ranges, edges inclusive. */
    int64_t v;
    bl_presence_t pr;
    assert_int_equal(int_of("0", 0, 10, &v, &pr), BL_OK);
    assert_int_equal(int_of("10", 0, 10, &v, &pr), BL_OK);
    assert_int_equal(v, 10);
    assert_int_equal(int_of("11", 0, 10, &v, &pr), BL_ERR_DECODE);
    assert_int_equal(int_of("-1", 0, 10, &v, &pr), BL_ERR_DECODE);
    assert_int_equal(int_of("-0", 0, 0, &v, &pr), BL_OK);
    assert_int_equal(int_of("4294967295", 0, UINT32_MAX, &v, &pr), BL_OK);
    assert_int_equal(int_of("4294967296", 0, UINT32_MAX, &v, &pr), BL_ERR_DECODE);
    assert_int_equal(int_of("-9223372036854775808", INT64_MIN + 1, INT64_MAX, &v, &pr), BL_ERR_DECODE);
    assert_int_equal(int_of("9223372036854775807", INT64_MIN, INT64_MAX - 1, &v, &pr), BL_ERR_DECODE);
    assert_int_equal(int_of("2147483648", INT32_MIN, INT32_MAX, &v, &pr), BL_ERR_DECODE);
    assert_int_equal(int_of("-2147483648", INT32_MIN, INT32_MAX, &v, &pr), BL_OK);
    assert_int_equal(v, INT32_MIN);
    /* null and absent */
    v = 5;
    assert_int_equal(int_of("null", 0, 10, &v, &pr), BL_OK);
    assert_int_equal(pr, BL_NULL);
    parsed_t p;
    parse_ok(&p, "{}");
    assert_int_equal(bl_json_get_int(&p.doc, -1, 0, 10, &v, &pr), BL_OK);
    assert_int_equal(pr, BL_ABSENT);
    release(&p);
}

static void test_get_str_list(void **state)
{
    (void)state;
    parsed_t p;
    parse_ok(&p, "{\"before\":\"b\",\"tags\":[\"user_type:admin\",\"a\\\"b\",\"\\u00e9\\n\",\"\",\"\\ud83d\\ude00\",\"z\"],"
                 "\"after\":\"c\",\"e\":[],\"n\":null,\"one\":[\"only\"]}");
    bl_str_list_t l;
    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "tags"), &l), BL_OK);
    assert_int_equal(l.presence, BL_PRESENT);
    assert_int_equal(l.count, 6);
    static const char *const want[] = {"user_type:admin", "a\"b", "\xC3\xA9\n", "", "\xF0\x9F\x98\x80", "z"};
    const char *t = l.first;
    for (size_t i = 0; i < l.count; i++, t = bl_str_list_next(t)) {
        assert_string_equal(t, want[i]);
        /* Packed inside the array's own span of the body. */
        assert_true(t >= p.text && t < p.text + p.len);
    }
    /* Packing did not disturb the strings around the array. */
    bl_str_t s;
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "before"), &s), BL_OK);
    assert_string_equal(s.ptr, "b");
    assert_int_equal(bl_json_get_str(&p.doc, find1(&p, 0, "after"), &s), BL_OK);
    assert_string_equal(s.ptr, "c");

    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "e"), &l), BL_OK);
    assert_int_equal(l.presence, BL_PRESENT);
    assert_int_equal(l.count, 0);
    assert_null(l.first);
    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "n"), &l), BL_OK);
    assert_int_equal(l.presence, BL_NULL);
    assert_int_equal(l.count, 0);
    assert_int_equal(bl_json_get_str_list(&p.doc, -1, &l), BL_OK);
    assert_int_equal(l.presence, BL_ABSENT);
    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "one"), &l), BL_OK);
    assert_int_equal(l.count, 1);
    assert_string_equal(l.first, "only");
    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "after"), &l), BL_ERR_DECODE);
    release(&p);

    static const char *const bad[] = {
        "{\"t\":[\"a\",1]}", "{\"t\":[1]}", "{\"t\":[\"a\",null]}", "{\"t\":[\"a\",[\"b\"]]}",
        "{\"t\":[{\"a\":\"b\"}]}", "{\"t\":[\"a\",true]}", "{\"t\":\"a\"}", "{\"t\":{}}", "{\"t\":1}", "{\"t\":false}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse_ok(&p, bad[i]);
        if (bl_json_get_str_list(&p.doc, find1(&p, 0, "t"), &l) != BL_ERR_DECODE) {
            fail_msg("%s: not refused", bad[i]);
        }
        assert_int_not_equal(l.presence, BL_PRESENT);
        release(&p);
    }
    /* The array is the last thing in the body: packing stays inside it. */
    parse_ok(&p, "{\"t\":[\"x\",\"yy\"]}");
    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "t"), &l), BL_OK);
    assert_string_equal(l.first, "x");
    assert_string_equal(bl_str_list_next(l.first), "yy");
    release(&p);
}

/* Many strings in one array, each with escapes: the packed list is exact. */
static void test_str_list_many(void **state)
{
    (void)state;
    char json[8192];
    size_t k = (size_t)snprintf(json, sizeof json, "{\"t\":[");
    for (int i = 0; i < 300; i++) {
        k += (size_t)snprintf(json + k, sizeof json - k, "%s\"t%d\\u0041\\\\\"", i ? "," : "", i);
    }
    k += (size_t)snprintf(json + k, sizeof json - k, "]}");
    parsed_t p;
    assert_int_equal(parse_len(&p, json, k, 400), BL_OK);
    bl_str_list_t l;
    assert_int_equal(bl_json_get_str_list(&p.doc, find1(&p, 0, "t"), &l), BL_OK);
    assert_int_equal(l.count, 300);
    const char *t = l.first;
    for (int i = 0; i < 300; i++, t = bl_str_list_next(t)) {
        char want[32];
        snprintf(want, sizeof want, "t%dA\\", i);
        assert_string_equal(t, want);
    }
    release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_escapes),
        cmocka_unit_test(test_every_bmp_escape),
        cmocka_unit_test(test_every_surrogate_pair),
        cmocka_unit_test(test_lone_surrogates_refused),
        cmocka_unit_test(test_u0000_refused),
        cmocka_unit_test(test_invalid_escapes_refused),
        cmocka_unit_test(test_truncated_escapes_refused),
        cmocka_unit_test(test_control_bytes_refused),
        cmocka_unit_test(test_utf8_checked),
        cmocka_unit_test(test_unescape_in_place),
        cmocka_unit_test(test_primitives),
        cmocka_unit_test(test_trailing_garbage_and_nul),
        cmocka_unit_test(test_unterminated),
        cmocka_unit_test(test_top_level_not_object),
        cmocka_unit_test(test_top_level_bare_primitive),
        cmocka_unit_test(test_structure_malformed),
        cmocka_unit_test(test_structure_valid_tricky),
        cmocka_unit_test(test_differential_grammar),
        cmocka_unit_test(test_token_budget_every_size),
        cmocka_unit_test(test_parse_bad_arguments),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_skip_matches_parent_links),
        cmocka_unit_test(test_find_any_order_any_depth),
        cmocka_unit_test(test_find_duplicates_and_escaped_keys),
        cmocka_unit_test(test_find_not_an_object),
        cmocka_unit_test(test_get_str),
        cmocka_unit_test(test_get_bool),
        cmocka_unit_test(test_get_int),
        cmocka_unit_test(test_get_str_list),
        cmocka_unit_test(test_str_list_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
