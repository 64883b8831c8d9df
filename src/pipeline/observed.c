/* Incremental geometry results: controlled polygons and front lines (see store.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "frontcast/pipeline.h"

/* Blobs are a count of items, each a byte length and the bytes, after
 * `ndoubles` doubles; native byte order: the store is a local cache. */
typedef struct blob {
    unsigned char *data;
    size_t size, cap;
} blob;

static bool blob_put(blob *b, const void *p, size_t n)
{
    if (b->size + n > b->cap) {
        size_t nc = b->cap ? 2 * b->cap : 4096;
        while (nc < b->size + n)
            nc *= 2;
        unsigned char *nd = realloc(b->data, nc);
        if (!nd)
            return false;
        b->data = nd;
        b->cap = nc;
    }
    if (n > 0)
        memcpy(b->data + b->size, p, n);
    b->size += n;
    return true;
}

static bool blob_put_item(blob *b, const unsigned char *wkb, size_t size)
{
    uint64_t n = wkb ? size : 0;
    return blob_put(b, &n, sizeof n) && blob_put(b, wkb, (size_t)n);
}

/* Reads item k of count into *wkb (newly allocated; NULL when empty). */
static bool blob_items(const unsigned char *data, size_t size, size_t offset, size_t count,
                       unsigned char **wkb, size_t *wkb_size)
{
    size_t at = offset;
    for (size_t k = 0; k < count; k++) {
        uint64_t n;
        if (at + sizeof n > size)
            return false;
        memcpy(&n, data + at, sizeof n);
        at += sizeof n;
        if (n > size - at)
            return false;
        wkb[k] = NULL;
        wkb_size[k] = 0;
        if (n > 0) {
            if (!(wkb[k] = malloc((size_t)n)))
                return false;
            memcpy(wkb[k], data + at, (size_t)n);
            wkb_size[k] = (size_t)n;
        }
        at += (size_t)n;
    }
    return at == size;
}

/* key = SHA-256 of the parts, one per line. */
static void blob_key(const char *kind, const char *zones_key, const char *prev, const char *snap,
                     char key[65])
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s\n%s\n%s\n%s\n", kind, zones_key, prev, snap);
    fc_sha256_hex(buf, (size_t)n, key);
}

