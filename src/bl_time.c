/**
 * @file bl_time.c
 * @brief RFC 3339 and HTTP dates to Unix seconds, and back, without time.h.
 *
 * The core must run where there is no C library clock or time zone data, so
 * calendar arithmetic is done here with Howard Hinnant's days-from-civil
 * algorithms (proleptic Gregorian calendar, exact for every year 0..9999 and
 * for negative day counts), always in 64-bit integers.
 */
#include "bl_time.h"

#include <string.h>

/* Range that bl_datetime_from_unix() can represent (year 0000 to 9999). */
#define BL_UNIX_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define BL_UNIX_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */
#define BL_NS_PER_S 1000000000u

/* ------------------------------------------------------------ calendar */

static bool bl_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned bl_days_in_month(int64_t y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1u || m > 12u) {
        return 0u;
    }
    return (m == 2u && bl_is_leap(y)) ? 29u : days[m - 1u];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. Counting years from
 * March puts the leap day last, so one formula covers every month. */
static int64_t bl_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= (m <= 2) ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                /* 0..399 */
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* Inverse of bl_days_from_civil(). */
static void bl_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2u ? 1 : 0);
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
    if (d < 1u || d > bl_days_in_month((int64_t)y, mo)) {
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
    int64_t y;
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
    int64_t days = t / 86400;
    int64_t secs = t % 86400;
    if (secs < 0) { /* floor division for times before 1970 */
        secs += 86400;
        days -= 1;
    }
    bl_civil_from_days(days, &y, &m, &d);
    out->year = (int16_t)y;
    out->month = (uint8_t)m;
    out->day = (uint8_t)d;
    out->hour = (uint8_t)(secs / 3600);
    out->minute = (uint8_t)(secs / 60 % 60);
    out->second = (uint8_t)(secs % 60);
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
    if (lx->pos != lx->len || d < 1u || d > bl_days_in_month((int64_t)y, mo)) {
        return BL_ERR_DECODE;
    }
    *out = bl_days_from_civil((int64_t)y, (int64_t)mo, (int64_t)d) * 86400 + (int64_t)h * 3600 +
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
