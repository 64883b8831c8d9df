/*
 * The boundary to GDAL/OGR (internal to the io module).
 *
 * Everything that calls GDAL lives in a plug-in, libfrontcast_ogr.so, loaded
 * with dlopen the first time a layer is not plain lon/lat GeoJSON, or an
 * output goes through an OGR driver. Why: linking libgdal pulls in some
 * hundred shared libraries whose loading costs 70-100 ms at every start,
 * more than the whole one-new-snapshot update frontcast does from cron.
 *
 * The interface is plain data (WKB, text), so the plug-in needs neither
 * GEOS nor the rest of libfrontcast.
 */
#ifndef FRONTCAST_IO_OGR_MODULE_H
#define FRONTCAST_IO_OGR_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontcast/frontcast.h"
#include "frontcast/vector.h"

#define FC_OGR_API_VERSION 7
#define FC_OGR_API_SYMBOL "fc_ogr_api_v7"

/* One feature as OGR read it. */
typedef struct fc_ogr_feature {
    long fid;
    unsigned char *wkb;  /* ISO WKB of the linearised geometry; NULL when skipped */
    size_t wkb_size;
    char *skip_reason;   /* why wkb is NULL */
    char **values;       /* nfields values as text (NULL = null), with attributes */
} fc_ogr_feature;

typedef struct fc_ogr_layer {
    char *crs;           /* WKT2 of the layer's CRS; NULL when none */
    char **fields;
    int nfields;
    fc_ogr_feature *features;
    size_t n;
} fc_ogr_layer;

/* A raster in a projected CRS: ny rows of nx values, row 0 northmost. */
typedef struct fc_ogr_raster {
    int nx, ny;
    double geotransform[6]; /* GDAL's: x0, dx, 0, ymax, 0, -dy */
    const char *crs;        /* any definition OSRSetFromUserInput takes */
    const char *band_description; /* written rasters: the band's, or NULL */
    const char *const *metadata;   /* written rasters: "KEY=VALUE"s, NULL-ended, or NULL */
} fc_ogr_raster;

/* What the plug-in offers. */
typedef struct fc_ogr_api {
    int version;
    /* Reads polygons (polygonal geometry only; other types are skipped
     * with a reason), or with points Points (a CSV's lon/lat or x/y
     * columns become them), and, if with_attributes, attribute text. */
    fc_status (*read)(const char *path, const char *layer, bool with_attributes, bool points,
                      fc_ogr_layer *out, fc_error *err);
    void (*layer_free)(fc_ogr_layer *l);
    /* Names of a source's layers; *names newly allocated (free each, then it). */
    fc_status (*layer_names)(const char *path, char ***names, int *n, fc_error *err);
    /*
     * Writes layers (geometry in lon/lat WGS84) into one dataset: a new one
     * made with driver at path ("/vsistdout/" for stdout) or, if existing,
     * the database path names, where tables of the same names are emptied
     * first (see fc_vector_layer.replace_where). All in one dataset
     * transaction where the driver has them.
     */
    fc_status (*write)(const char *path, const char *driver, bool existing,
                       const fc_vector_layer *layers, size_t nlayers, fc_error *err);
    /* Writes a Float32 GeoTIFF (deflate, tiled) with nodata set. */
    fc_status (*write_raster)(const char *path, const fc_ogr_raster *r, const float *values,
                              double nodata, fc_error *err);
    /* The connected areas of equal non-zero value (row 0 northmost) as
     * polygons in the raster's CRS, with their value: *wkb (n of them,
     * each newly allocated), *wkb_size and *value to be freed by the caller. */
    fc_status (*polygonize)(const fc_ogr_raster *r, const int32_t *values, unsigned char ***wkb,
                            size_t **wkb_size, int32_t **value, size_t *n, fc_error *err);
    /* A GDAL virtual path (/vsizip/a.zip/dir): *is_dir when it lists
     * something, and then the names in it (*names newly allocated: free
     * each, then it). */
    fc_status (*list_dir)(const char *path, bool *is_dir, char ***names, int *n, fc_error *err);
    /* A whole file through GDAL's virtual file systems; *data newly
     * allocated (free()). */
    fc_status (*read_bytes)(const char *path, unsigned char **data, size_t *len, fc_error *err);
    /* GDAL's release name, e.g. "3.6.2". Static. */
    const char *(*gdal_version)(void);
    /* The user's GDAL options (NULL-terminated "NAME=VALUE" lists, copied;
     * NULL: none), for every later read and write: open options, layer
     * creation options (before a layer's own, so that they win) and dataset
     * creation options; and t_srs (NULL: WGS84 lon/lat), the CRS vector
     * outputs are written in (any definition OSRSetFromUserInput takes).
     * Not thread-safe: set before any reading. */
    fc_status (*set_options)(const char *const *open_options, const char *const *lco,
                             const char *const *dsco, const char *t_srs, fc_error *err);
} fc_ogr_api;

/* The plug-in, loaded on first use (thread-safe). NULL with err set when it
 * cannot be found or loaded. FRONTCAST_OGR_MODULE in the environment names
 * the file to load instead of the built-in places. */
const fc_ogr_api *fc_ogr(fc_error *err);

#endif
