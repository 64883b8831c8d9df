#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

char *fc_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

double fc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *fc_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int fc_read_file(const char *path, char **out, size_t *len)
{
    /* O_NONBLOCK: a FIFO must not block the open; only a regular file is
     * read, its size from fstat (ftell of a folder is 2^63). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int rc = S_ISDIR(sb.st_mode) ? EISDIR : FC_ENOTREG;
        close(fd);
        return rc;
    }
    int rc = 0;
    size_t size = (size_t)sb.st_size, got = 0;
    char *buf = malloc(size + 1);
    if (!buf)
        rc = ENOMEM;
    while (!rc && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            rc = r < 0 ? errno : EIO; /* shrank while read */
        else
            got += (size_t)r;
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return 0;
}

const char *fc_strerror(int rc)
{
    return rc == FC_ENOTREG ? "not a regular file" : strerror(rc);
}

void fc_int_range(const int *v, size_t n, int *min, int *max)
{
    *min = INT32_MAX;
    *max = 0;
    for (size_t i = 0; i < n; i++) {
        *min = v[i] < *min ? v[i] : *min;
        *max = v[i] > *max ? v[i] : *max;
    }
}
