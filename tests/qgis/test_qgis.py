#!/usr/bin/python3
"""frontcast's outputs opened in QGIS itself (Debian's python3-qgis, headless).

Runs the real binary on the bundled data, then checks with QGIS's own
providers that every GeoJSON, CSV (delimited-text provider, types from the
.csvt) and GeoPackage layer loads valid, in the right CRS, with the right
feature count and dates typed as dates; that the temporal properties can
be set from valid_from/valid_to and pick the right snapshot; and that the
styled GeoPackage renders (QgsMapRendererParallelJob) with the controlled
area in its style's colour, and only on the dates it was controlled.

Usage: test_qgis.py FRONTCAST TOOLS_DIR
"""
import csv
import os
import sqlite3
import subprocess
import sys
import tempfile

FRONTCAST, TOOLS = sys.argv[1], sys.argv[2]
try:
    import qgis.core  # noqa: F401
except ImportError:
    print("SKIP: python3-qgis is not installed (tools/setup installs it)")
    sys.exit(77)
from osgeo import ogr  # noqa: E402

sys.path.insert(0, TOOLS)
import qgis_render  # noqa: E402
from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform,  # noqa: E402
                       QgsGeometry, QgsPointXY, QgsProject, QgsRenderContext,
                       QgsVectorLayer, QgsVectorLayerTemporalContext,
                       QgsVectorLayerTemporalProperties)
from qgis.PyQt.QtCore import QDate, QVariant  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage  # noqa: E402

checks = failures = 0


def check(ok, what):
    global checks, failures
    checks += 1
    if not ok:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


work = tempfile.mkdtemp(prefix="frontcast-qgis-")
out = os.path.join(work, "out")


def frontcast(*args):
    subprocess.run([FRONTCAST, *args, "-q"], check=True)


frontcast("run", "-o", out, "--format", "csv,geojson,gpkg")
frontcast("areas", "-o", os.path.join(out, "areas.geojson"))
frontcast("frontline", "-o", os.path.join(out, "fronts"))
qgis_render.start()

# ---- GeoJSON: the ogr provider, as QGIS opens a dropped file -------------
geojsons = [os.path.join(out, f) for f in ("projected-control.geojson", "projected-front.geojson",
                                           "places-timeline.geojson", "areas.geojson",
                                           "fronts/frontline.geojson")]
for path in geojsons:
    layer = QgsVectorLayer(path, "g", "ogr")
    check(layer.isValid(), "%s: not a valid layer" % path)
    check(layer.crs().authid() == "EPSG:4326", "%s: CRS %s" % (path, layer.crs().authid()))
    ds = ogr.Open(path)  # kept: its layer dies with it
    gdal_count = ds.GetLayer(0).GetFeatureCount()
    check(layer.featureCount() == gdal_count > 0,
          "%s: QGIS counts %d features, GDAL %d" % (path, layer.featureCount(), gdal_count))
    for name in ("date", "valid_from", "valid_to", "first_held", "last_free"):
        i = layer.fields().indexOf(name)
        if i >= 0:
            check(layer.fields().at(i).type() == QVariant.Date,
                  "%s: %s is %s, not Date" % (path, name, layer.fields().at(i).typeName()))
    check(any(layer.fields().indexOf(n) >= 0 for n in ("date", "valid_from", "first_held")),
          "%s: no date field" % path)

# ---- CSV: the delimited-text provider, types from the .csvt only ---------
QTYPES = {"Date": [QVariant.Date], "Real": [QVariant.Double], "String": [QVariant.String],
          "Integer": [QVariant.Int, QVariant.LongLong]}
csvs = sorted(os.path.join(d, f) for d in (out, os.path.join(out, "fronts"))
              for f in os.listdir(d) if f.endswith(".csv"))
