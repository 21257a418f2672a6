"""CNMF: coupled non-negative matrix factorisation (Yokoya, Yairi, Iwasaki 2012), as in Yokoya's toolbox.

The HS is unmixed into endmembers ``W_h`` (C x M) and low-resolution abundances; the MS into endmembers
``W_m = R W_h`` and high-resolution abundances ``H_m``; the fused image is ``W_h H_m``.  This follows the
toolbox's ``CNMF_fusion.m`` / ``CNMF_init.m`` / ``CNMF_ite.m`` step by step:

1. **Spectral response**: estimated by ``estR`` (:func:`.spectral_response.estimate_srf`) unless ``srf`` is
   given; the estimated MS offset is subtracted from the MS, which is then clipped at 0.  Both images are
   clipped at 0.
2. **Parameters**: ``M = max(min(30, C), round(VD(HS, alpha=0.05)))`` endmembers (:func:`vd`, the HFC
   virtual dimensionality), sum-to-one weight ``delta = 2 sqrt(mean(MS) / 0.7455) / c**3`` (a row of
   ``delta`` appended to the data and to the endmembers), inner iterations ``I1 = 200`` (75 for a
   single-band MS), outer iterations ``I2 = 1``, inner threshold ``1e-8`` on the relative decrease of the
   cost, outer threshold ``1e-2``.
3. **Initialisation** (``CNMF_init``): ``W_h = VCA(HS, M)`` (:func:`vca`), ``H_h = 1 / M``; Lee-Seung
   multiplicative updates on the HS: a warm-up of up to ``3 I1`` updates of ``H_h`` alone, then up to
   ``I1 - 1`` alternating updates (``W_h`` then ``H_h``), each loop stopped, and its last step undone, when
   the relative cost decrease falls below the threshold.  ``W_m = R W_h``, ``H_m`` = bicubic ``imresize``
   of ``H_h`` by the ratio, clipped at 0; ``I1`` updates of ``H_m`` alone (the toolbox's early-stopping test
   of this warm-up can never fire: it checks ``i > 1`` inside the ``i == 1`` branch, so all ``I1`` run),
   then up to ``I1 - 1`` alternating updates (``W_m`` only when the MS has more than 3 bands).
4. **One outer iteration** (``CNMF_ite``): ``H_h = gaussian_down_sample(H_m)``, then up to ``I1`` updates of
   ``W_h`` alone and up to ``I1 - 1`` alternating updates (``H_h`` only when the MS has more than 3 bands),
   same stopping rule.  With ``I2 = 1`` the MS factorisation is not revisited.
5. **Output** ``W_h[:C] H_m``.

VCA draws random directions (MATLAB ``rand``): here a ``torch.Generator`` seeded by ``seed`` (results are
reproducible for a seed, not identical to MATLAB's stream).  Float64 throughout; each image of a batch is
factorised on its own.  Pixels are flattened row-major (the toolbox is column-major); only VCA's choice
among exactly tied pixels could depend on it.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence
from statistics import NormalDist

import torch

from ....builder import build_model
from ....ops import imresize
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel
from .spectral_response import check_srf, estimate_srf, gaussian_down_sample

__all__ = ["CNMF", "VCA_VARIANTS", "cnmf_fuse", "vca", "vd"]

_F64 = torch.float64
_MIN_MS_BANDS = 3  # the toolbox's MIN_MS_BANDS: W_m (and H_h in CNMF_ite) are updated only above it


# ----------------------------------------------------------------------------------------- VD and VCA


def vd(data: torch.Tensor, alpha: float = 1e-3) -> int:
    """Virtual dimensionality (Harsanyi-Farrand-Chang) as the toolbox's ``vd.m``: data (L, N) -> int.

    Eigenvalues of the correlation ``R = Y Y^T / N`` and covariance ``K = cov(Y)`` (N - 1), both sorted
    descending; counts ``lambda_R - lambda_K > tau`` with ``tau = z_{1-alpha} sqrt(2 (lambda_R^2 +
    lambda_K^2) / N)`` (``-norminv(alpha, 0, sigma)``).
    """
    Y = data.to(_F64)
    N = Y.shape[1]
    if N < 2:
        raise ValueError(f"vd needs at least 2 pixels, got {N}")
    R = Y @ Y.T / N
    Yc = Y - Y.mean(1, keepdim=True)
    K = Yc @ Yc.T / (N - 1)
    er = torch.linalg.eigvalsh(R).flip(0)
    ek = torch.linalg.eigvalsh(K).flip(0)
    sigma = (2.0 * (er ** 2 + ek ** 2) / N).sqrt()
    tau = NormalDist().inv_cdf(1.0 - alpha) * sigma
    return int(((er - ek) > tau).sum())


def _top_eigvecs(S: torch.Tensor, d: int) -> torch.Tensor:
    """The ``d`` leading eigenvectors (columns) of a symmetric PSD matrix (MATLAB ``svds(S, d)``'s U)."""
    _, V = torch.linalg.eigh(S)
    return V.flip(1)[:, :d]


VCA_VARIANTS = ("toolbox", "nascimento")


def _vca_snr(Y: torch.Tensor, r_m: torch.Tensor, R_o: torch.Tensor, p: int, variant: str) -> tuple[float, float]:
    """(estimated SNR in dB, threshold) of :func:`vca`'s two variants."""
    L, N = Y.shape
    if variant == "nascimento":  # VCA.m: signal power from the p leading eigenvalues of the correlation
        ev = torch.linalg.eigvalsh(Y @ Y.T / N).flip(0)
        Pt, Pp = float(ev.sum()), float(ev[:p].sum())
        Pn = (Pt - Pp) / (1 - p / L) if p < L else 0.0
        return (10 * math.log10(Pp / Pn) if Pn > 0 else 0.0), 15 + 10 * math.log10(p)
    x_p = _top_eigvecs(R_o @ R_o.T / N, p).T @ R_o
    P_y = float(Y.pow(2).sum()) / N
    P_x = float(x_p.pow(2).sum()) / N + float((r_m * r_m).sum())
    num, den = P_x - p / L * P_y, P_y - P_x
    if den == 0:
        snr = math.inf
    else:
        q = num / den
        snr = math.inf if q == 0 else abs(10.0 * cmath.log10(complex(q)))  # MATLAB: abs of a complex log
    return snr, 15.0 + 10.0 * math.log(p) + 8.0


def vca(data: torch.Tensor, p: int, generator: torch.Generator | None = None, snr: float | None = None,
        variant: str = "toolbox") -> tuple[torch.Tensor, torch.Tensor]:
    """Vertex component analysis (Nascimento & Bioucas-Dias 2005): data (L, N) -> (endmembers (L, p), pixel
    indices (p,)).  The one VCA of fusionzoo (CNMF, HySure, CSTF).

    Two variants, which differ in the SNR estimate, the threshold and the high-SNR projection:

    * ``variant="toolbox"`` (default): the simplified ``vca.m`` of Yokoya's toolbox (CNMF), which CSTF's
      code ships too.  SNR from the ``p``-dimensional projection of the centred data (``abs`` of a complex
      ``log10`` when the ratio is negative, as MATLAB); threshold ``15 + 10 ln(p) + 8`` dB (``log``, the
      natural logarithm, where the original has ``log10``); high-SNR projective projection ``X / (X^T u)``
      with ``u`` the mean of the projected pixels.
    * ``variant="nascimento"``: the original ``VCA.m`` (as in ``alfaiate/HySure``).  SNR from the ``p``
      leading eigenvalues of ``Y Y^T / N``; threshold ``15 + 10 log10(p)``; high-SNR projection with
      ``u = p * mean`` and pixels whose ``x^T u`` is below 0.01 replaced by ``u / ||u||^2``.

    ``snr`` None estimates the SNR; a number is used as given (HySure calls ``'SNR', 0``: always the low-SNR
    branch).  Low SNR (below the threshold): the ``p - 1`` leading principal components of the centred data
    plus a constant coordinate; high SNR: the projection onto the ``p`` leading eigenvectors of
    ``Y Y^T / N``.  Then ``p`` rounds of: a random direction (uniform draws from ``generator``) orthogonal
    to the endmembers found so far, the pixel of largest absolute projection is the next endmember.  The
    endmembers are the selected pixels projected on the signal subspace.
    """
    if variant not in VCA_VARIANTS:
        raise ValueError(f"vca: variant must be one of {', '.join(VCA_VARIANTS)}, got {variant!r}")
    Y = data.to(_F64)
    L, N = Y.shape
    if not 1 <= p <= L:
        raise ValueError(f"vca: the number of endmembers must be in 1..{L} (bands), got {p}")
    if N < p:
        raise ValueError(f"vca: {p} endmembers need at least {p} pixels, got {N}")
    dev = Y.device
    r_m = Y.mean(1, keepdim=True)
    R_o = Y - r_m
    if snr is None:
        snr, snr_th = _vca_snr(Y, r_m, R_o, p, variant)
    else:
        snr_th = 15 + 10 * math.log10(p) if variant == "nascimento" else 15.0 + 10.0 * math.log(p) + 8.0
    # VCA.m branches on SNR < threshold, the toolbox's vca.m on SNR > threshold (they differ only at equality)
    high = not snr < snr_th if variant == "nascimento" else snr > snr_th
    if high:
        d = p
        Ud = _top_eigvecs(Y @ Y.T / N, d)
        X = Ud.T @ Y
        if variant == "nascimento":
            u = X.mean(1, keepdim=True) * p
            scale = (X * u).sum(0)
            bad = scale < 0.01
            Yp = X / torch.where(bad, torch.ones_like(scale), scale)
            Yp[:, bad] = u / (u ** 2).sum()
        else:
            u = X.mean(1, keepdim=True)
            Yp = X / (X * u).sum(0, keepdim=True)
    else:
        d = p - 1
        Ud = _top_eigvecs(R_o @ R_o.T / N, d)
        X = Ud.T @ R_o
        c = float(X.pow(2).sum(0).max().sqrt()) if d > 0 else 1.0
        Yp = torch.cat([X, torch.full((1, N), c, dtype=_F64, device=dev)], 0)
    A = torch.zeros(p, p, dtype=_F64, device=dev)
    A[p - 1, 0] = 1.0
    idx = torch.zeros(p, dtype=torch.long)
    for i in range(p):
        w = torch.rand(p, 1, dtype=_F64, generator=generator).to(dev)
        f = w - A @ (torch.linalg.pinv(A) @ w)
        f = f / f.norm()
        v = (f.T @ Yp).abs()[0]
        j = int(v.argmax())
        idx[i] = j
        A[:, i] = Yp[:, j]
    sel = X[:, idx.to(dev)]
    U = Ud @ sel if high else Ud @ sel + r_m
    return U, idx


# ----------------------------------------------------------------------------------------- NMF loops


def _stalled(cost0: float, cost: float, th: float) -> bool:
    """The toolbox's ``(cost0 - cost) / cost < th`` (a zero cost gives +-Inf or NaN there: never stalls)."""
    return cost != 0 and (cost0 - cost) / cost < th


class _NMF:
    """Lee-Seung multiplicative updates of ``Y ~ W H`` with the toolbox's conventions, on preallocated
    buffers (the MS stage works on M x (ratio^2 N) matrices: fresh allocations would dominate the time).

    ``rows``: the data rows of ``Y`` (the cost ignores the sum-to-one row; ``W`` updates only touch them).
    ``W^T Y`` and ``W^T W`` are cached while ``W`` does not change.
    """

    def __init__(self, Y: torch.Tensor, W: torch.Tensor, H: torch.Tensor, rows: int) -> None:
        self.Y, self.rows = Y, rows
        self.W = W.clone()
        self.H = H.clone()
        self._spare = [torch.empty_like(H), torch.empty_like(H)]  # rotation: new H, then the undo copy
        self._den = torch.empty_like(H)
        self._res = torch.empty(rows, H.shape[1], dtype=H.dtype, device=H.device)
        self._wty = None
        self._wtw = None
        self.H_old: torch.Tensor | None = None
        self.W_old: torch.Tensor | None = None

    def cost(self) -> float:
        torch.mm(self.W[:self.rows], self.H, out=self._res)
        self._res.sub_(self.Y[:self.rows])
        return float(self._res.square_().sum())

    def update_h(self) -> None:
        if self._wty is None:
            self._wty = self.W.T @ self.Y
            self._wtw = self.W.T @ self.W
        torch.mm(self._wtw, self.H, out=self._den)
        new = self._spare.pop(0)
        torch.mul(self.H, self._wty, out=new).div_(self._den)
        if self.H_old is not None:
            self._spare.append(self.H_old)
        self.H_old, self.H = self.H, new

    def update_w(self) -> None:
        r = self.rows
        W = self.W.clone()
        W[:r] = W[:r] * (self.Y[:r] @ self.H.T) / (W[:r] @ (self.H @ self.H.T))
        self.W_old, self.W = self.W, W
        self._wty = self._wtw = None

    def undo(self, h: bool, w: bool) -> None:
        if h:
            self._spare.append(self.H)
            self.H, self.H_old = self.H_old, None
        if w:
            self.W, self.W_old = self.W_old, None
            self._wty = self._wtw = None

    def run(self, iters: int, th: float, warm: str, warm_iters: int, warm_can_stop: bool, update_w: bool,
            update_h: bool, w_first: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """One toolbox NMF stage: a warm-up updating only ``warm`` ("H" or "W") for up to ``warm_iters``
        steps, then up to ``iters - 1`` alternating steps; each loop stops, undoing its last step, when the
        relative cost decrease falls below ``th``."""
        cost0 = 0.0
        self.steps = [0, 0]  # (warm-up updates kept, alternating updates kept)
        for q in range(1, warm_iters + 1):
            if warm == "H":
                self.update_h()
            else:
                self.update_w()
            cost = self.cost()
            if warm_can_stop and q > 1 and _stalled(cost0, cost, th):
                self.undo(h=warm == "H", w=warm == "W")
                break
            self.steps[0] = q
            cost0 = cost
        for i in range(2, iters + 1):
            steps = (("W", update_w), ("H", update_h)) if w_first else (("H", update_h), ("W", update_w))
            for which, on in steps:
                if on and which == "W":
                    self.update_w()
                elif on:
                    self.update_h()
            cost = self.cost()
            if _stalled(cost0, cost, th):
                self.undo(h=update_h, w=update_w)
                break
            self.steps[1] = i - 1
            cost0 = cost
        return self.W, self.H


def cnmf_fuse(hs: torch.Tensor, ms: torch.Tensor, srf: torch.Tensor | None = None,
              num_endmembers: int | None = None, min_endmembers: int = 30, vd_alpha: float = 5e-2,
              inner_iterations: int | None = None, tol_inner: float = 1e-8,
              generator: torch.Generator | None = None) -> tuple[torch.Tensor, dict]:
    """CNMF of one image pair: hs (C, h, w), ms (c, H, W) -> ((C, H, W) float64, info dict).

    ``srf`` (c, C) or None (estimated by ``estR``, and the MS offset removed); ``num_endmembers`` None for
    the toolbox's rule ``max(min(min_endmembers, C), round(VD))``; ``inner_iterations`` None for the
    toolbox's 200 (75 for a one-band MS).  One outer iteration (the toolbox's ``I2 = 1``).
    """
    C, h, w = hs.shape
    c, H, W_ = ms.shape
    r = H // h
    hs = hs.to(_F64)
    ms = ms.to(_F64)
    info: dict = {}
    if srf is None:
        est = estimate_srf(hs[None], ms[None], r)
        R = est.srf[0]
        ms = (ms - est.offset[0][:, None, None]).clamp_min(0.0)
        info["srf_error"] = est.error[0]
        info["ms_offset"] = est.offset[0]
    else:
        R = srf.to(_F64)
    info["srf"] = R
    I1 = inner_iterations if inner_iterations is not None else (75 if c == 1 else 200)
    delta = 2.0 * math.sqrt(max(float(ms.mean()), 0.0) / 0.7455) / c ** 3  # before the clipping, as the toolbox
    hs = hs.clamp_min(0.0)
    ms = ms.clamp_min(0.0)
    Yh = hs.reshape(C, -1)
    Ym = ms.reshape(c, -1)
    if num_endmembers is None:
        M = max(min(min_endmembers, C), vd(Yh, vd_alpha))  # round(vd(...)): vd is an integer
    else:
        M = int(num_endmembers)
        if not 1 <= M <= C:
            raise ValueError(f"num_endmembers must be in 1..{C} (the HS band count), got {M}")
    info["num_endmembers"] = M
    info["inner_iterations"] = I1
    info["delta"] = delta
    # --- CNMF_init: HS unmixing
    Wh, _ = vca(Yh, M, generator=generator)
    Hh = torch.full((M, h * w), 1.0 / M, dtype=_F64, device=hs.device)
    Wh = torch.cat([Wh, torch.full((1, M), delta, dtype=_F64, device=hs.device)], 0)
    Yh_a = torch.cat([Yh, torch.full((1, h * w), delta, dtype=_F64, device=hs.device)], 0)
    nmf = _NMF(Yh_a, Wh, Hh, C)
    Wh, Hh = nmf.run(I1, tol_inner, warm="H", warm_iters=3 * I1, warm_can_stop=True, update_w=True,
                     update_h=True, w_first=True)
    info["steps_hs_init"] = tuple(nmf.steps)
    # --- CNMF_init: MS unmixing
    Wm = torch.cat([R.to(hs.device) @ Wh[:C], torch.full((1, M), delta, dtype=_F64, device=hs.device)], 0)
    Ym_a = torch.cat([Ym, torch.full((1, H * W_), delta, dtype=_F64, device=hs.device)], 0)
    Hm = imresize(Hh.reshape(M, h, w), scale=r).clamp_min(0.0).reshape(M, -1)
    nmf = _NMF(Ym_a, Wm, Hm, c)
    Wm, Hm = nmf.run(I1, tol_inner, warm="H", warm_iters=I1, warm_can_stop=False,
                     update_w=c > _MIN_MS_BANDS, update_h=True, w_first=True)
    info["steps_ms_init"] = tuple(nmf.steps)
    del nmf
    # --- CNMF_ite (one outer iteration): endmembers refitted to the degraded MS abundances
    Hh = gaussian_down_sample(Hm.reshape(1, M, H, W_), r).reshape(M, -1)
    nmf = _NMF(Yh_a, Wh, Hh, C)
    Wh, Hh = nmf.run(I1, tol_inner, warm="W", warm_iters=I1, warm_can_stop=True, update_w=True,
                     update_h=c > _MIN_MS_BANDS, w_first=False)
    info["steps_hs_outer"] = tuple(nmf.steps)
    out = (Wh[:C] @ Hm).reshape(C, H, W_)
    return out, info


# --- modules ---------------------------------------------------------------------------------------------
class CNMF(HSMSFusionModel):
    """CNMF of the Yokoya toolbox (``CNMF_fusion``), no post-fusion denoising (the demo applies none).

    ``srf``: the (ms_bands, hs_bands) spectral response, or None to estimate it with ``estR`` (the toolbox
    always estimates it).  ``num_endmembers``: None for the toolbox's rule (at least ``min_endmembers`` =
    30, or C when C < 30, raised to the VD estimate); ``inner_iterations``: None for the toolbox's 200;
    ``seed``: VCA's random directions.  The relative PSF is the toolbox's ``gaussian_down_sample``
    (FWHM = ratio); the ratio is taken from the pair unless given.  ``last_info`` keeps the estimated SRF,
    offset, endmember count and iteration settings of the last call (first image of the batch).
    """

    inputs = ("hs", "ms")

    def __init__(self, ratio: int | None = None, srf=None, num_endmembers: int | None = None,
                 min_endmembers: int = 30, vd_alpha: float = 5e-2, inner_iterations: int | None = None,
                 tol_inner: float = 1e-8, seed: int = 0, hs_bands: int | None = None,
                 ms_bands: int | None = None, wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        if srf is not None:
            t = torch.as_tensor(srf, dtype=_F64)
            if t.dim() != 2:
                raise ValueError(f"srf must be a (ms_bands, hs_bands) matrix, got shape {tuple(t.shape)}")
            self.register_buffer("srf", t, persistent=False)
        else:
            self.srf = None
        if min_endmembers < 1:
            raise ValueError(f"min_endmembers must be >= 1, got {min_endmembers}")
        if inner_iterations is not None and inner_iterations < 1:
            raise ValueError(f"inner_iterations must be >= 1, got {inner_iterations}")
        if not 0 < vd_alpha < 1:
            raise ValueError(f"vd_alpha is a false-alarm probability in (0, 1), got {vd_alpha}")
        self.num_endmembers = num_endmembers
        self.min_endmembers = int(min_endmembers)
        self.vd_alpha = float(vd_alpha)
        self.inner_iterations = inner_iterations
        self.tol_inner = float(tol_inner)
        self.seed = int(seed)
        self.last_info: dict = {}

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        B, C = hs.shape[:2]
        c = ms.shape[1]
        srf = None if self.srf is None else check_srf(self.srf, C, c, hs.device)
        if hs.shape[-2] * hs.shape[-1] < C + 1:
            raise ValueError(f"CNMF needs more HS pixels than bands (VD, VCA, estR): got "
                             f"{hs.shape[-2] * hs.shape[-1]} pixels for {C} bands")
        gen = torch.Generator().manual_seed(self.seed)
        outs = []
        for b in range(B):
            o, info = cnmf_fuse(hs[b], ms[b], srf=srf, num_endmembers=self.num_endmembers,
                                min_endmembers=self.min_endmembers, vd_alpha=self.vd_alpha,
                                inner_iterations=self.inner_iterations, tol_inner=self.tol_inner,
                                generator=gen)
            if b == 0:
                self.last_info = info
            outs.append(o)
        return torch.stack(outs).to(hs.dtype)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "cnmf": ArchConfig(
        task="hs_ms_fusion",
        paper="N. Yokoya, T. Yairi, A. Iwasaki, 'Coupled nonnegative matrix factorization unmixing for "
              "hyperspectral and multispectral data fusion', IEEE TGRS 50(2), 2012; N. Yokoya, C. Grohnfeldt, "
              "J. Chanussot, IEEE GRSM 5(2), 2017 (toolbox)",
        summary="Coupled NMF: HS endmembers (VCA init, >= 30, VD) and MS abundances by alternating "
                "multiplicative updates; SRF estimated when not given (Yokoya HSMSFusionToolbox)",
        url="https://doi.org/10.1109/TGRS.2011.2161320",
        classical=True,
        card="cnmf.md",
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def cnmf(pretrained: bool = False, **kwargs) -> CNMF:
    """CNMF (Yokoya toolbox ``CNMF_fusion``); ``srf=`` (ms_bands, hs_bands) or None to estimate it."""
    return build_model(CNMF, "cnmf", pretrained, **kwargs)
