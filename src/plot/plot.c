/* Charts and the map (see plot.h). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cairo-svg.h>
#include <cairo.h>
#include <gif_lib.h>
#include <pango/pangocairo.h>
#include <zlib.h>

#include "frontcast/export.h"
#include "frontcast/plot.h"
#include "frontcast/spatial.h"
#include "geo/geom.h"
#include "geo/worker.h"
#include "plot/markup.h"

/* Okabe & Ito (2008): distinct for the common colour-vision deficiencies. */
typedef struct rgb {
    double r, g, b;
} rgb;
#define HEX(v) {((v) >> 16 & 255) / 255.0, ((v) >> 8 & 255) / 255.0, ((v) & 255) / 255.0}
static const rgb C_BLACK = HEX(0x000000), C_ORANGE = HEX(0xE69F00),
                 C_BLUE = HEX(0x0072B2), C_VERMILLION = HEX(0xD55E00),
                 C_GREY = HEX(0x999999), C_LIGHT = HEX(0xEEEEEE),
                 C_WHITE = HEX(0xFFFFFF);
static const char *const FONT = "DejaVu Sans";

static void set(cairo_t *cr, rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

/*
 * SVG pictures keep their text as <text> elements, which a graphics desk
 * can edit; cairo's SVG surface would write glyph outlines. While an SVG is
 * drawn its surface carries an svg_texts (user data): text goes there, at
 * the position, angle, size and colour cairo would have drawn it, and
 * render() puts the elements in before </svg>, over the drawing.
 */
typedef struct svg_texts {
    FILE *f; /* open_memstream on p, n */
    char *p;
    size_t n;
} svg_texts;
static const cairo_user_data_key_t svg_texts_key;

static svg_texts *svg_sink(cairo_t *cr)
{
    return cairo_surface_get_user_data(cairo_get_target(cr), &svg_texts_key);
}

/* s as a <text> element with its baseline starting at the current point
 * (user space); halo: the map labels' white outline under the letters. */
static void svg_text(cairo_t *cr, svg_texts *t, double size, bool bold, const char *s, bool halo)
{
    double x, y, r = 0, g = 0, b = 0, a = 1;
    cairo_get_current_point(cr, &x, &y);
    cairo_user_to_device(cr, &x, &y);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    const double angle = atan2(m.yx, m.xx) * 180 / M_PI, scale = hypot(m.xx, m.yx);
    cairo_pattern_get_rgba(cairo_get_source(cr), &r, &g, &b, &a);
    fprintf(t->f, "<text x=\"%.2f\" y=\"%.2f\" font-family=\"%s\" font-size=\"%.2f\"", x, y,
            FONT, size * scale);
    if (bold)
        fputs(" font-weight=\"bold\"", t->f);
    fprintf(t->f, " fill=\"#%02x%02x%02x\"", (int)lround(r * 255), (int)lround(g * 255),
            (int)lround(b * 255));
    if (a < 1)
        fprintf(t->f, " fill-opacity=\"%.3g\"", a);
    if (halo)
        fputs(" stroke=\"#ffffff\" stroke-opacity=\"0.85\" stroke-width=\"3\""
              " stroke-linejoin=\"round\" paint-order=\"stroke\"",
              t->f);
    if (fabs(angle) > 1e-9)
        fprintf(t->f, " transform=\"rotate(%.4g %.2f %.2f)\"", angle, x, y);
    fputs(">", t->f);
    fc_markup_text(t->f, s);
    fputs("</text>\n", t->f);
}

/* s laid out by Pango in FONT at size (user units), bold or not: shaped by
 * HarfBuzz (kerning, Cyrillic, any script fontconfig finds a font for),
 * which cairo's toy text API does not do. Newly allocated: g_object_unref. */
static PangoLayout *layout(cairo_t *cr, double size, bool bold, const char *s)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(FONT);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(l, s, -1);
    return l;
}

/* How far s advances (user units). */
static double text_width(cairo_t *cr, double size, bool bold, const char *s)
{
    PangoLayout *l = layout(cr, size, bold, s);
    PangoRectangle r;
    pango_layout_get_extents(l, NULL, &r);
    g_object_unref(l);
    return (double)r.width / PANGO_SCALE;
}

/* l drawn with its baseline starting at the current point: filled, or
 * added to the path (to stroke a halo under it). */
static void show_layout(cairo_t *cr, PangoLayout *l, bool as_path)
{
    double x, y;
    cairo_get_current_point(cr, &x, &y);
    cairo_move_to(cr, x, y - (double)pango_layout_get_baseline(l) / PANGO_SCALE);
    if (as_path)
        pango_cairo_layout_path(cr, l);
    else
        pango_cairo_show_layout(cr, l);
}

/* Text anchored at (x, y): ax, ay in {0, 0.5, 1} align left/centre/right
 * and top/middle/baseline. */
static void text(cairo_t *cr, double x, double y, double size, bool bold, double ax, double ay,
                 const char *s)
{
    PangoLayout *l = layout(cr, size, bold, s);
    PangoRectangle r;
    pango_layout_get_extents(l, NULL, &r);
    cairo_move_to(cr, x - ax * r.width / PANGO_SCALE,
                  y + (1 - ay) * size * 0.75 - (ay == 0.5 ? size * 0.375 : 0));
    svg_texts *t = svg_sink(cr);
    if (t) {
        svg_text(cr, t, size, bold, s, false);
        cairo_new_path(cr);
    } else {
        show_layout(cr, l, false);
    }
    g_object_unref(l);
}

static void month_label(fc_day d, char *buf, size_t n, bool year_only)
{
    int y, m, dd;
    fc_date_to_ymd(d, &y, &m, &dd);
    if (year_only)
        snprintf(buf, n, "%04d", y);
    else
        snprintf(buf, n, "%04d-%02d", y, m);
}

/* ---- charts ---------------------------------------------------------- */

/* The observed and projected series of one zone. */
typedef struct zone_view {
    size_t zone;
    double area_km2;
    const fc_projection_row *proj; /* rows of this zone, in date order */
    size_t nproj;
    const fc_eta_row *eta;         /* the first threshold's row; NULL for ALL */
} zone_view;

static zone_view view_of(const fc_plot_data *d, size_t z)
{
    zone_view v = {z, fc_zone_area_m2(d->zs, z) / 1e6, NULL, 0, NULL};
    const fc_forecast *f = d->forecast;
    for (size_t i = 0; i < f->nproj; i++)
        if (f->proj[i].zone == z && f->proj[i].model == d->model &&
            f->proj[i].window_days == d->window_days) {
            if (!v.proj)
                v.proj = &f->proj[i];
            v.nproj++;
        }
    for (size_t i = 0; i < f->neta && !v.eta; i++)
        if (f->eta[i].zone == z && f->eta[i].model == d->model &&
            f->eta[i].window_days == d->window_days)
            v.eta = &f->eta[i];
    return v;
}

fc_chart_frame fc_chart_frame_for(const fc_plot_data *d, size_t z, int width, int height,
                                  double dpi)
{
    (void)dpi;
    zone_view v = view_of(d, z);
    fc_chart_frame f;
    f.x0 = 70;
    f.x1 = width - 30;
    f.y0 = 80;
    f.y1 = height - 70; /* the legend's row below the dates */
    f.d0 = d->table->ndates ? d->table->dates[0] : d->forecast->as_of;
    f.d1 = d->table->ndates ? d->table->dates[d->table->ndates - 1] : d->forecast->as_of;
    if (v.nproj && v.proj[v.nproj - 1].date > f.d1)
        f.d1 = v.proj[v.nproj - 1].date;
    if (f.d1 <= f.d0)
        f.d1 = f.d0 + 1;
    /* The share axis: what is drawn, observed and both bands, so that a
     * zone held at 4 % is not a flat line on the floor of 0-100 %. */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < d->table->ndates; i++) {
        const double pct = 100 * fc_held_m2(d->table, i, z) / 1e6 / v.area_km2;
        lo = fmin(lo, pct);
        hi = fmax(hi, pct);
    }
    for (size_t i = 0; i < v.nproj; i++) {
        lo = fmin(lo, 100 * v.proj[i].km2.lo95 / v.area_km2);
        hi = fmax(hi, 100 * v.proj[i].km2.hi95 / v.area_km2);
    }
    if (!(lo <= hi)) /* nothing to draw */
        lo = 0, hi = 100;
    const double pad = fmax(0.5, 0.1 * (hi - lo));
    lo = fmax(0, lo - pad);
    hi = fmin(100, hi + pad);
    if (100 - hi < 0.25 * (hi - lo)) /* the 100 % line in reach: show it */
        hi = 100;
    /* About five ticks at 1, 2 or 5 times a power of ten. */
    const double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw)));
    f.step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
    f.p0 = fmax(0, floor(lo / f.step) * f.step);
    f.p1 = fmin(100, ceil(hi / f.step) * f.step);
    if (f.p1 <= f.p0)
        f.p1 = f.p0 + f.step;
    return f;
}

void fc_chart_xy(const fc_chart_frame *f, fc_day day, double pct, double *px, double *py)
{
    *px = f->x0 + (f->x1 - f->x0) * (double)(day - f->d0) / (double)(f->d1 - f->d0);
    *py = f->y1 - (f->y1 - f->y0) * (pct - f->p0) / (f->p1 - f->p0);
}

/* Month ticks: every 1, 2, 3, 6, 12 or 24 months, whichever gives at most
 * max_ticks; years only from 12 months on. */
