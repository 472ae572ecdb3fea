/*
 * Unit tests for bl_time: RFC 3339 parsing, Unix conversions, formatting,
 * HTTP dates and the JSON timestamp field reader.
 *
 * Expected Unix values were computed independently (Python's
 * calendar.timegm); the calendar itself is also checked day by day against a
 * naive reference walk over every date from 0000-01-01 to 9999-12-31.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bl_time.h"

#define UNIX_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define UNIX_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

/* Parse @p s from an exact-size heap copy with no NUL after it, so that
 * AddressSanitizer catches any read past len. */
static bl_status_t parse_exact(const char *s, size_t len, bl_datetime_t *dt)
{
    char *copy = malloc(len == 0u ? 1u : len);
    assert_non_null(copy);
    memcpy(copy, s, len);
    const bl_status_t st = bl_datetime_parse(copy, len, dt);
    free(copy);
    return st;
}

static bl_status_t parse_str(const char *s, bl_datetime_t *dt)
{
    return parse_exact(s, strlen(s), dt);
}

static bl_status_t http_exact(const char *s, size_t len, int64_t *out)
{
    char *copy = malloc(len == 0u ? 1u : len);
    assert_non_null(copy);
    memcpy(copy, s, len);
    const bl_status_t st = bl_http_date_parse(copy, len, out);
    free(copy);
    return st;
}

static void expect_i64(const char *what, int64_t got, int64_t want)
{
    if (got != want) {
        fail_msg("%s: got %lld, want %lld", what, (long long)got, (long long)want);
    }
}

/* ------------------------------------------------------------ known values */

static void test_known_unix_values(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t unix_s;
    } cases[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2020-01-01T00:00:00Z", 1577836800},
        {"1969-12-31T23:59:59Z", -1},
        {"1900-03-01T00:00:00Z", -2203891200LL},
        {"1900-02-28T23:59:59Z", -2203891201LL},
        {"0000-01-01T00:00:00Z", UNIX_MIN},
        {"0001-01-01T00:00:00Z", -62135596800LL},
        {"0004-02-29T00:00:00Z", -62035891200LL},
        {"1582-10-15T00:00:00Z", -12219292800LL},
        {"1600-02-29T00:00:00Z", -11670998400LL},
        {"1901-12-13T20:45:52Z", -2147483648LL},
        {"2000-02-29T12:00:00Z", 951825600},
        {"2024-02-29T00:00:00Z", 1709164800},
        {"2038-01-19T03:14:07Z", 2147483647LL},
        {"2038-01-19T03:14:08Z", 2147483648LL},
        {"2106-02-07T06:28:16Z", 4294967296LL},
        {"9999-12-31T23:59:59Z", UNIX_MAX},
        /* the Heron spec's example and MoneyKit's zone-less example */
        {"2023-02-16T09:14:11", 1676538851},
        {"2023-02-16T09:14:11Z", 1676538851},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_datetime_t dt;
        if (parse_str(cases[i].text, &dt) != BL_OK) {
            fail_msg("refused valid timestamp %s", cases[i].text);
        }
        expect_i64(cases[i].text, bl_datetime_to_unix(&dt), cases[i].unix_s);
        assert_int_equal(dt.nanosecond, 0);
        assert_int_equal(dt.offset_min, 0);
    }
}

static void test_fields(void **state)
{
    (void)state;
    bl_datetime_t dt;
    assert_int_equal(parse_str("2023-02-16T09:14:11.25+05:30", &dt), BL_OK);
    assert_int_equal(dt.year, 2023);
    assert_int_equal(dt.month, 2);
    assert_int_equal(dt.day, 16);
    assert_int_equal(dt.hour, 9);
    assert_int_equal(dt.minute, 14);
    assert_int_equal(dt.second, 11);
    assert_int_equal(dt.nanosecond, 250000000);
    assert_int_equal(dt.offset_min, 330);
    assert_true(dt.has_zone);
}

static void test_leap_years_and_month_lengths(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        {"2000-02-29T00:00:00Z", true},  {"2100-02-29T00:00:00Z", false}, {"2023-02-29T00:00:00Z", false},
        {"2024-02-29T00:00:00Z", true},  {"1900-02-29T00:00:00Z", false}, {"1600-02-29T00:00:00Z", true},
        {"0000-02-29T00:00:00Z", true},  {"2023-02-28T00:00:00Z", true},  {"2024-02-30T00:00:00Z", false},
        {"2023-01-31T00:00:00Z", true},  {"2023-03-31T00:00:00Z", true},  {"2023-04-31T00:00:00Z", false},
        {"2023-05-31T00:00:00Z", true},  {"2023-06-31T00:00:00Z", false}, {"2023-07-31T00:00:00Z", true},
        {"2023-08-31T00:00:00Z", true},  {"2023-09-31T00:00:00Z", false}, {"2023-10-31T00:00:00Z", true},
        {"2023-11-31T00:00:00Z", false}, {"2023-12-31T00:00:00Z", true},  {"2023-12-32T00:00:00Z", false},
        {"2023-01-00T00:00:00Z", false}, {"2023-00-10T00:00:00Z", false}, {"2023-13-01T00:00:00Z", false},
        {"2023-99-01T00:00:00Z", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_datetime_t dt;
        const bl_status_t st = parse_str(cases[i].text, &dt);
        if (st != (cases[i].ok ? BL_OK : BL_ERR_DECODE)) {
            fail_msg("%s: got status %d", cases[i].text, (int)st);
        }
    }
}

