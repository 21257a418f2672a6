"""make_pair: the (LR-HS, HR-MS, reference) triple of each protocol."""

from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import signal

from fusionzoo.degradation import (add_noise, blur, cave_wavelengths, decimate, gaussian_psf, get_preset, make_pair,
                                   snr_db, starck_murtagh_psf)

SRF_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "hsms" / "srf"


def _cube(C=6, H=16, W=16, seed=0, dtype=torch.float64):
    return torch.rand(1, C, H, W, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_block_mean_with_a_ready_matrix():
    hs = _cube(H=18, W=16)
    R = torch.rand(2, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    out = make_pair(hs, "block_mean", ratio=4, srf=R)
    gt = hs[..., 1:17, :]  # centred crop of 18 -> 16
    assert torch.equal(out["gt"], gt)
    assert torch.allclose(out["hs"], gt.reshape(1, 6, 4, 4, 4, 4).mean((3, 5)), atol=1e-14)
    Rn = R / R.sum(1, keepdim=True)  # the preset normalises rows to sum 1
    assert torch.allclose(out["srf"], Rn)
    assert torch.allclose(out["ms"], torch.einsum("kc,bchw->bkhw", Rn, gt), atol=1e-14)
    assert out["ratio"] == 4 and out["degradation"].ratio == 4


def test_cucanet_protocol_matches_its_scipy_simulation():
    hs = _cube(C=3, H=64, W=64)
    out = make_pair(hs, "cucanet_cave_x32", srf=np.eye(3))
    h = gaussian_psf(32, sigma=0.5).numpy()
    for c in range(3):
        ref = signal.convolve2d(hs[0, c].numpy(), h, "valid")[::32, ::32]
        assert np.allclose(out["hs"][0, c].numpy(), ref, atol=1e-15)
    assert out["hs"].shape == (1, 3, 2, 2) and torch.equal(out["ms"], hs)


def test_cucanet_protocol_with_the_real_nikon_table():
    if not SRF_DIR.is_dir():
        pytest.skip(f"shared SRF library not found at {SRF_DIR}")
    hs = _cube(C=31, H=64, W=64)
    out = make_pair(hs[0], "cucanet_cave_x32", hs_wavelengths=cave_wavelengths())
    assert out["hs"].shape == (31, 2, 2) and out["ms"].shape == (3, 64, 64)
    assert (out["srf"] > 0).sum(1).tolist() == [12, 26, 15]
    with pytest.raises(ValueError, match="give hs_wavelengths="):
        make_pair(hs, "cucanet_cave_x32")


def test_seeded_noise_and_dtype():
    hs = _cube(C=4, H=32, W=32, dtype=torch.float32)
    d = get_preset("block_mean", ratio=4, snr_hs=30.0, snr_ms=40.0)
    R = np.ones((2, 4))
    a, b = make_pair(hs, d, srf=R, seed=5), make_pair(hs, d, srf=R, seed=5)
    assert torch.equal(a["hs"], b["hs"]) and torch.equal(a["ms"], b["ms"])
    c = make_pair(hs, d, srf=R, seed=6)
    assert not torch.equal(a["hs"], c["hs"])
    assert a["hs"].dtype == torch.float32 and a["ms"].dtype == torch.float32
    clean = make_pair(hs, get_preset("block_mean", ratio=4), srf=R)
    assert abs(float(snr_db(clean["ms"].double(), a["ms"].double())) - 40.0) < 0.3


def test_hysure_noise_is_added_before_decimation():
    hs = _cube(C=4, H=64, W=64)
    d = get_preset("hysure_pavia", srf_bands=None, ms_band_max_normalise=False, snr_ms=None)
    out = make_pair(hs, d, srf=np.ones((1, 4)), seed=2)
    g = torch.Generator().manual_seed(2)
    expected = decimate(add_noise(blur(hs, starck_murtagh_psf(), "circular"), 30.0, generator=g), 4, 1)
    assert torch.allclose(out["hs"], expected, atol=1e-14)


def test_hysure_ms_normalised_by_its_maximum():
    hs = _cube(C=4, H=16, W=16)
    d = get_preset("hysure_pavia", srf_bands=None, snr_ms=None, snr_hs=None)
    out = make_pair(hs, d, srf=np.array([[1.0, 1, 0, 0], [0, 0, 2, 2]]))
    assert torch.allclose(out["ms"].amax((2, 3)), torch.ones(1, 2, dtype=torch.float64))
    assert out["srf"].sum().item() == pytest.approx(6.0)  # srf_normalise='none': the rows as given


def test_real_ms_and_errors():
    hs, ms = _cube(C=4, H=13, W=12), _cube(C=2, H=13, W=12, seed=3)
    out = make_pair(hs, "hysure_paris", ms=ms, seed=0)
    assert out["srf"] is None and out["ms"].shape == (1, 2, 12, 12) and out["hs"].shape == (1, 4, 4, 4)
    assert torch.equal(out["ms"], ms[..., :12, :])
    with pytest.raises(ValueError, match="has no SRF"):
        make_pair(hs, "hysure_paris")
    bad = hs.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or Inf"):
        make_pair(bad, "block_mean", ratio=4, srf=np.ones((1, 4)))
    with pytest.raises(ValueError, match="does not fit an HS image with 4 bands"):
        make_pair(hs, "block_mean", ratio=4, srf=np.ones((2, 5)))
    with pytest.raises(TypeError, match="floating-point torch tensor"):
        make_pair(hs.numpy(), "block_mean", ratio=4, srf=np.ones((1, 4)))
    with pytest.raises(ValueError, match="match hs"):
        make_pair(hs, "hysure_paris", ms=ms[..., :8, :])


def test_yokoya_toolbox_preset_shapes():
    hs = _cube(C=5, H=24, W=20)
    out = make_pair(hs, "yokoya_toolbox", srf=np.ones((2, 5)), seed=0)
    assert out["hs"].shape == (1, 5, 4, 3) and out["ms"].shape == (1, 2, 24, 18)
