"""Multimodal classification datasets (torchgeo ``NonGeoDataset``): co-registered modality rasters and label
maps, sampled as pixel vectors or patches (:mod:`.sampling`), one dataset per file.

Samples: one float32 tensor per modality, ``label`` (0-based), ``row`` / ``col``, ``norm`` (see
:class:`ClassificationDataset`); every raster-backed dataset also gives :meth:`~ClassificationDataset.rasters`
(the whole co-registered rasters) and :meth:`~ClassificationDataset.label_map` (a split's map of file ids).
"""

from ._common import (
    PALETTE20,
    ClassificationDataset,
    HSDatasetNotFoundError,
    MatRasterDataset,
    minmax,
    plot_class_map,
    plot_sample,
    sha256_file,
)
from .houston2013 import HOUSTON2013_ROI_NAMES, EnviROI, Houston2013, read_envi_roi_txt, read_split_map, rois_to_map
from .houston2013_sets import HoustonMDLRSSets
from .houston2018 import CROP_DFC2018_IDS, DFC2018_CLASSES, Houston2018Classification, Houston2018CropClassification
from .muufl import MUUFL, read_mat_struct_field
from .s2fl import Augsburg, Berlin
from .sampling import (
    PATCH_LAYOUTS,
    block_assignment,
    block_mode,
    block_split,
    labelled_pixels,
    pad_raster,
    patches,
    pixel_vectors,
    split_map,
    stratified_split,
    vectors_to_patches,
)
from .trento import Trento

__all__ = [
    "CROP_DFC2018_IDS",
    "DFC2018_CLASSES",
    "HOUSTON2013_ROI_NAMES",
    "MUUFL",
    "PALETTE20",
    "PATCH_LAYOUTS",
    "Augsburg",
    "Berlin",
    "ClassificationDataset",
    "EnviROI",
    "HSDatasetNotFoundError",
    "Houston2013",
    "Houston2018Classification",
    "Houston2018CropClassification",
    "HoustonMDLRSSets",
    "MatRasterDataset",
    "Trento",
    "block_assignment",
    "block_mode",
    "block_split",
    "labelled_pixels",
    "minmax",
    "pad_raster",
    "patches",
    "pixel_vectors",
    "plot_class_map",
    "plot_sample",
    "read_envi_roi_txt",
    "read_mat_struct_field",
    "read_split_map",
    "rois_to_map",
    "sha256_file",
    "split_map",
    "stratified_split",
    "vectors_to_patches",
]

#: the datasets by short name (as :class:`~fusionzoo.datamodules.classification.ClassificationDataModule` takes them)
DATASETS = {"houston2013": Houston2013, "trento": Trento, "muufl": MUUFL, "augsburg": Augsburg, "berlin": Berlin,
            "houston2018": Houston2018Classification, "houston2018_crop": Houston2018CropClassification}

__all__ += ["DATASETS"]
