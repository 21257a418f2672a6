"""Running models on whole scenes: class maps (:mod:`.classification`), pansharpened scenes by tiles
(:mod:`.pansharpening`)."""

from .classification import predict_class_map, write_class_map
from .pansharpening import pansharpen_scene, pansharpen_scenes, tile_plan

__all__ = ["pansharpen_scene", "pansharpen_scenes", "predict_class_map", "tile_plan", "write_class_map"]
