/*
 * Fuzz target: bl_json_unescape, the in-place JSON string decoder.
 *
 * The input is the text between the quotes of a JSON string. Checks:
 *   - it never grows, never writes a NUL into the decoded text, and keeps
 *     its promise about the terminator;
 *   - input that is not UTF-8 is refused; valid UTF-8 in gives valid
 *     UTF-8 out;
 *   - escaping the result again with bl_json_put_str and unescaping that
 *     gives the same bytes back;
 *   - when built with cJSON (BL_FUZZ_HAVE_CJSON), whatever banklink
 *     accepts, cJSON decodes to the very same bytes.
 */
#include "fuzz_common.h"

#ifdef BL_FUZZ_HAVE_CJSON
#include <cjson/cJSON.h>

/* True when s has no quote that would end a JSON string early. */
static bool no_raw_quote(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == '"') {
            return false;
        }
    }
    return true;
}

static void compare_with_cjson(const uint8_t *data, size_t size, const char *out, size_t out_len)
{
    if (!no_raw_quote((const char *)data, size)) {
        return;
    }
    char *quoted = (char *)malloc(size + 2u);
    if (quoted == NULL) {
        abort();
    }
    quoted[0] = '"';
    memcpy(quoted + 1, data, size);
    quoted[size + 1u] = '"';
    cJSON *item = cJSON_ParseWithLength(quoted, size + 2u);
    FUZZ_CHECK(item != NULL);               /* banklink accepted it: so must cJSON */
    FUZZ_CHECK(cJSON_IsString(item));
    FUZZ_CHECK(strlen(item->valuestring) == out_len);
    FUZZ_CHECK(memcmp(item->valuestring, out, out_len) == 0);
    cJSON_Delete(item);
    free(quoted);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_dup(data, size);
    size_t out_len = (size_t)-1;
    bl_status_t st = bl_json_unescape(s, size, &out_len);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_JSON);
    /* Raw bytes must be UTF-8 (escapes are ASCII): what is not, is refused. */
    FUZZ_CHECK(st != BL_OK || bl_utf8_valid((const char *)data, size));
    if (st != BL_OK) {
        free(s);
        return 0;
    }
    FUZZ_CHECK(out_len <= size);
    if (out_len < size) {
        FUZZ_CHECK(s[out_len] == '\0');
    }
    FUZZ_CHECK(memchr(s, '\0', out_len) == NULL);
    if (memchr(data, '\\', size) == NULL) {
        FUZZ_CHECK(out_len == size && memcmp(s, data, size) == 0); /* nothing to undo */
    }
    if (bl_utf8_valid((const char *)data, size)) {
        FUZZ_CHECK(bl_utf8_valid(s, out_len));

        /* Escape it again and undo that: the same bytes must come back. */
        size_t cap = 6u * out_len + 2u;
        char *esc = (char *)malloc(cap);
        if (esc == NULL) {
            abort();
        }
        bl_buf_t b;
        bl_buf_init(&b, esc, cap);
        FUZZ_CHECK(bl_json_put_str(&b, s, out_len) == BL_OK);
        FUZZ_CHECK(bl_buf_ok(&b) && b.len >= 2u && esc[0] == '"' && esc[b.len - 1u] == '"');
        size_t inner = b.len - 2u;
        char *again = fuzz_dup((const uint8_t *)esc + 1, inner);
        size_t again_len = 0;
        FUZZ_CHECK(bl_json_unescape(again, inner, &again_len) == BL_OK);
        FUZZ_CHECK(again_len == out_len && memcmp(again, s, out_len) == 0);
        free(again);
        free(esc);
    }
#ifdef BL_FUZZ_HAVE_CJSON
    compare_with_cjson(data, size, s, out_len);
#endif
    free(s);
    return 0;
}
