"""Spectral response functions: readers, Gaussian bands, normalisation, band mixing."""

from pathlib import Path

import numpy as np
import pytest
import torch

from fusionzoo.degradation._xls import _rk, read_xls_numbers
from fusionzoo.degradation.srf import (SRF, apply_srf, cave_wavelengths, gaussian_srf, load_srf, normalise_matrix,
                                       read_srf)

SRF_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "hsms" / "srf"


def _need_shared():
    if not SRF_DIR.is_dir():
        pytest.skip(f"shared SRF library not found at {SRF_DIR} (only in the development checkout)")


def test_gaussian_band_peak_and_half_maximum():
    s = gaussian_srf([500.0, 600.0], [40.0, 20.0], names=["a", "b"])
    R = s.matrix([480.0, 500.0, 520.0, 590.0, 600.0, 610.0], normalise="peak")
    assert torch.allclose(R, torch.tensor([[0.5, 1, 0.5, 0, 0, 0], [0, 0, 0, 0.5, 1, 0.5]], dtype=torch.float64),
                          atol=1e-5)  # the tails of the other band are below 1e-6 there
    assert s.band_names == ("a", "b")
    assert np.allclose(s.centres(), [500, 600], atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "peak", "none"])
def test_normalisations(mode):
    s = gaussian_srf([450.0, 550.0, 650.0], 60.0)
    R = s.matrix(cave_wavelengths(), normalise=mode)
    assert R.shape == (3, 31)
    if mode == "sum":
        assert torch.allclose(R.sum(1), torch.ones(3, dtype=torch.float64))
    elif mode == "peak":
        assert torch.allclose(R.amax(1), torch.ones(3, dtype=torch.float64))
    else:
        assert R[0, 5] == pytest.approx(1.0)  # 450 nm is band 6, the first band's centre
    with pytest.raises(ValueError, match="unknown normalisation"):
        s.matrix(cave_wavelengths(), normalise="area")


def test_no_overlap_and_unit_errors():
    s = gaussian_srf([1600.0], 50.0, names=["SWIR"])
    with pytest.raises(ValueError, match="SWIR have no response"):
        s.matrix(cave_wavelengths())
    with pytest.raises(ValueError, match="micrometres"):
        s.matrix(cave_wavelengths() / 1000)


def test_apply_srf_on_a_hand_made_cube():
    hs = torch.tensor([[[1.0, 2.0]], [[3.0, 4.0]], [[5.0, 6.0]]])  # (3 bands, 1, 2)
    R = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.25, 0.75]])
    ms = apply_srf(hs, R)
    assert ms.shape == (2, 1, 2)
    assert ms[0, 0].tolist() == [2.0, 3.0]            # (1 + 3) / 2, (2 + 4) / 2
    assert ms[1, 0].tolist() == [4.5, 5.5]            # 0.25 * 3 + 0.75 * 5, 0.25 * 4 + 0.75 * 6
    assert apply_srf(hs[None], R).shape == (1, 2, 1, 2)
    with pytest.raises(ValueError, match="must be \\(c, 3\\)"):
        apply_srf(hs, R.T)


def test_select_and_order():
    s = gaussian_srf([450.0, 550.0, 650.0], 50.0, names=["B", "G", "R"])
    rgb = s.select(["r", "G", 0])
    assert rgb.band_names == ("R", "G", "B")
    assert np.allclose(rgb.responses[:, 0], s.responses[:, 2])
    with pytest.raises(KeyError, match="no band 'NIR'"):
        s.select(["NIR"])


