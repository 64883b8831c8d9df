#include <stdio.h>

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
    }
    return code;
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
