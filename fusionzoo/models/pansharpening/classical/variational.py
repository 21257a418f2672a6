"""TV: total-variation pansharpening (Palsson, Sveinsson, Ulfarsson 2014), as the pansharpening toolbox runs it.

F. Palsson, J. R. Sveinsson, M. O. Ulfarsson, "A new pansharpening algorithm based on total variation", IEEE GRSL
11(1), 2014.  The fused image ``x`` (C bands on the PAN grid) minimises

    J(x) = ||y_ms - A x||^2 + ||y_pan - sum_b w_b x_b||^2 + lambda sum_b sum_pixels |grad x_b|

(``A`` the per-band ``imresize(., 1/ratio, 'bilinear')``, ``w`` the PAN's spectral weights), by
majorisation-minimisation: from ``x = 0``, each of ``iterations`` steps computes

    b = alpha x + M^T (y - M x)                               (M = [A; w^T], M^T the toolbox's "adjoint")
    z = (D b + Q z) / (2 alpha / lambda |grad x| + c)          (one step of the inner fixed point)
    x = (b - D^T z) / alpha

with ``D = [Dx; Dy]`` forward differences (zero last column / row), ``|grad x|`` per band and pixel.  This is the
toolbox's ``TV_pansharpen.m`` (Vivone et al., "A new benchmark based on recent advances in multispectral
pansharpening", IEEE GRSM 9(1), 2021), called on the raw low-resolution MS and the PAN with the reduced-resolution
demo's per-sensor ``w``, ``alpha``, ``lambda``, ``c`` and iteration counts (:data:`TV_PARAMETERS`).

``toolbox=True`` (default) reproduces its code exactly, quirks included: ``M^T`` is the bilinear ``imresize(.,
ratio)`` (not the transpose of the antialiased reduction); ``Q z = D D^T z`` where the paper has ``c z - D D^T z``
(``cIDDTz`` returns the wrong variable); and ``D^T`` reads the vertical part of band ``b`` from channel ``b + 4`` of
``z`` (right for 4 bands only; for fewer than 4 bands, where the toolbox fails, band ``b``'s own channel).
``toolbox=False`` is the paper's algorithm: the true transpose of ``A``, ``Q = c I - D D^T``, each band's own
channels.  The toolbox works on digital numbers; ``lam`` is given in DN as in its table and used as
``lam / full_scale`` on fusionzoo's [0, 1] scale (``full_scale`` = ``2**bit_depth - 1`` of ``sensor``), which gives
the toolbox's result divided by ``full_scale``.  Details in ``model_cards/tv.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ....builder import build_model
from ....ops import imresize, resize_matrix
from ....registry import ArchConfig, register_model
from ....sensors import Sensor, get_sensor, is_generic
from ..base import PansharpeningModel

__all__ = ["TV", "TV_PARAMETERS", "tv_objective"]

#: The reduced-resolution demo's TV parameters (``w``, ``alpha``, ``lambda`` in DN, ``c``, ``maxiter``) by sensor.
#: IKONOS, GeoEye-1 / WorldView-4 and WorldView-3 are the demo's table; QuickBird and GaoFen-2 use the IKONOS row and
#: WorldView-2 the WorldView-3 row, as the PanCollection toolbox's ``build_TV`` does; any other sensor uses
#: :data:`TV_DEFAULT` with equal weights ``1 / C``.
TV_PARAMETERS: dict[str, dict] = {
    "IKONOS": {"w": (0.1091, 0.2127, 0.2928, 0.3854), "alpha": 1.064, "lam": 0.47106, "c": 8.0, "iterations": 10},
    "GE1": {"w": (0.1552, 0.3959, 0.2902, 0.1587), "alpha": 0.75, "lam": 157.8954, "c": 8.0, "iterations": 50},
    "WV3": {"w": (0.0657, 0.1012, 0.1537, 0.1473, 0.1245, 0.1545, 0.1338, 0.1192), "alpha": 0.75, "lam": 1.0e-3,
            "c": 8.0, "iterations": 50},
}
TV_PARAMETERS["WV4"] = TV_PARAMETERS["GE1"]
TV_PARAMETERS["QB"] = TV_PARAMETERS["GF2"] = TV_PARAMETERS["IKONOS"]
TV_PARAMETERS["WV2"] = TV_PARAMETERS["WV3"]
#: Our default elsewhere: the IKONOS row's ``alpha``, ``lambda``, ``c`` and iteration count (``alpha = 1.064`` exceeds
#: the largest eigenvalue of ``M^T M`` for any band count with equal weights), weights ``1 / C``.
TV_DEFAULT = {"alpha": 1.064, "lam": 0.47106, "c": 8.0, "iterations": 10}


# --- operators -----------------------------------------------------------------------------------------------


def _grad(v: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """``D v``: forward differences along the width (channels ``0 .. C-1``) then the height (``C .. 2C-1``), the
    last column / row 0 (toolbox ``Dx`` / ``Dy``); (B, C, H, W) -> (B, 2C, H, W), written into ``out`` if given."""
    B, C, H, W = v.shape
    if out is None:
        out = v.new_empty(B, 2 * C, H, W)
    torch.sub(v[..., 1:], v[..., :-1], out=out[:, :C, :, :-1])
    out[:, :C, :, -1] = 0
    torch.sub(v[..., 1:, :], v[..., :-1, :], out=out[:, C:, :-1, :])
    out[:, C:, -1, :] = 0
    return out


def _grad_t(z: torch.Tensor, vertical: int, out: torch.Tensor | None = None) -> torch.Tensor:
    """``D^T z`` (toolbox ``DxT(z_b) + DyT(z_{vertical + b})``): the transpose of :func:`_grad` when ``vertical``
    is C; ``z`` (B, 2C, H, W) -> (B, C, H, W), the horizontal parts from channels ``0 .. C-1`` and the vertical
    ones from ``vertical .. vertical + C - 1``.  ``DyT(v) = [-v_0; v_{i-1} - v_i; v_{H-2}]``."""
    C = z.shape[1] // 2
    zx, zy = z[:, :C], z[:, vertical:vertical + C]
    if out is None:
        out = z.new_empty(zx.shape)
    torch.sub(zx[..., :-2], zx[..., 1:-1], out=out[..., 1:-1])
    out[..., 0] = -zx[..., 0]
    out[..., -1] = zx[..., -2]
    out[..., 1:-1, :] += zy[..., :-2, :]
    out[..., 1:-1, :] -= zy[..., 1:-1, :]
    out[..., 0, :] -= zy[..., 0, :]
    out[..., -1, :] += zy[..., -2, :]
    return out


def tv_objective(x: torch.Tensor, ms: torch.Tensor, pan: torch.Tensor, w: torch.Tensor, lam: float,
                 ratio: int) -> torch.Tensor:
    """``J(x)`` per image (B,): squared errors to the MS (bilinear antialiased reduction) and to the PAN
    (``sum_b w_b x_b``), plus ``lam`` times the per-band isotropic total variation (forward differences)."""
    a = imresize(x, 1.0 / ratio, method="bilinear")
    p = (w.view(1, -1, 1, 1) * x).sum(1, keepdim=True)
    C = x.shape[1]
    g = _grad(x)
    tv = torch.sqrt(g[:, :C] ** 2 + g[:, C:] ** 2).sum((1, 2, 3))
    return ((ms - a) ** 2).sum((1, 2, 3)) + ((pan - p) ** 2).sum((1, 2, 3)) + lam * tv


# --- the module ---------------------------------------------------------------------------------------------


class TV(PansharpeningModel):
    """Total-variation pansharpening (toolbox ``TV_pansharpen``) on the low-resolution MS and the PAN.

    ``sensor`` selects the demo's parameters (:data:`TV_PARAMETERS`); ``w`` (one weight per band), ``alpha``,
    ``lam`` (DN, as the toolbox), ``c`` and ``iterations`` override them.  ``full_scale`` (default the sensor's
    ``2**bit_depth - 1``, 2047 for ``"generic"``) converts ``lam`` to the [0, 1] scale.  ``ratio`` is 4 in the
    toolbox (hard-coded there); other integer ratios use the same operators with ``1 / ratio`` and ``ratio``.
    ``toolbox=False`` runs the paper's iteration instead of the toolbox's (see the module docstring).
    """

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", bands: int | None = None,
                 w: Sequence[float] | None = None, alpha: float | None = None, lam: float | None = None,
                 c: float | None = None, iterations: int | None = None, full_scale: float | None = None,
                 toolbox: bool = True, **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        if self.ratio < 2:
            raise ValueError(f"TV needs a ratio >= 2, got {ratio}")
        if is_generic(sensor):
            row = dict(TV_DEFAULT)
        else:
            row = dict(TV_PARAMETERS.get(get_sensor(sensor).name, TV_DEFAULT))
        for key, val in (("w", w), ("alpha", alpha), ("lam", lam), ("c", c), ("iterations", iterations)):
            if val is not None:
                row[key] = val
        if not row["alpha"] > 0 or not row["lam"] > 0 or not row["c"] > 0:
            raise ValueError(f"alpha, lam and c must be positive, got alpha={row['alpha']}, lam={row['lam']}, "
                             f"c={row['c']}")
        if int(row["iterations"]) < 1:
            raise ValueError(f"iterations must be >= 1, got {row['iterations']}")
        if full_scale is not None and not full_scale > 0:
            raise ValueError(f"full_scale must be positive (the DN of the [0, 1] scale's 1), got {full_scale}")
        self.sensor = sensor
        self.w = None if row.get("w") is None else tuple(float(v) for v in row["w"])
        self.alpha, self.lam, self.c = float(row["alpha"]), float(row["lam"]), float(row["c"])
        self.iterations = int(row["iterations"])
        self.full_scale = full_scale
        self.toolbox = bool(toolbox)

    def extra_repr(self) -> str:
        s = self.sensor.name if isinstance(self.sensor, Sensor) else self.sensor
        return (f"ratio={self.ratio}, sensor={s!r}, alpha={self.alpha}, lam={self.lam}, c={self.c}, "
                f"iterations={self.iterations}, toolbox={self.toolbox}")

    def weights(self, bands: int) -> tuple[float, ...]:
        """The PAN's spectral weights for ``bands`` MS bands (the sensor's row, or ``1 / bands`` each)."""
        if self.w is None:
            return (1.0 / bands,) * bands
        if len(self.w) != bands:
            raise ValueError(f"TV has {len(self.w)} spectral weights w, got {bands} MS bands; pass w= with one "
                             f"weight per band or the matching sensor=")
        return self.w

    def scale(self, bands: int) -> float:
        """The DN of the [0, 1] scale's 1: ``full_scale`` or ``2**bit_depth - 1`` of the sensor."""
        if self.full_scale is not None:
            return float(self.full_scale)
        return float(get_sensor(self.sensor, num_bands=bands).max_value)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        dt = torch.float64 if torch.float64 in (ms.dtype, pan.dtype) else torch.float32
        x = self.solve(ms.to(dt), pan.to(dt))
        return x.to(ms.dtype)

    def solve(self, ms: torch.Tensor, pan: torch.Tensor, iterations: int | None = None) -> torch.Tensor:
        """Run ``iterations`` (default ``self.iterations``) steps from ``x = 0``; ``ms`` (B, C, h, w) and ``pan``
        (B, 1, H, W) on the [0, 1] scale."""
        B, C = ms.shape[:2]
        H, W = pan.shape[-2:]
        r = self.ratio
        w = torch.tensor(self.weights(C), dtype=ms.dtype, device=ms.device).view(1, C, 1, 1)
        lam = self.lam / self.scale(C)
        alpha, c = self.alpha, self.c
        if self.toolbox:
            def adjoint_ms(v):
                return imresize(v, float(r), method="bilinear")
            vertical = min(4, C)  # z(:,:,i+4): band b's vertical part read from channel b + 4
        else:
            ah = resize_matrix(H, ms.shape[-2], 1.0 / r, "bilinear").to(ms)
            aw = resize_matrix(W, ms.shape[-1], 1.0 / r, "bilinear").to(ms)

            def adjoint_ms(v):
                return ah.T @ v @ aw

            vertical = C
        x = ms.new_zeros(B, C, H, W)
        z = ms.new_zeros(B, 2 * C, H, W)
        gx, Db, Dtz = ms.new_empty(B, 2 * C, H, W), ms.new_empty(B, 2 * C, H, W), ms.new_empty(B, C, H, W)
        for _ in range(self.iterations if iterations is None else iterations):
            rm = ms - imresize(x, 1.0 / r, method="bilinear")
            rp = pan - (w * x).sum(1, keepdim=True)
            b = adjoint_ms(rm).add_(w * rp).add_(x, alpha=alpha)
            _grad(x, gx)
            weight = torch.sqrt(gx[:, :C] ** 2 + gx[:, C:] ** 2).mul_(2 * alpha / lam).add_(c).repeat(1, 2, 1, 1)
            _grad(b, Db)
            DDtz = _grad(_grad_t(z, vertical, Dtz))
            if self.toolbox:
                z = Db.add_(DDtz).div_(weight)          # the toolbox's cIDDTz returns D D^T z
            else:
                z = Db.add_(z, alpha=c).sub_(DDtz).div_(weight)
            Db = DDtz                                    # reuse the buffer
            x = b.sub_(_grad_t(z, vertical, Dtz)).div_(alpha)
        return x


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "tv": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="tv.md",
        paper="F. Palsson, J. R. Sveinsson, M. O. Ulfarsson, 'A new pansharpening algorithm based on total "
              "variation', IEEE GRSL 11(1), 2014",
        summary="variational: MS and PAN data terms with a total-variation prior, majorisation-minimisation"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def tv(pretrained: bool = False, **kwargs) -> TV:
    """TV (Palsson et al. 2014): total-variation pansharpening with the toolbox demo's per-sensor parameters."""
    return build_model(TV, "tv", pretrained, **kwargs)
