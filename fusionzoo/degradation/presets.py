"""Degradation models as objects, and named presets for the published HS-MS simulation protocols.

A :class:`Degradation` says how a reference HS image becomes the (LR-HS, HR-MS) pair: the spatial part (PSF,
ratio, sampling phase, boundary, or the Yokoya toolbox's own ``gaussian_down_sample``), the spectral part (an
SRF by name from :data:`fusionzoo.degradation.srf.SRF_FILES`, an :class:`~fusionzoo.degradation.srf.SRF`
or a ready (c, C) matrix; band selection; normalisation) and the noise (SNR in dB per image, where it is
added).  :func:`fusionzoo.degradation.simulate.make_pair` applies one.

:data:`PRESETS` holds the published protocols; :func:`get_preset` returns one, optionally with fields
changed (``get_preset("udaln_wald", ratio=5)``): PSFs that depend on the ratio are stored as functions of it.
Each preset's ``source`` names the code it follows; where we could not check a detail its ``notes`` say so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from .psf import BOUNDARIES, PSF, box_psf, gaussian_psf, resolve_phase, starck_murtagh_psf
from .srf import NORMALISATIONS, SRF

__all__ = ["Degradation", "PRESETS", "get_preset", "list_presets", "SPATIAL_MODES"]

SPATIAL_MODES = ("blur_decimate", "gaussian_down_sample")


@dataclass(frozen=True, eq=False)
class Degradation:
    """One simulation protocol.

    Spatial: ``spatial="blur_decimate"`` blurs with ``psf`` (a :class:`PSF`, or a function ``ratio -> PSF``)
    and keeps the samples centred at ``phase`` of every ``ratio`` block (see :mod:`.psf`) with ``boundary``
    handling; ``spatial="gaussian_down_sample"`` is the Yokoya toolbox's scheme (Gaussian FWHM = ratio, no
    ``psf``).  ``crop`` (``"centre"``/``"end"``/None) crops the reference to a multiple of ``ratio`` first
    (None: sizes must already fit).

    Spectral: ``srf`` is an SRF name, an :class:`SRF`, a (c, C) matrix, or None (then ``make_pair`` needs
    ``srf=`` or a real ``ms=``); ``srf_bands`` selects/reorders bands; ``srf_normalise`` as in
    :meth:`SRF.matrix` (ignored for a ready matrix); ``ms_band_max_normalise`` divides every simulated MS band
    by its maximum over the image (HySure's demos).

    Noise: ``snr_hs`` / ``snr_ms`` in dB (None: none), power-based, ``noise_mode`` ``"global"`` or ``"band"``
    (:mod:`.noise`); ``hs_noise_before_decimation`` adds the HS noise to the blurred full-resolution image
    before decimation (HySure's demos) instead of to the LR-HS.
    """

    name: str
    ratio: int
    psf: PSF | Callable[[int], PSF] | None = None
    phase: float | str = "centre"
    boundary: str = "circular"
    spatial: str = "blur_decimate"
    crop: str | None = "centre"
    srf: str | SRF | np.ndarray | torch.Tensor | None = None
    srf_bands: tuple | None = None
    srf_normalise: str = "sum"
    ms_band_max_normalise: bool = False
    snr_hs: float | None = None
    snr_ms: float | None = None
    noise_mode: str = "global"
    hs_noise_before_decimation: bool = False
    description: str = ""
    source: str = ""
    notes: str = ""

    def __post_init__(self):
        if int(self.ratio) != self.ratio or int(self.ratio) < 1:
            raise ValueError(f"{self.name}: ratio must be a positive integer, got {self.ratio!r}")
        if self.spatial not in SPATIAL_MODES:
            raise ValueError(f"{self.name}: unknown spatial mode {self.spatial!r}; use one of {SPATIAL_MODES}")
        if self.spatial == "blur_decimate" and self.psf is None:
            raise ValueError(f"{self.name}: spatial='blur_decimate' needs a psf (a PSF or a function ratio -> PSF)")
        if self.boundary not in BOUNDARIES:
            raise ValueError(f"{self.name}: unknown boundary {self.boundary!r}; use one of {BOUNDARIES}")
        if self.srf_normalise not in NORMALISATIONS:
            raise ValueError(f"{self.name}: unknown srf_normalise {self.srf_normalise!r}; use one of {NORMALISATIONS}")
        resolve_phase(self.phase, int(self.ratio))

    def kernel(self) -> PSF | None:
        """The PSF at this ratio (None for ``gaussian_down_sample``)."""
        if self.spatial != "blur_decimate":
            return None
        return self.psf(int(self.ratio)) if callable(self.psf) and not isinstance(self.psf, PSF) else self.psf

    def with_(self, **changes) -> "Degradation":
        """A copy with fields changed (validated again)."""
        return replace(self, **changes)

    def summary(self) -> str:
        k = self.kernel()
        sp = (f"{k!r}, phase {self.phase}, {self.boundary} boundary" if k is not None
              else "Yokoya gaussian_down_sample (FWHM = ratio)")
        srf = self.srf if isinstance(self.srf, str) or self.srf is None else type(self.srf).__name__
        return (f"{self.name}: x{self.ratio}, {sp}; SRF {srf} {self.srf_bands or ''} ({self.srf_normalise}); "
                f"SNR HS {self.snr_hs} dB, MS {self.snr_ms} dB")


def _cucanet_psf(ratio: int) -> PSF:
    return gaussian_psf(ratio, sigma=0.5)


def _fwhm_ratio_psf(ratio: int) -> PSF:
    return gaussian_psf(ratio, fwhm=ratio)


def _box_ratio_psf(ratio: int) -> PSF:
    return box_psf(ratio)


#: The published protocols (name -> :class:`Degradation`).
PRESETS: dict[str, Degradation] = {
    "cucanet_cave_x32": Degradation(
        name="cucanet_cave_x32", ratio=32, psf=_cucanet_psf, phase="centre", boundary="circular", crop="centre",
        srf="nikon_d700_cucanet", srf_normalise="sum",
        description="CUCaNet's CAVE protocol: crop to a multiple of 32 (centred), a 32 x 32 MATLAB-style Gaussian "
                    "with sigma 0.5 over each disjoint 32 x 32 block (scipy convolve2d 'valid', then every 32nd "
                    "sample: phase 15.5, no padding needed), HR-MS = HS x the Nikon D700 table (B, G, R) with "
                    "columns normalised to sum 1; no noise. sigma 0.5 puts about 96 % of the weight on the central "
                    "2 x 2 pixels: close to point sampling, not a blur matched to x32.",
        source="danfenghong/ECCV2020_CUCaNet @ cf8a1c2: data/dataset.py (downsamplePSF, generate_HrMSI), "
               "Main_CAVE.py (scale_factor 32, srf_name Nikon_D700_Qu), options (sigma 0.5)",
        notes="SRF from shared/data/hsms/srf/nikon_d700/nikon_d700_bgr_order.xls (CAVE/Nikon_D700_Qu.xls); MS "
              "channel order B, G, R as in the file."),
    "yokoya_toolbox": Degradation(
        name="yokoya_toolbox", ratio=6, psf=None, spatial="gaussian_down_sample", crop="end",
        srf="WorldView2", srf_bands=("COASTAL", "BLUE", "GREEN", "YELLOW", "RED", "REDEDGE", "NIR1", "NIR2"),
        srf_normalise="sum", snr_hs=35.0, snr_ms=35.0, noise_mode="global",
        description="The Yokoya HS-MS fusion toolbox's degradation: gaussian_down_sample (Gaussian PSF with FWHM "
                    "= ratio centred on each disjoint ratio x ratio block; interior blocks use a 2r (even r) or "
                    "2r-1 (odd r) kernel, border blocks the r x r kernel within the block), ratio 6 and a "
                    "WorldView-2 8-band MS at SNR 35 dB as in its Chikusei demo.",
        source="Yokoya, Grohnfeldt, Chanussot, IEEE GRSM 5(2):29-56, 2017; toolbox via ricardoborsoi/FuVarRelease "
               "@ 2164cd8 utils/HSMSFusionToolbox: Methods/CNMF/gaussian_down_sample.m, "
               "Demo/HSMSFusionToolbox_Demo.m (file names ..._fDS6_SNR35, ..._WV2_MSHR_SNR35)",
        notes="The demo loads pre-simulated data: ratio 6, WV2 and SNR 35 dB are read from its file names; the "
              "exact noise model and SRF resampling behind those files are not in the toolbox (we use "
              "power-based global SNR and sum-normalised WV2 responses sampled at the HS centres)."),
    "hysure_pavia": Degradation(
        name="hysure_pavia", ratio=4, psf=starck_murtagh_psf(), phase=1, boundary="circular", crop="end",
        srf="ikonos_hysure", srf_bands=("B", "G", "R", "NIR"), srf_normalise="none", ms_band_max_normalise=True,
        snr_hs=30.0, snr_ms=40.0, noise_mode="global", hs_noise_before_decimation=True,
        description="HySure's Pavia demo: HS = circular (FFT) convolution with the 5 x 5 Starck-Murtagh kernel "
                    "centred at 0, noise at SNR 30 dB added at full resolution, then MATLAB downsample(.., 4, 1) "
                    "on both axes (phase 1); MS = IKONOS B, G, R, NIR responses on the HS grid, each simulated "
                    "band divided by its maximum, then noise at SNR 40 dB (after the normalisation).",
        source="alfaiate/HySure @ 8652a58 demos/demo_pavia_hs_ms.m (downsamp_factor 4, SNRh 30, SNRm 40, "
               "Starck-Murtagh B, ifftshift, downsamp_HS(.., 1)), data/ikonos_spec_resp.mat",
        notes="HySure maps the IKONOS table (430-860 nm) onto the 103 ROSIS bands by a spline over band indices; "
              "we sample the table linearly at the given HS wavelengths (for the Pavia ROSIS cube pass "
              "np.linspace(430, 860, 103)). The demo also scales the cube by its global maximum and drops the "
              "first 10 bands: data preparation, not part of this preset."),
    "hysure_paris": Degradation(
        name="hysure_paris", ratio=3, psf=starck_murtagh_psf(), phase=1, boundary="circular", crop="end",
        srf=None, snr_hs=30.0, noise_mode="global", hs_noise_before_decimation=True,
        description="HySure's Paris demo (real Hyperion HS + ALI MS on one 30 m grid): the HS is blurred with the "
                    "Starck-Murtagh kernel (circular), noise at SNR 30 dB added, decimated x3 at phase 1; the MS is "
                    "the real ALI image (give it as make_pair(..., ms=...)), or simulate one with srf='EO1_ALI'.",
        source="alfaiate/HySure @ 8652a58 demos/demo_paris_hs_ms.m, data/paris_data_hs_ms.mat",
        notes="The demo normalises each band by its 0.999 quantile before simulating (data preparation)."),
    "udaln_wald": Degradation(
        name="udaln_wald", ratio=8, psf=_fwhm_ratio_psf, phase="centre", boundary="circular", crop="centre",
        srf="WorldView2", srf_bands=("COASTAL", "BLUE", "GREEN", "YELLOW", "RED", "REDEDGE", "NIR1", "NIR2"),
        srf_normalise="sum",
        description="UDALN's Wald protocol: every disjoint r x r block convolved with an r x r isotropic Gaussian "
                    "whose FWHM is r (sigma = r / 2.35482), one sample per block; r = 5 or 8 (default 8, "
                    "get_preset('udaln_wald', ratio=5)); WorldView-2 8-band MS; no noise stated.",
        source="JiaxinLiCAS/UDALN_GRSL @ 79653d3: config.py (sigma = scale_factor / 2.35482, scale_factor 5 and 8), "
               "Imgs/UDALN.pdf (Wald protocol text)",
        notes="UDALN's data loader (which builds the PSF) is not in the public repository: the r x r support and "
              "block alignment follow the paper's text. Its Houston 2018 experiment uses a ready 46 x 8 WV-2 "
              "matrix (shared/data/hsms/srf/dataset_matrices/houston2018_to_wv2.xls): pass it as srf=."),
    "block_mean": Degradation(
        name="block_mean", ratio=32, psf=_box_ratio_psf, phase="centre", boundary="circular", crop="centre",
        srf="nikon_d700", srf_normalise="sum",
        description="Mean of each disjoint ratio x ratio block (box PSF), e.g. GDD's CAVE x32 LR-HS; Nikon D700 "
                    "(R, G, B) MS normalised to sum 1; no noise.",
        source="hsms-notes.md section 2 (GDD, guided-deep-decoder issue #1: 32 x 32 averaging)",
        notes="GDD's own SRF differs from this Nikon table."),
}


def list_presets() -> list[str]:
    return sorted(PRESETS)


def get_preset(name: str | Degradation, **changes) -> Degradation:
    """The named preset (or the given :class:`Degradation`) with ``changes`` applied, e.g. ``ratio=5``."""
    if isinstance(name, Degradation):
        d = name
    else:
        if name not in PRESETS:
            raise KeyError(f"unknown degradation preset {name!r}; known: {', '.join(list_presets())}")
        d = PRESETS[name]
    return replace(d, **changes) if changes else d
