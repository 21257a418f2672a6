#!/usr/bin/env python
"""Make fusionzoo's built-in sample scene from the open-licence SpaceNet 3 WorldView-3 image.

Crops a 512x512 PAN window and the matching 128x128x8 MS window (the same ground extent; PAN offsets a
multiple of the ratio, 4) from SpaceNet 3, AOI 4 Shanghai, image img1920 (as shipped in torchsat's
``sample-data/``; CC BY-SA 4.0), and writes

* ``fusionzoo/sample/wv3_shanghai_pan.tif`` and ``fusionzoo/sample/wv3_shanghai_ms.tif`` (uint16 digital
  numbers exactly as in the source, deflate-compressed GeoTIFF, CRS kept, transforms of the windows),
* ``fusionzoo/sample/ATTRIBUTION.md`` (source, licence, what was changed, sensor facts).

The default window (PAN rows 120-631, columns 280-791) holds terraced houses, a four-lane road with a
bridge over a canal, and fields: buildings, straight edges, water and vegetation in one small scene.

Usage::

    python scripts/make_sample.py [--src-dir DIR] [--row 120 --col 280] [--size 512] [--out-dir fusionzoo/sample]

``--src-dir`` defaults to ``../shared/data/pansharpening/spacenet3_shanghai_wv3`` relative to the
repository root, or ``$FUSIONZOO_DATA/pansharpening/spacenet3_shanghai_wv3``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fusionzoo.io import SAMPLE_DIR, write_geotiff  # noqa: E402
from fusionzoo.sensors import get_sensor  # noqa: E402

PAN_NAME = "PAN_AOI_4_Shanghai_img1920.tif"
MS_NAME = "MUL_AOI_4_Shanghai_img1920.tif"
RATIO = 4

# sha256 of the source files (as listed in the shared data's SHA256SUMS)
SOURCE_SHA256 = {
    PAN_NAME: "76a979ea064f2390a35e98f2024ee183719bf7aeca2d51bcc5d4dad519c611b6",
    MS_NAME: "35549967c94bef9bd7fa8a108160cbec8c91b6459b5a92167b79c47bc282c64b",
}


def default_src_dir() -> Path:
    base = os.environ.get("FUSIONZOO_DATA")
    root = Path(base) if base else ROOT.parent / "shared" / "data"
    return root / "pansharpening" / "spacenet3_shanghai_wv3"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ATTRIBUTION = """\
# Built-in sample scene: attribution and licence

`wv3_shanghai_pan.tif` and `wv3_shanghai_ms.tif` are a crop of a WorldView-3 image from the
**SpaceNet 3** dataset (SpaceNet Roads Detection Challenge), **AOI 4 Shanghai, image `img1920`**
(`PAN_AOI_4_Shanghai_img1920.tif`, `MUL_AOI_4_Shanghai_img1920.tif`), taken from the copy in the
`sample-data/` folder of torchsat (https://github.com/sshuair/torchsat, commit a737212).

- Source dataset: SpaceNet 3, SpaceNet on Amazon Web Services (AWS), https://spacenet.ai/datasets/
  ("SpaceNet on Amazon Web Services (AWS). 'Datasets.' The SpaceNet Catalog."). Imagery: WorldView-3,
  courtesy of DigitalGlobe (now Maxar Technologies).
- Licence: **Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)**,
  https://creativecommons.org/licenses/by-sa/4.0/
- This crop is a **derived work** of that image and is distributed under the **same licence,
  CC BY-SA 4.0**. If you redistribute it or something made from it (e.g. a fused image), give the same
  attribution and keep the licence. It is *not* covered by fusionzoo's MIT licence, which applies to the
  code only.

## What was changed

Only a window was cut out; pixel values are the source's digital numbers, unchanged (no resampling, no
radiometric change). The files were re-encoded as deflate-compressed GeoTIFFs, with the CRS kept and the
geotransforms of the windows.

| file | window in the source (col, row, width, height) | size | dtype |
|---|---|---|---|
| `wv3_shanghai_pan.tif` | {pan_window} | {pan_w}x{pan_h}, 1 band | uint16 |
| `wv3_shanghai_ms.tif` | {ms_window} | {ms_w}x{ms_h}, 8 bands | uint16 |

Both cover the same ground extent: {crs}, west {west:.7f}, south {south:.7f}, east {east:.7f},
north {north:.7f} (a residential quarter of Shanghai with terraced houses, a road bridge over a canal,
and fields). sha256 of the source files: PAN `{pan_sha}`, MUL `{ms_sha}`.

## Sensor facts

