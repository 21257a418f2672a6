"""HS-MS fusion datasets (torchgeo ``NonGeoDataset``), one per file.

Single hyperspectral scenes (a sample is ``{"gt": cube}``, or ``{"hs", "ms", "gt"}`` through a degradation):
:class:`CAVE`, :class:`Harvard`, :class:`PaviaUniversity`, :class:`PaviaCentre`, :class:`Chikusei`,
:class:`WashingtonDCMall`, :class:`Houston2018`.  Real HS + MS pairs (``{"hs", "ms"}``, with ``gt`` when
reduced): :class:`Houston2018Crop`, :class:`HySureParis`, :class:`GeoTiffHSMSPair`.  Training patches with a
spatially disjoint split: :class:`HSPatches`.  The sample conventions are in :mod:`._common`.
"""

from ._common import HSDatasetNotFoundError, plot_hsms_sample, read_envi, read_mat_variable, rgb_indexes
from ._pairs import block_average
from .cave import CAVE, CAVE_SCENES, read_cave_band
from .chikusei import Chikusei
from .geotiff_pair import GeoTiffHSMSPair, check_hs_ms_georeference
from .harvard import Harvard
from .houston2018 import Houston2018, Houston2018Crop
from .hysure_demo import HySureDemo, HySureParis, hyperion_wavelengths
from .patches import HSPatches, load_cubes
from .pavia import PaviaCentre, PaviaUniversity
from .washington_dc import WashingtonDCMall

__all__ = ["HSDatasetNotFoundError", "plot_hsms_sample", "read_envi", "read_mat_variable", "rgb_indexes",
           "block_average", "CAVE", "CAVE_SCENES", "read_cave_band", "Chikusei", "GeoTiffHSMSPair",
           "check_hs_ms_georeference", "Harvard", "Houston2018", "Houston2018Crop", "HySureDemo", "HySureParis",
           "hyperion_wavelengths", "HSPatches", "load_cubes", "PaviaCentre", "PaviaUniversity", "WashingtonDCMall"]
