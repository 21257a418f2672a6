"""Command-line test helpers: run ``fusionzoo`` in-process, check one-line errors, write GeoTIFF pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from fusionzoo import cli
from fusionzoo.io import write_geotiff

UTM = CRS.from_epsg(32651)


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """North-up transform (rasterio's own helper multiplies Affines with the deprecated ``*``)."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def assert_clean_error(rc: int, err: str, match: str) -> None:
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fusionzoo"), err
    assert "error:" in lines[0] and "Traceback" not in err
    assert match.lower() in lines[0].lower(), lines[0]


def make_pair(folder: Path, bands: int = 4, size: int = 16, ratio: int = 4, *, pan_bands: int = 1,
              ms_size: tuple[int, int] | None = None, ms_crs=UTM, ms_shift: float = 0.0,
              dtype: str = "uint16", nan: bool = False, max_dn: int = 2047, seed: int = 0) -> tuple[Path, Path]:
    """A georeferenced PAN + MS pair in UTM 51N, PAN 0.5 m, MS ``ratio`` times coarser."""
    folder.mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(seed)
    h, w = ms_size or (size, size)
    ms = g.integers(100, max_dn, (bands, h, w)).astype(dtype)
    pan = g.integers(100, max_dn, (pan_bands, size * ratio, size * ratio)).astype(dtype)
    if nan:
        ms[0, 2, 3] = np.nan
    x0, y0 = 350000.0, 3456000.0
    pan_p, ms_p = folder / "pan.tif", folder / "ms.tif"
    write_geotiff(pan_p, pan, UTM, from_origin(x0, y0, 0.5, 0.5), dtype)
    write_geotiff(ms_p, ms, ms_crs, from_origin(x0 + ms_shift, y0, 0.5 * ratio, 0.5 * ratio), dtype)
    return pan_p, ms_p
