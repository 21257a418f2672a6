"""Lightning data modules (torchgeo ``NonGeoDataModule``), one file per task."""

from .classification import ClassificationDataModule, PixelSetDataModule
from .hs_ms_fusion import HSPatchesDataModule
from .pansharpening import PanCollectionDataModule, WaldPatchesDataModule

__all__ = ["WaldPatchesDataModule", "PanCollectionDataModule", "HSPatchesDataModule", "ClassificationDataModule",
           "PixelSetDataModule"]
