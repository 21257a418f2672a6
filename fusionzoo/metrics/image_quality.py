"""Image-quality indices every image task shares (pansharpening, HS-MS fusion): SAM, ERGAS, PSNR, Q (UIQI),
SCC and the reduced-resolution border cut, with the conventions of the MATLAB toolbox behind the published
pansharpening numbers (Vivone et al.), batched torch, CPU or GPU.

Every function takes (B, C, H, W) tensors (or (C, H, W)) and returns one value per image, a (B,) tensor (a
0-dim tensor for unbatched input); computations run in float64 whatever the input dtype.  SAM, ERGAS, Q and
SCC are invariant to a common gain, so any scale works; PSNR uses ``data_range`` (default: the peak of each
reference band).  Each has a torchmetrics class averaging the per-image values over everything ``update`` saw.

The HS-fusion indices (SSIM, the toolbox UIQI, sewar's "UQI" of CUCaNet's logs, CC, RMSE) follow; each
docstring states its convention and which library or code it equals.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .base import MeanOverImages, batched, same_shape, squeeze_out

__all__ = ["cut_border", "sam", "ergas", "psnr", "q_index", "scc", "SAM", "ERGAS", "PSNR", "QIndex", "SCC",
           "ssim", "uiqi", "uqi_sewar", "cc", "rmse", "SSIM", "UIQI", "UQISewar", "CC", "RMSE"]


def cut_border(x: torch.Tensor, top_left: int = 20, bottom_right: int = 21) -> torch.Tensor:
    """Drop ``top_left`` rows/columns at the top/left and ``bottom_right`` at the bottom/right
    (the toolbox's ``dim_cut = 21``: 256 -> 215)."""
    H, W = x.shape[-2:]
    if top_left + bottom_right >= min(H, W):
        raise ValueError(f"cannot cut {top_left} + {bottom_right} pixels from a {H} x {W} image")
    return x[..., top_left:H - bottom_right, top_left:W - bottom_right]





def sam(fused: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Spectral Angle Mapper in degrees: mean over the pixels where both spectra have non-zero norm of
    ``acos(<f, r> / (|f| |r|))`` (toolbox ``SAM``; NaN when no pixel qualifies).  Any scale."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    dot = (f * r).sum(1)
    nrm = torch.sqrt((f * f).sum(1) * (r * r).sum(1))
    valid = nrm != 0
    ang = torch.acos((dot / torch.where(valid, nrm, torch.ones_like(nrm))).clamp(-1.0, 1.0))
    ang = torch.where(valid, ang, torch.zeros_like(ang))
    n = valid.flatten(1).sum(1)
    return squeeze_out(ang.flatten(1).sum(1) / n * (180.0 / math.pi), squeeze)


def ergas(fused: torch.Tensor, ref: torch.Tensor, ratio: float = 4) -> torch.Tensor:
    """ERGAS = 100 / ratio * sqrt(mean_b(MSE_b / mean(ref_b)^2)) (toolbox ``ERGAS``).  Any scale.

    ``ratio`` is the ground-sampling-distance ratio between the low- and the high-resolution input (Wald's
    h/l = 1 / ratio): 4 for pansharpening, the HS/MS ratio for HS-MS fusion (e.g. 32 for CAVE x32; HySure's
    ``quality_assessment`` passes 1/ratio and multiplies, the same value).  Published HS numbers are not
    always so: CUCaNet's logs use ratio 16 at x32 (twice the value this gives with 32), and torchmetrics
    before its fix of issue #2497 multiplied by the ratio."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    mse = ((f - r) ** 2).mean((2, 3))
    mu = r.mean((2, 3))
    return squeeze_out(100.0 / ratio * torch.sqrt((mse / mu**2).mean(1)), squeeze)


def psnr(fused: torch.Tensor, ref: torch.Tensor, data_range: float | None = None) -> torch.Tensor:
    """PSNR in dB, per band ``10 log10(peak^2 / MSE_b)`` averaged over the bands; ``peak`` is
    ``data_range`` when given, else the maximum of each reference band."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    mse = ((f - r) ** 2).mean((2, 3))
    peak = r.amax((2, 3)) if data_range is None else torch.full_like(mse, float(data_range))
    return squeeze_out((10.0 * torch.log10(peak**2 / mse)).mean(1), squeeze)


def _box_sum(x: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """Sums over ``size x size`` windows every ``stride`` pixels (valid), separable; exact for
    integer-valued (DN) data, like MATLAB's ``filter2``."""
    return x.unfold(2, size, stride).sum(-1).unfold(3, size, stride).sum(-1)


def _uiqi_map(x: torch.Tensor, y: torch.Tensor, block_size: int, stride: int) -> torch.Tensor:
    """Wang & Bovik ``img_qi`` quality map over ``block_size`` windows every ``stride`` pixels."""
    n = float(block_size * block_size)
    sx, sy = _box_sum(x, block_size, stride), _box_sum(y, block_size, stride)
    sxx, syy = _box_sum(x * x, block_size, stride), _box_sum(y * y, block_size, stride)
    sxy = _box_sum(x * y, block_size, stride)
    mul = sx * sy
    sq_mul = sx * sx + sy * sy
    num = 4.0 * (n * sxy - mul) * mul
    den1 = n * (sxx + syy) - sq_mul
    den = den1 * sq_mul
    q = torch.ones_like(den)
    idx = (den1 == 0) & (sq_mul != 0)
    q = torch.where(idx, 2.0 * mul / torch.where(idx, sq_mul, torch.ones_like(sq_mul)), q)
    ok = den != 0
    return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), q)


def q_index(fused: torch.Tensor, ref: torch.Tensor, block_size: int = 32, stride: int = 1) -> torch.Tensor:
    """Universal Image Quality Index (Q), averaged over the bands (toolbox ``Q`` -> ``img_qi(.., 32)``).

    Per band, UIQI = 4 cov(x, y) mean(x) mean(y) / ((var x + var y)(mean(x)^2 + mean(y)^2)) on every
    ``block_size`` window (the toolbox slides it by one pixel: ``stride=1``; ``stride=block_size`` gives
    disjoint blocks), averaged over the windows.  Flat windows follow ``img_qi``: when the variance term is
    0 the value is 2 mx my / (mx^2 + my^2), when everything is 0 it is 1.  Any scale.
    """
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    if min(f.shape[-2:]) < block_size:
        raise ValueError(f"image {tuple(f.shape[-2:])} smaller than the block size {block_size}")
    return squeeze_out(_uiqi_map(r, f, block_size, stride).mean((1, 2, 3)), squeeze)


def scc(fused: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Spatial correlation coefficient (toolbox ``SCC``): Sobel gradient magnitude of each band of the
    interior (one pixel dropped on every side, then filtered with zero padding), correlated without mean
    removal over all bands: sum(Gf Gr) / sqrt(sum(Gf^2) sum(Gr^2)).  Any scale."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)

    def grad(x):
        x = x[..., 1:-1, 1:-1]
        B, C, H, W = x.shape
        k = x.new_tensor([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])
        w = torch.stack([k, k.T])[:, None]
        g = F.conv2d(x.reshape(B * C, 1, H, W), w, padding=1)
        return torch.sqrt((g**2).sum(1)).reshape(B, C, H, W)

    gf, gr = grad(f), grad(r)
    num = (gf * gr).sum((1, 2, 3))
    return squeeze_out(num / torch.sqrt((gf**2).sum((1, 2, 3))) / torch.sqrt((gr**2).sum((1, 2, 3))), squeeze)



# ------------------------------------------------------------------------------ torchmetrics classes


class SAM(MeanOverImages):
    """Mean of :func:`sam` over the images passed to ``update(preds, target)``."""

    higher_is_better = False

    def _value(self, preds, target):
        return sam(preds, target)


class ERGAS(MeanOverImages):
    """Mean of :func:`ergas` (``ratio``) over the images passed to ``update(preds, target)``."""

    higher_is_better = False

    def __init__(self, ratio: float = 4, **kwargs):
        super().__init__(**kwargs)
        self.ratio = ratio

    def _value(self, preds, target):
        return ergas(preds, target, self.ratio)


class PSNR(MeanOverImages):
    """Mean of :func:`psnr` over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def __init__(self, data_range: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_range = data_range

    def _value(self, preds, target):
        return psnr(preds, target, self.data_range)


class QIndex(MeanOverImages):
    """Mean of :func:`q_index` over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def __init__(self, block_size: int = 32, stride: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.block_size, self.stride = block_size, stride

    def _value(self, preds, target):
        return q_index(preds, target, self.block_size, self.stride)


class SCC(MeanOverImages):
    """Mean of :func:`scc` over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def _value(self, preds, target):
        return scc(preds, target)


# ------------------------------------------------------------------- HS-fusion indices (SSIM, UIQI, CC, RMSE)


def _filter_valid(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Separable 'valid' filtering of the last two axes with the 1-D weights ``w`` (sum of shifted slices)."""
    k = w.numel()
    H, W = x.shape[-2:]
    acc = None
    for t, wt in enumerate(w.tolist()):
        term = x[..., t:t + H - k + 1, :] * wt
        acc = term if acc is None else acc + term
    out = None
    for t, wt in enumerate(w.tolist()):
        term = acc[..., t:t + W - k + 1] * wt
        out = term if out is None else out + term
    return out


def _band_range(x: torch.Tensor) -> torch.Tensor:
    return (x.amax((2, 3)) - x.amin((2, 3)))[..., None, None]


def ssim(fused: torch.Tensor, ref: torch.Tensor, data_range: float | str = 1.0, window: str = "gaussian",
         win_size: int | None = None, sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         use_sample_covariance: bool | None = None, padding: str = "valid") -> torch.Tensor:
    """Structural similarity (Wang et al. 2004), per band, averaged over the bands.

    ``padding="valid"`` (default, scikit-image): local means, variances and covariance are taken in windows
    lying wholly inside the image (a border of half a window is left out) and the SSIM map is averaged.
    ``padding="reflect"`` (torchmetrics 1.x): the images are first mirror-padded by half a window (edge pixel
    not repeated) so the map covers every pixel.

    - ``window="gaussian"`` (default): 11 x 11 Gaussian, sigma 1.5 (``win_size`` default 11), population
      covariances: equal to scikit-image ``structural_similarity(.., gaussian_weights=True, sigma=1.5,
      use_sample_covariance=False, data_range=L)``, and with ``padding="reflect"`` to torchmetrics
      ``structural_similarity_index_measure(.., data_range=L)``.
    - ``window="uniform"``: a ``win_size`` (default 7) box with sample covariances (N / (N - 1)), which is
      scikit-image's default ``structural_similarity(.., data_range=L)``.

    ``data_range`` L sets C1 = (k1 L)^2 and C2 = (k2 L)^2: a number (default 1, for [0, 1] data), ``"ref"``
    (each reference band's max - min) or ``"fused"`` (each fused band's max - min: CUCaNet's logs, which call
    scikit-image's default per band with ``data_range = P.max() - P.min()``, i.e. ``window="uniform"``).
    """
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    if window not in ("gaussian", "uniform"):
        raise ValueError(f"unknown SSIM window {window!r}: use 'gaussian' or 'uniform'")
    if win_size is None:
        win_size = 11 if window == "gaussian" else 7
    if win_size < 2 or min(f.shape[-2:]) < win_size:
        raise ValueError(f"SSIM window {win_size} does not fit an image of size {tuple(f.shape[-2:])}")
    if use_sample_covariance is None:
        use_sample_covariance = window == "uniform"
    if padding not in ("valid", "reflect"):
        raise ValueError(f"unknown SSIM padding {padding!r}: use 'valid' (scikit-image) or 'reflect' (torchmetrics)")
    if window == "gaussian":
        t = torch.arange(win_size, dtype=torch.float64) - (win_size - 1) / 2
        w = torch.exp(-t**2 / (2.0 * sigma * sigma))
        w = w / w.sum()
    else:
        w = torch.full((win_size,), 1.0 / win_size, dtype=torch.float64)
    if isinstance(data_range, str):
        if data_range not in ("ref", "fused"):
            raise ValueError(f"data_range must be a number, 'ref' or 'fused', got {data_range!r}")
        L = _band_range(r if data_range == "ref" else f)
    else:
        L = torch.tensor(float(data_range), dtype=torch.float64)
    c1, c2 = (k1 * L) ** 2, (k2 * L) ** 2
    if padding == "reflect":
        p = (win_size - 1) // 2
        if min(f.shape[-2:]) <= p:
            raise ValueError(f"image {tuple(f.shape[-2:])} too small to mirror-pad by {p}")
        f, r = (F.pad(t, (p, win_size - 1 - p, p, win_size - 1 - p), mode="reflect") for t in (f, r))
    n = win_size * win_size
    cov_norm = n / (n - 1.0) if use_sample_covariance else 1.0
    mf, mr = _filter_valid(f, w), _filter_valid(r, w)
    vf = cov_norm * (_filter_valid(f * f, w) - mf * mf)
    vr = cov_norm * (_filter_valid(r * r, w) - mr * mr)
    cfr = cov_norm * (_filter_valid(f * r, w) - mf * mr)
    s = ((2 * mf * mr + c1) * (2 * cfr + c2)) / ((mf * mf + mr * mr + c1) * (vf + vr + c2))
    return squeeze_out(s.mean((1, 2, 3)), squeeze)


def uiqi(fused: torch.Tensor, ref: torch.Tensor, block_size: int = 32, stride: int = 1) -> torch.Tensor:
    """Universal Image Quality Index as the Yokoya HS-MS toolbox (``QualityIndices``) and HySure
    (``quality_assessment``) compute it: per band Wang & Bovik's ``img_qi(ref_b, fused_b, 32)``, which filters
    with a 32 x 32 box ``'valid'`` (windows sliding by one pixel, not disjoint blocks) and averages the quality
    map; then the mean over the bands.  ``stride=block_size`` gives disjoint blocks instead.  Same numbers as
    :func:`q_index` (the pansharpening Q).  Any scale.  Not the value of :func:`uqi_sewar` (CUCaNet's "UQI")."""
    return q_index(fused, ref, block_size, stride)


def uqi_sewar(fused: torch.Tensor, ref: torch.Tensor, ws: int = 8) -> torch.Tensor:
    """``sewar.full_ref.uqi(GT, P, ws)`` (sewar 0.4.6), the "UQI" of CUCaNet's logs, reproduced: per band a
    ``ws`` sliding window of local *means* (``scipy.ndimage.uniform_filter``) put into img_qi's formula,
    which expects window *sums* (``N = ws^2`` multiplies the mean of products), so this is not Wang & Bovik's
    index: it is close to the product of the uncentred correlation and the luminance term and higher than
    :func:`uiqi` for the same pair.  The map is cropped by ``round(ws / 2)`` on every side (so only whole
    windows count, the last one along each axis excluded for even ``ws``) and averaged, then over the bands.
    Kept for comparing with published CUCaNet numbers only."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    H, W = f.shape[-2:]
    s = int(round(ws / 2))  # Python rounds half to even, as numpy's round
    first, last_h, last_w = s - ws // 2, H - 1 - s - ws // 2, W - 1 - s - ws // 2
    if last_h < first or last_w < first:
        raise ValueError(f"image {H} x {W} too small for sewar's uqi with ws={ws}")
    n = float(ws * ws)

    def mean(x):
        return _box_sum(x, ws, 1)[..., first:last_h + 1, first:last_w + 1] / n

    gt_m, p_m = mean(r), mean(f)
    gt_sq, p_sq, gt_p = mean(r * r), mean(f * f), mean(r * f)
    mul = gt_m * p_m
    sq_mul = gt_m * gt_m + p_m * p_m
    num = 4.0 * (n * gt_p - mul) * mul
    den1 = n * (gt_sq + p_sq) - sq_mul
    den = den1 * sq_mul
    q = torch.ones_like(den)
    idx = (den1 == 0) & (sq_mul != 0)
    q = torch.where(idx, 2.0 * mul / torch.where(idx, sq_mul, torch.ones_like(sq_mul)), q)
    ok = den != 0
    q = torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), q)
    return squeeze_out(q.mean((1, 2, 3)), squeeze)


def cc(fused: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Cross-correlation: per band the Pearson correlation coefficient of the fused and reference pixels
    (``numpy.corrcoef``), averaged over the bands (UDALN's ``compute_cc``; Loncan et al. 2015).  A constant
    band gives NaN.  Any scale."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    fc = f - f.mean((2, 3), keepdim=True)
    rc = r - r.mean((2, 3), keepdim=True)
    c = (fc * rc).sum((2, 3)) / torch.sqrt((fc * fc).sum((2, 3)) * (rc * rc).sum((2, 3)))
    return squeeze_out(c.mean(1), squeeze)


def rmse(fused: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Root-mean-square error over all pixels and bands, ``sqrt(mean((fused - ref)^2))``, in the data's units
    (HySure's ``rmse_total``, UDALN's ``compute_rmse``; scale [0, 1] data by 255 for the 8-bit convention)."""
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    return squeeze_out(torch.sqrt(((f - r) ** 2).mean((1, 2, 3))), squeeze)


class SSIM(MeanOverImages):
    """Mean of :func:`ssim` (same keyword arguments) over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def __init__(self, data_range: float | str = 1.0, window: str = "gaussian", win_size: int | None = None,
                 sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03, use_sample_covariance: bool | None = None,
                 padding: str = "valid", **kwargs):
        super().__init__(**kwargs)
        self.ssim_kwargs = dict(data_range=data_range, window=window, win_size=win_size, sigma=sigma, k1=k1,
                                k2=k2, use_sample_covariance=use_sample_covariance, padding=padding)

    def _value(self, preds, target):
        return ssim(preds, target, **self.ssim_kwargs)


class UIQI(MeanOverImages):
    """Mean of :func:`uiqi` over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def __init__(self, block_size: int = 32, stride: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.block_size, self.stride = block_size, stride

    def _value(self, preds, target):
        return uiqi(preds, target, self.block_size, self.stride)


class UQISewar(MeanOverImages):
    """Mean of :func:`uqi_sewar` over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def __init__(self, ws: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.ws = ws

    def _value(self, preds, target):
        return uqi_sewar(preds, target, self.ws)


class CC(MeanOverImages):
    """Mean of :func:`cc` over the images passed to ``update(preds, target)``."""

    higher_is_better = True

    def _value(self, preds, target):
        return cc(preds, target)


class RMSE(MeanOverImages):
    """Mean of the per-image :func:`rmse` over the images passed to ``update(preds, target)``."""

    higher_is_better = False

    def _value(self, preds, target):
        return rmse(preds, target)
