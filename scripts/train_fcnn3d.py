#!/usr/bin/env python
"""Train 3D-FCNN (fusionzoo ``fcnn3d``) on real hyperspectral data, evaluate it on held-out images beside
bicubic upsampling, and export ``model.safetensors`` + ``record.json``.

Tags (``--tag``):

* ``cave_x2`` / ``cave_x4``: CAVE, training on six scenes (balloons, cloth, feathers, flowers, jelly_beans,
  watercolors), held out: fake_and_real_food and chart_and_stuffed_toy.
* ``airborne_x2``: airborne HS of five sensors (EO-1 Hyperion Paris, Samson, AVIRIS San Diego, HYDICE
  urban, the ABU urban-2 / beach-4 crops), held out: DLR HySU (HySpex) and the Houston 2018 crop (CASI),
  two sensors never seen in training.

Degradation (our protocol, the paper's is not published in full): a Gaussian PSF of FWHM = ratio
(sigma = ratio / 2.3548) on 2*ratio taps centred on each ratio x ratio block (the authors' and Yokoya's
``gaussian_down_sample``; mirrored edges), sampled every ``ratio`` pixels; the network input is the
MATLAB-compatible bicubic upsampling (:func:`fusionzoo.ops.imresize`) of that LR image.  Each training
scene is split into a training region and a spatially disjoint validation region *before* degradation; the
validation region chooses the epoch.

Usage::

    python scripts/train_fcnn3d.py --root /work/shared/data --tag cave_x2 --out runs/fcnn3d_cave_x2

Checkpoints every epoch (``last.pt``, ``best.pt``); rerunning the same command resumes.  ``--eval-only``
re-evaluates the best checkpoint and re-exports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fusionzoo.metrics.image_quality import ergas, sam  # noqa: E402
from fusionzoo.models.hs_ms_fusion.fcnn3d import BAND_MARGIN, SPATIAL_MARGIN, FCNN3D, mirror_bands  # noqa: E402
from fusionzoo.ops import imresize  # noqa: E402

CAVE_TRAIN = ["balloons", "cloth", "feathers", "flowers", "jelly_beans", "watercolors"]
CAVE_TEST = ["fake_and_real_food", "chart_and_stuffed_toy"]
AIRBORNE_TRAIN = ["paris_hyperion", "samson", "aviris_sandiego", "hydice_urban", "abu_urban2", "abu_beach4"]
AIRBORNE_TEST = ["hysu_hyspex", "houston2018_casi"]

TERMS = {
    "cave": "CAVE multispectral database (Yasuma et al. 2010), research use, cite the authors",
    "paris_hyperion": "EO-1 Hyperion Paris cube from the HySure demo (alfaiate/HySure), USGS imagery, public domain",
    "samson": "Samson scene (burknipalsson/hu_autoencoders), no terms stated",
    "aviris_sandiego": "AVIRIS San Diego crop (xdjiangkai/LREN), no terms stated: research use, cite Kang et al. 2017",
    "hydice_urban": "HYDICE urban crop (xdjiangkai/LREN), no terms stated: research use, cite Kang et al. 2017",
    "abu_urban2": "ABU urban-2 crop (xdjiangkai/LREN), no terms stated: research use, cite Kang et al. 2017",
    "abu_beach4": "ABU beach-4 crop (xdjiangkai/LREN), no terms stated: research use, cite Kang et al. 2017",
    "hysu_hyspex": "DLR HySU HySpex cube, free to use and share with credit (Cerra et al. 2021)",
    "houston2018_casi": "2018 GRSS Data Fusion Contest HS crop, research use, acknowledge the providers",
}

PRESETS = {
    "cave_x2": dict(data="cave", ratio=2),
    "cave_x4": dict(data="cave", ratio=4),
    "airborne_x2": dict(data="airborne", ratio=2),
    "airborne_x4": dict(data="airborne", ratio=4),
}


# --- data -------------------------------------------------------------------------------------------------
def read_cave(root: Path, scene: str) -> np.ndarray:
    """(31, 512, 512) float32 in [0, 1]: 16-bit PNGs / 65535; watercolors' 8-bit RGBA: channel 0 / 255."""
    from PIL import Image

    folder = root / "hsms" / "cave" / f"{scene}_ms"
    bands = []
    for b in range(1, 32):
        a = np.array(Image.open(folder / f"{scene}_ms_{b:02d}.png"))
        if a.ndim == 3:  # watercolors: 8-bit RGBA with R = G = B
            bands.append(a[..., 0].astype(np.float32) / 255.0)
        elif a.dtype == np.uint8:
            bands.append(a.astype(np.float32) / 255.0)
        else:
            bands.append(a.astype(np.float32) / 65535.0)
    return np.stack(bands)