static void test_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int offset_min;
        int64_t unix_s;
    } cases[] = {
        {"2020-01-01T05:30:00+05:30", 330, 1577836800},
        {"2019-12-31T16:00:00-08:00", -480, 1577836800},
        {"2020-01-01T00:00:00+00:00", 0, 1577836800},
        {"2020-01-01T00:00:00-00:00", 0, 1577836800},
        {"2020-01-01T23:59:00+23:59", 1439, 1577836800},
        {"2019-12-31T00:01:00-23:59", -1439, 1577836800},
        {"1970-01-01T00:00:00+01:00", 60, -3600},
        {"1969-12-31T23:00:00-01:00", -60, 0},
        {"0000-01-01T00:00:00-01:00", -60, UNIX_MIN + 3600},
        {"9999-12-31T23:59:59+01:00", 60, UNIX_MAX - 3600},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_datetime_t dt;
        if (parse_str(cases[i].text, &dt) != BL_OK) {
            fail_msg("refused %s", cases[i].text);
        }
        assert_true(dt.has_zone);
        assert_int_equal(dt.offset_min, cases[i].offset_min);
        expect_i64(cases[i].text, bl_datetime_to_unix(&dt), cases[i].unix_s);
    }
}

static void test_separators_and_zone_case(void **state)
{
    (void)state;
    static const char *const same[] = {
        "2020-01-01T00:00:00Z", "2020-01-01t00:00:00Z", "2020-01-01 00:00:00Z",
        "2020-01-01T00:00:00z", "2020-01-01t00:00:00z", "2020-01-01 00:00:00+00:00",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        bl_datetime_t dt;
        if (parse_str(same[i], &dt) != BL_OK) {
            fail_msg("refused %s", same[i]);
        }
        assert_true(dt.has_zone);
        expect_i64(same[i], bl_datetime_to_unix(&dt), 1577836800);
    }
}

static void test_zoneless_is_utc(void **state)
{
    (void)state;
    bl_datetime_t dt;
    assert_int_equal(parse_str("2023-02-16T09:14:11", &dt), BL_OK);
    assert_false(dt.has_zone);
    assert_int_equal(dt.offset_min, 0);
    expect_i64("zone-less", bl_datetime_to_unix(&dt), 1676538851);

    /* MoneyKit's microsecond form from the spec examples */
    assert_int_equal(parse_str("2026-07-03T12:24:30.665078", &dt), BL_OK);
    assert_false(dt.has_zone);
    assert_int_equal(dt.nanosecond, 665078000);
    expect_i64("zone-less fraction", bl_datetime_to_unix(&dt), 1783081470);

    assert_int_equal(parse_str("2023-02-16 09:14:11", &dt), BL_OK);
    assert_false(dt.has_zone);
}

static void test_fractions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t ns;
    } cases[] = {
        {"2020-01-01T00:00:00.5Z", 500000000u},
        {"2020-01-01T00:00:00.0Z", 0u},
        {"2020-01-01T00:00:00.000000000Z", 0u},
        {"2020-01-01T00:00:00.05Z", 50000000u},
        {"2020-01-01T00:00:00.123Z", 123000000u},
        {"2020-01-01T00:00:00.123456Z", 123456000u},
        {"2020-01-01T00:00:00.123456789Z", 123456789u},
        {"2020-01-01T00:00:00.1234567891234Z", 123456789u},
        {"2020-01-01T00:00:00.999999999999999999999999Z", 999999999u},
        {"2020-01-01T00:00:00.000000001Z", 1u},
        {"2020-01-01T00:00:00.0000000009Z", 0u},
        {"2020-01-01T00:00:00.5+01:00", 500000000u},
        {"2020-01-01T00:00:00.5", 500000000u},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_datetime_t dt;
        if (parse_str(cases[i].text, &dt) != BL_OK) {
            fail_msg("refused %s", cases[i].text);
        }
        if (dt.nanosecond != cases[i].ns) {
            fail_msg("%s: nanosecond %u, want %u", cases[i].text, (unsigned)dt.nanosecond, (unsigned)cases[i].ns);
        }
        /* the fraction never changes the whole second */
        const int64_t want = strstr(cases[i].text, "+01:00") != NULL ? 1577836800 - 3600 : 1577836800;
        expect_i64(cases[i].text, bl_datetime_to_unix(&dt), want);
    }
}

