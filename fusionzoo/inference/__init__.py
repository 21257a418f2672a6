"""Running models on whole scenes: class maps (:mod:`.classification`)."""

from .classification import predict_class_map, write_class_map

__all__ = ["predict_class_map", "write_class_map"]
