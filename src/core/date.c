#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "frontcast/date.h"

/* Days from civil, after H. Hinnant's public-domain algorithm: exact for the
 * proleptic Gregorian calendar, no tables, no time zone. */
static fc_day days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (fc_day)(era * 146097 + (int)doe - 719468);
}

static int days_in_month(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mdays[m - 1] + (m == 2 && leap);
}

bool fc_date_from_ymd(int year, int month, int day, fc_day *out)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return false;
    *out = days_from_civil(year, month, day);
    return true;
}

void fc_date_to_ymd(fc_day z, int *year, int *month, int *day)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    const int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)yoe + era * 400 + (m <= 2);
    *month = m;
    *day = d;
}

void fc_date_format(fc_day d, char buf[11])
{
    int y, m, dd;
    fc_date_to_ymd(d, &y, &m, &dd);
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, dd);
    memcpy(buf, tmp, 10);
    buf[10] = '\0';
}

/* Reads exactly n digits at s; -1 if any is not a digit. */
static int read_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool fc_date_parse(const char *s, fc_day *out)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n == 10 && s[4] == '-' && s[7] == '-')
        return fc_date_from_ymd(read_digits(s, 4), read_digits(s + 5, 2),
                                read_digits(s + 8, 2), out);
    if (n == 8)
        return fc_date_from_ymd(read_digits(s, 4), read_digits(s + 4, 2),
                                read_digits(s + 6, 2), out);
    return false;
}

/* Matches pattern at s; on success stores the date and returns the length
 * of text consumed, else returns 0. */
static size_t match_at(const char *s, const char *pat, fc_day *out)
{
    int y = -1, m = -1, d = -1;
    const char *p = s;
    for (const char *q = pat; *q; q++) {
        if (q[0] == '%' && (q[1] == 'Y' || q[1] == 'm' || q[1] == 'd')) {
            int width = q[1] == 'Y' ? 4 : 2;
            for (int i = 0; i < width; i++)
                if (p[i] == '\0')
                    return 0;
            int v = read_digits(p, width);
            if (v < 0)
                return 0;
            if (q[1] == 'Y') y = v;
            else if (q[1] == 'm') m = v;
            else d = v;
            p += width;
            q++;
        } else if (q[0] == '%' && q[1] == '%') {
            if (*p != '%')
                return 0;
            p++;
            q++;
        } else {
            if (*p != *q)
                return 0;
            p++;
        }
    }
    if (y < 0 || m < 0 || d < 0 || !fc_date_from_ymd(y, m, d, out))
        return 0;
    return (size_t)(p - s);
}

bool fc_date_from_name(const char *name, const char *pattern, fc_day *out)
{
    static const char *const autos[] = {"%Y%m%d", "%Y-%m-%d"};
    const char *const *pats = pattern ? &pattern : autos;
    const size_t npats = pattern ? 1 : 2;
    for (size_t k = 0; k < npats; k++) {
        for (const char *s = name; *s; s++) {
            /* A date embedded in a longer run of digits is not a date. */
            if (s > name && isdigit((unsigned char)s[-1]) && isdigit((unsigned char)*s))
                continue;
            size_t len = match_at(s, pats[k], out);
            if (len && !(isdigit((unsigned char)s[len - 1]) &&
                         isdigit((unsigned char)s[len])))
                return true;
        }
    }
    return false;
}
