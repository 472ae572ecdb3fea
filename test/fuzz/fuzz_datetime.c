/*
 * Fuzz target: RFC 3339 and HTTP date parsing, and the formatter.
 *
 * The whole input is offered to bl_datetime_parse and bl_http_date_parse.
 * Whatever parses must (a) be in range, (b) agree with the C library's
 * timegm, (c) survive a round trip: formatted with bl_datetime_format_utc
 * (or as an IMF-fixdate) it parses back to the same Unix second. The first
 * 12 bytes also name an arbitrary instant in years 0000..9999 that must
 * format, parse back, and break down exactly as gmtime does.
 */
#define _DEFAULT_SOURCE /* timegm, gmtime_r */
#include <time.h>

#include "bl_time.h"
#include "fuzz_common.h"

static const char *const fuzz_days[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const fuzz_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Unix seconds of a UTC calendar time, by the C library. */
static int64_t libc_timegm(int year, int mon, int day, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm);
}

/* True when the month has that day: timegm rolls an invalid day over
 * (Feb 30 becomes Mar 2) and says so in the struct it normalises. */
static bool libc_date_exists(int year, int mon, int day)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    (void)timegm(&tm);
    return tm.tm_year == year - 1900 && tm.tm_mon == mon - 1 && tm.tm_mday == day;
}

/* @p t as RFC 3339 and back: the same second and fraction. */
static void check_format_roundtrip(int64_t t, uint32_t ns)
{
    char out[BL_DATETIME_STR_MAX];
    size_t n = bl_datetime_format_utc(t, ns, out, sizeof out);
    if (t < FUZZ_UNIX_MIN || t > FUZZ_UNIX_MAX) {
        FUZZ_CHECK(n == 0u && out[0] == '\0'); /* no four-digit year for it */
        return;
    }
    FUZZ_CHECK(n >= 20u && n < sizeof out && out[n] == '\0' && out[n - 1u] == 'Z');
    bl_datetime_t dt;
    FUZZ_CHECK(bl_datetime_parse(out, n, &dt) == BL_OK);
    FUZZ_CHECK(dt.has_zone && dt.offset_min == 0);
    FUZZ_CHECK(bl_datetime_to_unix(&dt) == t);
    FUZZ_CHECK(dt.nanosecond == ns);

    /* One byte short: nothing written but an empty string. */
    char small[BL_DATETIME_STR_MAX];
    memset(small, 'x', sizeof small);
    FUZZ_CHECK(bl_datetime_format_utc(t, ns, small, n) == 0u && small[0] == '\0');
    FUZZ_CHECK(bl_datetime_format_utc(t, ns, small, n + 1u) == n && memcmp(small, out, n + 1u) == 0);
}

