#define _GNU_SOURCE /* copy_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "frontcast/files.h"

static atomic_uint tmp_counter;

fc_status fc_atomic_begin(const char *path, bool with_stream, fc_atomic *a, fc_error *err)
{
    memset(a, 0, sizeof *a);
    const char *base = fc_basename(path);
    size_t dirlen = (size_t)(base - path);
    size_t size = strlen(path) + 64;
    a->path = fc_strdup(path);
    a->tmp = malloc(size);
    if (!a->path || !a->tmp) {
        fc_atomic_abort(a);
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    }
    /* ".name.tmp-PID-N.ext": hidden, unique per process and call, and the
     * extension kept last for GDAL's drivers. */
    const char *dot = strrchr(base, '.');
    int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    snprintf(a->tmp, size, "%.*s.%.*s.tmp-%ld-%u%s", (int)dirlen, path, stem, base, (long)getpid(),
             atomic_fetch_add(&tmp_counter, 1), dot && dot != base ? dot : "");
    if (with_stream) {
        a->f = fopen(a->tmp, "wb");
        if (!a->f) {
            int e = errno;
            fc_atomic_abort(a);
            return fc_error_set(err, FC_ERR_IO, "%s: cannot write: %s", path, strerror(e));
        }
    }
    return FC_OK;
}

/* Copies from into the new file to (both open); errno or 0. The kernel's
 * copy first (no round trip through user space, extents shared where the
 * file system can), then read/write where it cannot (EXDEV, ENOSYS...). */
static int copy_fd(int from, int to)
{
    struct stat sb;
    if (fstat(from, &sb) != 0)
        return errno;
    off_t left = sb.st_size;
    while (left > 0) {
        ssize_t n = copy_file_range(from, NULL, to, NULL, (size_t)left, 0);
        if (n <= 0)
            break;
        left -= n;
    }
    if (left == 0)
        return 0;
    if (lseek(from, sb.st_size - left, SEEK_SET) < 0 || lseek(to, sb.st_size - left, SEEK_SET) < 0)
        return errno;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(from, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        for (ssize_t at = 0; at < n;) {
            ssize_t m = write(to, buf + at, (size_t)(n - at));
            if (m < 0 && errno != EINTR)
                return errno;
            at += m > 0 ? m : 0;
        }
    }
}

fc_status fc_atomic_begin_copy(const char *path, fc_atomic *a, fc_error *err)
{
    fc_status st = fc_atomic_begin(path, false, a, err);
    if (st != FC_OK)
        return st;
    int from = open(path, O_RDONLY | O_CLOEXEC);
    int to = from < 0 ? -1 : open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int e = from < 0 || to < 0 ? errno : copy_fd(from, to);
    if (to >= 0 && close(to) != 0 && !e)
        e = errno;
    if (from >= 0)
        close(from);
    if (e) {
        st = fc_error_set(err, FC_ERR_IO, "%s: cannot copy to update it: %s", path, strerror(e));
        fc_atomic_abort(a);
    }
    return st;
}

/* fsync of a path (a file GDAL wrote and closed, or a folder). */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

fc_status fc_atomic_finish(fc_atomic *a, fc_error *err)
{
    if (a->finished)
        return FC_OK;
    if (!a->f) {
        /* Written by GDAL and closed: on disk before it takes the name. */
        int e = sync_path(a->tmp, O_RDONLY);
        if (e) {
            fc_status st = fc_error_set(err, FC_ERR_IO, "%s: write failed: %s", a->path, strerror(e));
            fc_atomic_abort(a);
            return st;
        }
    }
    if (a->f) {
        int bad = fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
        int e = errno;
        bad |= fclose(a->f) != 0;
        a->f = NULL;
        if (bad) {
            fc_status st = fc_error_set(err, FC_ERR_IO, "%s: write failed: %s", a->path,
                                        strerror(e ? e : EIO));
            fc_atomic_abort(a);
            return st;
        }
    }
    a->finished = true;
    return FC_OK;
}

fc_status fc_atomic_commit(fc_atomic *a, fc_error *err)
{
    fc_status st0 = fc_atomic_finish(a, err);
    if (st0 != FC_OK)
        return st0;
    if (rename(a->tmp, a->path) != 0) {
        fc_status st = fc_error_set(err, FC_ERR_IO, "%s: cannot move into place: %s", a->path,
                                    strerror(errno));
        fc_atomic_abort(a);
        return st;
    }
    /* The rename itself, durable: fsync the folder that holds the name. */
    const size_t dl = (size_t)(fc_basename(a->path) - a->path);
    char *dir = malloc(dl + 2);
    if (dir && dl) {
        memcpy(dir, a->path, dl);
        dir[dl] = '\0';
    } else if (dir) {
        strcpy(dir, ".");
    }
    int e = dir ? sync_path(dir, O_RDONLY | O_DIRECTORY) : ENOMEM;
    free(dir);
    free(a->tmp);
    a->tmp = NULL; /* renamed: nothing to remove */
    fc_status st = e ? fc_error_set(err, FC_ERR_IO, "%s: cannot sync its folder: %s", a->path,
                                    strerror(e))
                     : FC_OK;
    free(a->path);
    memset(a, 0, sizeof *a);
    return st;
}

void fc_atomic_abort(fc_atomic *a)
{
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    memset(a, 0, sizeof *a);
}

size_t fc_atomic_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        /* The names fc_atomic_begin makes: ".stem.tmp-PID-N.ext". */
        if (e->d_name[0] != '.' || !strstr(e->d_name, ".tmp-"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        n += unlink(path) == 0;
    }
    closedir(d);
    return n;
}

fc_status fc_ensure_dir(const char *dir, fc_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? FC_OK
                                   : fc_error_set(err, FC_ERR_IO, "%s: exists and is not a folder", dir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return fc_error_set(err, FC_ERR_IO, "%s: cannot create folder: %s", dir, strerror(errno));
    return FC_OK;
}

char *fc_path_join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    if (p)
        sprintf(p, "%s/%s", dir, name);
    return p;
}
