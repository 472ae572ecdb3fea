/**
 * @file bl_time.h
 * @brief RFC 3339 timestamps to broken-down time and Unix seconds.
 *
 * Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)`, with `T`, `t`
 * or a space between date and time and `Z` or `z`; and MoneyKit's zone-less
 * form, taken as UTC. Seconds 60 (leap second) is accepted and counted as 59
 * plus one second. Dates from year 0000 to 9999 are supported, including
 * those before 1970 (negative Unix seconds).
 */
#ifndef BL_TIME_H
#define BL_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config_defaults.h"
#include "bl_json.h"
#include "bl_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A broken-down timestamp as written, plus its UTC offset. */
typedef struct bl_datetime {
    int16_t year;        /**< 0..9999 */
    uint8_t month;       /**< 1..12 */
    uint8_t day;         /**< 1..31, checked against the month */
    uint8_t hour;        /**< 0..23 */
    uint8_t minute;      /**< 0..59 */
    uint8_t second;      /**< 0..60 */
    uint32_t nanosecond; /**< 0..999999999; digits past the ninth are dropped */
    int16_t offset_min;  /**< UTC offset in minutes, -1439..1439 */
    bool has_zone;       /**< false for the zone-less form (UTC assumed) */
} bl_datetime_t;

/** A decoded timestamp field of an API model. */
typedef struct bl_timestamp {
    int64_t unix_s;         /**< Seconds since 1970-01-01T00:00:00Z (may be negative). */
    uint32_t nanosecond;    /**< Fraction of the second. */
    bl_presence_t presence; /**< Absent, null or present. */
} bl_timestamp_t;

/**
 * @brief Parse an RFC 3339 timestamp.
 * @param s   Text (need not be NUL-terminated).
 * @param len Its length; the whole text must be the timestamp.
 * @param out Filled on success.
 * @return BL_OK or BL_ERR_DECODE.
 * @code
 * bl_datetime_t dt;
 * if (bl_datetime_parse("2023-02-16T09:14:11", 19, &dt) == BL_OK) { ... }
 * @endcode
 */
BL_NODISCARD bl_status_t bl_datetime_parse(const char *s, size_t len, bl_datetime_t *out);

/** Unix seconds of @p dt (its offset applied). */
int64_t bl_datetime_to_unix(const bl_datetime_t *dt);

/** Broken-down UTC time of Unix second @p t (offset 0, has_zone true). */
void bl_datetime_from_unix(int64_t t, bl_datetime_t *out);

/**
 * @brief Format a timestamp as RFC 3339 UTC (`2020-01-01T00:00:00Z`, with a
 * fraction only when non-zero, trailing zeros removed).
 * @param out  Buffer; BL_DATETIME_STR_MAX bytes always suffice.
 * @return Characters written, without the NUL; 0 if @p cap is too small.
 */
size_t bl_datetime_format_utc(int64_t unix_s, uint32_t nanosecond, char *out, size_t cap);

/** Buffer size that always holds bl_datetime_format_utc()'s output. */
#define BL_DATETIME_STR_MAX 32u

#if BL_CONFIG_HTTP_DATE
/**
 * @brief Decode an HTTP date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)
 * or either obsolete form (RFC 850, asctime). Built when BL_CONFIG_HTTP_DATE is 1.
 * @return BL_OK with Unix seconds in @p out, or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_http_date_parse(const char *s, size_t len, int64_t *out);
#endif

/**
 * @brief Read a timestamp field of a JSON document (string, null or absent).
 * @return BL_OK, or BL_ERR_DECODE for another type or an invalid timestamp.
 */
BL_NODISCARD bl_status_t bl_json_get_timestamp(const bl_json_doc_t *doc, int index, bl_timestamp_t *out);

#ifdef __cplusplus
}
#endif

#endif /* BL_TIME_H */
