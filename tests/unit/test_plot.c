/*
 * Pictures checked as a program can: sizes, the colour inside and outside
 * the controlled area on the map, and the projection band on a chart.
 */
#include "check.h"
#include "fixture.h"

#include <cairo.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/plot.h"
#include "model/stats.h"

#define N 120

static fc_zone zone;
static fc_zoneset zs = {.zones = &zone, .n = 1,
                        .crs = "+proj=laea +lat_0=48 +lon_0=31 +x_0=0 +y_0=0 +ellps=WGS84 "
                               "+units=m +no_defs +type=crs"};

/* RGB of pixel (x, y) of a cairo ARGB32 image (opaque images). */
static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
    unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v = *(uint32_t *)(d + (size_t)y * (size_t)cairo_image_surface_get_stride(s) + 4 * (size_t)x);
    rgb[0] = (int)(v >> 16 & 255);
    rgb[1] = (int)(v >> 8 & 255);
    rgb[2] = (int)(v & 255);
}

static bool near_rgb(const int a[3], int r, int g, int b, int tol)
{
    return abs(a[0] - r) <= tol && abs(a[1] - g) <= tol && abs(a[2] - b) <= tol;
}

static cairo_surface_t *load(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
    return s;
}

static bool boxes_overlap(const fc_label *a, const fc_label *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Whether a's box comes within r of m's marker (a 7-pixel square). */
static bool hits_marker(const fc_label *a, const fc_label *m, double r)
{
    return m->point && a->x < m->ax + r && m->ax - r < a->x + a->w && a->y < m->ay + r &&
           m->ay - r < a->y + a->h;
}

/* Label placement on 300 random labels crowded into a small frame: the
 * placed ones overlap nothing, stay in the frame and off the obstacle and
 * every other marker; the first by priority is placed; and no label was
 * dropped that had a free position when its turn came (greedy). */
static void check_label_placement(void)
{
    enum { NL = 300 };
    static fc_label l[NL];
    fc_rng rng = {7};
    for (int i = 0; i < NL; i++) {
        l[i] = (fc_label){.ax = 20 + 560 * fc_rng_unit(&rng), .ay = 20 + 360 * fc_rng_unit(&rng),
                          .w = 20 + 80 * fc_rng_unit(&rng), .h = 10, .size = 10,
                          .point = i % 3 != 0, .priority = fc_rng_unit(&rng)};
        snprintf(l[i].text, sizeof l[i].text, "label %d", i);
    }
    const double frame[4] = {0, 0, 600, 400}, obstacle[1][4] = {{0, 300, 150, 400}};
    fc_place_labels(l, NL, frame, obstacle, 1);
    int placed = 0, bad = 0;
    for (int i = 0; i < NL; i++) {
        if (!l[i].placed)
            continue;
        placed++;
        bad += l[i].x < 0 || l[i].y < 0 || l[i].x + l[i].w > 600 || l[i].y + l[i].h > 400;
        bad += l[i].x < 150 && l[i].y + l[i].h > 300; /* the obstacle */
        for (int k = 0; k < NL; k++)
            bad += k != i && ((l[k].placed && boxes_overlap(&l[i], &l[k])) ||
                              hits_marker(&l[i], &l[k], 3.5));
    }
    /* A dropped label, tried at its first position: something of higher
     * priority (or a marker, the obstacle, the frame; with the placement's
     * 1-pixel margin) is in the way. The first by priority is among them. */
    int greedy_bad = 0;
    for (int i = 0; i < NL; i++) {
        if (l[i].placed)
            continue;
        fc_label t = l[i];
        t.x = t.point ? t.ax + 5.5 : t.ax - t.w / 2;
        t.y = t.ay - t.h / 2;
        bool blocked = t.x < 0 || t.y < 0 || t.x + t.w > 600 || t.y + t.h > 400 ||
                       (t.x < 151 && t.y + t.h > 299);
        for (int k = 0; k < NL && !blocked; k++) {
            fc_label grown = l[k]; /* the 1-pixel margin */
            grown.x -= 1, grown.y -= 1, grown.w += 2, grown.h += 2;
            blocked = k != i && ((l[k].placed && l[k].priority >= t.priority &&
                                  boxes_overlap(&t, &grown)) ||
                                 hits_marker(&t, &l[k], 4.5));
        }
        greedy_bad += !blocked;
    }
    printf("labels: %d of %d placed, %d violations, %d dropped with room\n", placed, NL, bad,
           greedy_bad);
    CHECK(placed > 30 && placed < NL);
    CHECK(bad == 0);
    CHECK(greedy_bad == 0);
}

/* Distance from p to segment a-b, written here again from the definition
 * (the thinning's own is not to be trusted to check itself). */
static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
    double vx = bx - ax, vy = by - ay, l2 = vx * vx + vy * vy;
    double t = l2 > 0 ? ((px - ax) * vx + (py - ay) * vy) / l2 : 0;
    t = fmin(1, fmax(0, t));
    return hypot(px - ax - t * vx, py - ay - t * vy);
}

