"""Morphological-filter (MF) pansharpening: the half-gradient morphological pyramid of Restaino et al. (2016).

R. Restaino, G. Vivone, M. Dalla Mura, J. Chanussot, "Fusion of multispectral and panchromatic images based on
morphological operators", IEEE TIP 25(6), 2016; as run by the pansharpening toolbox of Vivone et al. ("A new
benchmark based on recent advances in multispectral pansharpening", IEEE GRSM 9(1), 2021), ``MF_HG_Pansharpen.m``
with ``Pyr_Dec.m``, operation by operation:

* ``P_b = (P - mean(P)) std(ms_up_b) / std(P) + mean(ms_up_b)`` (raw PAN standard deviation, ``std2``);
* ``levels = ceil(log2(ratio)) + 1`` pyramid levels (3 at ratio 4); structuring element the 3 x 3 cross
  ``[0 1 0; 1 1 1; 0 1 0]``;
* each level: half-gradient filter ``PS = I - (rho_minus - rho_plus) / 2`` with ``rho_minus = I - erode(I)``,
  ``rho_plus = dilate(I) - I`` (i.e. ``(dilate + erode) / 2``; MATLAB ``imdilate`` / ``imerode`` ignore the
  pixels outside the image), then decimation by 2 keeping the odd 0-based rows/columns on the first level and the
  even ones after; every decimated image is brought back to the PAN grid by successive bilinear ``imresize``
  calls through the sizes of the levels above it;
* fusion by high-pass modulation with the coarsest level: ``fused_b = ms_up_b * P_b / (P_b^low + eps)``.

Toolbox quirk kept: ``Pyr_Dec`` records the size of every decimated level as (rows, rows), so a non-square image
is resized through square intermediate grids on its way back (the geometry is the same, the interpolation path
differs); a square image is unaffected.  Parameter-free, batched, any band count, CPU or GPU, float32 (float64
kept).  The model card (``model_cards/mf.md``) lists the details.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ....builder import build_model
from ....ops import imresize
from ....ops.common import MATLAB_EPS as _EPS
from ....registry import ArchConfig, register_model
from .multiresolution import _MRA, _match, _std

__all__ = ["MF", "half_gradient_pyramid"]


# --- the half-gradient morphological pyramid ---------------------------------------------------------------


def _dilate_erode_cross(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """MATLAB ``imdilate`` and ``imerode`` with the flat 3 x 3 cross on (B, C, H, W): max / min over the pixel
    and its four neighbours that lie inside the image."""
    H, W = x.shape[-2:]
    outs = []
    for fill, op in ((-torch.inf, torch.maximum), (torch.inf, torch.minimum)):
        p = F.pad(x, (1, 1, 1, 1), value=fill)
        y = op(op(p[..., 1:H + 1, 0:W], p[..., 1:H + 1, 2:W + 2]), op(p[..., 0:H, 1:W + 1], p[..., 2:H + 2, 1:W + 1]))
        outs.append(op(y, x))
    return outs[0], outs[1]


def half_gradient_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """The toolbox's ``Pyr_Dec(x, cross, levels, 'bilinear')`` on (B, C, H, W): ``levels`` images on the input
    grid, the first the input itself, level ``k`` the ``k - 1`` times half-gradient-filtered and decimated image
    brought back by bilinear ``imresize`` through the (toolbox-recorded) sizes of the levels above it.  An image
    whose expanded level is not finite gets every level equal to the input (the toolbox's guard)."""
    H, W = x.shape[-2:]
    sizes = [(H, W)]
    out = [x]
    cur = x
    for k in range(1, levels):
        dil, ero = _dilate_erode_cross(cur)
        ps = cur - 0.5 * ((cur - ero) - (dil - cur))
        cur = ps[..., 1::2, 1::2] if k == 1 else ps[..., 0::2, 0::2]
        sizes.append((cur.shape[-2], cur.shape[-2]))  # the toolbox stores (rows, rows)
        up = cur
        for target in reversed(sizes[:-1]):
            up = imresize(up, size=target, method="bilinear")
        out.append(up)
    finite = torch.stack([t.isfinite().flatten(1).all(1) for t in out[1:]]).all(0) if levels > 1 else None
    if finite is not None and not bool(finite.all()):
        keep = finite.view(-1, *([1] * (x.dim() - 1)))
        out = [out[0]] + [torch.where(keep, t, x) for t in out[1:]]
    return out


# --- the module ---------------------------------------------------------------------------------------------


class MF(_MRA):
    """Morphological half-gradient pyramid with high-pass modulation (toolbox ``MF_HG_Pansharpen``):
    ``ms_up_b * P_b / (P_b^low + eps)``, ``P_b^low`` the coarsest of ``ceil(log2(ratio)) + 1`` pyramid levels
    of the equalised PAN.  ``sensor`` is accepted and unused, as for every MRA method without MTF filters."""

    def fuse_up(self, ms_up, pan):
        gain, off = _match(pan, ms_up, _std(pan))
        pb = gain * pan + off
        low = half_gradient_pyramid(pb, self.levels + 1)[-1]
        return ms_up * (pb / (low + _EPS))


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "mf": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="mf.md",
        paper="R. Restaino, G. Vivone, M. Dalla Mura, J. Chanussot, 'Fusion of multispectral and panchromatic "
              "images based on morphological operators', IEEE TIP 25(6), 2016",
        summary="half-gradient morphological pyramid of the PAN, high-pass modulation injection"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def mf(pretrained: bool = False, **kwargs) -> MF:
    """MF-HG (Restaino et al. 2016): morphological half-gradient pyramid, high-pass modulation."""
    return build_model(MF, "mf", pretrained, **kwargs)
