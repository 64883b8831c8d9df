/* libFuzzer target: the fast GeoJSON reader (src/io/geojson_fast.c), on
 * text as a snapshot file gives it (NUL-terminated, as fc_read_file reads):
 * where its streaming scanner vouches for a document, json-c must read it
 * the same (a difference aborts); then what every feature goes through next
 * (fc_feature_prepare: the hemisphere cut, the geodesic split of long
 * edges, reprojection into the working CRS, repair). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/geojson_compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fc_worker *w;
    static char crs[256];
    if (!w && !(w = fc_worker_create()))
        abort();
    if (!crs[0])
        fc_equal_area_crs(31.15, 48.38, crs, sizeof crs);
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int attrs = 0; attrs < 2; attrs++) {
        bool vouched;
        const char *diff = geojson_passes_differ(w, text, size, attrs, &vouched);
        if (diff) {
            fprintf(stderr, "the GeoJSON scanner and json-c differ in %s\n", diff);
            abort();
        }
        fc_layer layer = {0};
        bool handled = true;
        fc_error err = {0};
        if (fc_geojson_parse(w, "fuzz.geojson", text, size, attrs, &layer, &handled, &err) ==
                FC_OK &&
            handled)
            for (size_t i = 0; i < layer.n && attrs == 0; i++) {
                GEOSGeometry *g = NULL;
                bool repaired = false;
                if (layer.features[i].geom &&
                    fc_feature_prepare(w, "fuzz.geojson", "feature", "OGC:CRS84", true, crs,
                                       layer.features[i].geom, &g, NULL, &repaired,
                                       &err) == FC_OK)
                    GEOSGeom_destroy_r(fc_worker_geos(w), g);
            }
        fc_layer_clear(w, &layer);
    }
    free(text);
    return 0;
}
