"""Peak memory and speed of whole-scene pansharpening (``fusionzoo pansharpen``) on synthetic GeoTIFF scenes.

    nice -n 10 python scripts/bench_scene_inference.py [--sizes 2048 4096 8192] [--models pnn.vhr4 mtf_glp_hpm]
        [--threads 2] [--tile 1024] [--write docs/benchmarks/scene_inference.md]

For each PAN size N (square; the MS is N/4 x N/4 x 4 bands, uint16 values of an 11-bit sensor, smooth random
texture written block by block) every model runs in a fresh process, ``fusionzoo pansharpen --pan ... --ms
... --model M -o OUT.tif`` with ``OMP_NUM_THREADS`` / ``--threads`` threads, whose peak resident memory is read
from ``getrusage(RUSAGE_CHILDREN)`` of a wrapper process that runs nothing else.  MPix/s is PAN megapixels per
second of the whole command (reading, the tile plan, the fusion, the GeoTIFF and the preview); the fusion's
own time is what the command prints.  The machine, the threads and the load average (before and after) are
written with the table, since on a shared machine the wall time grows with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "wall": wall, "peak_kb": ru.ru_maxrss, "cpu": ru.ru_utime + ru.ru_stime,
                  "out": p.stdout, "err": p.stderr[-2000:]}))
"""


