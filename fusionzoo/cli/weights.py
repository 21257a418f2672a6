"""``fusionzoo publish``, ``export-weights`` and ``convert``: weights in and out."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..registry import get_arch
from .errors import CLIError
from .models import _weights_of

__all__ = ["cmd_publish", "cmd_export_weights", "cmd_convert_dlpan", "CONVERT_DLPAN_HELP"]


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
    from ..trainers import export_weights

    ckpt = Path(args.checkpoint).expanduser()
    if not ckpt.is_file():
        raise CLIError(f"checkpoint {ckpt} does not exist")
    out = export_weights(ckpt, Path(args.out).expanduser())
    from ..weights import sha256sum

    print(f"wrote {out} (sha256 {sha256sum(out)})")
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
