"""Small checks every task's command line shares."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .base import TaskError

__all__ = ["check_device", "check_not_input", "check_output_path"]


def check_output_path(output: str) -> Path:
    """``-o`` must name a ``.tif`` / ``.tiff`` in an existing folder."""
    out = Path(output).expanduser()
    if out.suffix.lower() not in (".tif", ".tiff"):
        raise TaskError(f"-o must name a GeoTIFF file ending in .tif or .tiff, got {out}")
    if not out.parent.is_dir():
        raise TaskError(f"cannot write {out}: folder {out.parent} does not exist")
    return out


def check_device(device: str) -> None:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise TaskError("--device cuda was asked for but no CUDA device is available; use --device cpu")



def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: after expanding ``~`` and symlinks, or (both existing) by device and
    inode, which also catches hard links and case-insensitive file systems."""
    try:
        if os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b)):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_not_input(out: Path, inputs: Iterable[Path], companions: Iterable[str] = (".png",)) -> None:
    """Refuse an output (or the files written beside it, ``out`` with each suffix of ``companions``) that is,
    or resolves to, one of the ``inputs`` -- before any work."""
    outs = [Path(out).expanduser()] + [Path(out).expanduser().with_suffix(s) for s in companions]
    for o in outs:
        for i in inputs:
            i = Path(i).expanduser()
            if _same_file(o, i):
                also = "" if o == outs[0] else f" (the file written beside -o, {o.name})"
                raise TaskError(f"the output {o}{also} is the input {i}; writing it would destroy the input: "
                                f"choose another -o")
