/**
 * @file bl_time.c
 * @brief RFC 3339 and HTTP dates to Unix seconds, and back, without time.h.
 *
 * The core must run where there is no C library clock or time zone data, so
 * calendar arithmetic is done here with Howard Hinnant's days-from-civil
 * algorithms (proleptic Gregorian calendar, exact for every year 0..9999 and
 * for negative day counts). Seconds are 64-bit; no 64-bit division is used.
 */
#include "bl_time.h"

#include <string.h>

/* Range that bl_datetime_from_unix() can represent (year 0000 to 9999). */
#define BL_UNIX_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define BL_UNIX_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */
#define BL_NS_PER_S 1000000000u

/* ------------------------------------------------------------ calendar */

static bool bl_is_leap(uint32_t y)
{
    return (y % 4u == 0u && y % 100u != 0u) || y % 400u == 0u;
}

static unsigned bl_days_in_month(uint32_t y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1u || m > 12u) {
        return 0u;
    }
    return (m == 2u && bl_is_leap(y)) ? 29u : days[m - 1u];
}

/*
 * The calendar needs no 64-bit division: a 64-bit one would pull libgcc's
 * 64-bit divider (about 0.9 KB) into every firmware. Years are shifted up
 * by whole 400-year eras so that every dividend is non-negative, which
 * also makes C's truncating division the floor division the algorithm
 * wants.
 */
#define BL_ERA_SHIFT 100 /* eras: every int16_t year stays non-negative */

/* Days since 1970-01-01 of a proleptic Gregorian date. Counting years from
 * March puts the leap day last, so one formula covers every month. */
static int32_t bl_days_from_civil(int32_t y, unsigned m, unsigned d)
{
    const uint32_t ys = (uint32_t)(y + BL_ERA_SHIFT * 400 - (m <= 2u ? 1 : 0));
    const uint32_t era = ys / 400u;
    const uint32_t yoe = ys - era * 400u;                                                /* 0..399 */
    const int32_t doy = (int32_t)((153u * (m > 2u ? m - 3u : m + 9u) + 2u) / 5u) + (int32_t)d - 1; /* 0..365 */
    const int32_t doe = (int32_t)(yoe * 365u + yoe / 4u - yoe / 100u) + doy;             /* 0..146096 */
    return ((int32_t)era - BL_ERA_SHIFT) * 146097 + doe - 719468;
}

/* Inverse of bl_days_from_civil() for days of years 0..9999. */
static void bl_civil_from_days(int32_t z, int32_t *y, unsigned *m, unsigned *d)
{
    const uint32_t zs = (uint32_t)(z + 719468 + 146097); /* one era up: never negative */
    const uint32_t era = zs / 146097u;
    const uint32_t doe = zs - era * 146097u;
    const uint32_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    const uint32_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    const uint32_t mp = (5u * doy + 2u) / 153u;
    *d = (unsigned)(doy - (153u * mp + 2u) / 5u + 1u);
    *m = (unsigned)(mp < 10u ? mp + 3u : mp - 9u);
    *y = (int32_t)(yoe + era * 400u) - 400 + (*m <= 2u ? 1 : 0);
}

/* ------------------------------------------------------------ lexing */

/* A cursor over text that need not be NUL-terminated. */
typedef struct bl_lex {
    const char *s;
    size_t len;
    size_t pos;
} bl_lex_t;

static bool bl_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exactly @p n digits, no sign, no blanks. */
static bool bl_lex_digits(bl_lex_t *lx, unsigned n, unsigned *out)
{
    unsigned v = 0u;
    if (lx->len - lx->pos < n) {
        return false;
    }
    for (unsigned i = 0u; i < n; i++) {
        const char c = lx->s[lx->pos + i];
        if (!bl_is_digit(c)) {
            return false;
        }
        v = v * 10u + (unsigned)(c - '0');
    }
    lx->pos += n;
    *out = v;
    return true;
}

static bool bl_lex_char(bl_lex_t *lx, char c)
{
    if (lx->pos < lx->len && lx->s[lx->pos] == c) {
        lx->pos++;
        return true;
    }
    return false;
}

/* `HH:MM:SS`, shared by RFC 3339 and the HTTP forms. */
static bool bl_lex_hms(bl_lex_t *lx, unsigned *h, unsigned *mi, unsigned *sec)
{
    return bl_lex_digits(lx, 2u, h) && bl_lex_char(lx, ':') && bl_lex_digits(lx, 2u, mi) &&
           bl_lex_char(lx, ':') && bl_lex_digits(lx, 2u, sec) && *h <= 23u && *mi <= 59u && *sec <= 60u;
}

