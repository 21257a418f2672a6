"""The ``fusionzoo`` command line: list and describe models, pansharpen GeoTIFFs, publish weights.

::

    fusionzoo list [--task T] [--pretrained] [--pattern P]
    fusionzoo info NAME
    fusionzoo pansharpen (--sample | --pan PAN.tif --ms MS.tif) [--model NAME] [--bit-depth N]
                         [--device cpu|cuda] -o OUT.tif
    fusionzoo publish NAME --out DIR [--push --org ORG --token TOKEN]
    fusionzoo convert dlpan CHECKPOINT --arch NAME --sensor SENSOR -o DIR [--ratio R]
    fusionzoo benchmark pansharpening [--scenes ...] [--models ...] [--root DIR] [--out DIR] [--speed]

Every error ends as one line on stderr (``fusionzoo: error: ...``) and exit status 2, and leaves no output
file behind; ``--debug`` (before the command) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from .registry import TASKS, create_model, get_arch, get_weights, list_models, split_name
from .weights import HUB_ORG, Weights, WeightsError

__all__ = ["main", "models_markdown", "update_readme", "CLIError", "README_START", "README_END", "HELDOUT_START",
           "HELDOUT_END"]

PROG = "fusionzoo"
README_START = "<!-- models:start -->"
README_END = "<!-- models:end -->"
HELDOUT_START = "<!-- heldout:start -->"
HELDOUT_END = "<!-- heldout:end -->"
REPO_ROOT = Path(__file__).resolve().parent.parent


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} -h`)\n")


# --- helpers ---------------------------------------------------------------------------------------------
def _kind(cfg) -> str:
    return "classical" if cfg.classical else "learned"


def _fmt_int(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _default_param_count(arch: str) -> int | None:
    """Parameters of ``arch`` built with its defaults (no weights loaded); ``None`` if that fails."""
    try:
        m = create_model(arch)
    except Exception:  # noqa: BLE001 - only informative
        return None
    return sum(p.numel() for p in m.parameters())


def _weights_of(name: str) -> Weights | None:
    entry = get_arch(name)
    _, tag = split_name(name)
    if tag is None and not entry.cfg.weights:
        return None
    return get_weights(name)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _trained_on(w: Weights) -> str:
    data = "; ".join(d["name"] for d in w.train_data)
    return f"{data} ({w.sensor}, {w.num_bands} bands, {w.bit_depth}-bit, ratio {w.ratio})"


# --- list ------------------------------------------------------------------------------------------------
def _cmd_list(args: argparse.Namespace) -> int:
    names = list_models(task=args.task, pretrained=True if args.pretrained else None, pattern=args.pattern)
    if not names:
        print("no model matches", file=sys.stderr)
        return 0
    rows = []
    for name in names:
        cfg = get_arch(name).cfg
        w = _weights_of(name)
        if cfg.classical:
            avail = "not needed"
        elif w is not None:
            avail = f"yes ({w.sensor}, {w.num_bands} bands)"
        else:
            avail = "no (not trained yet)"
        rows.append([name, cfg.task, "+".join(cfg.inputs), _kind(cfg), avail])
    print(_table(["name", "task", "inputs", "kind", "weights"], rows))
    return 0


# --- info ------------------------------------------------------------------------------------------------
def _card_path(cfg) -> Path | None:
    if not cfg.card:
        return None
    p = REPO_ROOT / "model_cards" / cfg.card
    return p if p.is_file() else None


def _fmt_metrics(metrics) -> list[str]:
    out = []
    for ds, protocols in metrics.items():
        for proto, vals in protocols.items():
            v = ", ".join(f"{k}={x:.4g}" if isinstance(x, float) else f"{k}={x}" for k, x in vals.items())
            out.append(f"{ds} / {proto}: {v}")
    return out


def _cmd_info(args: argparse.Namespace) -> int:
    entry = get_arch(args.name)
    arch, tag = split_name(args.name)
    cfg = entry.cfg
    weights = [get_weights(args.name)] if tag is not None else list(cfg.weights)
    lines = [f"{arch}: {cfg.summary}",
             f"  task:    {cfg.task} ({_kind(cfg)})",
             f"  inputs:  {', '.join(cfg.inputs)}",
             f"  paper:   {cfg.paper}"]
    if cfg.url:
        lines.append(f"  url:     {cfg.url}")
    card = _card_path(cfg)
    if card is not None:
        lines.append(f"  card:    {card}")
    if not weights:
        n = _default_param_count(arch)
        lines.append(f"  params:  {_fmt_int(n)} (default configuration)")
        lines.append("  weights: none needed (classical method)" if cfg.classical
                     else "  weights: none yet (the architecture can be trained, see `fusionzoo list --pretrained`)")
    for i, w in enumerate(weights):
        default = " (default)" if cfg.weights and w.tag == cfg.weights[0].tag else ""
        wl = f" at {', '.join(f'{x:g}' for x in w.wavelengths)} nm" if w.wavelengths else ""
        lines += [
            "",
            f"  {arch}.{w.tag}{default}" + (f": {w.description}" if w.description else ""),
            f"    sensor:      {w.sensor}",
            f"    bands:       {w.num_bands}: {', '.join(w.bands)}{wl}",
            f"    ratio:       {w.ratio}",
            f"    bit depth:   {w.bit_depth} (inputs scaled as {w.scaling}; {w.normalization})",
            f"    parameters:  {_fmt_int(w.num_params)}",
            "    trained on:  " + "; ".join(f"{d['name']} ({d['terms']})" for d in w.train_data),
            "    evaluated:   " + "; ".join(f"{d['name']} ({d['terms']})" for d in w.eval_data),
            "    metrics:",
            *(f"      {m}" for m in _fmt_metrics(w.metrics)),
        ]
        if w.baselines:
            lines.append("    baselines (same data):")
            for method, metrics in w.baselines.items():
                lines += [f"      {method}: {m}" for m in _fmt_metrics(metrics)]
        lines += [
            f"    licence:     {w.license}",
            f"    recipe:      {w.recipe}",
            f"    hub:         {w.hf_repo} @ {w.hf_revision}",
            f"    sha256:      {w.sha256}",
        ]
    print("\n".join(lines))
    return 0


# --- pansharpen ------------------------------------------------------------------------------------------
def _build_pansharpening_model(name: str, ratio: int, sensor: str | None = None) -> torch.nn.Module:
    """The model the CLI runs: a learned one with its pretrained weights, a classical one at ``ratio``
    (with ``sensor`` for the methods that use its MTF)."""
    entry = get_arch(name)
    arch, tag = split_name(name)
    if entry.cfg.task != "pansharpening":
        raise CLIError(f"model {arch!r} is a {entry.cfg.task} model, not a pansharpening one "
                       f"(`fusionzoo list --task pansharpening` shows those)")
    if entry.cfg.classical:
        return create_model(name, ratio=ratio, **({"sensor": sensor} if sensor else {}))
    if not entry.cfg.weights:
        raise CLIError(f"model {arch!r} has no pretrained weights yet, so it cannot pansharpen; "
                       f"`fusionzoo list --pretrained` shows the models that can, or use a classical one "
                       f"(e.g. --model exp)")
    return create_model(name, pretrained=True)


def _guess_bit_depth(max_dn: float, dtype: np.dtype) -> int:
    if dtype == np.uint8:
        return 8
    for bits in (11, 12, 14, 16):
        if max_dn <= 2**bits - 1:
            return bits
    return 16


def _cmd_pansharpen(args: argparse.Namespace) -> int:
    from .io import (SAMPLE_MS, SAMPLE_PAN, GeoreferenceError, quicklook, read_pan_ms, rgb_indexes_for,
                     write_geotiff)
    from .sensors import get_sensor

    t0 = time.perf_counter()
    if args.sample and (args.pan or args.ms):
        raise CLIError("give either --sample or --pan and --ms, not both")
    if not args.sample and not (args.pan and args.ms):
        raise CLIError("give --sample, or both --pan PAN.tif and --ms MS.tif")
    out = Path(args.output).expanduser()
    if out.suffix.lower() not in (".tif", ".tiff"):
        raise CLIError(f"-o must name a GeoTIFF file ending in .tif or .tiff, got {out}")
    if not out.parent.is_dir():
        raise CLIError(f"cannot write {out}: folder {out.parent} does not exist")
    png = out.with_suffix(".png")
    if args.device == "cuda" and not torch.cuda.is_available():
        raise CLIError("--device cuda was asked for but no CUDA device is available; use --device cpu")
    if args.bit_depth is not None and not 1 <= args.bit_depth <= 16:
        raise CLIError(f"--bit-depth must be between 1 and 16, got {args.bit_depth}")

    # fail fast on an unknown model or tag, before reading anything
    entry = get_arch(args.model)
    _weights_of(args.model)

    pan_path, ms_path = (SAMPLE_PAN, SAMPLE_MS) if args.sample else (Path(args.pan), Path(args.ms))
    try:
        pair = read_pan_ms(pan_path, ms_path, check_georef=not args.ignore_georef)
    except GeoreferenceError as e:
        raise CLIError(f"{e} (or pass --ignore-georef to pair the images by their sizes alone; the result "
                       f"then has no georeference)") from e
    ms_np, pan_np, ratio = pair["ms"], pair["pan"], pair["ratio"]
    n_bands = ms_np.shape[0]
    model = _build_pansharpening_model(args.model, ratio, args.sensor or ("WV3" if args.sample else None))
    model.eval()
    w: Weights | None = getattr(model, "pretrained_cfg", None)
    model_bands = getattr(model, "num_bands", None)
    band_names = getattr(model, "band_names", None)
    if model_bands is not None and model_bands != n_bands:
        names = f" ({', '.join(band_names)})" if band_names else ""
        raise CLIError(f"model {args.model} expects {model_bands} MS bands{names}, but {ms_path} has {n_bands}; "
                       f"select and order the bands to match")
    model_ratio = getattr(model, "ratio", ratio)
    if model_ratio != ratio:
        raise CLIError(f"model {args.model} works at resolution ratio {model_ratio}, but the PAN/MS pair has "
                       f"ratio {ratio}")

    # the [0, 1] scale: DN / (2**bits - 1)
    max_dn = float(max(ms_np.max(), pan_np.max()))
    if args.bit_depth is not None:
        bits, why = args.bit_depth, "--bit-depth"
    elif args.sample:
        bits, why = get_sensor("WV3").bit_depth, "the sample's sensor, WorldView-3"
    elif pair["dtype"] == np.uint8:
        bits, why = 8, "8-bit files"
    elif w is not None and max_dn <= 2**w.bit_depth - 1:
        bits, why = w.bit_depth, f"the bit depth the weights {args.model} were trained on"
    else:
        bits = _guess_bit_depth(max_dn, pair["dtype"])
        why = f"guessed from the largest value, {max_dn:g}; pass --bit-depth to set it"
    full = 2**bits - 1
    if max_dn > full:
        raise CLIError(f"the inputs reach {max_dn:g}, above the {bits}-bit full scale {full}; pass the right "
                       f"--bit-depth (e.g. {_guess_bit_depth(max_dn, pair['dtype'])})")

    device = torch.device(args.device)
    ms = torch.from_numpy(ms_np.astype(np.float32) / full)[None].to(device)
    pan = torch.from_numpy(pan_np.astype(np.float32) / full)[None].to(device)
    model.to(device)
    if args.adapt < 0 or not args.adapt_lr > 0:
        raise CLIError(f"--adapt must be >= 0 and --adapt-lr > 0, got {args.adapt} and {args.adapt_lr}")
    if args.adapt > 0:  # target-adaptive fine-tuning (PNN+) on the input scene's Wald-reduced version
        from .adapt import AdaptationError, target_adapt

        sensor = args.sensor or (w.sensor if w is not None else ("WV3" if args.sample else None))
        if sensor is None:
            raise CLIError("--adapt needs the sensor's MTF: pass --sensor (e.g. WV3, or generic)")
        if entry.cfg.classical:
            raise CLIError(f"--adapt fine-tunes learned models; {entry.arch} is classical (no parameters)")
        ta = time.perf_counter()
        try:
            target_adapt(model, ms, pan, sensor, iterations=args.adapt, lr=args.adapt_lr, progress=True)
        except (AdaptationError, KeyError) as e:
            raise CLIError(f"target adaptation failed: {e}") from e
        print(f"target-adapted {entry.arch} on the input ({args.adapt} iterations, Adam lr {args.adapt_lr:g}, "
              f"sensor {sensor}) in {time.perf_counter() - ta:.2f} s")
    t1 = time.perf_counter()
    try:
        with torch.no_grad():
            fused = model(ms, pan)
    except torch.OutOfMemoryError as e:
        raise CLIError(f"out of memory on {device} for a {pan_np.shape[2]}x{pan_np.shape[1]} PAN; crop the "
                       f"inputs or use --device cpu") from e
    t_model = time.perf_counter() - t1
    if tuple(fused.shape) != (1, n_bands, *pan_np.shape[1:]):
        raise CLIError(f"model {args.model} returned shape {tuple(fused.shape)}, expected "
                       f"{(1, n_bands, *pan_np.shape[1:])}")
    if not torch.isfinite(fused).all():
        raise CLIError(f"model {args.model} produced NaN or infinite values; nothing was written")
    fused = fused.clamp_(0, 1)[0].cpu().numpy()
    dn = np.rint(fused.astype(np.float64) * full).astype(np.uint16)

    out_names = band_names or (w.bands if w is not None else None)
    if out_names is None and args.sample:
        out_names = get_sensor("WV3").bands
    if out_names is None:
        desc = pair["ms_meta"]["descriptions"]
        out_names = desc if all(desc) and len(desc) == n_bands else None
    rgb = rgb_indexes_for(n_bands, out_names)
    tags = {"FUSIONZOO_MODEL": args.model, "BIT_DEPTH": bits, "SOURCE_PAN": pan_path.name,
            "SOURCE_MS": ms_path.name}
    write_geotiff(out, dn, pair["crs"], pair["transform"], "uint16",
                  band_names=list(out_names) if out_names else None, tags=tags)
    try:
        quicklook(dn, rgb, png)
    except BaseException:
        out.unlink(missing_ok=True)
        raise

    n_params = sum(p.numel() for p in model.parameters())
    crs = pair["crs"].to_string() if pair["crs"] is not None else "no CRS"
    what = "the built-in sample (WorldView-3, Shanghai; CC BY-SA 4.0)" if args.sample else f"{pan_path} + {ms_path}"
    rgb_names = ", ".join(out_names[i] if out_names else str(i + 1) for i in rgb)
    weights_txt = f", weights {entry.arch}.{w.tag}" if w is not None else ""
    print(f"read {what}: MS {n_bands} bands {ms_np.shape[2]}x{ms_np.shape[1]}, PAN {pan_np.shape[2]}x"
          f"{pan_np.shape[1]}, ratio {ratio}, {crs}")
    print(f"scaled DN / {full} ({bits}-bit: {why})")
    print(f"ran {entry.arch} ({_kind(entry.cfg)}, {n_params:,} parameters{weights_txt}) on {device} "
          f"in {t_model:.2f} s")
    geo = "CRS and transform of the PAN" if pair["crs"] is not None or pair["transform"] is not None \
        else "no georeference"
    print(f"wrote {out} ({n_bands} bands, {dn.shape[2]}x{dn.shape[1]}, uint16 DN, {geo})")
    print(f"wrote {png} (quicklook, RGB = bands {rgb_names}, 2-98 % stretch); total {time.perf_counter() - t0:.2f} s")
    return 0


# --- publish ---------------------------------------------------------------------------------------------
def _cmd_publish(args: argparse.Namespace) -> int:
    get_arch(args.name)  # unknown names fail here, with suggestions
    _weights_of(args.name)
    try:
        from . import hub
    except ImportError as e:
        raise CLIError(f"publishing needs fusionzoo.hub, which cannot be imported here ({e})") from e
    out_dir = Path(args.out).expanduser()
    result = hub.write_hub_folder(args.name, out_dir)
    print(f"wrote the Hugging Face Hub folder of {args.name} to {result if result is not None else out_dir}")
    if args.push:
        url = hub.push_to_hub(args.name, org=args.org, token=args.token)
        print(f"pushed {args.name} to the Hugging Face Hub" + (f": {url}" if url else ""))
    return 0


def _cmd_export_weights(args: argparse.Namespace) -> int:
    from .trainers import export_weights

    ckpt = Path(args.checkpoint).expanduser()
    if not ckpt.is_file():
        raise CLIError(f"checkpoint {ckpt} does not exist")
    out = export_weights(ckpt, Path(args.out).expanduser())
    from .weights import sha256sum

    print(f"wrote {out} (sha256 {sha256sum(out)})")
    return 0


# --- convert ---------------------------------------------------------------------------------------------
_CONVERT_DLPAN_HELP = (
    "Convert a DLPan-Toolbox checkpoint (PNN, PanNet, DiCNN, MSDCNN, DRPNN, FusionNet, BDPN .pth state dicts, "
    "or an A-PNN *_PNNplus_model.pth.tar) into a fusionzoo weights folder: model.safetensors + config.json, "
    "loaded with create_model(ARCH, checkpoint=DIR, **config['model_kwargs']) or "
    "fusionzoo.convert.load_converted(DIR). The DLPan-Toolbox checkpoints are GPL-3.0: convert your own "
    "download for your own use; fusionzoo neither ships nor publishes them or their conversions. Reading runs "
    "no code from the file: plain state dicts are read with torch.load(weights_only=True); files that pickle "
    "whole model objects (A-PNN) by a restricted unpickler that turns every unknown class into an inert "
    "stand-in and rebuilds only the tensors, from the archive's raw storage records.")


def _cmd_convert_dlpan(args: argparse.Namespace) -> int:
    from .convert import DLPAN_ARCHS, convert_dlpan

    ckpt = Path(args.checkpoint).expanduser()
    if not ckpt.is_file():
        raise CLIError(f"checkpoint {ckpt} does not exist")
    arch = get_arch(args.arch).arch  # unknown names fail here, with suggestions
    if arch not in DLPAN_ARCHS:
        raise CLIError(f"no DLPan-Toolbox conversion for {arch!r}; --arch is one of {', '.join(sorted(DLPAN_ARCHS))}")
    out = convert_dlpan(ckpt, arch, args.sensor, Path(args.output).expanduser(), ratio=args.ratio)
    print(f"wrote {out} (model.safetensors + config.json; {arch}, sensor {args.sensor}; GPL-3.0, for your own "
          f"use, do not redistribute)")
    return 0


# --- benchmark -------------------------------------------------------------------------------------------
def _cmd_benchmark_pansharpening(args: argparse.Namespace) -> int:
    from . import benchmark as B

    if args.device == "cuda" and not torch.cuda.is_available():
        raise CLIError("--device cuda was asked for but no CUDA device is available; use --device cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out).expanduser()
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if not args.quiet else None
    if args.speed:
        res = B.run_speed_benchmark(args.speed_size, args.speed_bands, args.models, args.device, log=log)
        path = B.write_speed_table(res, out / "pansharpening_speed.md")
        print(f"wrote {path}")
        return 0
    root = Path(args.root).expanduser()
    if args.scenes is None and not root.is_dir():
        raise CLIError(f"data folder {root} does not exist; pass --root (the folder holding pansharpening/...)")
    res = B.run_pansharpening_benchmark(args.scenes, args.models, root, args.device,
                                        max_full_size=args.max_full_size or None, log=log)
    for path in B.write_benchmark_tables(res, out):
        print(f"wrote {path}")
    return 0


# --- the parser ------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="fusionzoo: a PyTorch model zoo for remote-sensing data fusion.")
    p.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    s = sub.add_parser("list", help="list the models", description="Table of every registered model.")
    s.add_argument("--task", choices=TASKS, help="only models of this task")
    s.add_argument("--pretrained", action="store_true", help="only models with pretrained weights")
    s.add_argument("--pattern", help="shell wildcard on the name, e.g. 'pnn*'")
    s.set_defaults(func=_cmd_list)

    s = sub.add_parser("info", help="describe a model and its weights",
                       description="Paper, summary, inputs and every set of weights of a model.")
    s.add_argument("name", metavar="NAME", help="arch or arch.tag")
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser(
        "pansharpen", help="fuse a PAN + MS GeoTIFF pair",
        description="Pansharpen a PAN + MS GeoTIFF pair (or the built-in sample) into a GeoTIFF at PAN "
                    "resolution (uint16 digital numbers, CRS and transform of the PAN) and a quicklook PNG "
                    "beside it.")
    s.add_argument("--sample", action="store_true", help="use the built-in WorldView-3 sample scene")
    s.add_argument("--pan", metavar="PAN.tif", help="panchromatic GeoTIFF (1 band)")
    s.add_argument("--ms", metavar="MS.tif", help="multispectral GeoTIFF (ratio times smaller than the PAN)")
    s.add_argument("--model", default="pnn", metavar="NAME",
                   help="model (arch or arch.tag; learned models use their pretrained weights); default: pnn")
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
                   help="sensor of the scene (fusionzoo.sensors): its MTF is used by the classical methods that need "
                        "one and by --adapt (default: the weights' sensor; WV3 for --sample; classical methods "
                        "otherwise use their generic gains)")
    s.add_argument("-o", "--output", required=True, metavar="OUT.tif",
                   help="output GeoTIFF; the quicklook is written beside it as OUT.png")
    s.set_defaults(func=_cmd_pansharpen)

    s = sub.add_parser("publish", help="write (and push) a model's Hugging Face Hub folder",
                       description="Write the Hub folder (model.safetensors, config.json, README.md) of a set "
                                   "of weights and, with --push, upload it.")
    s.add_argument("name", metavar="NAME", help="arch.tag (or arch for its default weights)")
    s.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    s.add_argument("--push", action="store_true", help="also upload to the Hugging Face Hub")
    s.add_argument("--org", default=None, help=f"Hub organisation (default: the record's, {HUB_ORG})")
    s.add_argument("--token", default=None,
                   help="Hub token (default: HF_TOKEN or the `huggingface-cli login` token)")
    s.set_defaults(func=_cmd_publish)

    s = sub.add_parser("export-weights", help="write the model weights of a training checkpoint as safetensors",
                       description="Extract the model's weights from a Lightning checkpoint of train.py (read "
                                   "with weights_only=True: no code runs) into model.safetensors.")
    s.add_argument("checkpoint", metavar="CKPT", help="a .ckpt file written by train.py")
    s.add_argument("out", metavar="OUT", help="a .safetensors file or a folder for model.safetensors")
    s.set_defaults(func=_cmd_export_weights)

    s = sub.add_parser("convert", help="convert third-party checkpoints into fusionzoo weights folders",
                       description="Convert third-party checkpoints into fusionzoo weights folders, without "
                                   "running code from them.")
    conv = s.add_subparsers(dest="source", metavar="SOURCE", parser_class=_Parser)
    conv.required = True
    c = conv.add_parser("dlpan", help="a DLPan-Toolbox checkpoint (GPL-3.0: for your own use)",
                        description=_CONVERT_DLPAN_HELP)
    c.add_argument("checkpoint", metavar="CHECKPOINT", help="the .pth / .pth.tar file")
    c.add_argument("--arch", required=True, metavar="NAME",
                   help="architecture: pnn, apnn, pannet, dicnn, msdcnn, drpnn, fusionnet or bdpn")
    c.add_argument("--sensor", required=True, metavar="SENSOR",
                   help="sensor the checkpoint was trained on (WV3, WV2, QB, WV4, ...); gives the band names")
    c.add_argument("--ratio", type=int, default=4, help="resolution ratio (default: 4, as every DLPan file)")
    c.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write")
    c.set_defaults(func=_cmd_convert_dlpan)

    s = sub.add_parser("benchmark", help="benchmark methods on real scenes",
                       description="Benchmark methods on real scenes and write Markdown + CSV tables.")
    bench = s.add_subparsers(dest="task", metavar="TASK", parser_class=_Parser)
    bench.required = True
    b = bench.add_parser(
        "pansharpening", help="every pansharpening method on the catalogued scenes",
        description="Run every classical pansharpening method and every learned one with registered weights "
                    "(or --models) on the catalogued real scenes found under --root: reduced resolution with "
                    "reference (Q2n, SAM, ERGAS, SCC, PSNR; toolbox conventions) and full resolution without "
                    "(D_lambda, D_s, HQNR), with run times; writes pansharpening_{reduced,full}.{md,csv} under "
                    "--out. With --speed, times the methods (classical and learned) on a synthetic scene instead "
                    "and writes pansharpening_speed.md.")
    b.add_argument("--scenes", nargs="+", metavar="NAME",
                   help="scenes of the catalogue (default: every one whose files are under --root)")
    b.add_argument("--models", nargs="+", metavar="NAME",
                   help="methods or wildcards, e.g. 'mtf_glp*' (default: every classical method and every "
                        "learned one with registered weights)")
    b.add_argument("--root", default="../shared/data", help="data folder holding pansharpening/... "
                   "(default: ../shared/data)")
    b.add_argument("--out", default="docs/benchmarks", help="output folder (default: docs/benchmarks)")
    b.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    b.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    b.add_argument("--max-full-size", type=int, default=512, metavar="N",
                   help="largest PAN side of the full-resolution centre crop (0: whole scene; default 512)")
    b.add_argument("--speed", action="store_true",
                   help="time the methods on a synthetic scene instead (see --speed-size)")
    b.add_argument("--speed-size", type=int, default=2048, metavar="N", help="PAN side of the speed scene")
    b.add_argument("--speed-bands", type=int, nargs="+", default=[4, 8], metavar="B",
                   help="band counts of the speed scene (default: 4 8)")
    b.add_argument("--quiet", action="store_true", help="no progress messages")
    b.set_defaults(func=_cmd_benchmark_pansharpening)
    return p


def _one_line(e: BaseException) -> str:
    if isinstance(e, KeyError) and e.args:
        msg = str(e.args[0])
    else:
        msg = str(e) or type(e).__name__
    if not isinstance(e, (CLIError, KeyError, ValueError, FileNotFoundError, WeightsError)):
        msg = f"{type(e).__name__}: {msg}"
    return " ".join(msg.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 error)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # -h (0) or a usage error (2), already printed
        return int(e.code or 0)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - every error is one line unless --debug
        if args.debug or os.environ.get("FUSIONZOO_DEBUG"):
            traceback.print_exc()
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 2


# --- README model table ----------------------------------------------------------------------------------
def _cell(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def models_markdown() -> str:
    """The README's model table (Markdown): name, task, inputs, kind, params, what the weights were trained on."""
    lines = ["| name | task | inputs | kind | params | trained on |", "|---|---|---|---|---|---|"]
    for name in list_models():
        cfg = get_arch(name).cfg
        w = _weights_of(name)
        if w is not None:
            params, trained = _fmt_int(w.num_params), _trained_on(w)
        else:
            params = _fmt_int(_default_param_count(name))
            trained = "nothing (classical method)" if cfg.classical else "no weights yet"
        cells = [f"`{name}`", cfg.task, ", ".join(cfg.inputs), _kind(cfg), params, trained]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _replace_block(text: str, start: str, end: str, body: str, path: Path) -> str:
    try:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
    except ValueError as e:
        raise CLIError(f"{path} lacks the markers {start} ... {end}") from e
    return f"{head}{start}\n{body}\n{end}{tail}"


def update_readme(path: str | os.PathLike | None = None) -> bool:
    """Regenerate the model table and the held-out results of the pansharpening weights between the README's
    markers; returns whether the file changed."""
    from .cards import heldout_table

    path = Path(path) if path is not None else REPO_ROOT / "README.md"
    text = path.read_text()
    new = _replace_block(text, README_START, README_END, models_markdown(), path)
    new = _replace_block(new, HELDOUT_START, HELDOUT_END, heldout_table(), path)
    if new != text:
        path.write_text(new)
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