static void draw_time_axis(cairo_t *cr, const fc_chart_frame *f, int max_ticks, double size)
{
    int y0, m0, dd, y1, m1;
    fc_date_to_ymd(f->d0, &y0, &m0, &dd);
    fc_date_to_ymd(f->d1, &y1, &m1, &dd);
    int months = (y1 - y0) * 12 + (m1 - m0) + 1;
    static const int steps[] = {1, 2, 3, 6, 12, 24, 60};
    int step = 60;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (months / steps[i] <= max_ticks) {
            step = steps[i];
            break;
        }
    int y = y0, m = m0 + 1; /* the first whole month after d0 */
    if (m > 12) {
        m = 1;
        y++;
    }
    for (;;) {
        if (step >= 12 && m != 1) {
            m++;
            if (m > 12) {
                m = 1;
                y++;
            }
            continue;
        }
        fc_day day;
        if (!fc_date_from_ymd(y, m, 1, &day) || day > f->d1)
            break;
        if (((y * 12 + m - 1) % step) == 0) {
            double px, py;
            fc_chart_xy(f, day, 0, &px, &py);
            set(cr, C_GREY, 0.35);
            cairo_set_line_width(cr, 0.6);
            cairo_move_to(cr, px, f->y0);
            cairo_line_to(cr, px, f->y1);
            cairo_stroke(cr);
            char buf[16];
            month_label(day, buf, sizeof buf, step >= 12);
            set(cr, C_BLACK, 1);
            text(cr, px, f->y1 + 6, size, false, 0.5, 0, buf);
        }
        m++;
        if (m > 12) {
            m = 1;
            y++;
        }
    }
}

/* Ticks at the multiples of f->step (of twice it when compact), labelled
 * with the decimals the step needs. */
static void draw_pct_axis(cairo_t *cr, const fc_chart_frame *f, double size, bool compact)
{
    const double every = compact ? 2 * f->step : f->step;
    const int decimals = fabs(every - round(every)) < 1e-9             ? 0
                         : fabs(10 * every - round(10 * every)) < 1e-9 ? 1
                                                                       : 2;
    for (double k = ceil(f->p0 / every - 1e-9); k * every <= f->p1 + 1e-9; k++) {
        double p = k * every;
        if (p == 0)
            p = 0; /* not -0, printed "-0%" */
        double px, py;
        fc_chart_xy(f, f->d0, p, &px, &py);
        set(cr, C_GREY, 0.35);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, f->x0, py);
        cairo_line_to(cr, f->x1, py);
        cairo_stroke(cr);
        char buf[16];
        snprintf(buf, sizeof buf, "%.*f%%", decimals, p);
        set(cr, C_BLACK, 1);
        text(cr, f->x0 - 6, py, size, false, 1, 0.5, buf);
    }
}

static void month_of(fc_day d, char buf[16])
{
    if (d == FC_NO_DAY) {
        snprintf(buf, 16, "?");
        return;
    }
    month_label(d, buf, 16, false);
}

void fc_eta_sentence(const char *name, const fc_eta_row *e, char *buf, size_t n, bool short_form)
{
    char eta[16], lo[16], hi[16];
    if (!e) {
        snprintf(buf, n, "%s", name);
        return;
    }
    month_of(e->eta, eta);
    month_of(e->eta_lo80, lo);
    month_of(e->eta_hi80, hi);
    if (e->status == FC_ETA_REACHED)
        snprintf(buf, n, "%s: %g%% reached", name, e->threshold_pct);
    else if (e->status == FC_ETA_NO_ADVANCE)
        snprintf(buf, n, "%s: no advance at this pace", name);
    else if (e->eta == FC_NO_DAY)
        snprintf(buf, n, "%s: %g%% not within ten years at this pace", name, e->threshold_pct);
    else if (short_form)
        snprintf(buf, n, "%s: %g%% by %s", name, e->threshold_pct, eta);
    else
        snprintf(buf, n, "%s: %g%% at this pace by %s (80%%: %s \u2026 %s)", name,
                 e->threshold_pct, eta, e->eta_lo80 == FC_NO_DAY ? "later" : lo,
                 e->eta_hi80 == FC_NO_DAY ? "after ten years" : hi);
}

