"""Synthetic HS + MS scenes shared by the classical HS-MS fusion tests (FUSE, HySure)."""

from __future__ import annotations

import torch

from fusionzoo.degradation.psf import fspecial_gaussian as gaussian_kernel
from fusionzoo.models.hs_ms_fusion.classical.hysure import _fft_kernel

F64 = torch.float64


def low_rank_scene(C, c=3, H=32, r=4, p=3, phase=1, seed=0):
    """A rank-p reference (smooth abundances), its circularly blurred / decimated HS and its MS:
    ``(Z, hs[None], ms[None], R, k)`` in float64."""
    g = torch.Generator().manual_seed(seed)
    E = torch.rand(C, p, generator=g, dtype=F64)
    a = torch.rand(p, H, H, generator=g, dtype=F64)
    a = torch.fft.ifft2(torch.fft.fft2(a) * _fft_kernel(gaussian_kernel(5, 1.0), (H, H))).real
    Z = torch.einsum("cp,phw->chw", E, a)
    R = torch.rand(c, C, generator=g, dtype=F64)
    R = R / R.sum(1, keepdim=True)
    k = gaussian_kernel(2 * r + 1, r / 2.35482)
    hs = torch.fft.ifft2(torch.fft.fft2(Z) * _fft_kernel(k, (H, H))).real[:, phase::r, phase::r]
    return Z, hs[None], torch.einsum("kc,chw->khw", R, Z)[None], R, k
