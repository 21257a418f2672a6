"""Named degradation presets: contents, overrides, validation."""

import math

import pytest

from fusionzoo.degradation.presets import PRESETS, Degradation, get_preset, list_presets
from fusionzoo.degradation.psf import box_psf, starck_murtagh_psf


def test_every_preset_builds_its_kernel_and_cites_a_source():
    assert {"cucanet_cave_x32", "yokoya_toolbox", "hysure_pavia", "hysure_paris", "udaln_wald"} <= set(list_presets())
    for name, d in PRESETS.items():
        assert d.name == name and d.source and d.description
        k = d.kernel()
        if d.spatial == "blur_decimate":
            assert math.isclose(k.total, 1.0, rel_tol=1e-12)
        else:
            assert k is None


def test_published_parameters():
    cu = get_preset("cucanet_cave_x32").kernel()
    assert cu.size == (32, 32) and cu.params["sigma"] == 0.5
    hy = get_preset("hysure_pavia")
    assert hy.ratio == 4 and hy.phase == 1 and hy.boundary == "circular"
    assert (hy.kernel().kernel == starck_murtagh_psf().kernel).all()
    assert (hy.snr_hs, hy.snr_ms) == (30.0, 40.0) and hy.hs_noise_before_decimation
    ud = get_preset("udaln_wald", ratio=5).kernel()
    assert ud.size == (5, 5) and math.isclose(ud.params["fwhm"], 5.0)
    yk = get_preset("yokoya_toolbox")
    assert yk.spatial == "gaussian_down_sample" and yk.ratio == 6 and len(yk.srf_bands) == 8


def test_overrides_round_trip():
    base = get_preset("udaln_wald")
    d = get_preset("udaln_wald", ratio=5, snr_hs=35.0)
    assert (d.ratio, d.snr_hs) == (5, 35.0) and (base.ratio, base.snr_hs) == (8, None)
    assert get_preset(d) is d
    again = d.with_(ratio=8, snr_hs=None)
    assert again.kernel().size == base.kernel().size


def test_validation_errors():
    with pytest.raises(KeyError, match="unknown degradation preset"):
        get_preset("nope")
    with pytest.raises(ValueError, match="unknown boundary"):
        get_preset("udaln_wald", boundary="wrap")
    with pytest.raises(ValueError, match="needs a psf"):
        Degradation(name="x", ratio=4)
    with pytest.raises(ValueError, match="phase"):
        Degradation(name="x", ratio=4, psf=box_psf(4), phase=5)
    with pytest.raises(ValueError, match="positive integer"):
        Degradation(name="x", ratio=0, psf=box_psf(4))
