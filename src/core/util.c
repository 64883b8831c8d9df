#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    int rc = 0;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) != 0) { rc = errno; goto cleanup; }
    long size = ftell(f);
    if (size < 0) { rc = errno; goto cleanup; }
    rewind(f);
    buf = malloc((size_t)size + 1);
    if (!buf) { rc = ENOMEM; goto cleanup; }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) { rc = EIO; goto cleanup; }
    buf[size] = '\0';
    *out = buf;
    *len = (size_t)size;
    buf = NULL;
cleanup:
    free(buf);
    fclose(f);
    return rc;
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