def scale_cube(x: np.ndarray) -> np.ndarray:
    """Airborne cubes to a [0, ~1] scale: negatives to 0, divided by the cube's global 99.9th percentile."""
    x = np.clip(x.astype(np.float64), 0, None)
    return (x / np.percentile(x, 99.9)).astype(np.float32)


def read_airborne(root: Path, name: str) -> np.ndarray:
    """(C, H, W) float32, scaled by :func:`scale_cube`."""
    import scipy.io as sio

    h = root / "hsms"
    if name == "paris_hyperion":
        a = sio.loadmat(h / "paris_hyperion_ali" / "paris_data_hs_ms.mat")["HSim"]
    elif name == "samson":
        y = sio.loadmat(h / "samson" / "Samson.mat")["Y"]  # 156 x 9025, pixels column-major
        a = y.reshape(156, 95, 95).transpose(2, 1, 0)
    elif name in ("aviris_sandiego", "hydice_urban", "abu_urban2", "abu_beach4"):
        f = {"aviris_sandiego": "sandiego_plane.mat", "hydice_urban": "HYDICE_data.mat",
             "abu_urban2": "abu-urban-2.mat", "abu_beach4": "abu-beach-4.mat"}[name]
        a = sio.loadmat(h / "hs_crops_lren" / f)["data"]
    elif name == "hysu_hyspex":
        import logging

        import tifffile

        logging.getLogger("tifffile").setLevel(logging.ERROR)  # its GDAL_NODATA tag (15000) does not fit int16
        a = tifffile.imread(h / "hysu_dlr" / "DLR_HySU" / "HySpex" / "full" / "DLR_HySU_HS_full.tif")
    elif name == "houston2018_casi":
        a = sio.loadmat(h / "houston2018_crop" / "houston_dataset.mat")["hyprImg"]
    else:
        raise KeyError(name)
    return scale_cube(np.asarray(a).transpose(2, 0, 1))


def gaussian_psf(ratio: int) -> torch.Tensor:
    """The authors' ``gaussian_down_sample`` kernel (Yokoya's): a Gaussian of FWHM = r (exp(-4 ln2 d^2 / r^2),
    sigma = r / 2.3548) on 2r x 2r taps (odd r: 2r - 1) centred on the middle of an r x r block, sum 1."""
    k = 2 * ratio if ratio % 2 == 0 else 2 * ratio - 1
    t = torch.arange(k, dtype=torch.float64) - (k - 1) / 2.0
    g = torch.exp(-(t**2) * 4.0 * math.log(2.0) / ratio**2)
    g2 = g[:, None] * g[None, :]
    return g2 / g2.sum()


def degrade(hr: torch.Tensor, ratio: int) -> torch.Tensor:
    """(C, H, W) -> (C, H/r, W/r): the interior blocks exactly as the authors' ``gaussian_down_sample``
    (Gaussian-weighted mean over the block's 2r x 2r neighbourhood); at the image edge the HR is mirror-padded
    (the authors use an r x r kernel on the edge blocks instead)."""
    C, H, W = hr.shape
    if H % ratio or W % ratio:
        raise ValueError(f"{H}x{W} not divisible by {ratio}")
    k = gaussian_psf(ratio)
    p = (k.shape[0] - ratio) // 2
    x = F.pad(hr[:, None].double(), (p,) * 4, mode="reflect")
    return F.conv2d(x, k[None, None], stride=ratio)[:, 0].to(hr.dtype)


