/* The core helpers: masking passwords in messages, reading files. */
#include "check.h"

#include <errno.h>
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

int main(void)
{
    passwords();
    files();
    return check_exit("test_core");
}
