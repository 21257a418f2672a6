"""FUSE: fast fusion of multi-band images by the closed-form solution of a Sylvester equation (Wei, Dobigeon,
Tourneret, IEEE TIP 2015).

With the HS subspace ``E`` (C x L, PCA of the HS scaled by the square roots of its eigenvalues, L = 15),
the target's subspace coefficients ``X`` (L x n) maximise the posterior of the naive Gaussian model

    Y_h = E X B S + N_h,   Y_m = R E X + N_m,   X ~ N(mu, Sigma),

whose stationarity condition is the Sylvester equation ``C1 X + X C2 = C3`` with
``C1 = (E'E)^-1 ((RE)'(RE) + Sigma^-1)``, ``C2 = B S S' B'`` and
``C3 = (E'E)^-1 (E' Y_h S' B' + (RE)' Y_m + Sigma^-1 mu)``.  ``C1`` is diagonalised (a generalised
symmetric eigenproblem here), ``B`` is circulant (diagonal in the 2-D DFT) and ``S S'`` a decimation mask,
whose DFT couples each frequency only with its ``r^2`` aliases; the solution is then, per eigenvalue
``lambda_l`` and per alias class, a Sherman-Morrison update of a rank-one matrix: no iteration at all.

As in the authors' ``BayesianFusion`` / ``SylvesterFusion``: the MS is shifted circularly so that the HS
samples sit at pixel (0, 0) of each r x r block, the prior mean ``mu`` is the spline-interpolated projected
HS (``ima_interp_spline``: symmetric padding, MATLAB ``interp2(..., 'spline')``), ``Sigma^-1 = 1e-3 I``
(``prior='Gaussian'``; ``'ML'`` uses 1e-17), identity noise covariances.  Without a given PSF/SRF the
responses are estimated as the authors do for real data, with HySure's ``sen_resp_est`` (default), or as
Yokoya's ``FUSE_wrapper`` does (``estimate="toolbox"``: the non-negative ``estR`` SRF with the MS offset
removed, a Gaussian PSF of FWHM r, two sampling phases averaged for even ratios).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch

from ....builder import build_model
from ....degradation.psf import fspecial_gaussian
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel
from .hysure import _fft_kernel, _mround, sen_resp_est
from .spectral_response import estimate_srf

__all__ = ["FUSE", "fuse", "spline_upsample_matrix", "sylvester_fusion"]

_F64 = torch.float64


@functools.lru_cache(maxsize=32)
def _spline_matrix_np(n: int, r: int) -> np.ndarray:
    from scipy.interpolate import CubicSpline

    pad = np.zeros((n + 2, n))
    pad[1:-1] = np.eye(n)
    pad[0, 0] = 1  # symmetric padding by one sample
    pad[-1, -1] = 1
    knots = np.arange(n + 2, dtype=np.float64)
    if n + 2 >= 4:
        cs = CubicSpline(knots, pad, axis=0, bc_type="not-a-knot")
        pts = 1 + np.arange(n * r) / r
        return cs(pts)
    pts = 1 + np.arange(n * r) / r  # too few points for a cubic: linear, as MATLAB's spline degrades
    return np.stack([np.interp(pts, knots, pad[:, j]) for j in range(n)], axis=1)


def spline_upsample_matrix(n: int, r: int, dtype=_F64, device=None) -> torch.Tensor:
    """(n r, n) matrix of the authors' ``ima_interp_spline`` along one axis: LR sample i lands on HR pixel
    r i, not-a-knot cubic spline through the symmetrically padded samples."""
    return torch.as_tensor(_spline_matrix_np(int(n), int(r)), dtype=dtype, device=device)


def _apply_c2(x: torch.Tensor, FB: torch.Tensor, r: int) -> torch.Tensor:
    """``X B S S' B'`` on images (..., H, W): blur, keep the samples at (0, 0) of each block, adjoint blur."""
    y = torch.fft.ifft2(torch.fft.fft2(x) * FB).real
    m = torch.zeros_like(y)
    m[..., ::r, ::r] = y[..., ::r, ::r]
    return torch.fft.ifft2(torch.fft.fft2(m) * FB.conj()).real


def sylvester_fusion(XH: torch.Tensor, XM: torch.Tensor, R: torch.Tensor, FB: torch.Tensor, E: torch.Tensor,
                     mean: torch.Tensor, inv_cov: float) -> torch.Tensor:
    """Closed-form solution ``X`` (L, H, W) of ``C1 X + X C2 = C3`` (see the module docstring).

    ``XH`` (C, h, w) the HS, sampled at pixel (0, 0) of each r x r block of the (H, W) grid; ``XM`` (c, H, W);
    ``R`` (c, C); ``FB`` (H, W) the blur's DFT; ``E`` (C, L); ``mean`` (L, H, W) the prior mean.
    """
    C, h, w = XH.shape
    c, H, W = XM.shape
    r = H // h
    d = r * r
    L = E.shape[1]
    G = E.T @ E
    Em = R @ E
    A = Em.T @ Em + inv_cov * torch.eye(L, dtype=E.dtype, device=E.device)
    Lc = torch.linalg.cholesky(G)
    Li = torch.linalg.solve_triangular(Lc, torch.eye(L, dtype=E.dtype, device=E.device), upper=False)
    lam, Wv = torch.linalg.eigh(Li @ A @ Li.T)  # C1 = Q diag(lam) Q^-1, Q = Li' Wv
    T = Wv.T @ Li  # Q^-1 (E'E)^-1 = Wv' Li
    up = torch.zeros(L, H, W, dtype=E.dtype, device=E.device)
    up[:, ::r, ::r] = torch.einsum("cl,chw->lhw", E, XH)
    rhs = torch.fft.fft2(up) * FB.conj() + torch.fft.fft2(torch.einsum("cl,chw->lhw", Em, XM) + inv_cov * mean)
    ct = torch.einsum("kl,lhw->khw", T.to(rhs.dtype), rhs).reshape(L, r, h, r, w)
    fb = FB.reshape(1, r, h, r, w)
    lam_ = lam.reshape(L, 1, 1, 1, 1)
    num = (fb * ct).sum(dim=(1, 3), keepdim=True)
    den = lam_ * d + (fb.abs() ** 2).sum(dim=(1, 3), keepdim=True)
    xt = (ct - fb.conj() * num / den) / lam_
    Q = Li.T @ Wv
    X = torch.einsum("kl,lhw->khw", Q.to(xt.dtype), xt.reshape(L, H, W))
    return torch.fft.ifft2(X).real


def _subspace(XH: torch.Tensor, L: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``idHSsub(..., 'PCA', scale=1)``: eigenvectors of the (uncentred) HS correlation scaled by the square
    roots of the eigenvalues.  Returns ``E`` (C, L) and ``P_dec`` (L, C)."""
    C = XH.shape[0]
    Y = XH.reshape(C, -1)
    ev, P = torch.linalg.eigh(Y @ Y.T / Y.shape[1])
    ev, P = ev.flip(0)[:L], P.flip(1)[:, :L]
    ev = ev.clamp_min(float(ev[0]) * 1e-12 if float(ev[0]) > 0 else 1e-300)
    D = ev.sqrt()
    return P * D, P.T / D[:, None]


