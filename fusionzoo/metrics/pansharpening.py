"""Pansharpening quality indices with the conventions of the MATLAB toolbox behind the published numbers
(Vivone et al.), batched torch, CPU or GPU: the indices
only pansharpening uses (Q2n, Khan's D_lambda, QNR and HQNR).  The indices every image task shares (SAM,
ERGAS, Q, SCC, PSNR) are in :mod:`fusionzoo.metrics.image_quality`.

Every function takes (B, C, H, W) tensors (or (C, H, W)) and returns one value per image, a (B,) tensor
(a 0-dim tensor for unbatched input); computations run in float64 whatever the input dtype.

Input scale.  SAM, ERGAS, Q (UIQI), SCC, D_lambda / D_s / QNR of Alparone et al. are invariant to a common
gain, so any scale works.  Q2n (hence Khan's D_lambda and HQNR) casts its inputs to ``uint16`` as the
toolbox does, so it needs digital numbers: pass ``max_value=2**bits - 1`` with inputs in [0, 1], or leave
``max_value=None`` with inputs already at DN scale.  PSNR uses ``data_range`` (default: the peak of each
reference band).

Reduced resolution (with reference): :func:`cut_border` (20 / 21 pixels), then ``q2n`` (32 x 32 blocks),
``q_index``, ``sam``, ``ergas``, ``scc``.  Full resolution: ``hqnr`` = (1 - ``d_lambda_khan``) (1 - ``d_s_qnr``)
and ``qnr`` = (1 - ``d_lambda_qnr``) (1 - ``d_s_qnr``).  Each has a torchmetrics class averaging the
per-image values over everything ``update`` saw.
"""

from __future__ import annotations

import functools
import math
import warnings

import torch
import torch.nn.functional as F

from ..ops import imresize, interp23tap, mtf_filter
from ..sensors import Sensor, get_sensor
from .base import MATLAB_EPS, MeanOverImages, batched, same_shape, squeeze_out

__all__ = [
    "q2n", "d_lambda_khan", "d_lambda_qnr", "d_s_qnr", "qnr", "hqnr", "onion_mult",
    "Q2n", "DLambdaKhan", "DLambdaQNR", "DsQNR", "QNR", "HQNR",
]


def _to_dn(x: torch.Tensor, max_value: float | None) -> torch.Tensor:
    if max_value is None:
        return x
    if x.detach().amax().item() > 4.0:
        warnings.warn("max_value is given but the input already exceeds 4: is it at DN scale already? "
                      "Pass max_value=None for DN inputs.", stacklevel=3)
    return x * float(max_value)


def _uint16(x: torch.Tensor) -> torch.Tensor:
    """MATLAB ``uint16(x)`` (round half away from zero, saturate, NaN -> 0), kept as float64."""
    x = torch.nan_to_num(x, nan=0.0, posinf=65535.0, neginf=0.0).clamp(0.0, 65535.0)
    return torch.floor(x + 0.5)


def _upsampled(ms: torch.Tensor, like: torch.Tensor, ratio: int | None) -> torch.Tensor:
    """``ms`` at the size of ``like``: as is when sizes agree, else interp23tap by the ratio."""
    if ms.shape[-2:] == like.shape[-2:]:
        return ms
    h, w = ms.shape[-2:]
    H, W = like.shape[-2:]
    r = H // h if h else 0
    if (ratio is not None and r != ratio) or r < 2 or r * h != H or r * w != W:
        raise ValueError(f"ms {tuple(ms.shape[-2:])} is neither at the fused size {(H, W)} nor ratio "
                         f"{ratio} below it")
    return interp23tap(ms, r)



# ------------------------------------------------------------------------------------------------ Q2n


