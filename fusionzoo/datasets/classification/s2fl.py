"""The multimodal benchmark sets of S2FL (Hong et al., "Multimodal remote sensing benchmark datasets for land
cover classification with a shared and specific feature learning model", ISPRS JPRS 2021): HS-SAR-DSM
Augsburg and HS-SAR Berlin, on a common 30 m grid, with the authors' fixed train / test maps.

Files (MATLAB v5; the folders ``HS-SAR-DSM Augsburg/`` / ``HS-SAR Berlin/`` of the distribution, or any
sub-folder of ``root``), one variable per file named as the file:

* Augsburg, 332 x 485: ``data_HS_LR.mat`` (332, 485, 180) HySpex HS; ``data_SAR_HR.mat`` (332, 485, 4)
  Sentinel-1 (VV, VH and the real and imaginary parts of the off-diagonal covariance term); ``data_DSM.mat``
  (332, 485) DLR-3K DSM; ``TrainImage.mat`` uint8 and ``TestImage.mat`` **float32** (whole numbers 0..7), 761 /
  77533 labelled pixels, 7 classes.
* Berlin, 1723 x 476: ``data_HS_LR.mat`` (1723, 476, 244) simulated EnMAP HS, ``data_SAR_HR.mat`` (1723, 476, 4),
  ``TrainImage.mat`` / ``TestImage.mat``, 8 classes.

Class names: Augsburg as listed by MFT (Roy et al., TGRS 2023, Fig. 7); Berlin as rs-fusion-datasets lists them.
Download: the Google Drive / Baidu links of https://github.com/danfenghong/ISPRS_S2FL (README).  No checksum is
published; the Augsburg label maps' sha256 were computed here from the copies in yashgv/major-project @ ea9f4eb
(the HS, SAR and DSM files were not available to check).  Terms: "freely and openly available", cite the paper.
"""

from __future__ import annotations

from typing import ClassVar

from ._common import PALETTE20, MatRasterDataset

__all__ = ["Augsburg", "Berlin"]

_URL = "https://github.com/danfenghong/ISPRS_S2FL"


class _S2FL(MatRasterDataset):
    splits = ("train", "test")
    url = _URL
    label_files: ClassVar[dict] = {"train": (("TrainImage.mat", ("TrainImage",)),),
                                   "test": (("TestImage.mat", ("TestImage",)),)}

    def _where(self) -> str:
        folder = self.folders[0]
        files = ", ".join(f for cands in self.raster_files.values() for f, _ in cands)
        return (f"Download the S2FL benchmark data from the Google Drive / Baidu links of {self.url} (README; no "
                f"checksum is published) and put the folder '{folder}' ({files}, TrainImage.mat, TestImage.mat) "
                f"under {self.root}")


class Augsburg(_S2FL):
    """S2FL HS-SAR-DSM Augsburg (332 x 485, 30 m): modalities ``hs`` (180), ``sar`` (4), ``dsm`` (1).

    Args: root, split (``"train"`` / ``"test"``), modalities (default: those present), mode, patch_size,
    normalize (default ``"band"``), transforms, checksum: see
    :class:`~fusionzoo.datasets.classification.ClassificationDataset`.
    """

    classes = ("Forest", "Residential area", "Industrial area", "Low plants", "Allotment", "Commercial area", "Water")
    colors = PALETTE20[:7]
    all_modalities = ("hs", "sar", "dsm")
    folders = ("HS-SAR-DSM Augsburg", "Augsburg")
    raster_files: ClassVar[dict] = {"hs": (("data_HS_LR.mat", ("data_HS_LR",)),),
                                    "sar": (("data_SAR_HR.mat", ("data_SAR_HR",)),),
                                    "dsm": (("data_DSM.mat", ("data_DSM",)),)}
    sha256: ClassVar[dict] = {"TrainImage.mat": "b912b3807b703cbd511ba0e64fd8e5e040a59abc7ff6d51193dda0868c516d45",
                              "TestImage.mat": "87f9c9e0436007768ca7738c300b7c7812541e7043c69addd81c48c3bdc3c9fd"}


class Berlin(_S2FL):
    """S2FL HS-SAR Berlin (1723 x 476): modalities ``hs`` (244), ``sar`` (4).

    Args: as :class:`Augsburg`.
    """

    classes = ("Forest", "Residential area", "Industrial area", "Low plants", "Soil", "Allotment", "Commercial area",
               "Water")
    colors = PALETTE20[:8]
    all_modalities = ("hs", "sar")
    folders = ("HS-SAR Berlin", "Berlin")
    raster_files: ClassVar[dict] = {"hs": (("data_HS_LR.mat", ("data_HS_LR",)),),
                                    "sar": (("data_SAR_HR.mat", ("data_SAR_HR",)),)}
    sha256: ClassVar[dict[str, str]] = {}
