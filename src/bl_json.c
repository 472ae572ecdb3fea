/*
 * JSON reader: jsmn tokenises, then every string is unescaped in place and
 * every primitive is checked, so getters afterwards are cheap and never see
 * invalid text.
 */
#include <limits.h>
#include <string.h>

#include "bl_json.h"

/* jsmn is compiled here and only here: static, so it cannot clash with an
 * application's own copy built with other options. */
#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>

/* The public token type mirrors jsmntok_t; prove it at compile time. */
typedef char bl_assert_token_size[(sizeof(bl_json_token_t) == sizeof(jsmntok_t)) ? 1 : -1];
typedef char bl_assert_token_start[(offsetof(bl_json_token_t, start) == offsetof(jsmntok_t, start)) ? 1 : -1];
typedef char bl_assert_token_parent[(offsetof(bl_json_token_t, parent) == offsetof(jsmntok_t, parent)) ? 1 : -1];
typedef char bl_assert_token_enum[(sizeof(jsmntype_t) == sizeof(bl_json_type_t)) ? 1 : -1];
typedef char bl_assert_token_end[(offsetof(bl_json_token_t, end) == offsetof(jsmntok_t, end)) ? 1 : -1];
typedef char bl_assert_token_nsize[(offsetof(bl_json_token_t, size) == offsetof(jsmntok_t, size)) ? 1 : -1];

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Four hex digits at s (caller checked they exist), or -1. */
static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_value(s[i]);
        if (d < 0) {
            return -1;
        }
        v = (v << 4) | d;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80u) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (char)(0xC0u | (cp >> 6));
        out[1] = (char)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (char)(0xE0u | (cp >> 12));
        out[1] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (char)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (char)(0xF0u | (cp >> 18));
    out[1] = (char)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (char)(0x80u | (cp & 0x3Fu));
    return 4;
}

/* Decode the \u escape whose hex digits start at s[*r]; handles a
 * surrogate pair. Returns the code point or -1. */
static long read_u_escape(const char *s, size_t len, size_t *r)
{
    if (*r + 4u > len) {
        return -1;
    }
    long cp = hex4(s + *r);
    *r += 4u;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return -1; /* a low surrogate cannot come first */
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (*r + 6u > len || s[*r] != '\\' || s[*r + 1u] != 'u') {
            return -1;
        }
        long lo = hex4(s + *r + 2u);
        if (lo < 0xDC00 || lo > 0xDFFF) {
            return -1;
        }
        *r += 6u;
        cp = 0x10000L + ((cp - 0xD800L) << 10) + (lo - 0xDC00L);
    }
    return cp;
}

/* Does any byte of the 8 in w need a closer look (below 0x20, a backslash,
 * or 0x80 and above: UTF-8 to check)? Exact: the borrow tricks flag a byte
 * only when it matches. */
static bool word_needs_look(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u;
    const uint64_t highs = 0x8080808080808080u;
    uint64_t ctl = (w - ones * 0x20u) & ~w & highs;
    uint64_t bs = w ^ (ones * (uint64_t)'\\');
    bs = (bs - ones) & ~bs & highs;
    return (ctl | bs | (w & highs)) != 0u;
}

/*
 * End of the run of bytes >= 0x80 that starts at s[r], or 0 when the run
 * is not UTF-8 (RFC 8259 8.1). Every byte of a multi-byte sequence is
 * >= 0x80 and every other byte is below, so a run is valid exactly when it
 * is a whole number of valid sequences: the writer's own validator decides.
 */
static size_t utf8_run_end(const char *s, size_t len, size_t r)
{
    size_t e = r;
    while (e < len && (unsigned char)s[e] >= 0x80u) {
        e++;
    }
    return bl_utf8_valid(s + r, e - r) ? e : 0u;
}

/* Printable ASCII, 0x20-0x7F: a byte that is itself (bar the backslash). */
static bool plain_ascii(char c)
{
    return (unsigned char)((unsigned char)c - 0x20u) < 0x60u;
}

