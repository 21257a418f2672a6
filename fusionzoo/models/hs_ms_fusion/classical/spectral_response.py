"""Spectral regressions and operators shared by the classical HS-MS fusion methods (Yokoya's toolbox).

The HSMSFusionToolbox of Yokoya, Grohnfeldt and Chanussot (2017) shares a few building blocks between its
methods; they are written here once, batched torch (float64 inside, CPU or GPU), no loop over pixels:

- :func:`gaussian_down_sample` (``gaussian_down_sample.m``): the toolbox's relative PSF, Gaussian with
  FWHM = ``r`` over disjoint ``r x r`` blocks.  It is a degradation model, so it lives in
  :mod:`fusionzoo.degradation.psf` (with :func:`fspecial_gaussian`); both are re-exported here.
- :func:`estimate_srf` (``estR.m``): when the spectral response is not given, each MS band, degraded to the
  HS grid by :func:`gaussian_down_sample`, is regressed on ``[HS bands, 1]``: least squares with
  non-negative HS coefficients and a free offset (the toolbox's ``quadprog``; here an exact Lawson-Hanson
  active-set solve of the same problem).  Returns the (c, C) response, the (c,) offsets and the relative
  RMSE of each fit (the toolbox's ``error``).
- :func:`hypersharpening_regression` (SFIM-HS / GLP-HS "mode 2"): the MS bilinearly shrunk to the HS grid
  (``imresize(..., 'bilinear')``, antialiased) and each HS band regressed on ``[LR-MS, 1]`` by ordinary
  least squares; the coefficients give one synthetic PAN per HS band.
- :func:`toolbox_denoise` (``denoising.m``): the post-fusion step the toolbox's demo applies to GSA,
  SFIM-HS, GLP-HS (and MAP-SMM): each band is replaced by its least-squares regression (no offset,
  ``pinv``) on all the other bands, the PCA-noise-adjustment idea of Roger (1996).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from ....degradation.psf import fspecial_gaussian, gaussian_down_sample
from ....ops import imresize

__all__ = [
    "SRFEstimate",
    "apply_regression",
    "check_srf",
    "estimate_srf",
    "fspecial_gaussian",
    "gaussian_down_sample",
    "hypersharpening_regression",
    "nnls_gram",
    "toolbox_denoise",
]

_F64 = torch.float64
_EPS = float(np.finfo(np.float64).eps)


# ----------------------------------------------------------------------------------------- regressions


def _gram(a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """``a b^T`` over the last (pixel) dimension in float64: a (B, p, N), b (B, q, N) -> (B, p, q)."""
    a = a.to(_F64)
    b = a if b is None else b.to(_F64)
    return a @ b.transpose(-1, -2)


def _solve_spd(G: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    """``G \\ R`` for batches of small symmetric systems; singular ones fall back to the pseudo-inverse."""
    sol, info = torch.linalg.solve_ex(G, R)
    bad = (info != 0) | ~torch.isfinite(sol).flatten(1).all(dim=1)
    if bool(bad.any()):
        sol = torch.where(bad[:, None, None], torch.linalg.pinv(G, hermitian=True) @ R, sol)
    return sol


def nnls_gram(G: torch.Tensor, h: torch.Tensor, max_iter: int | None = None,
              tol: float | None = None) -> torch.Tensor:
    """Non-negative least squares in Gram form: ``argmin_{x >= 0} x^T G x / 2 - h^T x`` (Lawson-Hanson).

    ``G`` (n, n) symmetric positive semi-definite (``A^T A``), ``h`` (n,) (``A^T b``); float64 on CPU
    (small problems; the caller moves them).  Exact at convergence (KKT: ``x >= 0``, gradient ``>= -tol``
    on the zero set, ``= 0`` on the positive set).  Rank-deficient passive sets are solved by least squares
    (minimum norm), so collinear bands are allowed.
    """
    G = G.to(_F64).cpu()
    h = h.to(_F64).cpu()
    n = h.shape[0]
    if tol is None:
        tol = 10 * _EPS * max(1.0, float(G.abs().sum(dim=0).max())) * max(n, 1)
    max_iter = 3 * n if max_iter is None else max_iter
    x = torch.zeros(n, dtype=_F64)
    P = torch.zeros(n, dtype=torch.bool)

    def sub(Pm: torch.Tensor) -> torch.Tensor:
        s = torch.zeros(n, dtype=_F64)
        idx = Pm.nonzero().flatten()
        if idx.numel():
            Gp = G[idx][:, idx]
            s[idx] = torch.linalg.lstsq(Gp, h[idx, None], driver="gelsd").solution.flatten()
        return s

    w = h - G @ x
    for _ in range(max_iter):
        cand = (~P) & (w > tol)
        if not bool(cand.any()):
            break
        j = int(torch.where(cand, w, torch.full_like(w, -math.inf)).argmax())
        P[j] = True
        s = sub(P)
        inner = 0
        while bool((s[P] <= 0).any()) and inner < 3 * n:
            inner += 1
            q = P & (s <= 0)
            alpha = float((x[q] / (x[q] - s[q])).min())
            x = x + alpha * (s - x)
            P = P & (x > tol)
            x = torch.where(P, x, torch.zeros_like(x))
            s = sub(P)
        x = s
        w = h - G @ x
    return x.clamp_min(0.0)


class SRFEstimate(NamedTuple):
    """The toolbox's ``estR``: ``srf`` (B, c, C), ``offset`` (B, c) and ``error`` (B, c), all float64.

    ``gaussian_down_sample(ms)_k ~= sum_j srf[k, j] hs_j + offset[k]``; ``error`` is the RMSE of the fit
    divided by the mean of the degraded MS band (the toolbox's relative error).
    """

    srf: torch.Tensor
    offset: torch.Tensor
    error: torch.Tensor


def estimate_srf(hs: torch.Tensor, ms: torch.Tensor, ratio: int | None = None) -> SRFEstimate:
    """Estimate the relative spectral response of ``ms`` to ``hs`` as the toolbox's ``estR`` does.

    ``hs`` (B, C, h, w), ``ms`` (B, c, H, W) with ``H = ratio * h``.  The MS is degraded to the HS grid by
    :func:`gaussian_down_sample` (FWHM = ratio), then each MS band is fitted by ``[HS bands, 1]`` with
    non-negative HS coefficients and an unconstrained offset.  The free offset is eliminated by centring
    (it is the mean residual), leaving an NNLS problem on the centred data, solved exactly by
    :func:`nnls_gram`.  When the HS bands are collinear the minimiser is not unique: the toolbox's
    interior-point ``quadprog`` returns an interior point of the optimal set, this returns a sparse one;
    both reproduce the degraded MS equally well.
    """
    if hs.dim() != 4 or ms.dim() != 4:
        raise ValueError(f"expected hs (B, C, h, w) and ms (B, c, H, W), got {tuple(hs.shape)} and "
                         f"{tuple(ms.shape)}")
    B, C, h, w = hs.shape
    H, W = ms.shape[-2:]
    if ratio is None:
        ratio = H // h
    if (H // ratio, W // ratio) != (h, w):
        raise ValueError(f"ms size {H}x{W} does not reduce to the hs size {h}x{w} at ratio {ratio}")
    lr = gaussian_down_sample(ms.to(_F64), ratio).flatten(2)  # (B, c, N)
    a = hs.to(_F64).flatten(2)  # (B, C, N)
    ma, mb = a.mean(-1, keepdim=True), lr.mean(-1, keepdim=True)
    ac, bc = a - ma, lr - mb
    G = _gram(ac)  # (B, C, C)
    Hb = _gram(ac, bc)  # (B, C, c)
    c = lr.shape[1]
    srf = torch.zeros(B, c, C, dtype=_F64)
    for i in range(B):
        for k in range(c):
            srf[i, k] = nnls_gram(G[i], Hb[i, :, k])
    srf = srf.to(hs.device)
    offset = (mb[..., 0] - (srf @ ma)[..., 0])  # (B, c)
    resid = lr - srf @ a - offset[..., None]
    rmse = resid.pow(2).mean(-1).sqrt()
    error = rmse / lr.mean(-1)
    return SRFEstimate(srf, offset, error)


def check_srf(srf, hs_bands: int, ms_bands: int, device, name: str = "srf") -> torch.Tensor:
    """A user's (c, C) spectral response as float64 (c, C): clear errors for wrong shapes or values."""
    t = torch.as_tensor(np.asarray(srf) if not isinstance(srf, torch.Tensor) else srf).to(_F64)
    if t.dim() != 2:
        raise ValueError(f"{name} must be a (ms_bands, hs_bands) matrix, got shape {tuple(t.shape)}")
    if tuple(t.shape) != (ms_bands, hs_bands):
        if tuple(t.shape) == (hs_bands, ms_bands):
            raise ValueError(f"{name} has shape {tuple(t.shape)} but must be (ms_bands, hs_bands) = "
                             f"({ms_bands}, {hs_bands}); pass its transpose")
        raise ValueError(f"{name} has shape {tuple(t.shape)} but the inputs need (ms_bands, hs_bands) = "
                         f"({ms_bands}, {hs_bands})")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if bool((t < 0).any()):
        raise ValueError(f"{name} has negative entries; a spectral response is non-negative")
    return t.to(device)


def hypersharpening_regression(hs: torch.Tensor, ms: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SFIM-HS / GLP-HS mode 2: regress each HS band on ``[LR-MS, 1]`` (ordinary least squares).

    The MS is shrunk to the HS grid with MATLAB ``imresize(..., [h w], 'bilinear')`` (antialiased).
    Returns ``(X, lr_ms)``: ``X`` (B, c + 1, C) float64 (the last row is the offset) and the LR-MS
    (B, c, h, w) float64.  The toolbox solves ``(A^T A) \\ A^T Y``; singular systems fall back to the
    pseudo-inverse here.
    """
    h, w = hs.shape[-2:]
    lr_ms = imresize(ms.to(_F64), size=(h, w), method="bilinear")
    B = hs.shape[0]
    A = torch.cat([lr_ms.flatten(2), torch.ones(B, 1, h * w, dtype=_F64, device=hs.device)], 1)
    X = _solve_spd(_gram(A), _gram(A, hs.flatten(2)))
    return X, lr_ms


def apply_regression(x: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """``[x, 1] X``: x (B, c, H, W), X (B, c + 1, C) -> (B, C, H, W) float64 (one synthetic PAN per band)."""
    B, c, H, W = x.shape
    y = X[:, :c].transpose(1, 2) @ x.to(_F64).flatten(2) + X[:, c:].transpose(1, 2)
    return y.reshape(B, -1, H, W)


def toolbox_denoise(x: torch.Tensor) -> torch.Tensor:
    """The toolbox's ``denoising.m`` on (B, C, H, W): each band replaced by its least-squares fit (no
    offset, ``pinv`` of the Gram matrix) on the C - 1 other bands; float64 inside, x's dtype out.

    Bands that are exact linear combinations of the others are unchanged.  With a single band there is
    nothing to regress on (the MATLAB code would return zeros): the image is returned unchanged.
    """
    B, C, H, W = x.shape
    if C < 2:
        return x
    X = x.to(_F64).flatten(2)
    G = _gram(X)  # (B, C, C)
    idx = torch.arange(C, device=x.device)
    others = torch.stack([torch.cat([idx[:i], idx[i + 1:]]) for i in range(C)])  # (C, C-1)
    Goo = G[:, others[:, :, None], others[:, None, :]]  # (B, C, C-1, C-1)
    Goi = G[:, others, idx[:, None]]  # (B, C, C-1)
    coef = (torch.linalg.pinv(Goo, hermitian=True) @ Goi[..., None])[..., 0]  # (B, C, C-1)
    K = torch.zeros(B, C, C, dtype=_F64, device=x.device)
    K.scatter_(2, others.expand(B, C, C - 1), coef)
    return (K @ X).reshape(B, C, H, W).to(x.dtype)
