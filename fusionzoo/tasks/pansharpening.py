"""The pansharpening task: ``model(ms=..., pan=...)`` -> the MS at the PAN's resolution.

Inputs: ``ms`` (B, C, h, w) and ``pan`` (B, 1, ratio·h, ratio·w), floating point in [0, 1] of the sensor's full
scale, ``DN / (2**bits - 1)``; output (B, C, ratio·h, ratio·w) on the same scale.  Protocols: reduced
resolution (Wald's protocol, against a reference) and full resolution (no reference).  The command line reads
a PAN + MS GeoTIFF pair (or the built-in sample) by windows, scales it by the bit depth (float data already in
[0, 1] is kept as it is), fuses it tile by tile with the method's margin
(:mod:`fusionzoo.inference.pansharpening`) and writes a uint16 GeoTIFF on the PAN's grid (nodata carried
through) and a bounded-size preview PNG; the benchmark protocol is :mod:`fusionzoo.benchmarks.pansharpening`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import InputSpec, Modality, Task, TaskError
from .common import check_device, check_not_input, check_output_path

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from ..weights import Weights

__all__ = ["PansharpeningTask", "guess_bit_depth"]


def guess_bit_depth(max_dn: float, dtype: np.dtype) -> int:
    """The smallest usual bit depth (8 for uint8, else 11, 12, 14, 16) whose full scale holds ``max_dn``."""
    from ..inference.pansharpening import guess_bit_depth as guess

    return guess(max_dn, dtype)


class PansharpeningTask(Task):
    name = "pansharpening"
    title = "Pansharpening"
    modalities = (Modality("ms", "low-resolution multispectral image"),
                  Modality("pan", "panchromatic image, ratio times finer"))
    output = "the MS at the PAN's resolution (B, C, ratio*h, ratio*w), same scale as the inputs"
    metrics = ("Q2n", "SAM", "ERGAS", "SCC", "D_lambda", "D_s", "HQNR")
    protocols = {"reduced_resolution": "Wald's protocol: the degraded pair fused and scored against the original MS",
                 "full_resolution": "the input pair at its native scale, scored without reference"}
    primary = "ms"
    shorthand = "pansharpen"
    shorthand_help = ("fuse a PAN + MS GeoTIFF pair (or the built-in sample) into a GeoTIFF at PAN resolution (uint16 "
                      "digital numbers, CRS and transform of the PAN) and a quicklook PNG beside it")
    default_model = "pnn"
    benchmark_summary = "every pansharpening method on the catalogued scenes"
    benchmark_module = "pansharpening"
    benchmark_runner = "run_pansharpening_benchmark"

    def describe_inputs(self, w: Weights) -> dict[str, InputSpec]:
        specs = super().describe_inputs(w)
        if "pan" not in specs and "ms" in specs:  # the PAN of a pansharpening record: one band, same sensor
            specs["pan"] = InputSpec(sensor=w.sensor, bands=("pan",), wavelengths=None, scaling=w.scaling,
                                     bit_depth=w.bit_depth, ratio=1)
        return specs

    # --- command line -----------------------------------------------------------------------------------
    def add_run_arguments(self, parser: argparse.ArgumentParser, names=("ms", "pan")) -> None:
        s = parser
        s.add_argument("--pan", metavar="PAN.tif", help="panchromatic GeoTIFF (1 band)")
        s.add_argument("--ms", metavar="MS.tif", help="multispectral GeoTIFF (ratio times smaller than the PAN)")
        s.add_argument("--sample", action="store_true", help="use the built-in WorldView-3 sample scene")
        s.add_argument("--bit-depth", type=int, metavar="N",
                       help="radiometric resolution of the inputs: values are scaled by 1 / (2**N - 1) "
                            "(default: the sample's 11, 8 for uint8 files, float data already in [0, 1] as it is, "
                            "else the weights' bit depth, else guessed from the valid pixels)")
        s.add_argument("--scale", type=float, metavar="S",
                       help="divide the inputs by S to bring them to [0, 1] (instead of --bit-depth; --scale 1 for "
                            "reflectance already in [0, 1]); the output is then float32 on the inputs' scale when S "
                            "is 1, else uint16 DN")
        s.add_argument("--nodata", type=float, metavar="V",
                       help="nodata value of the inputs (default: the files' own); nodata pixels are left out of "
                            "the scale, and written as nodata with the model's margin around them")
        s.add_argument("--tile", type=int, metavar="N",
                       help="fuse N x N PAN pixels at a time, with the method's margin (default: 1024 for methods "
                            "that can be tiled, else the whole scene; 0: the whole scene)")
        s.add_argument("--max-pixels", type=int, metavar="N",
                       help="refuse rasters declaring more than N pixels per band (default: FUSIONZOO_MAX_PIXELS, "
                            "else 2**30)")
        s.add_argument("--checkpoint", metavar="DIR",
                       help="weights folder to load instead of the model's published weights (e.g. one written by "
                            "`fusionzoo finetune` or `export-weights`)")
        s.add_argument("--ignore-georef", action="store_true",
                       help="pair PAN and MS by their image sizes alone, without checking (or writing) their "
                            "georeference; for files whose georeference is missing or wrong")
        s.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                       help="where the model runs (default cpu)")
        s.add_argument("--adapt", type=int, default=0, metavar="N",
                       help="target-adaptive fine-tuning (PNN+): N Adam steps on the input's Wald-reduced version "
                            "before fusing (learned models only; default 0: off)")
        s.add_argument("--adapt-lr", type=float, default=1e-4, metavar="LR",
                       help="learning rate of --adapt (default 1e-4)")
        s.add_argument("--sensor", metavar="SENSOR",
                       help="sensor of the scene (fusionzoo.sensors): its MTF is used by the classical methods that "
                            "need one and by --adapt (default: the weights' sensor; WV3 for --sample; classical "
                            "methods otherwise use their generic gains)")
        s.add_argument("-o", "--output", required=True, metavar="OUT.tif",
                       help="output GeoTIFF; a preview PNG (at most 1024 pixels on the long side) is written "
                            "beside it as OUT.png; both replace an older pair only once both are written")

    def run_cli(self, name: str, args: argparse.Namespace) -> int:
        from ..inference.pansharpening import pansharpen_scene
        from ..io import SAMPLE_MS, SAMPLE_PAN
        from ..registry import get_arch, get_weights, split_name

        t0 = time.perf_counter()
        _check_args(args)
        out = check_output_path(args.output)
        check_device(args.device)
        pan_path, ms_path = (SAMPLE_PAN, SAMPLE_MS) if args.sample else (Path(args.pan), Path(args.ms))
        check_not_input(out, [pan_path, ms_path])
        entry = get_arch(name)  # fail fast on an unknown model or tag, before reading anything
        if getattr(args, "checkpoint", None) is None and (split_name(name)[1] is not None or entry.cfg.weights):
            get_weights(name)
        scene = _open_scene(args, pan_path, ms_path)
        with scene:
            model = _model_for(name, scene, args)
            w = getattr(model, "pretrained_cfg", None)
            events: dict[str, Any] = {}
            if args.adapt > 0:
                _adapt_scene(model, entry, scene, args, w)
            out_names = _band_names(model, w, scene, args)
            tags = {"FUSIONZOO_MODEL": name, "SOURCE_PAN": pan_path.name, "SOURCE_MS": ms_path.name}
            tile = "auto" if args.tile is None else args.tile
            res = pansharpen_scene(
                model, scene, None, out, tile=tile, device=args.device, scale=args.scale, bit_depth=args.bit_depth,
                weights_bits=w.bit_depth if w is not None else None,
                default_bits=11 if args.sample and args.scale is None and args.bit_depth is None else None,
                band_names=list(out_names) if out_names else None, tags=tags,
                on_event=lambda k, v: _event(events, k, v))
        _report(args, scene, entry, model, w, res, events, out_names, t0)
        return 0

    # --- cards ------------------------------------------------------------------------------------------
    def weights_section(self, arch: str) -> str:
        from ..cards.pansharpening import weights_section

        return weights_section(arch)

    def heldout_table(self) -> str:
        from ..cards.pansharpening import heldout_table

        return heldout_table()

    def hub_rows(self, w: Weights) -> list[tuple[str, str]]:
        from ..hub import sensor_title

        return [("Sensor", sensor_title(w.sensor)), ("Bands", f"{w.num_bands}: {', '.join(w.bands)}"),
                ("Resolution ratio", str(w.ratio)), ("Bit depth", str(w.bit_depth))]

    def usage_lines(self, name: str, w: Weights) -> list[str]:
        r = w.ratio
        return [
            f"# ms: (B, {w.num_bands}, h, w) with bands {list(w.bands)}; pan: (B, 1, {r}h, {r}w)",
            f"# both scaled as: {w.scaling}",
            f"ms, pan = torch.rand(1, {w.num_bands}, 64, 64), torch.rand(1, 1, {64 * r}, {64 * r})",
            "with torch.no_grad():",
            f"    fused = model(ms, pan)  # (B, {w.num_bands}, {r}h, {r}w)",
        ]



# --- the steps of `fusionzoo pansharpen` / `fusionzoo run <pansharpening model>` ---------------------------
def _check_args(args: argparse.Namespace) -> None:
    if args.sample and (args.pan or args.ms):
        raise TaskError("give either --sample or --pan and --ms, not both")
    if not args.sample and not (args.pan and args.ms):
        raise TaskError("give --sample, or both --pan PAN.tif and --ms MS.tif")
    if args.bit_depth is not None and not 1 <= args.bit_depth <= 16:
        raise TaskError(f"--bit-depth must be between 1 and 16, got {args.bit_depth}")
    if args.adapt < 0 or not args.adapt_lr > 0:
        raise TaskError(f"--adapt must be >= 0 and --adapt-lr > 0, got {args.adapt} and {args.adapt_lr}")
    if args.scale is not None and args.bit_depth is not None:
        raise TaskError("give either --scale or --bit-depth, not both")
    if args.scale is not None and not (args.scale > 0 and np.isfinite(args.scale)):
        raise TaskError(f"--scale must be a positive number, got {args.scale:g}")
    if args.tile is not None and args.tile < 0:
        raise TaskError(f"--tile must be >= 0 (0: the whole scene), got {args.tile}")
    if args.max_pixels is not None and args.max_pixels < 1:
        raise TaskError(f"--max-pixels must be positive, got {args.max_pixels}")


def _open_scene(args: argparse.Namespace, pan_path: Path, ms_path: Path):
    from ..inference.pansharpening import open_scene
    from ..io import GeoreferenceError

    try:
        return open_scene(pan_path, ms_path, check_georef=not args.ignore_georef, nodata=args.nodata,
                          max_pixels=args.max_pixels)
    except GeoreferenceError as e:
        raise TaskError(f"{e} (or pass --ignore-georef to pair the images by their sizes alone; the result "
                        f"then has no georeference)") from e


def build_pansharpening_model(name: str, ratio: int, sensor: str | None = None,
                              checkpoint: str | None = None) -> torch.nn.Module:
    """The model the command line runs: a learned one with its pretrained weights (or the weights folder
    ``checkpoint``), a classical one at ``ratio`` (with ``sensor`` for the methods that use its MTF)."""
    from ..registry import create_model, get_arch, split_name

    entry = get_arch(name)
    arch, _ = split_name(name)
    if entry.cfg.task != "pansharpening":
        raise TaskError(f"model {arch!r} is a {entry.cfg.task} model, not a pansharpening one "
                        f"(`fusionzoo list --task pansharpening` shows those)")
    if entry.cfg.classical:
        if checkpoint is not None:
            raise TaskError(f"{arch} is a classical method (no parameters): --checkpoint does not apply")
        return create_model(name, ratio=ratio, **({"sensor": sensor} if sensor else {}))
    if checkpoint is not None:
        return create_model(name, pretrained=False, checkpoint=checkpoint)
    if not entry.cfg.weights:
        raise TaskError(f"model {arch!r} has no pretrained weights yet, so it cannot pansharpen; "
                        f"`fusionzoo list --pretrained` shows the models that can, or use a classical one "
                        f"(e.g. --model exp)")
    return create_model(name, pretrained=True)


def _model_for(name: str, scene, args: argparse.Namespace) -> torch.nn.Module:
    n_bands, ratio = scene.ms.count, scene.ratio
    model = build_pansharpening_model(name, ratio, args.sensor or ("WV3" if args.sample else None),
                                      getattr(args, "checkpoint", None)).eval()
    model_bands, band_names = getattr(model, "num_bands", None), getattr(model, "band_names", None)
    if model_bands is not None and model_bands != n_bands:
        names = f" ({', '.join(band_names)})" if band_names else ""
        raise TaskError(f"model {name} expects {model_bands} MS bands{names}, but {scene.ms.path} has "
                        f"{n_bands}; select and order the bands to match")
    if getattr(model, "ratio", ratio) != ratio:
        raise TaskError(f"model {name} works at resolution ratio {model.ratio}, but the PAN/MS pair has ratio "
                        f"{ratio}")
    return model


def _event(events: dict[str, Any], key: str, value: Any) -> None:
    events[key] = value
    if key == "warning":
        print(f"warning: {value}")


def _adapt_scene(model, entry, scene, args: argparse.Namespace, w: Weights | None) -> None:
    """Target-adaptive fine-tuning (PNN+) on the input scene's Wald-reduced version (the whole scene in memory)."""
    import torch

    from ..inference.pansharpening import choose_scale, scan

    sp, sm = scan(scene.pan, scene.nodata), scan(scene.ms, scene.nodata)
    div, _, _ = choose_scale(scene.dtype, min(sp["min"], sm["min"]), max(sp["max"], sm["max"]), scale=args.scale,
                             bit_depth=args.bit_depth, weights_bits=w.bit_depth if w is not None else None,
                             default_bits=11 if args.sample and args.scale is None and args.bit_depth is None
                             else None)
    _, H, W = scene.shape
    ms = torch.from_numpy(scene.ms.read(0, H // scene.ratio, 0, W // scene.ratio).astype(np.float32) / div)[None]
    pan = torch.from_numpy(scene.pan.read(0, H, 0, W).astype(np.float32) / div)[None]
    model.to(args.device)
    _adapt(model, entry, ms.to(args.device), pan.to(args.device), args, w)


def _adapt(model, entry, ms, pan, args: argparse.Namespace, w: Weights | None) -> None:
    """Target-adaptive fine-tuning (PNN+) on the input scene's Wald-reduced version."""
    from ..adapt import AdaptationError, target_adapt

    sensor = args.sensor or (w.sensor if w is not None else ("WV3" if args.sample else None))
    if sensor is None:
        raise TaskError("--adapt needs the sensor's MTF: pass --sensor (e.g. WV3, or generic)")
    if entry.cfg.classical:
        raise TaskError(f"--adapt fine-tunes learned models; {entry.arch} is classical (no parameters)")
    ta = time.perf_counter()
    try:
        target_adapt(model, ms, pan, sensor, iterations=args.adapt, lr=args.adapt_lr, progress=True)
    except (AdaptationError, KeyError) as e:
        raise TaskError(f"target adaptation failed: {e}") from e
    print(f"target-adapted {entry.arch} on the input ({args.adapt} iterations, Adam lr {args.adapt_lr:g}, "
          f"sensor {sensor}) in {time.perf_counter() - ta:.2f} s")


def _band_names(model, w, scene, args: argparse.Namespace):
    from ..sensors import get_sensor

    n_bands = scene.ms.count
    out_names = getattr(model, "band_names", None) or (w.bands if w is not None else None)
    if out_names is None and args.sample:
        out_names = get_sensor("WV3").bands
    if out_names is None:
        desc = scene.ms_meta.get("descriptions", ())
        out_names = desc if desc and all(desc) and len(desc) == n_bands else None
    return out_names


def _report(args, scene, entry, model, w, res, events, out_names, t0) -> None:
    C, H, W = res["shape"]
    n_params = sum(p.numel() for p in model.parameters())
    crs = scene.crs.to_string() if scene.crs is not None else "no CRS"
    what = ("the built-in sample (WorldView-3, Shanghai; CC BY-SA 4.0)" if args.sample
            else f"{scene.paths[0]} + {scene.paths[1]}")
    weights_txt = f", weights {entry.arch}.{w.tag}" if w is not None else ""
    nd = f", nodata {scene.nodata:g}" if scene.nodata is not None else ""
    print(f"read {what}: MS {C} bands {W // scene.ratio}x{H // scene.ratio}, PAN {W}x{H}, ratio {scene.ratio}, "
          f"{crs}{nd}")
    if res["bit_depth"] is not None:
        print(f"scaled DN / {res['scale']:g} ({res['bit_depth']}-bit: {res['why']})")
    else:
        print(f"scaled by 1 / {res['scale']:g} ({res['why']})")
    plan, tile = events.get("plan", (res["plan"], res["tile"]))
    how = (f"in {tile}x{tile} tiles, margin {plan.margin} px" if tile is not None and plan.kind == "local" else
           f"in {tile}x{tile} tiles, two passes (the scene's statistics first)" if tile is not None else
           "on the whole scene" + (f" ({plan.reason})" if plan.kind == "global" else ""))
    print(f"ran {entry.arch} ({entry.cfg.kind}, {n_params:,} parameters{weights_txt}) on {args.device} {how} "
          f"in {res['fuse_seconds']:.2f} s")
    geo = "CRS and transform of the PAN" if scene.crs is not None or scene.transform is not None \
        else "no georeference"
    kind = "uint16 DN" if res["dtype"] == "uint16" else f"{res['dtype']}, the inputs' scale"
    ndo = f", nodata {res['nodata']:g}" if res["nodata"] is not None else ""
    print(f"wrote {res['path']} ({C} bands, {W}x{H}, {kind}{ndo}, {geo})")
    rgb_names = ", ".join(out_names[i] if out_names else str(i + 1) for i in res["rgb"])
    print(f"wrote {res['preview']} (preview, RGB = bands {rgb_names}, 2-98 % stretch, at most 1024 px); total "
          f"{time.perf_counter() - t0:.2f} s")