def make_pair(hr: np.ndarray, ratio: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(HR, LR, bicubic-upsampled LR) for an HR cube cropped to a multiple of ``ratio``."""
    C, H, W = hr.shape
    t = torch.from_numpy(hr[:, : H - H % ratio, : W - W % ratio].copy())
    lr = degrade(t, ratio)
    up = imresize(lr.double(), scale=ratio).float()
    return t, lr, up


def load_sets(root: Path, data: str, ratio: int):
    """Training regions, validation regions, held-out images: lists of (name, HR, LR, UP)."""
    train, val, test = [], [], []
    if data == "cave":
        for s in CAVE_TRAIN:
            x = read_cave(root, s)
            train.append((s, *make_pair(x[:, :448], ratio)))  # rows 0..447
            val.append((s, *make_pair(x[:, 464:512, 160:352], ratio)))  # rows 464..511, cols 160..351
        for s in CAVE_TEST:
            test.append((s, *make_pair(read_cave(root, s), ratio)))
    else:
        for s in AIRBORNE_TRAIN:
            x = read_airborne(root, s)
            H = x.shape[1]
            v = 24  # the last 24 rows are the validation region
            train.append((s, *make_pair(x[:, : H - v], ratio)))
            val.append((s, *make_pair(x[:, H - v:], ratio)))
        for s in AIRBORNE_TEST:
            test.append((s, *make_pair(read_airborne(root, s), ratio)))
    return train, val, test


def sample_batch(rng: np.random.Generator, region, batch: int, patch: int, bands: int):
    """``batch`` random (input window, target) pairs of one region with random flips / 90-degree turns.

    The input window is the target's ``patch`` x ``patch`` pixels plus 6 px of upsampled context on each side
    and, spectrally, ``bands`` consecutive target bands (all when the cube has fewer) plus 4 neighbouring
    bands at each end, taken from the spectrum mirror-padded by 4: exactly what the padding='same' forward
    sees in the image interior.  One band window per batch (the network is the same for every band)."""
    _, hr, _, up = region
    m = SPATIAL_MARGIN
    C, H, W = hr.shape
    L = min(bands, C)
    s = int(rng.integers(0, C - L + 1))
    win = patch + 2 * m
    xs, ys = [], []
    for _ in range(batch):
        i = int(rng.integers(0, H - win + 1))
        j = int(rng.integers(0, W - win + 1))
        x = mirror_bands(up[None, :, i:i + win, j:j + win], BAND_MARGIN)[0, s:s + L + 2 * BAND_MARGIN]
        y = hr[s:s + L, i + m:i + m + patch, j + m:j + m + patch]
        k = int(rng.integers(0, 4))
        x, y = torch.rot90(x, k, (1, 2)), torch.rot90(y, k, (1, 2))
        if rng.random() < 0.5:
            x, y = x.flip(2), y.flip(2)
        xs.append(x)
        ys.append(y)
    return torch.stack(xs), torch.stack(ys)


@torch.no_grad()
def least_squares_init_(model: FCNN3D, regions, rng: np.random.Generator, samples: int = 60000,
                        noise: float = 0.1, shift: float = 1.0) -> dict[str, float]:
    """Start the network as the best *linear* 7x9x9 filter of the bicubic image (our initialisation).

    ``identity_init_(noise)`` first (random weights scaled by ``noise``, channel 0 passed through every
    layer); the weights *into* channel 0 of conv2, conv3 and conv4 are then reset to exactly a unit centre
    tap from channel 0 (no noise: it would multiply the +1 shift below), so the output is exactly channel 0's
    path while every other weight stays random and trainable (their contribution starts at zero, like a
    zero-initialised last layer).  The 7x9x9 kernel and bias of conv1's channel 0 are the least-squares fit of
    the HR voxel from its 7x9x9 neighbourhood of the (spectrally
    mirror-padded) upsampled image, over ``samples`` random voxels of the training regions.  ``shift`` is
    added to that channel's bias and subtracted by conv4's bias, so the ReLUs (which pass non-negative
    values) see the filtered value + 1 and the chain stays linear.
    """
    model.identity_init_(noise)
    for conv in (model.conv2, model.conv3, model.conv4):  # channel 0's path: exactly a unit centre tap
        conv.weight[0] = 0.0
        kd, kh, kw = (k // 2 for k in conv.kernel_size)
        conv.weight[0, 0, kd, kh, kw] = 1.0
        conv.bias[0] = 0.0
    per = samples // len(regions)
    rows, targets = [], []
    for _, hr, _, up in regions:
        C, H, W = hr.shape
        pad = mirror_bands(up[None], BAND_MARGIN)[0].double()  # band c of hr is band c + 4 here
        c = torch.from_numpy(rng.integers(0, C, per))
        i = torch.from_numpy(rng.integers(4, H - 4, per))
        j = torch.from_numpy(rng.integers(4, W - 4, per))
        dc, di, dj = torch.meshgrid(torch.arange(7), torch.arange(-4, 5), torch.arange(-4, 5), indexing="ij")
        idx_c = (c[:, None] + 1 + dc.reshape(1, -1))
        idx_i = (i[:, None] + di.reshape(1, -1))
        idx_j = (j[:, None] + dj.reshape(1, -1))
        rows.append(pad[idx_c, idx_i, idx_j])
        targets.append(hr.double()[c, i, j])
    A = torch.cat(rows)
    A = torch.cat([A, torch.ones(len(A), 1, dtype=A.dtype)], 1)
    y = torch.cat(targets)
    G = A.T @ A
    G += 1e-6 * torch.eye(len(G), dtype=G.dtype) * G.diagonal().mean()
    w = torch.linalg.solve(G, A.T @ y)
    model.conv1.weight[0, 0] = w[:-1].reshape(7, 9, 9).float()
    model.conv1.bias[0] = float(w[-1]) + shift
    model.conv4.bias[0] = -shift
    fit = A @ w
    return {"ls_rmse": float(((fit - y) ** 2).mean().sqrt()), "centre_tap": float(w[:-1].reshape(7, 9, 9)[3, 4, 4]),
            "samples": int(len(y))}


# --- metrics ----------------------------------------------------------------------------------------------
def ssim_bands(pred: torch.Tensor, ref: torch.Tensor) -> float:
    """Mean over bands of skimage SSIM with data_range 1 (Gaussian window sigma 1.5, Wang et al. 2004)."""
    from skimage.metrics import structural_similarity

    p, r = pred.double().numpy(), ref.double().numpy()
    return float(np.mean([structural_similarity(r[b], p[b], data_range=1.0, gaussian_weights=True, sigma=1.5,
                                                use_sample_covariance=False) for b in range(r.shape[0])]))


def metrics(pred: torch.Tensor, ref: torch.Tensor, ratio: int) -> dict[str, float]:
    """PSNR (peak 1, mean over bands), SAM (degrees), ERGAS (ratio), SSIM (data range 1, mean over bands)."""
    p, r = pred.double()[None], ref.double()[None]
    mse = ((p - r) ** 2).mean((2, 3))
    return {
        "PSNR": round(float((10 * torch.log10(1.0 / mse)).mean()), 4),
        "SAM": round(float(sam(p, r)), 4),
        "ERGAS": round(float(ergas(p, r, ratio)), 4),
        "SSIM": round(ssim_bands(pred, ref), 4),
    }


@torch.no_grad()
def predict(model: FCNN3D, lr: torch.Tensor) -> torch.Tensor:
    model.eval()
    out = model(hs=lr[None].float())[0]
    model.train()
    return out


@torch.no_grad()
def val_scores(model: FCNN3D, regions) -> tuple[float, float]:
    """Mean PSNR (peak 1) and mean SAM (degrees, :func:`fusionzoo.metrics.image_quality.sam`) over the
    validation regions (the model's padding='same' forward)."""
    vals, sams = [], []
    for _, hr, lr, _ in regions:
        out = predict(model, lr)
        mse = ((out.double() - hr.double()) ** 2).mean((1, 2))
        vals.append(float((10 * torch.log10(1.0 / mse)).mean()))
        sams.append(float(sam(out.double()[None], hr.double()[None])))
    return float(np.mean(vals)), float(np.mean(sams))


def val_psnr(model: FCNN3D, regions) -> float:
    """Mean PSNR (peak 1) over the validation regions (the model's padding='same' forward)."""
    return val_scores(model, regions)[0]


def sam_loss(pred: torch.Tensor, ref: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Mean spectral angle in radians over the pixels of (B, L, h, w) patches (band axis 1), safe: eps inside
    both norms and the cosine clamped inside (-1, 1) so that acos and its gradient stay finite."""
    dot = (pred * ref).sum(1)
    n = torch.sqrt((pred * pred).sum(1) + eps) * torch.sqrt((ref * ref).sum(1) + eps)
    return torch.acos((dot / n).clamp(-1.0 + 1e-6, 1.0 - 1e-6)).mean()


# --- main -------------------------------------------------------------------------------------------------
def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="the shared data folder (holding hsms/)")
    ap.add_argument("--tag", required=True, choices=sorted(PRESETS))
    ap.add_argument("--out", type=Path, default=None, help="run folder (default runs/fcnn3d_<tag>)")
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--steps", type=int, default=25, help="optimiser steps per epoch")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=32, help="output patch side (input window: patch + 12)")
    ap.add_argument("--bands", type=int, default=32, help="target bands per training window")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup", type=int, default=25, help="linear learning-rate warm-up steps")
    ap.add_argument("--minutes", type=float, default=22.0, help="stop after the epoch that passes this")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--init-from", type=Path, default=None,
                    help="start from this model.safetensors instead of the least-squares initialisation")
    ap.add_argument("--sam-weight", type=float, default=0.0,
                    help="loss = MSE + W * mean spectral angle (radians) over the patch pixels; a negative W: "
                         "W = mean MSE / mean SAM of the starting weights on 4 training batches (similar "
                         "magnitudes at the start). With W != 0 the kept epoch is the lowest validation SAM "
                         "among epochs whose validation PSNR is not below epoch 0's")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    preset = PRESETS[args.tag]
    ratio = preset["ratio"]
    out = args.out or Path(__file__).resolve().parents[1] / "runs" / f"fcnn3d_{args.tag}"
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "train.log", "a")

    def say(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    t0 = time.time()
    train, val, test = load_sets(args.root, preset["data"], ratio)
    say(f"data loaded in {time.time() - t0:.1f}s: train {[(n, tuple(h.shape)) for n, h, _, _ in train]}")
    torch.manual_seed(args.seed)
    model = FCNN3D(ratio=ratio, tile=96)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    state = {"epoch": 0, "elapsed": 0.0, "best_epoch": 0, "best_val": -1.0, "history": [],
             "rng": np.random.default_rng(args.seed).bit_generator.state}
    ck = out / "last.pt"
    if ck.exists():
        c = torch.load(ck, weights_only=False)
        model.load_state_dict(c["model"])
        opt.load_state_dict(c["opt"])
        state = c["state"]
        say(f"resumed at epoch {state['epoch']} ({state['elapsed'] / 60:.1f} min trained)")
    else:
        if args.init_from is not None:
            from safetensors.torch import load_file

            model.load_state_dict(load_file(str(args.init_from)))
            info = {"from": str(args.init_from), "sha256": hashlib.sha256(args.init_from.read_bytes()).hexdigest()}
            say(f"initialised from {info}")
        else:
            info = least_squares_init_(model, train, np.random.default_rng(args.seed + 1))
            say(f"least-squares linear initialisation: {info}")
        state["init"] = info
        v0, s0 = val_scores(model, val)
        bic = float(np.mean([float((10 * torch.log10(1.0 / ((u.double() - h.double()) ** 2).mean((1, 2)))).mean())
                             for _, h, _, u in val]))
        bic_sam = float(np.mean([float(sam(u.double()[None], h.double()[None])) for _, h, _, u in val]))
        state["best_val"] = v0
        state["best_sam"] = s0
        state["history"].append({"epoch": 0, "val_psnr": v0, "val_psnr_bicubic": bic, "val_sam": s0,
                                 "val_sam_bicubic": bic_sam})
        torch.save(model.state_dict(), out / "best.pt")
        say(f"epoch 0 ({'init-from' if args.init_from is not None else 'linear init'}): val PSNR {v0:.3f} "
            f"(bicubic {bic:.3f}), val SAM {s0:.4f} deg (bicubic {bic_sam:.4f})")
    rng = np.random.default_rng()
    rng.bit_generator.state = state["rng"]
    if "sam_weight" not in state:  # fixed at the first start, kept on resume
        w = args.sam_weight
        if w < 0:
            with torch.no_grad():
                arng = np.random.default_rng(args.seed + 2)
                ms, ss = [], []
                for _ in range(4):
                    x, y = sample_batch(arng, train[int(arng.integers(0, len(train)))], args.batch, args.patch,
                                        args.bands)
                    pred = model.network(x)
                    ms.append(float(F.mse_loss(pred, y)))
                    ss.append(float(sam_loss(pred, y)))
            w = float(np.mean(ms) / np.mean(ss))
            say(f"SAM weight: mean MSE {np.mean(ms):.3e}, mean SAM {np.mean(ss):.4f} rad on 4 batches -> W = {w:.4e}")
            state["sam_weight_probe"] = {"mse": float(np.mean(ms)), "sam_rad": float(np.mean(ss))}
        state["sam_weight"] = w
    W = state["sam_weight"]
    psnr0 = state["history"][0]["val_psnr"]

    while not args.eval_only and state["epoch"] < args.epochs and state["elapsed"] < args.minutes * 60:
        te = time.time()
        losses = []
        model.train()
        for _ in range(args.steps):
            region = train[int(rng.integers(0, len(train)))]
            x, y = sample_batch(rng, region, args.batch, args.patch, args.bands)
            step = (state["epoch"]) * args.steps + len(losses)
            for g in opt.param_groups:  # linear warm-up over the first `--warmup` steps
                g["lr"] = args.lr * min(1.0, (step + 1) / args.warmup)
            pred = model.network(x)
            loss = F.mse_loss(pred, y)
            if W:
                loss = loss + W * sam_loss(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        v, vs = val_scores(model, val)
        state["epoch"] += 1
        state["elapsed"] += time.time() - te
        state["rng"] = rng.bit_generator.state
        state["history"].append({"epoch": state["epoch"], "train_mse" if not W else "train_loss": float(np.mean(losses)),
                                 "val_psnr": v, "val_sam": vs})
        better = (vs < state.get("best_sam", math.inf) and v >= psnr0) if W else v > state["best_val"]
        if better:
            state["best_val"], state["best_sam"], state["best_epoch"] = v, vs, state["epoch"]
            torch.save(model.state_dict(), out / "best.pt")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ck)
        say(f"epoch {state['epoch']}: train {'MSE' if not W else 'loss'} {np.mean(losses):.3e}, val PSNR {v:.3f}, "
            f"val SAM {vs:.4f} (kept {state['best_val']:.3f} / {state.get('best_sam', float('nan')):.4f} "
            f"@ {state['best_epoch']}), {time.time() - te:.0f}s, {state['elapsed'] / 60:.1f} min")

    # --- evaluation and export ---
    model.load_state_dict(torch.load(out / "best.pt"))
    res, base, times = {}, {}, {}
    for name, hr, lr, up in test:
        ts = time.time()
        pred = predict(model, lr)
        times[name] = round(time.time() - ts, 2)
        res[name] = {f"x{ratio}": metrics(pred, hr, ratio)}
        base[name] = {f"x{ratio}": metrics(up, hr, ratio)}
        say(f"test {name} {tuple(hr.shape)}: fcnn3d {res[name]}, bicubic {base[name]}, {times[name]}s")
    from safetensors.torch import save_file

    sd = {k: v.detach().contiguous().float() for k, v in model.state_dict().items()}
    f = out / "model.safetensors"
    save_file(sd, str(f))
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    h0 = state["history"][0]
    names = CAVE_TRAIN if preset["data"] == "cave" else AIRBORNE_TRAIN
    tests = CAVE_TEST if preset["data"] == "cave" else AIRBORNE_TEST
    record = {
        "arch": "fcnn3d", "tag": args.tag, "file": "model.safetensors", "sha256": sha,
        "num_params": sum(p.numel() for p in model.parameters()),
        "model_kwargs": {"ratio": ratio, "padding": "same"},
        "training_data": [{"name": n, "terms": TERMS["cave" if preset["data"] == "cave" else n]} for n in names],
        "training_regions": ("CAVE rows 0-447 of each scene; validation rows 464-511 x cols 160-351"
                             if preset["data"] == "cave" else
                             "all rows but the last 24 of each cube; validation: the last 24 rows"),
        "held_out": [{"name": n, "terms": TERMS["cave" if preset["data"] == "cave" else n]} for n in tests],
        "scaling": ("CAVE 16-bit PNG / 65535 (watercolors 8-bit channel 0 / 255)" if preset["data"] == "cave" else
                    "per cube: negatives set to 0, divided by the cube's global 99.9th percentile"),
        "recipe": {
            "degradation": f"the authors' gaussian_down_sample: Gaussian PSF FWHM = ratio "
                           f"(sigma = {ratio / 2.3548:.4f} "
                           f"px) on {gaussian_psf(ratio).shape[0]}x{gaussian_psf(ratio).shape[0]} taps centred on "
                           f"each {ratio}x{ratio} block, decimation by {ratio}; HR mirror-padded at the edges",
            "upsampling": "fusionzoo.ops.imresize bicubic (MATLAB-compatible, a = -0.5, antialias), float64",
            "padding": "training on valid windows (patch + 12 px of upsampled context, spectrum mirror-padded by 4); "
                       "evaluation with padding='same' (mirror 4 bands, replicate 6 px)",
            "init": (f"fine-tuned from {state['init']['from']} (sha256 {state['init']['sha256']})"
                     if "from" in (state.get("init") or {}) else
                     "least squares: identity_init_(noise=0.1), weights into channel 0 of conv2-4 reset to "
                     "exactly a unit centre tap from channel 0, then conv1 channel 0 = the least-squares 7x9x9 "
                     "linear filter from the upsampled to the HR image on the training regions (bias shifted by +1, "
                     "conv4 bias -1, so the ReLUs pass it): the untrained net is that linear filter; no residual "
                     "connection, the net predicts the HR image directly"),
            "init_fit": state.get("init"),
            "epochs_run": state["epoch"], "max_epochs": args.epochs, "steps_per_epoch": args.steps,
            "batch": args.batch, "patch": args.patch, "band_window": args.bands, "optimizer": "Adam",
            "lr": args.lr, "warmup_steps": args.warmup, "loss": "MSE" if not W else (f"MSE + {W:.4e} * mean spectral angle (radians, eps 1e-8 in the "
                                                            f"norms, cosine clamped to +-(1 - 1e-6)) over the patch pixels"),
            "sam_weight": W, "sam_weight_probe": state.get("sam_weight_probe"),
            "augmentation": "random 90-degree rotations and horizontal flips",
            "threads": args.threads, "train_minutes": round(state["elapsed"] / 60, 1), "seed": args.seed,
            "chosen_epoch": state["best_epoch"],
            "chosen_why": (f"highest mean validation PSNR ({state['best_val']:.3f} dB; least-squares linear start "
                           f"{h0['val_psnr']:.3f}, bicubic {h0['val_psnr_bicubic']:.3f}) on the spatially disjoint "
                           f"validation regions of the training images" if not W else
                           f"lowest mean validation SAM ({state['best_sam']:.4f} deg, PSNR {state['best_val']:.3f} dB) "
                           f"among the epochs whose mean validation PSNR is not below epoch 0's ({h0['val_psnr']:.3f} "
                           f"dB, SAM {h0.get('val_sam', float('nan')):.4f}; bicubic {h0['val_psnr_bicubic']:.3f} dB, "
                           f"{h0.get('val_sam_bicubic', float('nan')):.4f} deg), on the spatially disjoint validation "
                           f"regions of the training images (epoch 0 = the starting weights)"),
        },
        "metric_conventions": "PSNR peak 1 averaged over bands; SAM degrees, mean over pixels; ERGAS with the "
                              "ratio; SSIM skimage (Gaussian sigma 1.5, data_range 1) averaged over bands; whole "
                              "images, no border cut",
        "metrics": res,
        "baselines": {"bicubic": base},
        "runtime_s": times,
        "history": state["history"],
    }
    (out / "record.json").write_text(json.dumps(record, indent=1))
    say(f"exported {f} sha256 {sha}")


if __name__ == "__main__":
    main()
