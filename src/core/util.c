#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

int fc_thread_count(int requested, size_t n)
{
    long t = requested > 0 ? requested : sysconf(_SC_NPROCESSORS_ONLN);
    if ((size_t)(t > 0 ? t : 1) > n)
        t = (long)n;
    return t < 1 ? 1 : (int)t;
}

void fc_run_threads(int threads, void *(*fn)(void *), void *arg)
{
    pthread_t *tid = threads > 1 ? calloc((size_t)threads, sizeof *tid) : NULL;
    int started = 0;
    for (int k = 1; tid && k < threads; k++)
        if (pthread_create(&tid[started], NULL, fn, arg) == 0)
            started++;
    fn(arg);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
    free(tid);
}

char *fc_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

uint64_t fc_hash_doubles(const double *v, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u, b;
    for (size_t i = 0; i < n; i++) {
        memcpy(&b, &v[i], sizeof b);
        h = (h ^ b) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    return h;
}

void *fc_grow(void *items, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return items;
    size_t nc = *cap ? *cap : (first ? first : 1);
    while (nc <= n && nc <= SIZE_MAX / 2)
        nc *= 2;
    if (nc <= n || nc > SIZE_MAX / size)
        return NULL;
    void *p = realloc(items, nc * size);
    if (p)
        *cap = nc;
    return p;
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

size_t fc_text_check(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i]) {
        const unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return i;
            i++;
            continue;
        }
        /* Lead byte: the sequence's length and the range of its first
         * continuation byte (RFC 3629: no overlongs, no surrogates). */
        int n;
        unsigned lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0;
            if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f;
        } else
            return i;
        for (int k = 1; k <= n; k++) {
            const unsigned b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
                return i;
        }
        /* C1 controls (U+0080..U+009F) are control characters too. */
        if (c == 0xc2 && p[i + 1] < 0xa0)
            return i;
        i += (size_t)n + 1;
    }
    return (size_t)-1;
}

size_t fc_format_fixed(char *buf, double v, int decimals)
{
    static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    /* Most cells of a fine zoning are nothing gained, lost or held. */
    if (v == 0 && decimals >= 0 && decimals <= 9) {
        static const char zeros[] = "-0.000000000";
        const char *z = zeros + !signbit(v); /* printf keeps -0.0's sign */
        const size_t n = (size_t)(signbit(v) != 0) + 1 + (decimals > 0) + (size_t)decimals;
        memcpy(buf, z, n);
        buf[n] = '\0';
        return n;
    }
    if (decimals >= 0 && decimals <= 9 && isfinite(v)) {
        /* r is |v| 10^d rounded once, within half an ulp of the exact
         * product; printf rounds the exact one. Only a product close to a
         * half could round the other way: those are left to snprintf. */
        const double r = fabs(v) * scale[decimals];
        if (r < 0x1p50) {
            const double whole = floor(r), frac = r - whole;
            if (fabs(frac - 0.5) > fmax(r, 1) * 0x1p-50) {
                uint64_t n = (uint64_t)whole + (frac > 0.5);
                char digits[24], *p = buf;
                int k = 0;
                if (signbit(v)) /* printf writes "-0.000" for -0.0001 too */
                    *p++ = '-';
                for (int i = 0; i < decimals; i++, n /= 10)
                    digits[k++] = (char)('0' + n % 10);
                const int frac_digits = k;
                do {
                    digits[k++] = (char)('0' + n % 10);
                    n /= 10;
                } while (n);
                while (k > frac_digits)
                    *p++ = digits[--k];
                if (decimals > 0)
                    *p++ = '.';
                while (k > 0)
                    *p++ = digits[--k];
                *p = '\0';
                return (size_t)(p - buf);
            }
        }
    }
    const int n = snprintf(buf, FC_FIXED_MAX, "%.*f", decimals, v);
    return n < 0 ? 0 : (size_t)n < FC_FIXED_MAX ? (size_t)n : FC_FIXED_MAX - 1;
}
