#define _POSIX_C_SOURCE 200809L
/* The SQLite store (see store.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "core/util.h"
#include "frontcast/files.h"
#include "frontcast/store.h"

struct fc_store {
    sqlite3 *db;
    char *path;
};

/* The layout's version (PRAGMA user_version). A store of an older one is a
 * cache of another shape: its tables are dropped and refilled from the
 * inputs. 2: a checksum beside every blob; 3: the checksum a word at a
 * time. */
#define STORE_VERSION 3

static const char *const schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,"
    " sha256 TEXT);"
    "CREATE TABLE IF NOT EXISTS areas(zones TEXT, snap TEXT, n INTEGER, controlled BLOB,"
    " sum INTEGER, PRIMARY KEY(zones, snap));"
    "CREATE TABLE IF NOT EXISTS gains(zones TEXT, prev TEXT, snap TEXT, n INTEGER,"
    " gained BLOB, lost BLOB, sum INTEGER, PRIMARY KEY(zones, prev, snap));"
    "CREATE TABLE IF NOT EXISTS quarantine(snap TEXT PRIMARY KEY, reason TEXT);"
    "CREATE TABLE IF NOT EXISTS blobs(key TEXT PRIMARY KEY, data BLOB, sum INTEGER);";

static const char *const drop_all =
    "DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS areas; DROP TABLE IF EXISTS gains;"
    "DROP TABLE IF EXISTS quarantine; DROP TABLE IF EXISTS blobs;";

/* One word into the sum. */
static uint64_t sum_word(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3u;
}

/* The words of p (n bytes, the tail zero-padded) folded into h: a word at
 * a time, as a run reads some hundred megabytes of blobs and a byte at a
 * time cost it half a second. */
static uint64_t sum_bytes(uint64_t h, const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        h = sum_word(h, v);
    }
    if (i < n) {
        uint64_t v = 0;
        memcpy(&v, p + i, n - i);
        h = sum_word(h, v);
    }
    return sum_word(h, n); /* so that a zero tail is not the same as none */
}

/*
 * A blob's checksum (FNV-1a's step over 64-bit words, as a signed SQLite
 * integer). SQLite checks its pages, not what is in them: a blob zeroed on
 * disk (or by a bad tool) keeps its size and reads back "fine". With the
 * sum it reads as missing, and is computed again.
 */
static sqlite3_int64 blob_sum(const void *a, size_t na, const void *b, size_t nb)
{
    uint64_t h = sum_bytes(0xcbf29ce484222325u, a, na);
    h = sum_bytes(h, b, nb);
    sqlite3_int64 out;
    memcpy(&out, &h, sizeof out);
    return out;
}

/* Whether column col of q holds the checksum of columns c0 (and c1 >= 0). */
static bool sum_matches(sqlite3_stmt *q, int c0, int c1, int col)
{
    const void *a = sqlite3_column_blob(q, c0);
    const size_t na = (size_t)sqlite3_column_bytes(q, c0);
    const void *b = c1 >= 0 ? sqlite3_column_blob(q, c1) : NULL;
    const size_t nb = c1 >= 0 ? (size_t)sqlite3_column_bytes(q, c1) : 0;
    return sqlite3_column_type(q, col) == SQLITE_INTEGER &&
           sqlite3_column_int64(q, col) == blob_sum(a, na, b, nb);
}

