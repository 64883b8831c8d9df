#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "frontcast/frontcast.h"

const char *fc_status_name(fc_status code)
{
    switch (code) {
    case FC_OK: return "ok";
    case FC_ERR_ARG: return "argument";
    case FC_ERR_IO: return "io";
    case FC_ERR_FORMAT: return "format";
    case FC_ERR_CRS: return "crs";
    case FC_ERR_EMPTY: return "empty";
    case FC_ERR_FIELD: return "field";
    case FC_ERR_DATE: return "date";
    case FC_ERR_NO_OVERLAP: return "no-overlap";
    case FC_ERR_GEOM: return "geometry";
    case FC_ERR_NOMEM: return "out-of-memory";
    }
    return "unknown";
}

fc_status fc_error_set(fc_error *err, fc_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* GDAL and libpq quote connection strings in their errors. */
        fc_mask_passwords(err->msg);
    }
    return code;
}

/* The end of a key=value value: a quoted one ends at its closing quote
 * (backslash escapes), a bare one at white space or a URI's '&'. */
static char *mask_value(char *q)
{
    if (*q == '\'') {
        q++;
        for (; *q && *q != '\''; q++) {
            if (*q == '\\' && q[1])
                *q++ = '*';
            *q = '*';
        }
        return q;
    }
    for (; *q && !isspace((unsigned char)*q) && *q != '&'; q++)
        *q = '*';
    return q;
}

void fc_mask_passwords(char *s)
{
    /* libpq's keyword form, spaces allowed around '=' (password = 'a b'),
     * and a URI's ?password=...; also GDAL's PASSWORD= spelling. */
    for (char *p = s; *p; p++) {
        if (strncasecmp(p, "password", 8) != 0)
            continue;
        char *q = p + 8;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        p = mask_value(q);
        if (!*p)
            break;
    }
    /* URIs: scheme://user:SECRET@host */
    for (char *p = s; (p = strstr(p, "://")) != NULL; p += 3) {
        char *u = p + 3, *end = u;
        while (*end && *end != '@' && *end != '/' && !isspace((unsigned char)*end))
            end++;
        if (*end != '@')
            continue;
        for (char *c = memchr(u, ':', (size_t)(end - u)); c && ++c < end;)
            *c = '*';
    }
}

const char *fc_version(void)
{
    return FRONTCAST_VERSION;
}

void fc_warn(const fc_diag *diag, const char *fmt, ...)
{
    if (!diag || !diag->fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag->fn(diag->user, buf);
}
