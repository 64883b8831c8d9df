/* The store and the core's files: keyed rows and blobs, transactions,
 * damage detected, recovery, file hashes; atomic files, the lock, SHA-256
 * against the published test vectors. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/util.h"
#include "frontcast/files.h"
#include "frontcast/store.h"

static char dir[] = "/tmp/fc-store-XXXXXX";

static const char *at(const char *name)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* FIPS 180-2, appendix B: the published digests. */
static void sha256(void)
{
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char hex[65];
        fc_sha256_hex(v[i].in, strlen(v[i].in), hex);
        CHECK(strcmp(hex, v[i].hex) == 0);
    }
}

/* Rows and blobs by key; a write outside a committed transaction is not
 * there after a reopen. */
static void rows_and_blobs(void)
{
    const char *path = at("rows.sqlite");
    fc_store *s = NULL;
    fc_error err = {0};
    if (fc_store_open(path, &s, &err) != FC_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        CHECK(!"open");
        return;
    }
    /* Controlled areas of two zones and the layer, then their slivers. */
    const double controlled[6] = {1.5e6, 0, 4e6, 2e3, 0, 0}, gained[3] = {1, 2, 3},
                 lost[3] = {0, 0.5, 0};
    double got[8], got2[3];
    bool found = true;
    CHECK(fc_store_get_areas(s, "zones", "snap1", 2, got, &found, &err) == FC_OK && !found);

    CHECK(fc_store_begin(s, &err) == FC_OK);
    CHECK(fc_store_put_areas(s, "zones", "snap1", 2, controlled, &err) == FC_OK);
    CHECK(fc_store_put_gains(s, "zones", "snap0", "snap1", 2, gained, lost, &err) == FC_OK);
    CHECK(fc_store_put_blob(s, "blob:a", "hello", 5, &err) == FC_OK);
    CHECK(fc_store_put_quarantine(s, "snapX", "too fast", &err) == FC_OK);
    CHECK(fc_store_commit(s, &err) == FC_OK);

    /* Uncommitted: gone with the connection. */
    CHECK(fc_store_begin(s, &err) == FC_OK);
    CHECK(fc_store_put_blob(s, "blob:b", "lost", 4, &err) == FC_OK);
    fc_store_close(s);
    s = NULL;
    if (fc_store_open(path, &s, &err) != FC_OK) {
        CHECK(!"reopen");
        return;
    }
    found = false;
    CHECK(fc_store_get_areas(s, "zones", "snap1", 2, got, &found, &err) == FC_OK && found);
    CHECK(found && !memcmp(got, controlled, sizeof controlled));
    /* Another zone set, or a count that does not match, is not a hit. */
    CHECK(fc_store_get_areas(s, "other", "snap1", 2, got, &found, &err) == FC_OK && !found);
    CHECK(fc_store_get_areas(s, "zones", "snap1", 3, got, &found, &err) == FC_OK && !found);
    CHECK(fc_store_get_gains(s, "zones", "snap0", "snap1", 2, got, got2, &found, &err) == FC_OK &&
          found);
    CHECK(found && !memcmp(got, gained, sizeof gained) && !memcmp(got2, lost, sizeof got2));
    void *data = NULL;
    size_t size = 0;
    CHECK(fc_store_get_blob(s, "blob:a", &data, &size, &found, &err) == FC_OK && found &&
          size == 5 && !memcmp(data, "hello", 5));
    free(data);
    data = NULL;
    CHECK(fc_store_get_blob(s, "blob:b", &data, &size, &found, &err) == FC_OK && !found && !data);
    char *reason = NULL;
    CHECK(fc_store_get_quarantine(s, "snapX", &reason, &err) == FC_OK && reason &&
          !strcmp(reason, "too fast"));
    free(reason);
    reason = NULL;
    CHECK(fc_store_get_quarantine(s, "snap1", &reason, &err) == FC_OK && !reason);
    fc_store_close(s);

    /* A blob damaged behind SQLite's back (same size, zeroed) reads as
     * missing: it will be computed again, not trusted. */
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) == SQLITE_OK) {
        CHECK(sqlite3_exec(db, "UPDATE blobs SET data = zeroblob(5) WHERE key = 'blob:a'", NULL,
                           NULL, NULL) == SQLITE_OK);
        CHECK(sqlite3_exec(db, "UPDATE areas SET controlled = zeroblob(length(controlled))", NULL,
                           NULL, NULL) == SQLITE_OK);
    }
    sqlite3_close(db);
    s = NULL;
    if (fc_store_open(path, &s, &err) != FC_OK) {
        CHECK(!"reopen after damage");
        return;
    }
    CHECK(fc_store_get_blob(s, "blob:a", &data, &size, &found, &err) == FC_OK && !found);
    free(data);
    CHECK(fc_store_get_areas(s, "zones", "snap1", 2, got, &found, &err) == FC_OK && !found);
    fc_store_close(s);
}

