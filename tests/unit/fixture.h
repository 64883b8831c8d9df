/* Helpers that write small fixture files for tests. */
#ifndef FRONTCAST_TEST_FIXTURE_H
#define FRONTCAST_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A fresh temporary folder; static storage. */
static inline const char *fixture_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/frontcast-test-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

/* Writes text to dir/name and returns the full path (static buffer,
 * overwritten by the next call). */
static inline const char *fixture_write(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fixture_dir(), name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
    return path;
}

/* Appends to buf the GeoJSON ring of the lon/lat box [x0,x1]x[y0,y1] with n
 * points per edge (edges along meridians and parallels), counter-clockwise. */
static inline void fixture_box_ring(char *buf, size_t size, double x0, double y0, double x1, double y1,
                             int n)
{
    size_t len = strlen(buf);
    len += (size_t)snprintf(buf + len, size - len, "[");
    double cx[4] = {x0, x1, x1, x0}, cy[4] = {y0, y0, y1, y1};
    for (int e = 0; e < 4; e++)
        for (int i = 0; i < n; i++) {
            double t = (double)i / n;
            double x = cx[e] + t * (cx[(e + 1) % 4] - cx[e]);
            double y = cy[e] + t * (cy[(e + 1) % 4] - cy[e]);
            len += (size_t)snprintf(buf + len, size - len, "[%.10f,%.10f],", x, y);
        }
    snprintf(buf + len, size - len, "[%.10f,%.10f]]", x0, y0);
}

#endif