/* ------------------------------------------------------------ RFC 3339 */

bl_status_t bl_datetime_parse(const char *s, size_t len, bl_datetime_t *out)
{
    bl_lex_t lx = {s, len, 0u};
    unsigned y, mo, d, h, mi, sec;
    uint32_t ns = 0u;
    int off = 0;
    bool zone = false;

    if (s == NULL || out == NULL) {
        return BL_ERR_DECODE;
    }
    if (!bl_lex_digits(&lx, 4u, &y) || !bl_lex_char(&lx, '-') || !bl_lex_digits(&lx, 2u, &mo) ||
        !bl_lex_char(&lx, '-') || !bl_lex_digits(&lx, 2u, &d)) {
        return BL_ERR_DECODE;
    }
    if (d < 1u || d > bl_days_in_month(y, mo)) {
        return BL_ERR_DECODE; /* also refuses month 0 and 13+ */
    }
    if (!(bl_lex_char(&lx, 'T') || bl_lex_char(&lx, 't') || bl_lex_char(&lx, ' '))) {
        return BL_ERR_DECODE;
    }
    if (!bl_lex_hms(&lx, &h, &mi, &sec)) {
        return BL_ERR_DECODE;
    }
    if (bl_lex_char(&lx, '.')) {
        /* Any number of digits, at least one; the tenth and later only
         * need to be digits (sub-nanosecond precision is dropped). */
        unsigned ndig = 0u;
        while (lx.pos < lx.len && bl_is_digit(lx.s[lx.pos])) {
            if (ndig < 9u) {
                ns = ns * 10u + (uint32_t)(lx.s[lx.pos] - '0');
            }
            ndig++;
            lx.pos++;
        }
        if (ndig == 0u) {
            return BL_ERR_DECODE;
        }
        for (; ndig < 9u; ndig++) {
            ns *= 10u;
        }
    }
    if (lx.pos < lx.len) {
        const char z = lx.s[lx.pos];
        if (z == 'Z' || z == 'z') {
            lx.pos++;
        } else if (z == '+' || z == '-') {
            unsigned oh, om;
            lx.pos++;
            if (!bl_lex_digits(&lx, 2u, &oh) || !bl_lex_char(&lx, ':') || !bl_lex_digits(&lx, 2u, &om) ||
                oh > 23u || om > 59u) {
                return BL_ERR_DECODE;
            }
            off = (int)(oh * 60u + om);
            if (z == '-') {
                off = -off;
            }
        } else {
            return BL_ERR_DECODE;
        }
        zone = true;
    }
    if (lx.pos != lx.len) {
        return BL_ERR_DECODE;
    }
    out->year = (int16_t)y;
    out->month = (uint8_t)mo;
    out->day = (uint8_t)d;
    out->hour = (uint8_t)h;
    out->minute = (uint8_t)mi;
    out->second = (uint8_t)sec;
    out->nanosecond = ns;
    out->offset_min = (int16_t)off;
    out->has_zone = zone;
    return BL_OK;
}

int64_t bl_datetime_to_unix(const bl_datetime_t *dt)
{
    if (dt == NULL) {
        return 0;
    }
    const int64_t days = bl_days_from_civil(dt->year, dt->month, dt->day);
    /* A leap second (60) simply lands on the next minute's first second. */
    return days * 86400 + (int64_t)dt->hour * 3600 + (int64_t)dt->minute * 60 + (int64_t)dt->second -
           (int64_t)dt->offset_min * 60;
}

void bl_datetime_from_unix(int64_t t, bl_datetime_t *out)
{
    int32_t y;
    unsigned m, d;

    if (out == NULL) {
        return;
    }
    /* The struct holds years 0..9999 only; saturate rather than wrap. */
    if (t < BL_UNIX_MIN) {
        t = BL_UNIX_MIN;
    } else if (t > BL_UNIX_MAX) {
        t = BL_UNIX_MAX;
    }
    /* Seconds since year 0 are non-negative and under 2^39: floor division
     * by 86400 = 2^7 * 675 is then a shift and a 32-bit division. */
    const uint64_t since0 = (uint64_t)(t - BL_UNIX_MIN);
    const uint32_t q = (uint32_t)(since0 >> 7);
    const uint32_t days0 = q / 675u;
    const uint32_t secs = (q - days0 * 675u) * 128u + (uint32_t)(since0 & 127u);
    bl_civil_from_days((int32_t)days0 - 719528, &y, &m, &d); /* BL_UNIX_MIN is day -719528 */
    out->year = (int16_t)y;
    out->month = (uint8_t)m;
    out->day = (uint8_t)d;
    out->hour = (uint8_t)(secs / 3600u);
    out->minute = (uint8_t)(secs / 60u % 60u);
    out->second = (uint8_t)(secs % 60u);
    out->nanosecond = 0u;
    out->offset_min = 0;
    out->has_zone = true;
}

