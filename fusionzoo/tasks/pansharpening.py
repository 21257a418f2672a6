"""The pansharpening task: ``model(ms=..., pan=...)`` -> the MS at the PAN's resolution.

Inputs: ``ms`` (B, C, h, w) and ``pan`` (B, 1, ratio·h, ratio·w), floating point in [0, 1] of the sensor's full
scale, ``DN / (2**bits - 1)``; output (B, C, ratio·h, ratio·w) on the same scale.  Protocols: reduced
resolution (Wald's protocol, against a reference) and full resolution (no reference).  The command line reads
a PAN + MS GeoTIFF pair (or the built-in sample), scales it by the bit depth and writes a uint16 GeoTIFF on
the PAN's grid and a quicklook; the benchmark protocol is :mod:`fusionzoo.benchmarks.pansharpening`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import InputSpec, Modality, Task, TaskError
from .common import check_device, check_output_path

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from ..weights import Weights

__all__ = ["PansharpeningTask", "guess_bit_depth"]


def guess_bit_depth(max_dn: float, dtype: np.dtype) -> int:
    """The smallest usual bit depth (8 for uint8, else 11, 12, 14, 16) whose full scale holds ``max_dn``."""
    if dtype == np.uint8:
        return 8
    for bits in (11, 12, 14, 16):
        if max_dn <= 2**bits - 1:
            return bits
    return 16


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

    def describe_inputs(self, w: "Weights") -> dict[str, InputSpec]:
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
                            "(default: the sample's 11, 8 for uint8 files, else the weights' bit depth, else "
                            "guessed from the data)")
        s.add_argument("--ignore-georef", action="store_true",
                       help="pair PAN and MS by their image sizes alone, without checking (or writing) their "
                            "georeference; for files whose georeference is missing or wrong")
        s.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
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
                       help="output GeoTIFF; the quicklook is written beside it as OUT.png")

    def run_cli(self, name: str, args: argparse.Namespace) -> int:
        from ..registry import get_arch, get_weights, split_name

        t0 = time.perf_counter()
        _check_args(args)
        out = check_output_path(args.output)
        check_device(args.device)
        entry = get_arch(name)  # fail fast on an unknown model or tag, before reading anything
        if split_name(name)[1] is not None or entry.cfg.weights:
            get_weights(name)
        pair = _read_pair(args)
        model = _model_for(name, pair, args)
        w = getattr(model, "pretrained_cfg", None)
        bits, why = _bit_depth(args, pair, w, name)
        full = 2**bits - 1
        ms, pan = _tensors(pair, full, args.device)
        model.to(args.device)
        if args.adapt > 0:
            _adapt(model, entry, ms, pan, args, w)
        fused, t_model = _fuse(model, ms, pan, name, args.device)
        dn = np.rint(fused.astype(np.float64) * full).astype(np.uint16)
        names, rgb_names = _write(out, dn, pair, model, w, bits, name, args)
        _report(args, pair, entry, model, w, bits, full, why, t_model, out, dn, rgb_names, t0)
        return 0

    # --- cards ------------------------------------------------------------------------------------------
    def weights_section(self, arch: str) -> str:
        from ..cards.pansharpening import weights_section

        return weights_section(arch)

    def heldout_table(self) -> str:
        from ..cards.pansharpening import heldout_table

        return heldout_table()

    def hub_rows(self, w: "Weights") -> list[tuple[str, str]]:
        from ..hub import sensor_title

        return [("Sensor", sensor_title(w.sensor)), ("Bands", f"{w.num_bands}: {', '.join(w.bands)}"),
                ("Resolution ratio", str(w.ratio)), ("Bit depth", str(w.bit_depth))]

    def usage_lines(self, name: str, w: "Weights") -> list[str]:
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


def _read_pair(args: argparse.Namespace) -> dict[str, Any]:
    from ..io import SAMPLE_MS, SAMPLE_PAN, GeoreferenceError, read_pan_ms

    pan_path, ms_path = (SAMPLE_PAN, SAMPLE_MS) if args.sample else (Path(args.pan), Path(args.ms))
    try:
        pair = read_pan_ms(pan_path, ms_path, check_georef=not args.ignore_georef)
    except GeoreferenceError as e:
        raise TaskError(f"{e} (or pass --ignore-georef to pair the images by their sizes alone; the result "
                        f"then has no georeference)") from e
    pair.update(pan_path=pan_path, ms_path=ms_path)
    return pair


def build_pansharpening_model(name: str, ratio: int, sensor: str | None = None) -> "torch.nn.Module":
    """The model the command line runs: a learned one with its pretrained weights, a classical one at ``ratio``
    (with ``sensor`` for the methods that use its MTF)."""
    from ..registry import create_model, get_arch, split_name

    entry = get_arch(name)
    arch, _ = split_name(name)
    if entry.cfg.task != "pansharpening":
        raise TaskError(f"model {arch!r} is a {entry.cfg.task} model, not a pansharpening one "
                        f"(`fusionzoo list --task pansharpening` shows those)")
    if entry.cfg.classical:
        return create_model(name, ratio=ratio, **({"sensor": sensor} if sensor else {}))
    if not entry.cfg.weights:
        raise TaskError(f"model {arch!r} has no pretrained weights yet, so it cannot pansharpen; "
                        f"`fusionzoo list --pretrained` shows the models that can, or use a classical one "
                        f"(e.g. --model exp)")
    return create_model(name, pretrained=True)


def _model_for(name: str, pair: dict[str, Any], args: argparse.Namespace) -> "torch.nn.Module":
    n_bands, ratio = pair["ms"].shape[0], pair["ratio"]
    model = build_pansharpening_model(name, ratio, args.sensor or ("WV3" if args.sample else None)).eval()
    model_bands, band_names = getattr(model, "num_bands", None), getattr(model, "band_names", None)
    if model_bands is not None and model_bands != n_bands:
        names = f" ({', '.join(band_names)})" if band_names else ""
        raise TaskError(f"model {name} expects {model_bands} MS bands{names}, but {pair['ms_path']} has "
                        f"{n_bands}; select and order the bands to match")
    if getattr(model, "ratio", ratio) != ratio:
        raise TaskError(f"model {name} works at resolution ratio {model.ratio}, but the PAN/MS pair has ratio "
                        f"{ratio}")
    return model


def _bit_depth(args: argparse.Namespace, pair: dict[str, Any], w: "Weights | None", name: str) -> tuple[int, str]:
    """The [0, 1] scale ``DN / (2**bits - 1)``: the bit depth and why it was chosen."""
    from ..sensors import get_sensor

    max_dn = float(max(pair["ms"].max(), pair["pan"].max()))
    if args.bit_depth is not None:
        bits, why = args.bit_depth, "--bit-depth"
    elif args.sample:
        bits, why = get_sensor("WV3").bit_depth, "the sample's sensor, WorldView-3"
    elif pair["dtype"] == np.uint8:
        bits, why = 8, "8-bit files"
    elif w is not None and max_dn <= 2**w.bit_depth - 1:
        bits, why = w.bit_depth, f"the bit depth the weights {name} were trained on"
    else:
        bits = guess_bit_depth(max_dn, pair["dtype"])
        why = f"guessed from the largest value, {max_dn:g}; pass --bit-depth to set it"
    if max_dn > 2**bits - 1:
        raise TaskError(f"the inputs reach {max_dn:g}, above the {bits}-bit full scale {2**bits - 1}; pass the "
                        f"right --bit-depth (e.g. {guess_bit_depth(max_dn, pair['dtype'])})")
    return bits, why


def _tensors(pair: dict[str, Any], full: int, device: str) -> tuple["torch.Tensor", "torch.Tensor"]:
    import torch

    ms = torch.from_numpy(pair["ms"].astype(np.float32) / full)[None].to(device)
    pan = torch.from_numpy(pair["pan"].astype(np.float32) / full)[None].to(device)
    return ms, pan


def _adapt(model, entry, ms, pan, args: argparse.Namespace, w: "Weights | None") -> None:
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


def _fuse(model, ms, pan, name: str, device: str) -> tuple[np.ndarray, float]:
    import torch

    t1 = time.perf_counter()
    try:
        with torch.no_grad():
            fused = model(ms, pan)
    except torch.OutOfMemoryError as e:
        raise TaskError(f"out of memory on {device} for a {pan.shape[-1]}x{pan.shape[-2]} PAN; crop the inputs "
                        f"or use --device cpu") from e
    t_model = time.perf_counter() - t1
    want = (1, ms.shape[1], *pan.shape[-2:])
    if tuple(fused.shape) != want:
        raise TaskError(f"model {name} returned shape {tuple(fused.shape)}, expected {want}")
    if not torch.isfinite(fused).all():
        raise TaskError(f"model {name} produced NaN or infinite values; nothing was written")
    return fused.clamp_(0, 1)[0].cpu().numpy(), t_model


def _write(out: Path, dn: np.ndarray, pair: dict[str, Any], model, w, bits: int, name: str,
           args: argparse.Namespace) -> tuple[list[str] | None, str]:
    """The GeoTIFF (PAN grid, uint16 DN) and its quicklook; no file is left behind on failure."""
    from ..io import quicklook, rgb_indexes_for, write_geotiff
    from ..sensors import get_sensor

    n_bands = dn.shape[0]
    out_names = getattr(model, "band_names", None) or (w.bands if w is not None else None)
    if out_names is None and args.sample:
        out_names = get_sensor("WV3").bands
    if out_names is None:
        desc = pair["ms_meta"]["descriptions"]
        out_names = desc if all(desc) and len(desc) == n_bands else None
    rgb = rgb_indexes_for(n_bands, out_names)
    tags = {"FUSIONZOO_MODEL": name, "BIT_DEPTH": bits, "SOURCE_PAN": pair["pan_path"].name,
            "SOURCE_MS": pair["ms_path"].name}
    write_geotiff(out, dn, pair["crs"], pair["transform"], "uint16",
                  band_names=list(out_names) if out_names else None, tags=tags)
    try:
        quicklook(dn, rgb, out.with_suffix(".png"))
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out_names, ", ".join(out_names[i] if out_names else str(i + 1) for i in rgb)


def _report(args, pair, entry, model, w, bits, full, why, t_model, out, dn, rgb_names, t0) -> None:
    ms_np, pan_np = pair["ms"], pair["pan"]
    n_params = sum(p.numel() for p in model.parameters())
    crs = pair["crs"].to_string() if pair["crs"] is not None else "no CRS"
    what = ("the built-in sample (WorldView-3, Shanghai; CC BY-SA 4.0)" if args.sample
            else f"{pair['pan_path']} + {pair['ms_path']}")
    weights_txt = f", weights {entry.arch}.{w.tag}" if w is not None else ""
    print(f"read {what}: MS {ms_np.shape[0]} bands {ms_np.shape[2]}x{ms_np.shape[1]}, PAN {pan_np.shape[2]}x"
          f"{pan_np.shape[1]}, ratio {pair['ratio']}, {crs}")
    print(f"scaled DN / {full} ({bits}-bit: {why})")
    print(f"ran {entry.arch} ({entry.cfg.kind}, {n_params:,} parameters{weights_txt}) on {args.device} "
          f"in {t_model:.2f} s")
    geo = "CRS and transform of the PAN" if pair["crs"] is not None or pair["transform"] is not None \
        else "no georeference"
    print(f"wrote {out} ({dn.shape[0]} bands, {dn.shape[2]}x{dn.shape[1]}, uint16 DN, {geo})")
    print(f"wrote {out.with_suffix('.png')} (quicklook, RGB = bands {rgb_names}, 2-98 % stretch); total "
          f"{time.perf_counter() - t0:.2f} s")
