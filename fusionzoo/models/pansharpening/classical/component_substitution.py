"""Component substitution (CS): the classical CS pansharpening methods of the MATLAB toolbox of Vivone et al.

Every method follows the toolbox's code step by step (``Brovey``, ``BroveyRegHazeMin``, ``IHS`` (the
generalised IHS of any number of bands; Tu's three-band fast IHS is ``fihs``), ``PCA``, ``GS``, ``GSA``,
``GS_Segm`` + ``gen_LP_image`` + ``k_means_clustering`` (C-GSA), ``BDSD``, ``BDSD_PC``, ``PRACS``): the input ``I_MS`` is the MS upsampled with the 23-tap
interpolator, the PAN is equalised to the intensity as the toolbox does
(``(PAN - mean(PAN)) * std(I) / std(PAN) + mean(I)``), low-pass filters and decimations are the toolbox's
(``LPfilterGauss``, ``LPfilterPlusDec``, ``MTF``, ``MTF_PAN``, ``imresize``).  Each method is a CS scheme

    F_k = MS_k + g_k (P - I),   I = sum_k w_k MS_k   (BT, BT-H: F_k = MS_k P / I, multiplicative)

and differs in how the intensity ``I``, the gains ``g_k`` and the PAN ``P`` are obtained.

Every step is linear in a common gain of MS and PAN, or a ratio of such quantities, so the methods are
scale-equivariant: ``model(k ms, k pan) == k model(ms, pan)``, and fusionzoo's [0, 1] inputs give the toolbox's
DN results divided by ``2**bits - 1`` (the haze of BT-H is a percentile of the data, never a fixed DN value).
Pixel operations run in the input's float dtype (float32 or float64; means and variances with torch's
pairwise / Welford reductions), regressions (Gram matrices, solves) and regression-weighted sums in float64.
Nothing loops over pixels: BDSD's local estimation is batched over its blocks, C-GSA's k-means is vectorised.
"""

from __future__ import annotations

import functools
import math
from typing import Sequence

import torch

from ....builder import build_model
from ....ops import (
    decimate_nearest,
    filter_replicate,
    interp23tap,
    mtf_filter,
    mtf_kernel,
    resize_matrix,
)
from ....ops.common import MATLAB_EPS as _EPS
from ....ops.common import centred_products, power_of_two_levels
from ....registry import ArchConfig, register_alias, register_model
from ....sensors import Sensor, get_sensor
from ..base import PansharpeningModel

__all__ = ["BT", "BTH", "IHS", "GIHS", "FIHS", "PCA", "GS", "GSA", "CGSA", "BDSD", "BDSDPC", "PRACS"]

_F64 = torch.float64

# ----------------------------------------------------------------------------------------- helpers


def _mean(x: torch.Tensor) -> torch.Tensor:
    """``mean2`` of each band: (B, C, H, W) -> (B, C, 1, 1) float64 (computed in x's dtype, pairwise sums)."""
    return x.mean(dim=(-2, -1), keepdim=True).to(_F64)


def _centred(x: torch.Tensor) -> torch.Tensor:
    return x - x.mean(dim=(-2, -1), keepdim=True)


def _var(x: torch.Tensor) -> torch.Tensor:
    """Sample variance (N - 1) of each band, float64 (B, C, 1, 1)."""
    n = x.shape[-1] * x.shape[-2]
    return centred_products(x) / max(n - 1, 1)