static void test_leap_second(void **state)
{
    (void)state;
    bl_datetime_t dt;
    assert_int_equal(parse_str("2016-12-31T23:59:60Z", &dt), BL_OK);
    assert_int_equal(dt.second, 60);
    /* counted as 59 plus one second, i.e. the next midnight */
    expect_i64("leap second", bl_datetime_to_unix(&dt), 1483228800);
    assert_int_equal(parse_str("2016-12-31T23:59:61Z", &dt), BL_ERR_DECODE);
}

/* ------------------------------------------------------------ malformed */

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        " ",
        "Z",
        "2020",
        "2020-01-01",
        "2020-01-01T",
        "2020-01-01T00:00",
        "2020-01-01T00:00Z",
        "2020-01-01T00:00:00.",
        "2020-01-01T00:00:00.Z",
        "2020-01-01T00:00:00.+01:00",
        "2020-01-01T00:00:00,5Z",
        "2020-01-01T24:00:00Z",
        "2020-01-01T23:60:00Z",
        "2020-01-01T99:00:00Z",
        "2020-13-01T00:00:00Z",
        "2020-01-01T00:00:00+24:00",
        "2020-01-01T00:00:00-24:00",
        "2020-01-01T00:00:00+05:60",
        "2020-01-01T00:00:00+0530",
        "2020-01-01T00:00:00+05",
        "2020-01-01T00:00:00+5:30",
        "2020-01-01T00:00:00+05:3",
        "2020-01-01T00:00:00+",
        "2020-01-01T00:00:00 Z",
        "2020-01-01T00:00:00ZZ",
        "2020-01-01T00:00:00Zjunk",
        "2020-01-01T00:00:00Z ",
        " 2020-01-01T00:00:00Z",
        "2020-01-01T00:00:00+05:30x",
        "2020-01-01T00:00:00UTC",
        "2020-01-01T00:00:00GMT",
        "2020-01-01X00:00:00Z",
        "2020-01-01_00:00:00Z",
        "2020-01-01TT00:00:00Z",
        "2020-01-01  00:00:00Z",
        "2020/01/01T00:00:00Z",
        "2020-01-01T00-00-00Z",
        "2020-01-01T00.00.00Z",
        "20200101T000000Z",
        "+2020-01-01T00:00:00Z",
        "-2020-01-01T00:00:00Z",
        "+020-01-01T00:00:00Z",
        "12020-01-01T00:00:00Z",
        "202-01-01T00:00:00Z",
        "2020-1-01T00:00:00Z",
        "2020-01-1T00:00:00Z",
        "2020-01-01T0:00:00Z",
        "2020-01-01T00:0:00Z",
        "2020-01-01T00:00:0Z",
        "2020-01-01T00:00:000Z",
        "2020-001-01T00:00:00Z",
        "2020-01-01T00:00:00+005:30",
        "2O20-01-01T00:00:00Z",
        "2020-0l-01T00:00:00Z",
        "2020-01-0aT00:00:00Z",
        "2020-01-01T0a:00:00Z",
        "2020-01-01T00:a0:00Z",
        "2020-01-01T00:00:0aZ",
        "2020-01-01T00:00:00.5aZ",
        "2020-01-01T00:00:00+0a:00",
        "2020-01-01T00:00:00+00:0a",
        "2020-01-01T00:00:00-:00",
        "2020-01-01T 0:00:00Z",
        "2020-01-01T00: 0:00Z",
        "2020-01-01T00:00:00.5 ",
        "2020-01-01T00:00:00\n",
        "null",
        "\"2020-01-01T00:00:00Z\"",
        "2020-01-01T00:00:00\xef\xbc\xba", /* fullwidth Z */
        "\331\242020-01-01T00:00:00Z", /* Arabic-Indic digit two, then 020 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl_datetime_t dt;
        const bl_status_t st = parse_str(bad[i], &dt);
        if (st != BL_ERR_DECODE) {
            fail_msg("accepted malformed \"%s\" (status %d)", bad[i], (int)st);
        }
    }
}

static void test_embedded_nul_and_null_args(void **state)
{
    (void)state;
    bl_datetime_t dt;
    /* the length, not a NUL, ends the input */
    assert_int_equal(parse_exact("2020-01-01T00:00:00Z\0", 21, &dt), BL_ERR_DECODE);
    assert_int_equal(parse_exact("2020-01-01T00:00\0:00Z", 20, &dt), BL_ERR_DECODE);
    assert_int_equal(parse_exact("2020-01-01T00:00:00Zjunk", 20, &dt), BL_OK);
    assert_int_equal(bl_datetime_parse(NULL, 0, &dt), BL_ERR_DECODE);
    assert_int_equal(bl_datetime_parse(NULL, 20, &dt), BL_ERR_DECODE);
    assert_int_equal(bl_datetime_parse("2020-01-01T00:00:00Z", 20, NULL), BL_ERR_DECODE);
}

