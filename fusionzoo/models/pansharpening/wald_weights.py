"""The two fusionzoo training sets of the pansharpening CNNs and the ``Weights`` records made on them.

Every pansharpening network (PNN, DRPNN, PanNet, MSDCNN, DiCNN, BDPN) ships two tags trained the same way by
Wald's protocol on the real scenes of ``../shared/data`` (``fusionzoo.datasets.PUBLIC_SCENES``):

- ``wv23``: 8 bands (WorldView-2 / WorldView-3 order), trained on four WorldView scenes, evaluated on the
  held-out WorldView-3 image ``wv3_cdif``;
- ``vhr4``: 4 bands (blue, green, red, NIR), trained on IKONOS, GeoEye-1 and QuickBird scenes, evaluated on
  the held-out QuickBird test pair ``qb_abfnet_test`` and on ``pleiades_cdif`` (a sensor not seen in training).

The held-out images are scored at reduced resolution against their reference (Q2n, SAM, ERGAS, SCC) and, as
input pairs at their native scale without the reference, at full resolution (D_lambda, D_s, HQNR), beside the
classical methods ``exp``, ``mtf_glp_hpm``, ``bt_h`` and ``gsa`` measured on the same images (between them
the best classical method on each held-out image; ``docs/benchmarks/`` has every method).  Each family file
keeps its own numbers and calls :func:`wald_weights`, so the data descriptions live here once.
"""

from __future__ import annotations

from typing import Mapping

from ...results import load_result
from ...weights import Weights

__all__ = ["wald_weights", "BASELINES", "EVAL_SCENES", "TRAIN_SCENES", "LICENSE"]

GRIP_TERMS = "GRIP-UNINA: non-profit use only, cite the source"
LICENSE = "cc-by-nc-sa-4.0"  # share-alike (SpaceNet) and non-commercial (GRIP-UNINA) training data
BASELINES = ("exp", "mtf_glp_hpm", "bt_h", "gsa")
PROTOCOLS = ("reduced_resolution: reference-based Q2n, SAM, ERGAS, SCC; full_resolution: the input pair at its "
             "native scale without the reference, D_lambda (Khan), D_s, HQNR")

_WV8 = ("coastal", "blue", "green", "yellow", "red", "red_edge", "nir1", "nir2")
_BGRN = ("blue", "green", "red", "nir")

TRAIN_SCENES: dict[str, tuple[Mapping[str, str], ...]] = {
    "wv23": (
        {"name": "wv2_grip", "terms": GRIP_TERMS,
         "description": "WorldView-2 scene imgWV2.mat of the GRIP-UNINA PNN code (sergiovitale/"
                        "pansharpening-cnn-python-version @ 08e10d7), 320x320x8 MS / 1280x1280 PAN, 11-bit"},
        {"name": "wv3_spacenet_shanghai", "terms": "CC BY-SA 4.0",
         "description": "WorldView-3 SpaceNet 3 AOI 4 Shanghai img1920 (sshuair/torchsat @ a737212 "
                        "sample-data), 325x325x8 MS / 1300x1300 PAN, 11-bit"},
        {"name": "wv2_rio", "terms": "none stated",
         "description": "WorldView-2 Rio de Janeiro pair (hasandc/Pansharpening), 128x128x8 MS / 512x512 "
                        "PAN (float DN), used as a full-resolution scene"},
        {"name": "wv3_zpnn", "terms": "GRIP-UNINA non-profit",
         "description": "WorldView-3 example of Z-PNN (matciotola/Z-PNN @ 0bcea2f), 32x32x8 MS / 128x128 PAN"},
    ),
    "vhr4": (
        {"name": "ikonos_grip", "terms": GRIP_TERMS,
         "description": "IKONOS scene imgIK.mat of the GRIP-UNINA PNN code, 320x320x4 MS / 1280x1280 PAN, "
                        "11-bit"},
        {"name": "geoeye1_grip", "terms": GRIP_TERMS,
         "description": "GeoEye-1 scene imgGE1.mat of the GRIP-UNINA PNN code, 320x320x4 MS / 1280x1280 PAN, "
                        "stored at 8 bits"},
        {"name": "qb_abfnet_full", "terms": "none stated",
         "description": "QuickBird full-resolution pair of ABFNet (hunchteller/ABFNet_Pansharpening @ "
                        "8173bb6), 256x256x4 MS / 1024x1024 PAN, 11-bit"},
    ),
}

