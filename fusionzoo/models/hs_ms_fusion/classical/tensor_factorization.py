"""Tensor-factorisation HS-MS fusion: CSTF (coupled sparse Tucker) and STEREO (coupled CPD).

Both model the high-resolution HS image as a 3-way tensor ``X`` (rows x columns x bands) and the two
observations as multilinear degradations of it with *known, separable* operators: ``P1`` (h x H) and
``P2`` (w x W) blur and decimate the rows and the columns (circular 1-D kernels, samples at
``phase + r i``), ``P3`` = the SRF (c x C):

    Y_h = X x1 P1 x2 P2,      Y_m = X x3 P3.

* **CSTF** (Li, Dian, Fang, Bioucas-Dias, IEEE TIP 2018): ``X = G x1 W x2 H x3 S`` with a sparse core
  ``G`` and dictionaries of the three modes; ``W`` / ``H`` start as the leading singular vectors of the MS
  unfoldings, ``S`` as VCA endmembers of the HS; then proximal alternating optimisation: each dictionary by
  30 conjugate-gradient steps on its (proximal) normal equations, the core by 60 ADMM steps with an l1
  soft threshold, three outer passes (``renweidian/CSTF``: ``CSTF_FUS``, ``DIC_CG(1)``, ``sparse_tucker2``).
* **STEREO** (Kanatsoulis, Fu, Sidiropoulos, Ma, IEEE TSP 2018): ``X = [[A, B, C]]`` a rank-F canonical
  polyadic decomposition; initialised by an ALS CPD of the MS (``TenRec``: A, B, and P3 C) with C from the
  least-squares fit of the HS, then alternating least squares on the coupled cost
  ``lambda ||Y_h - [[P1 A, P2 B, C]]||^2 + ||Y_m - [[A, B, P3 C]]||^2`` whose every factor update is a
  Sylvester equation (``marhar19/HSR_via_tensor_decomposition``: ``TenRec``, ``STEREO``).

Everything is float64 torch; products with the big tensors are matrix products over one mode at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ....builder import build_model
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel
from .hysure import sen_resp_est
from .unmixing import vca

__all__ = ["CSTF", "STEREO", "cstf", "degradation_matrix", "stereo"]

_F64 = torch.float64


# ----------------------------------------------------------------------------------------- helpers


def _kernel_1d(psf: torch.Tensor | None, default: torch.Tensor) -> torch.Tensor:
    """A 1-D odd-length kernel from ``psf``: 1-D as is, 2-D separable (rank one) factored by SVD."""
    if psf is None:
        return default
    psf = torch.as_tensor(psf, dtype=_F64)
    if psf.dim() == 1:
        k = psf
    elif psf.dim() == 2 and psf.shape[0] == psf.shape[1]:
        U, s, Vh = torch.linalg.svd(psf)
        if s.numel() > 1 and float(s[1]) > 1e-6 * float(s[0]):
            raise ValueError("this method assumes a separable blur (P1, P2): psf must be a rank-one 2-D kernel "
                             "(outer product of two 1-D kernels) or a 1-D kernel")
        u, v = U[:, 0] * s[0].sqrt(), Vh[0] * s[0].sqrt()
        if float(u.sum()) < 0:
            u, v = -u, -v
        if not torch.allclose(u, v, rtol=1e-6, atol=1e-9 * float(u.abs().max())):
            raise ValueError("psf must be the same 1-D kernel along rows and columns (k k^T); pass a 1-D kernel")
        k = u
    else:
        raise ValueError(f"psf must be a 1-D kernel or a square 2-D kernel, got shape {tuple(psf.shape)}")
    if k.numel() % 2 == 0:
        raise ValueError(f"psf must have an odd length (centred on the HS sample), got {k.numel()}")
    return k


def degradation_matrix(kernel: torch.Tensor, n: int, ratio: int, phase: int) -> torch.Tensor:
    """(n / ratio, n) matrix: circular convolution with the centred odd ``kernel``, then the samples
    ``phase + ratio * i``."""
    a = (kernel.numel() - 1) // 2
    if kernel.numel() > n:
        raise ValueError(f"the blur kernel ({kernel.numel()} taps) is longer than the image side ({n})")
    full = torch.zeros(n, dtype=_F64)
    full.index_add_(0, torch.arange(-a, a + 1) % n, kernel.to(_F64))
    pos = phase + ratio * torch.arange(n // ratio)
    return full[(pos[:, None] - torch.arange(n)[None, :]) % n]


def _mode(x: torch.Tensor, U: torch.Tensor, mode: int) -> torch.Tensor:
    """``x x_mode U`` for a 3-way tensor (U: new x old)."""
    if mode == 0:
        return torch.einsum("ia,abc->ibc", U, x)
    if mode == 1:
        return torch.einsum("jb,abc->ajc", U, x)
    return torch.einsum("kc,abc->abk", U, x)


def _ttm(x: torch.Tensor, mats: Sequence[torch.Tensor | None], transpose: bool = False) -> torch.Tensor:
    for m, U in enumerate(mats):
        if U is not None:
            x = _mode(x, U.T if transpose else U, m)
    return x


def _cube(t: torch.Tensor) -> torch.Tensor:
    """(C, H, W) image -> (H, W, C) tensor."""
    return t.permute(1, 2, 0).contiguous()


def _srf(srf, hs: torch.Tensor, ms: torch.Tensor, r: int, name: str) -> torch.Tensor:
    C, c = hs.shape[0], ms.shape[0]
    if srf is None:
        raise ValueError(f"{name} needs the spectral response of the MS: pass srf=<(ms bands, hs bands) tensor> "
                         f"(e.g. a camera response table resampled to the HS bands), or srf='hysure' to "
                         f"estimate it from the pair")
    if isinstance(srf, str):
        if srf != "hysure":
            raise ValueError(f"srf must be a (c, C) tensor or 'hysure', got {srf!r}")
        _, R, _ = sen_resp_est(hs, ms, r, min(10, C), 10.0, 10.0, 2 * r - 1, max(r // 2 - 1, 0), (r + 1) % 2)
        return R
    R = torch.as_tensor(srf, dtype=_F64, device=hs.device)
    if tuple(R.shape) != (c, C):
        raise ValueError(f"srf must be (ms bands, hs bands) = ({c}, {C}), got {tuple(R.shape)}")
    return R


# ----------------------------------------------------------------------------------------- CSTF


def _cg(apply, rhs: torch.Tensor, x0: torch.Tensor, iters: int) -> torch.Tensor:
    """``DIC_CG``: plain conjugate gradients from ``x0`` for ``iters`` steps."""
    x = x0
    r = rhs - apply(x)
    p = r
    rr = (r * r).sum()
    for _ in range(iters):
        if float(rr) == 0.0:
            break
        q = apply(p)
        a = rr / (p * q).sum()
        x = x + a * p
        r = r - a * q
        rr_new = (r * r).sum()
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


def _sparse_tucker(D1: Sequence[torch.Tensor], D2: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor,
                   lam: float, A0: torch.Tensor, mu1: float, iters: int, mu: float = 0.01) -> torch.Tensor:
    """``sparse_tucker2``: the core by ADMM with two splittings (HS and MS fits) and an l1 threshold."""
    def prep(Ds, T):
        P, S = zip(*[(torch.linalg.eigh(D.T @ D)[1], torch.linalg.eigh(D.T @ D)[0]) for D in Ds])
        wt = S[0][:, None, None] * S[1][None, :, None] * S[2][None, None, :] + mu
        b = _ttm(_ttm(_ttm(T, Ds, transpose=True), P, transpose=True) / wt, P)
        return P, wt, b

    P, wt, bbb = prep(D1, X)
    P1, wt1, bbb1 = prep(D2, Y)
    A = torch.zeros_like(A0)
    V1, V2 = torch.zeros_like(A0), torch.zeros_like(A0)
    thr = lam / (4 * mu + 2 * mu1)
    for _ in range(iters):
        S = bbb + _ttm(_ttm(mu * (A - V1), P, transpose=True) / wt, P)
        S1 = bbb1 + _ttm(_ttm(mu * (A - V2), P1, transpose=True) / wt1, P1)
        d = (mu * (S + V1 + S1 + V2) + mu1 * A0) / (2 * mu + mu1)
        A = torch.sign(d) * (d.abs() - thr).clamp_min(0)
        V1 = V1 + (S - A)
        V2 = V2 + (S1 - A)
    return A


class CSTF(HSMSFusionModel):
    """CSTF (Li et al. 2018): coupled sparse Tucker factorisation with known separable blur and SRF.

    ``srf`` (c, C) tensor (required; ``"hysure"`` estimates it with HySure's ``sen_resp_est``); ``psf`` a
    1-D odd kernel or a separable square 2-D kernel, ``phase`` the first HS sample (defaults: the demo's
    r-tap box, ``psf2otf``-centred, and ``s0 = r/2`` (1-based), i.e. phase r/2 - 1); ``n_w``, ``n_h``,
    ``n_s`` dictionary sizes (default: the demo's 240 spatial atoms per mode, at most the image side, and
    9 spectral atoms),
    ``lam`` 1e-5, ``mu`` 1e-3, ``outer_iters`` 3, ``cg_iters`` 30, ``core_iters`` 60, ``seed`` (VCA).
    """

    def __init__(self, srf=None, psf: torch.Tensor | None = None, phase: int | None = None,
                 n_w: int | None = None, n_h: int | None = None, n_s: int = 9, lam: float = 1e-5, mu: float = 1e-3,
                 outer_iters: int = 3, cg_iters: int = 30, core_iters: int = 60, seed: int = 0,
                 ratio: int | None = None, hs_bands: int | None = None, ms_bands: int | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        for k, v in (("n_s", n_s), ("outer_iters", outer_iters), ("cg_iters", cg_iters), ("core_iters", core_iters)):
            if int(v) < 1:
                raise ValueError(f"{k} must be >= 1, got {v}")
        self.srf, self.psf, self.phase = srf, psf, phase
        self.n_w, self.n_h, self.n_s = n_w, n_h, int(n_s)
        self.lam, self.mu = float(lam), float(mu)
        self.outer_iters, self.cg_iters, self.core_iters, self.seed = outer_iters, cg_iters, core_iters, seed

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        assert ms is not None
        r = ms.shape[-2] // hs.shape[-2]
        C, h, w = hs.shape[1:]
        c, Hh, Ww = ms.shape[1:]
        if self.n_s > C:
            raise ValueError(f"n_s ({self.n_s}) cannot exceed the number of HS bands ({C})")
        n = r + 1 if r % 2 == 0 else r  # the demo's r-tap box, centred as psf2otf does (offsets -r/2 .. r/2 - 1)
        box = torch.full((n,), 1.0 / r, dtype=_F64)
        if r % 2 == 0:
            box[-1] = 0
        k = _kernel_1d(self.psf, box)
        phase = self.phase if self.phase is not None else max(r // 2 - 1, 0)
        if not 0 <= phase < r:
            raise ValueError(f"phase must lie in [0, ratio) = [0, {r}), got {phase}")
        n_w = min(self.n_w or 240, Hh)
        n_h = min(self.n_h or 240, Ww)
        outs = []
        for yh, ym in zip(hs.to(_F64), ms.to(_F64)):
            T = _srf(self.srf, yh, ym, r, "cstf")
            P1 = degradation_matrix(k, Hh, r, phase).to(yh.device)
            P2 = degradation_matrix(k, Ww, r, phase).to(yh.device)
            HSI, MSI = _cube(yh), _cube(ym)
            outs.append(self._run(HSI, MSI, T, P1, P2, n_w, n_h).permute(2, 0, 1))
        return torch.stack(outs).to(hs.dtype)

    def _run(self, HSI, MSI, T, P1, P2, n_w, n_h):
        mu, lam, cgi = self.mu, self.lam, self.cg_iters
        top = lambda G, k: torch.linalg.eigh(G)[1].flip(1)[:, :k]
        W = top(torch.einsum("ijk,ljk->il", MSI, MSI), n_w)
        Hd = top(torch.einsum("ijk,ilk->jl", MSI, MSI), n_h)
        gen = torch.Generator().manual_seed(int(self.seed))
        S = vca(HSI.reshape(-1, HSI.shape[2]).T, self.n_s, gen)[0]  # CSTF's vca.m: the toolbox variant
        core = torch.zeros(n_w, n_h, self.n_s, dtype=_F64, device=HSI.device)
        core = _sparse_tucker((P1 @ W, P2 @ Hd, S), (W, Hd, T @ S), HSI, MSI, lam, core, mu, self.core_iters)
        for _ in range(self.outer_iters):
            # W (mode 1): MS term with B = core x2 H x3 TS, HS term through P1 with A = core x2 P2H x3 S
            Bt = _ttm(core, (None, Hd, T @ S))
            At = _ttm(core, (None, P2 @ Hd, S))
            B1 = torch.einsum("fjk,gjk->fg", Bt, Bt) + mu * torch.eye(n_w, dtype=_F64, device=core.device)
            A1 = torch.einsum("fjk,gjk->fg", At, At)
            PtP = P1.T @ P1
            rhs = P1.T @ torch.einsum("ijk,fjk->if", HSI, At) + mu * W + torch.einsum("ijk,fjk->if", MSI, Bt)
            W = _cg(lambda E: E @ B1 + PtP @ E @ A1, rhs, W, cgi)
            # H (mode 2)
            Bt = _ttm(core, (W, None, T @ S))
            At = _ttm(core, (P1 @ W, None, S))
            B1 = torch.einsum("ifk,igk->fg", Bt, Bt) + mu * torch.eye(n_h, dtype=_F64, device=core.device)
            A1 = torch.einsum("ifk,igk->fg", At, At)
            PtP = P2.T @ P2
            rhs = P2.T @ torch.einsum("ijk,ifk->jf", HSI, At) + mu * Hd + torch.einsum("ijk,ifk->jf", MSI, Bt)
            Hd = _cg(lambda E: E @ B1 + PtP @ E @ A1, rhs, Hd, cgi)
            # S (mode 3): HS term directly, MS term through T
            Bt = _ttm(core, (P1 @ W, P2 @ Hd, None))
            At = _ttm(core, (W, Hd, None))
            B1 = torch.einsum("ijf,ijg->fg", Bt, Bt) + mu * torch.eye(self.n_s, dtype=_F64, device=core.device)
            A1 = torch.einsum("ijf,ijg->fg", At, At)
            TtT = T.T @ T
            rhs = T.T @ torch.einsum("ijk,ijf->kf", MSI, At) + mu * S + torch.einsum("ijk,ijf->kf", HSI, Bt)
            S = _cg(lambda E: E @ B1 + TtT @ E @ A1, rhs, S, cgi)
            core = _sparse_tucker((P1 @ W, P2 @ Hd, S), (W, Hd, T @ S), HSI, MSI, lam, core, mu, self.core_iters)
        return _ttm(core, (W, Hd, S))


# ----------------------------------------------------------------------------------------- STEREO


def _mttkrp(X: torch.Tensor, U: Sequence[torch.Tensor | None], mode: int) -> torch.Tensor:
    """Matricised tensor times Khatri-Rao product of the two factors other than ``mode`` (loops over the
    third index only: no (I, J, F) intermediate)."""
    A, B, C = U
    if mode == 0:
        return sum((X[:, :, k] @ B) * C[k] for k in range(X.shape[2]))
    if mode == 1:
        return sum((X[:, :, k].T @ A) * C[k] for k in range(X.shape[2]))
    return torch.stack([((X[:, :, k] @ B) * A).sum(0) for k in range(X.shape[2])])


def _sylv(As_eig: tuple[torch.Tensor, torch.Tensor], K: torch.Tensor, Kp: torch.Tensor, rhs: torch.Tensor
          ) -> torch.Tensor:
    """Solve ``As X + X Kp K^+ = rhs K^+`` (MATLAB ``sylvester(As, Kp*pinv(K), rhs*pinv(K))``) with ``As``
    symmetric (given by its eigh) and ``K``, ``Kp`` symmetric positive semi-definite."""
    d, Q = As_eig
    s, U = torch.linalg.eigh(K)
    tol = s.shape[0] * torch.finfo(s.dtype).eps * s.abs().max()
    isq = torch.where(s > tol, s.clamp_min(tol).rsqrt(), torch.zeros_like(s))
    Kis = (U * isq) @ U.T  # K^{+1/2}
    lam, Wm = torch.linalg.eigh(Kis @ Kp @ Kis)
    Y = Q.T @ rhs @ Kis @ Wm
    den = d[:, None] + lam[None, :]
    den = torch.where(den.abs() < 1e-300, torch.full_like(den, 1e-300), den)
    return Q @ (Y / den) @ Wm.T @ Kis


def _cpd_als(X: torch.Tensor, rank: int, iters: int, gen: torch.Generator) -> list[torch.Tensor]:
    """Rank-``rank`` CPD of ``X`` by alternating least squares from a seeded Gaussian start."""
    U = [torch.randn(n, rank, generator=gen, dtype=_F64).to(X.device) for n in X.shape]
    for _ in range(iters):
        for m in range(3):
            o = [U[i] for i in range(3) if i != m]
            G = (o[0].T @ o[0]) * (o[1].T @ o[1])
            U[m] = _mttkrp(X, U, m) @ torch.linalg.pinv(G, hermitian=True)
    return U


class STEREO(HSMSFusionModel):
    """STEREO (Kanatsoulis et al. 2018): coupled CPD with known separable degradations P1, P2 and SRF P3.

    ``srf`` (c, C) tensor (required; ``"hysure"`` to estimate it); ``psf`` 1-D odd kernel or separable
    square 2-D kernel and ``phase`` the first HS sample (defaults: the demo's Gaussian of FWHM r,
    2r + 1 taps, first sample at r - 1, i.e. ``start_pos = 4`` at r = 4); ``rank`` 400, ``cpd_iters`` 25
    (TenRec on the MS), ``iters`` 1 (the demo's ``s_iter = 2``: the code runs ``MAXIT - 1`` passes),
    ``lam`` 1, ``seed`` the CPD start.
    """

    def __init__(self, srf=None, psf: torch.Tensor | None = None, phase: int | None = None, rank: int = 400,
                 cpd_iters: int = 25, iters: int = 1, lam: float = 1.0, seed: int = 0, ratio: int | None = None,
                 hs_bands: int | None = None, ms_bands: int | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        if rank < 1 or cpd_iters < 0 or iters < 0 or lam <= 0:
            raise ValueError(f"need rank >= 1, cpd_iters >= 0, iters >= 0, lam > 0; got {rank}, {cpd_iters}, "
                             f"{iters}, {lam}")
        self.srf, self.psf, self.phase = srf, psf, phase
        self.rank, self.cpd_iters, self.iters, self.lam, self.seed = int(rank), int(cpd_iters), int(iters), \
            float(lam), int(seed)

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        assert ms is not None
        r = ms.shape[-2] // hs.shape[-2]
        Hh, Ww = ms.shape[-2:]
        sig = (1 / (2 * 2.7725887 / r ** 2)) ** 0.5
        u = torch.arange(2 * r + 1, dtype=_F64) - r
        g = torch.exp(-u ** 2 / (2 * sig ** 2))
        k = _kernel_1d(self.psf, g / g.sum())
        phase = self.phase if self.phase is not None else r - 1
        if not 0 <= phase < r:
            raise ValueError(f"phase must lie in [0, ratio) = [0, {r}), got {phase}")
        outs = []
        for yh, ym in zip(hs.to(_F64), ms.to(_F64)):
            P3 = _srf(self.srf, yh, ym, r, "stereo")
            P1 = degradation_matrix(k, Hh, r, phase).to(yh.device)
            P2 = degradation_matrix(k, Ww, r, phase).to(yh.device)
            outs.append(self._run(_cube(yh), _cube(ym), P1, P2, P3).permute(2, 0, 1))
        return torch.stack(outs).to(hs.dtype)

    def _run(self, Hc, Mc, P1, P2, P3):
        lam = self.lam
        gen = torch.Generator().manual_seed(self.seed)
        A, B, Ct = _cpd_als(Mc, self.rank, self.cpd_iters, gen)  # TenRec
        At, Bt = P1 @ A, P2 @ B
        KR = (Bt[:, None, :] * At[None, :, :]).reshape(-1, self.rank)  # khatri_rao(B~, A~): rows (j, i)
        H3 = Hc.permute(1, 0, 2).reshape(-1, Hc.shape[2])
        C = torch.linalg.lstsq(KR, H3).solution.T
        e1 = torch.linalg.eigh(lam * P1.T @ P1)
        e2 = torch.linalg.eigh(lam * P2.T @ P2)
        e3 = torch.linalg.eigh(P3.T @ P3)
        for _ in range(self.iters):
            K = (C.T @ C) * (Bt.T @ Bt)
            Kp = (Ct.T @ Ct) * (B.T @ B)
            rhs = lam * P1.T @ _mttkrp(Hc, (None, Bt, C), 0) + _mttkrp(Mc, (None, B, Ct), 0)
            A = _sylv(e1, K, Kp, rhs)
            At = P1 @ A
            K = (C.T @ C) * (At.T @ At)
            Kp = (Ct.T @ Ct) * (A.T @ A)
            rhs = lam * P2.T @ _mttkrp(Hc, (At, None, C), 1) + _mttkrp(Mc, (A, None, Ct), 1)
            B = _sylv(e2, K, Kp, rhs)
            Bt = P2 @ B
            K = (B.T @ B) * (A.T @ A)
            Kp = lam * (Bt.T @ Bt) * (At.T @ At)
            rhs = lam * _mttkrp(Hc, (At, Bt, None), 2) + P3.T @ _mttkrp(Mc, (A, B, None), 2)
            C = _sylv(e3, K, Kp, rhs)
            Ct = P3 @ C
        return torch.einsum("if,kfj->ijk", A, C[:, :, None] * B.T[None])


# ----------------------------------------------------------------------------------------- registry

default_cfgs = {
    "cstf": ArchConfig(
        task="hs_ms_fusion", inputs=("hs", "ms"), classical=True, card="cstf.md",
        paper="S. Li, R. Dian, L. Fang, J. M. Bioucas-Dias, 'Fusing hyperspectral and multispectral images via "
              "coupled sparse tensor factorization', IEEE TIP 27(8):4118-4130, 2018, doi:10.1109/TIP.2018.2836307",
        summary="CSTF: coupled sparse Tucker factorisation (core by ADMM, dictionaries by CG) with known "
                "separable blur and SRF",
        url="https://github.com/renweidian/CSTF"),
    "stereo": ArchConfig(
        task="hs_ms_fusion", inputs=("hs", "ms"), classical=True, card="stereo.md",
        paper="C. I. Kanatsoulis, X. Fu, N. D. Sidiropoulos, W.-K. Ma, 'Hyperspectral super-resolution: a coupled "
              "tensor factorization approach', IEEE TSP 66(24):6503-6517, 2018, doi:10.1109/TSP.2018.2876362",
        summary="STEREO: coupled CPD (ALS with Sylvester factor updates) with known separable blur and SRF",
        url="https://github.com/marhar19/HSR_via_tensor_decomposition"),
}


@register_model
def cstf(pretrained: bool = False, **kwargs) -> CSTF:
    """CSTF (Li et al. 2018): coupled sparse tensor factorisation; needs ``srf``."""
    return build_model(CSTF, "cstf", pretrained, **kwargs)


@register_model
def stereo(pretrained: bool = False, **kwargs) -> STEREO:
    """STEREO (Kanatsoulis et al. 2018): coupled CPD; needs ``srf``."""
    return build_model(STEREO, "stereo", pretrained, **kwargs)
