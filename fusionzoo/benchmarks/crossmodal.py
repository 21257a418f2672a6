"""The crossmodal-learning protocols: trained with HS + another modality, tested with the other one alone.

* ``houston2013``: HS spectra + the 21 LiDAR profile features of the 2,832 official training pixels (the
  authors' pixel sets); unlabelled pool: the LiDAR features (profiles of the official DSM) of scene pixels that
  are in neither the training nor the test map (never a test pixel); test: the LiDAR features alone on the
  12,197 official test pixels.
* ``houston2018_crop``: HS + RGB (space-to-depth on the HS grid) on the training blocks of the published split
  of the DFC2018 crop; unlabelled pool: every unlabelled pixel of the training blocks, both modalities; test:
  the RGB alone on the test blocks.

Baselines, trained and scored the same way (same budget, seeds 0-2, final epoch): the networks' single-branch
counterpart on the test modality alone (``mdlrs_fc_single``), and for the shallow methods their final classifier
on the raw test-modality features.  The MDL-RS CML modes are in the classification benchmark
(``docs/benchmarks/classification.md``, ``official_test``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import torch

from ..registry import create_model
from .classification import ProtocolData, evaluate, load_protocol

__all__ = ["CROSSMODAL_PROTOCOLS", "CROSSMODAL_METHODS", "CrossmodalData", "load_crossmodal", "train_crossmodal",
           "run_crossmodal_method", "run_crossmodal_benchmark", "from_rasters", "simulated_ms_protocol",
           "hs_sar_protocol", "add_arguments", "run_cli", "DESCRIPTION"]

DESCRIPTION = (
    "Train (or fit) every crossmodal method with HS + the other modality and score it with the other modality "
    "alone (houston2013: LiDAR features on the official test pixels; houston2018_crop: RGB on the test blocks), "
    "beside the same classifier trained on that modality alone, over seeds: OA, AA, kappa (mean and std); "
    "writes crossmodal.{md,csv} under --out.")

UNLABELLED_MAX = 20000  # pixels drawn (seed 0) from the unlabelled pool


class CrossmodalData(ProtocolData):
    """A classification protocol plus the unlabelled pool and the test modalities."""

    unlabelled: dict[str, np.ndarray]
    test_modalities: tuple[str, ...]


def _draw(n: int, seed: int = 0) -> np.ndarray:
    idx = np.arange(n)
    if n > UNLABELLED_MAX:
        idx = np.sort(np.random.default_rng(seed).choice(n, UNLABELLED_MAX, replace=False))
    return idx


def _houston2013(root: Path) -> CrossmodalData:
    from ..datasets.classification import read_split_map
    from ..features import apply_preprocess
    from ..io import read_geotiff
    from .classification import HOUSTON2013_PREPROCESS

    d = root / "classification" / "houston2013"
    base = load_protocol("houston2013", root)
    # every official training pixel trains (the held-out blocks of the classification protocol rejoin them)
    hx, hy = base.tests["heldout_blocks"]
    train = {k: np.concatenate([base.train[k], hx[k]]) for k in base.train}
    y = np.concatenate([base.train_y, hy])
    dsm, _ = read_geotiff(d / "dfc2013_official" / "2013_IEEE_GRSS_DF_Contest_LiDAR.tif", "Houston 2013 DSM")
    feats = apply_preprocess(HOUSTON2013_PREPROCESS["lidar"], dsm.astype(np.float32), what="lidar")
    tr = read_split_map(d / "split_maps" / "2013_IEEE_GRSS_DF_Contest_Samples_TR.tif")
    va = read_split_map(d / "split_maps" / "2013_IEEE_GRSS_DF_Contest_Samples_VA.tif")
    rows, cols = np.nonzero((tr == 0) & (va == 0))
    idx = _draw(rows.size)
    unl = {"lidar": np.ascontiguousarray(feats[:, rows[idx], cols[idx]].T)}
    data = CrossmodalData("houston2013", base.classes, train, y, {"official_test": base.tests["official_test"]},
                          notes={"official_test": "trained on HS + LiDAR features of the 2,832 official training "
                                                  "pixels; tested with the LiDAR features alone on the 12,197 "
                                                  "official test pixels"},
                          preprocess={"lidar": HOUSTON2013_PREPROCESS["lidar"]})
    data.unlabelled, data.test_modalities = unl, ("lidar",)
    return data


def _houston2018_crop(root: Path) -> CrossmodalData:
    from ..datasets.classification import Houston2018CropClassification
    from ..datasets.classification.sampling import pixel_vectors
    from ..datasets.hs_ms_fusion._common import hwc_to_chw, read_mat_variable
    from ..features import apply_preprocess

    base = load_protocol("houston2018_crop", root, mode="pixel")
    ds = Houston2018CropClassification(root / "hsms" / "houston2018_crop", split="train")
    path = ds.files["hs"]
    raw = {"hs": hwc_to_chw(read_mat_variable(path, "hyprImg")).astype(np.float32),
           "ms": hwc_to_chw(read_mat_variable(path, "rgbImg")).astype(np.float32)}
    rasters = {k: apply_preprocess(base.preprocess[k], v, what=k) for k, v in raw.items()}
    full = ds.full_label_map()
    rows, cols = np.nonzero((full == 0) & ~ds.test_mask(full.shape))  # unlabelled, training blocks only
    idx = _draw(rows.size)
    unl = {k: pixel_vectors(v, rows[idx], cols[idx]) for k, v in rasters.items()}
    x, yt = base.tests["heldout_blocks"]
    data = CrossmodalData("houston2018_crop", base.classes, base.train, base.train_y,
                          {"heldout_blocks": ({"ms": x["ms"]}, yt)},
                          notes={"heldout_blocks": "trained on HS + RGB of the training blocks; tested with the RGB "
                                                   "alone on the test blocks"},
                          preprocess={"ms": base.preprocess["ms"]})
    data.unlabelled, data.test_modalities = unl, ("ms",)
    return data


def from_rasters(rasters: Mapping[str, np.ndarray], train_map: np.ndarray, test_map: np.ndarray,
                 test_modalities: tuple[str, ...], classes: tuple[str, ...], name: str = "custom",
                 pool: int = UNLABELLED_MAX, seed: int = 0) -> CrossmodalData:
    """A crossmodal protocol from co-registered rasters (C, H, W) and two label maps of file ids (0 unlabelled):
    per-band min-max fitted on the pixels outside the test map (leak-free; stored as the preprocessing), training
    pixels of every modality, the test pixels of ``test_modalities`` only, and an unlabelled pool of up to
    ``pool`` pixels (``seed``) labelled in neither map, with every modality."""
    from ..datasets.classification.sampling import labelled_pixels, pixel_vectors
    from ..features import apply_preprocess, fit_minmax

    shapes = {k: tuple(v.shape[-2:]) for k, v in rasters.items()}
    grids = set(shapes.values()) | {tuple(train_map.shape), tuple(test_map.shape)}
    if len(grids) != 1:
        raise ValueError(f"the rasters and the label maps must share one grid, got {shapes}, maps "
                         f"{train_map.shape} / {test_map.shape}")
    if not set(test_modalities) < set(rasters):
        raise ValueError(f"test_modalities {test_modalities} must be a proper subset of the rasters {sorted(rasters)}")
    outside = test_map == 0
    pre = {k: [fit_minmax(v, per_band=True, mask=outside)] for k, v in rasters.items()}
    prepared = {k: apply_preprocess(pre[k], v, what=k) for k, v in rasters.items()}
    r, c, ids = labelled_pixels(train_map)
    rt, ct, idt = labelled_pixels(test_map)
    ru, cu = np.nonzero((train_map == 0) & outside)
    idx = np.sort(np.random.default_rng(seed).choice(ru.size, min(pool, ru.size), replace=False))
    data = CrossmodalData(name, tuple(classes), {k: pixel_vectors(v, r, c) for k, v in prepared.items()},
                          ids.astype(np.int64) - 1,
                          {"test": ({k: pixel_vectors(prepared[k], rt, ct) for k in test_modalities},
                                    idt.astype(np.int64) - 1)},
                          preprocess={k: pre[k] for k in test_modalities})
    data.unlabelled = {k: pixel_vectors(v, ru[idx], cu[idx]) for k, v in prepared.items()}
    data.test_modalities = tuple(test_modalities)
    return data


def simulated_ms_protocol(dataset: Any, srf: np.ndarray, **kwargs: Any) -> CrossmodalData:
    """The CoSpace / LeMA / X-ModalNet setting: a classification dataset with an HS raster (e.g.
    :class:`~fusionzoo.datasets.Houston2013` with its CASI cube) and an MS simulated over the whole scene by a
    spectral response ``srf`` (c, C_hs) (rows: MS bands; e.g. ``load_srf("WorldView2").matrix(wavelengths)``);
    trained with HS + MS on the training map, tested with the MS alone on the test map."""
    hs = dataset.raw_raster("hs").astype(np.float64)
    srf = np.asarray(srf, np.float64)
    if srf.ndim != 2 or srf.shape[1] != hs.shape[0]:
        raise ValueError(f"srf must be (MS bands, {hs.shape[0]} HS bands), got shape {srf.shape}")
    ms = np.einsum("cb,bhw->chw", srf, hs).astype(np.float32)
    return from_rasters({"hs": hs.astype(np.float32), "ms": ms}, dataset.label_map("train"),
                        dataset.label_map("test"), ("ms",), dataset.classes, **kwargs)


def hs_sar_protocol(dataset: Any, **kwargs: Any) -> CrossmodalData:
    """The HS-SAR setting (X-ModalNet, S2FL): a dataset with ``hs`` and ``sar`` rasters (e.g.
    :class:`~fusionzoo.datasets.Berlin`, :class:`~fusionzoo.datasets.Augsburg`): trained with HS + SAR on the
    training map, tested with the SAR alone on the test map."""
    rasters = {k: dataset.raw_raster(k).astype(np.float32) for k in ("hs", "sar")}
    return from_rasters(rasters, dataset.label_map("train"), dataset.label_map("test"), ("sar",), dataset.classes,
                        **kwargs)


CROSSMODAL_PROTOCOLS: dict[str, Callable[[Path], CrossmodalData]] = {"houston2013": _houston2013,
                                                                     "houston2018_crop": _houston2018_crop}


def load_crossmodal(name: str, root: str | os.PathLike) -> CrossmodalData:
    if name not in CROSSMODAL_PROTOCOLS:
        raise KeyError(f"unknown crossmodal protocol {name!r}; the protocols are {', '.join(CROSSMODAL_PROTOCOLS)}")
    return CROSSMODAL_PROTOCOLS[name](Path(root))


# --- the methods ------------------------------------------------------------------------------------------------
#: per method: the arch, our constructor arguments, whether it is a baseline on the test modality alone, whether
#: it has a published tag, and the baseline it must beat (the same classifier on the test modality alone)
CROSSMODAL_METHODS: list[dict[str, Any]] = [
    {"label": "xmodalnet", "arch": "xmodalnet", "tag": True, "against": "mdlrs_fc_single (test modality)"},
    {"label": "multimodal_gan", "arch": "multimodal_gan", "tag": True, "against": "mdlrs_fc_single (test modality)"},
    {"label": "mdlrs_fc_single (test modality)", "arch": "mdlrs_fc_single", "baseline": True},
    {"label": "manifold_alignment", "arch": "manifold_alignment", "kwargs": {"classifier": "1nn"}, "tag": True,
     "against": "1-NN (test modality)"},
    {"label": "cospace_l2", "arch": "cospace_l2", "kwargs": {"classifier": "1nn"}, "tag": True,
     "against": "1-NN (test modality)"},
    {"label": "cospace_l1", "arch": "cospace_l1", "kwargs": {"classifier": "1nn"}, "tag": True,
     "against": "1-NN (test modality)"},
    {"label": "lema", "arch": "lema", "kwargs": {"classifier": "svm"}, "tag": True,
     "against": "svm_rbf (test modality)"},
    {"label": "lecmr", "arch": "lecmr", "kwargs": {"classifier": "1nn"}, "tag": True,
     "against": "1-NN (test modality)"},
    {"label": "1-NN (test modality)", "arch": "nearest_neighbour", "baseline": True},
    {"label": "svm_rbf (test modality)", "arch": "svm_rbf", "baseline": True},
]


def train_crossmodal(model: torch.nn.Module, data: CrossmodalData, *, epochs: int = 150, batch_size: int = 64,
                     lr: float = 1e-3, decay_epochs: float = 30.0, gamma: float = 0.5, seed: int = 0
                     ) -> dict[str, Any]:
    """The networks' loop: Adam on ``losses["total"]``, the authors' staircase decay, each labelled minibatch
    paired with a random minibatch of the unlabelled pool (``unlabelled=`` of ``training_losses``)."""
    from ..trainers.classification import staircase

    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    xs = {k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in data.train.items()}
    us = {k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in data.unlabelled.items()}
    ys = torch.from_numpy(np.asarray(data.train_y)).long()
    m, n_u = len(ys), (len(next(iter(us.values()))) if us else 0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, staircase(decay_epochs * m / batch_size, gamma))
    model.train()
    t0, last = time.perf_counter(), float("nan")
    for _ in range(epochs):
        perm = torch.randperm(m, generator=g)
        total, n = 0.0, 0
        for s in range(0, m, batch_size):
            idx = perm[s:s + batch_size]
            if len(idx) < 2:
                continue
            unl = None
            if n_u:
                j = torch.randint(n_u, (batch_size,), generator=g)
                unl = {k: v[j] for k, v in us.items()}
            losses = model.training_losses(ys[idx], labelled={k: v[idx] for k, v in xs.items()}, unlabelled=unl)
            opt.zero_grad()
            losses["total"].backward()
            opt.step()
            sched.step()
            total += float(losses["total"].detach()) * len(idx)
            n += len(idx)
        last = total / max(n, 1)
    model.eval()
    return {"epochs": epochs, "final_loss": last, "seconds": time.perf_counter() - t0}


def run_crossmodal_method(method: Mapping[str, Any], data: CrossmodalData, *, seed: int = 0, epochs: int = 150
                          ) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Build, train (or fit) and score one method on the protocol's test sets (test modalities only)."""
    t_mods = data.test_modalities
    mods = tuple(data.train)
    common = dict(num_classes=len(data.classes), class_names=data.classes, **method.get("kwargs", {}))
    torch.manual_seed(seed)
    if method.get("baseline") and method["arch"] == "mdlrs_fc_single":
        model = create_model("mdlrs_fc_single", modalities=t_mods, in_channels=[data.train[k].shape[1] for k in t_mods],
                             preprocess={k: v for k, v in data.preprocess.items() if k in t_mods}, **common)
        from .classification import train_network

        run = train_network(model, {k: data.train[k] for k in t_mods}, data.train_y, epochs=epochs, seed=seed)
    elif method.get("baseline"):  # the shallow methods' final classifier on the raw test-modality features
        model = create_model(method["arch"], modalities=t_mods, in_channels=[data.train[k].shape[1] for k in t_mods],
                             **common)
        t0 = time.perf_counter()
        model.fit({k: data.train[k] for k in t_mods}, data.train_y, seed=seed)
        run = {"seconds": time.perf_counter() - t0}
    else:
        model = create_model(method["arch"], modalities=mods, in_channels=[data.train[k].shape[1] for k in mods],
                             test_modalities=t_mods, preprocess=data.preprocess, **common)
        if hasattr(model, "fit"):
            t0 = time.perf_counter()
            model.fit(data.train, data.train_y, unlabelled=data.unlabelled, seed=seed)
            run = {"seconds": time.perf_counter() - t0}
        else:
            run = train_crossmodal(model, data, epochs=epochs, seed=seed)
    tests = {name: evaluate(model, {k: x[k] for k in t_mods}, y) for name, (x, y) in data.tests.items()}
    return model, {"train": run, "tests": tests}