EVAL_SCENES: dict[str, tuple[Mapping[str, str], ...]] = {
    "wv23": (
        {"name": "wv3_cdif", "terms": "Apache-2.0", "protocol": PROTOCOLS,
         "description": "WorldView-3 reduced-resolution test image WV3_test.mat of CDIF (liangjiandeng/CDIF "
                        "@ 8e6bcbd): 64x64x8 MS, 256x256 PAN and 256x256x8 reference (PanCollection-style "
                        "Wald degradation); scored at 11-bit DN with a 20/21-pixel border cut"},
    ),
    "vhr4": (
        {"name": "qb_abfnet_test", "terms": "none stated", "protocol": PROTOCOLS,
         "description": "QuickBird reduced-resolution test pair of ABFNet: 64x64x4 MS, 256x256 PAN and "
                        "256x256x4 reference, another image than the training pair; its MS was decimated at "
                        "offset 0, so its numbers are not comparable with published QuickBird tables"},
        {"name": "pleiades_cdif", "terms": "Apache-2.0", "protocol": PROTOCOLS,
         "description": "Pleiades reduced-resolution test image Pleiades_test.mat of CDIF (liangjiandeng/CDIF "
                        "@ 8e6bcbd): 64x64x4 MS, 256x256 PAN, 256x256x4 reference; a sensor not seen in "
                        "training; scored at 12-bit DN"},
    ),
}

_SENSOR = {
    "wv23": dict(sensor="WV3", bands=_WV8, wavelengths=(425.0, 480.0, 545.0, 605.0, 660.0, 725.0, 833.0, 950.0),
                 bit_depth=11, scaling="DN / 2047 (11-bit WorldView-2/3 products); inputs and output in [0, 1]"),
    "vhr4": dict(sensor="QB", bands=_BGRN, wavelengths=(485.0, 560.0, 660.0, 830.0), bit_depth=11,
                 scaling="DN / (2**bits - 1) of the product (11-bit IKONOS / QuickBird, the 8-bit GeoEye-1 "
                         "product by 255); inputs and output in [0, 1]"),
}

_RECIPE = ("Wald's protocol on each full-resolution training scene (MS filtered with the sensor's MTF-matched "
           "Gaussian and decimated by 4, PAN reduced by MATLAB-style bicubic resize; the original MS is the "
           "reference); 64x64 PAN patches every 8 pixels inside 128x128 blocks dealt 80/10/10 to "
           "train/val/test; flips, 90-degree rotations and random per-band gains (exp U(-0.3, 0.3)); {init}; "
           "Adam {lr}, batch 16, MSE; {epochs} epochs on 2 CPU cores; the checkpoint with the lowest "
           "validation loss is shipped ({best}). Evaluation images are never seen in training.")


def wald_weights(arch: str, tag: str, ratio: int = 4) -> Weights:
    """The ``Weights`` record of ``arch.tag`` (``tag`` ``"wv23"`` or ``"vhr4"``) trained by the fusionzoo recipe
    ``configs/pansharpening/<arch>_<tag>.yaml``; its measured numbers (sha256, parameters, what the run did,
    held-out scores) come from ``fusionzoo/results/pansharpening/<arch>.<tag>.json`` and the baselines' scores
    from ``baselines.<tag>.json``, which ``scripts/record_weights.py`` writes."""
    s = _SENSOR[tag]
    rec = load_result("pansharpening", f"{arch}.{tag}")
    run = dict(rec["training"])
    run.setdefault("init", "default initialisation")
    return Weights(
        tag=tag, ratio=ratio, normalization="none beyond the scaling",
        train_data=TRAIN_SCENES[tag], eval_data=EVAL_SCENES[tag], metrics=rec["metrics"],
        baselines=load_result("pansharpening", f"baselines.{tag}"), num_params=rec["num_params"], license=LICENSE,
        recipe=f"configs/pansharpening/{arch}_{tag}.yaml", sha256=rec["sha256"], hf_revision="v0.1.0",
        model_kwargs={"bands": len(s["bands"]), "ratio": ratio}, description=_RECIPE.format(**run), **s)
