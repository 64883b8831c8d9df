/*
 * Calendar dates as whole days since 1970-01-01 (proleptic Gregorian, no
 * time zone: a snapshot's date is the date its source gives it).
 */
#ifndef FRONTCAST_DATE_H
#define FRONTCAST_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "frontcast/frontcast.h"

typedef int32_t fc_day;

/* Days since 1970-01-01 of a valid y-m-d; false if the date does not exist. */
bool fc_date_from_ymd(int year, int month, int day, fc_day *out);

void fc_date_to_ymd(fc_day d, int *year, int *month, int *day);

/* Writes "YYYY-MM-DD" and a NUL into buf (at least 11 bytes). */
void fc_date_format(fc_day d, char buf[11]);

/* Parses exactly "YYYY-MM-DD" (or "YYYYMMDD"); false if malformed or invalid. */
bool fc_date_parse(const char *s, fc_day *out);

/*
 * Finds a date inside a file or layer name. pattern uses %Y (4 digits),
 * %m, %d (2 digits) and literal characters, and may match anywhere in name;
 * NULL tries "%Y%m%d" then "%Y-%m-%d". The first match that is a real date
 * wins; digits around a %Y%m%d match must not be digits themselves, so
 * "20240708123" is not read as 2024-07-08. Returns false if none matches.
 */
bool fc_date_from_name(const char *name, const char *pattern, fc_day *out);

#endif