def run_crossmodal_benchmark(root: str | os.PathLike, protocols=None, seeds=(0, 1, 2), epochs: int = 150,
                             methods=None, out: str | os.PathLike | None = None, log=print) -> list[dict[str, Any]]:
    """Every method of each protocol over ``seeds``: rows for the tables (and ``crossmodal.{md,csv}`` under
    ``out``)."""
    from .classification import summary_rows, write_tables

    rows = []
    for proto in protocols or list(CROSSMODAL_PROTOCOLS):
        data = load_crossmodal(proto, root)
        for m in methods or CROSSMODAL_METHODS:
            runs = []
            for s in seeds:
                if log:
                    log(f"{proto} {m['label']} seed {s}")
                runs.append(run_crossmodal_method(m, data, seed=s, epochs=epochs)[1])
            rows += summary_rows(proto, m["label"], "test modality only" if m.get("baseline") else
                                 "trained with HS + it", runs)
    if out is not None:
        write_tables(rows, Path(out), name="crossmodal", title="Crossmodal learning benchmark", context=())
    return rows


def add_arguments(parser) -> None:
    parser.add_argument("--root", default="../shared/data", help="data root (default ../shared/data)")
    parser.add_argument("--protocols", nargs="+", choices=list(CROSSMODAL_PROTOCOLS), help="default: every one")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument("--epochs", type=int, default=150, help="network epochs (default 150)")
    parser.add_argument("--out", default="docs/benchmarks", help="folder of crossmodal.{md,csv}")


def run_cli(args) -> int:
    rows = run_crossmodal_benchmark(args.root, protocols=args.protocols, seeds=args.seeds, epochs=args.epochs,
                                    out=args.out)
    print(f"{len(rows)} rows written to {Path(args.out) / 'crossmodal.md'}")
    return 0