bl_status_t bl_json_unescape(char *s, size_t len, size_t *out_len)
{
    size_t r = 0;
    /* Most strings have no escape: scan without copying first, eight
     * bytes at a time while none of them is special, then byte by byte;
     * a run of UTF-8 is checked whole, then the scan goes on. */
    for (;;) {
        while (r + 8u <= len) {
            uint64_t w;
            memcpy(&w, s + r, sizeof w);
            if (word_needs_look(w)) {
                break;
            }
            r += 8u;
        }
        while (r < len && s[r] != '\\' && plain_ascii(s[r])) {
            r++;
        }
        if (r >= len || s[r] == '\\') {
            break;
        }
        if ((unsigned char)s[r] < 0x20u) {
            return BL_ERR_JSON;
        }
        r = utf8_run_end(s, len, r);
        if (r == 0u) {
            return BL_ERR_JSON;
        }
    }
    size_t w = r;
    while (r < len) {
        char c = s[r];
        if (plain_ascii(c) && c != '\\') {
            s[w++] = c;
            r++;
            continue;
        }
        if ((unsigned char)c < 0x20u) {
            return BL_ERR_JSON;
        }
        if (c != '\\') {
            size_t end = utf8_run_end(s, len, r);
            if (end == 0u) {
                return BL_ERR_JSON;
            }
            memmove(s + w, s + r, end - r);
            w += end - r;
            r = end;
            continue;
        }
        if (r + 1u >= len) {
            return BL_ERR_JSON;
        }
        char e = s[r + 1u];
        r += 2u;
        switch (e) {
        case '"': case '\\': case '/': s[w++] = e; break;
        case 'b': s[w++] = '\b'; break;
        case 'f': s[w++] = '\f'; break;
        case 'n': s[w++] = '\n'; break;
        case 'r': s[w++] = '\r'; break;
        case 't': s[w++] = '\t'; break;
        case 'u': {
            long cp = read_u_escape(s, len, &r);
            if (cp <= 0) { /* invalid, or U+0000 which a C string cannot hold */
                return BL_ERR_JSON;
            }
            /* 6 escape bytes give at most 3, 12 give 4: w stays behind r. */
            w += put_utf8(s + w, (unsigned long)cp);
            break;
        }
        default:
            return BL_ERR_JSON;
        }
    }
    *out_len = w;
    if (w < len) {
        s[w] = '\0';
    }
    return BL_OK;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 8259 number grammar, or one of the three literals. */
static bool primitive_ok(const char *p, size_t n)
{
    if (n == 4u && (memcmp(p, "true", 4) == 0 || memcmp(p, "null", 4) == 0)) {
        return true;
    }
    if (n == 5u && memcmp(p, "false", 5) == 0) {
        return true;
    }
    size_t i = 0;
    if (i < n && p[i] == '-') {
        i++;
    }
    if (i >= n || !is_digit(p[i])) {
        return false;
    }
    if (p[i] == '0') {
        i++;
    } else {
        while (i < n && is_digit(p[i])) {
            i++;
        }
    }
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || !is_digit(p[i])) {
            return false;
        }
        while (i < n && is_digit(p[i])) {
            i++;
        }
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) {
            i++;
        }
        if (i >= n || !is_digit(p[i])) {
            return false;
        }
        while (i < n && is_digit(p[i])) {
            i++;
        }
    }
    return i == n;
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum { X_VALUE, X_VALUE_OR_CLOSE, X_KEY, X_KEY_OR_CLOSE, X_COLON, X_COMMA_OR_CLOSE, X_END };

/*
 * jsmn's strict mode still lets through separators in the wrong place
 * ({"a":1,}, {"a" "b"}, {"a":,"b":1}). One pass over the text with the
 * grammar's few states closes those holes, checks every primitive and
 * that only white space follows the object, and unescapes each string as
 * it passes. Tokens come in text order, so
 * the open containers are followed through jsmn's parent links: no depth
 * limit, no stack.
 */