/* fc_thin_line: known answers, and on a random walk the promise itself,
 * every vertex within tol of the thinned line, checked by brute force. */
static void check_thinning(void)
{
    double line[] = {0, 0, 1, 0, 2, 0, 3, 0, 4, 0};
    CHECK(fc_thin_line(line, 5, FC_THIN_PX) == 2);
    CHECK(line[2] == 4 && line[3] == 0);
    double spike[] = {0, 0, 1, 0.5, 2, 1, 3, 0.5, 4, 0}; /* a pixel high: its tip kept */
    CHECK(fc_thin_line(spike, 5, FC_THIN_PX) == 3);
    CHECK(spike[2] == 2 && spike[3] == 1);
    double bump[] = {0, 0, 2, 0.2, 4, 0}; /* a fifth of a pixel: dropped */
    CHECK(fc_thin_line(bump, 3, FC_THIN_PX) == 2);
    double two[] = {0, 0, 0.1, 0};
    CHECK(fc_thin_line(two, 2, FC_THIN_PX) == 2);
    /* A closed square, each side in 10 steps: its 4 corners and the
     * closing vertex. */
    double sq[2 * 41];
    const double cx[] = {0, 10, 10, 0}, cy[] = {0, 0, 10, 10};
    for (int k = 0; k < 40; k++) {
        int side = k / 10, s = k % 10;
        double ax = cx[side], ay = cy[side], bx = cx[(side + 1) % 4], by = cy[(side + 1) % 4];
        sq[2 * k] = ax + (bx - ax) * s / 10;
        sq[2 * k + 1] = ay + (by - ay) * s / 10;
    }
    sq[80] = 0;
    sq[81] = 0;
    CHECK(fc_thin_line(sq, 41, FC_THIN_PX) == 5);
    CHECK(sq[2] == 10 && sq[3] == 0 && sq[4] == 10 && sq[5] == 10 && sq[6] == 0 && sq[7] == 10);
    enum { WALK = 5000 };
    double *orig = malloc(2 * WALK * sizeof *orig), *thin = malloc(2 * WALK * sizeof *thin);
    fc_rng rng = {7};
    double x = 0, y = 0;
    for (int i = 0; i < WALK; i++) {
        x += 0.3 + 0.2 * fc_rng_normal(&rng);
        y += 0.3 * fc_rng_normal(&rng);
        orig[2 * i] = thin[2 * i] = x;
        orig[2 * i + 1] = thin[2 * i + 1] = y;
    }
    const size_t m = fc_thin_line(thin, WALK, FC_THIN_PX);
    CHECK(m > 2 && m < WALK / 2);
    CHECK(thin[0] == orig[0] && thin[2 * m - 2] == orig[2 * WALK - 2]);
    double worst = 0;
    for (int i = 0; i < WALK; i++) {
        double best = INFINITY;
        for (size_t k = 0; k + 1 < m; k++)
            best = fmin(best, seg_dist(orig[2 * i], orig[2 * i + 1], thin[2 * k],
                                       thin[2 * k + 1], thin[2 * k + 2], thin[2 * k + 3]));
        worst = fmax(worst, best);
    }
    CHECK(worst <= FC_THIN_PX + 1e-12);
    free(orig);
    free(thin);
}

