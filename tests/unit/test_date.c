/* Dates: the calendar arithmetic and the file-name patterns. */
#include "check.h"
#include "frontcast/date.h"
#include "frontcast/fetch.h"

#include <string.h>

static void round_trips(void)
{
    fc_day d;
    CHECK(fc_date_from_ymd(1970, 1, 1, &d) && d == 0);
    CHECK(fc_date_from_ymd(2000, 3, 1, &d) && d == 11017);
    CHECK(fc_date_from_ymd(2024, 2, 29, &d));           /* leap year */
    CHECK(!fc_date_from_ymd(2025, 2, 29, &d));          /* not one */
    CHECK(!fc_date_from_ymd(2100, 2, 29, &d));          /* century, not leap */
    CHECK(fc_date_from_ymd(2000, 2, 29, &d));           /* 400-year rule */
    CHECK(!fc_date_from_ymd(2024, 13, 1, &d));
    CHECK(!fc_date_from_ymd(2024, 4, 31, &d));
    /* Every day of 1900..2100 formats and parses back to itself. */
    fc_day a, b;
    fc_date_from_ymd(1900, 1, 1, &a);
    fc_date_from_ymd(2100, 12, 31, &b);
    int bad = 0;
    for (fc_day x = a; x <= b; x++) {
        char buf[11];
        fc_day y;
        fc_date_format(x, buf);
        if (!fc_date_parse(buf, &y) || y != x)
            bad++;
    }
    CHECK(bad == 0);
    char buf[11];
    fc_date_from_ymd(2026, 8, 22, &d);
    fc_date_format(d, buf);
    CHECK(strcmp(buf, "2026-08-22") == 0);
}

static void parsing(void)
{
    fc_day d, want;
    fc_date_from_ymd(2024, 7, 8, &want);
    CHECK(fc_date_parse("2024-07-08", &d) && d == want);
    CHECK(fc_date_parse("20240708", &d) && d == want);
    CHECK(!fc_date_parse("2024-7-8", &d));
    CHECK(!fc_date_parse("2024-07-08x", &d));
    CHECK(!fc_date_parse("", &d));
    CHECK(!fc_date_parse(NULL, &d));
    CHECK(!fc_date_parse("2024-02-30", &d));
}

static void names(void)
{
    fc_day d, want;
    fc_date_from_ymd(2024, 7, 8, &want);
    CHECK(fc_date_from_name("deepstatemap_data_20240708.geojson", NULL, &d) && d == want);
    CHECK(fc_date_from_name("control-2024-07-08.gpkg", NULL, &d) && d == want);
    /* A run of digits longer than a date is not a date... */
    CHECK(!fc_date_from_name("id_202407081.geojson", NULL, &d));
    /* ...but a later, well-delimited date in the same name is. */
    CHECK(fc_date_from_name("v123456789_20240708.geojson", NULL, &d) && d == want);
    /* An impossible date is skipped, not accepted. */
    CHECK(!fc_date_from_name("snap_20241340.geojson", NULL, &d));
    CHECK(!fc_date_from_name("README.geojson", NULL, &d));
    CHECK(fc_date_from_name("snap_08.07.2024.shp", "%d.%m.%Y", &d) && d == want);
    CHECK(!fc_date_from_name("snap_2024-07-08.shp", "%d.%m.%Y", &d));
    CHECK(fc_date_from_name("100%_20240708", "%%_%Y%m%d", &d) && d == want);
}

/* The API's datetimes to UTC dates, and the ids that may go into a URL. */
static void fetched(void)
{
    fc_day d, want;
    fc_date_parse("2026-08-22", &want);
    CHECK(fc_fetch_utc_date("2026-08-22", &d) && d == want);
    CHECK(fc_fetch_utc_date("2026-08-22T21:00:00.000Z", &d) && d == want);
    CHECK(fc_fetch_utc_date("2026-08-22T21:00", &d) && d == want);          /* no zone: UTC */
    CHECK(fc_fetch_utc_date("2026-08-23T01:30:00+03:00", &d) && d == want); /* 22:30Z */
    CHECK(fc_fetch_utc_date("2026-08-22T23:30:00-0100", &d) && d == want + 1);
    CHECK(fc_fetch_utc_date("2026-08-22 00:00:00+00", &d) && d == want);
    CHECK(fc_fetch_utc_date("2026-08-22T23:59:59,5-00:01", &d) && d == want + 1);
    CHECK(fc_fetch_utc_date("1970-01-01T00:30+01:00", &d) && d == -1);   /* before the epoch */
    CHECK(!fc_fetch_utc_date("2026-08-22T25:00Z", &d));
    CHECK(!fc_fetch_utc_date("2026-08-22T21:00+3", &d));
    CHECK(!fc_fetch_utc_date("2026-08-22Tnoon", &d));
    CHECK(!fc_fetch_utc_date("2026-02-30T10:00Z", &d));
    CHECK(!fc_fetch_utc_date("20260822T10:00Z", &d));
    CHECK(!fc_fetch_utc_date("2026-08-22T10:00Zjunk", &d));
    CHECK(!fc_fetch_utc_date("", &d));
    CHECK(fc_fetch_plain_id("1234") && fc_fetch_plain_id("a-b_C9"));
    CHECK(!fc_fetch_plain_id("") && !fc_fetch_plain_id("../x") && !fc_fetch_plain_id("1?a=b") &&
          !fc_fetch_plain_id("1#") && !fc_fetch_plain_id("a b") && !fc_fetch_plain_id("%2e"));
    char long_id[65];
    memset(long_id, '7', 64);
    long_id[64] = '\0';
    CHECK(!fc_fetch_plain_id(long_id));
    long_id[63] = '\0';
    CHECK(fc_fetch_plain_id(long_id));
}

int main(void)
{
    fetched();
    round_trips();
    parsing();
    names();
    return check_exit("test_date");
}
