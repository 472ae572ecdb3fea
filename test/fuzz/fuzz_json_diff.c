/*
 * Differential fuzz target: banklink's JSON reader (bl_json_parse) against
 * cJSON (Debian's libcjson-dev), an independent parser, on object
 * documents.
 *
 * The input is a whole body. Both parse it; they must agree on accept or
 * refuse, and when both accept, on the whole document: the same members in
 * the same order, every key and string value byte for byte, every number
 * the same value (strtod of banklink's token text against cJSON's double),
 * the same literals. A disagreement is allowed only when one of the
 * intended differences in test/fuzz/README.md (J1-J6 below) applies, each
 * decided by its own test of the input; any other aborts. Documents whose
 * top level is not an object are outside the comparison (banklink calls
 * them BL_ERR_DECODE by design).
 */
#include <cjson/cJSON.h>
#include <math.h>

#include "fuzz_common.h"

/* Set BL_FUZZ_DIFF_VERBOSE=1 to print both outcomes of every input. */
static bool diff_verbose(void)
{
    const char *v = getenv("BL_FUZZ_DIFF_VERBOSE");
    return v != NULL && v[0] == '1';
}

/* ------------------------------------------------ facts about the input */

/* An independent UTF-8 check (RFC 3629 by code point). */
static bool utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k;
        if (p[i] < 0x80u) {
            i++;
            continue;
        } else if ((p[i] & 0xE0u) == 0xC0u) {
            cp = p[i] & 0x1Fu;
            k = 2;
        } else if ((p[i] & 0xF0u) == 0xE0u) {
            cp = p[i] & 0x0Fu;
            k = 3;
        } else if ((p[i] & 0xF8u) == 0xF0u) {
            cp = p[i] & 0x07u;
            k = 4;
        } else {
            return false;
        }
        if (n - i < k) {
            return false;
        }
        for (size_t j = 1; j < k; j++) {
            if ((p[i + j] & 0xC0u) != 0x80u) {
                return false;
            }
            cp = (cp << 6) | (p[i + j] & 0x3Fu);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80u, 0x800u, 0x10000u};
        if (cp < min_cp[k] || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu)) {
            return false;
        }
        i += k;
    }
    return true;
}

/* RFC 8259 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool number_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == '-') {
        i++;
    }
    if (i == n || p[i] < '0' || p[i] > '9') {
        return false;
    }
    if (p[i++] != '0') {
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            i++;
        }
    }
    if (i < n && p[i] == '.') {
        size_t s = ++i;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            i++;
        }
        if (i == s) {
            return false;
        }
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) {
            i++;
        }
        size_t s = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            i++;
        }
        if (i == s) {
            return false;
        }
    }
    return i == n;
}

typedef struct facts {
    bool nul;            /* a NUL byte anywhere */
    bool utf8;           /* the whole input is UTF-8 */
    bool bad_control;    /* a byte below 0x20 inside a string, or one but HT, LF, CR outside */
    bool bom;            /* starts with a UTF-8 byte order mark */
    bool u0000;          /* a \u0000 escape inside a string, or a \u with a non-hex digit */
    bool bad_number;     /* a number-like run outside strings that RFC 8259 refuses */
    unsigned max_depth;  /* deepest nesting of [ and { outside strings */
} facts_t;

/* One pass that knows strings (quote to unescaped quote) from the rest. */
static void scan(const uint8_t *p, size_t n, facts_t *f)
{
    memset(f, 0, sizeof *f);
    f->nul = memchr(p, '\0', n) != NULL;
    f->utf8 = utf8_ok(p, n);
    f->bom = n >= 3u && p[0] == 0xEFu && p[1] == 0xBBu && p[2] == 0xBFu;
    unsigned depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20u && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') {
            f->bad_control = true; /* not white space, and never raw in a string */
        }
    }
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '"') {
            for (i++; i < n && p[i] != '"'; i++) {
                if (p[i] < 0x20u) {
                    f->bad_control = true; /* HT, LF, CR too: a string needs them escaped */
                }
                if (p[i] == '\\' && i + 1u < n) {
                    if (p[i + 1u] == 'u' && i + 5u < n) {
                        bool hex = true;
                        for (size_t k = i + 2u; k < i + 6u; k++) {
                            hex = hex && p[k] != 0u && strchr("0123456789abcdefABCDEF", p[k]) != NULL;
                        }
                        if (!hex || memcmp(p + i + 2u, "0000", 4) == 0) {
                            f->u0000 = true;
                        }
                    }
                    i++;
                }
            }
            i++;
        } else if (c == '[' || c == '{') {
            if (++depth > f->max_depth) {
                f->max_depth = depth;
            }
            i++;
        } else if (c == ']' || c == '}') {
            depth -= depth > 0u ? 1u : 0u;
            i++;
        } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
            size_t s = i;
            while (i < n && ((p[i] >= '0' && p[i] <= '9') || (p[i] != 0u && strchr("+-.eE", p[i]) != NULL))) {
                i++;
            }
            if (!number_ok(p + s, i - s)) {
                f->bad_number = true;
            }
        } else {
            i++;
        }
    }
}

/* --------------------------------------------------------- comparison */

