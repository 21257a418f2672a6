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

from typing import Any, Mapping

from ..weights import Weights

__all__ = ["wald_weights", "BASELINES", "BASELINE_SCORES", "EVAL_SCENES", "TRAIN_SCENES", "LICENSE"]

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

# Scores of the baselines on the held-out images, the same for every network (scripts/record_weights.py
# --write-baselines measures and writes them).
BASELINE_SCORES: dict[str, dict[str, Any]] = {
    # baselines: wv23
    "wv23": {
        "exp": {
            "wv3_cdif": {
                "reduced_resolution": {"Q2n": 0.7142, "SAM": 6.1582, "ERGAS": 8.629, "SCC": 0.7524},
                "full_resolution": {"D_lambda": 0.0399, "D_s": 0.1982, "HQNR": 0.7698},
            },
        },
        "mtf_glp_hpm": {
            "wv3_cdif": {
                "reduced_resolution": {"Q2n": 0.8994, "SAM": 5.2131, "ERGAS": 4.8639, "SCC": 0.9376},
                "full_resolution": {"D_lambda": 0.0872, "D_s": 0.0485, "HQNR": 0.8685},
            },
        },
        "bt_h": {
            "wv3_cdif": {
                "reduced_resolution": {"Q2n": 0.8994, "SAM": 5.0053, "ERGAS": 4.9416, "SCC": 0.9379},
                "full_resolution": {"D_lambda": 0.0981, "D_s": 0.0493, "HQNR": 0.8574},
            },
        },
        "gsa": {
            "wv3_cdif": {
                "reduced_resolution": {"Q2n": 0.8907, "SAM": 5.537, "ERGAS": 5.1243, "SCC": 0.925},
                "full_resolution": {"D_lambda": 0.0891, "D_s": 0.048, "HQNR": 0.8672},
            },
        },
    },
    # baselines: wv23 end
    # baselines: vhr4
    "vhr4": {
        "exp": {
            "qb_abfnet_test": {
                "reduced_resolution": {"Q2n": 0.5844, "SAM": 1.8573, "ERGAS": 1.8609, "SCC": 0.8615},
                "full_resolution": {"D_lambda": 0.0318, "D_s": 0.1866, "HQNR": 0.7875},
            },
            "pleiades_cdif": {
                "reduced_resolution": {"Q2n": 0.7681, "SAM": 4.718, "ERGAS": 5.9381, "SCC": 0.7647},
                "full_resolution": {"D_lambda": 0.0289, "D_s": 0.1439, "HQNR": 0.8314},
            },
        },
        "mtf_glp_hpm": {
            "qb_abfnet_test": {
                "reduced_resolution": {"Q2n": 0.8607, "SAM": 1.613, "ERGAS": 1.222, "SCC": 0.9643},
                "full_resolution": {"D_lambda": 0.0469, "D_s": 0.0805, "HQNR": 0.8764},
            },
            "pleiades_cdif": {
                "reduced_resolution": {"Q2n": 0.9793, "SAM": 2.7045, "ERGAS": 2.116, "SCC": 0.9722},
                "full_resolution": {"D_lambda": 0.0119, "D_s": 0.056, "HQNR": 0.9327},
            },
        },
        "bt_h": {
            "qb_abfnet_test": {
                "reduced_resolution": {"Q2n": 0.9047, "SAM": 1.6327, "ERGAS": 0.9867, "SCC": 0.9668},
                "full_resolution": {"D_lambda": 0.1231, "D_s": 0.0959, "HQNR": 0.7929},
            },
            "pleiades_cdif": {
                "reduced_resolution": {"Q2n": 0.9793, "SAM": 2.8714, "ERGAS": 2.1097, "SCC": 0.9726},
                "full_resolution": {"D_lambda": 0.0114, "D_s": 0.0487, "HQNR": 0.9404},
            },
        },
        "gsa": {
            "qb_abfnet_test": {
                "reduced_resolution": {"Q2n": 0.9187, "SAM": 1.5003, "ERGAS": 0.9353, "SCC": 0.9699},
                "full_resolution": {"D_lambda": 0.1448, "D_s": 0.1326, "HQNR": 0.7418},
            },
            "pleiades_cdif": {
                "reduced_resolution": {"Q2n": 0.9761, "SAM": 3.1582, "ERGAS": 2.2666, "SCC": 0.9609},
                "full_resolution": {"D_lambda": 0.0113, "D_s": 0.0515, "HQNR": 0.9378},
            },
        },
    },
    # baselines: vhr4 end
}

_RECIPE = ("Wald's protocol on each full-resolution training scene (MS filtered with the sensor's MTF-matched "
           "Gaussian and decimated by 4, PAN reduced by MATLAB-style bicubic resize; the original MS is the "
           "reference); 64x64 PAN patches every 8 pixels inside 128x128 blocks dealt 80/10/10 to "
           "train/val/test; flips, 90-degree rotations and random per-band gains (exp U(-0.3, 0.3)); {init}; "
           "Adam {lr}, batch 16, MSE; {epochs} epochs on 2 CPU cores; the checkpoint with the lowest "
           "validation loss is shipped ({best}). Evaluation images are never seen in training.")


def wald_weights(arch: str, tag: str, *, metrics: Mapping[str, Any], sha256: str,
                 num_params: int, epochs: int, best: str, lr: str = "5e-4", init: str = "default initialisation",
                 ratio: int = 4) -> Weights:
    """The ``Weights`` record of ``arch.tag`` (``tag`` ``"wv23"`` or ``"vhr4"``) trained by the fusionzoo
    recipe ``configs/pansharpening/<arch>_<tag>.yaml``."""
    s = _SENSOR[tag]
    return Weights(
        tag=tag, ratio=ratio, normalization="none beyond the scaling",
        train_data=TRAIN_SCENES[tag], eval_data=EVAL_SCENES[tag], metrics=metrics, baselines=BASELINE_SCORES[tag],
        num_params=num_params, license=LICENSE, recipe=f"configs/pansharpening/{arch}_{tag}.yaml", sha256=sha256,
        hf_revision="v0.1.0", model_kwargs={"bands": len(s["bands"]), "ratio": ratio},
        description=_RECIPE.format(init=init, lr=lr, epochs=epochs, best=best), **s)
