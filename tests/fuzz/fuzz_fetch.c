/* libFuzzer target: what fetch does with the server's answers, the list of
 * versions and a version's body. The first byte chooses which. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontcast/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fc_worker *w;
    if (!w && !(w = fc_worker_create()))
        abort();
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    fc_error err = {0};
    if (data[0] & 1) {
        GEOSGeometry *occ = NULL, *grey = NULL;
        if (fc_fetch_parse_body(w, "fuzz", text, size - 1, &occ, &grey, &err) == FC_OK) {
            if (!occ)
                abort(); /* the header promises one */
            GEOSGeom_destroy_r(fc_worker_geos(w), occ);
            if (grey)
                GEOSGeom_destroy_r(fc_worker_geos(w), grey);
        } else if (occ || grey) {
            abort();
        }
    } else {
        fc_fetch_version *v = NULL;
        size_t n = 0, quarantined = 0;
        fc_day today = 20787; /* 2026-11-30: the fuzzer must be deterministic */
        if (fc_fetch_parse_list("fuzz", text, today, NULL, &v, &n, &quarantined, &err) == FC_OK) {
            for (size_t i = 0; i < n; i++)
                if (!fc_fetch_plain_id(v[i].id) || v[i].date > today + 1 ||
                    (i > 0 && v[i].minutes < v[i - 1].minutes))
                    abort(); /* what the header promises */
            free(v);
        }
    }
    free(text);
    return 0;
}
