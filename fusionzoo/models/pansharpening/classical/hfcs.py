"""High-fidelity component substitution (HFCS): Q. Xu, B. Li, Y. Zhang, L. Ding, "High-fidelity component
substitution pansharpening by the fitting of substitution data", IEEE TGRS 52(11), 7380-7392, 2014 (see also
Q. Xu, Y. Zhang, B. Li, "Recent advances in pansharpening and key problems in applications", IJIDF 5(3), 2014).

A component substitution (CS) scheme ``F_k = MS_k + g_k (P* - I)`` keeps the MS spectra only where the
substitution data ``P*`` have the low-frequency content of the replaced component ``I``; a PAN merely
equalised to ``I`` by global mean and standard deviation does not, so colours shift.  HFCS *fits* the
substitution data to the replaced component instead:

1. the replaced component is the regression intensity ``I = sum_k w_k MS_k + b``: the PAN, low-passed with the
   sensor's MTF-matched filter and decimated to the MS grid (``P_L``), regressed (least squares, with offset) on
   the MS bands -- the global relation between PAN and MS;
2. the PAN is fitted to ``I`` by local linear regression at the MS scale: in every ``(2 radius + 1)^2`` window
   ``I_L ~ a P_L + c`` (ridge ``eps`` on ``a``), the coefficients averaged over the windows covering a pixel (the
   guided-filter estimator), upsampled with ``interp23tap`` and applied to the PAN: ``P* = a P + c``.  At the MS
   scale ``P*`` reproduces ``I`` up to the fit's residual, while keeping the PAN's spatial detail; ``radius=None``
   fits one global ``(a, c)``;
3. substitution with the GS injection gains ``g_k = cov(MS_k, I) / var(I)`` over the upsampled images.

Neither the paper's full text nor its abstract nor code could be reached from the build machine: the steps above
are our reading of its title and of the project's summary of it (fit the substitution data to the substituted
component; the PAN-MS relation by local / global regression); ``model_cards/hfcs.md`` says what is ours.
"""

from __future__ import annotations

import torch

from ....builder import build_model
from ....ops import interp23tap
from ....ops.common import power_of_two_levels
from ....registry import ArchConfig, register_model
from ....sensors import Sensor, get_sensor, is_generic
from ..base import PansharpeningModel
from .multiresolution import mtf_lowpass_decimated

__all__ = ["HFCS", "box_mean"]

_F64 = torch.float64
#: variances below this fraction of the mean square are rounding noise: a flat image, no contrast to fit
_TINY = 1e-20


