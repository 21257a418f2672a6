"""Lightning data modules (torchgeo ``NonGeoDataModule``)."""

from .pansharpening import PanCollectionDataModule, WaldPatchesDataModule

__all__ = ["WaldPatchesDataModule", "PanCollectionDataModule"]