static bl_status_t check_structure(char *t, size_t len, const bl_json_token_t *tok, int count)
{
    int cur = -1;  /* innermost open container */
    int next = 0;  /* token of the next value or key */
    int want = X_VALUE;
    size_t i = 0;
    while (i < len) {
        char c = t[i];
        if (is_json_space(c)) {
            i++;
            continue;
        }
        if (want == X_END) {
            return BL_ERR_JSON;
        }
        if (want == X_COLON) {
            if (c != ':') {
                return BL_ERR_JSON;
            }
            want = X_VALUE;
            i++;
            continue;
        }
        if (want == X_COMMA_OR_CLOSE && c == ',') {
            want = tok[cur].type == BL_JSON_ARRAY ? X_VALUE : X_KEY;
            i++;
            continue;
        }
        if ((c == '}' || c == ']') &&
            (want == X_COMMA_OR_CLOSE || (want == X_KEY_OR_CLOSE && c == '}') || (want == X_VALUE_OR_CLOSE && c == ']'))) {
            if ((tok[cur].type == BL_JSON_ARRAY) != (c == ']')) {
                return BL_ERR_JSON;
            }
            cur = tok[cur].parent;
            if (cur >= 0 && tok[cur].type == BL_JSON_STRING) {
                cur = tok[cur].parent; /* a member's parent is its key */
            }
            want = cur < 0 ? X_END : X_COMMA_OR_CLOSE;
            i++;
            continue;
        }
        bool key = want == X_KEY || want == X_KEY_OR_CLOSE;
        if ((!key && want != X_VALUE && want != X_VALUE_OR_CLOSE) || next >= count) {
            return BL_ERR_JSON; /* misplaced, or text past where jsmn stopped (a NUL) */
        }
        if (c == '"') {
            /* The token says where the string is; unescape it in place
             * (refusing control bytes and bad escapes) and terminate it. */
            if (tok[next].type != BL_JSON_STRING) {
                return BL_ERR_JSON;
            }
            size_t start = (size_t)tok[next].start;
            size_t out_len;
            bl_status_t st = bl_json_unescape(t + start, (size_t)tok[next].end - start, &out_len);
            if (st != BL_OK) {
                return st;
            }
            /* When nothing shrank, the closing quote takes the NUL. */
            t[start + out_len] = '\0';
            i = (size_t)tok[next].end + 1u;
            next++;
            want = key ? X_COLON : X_COMMA_OR_CLOSE;
        } else if (key) {
            return BL_ERR_JSON;
        } else if (c == '{' || c == '[') {
            cur = next++;
            want = c == '{' ? X_KEY_OR_CLOSE : X_VALUE_OR_CLOSE;
            i++;
        } else {
            if (tok[next].type != BL_JSON_PRIMITIVE || (size_t)tok[next].start != i) {
                return BL_ERR_JSON;
            }
            size_t end = (size_t)tok[next].end;
            if (!primitive_ok(t + i, end - i)) {
                return BL_ERR_JSON;
            }
            i = end;
            next++;
            want = cur < 0 ? X_END : X_COMMA_OR_CLOSE;
        }
    }
    return want == X_END ? BL_OK : BL_ERR_JSON;
}

