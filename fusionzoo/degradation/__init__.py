"""Degradation models for HS-MS fusion and HS super-resolution, as first-class objects: point spread
functions, sampling phase and ratio (:mod:`.psf`), spectral response functions (:mod:`.srf`), noise by SNR
(:mod:`.noise`), the published protocols as named presets (:mod:`.presets`) and one function making
(LR-HS, HR-MS, reference) triples from an HS image (:func:`make_pair`, :mod:`.simulate`)."""

from .noise import add_noise, noise_sigma, snr_db
from .presets import PRESETS, Degradation, get_preset, list_presets
from .psf import (BOUNDARIES, PSF, blur, blur_decimate, box_psf, crop_to_multiple, decimate, fspecial_gaussian,
                  fwhm_to_sigma, gaussian_down_sample, gaussian_psf, measured_psf, sigma_to_fwhm, starck_murtagh_psf)
from .simulate import make_pair, srf_matrix_for
from .srf import (SRF, SRF_FILES, apply_srf, cave_wavelengths, gaussian_srf, load_srf, normalise_matrix, read_srf,
                  srf_root)

__all__ = [
    "PSF", "gaussian_psf", "fspecial_gaussian", "box_psf", "starck_murtagh_psf", "measured_psf", "fwhm_to_sigma",
    "sigma_to_fwhm", "blur", "decimate", "blur_decimate", "gaussian_down_sample", "crop_to_multiple", "BOUNDARIES",
    "SRF", "read_srf", "load_srf", "gaussian_srf", "apply_srf", "normalise_matrix", "srf_root", "SRF_FILES",
    "cave_wavelengths",
    "add_noise", "noise_sigma", "snr_db",
    "Degradation", "PRESETS", "get_preset", "list_presets",
    "make_pair", "srf_matrix_for",
]
