"""SR-D (sparse representation of the injected details): contract and errors, OMP on exactly sparse signals, and
agreement with a literal NumPy transcription of the toolbox's ``CS.m`` / ``Dict_Learn.m`` / ``OMP.m`` /
``OMP_Rec_Detile.m`` at digital-number scale (MATLAB ``imfilter`` / ``imresize`` / ``genMTF`` / ``interp23tap``
being fusionzoo's operators, tested against MATLAB elsewhere)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

import fusionzoo
from fusionzoo.models.pansharpening.classical.sparse_representation import (
    omp_toolbox,
    tile_starts,
)
from fusionzoo.ops import filter_replicate, imresize, interp23tap, mtf_kernel
from fusionzoo.registry import get_arch
from fusionzoo.sensors import get_sensor
from tests.helpers import ROOT

# ------------------------------------------------------------------------------ literal transcription


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _mtf(img: np.ndarray, gains) -> np.ndarray:  # MTF(I, sensor, ratio) for ratio 4, (C, H, W)
    return filter_replicate(_t(img)[None], mtf_kernel(gains, 4))[0].numpy()


def _nearest(img: np.ndarray, ratio: int) -> np.ndarray:  # imresize(I, 1/ratio, 'nearest'), (C, H, W)
    return imresize(_t(img), 1.0 / ratio, method="nearest").numpy()


def _bicubic_up(img: np.ndarray, ratio: int) -> np.ndarray:  # imresize(I, ratio), (C, h, w)
    return imresize(_t(img), float(ratio)).numpy()


def _col(a: np.ndarray) -> np.ndarray:  # MATLAB a(:) (column-major)
    return a.reshape(-1, order="F")


def _dict_learn(pan_d, pan_lr_d, ms_lr_d, rf, TS, ol):
    """Dict_Learn.m; images (C, H, W), 1-based MATLAB ranges turned into 0-based slices."""
    C = ms_lr_d.shape[0]
    nr = math.ceil((pan_d.shape[1] / rf - ol) / (TS - ol))
    nc = math.ceil((pan_d.shape[2] / rf - ol) / (TS - ol))
    Dh = np.zeros((TS**2 * rf**2 * C, nr * nc))
    Dl = np.zeros((TS**2 * C, nr * nc))
    yt = np.zeros((TS**2 * C, nr * nc))
    icount = 0
    for irow in range(1, nr + 1):
        for icol in range(1, nc + 1):
            icount += 1
            shiftr = shiftc = 0
            if irow == nr and (ms_lr_d.shape[1] - ol) % (TS - ol) != 0:
                shiftr = TS - ol - (ms_lr_d.shape[1] - ol) % (TS - ol)
            if icol == nc and (ms_lr_d.shape[2] - ol) % (TS - ol) != 0:
                shiftc = TS - ol - (ms_lr_d.shape[2] - ol) % (TS - ol)
            br = slice((irow - 1) * (TS - ol) * rf + 1 - shiftr * rf - 1, (irow * TS - (irow - 1) * ol) * rf - shiftr * rf)
            bc = slice((icol - 1) * (TS - ol) * rf + 1 - shiftc * rf - 1, (icol * TS - (icol - 1) * ol) * rf - shiftc * rf)
            brl = slice((irow - 1) * (TS - ol) + 1 - shiftr - 1, irow * TS - (irow - 1) * ol - shiftr)
            bcl = slice((icol - 1) * (TS - ol) + 1 - shiftc - 1, icol * TS - (icol - 1) * ol - shiftc)
            for b in range(C):
                Dh[b * TS**2 * rf**2:(b + 1) * TS**2 * rf**2, icount - 1] = _col(pan_d[b, br, bc])
                Dl[b * TS**2:(b + 1) * TS**2, icount - 1] = _col(pan_lr_d[b, brl, bcl])
                yt[b * TS**2:(b + 1) * TS**2, icount - 1] = _col(ms_lr_d[b, brl, bcl])
    return Dh, Dl, yt


def _omp(D, y, nBands, iatom, n_atoms):
    """OMP.m (iatom 1-based)."""
    n = round(D.shape[0] / nBands)
    res = y.copy()
    delta = 0.0
    curr = np.sum(res**2)
    j = 0
    indx = []
    a = np.zeros((0, nBands))
    while curr > delta and j < n_atoms:
        j += 1
        if j == 1:
            indx = [iatom]
        else:
            proj = D.T @ res
            indx.append(int(np.argmax(np.abs(proj))) + 1)
        a = np.zeros((j, nBands))
        Da = np.zeros(D.shape[0])
        for b in range(nBands):
            Di = D[b * n:(b + 1) * n][:, [i - 1 for i in indx]]
            yi = y[b * n:(b + 1) * n]
            G = Di.T @ Di
            if np.linalg.det(G) > 1e-1:
                a[:, b] = np.linalg.solve(G, Di.T) @ yi
            Da[b * n:(b + 1) * n] = Di @ a[:, b]
        res = y - Da
        curr = np.sum(res**2)
    return a, indx


def _omp_rec_detile(Dl, Dh, yt, H, L, C, rf, ol, TS, n_atoms):
    out = np.zeros((C, H, L))
    cnt = np.zeros((C, H, L))
    nr = math.ceil((H / rf - ol) / (TS - ol))
    nc = math.ceil((L / rf - ol) / (TS - ol))
    sr_glob = TS - ol - (H / rf - ol) % (TS - ol) if (H / rf - ol) % (TS - ol) != 0 else 0
    sc_glob = TS - ol - (L / rf - ol) % (TS - ol) if (L / rf - ol) % (TS - ol) != 0 else 0
    iatom = 0
    for irow in range(1, nr + 1):
        for icol in range(1, nc + 1):
            iatom += 1
            sr = int(sr_glob) if irow == nr else 0
            sc = int(sc_glob) if icol == nc else 0
            br = slice((irow - 1) * (TS - ol) * rf - sr * rf, (irow * TS - (irow - 1) * ol) * rf - sr * rf)
            bc = slice((icol - 1) * (TS - ol) * rf - sc * rf, (icol * TS - (icol - 1) * ol) * rf - sc * rf)
            Lr, Lc = br.stop - br.start, bc.stop - bc.start
            alpha, inds = _omp(Dl, yt[:, iatom - 1], C, iatom, n_atoms)
            for b in range(C):
                patch = Dh[b * TS**2 * rf**2:(b + 1) * TS**2 * rf**2][:, [i - 1 for i in inds]] @ alpha[:, b]
                out[b, br, bc] += patch.reshape((Lr, Lc), order="F")
                cnt[b, br, bc] += 1
    return out / cnt


def _toolbox_cs(I_MS, I_PAN, gains, ratio=4, TS=7, ol=4, n_atoms=10):
    """CS.m on (C, H, W) upsampled MS and (H, W) PAN, digital numbers."""
    C = I_MS.shape[0]
    hr = np.repeat(I_PAN[None], C, 0)
    for b in range(C):
        hr[b] = (hr[b] - hr[b].mean()) / hr[b].std(ddof=1) * I_MS[b].std(ddof=1) + I_MS[b].mean()
    lr_lp = _mtf(I_MS, gains)
    lr_d = I_MS - lr_lp
    hr_lp = _mtf(hr, gains)
    hr_lp = _bicubic_up(_nearest(hr_lp, ratio), ratio)
    hr_d = hr - hr_lp
    lr_lr = _nearest(lr_d, ratio)
    hr_lr = _nearest(_mtf(hr_d, gains), ratio)  # resize_images(imageHR_D, 1, ratio, sensor)
    Dh, Dl, yt = _dict_learn(hr_d, hr_lr, lr_lr, ratio, TS, ol)
    det = _omp_rec_detile(Dl, Dh, yt, hr.shape[1], hr.shape[2], C, ratio, ol, TS, n_atoms)
    return I_MS + det


# ----------------------------------------------------------------------------------------------- tests


def _pair(bands=4, h=9, w=8, seed=0, dtype=torch.float64):
    rng = np.random.default_rng(seed)
    pan = 0.2 + 0.5 * rng.random((4 * h, 4 * w))
    ms = 0.1 + 0.6 * rng.random((bands, h, w)) + 0.3 * pan.reshape(h, 4, w, 4).mean((1, 3))
    return torch.from_numpy(ms)[None].to(dtype), torch.from_numpy(pan)[None, None].to(dtype)


def test_registered_classical_with_card():
    cfg = get_arch("sr_d").cfg
    assert cfg.classical and cfg.inputs == ("ms", "pan") and (ROOT / "model_cards" / cfg.card).is_file()
    m = fusionzoo.create_model("sr_d")
    assert sum(p.numel() for p in m.parameters()) == 0
    assert (m.tile_size, m.overlap, m.n_atoms) == (7, 4, 10)


def test_contract_and_errors():
    ms, pan = _pair(dtype=torch.float32)
    m = fusionzoo.create_model("sr_d")
    out = m(ms, pan)
    assert out.shape == (1, 4, 36, 32) and out.dtype == torch.float32 and torch.isfinite(out).all()
    two = m(torch.cat([ms, ms.flip(-1)]), torch.cat([pan, pan.flip(-1)]))
    torch.testing.assert_close(two[:1], out)
    with pytest.raises(ValueError, match="at least 7 x 7"):
        m(ms[..., :6, :], pan[..., :24, :])
    with pytest.raises(ValueError, match="overlap"):
        fusionzoo.create_model("sr_d", overlap=7)
    with pytest.raises(ValueError, match="4 MS bands"):
        fusionzoo.create_model("sr_d", sensor="QB")(ms[:, :3], pan)


def test_tile_starts_cover_and_end_at_the_border():
    assert tile_starts(128, 7, 4) == [3 * i for i in range(41)] + [121]  # 42 tiles, the last moved back by 2
    assert tile_starts(10, 7, 4) == [0, 3]
    assert tile_starts(7, 7, 4) == [0]
    for n in range(7, 40):
        s = tile_starts(n, 7, 4)
        assert s[-1] + 7 == n and all(b - a <= 3 for a, b in itertools.pairwise(s))


@pytest.mark.parametrize("sensor,shape", [("QB", (16, 14)), ("generic", (13, 17))])  # 16 and 20 tiles
def test_matches_toolbox_transcription(sensor, shape):
    ms, pan = _pair(4, *shape, seed=len(sensor))
    S = get_sensor(sensor, num_bands=4).max_value  # the toolbox works on digital numbers
    gains = get_sensor(sensor, num_bands=4).mtf_ms
    ms_up = interp23tap(ms, 4)[0].numpy()
    ref = _toolbox_cs(S * ms_up, S * pan[0, 0].numpy(), gains)
    mine = fusionzoo.create_model("sr_d", sensor=sensor)(ms, pan)[0].numpy()
    np.testing.assert_allclose(S * mine, ref, rtol=1e-9, atol=1e-9 * S)
    assert np.abs(ref - S * ms_up).max() > 1.0  # details were injected


def test_omp_recovers_exactly_sparse_signals():
    rng = np.random.default_rng(3)
    N, C, n, k = 40, 3, 64, 3
    D = torch.from_numpy(rng.standard_normal((N, C, n)))
    supports = [rng.choice(N, k, replace=False) for _ in range(5)]
    # one sign per atom across the bands (the atom choice correlates over the stacked bands)
    coefs = [rng.uniform(1, 2, (C, k)) * rng.choice([-1, 1], (1, k)) for _ in range(5)]
    Y = torch.stack([torch.einsum("ck,kcn->cn", torch.from_numpy(a), D[s]) for s, a in zip(supports, coefs)])
    idx, coef = omp_toolbox(D, Y, n_atoms=k)
    for m, (s, a) in enumerate(zip(supports, coefs)):
        order = idx[m].numpy()
        assert sorted(order.tolist()) == sorted(s.tolist())
        want = a[:, [list(s).index(i) for i in order]]
        np.testing.assert_allclose(coef[m].numpy(), want, rtol=1e-10, atol=1e-10)
    # a forced first atom (the toolbox's own tile) stays first, and a zero signal gets no atom
    first = torch.tensor([int(s[0]) for s in supports] + [0])
    idx, coef = omp_toolbox(D, torch.cat([Y, torch.zeros(1, C, n, dtype=Y.dtype)]), n_atoms=k, first=first)
    assert torch.equal(idx[:5, 0], first[:5]) and (coef[5] == 0).all()


def test_omp_stops_at_a_zero_residual_and_applies_the_determinant_test():
    # orthogonal +-1 atoms with integer coefficients: every least-squares step is exact, the residual reaches 0
    h = np.array([[1.0]])
    for _ in range(4):
        h = np.block([[h, h], [h, -h]])  # 16 x 16 Hadamard
    D = torch.from_numpy(np.stack([h.T, -h.T], 1))  # (16 atoms, 2 bands, 16)
    a = np.array([[3.0, -2.0], [1.0, 5.0]])  # (band, atom) for atoms 4 and 9
    Y = torch.from_numpy(np.einsum("ck,kcn->cn", a, D[[4, 9]].numpy()))[None]
    idx, coef = omp_toolbox(D, Y, n_atoms=10)
    assert idx.shape == (1, 2) and sorted(idx[0].tolist()) == [4, 9]  # stopped after two atoms
    order = idx[0].tolist()
    np.testing.assert_array_equal(coef[0].numpy(), a[:, [[4, 9].index(i) for i in order]])
    # the determinant test in DN^2j: with Gram det 16 (one atom) < 0.1 / scale**2 the coefficients are dropped
    idx, coef = omp_toolbox(D, Y, n_atoms=1, scale=0.05, first=torch.tensor([4]))
    assert (coef == 0).all()
    idx, coef = omp_toolbox(D, Y, n_atoms=1, scale=0.1, first=torch.tensor([4]))
    np.testing.assert_array_equal(coef[0, :, 0].numpy(), a[:, 0])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    ms, pan = _pair(4, 16, 14)
    m = fusionzoo.create_model("sr_d")
    torch.testing.assert_close(m(ms.cuda(), pan.cuda()).cpu(), m(ms, pan), rtol=1e-9, atol=1e-9)
