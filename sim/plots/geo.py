"""Europe's state shapes, drawn with plain matplotlib (no GIS stack).

The shapes are Natural Earth 1:110m polygons (public domain), copied to
``scenarios/data/europe/europe_110m.geojson`` with their source notes in ``SOURCES.md``. States
without a polygon at that scale (Andorra, Liechtenstein, Malta, Monaco, San Marino, the Vatican)
are drawn as points at their capitals; states outside the map's frame (Canada, the United States)
are listed in a note instead of being drawn. Used by ``escalation plot`` and the demo.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from sim.palette import STATUS_COLOURS

#: The frame of the map (degrees): the scenario's states from Iceland to the Caucasus.
EXTENT: tuple[float, float, float, float] = (-25.0, 50.0, 34.0, 71.5)  # lon0, lon1, lat0, lat1
#: Mean latitude used for the equirectangular aspect, so that Europe is not stretched.
ASPECT_LAT = 52.0


def shapes_path() -> Path:
    """The bundled GeoJSON file (source checkout or installed wheel)."""
    from sim.scenario import bundled_dir

    return bundled_dir() / "data" / "europe" / "europe_110m.geojson"


@lru_cache(maxsize=4)
def load_shapes(path: str | Path | None = None) -> dict[str, tuple[np.ndarray, ...]]:
    """ISO3 code -> outer rings (arrays of lon, lat) of each of its polygons."""
    raw = json.loads(Path(path or shapes_path()).read_text(encoding="utf-8"))
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for feature in raw["features"]:
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        # Only outer rings: the 110m data has no holes that matter at this scale.
        out[feature["properties"]["iso3"]] = tuple(np.asarray(p[0], dtype=float) for p in polys)
    return out


def in_frame(lon: float, lat: float) -> bool:
    """Whether a point lies inside the map's frame."""
    lon0, lon1, lat0, lat1 = EXTENT
    return lon0 <= lon <= lon1 and lat0 <= lat <= lat1


@dataclass(frozen=True)
class MapArtists:
    """What :func:`draw_states` drew, for tests and interactive updates."""

    polygons: PolyCollection  # one path per polygon ring, in ``poly_codes`` order
    poly_codes: tuple[str, ...]
    points: object | None  # PathCollection of micro-states, or None
    point_codes: tuple[str, ...]
    off_map: tuple[str, ...]  # states of the scenario outside the frame (not drawn)


def draw_states(
    ax: Axes,
    codes: Sequence[str],
    colours: Mapping[str, str],
    *,
    lat: Mapping[str, float] | None = None,
    lon: Mapping[str, float] | None = None,
    edgecolours: Mapping[str, str] | None = None,
    linewidths: Mapping[str, float] | None = None,
    background: bool = True,
    shapes: Mapping[str, Sequence[np.ndarray]] | None = None,
) -> MapArtists:
    """Fill each state of ``codes`` with ``colours[code]`` on ``ax``.

    States with no polygon are drawn as points at ``(lon, lat)`` (their capitals) when given;
    states outside :data:`EXTENT` are returned in ``off_map``. With ``background``, land of
    the shape file that is not a state of the scenario is drawn in the "outside" colour.
    """
    shapes = load_shapes() if shapes is None else shapes
    edgecolours = edgecolours or {}
    linewidths = linewidths or {}
    wanted = set(codes)
    verts, faces, edges, widths, poly_codes = [], [], [], [], []
    if background:
        for code, rings in shapes.items():
            if code in wanted:
                continue
            for ring in rings:
                verts.append(ring)
                faces.append(STATUS_COLOURS["outside"])
                edges.append("white")
                widths.append(0.4)
                poly_codes.append(code)
    points_xy, point_faces, point_edges, point_codes, off_map = [], [], [], [], []
    for code in codes:
        rings = shapes.get(code)
        if rings and any(in_frame(*r.mean(axis=0)) for r in rings):
            for ring in rings:
                verts.append(ring)
                faces.append(colours[code])
                edges.append(edgecolours.get(code, "white"))
                widths.append(linewidths.get(code, 0.5))
                poly_codes.append(code)
        elif lat is not None and lon is not None and code in lat and in_frame(lon[code], lat[code]):
            points_xy.append((lon[code], lat[code]))
            point_faces.append(colours[code])
            point_edges.append(edgecolours.get(code, "black"))
            point_codes.append(code)
        else:
            off_map.append(code)
    polygons = PolyCollection(
        verts, facecolors=faces, edgecolors=edges, linewidths=widths, zorder=1
    )
    ax.add_collection(polygons)
    points = None
    if points_xy:
        xy = np.asarray(points_xy)
        points = ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=28,
            c=point_faces,
            edgecolors=point_edges,
            linewidths=0.6,
            zorder=3,
        )
    lon0, lon1, lat0, lat1 = EXTENT
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0 / math.cos(math.radians(ASPECT_LAT)))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return MapArtists(polygons, tuple(poly_codes), points, tuple(point_codes), tuple(off_map))
