/* The run's report page: one self-contained HTML file a person opens after
 * a cron run, on a phone or on paper. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/export.h"
#include "frontcast/plot.h"
#include "plot/markup.h"

void fc_markup_text(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

static void day(FILE *f, fc_day d)
{
    char buf[11];
    if (d == FC_NO_DAY) {
        fputs("&ndash;", f);
        return;
    }
    fc_date_format(d, buf);
    fputs(buf, f);
}

/* The cells of a date with its 80 % interval and how that was made:
 * "<td>date</td><td>lo … hi</td><td>label</td>"; none says where the
 * search for a date ended when there is no bound at all. */
static void date_cells(FILE *f, fc_day d, fc_day lo, fc_day hi, const char *label,
                       const char *none)
{
    fputs("<td>", f);
    day(f, d);
    fputs("</td><td>", f);
    if (lo == FC_NO_DAY && hi == FC_NO_DAY) {
        fputs(none, f);
    } else {
        day(f, lo);
        fputs(" &hellip; ", f);
        if (hi == FC_NO_DAY)
            fputs("later", f);
        else
            day(f, hi);
    }
    fputs("</td><td>", f);
    fc_markup_text(f, label);
    fputs("</td>", f);
}

/* dir/name as an <img> with its bytes inline (base64), if the file is there. */
static void picture(FILE *out, const char *dir, const char *name, const char *alt)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *path = dir ? fc_path_join(dir, name) : NULL;
    FILE *f = path ? fopen(path, "rb") : NULL;
    free(path);
    if (!f)
        return;
    fputs("<figure><img alt=\"", out);
    fc_markup_text(out, alt);
    fputs("\" src=\"data:image/png;base64,", out);
    unsigned char in[3 * 1024];
    size_t n;
    while ((n = fread(in, 1, sizeof in, f)) > 0)
        for (size_t i = 0; i < n; i += 3) {
            const unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                               (i + 2 < n ? in[i + 2] : 0);
            fputc(b64[v >> 18 & 63], out);
            fputc(b64[v >> 12 & 63], out);
            fputc(i + 1 < n ? b64[v >> 6 & 63] : '=', out);
            fputc(i + 2 < n ? b64[v & 63] : '=', out);
        }
    fclose(f); /* read only: a short read shows as a broken picture, not a lie */
    fputs("\"></figure>\n", out);
}

static const char style[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:60rem;margin:0 auto;padding:0 "
    "1rem;line-height:1.45;color:#111}"
    "h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px "
    "solid #ccc}"
    ".meta{color:#444}.synthetic{background:#111;color:#fff;padding:.6rem;font-weight:bold;"
    "font-size:1.2rem;text-align:center}"
    ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}"
    "th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;white-space:nowrap}"
    "td.n{text-align:right}figure{margin:1rem 0}img{max-width:100%;height:auto}"
    "ul.headlines li{margin:.3rem 0}"
    "@media print{body{max-width:none}h2{break-after:avoid}figure,table{break-inside:avoid}"
    ".scroll{overflow:visible}}";

typedef struct eta_ref {
    const fc_eta_row *e;
} eta_ref;

static int by_eta(const void *a, const void *b)
{
    const fc_eta_row *p = ((const eta_ref *)a)->e, *q = ((const eta_ref *)b)->e;
    const fc_day x = p->eta == FC_NO_DAY ? INT32_MAX : p->eta, y = q->eta == FC_NO_DAY ? INT32_MAX : q->eta;
    if (x != y)
        return x < y ? -1 : 1;
    return (p->zone > q->zone) - (p->zone < q->zone);
}

/* The advancing zones' ETA rows of the report's model and window at the
 * 100 % threshold, soonest first, into refs; returns the count. */
