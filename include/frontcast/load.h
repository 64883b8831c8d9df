/*
 * Loading: zone boundaries and dated series of control areas, from any OGR
 * vector source in any CRS, into the equal-area working CRS.
 */
#ifndef FRONTCAST_LOAD_H
#define FRONTCAST_LOAD_H

#include <stdbool.h>

#include "frontcast/date.h"
#include "frontcast/geodesy.h"

/* The administrative levels above a zone that outputs can name, so that
 * results roll up: a raion's oblast (adm1_code), a hromada's oblast and
 * raion (adm1_code, adm2_code). fc_zone_parent_columns[l] is level l's
 * column in every output, whatever the source called it. */
#define FC_ZONE_LEVELS 2
extern const char *const fc_zone_parent_columns[FC_ZONE_LEVELS];

/* One zone (an oblast, a district...). */
typedef struct fc_zone {
    char *id;            /* e.g. "UA-14" */
    char *name;          /* e.g. "Donetsk" */
    char *parent[FC_ZONE_LEVELS]; /* e.g. {"UA-14", NULL} for a raion; NULL: none */
    GEOSGeometry *geom;  /* valid (Multi)Polygon in the working CRS */
    double area_m2;
} fc_zone;

typedef struct fc_zoneset {
    char *path;
    char *id_field, *name_field; /* the fields used */
    /* The source field of each parent level, NULL when the zones carry none
     * (or only a copy of their own ids): the outputs' columns. */
    char *parent_field[FC_ZONE_LEVELS];
    char crs[256];       /* PROJ definition of the working (equal-area) CRS */
    fc_zone *zones;      /* in the order of the source */
    size_t n;
    int repaired;        /* zones whose geometry was repaired */
} fc_zoneset;

typedef struct fc_zone_options {
    const char *id_field;    /* NULL: auto-detect (zone_id, iso_3166_2, adm2_code, id...) */
    const char *name_field;  /* NULL: auto-detect (name, name_en, NAME_1, shapeName...) */
    const char *layer;       /* NULL: the first layer */
} fc_zone_options;

/*
 * Loads zones, repairing invalid ones (reported through diag) and skipping
 * features without a polygon (reported). An id on two features is
 * FC_ERR_FIELD (which one would be the zone?).
 * Parent codes are read from the fields adm1_code/ADM1_PCODE/GID_1 and
 * adm2_code/ADM2_PCODE/GID_2 when present.
 * *out newly allocated; free with fc_zones_destroy().
 */
fc_status fc_zones_load(fc_worker *w, const char *path, const fc_zone_options *opts,
                        const fc_diag *diag, fc_zoneset **out, fc_error *err);
/* Accepts NULL; w may be NULL for zones without geometry (as read back
 * from an areas CSV by fc_read_areas_csv). */
void fc_zones_destroy(fc_worker *w, fc_zoneset *zs);

/* A bundled set of zones: a file of the geodata directory (geodata/README.md
 * says what they are), selected by name (--zones raions), and the credit
 * their maps carry. The first is the default. */
typedef struct fc_zone_set {
    const char *name, *file, *credit, *about;
} fc_zone_set;
extern const fc_zone_set fc_zone_sets[];
extern const size_t fc_zone_sets_count;
/* The bundled set called name, or NULL. */
const fc_zone_set *fc_zone_set_find(const char *name);
/* The bundled set whose file a path names (its last component), or NULL:
 * to credit a set given by path. */
const fc_zone_set *fc_zone_set_of_path(const char *path);
#define FC_DEFAULT_ZONES (fc_zone_sets[0].file)

/* The zone_id of the whole-layer rows. */
#define FC_ALL_ZONE_ID "ALL"

/* Zone z's id, name and area; z == zs->n stands for the whole layer: "ALL",
 * "whole control layer", and the zones' total area. Strings owned by zs or
 * static. */
const char *fc_zone_id(const fc_zoneset *zs, size_t z);
const char *fc_zone_name(const fc_zoneset *zs, size_t z);
double fc_zone_area_m2(const fc_zoneset *zs, size_t z);
/* Zone z's code at parent level l; "" for none and for the whole layer.
 * Owned by zs or static. */
const char *fc_zone_parent(const fc_zoneset *zs, size_t z, int l);

/* How a control series is laid out. */
typedef enum fc_series_kind {
    FC_SERIES_FOLDER,     /* a folder of files, the date in each file name */
    FC_SERIES_DATE_FIELD, /* one layer, a date attribute per feature */
    FC_SERIES_LAYERS      /* one source (e.g. GeoPackage), the date in each layer name */
} fc_series_kind;

typedef struct fc_series fc_series;

typedef struct fc_series_options {
    const char *date_pattern; /* for names: %Y %m %d and literals; NULL: auto */
    const char *date_field;   /* for one layer; NULL: auto-detect (date, day, ...) */
} fc_series_options;

/*
 * Opens a control series: a folder, or a single source with a date field or
 * dated layers. Lists the snapshots, sorted by date; two snapshots of one
 * date, or a name without a date, are errors. A layer with a date field is
 * read whole here (grouped by date); folders are read lazily, one file per
 * fc_series_read(). *out newly allocated; free with fc_series_close().
 */
fc_status fc_series_open(fc_worker *w, const char *path, const fc_series_options *opts,
                         fc_series **out, fc_error *err);
/* Accepts NULL. */
void fc_series_close(fc_worker *w, fc_series *s);
/* Removes snapshot i from a series (a quarantined one). */
void fc_series_drop(fc_series *s, size_t i);
/* From now on s keeps each snapshot it reads in crs (as WKB, about the
 * size of the files), for a pipeline that reads the series several times
 * (areas, front lines, places, advance): each file is parsed, reprojected
 * and checked once. Not to be called while reads are under way. */