def _conj0(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([x[:1], -x[1:]], dim=0)


def _onion_mult0(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Onion product along dimension 0 (contiguous slices: much faster than along the last one)."""
    n = x.shape[0]
    if n == 1:
        return x * y
    h = n // 2
    a, b = x[:h], _conj0(x[h:])
    c, d = y[:h], _conj0(y[h:])
    if n == 2:
        return torch.cat([a * c - d * b, a * d + c * b], dim=0)
    first = _onion_mult0(a, c) - _onion_mult0(d, _conj0(b))
    second = _onion_mult0(_conj0(a), d) + _onion_mult0(c, b)
    return torch.cat([first, second], dim=0)


def onion_mult(x: torch.Tensor, y: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Hypercomplex ("onion", Cayley-Dickson) product of ``x`` and ``y`` along ``dim``, whose size is a
    power of two: 1 real, 2 complex, 4 quaternion, 8 octonion ... (toolbox ``onion_mult``: the second
    half of each operand enters conjugated, so that for size 2 it is the complex product)."""
    n = x.shape[dim]
    if n & (n - 1):
        raise ValueError(f"onion_mult needs a power-of-two size, got {n}")
    x, y = torch.broadcast_tensors(x, y)
    return _onion_mult0(x.movedim(dim, 0), y.movedim(dim, 0)).movedim(0, dim)


@functools.lru_cache(maxsize=8)
def _onion_table(n: int) -> torch.Tensor:
    """Structure constants T (n, n, n) of the onion product: (x y)_k = sum_ij T[k, i, j] x_i y_j."""
    e = torch.eye(n, dtype=torch.float64)
    return _onion_mult0(e[:, :, None].expand(n, n, n), e[:, None, :].expand(n, n, n))


def _onions_quality(ref: torch.Tensor, fus: torch.Tensor) -> torch.Tensor:
    """Hypercomplex quality of blocks: ``ref``, ``fus`` (N, K, P) (N bands, a power of two; K blocks; P
    pixels).  Returns (N, K) (toolbox ``onions_quality``)."""
    P = ref.shape[-1]
    c = P / (P - 1.0)
    # block normalisation with the reference's band mean and (N-1) std; a zero mean leaves fus unscaled
    s = ref.mean(-1, keepdim=True)
    t = ref.std(-1, keepdim=True)
    t = torch.where(t == 0, torch.full_like(t, MATLAB_EPS), t)
    d1 = (ref - s) / t + 1.0
    d2 = torch.where(s == 0, fus - s + 1.0, (fus - s) / t + 1.0)
    d2 = _conj0(d2)
    m1, m2 = d1.mean(-1), d2.mean(-1)  # (N, K)
    mod1m2 = (m1 * m1).sum(0)
    mod2m2 = (m2 * m2).sum(0)
    term2 = torch.sqrt(mod1m2) * torch.sqrt(mod2m2)
    term4 = mod1m2 + mod2m2
    int1 = c * (d1 * d1).sum(0).mean(-1)
    int2 = c * (d2 * d2).sum(0).mean(-1)
    term3 = int1 + int2 - c * (mod1m2 + mod2m2)
    mean_bias = 2.0 * term2 / term4
    # the product is bilinear: the block mean of d1 * d2 only needs the band cross-moments
    T = _onion_table(ref.shape[0]).to(ref.device)
    cross = torch.matmul(d1.transpose(0, 1), d2.permute(1, 2, 0)) / P  # (K, N, N): mean_p d1_i d2_j
    qv = c * torch.einsum("kij,bij->kb", T, cross)
    qm = torch.einsum("kij,ib,jb->kb", T, m1, m2)
    flat = term3 == 0
    cbm = 2.0 / torch.where(flat, torch.ones_like(term3), term3)
    q = (qv - c * qm) * (mean_bias * cbm)
    q_flat = torch.zeros_like(q)
    q_flat[-1] = mean_bias
    return torch.where(flat, q_flat, q)


def _q2n_dn(ref: torch.Tensor, fus: torch.Tensor, block_size: int, shift: int, chunk: int = 4096) -> torch.Tensor:
    """Q2n of DN-scale (B, C, H, W) float64 tensors, reference first (toolbox ``q2n(I_GT, I_F, S, S)``)."""
    B, C, H, W = ref.shape
    stepx, stepy = math.ceil(H / shift), math.ceil(W / shift)
    est1 = (stepx - 1) * shift + block_size - H
    est2 = (stepy - 1) * shift + block_size - W
    if est1 < 0 or est2 < 0 or est1 > H or est2 > W:
        raise ValueError(f"cannot tile a {H} x {W} image with {block_size} blocks every {shift}")
    if est1 or est2:
        # mirror the last columns, then the last rows (the edge pixel included)
        iw = torch.cat([torch.arange(W), torch.arange(W - 1, W - 1 - est2, -1)]).to(ref.device)
        ih = torch.cat([torch.arange(H), torch.arange(H - 1, H - 1 - est1, -1)]).to(ref.device)
        ref = ref.index_select(3, iw).index_select(2, ih)
        fus = fus.index_select(3, iw).index_select(2, ih)
    ref, fus = _uint16(ref), _uint16(fus)
    n3 = 1 << max(0, math.ceil(math.log2(C)))
    if n3 != C:
        ref = F.pad(ref, (0, 0, 0, 0, 0, n3 - C))
        fus = F.pad(fus, (0, 0, 0, 0, 0, n3 - C))

    def blocks(x):  # (B, N, Hp, Wp) -> (N, B * nb, P)
        u = x.unfold(2, block_size, shift).unfold(3, block_size, shift)  # B, N, ny, nx, bs, bs
        return u.transpose(0, 1).reshape(x.shape[1], -1, block_size * block_size)

    rb, fb = blocks(ref), blocks(fus)
    q = torch.cat([_onions_quality(rb[:, i:i + chunk], fb[:, i:i + chunk])
                   for i in range(0, rb.shape[1], chunk)], dim=1)
    mod = torch.sqrt((q * q).sum(0)).reshape(B, -1)
    return mod.mean(1)


def q2n(fused: torch.Tensor, ref: torch.Tensor, block_size: int = 32, shift: int | None = None,
        max_value: float | None = None) -> torch.Tensor:
    """Q2n (Q4 for 4 bands, Q8 for 8, any band count), toolbox ``q2n(I_GT, I_F, 32, 32)``.

    The images are mirror-padded at the bottom/right to a whole number of ``block_size`` blocks taken
    every ``shift`` (default ``block_size``) pixels, cast to ``uint16`` (rounded, saturated), the bands
    zero-padded to a power of two; each block gets the modulus of the hypercomplex quality (bands
    normalised by the reference block's mean and std), and Q2n is their mean.  DN scale matters because of
    the cast: give DN inputs, or [0, 1] inputs and ``max_value`` (e.g. 2047 for 11 bits).
    """
    same_shape(fused, ref)
    squeeze, (f, r) = batched(fused, ref)
    f, r = _to_dn(f, max_value), _to_dn(r, max_value)
    return squeeze_out(_q2n_dn(r, f, block_size, block_size if shift is None else shift), squeeze)


# ---------------------------------------------------------------------------------- without reference


def _uqi_blocks(x: torch.Tensor, y: torch.Tensor, block_size: int) -> torch.Tensor:
    """Mean over disjoint ``block_size`` blocks of the plain UIQI formula (the toolbox ``uqi`` run with
    ``blockproc``): (B, C, H, W) pairs -> (B, C).  Flat blocks give NaN, as in the toolbox."""
    B, C, H, W = x.shape
    if H % block_size or W % block_size:
        raise ValueError(f"image size {(H, W)} must be a multiple of the block size {block_size}")
    n = block_size * block_size

    def blk(t):
        return t.reshape(B, C, H // block_size, block_size, W // block_size, block_size).transpose(3, 4) \
            .reshape(B, C, -1, n)

    xb, yb = blk(x), blk(y)
    mx, my = xb.mean(-1), yb.mean(-1)
    xc, yc = xb - mx[..., None], yb - my[..., None]
    cxy = (xc * yc).sum(-1) / (n - 1)
    vx, vy = (xc * xc).sum(-1) / (n - 1), (yc * yc).sum(-1) / (n - 1)
    q = 4.0 * cxy * mx * my / (vx + vy) / (mx * mx + my * my)
    return q.mean(-1)


def d_lambda_khan(fused: torch.Tensor, ms: torch.Tensor, sensor: str | Sensor, ratio: int | None = None,
                  block_size: int = 32, max_value: float | None = None) -> torch.Tensor:
    """Khan's spectral distortion (toolbox ``D_lambda_K``): 1 - Q2n(upsampled MS, MTF-filtered fused),
    ``block_size`` blocks.  ``ms`` is the MS upsampled to the fused size (``interp23tap``) or the original
    MS (then upsampled here with ``interp23tap``).  The fused image is filtered with the sensor's MS MTF
    filters.  DN scale (see :func:`q2n` for ``max_value``); sizes must be multiples of ``block_size``."""
    s = get_sensor(sensor, num_bands=fused.shape[-3])
    ratio = s.ratio if ratio is None else int(ratio)
    squeeze, (f, m) = batched(fused, ms)
    m = _upsampled(m, f, ratio)
    same_shape(f, m, "fused and upsampled ms")
    H, W = f.shape[-2:]
    if H % block_size or W % block_size:
        raise ValueError(f"image size {(H, W)} must be a multiple of the block size {block_size}")
    f, m = _to_dn(f, max_value), _to_dn(m, max_value)
    fd = mtf_filter(f, s, ratio)
    return squeeze_out(1.0 - _q2n_dn(m, fd, block_size, block_size), squeeze)


def d_lambda_qnr(fused: torch.Tensor, ms: torch.Tensor, block_size: int = 32, p: float = 1.0,
                 ratio: int | None = None) -> torch.Tensor:
    """QNR spectral distortion (toolbox 1.0 ``D_lambda``): over the band pairs i < j,
    (mean |Q(F_i, F_j) - Q(M_i, M_j)|^p)^(1/p), Q the UIQI averaged over disjoint ``block_size`` blocks,
    M the MS upsampled to the fused size (pass it, or the original MS with ``ratio`` to upsample it with
    ``interp23tap``).  Any scale; sizes must be multiples of ``block_size``."""
    squeeze, (f, m) = batched(fused, ms)
    m = _upsampled(m, f, ratio)
    same_shape(f, m, "fused and upsampled ms")
    C = f.shape[1]
    if C < 2:
        raise ValueError("D_lambda needs at least two bands")
    i, j = torch.triu_indices(C, C, 1)
    qf = _uqi_blocks(f[:, i], f[:, j], block_size)
    qm = _uqi_blocks(m[:, i], m[:, j], block_size)
    return squeeze_out(((qf - qm).abs() ** p).mean(1) ** (1.0 / p), squeeze)


def d_s_qnr(fused: torch.Tensor, ms: torch.Tensor, pan: torch.Tensor, ratio: int = 4, block_size: int = 32,
            q: float = 1.0) -> torch.Tensor:
    """QNR / HQNR spatial distortion (toolbox 1.0 ``D_s``): per band,
    |Q(F_b, PAN) - Q(M_b, PAN_LP)|, Q the UIQI averaged over disjoint ``block_size`` blocks, M the upsampled
    MS, PAN_LP = interp23tap(imresize(PAN, 1/ratio), ratio) (the PAN reduced, bicubic, and re-upsampled);
    D_s = (mean_b |.|^q)^(1/q).  ``ms`` may be the upsampled or the original MS.  Any scale."""
    squeeze, (f, m, pn) = batched(fused, ms, pan)
    m = _upsampled(m, f, ratio)
    same_shape(f, m, "fused and upsampled ms")
    if pn.shape[1] != 1 or pn.shape[-2:] != f.shape[-2:] or pn.shape[0] != f.shape[0]:
        raise ValueError(f"pan must be (B, 1, H, W) at the fused size, got {tuple(pan.shape)}")
    H, W = pn.shape[-2:]
    if H % ratio or W % ratio:
        raise ValueError(f"pan size {(H, W)} must be divisible by the ratio {ratio}")
    pan_lp = interp23tap(imresize(pn, 1.0 / ratio), ratio)
    C = f.shape[1]
    q_high = _uqi_blocks(f, pn.expand(-1, C, -1, -1), block_size)
    q_low = _uqi_blocks(m, pan_lp.expand(-1, C, -1, -1), block_size)
    return squeeze_out(((q_high - q_low).abs() ** q).mean(1) ** (1.0 / q), squeeze)


def qnr(fused: torch.Tensor, ms: torch.Tensor, pan: torch.Tensor, ratio: int = 4, block_size: int = 32,
        p: float = 1.0, q: float = 1.0, alpha: float = 1.0, beta: float = 1.0,
        return_components: bool = False):
    """QNR = (1 - D_lambda)^alpha (1 - D_s)^beta with :func:`d_lambda_qnr` and :func:`d_s_qnr` (toolbox
    ``QNR``).  With ``return_components`` returns (QNR, D_lambda, D_s).  Any scale."""
    dl = d_lambda_qnr(fused, ms, block_size, p, ratio)
    ds = d_s_qnr(fused, ms, pan, ratio, block_size, q)
    v = (1 - dl) ** alpha * (1 - ds) ** beta
    return (v, dl, ds) if return_components else v


def hqnr(fused: torch.Tensor, ms: torch.Tensor, pan: torch.Tensor, sensor: str | Sensor,
         ratio: int | None = None, block_size: int = 32, max_value: float | None = None,
         return_components: bool = False):
    """Hybrid QNR (toolbox ``HQNR``) = (1 - D_lambda Khan) (1 - D_s), :func:`d_lambda_khan` and
    :func:`d_s_qnr` (D_s against the PAN reduced and re-upsampled).  ``ms`` upsampled or original; DN
    scale for the Khan term (``max_value`` as in :func:`q2n`).  With ``return_components`` returns
    (HQNR, D_lambda, D_s)."""
    s = get_sensor(sensor, num_bands=fused.shape[-3])
    ratio = s.ratio if ratio is None else int(ratio)
    dl = d_lambda_khan(fused, ms, s, ratio, block_size, max_value)
    ds = d_s_qnr(fused, ms, pan, ratio, block_size)
    v = (1 - dl) * (1 - ds)
    return (v, dl, ds) if return_components else v


# ------------------------------------------------------------------------------ torchmetrics classes


class Q2n(MeanOverImages):
    """Mean of :func:`q2n` over the images passed to ``update(preds, target)`` (DN scale or
    ``max_value``)."""

    higher_is_better = True

    def __init__(self, block_size: int = 32, shift: int | None = None, max_value: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.block_size, self.shift, self.max_value = block_size, shift, max_value

    def _value(self, preds, target):
        return q2n(preds, target, self.block_size, self.shift, self.max_value)


class DLambdaKhan(MeanOverImages):
    """Mean of :func:`d_lambda_khan` over ``update(preds, ms)`` calls."""

    higher_is_better = False

    def __init__(self, sensor: str | Sensor, ratio: int | None = None, block_size: int = 32,
                 max_value: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sensor, self.ratio, self.block_size, self.max_value = sensor, ratio, block_size, max_value

    def _value(self, preds, ms):
        return d_lambda_khan(preds, ms, self.sensor, self.ratio, self.block_size, self.max_value)


class DLambdaQNR(MeanOverImages):
    """Mean of :func:`d_lambda_qnr` over ``update(preds, ms)`` calls."""

    higher_is_better = False

    def __init__(self, block_size: int = 32, p: float = 1.0, ratio: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.block_size, self.p, self.ratio = block_size, p, ratio

    def _value(self, preds, ms):
        return d_lambda_qnr(preds, ms, self.block_size, self.p, self.ratio)


class DsQNR(MeanOverImages):
    """Mean of :func:`d_s_qnr` over ``update(preds, ms, pan)`` calls."""

    higher_is_better = False

    def __init__(self, ratio: int = 4, block_size: int = 32, q: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.ratio, self.block_size, self.q = ratio, block_size, q

    def _value(self, preds, ms, pan):
        return d_s_qnr(preds, ms, pan, self.ratio, self.block_size, self.q)


class QNR(MeanOverImages):
    """Mean of :func:`qnr` over ``update(preds, ms, pan)`` calls."""

    higher_is_better = True

    def __init__(self, ratio: int = 4, block_size: int = 32, p: float = 1.0, q: float = 1.0,
                 alpha: float = 1.0, beta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.ratio, self.block_size, self.p, self.q, self.alpha, self.beta = ratio, block_size, p, q, alpha, beta

    def _value(self, preds, ms, pan):
        return qnr(preds, ms, pan, self.ratio, self.block_size, self.p, self.q, self.alpha, self.beta)


class HQNR(MeanOverImages):
    """Mean of :func:`hqnr` over ``update(preds, ms, pan)`` calls."""

    higher_is_better = True

    def __init__(self, sensor: str | Sensor, ratio: int | None = None, block_size: int = 32,
                 max_value: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sensor, self.ratio, self.block_size, self.max_value = sensor, ratio, block_size, max_value

    def _value(self, preds, ms, pan):
        return hqnr(preds, ms, pan, self.sensor, self.ratio, self.block_size, self.max_value)