def _fuse_at(XH: torch.Tensor, XM: torch.Tensor, R: torch.Tensor, FB: torch.Tensor, phase: int, L: int,
             inv_cov: float) -> torch.Tensor:
    """``BayesianFusion`` for HS samples at MS pixel (phase + r i, phase + r j)."""
    C, h, w = XH.shape
    r = XM.shape[-2] // h
    XMs = torch.roll(XM, shifts=(-phase, -phase), dims=(-2, -1))
    E, P_dec = _subspace(XH, L)
    Mr = spline_upsample_matrix(h, r, XH.dtype, XH.device)
    Mc = Mr if w == h else spline_upsample_matrix(w, r, XH.dtype, XH.device)
    mean = torch.einsum("Hh,lhw,Ww->lHW", Mr, torch.einsum("lc,chw->lhw", P_dec, XH), Mc)
    X = sylvester_fusion(XH, XMs, R, FB, E, mean, inv_cov)
    out = torch.einsum("cl,lhw->chw", E, X)
    return torch.roll(out, shifts=(phase, phase), dims=(-2, -1))


class FUSE(HSMSFusionModel):
    """FUSE (Wei, Dobigeon, Tourneret 2015) with the naive Gaussian prior, closed form.

    ``srf`` (c, C) and ``psf`` (odd square kernel, centred on the HS sample) with ``phase`` (HS pixel (i, j)
    sits at MS pixel (phase + r i, phase + r j), default round(r/2) - 1 as the toolbox) describe known
    degradations; what is not given is estimated, by ``estimate="hysure"`` (HySure's ``sen_resp_est`` with
    the toolbox wrapper's settings: all HS bands per MS band, support 2r - 1, lambda_R = lambda_B = 10) or
    ``estimate="toolbox"`` (``FUSE_wrapper``: ``estR`` SRF with the MS offset removed, Gaussian PSF of FWHM r
    on a (2 round(r/2) + 1)^2 support, even ratios averaged over two phases).  ``prior``: ``"gaussian"``
    (Sigma^-1 = ``inv_cov`` = 1e-3 I) or ``"ml"`` (1e-17 I); ``subspace_dim`` 15; ``scaling`` multiplies both
    images before the solve (the toolbox's demo data are reflectance x 1e4, and Sigma^-1 is absolute).
    """

    def __init__(self, prior: str = "gaussian", inv_cov: float | None = None, subspace_dim: int = 15,
                 scaling: float = 1e4, estimate: str = "hysure", srf: torch.Tensor | None = None,
                 psf: torch.Tensor | None = None, phase: int | None = None, lambda_r: float = 10.0,
                 lambda_b: float = 10.0, hsize: int | None = None, ratio: int | None = None,
                 hs_bands: int | None = None, ms_bands: int | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        if prior not in ("gaussian", "ml"):
            raise ValueError(f"prior must be 'gaussian' or 'ml', got {prior!r}")
        if estimate not in ("hysure", "toolbox"):
            raise ValueError(f"estimate must be 'hysure' or 'toolbox', got {estimate!r}")
        if subspace_dim < 1 or scaling <= 0:
            raise ValueError(f"subspace_dim must be >= 1 and scaling > 0, got {subspace_dim}, {scaling}")
        if psf is not None and (psf.dim() != 2 or psf.shape[0] != psf.shape[1] or psf.shape[0] % 2 == 0):
            raise ValueError(f"psf must be a square 2-D kernel of odd size, got shape {tuple(psf.shape)}")
        self.prior, self.estimate = prior, estimate
        self.inv_cov = inv_cov if inv_cov is not None else (1e-3 if prior == "gaussian" else 1e-17)
        self.subspace_dim, self.scaling = int(subspace_dim), float(scaling)
        self.srf, self.psf, self.phase = srf, psf, phase
        self.lambda_r, self.lambda_b, self.hsize = lambda_r, lambda_b, hsize

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        assert ms is not None
        r = ms.shape[-2] // hs.shape[-2]
        C, c = hs.shape[1], ms.shape[1]
        if self.srf is not None and tuple(self.srf.shape) != (c, C):
            raise ValueError(f"srf must be (ms bands, hs bands) = ({c}, {C}), got {tuple(self.srf.shape)}")
        phase0 = self.phase if self.phase is not None else _mround(r / 2) - 1
        if not 0 <= phase0 < r:
            raise ValueError(f"phase must lie in [0, ratio) = [0, {r}), got {phase0}")
        L = min(self.subspace_dim, C)
        outs = []
        for XH, XM in zip(hs.to(_F64), ms.to(_F64)):
            shape = tuple(XM.shape[-2:])
            R = self.srf.to(_F64).to(XH.device) if self.srf is not None else None
            runs: list[tuple[torch.Tensor, int]] = []
            if self.psf is not None:
                runs = [(_fft_kernel(self.psf.to(_F64).to(XH.device), shape), phase0)]
            if self.estimate == "hysure" and (R is None or not runs):
                _, R_est, FB = sen_resp_est(XH, XM, r, min(10, C), self.lambda_r, self.lambda_b,
                                            self.hsize or 2 * r - 1, phase0, (r + 1) % 2)
                R = R if R is not None else R_est
                runs = runs or [(FB, phase0)]
            if self.estimate == "toolbox":
                if R is None:
                    est = estimate_srf(XH[None], XM[None], r)
                    R, off = est.srf[0], est.offset[0]
                    XM = (XM - off[:, None, None]).clamp_min(0)
                if not runs:
                    n = _mround(r / 2) * 2 + 1
                    k = fspecial_gaussian(n, (1 / (2 * 2.7725887 / r ** 2)) ** 0.5, _F64, XH.device)
                    FB = _fft_kernel(k, shape)
                    first = _mround(r / 2) - 1
                    runs = [(FB, first)] + ([(FB, first + 1)] if r % 2 == 0 else [])
            s = self.scaling
            out = sum(_fuse_at(XH * s, XM * s, R, FB, ph, L, self.inv_cov) for FB, ph in runs) / len(runs)
            outs.append(out / s)
        return torch.stack(outs).to(hs.dtype)


default_cfgs = {
    "fuse": ArchConfig(
        task="hs_ms_fusion", inputs=("hs", "ms"), classical=True, card="fuse.md",
        paper="Q. Wei, N. Dobigeon, J.-Y. Tourneret, 'Fast fusion of multi-band images based on solving a "
              "Sylvester equation', IEEE TIP 24(11):4109-4121, 2015, doi:10.1109/TIP.2015.2458572",
        summary="FUSE: closed-form Bayesian (naive Gaussian prior) HS-MS fusion by a Sylvester equation solved "
                "in the Fourier domain; PSF/SRF given or estimated (HySure or the Yokoya toolbox's way)",
        url="https://arxiv.org/abs/1502.03121"),
}


@register_model
def fuse(pretrained: bool = False, **kwargs) -> FUSE:
    """FUSE (Wei et al. 2015): Sylvester-equation fusion with the naive Gaussian prior."""
    return build_model(FUSE, "fuse", pretrained, **kwargs)