fc_status fc_update_observed(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                             const fc_update_options *o, fc_area_table *table,
                             fc_frontlines **fronts, fc_update_stats *stats, fc_error *err)
{
    const size_t n = fc_series_count(series), nz = zs->n;
    *fronts = NULL;
    memset(stats, 0, sizeof *stats);
    fc_status st = FC_OK;
    char (*ck)[65] = calloc(n + 1, sizeof *ck), (*fk)[65] = calloc(n + 1, sizeof *fk);
    /* missing_c: not in the store; need_c: not in the table either (the
     * area update may have kept the polygons it computed). */
    bool *missing_c = calloc(n + 1, sizeof *missing_c), *need_c = calloc(n + 1, sizeof *need_c),
         *need_f = calloc(n + 1, sizeof *need_f);
    fc_frontlines *fl = calloc(1, sizeof *fl);
    if (fl)
        fl->rows = calloc(n + 1, sizeof *fl->rows);
    if (!table->wkb) {
        table->wkb = calloc(table->ndates * (nz + 1) + 1, sizeof *table->wkb);
        table->wkb_size = calloc(table->ndates * (nz + 1) + 1, sizeof *table->wkb_size);
    }
    if (!ck || !fk || !missing_c || !need_c || !need_f || !fl || !fl->rows || !table->wkb || !table->wkb_size ||
        table->ndates != n) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    fl->n = n;
    /* What the store has. A front line's shift depends on the snapshot
     * before it, so its key has both. */
    char prev[65] = "", snap[65];
    size_t nc = 0, nf = 0;
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        st = fc_store_snapshot_key(store, series, i, snap, err);
        if (st != FC_OK)
            break;
        blob_key("control-v2", o->zones_key, "", snap, ck[i]);
        blob_key("front-v1", o->zones_key, prev, snap, fk[i]);
        memcpy(prev, snap, sizeof prev);
        fl->rows[i].date = fc_series_date(series, i);
        void *data = NULL;
        size_t size = 0;
        bool found = false, in_table = table->with_wkb && table->with_wkb[i];
        if (!in_table)
            st = fc_store_get_blob(store, ck[i], &data, &size, &found, err);
        if (st == FC_OK && found && !blob_items(data, size, 0, nz, table->wkb + i * (nz + 1),
                                                table->wkb_size + i * (nz + 1)))
            found = false; /* unreadable: computed again */
        /* Polygons the area update computed are new content: stored. */
        missing_c[i] = !found;
        need_c[i] = !found && !in_table;
        nc += need_c[i];
        free(data);
        data = NULL;
        if (st == FC_OK)
            st = fc_store_get_blob(store, fk[i], &data, &size, &found, err);
        fc_frontline_row *r = &fl->rows[i];
        if (st == FC_OK && found && size >= 3 * sizeof(double)) {
            double v[3];
            memcpy(v, data, sizeof v);
            r->length_km = v[0];
            r->shift_mean_km = v[1];
            r->shift_p90_km = v[2];
            found = blob_items(data, size, sizeof v, 1, &r->wkb, &r->wkb_size);
        } else {
            found = false;
        }
        need_f[i] = !found;
        nf += !found;
        free(data);
    }
    if (st != FC_OK)
        goto cleanup;
    /* Overlay and trace what it lacks. */
    fc_area_table *t = NULL;
    fc_frontlines *f = NULL;
    if (nc > 0) {
        fc_areas_options ao = o->areas;
        ao.keep_geometry = true;
        ao.only = need_c;
        ao.read_errors = NULL;
        st = fc_areas_compute(zs, series, &ao, &t, NULL, err);
    }
    if (st == FC_OK && nf > 0) {
        fc_frontline_options fo = {.tolerance_m = FC_BORDER_TOLERANCE_M,
                                   .min_length_m = FC_FRONT_MIN_LENGTH_M,
                                   .sample_m = FC_FRONT_SAMPLE_M, .threads = o->areas.threads, .diag = o->areas.diag,
                                   .progress = o->areas.progress, .progress_user = "front lines",
                                   .only = need_f};
        st = fc_frontlines_compute(zs, series, &fo, &f, err);
    }
    if (st == FC_OK)
        st = fc_store_begin(store, err);
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        if (missing_c[i]) {
            blob b = {0};
            for (size_t z = 0; z < nz; z++) {
                size_t k = i * (nz + 1) + z;
                if (need_c[i]) {
                    table->wkb[k] = t->wkb[k];
                    table->wkb_size[k] = t->wkb_size[k];
                    t->wkb[k] = NULL;
                }
                if (!blob_put_item(&b, table->wkb[k], table->wkb_size[k]))
                    st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            }
            if (st == FC_OK)
                st = fc_store_put_blob(store, ck[i], b.data, b.size, err);
            free(b.data);
        }
        if (need_f[i] && st == FC_OK) {
            fc_frontline_row *r = &fl->rows[i];
            *r = f->rows[i];
            f->rows[i].wkb = NULL;
            double v[3] = {r->length_km, r->shift_mean_km, r->shift_p90_km};
            blob b = {0};
            if (!blob_put(&b, v, sizeof v) || !blob_put_item(&b, r->wkb, r->wkb_size))
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            if (st == FC_OK)
                st = fc_store_put_blob(store, fk[i], b.data, b.size, err);
            free(b.data);
        }
        stats->computed += missing_c[i] || need_f[i];
        stats->reused += !(missing_c[i] || need_f[i]);
    }
    if (st == FC_OK)
        st = fc_store_commit(store, err);
    fc_area_table_destroy(t);
    fc_frontlines_destroy(f);
cleanup:
    free(ck);
    free(fk);
    free(missing_c);
    free(need_c);
    free(need_f);
    if (st != FC_OK) {
        fc_frontlines_destroy(fl);
        return st;
    }
    *fronts = fl;
    return FC_OK;
}
