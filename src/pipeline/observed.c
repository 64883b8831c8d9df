/* Incremental geometry results: controlled polygons and front lines (see store.h). */
#define _DEFAULT_SOURCE /* realpath, st_mtim */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "core/util.h"
#include "frontcast/load.h"
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

/* The item at *at (its bytes in *item, n of them), *at moved past it;
 * false when the blob ends first. */
static bool next_item(const unsigned char *data, size_t size, size_t *at,
                      const unsigned char **item, size_t *n)
{
    uint64_t len;
    if (*at + sizeof len > size)
        return false;
    memcpy(&len, data + *at, sizeof len);
    *at += sizeof len;
    if (len > size - *at)
        return false;
    *item = data + *at;
    *n = (size_t)len;
    *at += *n;
    return true;
}

/* Reads item k of count into *wkb (newly allocated; NULL when empty). */
static bool blob_items(const unsigned char *data, size_t size, size_t offset, size_t count,
                       unsigned char **wkb, size_t *wkb_size)
{
    size_t at = offset;
    for (size_t k = 0; k < count; k++) {
        const unsigned char *item;
        size_t n;
        if (!next_item(data, size, &at, &item, &n))
            return false;
        wkb[k] = NULL;
        wkb_size[k] = 0;
        if (n > 0) {
            if (!(wkb[k] = malloc(n)))
                return false;
            memcpy(wkb[k], item, n);
            wkb_size[k] = n;
        }
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

/*
 * A date's polygons are stored once per distinct polygon: the date's blob
 * holds, per zone, the key of a part blob (an item of 64 hex digits, or
 * empty for none). A zone's polygon mostly stays the same from one date to
 * the next (1,153 distinct among 7,145 on the DeepStateMap history): whole
 * per date, they made the store 233 MB, which every run checks page by
 * page when it opens it.
 */
static void part_key(const unsigned char *wkb, size_t size, char key[65])
{
    char sum[65];
    fc_sha256_hex(wkb, size, sum);
    blob_key("control-part-v1", sum, "", "", key);
}

/* The count items of a date blob as part keys ("" for none); false when
 * malformed. */
static bool blob_keys(const unsigned char *data, size_t size, size_t count, char (*keys)[65])
{
    size_t at = 0;
    for (size_t k = 0; k < count; k++) {
        const unsigned char *item;
        size_t n;
        if (!next_item(data, size, &at, &item, &n) || (n != 0 && n != 64))
            return false;
        memcpy(keys[k], item, n);
        keys[k][n] = '\0';
    }
    return at == size;
}

/* Zone z's polygon on the date before d, when the table holds it and its
 * part key is known (have[d - 1]): its bytes, with *key and *size; else
 * NULL. */
static const unsigned char *part_before(const fc_area_table *t, size_t nz, size_t d, size_t z,
                                        char (*keys)[65], const bool *have, const char **key,
                                        size_t *size)
{
    if (d == 0 || !have[d - 1] || !keys[(d - 1) * nz + z][0])
        return NULL;
    *key = keys[(d - 1) * nz + z];
    *size = t->wkb_size[(d - 1) * (nz + 1) + z];
    return t->wkb[(d - 1) * (nz + 1) + z];
}

/* The zones' polygons of date d from the store into the table's row d
 * (newly allocated; *found false, the row left empty, when anything is
 * missing or unreadable: computed again). keys: every date's part keys,
 * nz per date; a part the date before had (loaded: have[d - 1]) is copied
 * from its row instead of looked up. */
static fc_status read_parts(fc_store *store, fc_area_table *t, size_t nz, size_t d,
                            const char *ck, char (*keys)[65], const bool *have, bool *found,
                            fc_error *err)
{
    void *data = NULL;
    size_t size = 0;
    fc_status st = fc_store_get_blob(store, ck, &data, &size, found, err);
    char (*k)[65] = keys + d * nz;
    if (st == FC_OK && *found)
        *found = blob_keys(data, size, nz, k);
    free(data);
    unsigned char **wkb = t->wkb + d * (nz + 1);
    size_t *wkb_size = t->wkb_size + d * (nz + 1);
    for (size_t z = 0; z < nz && st == FC_OK && *found; z++) {
        wkb[z] = NULL;
        wkb_size[z] = 0;
        if (!k[z][0])
            continue;
        const char *before = "";
        size_t n = 0;
        const unsigned char *had = part_before(t, nz, d, z, keys, have, &before, &n);
        if (had && !strcmp(k[z], before)) {
            if (!(wkb[z] = malloc(n + 1)))
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            else
                memcpy(wkb[z], had, wkb_size[z] = n);
            continue;
        }
        void *part = NULL;
        st = fc_store_get_blob(store, k[z], &part, &n, found, err);
        if (st == FC_OK && *found && n > 0) {
            wkb[z] = part;
            wkb_size[z] = n;
        } else {
            free(part);
            *found = false;
        }
    }
    if (st != FC_OK || !*found) {
        for (size_t z = 0; z < nz; z++) {
            free(wkb[z]);
            wkb[z] = NULL;
            wkb_size[z] = 0;
        }
        *found = false;
    }
    return st;
}

/* Stores the zones' polygons of date d from the table's row d: its date
 * blob under ck, and the parts the date before (have[d - 1]) had not. */
static fc_status write_parts(fc_store *store, const fc_area_table *t, size_t nz, size_t d,
                             const char *ck, char (*keys)[65], const bool *have, fc_error *err)
{
    blob b = {0};
    fc_status st = FC_OK;
    char (*k)[65] = keys + d * nz;
    for (size_t z = 0; z < nz && st == FC_OK; z++) {
        const unsigned char *wkb = t->wkb[d * (nz + 1) + z];
        const size_t n = t->wkb_size[d * (nz + 1) + z];
        /* The same polygon as the date before: its part, without a hash. */
        const char *before = "";
        size_t had_n = 0;
        const unsigned char *had = part_before(t, nz, d, z, keys, have, &before, &had_n);
        k[z][0] = '\0';
        if (wkb && had && had_n == n && !memcmp(had, wkb, n)) {
            memcpy(k[z], before, 65);
        } else if (wkb) {
            part_key(wkb, n, k[z]);
            st = fc_store_put_blob(store, k[z], wkb, n, err);
        }
        if (st == FC_OK && !blob_put_item(&b, k[z][0] ? (const unsigned char *)k[z] : NULL, 64))
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    if (st == FC_OK)
        st = fc_store_put_blob(store, ck, b.data, b.size, err);
    free(b.data);
    return st;
}

/* The store keys of snapshot i's polygons (ck) and front line (fk), from
 * its content key; the front line's shift depends on the snapshot before
 * too: prev holds that one's key ("" for the first) and is moved on to
 * snapshot i's. */
static fc_status date_keys(fc_store *store, const fc_series *series, size_t i,
                           const char *zones_key, char prev[65], char ck[65], char fk[65],
                           fc_error *err)
{
    char snap[65];
    fc_status st = fc_store_snapshot_key(store, series, i, snap, err);
    if (st != FC_OK)
        return st;
    /* A version moves when what the blob holds does: control-v4 since it
     * holds the keys of its parts, front-v2 since zones split shared long
     * edges from one end (geodesy.c). */
    blob_key("control-v4", zones_key, "", snap, ck);
    blob_key("front-v2", zones_key, prev, snap, fk);
    memcpy(prev, snap, 65);
    return FC_OK;
}

fc_status fc_observed_row_keys(fc_store *store, const fc_series *series, const char *zones_key,
                               char (*keys)[65], fc_error *err)
{
    const size_t n = fc_series_count(series);
    char prev[65] = "", ck[65], fk[65];
    fc_status st = FC_OK;
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        st = date_keys(store, series, i, zones_key, prev, ck, fk, err);
        /* A row is valid until the next snapshot's date. */
        char next[11] = "-";
        if (i + 1 < n)
            fc_date_format(fc_series_date(series, i + 1), next);
        blob_key("map-rows-v1", ck, fk, next, keys[i]);
    }
    return st;
}

/* What fc_observed_compute leaves to store: per date the keys, whether
 * its polygons (missing_c) and front line (need_f) are to be written, and
 * the part keys known so far (pk, have: write_parts). */
struct fc_observed_writes {
    fc_store *store;
    const fc_area_table *table;
    const fc_frontlines *fronts;
    size_t n, nz;
    char (*ck)[65], (*fk)[65], (*pk)[65];
    bool *have, *missing_c, *need_f;
};

void fc_observed_writes_free(fc_observed_writes *w)
{
    if (!w)
        return;
    free(w->ck);
    free(w->fk);
    free(w->pk);
    free(w->have);
    free(w->missing_c);
    free(w->need_f);
    free(w);
}

fc_status fc_observed_compute(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                              const fc_update_options *o, size_t from, fc_area_table *table,
                              fc_frontlines **fronts, fc_update_stats *stats,
                              fc_observed_writes **writes, fc_error *err)
{
    const size_t n = fc_series_count(series), nz = zs->n;
    *fronts = NULL;
    *writes = NULL;
    memset(stats, 0, sizeof *stats);
    fc_status st = FC_OK;
    fc_observed_writes *wr = calloc(1, sizeof *wr);
    if (wr) {
        *wr = (fc_observed_writes){.store = store, .table = table, .n = n, .nz = nz};
        wr->ck = calloc(n + 1, sizeof *wr->ck);
        wr->fk = calloc(n + 1, sizeof *wr->fk);
        wr->missing_c = calloc(n + 1, sizeof *wr->missing_c);
        wr->need_f = calloc(n + 1, sizeof *wr->need_f);
        /* Each date's part keys (read_parts), and whether its row of the
         * table holds its polygons. */
        wr->pk = calloc(n * nz + 1, sizeof *wr->pk);
        wr->have = calloc(n + 1, sizeof *wr->have);
    }
    /* need_c: not in the store, nor in the table (the area update may have
     * kept the polygons it computed). */
    bool *need_c = calloc(n + 1, sizeof *need_c);
    fc_frontlines *fl = calloc(1, sizeof *fl);
    if (fl)
        fl->rows = calloc(n + 1, sizeof *fl->rows);
    if (!table->wkb) {
        table->wkb = calloc(table->ndates * (nz + 1) + 1, sizeof *table->wkb);
        table->wkb_size = calloc(table->ndates * (nz + 1) + 1, sizeof *table->wkb_size);
    }
    if (!wr || !wr->ck || !wr->fk || !wr->missing_c || !wr->need_f || !wr->pk || !wr->have ||
        !need_c || !fl || !fl->rows || !table->wkb || !table->wkb_size || table->ndates != n) {
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    char (*ck)[65] = wr->ck, (*fk)[65] = wr->fk, (*pk)[65] = wr->pk;
    bool *have = wr->have, *missing_c = wr->missing_c, *need_f = wr->need_f;
    fl->n = n;
    /* What the store has (of the snapshots from `from` on). */
    char prev[65] = "";
    size_t nc = 0, nf = 0;
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        st = date_keys(store, series, i, o->zones_key, prev, ck[i], fk[i], err);
        if (st != FC_OK)
            break;
        fl->rows[i].date = fc_series_date(series, i);
        if (i < from)
            continue;
        bool found = false, in_table = table->with_wkb && table->with_wkb[i];
        if (!in_table)
            st = read_parts(store, table, nz, i, ck[i], pk, have, &found, err);
        have[i] = found || in_table;
        /* Polygons the area update computed are new content: stored. */
        missing_c[i] = !found;
        need_c[i] = !found && !in_table;
        nc += need_c[i];
        void *data = NULL;
        size_t size = 0;
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
        ao.zone_geometry_only = true; /* the blobs hold the zones' */
        ao.only = need_c;
        ao.read_errors = NULL;
        st = fc_areas_compute(zs, series, &ao, &t, NULL, err);
    }
    if (st == FC_OK && nf > 0) {
        fc_frontline_options fo = {.tolerance_m = FC_BORDER_TOLERANCE_M,
                                   .min_length_m = FC_FRONT_MIN_LENGTH_M,
                                   .sample_m = FC_FRONT_SAMPLE_M, .threads = o->areas.threads, .diag = o->areas.diag,
                                   .progress = o->areas.progress, .progress_user = "front lines",
                                   .only = need_f, .cache = o->cache};
        st = fc_frontlines_compute(zs, series, &fo, &f, err);
    }
    /* What was computed into the results; the store's writes are left to
     * fc_observed_write. */
    for (size_t i = 0; i < n && st == FC_OK; i++) {
        for (size_t z = 0; need_c[i] && z < nz; z++) {
            size_t k = i * (nz + 1) + z;
            table->wkb[k] = t->wkb[k];
            table->wkb_size[k] = t->wkb_size[k];
            t->wkb[k] = NULL;
        }
        have[i] |= missing_c[i];
        if (need_f[i]) {
            fl->rows[i] = f->rows[i];
            f->rows[i].wkb = NULL;
        }
        /* Before `from`: the output keeps what it has. */
        stats->computed += missing_c[i] || need_f[i];
        stats->reused += !(missing_c[i] || need_f[i]);
    }
    fc_area_table_destroy(t);
    fc_frontlines_destroy(f);
cleanup:
    free(need_c);
    if (st != FC_OK) {
        fc_observed_writes_free(wr);
        fc_frontlines_destroy(fl);
        return st;
    }
    wr->fronts = fl;
    *fronts = fl;
    *writes = wr;
    return FC_OK;
}

fc_status fc_observed_write(fc_observed_writes *w, fc_error *err)
{
    fc_status st = fc_store_begin(w->store, err);
    for (size_t i = 0; i < w->n && st == FC_OK; i++) {
        if (w->missing_c[i])
            st = write_parts(w->store, w->table, w->nz, i, w->ck[i], w->pk, w->have, err);
        if (w->need_f[i] && st == FC_OK) {
            const fc_frontline_row *r = &w->fronts->rows[i];
            double v[3] = {r->length_km, r->shift_mean_km, r->shift_p90_km};
            blob b = {0};
            if (!blob_put(&b, v, sizeof v) || !blob_put_item(&b, r->wkb, r->wkb_size))
                st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
            if (st == FC_OK)
                st = fc_store_put_blob(w->store, w->fk[i], b.data, b.size, err);
            free(b.data);
        }
    }
    if (st == FC_OK)
        st = fc_store_commit(w->store, err);
    fc_observed_writes_free(w);
    return st;
}

fc_status fc_update_observed(fc_store *store, const fc_zoneset *zs, const fc_series *series,
                             const fc_update_options *o, size_t from, fc_area_table *table,
                             fc_frontlines **fronts, fc_update_stats *stats, fc_error *err)
{
    fc_observed_writes *w = NULL;
    fc_status st = fc_observed_compute(store, zs, series, o, from, table, fronts, stats, &w, err);
    if (st == FC_OK)
        st = fc_observed_write(w, err);
    if (st != FC_OK) {
        fc_frontlines_destroy(*fronts);
        *fronts = NULL;
    }
    return st;
}

/* ---- the GeoPackage's rows, between runs ------------------------------- */

/* What a map file held when written: a blob in the store under the key of
 * its path. The file is known unchanged since while its identity (device,
 * inode, size, modification and change times) is the one recorded: every
 * write of ours makes a new file (a temporary renamed), and any other
 * writer, QGIS included, changes the change time, which no one can set
 * back (the modification time can be). */
typedef struct map_record {
    char magic[8];
    char generation[65];  /* map_generation */
    char pad[7];
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
    uint64_t n;           /* row keys that follow, 64 hex digits each */
} map_record;

static const char map_magic[8] = "fcmap-2";

/* Of what besides the snapshots the rows depend on: the zones, what the
 * held figures count, how GDAL was told to write (fc_gdal_output_key) and
 * the program that wrote them. A change of the layers' columns or rows
 * without a new version number bumps "map-file-vN". */
static void map_generation(const char *zones_key, const char *held_basis, char out[65])
{
    char zb[65];
    blob_key("map-file-v2", zones_key, held_basis, "", zb);
    blob_key("map-file-v2", zb, fc_gdal_output_key(), fc_version(), out);
}

static void record_key(const char *path, char out[65])
{
    char *abs = realpath(path, NULL);
    blob_key("map-file-record", abs ? abs : path, "", "", out);
    free(abs);
}

fc_status fc_map_file_plan(fc_store *store, const char *path, const char *zones_key,
                           const char *held_basis, char (*keys)[65], size_t n, size_t *from,
                           fc_error *err)
{
    *from = 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return FC_OK; /* no file: written whole */
    char rk[65];
    record_key(path, rk);
    void *data = NULL;
    size_t size = 0;
    bool found = false;
    fc_status st = fc_store_get_blob(store, rk, &data, &size, &found, err);
    map_record h;
    char gen[65];
    map_generation(zones_key, held_basis, gen);
    if (st == FC_OK && found && size >= sizeof h) {
        memcpy(&h, data, sizeof h);
        const bool same = !memcmp(h.magic, map_magic, sizeof h.magic) &&
                          !memcmp(h.generation, gen, sizeof gen) && h.n == (size - sizeof h) / 64 &&
                          (size - sizeof h) % 64 == 0 && h.dev == (uint64_t)sb.st_dev &&
                          h.ino == (uint64_t)sb.st_ino && h.size == (uint64_t)sb.st_size &&
                          h.mtime_s == (int64_t)sb.st_mtim.tv_sec &&
                          h.mtime_ns == (int64_t)sb.st_mtim.tv_nsec &&
                          h.ctime_s == (int64_t)sb.st_ctim.tv_sec &&
                          h.ctime_ns == (int64_t)sb.st_ctim.tv_nsec;
        /* The first snapshot whose rows the file lacks or holds otherwise. */
        const char *old = (const char *)data + sizeof h;
        size_t i = 0;
        while (same && i < n && i < h.n && !memcmp(old + 64 * i, keys[i], 64))
            i++;
        *from = same ? i : 0;
    }
    free(data);
    return st;
}

fc_status fc_map_file_record(fc_store *store, const char *path, const char *zones_key,
                             const char *held_basis, char (*keys)[65], size_t n, fc_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return fc_error_set(err, FC_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    const size_t size = sizeof(map_record) + 64 * n;
    unsigned char *b = calloc(1, size);
    if (!b)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    map_record h = {.dev = (uint64_t)sb.st_dev, .ino = (uint64_t)sb.st_ino,
                    .size = (uint64_t)sb.st_size, .mtime_s = (int64_t)sb.st_mtim.tv_sec,
                    .mtime_ns = (int64_t)sb.st_mtim.tv_nsec,
                    .ctime_s = (int64_t)sb.st_ctim.tv_sec,
                    .ctime_ns = (int64_t)sb.st_ctim.tv_nsec, .n = n};
    memcpy(h.magic, map_magic, sizeof h.magic);
    map_generation(zones_key, held_basis, h.generation);
    memcpy(b, &h, sizeof h);
    for (size_t i = 0; i < n; i++)
        memcpy(b + sizeof h + 64 * i, keys[i], 64);
    char rk[65];
    record_key(path, rk);
    fc_status st = fc_store_begin(store, err);
    if (st == FC_OK)
        st = fc_store_put_blob(store, rk, b, size, err);
    if (st == FC_OK)
        st = fc_store_commit(store, err);
    free(b);
    return st;
}
