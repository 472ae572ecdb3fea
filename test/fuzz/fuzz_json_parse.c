/*
 * Fuzz target: the JSON reader (bl_json_parse and every getter).
 *
 * The input is a whole body. After a successful parse every token is read
 * with every getter, and the answers are checked against the token types,
 * against the C library (integers) and against each other (object lookup
 * finds the last matching key; a string list holds the array's strings).
 * Parsing again with exactly the token count used must succeed, and with
 * one token fewer must say BL_ERR_JSON_TOKENS.
 */
#include <errno.h>
#include <limits.h>

#include "bl_time.h"
#include "fuzz_common.h"

#ifdef BL_FUZZ_HAVE_CJSON
#include <cjson/cJSON.h>

/*
 * The tokens must describe the same document cJSON reads: same nesting,
 * member and element counts, keys, decoded strings and literal kinds.
 * Returns the index after the value at token @p i.
 */
static int same_as_cjson(const bl_json_doc_t *doc, const cJSON *item, int i)
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
                FUZZ_CHECK(j < doc->count);
                const bl_json_token_t *key = &doc->tokens[j];
                FUZZ_CHECK(key->type == BL_JSON_STRING && key->size == 1 && key->parent == i);
                FUZZ_CHECK(strcmp(doc->text + key->start, c->string) == 0);
                j++;
            }
            j = same_as_cjson(doc, c, j);
        }
        return j;
    }
    if (cJSON_IsString(item)) {
        FUZZ_CHECK(t->type == BL_JSON_STRING && t->size == 0);
        FUZZ_CHECK(strcmp(txt, item->valuestring) == 0);
    } else if (cJSON_IsNumber(item)) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE && (txt[0] == '-' || (txt[0] >= '0' && txt[0] <= '9')));
    } else if (cJSON_IsTrue(item)) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE && txt[0] == 't');
    } else if (cJSON_IsFalse(item)) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE && txt[0] == 'f');
    } else {
        FUZZ_CHECK(cJSON_IsNull(item) && t->type == BL_JSON_PRIMITIVE && txt[0] == 'n');
    }
    return i + 1;
}

/* What banklink accepts is JSON: cJSON (RFC 8259) reads the same document. */
static void compare_with_cjson(const uint8_t *data, size_t size, const bl_json_doc_t *doc)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (root == NULL) {
        fprintf(stderr, "bl_json_parse accepted a body cJSON rejects as malformed JSON\n");
    }
    FUZZ_CHECK(root != NULL);
    FUZZ_CHECK(same_as_cjson(doc, root, 0) == doc->count);
    cJSON_Delete(root);
}
#endif

#define FUZZ_MAX_TOKENS 512

/* Keys the decoders look up, plus a few that are not in any seed. */
static const char *const fuzz_keys[] = {
    "integration_link", "item_id",     "status",       "status_message", "type",
    "created",          "last_updated", "code",        "description",    "name",
    "link_id",          "link",         "tags",        "products",       "settings",
    "access_token",     "expires_in",   "error_code",  "error_message",  "",
    "a",                "\xc3\xa9",
};
#define FUZZ_NKEYS (sizeof fuzz_keys / sizeof fuzz_keys[0])

static void check_tokens(const bl_json_doc_t *doc, size_t len)
{
    const bl_json_token_t *t = doc->tokens;
    FUZZ_CHECK(doc->count >= 1 && doc->count <= FUZZ_MAX_TOKENS);
    FUZZ_CHECK(t[0].type == BL_JSON_OBJECT && t[0].parent == -1);
    for (int i = 0; i < doc->count; i++) {
        FUZZ_CHECK(t[i].type >= BL_JSON_OBJECT && t[i].type <= BL_JSON_PRIMITIVE);
        FUZZ_CHECK(t[i].start >= 0 && t[i].start <= t[i].end && (size_t)t[i].end <= len);
        if (i > 0) {
            int p = t[i].parent;
            FUZZ_CHECK(p >= 0 && p < i);
            if (t[p].type == BL_JSON_OBJECT || t[p].type == BL_JSON_ARRAY) {
                FUZZ_CHECK(t[i].start > t[p].start && t[i].end <= t[p].end);
            }
        }
    }
}

