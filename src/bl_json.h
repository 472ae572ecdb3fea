/**
 * @file bl_json.h
 * @brief JSON reader (jsmn underneath) and writer, both on caller buffers.
 *
 * The reader tokenises a body with jsmn (compiled privately with
 * JSMN_PARENT_LINKS and JSMN_STRICT), then unescapes every string in place
 * (an escape never gets longer when decoded) and NUL-terminates it, so a
 * decoded string is a `const char *` view into the body. Strings that decode
 * to a NUL byte (`\u0000`) are refused: a C string could not hold them
 * faithfully. Strings must be UTF-8, as the writer requires of its input:
 * reader and writer accept the same strings.
 *
 * The writer appends to a bl_buf_t and never writes past its end; on
 * overflow it keeps counting, so the caller learns the size that would fit.
 */
#ifndef BL_JSON_H
#define BL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Whether a decoded field was absent, JSON `null`, or has a value. */
typedef enum bl_presence {
    BL_ABSENT = 0, /**< The key was not in the object. */
    BL_NULL = 1,   /**< The key was there with the value `null`. */
    BL_PRESENT = 2 /**< The key had a value of the expected type. */
} bl_presence_t;

/** A decoded string: a NUL-terminated view into the work buffer. */
typedef struct bl_str {
    const char *ptr;        /**< NULL unless presence == BL_PRESENT. */
    size_t len;             /**< Bytes before the NUL. */
    bl_presence_t presence; /**< Absent, null or present. */
} bl_str_t;

/**
 * A decoded array of strings, packed in the work buffer one after another,
 * each NUL-terminated. Walk it with bl_str_list_next().
 */
typedef struct bl_str_list {
    const char *first;      /**< First string, or NULL when count == 0. */
    size_t count;           /**< Number of strings. */
    bl_presence_t presence; /**< Absent, null or present. */
} bl_str_list_t;

/** A decoded boolean. */
typedef struct bl_opt_bool {
    bool value;             /**< Meaningful when presence == BL_PRESENT. */
    bl_presence_t presence; /**< Absent, null or present. */
} bl_opt_bool_t;

/**
 * @brief The string after @p s in a bl_str_list_t.
 * @code
 * const char *tag = link.tags.first;
 * for (size_t i = 0; i < link.tags.count; i++, tag = bl_str_list_next(tag))
 *     puts(tag);
 * @endcode
 */
const char *bl_str_list_next(const char *s);

/** Token types (jsmn's values). An enum of the same shape as jsmn's, so
 *  both have one size under any enum-size setting (-fshort-enums on ARM). */
typedef enum bl_json_type {
    BL_JSON_UNDEFINED = 0,
    BL_JSON_OBJECT = 1,
    BL_JSON_ARRAY = 2,
    BL_JSON_STRING = 3,
    BL_JSON_PRIMITIVE = 4
} bl_json_type_t;

/* jsmn fills the caller's array through its own struct type; may_alias
 * tells the optimiser the two views share memory. */
#if defined(__GNUC__) || defined(__clang__)
#define BL_MAY_ALIAS __attribute__((__may_alias__))
#else
#define BL_MAY_ALIAS
#endif

/**
 * @brief A JSON token. Same layout as jsmn's `jsmntok_t` built with
 * JSMN_PARENT_LINKS (checked at compile time); size arrays of them with the
 * `*_TOKENS` macros of each call.
 */
typedef struct BL_MAY_ALIAS bl_json_token {
    bl_json_type_t type; /**< BL_JSON_OBJECT, _ARRAY, _STRING or _PRIMITIVE. */
    int start;  /**< Offset of the first byte (inside the quotes for strings). */
    int end;    /**< Offset one past the last byte. */
    int size;   /**< Members of an object, elements of an array, 1 for a key. */
    int parent; /**< Index of the parent token, -1 at the top. */
} bl_json_token_t;

/** A tokenised body. All fields are set by bl_json_parse(). */
typedef struct bl_json_doc {
    char *text;                   /**< The body; strings are unescaped in place. */
    size_t len;                   /**< Body length. */
    bl_json_token_t *tokens;      /**< Caller's token array. */
    int count;                    /**< Tokens used. */
} bl_json_doc_t;

/**
 * @brief Tokenise @p text, then unescape and NUL-terminate every string.
 *
 * The top-level value must be an object (another value is BL_ERR_DECODE),
 * followed only by white space. Nesting depth is bounded only by the
 * token array.
 *
 * @param doc        Filled on success.
 * @param text       The body; modified in place.
 * @param len        Bytes in @p text.
 * @param tokens     Caller's token array.
 * @param max_tokens Its capacity.
 * @return BL_OK; BL_ERR_JSON_TOKENS when the array is too small;
 *         BL_ERR_JSON for malformed JSON, an invalid escape, a lone
 *         surrogate, a raw control byte in a string, a `\u0000`, or a
 *         string (key or value) that is not UTF-8 (RFC 8259 8.1: overlong
 *         forms, truncated sequences, lone continuation bytes, encoded
 *         surrogates, code points above U+10FFFF).
 */
