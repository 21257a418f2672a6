"""Additive white Gaussian noise at a prescribed signal-to-noise ratio, seeded.

SNR convention (HySure's demos, the Yokoya toolbox's demo, most fusion papers): signal *power*, not
variance, ``SNR_dB = 10 log10(mean(x^2) / sigma^2)``, so ``sigma = sqrt(mean(x^2) / 10^(SNR_dB / 10))``.
``mode="global"`` takes the mean over the whole image (one sigma per image, HySure), ``mode="band"`` over each
band (one sigma per band and image).  The noise is drawn from a ``torch.Generator`` seeded by ``seed`` (or
the one passed), on the CPU in float64 and then moved to the input's device, so a seed gives the same noise
on every device.
"""

from __future__ import annotations

import math

import torch

__all__ = ["noise_sigma", "add_noise", "snr_db"]

_MODES = ("global", "band")


def _dims(x: torch.Tensor, mode: str) -> tuple[int, ...]:
    if mode not in _MODES:
        raise ValueError(f"unknown noise mode {mode!r}: use 'global' (one sigma per image) or 'band'")
    if x.dim() not in (3, 4):
        raise ValueError(f"expected (B, C, H, W) or (C, H, W), got shape {tuple(x.shape)}")
    full = tuple(range(x.dim() - 3, x.dim()))
    return full if mode == "global" else full[1:]


def noise_sigma(x: torch.Tensor, snr: float, mode: str = "global") -> torch.Tensor:
    """Noise standard deviation(s) giving ``snr`` dB on ``x``, shaped to broadcast against ``x``."""
    if not math.isfinite(float(snr)):
        raise ValueError(f"snr must be a finite number of dB, got {snr!r} (use snr=None for no noise)")
    power = (x.double() ** 2).mean(_dims(x, mode), keepdim=True)
    return torch.sqrt(power / 10.0 ** (float(snr) / 10.0))


def add_noise(x: torch.Tensor, snr: float | None, mode: str = "global", seed: int | None = None,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """``x`` plus white Gaussian noise at ``snr`` dB (None: ``x`` unchanged).  Give ``seed`` or a CPU
    ``generator`` for reproducible noise (neither: torch's global RNG)."""
    if snr is None:
        return x
    if seed is not None and generator is not None:
        raise ValueError("give seed= or generator=, not both")
    if seed is not None:
        generator = torch.Generator().manual_seed(int(seed))
    sigma = noise_sigma(x, snr, mode)
    n = torch.randn(x.shape, generator=generator, dtype=torch.float64)
    return (x.double() + n.to(x.device) * sigma).to(x.dtype if x.is_floating_point() else torch.float64)


def snr_db(clean: torch.Tensor, noisy: torch.Tensor, mode: str = "global") -> torch.Tensor:
    """Measured SNR in dB, ``10 log10(mean(clean^2) / mean((noisy - clean)^2))`` per image (``"global"``) or
    per image and band (``"band"``)."""
    d = _dims(clean, mode)
    num = (clean.double() ** 2).mean(d)
    den = ((noisy.double() - clean.double()) ** 2).mean(d)
    return 10.0 * torch.log10(num / den)