/* Every prefix of a valid timestamp is refused, except the prefixes that are
 * themselves complete timestamps (the zone-less forms). */
static void test_truncated_at_every_length(void **state)
{
    (void)state;
    static const char *const full[] = {
        "2020-01-01T00:00:00Z",
        "2023-02-16T09:14:11.123456789+05:30",
        "1999-12-31 23:59:59.5-08:00",
        "2026-08-14T12:24:30.665119",
    };
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) {
        const char *s = full[i];
        const size_t len = strlen(s);
        const char *dot = strchr(s, '.');
        const size_t frac_end = dot == NULL ? 0u : (size_t)(dot - s) + 1u + strspn(dot + 1, "0123456789");
        for (size_t n = 0; n <= len; n++) {
            bl_datetime_t dt;
            const bool complete = n == len || n == 19u || (dot != NULL && n > 20u && n <= frac_end);
            const bl_status_t st = parse_exact(s, n, &dt);
            if (st != (complete ? BL_OK : BL_ERR_DECODE)) {
                fail_msg("\"%.*s\" (prefix %zu of %s): status %d", (int)n, s, n, s, (int)st);
            }
        }
    }
}

/* Replacing any single character of a valid timestamp must be refused,
 * except for the few substitutions that leave another valid timestamp,
 * which must then be accepted. */
static void test_every_position_corrupted(void **state)
{
    (void)state;
    const char *good = "2023-02-16T09:14:11.123+05:30";
    static const char repl[] = {'a', 'x', '/', '\0', ' ', ':', '-', '9', '.', 'Z'};
    /* position and replacement of every substitution that stays valid */
    static const struct {
        size_t pos;
        char c;
    } still_valid[] = {
        {0, '9'},  {1, '9'},  {2, '9'},  {3, '9'},  {6, '9'},  {9, '9'},  {15, '9'}, {18, '9'},
        {20, '9'}, {21, '9'}, {22, '9'}, {25, '9'}, {28, '9'}, {10, ' '}, {23, '-'},
    };
    const size_t len = strlen(good);
    char buf[64];
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t r = 0; r < sizeof repl; r++) {
            bl_datetime_t dt;
            if (good[pos] == repl[r]) {
                continue;
            }
            memcpy(buf, good, len);
            buf[pos] = repl[r];
            bool want_ok = false;
            for (size_t v = 0; v < sizeof still_valid / sizeof still_valid[0]; v++) {
                want_ok = want_ok || (still_valid[v].pos == pos && still_valid[v].c == repl[r]);
            }
            const bl_status_t st = parse_exact(buf, len, &dt);
            if (st != (want_ok ? BL_OK : BL_ERR_DECODE)) {
                fail_msg("\"%.*s\" (pos %zu): status %d", (int)len, buf, pos, (int)st);
            }
        }
    }
}

/* ------------------------------------------------------------ conversions */

static void test_from_unix_fields(void **state)
{
    (void)state;
    bl_datetime_t dt;
    bl_datetime_from_unix(-1, &dt);
    assert_int_equal(dt.year, 1969);
    assert_int_equal(dt.month, 12);
    assert_int_equal(dt.day, 31);
    assert_int_equal(dt.hour, 23);
    assert_int_equal(dt.minute, 59);
    assert_int_equal(dt.second, 59);
    assert_int_equal(dt.nanosecond, 0);
    assert_int_equal(dt.offset_min, 0);
    assert_true(dt.has_zone);

    bl_datetime_from_unix(-86400, &dt);
    assert_int_equal(dt.year, 1969);
    assert_int_equal(dt.day, 31);
    assert_int_equal(dt.hour, 0);

    bl_datetime_from_unix(-86401, &dt);
    assert_int_equal(dt.day, 30);
    assert_int_equal(dt.hour, 23);

    bl_datetime_from_unix(951825600, &dt); /* 2000-02-29T12:00:00Z */
    assert_int_equal(dt.year, 2000);
    assert_int_equal(dt.month, 2);
    assert_int_equal(dt.day, 29);
    assert_int_equal(dt.hour, 12);

    bl_datetime_from_unix(UNIX_MIN, &dt);
    assert_int_equal(dt.year, 0);
    assert_int_equal(dt.month, 1);
    assert_int_equal(dt.day, 1);
    bl_datetime_from_unix(UNIX_MAX, &dt);
    assert_int_equal(dt.year, 9999);
    assert_int_equal(dt.month, 12);
    assert_int_equal(dt.day, 31);
    assert_int_equal(dt.second, 59);

    /* NULL arguments are ignored */
    bl_datetime_from_unix(0, NULL);
    assert_int_equal(bl_datetime_to_unix(NULL), 0);

    /* outside 0000..9999 the result saturates instead of wrapping */
    bl_datetime_from_unix(INT64_MIN, &dt);
    assert_int_equal(dt.year, 0);
    assert_int_equal(dt.month, 1);
    assert_int_equal(dt.day, 1);
    bl_datetime_from_unix(INT64_MAX, &dt);
    assert_int_equal(dt.year, 9999);
    assert_int_equal(dt.month, 12);
    assert_int_equal(dt.day, 31);
}

