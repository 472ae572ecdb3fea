/*
 * Structural scanner for streamed list answers. It tracks only what it
 * must: string state, container nesting, the current top-level key, and
 * where the element being collected began. Elements are validated by
 * jsmn when the callback decodes them.
 */
#include <string.h>

#include "bl_json.h"
#include "bl_json_stream.h"

#if BL_CONFIG_LISTS

#define MAX_DEPTH 64u

void bl_json_stream_init(bl_json_stream_t *s, const char *array_key, bl_json_element_fn on_element, void *ctx,
                         const char *capture_key, char *capture, size_t capture_cap)
{
    memset(s, 0, sizeof *s);
    s->array_key = array_key;
    s->on_element = on_element;
    s->ctx = ctx;
    s->capture_key = capture_key;
    s->capture = capture;
    /* The capture storage is not touched before the value arrives: it may
     * hold the cursor the request itself was built from. */
    s->capture_cap = capture != NULL ? capture_cap : 0u;
}

static bool key_is(const bl_json_stream_t *s, const char *name)
{
    return name != NULL && s->key_len <= BL_JSON_STREAM_KEY_MAX && strlen(name) == s->key_len &&
           memcmp(s->key, name, s->key_len) == 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A byte inside a string: keep it if it belongs to a key or the capture. */
static bl_status_t string_byte(bl_json_stream_t *s, char c)
{
    if (s->in_key) {
        if (s->key_len < BL_JSON_STREAM_KEY_MAX) {
            s->key[s->key_len] = c;
        }
        if (s->key_len <= BL_JSON_STREAM_KEY_MAX) {
            s->key_len++;
        }
    } else if (s->in_capture) {
        if (s->capture_len + 1u >= s->capture_cap) {
            return BL_ERR_RESPONSE_TOO_LARGE;
        }
        s->capture[s->capture_len++] = c;
    }
    return BL_OK;
}

static bl_status_t open_container(bl_json_stream_t *s, char c, size_t at)
{
    bool array = c == '[';
    if (s->depth == 0u && array) {
        return BL_ERR_DECODE; /* the answer must be an object */
    }
    if (s->depth >= MAX_DEPTH) {
        return BL_ERR_JSON;
    }
    if (s->in_array && s->depth == 2u) {
        if (array) {
            return BL_ERR_DECODE; /* elements are objects */
        }
        s->in_elem = true;
        s->elem_start = at;
    } else if (s->depth == 1u && array && !s->expect_key && key_is(s, s->array_key)) {
        s->in_array = true;
    }
    if (array) {
        s->kinds |= (uint64_t)1u << s->depth;
    }
    s->depth++;
    if (s->depth == 1u) {
        s->expect_key = true;
    }
    return BL_OK;
}

static bl_status_t close_container(bl_json_stream_t *s, char c, char *buf, size_t at)
{
    if (s->depth == 0u) {
        return BL_ERR_JSON;
    }
    s->depth--;
    bool was_array = ((s->kinds >> s->depth) & 1u) != 0u;
    if (was_array != (c == ']')) {
        return BL_ERR_JSON;
    }
    s->kinds &= ~((uint64_t)1u << s->depth);
    if (s->in_elem && s->depth == 2u) {
        s->in_elem = false;
        s->elements++;
        return s->on_element(s->ctx, buf + s->elem_start, at + 1u - s->elem_start);
    }
    if (s->in_array && s->depth == 1u) {
        s->in_array = false;
    }
    if (s->depth == 0u) {
        s->finished = true;
    }
    return BL_OK;
}

static bl_status_t scan_byte(bl_json_stream_t *s, char *buf, size_t at)
{
    char c = buf[at];
    if (s->in_string) {
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == '"') {
            s->in_string = false;
            s->in_key = false;
            s->in_capture = false;
            return BL_OK;
        }
        return string_byte(s, c);
    }
    if (s->finished) {
        return is_space(c) ? BL_OK : BL_ERR_JSON;
    }
    switch (c) {
    case '"':
        s->in_string = true;
        if (s->depth == 1u && s->expect_key) {
            s->in_key = true;
            s->key_len = 0;
        } else if (s->depth == 1u && key_is(s, s->capture_key) && s->capture_cap > 0u) {
            s->in_capture = true;
            s->captured = true;
            s->capture_len = 0;
        } else if ((s->in_array && s->depth == 2u) || s->depth == 0u) {
            return BL_ERR_DECODE; /* a string where an object belongs */
        }
        return BL_OK;
    case '{':
    case '[':
        return open_container(s, c, at);
    case '}':
    case ']':
        return close_container(s, c, buf, at);
    case ':':
        if (s->depth == 1u) {
            s->expect_key = false;
        }
        return BL_OK;
    case ',':
        if (s->depth == 1u) {
            s->expect_key = true;
        }
        return BL_OK;
    default:
        if (is_space(c)) {
            return BL_OK;
        }
        if (s->depth == 0u || (s->in_array && s->depth == 2u)) {
            return BL_ERR_DECODE; /* a bare value where an object belongs */
        }
        return BL_OK;
    }
}

bl_status_t bl_json_stream_feed(bl_json_stream_t *s, char *buf, size_t len, bool done, size_t *consumed)
{
    *consumed = 0;
    for (size_t i = s->scanned; i < len; i++) {
        bl_status_t st = scan_byte(s, buf, i);
        if (st != BL_OK) {
            return st;
        }
    }
    /* Everything scanned can go, except an element still being collected. */
    size_t keep_from = s->in_elem ? s->elem_start : len;
    *consumed = keep_from;
    s->scanned = len - keep_from;
    s->elem_start -= s->in_elem ? keep_from : s->elem_start;
    if (!done) {
        return BL_OK;
    }
    if (!s->finished) {
        return BL_ERR_JSON;
    }
    if (!s->captured && s->capture_cap > 0u) {
        s->capture[0] = '\0';
    } else if (s->capture_cap > 0u) {
        size_t n;
        s->capture[s->capture_len] = '\0';
        if (bl_json_unescape(s->capture, s->capture_len, &n) != BL_OK) {
            return BL_ERR_JSON;
        }
        s->capture[n] = '\0';
        s->capture_len = n;
    }
    return BL_OK;
}

#else
typedef int bl_json_stream_not_built_t; /* ISO C wants something in a translation unit */
#endif /* BL_CONFIG_LISTS */
