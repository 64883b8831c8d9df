/* libFuzzer target: the fast GeoJSON reader (src/io/geojson_fast.c), on
 * text as a snapshot file gives it (NUL-terminated, as fc_read_file reads). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/geodesy.h"
#include "io/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fc_worker *w;
    if (!w && !(w = fc_worker_create()))
        abort();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int attrs = 0; attrs < 2; attrs++) {
        fc_layer layer = {0};
        bool handled = true;
        fc_error err = {0};
        if (fc_geojson_parse(w, "fuzz.geojson", text, size, attrs, &layer, &handled, &err) ==
                FC_OK &&
            handled)
            for (size_t i = 0; i < layer.n; i++)
                (void)layer.features[i].geom; /* read back below by fc_layer_clear */
        fc_layer_clear(w, &layer);
    }
    free(text);
    return 0;
}