/* Walk every day of years 0000..9999 with a naive calendar and check both
 * directions of the conversion. */
static void test_every_day_against_reference(void **state)
{
    (void)state;
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y = 0, m = 1, d = 1;
    int64_t t = UNIX_MIN;
    for (;;) {
        bl_datetime_t dt;
        bl_datetime_from_unix(t, &dt);
        if ((unsigned)dt.year != y || dt.month != m || dt.day != d || dt.hour != 0 || dt.minute != 0 ||
            dt.second != 0) {
            fail_msg("from_unix(%lld) = %04d-%02u-%02u, want %04u-%02u-%02u", (long long)t, dt.year,
                     (unsigned)dt.month, (unsigned)dt.day, y, m, d);
        }
        /* and the last second of the day before */
        dt.year = (int16_t)y;
        dt.month = (uint8_t)m;
        dt.day = (uint8_t)d;
        dt.hour = 23;
        dt.minute = 59;
        dt.second = 59;
        if (bl_datetime_to_unix(&dt) != t + 86399) {
            fail_msg("to_unix(%04u-%02u-%02uT23:59:59Z) wrong", y, m, d);
        }
        if (y == 9999 && m == 12 && d == 31) {
            break;
        }
        const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        const unsigned dim = (m == 2 && leap) ? 29u : mdays[m - 1];
        if (++d > dim) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        t += 86400;
    }
    expect_i64("last day", t, UNIX_MAX - 86399);
}

static void test_round_trips(void **state)
{
    (void)state;
    static const int64_t fixed[] = {0, -1, 1, 86399, 86400, -86400, -86401, 1577836800, 951782400, 951868799,
                                    -2203891200LL, -11670998400LL, 2147483647LL, -2147483648LL, 4294967296LL,
                                    UNIX_MIN, UNIX_MIN + 1, UNIX_MAX, UNIX_MAX - 1};
    static const uint32_t fracs[] = {0u, 1u, 10u, 500000000u, 123456789u, 999999999u, 100000000u, 120000000u};
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    const uint64_t span = (uint64_t)(UNIX_MAX - UNIX_MIN) + 1u;

    for (size_t i = 0; i < 20000u + sizeof fixed / sizeof fixed[0]; i++) {
        int64_t t;
        if (i < sizeof fixed / sizeof fixed[0]) {
            t = fixed[i];
        } else {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            t = UNIX_MIN + (int64_t)((rng >> 11) % span);
        }
        const uint32_t ns = fracs[i % (sizeof fracs / sizeof fracs[0])];
        char text[BL_DATETIME_STR_MAX];
        const size_t n = bl_datetime_format_utc(t, ns, text, sizeof text);
        if (n == 0u || n != strlen(text)) {
            fail_msg("format(%lld) failed", (long long)t);
        }
        bl_datetime_t dt;
        if (parse_exact(text, n, &dt) != BL_OK) {
            fail_msg("format(%lld) gave unparsable \"%s\"", (long long)t, text);
        }
        if (bl_datetime_to_unix(&dt) != t || dt.nanosecond != ns || !dt.has_zone) {
            fail_msg("round trip of %lld.%09u through \"%s\" lost data", (long long)t, (unsigned)ns, text);
        }
        bl_datetime_t back;
        bl_datetime_from_unix(t, &back);
        assert_int_equal(back.year, dt.year);
        assert_int_equal(back.month, dt.month);
        assert_int_equal(back.day, dt.day);
        assert_int_equal(back.hour, dt.hour);
        assert_int_equal(back.minute, dt.minute);
        assert_int_equal(back.second, dt.second);
    }
}

/* ------------------------------------------------------------ formatting */