fc_status fc_series_keep_reads(fc_series *s, const char *crs, fc_error *err);
/* Whether s keeps its reads in crs. */
bool fc_series_keeps_reads(const fc_series *s, const char *crs);

fc_series_kind fc_series_get_kind(const fc_series *s);
/* The folder or file the series was opened from. Owned by s. */
const char *fc_series_path(const fc_series *s);
/* The name pictures credit the data with: given if not NULL, else the
 * series' folder or file name (the whole path for "dir/") in buf.
 * Returns given or buf. */
const char *fc_series_source_name(const fc_series *s, const char *given, char *buf, size_t size);
/* Who holds the mapped area, when the source says it: given if not NULL,
 * else, for a series whose folder or file is named after a known source
 * (any case), its holder ("deepstate": "Russian forces", the territory
 * DeepStateMap maps as occupied); NULL when unknown (pictures then say
 * "controlled"). Static or given. */
const char *fc_series_holder(const fc_series *s, const char *given);
size_t fc_series_count(const fc_series *s);
fc_day fc_series_date(const fc_series *s, size_t i);
/* Where snapshot i comes from, for messages: a file, or "file:layer". Owned by s. */
const char *fc_series_source(const fc_series *s, size_t i);

/* The file names of the synthetic demo series (geodata/demo-control, made by
 * tools/gen-demo.c) start with this. */
#define FC_SYNTHETIC_PREFIX "synthetic-demo_"
/* Whether every snapshot of s is from the synthetic demo series: what is
 * made from it must say so (fc_plot_options.synthetic). */
bool fc_series_synthetic(const fc_series *s);

/* Timings and counts of one read. */
typedef struct fc_read_info {
    double read_seconds;    /* parsing the file */
    double prepare_seconds; /* reprojection, repair and dissolve */
    int repaired;           /* features repaired */
} fc_read_info;

/*
 * Reads snapshot i as one valid (Multi)Polygon in crs (the zones' working
 * CRS). Safe to call from several threads at once, each with its own
 * worker. *out newly allocated (destroy with the worker's GEOS context).
 * With fc_series_keep_reads, a snapshot read before in that CRS comes from
 * memory: the same geometry and info->repaired, without the file, and
 * without warnings, which the read it was kept from gave (a read with no
 * diag is kept too, but a caller with a diag reads the file again once, so
 * that every repair is reported).
 */
fc_status fc_series_read(const fc_series *s, size_t i, fc_worker *w, const char *crs,
                         const fc_diag *diag, GEOSGeometry **out, fc_read_info *info,
                         fc_error *err);

/*
 * GDAL options, as ogr2ogr takes them (-oo, -lco, -dsco, -t_srs):
 * NULL-terminated lists of "NAME=VALUE" (NULL: none) for every later read
 * through OGR (open options: GeoJSON is then read by OGR too, not by the
 * fast reader) and every vector output written through OGR (layer creation
 * options, which win over frontcast's own, and dataset creation options);
 * t_srs (NULL: WGS84 lon/lat) the CRS vector outputs are written in (RFC
 * 7946 GeoJSON is lon/lat whatever it says: GDAL reprojects it back unless
 * the layer option RFC7946=NO is given). Process-wide, like GDAL's own
 * configuration: set before reading anything. An option without '=' is
 * FC_ERR_ARG, a t_srs GDAL does not know FC_ERR_CRS; options a driver does
 * not know are passed over by GDAL.
 */
fc_status fc_gdal_options(const char *const *open_options, const char *const *lco,
                          const char *const *dsco, const char *t_srs, fc_error *err);

/* What of fc_gdal_options shapes the vector outputs (lco, dsco, t_srs), as
 * a key: "" when none were given. A file written under other options is
 * written again whole, not updated. */
const char *fc_gdal_output_key(void);

/* A GDAL virtual file system path (/vsizip/, /vsigzip/, /vsicurl/...): only
 * GDAL can open it. */
bool fc_is_virtual_path(const char *path);

/* The whole file at path, a GDAL virtual path (/vsizip/...) too: *data
 * newly allocated (free()). FC_ERR_IO naming path when it cannot be read. */
fc_status fc_read_bytes(const char *path, void **data, size_t *len, fc_error *err);

/* Named places. The bundled places file (in the geodata folder): every command's default. */
#define FC_DEFAULT_PLACES "ukraine-places.geojson"

typedef struct fc_place {
    char *name;        /* "" when the feature has none */
    double population; /* NAN when absent */
    double lon, lat;
} fc_place;

typedef struct fc_places {
    fc_place *p;
    size_t n;
} fc_places;

/*
 * Reads places: points with the attributes name (or name_en) and
 * population (or pop), any case; features without a point are skipped. A
 * GeoJSON file (lon/lat, RFC 7946) is read directly; any other OGR source
 * (GeoPackage, Shapefile, a CSV with lon/lat or x/y columns...) through
 * the plug-in and reprojected from its CRS to lon/lat (a layer without a
 * CRS is taken as lon/lat). Errors name the file: FC_ERR_IO unreadable,
 * FC_ERR_FORMAT not a collection of places, FC_ERR_CRS coordinates
 * outside lon/lat. *out newly allocated (fc_places_destroy).
 */
fc_status fc_places_read(const char *path, fc_places **out, fc_error *err);
void fc_places_destroy(fc_places *p);

#endif
