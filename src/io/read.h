/* Reading polygon layers (internal to the io module). */
#ifndef FRONTCAST_IO_READ_H
#define FRONTCAST_IO_READ_H

#include <stdbool.h>

#include "frontcast/geodesy.h"
#include "frontcast/load.h"
#include "frontcast/overlay.h"

/* One feature as read, in the layer's own CRS. */
typedef struct fc_feature {
    long fid;            /* feature id, or index in the file when it has none */
    GEOSGeometry *geom;  /* polygonal, owned; NULL when skipped */
    char *skip_reason;   /* why geom is NULL, owned; NULL when kept */
    char **values;       /* attribute values as text (NULL = null), owned */
} fc_feature;

/* A layer's features, polygons only, plus its CRS and field names. */
typedef struct fc_layer {
    char *crs;           /* PROJ-usable source CRS definition; NULL if none */
    char **fields;       /* nfields names */
    int nfields;
    fc_feature *features;
    size_t n;
} fc_layer;

/* Releases everything inside layer (not layer itself). */
void fc_layer_clear(fc_worker *w, fc_layer *layer);

/*
 * Reads the polygons (and, when with_attributes, the attribute values) of
 * layer layer_name (NULL: the first) of any OGR source, through the OGR
 * plug-in (ogr_module.h). Fills *out; on error *out is left empty.
 */
fc_status fc_ogr_read(fc_worker *w, const char *path, const char *layer_name,
                      bool with_attributes, fc_layer *out, fc_error *err);

/* Whether fc_gdal_options set open options (the fast GeoJSON reader then
 * steps aside). */
bool fc_ogr_has_open_options(void);

/* Whether a GDAL virtual path is a folder (a zip archive, or a folder in
 * one) and, when it is, the names in it (*names newly allocated: free
 * each, then it). */
fc_status fc_vsi_list_dir(const char *path, bool *is_dir, char ***names, int *n, fc_error *err);

/* Names of all layers of an OGR source. *names newly allocated, free each
 * and the array. */
fc_status fc_ogr_layer_names(const char *path, char ***names, int *n, fc_error *err);

/*
 * Fast reader for GeoJSON in lon/lat (RFC 7946, or an explicit CRS84 or
 * EPSG:4326 "crs" member): a streaming scanner reads FeatureCollections of
 * (Multi)Polygons in standard JSON straight into coordinate arrays, and
 * json-c reads whatever the scanner does not vouch for (other geometries,
 * JSON extensions, every malformed document and its error message), so
 * both give one result. Many times quicker than the generic driver on
 * daily snapshots, and it needs no GDAL start-up. With with_attributes,
 * properties are read as text like fc_ogr_read does. Sets *handled false,
 * without error, when the file declares another CRS, so that the caller
 * falls back to OGR. *out is filled with owned memory (fc_layer_clear).
 */
fc_status fc_geojson_read(fc_worker *w, const char *path, bool with_attributes, fc_layer *out,
                          bool *handled, fc_error *err);

/* The same from text in memory; name labels messages. */
fc_status fc_geojson_parse(fc_worker *w, const char *name, const char *text, size_t len,
                           bool with_attributes, fc_layer *out, bool *handled, fc_error *err);

/* The two ways, for the tests and the fuzz target that check they read
 * alike. fc_geojson_scan is the streaming pass alone: true when it vouches
 * for the document (result in *st, *out, *handled), false, *out empty, when
 * it leaves it to json-c; fc_geojson_parse_json_c is json-c alone. */
bool fc_geojson_scan(fc_worker *w, const char *name, const char *text, size_t len,
                     bool with_attributes, fc_layer *out, bool *handled, fc_status *st,
                     fc_error *err);
fc_status fc_geojson_parse_json_c(fc_worker *w, const char *name, const char *text, size_t len,
                                  bool with_attributes, fc_layer *out, bool *handled,
                                  fc_error *err);

/* True when path names a GeoJSON file (.geojson or .json). */
bool fc_is_geojson_path(const char *path);

/*
 * Reads a polygon layer, through the fast GeoJSON reader where it applies
 * (a GeoJSON file, no layer name) and OGR otherwise.
 */
fc_status fc_read_layer(fc_worker *w, const char *path, const char *layer_name,
                        bool with_attributes, fc_layer *out, fc_error *err);

/*
 * Turns a layer's polygons into one valid (Multi)Polygon in dst_crs:
 * checks that geographic coordinates are in range (the usual sign of a
 * wrong CRS), reprojects, repairs invalid features (each reported through
 * diag), skips the skipped ones with a warning, and unions the features
 * when there are several. layer is not modified. *out is newly
 * allocated; it is an empty MultiPolygon when no feature has a polygon.
 * repaired counts the repaired features.
 */
fc_status fc_layer_dissolve(fc_worker *w, const char *path, const fc_layer *layer,
                            const char *dst_crs,
                            const fc_diag *diag, GEOSGeometry **out, int *repaired,
                            double *repair_seconds, fc_error *err);

/*
 * Reprojects in (not consumed) from src_crs to dst_crs and repairs the
 * result; *out is newly allocated. Reports a repair through diag, naming
 * path and label (e.g. "feature 3").
 */
fc_status fc_feature_prepare(fc_worker *w, const char *path, const char *label,
                             const char *src_crs, bool geographic, const char *dst_crs,
                             const GEOSGeometry *in, GEOSGeometry **out, const fc_diag *diag,
                             bool *repaired, fc_error *err);

#endif