def _var_mean(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample variance (N - 1) and mean of each band, float64 (B, C, 1, 1) each."""
    return _var(x), _mean(x)


def _std(x: torch.Tensor) -> torch.Tensor:
    """``std2`` (N - 1) of each band, float64 (B, C, 1, 1)."""
    return _var(x).sqrt()


def _cov(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Sample covariance (N - 1) over each band's pixels, float64 (B, C, 1, 1); x broadcasts against y."""
    n = x.shape[-1] * x.shape[-2]
    return centred_products(x, y) / max(n - 1, 1)


def _affine(x: torch.Tensor, gain: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """``x * gain + offset`` with float64 (B, C, 1, 1) coefficients, in x's dtype."""
    return torch.addcmul(offset.to(x.dtype), x, gain.to(x.dtype))


def _equalize(x: torch.Tensor, ref_mean: torch.Tensor, ref_std: torch.Tensor,
              x_mean: torch.Tensor | None = None, x_std: torch.Tensor | None = None) -> torch.Tensor:
    """Toolbox histogram matching: ``(x - mean(x)) * std(ref) / std(x) + mean(ref)`` (the statistics of x
    may come from another image, as in BT-H)."""
    x_mean = _mean(x) if x_mean is None else x_mean
    x_std = _std(x) if x_std is None else x_std
    g = ref_std / x_std
    return _affine(x, g, ref_mean - x_mean * g)


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(2)


def _solve(G: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    """``G \\ R`` for batches of small symmetric systems; singular ones fall back to the pseudo-inverse."""
    sol, info = torch.linalg.solve_ex(G, R)
    bad = info != 0
    if bool(bad.any()):
        sol = torch.where(bad[..., None, None], torch.linalg.pinv(G, hermitian=True) @ R, sol)
    return sol


def _gram(*rows: torch.Tensor, ones: bool = False) -> torch.Tensor:
    """Gram matrix ``Z Z^T`` in float64 of ``Z = cat(rows (+ a row of ones))`` over the pixel dimension:
    rows (B, p_i, N) -> (B, P, P).  Computed in chunks of pixels (small float64 copies)."""
    B, N = rows[0].shape[0], rows[0].shape[-1]
    sizes = [r.shape[1] for r in rows]
    step = min(N, 1 << 18)
    buf = torch.ones(B, sum(sizes) + int(ones), step, dtype=_F64, device=rows[0].device)
    out = torch.zeros(B, buf.shape[1], buf.shape[1], dtype=_F64, device=rows[0].device)
    for s in range(0, N, step):
        e = min(s + step, N)
        z = buf[..., :e - s]
        i = 0
        for r, p in zip(rows, sizes):
            z[:, i:i + p].copy_(r[..., s:e])  # cast while copying
            i += p
        out.baddbmm_(z, z.transpose(-1, -2))
    return out


def _regress(X: torch.Tensor, y: torch.Tensor, offset: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Least squares ``y ~ X^T beta (+ beta0)`` per image (MATLAB ``X \\ y`` / ``regress``).

    ``X`` (B, p, N) regressors, ``y`` (B, q, N) targets; returns ``beta`` (B, p, q) and ``beta0`` (B, 1, q)
    float64 (zeros without ``offset``).  With an offset the normal equations are centred (same solution as
    the augmented system, better conditioned).
    """
    p, n = X.shape[1], X.shape[-1]
    Z = _gram(X, y, ones=offset)
    G, R = Z[:, :p, :p], Z[:, :p, p:p + y.shape[1]]
    if offset:
        mx = Z[:, :p, -1:] / n  # (B, p, 1)
        my = Z[:, p:p + y.shape[1], -1:] / n  # (B, q, 1)
        G = G - n * mx @ mx.transpose(-1, -2)
        R = R - n * mx @ my.transpose(-1, -2)
        beta = _solve(G, R)
        return beta, my.transpose(-1, -2) - mx.transpose(-1, -2) @ beta
    return _solve(G, R), torch.zeros_like(R[..., :1, :])


def _combine(x: torch.Tensor, beta: torch.Tensor, beta0: torch.Tensor) -> torch.Tensor:
    """``sum_k x_k beta_k + beta0``: x (B, p, H, W), beta (B, p, q), beta0 (B, 1, q) -> (B, q, H, W), in x's
    dtype but accumulated in float64: regression coefficients of nearly collinear bands are large and of
    opposite signs, and their float32 sum would lose the digits the result keeps.  Done in chunks of rows
    (small float64 copies instead of one of the whole image)."""
    B, P, H, W = x.shape
    q = beta.shape[-1]
    out = torch.empty(B, q, H, W, dtype=x.dtype, device=x.device)
    step = max(1, (1 << 18) // max(W, 1))
    b0 = beta0.transpose(-1, -2)[..., None]
    for r in range(0, H, step):
        xs = x[:, :, r:r + step].to(_F64)
        out[:, :, r:r + step] = torch.einsum("bphw,bpq->bqhw", xs, beta) + b0
    return out


# Toolbox low-pass filters ----------------------------------------------------------------------------


def _lp_gauss(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """``LPfilterGauss``: 41x41 Gaussian with Nyquist gain 0.3, replicated borders.  Unlike ``genMTF`` it
    uses sigma = N fcut / 2 / sqrt(-2 ln 0.3) (N, not N - 1), which is ``mtf_kernel``'s filter for the gain
    0.3 ** ((40 / 41) ** 2)."""
    k = mtf_kernel([0.3 ** ((40.0 / 41.0) ** 2)], ratio, 41, dtype=x.dtype, device=x.device)[0]
    return filter_replicate(x, k)


_SM = (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16)


def _sm_filter(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Valid correlation with the normalised Starck-Murtagh [1 4 6 4 1] / 16 kernel along dim (n -> n - 4)."""
    n = x.shape[dim] - 4
    out = x.narrow(dim, 0, n) * _SM[0]
    for i in range(1, 5):
        out = out.add_(x.narrow(dim, i, n), alpha=_SM[i])
    return out


def _sym_pad(x: torch.Tensor, dim: int, p: int) -> torch.Tensor:
    n = x.shape[dim]
    if n < p:
        raise ValueError(f"image too small for the toolbox's wavelet low-pass filter: {n} < {p} pixels")
    i = torch.arange(-p, n + p, device=x.device)
    i = torch.where(i < 0, -i - 1, torch.where(i >= n, 2 * n - 1 - i, i))
    return x.index_select(dim, i)


def _lp_starck_murtagh(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """``LPfilter``: approximation of the toolbox's non-decimated wavelet transform (``ndwt2_working`` /
    ``indwt2_working``, Starck-Murtagh filters, ceil(log2 ratio) levels, details zeroed).

    That transform does not dilate its filters: each decomposition level extends the image symmetrically
    (half-sample) by 4 pixels and filters it with [1 4 6 4 1] / 16 * sqrt(2) per direction, keeping the
    grown support; each reconstruction level filters again and crops back.  The gains cancel (2 * 2 / 4),
    so the result is 2 * levels passes of the normalised 5-tap kernel per direction with those borders.
    """
    levels = int(math.ceil(math.log2(ratio)))
    for dim in (2, 3):
        for _ in range(levels):
            x = _sm_filter(_sym_pad(x, dim, 4), dim)
        for _ in range(levels):
            x = _sm_filter(x, dim)
    return x


@functools.lru_cache(maxsize=64)
def _resize_tiles(n_in: int, n_out: int, scale: float) -> tuple[tuple[int, int, int, int, torch.Tensor], ...]:
    """``resize_matrix`` cut into row tiles with their band of non-zero columns: (a, b, lo, hi, M[a:b, lo:hi])."""
    m = resize_matrix(n_in, n_out, scale)
    step = max(8, min(128, int(round(16 * scale))))
    cols = torch.arange(n_in)
    tiles = []
    for a in range(0, n_out, step):
        b = min(a + step, n_out)
        used = cols[(m[a:b] != 0).any(0)]
        lo, hi = int(used.min()), int(used.max()) + 1
        tiles.append((a, b, lo, hi, m[a:b, lo:hi].contiguous()))
    return tuple(tiles)


def _imresize(x: torch.Tensor, scale: float) -> torch.Tensor:
    """MATLAB ``imresize(x, scale)`` (bicubic, antialiasing when shrinking) on (B, C, H, W): the matrices of
    :func:`fusionzoo.ops.imresize`, applied tile by tile on their band of non-zero columns (the dense product
    costs 10-50x more)."""
    B, C = x.shape[:2]
    for dim in (2, 3):  # equal scales: rows first, as MATLAB
        H, W = x.shape[-2:]
        n = x.shape[dim]
        tiles = _resize_tiles(n, int(math.ceil(scale * n)), float(scale))
        if dim == 2:
            xf = x.reshape(B * C, H, W)
            x = torch.cat([torch.matmul(m.to(dtype=x.dtype, device=x.device), xf[:, lo:hi])
                           for _, _, lo, hi, m in tiles], 1).reshape(B, C, -1, W)
        else:
            xf = x.reshape(B * C * H, W)
            x = torch.cat([xf[:, lo:hi] @ m.to(dtype=x.dtype, device=x.device).T
                           for _, _, lo, hi, m in tiles], 1).reshape(B, C, H, -1)
    return x


def _mtf_ms(x: torch.Tensor, sensor, ratio: int) -> torch.Tensor:
    """Toolbox ``MTF(x, sensor, ratio)``: the sensor's MS filters (``generic``, gains 0.3, when unknown)."""
    return mtf_filter(x, sensor if sensor is not None else "generic", ratio)


def _mtf_pan(x: torch.Tensor, sensor, ratio: int) -> torch.Tensor:
    """Toolbox ``MTF_PAN(x, sensor, ratio)`` (gain 0.15 for an unknown sensor)."""
    return mtf_filter(x, sensor if sensor is not None else "generic", ratio, pan=True)


# Statistics ------------------------------------------------------------------------------------------


def _prctile(x: torch.Tensor, p: float) -> torch.Tensor:
    """MATLAB ``prctile(x(:), p)`` of each row of x (..., N): the sorted values sit at the percentages
    100 (i - 0.5) / N, linear interpolation between them, the extremes outside.  float64 (...)."""
    n = x.shape[-1]
    pos = n * p / 100.0 + 0.5  # 1-based rank
    if pos <= 1:
        return x.amin(-1).to(_F64)
    if pos >= n:
        return x.amax(-1).to(_F64)
    lo = int(math.floor(pos))
    frac = pos - lo
    a = torch.kthvalue(x, lo, dim=-1).values.to(_F64)
    if frac == 0:
        return a
    b = torch.kthvalue(x, lo + 1, dim=-1).values.to(_F64)
    return a + frac * (b - a)


def _kmeanspp(x: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """k-means++ seeding (MATLAB's ``'plus'``): x (B, D, N) -> centres (B, k, D) float64."""
    B, D, N = x.shape
    bi = torch.arange(B, device=x.device)
    first = (torch.rand(B, generator=gen, device=x.device, dtype=_F64) * N).long().clamp_max(N - 1)
    centres = [x[bi, :, first]]
    d2 = ((x - centres[0][..., None]) ** 2).sum(1)
    for _ in range(1, k):
        cdf = d2.to(_F64).cumsum(-1)
        u = torch.rand(B, 1, generator=gen, device=x.device, dtype=_F64) * cdf[:, -1:]
        idx = torch.searchsorted(cdf, u).squeeze(1).clamp_max(N - 1)
        centres.append(x[bi, :, idx])
        d2 = torch.minimum(d2, ((x - centres[-1][..., None]) ** 2).sum(1))
    return torch.stack(centres, 1).to(_F64)


def _lloyd(x: torch.Tensor, c: torch.Tensor, max_iter: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch k-means updates from centres c (B, k, D) on x (B, D, N) until no point changes cluster."""
    B, D, N = x.shape
    k = c.shape[1]
    labels = None
    for _ in range(max_iter):
        s = torch.baddbmm((c * c).sum(-1)[..., None].to(x.dtype), c.to(x.dtype), x, alpha=-2.0)  # |x-c|^2-|x|^2
        new = s.min(1).indices  # (B, N)
        if labels is not None and torch.equal(new, labels):
            break
        labels = new
        onehot = (labels[:, None, :] == torch.arange(k, device=x.device)[None, :, None]).to(x.dtype)  # (B, k, N)
        cnt = onehot.sum(-1).to(_F64)  # (B, k)
        sums = (onehot @ x.transpose(1, 2)).to(_F64)  # (B, k, D)
        empty = cnt == 0
        c = torch.where(empty[..., None], c, sums / cnt.clamp_min(1)[..., None])
        if bool(empty.any()):  # 'singleton': the point farthest from its centroid starts the empty cluster
            far = s.gather(1, labels[:, None])[:, 0] + (x * x).sum(1)
            for b, j in empty.nonzero().tolist():
                i = int(far[b].argmax())
                c[b, j] = x[b, :, i]
                far[b, i] = -math.inf
    return c, labels


def _kmeans(x: torch.Tensor, k: int, seed: int = 0, max_iter: int = 100, sample: int | None = None
            ) -> torch.Tensor:
    """MATLAB ``kmeans(x, k)``: squared Euclidean distance, k-means++ seeding, batch updates until no point
    changes cluster (at most ``max_iter``), an emptied cluster restarts at the point farthest from its
    centroid.  x (B, D, N) -> labels (B, N) in 0..k-1.

    With ``sample`` and more pixels than that, the clustering is fitted on ``sample`` random pixels and every
    pixel then goes to its nearest centroid (one assignment pass): the full fit on millions of pixels takes
    tens of Lloyd passes.  The random stream is torch's (``seed``), not MATLAB's: like two MATLAB runs, two
    seeds may give different (equally valid) clusterings.
    """
    B, D, N = x.shape
    if N < k:
        raise ValueError(f"k-means needs at least {k} pixels, got {N}")
    sampled = sample is not None and N > sample
    xs, c = [], []
    for b in range(B):  # each image its own seeded stream: the result does not depend on the batch
        gen = torch.Generator(device=x.device)
        gen.manual_seed(int(seed))
        xb = x[b:b + 1]
        if sampled:
            xb = xb[..., torch.randperm(N, generator=gen, device=x.device)[:sample]]
        xs.append(xb)
        c.append(_kmeanspp(xb, k, gen))
    if not sampled:
        return _lloyd(x, torch.cat(c), max_iter)[1]
    c, _ = _lloyd(torch.cat(xs), torch.cat(c), max_iter)
    return _lloyd(x, c, 1)[1]


def _nnls_gram(G: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """``argmin_{x >= 0} x'Gx - 2c'x`` (non-negative least squares given its normal equations), exactly.

    G (..., p, p) symmetric positive semi-definite, c (..., p); float64.  For p <= 12 every active set is
    solved at once (batched) and the best feasible one kept: the optimum is the unconstrained optimum on
    its own support, so this is exact.  Larger p uses ``scipy.optimize.nnls`` problem by problem."""
    p = G.shape[-1]
    if p > 12:
        return _nnls_scipy(G, c)
    ar = torch.arange(p, device=G.device)
    m = ((torch.arange(2**p, device=G.device)[:, None] >> ar) & 1).to(G.dtype)  # (M, p) supports
    Gm = G[..., None, :, :] * (m[:, :, None] * m[:, None, :]) + torch.diag_embed(1.0 - m)
    cm = c[..., None, :] * m
    xs, info = torch.linalg.solve_ex(Gm, cm[..., None])
    xs = xs[..., 0] * m
    obj = (xs * (G[..., None, :, :] @ xs[..., None])[..., 0]).sum(-1) - 2.0 * (c[..., None, :] * xs).sum(-1)
    tol = 1e-9 * xs.abs().amax(-1, keepdim=True).clamp_min(1e-300)
    ok = (info == 0) & (xs >= -tol).all(-1) & torch.isfinite(obj)
    obj = torch.where(ok, obj, torch.full_like(obj, math.inf))
    best = obj.argmin(-1)
    x = xs.gather(-2, best[..., None, None].expand(*best.shape, 1, p))[..., 0, :]
    return x.clamp_min(0.0)


def _nnls_scipy(G: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    import numpy as np
    from scipy.optimize import nnls

    Gn = G.detach().cpu().numpy().reshape(-1, *G.shape[-2:])
    cn = c.detach().cpu().numpy().reshape(-1, c.shape[-1])
    out = np.zeros_like(cn)
    for i in range(Gn.shape[0]):
        g = Gn[i] + np.eye(Gn.shape[-1]) * 1e-14 * max(np.trace(Gn[i]), 1e-300)
        L = np.linalg.cholesky(g)
        out[i] = nnls(L.T, np.linalg.solve(L, cn[i]))[0]
    return torch.from_numpy(out.reshape(c.shape)).to(G)


def _blocks(x: torch.Tensor, bh: int, bw: int) -> torch.Tensor:
    """(B, F, H, W) -> (B, H/bh, W/bw, bh*bw, F): the pixels of each distinct block (``blockproc``)."""
    B, F, H, W = x.shape
    return (x.reshape(B, F, H // bh, bh, W // bw, bw).permute(0, 2, 4, 3, 5, 1)
            .reshape(B, H // bh, W // bw, bh * bw, F))


# --------------------------------------------------------------------------------------------- modules
class _CS(PansharpeningModel):
    """Shared front end: checks, working dtype, ``I_MS`` = interp23tap(ms); subclasses implement
    :meth:`_fuse` with the toolbox's arguments."""

    min_bands = 1

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        power_of_two_levels(self.ratio, "the toolbox's CS methods", "they take the MS upsampled by interp23tap")
        if sensor is not None and not (isinstance(sensor, str) and sensor.lower() in ("generic", "none", "other")):
            s = get_sensor(sensor)  # unknown names raise here, with the list of known ones
            if self.num_bands is not None and self.num_bands != s.num_bands:
                raise ValueError(f"sensor {s.full_name} has {s.num_bands} MS bands, bands={self.num_bands}")
        self.sensor = sensor

    def extra_repr(self) -> str:
        s = f"ratio={self.ratio}"
        if self.sensor is not None:
            s += f", sensor={self.sensor if isinstance(self.sensor, str) else self.sensor.name!r}"
        return s

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        C = ms.shape[1]
        if C < self.min_bands:
            raise ValueError(f"{type(self).__name__} needs at least {self.min_bands} MS bands, got {C}")
        dtype = ms.dtype
        wd = dtype if dtype in (torch.float32, torch.float64) else torch.float32
        ms, pan = ms.to(wd), pan.to(wd)
        lms = interp23tap(ms, self.ratio)
        return self._fuse(ms, lms, pan).to(dtype)

    def _fuse(self, ms: torch.Tensor, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError


class BT(_CS):
    """Brovey transform (toolbox ``Brovey``): ``F_k = MS_k * P' / I``, ``I`` the mean of the upsampled MS
    bands, ``P'`` the PAN equalised to ``I`` (mean and standard deviation)."""

    def _fuse(self, ms, lms, pan):
        intensity = lms.mean(1, keepdim=True)
        p = _equalize(pan, _mean(intensity), _std(intensity))
        return lms.mul_(p.div_(intensity.add_(_EPS)))  # in place: lms, p and intensity are ours


class BTH(_CS):
    """Brovey with haze correction (toolbox ``BroveyRegHazeMin``, Lolli et al. 2017).

    Haze ``L_k``: for 4 bands (blue, green, red, NIR order) 0.95, 0.45, 0.40, 0.05 times the 1st percentile of
    each upsampled band; otherwise each band's minimum.  ``I = sum_k w_k (MS_k - L_k)`` with ``w`` the
    regression (no offset) of the low-passed PAN (``LPfilterGauss``) on the upsampled MS;
    ``F_k = max(MS_k - L_k, 0) * P' / I + L_k``, ``P'`` the PAN equalised to ``I`` with the low-passed PAN's
    statistics."""

    def _fuse(self, ms, lms, pan):
        B, C = lms.shape[:2]
        if C == 4:
            coef = torch.tensor([0.95, 0.45, 0.40, 0.05], dtype=_F64, device=lms.device)
            haze = coef * _prctile(_flat(lms), 1.0)
        else:
            haze = _flat(lms).amin(-1).to(_F64)
        haze = haze[..., None, None]  # (B, C, 1, 1)
        pan_lp = _lp_gauss(pan, self.ratio)
        w, _ = _regress(_flat(lms), _flat(pan_lp), offset=False)  # (B, C, 1)
        msl = lms - haze.to(lms.dtype)
        intensity = torch.einsum("bchw,bc->bhw", msl, w[..., 0].to(lms.dtype))[:, None]
        p = _equalize(pan, _mean(intensity), _std(intensity), _mean(pan_lp), _std(pan_lp))
        return msl.clamp_min(0) * (p / (intensity + _EPS)) + haze.to(lms.dtype)


def _ihs(lms: torch.Tensor, pan: torch.Tensor, intensity: torch.Tensor) -> torch.Tensor:
    """``lms + (P' - I)``, in place on ``lms`` (the upsampled MS of :meth:`_CS.fuse`, owned here)."""
    p = _equalize(pan, _mean(intensity), _std(intensity))
    return lms.add_(p.sub_(intensity))


class IHS(_CS):
    """IHS as the toolbox has it (``IHS.m``): the generalised IHS of Tu et al. (2001, 2004),
    ``F_k = MS_k + (P' - I)`` for any number of bands, ``I = sum_k w_k MS_k`` with weights ``w`` normalised to
    sum 1 (default equal weights, the toolbox's mean), ``P'`` the PAN equalised to ``I``.  On three bands with
    equal weights it is Tu's fast IHS (:class:`FIHS`).  Also registered as ``gihs``."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 weights: Sequence[float] | None = None, **kwargs) -> None:
        super().__init__(ratio=ratio, bands=bands, sensor=sensor, **kwargs)
        if weights is not None:
            weights = tuple(float(v) for v in weights)
            if not weights or sum(weights) <= 0 or any(v < 0 for v in weights):
                raise ValueError(f"weights must be non-negative with a positive sum, got {weights}")
            if self.num_bands is not None and len(weights) != self.num_bands:
                raise ValueError(f"{len(weights)} weights for bands={self.num_bands}")
        self.weights = weights

    def extra_repr(self) -> str:
        return super().extra_repr() + (f", weights={self.weights}" if self.weights is not None else "")

    def _fuse(self, ms, lms, pan):
        C = lms.shape[1]
        if self.weights is None:
            intensity = lms.mean(1, keepdim=True)
        else:
            if len(self.weights) != C:
                raise ValueError(f"IHS has {len(self.weights)} weights, the MS has {C} bands")
            w = torch.tensor(self.weights, dtype=_F64, device=lms.device)
            intensity = torch.einsum("bchw,c->bhw", lms, (w / w.sum()).to(lms.dtype))[:, None]
        return _ihs(lms, pan, intensity)


GIHS = IHS  # the generalised IHS is the toolbox's IHS: one class, two names (``gihs`` is an alias of ``ihs``)


class FIHS(_CS):
    """Fast IHS (Tu et al. 2001) of an RGB triplet: ``F_k = MS_k + (P' - I)``, ``I = (R + G + B) / 3``, ``P'``
    the PAN equalised to ``I`` (toolbox convention).  The IHS transform is defined for three bands: other band
    counts raise; :class:`IHS` (the toolbox's) is its generalisation to any number of bands."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 **kwargs) -> None:
        super().__init__(ratio=ratio, bands=bands, sensor=sensor, **kwargs)
        if self.num_bands is not None and self.num_bands != 3:
            raise ValueError(f"FIHS (fast IHS) is defined for 3 bands, got bands={self.num_bands}; use ihs")

    def _fuse(self, ms, lms, pan):
        if lms.shape[1] != 3:
            raise ValueError(f"FIHS (fast IHS) is defined for 3 bands (an RGB triplet), got {lms.shape[1]}; select "
                             f"three bands (e.g. ms[:, [red, green, blue]]) or use ihs, its generalisation to any "
                             f"number of bands (the toolbox's IHS)")
        return _ihs(lms, pan, lms.mean(1, keepdim=True))


class PCA(_CS):
    """Principal component substitution (toolbox ``PCA``): the first principal component of the upsampled MS
    (``princomp``; eigenvector sign as MATLAB: largest-magnitude entry positive) is replaced by the PAN
    equalised to it, then transformed back: ``F_k = MS_k + v_k (P' - PC1)``, followed by the toolbox's final
    mean equalisation."""

    def _fuse(self, ms, lms, pan):
        B, C, H, W = lms.shape
        n = H * W
        Z = _gram(_flat(lms), ones=True)
        mu = Z[:, :C, -1:] / n
        cov = (Z[:, :C, :C] - n * mu @ mu.transpose(1, 2)) / max(n - 1, 1)
        _, vecs = torch.linalg.eigh(cov)  # ascending eigenvalues
        v = vecs[..., -1]  # (B, C) first principal direction
        s = torch.gather(v, 1, v.abs().argmax(1, keepdim=True)).sign()
        v = v * torch.where(s == 0, torch.ones_like(s), s)
        # PC1 of the centred bands: the projection of the bands minus that of their means (no centred copy)
        pc1 = torch.einsum("bchw,bc->bhw", lms, v.to(lms.dtype))[:, None]
        pc1.sub_(((mu[..., 0] * v).sum(1)).view(B, 1, 1, 1).to(lms.dtype))
        p = _equalize(pan, _mean(pc1), _std(pc1))
        # F_k = MS_k + v_k (P' - PC1), then shifted back to the mean of MS_k: MS_k + v_k (d - mean(d))
        d = p.sub_(pc1)
        d.sub_(d.mean((-2, -1), keepdim=True))
        return lms.addcmul_(v[..., None, None].to(lms.dtype), d)


class GS(_CS):
    """Gram-Schmidt (toolbox ``GS``, mode "I = mean of the MS"): ``I0`` the mean-removed intensity,
    ``P'`` the PAN equalised to ``I0``, ``F_k = MS_k + g_k (P' - I0)`` with ``g_k = cov(I0, MS_k) / var(I0)``,
    then the final mean equalisation."""

    def _fuse(self, ms, lms, pan):
        i0 = _centred(lms.mean(1, keepdim=True))
        p = _equalize(pan, _mean(i0), _std(i0))
        return _gs_inject(lms, i0, p.sub_(i0))


def _gs_inject(lms: torch.Tensor, i0: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """The toolbox's GS fusion: ``MS0_k + g_k delta`` with ``g_k = cov(I0, MS_k) / var(I0)``, then each band
    shifted back to the mean of the upsampled MS band, i.e. ``MS_k + g_k (delta - mean(delta))`` (``MS0_k``,
    the centred band, has mean 0).  In place on ``lms`` and ``delta`` (both owned by the caller's ``_fuse``);
    the covariances are one matrix-vector product over the bands (``i0`` is centred: ``cov = (sum i0 MS_k -
    n mean(i0) mean(MS_k)) / (n - 1)``, the correction in float64)."""
    B, C, H, W = lms.shape
    n = H * W
    s = torch.matmul(_flat(lms), _flat(i0).transpose(1, 2)).to(_F64)[..., None]  # (B, C, 1, 1)
    cov = (s - n * _mean(i0) * _mean(lms)) / max(n - 1, 1)
    g = cov / _cov(i0, i0)
    delta.sub_(delta.mean((-2, -1), keepdim=True))
    return lms.addcmul_(g.to(lms.dtype), delta)


class GSA(_CS):
    """Adaptive Gram-Schmidt (toolbox ``GSA``, Aiazzi et al. 2007): the intensity weights (with offset) are
    the regression of the mean-removed PAN, low-passed and decimated (``LPfilterPlusDec``), on the
    mean-removed low-resolution MS; ``F_k = MS_k + g_k (P0 - I0)`` as in GS, with the PAN only mean-removed."""

    min_bands = 1

    def _fuse(self, ms, lms, pan):
        h, w = ms.shape[-2:]
        if h * w < ms.shape[1] + 1:
            raise ValueError(f"GSA regresses {ms.shape[1] + 1} coefficients on the {h}x{w} MS pixels: too few")
        p0 = _centred(pan)
        p_lr = decimate_nearest(_lp_starck_murtagh(p0, self.ratio), self.ratio)
        beta, beta0 = _regress(_flat(_centred(ms)), _flat(p_lr), offset=True)
        # I0 = the centred regression intensity of the centred bands: beta0 cancels out in the centring and the
        # band means enter as an offset (accumulated in float64 with the rest), so the bands need no centred copy
        i0 = _centred(_combine(lms, beta, -(_mean(lms).flatten(1)[:, None, :] @ beta)))
        return _gs_inject(lms, i0, p0.sub_(i0))


class CGSA(_CS):
    """Context-based (clustered) GSA (Restaino et al. 2017; toolbox ``GS_Segm`` with ``gen_LP_image('GSA')``
    and ``k_means_clustering(I_MS, 5)``).

    ``I`` = regression (with offset) of the ``LPfilterGauss``-filtered, decimated PAN on the low-resolution MS,
    applied to the upsampled MS; the upsampled MS (each band divided by its maximum) is clustered by k-means
    into ``n_clusters`` segments; in each segment ``g_k = cov(I, MS_k) / var(I)`` and
    ``F_k = MS_k + g_k (P - I)``.  k-means is seeded with ``seed``; on images of more than ``kmeans_sample``
    pixels it is fitted on that many random pixels and every pixel is assigned to its nearest centroid
    (``kmeans_sample=None``: fitted on all pixels, as MATLAB, much slower on large scenes)."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 n_clusters: int = 5, seed: int = 0, kmeans_sample: int | None = 65536, **kwargs) -> None:
        super().__init__(ratio=ratio, bands=bands, sensor=sensor, **kwargs)
        if int(n_clusters) < 1:
            raise ValueError(f"n_clusters must be >= 1, got {n_clusters}")
        if kmeans_sample is not None and int(kmeans_sample) < int(n_clusters):
            raise ValueError(f"kmeans_sample must be at least n_clusters, got {kmeans_sample}")
        self.n_clusters = int(n_clusters)
        self.seed = int(seed)
        self.kmeans_sample = None if kmeans_sample is None else int(kmeans_sample)

    def extra_repr(self) -> str:
        return (super().extra_repr() + f", n_clusters={self.n_clusters}, seed={self.seed}, "
                f"kmeans_sample={self.kmeans_sample}")

    def _fuse(self, ms, lms, pan):
        B, C, H, W = lms.shape
        h, w = ms.shape[-2:]
        if h * w < C + 1:
            raise ValueError(f"C-GSA regresses {C + 1} coefficients on the {h}x{w} MS pixels: too few")
        p_lr = decimate_nearest(_lp_gauss(pan, self.ratio), self.ratio)
        beta, beta0 = _regress(_flat(ms), _flat(p_lr), offset=True)
        intensity = _combine(lms, beta, beta0)  # (B, 1, H, W)
        feats = _flat(lms)
        labels = _kmeans(feats / feats.amax(-1, keepdim=True), self.n_clusters, self.seed, sample=self.kmeans_sample)
        k = self.n_clusters
        flat = (labels + (torch.arange(B, device=lms.device) * k)[:, None]).reshape(-1)

        def seg_sum(v):  # (B, N) -> (B, k) float64 sums per segment
            return torch.bincount(flat, weights=v.reshape(-1).to(_F64), minlength=B * k).reshape(B, k)

        x = _flat(intensity)[:, 0] - _mean(intensity).reshape(B, 1).to(lms.dtype)  # centred for accuracy
        n = seg_sum(torch.ones_like(x))
        sx = seg_sum(x)
        var = seg_sum(x * x) - sx * sx / n.clamp_min(1)
        ys = _flat(lms)
        gains = []
        for c in range(C):
            y = ys[:, c] - _mean(lms[:, c:c + 1]).reshape(B, 1).to(lms.dtype)
            cov = seg_sum(x * y) - sx * seg_sum(y) / n.clamp_min(1)
            gains.append(cov / var)  # the N - 1 normalisations of cov and var cancel
        g = torch.stack(gains, 1)  # (B, C, k)
        g = torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)  # a constant segment (var 0) injects nothing
        gpix = torch.gather(g, 2, labels[:, None, :].expand(B, C, -1)).reshape(B, C, H, W)
        return lms + gpix.to(lms.dtype) * (pan - intensity)


class BDSD(_CS):
    """Band-dependent spatial detail (toolbox ``BDSD``, Garzelli et al. 2008).

    At reduced resolution (the upsampled MS bicubic-decimated, ``imresize(I_MS, 1/ratio)``, then MTF-filtered;
    the PAN MTF-filtered and sampled at ``3:ratio:end``) each band's detail ``MS_k - MS_k^LP`` is regressed
    (MMSE) on ``[MS^LP_1..C, PAN^LP]``, block by block; the coefficients ``gamma_k`` are then applied at full
    resolution: ``F_k = MS_k + [MS_1..C, P] gamma_k``.  ``block_size`` (even, a multiple of the ratio, dividing
    the PAN size) gives the local estimation on distinct blocks (128 in the toolbox's documentation);
    ``None`` (default) estimates one set per image, as the toolbox's 2020 benchmark demo does."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 block_size: int | None = None, **kwargs) -> None:
        super().__init__(ratio=ratio, bands=bands, sensor=sensor, **kwargs)
        if block_size is not None:
            block_size = int(block_size)
            if block_size < 2 or block_size % 2:
                raise ValueError(f"block_size for the local estimation must be even, got {block_size}")
            if block_size % self.ratio:
                raise ValueError(f"block_size must be a multiple of the ratio {self.ratio}, got {block_size}")
        self.block_size = block_size

    def extra_repr(self) -> str:
        return super().extra_repr() + f", block_size={self.block_size}"

    def _fuse(self, ms, lms, pan):
        B, C, H, W = lms.shape
        r = self.ratio
        if self.block_size is None:
            sh, sw = H, W
        else:
            sh = sw = self.block_size
            if H % sh or W % sw:
                raise ValueError(f"the PAN size {H}x{W} must be a multiple of block_size {self.block_size}")
        if (sh // r) * (sw // r) < C + 1:
            raise ValueError(f"BDSD estimates {C + 1} coefficients per band on {sh // r}x{sw // r} reduced-"
                             f"resolution pixels per block: too few; use larger blocks")
        pan_lp_d = decimate_nearest(_mtf_pan(pan, self.sensor, r), r)  # toolbox: 3:ratio:end, the same at ratio 4
        ms_orig = _imresize(lms, 1.0 / r)
        ms_lp_d = _mtf_ms(ms_orig, self.sensor, r)
        hd = _blocks(torch.cat([ms_lp_d, pan_lp_d], 1), sh // r, sw // r).to(_F64)  # (B, ny, nx, n, C+1)
        t = _blocks(ms_orig - ms_lp_d, sh // r, sw // r).to(_F64)  # (B, ny, nx, n, C)
        gamma = _solve(hd.transpose(-1, -2) @ hd, hd.transpose(-1, -2) @ t)  # (B, ny, nx, C+1, C)
        ny, nx = H // sh, W // sw
        full = torch.cat([lms, pan], 1).reshape(B, C + 1, ny, sh, nx, sw)
        det = torch.einsum("bfyixj,byxfk->bkyixj", full, gamma.to(lms.dtype)).reshape(B, C, H, W)
        return lms + det


class BDSDPC(_CS):
    """BDSD with physical constraints (toolbox ``BDSD_PC``, Vivone 2019): global estimation, per band,
    ``min ||[P^LR, MS^LR] gamma_k - (GT_k - MS_k^LR)||`` subject to a non-negative PAN weight and non-positive
    MS weights (``lsqlin`` there, an exact NNLS here), at reduced resolution: ``GT = imresize(I_MS, 1/ratio)``,
    ``MS^LR`` its MTF-filtered version, ``P^LR`` the MTF-filtered PAN decimated (``imresize`` nearest);
    ``F_k = MS_k + [P, MS_1..C] gamma_k``."""

    def _fuse(self, ms, lms, pan):
        B, C, H, W = lms.shape
        r = self.ratio
        gt = _imresize(lms, 1.0 / r)
        ms_lr = _mtf_ms(gt, self.sensor, r)
        pan_lr = decimate_nearest(_mtf_pan(pan, self.sensor, r), r)
        if gt.shape[-1] * gt.shape[-2] < C + 1:
            raise ValueError(f"BDSD-PC estimates {C + 1} coefficients per band on {tuple(gt.shape[-2:])} pixels")
        sgn = torch.cat([torch.ones(1, dtype=_F64), -torch.ones(C, dtype=_F64)]).to(lms.device)
        Hm = _flat(torch.cat([pan_lr, ms_lr], 1))  # (B, C+1, n)
        Z = _gram(Hm, _flat(gt - ms_lr))
        G = Z[:, :C + 1, :C + 1] * (sgn[:, None] * sgn[None, :])  # Gram of [P, -MS]: all unknowns >= 0
        R = Z[:, :C + 1, C + 1:] * sgn[:, None]  # (B, C+1, C)
        z = _nnls_gram(G[:, None].expand(B, C, C + 1, C + 1), R.transpose(1, 2))  # (B, C, C+1)
        gamma = (z * sgn).transpose(1, 2)  # (B, C+1, C)
        det = torch.einsum("bfhw,bfk->bkhw", torch.cat([pan, lms], 1), gamma.to(lms.dtype))
        return lms + det


class PRACS(_CS):
    """Partial replacement adaptive CS (toolbox ``PRACS``, Choi et al. 2011).

    Each upsampled band is histogram-matched to the PAN (negatives set to 0); ``I_l`` = regression (with
    offset) of the PAN bicubic-decimated and re-interpolated on them; band-wise partial replacement
    ``I_h,k = cc_k P + (1 - cc_k) MS'_k`` (``cc_k = corr(I_l, MS'_k)``); ``I'_l,k`` = regression of the
    bicubic-degraded ``I_h,k`` on the matched bands; detail ``I_h,k - I'_l,k`` (means aligned) injected with
    the global weight ``beta corr(I'_l,k, MS_k) std(MS_k) / mean_j std(MS_j)`` and the local instability
    adjustment ``1 - |1 - corr(I_l, MS_k) MS_k / I'_l,k|``.  ``beta`` = 0.95 as in the toolbox (its value for
    11-bit data; 1.95 is suggested there for 8-bit data)."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 beta: float = 0.95, **kwargs) -> None:
        super().__init__(ratio=ratio, bands=bands, sensor=sensor, **kwargs)
        self.beta = float(beta)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", beta={self.beta}"

    def _fuse(self, ms, lms, pan):
        B, C, H, W = lms.shape
        r = self.ratio

        def degrade(x):  # imresize(imresize(x, 1/ratio), ratio), bicubic
            return _imresize(_imresize(x, 1.0 / r), float(r))

        v_ms, m_ms = _var_mean(lms)
        v_p, m_p = _var_mean(pan)
        hm = _equalize(lms, m_p, v_p.sqrt(), m_ms, v_ms.sqrt()).clamp_min_(0)  # each band matched to the PAN
        X = _flat(hm)
        beta, beta0 = _regress(X, _flat(degrade(pan)), offset=True)
        i_l = _combine(hm, beta, beta0)  # (B, 1, H, W)
        v_il, _ = _var_mean(i_l)
        cc = _cov(i_l, hm) / (v_il * _var_mean(hm)[0]).sqrt()  # (B, C, 1, 1)
        i_h = torch.addcmul(hm * (1.0 - cc).to(hm.dtype), pan, cc.to(hm.dtype))  # partial replacement
        beta, beta0 = _regress(X, _flat(degrade(i_h)), offset=True)  # one regression per band
        i_lp = _combine(hm, beta, beta0)  # (B, C, H, W)
        v_ilp, m_ilp = _var_mean(i_lp)
        delta = i_h - i_lp - (_mean(i_h) - m_ilp).to(lms.dtype)
        sd = v_ms.sqrt()
        wgt = self.beta * (_cov(i_lp, lms) / (v_ilp * v_ms).sqrt()) * sd / sd.mean(1, keepdim=True)
        c_l = _cov(i_l, lms) / (v_il * v_ms).sqrt()
        den = torch.where(i_lp.abs() < _EPS, torch.full_like(i_lp, _EPS), i_lp)  # an exact 0 gives Inf in MATLAB
        li = 1.0 - (1.0 - c_l.to(lms.dtype) * lms / den).abs()
        return lms + wgt.to(lms.dtype) * li * delta


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
def _cfg(card: str, paper: str, summary: str) -> ArchConfig:
    return ArchConfig(task="pansharpening", inputs=("ms", "pan"), paper=paper, summary=summary, classical=True,
                      card=card)


default_cfgs = {
    "bt": _cfg("bt.md",
               "A. R. Gillespie, A. B. Kahle, R. E. Walker, 'Color enhancement of highly correlated images II. "
               "Channel ratio and chromaticity transformation techniques', Remote Sens. Environ. 22(3), 1987",
               "Brovey transform: upsampled MS times the equalised PAN over the mean intensity (CS, toolbox)"),
    "bt_h": _cfg("bt_h.md",
                 "S. Lolli, L. Alparone, A. Garzelli, G. Vivone, 'Haze correction for contrast-based multispectral "
                 "pansharpening', IEEE GRSL 14(12), 2017",
                 "Brovey with haze correction and regression intensity (BT-H, CS, toolbox)"),
    "ihs": _cfg("ihs.md",
                "T.-M. Tu, S.-C. Su, H.-C. Shyu, P. S. Huang, 'A new look at IHS-like image fusion methods', "
                "Information Fusion 2(3), 2001; T.-M. Tu et al., 'A fast intensity-hue-saturation fusion technique "
                "with spectral adjustment for IKONOS imagery', IEEE GRSL 1(4), 2004",
                "IHS of the toolbox (generalised IHS, alias gihs): equalised PAN minus a weighted intensity added "
                "to every band (CS, any number of bands)"),
    "fihs": _cfg("fihs.md",
                 "T.-M. Tu, S.-C. Su, H.-C. Shyu, P. S. Huang, 'A new look at IHS-like image fusion methods', "
                 "Information Fusion 2(3), 2001",
                 "Fast IHS of an RGB triplet: equalised PAN minus the intensity added to each band (CS, 3 bands)"),
    "pca": _cfg("pca.md",
                "P. S. Chavez Jr., A. W. Kwarteng, 'Extracting spectral contrast in Landsat Thematic Mapper image "
                "data using selective principal component analysis', PE&RS 55(3), 1989",
                "PCA substitution: first principal component replaced by the equalised PAN (CS, toolbox)"),
    "gs": _cfg("gs.md",
               "C. A. Laben, B. V. Brower, 'Process for enhancing the spatial resolution of multispectral imagery "
               "using pan-sharpening', US Patent 6,011,875, 2000",
               "Gram-Schmidt with the mean intensity (GS, CS, toolbox)"),
    "gsa": _cfg("gsa.md",
                "B. Aiazzi, S. Baronti, M. Selva, 'Improving component substitution pansharpening through "
                "multivariate regression of MS+Pan data', IEEE TGRS 45(10), 2007",
                "Adaptive Gram-Schmidt: regression intensity from the degraded PAN (GSA, CS, toolbox)"),
    "c_gsa": _cfg("c_gsa.md",
                  "R. Restaino, M. Dalla Mura, G. Vivone, J. Chanussot, 'Context-adaptive pansharpening based on "
                  "image segmentation', IEEE TGRS 55(2), 2017",
                  "Context-based GSA: GSA injection gains per k-means cluster (C-GSA, CS, toolbox)"),
    "bdsd": _cfg("bdsd.md",
                 "A. Garzelli, F. Nencini, L. Capobianco, 'Optimal MMSE pan sharpening of very high resolution "
                 "multispectral images', IEEE TGRS 46(1), 2008",
                 "Band-dependent spatial detail: MMSE injection estimated at reduced resolution (BDSD, CS, toolbox)"),
    "bdsd_pc": _cfg("bdsd_pc.md",
                    "G. Vivone, 'Robust band-dependent spatial-detail approaches for panchromatic sharpening', "
                    "IEEE TGRS 57(9), 2019",
                    "BDSD with physically constrained (sign-constrained) coefficients (BDSD-PC, CS, toolbox)"),
    "pracs": _cfg("pracs.md",
                  "J. Choi, K. Yu, Y. Kim, 'A new adaptive component-substitution-based satellite image fusion by "
                  "using partial replacement', IEEE TGRS 49(1), 2011",
                  "Partial replacement adaptive CS (PRACS, CS, toolbox)"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def bt(pretrained: bool = False, **kwargs) -> BT:
    """Brovey transform (toolbox ``Brovey``); ``ratio`` a power of two, any number of bands."""
    return build_model(BT, "bt", pretrained, **kwargs)


@register_model
def bt_h(pretrained: bool = False, **kwargs) -> BTH:
    """Brovey with haze correction (BT-H, toolbox ``BroveyRegHazeMin``)."""
    return build_model(BTH, "bt_h", pretrained, **kwargs)


@register_model
def ihs(pretrained: bool = False, **kwargs) -> IHS:
    """IHS as the toolbox has it (generalised IHS, also ``gihs``), any number of bands; optional ``weights``
    for the intensity."""
    return build_model(IHS, "ihs", pretrained, **kwargs)


register_alias("gihs", "ihs")  # "generalised IHS", Tu et al.'s name for the same method


@register_model
def fihs(pretrained: bool = False, **kwargs) -> FIHS:
    """Fast IHS (Tu et al. 2001) of three bands (RGB)."""
    return build_model(FIHS, "fihs", pretrained, **kwargs)


@register_model
def pca(pretrained: bool = False, **kwargs) -> PCA:
    """PCA component substitution (toolbox ``PCA``)."""
    return build_model(PCA, "pca", pretrained, **kwargs)


@register_model
def gs(pretrained: bool = False, **kwargs) -> GS:
    """Gram-Schmidt (toolbox ``GS``)."""
    return build_model(GS, "gs", pretrained, **kwargs)


@register_model
def gsa(pretrained: bool = False, **kwargs) -> GSA:
    """Adaptive Gram-Schmidt (toolbox ``GSA``)."""
    return build_model(GSA, "gsa", pretrained, **kwargs)


@register_model
def c_gsa(pretrained: bool = False, **kwargs) -> CGSA:
    """Context-based GSA (C-GSA: toolbox ``GS_Segm`` on k-means clusters); ``n_clusters`` (5), ``seed``."""
    return build_model(CGSA, "c_gsa", pretrained, **kwargs)


@register_model
def bdsd(pretrained: bool = False, **kwargs) -> BDSD:
    """Band-dependent spatial detail (toolbox ``BDSD``); ``sensor`` for the MTF filters, ``block_size``."""
    return build_model(BDSD, "bdsd", pretrained, **kwargs)


@register_model
def bdsd_pc(pretrained: bool = False, **kwargs) -> BDSDPC:
    """BDSD with physical constraints (toolbox ``BDSD_PC``); ``sensor`` for the MTF filters."""
    return build_model(BDSDPC, "bdsd_pc", pretrained, **kwargs)


@register_model
def pracs(pretrained: bool = False, **kwargs) -> PRACS:
    """Partial replacement adaptive CS (toolbox ``PRACS``); ``beta`` (0.95)."""
    return build_model(PRACS, "pracs", pretrained, **kwargs)
