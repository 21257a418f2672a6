"""CUCaNet: coupled unmixing nets with cross-attention (Yao, Hong, Chanussot, Meng, Zhu, Xu; ECCV 2020).

Unsupervised HS-MS fusion fitted to each image pair.  Two encoders map the low-resolution HS image (1x1
convolutions) and the high-resolution MS image (5x5, 3x3, 1x1 convolutions) to 512 features; two
cross-attention modules exchange information between them (a spatial map from the MS features, brought to
the HS grid by a learned PSF, weights the HS features; a spectral attention vector from the HS features, a
depthwise convolution whose kernel is the whole LR image, weights the MS features); 1x1 heads give
abundances clamped to [0, 1]; a *shared* HS endmember decoder turns both the LR and the HR abundances into HS
images (the HR one is the output), an MS endmember decoder reconstructs the MS image, and a learned PSF
(s x s, stride s) and a learned spectral response (one 1x1 convolution per MS band over the HS bands of its
support) tie the output to both inputs.  The losses (sum-reduced L1 reconstructions, sum-to-one and
"sparse KL" on the abundances, LR-MSI consistency), their weights, the initialisation, the constraints
applied after every step and the optimisation (one Adam per sub-network, 2,000 + 8,000 iterations with a
linear decay) follow the authors' code (danfenghong/ECCV2020_CUCaNet, ``Main_CAVE.py``); see
``model_cards/cucanet.md`` for where it differs from the paper.

1,010,230 trainable parameters for 31 HS bands, 3 MS bands (Nikon D700 supports), scale 32, 128
abundances and a 16 x 16 HS input; the count depends on the LR size (the spectral attention's kernel).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ...builder import build_model
from ...registry import ArchConfig, register_model
from .base import HSMSFusionModel, check_hs_ms_inputs

__all__ = ["DEFAULT_LAMBDAS", "CUCaNet", "lr_factor", "srf_supports"]

#: Loss weights of the authors' ``Main_CAVE.py`` (the option defaults are all 1).
DEFAULT_LAMBDAS: dict[str, float] = {
    "A": 10.0,  # LR-HSI auto-reconstruction
    "B": 10.0,  # HR-MSI auto-reconstruction
    "C": 10.0,  # HR-MSI vs SRF(output)
    "D": 0.01,  # sum-to-one of both abundances
    "E": 0.01,  # sparse KL of both abundances
    "F": 1e4,  # LR-MSI consistency: SRF(LR-HSI) vs PSF(HR-MSI)
    "G": 10.0,  # LR-HSI vs PSF(output)
}

# learning-rate factor of each sub-network's Adam (authors' ``setup_optimizers``)
_LR_FACTORS: dict[str, float] = {
    "lr_encoder": 1.0, "lr_abundance": 1.0, "hs_decoder": 1.0, "ms_decoder": 1.0,
    "ms_encoder": 0.5, "ms_abundance": 0.5,
    "psf": 0.2, "psf_attention": 0.2, "spatial_attention": 0.2, "spectral_attention": 0.2, "srf": 0.2,
}


# --- modules ---------------------------------------------------------------------------------------------
def srf_supports(srf: Any) -> list[tuple[int, int]]:
    """The HS band range ``(first, last)`` (inclusive) where each MS band's response is positive.

    ``srf`` is a (HS bands, MS bands) table (the authors' ``sp_matrix`` layout: one column per MS band).
    """
    a = _as_srf(srf)
    return [(int(np.flatnonzero(a[:, j] > 0)[0]), int(np.flatnonzero(a[:, j] > 0)[-1])) for j in range(a.shape[1])]


def _as_srf(srf: Any) -> np.ndarray:
    a = srf.detach().cpu().double().numpy() if isinstance(srf, torch.Tensor) else np.asarray(srf, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"srf must be a 2-D (HS bands, MS bands) table, got shape {a.shape}")
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError("srf must be finite and non-negative; give the relative spectral responses")
    empty = [j for j in range(a.shape[1]) if not (a[:, j] > 0).any()]
    if empty:
        raise ValueError(f"srf columns {empty} have no positive response; each MS band needs at least one HS band "
                         f"(is the table (HS bands, MS bands)? transpose it if it is (MS bands, HS bands))")
    return a


def lr_factor(step: int, niter: int, niter_decay: int) -> float:
    """The authors' LambdaLR factor at scheduler step ``step`` (0-based; ``epoch_count`` = 1).

    ``1 - max(0, step + 2 - niter) / (niter_decay + 1)``: constant, then a linear decay that reaches 0 at
    the last of the ``niter + niter_decay`` iterations.
    """
    return 1.0 - max(0, step + 2 - niter) / float(niter_decay + 1)


def _kaiming_(module: nn.Module) -> None:
    """Kaiming-normal (fan-in, gain sqrt 2) weights and zero biases on every convolution of ``module``."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _fill_(module: nn.Module, mode: str) -> None:
    """The authors' ``mean_space`` (1 / kernel area) and ``mean_channel`` (1 / weight.shape[1]) inits."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            _, cin, kh, kw = m.weight.shape
            nn.init.constant_(m.weight, 1.0 / (kh * kw) if mode == "space" else 1.0 / cin)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _encoder(cin: int, kernels: Sequence[int]) -> nn.Sequential:
    """Three convolutions to 128, 256 and 512 features, each followed by LeakyReLU(0.2)."""
    layers: list[nn.Module] = []
    for cout, k in zip((128, 256, 512), kernels):
        layers += [nn.Conv2d(cin, cout, k, 1, k // 2), nn.LeakyReLU(0.2)]
        cin = cout
    return nn.Sequential(*layers)


class _AbundanceHead(nn.Module):
    """1x1 convolution 1024 -> theta, clamped to [0, 1] (``useSoftmax='No'``) or softmax over channels."""

    def __init__(self, num_theta: int, use_softmax: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1024, num_theta, 1)
        self.use_softmax = use_softmax

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return torch.softmax(y, dim=1) if self.use_softmax else y.clamp(0, 1)


class _Decoder(nn.Module):
    """Endmembers: 1x1 convolution without bias, output clamped to [0, 1]; weights kept in [0, 1]."""

    def __init__(self, num_theta: int, bands: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(num_theta, bands, 1, bias=False)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return self.conv(a).clamp(0, 1)

    @torch.no_grad()
    def constrain_(self) -> None:
        self.conv.weight.clamp_(0, 1)


class _BandwisePSF(nn.Module):
    """One s x s kernel, stride s, no bias, applied to every band separately (HR -> LR)."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, scale, scale, 0, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        y = self.conv(x.reshape(b * c, 1, h, w))
        return y.reshape(b, c, y.shape[-2], y.shape[-1])


class _SpatialAttention(nn.Module):
    """3x3 convolution 512 -> 1 with bias, softmax over all H*W positions: a map summing to 1."""

    def __init__(self, channels: int = 512) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 3, 1, 1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        b, _, h, w = f.shape
        return torch.softmax(self.conv(f).reshape(b, 1, h * w), dim=2).reshape(b, 1, h, w)


class _SpectralAttention(nn.Module):
    """Depthwise convolution whose kernel is the whole LR image (with bias), softmax over the channels."""

    def __init__(self, channels: int, size: tuple[int, int]) -> None:
        super().__init__()
        self.size = tuple(size)
        self.conv = nn.Conv2d(channels, channels, self.size, 1, 0, groups=channels)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        if tuple(f.shape[-2:]) != self.size:
            raise ValueError(f"this CUCaNet was built for a {self.size[0]}x{self.size[1]} HS input, got "
                             f"{f.shape[-2]}x{f.shape[-1]}; call fit(hs, ms) on the pair to rebuild it")
        return torch.softmax(self.conv(f), dim=1)


class _LearnedSRF(nn.Module):
    """Per MS band, a 1x1 convolution (no bias) over the HS bands of its support, divided by its weight sum.

    The authors' ``convolution_hr2msi`` (``isCalSP='Yes'``): weights start at 1 / (support length); after
    every step they are clamped to [0, 10] and normalised to sum 1 (a single-band support is clamped to
    [0, 5]); the output is clamped to [0, 1].
    """

    def __init__(self, supports: Sequence[tuple[int, int]]) -> None:
        super().__init__()
        self.supports = [(int(lo), int(hi)) for lo, hi in supports]
        self.bands = nn.ModuleList(nn.Conv2d(hi - lo + 1, 1, 1, 1, 0, bias=False) for lo, hi in self.supports)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = [conv(x[:, lo:hi + 1]) / conv.weight.detach().sum() for (lo, hi), conv in zip(self.supports, self.bands)]
        return torch.cat(out, dim=1).clamp(0, 1)

    @torch.no_grad()
    def constrain_(self) -> None:
        for conv in self.bands:
            w = conv.weight
            if w.shape[1] != 1:
                w.clamp_(0, 10)
                # guard (our own): an all-zero band would divide by zero; the authors' code has no guard
                w.div_(w.sum(dim=1, keepdim=True).clamp_min(1e-12))
            else:
                w.clamp_(0, 5)


class _FixedSRF(nn.Module):
    """The given spectral response as a fixed matrix product (``isCalSP='No'``); no parameters."""

    def __init__(self, srf: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("matrix", torch.as_tensor(srf.T.copy(), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("mc,bchw->bmhw", self.matrix, x)


@contextlib.contextmanager
def _deterministic_cudnn():
    old = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = old


class CUCaNet(HSMSFusionModel):
    """CUCaNet, fitted to each (LR-HS, HR-MS) pair by :meth:`fit`; ``model(hs=..., ms=...)`` fits then fuses.

    Args:
        hs_bands, ms_bands: band counts (``None``: taken from ``srf`` or from the pair).
        ratio: HS/MS size ratio (``None``: from the pair).
        hs_size: ``(h, w)`` of the LR-HS image; with the band counts and the ratio it builds the sub-networks
            now (to inspect them or count parameters); :meth:`fit` always rebuilds them for its pair.
        srf: (HS bands, MS bands) spectral response table, one column per MS band (e.g. the Nikon D700 table
            in B, G, R order as the authors use it). With ``learn_srf`` only each column's support (the HS
            bands where it is > 0) is used; without it, each MS band may draw on every HS band (our choice).
        num_theta: number of abundances / endmembers (128).
        learn_srf: learn the spectral response (the authors' ``isCalSP='Yes'``); ``False`` applies the given
            ``srf``, normalised to column sums of 1, as a fixed matrix.
        use_softmax: softmax abundances instead of clamping them to [0, 1] (``useSoftmax``; the authors' CAVE
            run uses ``False``).
        iterations: total iterations; ``None`` gives ``niter + niter_decay``; otherwise split 1 : 4 like
            2,000 + 8,000.
        niter, niter_decay: iterations at constant learning rate, then with linear decay.
        lr: base learning rate (5e-3 in ``Main_CAVE.py``).
        lambdas: loss weights overriding :data:`DEFAULT_LAMBDAS` (keys ``A`` to ``G``).
        seed: seed of the initialisation (the authors' ``setup_seed(1)``).
        device: where :meth:`fit` runs (``None``: the inputs' device).
        progress: show a tqdm progress bar while fitting.
    """

    inputs = ("hs", "ms")

    def __init__(self, hs_bands: int | None = None, ms_bands: int | None = None, ratio: int | None = None,
                 hs_size: tuple[int, int] | None = None, srf: Any = None, num_theta: int = 128,
                 learn_srf: bool = True, use_softmax: bool = False, iterations: int | None = None,
                 niter: int = 2000, niter_decay: int = 8000, lr: float = 5e-3,
                 lambdas: Mapping[str, float] | None = None, seed: int = 1, device: str | torch.device | None = None,
                 progress: bool = True, wavelengths: Sequence[float] | None = None) -> None:
        table = _as_srf(srf) if srf is not None else None
        if table is not None:
            C, c = table.shape
            for name, given, want in (("hs_bands", hs_bands, C), ("ms_bands", ms_bands, c)):
                if given is not None and int(given) != want:
                    raise ValueError(f"{name}={given} but srf is {C}x{c} (HS bands x MS bands); give a matching srf "
                                     f"or leave {name} out")
            hs_bands, ms_bands = C, c
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        self._srf = table
        if not learn_srf and self._srf is None:
            raise ValueError("learn_srf=False applies a fixed spectral response: give it as srf=(HS bands, MS bands) "
                             "table")
        unknown = set(lambdas or {}) - set(DEFAULT_LAMBDAS)
        if unknown:
            raise ValueError(f"unknown loss weights {sorted(unknown)}; the keys are {sorted(DEFAULT_LAMBDAS)}")
        if int(num_theta) < 1:
            raise ValueError(f"num_theta must be >= 1, got {num_theta}")
        self.num_theta = int(num_theta)
        self.learn_srf = bool(learn_srf)
        self.use_softmax = bool(use_softmax)
        self.niter, self.niter_decay = self._split(iterations, niter, niter_decay)
        self.lr = float(lr)
        self.lambdas = {**DEFAULT_LAMBDAS, **{k: float(v) for k, v in (lambdas or {}).items()}}
        self.seed = int(seed)
        self.device = device
        self.progress = bool(progress)
        self.built_for: tuple[int, int, int, tuple[int, int]] | None = None  # (C, c, ratio, (h, w))
        self.history_: list[float] = []
        self.output_: torch.Tensor | None = None
        self._fitted_pair: tuple[torch.Tensor, torch.Tensor] | None = None
        if hs_size is not None:
            if hs_bands is None or ms_bands is None or ratio is None:
                raise ValueError("building ahead of fit needs hs_bands, ms_bands (or srf) and ratio with hs_size")
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self._build(int(hs_bands), int(ms_bands), int(ratio), (int(hs_size[0]), int(hs_size[1])))

    # -- construction --------------------------------------------------------------------------------------
    @staticmethod
    def _split(iterations: int | None, niter: int, niter_decay: int) -> tuple[int, int]:
        if iterations is None:
            if niter < 0 or niter_decay < 0 or niter + niter_decay < 1:
                raise ValueError(f"niter and niter_decay must be >= 0 with a positive sum, got {niter}, {niter_decay}")
            return int(niter), int(niter_decay)
        if int(iterations) < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations}")
        n = int(iterations)
        first = round(n / 5)
        return first, n - first

    @property
    def iterations(self) -> int:
        return self.niter + self.niter_decay

    def _supports(self, hs_bands: int, ms_bands: int) -> list[tuple[int, int]]:
        if self._srf is None:
            return [(0, hs_bands - 1)] * ms_bands
        return srf_supports(self._srf)

    def _build(self, C: int, c: int, ratio: int, size: tuple[int, int]) -> None:
        """Create and initialise every sub-network, in the authors' creation order (same RNG stream)."""
        theta = self.num_theta
        self.lr_encoder = _encoder(C, (1, 1, 1)); _kaiming_(self.lr_encoder)  # net_G_LR2s_1
        self.lr_abundance = _AbundanceHead(theta, self.use_softmax); _kaiming_(self.lr_abundance)  # LR2s_2
        self.hs_decoder = _Decoder(theta, C); _kaiming_(self.hs_decoder)  # net_G_s2img (shared)
        self.ms_encoder = _encoder(c, (5, 3, 1)); _kaiming_(self.ms_encoder)  # net_G_MSI2S_1
        self.ms_abundance = _AbundanceHead(theta, self.use_softmax); _kaiming_(self.ms_abundance)  # MSI2S_2
        self.ms_decoder = _Decoder(theta, c); _kaiming_(self.ms_decoder)  # net_G_ms2img
        self.psf = _BandwisePSF(ratio); _fill_(self.psf, "space")  # net_G_PSF
        self.psf_attention = _BandwisePSF(ratio); _fill_(self.psf_attention, "space")  # net_G_PSF_2
        if self.learn_srf:  # net_G_HR2MSI
            self.srf = _LearnedSRF(self._supports(C, c)); _fill_(self.srf, "channel")
        else:
            assert self._srf is not None
            self.srf = _FixedSRF(self._srf / self._srf.sum(axis=0, keepdims=True))
        self.spatial_attention = _SpatialAttention(512); _fill_(self.spatial_attention, "space")  # mut_spa
        self.spectral_attention = _SpectralAttention(512, size); _fill_(self.spectral_attention, "channel")  # spe
        self.built_for = (C, c, ratio, tuple(size))

    @torch.no_grad()
    def constrain_(self) -> None:
        """The constraints applied after every optimiser step: endmembers in [0, 1]; the learned SRF rows
        clamped to [0, 10] and normalised to sum 1.  The PSFs are not constrained (as in the authors' code)."""
        self._require_built()
        self.hs_decoder.constrain_()
        self.ms_decoder.constrain_()
        if isinstance(self.srf, _LearnedSRF):
            self.srf.constrain_()

    def _require_built(self) -> None:
        if self.built_for is None:
            raise RuntimeError("CUCaNet has no sub-networks yet: call fit(hs, ms) (or create it with hs_size=(h, w), "
                               "hs_bands, ms_bands and ratio)")

    # -- forward pass and losses ---------------------------------------------------------------------------
    def terms(self, hs: torch.Tensor, ms: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The authors' ``my_forward`` and the weighted loss terms: ``(output, {name: weighted loss})``."""
        self._require_built()
        lam = self.lambdas
        f_lr = self.lr_encoder(hs)
        f_hr = self.ms_encoder(ms)
        a_lr = self.lr_abundance(torch.cat([f_lr, f_lr * self.psf_attention(self.spatial_attention(f_hr))], 1))
        a_hr = self.ms_abundance(torch.cat([f_hr, f_hr * self.spectral_attention(f_lr)], 1))
        rec_lr = self.hs_decoder(a_lr)
        rec_ms = self.ms_decoder(a_hr)
        out = self.hs_decoder(a_hr)
        l1 = lambda a, b: (a - b).abs().sum()
        losses = {
            "lr_rec": lam["A"] * l1(hs, rec_lr),
            "lr_sum_to_one": lam["D"] * _sum_to_one(a_lr),
            "lr_sparse": lam["E"] * _sparse_kl(a_lr),
            "lr_from_output": lam["G"] * l1(hs, self.psf(out)),
            "ms_rec": lam["B"] * l1(ms, rec_ms),
            "ms_sum_to_one": lam["D"] * _sum_to_one(a_hr),
            "ms_sparse": lam["E"] * _sparse_kl(a_hr),
            "ms_from_output": lam["C"] * l1(ms, self.srf(out)),
            "lr_ms_consistency": lam["F"] * l1(self.srf(hs), self.psf(ms)),
        }
        return out, losses

    def network(self, hs: torch.Tensor, ms: torch.Tensor) -> torch.Tensor:
        """The HR-HS image from the current weights (no fitting): ``s2img(A_hr)``."""
        self._require_built()
        f_lr = self.lr_encoder(hs)
        f_hr = self.ms_encoder(ms)
        a_hr = self.ms_abundance(torch.cat([f_hr, f_hr * self.spectral_attention(f_lr)], 1))
        return self.hs_decoder(a_hr)

    # -- fitting -------------------------------------------------------------------------------------------
    def _optimizers(self) -> dict[str, torch.optim.Adam]:
        opts = {}
        for name, factor in _LR_FACTORS.items():
            params = list(getattr(self, name).parameters())
            if params:  # the fixed SRF has none
                opts[name] = torch.optim.Adam(params, lr=self.lr * factor, betas=(0.9, 0.999))
        return opts

    def _check_pair(self, hs: torch.Tensor, ms: torch.Tensor) -> None:
        check_hs_ms_inputs(hs, ms, self.ratio, self.hs_bands, self.ms_bands)
        if hs.shape[0] != 1:
            raise ValueError(f"fit optimises on one image pair; got a batch of {hs.shape[0]}: fit each pair "
                             f"(hs[i:i+1], ms[i:i+1]) separately, or call model(hs=..., ms=...) which does")
        for name, t in (("hs", hs), ("ms", ms)):
            if float(t.max()) > 1.0 + 1e-6:
                raise ValueError(f"{name} has values up to {float(t.max()):.4g} but CUCaNet's decoders clamp to "
                                 f"[0, 1]; scale the pair to [0, 1] (e.g. divide by the sensor's maximum)")

    def fit(self, hs: torch.Tensor, ms: torch.Tensor, iterations: int | None = None, seed: int | None = None,
            device: str | torch.device | None = None, progress: bool | None = None,
            callback: Callable[[int, torch.Tensor, dict[str, torch.Tensor]], Any] | None = None) -> CUCaNet:
        """Fit CUCaNet to one pair ``hs`` (1, C, h, w), ``ms`` (1, c, H, W) with the authors' optimisation.

        Rebuilds the sub-networks for the pair from ``seed`` (default: the constructor's), then runs
        ``iterations`` (default: the constructor's, 2,000 + 8,000) steps: forward, the summed weighted
        losses, one Adam step per sub-network, the LR schedule, the constraints.  ``callback(step, output,
        losses)`` is called after every step with the output of that step's forward pass (detached) and
        its loss terms.  Afterwards ``output_`` is the last forward pass's output (what the authors save),
        ``history_`` the total loss per iteration.  Returns ``self``.
        """
        self._check_pair(hs, ms)
        niter, niter_decay = (self.niter, self.niter_decay) if iterations is None else self._split(iterations, 0, 0)
        seed = self.seed if seed is None else int(seed)
        dev = torch.device(device if device is not None else (self.device if self.device is not None else hs.device))
        show = self.progress if progress is None else bool(progress)
        C, c = hs.shape[1], ms.shape[1]
        ratio = ms.shape[-1] // hs.shape[-1]
        if self._srf is not None and self._srf.shape != (C, c):
            raise ValueError(f"srf is {self._srf.shape[0]}x{self._srf.shape[1]} but the pair has {C} HS and {c} MS "
                             f"bands; give the srf of these bands")
        from tqdm.auto import tqdm

        with torch.inference_mode(False), torch.enable_grad(), _deterministic_cudnn():
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                self._build(C, c, ratio, (hs.shape[-2], hs.shape[-1]))
            self.to(dev)
            x_hs = hs.detach().to(dev, torch.float32).clone()
            x_ms = ms.detach().to(dev, torch.float32).clone()
            opts = self._optimizers()
            scheds = [torch.optim.lr_scheduler.LambdaLR(o, lambda k: lr_factor(k, niter, niter_decay))
                      for o in opts.values()]
            n = niter + niter_decay
            history = torch.zeros(n, device=dev)
            every = max(1, n // 200)
            out = None
            with tqdm(range(n), desc="CUCaNet fit", unit="it", disable=not show, leave=False) as bar:
                for k in bar:
                    out, losses = self.terms(x_hs, x_ms)
                    loss = torch.stack(list(losses.values())).sum()
                    for o in opts.values():
                        o.zero_grad(set_to_none=True)
                    loss.backward()
                    for o in opts.values():
                        o.step()
                    for s in scheds:
                        s.step()
                    self.constrain_()
                    history[k] = loss.detach()
                    if callback is not None:
                        callback(k, out.detach(), {name: v.detach() for name, v in losses.items()})
                    if show and (k % every == 0 or k == n - 1):
                        bar.set_postfix(loss=f"{float(loss.detach()):.4g}")
        assert out is not None
        self.output_ = out.detach()
        self.history_ = history.cpu().tolist()
        self._fitted_pair = (hs.detach().cpu().clone(), ms.detach().cpu().clone())
        return self

    def is_fitted_on(self, hs: torch.Tensor, ms: torch.Tensor) -> bool:
        """Whether the last :meth:`fit` was on exactly this pair (values compared)."""
        if self._fitted_pair is None or self.output_ is None:
            return False
        h0, m0 = self._fitted_pair
        return (h0.shape == hs.shape and m0.shape == ms.shape and torch.equal(h0, hs.detach().cpu())
                and torch.equal(m0, ms.detach().cpu()))

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        """Fit on each pair of the batch (unless already fitted on it) and return the fitted outputs."""
        assert ms is not None
        outs = []
        for b in range(hs.shape[0]):
            h1, m1 = hs[b:b + 1], ms[b:b + 1]
            if not self.is_fitted_on(h1, m1):
                self.fit(h1, m1)
            assert self.output_ is not None
            outs.append(self.output_.to(device=hs.device, dtype=hs.dtype))
        return torch.cat(outs, 0)


def _sum_to_one(a: torch.Tensor) -> torch.Tensor:
    """L1 (sum) distance of the per-pixel abundance sums to 1."""
    return (a.sum(dim=1) - 1).abs().sum()


def _sparse_kl(a: torch.Tensor) -> torch.Tensor:
    """The authors' ``SparseKLloss``: abundances summed over the batch, channel softmax ``q`` against the
    softmax of a constant (uniform ``p = 1/theta``): ``sum p log(p/q) + (1-p) log((1-p)/(1-q))``."""
    q = torch.softmax(a.sum(dim=0, keepdim=True), dim=1)
    p = torch.full_like(q, 1.0 / a.shape[1])
    return (p * torch.log(p / q)).sum() + ((1 - p) * torch.log((1 - p) / (1 - q))).sum()


# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "cucanet": ArchConfig(
        task="hs_ms_fusion",
        paper="J. Yao, D. Hong, J. Chanussot, D. Meng, X. Zhu, Z. Xu, 'Cross-Attention in Coupled Unmixing Nets "
              "for Unsupervised Hyperspectral Super-Resolution', ECCV 2020, LNCS 12374, pp. 208-224",
        summary="coupled unmixing autoencoders with spatial/spectral cross-attention, learned PSF and SRF; "
                "unsupervised, fitted to each HS-MS pair (10,000 Adam iterations)",
        url="https://doi.org/10.1007/978-3-030-58526-6_13",
        card="cucanet.md",
        fitted=True,
        classical=False,
        weights=(),
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def cucanet(pretrained: bool = False, **kwargs) -> CUCaNet:
    """CUCaNet (Yao et al. 2020): unsupervised coupled unmixing nets with cross-attention, fitted per pair."""
    return build_model(CUCaNet, "cucanet", pretrained, **kwargs)
