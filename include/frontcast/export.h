/*
 * Exporters: CSV with QGIS's .csvt, GeoJSON, GeoPackage/PostGIS layers
 * with their styles, rasters. Every file is written atomically (files.h).
 */
#ifndef FRONTCAST_EXPORT_H
#define FRONTCAST_EXPORT_H

#include <stdio.h>

#include "frontcast/areas.h"
#include "frontcast/files.h"
#include "frontcast/forecast.h"
#include "frontcast/places.h"
#include "frontcast/spatial.h"
#include "frontcast/vector.h"

/*
 * A CSV output with its QGIS .csvt sidecar (a.csv -> a.csvt), both written
 * atomically; or standard output (no sidecar) when path is NULL.
 */
typedef struct fc_csv {
    FILE *f;          /* write rows here */
    fc_atomic data, types;
} fc_csv;

/* Opens path (NULL or "-": stdout) and writes header (a line with its newline);
 * csvt is the sidecar's single line, e.g. "\"Date\",\"Real\"\n". */
fc_status fc_csv_open(fc_csv *c, const char *path, const char *header, const char *csvt,
                      fc_error *err);
/* fc_csv_open for rows with a zone's columns (fc_csv_zone) between lead and
 * rest: the header is lead, "zone_id,zone_name", a column per parent level
 * zs carries (fc_zone_parent_columns), then rest; the types likewise. lead
 * ends with its comma ("date,"), rest starts with one and ends the line. */
fc_status fc_csv_open_zoned(fc_csv *c, const char *path, const fc_zoneset *zs, const char *lead,
                            const char *lead_types, const char *rest, const char *rest_types,
                            fc_error *err);
/* Zone z's columns: id, name and its parent codes, no trailing comma. */
void fc_csv_zone(FILE *f, const fc_zoneset *zs, size_t z);
/* Finishes: sidecar first, then the CSV, renamed into place. */
fc_status fc_csv_commit(fc_csv *c, fc_error *err);
/* Drops a CSV that was not committed; safe after commit. */
void fc_csv_abort(fc_csv *c);
/* Writes s as one CSV field, quoted only when it must be (RFC 4180). */
void fc_csv_field(FILE *f, const char *s);
/* The `interval` column (fc_interval_label). */
void fc_csv_interval(FILE *f, size_t cal_n);

/*
 * Writes layers as one dataset through an OGR driver (e.g. "GeoJSON" for
 * one layer, "GPKG" for several). A file is written to a temporary name
 * and renamed when complete; path "-" writes to standard output. A
 * database target ("PG:dbname=... host=...", driver "PostgreSQL") must
 * exist: the rows of its tables of the same names are replaced in one
 * transaction, so a reader sees either the old rows or the new ones, and
 * what others built on those tables (views, grants, indexes) stays.
 */
fc_status fc_write_layers(const char *path, const char *driver, const fc_vector_layer *layers,
                          size_t nlayers, fc_error *err);

/* Writes one layer (see fc_write_layers). */
fc_status fc_write_vector(const char *path, const char *driver, const char *layer,
                          const char *const *lco, fc_geometry_kind geometry,
                          const fc_field *fields, int nfields, const fc_value *values,
                          unsigned char *const *wkb, const size_t *wkb_size, size_t nrows,
                          fc_error *err);

/* Whether path names a database connection rather than a file ("PG:..."). */
bool fc_is_database(const char *path);

/* Layer creation options for RFC 7946 GeoJSON (lon/lat WGS84,
 * counter-clockwise shells, no "crs" member). */
extern const char *const fc_geojson_lco[];

/*
 * Writes areas as CSV with the header
 *   date,zone_id,zone_name,controlled_km2,zone_km2,controlled_pct,gained_km2,lost_km2,
 *   border_km2
 * (controlled_pct of what is held: fc_held_m2) to path with a QGIS .csvt
 * sidecar (types Date, String, ..., Real), or to
 * standard output when path is NULL (no sidecar).
 */
fc_status fc_write_areas_csv(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                             fc_error *err);

/*
 * Writes areas as an RFC 7946 GeoJSON FeatureCollection through OGR: one
 * feature per CSV row, its geometry the controlled polygon (null when
 * none), date typed as a date. Needs a table computed with keep_geometry.
 * path "-" writes to standard output.
 */
fc_status fc_write_areas_geojson(const fc_area_table *t, const fc_zoneset *zs, const char *path,
                                 fc_error *err);

/*
 * Writes a forecast into folder dir (created if missing): projection.csv
 * (zone_id,zone_name,model,window_days,as_of,date,projected_km2,lo80_km2,
 * hi80_km2,lo95_km2,hi95_km2,projected_pct) and eta.csv (zone_id,zone_name,
 * model,window_days,as_of,controlled_pct,pace_km2_per_day,threshold_pct,eta,
 * eta_lo80,eta_hi80,status), each with a .csvt sidecar.
 */
