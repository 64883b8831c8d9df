/*
 * Pictures: advance charts per zone, small multiples, monthly gains and
 * losses, and a map of where the front is going; PNG and SVG through cairo.
 *
 * Colours are the Okabe-Ito palette, which stays distinct for the common
 * colour-vision deficiencies; text is DejaVu Sans (Debian fonts-dejavu-core).
 */
#ifndef FRONTCAST_PLOT_H
#define FRONTCAST_PLOT_H

#include "frontcast/forecast.h"
#include "frontcast/places.h"
#include "frontcast/spatial.h"

typedef struct fc_plot_options {
    int width, height;       /* pixels at 96 dpi; default 1200 x 700 (map 1200 x 900) */
    double dpi;              /* scales every length; default 96 */
    const char *source;      /* names the control data in titles, e.g. "DeepStateMap" */
    const char *zones_credit; /* the map's credit line for the zones, e.g.
                                 a bundled set's (fc_zone_set); NULL: none */
    bool all_charts;         /* a chart for every zone, not only those that moved */
    const char *holder;      /* who holds the mapped area, for the map's legend
                                ("held by Russian forces"); NULL: "controlled" */
    bool synthetic;          /* the synthetic demo series (fc_series_synthetic):
                                every picture then carries FC_SYNTHETIC_STAMP across
                                it and in its title, and the map's place dates are
                                marked fictional, so that none passes for real */
} fc_plot_options;

#define FC_SYNTHETIC_STAMP "SYNTHETIC DEMO DATA \u2014 not a real front"

/* po as pictures of series need it: where po leaves them NULL, the source
 * named after the series (fc_series_source_name, into buf) and the holder
 * from it (fc_series_holder); synthetic set for the demo series. */
fc_plot_options fc_plot_options_for(const fc_series *series, const fc_plot_options *po,
                                    char *buf, size_t size);

/* What the pictures show. forecast holds the chosen model and window. */
typedef struct fc_plot_data {
    const fc_zoneset *zs;          /* with geometry for the map */
    const fc_area_table *table;
    const fc_forecast *forecast;   /* one model and window; ETAs for threshold 100 */
    fc_model model;
    int window_days;
    const GEOSGeometry *control;   /* at as-of, working CRS; NULL: no map */
    const fc_advance *advance;     /* projected fronts and places; may be NULL */
} fc_plot_data;

/* A zone's ETA as the pictures and the report say it, e.g. "Donetsk: 100%
 * at this pace by 2027-12 (80%: 2027-02 ... after ten years)"; short_form:
 * "Donetsk: 100% by 2027-12". e NULL: the name alone. Into buf. */
void fc_eta_sentence(const char *zone_name, const fc_eta_row *e, char *buf, size_t n,
                     bool short_form);

/* A zone gets a chart of its own when its controlled area moved by at least
 * this much over the series (largest minus smallest): a quiet zone's chart
 * is a flat line, and raions or hromadas would give hundreds of them. */
#define FC_PLOT_MIN_CHANGE_KM2 1.0

/* Writes chart-<zone_id>.png/.svg for every zone that moved (above), chart-advancing.png/.svg
 * (small multiples of the zones with an advance), gains.png/.svg and,
 * with data->control, map.png/.svg into dir (created if missing). */
fc_status fc_plot_all(fc_worker *w, const fc_plot_data *data, const fc_plot_options *opts,
                      const char *dir, fc_error *err);

/* Where a chart puts a day and a percentage (pixels, for tests). */
typedef struct fc_chart_frame {
    double x0, x1, y0, y1;  /* plot area in pixels (y0 top) */
    fc_day d0, d1;          /* dates at x0 and x1 */
    double p0, p1, step;    /* percentages at y1 and y0, and between ticks: the
                               zone's range (observed and bands) with a margin,
                               up to 100 when that is within reach */
} fc_chart_frame;
fc_chart_frame fc_chart_frame_for(const fc_plot_data *data, size_t zone, int width, int height,
                                  double dpi);
void fc_chart_xy(const fc_chart_frame *f, fc_day day, double pct, double *px, double *py);

/* Where the map puts a working-CRS point (pixels, for tests). */
typedef struct fc_map_frame {
    double scale, ox, oy;   /* px = ox + x * scale, py = oy - y * scale */
} fc_map_frame;
/* The animation of the front: FC_ANIMATION_FILE in the output folder, one
 * frame of FC_ANIMATION_WIDTH x FC_ANIMATION_HEIGHT pixels per step,
 * FC_ANIMATION_FPS a second, the last held FC_ANIMATION_HOLD_S seconds; and
 * the same as FC_ANIMATION_VIDEO (H.264) when ffmpeg is on the PATH. */