/* Write @p v as exactly @p n decimal digits (zero-padded). */
static void bl_put_digits(char *p, unsigned v, unsigned n)
{
    while (n > 0u) {
        n--;
        p[n] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

size_t bl_datetime_format_utc(int64_t unix_s, uint32_t nanosecond, char *out, size_t cap)
{
    char tmp[BL_DATETIME_STR_MAX];
    bl_datetime_t dt;
    size_t n = 0u;

    if (nanosecond >= BL_NS_PER_S) { /* carry an unnormalised fraction into the seconds */
        if (unix_s > BL_UNIX_MAX) {
            unix_s = BL_UNIX_MAX + 1; /* out of range either way; avoids overflow */
        } else {
            unix_s += (int64_t)(nanosecond / BL_NS_PER_S);
        }
        nanosecond %= BL_NS_PER_S;
    }
    /* Outside years 0000..9999 there is no four-digit year to print: refuse
     * rather than print a wrong date. */
    if (unix_s < BL_UNIX_MIN || unix_s > BL_UNIX_MAX) {
        if (out != NULL && cap > 0u) {
            out[0] = '\0';
        }
        return 0u;
    }
    bl_datetime_from_unix(unix_s, &dt);

    bl_put_digits(tmp, (unsigned)dt.year, 4u);
    tmp[4] = '-';
    bl_put_digits(tmp + 5, dt.month, 2u);
    tmp[7] = '-';
    bl_put_digits(tmp + 8, dt.day, 2u);
    tmp[10] = 'T';
    bl_put_digits(tmp + 11, dt.hour, 2u);
    tmp[13] = ':';
    bl_put_digits(tmp + 14, dt.minute, 2u);
    tmp[16] = ':';
    bl_put_digits(tmp + 17, dt.second, 2u);
    n = 19u;
    if (nanosecond != 0u) {
        unsigned digits = 9u;
        uint32_t frac = nanosecond;
        while (frac % 10u == 0u) {
            frac /= 10u;
            digits--;
        }
        tmp[n++] = '.';
        bl_put_digits(tmp + n, frac, digits);
        n += digits;
    }
    tmp[n++] = 'Z';
    tmp[n] = '\0';

    if (out == NULL || cap < n + 1u) {
        if (out != NULL && cap > 0u) {
            out[0] = '\0'; /* never leave a stale or partial timestamp behind */
        }
        return 0u;
    }
    memcpy(out, tmp, n + 1u);
    return n;
}

/* ------------------------------------------------------------ HTTP dates */
#if BL_CONFIG_HTTP_DATE

/* Exact, case-sensitive literal (HTTP day and month names are). */
static bool bl_lex_lit(bl_lex_t *lx, const char *lit)
{
    const size_t n = strlen(lit);
    if (lx->len - lx->pos < n || memcmp(lx->s + lx->pos, lit, n) != 0) {
        return false;
    }
    lx->pos += n;
    return true;
}


static const char *const bl_month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const bl_day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const bl_day_names_long[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                 "Friday", "Saturday", "Sunday"};

static bool bl_lex_month(bl_lex_t *lx, unsigned *mo)
{
    for (unsigned i = 0u; i < 12u; i++) {
        if (bl_lex_lit(lx, bl_month_names[i])) {
            *mo = i + 1u;
            return true;
        }
    }
    return false;
}

static bool bl_lex_day_name(bl_lex_t *lx, const char *const names[7])
{
    for (unsigned i = 0u; i < 7u; i++) {
        if (bl_lex_lit(lx, names[i])) {
            return true;
        }
    }
    return false;
}

/* Final checks shared by the three forms. The day name is not compared with
 * the date: a server's wrong weekday should not cost the caller its
 * Retry-After. */
static bl_status_t bl_http_date_finish(const bl_lex_t *lx, unsigned y, unsigned mo, unsigned d, unsigned h,
                                       unsigned mi, unsigned sec, int64_t *out)
{
    if (lx->pos != lx->len || d < 1u || d > bl_days_in_month(y, mo)) {
        return BL_ERR_DECODE;
    }
    *out = (int64_t)bl_days_from_civil((int32_t)y, mo, d) * 86400 + (int64_t)h * 3600 +
           (int64_t)mi * 60 + (int64_t)sec;
    return BL_OK;
}

bl_status_t bl_http_date_parse(const char *s, size_t len, int64_t *out)
{
    unsigned y, mo, d, h, mi, sec;

    if (s == NULL || out == NULL) {
        return BL_ERR_DECODE;
    }
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    {
        bl_lex_t lx = {s, len, 0u};
        if (bl_lex_day_name(&lx, bl_day_names) && bl_lex_lit(&lx, ", ") && bl_lex_digits(&lx, 2u, &d) &&
            bl_lex_char(&lx, ' ') && bl_lex_month(&lx, &mo) && bl_lex_char(&lx, ' ') &&
            bl_lex_digits(&lx, 4u, &y) && bl_lex_char(&lx, ' ') && bl_lex_hms(&lx, &h, &mi, &sec) &&
            bl_lex_lit(&lx, " GMT")) {
            return bl_http_date_finish(&lx, y, mo, d, h, mi, sec, out);
        }
    }
    /* Obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    {
        bl_lex_t lx = {s, len, 0u};
        if (bl_lex_day_name(&lx, bl_day_names_long) && bl_lex_lit(&lx, ", ") && bl_lex_digits(&lx, 2u, &d) &&
            bl_lex_char(&lx, '-') && bl_lex_month(&lx, &mo) && bl_lex_char(&lx, '-') &&
            bl_lex_digits(&lx, 2u, &y) && bl_lex_char(&lx, ' ') && bl_lex_hms(&lx, &h, &mi, &sec) &&
            bl_lex_lit(&lx, " GMT")) {
            /* No clock here to apply RFC 7231's "50 years" rule; the usual
             * POSIX pivot keeps 70..99 in the 1900s. */
            y += (y < 70u) ? 2000u : 1900u;
            return bl_http_date_finish(&lx, y, mo, d, h, mi, sec, out);
        }
    }
    /* Obsolete asctime: Sun Nov  6 08:49:37 1994 (day space-padded) */
    {
        bl_lex_t lx = {s, len, 0u};
        if (bl_lex_day_name(&lx, bl_day_names) && bl_lex_char(&lx, ' ') && bl_lex_month(&lx, &mo) &&
            bl_lex_char(&lx, ' ')) {
            if (bl_lex_char(&lx, ' ')) {
                if (!bl_lex_digits(&lx, 1u, &d)) {
                    return BL_ERR_DECODE;
                }
            } else if (!bl_lex_digits(&lx, 2u, &d)) {
                return BL_ERR_DECODE;
            }
            if (bl_lex_char(&lx, ' ') && bl_lex_hms(&lx, &h, &mi, &sec) && bl_lex_char(&lx, ' ') &&
                bl_lex_digits(&lx, 4u, &y)) {
                return bl_http_date_finish(&lx, y, mo, d, h, mi, sec, out);
            }
        }
    }
    return BL_ERR_DECODE;
}