fc_status fc_write_forecast(const fc_forecast *f, const fc_zoneset *zs, const char *dir,
                            fc_error *err);

/* Writes backtest.csv rows (zone_id,model,window_days,horizon_days,n,
 * mae_km2,rmse_km2,bias_km2,coverage80,coverage95,skill_vs_naive) to path
 * (NULL: stdout). */
fc_status fc_write_backtest(const fc_backtest *b, const char *path, fc_error *err);

/* Writes dir/frontline.geojson (date, length_km, shift_mean_km,
 * shift_p90_km; MultiLineStrings) and dir/frontline.csv (+.csvt):
 * date,length_km,shift_mean_km,shift_p90_km. */
fc_status fc_write_frontlines(const fc_frontlines *f, const char *dir, fc_error *err);

/* Which files an output folder gets (a bit set), and their names. */
enum { FC_OUT_CSV = 1, FC_OUT_GEOJSON = 2, FC_OUT_GPKG = 4 };
#define FC_OUT_NFORMATS 3
typedef struct fc_out_format {
    const char *name; /* "csv", "geojson", "gpkg" */
    unsigned bit;
} fc_out_format;
extern const fc_out_format fc_out_formats[FC_OUT_NFORMATS];
/* "csv,gpkg" (any case) -> FC_OUT_CSV | FC_OUT_GPKG; false on an unknown
 * or empty name. */
bool fc_out_formats_parse(const char *list, unsigned *out);

/*
 * Writes the outputs of frontcast advance into dir: arrival.tif (Float32
 * days after as-of, NoData -9999 where held or not reached within
 * horizon_days); with FC_OUT_GEOJSON in formats projected-control.geojson
 * and projected-front.geojson (valid_from/valid_to dates per step); with
 * FC_OUT_CSV places.csv and calibration.csv (each with a .csvt). model and
 * window_days label the features.
 */
fc_status fc_write_advance(const fc_advance *a, const fc_zoneset *zs, const char *dir,
                           int horizon_days, const char *model, int window_days,
                           unsigned formats, fc_error *err);

/* Writes the spatial backtest: model,horizon_days,n,precision,recall,iou
 * (+.csvt) to path (NULL: stdout). */
fc_status fc_write_spatial_backtest(const fc_spatial_score *s, size_t n, const char *path,
                                    fc_error *err);
/* The places backtest (fc_places_backtest) as CSV, with a .csvt: coverage80
 * = covered80 / captured, empty when nothing was captured; calibrated: the
 * candidates whose bounds were calibrated on places. */
fc_status fc_write_places_backtest(const fc_place_score *s, size_t n, const char *path,
                                   fc_error *err);

/* The observed timeline of places into dir: places-timeline.csv (with its
 * .csvt; held_now as true/false, lon, lat) with FC_OUT_CSV in formats, and
 * places-timeline.geojson (points, dates typed as dates) with
 * FC_OUT_GEOJSON; each written atomically. */
fc_status fc_write_places_timeline(const fc_places *places, const fc_place_history *hist,
                                   const char *dir, unsigned formats, fc_error *err);

/* What one GeoPackage or PostGIS database receives; any part may be NULL. */
typedef struct fc_map_layers {
    const fc_zoneset *zones;       /* layer zones (needs the zones' geometry) */
    const fc_area_table *observed; /* control: per zone and date (computed with
                                      keep_geometry), valid_from/valid_to */
    const fc_frontlines *fronts;   /* front_line: per date */
    const fc_advance *advance;     /* projected_control, projected_front, places */
    const char *model;             /* the rate model and window the projections follow */
    int window_days;
    const fc_places *places;       /* places_observed, with ... */
    const fc_place_history *places_history; /* ... their timeline */
    /* A GeoPackage file written before, by the same zones and options
     * (the pipeline knows when: fc_run), updated rather than written
     * whole: its control and front_line rows dated update_from or later
     * replaced by those of observed and fronts dated so (the only ones
     * they need to hold), the other layers' rows all replaced. */
    bool update;
    fc_day update_from;
} fc_map_layers;

/*
 * Writes the layers of m, dates typed as dates, with a QGIS style for each
 * in the layer_styles table (the default style QGIS applies when the layer
 * is opened: observed control in red shades by share held, projections
 * hatched by days ahead, front lines bold; observed and projected layers
 * set up for QGIS's Temporal Controller from valid_from/valid_to). To a
 * GeoPackage file at path (atomically; updated when m->update), or to a
 * PostGIS database when path is "PG:..." (the tables' rows replaced in one
 * transaction).
 */
fc_status fc_write_map_layers(const fc_map_layers *m, const char *path, fc_error *err);

#endif