check(len(csvs) >= 6, "only %d CSV files" % len(csvs))
for path in csvs:
    # detectTypes=no: any type that is not text came from the .csvt.
    layer = QgsVectorLayer("file://%s?type=csv&geomType=none&detectTypes=no" % path, "c", "delimitedtext")
    check(layer.isValid(), "%s: not a valid layer" % path)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    check(layer.featureCount() == len(rows) - 1,
          "%s: QGIS counts %d rows, the file has %d" % (path, layer.featureCount(), len(rows) - 1))
    with open(path + "t") as f:
        csvt = next(csv.reader(f))
    check([x.name() for x in layer.fields()] == rows[0], "%s: fields %s" % (path, layer.fields().names()))
    for field, want in zip(layer.fields(), csvt):
        check(field.type() in QTYPES[want], "%s: %s is %s, the .csvt says %s"
              % (path, field.name(), field.typeName(), want))

# ---- GeoPackage: every layer, its default style -------------------------
gpkg = os.path.join(out, "frontcast.gpkg")
db = sqlite3.connect(gpkg)
RENDERERS = {"zones": "singleSymbol", "control": "graduatedSymbol", "front_line": "singleSymbol",
             "projected_control": "graduatedSymbol", "projected_front": "graduatedSymbol",
             "places": "RuleRenderer", "places_observed": "RuleRenderer"}
styled = {r[0] for r in db.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault")}
check(styled == set(RENDERERS), "layer_styles defaults: %s" % sorted(styled))
layers = {}
for name, renderer in RENDERERS.items():
    layer = qgis_render.load(gpkg, name)
    layers[name] = layer
    (count,) = db.execute('SELECT count(*) FROM "%s"' % name).fetchone()
    check(layer.featureCount() == count > 0, "%s: QGIS counts %d, the table has %d" % (name, layer.featureCount(), count))
    check(layer.crs().authid() == "EPSG:4326", "%s: CRS %s" % (name, layer.crs().authid()))
    check(layer.renderer().type() == renderer, "%s: renderer %s, want %s (style not applied?)"
          % (name, layer.renderer().type(), renderer))
    declared = [r[1] for r in db.execute('PRAGMA table_info("%s")' % name) if r[2] == "DATE"]
    for field in declared:
        f = layer.fields().field(field)
        check(f.type() == QVariant.Date, "%s.%s is %s, not Date" % (name, field, f.typeName()))
    check(name in ("zones", "places", "places_observed") or {"valid_from", "valid_to"} <= set(declared),
          "%s: valid_from/valid_to are not dates: %s" % (name, declared))
front_width = layers["front_line"].renderer().symbol().width()
check(front_width >= 0.8, "front lines drawn %.2f mm wide, want bold (>= 0.8)" % front_width)
check(any(s.symbolLayer(0).brushStyle() != 1 for s in layers["projected_control"].renderer().symbols(QgsRenderContext())),
      "projected control is not hatched")

# ---- Temporal: valid_from/valid_to pick one snapshot per day -------------
with open(os.path.join(out, "areas.csv"), newline="") as f:
    areas = [r for r in csv.DictReader(f) if r["zone_id"] != "ALL" and float(r["controlled_km2"]) > 0]
dates = sorted({r["date"] for r in areas})
# As a user does it in QGIS 3.22 (README): open the layer (the constructor
# applies the stored style, then resets the temporal switch and guesses the
# fields), tick Dynamic Temporal Control and pick "Start and End Date/Time
# from Expressions", which the style has filled in.
control = QgsVectorLayer("%s|layername=control" % gpkg, "control", "ogr")
props = control.temporalProperties()
check(props.startExpression() == 'to_datetime("valid_from")' and props.endExpression() == 'to_datetime("valid_to")',
      "the style does not fill in the temporal expressions: %r %r" % (props.startExpression(), props.endExpression()))
check(props.startField() == "valid_from" and props.endField() == "valid_to",
      "QGIS does not offer valid_from/valid_to as the temporal fields")
props.setIsActive(True)
props.setMode(QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromExpressions)
check(props.isActive(), "temporal properties cannot be set")
for day, expect_date in ((dates[0], dates[0]), (dates[-1], dates[-1]),
                         # between two weekly snapshots: the earlier one
                         (QDate.fromString(dates[1], "yyyy-MM-dd").addDays(-1).toString("yyyy-MM-dd"), dates[0])):
    rng = qgis_render.day_range(QDate.fromString(day, "yyyy-MM-dd"))
    expr = props.createFilterString(QgsVectorLayerTemporalContext(), rng)
    got = [f["date"].toString("yyyy-MM-dd") for f in control.getFeatures(expr)]
    want = sum(r["date"] == expect_date for r in areas)
    check(len(got) == want and set(got) == {expect_date},
          "on %s QGIS shows %d features of %s, want %d of %s" % (day, len(got), sorted(set(got)), want, expect_date))

# ---- Rendering: the styled GeoPackage through QgsMapRendererParallelJob --
def pixel(image, settings, lon, lat):
    to_map = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), settings.destinationCrs(),
                                    QgsProject.instance())
    p = settings.mapToPixel().transform(to_map.transform(QgsPointXY(lon, lat)))
    return QColor(image.pixel(int(round(p.x())), int(round(p.y()))))


