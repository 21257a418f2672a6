"""Multimodal classification and crossmodal learning: models take their modalities by keyword, each a pixel
vector (B, C) or a patch (B, C, k, k), and return class scores (B, K).

Classification (``model(hs=..., lidar=...)``; SAR and MS as other modalities) is scored by overall accuracy,
average accuracy, kappa and per-class accuracy (:mod:`fusionzoo.metrics.classification`), as the mean and
standard deviation over seeds, on held-out pixels.  Crossmodal learning trains with several modalities and tests
with one missing: the same contract, the missing modality left out (or zero-filled by models that need it).

The command line (``fusionzoo run MODEL --hs HS.tif --lidar DSM.tif -o map.tif``) reads co-registered GeoTIFFs,
prepares them as the weights say (features such as the morphological profiles of a DSM, computed on the whole
raster, then the stored normalisation), classifies every pixel in batches and writes a uint8 class map with a
colour table and the class names, plus a coloured quicklook (:mod:`fusionzoo.inference.classification`).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .base import Modality, Task, TaskError
from .common import check_device, check_output_path

__all__ = ["ClassificationTask", "CrossmodalTask"]

_PROTOCOLS = {"official_split": "the dataset's official training / test pixels",
              "disjoint_blocks": "a spatially disjoint block split published with the weights"}


class ClassificationTask(Task):
    name = "classification"
    title = "Multimodal classification"
    modalities = (Modality("hs", "hyperspectral pixels or patches", required=False, kind="patch"),
                  Modality("lidar", "LiDAR rasters or features (DSM, profiles)", required=False, kind="patch"),
                  Modality("sar", "SAR pixels or patches", required=False, kind="patch"),
                  Modality("ms", "multispectral / RGB pixels or patches", required=False, kind="patch"))
    output = "class scores (B, K); over a scene, a class map"
    metrics = ("OA", "AA", "kappa")
    protocols = _PROTOCOLS
    primary = "hs"
    benchmark_summary = "every classification model and tag on the held-out pixels of the datasets present"
    benchmark_module = "classification"
    benchmark_runner = "run_classification_benchmark"

    # --- command line -----------------------------------------------------------------------------------
    def add_run_arguments(self, parser: argparse.ArgumentParser, names=()) -> None:
        for m in self.modalities:  # every modality: a model's weights may take other ones than its defaults
            parser.add_argument(f"--{m.name}", metavar=f"{m.name.upper()}.tif",
                                help=f"{m.description}: a GeoTIFF on the scene's grid")
        parser.add_argument("--mask", metavar="MASK.tif",
                            help="classify only the pixels where this raster is non-zero (default: every pixel)")
        parser.add_argument("--batch-size", type=int, default=8192, help="pixels per batch (default 8192)")
        parser.add_argument("--bn-mode", choices=("eval", "batch"), default="eval",
                            help="BatchNorm at test time: running statistics (default) or each batch's own "
                                 "(the authors' CML scripts)")
        parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
        parser.add_argument("-o", "--output", required=True, metavar="MAP.tif",
                            help="output class map (uint8 GeoTIFF, 0 = unclassified, colour table and class "
                                 "names); a quicklook PNG is written beside it")

    def run_cli(self, name: str, args: argparse.Namespace) -> int:
        from ..inference.classification import predict_class_map, write_class_map
        from ..io import read_geotiff
        from ..registry import create_model, get_arch

        t0 = time.perf_counter()
        out = check_output_path(args.output)
        check_device(args.device)
        if args.batch_size < 1:
            raise TaskError(f"--batch-size must be >= 1, got {args.batch_size}")
        entry = get_arch(name)
        if not entry.cfg.weights:
            raise TaskError(f"{entry.arch} has no trained weights to run; train it (configs/classification/) or "
                            f"pick a model with weights (`fusionzoo list --task {self.name} --pretrained`)")
        model = create_model(name, pretrained=True)
        model.bn_mode = args.bn_mode
        given = {m.name: getattr(args, m.name, None) for m in self.modalities if getattr(args, m.name, None)}
        if not given:
            raise TaskError(f"give at least one input: {' '.join('--' + m for m in model.inputs)}")
        extra = [k for k in given if k not in model.inputs]
        if extra:
            raise TaskError(f"{name} takes {', '.join('--' + m for m in model.inputs)}, not "
                            f"{', '.join('--' + k for k in extra)}")
        rasters, metas = {}, {}
        for k, path in given.items():
            rasters[k], metas[k] = read_geotiff(path, f"{k} raster")
        crs = {str(m["crs"]) for m in metas.values() if m["crs"] is not None}
        if len(crs) > 1:
            raise TaskError(f"the inputs are in different coordinate systems ({', '.join(sorted(crs))}); reproject "
                            f"them onto one grid first")
        prepared = model.prepare(rasters)
        shapes = {k: v.shape[-2:] for k, v in prepared.items()}
        if len(set(shapes.values())) > 1:
            raise TaskError(f"the inputs are not on one grid after preparation ({shapes}); resample them onto the "
                            f"grid the weights expect (`fusionzoo info {name}`)")
        H, W = next(iter(shapes.values()))
        mask = None
        if args.mask:
            m, _ = read_geotiff(args.mask, "mask")
            if m.shape[-2:] != (H, W):
                raise TaskError(f"the mask is {m.shape[-2]} x {m.shape[-1]}, the scene {H} x {W}; give a mask on "
                                f"the scene's grid")
            mask = m[0] != 0
        missing = [k for k in model.inputs if k not in given]
        cmap = predict_class_map(model, prepared, mask=mask, batch_size=args.batch_size, device=args.device,
                                 prepared=True, progress=not args.quiet)
        ref = next((metas[k] for k in given if rasters[k].shape[-2:] == (H, W)), None)
        transform = ref["transform"] if ref else None
        if ref is None:  # every input was resampled: scale the first one's grid
            k0 = next(iter(given))
            t = metas[k0]["transform"]
            transform = None if t is None else t @ t.scale(rasters[k0].shape[-1] / W, rasters[k0].shape[-2] / H)
        w = model.pretrained_cfg
        names = list(w.class_names) if w and w.classes else [f"class_{i + 1}" for i in range(model.num_classes)]
        colors = [c.get("color") for c in w.classes] if w and w.classes else None
        write_class_map(out, cmap, names, colors if colors and all(colors) else None,
                        crs=(ref or metas[next(iter(given))])["crs"], transform=transform)
        skipped = int(((cmap < 0) & (mask if mask is not None else True)).sum())
        if skipped == cmap.size:
            out.unlink(missing_ok=True)
            out.with_suffix(".png").unlink(missing_ok=True)
            raise TaskError("every pixel is nodata (NaN or infinite) in some input; nothing was classified")
        if skipped:
            print(f"  {skipped} pixels with NaN / infinite inputs (nodata) left unclassified (0)", file=sys.stderr)
        counts = np.bincount(cmap[cmap >= 0].ravel(), minlength=len(names))
        trained = "" if tuple(model.inputs) == tuple(model.modalities) else \
            f" (trained with {', '.join(model.modalities)}, used with {', '.join(model.inputs)})"
        print(f"{name}: {H} x {W} pixels, inputs {', '.join(given)}{trained}"
              + (f" ({', '.join(missing)} missing: zero-filled, the CML setting)" if missing else ""), file=sys.stderr)
        top = sorted(zip(counts, names), reverse=True)[:5]
        print("  most frequent: " + ", ".join(f"{n} {c / max(counts.sum(), 1):.1%}" for c, n in top), file=sys.stderr)
        print(f"wrote {out} and {out.with_suffix('.png')} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        return 0

    # --- cards ------------------------------------------------------------------------------------------
    def weights_section(self, arch: str) -> str:
        from ..cards.classification import weights_section

        return weights_section(arch, self.name)

    def heldout_table(self) -> str:
        from ..cards.classification import heldout_table

        return heldout_table(self.name)

    def hub_rows(self, w) -> list[tuple[str, str]]:
        rows = super().hub_rows(w)
        if w.classes:
            rows.append(("Classes", ", ".join(w.class_names)))
        return rows

    def usage_lines(self, name: str, w) -> list[str]:
        kw = w.model_kwargs
        ins = ", ".join(f"{k}={k}" for k in (kw.get("test_modalities") or kw.get("modalities") or ("hs", "lidar")))
        return ["# inputs prepared as model.prepare() does for whole rasters; pixel vectors (B, C) or patches",
                "with torch.no_grad():", f"    scores = model({ins})  # (B, K)",
                "# a whole scene: fusionzoo.inference.predict_class_map(model, {'hs': hs_raster, ...})"]


class CrossmodalTask(ClassificationTask):
    """Crossmodal learning: a model is trained with several modalities (``model.modalities``) and used with
    fewer (``model.inputs``, its test modalities); the command line takes only the latter."""

    name = "crossmodal"
    title = "Crossmodal learning"
    output = "class scores (B, K) from the modalities present at test time"
    protocols = {**_PROTOCOLS, "missing_modality": "trained with every modality, tested with one missing"}
    benchmark_summary = "every crossmodal method, trained with HS + X and tested with X alone, over seeds"
    benchmark_module = "crossmodal"
    benchmark_runner = "run_crossmodal_benchmark"

    def hub_rows(self, w) -> list[tuple[str, str]]:
        rows = super().hub_rows(w)
        tm = w.protocol.get("training_modalities")
        if tm:
            rows.append(("Trained with", ", ".join(tm) + f" (used with {', '.join(w.protocol['test_modalities'])})"))
        return rows