def box_mean(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over the ``(2 radius + 1)^2`` window around each pixel of (B, C, h, w), the window cut at the image
    border (the mean of the pixels inside it, as the guided filter's ``boxfilter / N``)."""
    k = 2 * radius + 1
    ones = torch.ones_like(x[:, :1])
    pool = torch.nn.functional.avg_pool2d
    s = pool(x, k, stride=1, padding=radius, count_include_pad=True)
    n = pool(ones, k, stride=1, padding=radius, count_include_pad=True)
    return s / n


class HFCS(PansharpeningModel):
    """High-fidelity component substitution (Xu et al. 2014), as read by fusionzoo (see the module docstring).

    ``sensor`` gives the PAN low-pass (the mean of its MS Nyquist gains; 0.3 for an unknown sensor); ``radius``
    (2: 5 x 5 MS pixels) the local fitting window, ``None`` for a global fit; ``eps`` (1e-4, relative to the
    variance of the low-pass PAN) the ridge on the local slope."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 radius: int | None = 2, eps: float = 1e-4, **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        power_of_two_levels(self.ratio, "HFCS", "it upsamples with interp23tap")
        if not is_generic(sensor):
            s = get_sensor(sensor)
            if self.num_bands is not None and self.num_bands != s.num_bands:
                raise ValueError(f"sensor {s.full_name} has {s.num_bands} MS bands, bands={self.num_bands}")
        if radius is not None and int(radius) < 0:
            raise ValueError(f"radius must be >= 0 (or None for a global fit), got {radius}")
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        self.sensor = sensor
        self.radius = None if radius is None else int(radius)
        self.eps = float(eps)

    def extra_repr(self) -> str:
        s = self.sensor.name if isinstance(self.sensor, Sensor) else self.sensor
        return f"ratio={self.ratio}, sensor={s!r}, radius={self.radius}, eps={self.eps}"

    def lowpass_pan(self, pan: torch.Tensor, bands: int) -> torch.Tensor:
        """The PAN MTF-filtered with the mean MS Nyquist gain and decimated to the MS grid (B, 1, h, w)."""
        gains = get_sensor("generic" if is_generic(self.sensor) else self.sensor, num_bands=bands).mtf_ms
        low, _ = mtf_lowpass_decimated(pan, [sum(gains) / len(gains)], self.ratio)
        return low

    def intensity_weights(self, ms: torch.Tensor, pan_low: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Least-squares ``pan_low ~ sum_k w_k ms_k + b`` per image: w (B, C), b (B,), float64."""
        C = ms.shape[1]
        X = torch.cat([ms.flatten(2), torch.ones_like(ms[:, :1].flatten(2))], 1).to(_F64)  # (B, C+1, n)
        y = pan_low.flatten(2).to(_F64)  # (B, 1, n)
        if X.shape[-1] < C + 1:
            raise ValueError(f"HFCS regresses {C + 1} coefficients on {X.shape[-1]} MS pixels: too few; use a larger "
                             f"image")
        sol = (torch.linalg.pinv(X.transpose(1, 2)) @ y.transpose(1, 2))[..., 0]  # (B, C+1); minimum norm if singular
        return sol[:, :C], sol[:, C]

    def fit_coefficients(self, pan_low: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Slope and offset (B, 1, h, w) of the fit ``target ~ a pan_low + c`` (local windows, or global)."""
        if self.radius is None:
            mp, mt = pan_low.mean((2, 3), keepdim=True), target.mean((2, 3), keepdim=True)
            cov = ((pan_low - mp) * (target - mt)).mean((2, 3), keepdim=True)
            var = ((pan_low - mp) ** 2).mean((2, 3), keepdim=True)
            den = var * (1.0 + self.eps)
            flat = den <= _TINY * (pan_low * pan_low).mean((2, 3), keepdim=True)
            a = torch.where(flat, torch.zeros_like(den), cov / torch.where(flat, torch.ones_like(den), den))
            return a.expand_as(pan_low), (mt - a * mp).expand_as(pan_low)
        rad = self.radius
        mp, mt = box_mean(pan_low, rad), box_mean(target, rad)
        cov = box_mean(pan_low * target, rad) - mp * mt
        var = (box_mean(pan_low * pan_low, rad) - mp * mp).clamp_min(0)
        reg = self.eps * pan_low.var((2, 3), keepdim=True, correction=0)
        den = var + reg
        flat = den <= _TINY * (pan_low * pan_low).mean((2, 3), keepdim=True)  # rounding noise, not contrast
        a = torch.where(flat, torch.zeros_like(den), cov / torch.where(flat, torch.ones_like(den), den))
        c = mt - a * mp
        return box_mean(a, rad), box_mean(c, rad)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        dtype = ms.dtype
        ms, pan = ms.to(_F64), pan.to(_F64)
        C = ms.shape[1]
        r = self.ratio
        p_low = self.lowpass_pan(pan, C)
        w, b = self.intensity_weights(ms, p_low)
        i_low = torch.einsum("bchw,bc->bhw", ms, w)[:, None] + b[:, None, None, None]
        a, c = self.fit_coefficients(p_low, i_low)
        p_fit = interp23tap(a, r) * pan + interp23tap(c, r)
        ms_up = interp23tap(ms, r)
        i_up = torch.einsum("bchw,bc->bhw", ms_up, w)[:, None] + b[:, None, None, None]
        ic = i_up - i_up.mean((2, 3), keepdim=True)
        var = (ic * ic).mean((2, 3), keepdim=True)
        cov = (ic * (ms_up - ms_up.mean((2, 3), keepdim=True))).mean((2, 3), keepdim=True)
        flat = var <= _TINY * (i_up * i_up).mean((2, 3), keepdim=True)
        g = torch.where(flat, torch.zeros_like(cov), cov / torch.where(flat, torch.ones_like(var), var))
        return (ms_up + g * (p_fit - i_up)).to(dtype)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "hfcs": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="hfcs.md",
        paper="Q. Xu, B. Li, Y. Zhang, L. Ding, 'High-fidelity component substitution pansharpening by the fitting "
              "of substitution data', IEEE TGRS 52(11), 2014",
        summary="CS whose substitution data (the PAN) are fitted to the regression intensity by local linear "
                "regression at the MS scale, GS injection gains (fusionzoo's reading of the paper)"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def hfcs(pretrained: bool = False, **kwargs) -> HFCS:
    """HFCS (Xu et al. 2014): ``sensor`` (PAN low-pass), ``radius`` (local fit window, None: global), ``eps``."""
    return build_model(HFCS, "hfcs", pretrained, **kwargs)
