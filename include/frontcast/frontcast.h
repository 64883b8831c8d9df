/*
 * frontcast: measure how a front line moves and project it.
 *
 * Status codes, error reports and diagnostics shared by every module.
 * Library code never prints or exits: it returns an fc_status, fills an
 * fc_error with a one-line message that names the file and the problem, and
 * hands warnings to the caller's fc_diag callback.
 */
#ifndef FRONTCAST_FRONTCAST_H
#define FRONTCAST_FRONTCAST_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fc_status {
    FC_OK = 0,
    FC_ERR_ARG,        /* invalid option or argument */
    FC_ERR_IO,         /* missing, unreadable or unwritable file */
    FC_ERR_FORMAT,     /* corrupt or truncated data, unknown format */
    FC_ERR_CRS,        /* missing, unusable or implausible CRS */
    FC_ERR_EMPTY,      /* a layer with no usable polygon */
    FC_ERR_FIELD,      /* a required attribute field is missing */
    FC_ERR_DATE,       /* a date that cannot be parsed, or duplicated */
    FC_ERR_NO_OVERLAP, /* zones and control areas do not overlap */
    FC_ERR_GEOM,       /* a geometry operation failed */
    FC_ERR_NOMEM
} fc_status;

/* A returned error: the status and a one-line message (no trailing newline). */
typedef struct fc_error {
    fc_status code;
    char msg[1024];
} fc_error;

/* Static name of a status, e.g. "io". Never NULL. */
const char *fc_status_name(fc_status code);

/* Overwrites with '*' every password a database connection string in s
 * could carry (libpq's password=x, password = 'x y', a URI's user:x@ or
 * ?password=x); fc_error_set does it to every message, so no error shows
 * one. */
void fc_mask_passwords(char *s);

/* Fills err (if not NULL) with code and a printf-style message (passwords
 * masked); returns code. */
fc_status fc_error_set(fc_error *err, fc_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Version string of the library, e.g. "0.1.0". Static, not to be freed. */
const char *fc_version(void);
/* The libraries in use, e.g. "GDAL 3.6.2, GEOS 3.11.1-CAPI-1.17.1, PROJ
 * 9.1.1", into buf (loads the GDAL plug-in). Returns buf. */
const char *fc_dependency_versions(char *buf, size_t size);

/*
 * Warnings (repaired geometry, skipped features). The callback may be called
 * from worker threads at the same time; it must be thread-safe. fn may be
 * NULL to drop warnings.
 */
typedef void (*fc_warn_fn)(void *user, const char *msg);
typedef struct fc_diag {
    fc_warn_fn fn;
    void *user;
} fc_diag;

/* Formats a warning and passes it to diag->fn. diag may be NULL. */
void fc_warn(const fc_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