def test_read_wide_and_block_tables(tmp_path):
    wide = tmp_path / "cam.csv"
    wide.write_text("wavelength,R,G,B\n400,0,0,1\n500,0,1,0\n600,1,0,0\n")
    s = read_srf(wide)
    assert s.wavelengths.tolist() == [400, 500, 600] and s.num_bands == 3
    assert s.matrix([500.0], normalise="none")[:, 0].tolist() == [0.0, 1.0, 0.0]

    blocks = tmp_path / "sensor.txt"
    blocks.write_text("# Test sensor\n#  Test Band 1 BLUE\n#  Wavelength\n#   (microns)\tRelative response\n"
                      "0.40\t0.0\n0.45\t1.0\n0.50\t0.0\n#\n#  Test Band 2 RED\n#   (microns)\n"
                      "0.60\t0.0\n0.65\t1.0\n0.70\t0.0\n")
    s = read_srf(blocks)
    assert s.band_names == ("BLUE", "RED")
    assert s.wavelengths[0] == pytest.approx(400.0)  # microns converted to nm
    R = s.matrix([450.0, 650.0, 675.0], normalise="none")
    assert torch.allclose(R, torch.tensor([[1.0, 0, 0], [0, 1.0, 0.5]], dtype=torch.float64))

    acolite = tmp_path / "acolite.txt"
    acolite.write_text(";; X RSR\n;; datasets: wavelength, RSR\n;; BAND 1\n400 0\n410 1\n420 0\n"
                       ";; BAND 8A\n500 0\n510 1\n520 0\n")
    assert read_srf(acolite).band_names == ("B1", "B8A")


def test_npy_needs_wavelengths(tmp_path):
    p = tmp_path / "r.npy"
    np.save(p, np.eye(3)[:, :2] + 0.1)
    s = read_srf(p, wavelengths=[400, 500, 600], band_names=["x", "y"])
    assert s.band_names == ("x", "y")
    np.save(p, np.ones((3, 2)))
    with pytest.raises(ValueError, match="pass wavelengths="):
        read_srf(p)


def test_srf_validation():
    with pytest.raises(ValueError, match="strictly increasing"):
        SRF([500, 400], np.ones((2, 1)), ("a",))
    with pytest.raises(ValueError, match="band names"):
        SRF([400, 500], np.ones((2, 2)), ("a",))
    with pytest.raises(ValueError, match="no response"):
        normalise_matrix(np.zeros((1, 3)))


def test_rk_numbers():
    assert _rk((5 << 2) | 2) == 5.0
    assert _rk((123 << 2) | 3) == pytest.approx(1.23)
    high = int.from_bytes(np.float64(1.5).tobytes()[4:], "little")
    assert _rk(high) == 1.5


def test_real_nikon_d700_tables():
    _need_shared()
    cu = load_srf("nikon_d700_cucanet")
    assert cu.band_names == ("B", "G", "R")
    assert cu.wavelengths.tolist() == cave_wavelengths().tolist()
    R = cu.matrix(cave_wavelengths())
    assert (R > 0).sum(1).tolist() == [12, 26, 15]  # families.md A1: the table's non-zero ranges
    assert torch.allclose(R.sum(1), torch.ones(3, dtype=torch.float64))
    raw = read_xls_numbers(SRF_DIR / "nikon_d700" / "nikon_d700_bgr_order.xls")
    assert raw.shape == (31, 4) and raw[0, 0] == 400 and raw[-1, 0] == 700
    npy = load_srf("nikon_d700")
    assert npy.band_names == ("R", "G", "B")
    c = npy.centres()
    assert c[0] > c[1] > c[2]  # red centred at longer wavelengths than blue


def test_real_sensor_tables():
    _need_shared()
    wv2 = load_srf("WorldView2")
    assert wv2.band_names[:3] == ("COASTAL", "BLUE", "GREEN") and wv2.num_bands == 9
    c = dict(zip(wv2.band_names, wv2.centres(), strict=True))
    assert 420 < c["COASTAL"] < 440 and 640 < c["RED"] < 680 and 800 < c["NIR1"] < 860
    s2 = load_srf("s2a_msi")
    assert "B8A" in s2.band_names and s2.num_bands == 13
    ali = load_srf("EO1_ALI")
    assert ali.wavelengths[0] > 300  # nanometres
    with pytest.raises(KeyError, match="unknown SRF"):
        load_srf("Landsat99")