#endif /* BL_CONFIG_HTTP_DATE */

/* ------------------------------------------------------------ JSON field */

bl_status_t bl_json_get_timestamp(const bl_json_doc_t *doc, int index, bl_timestamp_t *out)
{
    bl_datetime_t dt;

    if (out == NULL) {
        return BL_ERR_DECODE;
    }
    out->unix_s = 0;
    out->nanosecond = 0u;
    out->presence = BL_ABSENT;
    if (index == -1) {
        return BL_OK;
    }
    if (doc == NULL || doc->tokens == NULL || doc->text == NULL || index < 0 || index >= doc->count) {
        return BL_ERR_DECODE;
    }
    const bl_json_token_t *tok = &doc->tokens[index];
    if (tok->start < 0 || tok->end < tok->start || (size_t)tok->end > doc->len) {
        return BL_ERR_DECODE;
    }
    const char *p = doc->text + tok->start;
    size_t n = (size_t)(tok->end - tok->start);
    if (tok->type == BL_JSON_PRIMITIVE && n == 4u && memcmp(p, "null", 4u) == 0) {
        out->presence = BL_NULL;
        return BL_OK;
    }
    if (tok->type != BL_JSON_STRING) {
        return BL_ERR_DECODE;
    }
    /* Unescaping may have shortened the string; it ends at its NUL. */
    const char *nul = memchr(p, '\0', n);
    if (nul != NULL) {
        n = (size_t)(nul - p);
    }
    if (bl_datetime_parse(p, n, &dt) != BL_OK) {
        return BL_ERR_DECODE;
    }
    out->unix_s = bl_datetime_to_unix(&dt);
    out->nanosecond = dt.nanosecond;
    out->presence = BL_PRESENT;
    return BL_OK;
}