/* One chart into the rectangle (ox, oy, w, h); compact for small multiples. */
static void draw_chart(cairo_t *cr, const fc_plot_data *d, size_t z, double ox, double oy,
                       double w, double h, bool compact, const fc_plot_options *o)
{
    zone_view v = view_of(d, z);
    fc_chart_frame f = fc_chart_frame_for(d, z, (int)w, (int)h, o->dpi);
    if (compact) {
        f.x0 = 40;
        f.y0 = 28;
        f.y1 = h - 24;
        f.x1 = w - 10;
    }
    cairo_save(cr);
    cairo_translate(cr, ox, oy);
    const double fs = compact ? 9 : 12;
    draw_pct_axis(cr, &f, fs, compact);
    draw_time_axis(cr, &f, compact ? 4 : 12, fs);
    double px, py, qx, qy;
    /* the 100% line, when the axis reaches it */
    if (f.p1 >= 100) {
        fc_chart_xy(&f, f.d0, 100, &px, &py);
        set(cr, C_BLACK, 0.7);
        cairo_set_line_width(cr, 1);
        const double dash[] = {6, 4};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, f.x0, py);
        cairo_line_to(cr, f.x1, py);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* Data inside the plot area only. */
    cairo_save(cr);
    cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    cairo_clip(cr);
    /* bands: 95% then 80% on top */
    for (int band = 0; band < 2 && v.nproj > 1; band++) {
        for (size_t i = 0; i < v.nproj; i++) {
            double hi = band ? v.proj[i].km2.hi80 : v.proj[i].km2.hi95;
            fc_chart_xy(&f, v.proj[i].date, 100 * hi / v.area_km2, &px, &py);
            if (i == 0)
                cairo_move_to(cr, px, py);
            else
                cairo_line_to(cr, px, py);
        }
        for (size_t i = v.nproj; i-- > 0;) {
            double lo = band ? v.proj[i].km2.lo80 : v.proj[i].km2.lo95;
            fc_chart_xy(&f, v.proj[i].date, 100 * lo / v.area_km2, &px, &py);
            cairo_line_to(cr, px, py);
        }
        cairo_close_path(cr);
        set(cr, C_ORANGE, band ? 0.45 : 0.22);
        cairo_fill(cr);
    }
    /* projection */
    set(cr, C_VERMILLION, 1);
    cairo_set_line_width(cr, compact ? 1.2 : 2);
    for (size_t i = 0; i < v.nproj; i++) {
        fc_chart_xy(&f, v.proj[i].date, 100 * v.proj[i].km2.value / v.area_km2, &px, &py);
        if (i == 0)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
    }
    cairo_stroke(cr);
    /* observed, broken at gaps longer than a week and than 3x the usual spacing */
    const fc_area_table *t = d->table;
    double spacing = t->ndates > 1 ? (double)(t->dates[t->ndates - 1] - t->dates[0]) / (t->ndates - 1) : 1;
    set(cr, C_BLUE, 1);
    cairo_set_line_width(cr, compact ? 1.2 : 2);
    for (size_t i = 0; i < t->ndates; i++) {
        double pct = 100 * fc_held_m2(t, i, z) / 1e6 / v.area_km2;
        fc_chart_xy(&f, t->dates[i], pct, &px, &py);
        bool gap = i > 0 && t->dates[i] - t->dates[i - 1] > fmax(7, 3 * spacing);
        if (i == 0 || gap) {
            if (i > 0)
                cairo_stroke(cr);
            cairo_move_to(cr, px, py);
            if (i + 1 == t->ndates || t->dates[i + 1] - t->dates[i] > fmax(7, 3 * spacing))
                cairo_line_to(cr, px + 0.5, py);
        } else {
            cairo_line_to(cr, px, py);
        }
    }
    cairo_stroke(cr);
    cairo_restore(cr); /* the clip */
    /* as-of */
    fc_chart_xy(&f, d->forecast->as_of, 0, &px, &py);
    fc_chart_xy(&f, d->forecast->as_of, 100, &qx, &qy);
    set(cr, C_BLACK, 0.8);
    cairo_set_line_width(cr, 1);
    const double dots[] = {2, 3};
    cairo_set_dash(cr, dots, 2, 0);
    cairo_move_to(cr, px, f.y1);
    cairo_line_to(cr, px, f.y0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    char buf[256], asof[11];
    fc_date_format(d->forecast->as_of, asof);
    if (!compact) {
        snprintf(buf, sizeof buf, "as of %s", asof);
        text(cr, px + 4, f.y0 + 4, 11, false, 0, 0, buf);
    }
    /* plot frame */
    set(cr, C_BLACK, 1);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    cairo_stroke(cr);
    /* words: the headline first, then what the chart is */
    fc_eta_sentence(fc_zone_name(d->zs, z), v.eta, buf, sizeof buf, compact);
    set(cr, C_BLACK, 1);
    text(cr, compact ? f.x0 : 20, 6, compact ? 10 : 17, true, 0, 0, buf);
    /* A date beyond the axis, said at the edge where it would be. */
    if (v.eta && (v.eta->status == FC_ETA_OK || v.eta->status == FC_ETA_BEYOND_HORIZON) &&
        v.eta->eta != FC_NO_DAY && v.eta->eta > f.d1) {
        char eta[16];
        month_of(v.eta->eta, eta);
        snprintf(buf, sizeof buf, "%g%% by %s \u2192", v.eta->threshold_pct, eta);
        set(cr, C_VERMILLION, 1);
        text(cr, f.x1 - 4, f.y0 + 4, compact ? 8 : 11, true, 1, 0, buf);
    }
    if (!compact) {
        char title[320];
        snprintf(title, sizeof title,
                 "%s (%s): share of the zone controlled. Data: %s, as of %s. Projection: %s over "
                 "%d days",
                 fc_zone_name(d->zs, z), fc_zone_id(d->zs, z), o->source, asof,
                 fc_model_name(d->model), d->window_days);
        set(cr, C_BLACK, 1);
        text(cr, 20, 34, 12, false, 0, 0, title);
        /* the share axis' name, along it */
        cairo_save(cr);
        cairo_translate(cr, 14, (f.y0 + f.y1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        text(cr, 0, 0, 11, false, 0.5, 0.5, "controlled share of the zone");
        cairo_restore(cr);
        /* legend: one row under the dates, clear of the data */
        const double ly = f.y1 + 34;
        double lx = f.x0;
        set(cr, C_BLUE, 1);
        cairo_rectangle(cr, lx, ly + 4, 24, 3);
        cairo_fill(cr);
        set(cr, C_BLACK, 1);
        text(cr, lx + 30, ly, 11, false, 0, 0, "observed");
        lx += 110;
        set(cr, C_VERMILLION, 1);
        cairo_rectangle(cr, lx, ly + 4, 24, 3);
        cairo_fill(cr);
        set(cr, C_BLACK, 1);
        text(cr, lx + 30, ly, 11, false, 0, 0, "projection at the current pace");
        lx += 240;
        set(cr, C_ORANGE, 0.45);
        cairo_rectangle(cr, lx, ly, 11, 10);
        cairo_fill(cr);
        set(cr, C_ORANGE, 0.22);
        cairo_rectangle(cr, lx + 12, ly, 12, 10);
        cairo_fill(cr);
        set(cr, C_BLACK, 1);
        /* Say what the band is worth: how often such bands covered before. */
        const fc_interval_report *rep = fc_forecast_report(d->forecast, d->model, d->window_days);
        char band[160];
        if (rep && rep->past.n)
            snprintf(band, sizeof band,
                     "80%% / 95%% intervals, calibrated on past forecasts: covered %.0f%% / %.0f%% "
                     "of %zu",
                     100 * rep->past.coverage80, 100 * rep->past.coverage95, rep->past.n);
        else
            snprintf(band, sizeof band, "80%% and 95%% intervals (the model's own: not checked)");
        text(cr, lx + 30, ly, 11, false, 0, 0, band);
    }
    cairo_restore(cr);
}

/* ---- output ------------------------------------------------------------ */

typedef void (*draw_fn)(cairo_t *cr, const void *arg, const fc_plot_options *o, int w, int h);

/* FC_SYNTHETIC_STAMP across the picture, corner to corner, over everything
 * but translucent, so that a crop or a screenshot of any part still shows
 * some of it. */
static void stamp(cairo_t *cr, int w, int h)
{
    cairo_save(cr);
    cairo_translate(cr, w / 2.0, h / 2.0);
    cairo_rotate(cr, -atan2(h, w));
    const double size = 100 * 0.8 * hypot(w, h) / text_width(cr, 100, true, FC_SYNTHETIC_STAMP);
    set(cr, C_BLACK, 0.25); /* black: it shows on the vermillion of control too */
    text(cr, 0, 0, size, true, 0.5, 0.5, FC_SYNTHETIC_STAMP);
    cairo_restore(cr);
}

/* A picture's encoded bytes, gathered from cairo's stream writers. */
typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
    bool failed;
} membuf;

static cairo_status_t membuf_write(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *m = closure;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1 << 16;
        while (cap < m->n + len)
            cap *= 2;
        unsigned char *p = realloc(m->p, cap);
        if (!p) {
            m->failed = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* What a picture says about itself, written into the file: PNG tEXt chunks,
 * SVG <title> and <desc>. Fixed text only (no clock), so that the same
 * inputs give the same bytes. */
typedef struct picture_meta {
    char title[256], description[512];
} picture_meta;

static void put_be32(FILE *f, uint32_t v)
{
    const unsigned char b[4] = {v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255};
    fwrite(b, 1, 4, f);
}

/* One iTXt chunk (UTF-8 text, uncompressed, no language): keyword, NUL,
 * two zero flags, two empty strings, the text. */
static void png_text(FILE *f, const char *key, const char *text)
{
    unsigned char buf[1400];
    size_t n = 0;
    memcpy(buf, "iTXt", 4);
    for (const char *k = key; *k && n < 79; k++)
        buf[4 + n++] = (unsigned char)*k;
    memset(buf + 4 + n, 0, 5); /* NUL, compression flag and method, two empty strings */
    n += 5;
    for (const char *t = text; *t && n < sizeof buf - 8; t++)
        buf[4 + n++] = (unsigned char)*t;
    put_be32(f, (uint32_t)n);
    fwrite(buf, 1, 4 + n, f);
    put_be32(f, (uint32_t)crc32(crc32(0, NULL, 0), buf, (uInt)(4 + n)));
}

/* m's picture into f with its metadata: after a PNG's header chunk, or
 * inside the SVG element. Anything unexpected: the bytes as cairo made them. */
static void write_with_meta(FILE *f, const membuf *m, bool svg, const picture_meta *pm,
                            const fc_plot_options *o, const svg_texts *texts)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t cut = 0;
    if (!svg && m->n > 33 && memcmp(m->p, sig, 8) == 0 && memcmp(m->p + 12, "IHDR", 4) == 0)
        cut = 33; /* signature, then IHDR: length, type, 13 bytes, CRC */
    for (size_t i = 0; svg && !cut && i + 4 <= m->n; i++)
        if (memcmp(m->p + i, "<svg", 4) == 0) {
            const unsigned char *close = memchr(m->p + i, '>', m->n - i);
            cut = close ? (size_t)(close - m->p) + 1 : 0;
            break;
        }
    fwrite(m->p, 1, cut, f);
    if (cut && !svg) {
        png_text(f, "Title", pm->title);
        png_text(f, "Description", pm->description);
        png_text(f, "Source", o->source);
        if (o->zones_credit)
            png_text(f, "Copyright", o->zones_credit);
        if (o->synthetic)
            png_text(f, "Disclaimer", FC_SYNTHETIC_STAMP);
        char sw[64];
        snprintf(sw, sizeof sw, "frontcast %s", fc_version());
        png_text(f, "Software", sw);
    } else if (cut) {
        fputs("\n<title>", f);
        fc_markup_text(f, pm->title);
        fputs("</title>\n<desc>", f);
        fc_markup_text(f, pm->description);
        fputs(". Data: ", f);
        fc_markup_text(f, o->source);
        fprintf(f, ". Made with frontcast %s.</desc>", fc_version());
    }
    size_t end = m->n; /* the texts go before the closing </svg> */
    for (size_t i = m->n; svg && texts && texts->n && i >= cut + 6; i--)
        if (memcmp(m->p + i - 6, "</svg>", 6) == 0) {
            end = i - 6;
            break;
        }
    fwrite(m->p + cut, 1, end - cut, f);
    if (svg && texts && end < m->n)
        fwrite(texts->p, 1, texts->n, f);
    fwrite(m->p + end, 1, m->n - end, f);
}

/* Draws into dir/name.png (scaled by dpi/96) and dir/name.svg, atomically,
 * each carrying pm. */
static fc_status render(const char *dir, const char *name, const picture_meta *pm, int w, int h,
                        draw_fn fn, const void *arg, const fc_plot_options *o, fc_error *err)
{
    char file[512];
    fc_status st = FC_OK;
    const double s = o->dpi / 96;
    for (int fmt = 0; fmt < 2 && st == FC_OK; fmt++) {
        snprintf(file, sizeof file, "%s/%s.%s", dir, name, fmt ? "svg" : "png");
        membuf m = {0};
        cairo_surface_t *surf = fmt ? cairo_svg_surface_create_for_stream(membuf_write, &m, w, h)
                                    : cairo_image_surface_create(CAIRO_FORMAT_ARGB32,
                                                                 (int)lround(w * s), (int)lround(h * s));
        svg_texts texts = {0};
        if (fmt && (texts.f = open_memstream(&texts.p, &texts.n)) != NULL)
            cairo_surface_set_user_data(surf, &svg_texts_key, &texts, NULL);
        cairo_t *cr = cairo_create(surf);
        if (!fmt)
            cairo_scale(cr, s, s);
        set(cr, C_WHITE, 1);
        cairo_paint(cr);
        fn(cr, arg, o, w, h);
        if (o->synthetic)
            stamp(cr, w, h);
        cairo_destroy(cr);
        cairo_surface_flush(surf);
        cairo_status_t cs = fmt ? CAIRO_STATUS_SUCCESS
                                : cairo_surface_write_to_png_stream(surf, membuf_write, &m);
        cairo_surface_finish(surf);
        if (cs == CAIRO_STATUS_SUCCESS)
            cs = cairo_surface_status(surf);
        cairo_surface_destroy(surf);
        if (cs == CAIRO_STATUS_SUCCESS && m.failed)
            cs = CAIRO_STATUS_NO_MEMORY;
        if (texts.f && fclose(texts.f) != 0 && cs == CAIRO_STATUS_SUCCESS)
            cs = CAIRO_STATUS_NO_MEMORY;
        fc_atomic a;
        if (cs != CAIRO_STATUS_SUCCESS)
            st = fc_error_set(err, FC_ERR_IO, "%s: %s", file, cairo_status_to_string(cs));
        if (st == FC_OK)
            st = fc_atomic_begin(file, true, &a, err);
        if (st == FC_OK) {
            write_with_meta(a.f, &m, fmt == 1, pm, o, &texts);
            st = fc_atomic_commit(&a, err);
            fc_atomic_abort(&a);
        }
        free(m.p);
        free(texts.p);
    }
    return st;
}

typedef struct chart_arg {
    const fc_plot_data *d;
    size_t zone;
    const size_t *zones; /* small multiples */
    size_t nzones;
} chart_arg;

static void draw_one(cairo_t *cr, const void *arg, const fc_plot_options *o, int w, int h)
{
    const chart_arg *c = arg;
    draw_chart(cr, c->d, c->zone, 0, 0, w, h, false, o);
}

static void draw_multiples(cairo_t *cr, const void *arg, const fc_plot_options *o, int w, int h)
{
    const chart_arg *c = arg;
    int cols = (int)ceil(sqrt((double)c->nzones)), rows = (int)ceil((double)c->nzones / cols);
    if (cols < 1)
        cols = rows = 1;
    char asof[11], title[256];
    fc_date_format(c->d->forecast->as_of, asof);
    snprintf(title, sizeof title, "Zones with an advance: controlled share. Data: %s, as of %s; %s over %d days",
             o->source, asof, fc_model_name(c->d->model), c->d->window_days);
    set(cr, C_BLACK, 1);
    text(cr, 12, 10, 13, true, 0, 0, title);
    double pw = (double)w / cols, ph = (double)(h - 34) / rows;
    for (size_t i = 0; i < c->nzones; i++)
        draw_chart(cr, c->d, c->zones[i], (double)(i % (size_t)cols) * pw,
                   34 + (double)(i / (size_t)cols) * ph, pw, ph, true, o);
}

static void draw_gains(cairo_t *cr, const void *arg, const fc_plot_options *o, int w, int h)
{
    const fc_plot_data *d = ((const chart_arg *)arg)->d;
    const fc_area_table *t = d->table;
    const size_t all = t->nzones;
    /* Monthly sums of the whole layer's gains and losses. */
    int y0, m0, y1, m1, dd;
    fc_date_to_ymd(t->dates[0], &y0, &m0, &dd);
    fc_date_to_ymd(t->dates[t->ndates - 1], &y1, &m1, &dd);
    int nm = (y1 - y0) * 12 + (m1 - m0) + 1;
    double *gain = calloc((size_t)nm, sizeof *gain), *loss = calloc((size_t)nm, sizeof *loss);
    if (!gain || !loss) {
        free(gain);
        free(loss);
        return;
    }
    double top = 1;
    for (size_t i = 0; i < t->ndates; i++) {
        int y, m;
        fc_date_to_ymd(t->dates[i], &y, &m, &dd);
        int k = (y - y0) * 12 + (m - m0);
        const fc_measure *r = fc_area_row(t, i, all);
        if (!isnan(r->gained_m2)) {
            gain[k] += r->gained_m2 / 1e6;
            loss[k] += r->lost_m2 / 1e6;
        }
    }
    double bottom = 1;
    for (int k = 0; k < nm; k++) {
        top = fmax(top, gain[k]);
        bottom = fmax(bottom, loss[k]);
    }
    /* One scale both ways, each side only as tall as its largest month:
     * ticks at a round step, the axis limits on ticks. */
    const double raw = (top + bottom) / 6, mag = pow(10, floor(log10(raw)));
    const double step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
    const double up = ceil(top / step) * step, down = ceil(bottom / step) * step;
    const double x0 = 90, x1 = w - 20, ya = 60, yb = h - 80;
    const double per_km2 = (yb - ya) / (up + down), mid = ya + up * per_km2;
    char buf[160];
    set(cr, C_BLACK, 1);
    snprintf(buf, sizeof buf, "Monthly area gained and lost by the side holding the mapped area. Data: %s",
             o->source);
    text(cr, 20, 10, 16, true, 0, 0, buf);
    text(cr, 20, 34, 12, false, 0, 0,
         "Whole control layer, summed over the snapshots of each month; net = gained \u2212 lost");
    for (double v = -down; v <= up + 1e-9; v += step) {
        const double py = mid - v * per_km2;
        set(cr, C_GREY, 0.35);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, x0, py);
        cairo_line_to(cr, x1, py);
        cairo_stroke(cr);
        if (fabs(v) < step / 2)
            snprintf(buf, sizeof buf, "0 km\u00b2");
        else
            snprintf(buf, sizeof buf, "%s%.0f km\u00b2", v > 0 ? "+" : "\u2212", fabs(v));
        set(cr, C_BLACK, 1);
        text(cr, x0 - 6, py, 11, false, 1, 0.5, buf);
    }
    /* A month the snapshots do not span from its first day to its last
     * (the series' first and last) is drawn lighter: its sum is partial. */
    int first_day, last_y, last_m, last_d;
    fc_date_to_ymd(t->dates[0], &y0, &m0, &first_day);
    fc_date_to_ymd(t->dates[t->ndates - 1], &last_y, &last_m, &last_d);
    fc_day next_month;
    const bool last_partial =
        fc_date_from_ymd(last_m == 12 ? last_y + 1 : last_y, last_m % 12 + 1, 1, &next_month) &&
        t->dates[t->ndates - 1] + 1 < next_month;
    double bw = (x1 - x0) / nm;
    for (int k = 0; k < nm; k++) {
        const bool partial = (k == 0 && first_day > 1) || (k == nm - 1 && last_partial);
        double bx = x0 + k * bw + bw * 0.12, gh = gain[k] * per_km2, lh = loss[k] * per_km2;
        set(cr, C_VERMILLION, partial ? 0.4 : 1);
        cairo_rectangle(cr, bx, mid - gh, bw * 0.76, gh);
        cairo_fill(cr);
        set(cr, C_BLUE, partial ? 0.4 : 1);
        cairo_rectangle(cr, bx, mid, bw * 0.76, lh);
        cairo_fill(cr);
        int y = y0 + (m0 - 1 + k) / 12, m = (m0 - 1 + k) % 12 + 1;
        int every = nm > 36 ? 6 : nm > 12 ? 3 : 1;
        if ((m - 1) % every == 0) {
            snprintf(buf, sizeof buf, "%04d-%02d", y, m);
            set(cr, C_BLACK, 1);
            text(cr, x0 + (k + 0.5) * bw, yb + 8, 10, false, 0.5, 0, buf);
        }
    }
    set(cr, C_BLACK, 1);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x0, mid);
    cairo_line_to(cr, x1, mid);
    cairo_stroke(cr);
    /* net per month: a line through the bars' centres */
    cairo_set_line_width(cr, 1.6);
    for (int k = 0; k < nm; k++) {
        const double px = x0 + (k + 0.5) * bw, py = mid - (gain[k] - loss[k]) * per_km2;
        if (k == 0)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
    }
    cairo_stroke(cr);
    for (int k = 0; k < nm; k++) {
        cairo_arc(cr, x0 + (k + 0.5) * bw, mid - (gain[k] - loss[k]) * per_km2, 2.5, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    /* legend, under the months */
    const double ly = yb + 34;
    static const char *const names[] = {"gained (as the map's controlled area)", "lost",
                                        "net", "lighter: a partial month"};
    double lx = x0;
    for (int i = 0; i < 4; i++) {
        if (i < 2) {
            set(cr, i ? C_BLUE : C_VERMILLION, 1);
            cairo_rectangle(cr, lx, ly, 14, 10);
            cairo_fill(cr);
        } else if (i == 2) {
            set(cr, C_BLACK, 1);
            cairo_rectangle(cr, lx, ly + 4, 14, 2);
            cairo_fill(cr);
        } else {
            set(cr, C_VERMILLION, 0.4);
            cairo_rectangle(cr, lx, ly, 14, 10);
            cairo_fill(cr);
        }
        set(cr, C_BLACK, 1);
        text(cr, lx + 20, ly, 11, false, 0, 0, names[i]);
        lx += 20 + text_width(cr, 11, false, names[i]) + 28;
    }
    free(gain);
    free(loss);
}

/* ---- the map ----------------------------------------------------------- */

/* The frame that fits box {x0, y0, x1, y1} (working CRS) into the picture,
 * below the title and above the credits. */
static fc_map_frame frame_for_box(const double box[4], int width, int height)
{
    const double left = 20, right = 20, top = 50, bottom = 70;
    double sx = (width - left - right) / (box[2] - box[0]), sy = (height - top - bottom) / (box[3] - box[1]);
    fc_map_frame f;
    f.scale = fmin(sx, sy);
    double cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    f.ox = left + (width - left - right) / 2 - cx * f.scale;
    f.oy = top + (height - top - bottom) / 2 + cy * f.scale;
    return f;
}

fc_map_frame fc_map_frame_for(fc_worker *w, const fc_zoneset *zs, int width, int height, double dpi)
{
    (void)dpi;
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t z = 0; z < zs->n; z++) {
        double b[4];
        if (zs->zones[z].geom && fc_geom_bbox(w, zs->zones[z].geom, b)) {
            box[0] = fmin(box[0], b[0]);
            box[1] = fmin(box[1], b[1]);
            box[2] = fmax(box[2], b[2]);
            box[3] = fmax(box[3], b[3]);
        }
    }
    return frame_for_box(box, width, height);
}

/* The active front: the box of the ground the 80 % range reaches by the
 * last step (the arrival grid's cells), with a margin, at least
 * FC_ACTIVE_MIN_KM across. False when there is none. */
#define FC_ACTIVE_MIN_KM 200.0
static bool active_box(const fc_advance *a, double box[4])
{
    if (!a || !a->nsteps || !a->arrival)
        return false;
    const fc_arrival *ar = a->arrival;
    const fc_grid *g = &ar->grid;
    const float last = (float)a->step_days[a->nsteps - 1];
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (int j = 0; j < g->ny; j++)
        for (int i = 0; i < g->nx; i++) {
            const size_t c = (size_t)j * (size_t)g->nx + (size_t)i;
            if (ar->zone[c] < 0 || !(ar->early80[c] <= last))
                continue;
            box[0] = fmin(box[0], g->x0 + i * g->cell_m);
            box[1] = fmin(box[1], g->y0 + j * g->cell_m);
            box[2] = fmax(box[2], g->x0 + (i + 1) * g->cell_m);
            box[3] = fmax(box[3], g->y0 + (j + 1) * g->cell_m);
        }
    if (!(box[0] < box[2]))
        return false;
    for (int k = 0; k < 2; k++) { /* a fifth around, and the minimum size */
        const double c = (box[k] + box[k + 2]) / 2;
        const double half = fmax(0.7 * (box[k + 2] - box[k]), FC_ACTIVE_MIN_KM * 1000 / 2);
        box[k] = c - half;
        box[k + 2] = c + half;
    }
    return true;
}

typedef struct path_ctx {
    cairo_t *cr;
    const fc_map_frame *f;
    double tol; /* FC_THIN_PX in user units */
} path_ctx;

static path_ctx path_for(cairo_t *cr, const fc_map_frame *f)
{
    double dx = FC_THIN_PX, dy = 0;
    cairo_device_to_user_distance(cr, &dx, &dy);
    return (path_ctx){cr, f, hypot(dx, dy)};
}

/* A ring or line into the path, thinned to what the pixels show. */
static int ring_path(fc_worker *w, const double *xy, size_t n, bool hole, void *user)
{
    (void)w;
    (void)hole;
    path_ctx *p = user;
    double *px = malloc((2 * n + 1) * sizeof *px);
    for (size_t i = 0; i < n; i++) {
        const double x = p->f->ox + xy[2 * i] * p->f->scale;
        const double y = p->f->oy - xy[2 * i + 1] * p->f->scale;
        if (!px) { /* out of memory: every vertex, unthinned */
            (i ? cairo_line_to : cairo_move_to)(p->cr, x, y);
            continue;
        }
        px[2 * i] = x;
        px[2 * i + 1] = y;
    }
    const size_t m = px ? fc_thin_line(px, n, p->tol) : 0;
    for (size_t i = 0; i < m; i++)
        (i ? cairo_line_to : cairo_move_to)(p->cr, px[2 * i], px[2 * i + 1]);
    free(px);
    return 0;
}

static void polygon_path(fc_worker *w, cairo_t *cr, const fc_map_frame *f, const GEOSGeometry *g)
{
    path_ctx p = path_for(cr, f);
    fc_geom_each_ring(w, g, ring_path, &p);
    cairo_close_path(cr);
}

/* Early to late along Okabe-Ito orange, reddish purple and blue. */
static rgb step_colour(size_t s, size_t n)
{
    static const rgb anchors[] = {HEX(0xE69F00), HEX(0xCC79A7), HEX(0x0072B2)};
    double t = n > 1 ? (double)s / (double)(n - 1) * 2 : 0;
    int k = t >= 2 ? 1 : (int)t;
    double u = t - k;
    rgb a = anchors[k], b = anchors[k + 1];
    return (rgb){a.r + u * (b.r - a.r), a.g + u * (b.g - a.g), a.b + u * (b.b - a.b)};
}

/* Places for the map: those reached within the horizon (up to 10, the
 * largest), then the largest others, 16 in all; only inside box when given.
 * Fills idx; returns count. */
static size_t pick_places(const fc_advance *a, const double *box, size_t *idx)
{
    size_t n = 0;
    bool *used = calloc(a->nplaces + 1, 1);
    if (!used)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t limit = pass == 0 ? 10 : 16;
        while (n < limit) {
            size_t best = a->nplaces;
            for (size_t i = 0; i < a->nplaces; i++) {
                const fc_place_row *p = &a->places[i];
                if (used[i] || (pass == 0 && p->arrival == FC_NO_DAY) ||
                    (box && (p->x < box[0] || p->y < box[1] || p->x > box[2] || p->y > box[3])))
                    continue;
                if (best == a->nplaces || a->places[i].population > a->places[best].population)
                    best = i;
            }
            if (best == a->nplaces)
                break;
            used[best] = true;
            idx[n++] = best;
        }
    }
    free(used);
    return n;
}

/* The map's legend box {x0, y0, x1, y1}: bottom left, a row per step. */
static void legend_box(size_t nsteps, int ht, double b[4])
{
    b[0] = 16;
    b[1] = ht - 226;
    b[2] = b[0] + 250;
    b[3] = b[1] + 30 + 18.0 * (double)(nsteps + 3);
}

/* The map's top band: the title and the method's line. */
#define MAP_TOP_PX 46

/* The scale bar: 50, 100 or 200 km..., about a tenth of the width or
 * more, 40 px from the right and 50 from the bottom. Its length in km;
 * b: the box of the bar and its label above it, {x0, y0, x1, y1}. */
static double scale_bar(const fc_map_frame *f, int wd, int ht, double b[4])
{
    double km = 50;
    while (km * 1000 * f->scale < wd / 10.0)
        km *= 2;
    b[0] = wd - 40 - km * 1000 * f->scale;
    b[1] = ht - 70; /* the label's top */
    b[2] = wd - 40;
    b[3] = ht - 44; /* the bar's (4 px) bottom, and a margin */
    return km;
}

/* A placed label's text over a white halo, so that it reads on any fill. */
static void text_halo(cairo_t *cr, const fc_label *l, double alpha)
{
    cairo_move_to(cr, l->x, l->y + l->size * 0.75); /* as text() with ay = 0 */
    svg_texts *t = svg_sink(cr);
    if (t) {
        set(cr, C_BLACK, alpha);
        svg_text(cr, t, l->size, l->bold, l->text, true);
        cairo_new_path(cr);
        return;
    }
    PangoLayout *pl = layout(cr, l->size, l->bold, l->text);
    show_layout(cr, pl, true);
    g_object_unref(pl);
    set(cr, C_WHITE, 0.85);
    cairo_set_line_width(cr, 3);
    cairo_stroke_preserve(cr);
    set(cr, C_BLACK, alpha);
    cairo_fill(cr);
}

/* The map's labels, placed: the places picked (pick_places) above the
 * zones' names, reached places first, then by population; zones by area.
 * Obstacles: the title, the legend, the scale bar and the credits line.
 * *out newly allocated (free()); returns the count (0 when out of memory). */
static size_t map_labels(cairo_t *cr, fc_worker *w, const fc_plot_data *d,
                         const fc_plot_options *o, const fc_map_frame *f, const double *box,
                         int wd, int ht, fc_label **out)
{
    const fc_zoneset *zs = d->zs;
    const fc_advance *a = d->advance;
    size_t idx[16], np = a && a->nplaces ? pick_places(a, box, idx) : 0, n = 0;
    fc_label *l = calloc(np + zs->n + 1, sizeof *l);
    *out = l;
    if (!l)
        return 0;
    for (size_t i = 0; i < np; i++) {
        const fc_place_row *p = &a->places[idx[i]];
        fc_label *b = &l[n++];
        char when[16];
        month_of(p->arrival, when);
        if (p->arrival != FC_NO_DAY)
            snprintf(b->text, sizeof b->text, "%s %s%s", p->name, when,
                     o->synthetic ? " (fictional)" : "");
        else
            snprintf(b->text, sizeof b->text, "%s", p->name);
        b->ax = f->ox + p->x * f->scale;
        b->ay = f->oy - p->y * f->scale;
        b->size = 10;
        b->point = true;
        b->bold = p->arrival != FC_NO_DAY;
        /* A place without a population (NAN) ranks as 0: NAN would break the sort. */
        b->priority = (p->arrival != FC_NO_DAY ? 2e12 : 1e12) +
                      (isnan(p->population) ? 0 : p->population);
    }
    for (size_t z = 0; z < zs->n; z++) {
        GEOSGeometry *pt = GEOSPointOnSurface_r(w->geos, zs->zones[z].geom);
        double x, y;
        if (pt && GEOSGeomGetX_r(w->geos, pt, &x) && GEOSGeomGetY_r(w->geos, pt, &y)) {
            fc_label *b = &l[n++];
            snprintf(b->text, sizeof b->text, "%s", zs->zones[z].name);
            b->ax = f->ox + x * f->scale;
            b->ay = f->oy - y * f->scale;
            b->size = 9;
            b->priority = zs->zones[z].area_m2 / 1e6; /* km2: below any place */
        }
        if (pt)
            GEOSGeom_destroy_r(w->geos, pt);
    }
    for (size_t i = 0; i < n; i++) {
        l[i].w = text_width(cr, l[i].size, l[i].bold, l[i].text);
        l[i].h = l[i].size;
    }
    double obstacles[2][4];
    legend_box(a ? a->nsteps : 0, ht, obstacles[0]);
    scale_bar(f, wd, ht, obstacles[1]);
    const double frame[4] = {4, MAP_TOP_PX, wd - 4, ht - 32}; /* below the title, above the credits */
    fc_place_labels(l, n, frame, (const double(*)[4])obstacles, 2);
    return n;
}

fc_status fc_map_labels(fc_worker *w, const fc_plot_data *d, const fc_plot_options *o, int width,
                        int height, fc_label **out, size_t *n, fc_error *err)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create(s);
    const fc_map_frame f = fc_map_frame_for(w, d->zs, width, height, o->dpi > 0 ? o->dpi : 96);
    *n = map_labels(cr, w, d, o, &f, NULL, width, height, out);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return *out ? FC_OK : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
}

