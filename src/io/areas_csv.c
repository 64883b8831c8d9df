/* Reading an areas CSV (as frontcast areas writes it) back into a table. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/areas.h"

/* Splits one CSV line (RFC 4180 quoting, no embedded newlines) into at most
 * max fields, in place; returns the count. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        fields[n++] = p;
        if (*p == '"') {
            char *r = p + 1;
            for (;;) {
                if (*r == '"' && r[1] == '"') {
                    *out++ = '"';
                    r += 2;
                } else if (*r == '"' || *r == '\0') {
                    if (*r == '"')
                        r++;
                    break;
                } else {
                    *out++ = *r++;
                }
            }
            p = r;
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        char sep = *p;
        *out = '\0';
        if (sep != ',')
            break;
        p++;
    }
    return n;
}

static bool parse_number(const char *s, double *v)
{
    if (!*s) {
        *v = NAN;
        return true;
    }
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return !errno && *end == '\0';
}

typedef struct raw_row {
    fc_day date;
    int zone; /* index into ids; -1 for ALL */
    long line;
    double controlled, zone_km2, gained, lost, border;
} raw_row;

static int day_cmp(const void *a, const void *b)
{
    fc_day x = *(const fc_day *)a, y = *(const fc_day *)b;
    return (x > y) - (x < y);
}