static size_t advancing(const fc_plot_data *d, eta_ref *refs)
{
    size_t n = 0;
    for (size_t i = 0; i < d->forecast->neta; i++) {
        const fc_eta_row *e = &d->forecast->eta[i];
        if (e->model == d->model && e->window_days == d->window_days && e->threshold_pct == 100 &&
            (e->status == FC_ETA_OK || e->status == FC_ETA_BEYOND_HORIZON))
            refs[n++] = (eta_ref){e};
    }
    qsort(refs, n, sizeof *refs, by_eta);
    return n;
}

static void what_changed(FILE *f, const fc_report_data *r)
{
    const fc_plot_data *d = r->plot;
    const fc_area_table *t = d->table;
    const size_t last = t->ndates - 1;
    fputs("<h2>What the last snapshot changed</h2>\n", f);
    if (t->ndates < 2) {
        fputs("<p>One snapshot: nothing to compare.</p>\n", f);
        return;
    }
    fputs("<p>", f);
    day(f, t->dates[last]);
    fputs(" against ", f);
    day(f, t->dates[last - 1]);
    const fc_measure *all = fc_area_row(t, last, t->nzones);
    if (!isnan(all->gained_m2))
        fprintf(f, ": the whole control layer gained %.2f km&sup2; and lost %.2f km&sup2;.",
                all->gained_m2 / 1e6, all->lost_m2 / 1e6);
    fputs("</p>\n", f);
    size_t shown = 0;
    for (size_t z = 0; z < t->nzones; z++) {
        const fc_measure *m = fc_area_row(t, last, z);
        if (isnan(m->gained_m2) || (m->gained_m2 < 5e3 && m->lost_m2 < 5e3)) /* 0.005 km2 */
            continue;
        if (!shown++)
            fputs("<div class=\"scroll\"><table><tr><th>zone</th><th>gained km&sup2;</th>"
                  "<th>lost km&sup2;</th><th>controlled</th></tr>\n",
                  f);
        fputs("<tr><td>", f);
        fc_markup_text(f, fc_zone_name(d->zs, z));
        fprintf(f, "</td><td class=\"n\">%.2f</td><td class=\"n\">%.2f</td><td class=\"n\">%.2f %%</td></tr>\n",
                m->gained_m2 / 1e6, m->lost_m2 / 1e6,
                100 * fc_held_m2(t, last, z) / fc_zone_area_m2(d->zs, z));
    }
    if (shown)
        fputs("</table></div>\n", f);
    else
        fputs("<p>No zone gained or lost more than 0.005 km&sup2;.</p>\n", f);
    size_t newly = 0;
    for (size_t i = 0; r->places && r->history && i < r->places->n; i++)
        if (r->history[i].first_held == t->dates[last]) {
            fputs(newly++ ? ", " : "<p>Places held for the first time: ", f);
            fc_markup_text(f, r->places->p[i].name);
        }
    fputs(newly ? ".</p>\n" : "<p>No place was held for the first time.</p>\n", f);
}

