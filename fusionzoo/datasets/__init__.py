"""Datasets (torchgeo ``NonGeoDataset``): dict samples, one key per modality; one subpackage per task
(:mod:`.pansharpening`, :mod:`.hs_ms_fusion`, :mod:`.classification`), one dataset per file."""

from .classification import (MUUFL, Augsburg, Berlin, ClassificationDataset, Houston2013, Houston2018Classification,
                             Houston2018CropClassification, HoustonMDLRSSets, Trento)
from .hs_ms_fusion import (CAVE, Chikusei, GeoTiffHSMSPair, Harvard, HSPatches, Houston2018, Houston2018Crop,
                           HySureParis, PaviaCentre, PaviaUniversity, WashingtonDCMall)
from .pansharpening import (PUBLIC_SCENES, GeoTiffPairs, GripScenes, PanCollection, PanCollectionNotFoundError,
                            Scene, SceneSource, ToolboxScenes, WaldPatches, degrade_scene, load_scene, read_mat,
                            split_blocks)

__all__ = ["PUBLIC_SCENES", "Scene", "SceneSource", "load_scene", "read_mat", "WaldPatches", "degrade_scene",
           "split_blocks", "PanCollection", "PanCollectionNotFoundError", "ToolboxScenes", "GripScenes",
           "GeoTiffPairs", "CAVE", "Harvard", "PaviaUniversity", "PaviaCentre", "Chikusei", "WashingtonDCMall",
           "Houston2018", "Houston2018Crop", "HySureParis", "GeoTiffHSMSPair", "HSPatches",
           "ClassificationDataset", "Houston2013", "HoustonMDLRSSets", "Trento", "MUUFL", "Augsburg", "Berlin",
           "Houston2018Classification", "Houston2018CropClassification"]
