"""Trento (rural area south of Trento, Italy): AISA Eagle hyperspectral (63 bands, 402-989 nm) + Optech ALTM
LiDAR DSM, 166 x 600 pixels at 1 m, 6 classes, the standard fixed split (819 training / 29395 test pixels).

Files (MATLAB v5, any sub-folder of ``root``; the MGMNet names first, then the tyust-dayu ones):

* ``HSI.mat`` key ``HSI`` (166, 600, 63), or ``Italy_hsi.mat`` key ``data``; optional.
* ``LiDAR.mat`` key ``LiDAR`` float32 (166, 600), the DSM in metres; or ``Italy_lidar.mat`` key ``data``
  float32 (166, 600, 2) (channel 0 the same DSM, channel 1 an unidentified second raster): then ``lidar`` has 2
  channels.
* ``TRLabel.mat`` key ``TRLabel`` / ``TSLabel.mat`` key ``TSLabel``: uint8 (166, 600), 0 unlabelled, 1..6, the
  standard split; ``allgrd.mat`` key ``mask_test``: all labels (their union), for ``split="all"``.

Class names: MFT (Roy et al., TGRS 2023) and rs-fusion-datasets (Apple trees, Buildings, Ground, Woods,
Vineyard, Roads).  No official download exists: the data come from Prof. L. Bruzzone (University of Trento) "on
request"; copies circulate in https://github.com/weiweisong415/MGMNet (labels, LiDAR) and
https://github.com/tyust-dayu/Trento.  No checksum is published: the pins below were computed here from the
copies in weiweisong415/MGMNet @ 4446e7e and tyust-dayu/Trento @ 929599b, except ``Italy_hsi.mat`` (pinned by
rs-fusion-datasets, not verified here).  Terms: none stated; treat as not redistributable.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ._common import PALETTE20, MatRasterDataset

__all__ = ["Trento"]


class Trento(MatRasterDataset):
    """Trento HS + LiDAR classification with the standard split.

    Args: root, split (``"train"``, ``"test"`` or ``"all"``), modalities (``"hs"``, ``"lidar"``; default: those
    present), mode, patch_size, normalize (default ``"band"``), transforms, checksum: see
    :class:`~fusionzoo.datasets.classification.ClassificationDataset`.
    """

    classes = ("Apple trees", "Buildings", "Ground", "Woods", "Vineyard", "Roads")
    colors = PALETTE20[:6]
    all_modalities = ("hs", "lidar")
    splits = ("train", "test", "all")
    url = "https://github.com/weiweisong415/MGMNet"
    folders = ("Trento",)
    raster_files: ClassVar[dict] = {"hs": (("HSI.mat", ("HSI",)), ("Italy_hsi.mat", ("data",))),
                                    "lidar": (("LiDAR.mat", ("LiDAR",)), ("Italy_lidar.mat", ("data",)))}
    label_files: ClassVar[dict] = {"train": (("TRLabel.mat", ("TRLabel",)),), "test": (("TSLabel.mat", ("TSLabel",)),),
                                   "all": (("allgrd.mat", ("mask_test",)),)}
    sha256: ClassVar[dict] = {
        "LiDAR.mat": "d99347532e7b18982c9537fd4de43574dd64f9b35ccab251459e7b483ddd43df",
        "TRLabel.mat": "593976a1bef4edf06ec543926811509f997454557aa9313ed6165b3012c26e07",
        "TSLabel.mat": "629ae33464907098cacf58549996711bf7079f036946f9208fde8a67842ab499",
        "allgrd.mat": "7e3fb2a2ea22c2661dfc768db3cb93c9643b324e7e64fadedfa57f5edbf1818f",
        "Italy_lidar.mat": "a04dc90368d6a7b4f9d3936024ba9fef4105456c090daa14fff31b8b79e94ab1",
        "Italy_hsi.mat": "7b965fd405314b5c91451042e547a1923be6f5a38c6da83969032cff79729280",
    }

    def _where(self) -> str:
        return (f"Trento has no official download (the data are distributed by Prof. L. Bruzzone, University of "
                f"Trento, on request; copies: {self.url} and https://github.com/tyust-dayu/Trento; no checksum is "
                f"published). Put HSI.mat, LiDAR.mat, TRLabel.mat and TSLabel.mat under {self.root}")

    def _check_labels(self) -> None:
        union = "labels_train" in self.files and "labels_test" in self.files  # their union makes "all" as well
        if self.split == "all" and "labels_all" not in self.files and union:
            return
        super()._check_labels()

    def _read_label_map(self, split: str) -> np.ndarray:
        if split == "all" and "labels_all" not in self.files:
            tr, ts = super()._read_label_map("train"), super()._read_label_map("test")
            if np.any((tr > 0) & (ts > 0)):
                raise ValueError("TRLabel and TSLabel overlap; they are not the standard Trento split")
            return np.maximum(tr, ts)
        return super()._read_label_map(split)
