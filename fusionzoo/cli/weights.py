"""``fusionzoo publish``, ``export-weights``, ``convert`` and ``finetune``: weights in and out."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..registry import get_arch
from .errors import CLIError
from .models import _weights_of

__all__ = ["cmd_publish", "cmd_export_weights", "cmd_convert_dlpan", "CONVERT_DLPAN_HELP", "cmd_finetune",
           "add_finetune_parser"]


def cmd_publish(args: argparse.Namespace) -> int:
    get_arch(args.name)  # unknown names fail here, with suggestions
    _weights_of(args.name)
    try:
        from .. import hub
    except ImportError as e:
        raise CLIError(f"publishing needs fusionzoo.hub, which cannot be imported here ({e})") from e
    out_dir = Path(args.out).expanduser()
    result = hub.write_hub_folder(args.name, out_dir)
    print(f"wrote the Hugging Face Hub folder of {args.name} to {result if result is not None else out_dir}")
    if args.push:
        url = hub.push_to_hub(args.name, org=args.org, token=args.token)
        print(f"pushed {args.name} to the Hugging Face Hub" + (f": {url}" if url else ""))
    return 0


def cmd_export_weights(args: argparse.Namespace) -> int:
    from ..trainers.export import ExportError, export_weights
    from ..weights import sha256sum

    ckpt = Path(args.checkpoint).expanduser()
    if not ckpt.is_file():
        raise CLIError(f"checkpoint {ckpt} does not exist")
    try:
        out = export_weights(ckpt, Path(args.out).expanduser(), tag=args.tag)
    except ExportError as e:
        raise CLIError(str(e)) from e
    side = out.parent / "config.json" if out.name == "model.safetensors" else None
    print(f"wrote {out} (sha256 {sha256sum(out)})" + (f" and {side}" if side is not None and side.is_file() else
                                                      " (its description is in the file's header)"))
    return 0


FINETUNE_HELP = (
    "Fine-tune a pretrained pansharpening model on your own PAN + MS scenes: Wald-protocol patches (each scene "
    "degraded by the sensor's MTF, its blocks dealt to training and validation, spatially disjoint), Adam on the "
    "MSE, a progress bar, checkpoints in OUT/checkpoints (--resume continues an interrupted or finished run), "
    "and OUT/model.safetensors + OUT/config.json at the end, loaded by `fusionzoo pansharpen --model ARCH "
    "--checkpoint OUT` and create_model(ARCH, checkpoint=OUT). For several GPUs or nodes use train.py with "
    "configs/pansharpening/finetune_geotiff.yaml.")


def add_finetune_parser(sub) -> None:
    s = sub.add_parser("finetune", help="fine-tune a pretrained pansharpening model on your own scenes",
                       description=FINETUNE_HELP)
    s.add_argument("model", metavar="MODEL", help="arch or arch.tag whose weights training starts from (e.g. pnn)")
    s.add_argument("--pan", action="append", default=[], metavar="PAN.tif", help="PAN GeoTIFF (repeatable)")
    s.add_argument("--ms", action="append", default=[], metavar="MS.tif",
                   help="MS GeoTIFF of the matching --pan (repeatable, same order)")
    s.add_argument("--pairs", action="append", default=[], metavar="DIR",
                   help="folder of PAN + MS GeoTIFF pairs named *pan* / *ms* (repeatable)")
    s.add_argument("--scene", action="append", default=[], dest="scenes", metavar="PATH",
                   help="another scene: a toolbox / GRIP .mat file or a folder of them (repeatable)")
    s.add_argument("--steps", type=int, default=1000, help="optimiser steps in all (default 1000)")
    s.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate (default 1e-4)")
    s.add_argument("--batch-size", type=int, default=16, help="patches per step (default 16)")
    s.add_argument("--patch-size", type=int, default=64,
                   help="patch size in reduced-resolution PAN pixels (a multiple of the ratio; default 64)")
    s.add_argument("--block", type=int, default=128,
                   help="block size of the spatial train / validation split, in reduced-resolution PAN pixels "
                        "(default 128)")
    s.add_argument("--val-fraction", type=float, default=0.1,
                   help="share of each scene's blocks held out for validation (default 0.1)")
    s.add_argument("--sensor", help="sensor of the scenes (its MTF degrades them; default: the weights' sensor "
                                    "when the band counts agree, else generic)")
    s.add_argument("--bit-depth", type=int, metavar="N",
                   help="radiometric resolution: DN / (2**N - 1) (default: 8 for uint8 files, else the sensor's)")
    s.add_argument("--ignore-georef", action="store_true", help="pair PAN and MS by their sizes alone")
    s.add_argument("--checkpoint", metavar="DIR", help="start from these weights instead of MODEL's published ones")
    s.add_argument("--resume", action="store_true", help="continue the run in OUT (after an interruption, or to "
                                                         "more --steps)")
    s.add_argument("--tag", default="finetuned", help="name of the weights in their record (default finetuned)")
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("-o", "--output", required=True, metavar="OUT", help="run folder (checkpoints and the weights)")
    s.set_defaults(func=cmd_finetune)


def cmd_finetune(args: argparse.Namespace) -> int:
    from ..finetune import finetune

    finetune(args.model, args.output, pan=args.pan, ms=args.ms, pairs=args.pairs, scenes=args.scenes,
             steps=args.steps, lr=args.lr, batch_size=args.batch_size, resume=args.resume,
             checkpoint=args.checkpoint, patch_size=args.patch_size, block=args.block,
             val_fraction=args.val_fraction,
             sensor=args.sensor, bit_depth=args.bit_depth, check_georef=not args.ignore_georef, seed=args.seed,
             device=args.device, tag=args.tag)
    return 0


CONVERT_DLPAN_HELP = (
    "Convert a DLPan-Toolbox checkpoint (PNN, PanNet, DiCNN, MSDCNN, DRPNN, FusionNet, BDPN .pth state dicts, "
    "or an A-PNN *_PNNplus_model.pth.tar) into a fusionzoo weights folder: model.safetensors + config.json, "
    "loaded with create_model(ARCH, checkpoint=DIR, **config['model_kwargs']) or "
    "fusionzoo.convert.load_converted(DIR). The DLPan-Toolbox checkpoints are GPL-3.0: convert your own "
    "download for your own use; fusionzoo neither ships nor publishes them or their conversions. Reading runs "
    "no code from the file: plain state dicts are read with torch.load(weights_only=True); files that pickle "
    "whole model objects (A-PNN) by a restricted unpickler that turns every unknown class into an inert "
    "stand-in and rebuilds only the tensors, from the archive's raw storage records.")


def cmd_convert_dlpan(args: argparse.Namespace) -> int:
    from ..convert import DLPAN_ARCHS, convert_dlpan

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