#define FC_ANIMATION_FILE "front.gif"
#define FC_ANIMATION_VIDEO "front.mp4"
#define FC_ANIMATION_WIDTH 800
#define FC_ANIMATION_HEIGHT 600
#define FC_ANIMATION_FPS 5
#define FC_ANIMATION_HOLD_S 3
#define FC_DEFAULT_ANIMATION_EVERY_DAYS 7

/* What fc_plot_animation wrote. */
typedef struct fc_animation {
    size_t frames; /* pictures (the GIF's frames; the video holds the last longer) */
    bool video;    /* FC_ANIMATION_VIDEO too: ffmpeg was on the PATH */
} fc_animation;

/*
 * Writes dir/FC_ANIMATION_FILE (atomically): a looping GIF with a frame per
 * every_days from the first snapshot (each the last snapshot on or before
 * its date; the last snapshot closes it, held for FC_ANIMATION_HOLD_S
 * seconds), showing the zones, the control area and its front line, the
 * snapshot's date (on the picture, and in a comment block "frontcast frame
 * YYYY-MM-DD" before the frame), the source and credits
 * (fc_plot_options_for: from the series where o leaves them NULL); the
 * demo's stamp on the demo series. With ffmpeg on the PATH, the same
 * frames as dir/FC_ANIMATION_VIDEO (atomically; ffmpeg failing is an
 * error); without, an FC_ANIMATION_VIDEO left by an earlier run is
 * removed, so that it never shows an older series than the GIF.
 */
fc_status fc_plot_animation(fc_worker *w, const fc_zoneset *zs, const fc_series *series,
                            const fc_plot_options *o, int every_days, const char *dir,
                            fc_animation *out, fc_error *err);

/* What the run's report page shows (fc_write_report). */
typedef struct fc_report_data {
    const fc_plot_data *plot;          /* zones, areas, the forecast's model and window, advance */
    const fc_plot_options *opts;       /* source, credits, synthetic */
    const fc_places *places;           /* with history[i] for places->p[i]; may be NULL */
    const fc_place_history *history;
    fc_day today;                      /* for the data's age; FC_NO_DAY: not said */
    const char *pictures;              /* the folder fc_plot_all wrote into, whose PNGs are
                                          embedded; NULL: none */
} fc_report_data;

/* The report's file name in run's output folder. */
#define FC_REPORT_FILE "index.html"

/* Maximum of zone charts a report embeds (the advancing zones, soonest ETA first). */
#define FC_REPORT_MAX_CHARTS 12

/*
 * Writes one self-contained HTML page (pictures inline, no script, nothing
 * fetched): the as-of date and the data's age, what the last snapshot
 * changed (km2 per zone, places newly held), the headline and ETA table
 * with the intervals' measured coverage, the pictures, the places
 * projected and observed, the method and the credits. Readable on a phone,
 * printable. Written atomically.
 */
fc_status fc_write_report(const fc_report_data *r, const char *path, fc_error *err);

/* A label on the map: a place's (beside its marker) or a zone's (centred on
 * a point inside it), in pixels. */
typedef struct fc_label {
    char text[160];
    double ax, ay;     /* the anchor: the place, or a point inside the zone */
    double w, h;       /* the text's box */
    double size;       /* font size */
    bool bold, point;  /* point: a place, with a marker at the anchor */
    double priority;   /* higher first */
    bool placed;       /* out: false when it fitted nowhere (then not drawn) */
    double x, y;       /* out: the box's top-left corner */
} fc_label;

/*
 * Places labels greedily, highest priority first: a place's label tries
 * right of its marker, then left, above and below; a zone's centred on its
 * anchor, then a line above or below. A position is taken when its box
 * (with a pixel's margin) overlaps no label placed before, no place's
 * marker but its own, no obstacle ({x0, y0, x1, y1}), and lies inside
 * frame; a label that fits nowhere is dropped (placed = false).
 */
void fc_place_labels(fc_label *labels, size_t n, const double frame[4],
                     const double (*obstacles)[4], size_t nobstacles);

/* The map's labels as fc_plot_all draws them (places and zones, placed for
 * a width x height map): *out newly allocated (free()), *n of them. */
fc_status fc_map_labels(fc_worker *w, const fc_plot_data *data, const fc_plot_options *opts,
                        int width, int height, fc_label **out, size_t *n, fc_error *err);

fc_map_frame fc_map_frame_for(fc_worker *w, const fc_zoneset *zs, int width, int height,
                              double dpi);

/*
 * Thins a line or ring for drawing (Douglas-Peucker): of its n vertices
 * xy (device pixels), keeps the first, the last and those that the line
 * through the kept ones would otherwise pass further than tol from, moved
 * to the front of xy in order; returns how many. At a quarter of a pixel
 * (FC_THIN_PX) the picture is the same with a small part of a
 * full-resolution outline's vertices (QGIS simplifies on the fly alike,
 * at a pixel). Out of memory, nothing is dropped.
 */
#define FC_THIN_PX 0.25
size_t fc_thin_line(double *xy, size_t n, double tol);

#endif
