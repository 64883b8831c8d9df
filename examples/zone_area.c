/*
 * A zone's controlled area on every date of a control series, through
 * libfrontcast's public API: load the zones, open the series, measure.
 *
 *   cc zone_area.c $(pkg-config --cflags --libs frontcast) -o zone_area
 *   ./zone_area ZONES CONTROL ZONE_ID
 *
 * e.g. ./zone_area share/frontcast/geodata/ukraine-oblasts.geojson \
 *                  share/frontcast/geodata/demo-control UA-14
 * prints "2025-01-06 8834.201 km2" lines.
 */
#include <stdio.h>
#include <string.h>

#include <frontcast/areas.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ZONES CONTROL ZONE_ID\n", argv[0]);
        return 2;
    }
    fc_error err;
    fc_worker *w = fc_worker_create();
    fc_zoneset *zones = NULL;
    fc_series *series = NULL;
    fc_area_table *table = NULL;
    fc_status st = w ? FC_OK : fc_error_set(&err, FC_ERR_NOMEM, "out of memory");
    if (st == FC_OK)
        st = fc_zones_load(w, argv[1], NULL, NULL, &zones, &err);
    if (st == FC_OK)
        st = fc_series_open(w, argv[2], NULL, &series, &err);
    if (st == FC_OK)
        st = fc_areas_compute(zones, series, &(fc_areas_options){0}, &table, NULL, &err);
    size_t z = 0;
    while (st == FC_OK && z < zones->n && strcmp(fc_zone_id(zones, z), argv[3]) != 0)
        z++;
    if (st == FC_OK && z == zones->n)
        st = fc_error_set(&err, FC_ERR_ARG, "%s: no zone '%s'", argv[1], argv[3]);
    for (size_t d = 0; st == FC_OK && d < table->ndates; d++) {
        char day[11];
        fc_date_format(table->dates[d], day);
        printf("%s %.3f km2\n", day, fc_area_row(table, d, z)->controlled_m2 / 1e6);
    }
    if (st != FC_OK)
        fprintf(stderr, "zone_area: %s\n", err.msg);
    fc_area_table_destroy(table);
    fc_series_close(w, series);
    fc_zones_destroy(w, zones);
    fc_worker_destroy(w);
    return st == FC_OK ? 0 : 1;
}
