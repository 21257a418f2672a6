"""The HS-MS fusion benchmark protocol: every method of the task on real scenes, reduced to make a reference.

Scenes (each an HS reference, an LR-HS and an HR-MS at a ratio; :data:`SCENES`):

* ``cave_<scene>_x8`` / ``_x32``: the two held-out CAVE scenes (``fake_and_real_food``,
  ``chart_and_stuffed_toy``; 512 x 512 x 31, 400-700 nm), LR-HS by the Yokoya toolbox's Gaussian with FWHM =
  ratio over each block (``x8``, the ``udaln_wald`` preset) or CUCaNet's protocol (``x32``), HR-MS by the Nikon
  D700 response of CUCaNet's code;
* ``paris_x3``: the Hyperion + ALI pair of HySure's demo (both on the 30 m grid): the HS reduced by 3 (block
  mean), the real ALI MS kept at 30 m, the original HS as reference;
* ``houston2018_x4``: the DFC2018 crop, HS 128 x 128 x 48 and RGB 512 x 512 both reduced by 4, the original HS
  as reference;
* ``hysu_x4``: DLR HySU (HySpex, 135 bands 417-903 nm, reflectance x 1e4), cropped to 84 x 120, LR-HS by the
  FWHM = ratio Gaussian, HR-MS simulated with the WorldView-2 response.

Scores: PSNR (per-band peak of the reference), SAM (degrees), ERGAS (with the ratio), SSIM (Gaussian 11 x 11,
data range 1) and the run time.  Learned super-resolution tags use the HS alone; fitted methods (CUCaNet) are run
only when named (``--models cucanet``), since one fit takes minutes to hours.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from ..registry import create_model, get_arch
from .runner import benchmark_methods, fmt, md_table, short_error, write_csv, write_text_atomic

__all__ = ["SCENES", "METRICS", "load_benchmark_scene", "score", "run_hs_ms_benchmark", "write_tables",
           "add_arguments", "run_cli", "DESCRIPTION"]

METRICS = ("PSNR", "SAM", "ERGAS", "SSIM")
HELD_OUT_CAVE = ("fake_and_real_food", "chart_and_stuffed_toy")
SCENES = (*(f"cave_{s}_x8" for s in HELD_OUT_CAVE), *(f"cave_{s}_x32" for s in HELD_OUT_CAVE), "paris_x3",
          "houston2018_x4", "hysu_x4")
COLUMNS = ("scene", "ratio", "hs_bands", "ms_bands", "size", "method", "kind", *METRICS, "seconds", "note")
DESCRIPTION = (
    "Run every classical HS-MS fusion method and every learned tag (or --models; fitted methods such as cucanet "
    "only when named) on the held-out CAVE scenes (x8, x32), the Paris Hyperion + ALI pair (x3), the Houston "
    "2018 crop (x4) and DLR HySU (x4, simulated MS), each reduced to make a reference: PSNR, SAM, ERGAS, SSIM and "
    "run time; writes hs_ms_fusion.{md,csv} under --out.")


def load_benchmark_scene(name: str, root: str | os.PathLike) -> dict[str, Any]:
    """``{"hs", "ms", "gt"}`` (1, C, h, w) float tensors and ``ratio`` of a scene of :data:`SCENES`."""
    from ..datasets.hs_ms_fusion import CAVE, Houston2018Crop, HySureParis
    from ..degradation import get_preset, make_pair
    from ..io import read_geotiff

    root = Path(root)
    hs = root / "hsms"
    if name.startswith("cave_"):
        scene, _, r = name[5:].rpartition("_x")
        cube = CAVE(hs / "cave", scenes=[scene])[0]["gt"]
        preset = "cucanet_cave_x32" if r == "32" else get_preset("udaln_wald", ratio=int(r), srf="nikon_d700_cucanet",
                                                                   srf_bands=None)
        pair = make_pair(cube, preset, hs_wavelengths=tuple(400.0 + 10 * i for i in range(31)), seed=0)
    elif name == "paris_x3":
        pair = HySureParis(hs / "paris_hyperion_ali", reduce=3, reduce_ms=False)[0]
    elif name == "houston2018_x4":
        pair = Houston2018Crop(hs / "houston2018_crop", reduce=4, reduce_ms=True)[0]
    elif name == "hysu_x4":
        arr, _ = read_geotiff(hs / "hysu_dlr/DLR_HySU/HySpex/full/DLR_HySU_HS_full.tif", "HySU cube")
        cube = torch.from_numpy(arr[:, :84, :120].astype("float32") / 1e4)
        wl = tuple(417.0 + (903.0 - 417.0) * i / 134 for i in range(135))
        pair = make_pair(cube, get_preset("udaln_wald", ratio=4), hs_wavelengths=wl, seed=0)
    else:
        raise KeyError(f"unknown benchmark scene {name!r}; the scenes are {', '.join(SCENES)}")
    out = {k: pair[k][None].float() if pair[k].dim() == 3 else pair[k].float() for k in ("hs", "ms", "gt")}
    out["ratio"] = out["gt"].shape[-1] // out["hs"].shape[-1]
    out["srf"] = pair.get("srf") if torch.is_tensor(pair.get("srf")) else None  # known for simulated MS only
    return out


def score(fused: torch.Tensor, gt: torch.Tensor, ratio: int) -> dict[str, float]:
    """PSNR, SAM, ERGAS and SSIM of ``fused`` against ``gt`` ((1, C, H, W))."""
    from .. import metrics as M

    f, g = fused.double().clamp_min(0), gt.double()
    return {"PSNR": float(M.psnr(f, g)), "SAM": float(M.sam(f, g)), "ERGAS": float(M.ergas(f, g, ratio)),
            "SSIM": float(M.ssim(f, g, data_range=1.0))}


def _run(name: str, data: dict[str, Any], srf: Any = None) -> tuple[torch.Tensor, float]:
    cfg = get_arch(name).cfg
    if cfg.weights:
        model = create_model(name, pretrained=True)
        if getattr(model, "ratio", data["ratio"]) != data["ratio"]:
            raise ValueError(f"works at ratio {model.ratio}, scene has ratio {data['ratio']}")
    else:
        model = create_model(name, **({"srf": srf} if srf is not None else {}))
    model.eval()
    inputs = {k: data[k] for k in cfg.inputs}
    t0 = time.perf_counter()
    with torch.no_grad() if not cfg.fitted else torch.enable_grad():
        out = model(**inputs)
    return out.detach(), time.perf_counter() - t0


def _run_blind_first(name: str, data: dict[str, Any]) -> tuple[torch.Tensor, float, str]:
    """Run a method blind (estimating the spectral response itself where it can); a method that needs the
    response gets the true one of a simulated MS, or HySure's estimate for a real pair; the note says which."""
    try:
        return (*_run(name, data), "")
    except ValueError as e:
        if "srf=" not in str(e):
            raise
    if data.get("srf") is not None:
        return (*_run(name, data, data["srf"].float()), "given the true spectral response")
    return (*_run(name, data, "hysure"), "spectral response estimated as HySure does")


