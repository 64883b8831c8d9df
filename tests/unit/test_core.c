/* The core helpers: masking passwords in messages, reading files. */
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/frontcast.h"

static void masked(const char *in, const char *want)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    fc_mask_passwords(buf);
    check_count++;
    if (strcmp(buf, want) != 0) {
        check_failures++;
        fprintf(stderr, "mask(\"%s\") = \"%s\", want \"%s\"\n", in, buf, want);
    }
}

/* Every spelling libpq and GDAL accept (issue: the manifest and PostgreSQL
 * errors showed them). */
static void passwords(void)
{
    masked("PG:dbname=x password=SECRET host=h", "PG:dbname=x password=****** host=h");
    masked("PG:dbname=x password = SECRET host=h", "PG:dbname=x password = ****** host=h");
    masked("PG:password='s3cret xyzzy' host=h", "PG:password='************' host=h");
    masked("password='a\\'b' x", "password='****' x");
    masked("PG:postgresql://u:SECRET@host/db", "PG:postgresql://u:******@host/db");
    masked("postgresql://host/db?user=u&password=SECRET&sslmode=require",
           "postgresql://host/db?user=u&password=******&sslmode=require");
    masked("PG:dbname=x PASSWORD=SECRET", "PG:dbname=x PASSWORD=******");
    masked("cannot connect: host=h password=SECRET", "cannot connect: host=h password=******");
    masked("no secret here: http://example.org/a:b", "no secret here: http://example.org/a:b");
    masked("password", "password");
    masked("password=", "password=");
    fc_error err;
    fc_error_set(&err, FC_ERR_IO, "PG:dbname=%s password=%s: refused", "db", "hunter2");
    /* The colon may be part of a password: masked too, safe side. */
    CHECK(strcmp(err.msg, "PG:dbname=db password=******** refused") == 0);
}

/* Only regular files are read: a folder is not 2^63 bytes. */
static void files(void)
{
    char *buf = NULL;
    size_t len = 0;
    CHECK(fc_read_file("/", &buf, &len) == EISDIR && !buf);
    CHECK(fc_read_file("/dev/null", &buf, &len) == FC_ENOTREG && !buf);
    CHECK(strcmp(fc_strerror(FC_ENOTREG), "not a regular file") == 0);
    CHECK(fc_read_file("/nonexistent/x", &buf, &len) == ENOENT);
}

/* UTF-8 text by RFC 3629's table, and no control characters. */
static void text(void)
{
    CHECK(fc_text_check("") == (size_t)-1);
    CHECK(fc_text_check("Donetsk\tUA-14") == (size_t)-1);
    CHECK(fc_text_check("Донецька область") == (size_t)-1);
    CHECK(fc_text_check("\xe2\x80\x99 \xf0\x9f\x97\xba \xef\xbf\xbd") == (size_t)-1);
    CHECK(fc_text_check("Dnipro\npetrovsk") == 6);
    CHECK(fc_text_check("a\rb") == 1);
    CHECK(fc_text_check("x\x7f") == 1);
    CHECK(fc_text_check("Ky\xefv") == 2);             /* Latin-1 */
    CHECK(fc_text_check("\xc0\xaf") == 0);            /* overlong '/' */
    CHECK(fc_text_check("\xe0\x80\xaf") == 0);        /* overlong, 3 bytes */
    CHECK(fc_text_check("ab\xed\xa0\x80") == 2);      /* a surrogate */
    CHECK(fc_text_check("\xf4\x90\x80\x80") == 0);    /* beyond U+10FFFF */
    CHECK(fc_text_check("\xe2\x80") == 0);            /* cut short */
    CHECK(fc_text_check("\xc2\x85") == 0);            /* NEL, a C1 control */
    CHECK(fc_text_check("\xc2\xa0") == (size_t)-1);   /* no-break space */
}

/* fc_format_fixed against glibc's printf itself, which it must match byte
 * for byte: chosen values (halves, their neighbours, signs, zero, limits)
 * and a million pseudo-random ones over magnitudes 1e-9 to 1e17. */
static void fixed_one(double v, int d)
{
    char got[FC_FIXED_MAX], want[FC_FIXED_MAX];
    const size_t n = fc_format_fixed(got, v, d);
    snprintf(want, sizeof want, "%.*f", d, v);
    check_count++;
    if (strcmp(got, want) != 0 || n != strlen(want)) {
        check_failures++;
        if (check_failures < 20)
            fprintf(stderr, "fc_format_fixed(%.17g, %d) = \"%s\", printf \"%s\"\n", v, d, got,
                    want);
    }
}

static void fixed(void)
{
    static const double chosen[] = {0,      -0.0,    0.0005,  -0.0005, 0.0015,  2.675,  1.005,
                                    0.125,  0.375,   -0.0001, 0.5,     1.5,     2.5,    -2.5,
                                    1e-300, 4.9e-324, 1e15,   1e17,    1.5e300, 1e308,  123.4565,
                                    0x1p50, 0x1p50 - 1, 0x1p53, 999.9995, 9.9995, 0.99995,
                                    NAN,    INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof chosen / sizeof chosen[0]; i++)
        for (int d = 0; d <= 9; d++) {
            fixed_one(chosen[i], d);
            fixed_one(nextafter(chosen[i], INFINITY), d);
            fixed_one(nextafter(chosen[i], -INFINITY), d);
        }
    /* Exact halves at every number of decimals: k + 0.5 scaled down. */
    for (int d = 1; d <= 6; d++)
        for (int k = 0; k < 2000; k++)
            fixed_one((k + 0.5) / pow(10, d), d);
    uint64_t x = 88172645463325252u; /* xorshift64 */
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const double mant = (double)(x >> 11) / 0x1p53, mag = pow(10, (double)(x % 27) - 9);
        fixed_one((x & 1 ? -1 : 1) * mant * mag, (int)(x >> 5) % 10);
    }
}

/* fc_grow: the same array while there is room, twice as large when not,
 * the contents kept; a size past memory fails and leaves the array. */
static void grow(void)
{
    int *v = NULL;
    size_t cap = 0, grew = 0;
    for (size_t n = 0; n < 1000; n++) {
        const size_t before = cap;
        int *g = fc_grow(v, &cap, n, sizeof *g, 16);
        CHECK(g != NULL && cap > n && (cap == before || cap == (before ? 2 * before : 16)));
        grew += cap != before;
        v = g;
        v[n] = (int)n * 3;
    }
    CHECK(cap == 1024 && grew == 7); /* 16, 32, ..., 1024 */
    int ok = 1;
    for (size_t n = 0; n < 1000; n++)
        ok &= v[n] == (int)n * 3;
    CHECK(ok);
    CHECK(fc_grow(v, &cap, 1000, sizeof *v, 16) == v && cap == 1024);
    size_t huge = SIZE_MAX / 4;
    CHECK(fc_grow(v, &cap, huge, sizeof *v, 16) == NULL && cap == 1024);
    free(v);
}

int main(void)
{
    grow();
    text();
    passwords();
    files();
    fixed();
    return check_exit("test_core");
}
