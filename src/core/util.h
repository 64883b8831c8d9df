/* Small internal helpers shared by the library's modules (not public API). */
#ifndef FRONTCAST_UTIL_H
#define FRONTCAST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* strdup that returns NULL for NULL. Newly allocated; free with free(). */
char *fc_strdup(const char *s);

/* Where s stops being UTF-8 text (well-formed, no overlong forms or
 * surrogates, no control characters but tab): the byte offset of the first
 * bad byte, or (size_t)-1 when s is text. */
size_t fc_text_check(const char *s);

/*
 * Room for element n of a growing array (elements of size bytes, *cap of
 * them allocated): items itself while n < *cap, else items reallocated to
 * twice *cap (first elements the first time), *cap updated. NULL when
 * out of memory, items then untouched and still the caller's. The caller
 * stores the result back:
 *     double *v = fc_grow(l->v, &l->cap, l->n, sizeof *v, 64);
 *     if (!v) return ...;
 *     l->v = v;
 *     l->v[l->n++] = x;
 */
void *fc_grow(void *items, size_t *cap, size_t n, size_t size, size_t first);

/* A hash of n doubles' bits, for memo tables (not against an adversary). */
uint64_t fc_hash_doubles(const double *v, size_t n);

/* Seconds on a monotonic clock, for timings. */
double fc_now(void);

/* The threads to share n items: requested, or every core when <= 0; at
 * least 1 and at most n. */
int fc_thread_count(int requested, size_t n);
/* Runs fn(arg) on `threads` threads at once, this one among them, and
 * returns when all are done; a thread that cannot be started leaves its
 * share to the others (fn takes items from arg until none are left). */
void fc_run_threads(int threads, void *(*fn)(void *), void *arg);

/* Last path component of path (points into path; not to be freed). */
const char *fc_basename(const char *path);

/* Reads a whole file; *out is newly allocated and NUL-terminated (free with
 * free()). Returns 0, or an errno value. */
int fc_read_file(const char *path, char **out, size_t *len);
/* fc_read_file's code for a path that is neither a regular file nor a folder. */
#define FC_ENOTREG (-1)
/* strerror, knowing FC_ENOTREG. Static. */
const char *fc_strerror(int rc);

/* Longest text fc_format_fixed writes, with its NUL. */
#define FC_FIXED_MAX 352

/*
 * Writes v as printf's "%.<decimals>f" does (decimals 0..9), byte for
 * byte, into buf (FC_FIXED_MAX bytes); returns its length. Millions of
 * CSV cells go through here: values that fit 2^50 once scaled are
 * rounded in integers, unless the scaled value lies within rounding error
 * of a half, which, like NaN, infinities and huge values, goes to
 * snprintf.
 */
size_t fc_format_fixed(char *buf, double v, int decimals);

/* The smallest and largest of v[0..n) (INT32_MAX and 0 when n is 0). */
void fc_int_range(const int *v, size_t n, int *min, int *max);

#endif