def near(a, b, tol=3):
    return all(abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def features_on(day):
    return [f for f in control.getFeatures() if f["date"].toString("yyyy-MM-dd") == day]


png = os.path.join(work, "map.png")
last = QDate.fromString(dates[-1], "yyyy-MM-dd")
settings, rendered, day = qgis_render.render(gpkg, png, last, (1200, 900))
image = QImage(png)
check(image.width() == 1200 and image.height() == 900, "rendered %dx%d" % (image.width(), image.height()))
renderer = rendered["control"].renderer()
ctx = QgsRenderContext.fromMapSettings(settings)
renderer.startRender(ctx, rendered["control"].fields())
last_features = features_on(dates[-1])
for f in last_features:
    geom = f.geometry()
    pole, radius = geom.poleOfInaccessibility(0.001)
    if radius < 0.1:  # too thin to hit at this scale
        continue
    p = pole.asPoint()
    want = renderer.symbolForFeature(f, ctx).color()
    got = pixel(image, settings, p.x(), p.y())
    check(near(got, want), "%s on %s at %.3f,%.3f: pixel %s, style colour %s"
          % (f["zone_id"], dates[-1], p.x(), p.y(), got.name(), want.name()))
renderer.stopRender(ctx)
check(any(f.geometry().poleOfInaccessibility(0.001)[1] >= 0.1 for f in last_features), "no zone big enough to test")
# A zone never controlled stays white.
held = {r["zone_id"] for r in areas}
free = [f for f in rendered["zones"].getFeatures() if f["zone_id"] not in held]
pole = free[0].geometry().poleOfInaccessibility(0.001)[0].asPoint()
check(pixel(image, settings, pole.x(), pole.y()).getRgb()[:3] == (255, 255, 255),
      "%s (never controlled) is not white" % free[0]["zone_id"])
# Taken after the first date: shaded on the last date's map, not on the first's.
first_union = QgsGeometry.unaryUnion([f.geometry() for f in features_on(dates[0])])
gained = QgsGeometry.unaryUnion([f.geometry() for f in last_features]).difference(first_union)
pole, radius = gained.poleOfInaccessibility(0.001)
check(radius > 0.05, "the demo series gains too little to see (%.3f deg)" % radius)
p = pole.asPoint()
first_png = os.path.join(work, "first.png")
settings0, _, _ = qgis_render.render(gpkg, first_png, QDate.fromString(dates[0], "yyyy-MM-dd"), (1200, 900))
at_last = pixel(image, settings, p.x(), p.y())
at_first = pixel(QImage(first_png), settings0, p.x(), p.y())
# In one of the control style's shades (vermillion, lightest to darkest).
shades = [r.symbol().color() for r in rendered["control"].renderer().ranges()]
check(any(near(at_last, c) for c in shades),
      "gained ground is not in a control shade on the last date: %s (shades %s)"
      % (at_last.name(), [c.name() for c in shades]))
check(not near(at_first, at_last, 20), "gained ground already shaded on the first date: %s" % at_first.name())

print("test_qgis: %d checks, %d failed" % (checks, failures))
sys.stdout.flush()
subprocess.run(["rm", "-rf", work])
os._exit(1 if failures else 0)  # QGIS 3.22 can crash in its exit handlers
