#!/usr/bin/python3
"""Renders frontcast's GeoPackage with QGIS itself, in each layer's default style.

    tools/qgis_render.py OUT/frontcast.gpkg map.png [--date YYYY-MM-DD] [--size 1600x1100]
                         [--bbox WEST,SOUTH,EAST,NORTH]

Draws the zones, the observed control and front line on --date (default: the
last date in the GeoPackage; QGIS's temporal filter on valid_from/valid_to
picks that snapshot), every projected control step and front, and the
places, in the styles frontcast stored in layer_styles. Needs Debian's
python3-qgis; runs headless (QT_QPA_PLATFORM=offscreen). Used to make
docs/qgis-map.png and by tests/qgis/test_qgis.py.
"""
import argparse
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "XDG_RUNTIME_DIR" not in os.environ:  # Qt wants one, private (0700)
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="frontcast-qgis-")

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem,  # noqa: E402
                       QgsCoordinateTransform, QgsDateTimeRange, QgsMapRendererParallelJob,
                       QgsMapSettings, QgsProject, QgsRectangle, QgsVectorLayer)
from qgis.PyQt.QtCore import QDate, QDateTime, QSize, QTime, Qt  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

_app = None

# Drawn bottom to top.
LAYERS = ["zones", "projected_control", "control", "projected_front", "front_line", "places"]
OBSERVED = {"control", "front_line"}


def start():
    """The QGIS application, started once (headless)."""
    global _app
    if _app is None:
        _app = QgsApplication([], False)
        _app.initQgis()
    return _app


def load(gpkg, name):
    """A layer of the GeoPackage with its default style (from layer_styles)."""
    layer = QgsVectorLayer("%s|layername=%s" % (gpkg, name), name, "ogr")
    if not layer.isValid():
        raise RuntimeError("%s: layer %s does not load" % (gpkg, name))
    # QGIS applies the default style when it opens the layer, then resets the
    # temporal switch from the provider; loading it again keeps it.
    layer.loadDefaultStyle()
    return layer


def last_date(layer):
    idx = layer.fields().indexOf("date")
    return max(f[idx] for f in layer.getFeatures())


def day_range(day):
    """[day, day + 1) as QGIS date-times."""
    start = QDateTime(day, QTime(0, 0), Qt.UTC)
    return QgsDateTimeRange(start, start.addDays(1), True, False)


def map_settings(layers, extent, size, day):
    s = QgsMapSettings()
    s.setLayers(list(reversed(layers)))  # QGIS lists the top layer first
    s.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    s.setOutputSize(QSize(*size))
    s.setBackgroundColor(QColor(255, 255, 255))
    s.setFlag(QgsMapSettings.Antialiasing, True)
    s.setExtent(extent)
    s.setIsTemporal(True)
    s.setTemporalRange(day_range(day))
    return s


def render(gpkg, png, day=None, size=(1600, 1100), bbox=None):
    """Renders gpkg to png (all the zones, or bbox in lon/lat); returns
    (settings, layers by name, day)."""
    start()
    layers = {n: load(gpkg, n) for n in LAYERS}
    if day is None:
        day = last_date(layers["control"])
    for name, layer in layers.items():
        # Every projection step at once; observed layers at the one day.
        layer.temporalProperties().setIsActive(name in OBSERVED)
    zones = layers["zones"]
    to_map = QgsCoordinateTransform(zones.crs(), QgsCoordinateReferenceSystem("EPSG:3857"),
                                    QgsProject.instance())
    extent = QgsRectangle(to_map.transformBoundingBox(QgsRectangle(*bbox) if bbox else zones.extent()))
    extent.scale(1.03)
    settings = map_settings([layers[n] for n in LAYERS], extent, size, day)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    if not image.save(png, "PNG"):
        raise RuntimeError("cannot write %s" % png)
    return settings, layers, day


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("gpkg")
    p.add_argument("png")
    p.add_argument("--date", help="YYYY-MM-DD (default: the last observed date)")
    p.add_argument("--size", default="1600x1100", help="WIDTHxHEIGHT in pixels")
    p.add_argument("--bbox", help="WEST,SOUTH,EAST,NORTH in degrees (default: all the zones)")
    a = p.parse_args()
    day = QDate.fromString(a.date, "yyyy-MM-dd") if a.date else None
    if a.date and not day.isValid():
        sys.exit("qgis_render: --date wants YYYY-MM-DD, not %r" % a.date)
    w, h = (int(v) for v in a.size.split("x"))
    bbox = [float(v) for v in a.bbox.split(",")] if a.bbox else None
    _, _, day = render(a.gpkg, a.png, day, (w, h), bbox)
    print("%s: as of %s" % (a.png, day.toString("yyyy-MM-dd")))
    sys.stdout.flush()
    os._exit(0)  # QGIS 3.22 can crash in its exit handlers when headless


if __name__ == "__main__":
    main()
