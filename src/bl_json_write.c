/**
 * @file bl_json_write.c
 * @brief The writer half of bl_json.h: a bounded append buffer, decimal
 * numbers, JSON string escaping and UTF-8 validation; plus the small string
 * helpers that decoded models use.
 *
 * Each append is all-or-nothing: it is copied only when it fits entirely,
 * otherwise only counted. So while bl_buf_ok() holds, data[0..len) is exactly
 * what was appended, and after an overflow len is the size that would fit.
 */
#include "bl_json.h"

#include <string.h>

/* ------------------------------------------------------------ bl_buf */

void bl_buf_init(bl_buf_t *b, char *data, size_t cap)
{
    if (b == NULL) {
        return;
    }
    b->data = data;
    b->cap = (data == NULL) ? 0u : cap; /* no window: measure only */
    b->len = 0u;
}

bool bl_buf_ok(const bl_buf_t *b)
{
    return b != NULL && b->len <= b->cap;
}

void bl_buf_put(bl_buf_t *b, const char *s, size_t n)
{
    if (b == NULL || n == 0u) {
        return;
    }
    if (s == NULL) {
        /* A caller bug; poison the buffer so the request is refused rather
         * than sent with a hole in it. */
        b->len = SIZE_MAX;
        return;
    }
    if (n > SIZE_MAX - b->len) {
        b->len = SIZE_MAX; /* saturate: still "does not fit" */
        return;
    }
    if (b->data != NULL && b->len <= b->cap && n <= b->cap - b->len) {
        memcpy(b->data + b->len, s, n);
    }
    b->len += n;
}

void bl_buf_puts(bl_buf_t *b, const char *s)
{
    bl_buf_put(b, s, s == NULL ? 1u : strlen(s));
}

/* *v /= 10, returning the remainder, in 16-bit steps: each partial
 * dividend stays under 10 * 2^16, so only 32-bit division is used and
 * libgcc's 64-bit divider stays out of the firmware. */
static unsigned div10(uint64_t *v)
{
    uint64_t q = 0;
    uint32_t r = 0;
    for (int shift = 48; shift >= 0; shift -= 16) {
        uint32_t part = (r << 16) | (uint32_t)((*v >> shift) & 0xFFFFu);
        q = (q << 16) | (part / 10u);
        r = part % 10u;
    }
    *v = q;
    return (unsigned)r;
}

/* Digits of @p v (and a leading '-' when @p negative) put in one piece:
 * a number either fits whole or is not written at all. */
static void put_decimal(bl_buf_t *b, uint64_t v, bool negative)
{
    char tmp[21]; /* '-' and the 20 digits of UINT64_MAX */
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + div10(&v));
    } while (v != 0u);
    if (negative) {
        tmp[--i] = '-';
    }
    bl_buf_put(b, tmp + i, sizeof tmp - i);
}

void bl_buf_put_u64(bl_buf_t *b, uint64_t v)
{
    put_decimal(b, v, false);
}

void bl_buf_put_i64(bl_buf_t *b, int64_t v)
{
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
    put_decimal(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/* ------------------------------------------------------------ UTF-8 */

bool bl_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0u;

    if (s == NULL) {
        return len == 0u;
    }
    while (i < len) {
        const unsigned c = p[i];
        size_t need;
        unsigned lo = 0x80u, hi = 0xBFu; /* range of the second byte */

        if (c < 0x80u) {
            i++;
            continue;
        }
        if (c >= 0xC2u && c <= 0xDFu) {
            need = 1u;                  /* C0, C1 would be overlong */
        } else if (c >= 0xE0u && c <= 0xEFu) {
            need = 2u;
            if (c == 0xE0u) {
                lo = 0xA0u;             /* overlong below U+0800 */
            } else if (c == 0xEDu) {
                hi = 0x9Fu;             /* surrogates U+D800..DFFF */
            }
        } else if (c >= 0xF0u && c <= 0xF4u) {
            need = 3u;
            if (c == 0xF0u) {
                lo = 0x90u;             /* overlong below U+10000 */
            } else if (c == 0xF4u) {
                hi = 0x8Fu;             /* above U+10FFFF */
            }
        } else {
            return false;               /* stray continuation, C0/C1, F5..FF */
        }
        if (len - i - 1u < need) {
            return false;               /* truncated sequence */
        }
        if (p[i + 1u] < lo || p[i + 1u] > hi) {
            return false;
        }
        for (size_t k = 2u; k <= need; k++) {
            if ((p[i + k] & 0xC0u) != 0x80u) {
                return false;
            }
        }
        i += need + 1u;
    }
    return true;
}

/* ------------------------------------------------------------ JSON string */

bl_status_t bl_json_put_str(bl_buf_t *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0u; /* start of the pending run of bytes that need no escape */

    if (b == NULL || (s == NULL && len != 0u) || !bl_utf8_valid(s, len)) {
        return BL_ERR_INVALID_ARG;
    }
    bl_buf_put(b, "\"", 1u);
    for (size_t i = 0u; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 'u', '0', '0', 0, 0};
        size_t esc_len = 2u;

        if (c >= 0x20u && c != '"' && c != '\\') {
            continue; /* plain byte (DEL and UTF-8 included): stays in the run */
        }
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0Fu];
            esc_len = 6u;
            break;
        }
        bl_buf_put(b, s + run, i - run);
        bl_buf_put(b, esc, esc_len);
        run = i + 1u;
    }
    if (run < len) {
        bl_buf_put(b, s + run, len - run);
    }
    bl_buf_put(b, "\"", 1u);
    return BL_OK;
}

/* ------------------------------------------------------------ helpers */

const char *bl_str_list_next(const char *s)
{
    return s == NULL ? NULL : s + strlen(s) + 1u;
}

bool bl_str_eq(const bl_str_t *s, const char *lit)
{
    if (s == NULL || lit == NULL || s->presence != BL_PRESENT || s->ptr == NULL) {
        return false;
    }
    return strlen(lit) == s->len && memcmp(s->ptr, lit, s->len) == 0;
}
