/* One run at a time per output folder: an flock on a lock file. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "frontcast/files.h"

fc_status fc_lock_acquire(const char *path, double wait_s, int *fd, bool *busy, fc_error *err)
{
    *busy = false;
    /* Not through a symlink, and a regular file only: a lock file planted
     * as a link must not make a run write (its pid) elsewhere. */
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (*fd < 0)
        return fc_error_set(err, FC_ERR_IO, "%s: cannot open the lock file: %s", path,
                            errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    struct stat sb;
    if (fstat(*fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(*fd);
        *fd = -1;
        return fc_error_set(err, FC_ERR_IO, "%s: the lock file is not a regular file", path);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK) {
            int e = errno;
            close(*fd);
            *fd = -1;
            return fc_error_set(err, FC_ERR_IO, "%s: cannot lock: %s", path, strerror(e));
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
        if (waited >= wait_s) {
            char holder[32] = "";
            ssize_t n = pread(*fd, holder, sizeof holder - 1, 0);
            holder[n > 0 ? n : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            close(*fd);
            *fd = -1;
            *busy = true;
            return fc_error_set(err, FC_ERR_IO,
                                "%s: another frontcast run holds the lock%s%s%s (waited %.0f s; see --wait)",
                                path, holder[0] ? " (pid " : "", holder, holder[0] ? ")" : "", wait_s);
        }
        usleep(100000);
    }
    /* Who holds it, for the message a second run prints. */
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(*fd, 0) != 0 || pwrite(*fd, pid, (size_t)len, 0) != len) {
        /* the lock holds all the same; only the message loses the pid */
    }
    return FC_OK;
}

void fc_lock_release(int fd)
{
    if (fd >= 0)
        close(fd); /* closing drops the flock */
}