def run_hs_ms_benchmark(scenes: Sequence[str] | None = None, models: Sequence[str] | None = None,
                        root: str | os.PathLike = "../shared/data", log: Callable[[str], None] | None = print
                        ) -> dict[str, Any]:
    """Run the methods on the scenes; returns ``{"rows": [...], "settings": {...}}``."""
    say = log or (lambda s: None)
    names = benchmark_methods("hs_ms_fusion", models)
    if models is None:
        names = [n for n in names if not get_arch(n).cfg.fitted]
    rows, t_start = [], time.perf_counter()
    for sc in scenes or SCENES:
        data = load_benchmark_scene(sc, root)
        base = {"scene": sc, "ratio": data["ratio"], "hs_bands": data["hs"].shape[1], "ms_bands": data["ms"].shape[1],
                "size": f"{data['gt'].shape[-1]}x{data['gt'].shape[-2]}"}
        for name in names:
            row = {**base, "method": name, "kind": get_arch(name).cfg.kind,
                   "seconds": None, "note": ""}
            try:
                fused, dt, note = _run_blind_first(name, data)
                row.update(score(fused, data["gt"], data["ratio"]), seconds=dt, note=note)
            except Exception as e:  # noqa: BLE001 - reported in the table
                row["note"] = f"n/a: {short_error(e)}"
            say(f"{sc} {name}: " + (f"PSNR {row['PSNR']:.2f} SAM {row['SAM']:.2f} in {row['seconds']:.1f} s"
                                    if row["seconds"] is not None else row["note"]))
            rows.append(row)
    settings = {"threads": torch.get_num_threads(), "cpus": os.cpu_count(), "torch": torch.__version__,
                "machine": platform.machine(), "date": _dt.date.today().isoformat(),
                "total_seconds": time.perf_counter() - t_start}
    return {"rows": rows, "settings": settings}


