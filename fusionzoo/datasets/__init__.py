"""Datasets (torchgeo ``NonGeoDataset``): dict samples, one key per modality."""

from .scenes import PUBLIC_SCENES, Scene, SceneSource, load_scene, read_mat
from .wald import WaldPatches, degrade_scene, split_blocks
from .pancollection import GeoTiffPairs, GripScenes, PanCollection, PanCollectionNotFoundError, ToolboxScenes

__all__ = ["PUBLIC_SCENES", "Scene", "SceneSource", "load_scene", "read_mat", "WaldPatches", "degrade_scene",
           "split_blocks", "PanCollection", "PanCollectionNotFoundError", "ToolboxScenes", "GripScenes",
           "GeoTiffPairs"]