fc_status fc_read_areas_csv(const char *path, fc_area_table **table, fc_zoneset **zones,
                            fc_error *err)
{
    *table = NULL;
    *zones = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return fc_error_set(err, FC_ERR_IO, "%s: %s", path, strerror(errno));
    enum { C_DATE, C_ID, C_NAME, C_CTRL, C_ZONE, C_GAIN, C_LOST, C_BORDER, NCOL };
    static const char *const names[NCOL] = {"date",     "zone_id",    "zone_name",
                                            "controlled_km2", "zone_km2", "gained_km2",
                                            "lost_km2", "border_km2"};
    int col[NCOL], parent_col[FC_ZONE_LEVELS];
    for (int i = 0; i < NCOL; i++)
        col[i] = -1;
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        parent_col[l] = -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    fc_status st = FC_OK;
    raw_row *rows = NULL;
    size_t nrows = 0, rcap = 0;
    char **ids = NULL, **znames = NULL, **parents = NULL; /* parents[z * LEVELS + l] */
    double *zarea = NULL;
    size_t nz = 0, zcap = 0;
    fc_zoneset *zs = NULL;
    fc_area_table *t = NULL;
    fc_day *dates = NULL;
    char *fields[32];

    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        /* Excel writes UTF-8 CSVs with a byte-order mark: not part of "date". */
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, (size_t)len - 2);
        int nf = split_csv(line, fields, 32);
        if (lineno == 1) {
            for (int k = 0; k < nf; k++) {
                for (int i = 0; i < NCOL; i++)
                    if (strcmp(fields[k], names[i]) == 0)
                        col[i] = k;
                for (int l = 0; l < FC_ZONE_LEVELS; l++)
                    if (strcmp(fields[k], fc_zone_parent_columns[l]) == 0)
                        parent_col[l] = k;
            }
            for (int i = 0; i < NCOL; i++)
                if (col[i] < 0 && i != C_NAME && i != C_GAIN && i != C_LOST && i != C_BORDER) {
                    st = fc_error_set(err, FC_ERR_FIELD,
                                      "%s: not an areas CSV: no '%s' column (see frontcast areas)",
                                      path, names[i]);
                    goto cleanup;
                }
            continue;
        }
        raw_row r;
        const char *v[NCOL];
        for (int i = 0; i < NCOL; i++)
            v[i] = col[i] >= 0 && col[i] < nf ? fields[col[i]] : "";
        if (!fc_date_parse(v[C_DATE], &r.date)) {
            st = fc_error_set(err, FC_ERR_DATE, "%s: line %ld: cannot parse date '%s'", path, lineno,
                              v[C_DATE]);
            goto cleanup;
        }
        if (!parse_number(v[C_CTRL], &r.controlled) || isnan(r.controlled) ||
            !parse_number(v[C_ZONE], &r.zone_km2) || !parse_number(v[C_GAIN], &r.gained) ||
            !parse_number(v[C_LOST], &r.lost) || !parse_number(v[C_BORDER], &r.border)) {
            st = fc_error_set(err, FC_ERR_FORMAT, "%s: line %ld: malformed number", path, lineno);
            goto cleanup;
        }
        r.zone = -1;
        r.line = lineno;
        if (strcmp(v[C_ID], FC_ALL_ZONE_ID) != 0) {
            size_t z = 0;
            while (z < nz && strcmp(ids[z], v[C_ID]) != 0)
                z++;
            if (z == nz) {
                if (nz == zcap) {
                    zcap = zcap ? 2 * zcap : 32;
                    char **ni = realloc(ids, zcap * sizeof *ni), **nn = NULL;
                    if (ni)
                        ids = ni;
                    nn = ni ? realloc(znames, zcap * sizeof *nn) : NULL;
                    if (nn)
                        znames = nn;
                    double *na = nn ? realloc(zarea, zcap * sizeof *na) : NULL;
                    if (na)
                        zarea = na;
                    char **np = na ? realloc(parents, zcap * FC_ZONE_LEVELS * sizeof *np) : NULL;
                    if (!np) {
                        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                        goto cleanup;
                    }
                    parents = np;
                }
                ids[nz] = fc_strdup(v[C_ID]);
                znames[nz] = fc_strdup(*v[C_NAME] ? v[C_NAME] : v[C_ID]);
                for (int l = 0; l < FC_ZONE_LEVELS; l++) {
                    const int k = parent_col[l];
                    parents[nz * FC_ZONE_LEVELS + l] =
                        k >= 0 && k < nf && *fields[k] ? fc_strdup(fields[k]) : NULL;
                }
                zarea[nz] = r.zone_km2;
                nz++;
            }
            r.zone = (int)z;
        }
        if (nrows == rcap) {
            rcap = rcap ? 2 * rcap : 1024;
            raw_row *nr = realloc(rows, rcap * sizeof *nr);
            if (!nr) {
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
                goto cleanup;
            }
            rows = nr;
        }
        rows[nrows++] = r;
    }
    if (lineno == 0 || nz == 0) {
        st = fc_error_set(err, FC_ERR_EMPTY, "%s: no zone rows", path);
        goto cleanup;
    }
    /* The dates, sorted and unique. */
    dates = malloc(nrows * sizeof *dates);
    if (!dates) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < nrows; i++)
        dates[i] = rows[i].date;
    qsort(dates, nrows, sizeof *dates, day_cmp);
    size_t nd = 0;
    for (size_t i = 0; i < nrows; i++)
        if (nd == 0 || dates[nd - 1] != dates[i])
            dates[nd++] = dates[i];

    zs = calloc(1, sizeof *zs);
    t = calloc(1, sizeof *t);
    if (!zs || !t || !(zs->zones = calloc(nz, sizeof *zs->zones)) ||
        !(t->rows = calloc(nd * (nz + 1), sizeof *t->rows)) ||
        !(t->dates = malloc(nd * sizeof *t->dates))) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    zs->path = fc_strdup(path);
    zs->n = nz;
    for (int l = 0; l < FC_ZONE_LEVELS; l++)
        if (parent_col[l] >= 0)
            zs->parent_field[l] = fc_strdup(fc_zone_parent_columns[l]);
    for (size_t z = 0; z < nz; z++) {
        zs->zones[z].id = ids[z];
        zs->zones[z].name = znames[z];
        zs->zones[z].area_m2 = zarea[z] * 1e6;
        ids[z] = znames[z] = NULL;
        for (int l = 0; l < FC_ZONE_LEVELS; l++) {
            zs->zones[z].parent[l] = parents[z * FC_ZONE_LEVELS + l];
            parents[z * FC_ZONE_LEVELS + l] = NULL;
        }
    }
    t->ndates = nd;
    t->nzones = nz;
    memcpy(t->dates, dates, nd * sizeof *dates);
    for (size_t i = 0; i < nd * (nz + 1); i++)
        t->rows[i].controlled_m2 = NAN;
    for (size_t i = 0; i < nrows; i++) {
        fc_day *hit = bsearch(&rows[i].date, dates, nd, sizeof *dates, day_cmp);
        size_t d = (size_t)(hit - dates);
        fc_measure *m = fc_area_row(t, d, rows[i].zone < 0 ? nz : (size_t)rows[i].zone);
        if (!isnan(m->controlled_m2)) { /* which of two rows holds is anyone's guess */
            char day[11];
            fc_date_format(rows[i].date, day);
            st = fc_error_set(err, FC_ERR_FORMAT, "%s: line %ld: a second row for zone %s on %s",
                              path, rows[i].line,
                              rows[i].zone < 0 ? FC_ALL_ZONE_ID : zs->zones[rows[i].zone].id, day);
            goto cleanup;
        }
        m->controlled_m2 = rows[i].controlled * 1e6;
        m->gained_m2 = rows[i].gained * 1e6;
        m->lost_m2 = rows[i].lost * 1e6;
        /* Written before the sliver was measured: none. */
        m->border_m2 = isnan(rows[i].border) ? 0 : rows[i].border * 1e6;
    }
    for (size_t d = 0; d < nd; d++) {
        double sum = 0;
        for (size_t z = 0; z < nz; z++) {
            fc_measure *m = fc_area_row(t, d, z);
            if (isnan(m->controlled_m2)) {
                char day[11];
                fc_date_format(dates[d], day);
                st = fc_error_set(err, FC_ERR_FORMAT, "%s: no row for zone %s on %s", path,
                                  zs->zones[z].id, day);
                goto cleanup;
            }
            sum += m->controlled_m2;
        }
        fc_measure *all = fc_area_row(t, d, nz);
        if (isnan(all->controlled_m2)) { /* no ALL row: the zones' sum */
            all->controlled_m2 = sum;
            all->gained_m2 = all->lost_m2 = NAN;
        }
    }
cleanup:
    if (ferror(f) && st == FC_OK)
        st = fc_error_set(err, FC_ERR_IO, "%s: read error", path);
    fclose(f);
    free(line);
    free(rows);
    free(dates);
    for (size_t z = 0; z < nz; z++) {
        free(ids[z]);
        free(znames[z]);
        for (int l = 0; l < FC_ZONE_LEVELS; l++)
            free(parents[z * FC_ZONE_LEVELS + l]);
    }
    free(ids);
    free(znames);
    free(parents);
    free(zarea);
    if (st != FC_OK) {
        fc_area_table_destroy(t);
        fc_zones_destroy(NULL, zs);
        return st;
    }
    *table = t;
    *zones = zs;
    return FC_OK;
}
