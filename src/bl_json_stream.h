/**
 * @file bl_json_stream.h
 * @brief Walk the array of a JSON object one element at a time, while the
 * body streams through a window smaller than the whole body.
 *
 * A list answer such as `{"links": [{...}, {...}, ...], "next_cursor": "x"}`
 * is scanned byte by byte for its structure only. Each element of the named
 * array is handed to a callback as soon as its closing brace arrives, as a
 * complete JSON object that bl_json_parse() can decode in place; the bytes
 * are then released, so only the largest single element has to fit the
 * window. One other top-level string (a pagination cursor) can be captured
 * into caller storage on the way.
 */
#ifndef BL_JSON_STREAM_H
#define BL_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config_defaults.h"
#include "bl_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Receives one array element: a JSON object in @p elem[0..len), which it may
 * modify (decode in place). Return BL_OK to go on; anything else stops the
 * walk with that status.
 */
typedef bl_status_t (*bl_json_element_fn)(void *ctx, char *elem, size_t len);

/** Longest top-level key the scanner compares (longer keys never match). */
#define BL_JSON_STREAM_KEY_MAX 32u

/** Scanner state. Set up with bl_json_stream_init(); fields are private. */
typedef struct bl_json_stream {
    const char *array_key;     /**< Top-level key of the array to walk. */
    bl_json_element_fn on_element; /**< Element callback. */
    void *ctx;                 /**< Its context. */
    const char *capture_key;   /**< Top-level key whose string value is kept, or NULL. */
    char *capture;             /**< Storage for it (NUL-terminated, unescaped). */
    size_t capture_cap;        /**< Its size. */
    size_t capture_len;        /**< Bytes captured. */
    bool captured;             /**< The capture key had a string value. */
    uint64_t kinds;            /**< One bit per open container: 1 = array. */
    uint32_t depth;            /**< Open containers. */
    size_t scanned;            /**< Bytes of the window already scanned. */
    size_t elem_start;         /**< Offset of the element being collected. */
    size_t elements;           /**< Elements handed over so far. */
    char key[BL_JSON_STREAM_KEY_MAX]; /**< Current top-level key (raw). */
    size_t key_len;            /**< Its length (> MAX: too long to match). */
    bool in_string;            /**< Inside a string. */
    bool escape;               /**< After a backslash inside a string. */
    bool expect_key;           /**< Next top-level string is a key. */
    bool in_key;               /**< Collecting a top-level key. */
    bool in_capture;           /**< Collecting the capture value. */
    bool in_array;             /**< Inside the walked array. */
    bool in_elem;              /**< Collecting an element. */
    bool finished;             /**< The top-level object closed. */
} bl_json_stream_t;

#if BL_CONFIG_LISTS
/**
 * @brief Prepare to walk the array under @p array_key.
 * @param capture_key Optional (NULL): a top-level key whose string value is
 *        copied to @p capture (e.g. "next_cursor"); at the end capture[0] is
 *        "" when it was absent or null. @p capture is not written before
 *        the value arrives, so it may hold the request's own cursor.
 */
void bl_json_stream_init(bl_json_stream_t *s, const char *array_key, bl_json_element_fn on_element, void *ctx,
                         const char *capture_key, char *capture, size_t capture_cap);

/**
 * @brief Scan the window @p buf[0..len) (bytes before *consumed of the
 * previous call are gone; the rest is still at the start).
 *
 * @param done     No more bytes will come.
 * @param consumed Set to how many leading bytes may be dropped.
 * @return BL_OK; BL_ERR_JSON for broken structure, a body that ends early
 *         or nests deeper than 64; BL_ERR_DECODE when an element is not an
 *         object or the top level is not an object; BL_ERR_RESPONSE_TOO_LARGE
 *         when the captured value exceeds its storage; or the callback's
 *         status.
 */
BL_NODISCARD bl_status_t bl_json_stream_feed(bl_json_stream_t *s, char *buf, size_t len, bool done,
                                             size_t *consumed);

#endif /* BL_CONFIG_LISTS */

#ifdef __cplusplus
}
#endif

#endif /* BL_JSON_STREAM_H */