/* @p t (in range) as an IMF-fixdate and back through bl_http_date_parse. */
static void check_http_roundtrip(int64_t t)
{
    bl_datetime_t dt;
    bl_datetime_from_unix(t, &dt);
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int wday = (int)(((days % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    char http[40];
    int n = snprintf(http, sizeof http, "%s, %02u %s %04d %02u:%02u:%02u GMT", fuzz_days[wday], (unsigned)dt.day,
                     fuzz_months[dt.month - 1u], (int)dt.year, (unsigned)dt.hour, (unsigned)dt.minute,
                     (unsigned)dt.second);
    FUZZ_CHECK(n == 29);
    char *exact = fuzz_dup((const uint8_t *)http, (size_t)n);
    int64_t back = 0;
    FUZZ_CHECK(bl_http_date_parse(exact, (size_t)n, &back) == BL_OK && back == t);
    free(exact);
}

/* An arbitrary instant: breaks down as gmtime says, and round-trips. */
static void check_instant(const uint8_t *data)
{
    uint64_t raw = 0;
    for (int i = 0; i < 8; i++) {
        raw = (raw << 8) | data[i];
    }
    uint64_t span = (uint64_t)(FUZZ_UNIX_MAX - FUZZ_UNIX_MIN) + 1u;
    int64_t t = FUZZ_UNIX_MIN + (int64_t)(raw % span);
    uint32_t ns = (((uint32_t)data[8] << 24) | ((uint32_t)data[9] << 16) | ((uint32_t)data[10] << 8) | data[11]) %
                  1000000000u;

    bl_datetime_t dt;
    bl_datetime_from_unix(t, &dt);
    FUZZ_CHECK(bl_datetime_to_unix(&dt) == t);

    /* The raw 64-bit value: out of range it saturates (from_unix) or is
     * refused (format); an unnormalised fraction carries into the seconds. */
    int64_t wide = (int64_t)raw;
    bl_datetime_t sat;
    bl_datetime_from_unix(wide, &sat);
    int64_t clamped = wide < FUZZ_UNIX_MIN ? FUZZ_UNIX_MIN : (wide > FUZZ_UNIX_MAX ? FUZZ_UNIX_MAX : wide);
    FUZZ_CHECK(bl_datetime_to_unix(&sat) == clamped);
    uint32_t raw_ns = ((uint32_t)data[8] << 24) | ((uint32_t)data[9] << 16) | ((uint32_t)data[10] << 8) | data[11];
    char a[BL_DATETIME_STR_MAX];
    char b[BL_DATETIME_STR_MAX];
    size_t na = bl_datetime_format_utc(t, raw_ns, a, sizeof a);
    size_t nb = bl_datetime_format_utc(t + (int64_t)(raw_ns / 1000000000u), raw_ns % 1000000000u, b, sizeof b);
    FUZZ_CHECK(na == nb && memcmp(a, b, na + 1u) == 0);
    int64_t carry = (int64_t)(raw_ns / 1000000000u);
    bool out_of_range = wide > FUZZ_UNIX_MAX - carry || wide + carry < FUZZ_UNIX_MIN;
    na = bl_datetime_format_utc(wide, raw_ns, a, sizeof a);
    FUZZ_CHECK((na == 0u) == out_of_range);
    time_t tt = (time_t)t;
    struct tm tm;
    FUZZ_CHECK(gmtime_r(&tt, &tm) != NULL);
    FUZZ_CHECK(dt.year == tm.tm_year + 1900 && dt.month == tm.tm_mon + 1 && dt.day == tm.tm_mday);
    FUZZ_CHECK(dt.hour == tm.tm_hour && dt.minute == tm.tm_min && dt.second == tm.tm_sec);
    check_format_roundtrip(t, ns);
    check_http_roundtrip(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_dup(data, size);

    bl_datetime_t dt;
    memset(&dt, 0, sizeof dt);
    bl_status_t st = bl_datetime_parse(s, size, &dt);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
    if (st == BL_OK) {
        FUZZ_CHECK(dt.year >= 0 && dt.year <= 9999);
        FUZZ_CHECK(dt.month >= 1 && dt.month <= 12 && dt.day >= 1 && dt.day <= 31);
        FUZZ_CHECK(dt.hour <= 23 && dt.minute <= 59 && dt.second <= 60);
        FUZZ_CHECK(dt.nanosecond < 1000000000u);
        FUZZ_CHECK(dt.offset_min >= -1439 && dt.offset_min <= 1439);
        FUZZ_CHECK(dt.has_zone || dt.offset_min == 0);
        FUZZ_CHECK(libc_date_exists(dt.year, dt.month, dt.day));
        int64_t t = bl_datetime_to_unix(&dt);
        FUZZ_CHECK(t == libc_timegm(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second) -
                            (int64_t)dt.offset_min * 60);
        check_format_roundtrip(t, dt.nanosecond);
        if (t >= FUZZ_UNIX_MIN && t <= FUZZ_UNIX_MAX) {
            check_http_roundtrip(t);
        }
    }

    int64_t h = 0;
    st = bl_http_date_parse(s, size, &h);
    FUZZ_CHECK(st == BL_OK || st == BL_ERR_DECODE);
    if (st == BL_OK) {
        FUZZ_CHECK(h >= FUZZ_UNIX_MIN && h <= FUZZ_UNIX_MAX + 1);
        if (h <= FUZZ_UNIX_MAX) {
            check_http_roundtrip(h);
            check_format_roundtrip(h, 0u);
        }
    }

    if (size >= 12u) {
        check_instant(data);
    }
    free(s);
    return 0;
}
