/* Thinning outlines for drawing (plot.h): sub-pixel detail costs time and
 * SVG bytes and draws nothing. */
#include <math.h>
#include <stdlib.h>

#include "frontcast/plot.h"

/* Squared distance from p to the segment a-b (to a when a = b: a ring's
 * ends). */
static double dist2(const double *p, const double *a, const double *b)
{
    const double vx = b[0] - a[0], vy = b[1] - a[1], wx = p[0] - a[0], wy = p[1] - a[1];
    const double len2 = vx * vx + vy * vy;
    double t = len2 > 0 ? (wx * vx + wy * vy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const double dx = wx - t * vx, dy = wy - t * vy;
    return dx * dx + dy * dy;
}

size_t fc_thin_line(double *xy, size_t n, double tol)
{
    if (n < 3)
        return n;
    unsigned char *keep = calloc(n, 1);
    size_t *stack = malloc(2 * n * sizeof *stack); /* pairs of ends, at most n - 1 */
    if (!keep || !stack) {
        free(keep);
        free(stack);
        return n;
    }
    keep[0] = keep[n - 1] = 1;
    size_t top = 0;
    stack[top++] = 0;
    stack[top++] = n - 1;
    const double tol2 = tol * tol;
    while (top) {
        const size_t b = stack[--top], a = stack[--top];
        size_t far = 0;
        double worst = tol2;
        for (size_t i = a + 1; i < b; i++) {
            const double d = dist2(&xy[2 * i], &xy[2 * a], &xy[2 * b]);
            if (d > worst) {
                worst = d;
                far = i;
            }
        }
        if (!far)
            continue; /* every vertex between is within tol of a-b */
        keep[far] = 1;
        stack[top++] = a;
        stack[top++] = far;
        stack[top++] = far;
        stack[top++] = b;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i]) {
            xy[2 * m] = xy[2 * i];
            xy[2 * m + 1] = xy[2 * i + 1];
            m++;
        }
    free(keep);
    free(stack);
    return m;
}
