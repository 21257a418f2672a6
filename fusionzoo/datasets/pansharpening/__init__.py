"""Pansharpening datasets, one per file: the catalogue of real scenes (:mod:`.scenes`), Wald-protocol patches
(:mod:`.wald_patches`), PanCollection, the toolbox and GRIP-UNINA ``.mat`` folders and GeoTIFF pairs."""

from .geotiff_pairs import GeoTiffPairs
from .grip_scenes import GripScenes
from .pancollection import PanCollection, PanCollectionNotFoundError
from .scenes import PUBLIC_SCENES, Scene, SceneSource, load_scene, read_mat
from .toolbox_scenes import ToolboxScenes
from .wald_patches import WaldPatches, degrade_scene, split_blocks

__all__ = ["PUBLIC_SCENES", "Scene", "SceneSource", "load_scene", "read_mat", "WaldPatches", "degrade_scene",
           "split_blocks", "PanCollection", "PanCollectionNotFoundError", "ToolboxScenes", "GripScenes",
           "GeoTiffPairs"]
