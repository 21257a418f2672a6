"""Small checks every task's command line shares."""

from __future__ import annotations

from pathlib import Path

from .base import TaskError

__all__ = ["check_output_path", "check_device"]


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

