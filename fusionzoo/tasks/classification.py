"""Multimodal classification and crossmodal learning: models take their modalities by keyword, each a pixel
vector (B, C) or a patch (B, C, k, k), and return class scores (B, K).

Classification (``model(hs=..., lidar=...)``; SAR and MS as other modalities) is scored by overall accuracy,
average accuracy, kappa and per-class accuracy (:mod:`fusionzoo.metrics.classification`), as the mean and
standard deviation over seeds, on held-out pixels.  Crossmodal learning trains with several modalities and tests
with one missing: the same contract, the missing modality left out (or zero-filled by models that need it).
"""

from __future__ import annotations

from .base import Modality, Task

__all__ = ["ClassificationTask", "CrossmodalTask"]

_PROTOCOLS = {"official_split": "the dataset's official training / test pixels",
              "disjoint_blocks": "a spatially disjoint block split published with the weights"}


class ClassificationTask(Task):
    name = "classification"
    title = "Multimodal classification"
    modalities = (Modality("hs", "hyperspectral pixels or patches", kind="patch"),
                  Modality("lidar", "LiDAR rasters or features (DSM, profiles)", required=False, kind="patch"),
                  Modality("sar", "SAR pixels or patches", required=False, kind="patch"),
                  Modality("ms", "multispectral / RGB pixels or patches", required=False, kind="patch"))
    output = "class scores (B, K); over a scene, a class map"
    metrics = ("OA", "AA", "kappa")
    protocols = _PROTOCOLS
    primary = "hs"


class CrossmodalTask(ClassificationTask):
    name = "crossmodal"
    title = "Crossmodal learning"
    output = "class scores (B, K) from the modalities present at test time"
    protocols = {**_PROTOCOLS, "missing_modality": "trained with every modality, tested with one missing"}