static fc_status db_fail(fc_store *s, fc_error *err, const char *what)
{
    return fc_error_set(err, FC_ERR_IO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* Whether the store's pages are sound (PRAGMA quick_check): reason gets
 * what SQLite found when not. */
static bool store_sound(fc_store *s, char *reason, size_t size)
{
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &q, NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW;
    const char *r = ok ? (const char *)sqlite3_column_text(q, 0) : sqlite3_errmsg(s->db);
    ok = ok && r && strcmp(r, "ok") == 0;
    if (!ok)
        snprintf(reason, size, "%s", r ? r : "?");
    sqlite3_finalize(q);
    return ok;
}

fc_status fc_store_open_recover(const char *path, fc_store **out, char *moved, size_t moved_size,
                                fc_error *err)
{
    moved[0] = '\0';
    fc_error first = {0};
    fc_status st = fc_store_open(path, out, &first);
    char reason[sizeof first.msg] = "";
    if (st == FC_OK && store_sound(*out, reason, sizeof reason))
        return FC_OK;
    if (st == FC_OK) {
        fc_store_close(*out);
        *out = NULL;
    } else if (st != FC_ERR_FORMAT) {
        *err = first; /* not damage: a permission, a missing folder */
        return st;
    } else {
        snprintf(reason, sizeof reason, "%s", first.msg);
    }
    /* Damaged: moved aside (with its journal files), rebuilt from the inputs. */
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(moved, moved_size, "%s.corrupt-%s", path, stamp);
    if (rename(path, moved) != 0)
        return fc_error_set(err, FC_ERR_IO, "%s: damaged (%s), and cannot be moved aside: %s",
                            path, reason, strerror(errno));
    static const char *const sidecars[] = {"-wal", "-shm"};
    for (int i = 0; i < 2; i++) {
        char a[4096], b[4096];
        snprintf(a, sizeof a, "%s%s", path, sidecars[i]);
        snprintf(b, sizeof b, "%s%s", moved, sidecars[i]);
        if (rename(a, b) != 0 && errno != ENOENT)
            return fc_error_set(err, FC_ERR_IO, "%s: cannot be moved aside: %s", a,
                                strerror(errno));
    }
    return fc_store_open(path, out, err);
}

fc_status fc_store_open(const char *path, fc_store **out, fc_error *err)
{
    *out = NULL;
    fc_store *s = calloc(1, sizeof *s);
    if (!s)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    s->path = fc_strdup(path);
    if (sqlite3_open(path, &s->db) != SQLITE_OK) {
        fc_status st = fc_error_set(err, FC_ERR_IO, "%s: cannot open the state store: %s", path,
                                    s->db ? sqlite3_errmsg(s->db) : "out of memory");
        fc_store_close(s);
        return st;
    }
    sqlite3_busy_timeout(s->db, 10000);
    char *msg = NULL;
    sqlite3_stmt *v = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &v, NULL) == SQLITE_OK &&
        sqlite3_step(v) == SQLITE_ROW)
        version = sqlite3_column_int(v, 0);
    sqlite3_finalize(v);
    char upgrade[256];
    snprintf(upgrade, sizeof upgrade, "%sPRAGMA user_version=%d;",
             version >= 0 && version < STORE_VERSION ? drop_all : "", STORE_VERSION);
    if (version > STORE_VERSION) {
        fc_status st = fc_error_set(err, FC_ERR_IO,
                                    "%s: written by a newer frontcast (store layout %d, this one "
                                    "reads %d): use that one, or remove the store to rebuild it",
                                    path, version, STORE_VERSION);
        fc_store_close(s);
        return st;
    }
    if (version < 0 || sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
        (version != STORE_VERSION && sqlite3_exec(s->db, upgrade, NULL, NULL, &msg) != SQLITE_OK) ||
        (version != STORE_VERSION && sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK)) {
        fc_status st = fc_error_set(err, FC_ERR_FORMAT, "%s: not a frontcast state store: %s",
                                    path, msg ? msg : "?");
        sqlite3_free(msg);
        fc_store_close(s);
        return st;
    }
    *out = s;
    return FC_OK;
}

void fc_store_close(fc_store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close(s->db);
    free(s->path);
    free(s);
}

fc_status fc_store_file_hash(fc_store *s, const char *path, char hex[65], fc_error *err)
{
    /* A file inside an archive (/vsizip/...) has no size and time of its
     * own to remember: it is read and hashed each time. */
    const bool remember = !fc_is_virtual_path(path);
    struct stat sb = {0};
    if (remember && stat(path, &sb) != 0)
        return fc_error_set(err, FC_ERR_IO, "%s: %s", path, strerror(errno));
    long long mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    sqlite3_stmt *q = NULL;
    bool hit = false;
    if (remember &&
        sqlite3_prepare_v2(s->db, "SELECT sha256 FROM files WHERE path=? AND size=? AND mtime_ns=?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)sb.st_size);
        sqlite3_bind_int64(q, 3, mtime);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 64) {
            memcpy(hex, sqlite3_column_text(q, 0), 64);
            hex[64] = '\0';
            hit = true;
        }
    }
    sqlite3_finalize(q);
    if (hit)
        return FC_OK;
    void *buf = NULL;
    size_t len = 0;
    fc_status st = fc_read_bytes(path, &buf, &len, err);
    if (st != FC_OK)
        return st;
    fc_sha256_hex(buf, len, hex);
    free(buf);
    q = NULL;
    if (remember && sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO files VALUES(?,?,?,?)", -1,
                                       &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)sb.st_size);
        sqlite3_bind_int64(q, 3, mtime);
        sqlite3_bind_text(q, 4, hex, 64, SQLITE_STATIC);
        sqlite3_step(q);
    }
    sqlite3_finalize(q);
    return FC_OK;
}

/* Copies a blob of n doubles into out; false if the sizes differ. */
static bool blob_doubles(sqlite3_stmt *q, int col, size_t n, double *out)
{
    if ((size_t)sqlite3_column_bytes(q, col) != n * sizeof *out)
        return false;
    memcpy(out, sqlite3_column_blob(q, col), n * sizeof *out);
    return true;
}