static void test_format(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        uint32_t ns;
        const char *want;
    } cases[] = {
        {0, 0u, "1970-01-01T00:00:00Z"},
        {1577836800, 0u, "2020-01-01T00:00:00Z"},
        {-1, 0u, "1969-12-31T23:59:59Z"},
        {-1, 500000000u, "1969-12-31T23:59:59.5Z"},
        {1577836800, 500000000u, "2020-01-01T00:00:00.5Z"},
        {1577836800, 1u, "2020-01-01T00:00:00.000000001Z"},
        {1577836800, 123456789u, "2020-01-01T00:00:00.123456789Z"},
        {1577836800, 120000000u, "2020-01-01T00:00:00.12Z"},
        {1577836800, 100u, "2020-01-01T00:00:00.0000001Z"},
        {1577836800, 1500000000u, "2020-01-01T00:00:01.5Z"}, /* unnormalised fraction carries */
        {UNIX_MIN, 0u, "0000-01-01T00:00:00Z"},
        {UNIX_MAX, 999999999u, "9999-12-31T23:59:59.999999999Z"},
        {-2203891200LL, 0u, "1900-03-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[BL_DATETIME_STR_MAX];
        const size_t n = bl_datetime_format_utc(cases[i].t, cases[i].ns, out, sizeof out);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
    assert_true(strlen("9999-12-31T23:59:59.999999999Z") < BL_DATETIME_STR_MAX);
}

static void test_format_cap_too_small(void **state)
{
    (void)state;
    static const uint32_t fracs[] = {0u, 500000000u, 123456789u};
    for (size_t f = 0; f < sizeof fracs / sizeof fracs[0]; f++) {
        char full[BL_DATETIME_STR_MAX];
        const size_t need = bl_datetime_format_utc(1676538851, fracs[f], full, sizeof full);
        assert_true(need > 0u);
        for (size_t cap = 0; cap <= need + 1u; cap++) {
            char buf[BL_DATETIME_STR_MAX + 8];
            memset(buf, '#', sizeof buf);
            const size_t n = bl_datetime_format_utc(1676538851, fracs[f], buf, cap);
            if (cap <= need) {
                assert_int_equal(n, 0);
                if (cap > 0u) {
                    assert_int_equal(buf[0], '\0'); /* an empty string, not a partial date */
                }
                for (size_t k = cap == 0u ? 0u : 1u; k < sizeof buf; k++) {
                    assert_int_equal(buf[k], '#'); /* nothing else touched */
                }
            } else {
                assert_int_equal(n, need);
                assert_string_equal(buf, full);
                for (size_t k = cap; k < sizeof buf; k++) {
                    assert_int_equal(buf[k], '#');
                }
            }
        }
    }
    assert_int_equal(bl_datetime_format_utc(0, 0u, NULL, 64), 0);
}

static void test_format_out_of_range(void **state)
{
    (void)state;
    char buf[BL_DATETIME_STR_MAX] = "x";
    assert_int_equal(bl_datetime_format_utc(UNIX_MIN - 1, 0u, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(bl_datetime_format_utc(UNIX_MAX + 1, 0u, buf, sizeof buf), 0);
    assert_int_equal(bl_datetime_format_utc(UNIX_MAX, 1000000000u, buf, sizeof buf), 0);
    assert_int_equal(bl_datetime_format_utc(INT64_MAX, 4000000000u, buf, sizeof buf), 0);
    assert_int_equal(bl_datetime_format_utc(INT64_MIN, 0u, buf, sizeof buf), 0);
}

/* ------------------------------------------------------------ HTTP dates */

static void test_http_dates(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t unix_s;
    } cases[] = {
        {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
        {"Sun Nov  6 08:49:37 1994", 784111777},
        {"Sun Nov 06 08:49:37 1994", 784111777},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
        {"Wed, 31 Dec 1969 23:59:59 GMT", -1},
        {"Wed, 01 Jan 2020 00:00:00 GMT", 1577836800},
        {"Tue, 29 Feb 2000 12:00:00 GMT", 951825600},
        {"Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL},
        {"Fri, 31 Dec 9999 23:59:59 GMT", UNIX_MAX},
        {"Thursday, 01-Jan-70 00:00:00 GMT", 0},
        {"Wednesday, 01-Jan-20 00:00:00 GMT", 1577836800},
        {"Tuesday, 01-Jan-69 00:00:00 GMT", 3124224000LL}, /* two-digit years 00..69 are 20xx */
        {"Friday, 31-Dec-99 23:59:59 GMT", 946684799},     /* and 70..99 are 19xx */
        {"Thu Jan  1 00:00:00 1970", 0},
        {"Wed Jan  1 00:00:00 2020", 1577836800},
        {"Mon Dec 31 23:59:60 2016", 1483228800}, /* leap second */
        {"Mon, 16 Feb 2023 09:14:11 GMT", 1676538851}, /* wrong weekday is tolerated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = 12345;
        if (http_exact(cases[i].text, strlen(cases[i].text), &t) != BL_OK) {
            fail_msg("refused HTTP date \"%s\"", cases[i].text);
        }
        expect_i64(cases[i].text, t, cases[i].unix_s);
    }
    /* every month name */
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned m = 0; m < 12; m++) {
        char text[40];
        int64_t t;
        snprintf(text, sizeof text, "Mon, 01 %s 2024 00:00:00 GMT", months[m]);
        assert_int_equal(http_exact(text, strlen(text), &t), BL_OK);
        char iso[32];
        snprintf(iso, sizeof iso, "2024-%02u-01T00:00:00Z", m + 1);
        bl_datetime_t dt;
        assert_int_equal(parse_str(iso, &dt), BL_OK);
        expect_i64(text, t, bl_datetime_to_unix(&dt));
    }
}

static void test_http_dates_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "GMT",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "SUN, 06 NOV 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMTx",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 Nov 1994 23:59:61 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 2100 08:49:37 GMT",
        "Sun, 06 Nvm 1994 08:49:37 GMT",
        "Sunday, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 ",
        "Sun Nov   6 08:49:37 1994",
        "Sun Nov  6 08:49:37 1994 GMT",
        "1994-11-06T08:49:37Z",
        "784111777",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        const bl_status_t st = http_exact(bad[i], strlen(bad[i]), &t);
        if (st != BL_ERR_DECODE) {
            fail_msg("accepted malformed HTTP date \"%s\"", bad[i]);
        }
    }
    /* every prefix of each valid form is refused */
    static const char *const good[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                       "Sun Nov  6 08:49:37 1994"};
    for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
        for (size_t n = 0; n < strlen(good[g]); n++) {
            int64_t t;
            if (http_exact(good[g], n, &t) != BL_ERR_DECODE) {
                fail_msg("accepted prefix \"%.*s\"", (int)n, good[g]);
            }
        }
    }
    int64_t t;
    assert_int_equal(bl_http_date_parse(NULL, 29, &t), BL_ERR_DECODE);
    assert_int_equal(bl_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, NULL), BL_ERR_DECODE);
}