bl_status_t bl_json_parse(bl_json_doc_t *doc, char *text, size_t len, bl_json_token_t *tokens,
                          size_t max_tokens)
{
    if (doc == NULL || text == NULL || tokens == NULL || max_tokens == 0u) {
        return BL_ERR_JSON_TOKENS;
    }
    if (len > (size_t)(INT_MAX / 2)) {
        return BL_ERR_JSON;
    }
    /* Anything but an object at the top is the wrong type, not bad JSON. */
    size_t first = 0;
    while (first < len && is_json_space(text[first])) {
        first++;
    }
    static const char value_starts[] = "[\"-0123456789tfn";
    if (first < len && text[first] != '{' && memchr(value_starts, text[first], sizeof value_starts - 1u) != NULL) {
        return BL_ERR_DECODE;
    }
    unsigned int cap = (max_tokens > (size_t)(INT_MAX / 2)) ? (unsigned int)(INT_MAX / 2) : (unsigned int)max_tokens;
    jsmn_parser parser;
    jsmn_init(&parser);
    jsmntok_t *jt = (jsmntok_t *)(void *)tokens;
    int n = jsmn_parse(&parser, text, len, jt, cap);
    if (n == JSMN_ERROR_NOMEM) {
        return BL_ERR_JSON_TOKENS;
    }
    if (n <= 0) {
        return BL_ERR_JSON;
    }
    if (tokens[0].type != BL_JSON_OBJECT) {
        return BL_ERR_DECODE;
    }
    /* One pass: grammar, primitives, and every string unescaped in place
     * (a NUL inside, where jsmn stopped, fails it). */
    bl_status_t st = check_structure(text, len, tokens, n);
    if (st != BL_OK) {
        return st;
    }
    doc->text = text;
    doc->len = len;
    doc->tokens = tokens;
    doc->count = n;
    return BL_OK;
}