/* The value at token i equals cJSON's item; returns the token after it. */
static int same_value(const bl_json_doc_t *doc, const cJSON *item, int i)
{
    FUZZ_CHECK(i < doc->count);
    const bl_json_token_t *t = &doc->tokens[i];
    const char *txt = doc->text + t->start;
    if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
        FUZZ_CHECK(t->type == (cJSON_IsObject(item) ? BL_JSON_OBJECT : BL_JSON_ARRAY));
        FUZZ_CHECK(t->size == cJSON_GetArraySize(item));
        int j = i + 1;
        for (const cJSON *c = item->child; c != NULL; c = c->next) {
            if (cJSON_IsObject(item)) {
                FUZZ_CHECK(j < doc->count && doc->tokens[j].type == BL_JSON_STRING);
                FUZZ_CHECK(strcmp(doc->text + doc->tokens[j].start, c->string) == 0); /* key, byte for byte */
                j++;
            }
            j = same_value(doc, c, j);
        }
        return j;
    }
    if (cJSON_IsString(item)) {
        bl_str_t s;
        FUZZ_CHECK(bl_json_get_str(doc, i, &s) == BL_OK && s.presence == BL_PRESENT);
        FUZZ_CHECK(s.len == strlen(item->valuestring) && memcmp(s.ptr, item->valuestring, s.len) == 0);
    } else if (cJSON_IsNumber(item)) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE);
        size_t n = (size_t)(t->end - t->start);
        char tmp[64];
        if (n < sizeof tmp) { /* longer numbers: the token text was checked by the grammar */
            memcpy(tmp, txt, n);
            tmp[n] = '\0';
            char *end = NULL;
            double v = strtod(tmp, &end);
            FUZZ_CHECK(end == tmp + n);
            FUZZ_CHECK(v == item->valuedouble || (isnan(v) && isnan(item->valuedouble)));
        }
    } else if (cJSON_IsTrue(item)) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE && txt[0] == 't');
    } else if (cJSON_IsFalse(item)) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE && txt[0] == 'f');
    } else {
        FUZZ_CHECK(cJSON_IsNull(item) && bl_json_is_null(doc, i));
    }
    return i + 1;
}

/* Which intended difference explains a disagreement on accept/refuse (0: none). */
static int explain(const facts_t *f, bl_status_t st, bool cj_ok)
{
    if (cj_ok && st == BL_ERR_JSON) {
        if (f->nul) {
            return 1; /* J1 a NUL byte: cJSON reads a C string and stops there */
        }
        if (!f->utf8) {
            return 2; /* J2 not UTF-8: banklink refuses (RFC 8259 8.1) */
        }
        if (f->bad_control) {
            return 3; /* J3 control bytes: cJSON takes them raw in strings and as white space outside */
        }
        if (f->u0000) {
            return 4; /* J4 \u0000 (a C string cannot hold it), or \u with a non-hex digit, which cJSON takes as U+0000 */
        }
        if (f->bad_number) {
            return 5; /* J5 numbers outside RFC 8259 6 that cJSON's strtod takes (01, 1., 1.e5) */
        }
        if (f->bom) {
            return 6; /* J6 a byte order mark: cJSON skips it (RFC 8259 8.1 MAY) */
        }
    }
    if (!cj_ok && st == BL_OK && f->max_depth > CJSON_NESTING_LIMIT) {
        return 7; /* J7 nesting deeper than cJSON's limit: banklink's limit is the token array */
    }
    if (!cj_ok && st == BL_OK && f->nul) {
        return 1; /* J1: cJSON, reading a C string, sees only what precedes the NUL */
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    facts_t f;
    scan(data, size, &f);

    /* banklink: a token per byte is more than any document needs. */
    char *text = fuzz_dup(data, size);
    size_t max_tokens = size + 1u;
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(max_tokens * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, text, size, tokens, max_tokens);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_JSON || st == BL_ERR_DECODE);

    /* cJSON: it wants a NUL after the text to prove nothing follows. */
    char *cj_text = (char *)malloc(size + 1u);
    if (cj_text == NULL) {
        abort();
    }
    memcpy(cj_text, data, size);
    cj_text[size] = '\0';
    const char *cj_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(cj_text, size + 1u, &cj_end, 1);
    bool cj_ok = root != NULL;

    /* Object documents only: another top level is BL_ERR_DECODE by design. */
    bool object = st != BL_ERR_DECODE && (root == NULL || cJSON_IsObject(root));
    if (object) {
        /* What banklink accepts is UTF-8 and free of NUL and control bytes. */
        if (st == BL_OK) {
            FUZZ_CHECK(f.utf8 && !f.nul && !f.bad_control && !f.u0000 && !f.bad_number && !f.bom);
        }
        int why = 0;
        if ((st == BL_OK) != cj_ok) {
            why = explain(&f, st, cj_ok);
        }
        if (diff_verbose() || ((st == BL_OK) != cj_ok && why == 0)) {
            fprintf(stderr, "json_diff: banklink %s, cJSON %s (intended difference J%d)\n", bl_status_str(st),
                    cj_ok ? "accepts" : "refuses", why);
        }
        FUZZ_CHECK((st == BL_OK) == cj_ok || why != 0);
        if (st == BL_OK && cj_ok) {
            FUZZ_CHECK(same_value(&doc, root, 0) == doc.count);
        }
    }
    cJSON_Delete(root);
    free(cj_text);
    free(tokens);
    free(text);
    return 0;
}
