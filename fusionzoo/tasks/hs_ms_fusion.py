"""The HS-MS fusion task: ``model(hs=..., ms=...)`` -> the HS at the MS's resolution; single-image HS
super-resolution models declare only ``hs`` (and their ratio).

Inputs: ``hs`` (B, C, h, w), ``ms`` (B, c, ratio·h, ratio·w), floating point in the reflectance-like scale the
weights or the method expect (usually [0, 1]); output (B, C, ratio·h, ratio·w) on the HS scale.  Protocol:
Wald's protocol on simulated pairs (an HS image degraded spatially to make the LR-HS and spectrally to make the
MS, the original as reference; :mod:`fusionzoo.degradation`) and real pairs degraded alike.  The command line
reads GeoTIFFs and writes a float32 GeoTIFF on the MS grid with the band wavelengths in its metadata.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from .base import Modality, Task, TaskError
from .common import check_device, check_output_path

__all__ = ["HSMSFusionTask", "scale_of"]


def scale_of(arr: np.ndarray, given: float | None) -> tuple[float, str]:
    """The divisor that brings an input to the [0, 1]-like scale, and why it was chosen."""
    if given is not None:
        if not given > 0:
            raise TaskError(f"a scale must be > 0, got {given}")
        return float(given), "given"
    if np.issubdtype(arr.dtype, np.floating):
        return 1.0, "floating-point file, used as stored"
    peak = float(np.abs(arr).max()) or 1.0
    return peak, f"integer file divided by its largest value {peak:g}; pass --hs-scale / --ms-scale to set it"


class HSMSFusionTask(Task):
    name = "hs_ms_fusion"
    title = "Hyperspectral-multispectral fusion"
    modalities = (Modality("hs", "low-resolution hyperspectral image"),
                  Modality("ms", "high-resolution multispectral image of the same scene (fusion models)",
                           required=False))
    output = "the HS at the MS's resolution (B, C, ratio*h, ratio*w), on the HS scale"
    metrics = ("PSNR", "SAM", "ERGAS", "SSIM", "UIQI")
    protocols = {"simulated": "an HS image blurred and decimated to make the LR-HS and spectrally degraded to make "
                              "the MS; the original is the reference",
                 "real_pair": "a real HS + MS pair degraded alike by the ratio; the original HS is the reference"}
    primary = "hs"
    benchmark_summary = "every HS-MS fusion method on held-out real scenes (CAVE, Paris, Houston 2018, HySU)"
    benchmark_module = "hs_ms_fusion"
    benchmark_runner = "run_hs_ms_benchmark"

    def add_run_arguments(self, parser: argparse.ArgumentParser, names=("hs", "ms")) -> None:
        parser.add_argument("--hs", metavar="HS.tif", required=True, help="low-resolution hyperspectral GeoTIFF")
        if "ms" in names:
            parser.add_argument("--ms", metavar="MS.tif", required=True,
                                help="high-resolution multispectral GeoTIFF (ratio times finer than the HS)")
        parser.add_argument("--hs-scale", type=float, metavar="S", help="divide the HS by S (default: see --help)")
        parser.add_argument("--ms-scale", type=float, metavar="S", help="divide the MS by S")
        parser.add_argument("--ratio", type=int, help="resolution ratio (super-resolution models: default theirs)")
        parser.add_argument("--ignore-georef", action="store_true",
                            help="pair HS and MS by their sizes alone, without checking their georeference")
        parser.add_argument("--iterations", type=int, metavar="N",
                            help="models fitted to each input (CUCaNet): optimisation steps (default: the model's)")
        parser.add_argument("--seed", type=int, default=0, help="models fitted to each input: the seed (default 0)")
        parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
        parser.add_argument("-o", "--output", required=True, metavar="OUT.tif",
                            help="output GeoTIFF (float32, HS scale); a quicklook PNG is written beside it")

    def run_cli(self, name: str, args: argparse.Namespace) -> int:
        import torch

        from ..io import quicklook, read_geotiff, rgb_indexes_for, write_geotiff
        from ..registry import create_model, get_arch, get_weights

        t0 = time.perf_counter()
        out = check_output_path(args.output)
        check_device(args.device)
        entry = get_arch(name)
        hs, hs_meta = read_geotiff(args.hs, "HS image")
        hs_scale, why_hs = scale_of(hs, args.hs_scale)
        inputs = {"hs": torch.from_numpy(hs.astype(np.float32) / hs_scale)[None]}
        meta = hs_meta
        if getattr(args, "ms", None):
            from ..datasets.hs_ms_fusion import check_hs_ms_georeference

            ms, meta = read_geotiff(args.ms, "MS image")
            check_hs_ms_georeference(hs.shape[-2:], ms.shape[-2:], hs_meta, meta, args.ratio,
                                     check_georef=not args.ignore_georef)
            ms_scale, _ = scale_of(ms, args.ms_scale)
            inputs["ms"] = torch.from_numpy(ms.astype(np.float32) / ms_scale)[None]
        kwargs = {"ratio": args.ratio} if args.ratio else {}
        if entry.cfg.fitted:  # optimised on this pair: its iterations, seed and device (progress bar on stderr)
            kwargs.update(seed=args.seed, device=args.device, **({"iterations": args.iterations}
                                                                 if args.iterations else {}))
        elif args.iterations:
            raise TaskError(f"--iterations is for models fitted to each input; {entry.arch} is not one")
        if entry.cfg.weights and args.ratio and args.ratio != get_weights(name).ratio:
            raise TaskError(f"the weights {name} were trained at ratio {get_weights(name).ratio}, not {args.ratio}; "
                            f"pick a tag trained at {args.ratio} (`fusionzoo info {entry.arch}`) or drop --ratio")
        model = create_model(name, pretrained=bool(entry.cfg.weights), **kwargs).eval().to(args.device)
        with torch.no_grad():
            fused = model(**{k: v.to(args.device) for k, v in inputs.items()})
        if not torch.isfinite(fused).all():
            raise TaskError(f"model {name} produced NaN or infinite values; nothing was written")
        arr = (fused[0].cpu().numpy() * hs_scale).astype(np.float32)
        transform, crs = meta.get("transform"), meta.get("crs")
        if "ms" not in inputs and transform is not None:  # super-resolution: the HS grid, ratio times finer
            r = arr.shape[-1] / hs.shape[-1]
            transform = transform @ transform.scale(1 / r)
        names = [d or f"band_{i + 1}" for i, d in enumerate(hs_meta.get("descriptions") or [None] * arr.shape[0])]
        wl = getattr(getattr(model, "pretrained_cfg", None), "wavelengths", None) or getattr(model, "wavelengths", None)
        tags = {"FUSIONZOO_MODEL": name, "HS_SCALE": hs_scale}
        if wl and len(wl) == arr.shape[0]:
            tags["WAVELENGTHS_NM"] = ",".join(f"{x:g}" for x in wl)
        write_geotiff(out, arr, crs, transform, "float32",
                      band_names=names, tags=tags)
        try:
            quicklook(arr, rgb_indexes_for(arr.shape[0], None), out.with_suffix(".png"))
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        print(f"read {args.hs}" + (f" + {args.ms}" if "ms" in inputs else "") + f"; HS scale: {why_hs}")
        print(f"ran {entry.arch} ({entry.cfg.kind}) on {args.device}; wrote {out} ({arr.shape[0]} bands, "
              f"{arr.shape[2]}x{arr.shape[1]}, float32) and {out.with_suffix('.png')} in "
              f"{time.perf_counter() - t0:.2f} s")
        return 0

    def weights_section(self, arch: str) -> str:
        from ..cards.hs_ms_fusion import weights_section

        return weights_section(arch)

    def heldout_table(self) -> str:
        from ..cards.hs_ms_fusion import heldout_table

        return heldout_table()

    def hub_rows(self, w: Any) -> list[tuple[str, str]]:
        bands = ", ".join(w.bands) if w.num_bands <= 8 else f"{w.num_bands}: {w.bands[0]} ... {w.bands[-1]}"
        rows = [("Sensor (HS)", w.sensor), ("HS bands", bands), ("Resolution ratio", str(w.ratio))]
        rows += [(f"Input `{k}`", f"{v['sensor']}, {len(v['bands'])} bands") for k, v in w.modalities.items()]
        return rows

    def usage_lines(self, name: str, w: Any) -> list[str]:
        r = w.ratio
        return [f"hs = torch.rand(1, {w.num_bands}, 16, 16)  # scaled as: {w.scaling}",
                "with torch.no_grad():",
                f"    out = model(hs=hs)  # (1, {w.num_bands}, {16 * r}, {16 * r})"]