/* The ground of a map: the zones, the control area over them (NULL:
 * none) and the zones' borders (border_px wide) over both. */
static void draw_ground(cairo_t *cr, fc_worker *w, const fc_map_frame *f, const fc_zoneset *zs,
                        const GEOSGeometry *control, double border_px)
{
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t z = 0; z < zs->n; z++) {
        polygon_path(w, cr, f, zs->zones[z].geom);
        set(cr, C_LIGHT, 1);
        cairo_fill(cr);
    }
    if (control) {
        polygon_path(w, cr, f, control);
        set(cr, C_VERMILLION, 1);
        cairo_fill(cr);
    }
    for (size_t z = 0; z < zs->n; z++) {
        polygon_path(w, cr, f, zs->zones[z].geom);
        set(cr, C_GREY, 1);
        cairo_set_line_width(cr, border_px);
        cairo_stroke(cr);
    }
}

/* Every line of lines (a (Multi)LineString) stroked in the current
 * colour and width, a part at a time. */
static void stroke_lines(cairo_t *cr, fc_worker *w, const fc_map_frame *f,
                         const GEOSGeometry *lines)
{
    int parts = GEOSGetNumGeometries_r(w->geos, lines);
    for (int i = 0; i < parts; i++) {
        path_ctx p = path_for(cr, f);
        fc_geom_each_line(w, GEOSGetGeometryN_r(w->geos, lines, i), ring_path, &p);
        cairo_stroke(cr);
    }
}