- Sensor: Maxar (DigitalGlobe) WorldView-3, {bit_depth}-bit digital numbers (full scale {max_value};
  fusionzoo's [0, 1] scale is DN / {max_value}).
- PAN: 1 band, ~0.31 m ground sample distance at nadir (the product pixel is 2.7e-6 degrees).
- MS: 8 bands, ~1.24 m at nadir, resolution ratio {ratio} to the PAN, in this order:
{band_lines}
- Created with `scripts/make_sample.py`; read it with `fusionzoo.io.load_sample()` or
  `fusionzoo pansharpen --sample -o out.tif`.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src-dir", type=Path, default=default_src_dir())
    ap.add_argument("--row", type=int, default=120, help="top PAN row of the window (multiple of 4)")
    ap.add_argument("--col", type=int, default=280, help="left PAN column of the window (multiple of 4)")
    ap.add_argument("--size", type=int, default=512, help="PAN window size (multiple of 4)")
    ap.add_argument("--out-dir", type=Path, default=SAMPLE_DIR)
    args = ap.parse_args(argv)

    if args.row % RATIO or args.col % RATIO or args.size % RATIO:
        ap.error(f"--row, --col and --size must be multiples of the ratio {RATIO}")
    pan_path, ms_path = args.src_dir / PAN_NAME, args.src_dir / MS_NAME
    for p in (pan_path, ms_path):
        if not p.is_file():
            ap.error(f"{p} not found; pass --src-dir")
        got = sha256(p)
        if got != SOURCE_SHA256[p.name]:
            ap.error(f"{p} has sha256 {got}, not the expected {SOURCE_SHA256[p.name]}")

    pan_win = Window(args.col, args.row, args.size, args.size)
    ms_win = Window(args.col // RATIO, args.row // RATIO, args.size // RATIO, args.size // RATIO)
    with rasterio.open(pan_path) as src:
        if args.row + args.size > src.height or args.col + args.size > src.width:
            ap.error(f"the window does not fit in the {src.width}x{src.height} PAN")
        pan = src.read(window=pan_win)
        pan_tf = window_transform(pan_win, src.transform)
        pan_crs = src.crs
        pan_bounds = rasterio.windows.bounds(pan_win, src.transform)
    with rasterio.open(ms_path) as src:
        ms = src.read(window=ms_win)
        ms_tf = window_transform(ms_win, src.transform)
        ms_crs = src.crs
        ms_bounds = rasterio.windows.bounds(ms_win, src.transform)
    assert pan_crs == ms_crs, (pan_crs, ms_crs)
    assert np.allclose(pan_bounds, ms_bounds, rtol=0, atol=abs(pan_tf.a) * 0.01), (pan_bounds, ms_bounds)
    assert pan.dtype == np.uint16 and ms.dtype == np.uint16 and ms.shape[0] == 8

    sensor = get_sensor("WV3")
    tags = {"SENSOR": "WorldView-3", "BIT_DEPTH": sensor.bit_depth, "LICENSE": "CC-BY-SA-4.0",
            "SOURCE": "SpaceNet 3, AOI 4 Shanghai, img1920 (via torchsat sample-data); see ATTRIBUTION.md"}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    out_pan = write_geotiff(args.out_dir / "wv3_shanghai_pan.tif", pan, pan_crs, pan_tf, "uint16",
                            band_names=["pan"], tags=tags)
    out_ms = write_geotiff(args.out_dir / "wv3_shanghai_ms.tif", ms, ms_crs, ms_tf, "uint16",
                           band_names=list(sensor.bands), tags=tags)

    west, south, east, north = pan_bounds
    band_lines = "\n".join(f"  {i + 1}. {n} ({wl:.0f} nm)" for i, (n, wl) in
                           enumerate(zip(sensor.bands, sensor.wavelengths or ())))
    text = ATTRIBUTION.format(
        pan_window=f"{pan_win.col_off}, {pan_win.row_off}, {pan_win.width}, {pan_win.height}",
        ms_window=f"{ms_win.col_off}, {ms_win.row_off}, {ms_win.width}, {ms_win.height}",
        pan_w=pan.shape[2], pan_h=pan.shape[1], ms_w=ms.shape[2], ms_h=ms.shape[1],
        crs=pan_crs.to_string(), west=west, south=south, east=east, north=north,
        pan_sha=SOURCE_SHA256[PAN_NAME], ms_sha=SOURCE_SHA256[MS_NAME],
        bit_depth=sensor.bit_depth, max_value=sensor.max_value, ratio=RATIO, band_lines=band_lines,
    )
    (args.out_dir / "ATTRIBUTION.md").write_text(text)
    for p in (out_pan, out_ms, args.out_dir / "ATTRIBUTION.md"):
        print(f"wrote {p} ({p.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