def make_scene(folder: Path, size: int, bands: int = 4, ratio: int = 4, seed: int = 0) -> tuple[Path, Path]:
    """A PAN + MS uint16 pair (11-bit values), written by blocks of rows (the parent never holds the scene)."""
    import rasterio
    from affine import Affine
    from rasterio.crs import CRS
    from rasterio.windows import Window

    g = np.random.default_rng(seed)
    freqs = g.uniform(0.002, 0.05, (6, 2)) * 2 * np.pi
    phases = g.uniform(0, 2 * np.pi, (6, bands))
    weights = g.uniform(0.2, 1.0, (6, bands))
    crs = CRS.from_epsg(32651)
    tp = Affine(0.5, 0.0, 350000.0, 0.0, -0.5, 3456000.0)
    tm = Affine(0.5 * ratio, 0.0, 350000.0, 0.0, -0.5 * ratio, 3456000.0)
    prof = {"driver": "GTiff", "dtype": "uint16", "crs": crs, "compress": "deflate", "predictor": 2,
            "tiled": True, "blockxsize": 256, "blockysize": 256}
    pan_p, ms_p = folder / f"pan_{size}.tif", folder / f"ms_{size}.tif"
    rows = 256
    with rasterio.open(pan_p, "w", width=size, height=size, count=1, transform=tp, **prof) as pan_d, \
            rasterio.open(ms_p, "w", width=size // ratio, height=size // ratio, count=bands, transform=tm,
                          interleave="pixel", **prof) as ms_d:
        x = np.arange(size)
        cols = [np.sin(freqs[k, 1] * x[None, :] + phases[k][:, None]).astype(np.float32) for k in range(6)]
        texture = ((x[None, :] * 7919) % 61).astype(np.float32)  # cheap deterministic fine detail, 0..60
        for r0 in range(0, size, rows):
            y = np.arange(r0, r0 + rows, dtype=np.float64)
            hr = np.zeros((bands, rows, size), np.float32)
            for k in range(6):  # separable waves: an outer product per band, cheap at 8192 x 8192
                hr += (weights[k][:, None, None] * np.cos(freqs[k, 0] * y)[None, :, None]).astype(np.float32) \
                    * cols[k][:, None, :]
            hr = 700 + 120 * hr + ((y[:, None] * 104729).astype(np.int64) % 53).astype(np.float32) + texture
            hr = np.clip(hr, 1, 2047)
            pan = hr.mean(0, keepdims=True)
            ms = hr.reshape(bands, rows // ratio, ratio, size // ratio, ratio).mean((2, 4))
            pan_d.write(np.rint(pan).astype(np.uint16), window=Window(0, r0, size, rows))
            ms_d.write(np.rint(ms).astype(np.uint16), window=Window(0, r0 // ratio, size // ratio, rows // ratio))
    return pan_p, ms_p


def run_one(pan: Path, ms: Path, model: str, out: Path, threads: int, tile: int | None) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    cmd = [sys.executable, "-m", "fusionzoo", "pansharpen", "--pan", str(pan), "--ms", str(ms), "--model", model,
           "-o", str(out)]
    if tile is not None:
        cmd += ["--tile", str(tile)]
    p = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, env=env, cwd=ROOT,
                       check=False)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    m = re.search(r" in ([0-9.]+) s\n", res["out"])
    res["fuse"] = float(m.group(1)) if m else float("nan")
    res["how"] = next((ln for ln in res["out"].splitlines() if ln.startswith("ran ")), "")
    return res


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import rasterio
    import torch

    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "torch": torch.__version__, "rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096, 8192])
    ap.add_argument("--models", nargs="+", default=["pnn.vhr4", "mtf_glp_hpm"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tile", type=int, default=None, help="--tile of the command (default: its own)")
    ap.add_argument("--workdir", type=Path, default=None, help="where the scenes go (default: a temporary folder)")
    ap.add_argument("--write", type=Path, default=None, help="write the Markdown report there (atomically)")
    a = ap.parse_args(argv)
    info = machine()
    load0 = os.getloadavg()
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        tmp = Path(tmp)
        for size in a.sizes:
            t = time.perf_counter()
            pan, ms = make_scene(tmp, size)
            print(f"scene {size}: written in {time.perf_counter() - t:.1f} s", flush=True)
            for model in a.models:
                res = run_one(pan, ms, model, tmp / f"out_{size}_{model}.tif", a.threads, a.tile)
                if res["rc"] != 0:
                    print(f"  {model}: FAILED {res['err']}", flush=True)
                    rows.append((size, model, None, None, None, None, None, res["err"].strip()[-300:]))
                else:
                    mpix = size * size / 1e6
                    rows.append((size, model, res["peak_kb"] / 2**20, mpix / res["wall"], mpix / res["cpu"],
                                 res["wall"], res["fuse"], res["how"]))
                    print(f"  {model}: peak RSS {rows[-1][2]:.2f} GiB, {rows[-1][3]:.3f} MPix/s wall, "
                          f"{rows[-1][4]:.3f} MPix per CPU-s ({res['wall']:.1f} s, {res['cpu']:.1f} CPU-s) -- "
                          f"{res['how']}", flush=True)
                for suffix in (".tif", ".png"):
                    (tmp / f"out_{size}_{model}{suffix}").unlink(missing_ok=True)
                report(a, info, load0, rows)
            pan.unlink()
            ms.unlink()
    print(report(a, info, load0, rows))
    return 0


def report(a, info: dict, load0, rows) -> str:
    load1 = os.getloadavg()
    lines = [
        "# Whole-scene inference: peak memory and speed",
        "",
        "Measured by `scripts/bench_scene_inference.py` (`fusionzoo pansharpen` in a fresh process per cell; peak RSS",
        "from `getrusage(RUSAGE_CHILDREN)`; MPix/s = PAN megapixels per second of the whole command: reading, the",
        "tile plan, the fusion, the deflate GeoTIFF and the preview PNG, by wall clock and per CPU-second of the",
        "process, user + system, which the load of a shared machine changes less).  Synthetic uint16 scenes: PAN",
        "N x N, MS N/4 x N/4 x 4 bands, 11-bit values.  Target of issue 9: 8192 x 8192 under 3 GB peak RSS on",
        "2 cores.",
        "",
        (f"Machine: {info['cpu']}, {info['cores']} cores visible, {info['memory']} RAM; {a.threads} threads "
         f"(`OMP_NUM_THREADS`); Python {info['python']}, torch {info['torch']}, rasterio {info['rasterio']} "
         f"(GDAL {info['gdal']}); run under `nice -n 10`."),
        (f"Load average (1, 5, 15 min) at the start: {load0[0]:.2f}, {load0[1]:.2f}, {load0[2]:.2f}; at the last "
         f"row: {load1[0]:.2f}, {load1[1]:.2f}, {load1[2]:.2f} (a machine shared with other jobs: the wall times "
         f"grow with the load)."),
        "",
        "| PAN size | model | peak RSS (GiB) | MPix/s (wall) | MPix per CPU-s | wall (s) | fusion (s) | how |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size, model, rss, mps, mpc, wall, fuse, how in sorted(rows, key=lambda r: (r[0], r[1])):
        if rss is None:
            lines.append(f"| {size} | {model} | failed | | | | | {' '.join(how.split())} |")
            continue
        how = how.split(" on cpu ")[-1] if " on cpu " in how else how
        how = re.sub(r" in [0-9.]+ s$", "", how)
        lines.append(f"| {size} | {model} | {rss:.2f} | {mps:.3f} | {mpc:.3f} | {wall:.1f} | {fuse:.1f} | {how} |")
    text = "\n".join(lines) + "\n"
    if a.write:
        tmp = a.write.with_name(f".{a.write.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, a.write)
    return text


if __name__ == "__main__":
    raise SystemExit(main())