static void eta_table(FILE *f, const fc_report_data *r, const eta_ref *refs, size_t n)
{
    const fc_plot_data *d = r->plot;
    fputs("<h2>At the current pace</h2>\n", f);
    if (!n) {
        fputs("<p>No zone is advancing at this pace.</p>\n", f);
        return;
    }
    fputs("<ul class=\"headlines\">\n", f);
    for (size_t i = 0; i < n; i++) {
        char buf[320];
        fc_eta_sentence(fc_zone_name(d->zs, refs[i].e->zone), refs[i].e, buf, sizeof buf, false);
        fputs("<li><strong>", f);
        fc_markup_text(f, buf);
        fputs("</strong></li>\n", f);
    }
    fputs("</ul>\n", f);
    const fc_interval_report *rep = fc_forecast_report(d->forecast, d->model, d->window_days);
    if (rep && rep->past.n)
        fprintf(f, "<p>The 80 %% and 95 %% intervals are calibrated on this model's past forecasts "
                   "(rolling origins, each using only what was known at its date): on %zu of them "
                   "they contained the outcome %.0f %% and %.0f %% of the time.</p>\n",
                rep->past.n, 100 * rep->past.coverage80, 100 * rep->past.coverage95);
    else
        fputs("<p>The intervals are the model's own: too few past forecasts to check them.</p>\n", f);
    fputs("<div class=\"scroll\"><table><tr><th>zone</th><th>controlled</th><th>pace km&sup2;/day</th>"
          "<th>100 % by</th><th>80 % interval</th><th>interval</th></tr>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const fc_eta_row *e = refs[i].e;
        char label[FC_INTERVAL_LABEL];
        fputs("<tr><td>", f);
        fc_markup_text(f, fc_zone_name(d->zs, e->zone));
        fprintf(f, "</td><td class=\"n\">%.2f %%</td><td class=\"n\">%.2f</td>", e->controlled_pct,
                e->pace_km2_per_day);
        date_cells(f, e->eta, e->eta_lo80, e->eta_hi80, fc_interval_label(e->cal_n, label),
                   "not within ten years");
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

static void places_sections(FILE *f, const fc_report_data *r)
{
    const fc_advance *a = r->plot->advance;
    size_t n = 0;
    for (size_t i = 0; a && i < a->nplaces; i++) {
        const fc_place_row *p = &a->places[i];
        if (p->arrival == FC_NO_DAY)
            continue;
        if (!n++)
            fputs("<h2>Places the front would reach within the horizon</h2>\n<div class=\"scroll\">"
                  "<table><tr><th>place</th><th>population</th><th>zone</th><th>km to the front</th>"
                  "<th>reached by</th><th>80 % interval</th><th>interval</th></tr>\n",
                  f);
        fputs("<tr><td>", f);
        fc_markup_text(f, p->name);
        fprintf(f, "%s</td><td class=\"n\">%.0f</td><td>", r->opts->synthetic ? " (fictional)" : "",
                isnan(p->population) ? 0 : p->population);
        fc_markup_text(f, p->zone_id ? p->zone_id : "");
        fprintf(f, "</td><td class=\"n\">%.1f</td>", p->distance_km);
        date_cells(f, p->arrival, p->arrival_lo80, p->arrival_hi80, p->interval,
                   "beyond the horizon");
        fputs("</tr>\n", f);
    }
    if (n)
        fputs("</table></div>\n", f);
    /* Observed: the places held at some time, latest first. */
    size_t *held = NULL, nh = 0;
    if (r->places && r->history)
        held = malloc((r->places->n + 1) * sizeof *held);
    for (size_t i = 0; held && i < r->places->n; i++)
        if (r->history[i].first_held != FC_NO_DAY)
            held[nh++] = i;
    for (size_t i = 1; i < nh; i++) /* insertion sort: a few hundred places */
        for (size_t k = i; k > 0 && r->history[held[k]].first_held > r->history[held[k - 1]].first_held; k--) {
            size_t tmp = held[k];
            held[k] = held[k - 1];
            held[k - 1] = tmp;
        }
    if (nh) {
        fputs("<h2>Places held during the series</h2>\n<div class=\"scroll\"><table><tr><th>place</th>"
              "<th>zone</th><th>first held</th><th>last seen free</th><th>held now</th></tr>\n",
              f);
        for (size_t k = 0; k < nh && k < 30; k++) {
            const fc_place_history *h = &r->history[held[k]];
            fputs("<tr><td>", f);
            fc_markup_text(f, r->places->p[held[k]].name);
            fputs("</td><td>", f);
            fc_markup_text(f, h->zone_id ? h->zone_id : "");
            fputs("</td><td>", f);
            day(f, h->first_held);
            fputs("</td><td>", f);
            day(f, h->last_free);
            fprintf(f, "</td><td>%s</td></tr>\n", h->held_now ? "yes" : "no");
        }
        fputs("</table></div>\n", f);
        if (nh > 30)
            fprintf(f, "<p>And %zu more (places-timeline.csv).</p>\n", nh - 30);
    }
    free(held);
}

fc_status fc_write_report(const fc_report_data *r, const char *path, fc_error *err)
{
    const fc_plot_data *d = r->plot;
    const fc_area_table *t = d->table;
    if (t->ndates == 0)
        return fc_error_set(err, FC_ERR_EMPTY, "%s: no snapshots to report on", path);
    eta_ref *refs = malloc((d->forecast->neta + 1) * sizeof *refs);
    if (!refs)
        return fc_error_set(err, FC_ERR_NOMEM, "out of memory");
    const size_t nadv = advancing(d, refs);
    fc_atomic a;
    fc_status st = fc_atomic_begin(path, true, &a, err);
    if (st != FC_OK) {
        free(refs);
        return st;
    }
    FILE *f = a.f;
    const char *source = r->opts->synthetic ? FC_SYNTHETIC_STAMP : r->opts->source;
    const fc_day newest = t->dates[t->ndates - 1];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>frontcast: ",
          f);
    fc_markup_text(f, source);
    fputs(", as of ", f);
    day(f, d->forecast->as_of);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n", style);
    if (r->opts->synthetic)
        fputs("<p class=\"synthetic\">" FC_SYNTHETIC_STAMP ": the bundled demo series, invented to "
              "show the outputs. Nothing on this page is a real front.</p>\n",
              f);
    fputs("<h1>Where the front is going</h1>\n<p class=\"meta\">Data: ", f);
    fc_markup_text(f, source);
    fputs(". As of <strong id=\"as-of\">", f);
    day(f, d->forecast->as_of);
    fputs("</strong>; newest snapshot ", f);
    day(f, newest);
    if (r->today != FC_NO_DAY) {
        fprintf(f, " (%d days old when this page was made, on ", (int)(r->today - newest));
        day(f, r->today);
        fputs(")", f);
    }
    fprintf(f, "; %zu snapshots from ", t->ndates);
    day(f, t->dates[0]);
    fprintf(f, ". Projection: %s over %d days.</p>\n", fc_model_name(d->model), d->window_days);
    eta_table(f, r, refs, nadv);
    what_changed(f, r);
    fputs("<h2>Pictures</h2>\n", f);
    picture(f, r->pictures, "map.png", "Map: the control area and the projected fronts");
    picture(f, r->pictures, "map-front.png", "The active front, closer in");
    picture(f, r->pictures, "chart-advancing.png", "The advancing zones' controlled share");
    for (size_t i = 0; i < nadv && i < FC_REPORT_MAX_CHARTS; i++) {
        char name[128], alt[256];
        snprintf(name, sizeof name, "chart-%s.png", fc_zone_id(d->zs, refs[i].e->zone));
        fc_eta_sentence(fc_zone_name(d->zs, refs[i].e->zone), refs[i].e, alt, sizeof alt, false);
        picture(f, r->pictures, name, alt);
    }
    picture(f, r->pictures, "gains.png", "Monthly area gained and lost");
    places_sections(f, r);
    fputs("<h2>Method and credits</h2>\n<p>Areas are measured on the WGS84 ellipsoid (an "
          "equal-area projection centred on the zones), never in degrees; invalid polygons are "
          "repaired, not dropped. A zone's date is when its controlled area would reach 100 % if "
          "it kept growing at the pace of the window; the intervals are widened or narrowed by "
          "how far such forecasts missed in the past, using at each date only what was known "
          "then. It is a projection of a pace, not a prediction of events.</p>\n<p>Control: ",
          f);
    fc_markup_text(f, source);
    fputs(". ", f);
    fc_markup_text(f, r->opts->zones_credit ? r->opts->zones_credit : "");
    fprintf(f, ". Places: GeoNames (CC BY 4.0). Made with frontcast %s.</p>\n</body></html>\n",
            fc_version());
    free(refs);
    st = fc_atomic_commit(&a, err);
    fc_atomic_abort(&a);
    return st;
}