/* An integer literal read by strtoll, to compare with bl_json_get_int. */
static bool libc_int(const char *p, size_t n, long long *out)
{
    char tmp[40];
    if (n == 0u || n >= sizeof tmp || memchr(p, '.', n) || memchr(p, 'e', n) || memchr(p, 'E', n)) {
        return false;
    }
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    char *end = NULL;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno != 0 || end != tmp + n) {
        return false;
    }
    *out = v;
    return true;
}

static void check_getters(const bl_json_doc_t *doc, size_t len, int i)
{
    const bl_json_token_t *t = &doc->tokens[i];
    const char *txt = doc->text + t->start;
    size_t tlen = (size_t)(t->end - t->start);
    bool is_null = t->type == BL_JSON_PRIMITIVE && txt[0] == 'n';

    int next = bl_json_skip(doc, i);
    FUZZ_CHECK(next > i && next <= doc->count);
    for (int j = i + 1; j < next; j++) {
        FUZZ_CHECK(doc->tokens[j].start >= t->start); /* skipped tokens are the value's own */
    }

    bl_str_t s;
    bl_status_t st = bl_json_get_str(doc, i, &s);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
    if (t->type == BL_JSON_STRING) {
        FUZZ_CHECK(st == BL_OK && s.presence == BL_PRESENT);
        FUZZ_CHECK(s.ptr == txt && s.len <= tlen);
        FUZZ_CHECK(bl_str_eq(&s, s.ptr));
    } else if (is_null) {
        FUZZ_CHECK(st == BL_OK && s.presence == BL_NULL);
    } else {
        FUZZ_CHECK(st == BL_ERR_DECODE);
    }
    if (st == BL_OK) {
        fuzz_check_str(&s, doc->text, len);
    }

    bl_opt_bool_t b;
    st = bl_json_get_bool(doc, i, &b);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
    if (st == BL_OK) {
        FUZZ_CHECK(t->type == BL_JSON_PRIMITIVE);
        FUZZ_CHECK(b.presence == BL_NULL || b.presence == BL_PRESENT);
        if (b.presence == BL_PRESENT) {
            FUZZ_CHECK(b.value ? (tlen == 4u && memcmp(txt, "true", 4) == 0)
                               : (tlen == 5u && memcmp(txt, "false", 5) == 0));
        }
    }

    int64_t v = 0;
    bl_presence_t pr;
    st = bl_json_get_int(doc, i, INT64_MIN, INT64_MAX, &v, &pr);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
    long long ref = 0;
    bool ref_ok = t->type == BL_JSON_PRIMITIVE && !is_null && libc_int(txt, tlen, &ref);
    if (st == BL_OK && pr == BL_PRESENT) {
        FUZZ_CHECK(ref_ok && ref == v);
        /* A range that excludes the value must refuse it. */
        if (v < INT64_MAX) {
            int64_t w;
            FUZZ_CHECK(bl_json_get_int(doc, i, v + 1, INT64_MAX, &w, &pr) == BL_ERR_DECODE);
        }
        int64_t w;
        FUZZ_CHECK(bl_json_get_int(doc, i, v, v, &w, &pr) == BL_OK && w == v && pr == BL_PRESENT);
    } else if (st == BL_OK) {
        FUZZ_CHECK(pr == BL_NULL && is_null);
    } else {
        FUZZ_CHECK(!ref_ok); /* out of range for strtoll as well */
    }

    bl_timestamp_t ts;
    st = bl_json_get_timestamp(doc, i, &ts);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
    if (st == BL_OK) {
        fuzz_check_timestamp(&ts);
        FUZZ_CHECK(ts.presence != BL_ABSENT);
    }

    if (t->type == BL_JSON_OBJECT) {
        int at[FUZZ_NKEYS];
        FUZZ_CHECK(bl_json_object_find(doc, i, fuzz_keys, FUZZ_NKEYS, at) == BL_OK);
        for (size_t k = 0; k < FUZZ_NKEYS; k++) {
            if (at[k] < 0) {
                FUZZ_CHECK(at[k] == -1);
                continue;
            }
            FUZZ_CHECK(at[k] > i + 1 && at[k] < doc->count);
            const bl_json_token_t *key = &doc->tokens[at[k] - 1];
            FUZZ_CHECK(key->type == BL_JSON_STRING && key->parent == i);
            FUZZ_CHECK(strcmp(doc->text + key->start, fuzz_keys[k]) == 0);
            for (int j = at[k] + 1; j < doc->count; j++) { /* a repeated key: the last one wins */
                const bl_json_token_t *later = &doc->tokens[j];
                FUZZ_CHECK(!(later->parent == i && later->type == BL_JSON_STRING &&
                             strcmp(doc->text + later->start, fuzz_keys[k]) == 0));
            }
        }
    } else {
        int at[1];
        FUZZ_CHECK(bl_json_object_find(doc, i, fuzz_keys, 1, at) == BL_ERR_DECODE && at[0] == -1);
    }
}