typedef struct map_arg {
    fc_worker *w;
    const fc_plot_data *d;
    GEOSGeometry **fronts; /* per step, working CRS */
    const double *box;     /* the part shown (working CRS); NULL: every zone */
} map_arg;

static void draw_map(cairo_t *cr, const void *arg, const fc_plot_options *o, int wd, int ht)
{
    const map_arg *m = arg;
    fc_worker *w = m->w;
    const fc_plot_data *d = m->d;
    const fc_zoneset *zs = d->zs;
    fc_map_frame f = m->box ? frame_for_box(m->box, wd, ht) : fc_map_frame_for(w, zs, wd, ht, o->dpi);
    draw_ground(cr, w, &f, zs, d->control, 0.7);
    /* The 80% range of the front at the last step: ground reached by then
     * at the upper bound of the calibrated gain, not at the lower. */
    const fc_advance *a = d->advance;
    size_t nsteps = a ? a->nsteps : 0;
    if (nsteps) {
        const fc_arrival *ar = a->arrival;
        const fc_grid *g = &ar->grid;
        const float last = (float)a->step_days[nsteps - 1];
        /* A row's run of such cells as one rectangle: the same picture,
         * and an SVG of runs rather than of every cell. */
        for (int j = 0; j < g->ny; j++)
            for (int i = 0; i < g->nx;) {
                int run = 0;
                for (; i + run < g->nx; run++) {
                    const size_t c = (size_t)j * (size_t)g->nx + (size_t)(i + run);
                    if (ar->zone[c] < 0 || !(ar->early80[c] <= last) || ar->late80[c] <= last)
                        break;
                }
                if (run)
                    cairo_rectangle(cr, f.ox + (g->x0 + i * g->cell_m) * f.scale,
                                    f.oy - (g->y0 + (j + 1) * g->cell_m) * f.scale,
                                    run * g->cell_m * f.scale, g->cell_m * f.scale);
                i += run ? run : 1;
            }
        set(cr, step_colour(nsteps - 1, nsteps), 0.3);
        cairo_fill(cr);
    }
    /* projected fronts, early to late */
    for (size_t s = 0; s < nsteps; s++) {
        if (!m->fronts[s])
            continue;
        set(cr, step_colour(s, nsteps), 1);
        cairo_set_line_width(cr, 2.2);
        stroke_lines(cr, w, &f, m->fronts[s]);
    }
    /* place markers, then every label that fits (fc_place_labels) */
    fc_label *labels = NULL;
    const size_t nlabels = map_labels(cr, w, d, o, &f, m->box, wd, ht, &labels);
    for (size_t i = 0; i < nlabels; i++)
        if (labels[i].point) {
            set(cr, C_BLACK, 1);
            cairo_arc(cr, labels[i].ax, labels[i].ay, 3, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    for (size_t i = 0; i < nlabels; i++)
        if (labels[i].placed)
            text_halo(cr, &labels[i], labels[i].point ? 1 : 0.55);
    free(labels);
    /* title, legend, scale bar, attribution, over white bands (a zoomed
     * map runs under them) */
    set(cr, C_WHITE, 1);
    cairo_rectangle(cr, 0, 0, wd, MAP_TOP_PX);
    cairo_rectangle(cr, 0, ht - 32, wd, 32);
    cairo_fill(cr);
    char asof[11], buf[400];
    fc_date_format(d->forecast->as_of, asof);
    snprintf(buf, sizeof buf, "%s. Data: %s, as of %s; %s over %d days",
             m->box ? "The active front, closer in" : "Where the front is going", o->source, asof,
             fc_model_name(d->model), d->window_days);
    set(cr, C_BLACK, 1);
    text(cr, 20, 10, 15, true, 0, 0, buf);
    /* The method, in one line under the title. */
    if (a && a->arrival)
        snprintf(buf, sizeof buf,
                 "Method: each zone's projected area (%s over the last %d days; 80%% bands "
                 "calibrated on past forecasts), spread along the front by its local speed "
                 "(fast marching on %g km cells).",
                 fc_model_name(d->model), d->window_days, a->arrival->grid.cell_m / 1000);
    else
        snprintf(buf, sizeof buf, "Method: the control area as of %s.", asof);
    set(cr, C_BLACK, 0.7);
    text(cr, 20, 30, 10, false, 0, 0, buf);
    double box[4];
    legend_box(nsteps, ht, box);
    const double lx = box[0] + 8, ly = box[1] + 8;
    set(cr, C_WHITE, 0.9);
    cairo_rectangle(cr, box[0], box[1], box[2] - box[0], box[3] - box[1]);
    cairo_fill(cr);
    set(cr, C_VERMILLION, 1);
    cairo_rectangle(cr, lx, ly, 22, 12);
    cairo_fill(cr);
    set(cr, C_BLACK, 1);
    if (o->holder)
        snprintf(buf, sizeof buf, "held by %s on %s", o->holder, asof);
    else
        snprintf(buf, sizeof buf, "controlled on %s", asof);
    text(cr, lx + 30, ly, 11, false, 0, 0, buf);
    for (size_t s = 0; s < nsteps; s++) {
        rgb c = step_colour(s, nsteps);
        set(cr, c, 1);
        cairo_rectangle(cr, lx, ly + 20 + 18.0 * (double)s + 5, 22, 3);
        cairo_fill(cr);
        char day[11];
        fc_date_format(a->as_of + a->step_days[s], day);
        snprintf(buf, sizeof buf, "projected front, %s", day);
        set(cr, C_BLACK, 1);
        text(cr, lx + 30, ly + 20 + 18.0 * (double)s, 11, false, 0, 0, buf);
    }
    if (nsteps) {
        set(cr, step_colour(nsteps - 1, nsteps), 0.3);
        cairo_rectangle(cr, lx, ly + 20 + 18.0 * (double)nsteps, 22, 12);
        cairo_fill(cr);
        set(cr, C_BLACK, 1);
        text(cr, lx + 30, ly + 20 + 18.0 * (double)nsteps, 11, false, 0, 0,
             "its 80% range (calibrated area bands)");
    }
    const double py0 = ly + 20 + 18.0 * (double)(nsteps + (nsteps ? 1 : 0));
    set(cr, C_BLACK, 1);
    cairo_arc(cr, lx + 11, py0 + 6, 3, 0, 2 * M_PI);
    cairo_fill(cr);
    text(cr, lx + 30, py0, 11, false, 0, 0, "place, month reached (bold)");
    double bar[4];
    const double km = scale_bar(&f, wd, ht, bar), by = bar[1] + 20;
    set(cr, C_BLACK, 1);
    cairo_rectangle(cr, bar[0], by, bar[2] - bar[0], 4);
    cairo_fill(cr);
    snprintf(buf, sizeof buf, "%.0f km", km);
    text(cr, (bar[0] + bar[2]) / 2, by - 16, 11, false, 0.5, 0, buf);
    snprintf(buf, sizeof buf,
             "%s%sPlaces: GeoNames (CC BY 4.0). Control: %s. "
             "Lambert azimuthal equal-area projection.",
             o->zones_credit ? o->zones_credit : "", o->zones_credit ? ". " : "", o->source);
    set(cr, C_BLACK, 0.7);
    text(cr, 20, ht - 22, 10, false, 0, 0, buf);
}

fc_plot_options fc_plot_options_for(const fc_series *series, const fc_plot_options *po,
                                    char *buf, size_t size)
{
    fc_plot_options o = *po;
    o.source = fc_series_source_name(series, po->source, buf, size);
    o.holder = fc_series_holder(series, po->holder);
    o.synthetic = fc_series_synthetic(series);
    return o;
}

/* Whether zone z's controlled area moved by FC_PLOT_MIN_CHANGE_KM2 over the series. */
static bool moved(const fc_area_table *t, size_t z)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t d = 0; d < t->ndates; d++) {
        const double v = fc_held_m2(t, d, z);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    return hi - lo >= FC_PLOT_MIN_CHANGE_KM2 * 1e6;
}

fc_status fc_plot_all(fc_worker *w, const fc_plot_data *d, const fc_plot_options *in,
                      const char *dir, fc_error *err)
{
    fc_plot_options o = *in;
    if (o.width <= 0)
        o.width = 1200;
    if (o.height <= 0)
        o.height = 700;
    if (!(o.dpi > 0))
        o.dpi = 96;
    if (o.synthetic)
        o.source = FC_SYNTHETIC_STAMP;
    else if (!o.source)
        o.source = "control layer";
    fc_status st = fc_ensure_dir(dir, err);
    size_t *adv = calloc(d->zs->n + 1, sizeof *adv), nadv = 0;
    if (st == FC_OK && !adv)
        st = fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    for (size_t z = 0; z < d->zs->n && st == FC_OK; z++) {
        chart_arg c = {d, z, NULL, 0};
        char name[128];
        snprintf(name, sizeof name, "chart-%s", d->zs->zones[z].id);
        if (o.all_charts || moved(d->table, z))
        {
            picture_meta pm;
            snprintf(pm.title, sizeof pm.title, "%s (%s): controlled share and projection",
                     fc_zone_name(d->zs, z), fc_zone_id(d->zs, z));
            fc_eta_sentence(fc_zone_name(d->zs, z), view_of(d, z).eta, pm.description,
                            sizeof pm.description, false);
            st = render(dir, name, &pm, o.width, o.height, draw_one, &c, &o, err);
        }
        zone_view v = view_of(d, z);
        if (v.eta && (v.eta->status == FC_ETA_OK || v.eta->status == FC_ETA_BEYOND_HORIZON))
            adv[nadv++] = z;
    }
    if (st == FC_OK) {
        chart_arg c = {d, 0, adv, nadv};
        picture_meta pm = {"The zones with an advance: controlled share and projection", ""};
        snprintf(pm.description, sizeof pm.description, "%zu zones; %s over %d days", nadv,
                 fc_model_name(d->model), d->window_days);
        st = render(dir, "chart-advancing", &pm, o.width, o.height + 200, draw_multiples, &c, &o,
                    err);
    }
    if (st == FC_OK && d->table->ndates > 0) {
        chart_arg c = {d, 0, NULL, 0};
        picture_meta pm = {"Monthly area gained and lost", "The whole control layer"};
        st = render(dir, "gains", &pm, o.width, o.height, draw_gains, &c, &o, err);
    }
    if (st == FC_OK && d->control) {
        size_t ns = d->advance ? d->advance->nsteps : 0;
        GEOSGeometry **fronts = calloc(ns + 1, sizeof *fronts);
        for (size_t s = 0; fronts && s < ns && st == FC_OK; s++) {
            if (!d->advance->front_wkb[s])
                continue;
            GEOSGeometry *ll = GEOSGeomFromWKB_buf_r(w->geos, d->advance->front_wkb[s],
                                                     d->advance->front_size[s]);
            if (ll)
                st = fc_reproject(w, ll, "OGC:CRS84", d->zs->crs, &fronts[s], err);
            if (ll)
                GEOSGeom_destroy_r(w->geos, ll);
        }
        map_arg m = {w, d, fronts, NULL};
        char asof[11];
        fc_date_format(d->forecast->as_of, asof);
        picture_meta pm = {"Where the front is going", ""};
        snprintf(pm.description, sizeof pm.description,
                 "%s%s as of %s and the projected fronts, %s over %d days",
                 o.holder ? "Held by " : "Control", o.holder ? o.holder : "", asof,
                 fc_model_name(d->model), d->window_days);
        if (st == FC_OK)
            st = render(dir, "map", &pm, o.width, o.width * 3 / 4, draw_map, &m, &o, err);
        /* The same, zoomed on where the front is expected to move, where the
         * fronts of the steps are apart. */
        double box[4];
        if (st == FC_OK && active_box(d->advance, box)) {
            m.box = box;
            snprintf(pm.title, sizeof pm.title, "The active front, closer in");
            st = render(dir, "map-front", &pm, o.width, o.width * 3 / 4, draw_map, &m, &o, err);
        }
        for (size_t s = 0; fronts && s < ns; s++)
            if (fronts[s])
                GEOSGeom_destroy_r(w->geos, fronts[s]);
        free(fronts);
    }
    free(adv);
    return st;
}

/* ---- the animation ------------------------------------------------------ */

/* A palette for the frames: the pictures' own colours exactly, then a
 * 6 x 6 x 6 cube and greys for what antialiasing mixes of them. */
typedef struct gif_palette {
    GifColorType colours[256];
    uint8_t lut[1 << 15]; /* 5 bits of red, green, blue -> the nearest colour */
} gif_palette;

static void palette_init(gif_palette *p)
{
    static const rgb exact[] = {HEX(0xFFFFFF), HEX(0xEEEEEE), HEX(0x999999), HEX(0xD55E00),
                                HEX(0x000000), HEX(0x0072B2), HEX(0xE69F00)};
    int n = 0;
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        p->colours[n++] = (GifColorType){(GifByteType)lround(exact[i].r * 255),
                                         (GifByteType)lround(exact[i].g * 255),
                                         (GifByteType)lround(exact[i].b * 255)};
    for (int r = 0; r < 6; r++)
        for (int g = 0; g < 6; g++)
            for (int b = 0; b < 6; b++)
                p->colours[n++] = (GifColorType){(GifByteType)(r * 51), (GifByteType)(g * 51),
                                                 (GifByteType)(b * 51)};
    for (int k = 0; n < 256; k++, n++) {
        const GifByteType v = (GifByteType)(8 + k * 8);
        p->colours[n] = (GifColorType){v, v, v};
    }
    for (int c = 0; c < 1 << 15; c++) {
        const int r = (c >> 10 << 3) + 4, g = ((c >> 5 & 31) << 3) + 4, b = ((c & 31) << 3) + 4;
        int best = 0, dist = 1 << 30;
        for (int k = 0; k < 256; k++) {
            const int dr = r - p->colours[k].Red, dg = g - p->colours[k].Green,
                      db = b - p->colours[k].Blue, d = dr * dr + dg * dg + db * db;
            if (d < dist) {
                dist = d;
                best = k;
            }
        }
        p->lut[c] = (uint8_t)best;
    }
}

static int gif_write(GifFileType *gif, const GifByteType *data, int len)
{
    return (int)fwrite(data, 1, (size_t)len, gif->UserData);
}

/* One frame: the zones, the control area and its front line on date. */
static void draw_frame(cairo_t *cr, fc_worker *w, const fc_zoneset *zs, const fc_map_frame *f,
                       const GEOSGeometry *control, const GEOSGeometry *front, fc_day date,
                       const fc_plot_options *o, int wd, int ht)
{
    set(cr, C_WHITE, 1);
    cairo_paint(cr);
    draw_ground(cr, w, f, zs, control, 0.6);
    if (front) {
        set(cr, C_BLACK, 1);
        cairo_set_line_width(cr, 1.6);
        stroke_lines(cr, w, f, front);
    }
    char day[11], buf[400];
    fc_date_format(date, day);
    set(cr, C_BLACK, 1);
    if (o->holder)
        snprintf(buf, sizeof buf, "Held by %s, and the front line", o->holder);
    else
        snprintf(buf, sizeof buf, "The controlled area and the front line");
    text(cr, 16, 12, 13, true, 0, 0, buf);
    snprintf(buf, sizeof buf, "Data: %s", o->source);
    text(cr, 16, 30, 11, false, 0, 0, buf);
    text(cr, wd - 16, ht - 40, 28, true, 1, 1, day);
    set(cr, C_GREY, 1);
    snprintf(buf, sizeof buf, "%s. Made with frontcast.", o->zones_credit ? o->zones_credit : "");
    text(cr, 16, ht - 18, 8, false, 0, 0, buf);
    if (o->synthetic)
        stamp(cr, wd, ht);
}

/* ffmpeg on the PATH, in out; false when there is none. */
static bool find_ffmpeg(char *out, size_t size)
{
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        const size_t n = strcspn(p, ":");
        if (n > 0 && (size_t)snprintf(out, size, "%.*s/ffmpeg", (int)n, p) < size &&
            access(out, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

/* ffmpeg encoding the frames piped to it. */
typedef struct video {
    pid_t pid;
    FILE *in; /* raw frames; NULL: no video */
} video;

extern char **environ;

/* Starts ffmpeg encoding raw frames of wd x ht (cairo's RGB24: blue, green,
 * red, unused) at FC_ANIMATION_FPS into path: H.264 in yuv420p, which every
 * player and browser reads, its index first so that it plays while it
 * loads. Its messages go nowhere: the exit status says whether it worked.
 * 0, or why it could not start (an errno value). */
static int video_start(video *v, const char *ffmpeg, const char *path, int wd, int ht)
{
    char size[32], fps[16];
    snprintf(size, sizeof size, "%dx%d", wd, ht);
    snprintf(fps, sizeof fps, "%d", FC_ANIMATION_FPS);
    char *const argv[] = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                          "-f", "rawvideo", "-pix_fmt", "bgr0", "-s", size, "-r", fps,
                          "-i", "-", "-an", "-c:v", "libx264", "-preset", "veryfast",
                          "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4",
                          (char *)path, NULL};
    int fds[2];
    if (pipe(fds) != 0)
        return errno;
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        posix_spawn_file_actions_addclose(&fa, fds[1]);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        rc = posix_spawn(&v->pid, ffmpeg, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(fds[0]);
    if (rc == 0 && !(v->in = fdopen(fds[1], "w"))) {
        rc = errno;
        close(fds[1]);
        kill(v->pid, SIGTERM);
        waitpid(v->pid, NULL, 0);
        return rc;
    }
    if (rc != 0)
        close(fds[1]);
    return rc;
}

/* Ends the input and waits for ffmpeg: its exit status (0: the video is
 * written), or -1 when it could not be told or did not exit. */
static int video_end(video *v)
{
    if (!v->in)
        return -1;
    const bool written = fclose(v->in) == 0;
    v->in = NULL;
    int status;
    while (waitpid(v->pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!WIFEXITED(status))
        return -1;
    if (WEXITSTATUS(status))
        return WEXITSTATUS(status);
    return written ? 0 : -1;
}

/* One picture of the surface to the video, times times. */
static bool video_frame(video *v, cairo_surface_t *surf, int wd, int ht, int times)
{
    const unsigned char *px = cairo_image_surface_get_data(surf);
    const size_t stride = (size_t)cairo_image_surface_get_stride(surf);
    for (int k = 0; k < times; k++)
        for (int y = 0; y < ht; y++)
            if (fwrite(px + (size_t)y * stride, 4, (size_t)wd, v->in) != (size_t)wd)
                return false;
    return true;
}

fc_status fc_plot_animation(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                            const fc_plot_options *in, int every_days, const char *dir,
                            fc_animation *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    const size_t n = fc_series_count(series);
    if (n == 0)
        return fc_error_set(err, FC_ERR_EMPTY, "no snapshot to animate");
    char source[256];
    fc_plot_options o = fc_plot_options_for(series, in, source, sizeof source);
    if (o.synthetic)
        o.source = FC_SYNTHETIC_STAMP;
    const int wd = FC_ANIMATION_WIDTH, ht = FC_ANIMATION_HEIGHT;
    char path[1024];
    snprintf(path, sizeof path, "%s/" FC_ANIMATION_FILE, dir);
    gif_palette *pal = malloc(sizeof *pal);
    uint8_t *pixels = malloc((size_t)wd * (size_t)ht);
    fc_frontier *frontier = NULL;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, wd, ht);
    fc_status st = pal && pixels && cairo_surface_status(surf) == CAIRO_STATUS_SUCCESS
                       ? fc_ensure_dir(dir, err)
                       : fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_frontier_create(w, zs, FC_BORDER_TOLERANCE_M, 1, NULL, &frontier, err);
    fc_atomic a = {0}, va = {0};
    if (st == FC_OK)
        st = fc_atomic_begin(path, true, &a, err);
    /* The video, when ffmpeg is there: written beside the GIF's frames.
     * ffmpeg dying must not kill us through the pipe (SIGPIPE): a write
     * then fails, and its exit status says why. */
    char vpath[1024], ffmpeg[1024];
    snprintf(vpath, sizeof vpath, "%s/" FC_ANIMATION_VIDEO, dir);
    video v = {0};
    struct sigaction ignore = {.sa_handler = SIG_IGN}, was;
    const bool with_video = st == FC_OK && find_ffmpeg(ffmpeg, sizeof ffmpeg);
    if (with_video) {
        sigemptyset(&ignore.sa_mask);
        sigaction(SIGPIPE, &ignore, &was);
        st = fc_atomic_begin(vpath, false, &va, err);
        const int why = st == FC_OK ? video_start(&v, ffmpeg, va.tmp, wd, ht) : 0;
        if (why)
            st = fc_error_set(err, FC_ERR_IO, "%s: cannot start %s: %s", vpath, ffmpeg,
                              strerror(why));
    } else if (st == FC_OK && unlink(vpath) != 0 && errno != ENOENT) {
        st = fc_error_set(err, FC_ERR_IO, "%s: cannot remove the older video: %s", vpath,
                          strerror(errno));
    }
    GifFileType *gif = NULL;
    int gerr = 0;
    if (st == FC_OK) {
        palette_init(pal);
        gif = EGifOpen(a.f, gif_write, &gerr);
        if (gif) /* comments, delays and the loop are GIF89a's */
            EGifSetGifVersion(gif, true);
        ColorMapObject *map = gif ? GifMakeMapObject(256, pal->colours) : NULL;
        /* The whole animation loops (NETSCAPE2.0, 0: for ever). */
        static const GifByteType loop[] = {1, 0, 0};
        if (!map || EGifPutScreenDesc(gif, wd, ht, 8, 0, map) == GIF_ERROR ||
            EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
            EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
            EGifPutExtensionBlock(gif, 3, loop) == GIF_ERROR ||
            EGifPutExtensionTrailer(gif) == GIF_ERROR)
            st = fc_error_set(err, FC_ERR_IO, "%s: cannot write the GIF: %s", path,
                              GifErrorString(gif ? gif->Error : gerr));
        GifFreeMapObject(map);
    }
    cairo_t *cr = st == FC_OK ? cairo_create(surf) : NULL;
    const fc_map_frame f = fc_map_frame_for(w, zs, wd, ht, 96);
    /* Frame dates every every_days from the first snapshot, each showing the
     * last snapshot on or before it; the last snapshot closes the film. */
    const fc_day first = fc_series_date(series, 0), last = fc_series_date(series, n - 1);
    size_t i = 0;
    for (fc_day d = first; st == FC_OK; d += every_days) {
        const bool final = d >= last;
        if (final)
            d = last;
        while (i + 1 < n && fc_series_date(series, i + 1) <= d)
            i++;
        GEOSGeometry *control = NULL, *front = NULL;
        st = fc_series_read(series, i, w, zs->crs, NULL, &control, NULL, err);
        if (st == FC_OK)
            st = fc_front_line(w, frontier, control, FC_FRONT_MIN_LENGTH_M, &front, err);
        if (st == FC_OK) {
            draw_frame(cr, w, zs, &f, control, front, fc_series_date(series, i), &o, wd, ht);
            cairo_surface_flush(surf);
            const unsigned char *px = cairo_image_surface_get_data(surf);
            const int stride = cairo_image_surface_get_stride(surf);
            for (int y = 0; y < ht; y++)
                for (int x = 0; x < wd; x++) {
                    uint32_t v;
                    memcpy(&v, px + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
                    pixels[(size_t)y * (size_t)wd + (size_t)x] =
                        pal->lut[(v >> 19 & 31) << 10 | (v >> 11 & 31) << 5 | (v >> 3 & 31)];
                }
            /* Each frame says its date (a comment block), and shows for a
             * frame's time; the last for FC_ANIMATION_HOLD_S seconds. */
            char note[64], day[11];
            fc_date_format(fc_series_date(series, i), day);
            snprintf(note, sizeof note, "frontcast frame %s", day);
            GraphicsControlBlock gcb = {
                .DisposalMode = DISPOSAL_UNSPECIFIED, /* in hundredths of a second */
                .DelayTime = final ? 100 * FC_ANIMATION_HOLD_S : 100 / FC_ANIMATION_FPS,
                .TransparentColor = NO_TRANSPARENT_COLOR};
            GifByteType ext[4];
            EGifGCBToExtension(&gcb, ext);
            bool ok = EGifPutComment(gif, note) != GIF_ERROR &&
                      EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_ERROR &&
                      EGifPutImageDesc(gif, 0, 0, wd, ht, false, NULL) != GIF_ERROR;
            for (int y = 0; ok && y < ht; y++)
                ok = EGifPutLine(gif, pixels + (size_t)y * (size_t)wd, wd) != GIF_ERROR;
            if (!ok)
                st = fc_error_set(err, FC_ERR_IO, "%s: cannot write the GIF: %s", path,
                                  GifErrorString(gif->Error));
            else
                out->frames++;
            const int times = final ? FC_ANIMATION_HOLD_S * FC_ANIMATION_FPS : 1;
            if (st == FC_OK && v.in && !video_frame(&v, surf, wd, ht, times)) {
                const int code = video_end(&v);
                st = fc_error_set(err, FC_ERR_IO,
                                  "%s: ffmpeg stopped taking frames (exit status %d)", vpath,
                                  code);
            }
        }
        if (control)
            GEOSGeom_destroy_r(w->geos, control);
        if (front)
            GEOSGeom_destroy_r(w->geos, front);
        if (final)
            break;
    }
    if (gif && EGifCloseFile(gif, &gerr) == GIF_ERROR && st == FC_OK)
        st = fc_error_set(err, FC_ERR_IO, "%s: cannot write the GIF: %s", path,
                          GifErrorString(gerr));
    if (st == FC_OK)
        st = fc_atomic_commit(&a, err);
    if (v.in) {
        const int code = video_end(&v);
        if (st == FC_OK && code != 0)
            st = fc_error_set(err, FC_ERR_IO, "%s: ffmpeg failed (exit status %d)", vpath, code);
        if (st == FC_OK)
            st = fc_atomic_commit(&va, err);
        out->video = st == FC_OK;
    }
    fc_atomic_abort(&va);
    if (with_video)
        sigaction(SIGPIPE, &was, NULL);
    fc_atomic_abort(&a);
    if (cr)
        cairo_destroy(cr);
    cairo_surface_destroy(surf);
    fc_frontier_destroy(w, frontier);
    free(pixels);
    free(pal);
    return st;
}