/* ------------------------------------------------------------ JSON field */

/* A document built by hand, as bl_json_parse() would leave it: string
 * tokens unescaped in place and NUL-terminated. Token 8's string was
 * "2020-01-01T00:00:00\u005a" before unescaping, so it now ends at a NUL
 * before its token end. */
static char g_text[] = "{\"a\":\"2020-01-01T00:00:00.25Z\",\"b\":null,\"c\":5,\"d\":\"nope\","
                       "\"e\":\"2020-01-01T00:00:00Z\0\0\0\0\0\","
                       "\"f\":true,\"g\":{},\"h\":\"\",\"i\":\"2023-02-16T09:14:11\"}";

enum { TOK_A = 2, TOK_B = 4, TOK_C = 6, TOK_D = 8, TOK_E = 10, TOK_F = 12, TOK_G = 14, TOK_H = 16, TOK_I = 18 };

/* Offset of @p needle in g_text at or after @p from, searching through the
 * embedded NULs too; *end_out gets the token end. */
static int span_of(const char *needle, int from, int *end_out, bool quoted)
{
    const size_t n = strlen(needle);
    /* Set on every path: at -O3 gcc cannot see that fail_msg() does not
     * return, and the caller's copy would be read uninitialized. */
    *end_out = -1;
    for (size_t i = (size_t)from; i + n <= sizeof g_text - 1; i++) {
        if (memcmp(g_text + i, needle, n) == 0) {
            const int start = (int)i + (quoted ? 1 : 0);
            *end_out = start + (int)n - (quoted ? 2 : 0);
            return start;
        }
    }
    fail_msg("\"%s\" not in the test document", needle);
    return -1;
}