/* Pack each array (from a fresh copy of the parsed text: packing rewrites
 * the array's bytes) and compare with its elements. */
static void check_lists(bl_json_doc_t *doc, const char *parsed, size_t len)
{
    for (int i = 0; i < doc->count; i++) {
        const bl_json_token_t *arr = &doc->tokens[i];
        if (arr->type != BL_JSON_ARRAY) {
            continue;
        }
        if (len != 0u) {
            memcpy(doc->text, parsed, len);
        }
        bl_str_list_t list;
        bl_status_t st = bl_json_get_str_list(doc, i, &list);
        FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
        if (st != BL_OK) {
            continue;
        }
        FUZZ_CHECK(list.presence == BL_PRESENT && list.count == (size_t)arr->size);
        FUZZ_CHECK((list.count == 0u) == (list.first == NULL));
        const char *s = list.first;
        const char *span_end = doc->text + arr->end;
        for (size_t e = 0; e < list.count; e++, s = bl_str_list_next(s)) {
            const bl_json_token_t *el = &doc->tokens[i + 1 + (int)e];
            const char *want = parsed + el->start;
            size_t n = strlen(want);
            FUZZ_CHECK(s >= doc->text + arr->start && s + n < span_end);
            FUZZ_CHECK(memcmp(s, want, n) == 0 && s[n] == '\0');
        }
    }
}

/* Parse a fresh copy with a token array of exactly @p cap entries, so ASan
 * sees a write past the last one; on success it must match @p parsed. */
static bl_status_t reparse(const uint8_t *data, size_t size, size_t cap, const char *parsed)
{
    char *copy = fuzz_dup(data, size);
    bl_json_token_t *few = (bl_json_token_t *)malloc(cap * sizeof *few);
    if (few == NULL) {
        abort();
    }
    bl_json_doc_t d2;
    bl_status_t st = bl_json_parse(&d2, copy, size, few, cap);
    if (st == BL_OK) {
        FUZZ_CHECK(d2.count == (int)cap);
        FUZZ_CHECK(size == 0u || memcmp(copy, parsed, size) == 0);
    }
    free(few);
    free(copy);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(FUZZ_MAX_TOKENS * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, text, size, tokens, FUZZ_MAX_TOKENS);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_JSON || st == BL_ERR_JSON_TOKENS || st == BL_ERR_DECODE);
    if (st == BL_OK) {
        FUZZ_CHECK(bl_utf8_valid((const char *)data, size)); /* RFC 8259 8.1: what is accepted is UTF-8 */
        FUZZ_CHECK(doc.text == text && doc.len == size && doc.tokens == tokens);
        check_tokens(&doc, size);
#ifdef BL_FUZZ_HAVE_CJSON
        compare_with_cjson(data, size, &doc);
#endif

        /* The same text with exactly as many tokens, and one fewer. */
        size_t count = (size_t)doc.count;
        FUZZ_CHECK(reparse(data, size, count, text) == BL_OK);
        if (count > 1u) {
            FUZZ_CHECK(reparse(data, size, count - 1u, text) == BL_ERR_JSON_TOKENS);
        }

        for (int i = 0; i < doc.count; i++) {
            check_getters(&doc, size, i);
        }
        char *parsed = fuzz_dup((const uint8_t *)text, size);
        check_lists(&doc, parsed, size);
        free(parsed);
    }
    free(tokens);
    free(text);
    return 0;
}
