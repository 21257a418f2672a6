"""Lightning data modules (torchgeo ``NonGeoDataModule``)."""

from .pansharpening import WaldPatchesDataModule

__all__ = ["WaldPatchesDataModule"]
