#!/usr/bin/python3
"""The baseline for tools/bench-areas: the areas job as one would write it
with geopandas (Debian's python3-geopandas), the idiomatic way.

Same job as `frontcast areas`: per date and zone the controlled area, gains
and losses against the previous snapshot, in the same equal-area CRS (a
Lambert azimuthal equal-area projection centred on the zones' extent).
Writes a CSV with frontcast's columns (zone_name and pct omitted).
With --areas-only it skips gains and losses: the job the brief's "about
34 s" geopandas figure was measured on.

Usage: areas_geopandas.py [--areas-only] ZONES CONTROL_DIR OUT.csv
"""
import csv
import glob
import os
import re
import sys

import geopandas as gpd

args = sys.argv[1:]
areas_only = args[0] == "--areas-only"
if areas_only:
    args = args[1:]
zones_path, control_dir, out_path = args[:3]

zones_ll = gpd.read_file(zones_path)
minx, miny, maxx, maxy = zones_ll.total_bounds
crs = ("+proj=laea +lat_0=%.4f +lon_0=%.4f +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
       % ((miny + maxy) / 2, (minx + maxx) / 2))
zones = zones_ll.to_crs(crs)
zones["geometry"] = zones.make_valid()

files = sorted(glob.glob(os.path.join(control_dir, "*.geojson")))
prev = None
rows = []
for path in files:
    m = re.search(r"(\d{4})(\d{2})(\d{2})", os.path.basename(path))
    date = "%s-%s-%s" % m.groups()
    ctrl = gpd.read_file(path).to_crs(crs)
    ctrl["geometry"] = ctrl.make_valid()
    cur = ctrl.unary_union
    controlled = zones.intersection(cur).area
    if prev is not None and not areas_only:
        gained = zones.intersection(cur.difference(prev)).area
        lost = zones.intersection(prev.difference(cur)).area
        all_gained = cur.difference(prev).area
        all_lost = prev.difference(cur).area
    for i, z in zones.iterrows():
        rows.append((date, z["zone_id"], controlled[i] / 1e6,
                     "" if prev is None or areas_only else gained[i] / 1e6,
                     "" if prev is None or areas_only else lost[i] / 1e6))
    rows.append((date, "ALL", cur.area / 1e6,
                 "" if prev is None or areas_only else all_gained / 1e6,
                 "" if prev is None or areas_only else all_lost / 1e6))
    prev = cur

with open(out_path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["date", "zone_id", "controlled_km2", "gained_km2", "lost_km2"])
    for r in rows:
        w.writerow([r[0], r[1]] + [("%.3f" % v) if v != "" else "" for v in r[2:]])
