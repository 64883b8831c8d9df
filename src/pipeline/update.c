/* Incremental area tables (see store.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/pipeline.h"

void fc_quarantined_free(fc_quarantined *q, size_t n)
{
    for (size_t i = 0; q && i < n; i++) {
        free(q[i].path);
        free(q[i].reason);
    }
    free(q);
}

fc_status fc_store_snapshot_key(fc_store *store, const fc_series *s, size_t i, char key[65],
                              fc_error *err)
{
    if (fc_series_get_kind(s) == FC_SERIES_FOLDER)
        return fc_store_file_hash(store, fc_series_source(s, i), key, err);
    char file[65], buf[96];
    fc_status st = fc_store_file_hash(store, fc_series_path(s), file, err);
    if (st != FC_OK)
        return st;
    snprintf(buf, sizeof buf, "%s:%d", file, (int)fc_series_date(s, i));
    fc_sha256_hex(buf, strlen(buf), key);
    return FC_OK;
}

typedef struct qlist {
    fc_quarantined *q;
    size_t n, cap;
} qlist;

static fc_status quarantine(qlist *l, const fc_series *s, size_t i, const char *reason,
                            fc_error *err)
{
    fc_quarantined *all = fc_grow(l->q, &l->cap, l->n, sizeof *all, 8);
    if (!all)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    l->q = all;
    fc_quarantined *q = &l->q[l->n++];
    q->path = fc_strdup(fc_series_source(s, i));
    q->date = fc_series_date(s, i);
    q->reason = fc_strdup(reason);
    return FC_OK;
}

fc_status fc_update_areas(fc_store *store, const fc_zoneset *zs, fc_series *series,
                          const fc_update_options *o, fc_area_table **out, fc_update_stats *stats,
                          fc_quarantined **quarantined, size_t *nq, fc_error *err)
{
    *out = NULL;
    *quarantined = NULL;
    *nq = 0;
    memset(stats, 0, sizeof *stats);
    const size_t nz = zs->n;
    const double max_change = o->max_daily_change_km2 > 0 ? o->max_daily_change_km2 : FC_DEFAULT_MAX_DAILY_CHANGE_KM2;
    qlist ql = {0};
    fc_status st = FC_OK;
    char (*key)[65] = NULL;
    bool *known = NULL, *need = NULL;
    char **read_errors = NULL;
    double *c = malloc((nz + 1) * 4 * sizeof *c);
    fc_area_table *t = NULL;
    if (!c)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");

    /* Dated after today: not a snapshot yet. Known bad content: still bad. */
    for (size_t i = fc_series_count(series); i-- > 0 && st == FC_OK;) {
        char k[65], *reason = NULL, buf[160];
        if (fc_series_date(series, i) > o->today) {
            char d[11], today[11];
            fc_date_format(fc_series_date(series, i), d);
            fc_date_format(o->today, today);
            snprintf(buf, sizeof buf, "dated %s, after today (%s)", d, today);
            st = quarantine(&ql, series, i, buf, err);
            fc_series_drop(series, i);
            continue;
        }
        fc_error sub = {0};
        st = fc_store_snapshot_key(store, series, i, k, &sub);
        if (st == FC_ERR_IO) {
            /* Not even readable to hash (a folder or FIFO named like a
             * snapshot, no permission): quarantined, nothing stored. */
            const char *src = fc_series_source(series, i), *m = sub.msg;
            size_t ls = strlen(src);
            if (strncmp(m, src, ls) == 0 && m[ls] == ':')
                m += ls + 2;
            st = quarantine(&ql, series, i, m, err);
            fc_series_drop(series, i);
            continue;
        }
        if (st != FC_OK)
            *err = sub;
        if (st == FC_OK)
            st = fc_store_get_quarantine(store, k, &reason, err);
        if (st == FC_OK && reason) {
            st = quarantine(&ql, series, i, reason, err);
            fc_series_drop(series, i);
        }
        free(reason);
    }

    /* Overlay what the store does not know; quarantine and repeat while
     * new snapshots turn out bad (their neighbours' gains change). */
    for (bool again = true; again && st == FC_OK;) {
        again = false;
        const size_t n = fc_series_count(series);
        free(key);
        free(known);
        free(need);
        if (read_errors)
            for (size_t i = 0; i < n + 1; i++)
                free(read_errors[i]);
        free(read_errors);
        fc_area_table_destroy(t);
        t = NULL;
        key = calloc(n + 1, sizeof *key);
        known = calloc(n + 1, sizeof *known);
        need = calloc(n + 1, sizeof *need);
        read_errors = calloc(n + 1, sizeof *read_errors);
        if (!key || !known || !need || !read_errors) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            break;
        }
        size_t nneed = 0;
        for (size_t i = 0; i < n && st == FC_OK; i++) {
            bool g = true;
            st = fc_store_snapshot_key(store, series, i, key[i], err);
            if (st == FC_OK)
                st = fc_store_get_areas(store, o->zones_key, key[i], nz, c, &known[i], err);
            if (st == FC_OK && i > 0)
                st = fc_store_get_gains(store, o->zones_key, key[i - 1], key[i], nz, c, c + nz + 1,
                                        &g, err);
            need[i] = !known[i] || !g;
            nneed += need[i];
        }
        if (st != FC_OK)
            break;
        fc_areas_options ao = o->areas;
        ao.only = need;
        ao.read_errors = read_errors;
        fc_areas_timing tm;
        if (nneed > 0)
            st = fc_areas_compute(zs, series, &ao, &t, &tm, err);
        else if (!(t = calloc(1, sizeof *t)) || !(t->rows = calloc((n + 1) * (nz + 1), sizeof *t->rows)) ||
                 !(t->dates = calloc(n + 1, sizeof *t->dates)))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        if (st != FC_OK)
            break;
        t->ndates = n;
        t->nzones = nz;
        t->raw_border = o->areas.raw_border;
        for (size_t i = 0; i < n; i++)
            t->dates[i] = fc_series_date(series, i);
        /* New content that cannot be read, or that moves too much. */
        for (size_t i = n; i-- > 0 && st == FC_OK;) {
            char reason[1100];
            reason[0] = '\0';
            if (read_errors[i]) {
                snprintf(reason, sizeof reason, "%s", read_errors[i]);
            } else if (need[i] && !known[i]) {
                /* New content, against its neighbours in date order wherever
                 * it falls: the snapshot before it, and a known one after it
                 * (a new snapshot dated before the first, or between two
                 * known ones, was once checked against nothing). */
                for (int side = 0; side < 2 && !reason[0]; side++) {
                    const size_t a = side ? i : i - 1, b = side ? i + 1 : i;
                    if ((side == 0 && i == 0) || (side == 1 && (i + 1 >= n || !known[i + 1])))
                        continue;
                    const fc_measure *all = fc_area_row(t, b, nz);
                    double days = fmax(1, fc_series_date(series, b) - fc_series_date(series, a));
                    double g = all->gained_m2 / 1e6 / days, l = all->lost_m2 / 1e6 / days;
                    if (g > max_change || l > max_change)
                        snprintf(reason, sizeof reason,
                                 side ? "the next snapshot gains %.0f km2 and loses %.0f km2 a day "
                                        "after it (more than --max-daily-change-km2 %.0f)"
                                      : "%.0f km2 gained and %.0f km2 lost a day since the previous "
                                        "snapshot (more than --max-daily-change-km2 %.0f)",
                                 g, l, max_change);
                }
            }
            if (!reason[0])
                continue;
            /* A read error may be the disk, not the content: not remembered. */
            if (!read_errors[i]) {
                st = fc_store_begin(store, err);
                if (st == FC_OK)
                    st = fc_store_put_quarantine(store, key[i], reason, err);
                if (st == FC_OK)
                    st = fc_store_commit(store, err);
            }
            if (st == FC_OK)
                st = quarantine(&ql, series, i, reason, err);
            fc_series_drop(series, i);
            again = true;
        }
        if (again || st != FC_OK)
            continue;
        /* Keep what was computed; take the rest from the store. */
        st = fc_store_begin(store, err);
        for (size_t i = 0; i < n && st == FC_OK; i++) {
            fc_measure *row = fc_area_row(t, i, 0);
            if (need[i]) {
                stats->computed++;
                for (size_t z = 0; z <= nz; z++) {
                    c[z] = row[z].controlled_m2;
                    c[nz + 1 + z] = row[z].border_m2;
                    c[2 * (nz + 1) + z] = row[z].gained_m2;
                    c[3 * (nz + 1) + z] = row[z].lost_m2;
                }
                st = fc_store_put_areas(store, o->zones_key, key[i], nz, c, err);
                if (st == FC_OK && i > 0)
                    st = fc_store_put_gains(store, o->zones_key, key[i - 1], key[i], nz,
                                            c + 2 * (nz + 1), c + 3 * (nz + 1), err);
                if (i > 0 && !need[i - 1])
                    stats->primed++;
                continue;
            }
            stats->reused++;
            bool f1 = false, f2 = i == 0;
            st = fc_store_get_areas(store, o->zones_key, key[i], nz, c, &f1, err);
            if (st == FC_OK && i > 0)
                st = fc_store_get_gains(store, o->zones_key, key[i - 1], key[i], nz,
                                        c + 2 * (nz + 1), c + 3 * (nz + 1), &f2, err);
            if (st == FC_OK && !(f1 && f2))
                st = fc_error_set(err, FC_ERR_IO, "the state store changed during the run");
            for (size_t z = 0; st == FC_OK && z <= nz; z++) {
                row[z].controlled_m2 = c[z];
                row[z].border_m2 = c[nz + 1 + z];
                row[z].gained_m2 = i > 0 ? c[2 * (nz + 1) + z] : NAN;
                row[z].lost_m2 = i > 0 ? c[3 * (nz + 1) + z] : NAN;
            }
        }
        if (st == FC_OK)
            st = fc_store_commit(store, err);
    }
    stats->quarantined = ql.n;
    /* The check fc_areas_compute makes on a whole series, on the table put
     * together from the store and the new snapshots. */
    bool overlap = false;
    for (size_t d = 0; st == FC_OK && t && d < t->ndates && !overlap; d++)
        for (size_t z = 0; z < t->nzones && !overlap; z++)
            overlap = fc_area_row(t, d, z)->controlled_m2 > 0;
    if (st == FC_OK && t && t->ndates > 0 && !overlap)
        st = fc_error_set(err, FC_ERR_NO_OVERLAP,
                          "%s: no control area overlaps any zone of %s (wrong CRS, or wrong files?)",
                          fc_series_path(series), zs->path);
    if (read_errors)
        for (size_t i = 0; i <= fc_series_count(series); i++)
            free(read_errors[i]);
    free(read_errors);
    free(key);
    free(known);
    free(need);
    free(c);
    if (st != FC_OK) {
        fc_area_table_destroy(t);
        fc_quarantined_free(ql.q, ql.n);
        return st;
    }
    *out = t;
    *quarantined = ql.q;
    *nq = ql.n;
    return FC_OK;
}
