"""Datasets (torchgeo ``NonGeoDataset``): dict samples, one key per modality; one subpackage per task
(:mod:`.pansharpening`, :mod:`.hs_ms_fusion`), one dataset per file."""

from .hs_ms_fusion import (CAVE, Chikusei, GeoTiffHSMSPair, Harvard, HSPatches, Houston2018, Houston2018Crop,
                           HySureParis, PaviaCentre, PaviaUniversity, WashingtonDCMall)
from .pansharpening import (PUBLIC_SCENES, GeoTiffPairs, GripScenes, PanCollection, PanCollectionNotFoundError,
                            Scene, SceneSource, ToolboxScenes, WaldPatches, degrade_scene, load_scene, read_mat,
                            split_blocks)

__all__ = ["PUBLIC_SCENES", "Scene", "SceneSource", "load_scene", "read_mat", "WaldPatches", "degrade_scene",
           "split_blocks", "PanCollection", "PanCollectionNotFoundError", "ToolboxScenes", "GripScenes",
           "GeoTiffPairs", "CAVE", "Harvard", "PaviaUniversity", "PaviaCentre", "Chikusei", "WashingtonDCMall",
           "Houston2018", "Houston2018Crop", "HySureParis", "GeoTiffHSMSPair", "HSPatches"]
