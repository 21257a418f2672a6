"""Scoring a pansharpening model on a scene with the toolbox conventions.

Reduced resolution (a scene with reference): fused and reference at DN scale, 20 pixels cut at the top/left
and 21 at the bottom/right, then the metrics (SAM in degrees, ERGAS with the scene's ratio).  Full resolution
(any scene; for one with a reference, its input pair at its native scale, the reference unused): Khan's
D_lambda, D_s and HQNR on 32 x 32 blocks at DN scale.
"""

from __future__ import annotations

from typing import Sequence

import torch

from .datasets.scenes import Scene

__all__ = ["fuse_scene", "evaluate_reduced", "evaluate_full"]


@torch.no_grad()
def fuse_scene(model: torch.nn.Module, scene: Scene, device: str | torch.device = "cpu") -> torch.Tensor:
    """Run ``model(ms, pan)`` on a whole scene; returns (C, H, W) clipped to [0, 1]."""
    model = model.eval().to(device)
    return model(scene.ms[None].to(device), scene.pan[None].to(device))[0].clamp(0, 1).cpu()


def evaluate_reduced(model: torch.nn.Module, scene: Scene, metrics: Sequence[str] = ("SAM", "ERGAS"),
                     border: tuple[int, int] = (20, 21)) -> dict[str, float]:
    """Reduced-resolution scores of ``model`` on a scene with reference, toolbox conventions."""
    from . import metrics as M

    if scene.gt is None:
        raise ValueError(f"scene {scene.name} has no reference: reduced-resolution metrics need one")
    scale = 2**scene.bit_depth - 1
    fused = fuse_scene(model, scene).double()[None] * scale
    ref = scene.gt.double()[None] * scale
    fused, ref = M.cut_border(fused, *border), M.cut_border(ref, *border)
    fns = {"SAM": lambda: M.sam(fused, ref), "ERGAS": lambda: M.ergas(fused, ref, scene.ratio),
           "Q2n": lambda: M.q2n(fused, ref), "SCC": lambda: M.scc(fused, ref),
           "PSNR": lambda: M.psnr(fused, ref, data_range=scale)}
    return {k: round(float(fns[k]().mean()), 4) for k in metrics}


def evaluate_full(model: torch.nn.Module, scene: Scene) -> dict[str, float]:
    """Full-resolution scores (``D_lambda``, ``D_s``, ``HQNR``) of ``model`` on the scene's input pair, without
    a reference; the scene's sensor gives the MTF of Khan's D_lambda.  The PAN sides must be multiples of 32."""
    from .benchmark import full_scores

    fused = fuse_scene(model, scene)
    vals = full_scores(fused, scene.ms, scene.pan, scene.sensor, scene.bit_depth, scene.ratio)
    return {k: round(v, 4) for k, v in vals.items()}
