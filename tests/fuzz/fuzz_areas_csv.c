/* libFuzzer target: the areas CSV reader (forecast --areas, backtest
 * --areas), which takes a path: each input is written to a file first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "frontcast/export.h"
#include "frontcast/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/frontcast-fuzz-%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    fc_area_table *t = NULL;
    fc_zoneset *zs = NULL;
    fc_error err = {0};
    if (fc_read_areas_csv(path, &t, &zs, &err) == FC_OK) {
        /* Every row the table claims must be there. */
        for (size_t d = 0; d < t->ndates; d++)
            for (size_t z = 0; z <= zs->n; z++)
                (void)fc_area_row(t, d, z)->controlled_m2;
        fc_area_table_destroy(t);
        fc_zones_destroy(NULL, zs); /* no geometry read */
    }
    return 0;
}