fc_status fc_store_get_areas(fc_store *s, const char *zones_key, const char *snap, size_t nz,
                             double *controlled, bool *found, fc_error *err)
{
    sqlite3_stmt *q = NULL;
    *found = false;
    if (sqlite3_prepare_v2(s->db, "SELECT controlled, sum FROM areas WHERE zones=? AND snap=?", -1,
                           &q, NULL) != SQLITE_OK)
        return db_fail(s, err, "query");
    sqlite3_bind_text(q, 1, zones_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, snap, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *found = sum_matches(q, 0, -1, 1) && blob_doubles(q, 0, 2 * (nz + 1), controlled);
    sqlite3_finalize(q);
    return FC_OK;
}

fc_status fc_store_get_gains(fc_store *s, const char *zones_key, const char *prev,
                             const char *snap, size_t nz, double *gained, double *lost,
                             bool *found, fc_error *err)
{
    sqlite3_stmt *q = NULL;
    *found = false;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT gained, lost, sum FROM gains WHERE zones=? AND prev=? AND snap=?",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(s, err, "query");
    sqlite3_bind_text(q, 1, zones_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, snap, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *found = sum_matches(q, 0, 1, 2) && blob_doubles(q, 0, nz + 1, gained) &&
                 blob_doubles(q, 1, nz + 1, lost);
    sqlite3_finalize(q);
    return FC_OK;
}

fc_status fc_store_get_quarantine(fc_store *s, const char *snap, char **reason, fc_error *err)
{
    sqlite3_stmt *q = NULL;
    *reason = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT reason FROM quarantine WHERE snap=?", -1, &q, NULL) !=
        SQLITE_OK)
        return db_fail(s, err, "query");
    sqlite3_bind_text(q, 1, snap, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW)
        *reason = fc_strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return FC_OK;
}

fc_status fc_store_begin(fc_store *s, fc_error *err)
{
    return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
               ? FC_OK
               : db_fail(s, err, "begin");
}

fc_status fc_store_commit(fc_store *s, fc_error *err)
{
    return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? FC_OK
                                                                        : db_fail(s, err, "commit");
}

fc_status fc_store_put_areas(fc_store *s, const char *zones_key, const char *snap, size_t nz,
                             const double *controlled, fc_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO areas VALUES(?,?,?,?,?)", -1, &q, NULL) !=
        SQLITE_OK)
        return db_fail(s, err, "insert");
    sqlite3_bind_text(q, 1, zones_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, snap, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)nz);
    const size_t bytes = 2 * (nz + 1) * sizeof *controlled;
    sqlite3_bind_blob(q, 4, controlled, (int)bytes, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, blob_sum(controlled, bytes, NULL, 0));
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? FC_OK : db_fail(s, err, "insert");
}

fc_status fc_store_put_gains(fc_store *s, const char *zones_key, const char *prev,
                             const char *snap, size_t nz, const double *gained,
                             const double *lost, fc_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO gains VALUES(?,?,?,?,?,?,?)", -1, &q,
                           NULL) != SQLITE_OK)
        return db_fail(s, err, "insert");
    sqlite3_bind_text(q, 1, zones_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, snap, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)nz);
    const size_t bytes = (nz + 1) * sizeof *gained;
    sqlite3_bind_blob(q, 5, gained, (int)bytes, SQLITE_STATIC);
    sqlite3_bind_blob(q, 6, lost, (int)bytes, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, blob_sum(gained, bytes, lost, bytes));
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? FC_OK : db_fail(s, err, "insert");
}

fc_status fc_store_put_quarantine(fc_store *s, const char *snap, const char *reason, fc_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO quarantine VALUES(?,?)", -1, &q, NULL) !=
        SQLITE_OK)
        return db_fail(s, err, "insert");
    sqlite3_bind_text(q, 1, snap, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? FC_OK : db_fail(s, err, "insert");
}

fc_status fc_store_get_blob(fc_store *s, const char *key, void **data, size_t *size, bool *found,
                            fc_error *err)
{
    sqlite3_stmt *q = NULL;
    *data = NULL;
    *size = 0;
    *found = false;
    if (sqlite3_prepare_v2(s->db, "SELECT data, sum FROM blobs WHERE key=?", -1, &q, NULL) !=
        SQLITE_OK)
        return db_fail(s, err, "query");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    fc_status st = FC_OK;
    if (sqlite3_step(q) == SQLITE_ROW && sum_matches(q, 0, -1, 1)) {
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        *data = malloc(n + 1);
        if (!*data) {
            st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
        } else {
            if (n > 0)
                memcpy(*data, sqlite3_column_blob(q, 0), n);
            *size = n;
            *found = true;
        }
    }
    sqlite3_finalize(q);
    return st;
}

fc_status fc_store_put_blob(fc_store *s, const char *key, const void *data, size_t size,
                            fc_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO blobs VALUES(?,?,?)", -1, &q, NULL) !=
        SQLITE_OK)
        return db_fail(s, err, "insert");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(q, 2, data, (sqlite3_uint64)size, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, blob_sum(data, size, NULL, 0));
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? FC_OK : db_fail(s, err, "insert");
}