static void build_doc(bl_json_doc_t *doc, bl_json_token_t *tok)
{
    memset(tok, 0, sizeof(bl_json_token_t) * 19);
    tok[0].type = BL_JSON_OBJECT;
    tok[0].start = 0;
    tok[0].end = (int)(sizeof g_text - 1);
    tok[0].size = 9;
    tok[0].parent = -1;
    static const struct {
        const char *key;
        const char *value;
        bl_json_type_t type;
        bool quoted;
    } kv[] = {
        {"\"a\"", "\"2020-01-01T00:00:00.25Z\"", BL_JSON_STRING, true},
        {"\"b\"", "null", BL_JSON_PRIMITIVE, false},
        {"\"c\"", "5", BL_JSON_PRIMITIVE, false},
        {"\"d\"", "\"nope\"", BL_JSON_STRING, true},
        {"\"e\"", "\"2020-01-01T00:00:00Z", BL_JSON_STRING, true},
        {"\"f\"", "true", BL_JSON_PRIMITIVE, false},
        {"\"g\"", "{}", BL_JSON_OBJECT, false},
        {"\"h\"", "\"\"", BL_JSON_STRING, true},
        {"\"i\"", "\"2023-02-16T09:14:11\"", BL_JSON_STRING, true},
    };
    for (int k = 0; k < 9; k++) {
        int end = -1;
        bl_json_token_t *key = &tok[1 + 2 * k];
        bl_json_token_t *val = &tok[2 + 2 * k];
        key->type = BL_JSON_STRING;
        key->start = span_of(kv[k].key, 0, &end, true);
        key->end = end;
        key->size = 1;
        key->parent = 0;
        val->type = kv[k].type;
        val->start = span_of(kv[k].value, key->end + 1, &end, kv[k].quoted);
        val->end = end;
        val->parent = 1 + 2 * k;
    }
    /* "e": the original escaped text was 5 bytes longer than the decoded one */
    tok[TOK_E].end += 1 + 5;
    doc->text = g_text;
    doc->len = sizeof g_text - 1;
    doc->tokens = tok;
    doc->count = 19;
}

static void test_json_get_timestamp(void **state)
{
    (void)state;
    bl_json_token_t tok[19];
    bl_json_doc_t doc;
    bl_timestamp_t ts;
    build_doc(&doc, tok);
    assert_int_equal(g_text[tok[TOK_E].end], '"');

    assert_int_equal(bl_json_get_timestamp(&doc, TOK_A, &ts), BL_OK);
    assert_int_equal(ts.presence, BL_PRESENT);
    expect_i64("a", ts.unix_s, 1577836800);
    assert_int_equal(ts.nanosecond, 250000000);

    assert_int_equal(bl_json_get_timestamp(&doc, TOK_E, &ts), BL_OK);
    assert_int_equal(ts.presence, BL_PRESENT);
    expect_i64("e", ts.unix_s, 1577836800);

    assert_int_equal(bl_json_get_timestamp(&doc, TOK_I, &ts), BL_OK);
    expect_i64("i (zone-less)", ts.unix_s, 1676538851);

    ts.presence = BL_PRESENT;
    assert_int_equal(bl_json_get_timestamp(&doc, -1, &ts), BL_OK);
    assert_int_equal(ts.presence, BL_ABSENT);

    assert_int_equal(bl_json_get_timestamp(&doc, TOK_B, &ts), BL_OK);
    assert_int_equal(ts.presence, BL_NULL);

    static const int wrong[] = {TOK_C, TOK_D, TOK_F, TOK_G, TOK_H, 0, 1, 19, 1000, -2, INT32_MIN};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        ts.presence = BL_PRESENT;
        if (bl_json_get_timestamp(&doc, wrong[i], &ts) != BL_ERR_DECODE) {
            fail_msg("token %d accepted as a timestamp", wrong[i]);
        }
        assert_int_not_equal(ts.presence, BL_PRESENT);
    }
    assert_int_equal(bl_json_get_timestamp(&doc, TOK_A, NULL), BL_ERR_DECODE);
    assert_int_equal(bl_json_get_timestamp(NULL, TOK_A, &ts), BL_ERR_DECODE);

    /* a token whose span lies outside the text is refused, not read */
    bl_json_token_t saved = tok[TOK_A];
    tok[TOK_A].end = (int)doc.len + 1;
    assert_int_equal(bl_json_get_timestamp(&doc, TOK_A, &ts), BL_ERR_DECODE);
    tok[TOK_A] = saved;
    tok[TOK_A].start = -1;
    assert_int_equal(bl_json_get_timestamp(&doc, TOK_A, &ts), BL_ERR_DECODE);
    tok[TOK_A] = saved;
    tok[TOK_A].end = tok[TOK_A].start - 1;
    assert_int_equal(bl_json_get_timestamp(&doc, TOK_A, &ts), BL_ERR_DECODE);
    tok[TOK_A] = saved;
    assert_int_equal(bl_json_get_timestamp(&doc, TOK_A, &ts), BL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_unix_values),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_leap_years_and_month_lengths),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_separators_and_zone_case),
        cmocka_unit_test(test_zoneless_is_utc),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_leap_second),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_embedded_nul_and_null_args),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_every_position_corrupted),
        cmocka_unit_test(test_from_unix_fields),
        cmocka_unit_test(test_every_day_against_reference),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_cap_too_small),
        cmocka_unit_test(test_format_out_of_range),
        cmocka_unit_test(test_http_dates),
        cmocka_unit_test(test_http_dates_malformed),
        cmocka_unit_test(test_json_get_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