int bl_json_skip(const bl_json_doc_t *doc, int index)
{
    const bl_json_token_t *t = doc->tokens;
    if (t[index].type == BL_JSON_STRING || t[index].type == BL_JSON_PRIMITIVE) {
        return index + 1;
    }
    /* Children start inside their parent's span and tokens are in text
     * order: the first token starting past the end is the next sibling
     * (or an ancestor's). Binary search keeps nested lookups linear. */
    int end = t[index].end;
    int lo = index + 1;
    int hi = doc->count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (t[mid].start < end) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static const char *tok_text(const bl_json_doc_t *doc, int index)
{
    return doc->text + doc->tokens[index].start;
}

static size_t tok_len(const bl_json_doc_t *doc, int index)
{
    return (size_t)(doc->tokens[index].end - doc->tokens[index].start);
}

bool bl_json_is_null(const bl_json_doc_t *doc, int index)
{
    return doc->tokens[index].type == BL_JSON_PRIMITIVE && tok_text(doc, index)[0] == 'n';
}

/* strcmp() == 0, without pulling strcmp into the image (newlib's is ~0.7 KB). */
static bool cstr_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

bl_status_t bl_json_object_find(const bl_json_doc_t *doc, int obj, const char *const *keys, size_t n, int *out)
{
    for (size_t k = 0; k < n; k++) {
        out[k] = -1;
    }
    if (obj < 0 || obj >= doc->count || doc->tokens[obj].type != BL_JSON_OBJECT) {
        return BL_ERR_DECODE;
    }
    int members = doc->tokens[obj].size;
    int j = obj + 1;
    for (int m = 0; m < members && j + 1 < doc->count; m++) {
        const char *key = tok_text(doc, j);
        for (size_t k = 0; k < n; k++) {
            if (cstr_eq(key, keys[k])) {
                out[k] = j + 1;
                break;
            }
        }
        j = bl_json_skip(doc, j + 1);
    }
    return BL_OK;
}

bl_status_t bl_json_get_str(const bl_json_doc_t *doc, int index, bl_str_t *out)
{
    out->ptr = NULL;
    out->len = 0;
    out->presence = BL_ABSENT;
    if (index < 0) {
        return BL_OK;
    }
    if (bl_json_is_null(doc, index)) {
        out->presence = BL_NULL;
        return BL_OK;
    }
    if (doc->tokens[index].type != BL_JSON_STRING) {
        return BL_ERR_DECODE;
    }
    const char *p = tok_text(doc, index);
    const char *nul = memchr(p, '\0', tok_len(doc, index) + 1u);
    out->ptr = p;
    out->len = (size_t)(nul - p);
    out->presence = BL_PRESENT;
    return BL_OK;
}

bl_status_t bl_json_get_bool(const bl_json_doc_t *doc, int index, bl_opt_bool_t *out)
{
    out->value = false;
    out->presence = BL_ABSENT;
    if (index < 0) {
        return BL_OK;
    }
    if (doc->tokens[index].type != BL_JSON_PRIMITIVE) {
        return BL_ERR_DECODE;
    }
    char c = tok_text(doc, index)[0];
    if (c == 'n') {
        out->presence = BL_NULL;
    } else if (c == 't' || c == 'f') {
        out->value = (c == 't');
        out->presence = BL_PRESENT;
    } else {
        return BL_ERR_DECODE;
    }
    return BL_OK;
}

bl_status_t bl_json_get_int(const bl_json_doc_t *doc, int index, int64_t min, int64_t max, int64_t *out,
                            bl_presence_t *presence)
{
    *out = 0;
    *presence = BL_ABSENT;
    if (index < 0) {
        return BL_OK;
    }
    if (bl_json_is_null(doc, index)) {
        *presence = BL_NULL;
        return BL_OK;
    }
    if (doc->tokens[index].type != BL_JSON_PRIMITIVE) {
        return BL_ERR_DECODE;
    }
    const char *p = tok_text(doc, index);
    size_t n = tok_len(doc, index);
    size_t i = 0;
    bool neg = false;
    if (p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i >= n || !is_digit(p[i])) {
        return BL_ERR_DECODE; /* true/false */
    }
    /* Accumulate negatively: the negative range is the larger one. */
    int64_t v = 0;
    for (; i < n; i++) {
        if (!is_digit(p[i])) {
            return BL_ERR_DECODE; /* fraction or exponent */
        }
        int d = p[i] - '0';
        /* Constant bounds: a run-time 64-bit division would pull libgcc's
         * divider into the firmware. INT64_MIN is -922337203685477580*10 - 8. */
        if (v < INT64_MIN / 10 || (v == INT64_MIN / 10 && d > 8)) {
            return BL_ERR_DECODE;
        }
        v = v * 10 - d;
    }
    if (!neg) {
        if (v == INT64_MIN) {
            return BL_ERR_DECODE;
        }
        v = -v;
    }
    if (v < min || v > max) {
        return BL_ERR_DECODE;
    }
    *out = v;
    *presence = BL_PRESENT;
    return BL_OK;
}

bl_status_t bl_json_get_str_list(const bl_json_doc_t *doc, int index, bl_str_list_t *out)
{
    out->first = NULL;
    out->count = 0;
    out->presence = BL_ABSENT;
    if (index < 0) {
        return BL_OK;
    }
    if (bl_json_is_null(doc, index)) {
        out->presence = BL_NULL;
        return BL_OK;
    }
    const bl_json_token_t *arr = &doc->tokens[index];
    if (arr->type != BL_JSON_ARRAY) {
        return BL_ERR_DECODE;
    }
    /* Pack the decoded strings from the '[' onwards: each is shorter than
     * its quoted form plus separator, so writing never overtakes reading. */
    char *w = doc->text + arr->start;
    int j = index + 1;
    for (int e = 0; e < arr->size; e++, j++) {
        if (j >= doc->count || doc->tokens[j].type != BL_JSON_STRING) {
            return BL_ERR_DECODE;
        }
        const char *src = tok_text(doc, j);
        const char *nul = memchr(src, '\0', tok_len(doc, j) + 1u);
        size_t n = (size_t)(nul - src);
        memmove(w, src, n);
        w[n] = '\0';
        if (e == 0) {
            out->first = w;
        }
        w += n + 1u;
    }
    out->count = (size_t)arr->size;
    out->presence = BL_PRESENT;
    return BL_OK;
}