/* A file's hash: its content's SHA-256; a changed file is read again. */
static void file_hash(void)
{
    const char *path = at("snapshot.geojson");
    write_text(path, "abc");
    fc_store *s = NULL;
    fc_error err = {0};
    if (fc_store_open(at("hash.sqlite"), &s, &err) != FC_OK) {
        CHECK(!"open");
        return;
    }
    char hex[65];
    CHECK(fc_store_file_hash(s, path, hex, &err) == FC_OK &&
          !strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    write_text(path, "abcd"); /* another size: read again */
    CHECK(fc_store_file_hash(s, path, hex, &err) == FC_OK &&
          !strcmp(hex, "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"));
    CHECK(fc_store_file_hash(s, at("missing.geojson"), hex, &err) == FC_ERR_IO);
    fc_store_close(s);
}

/* A store that is not a database is moved aside and replaced; one that is
 * fine is kept. */
static void recovery(void)
{
    const char *path = at("garbage.sqlite");
    write_text(path, "this is not a SQLite database, and it is long enough to be checked");
    fc_store *s = NULL;
    fc_error err = {0};
    char moved[1024] = "";
    CHECK(fc_store_open_recover(path, &s, moved, sizeof moved, &err) == FC_OK && s);
    CHECK(strncmp(moved, path, strlen(path)) == 0 && strstr(moved, ".corrupt-"));
    struct stat sb;
    CHECK(*moved && stat(moved, &sb) == 0);
    if (s) {
        CHECK(fc_store_begin(s, &err) == FC_OK);
        CHECK(fc_store_put_blob(s, "k", "v", 1, &err) == FC_OK);
        CHECK(fc_store_commit(s, &err) == FC_OK);
    }
    fc_store_close(s);
    s = NULL;
    moved[0] = 'x';
    CHECK(fc_store_open_recover(path, &s, moved, sizeof moved, &err) == FC_OK && !*moved);
    fc_store_close(s);
    /* Permissions are an error, not something to move aside. */
    s = NULL;
    CHECK(fc_store_open_recover("/nonexistent/dir/s.sqlite", &s, moved, sizeof moved, &err) !=
              FC_OK &&
          !s);
}

/* Atomic files: nothing under the final name until commit; abort and
 * sweep leave nothing behind. */
static void atomic_files(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", at("out.csv")); /* at() reuses its buffers */
    fc_atomic a;
    fc_error err = {0};
    struct stat sb;
    CHECK(fc_atomic_begin(path, true, &a, &err) == FC_OK && a.f);
    fputs("a,b\n", a.f);
    CHECK(stat(path, &sb) != 0); /* not there yet */
    CHECK(fc_atomic_commit(&a, &err) == FC_OK);
    CHECK(stat(path, &sb) == 0 && sb.st_size == 4);
    fc_atomic_abort(&a); /* safe after commit */
    CHECK(stat(path, &sb) == 0);

    CHECK(fc_atomic_begin(path, true, &a, &err) == FC_OK);
    fputs("half", a.f);
    fc_atomic_abort(&a);
    CHECK(stat(path, &sb) == 0 && sb.st_size == 4); /* the old one stands */

    /* A writer killed before commit leaves its temporary file: sweep. */
    fc_atomic k;
    CHECK(fc_atomic_begin(at("killed.csv"), true, &k, &err) == FC_OK);
    fclose(k.f);
    k.f = NULL;
    CHECK(stat(k.tmp, &sb) == 0);
    CHECK(fc_atomic_sweep(dir) == 1);
    CHECK(stat(k.tmp, &sb) != 0 && stat(path, &sb) == 0);
    free(k.path);
    free(k.tmp);

    /* An update works on a copy: the old file stands until commit, and
     * stands after an abort. 200 kB: more than one block of any copy. */
    const char *big = at("big.bin");
    FILE *f = fopen(big, "wb");
    for (int i = 0; f && i < 50000; i++)
        fwrite(&i, sizeof i, 1, f);
    CHECK(f && fclose(f) == 0);
    CHECK(fc_atomic_begin_copy(big, &a, &err) == FC_OK);
    char *orig = NULL, *copy = NULL;
    size_t no = 0, nc = 0;
    CHECK(fc_read_file(big, &orig, &no) == 0 && fc_read_file(a.tmp, &copy, &nc) == 0);
    CHECK(no == 200000 && nc == no && orig && copy && !memcmp(orig, copy, no));
    free(copy);
    f = fopen(a.tmp, "r+b");
    CHECK(f && fputs("changed", f) >= 0 && fclose(f) == 0);
    fc_atomic_abort(&a);
    copy = NULL;
    CHECK(fc_read_file(big, &copy, &nc) == 0 && nc == no && !memcmp(orig, copy, no));
    free(copy);
    CHECK(fc_atomic_begin_copy(big, &a, &err) == FC_OK);
    f = fopen(a.tmp, "r+b");
    CHECK(f && fputs("changed", f) >= 0 && fclose(f) == 0);
    CHECK(fc_atomic_commit(&a, &err) == FC_OK);
    copy = NULL;
    CHECK(fc_read_file(big, &copy, &nc) == 0 && nc == no && !memcmp(copy, "changed", 7) &&
          !memcmp(orig + 7, copy + 7, no - 7));
    free(copy);
    free(orig);
    fc_atomic_abort(&a);
    CHECK(fc_atomic_begin_copy(at("missing.gpkg"), &a, &err) == FC_ERR_IO);
    CHECK(strstr(err.msg, "missing.gpkg: cannot copy to update it: No such file") != NULL);
    CHECK(fc_atomic_sweep(dir) == 0); /* the failed copy left nothing */

    CHECK(fc_atomic_begin("/nonexistent/dir/out.csv", true, &a, &err) == FC_ERR_IO);
    char *p = fc_path_join("a/b", "c.csv");
    CHECK(p && !strcmp(p, "a/b/c.csv"));
    free(p);
    CHECK(fc_ensure_dir(at("sub"), &err) == FC_OK && fc_ensure_dir(at("sub"), &err) == FC_OK);
    CHECK(fc_ensure_dir(path, &err) == FC_ERR_IO); /* a file */
}

/* One holder at a time. */
static void lock(void)
{
    int fd = -1, fd2 = -1;
    bool busy = true;
    fc_error err = {0};
    CHECK(fc_lock_acquire(at(".lock"), 0, &fd, &busy, &err) == FC_OK && fd >= 0 && !busy);
    CHECK(fc_lock_acquire(at(".lock"), 0, &fd2, &busy, &err) != FC_OK && busy);
    fc_lock_release(fd);
    CHECK(fc_lock_acquire(at(".lock"), 0, &fd2, &busy, &err) == FC_OK && !busy);
    fc_lock_release(fd2);
    CHECK(fc_lock_acquire("/nonexistent/dir/.lock", 0, &fd, &busy, &err) != FC_OK && !busy);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    sha256();
    rows_and_blobs();
    file_hash();
    recovery();
    atomic_files();
    lock();
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("test_store");
}