int main(void)
{
    check_thinning();
    check_label_placement();
    fc_worker *w = fc_worker_create();
    GEOSContextHandle_t h = fc_worker_geos(w);
    zone.id = "SQ";
    zone.name = "Square";
    zone.geom = GEOSGeomFromWKT_r(h, "POLYGON((-150000 -150000,150000 -150000,150000 150000,"
                                     "-150000 150000,-150000 -150000))");
    GEOSArea_r(h, zone.geom, &zone.area_m2);
    /* 30% held, advancing ~40 km2/day, noisily (a band wide enough to see). */
    fc_area_table t = {0};
    t.ndates = N;
    t.nzones = 1;
    t.dates = calloc(N, sizeof *t.dates);
    t.rows = calloc(2 * N, sizeof *t.rows);
    fc_rng rng = {99};
    double y = 0.3 * zone.area_m2;
    for (int d = 0; d < N; d++) {
        t.dates[d] = 20000 + d;
        y += 40e6 * (1 + 3 * fc_rng_normal(&rng));
        fc_area_row(&t, (size_t)d, 0)->controlled_m2 = y;
        fc_area_row(&t, (size_t)d, 1)->controlled_m2 = y;
        fc_area_row(&t, (size_t)d, 1)->gained_m2 = d ? 40e6 : NAN;
        fc_area_row(&t, (size_t)d, 1)->lost_m2 = d ? 1e6 : NAN;
    }
    fc_model model = FC_MODEL_PACE;
    int window = 90;
    double threshold = 100;
    fc_forecast_options fo = {.as_of = FC_NO_DAY, .horizon_days = 365, .step_days = 7,
                              .models = &model, .nmodels = 1, .windows = &window, .nwindows = 1,
                              .thresholds = &threshold, .nthresholds = 1, .bootstrap = 300, .seed = 1};
    fc_forecast *fc = NULL;
    fc_error err;
    CHECK(fc_forecast_run(&t, &zs, &fo, &fc, &err) == FC_OK);
    GEOSGeometry *control = GEOSGeomFromWKT_r(h, "POLYGON((-150000 -150000,0 -150000,0 150000,"
                                                 "-150000 150000,-150000 -150000))");
    fc_plot_data pd = {&zs, &t, fc, model, window, control, NULL};
    const char *dir = fixture_dir();
    fc_plot_options po = {600, 400, 96, "test data", "Zones: test squares", false, NULL, false};
    CHECK(fc_plot_all(w, &pd, &po, dir, &err) == FC_OK);

    /* Sizes: at 96 dpi, as asked; the map is 4:3. */
    cairo_surface_t *chart = load(dir, "chart-SQ.png"), *map = load(dir, "map.png");
    CHECK(cairo_image_surface_get_width(chart) == 600 && cairo_image_surface_get_height(chart) == 400);
    CHECK(cairo_image_surface_get_width(map) == 600 && cairo_image_surface_get_height(map) == 450);

    /* The map: vermillion inside the controlled west half, the zone's light
     * grey in the east. */
    fc_map_frame mf = fc_map_frame_for(w, &zs, 600, 450, 96);
    int c[3];
    pixel(map, (int)(mf.ox - 75000 * mf.scale), (int)(mf.oy - 40000 * mf.scale), c);
    CHECK(near_rgb(c, 0xD5, 0x5E, 0x00, 2));
    pixel(map, (int)(mf.ox + 75000 * mf.scale), (int)(mf.oy - 40000 * mf.scale), c);
    CHECK(near_rgb(c, 0xEE, 0xEE, 0xEE, 2));

    /* The chart: between as-of and the horizon, the column holds the band's
     * colours (orange at 45% and 22% over white); before as-of it does not. */
    fc_chart_frame cf = fc_chart_frame_for(&pd, 0, 600, 400, 96);
    /* The share axis holds everything drawn, and not much more: here the
     * data and bands span 30-75 %, and the axis is not 0-100. */
    double lo = 100, hi = 0;
    for (size_t d = 0; d < t.ndates; d++) {
        const double p = 100 * fc_area_row(&t, d, 0)->controlled_m2 / zone.area_m2;
        lo = fmin(lo, p), hi = fmax(hi, p);
    }
    for (size_t i = 0; i < fc->nproj; i++)
        if (fc->proj[i].zone == 0) {
            lo = fmin(lo, 100 * fc->proj[i].km2.lo95 * 1e6 / zone.area_m2);
            hi = fmax(hi, 100 * fc->proj[i].km2.hi95 * 1e6 / zone.area_m2);
        }
    printf("share axis %.1f..%.1f%% (step %g) for data in %.1f..%.1f%%\n", cf.p0, cf.p1, cf.step,
           lo, hi);
    CHECK(cf.p0 <= lo && cf.p1 >= fmin(hi, 100));
    CHECK(cf.p0 > 0 && cf.p1 < 100);
    CHECK(cf.p1 - cf.p0 <= 1.6 * (hi - lo) + 2 * cf.step);
    CHECK(cf.step == 1 || cf.step == 2 || cf.step == 5 || cf.step == 10 || cf.step == 20);
    int band_after = 0, band_before = 0;
    for (int k = 0; k < 2; k++) {
        double px, py;
        fc_chart_xy(&cf, fc->as_of + (k ? 200 : -60), 0, &px, &py);
        for (int yy = (int)cf.y0 + 1; yy < (int)cf.y1; yy++) {
            pixel(chart, (int)px, yy, c);
            /* 45% orange over the 22% layer, and the 22% layer alone */
            bool band = near_rgb(c, 241, 200, 109, 6) || near_rgb(c, 249, 234, 199, 6);
            if (k)
                band_after += band;
            else
                band_before += band;
        }
    }
    printf("band pixels: %d after as-of, %d before\n", band_after, band_before);
    CHECK(band_after > 10);
    CHECK(band_before == 0);

    /* The map's own labels: here the one zone's name, placed on the map. */
    fc_label *ml = NULL;
    size_t nml = 0;
    CHECK(fc_map_labels(w, &pd, &po, 600, 450, &ml, &nml, &err) == FC_OK);
    CHECK(nml == 1 && ml[0].placed && !strcmp(ml[0].text, "Square"));
    CHECK(nml == 1 && ml[0].x > 0 && ml[0].x + ml[0].w < 600 && ml[0].y > 30 && ml[0].y < 420);
    free(ml);

    /* The synthetic demo's stamp: the gains chart drawn again with it
     * differs along its diagonal (the stamp's text) and nowhere else that
     * matters: its corners stay as they were. */
    cairo_surface_t *plain = load(dir, "gains.png");
    po.synthetic = true;
    CHECK(fc_plot_all(w, &pd, &po, dir, &err) == FC_OK);
    cairo_surface_t *stamped = load(dir, "gains.png");
    int diagonal = 0, corners = 0;
    for (int k = 0; k < 600; k++) {
        int a[3], b[3];
        const int x = k, y = 400 - 1 - k * 400 / 600; /* bottom left to top right */
        pixel(plain, x, y, a);
        pixel(stamped, x, y, b);
        diagonal += !near_rgb(a, b[0], b[1], b[2], 8);
    }
    for (int k = 0; k < 4; k++) {
        int a[3], b[3];
        const int x = k & 1 ? 597 : 2, y = k & 2 ? 397 : 2;
        pixel(plain, x, y, a);
        pixel(stamped, x, y, b);
        corners += !near_rgb(a, b[0], b[1], b[2], 0);
    }
    printf("stamp: %d of 600 diagonal pixels changed, %d of 4 corners\n", diagonal, corners);
    CHECK(diagonal > 60);
    CHECK(corners == 0);
    cairo_surface_destroy(plain);
    cairo_surface_destroy(stamped);
    po.synthetic = false;

    /* --dpi scales the PNGs. */
    po.dpi = 192;
    CHECK(fc_plot_all(w, &pd, &po, dir, &err) == FC_OK);
    cairo_surface_t *big = load(dir, "gains.png");
    CHECK(cairo_image_surface_get_width(big) == 1200 && cairo_image_surface_get_height(big) == 800);

    cairo_surface_destroy(chart);
    cairo_surface_destroy(map);
    cairo_surface_destroy(big);
    fc_forecast_destroy(fc);
    GEOSGeom_destroy_r(h, control);
    GEOSGeom_destroy_r(h, zone.geom);
    free(t.dates);
    free(t.rows);
    fc_worker_destroy(w);
    return check_exit("test_plot");
}
