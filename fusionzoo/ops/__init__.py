"""Image operators shared by methods, metrics and datasets (batched torch, CPU or GPU)."""

from .contourlet import contourlet_decompose, contourlet_reconstruct
from .curvelet import curvelet_decompose, curvelet_reconstruct
from .degrade import decimate_nearest, degrade
from .interp import interp23tap, interp23tap_kernel
from .mtf import filter_replicate, fwind1, mtf_filter, mtf_kernel
from .resize import imresize, nearest_indices, resize_matrix

__all__ = ["interp23tap", "interp23tap_kernel", "mtf_kernel", "mtf_filter", "fwind1", "filter_replicate",
           "imresize", "resize_matrix", "nearest_indices", "degrade", "decimate_nearest",
           "contourlet_decompose", "contourlet_reconstruct", "curvelet_decompose", "curvelet_reconstruct"]