def write_tables(result: dict[str, Any], out_dir: str | os.PathLike) -> list[Path]:
    """``hs_ms_fusion.md`` (one table per scene, sorted by PSNR) and ``hs_ms_fusion.csv``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows, s = result["rows"], result["settings"]
    write_csv(rows, COLUMNS, out / "hs_ms_fusion.csv")
    intro = __doc__.split("\n\n", 1)[1].strip().replace("``", "`").replace(":data:", "")
    lines = ["# HS-MS fusion benchmark", "", intro, "",
             f"Generated by `fusionzoo benchmark hs_ms_fusion` on {s['date']}: {s['threads']} torch threads of "
             f"{s['cpus']} CPUs, torch {s['torch']}; total {s['total_seconds']:.0f} s. Run times are wall-clock "
             f"seconds on a machine shared with other jobs: compare them within a table only.", ""]
    for sc in dict.fromkeys(r["scene"] for r in rows):
        srows = [r for r in rows if r["scene"] == sc]
        r0 = srows[0]
        ok = sorted((r for r in srows if r.get("PSNR") is not None), key=lambda r: -r["PSNR"])
        lines += [f"## {sc}", "", f"Ratio {r0['ratio']}, {r0['hs_bands']} HS bands, {r0['ms_bands']} MS bands, "
                  f"reference {r0['size']}.", ""]
        lines += md_table(["method", "kind", *METRICS, "seconds", "note"],
                          [[f"`{r['method']}`", r["kind"], *(fmt(r[m]) for m in METRICS), fmt(r["seconds"], 2),
                            r["note"]] for r in ok])
        left = [r for r in srows if r.get("PSNR") is None]
        if left:
            lines += ["", "Not scored: " + "; ".join(f"`{r['method']}` ({r['note']})" for r in left) + "."]
        lines.append("")
    write_text_atomic(out / "hs_ms_fusion.md", "\n".join(lines))
    return [out / "hs_ms_fusion.md", out / "hs_ms_fusion.csv"]


def add_arguments(b) -> None:
    """The options of ``fusionzoo benchmark hs_ms_fusion``."""
    b.add_argument("--scenes", nargs="+", metavar="NAME", choices=SCENES, help="scenes (default: all)")
    b.add_argument("--models", nargs="+", metavar="NAME", help="methods or wildcards (default: every classical "
                   "method and learned tag)")
    b.add_argument("--root", default="../shared/data", help="data folder holding hsms/... (default: ../shared/data)")
    b.add_argument("--out", default="docs/benchmarks", help="output folder (default: docs/benchmarks)")
    b.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    b.add_argument("--quiet", action="store_true", help="no progress messages")


def run_cli(args) -> int:
    """``fusionzoo benchmark hs_ms_fusion``."""
    import sys

    from ..tasks import TaskError

    root = Path(args.root).expanduser()
    if not (root / "hsms").is_dir():
        raise TaskError(f"data folder {root}/hsms does not exist; pass --root (the folder holding hsms/...)")
    if args.threads:
        torch.set_num_threads(args.threads)
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if not args.quiet else None
    res = run_hs_ms_benchmark(args.scenes, args.models, root, log=log)
    for p in write_tables(res, Path(args.out).expanduser()):
        print(f"wrote {p}")
    return 0