BL_NODISCARD bl_status_t bl_json_parse(bl_json_doc_t *doc, char *text, size_t len,
                                       bl_json_token_t *tokens, size_t max_tokens);

/**
 * @brief Unescape a JSON string body in place.
 *
 * @param s   The bytes between the quotes.
 * @param len Their count.
 * @param out_len Length after decoding (<= len); a NUL is written after it
 *            when out_len < len, so the caller may always write s[out_len].
 * @return BL_OK or BL_ERR_JSON (bad escape, lone surrogate, control byte,
 *         `\u0000`, bytes that are not UTF-8; checked by bl_utf8_valid()
 *         in the same pass).
 */
BL_NODISCARD bl_status_t bl_json_unescape(char *s, size_t len, size_t *out_len);

/** Index one past the last token of the value at @p index. */
int bl_json_skip(const bl_json_doc_t *doc, int index);

/**
 * @brief Find the values of known keys in the object at @p obj, in one pass.
 *
 * @param keys  Key names to look for.
 * @param n     How many.
 * @param out   out[i] = token index of the value of keys[i], or -1 if absent.
 *              Unknown keys are skipped at any depth; a repeated key keeps
 *              its last value.
 * @return BL_OK, or BL_ERR_DECODE if @p obj is not an object.
 */
BL_NODISCARD bl_status_t bl_json_object_find(const bl_json_doc_t *doc, int obj,
                                             const char *const *keys, size_t n, int *out);

/** True when the value at @p index (>= 0) is JSON `null`. */
bool bl_json_is_null(const bl_json_doc_t *doc, int index);

/**
 * @brief Read a string value. @p index -1 gives BL_ABSENT.
 * @return BL_OK (absent/null/present in @p out), or BL_ERR_DECODE when the
 *         value is another type.
 */
BL_NODISCARD bl_status_t bl_json_get_str(const bl_json_doc_t *doc, int index, bl_str_t *out);

/** Read a boolean value; as bl_json_get_str(). */
BL_NODISCARD bl_status_t bl_json_get_bool(const bl_json_doc_t *doc, int index, bl_opt_bool_t *out);

/**
 * @brief Read an integer value into @p out, checked against [min, max].
 * @param presence Receives absent/null/present.
 * @return BL_OK, or BL_ERR_DECODE for another type, a fraction or exponent,
 *         or a value out of range.
 */
BL_NODISCARD bl_status_t bl_json_get_int(const bl_json_doc_t *doc, int index, int64_t min, int64_t max,
                                         int64_t *out, bl_presence_t *presence);

/**
 * @brief Pack the string elements of the array at @p index into its own span
 * of the buffer and describe them in @p out.
 * @return BL_OK, or BL_ERR_DECODE when it is not an array of strings.
 */
BL_NODISCARD bl_status_t bl_json_get_str_list(const bl_json_doc_t *doc, int index, bl_str_list_t *out);

/** True when a present string equals @p lit. */
bool bl_str_eq(const bl_str_t *s, const char *lit);

/* ---------------------------------------------------------------- writer */

/** An append-only output window. */
typedef struct bl_buf {
    char *data;  /**< Start of the window (may be NULL when cap is 0: measure only). */
    size_t cap;  /**< Its size. */
    size_t len;  /**< Bytes that were (or would have been) written. */
} bl_buf_t;

/** Start a writer over @p data[0..cap). */
void bl_buf_init(bl_buf_t *b, char *data, size_t cap);
/** True when everything appended so far fitted. */
bool bl_buf_ok(const bl_buf_t *b);
/** Append @p n raw bytes. */
void bl_buf_put(bl_buf_t *b, const char *s, size_t n);
/** Append a NUL-terminated string. */
void bl_buf_puts(bl_buf_t *b, const char *s);
/** Append an unsigned decimal. */
void bl_buf_put_u64(bl_buf_t *b, uint64_t v);
/** Append a signed decimal. */
void bl_buf_put_i64(bl_buf_t *b, int64_t v);

/**
 * @brief Append @p s as a quoted JSON string: `"` and `\` escaped, control
 * bytes as `\n`, `\t`… or `\u00XX`, UTF-8 passed through.
 * @return BL_OK, or BL_ERR_INVALID_ARG if @p s is not valid UTF-8 (nothing
 *         appended).
 */
BL_NODISCARD bl_status_t bl_json_put_str(bl_buf_t *b, const char *s, size_t len);

/** True when @p s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool bl_utf8_valid(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BL_JSON_H */
