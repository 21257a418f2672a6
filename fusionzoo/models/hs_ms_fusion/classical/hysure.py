"""HySure: hyperspectral super-resolution by a convex, subspace-based formulation (Simões et al., TGRS 2015).

The fused image is ``Z = E X`` with ``E`` (C x p) a basis of the HS subspace (VCA endmembers or singular
vectors) and ``X`` the coefficients, estimated by

    min_X  1/2 ||Y_h - E X B M||^2 + lambda_m/2 ||Y_m - R E X||^2 + lambda_phi VTV(X)

(``B`` circular blur, ``M`` decimation mask, ``R`` spectral response, VTV the isotropic vector total
variation of the horizontal and vertical differences of ``X``), solved by ADMM/SALSA with four splittings
(``XB``, ``X``, ``X Dh``, ``X Dv``) whose quadratic step is diagonal in the Fourier domain.  Before the
fusion, ``R`` and ``B`` are estimated from the pair itself (``sen_resp_est``): ``R`` by ridge regression of
the strongly blurred MS on the correspondingly blurred HS with a first-difference penalty, ``B`` by
regularised least squares over the HS sampling positions.

Two variants, both following the MATLAB code step by step:

* ``variant="original"``: ``alfaiate/HySure`` ``src/`` (``sen_resp_est``, ``data_fusion``) with the demos'
  parameters (lambda_R = lambda_B = 10, p = 10 VCA endmembers, lambda_phi = 5e-4, lambda_m = 1, mu = 0.05,
  200 iterations, sampling phase ``shift = 1``) and the demos' final projection onto the HS singular
  subspace;
* ``variant="toolbox"``: Yokoya's ``HySure_wrapper`` (p = 30, lambda_phi = 1e-3, blur support
  (2r - 1)^2 centred by ``mod(r + 1, 2)``, ``shift = round(r / 2) - 1``, data divided by max(HS), the SRF
  replaced by the toolbox's non-negative ``estR`` regression with the MS offset removed).

This module also holds the HySure response estimation (``sen_resp_est``) that FUSE and CSTF reuse; VCA is
:func:`.unmixing.vca` (``variant="nascimento"``, HySure's ``VCA.m``), the toolbox's ``estR`` is
:func:`.spectral_response.estimate_srf`.  Everything runs in float64; no loop runs over pixels (the ADMM, the
20 VCA runs and the per-band regressions loop over small dimensions only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ....builder import build_model
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel
from .spectral_response import estimate_srf
from .unmixing import vca

__all__ = ["HySure", "hysure", "sen_resp_est"]

_F64 = torch.float64


def _mround(x: float) -> int:
    """MATLAB ``round`` (halves away from zero) for non-negative numbers."""
    return int(math.floor(x + 0.5))


# ----------------------------------------------------------------------------------------- helpers


def _fft_kernel(kernel: torch.Tensor, shape: tuple[int, int], offset: tuple[int, int] | None = None
                ) -> torch.Tensor:
    """The 2-D DFT of ``kernel`` placed circularly on an ``shape`` grid with its element ``offset``
    (default: its centre, ``(k - 1) // 2``) at the origin."""
    kh, kw = kernel.shape
    oh, ow = offset if offset is not None else ((kh - 1) // 2, (kw - 1) // 2)
    rows = (torch.arange(kh, device=kernel.device) - oh) % shape[0]
    cols = (torch.arange(kw, device=kernel.device) - ow) % shape[1]
    full = torch.zeros(shape, dtype=kernel.dtype, device=kernel.device)
    full.index_put_((rows[:, None].expand(kh, kw), cols[None, :].expand(kh, kw)), kernel, accumulate=True)
    return torch.fft.fft2(full)


def _conv_fft(x: torch.Tensor, fk: torch.Tensor) -> torch.Tensor:
    """Circular convolution of every band of ``x`` (..., H, W) with the transfer function ``fk`` (H, W)."""
    return torch.fft.ifft2(torch.fft.fft2(x) * fk).real


def _box(n: int, dtype=_F64, device=None) -> torch.Tensor:
    return torch.full((n, n), 1.0 / (n * n), dtype=dtype, device=device)


def _diff_matrix(n: int, dtype=_F64) -> torch.Tensor:
    """(n - 1) x n first differences ``x_i - x_{i+1}`` (MATLAB ``toeplitz([1 0 ..], [1 -1 0 ..])``)."""
    D = torch.zeros(max(n - 1, 0), n, dtype=dtype)
    i = torch.arange(n - 1)
    D[i, i] = 1
    D[i, i + 1] = -1
    return D


def sen_resp_est(hs: torch.Tensor, ms: torch.Tensor, ratio: int, p: int, lambda_r: float = 10.0,
                 lambda_b: float = 10.0, hsize: int = 10, shift: int = 1, blur_center: int = 0,
                 intersection: Sequence[Sequence[int]] | None = None,
                 contiguous: Sequence[Sequence[int]] | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """HySure's ``sen_resp_est``: relative spectral (``R``, (c, C)) and spatial (``B``, its (H, W) DFT)
    responses of the pair, and ``V`` (C, p), the first ``p`` left singular vectors of the HS.

    ``hs`` (C, h, w), ``ms`` (c, H, W) float64; ``shift`` is the HS sampling phase (MATLAB ``upsample``
    phase: HS pixel (i, j) sits at MS pixel (shift + r i, shift + r j)); ``hsize`` the square support of the
    blur; ``intersection[k]`` the HS bands (0-based) that MS band ``k`` covers (default: all).
    """
    C, h, w = hs.shape
    c, H, W = ms.shape
    r = int(ratio)
    if intersection is None:
        intersection = [list(range(C))] * c
    if contiguous is None:
        contiguous = intersection
    if len(intersection) != c:
        raise ValueError(f"intersection must list the HS bands of each of the {c} MS bands, got "
                         f"{len(intersection)} entries")
    # I. strong 9 x 9 box blur of the MS, then decimation at the HS phase
    ymb = _conv_fft(ms, _fft_kernel(_box(9, ms.dtype, ms.device), (H, W)))
    ymb_down = ymb[:, shift::r, shift::r][:, :h, :w].reshape(c, -1)
    # II. the correspondingly scaled box on the HS
    l = _mround(4 / r)
    yhb = _conv_fft(hs, _fft_kernel(_box(2 * l + 1, hs.dtype, hs.device), (h, w))).reshape(C, -1)
    # III. R: ridge regression per MS band with a first-difference penalty
    R = torch.zeros(c, C, dtype=hs.dtype, device=hs.device)
    for k in range(c):
        idx = torch.as_tensor(list(intersection[k]), device=hs.device)
        D = _diff_matrix(len(idx), hs.dtype).to(hs.device)
        gaps = torch.as_tensor(list(contiguous[k])).diff() != 1
        D[gaps.to(hs.device)] = 0
        Yk = yhb[idx]
        R[k, idx] = torch.linalg.solve(Yk @ Yk.T + lambda_r * D.T @ D, Yk @ ymb_down[k])
    # IV. HS subspace (SVD) and the denoised, zero-filled HS on the MS grid
    yh = hs.reshape(C, -1)
    V = torch.linalg.svd(yh, full_matrices=False)[0][:, :p]
    yh_up = torch.zeros(C, H, W, dtype=hs.dtype, device=hs.device)
    yh_up[:, shift::r, shift::r] = hs[:, : len(range(shift, H, r)), : len(range(shift, W, r))]
    ryh = (R @ (V @ (V.T @ yh_up.reshape(C, -1)))).reshape(c, H, W)
    # V. B by regularised least squares over the sampling positions with the full support around them
    a = (hsize - 1) // 2
    b = hsize - 1 - a
    pos_r = torch.arange(shift, H, r)
    pos_r = pos_r[(pos_r >= a) & (pos_r <= H - a - 2)]
    pos_c = torch.arange(shift, W, r)
    pos_c = pos_c[(pos_c >= a) & (pos_c <= W - a - 2)]
    if len(pos_r) == 0 or len(pos_c) == 0:
        raise ValueError(f"the MS ({H}x{W}) is too small for a {hsize}x{hsize} blur support")
    off = torch.arange(-a, b + 1)
    rr = (pos_r[:, None] + off[None, :]).to(ms.device)  # (nr, hsize)
    cc = (pos_c[:, None] + off[None, :]).to(ms.device)
    patches = ms[:, rr[:, None, :, None], cc[None, :, None, :]]  # (c, nr, nc, hsize, hsize)
    P = patches.reshape(-1, hsize * hsize)
    t = ryh[:, pos_r.to(ms.device)][:, :, pos_c.to(ms.device)].reshape(-1)
    Dk = _diff_matrix(hsize, hs.dtype).to(hs.device)
    I = torch.eye(hsize, dtype=hs.dtype, device=hs.device)
    reg = torch.kron(Dk.T @ Dk, I) + torch.kron(I, Dk.T @ Dk)
    bvec = torch.linalg.solve(P.T @ P + lambda_b * reg, P.T @ t)
    kernel = bvec.reshape(hsize, hsize)
    FB = _fft_kernel(kernel, (H, W), offset=(a + blur_center, a + blur_center))
    vol = kernel.sum()
    return V, R / vol, FB / vol


# ----------------------------------------------------------------------------------------- the fusion


def _vector_soft_col_iso(x1: torch.Tensor, x2: torch.Tensor, tau: float) -> tuple[torch.Tensor, torch.Tensor]:
    nu = (x1 ** 2 + x2 ** 2).sum(0, keepdim=True).sqrt()
    a = (nu - tau).clamp_min(0)
    s = a / (a + tau)
    return s * x1, s * x2


def data_fusion(hs: torch.Tensor, ms: torch.Tensor, ratio: int, R: torch.Tensor, FB: torch.Tensor, p: int,
                basis: str, lambda_phi: float, lambda_m: float, shift: int, mu: float = 0.05, iters: int = 200,
                vca_runs: int = 20, generator: torch.Generator | None = None) -> torch.Tensor:
    """HySure's ``data_fusion``: ADMM/SALSA for the subspace coefficients, returns ``E X`` (C, H, W)."""
    C, h, w = hs.shape
    c, H, W = ms.shape
    r = int(ratio)
    dev, dt = hs.device, hs.dtype
    dh = torch.zeros(H, W, dtype=dt, device=dev)
    dh[0, 0], dh[0, W - 1] = 1, -1
    dv = torch.zeros(H, W, dtype=dt, device=dev)
    dv[0, 0], dv[H - 1, 0] = 1, -1
    FDH, FDV = torch.fft.fft2(dh), torch.fft.fft2(dv)
    den = FB.abs() ** 2 + FDH.abs() ** 2 + FDV.abs() ** 2 + 1
    nh, nw = len(range(shift, H, r)), len(range(shift, W, r))
    yh_lr = hs[:, :nh, :nw].reshape(C, -1)
    if basis == "vca":
        gen = generator if generator is not None else torch.Generator().manual_seed(0)
        best, best_vol = None, -1.0
        for _ in range(vca_runs):
            E_aux = vca(yh_lr, p, gen, snr=0.0, variant="nascimento")[0]
            vol = float(torch.linalg.det(E_aux.T @ E_aux).abs())
            if vol > best_vol:
                best, best_vol = E_aux, vol
        E = best
    elif basis == "svd":
        E = torch.linalg.svd(yh_lr, full_matrices=False)[0][:, :p]
    else:
        raise ValueError(f"basis must be 'vca' or 'svd', got {basis!r}")
    mask = torch.zeros(H, W, dtype=torch.bool, device=dev)
    mask[shift::r, shift::r] = True
    IE = E.T @ E + mu * torch.eye(p, dtype=dt, device=dev)
    yyh = E.T @ yh_lr  # (p, n_lr): E' Yh at the mask positions
    IRE = lambda_m * E.T @ (R.T @ R) @ E + mu * torch.eye(p, dtype=dt, device=dev)
    yym = (E.T @ R.T @ ms.reshape(c, -1)).reshape(p, H, W)
    rhs2 = lambda_m * yym
    IE_inv, IRE_inv = torch.linalg.inv(IE), torch.linalg.inv(IRE)
    # transfer functions on the rfft grid
    half = W // 2 + 1
    fb, fdh, fdv, dn = FB[:, :half], FDH[:, :half], FDV[:, :half], den[:, :half]
    ibd_b, ibd_ii, ibd_dh, ibd_dv = fb.conj() / dn, 1 / dn, fdh.conj() / dn, fdv.conj() / dn
    rfft = lambda x: torch.fft.rfft2(x)
    irfft = lambda x: torch.fft.irfft2(x, s=(H, W))
    z = torch.zeros(p, H, W, dtype=dt, device=dev)
    V1, V2, V3, V4 = z.clone(), z.clone(), z.clone(), z.clone()
    D1, D2, D3, D4 = z.clone(), z.clone(), z.clone(), z.clone()
    tau = lambda_phi / mu
    for _ in range(iters):
        Xf = ibd_b * rfft(V1 + D1) + ibd_ii * rfft(V2 + D2) + ibd_dh * rfft(V3 + D3) + ibd_dv * rfft(V4 + D4)
        X = irfft(Xf)
        NU1 = irfft(Xf * fb) - D1
        V1 = NU1.clone()
        V1[:, mask] = IE_inv @ (yyh + mu * NU1[:, mask])
        NU2 = X - D2
        V2 = torch.einsum("ij,jhw->ihw", IRE_inv, rhs2 + mu * NU2)
        NU3 = irfft(Xf * fdh) - D3
        NU4 = irfft(Xf * fdv) - D4
        V3, V4 = _vector_soft_col_iso(NU3, NU4, tau)
        D1, D2, D3, D4 = V1 - NU1, V2 - NU2, V3 - NU3, V4 - NU4
    return torch.einsum("cp,phw->chw", E, X)


# ----------------------------------------------------------------------------------------- the model


class HySure(HSMSFusionModel):
    """HySure (Simões et al. 2015), ``variant="original"`` (``alfaiate/HySure``) or ``"toolbox"`` (Yokoya's
    ``HySure_wrapper``).

    Parameters left at ``None`` take the variant's default: ``p`` (10 / 30, at most the HS band count),
    ``lambda_phi`` (5e-4 / 1e-3), ``hsize`` (original: 10 for ratios up to 5, else 2r - 1; toolbox: 2r - 1),
    ``shift`` (1 / round(r/2) - 1), ``blur_center`` (0 / mod(r + 1, 2)).  ``srf`` (c, C) or ``psf`` (a square 2-D
    kernel of odd size, centred on the HS sample) replace the estimates
    (an addition of fusionzoo for users who know their sensors).  ``intersection``: HS bands (0-based) of
    each MS band for the SRF estimate (default all, as the toolbox).  ``seed`` drives VCA's random
    directions.  ``iters`` (200) and ``mu`` (0.05) are the code's ADMM settings.
    """

    def __init__(self, variant: str = "original", p: int | None = None, lambda_phi: float | None = None,
                 lambda_m: float = 1.0, lambda_r: float = 10.0, lambda_b: float = 10.0, hsize: int | None = None,
                 shift: int | None = None, blur_center: int | None = None, basis: str = "vca", mu: float = 0.05,
                 iters: int = 200, vca_runs: int = 20, intersection: Sequence[Sequence[int]] | None = None,
                 srf: torch.Tensor | None = None, psf: torch.Tensor | None = None, seed: int = 0,
                 ratio: int | None = None, hs_bands: int | None = None, ms_bands: int | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        if variant not in ("original", "toolbox"):
            raise ValueError(f"variant must be 'original' or 'toolbox', got {variant!r}")
        if basis not in ("vca", "svd"):
            raise ValueError(f"basis must be 'vca' or 'svd', got {basis!r}")
        if iters < 1 or mu <= 0:
            raise ValueError(f"iters must be >= 1 and mu > 0, got iters={iters}, mu={mu}")
        if psf is not None and (psf.dim() != 2 or psf.shape[0] != psf.shape[1] or psf.shape[0] % 2 == 0):
            raise ValueError(f"psf must be a square 2-D kernel of odd size, got shape {tuple(psf.shape)}")
        self.variant, self.p, self.basis = variant, p, basis
        self.lambda_phi = lambda_phi if lambda_phi is not None else (5e-4 if variant == "original" else 1e-3)
        self.lambda_m, self.lambda_r, self.lambda_b = lambda_m, lambda_r, lambda_b
        self.hsize, self.shift, self.blur_center = hsize, shift, blur_center
        self.mu, self.iters, self.vca_runs, self.seed = mu, int(iters), int(vca_runs), int(seed)
        self.intersection = intersection
        self.srf = srf
        self.psf = psf

    def _settings(self, C: int, r: int) -> dict:
        orig = self.variant == "original"
        p = self.p if self.p is not None else (10 if orig else 30)
        return dict(
            p=min(p, C),
            hsize=self.hsize if self.hsize is not None else (10 if orig and r <= 5 else 2 * r - 1),
            shift=self.shift if self.shift is not None else (1 if orig else _mround(r / 2) - 1),
            blur_center=self.blur_center if self.blur_center is not None else (0 if orig else (r + 1) % 2),
        )

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        assert ms is not None
        r = ms.shape[-2] // hs.shape[-2]
        C, c = hs.shape[1], ms.shape[1]
        s = self._settings(C, r)
        if not 0 <= s["shift"] < r:
            raise ValueError(f"shift must lie in [0, ratio) = [0, {r}), got {s['shift']}")
        if self.srf is not None and tuple(self.srf.shape) != (c, C):
            raise ValueError(f"srf must be (ms bands, hs bands) = ({c}, {C}), got {tuple(self.srf.shape)}")
        outs = []
        for yh, ym in zip(hs.to(_F64), ms.to(_F64)):
            scale = yh.max().clamp_min(1e-12) if self.variant == "toolbox" else torch.ones((), dtype=_F64)
            yh, ym = yh / scale, ym / scale
            V, R, FB = sen_resp_est(yh, ym, r, s["p"], self.lambda_r, self.lambda_b, s["hsize"], s["shift"],
                                    s["blur_center"], self.intersection)
            if self.variant == "toolbox" and self.srf is None:
                est = estimate_srf(yh[None], ym[None], r)
                R, off = est.srf[0], est.offset[0]
                ym = (ym - off[:, None, None]).clamp_min(0)
            if self.srf is not None:
                R = self.srf.to(_F64).to(yh.device)
            if self.psf is not None:
                FB = _fft_kernel(self.psf.to(_F64).to(yh.device), tuple(ym.shape[-2:]))
            gen = torch.Generator().manual_seed(self.seed)
            Z = data_fusion(yh, ym, r, R, FB, s["p"], self.basis, self.lambda_phi, self.lambda_m, s["shift"],
                            self.mu, self.iters, self.vca_runs, gen)
            Z = torch.einsum("cp,phw->chw", V @ V.T, Z)  # the demos' / wrapper's final projection
            outs.append(Z * scale)
        return torch.stack(outs).to(hs.dtype)


# ----------------------------------------------------------------------------------------- registry

default_cfgs = {
    "hysure": ArchConfig(
        task="hs_ms_fusion", inputs=("hs", "ms"), classical=True, card="hysure.md",
        paper="M. Simões, J. Bioucas-Dias, L. B. Almeida, J. Chanussot, 'A convex formulation for hyperspectral "
              "image superresolution via subspace-based regularization', IEEE TGRS 53(6):3373-3388, 2015, "
              "doi:10.1109/TGRS.2014.2375320",
        summary="HySure: subspace (VCA) + vector-TV ADMM fusion with the SRF and PSF estimated from the pair "
                "(original code; variant='toolbox' for Yokoya's wrapper)",
        url="https://github.com/alfaiate/HySure"),
}


@register_model
def hysure(pretrained: bool = False, **kwargs) -> HySure:
    """HySure (original ``alfaiate/HySure`` code; ``variant="toolbox"`` for Yokoya's wrapper)."""
    return build_model(HySure, "hysure", pretrained, **kwargs)
