"""EndNet: deep encoder-decoder networks for the classification of hyperspectral and LiDAR data (Hong et al.).

D. Hong, L. Gao, R. Hang, B. Zhang, J. Chanussot, "Deep Encoder-Decoder Networks for Classification of
Hyperspectral and LiDAR Data", IEEE GRSL 19:5500205, 2022 (early access 2020), DOI 10.1109/LGRS.2020.3017414.

The authors' ``EndNet.py`` is the same network as MDL-RS's ``En_de_fusion_FC.py`` in its MML mode, so this file
reuses :class:`~.mdlrs.MDLRSEnDe` with the FC backbone: per modality a 16 -> 32 -> 64 -> 128 dense encoder on the
pixel vector (dense, BatchNorm, ReLU), the two codes concatenated (256) -> 128 -> 64 -> K, and from the first
joint 128-d activation one decoder per modality 128 -> 64 -> 32 -> 16 -> C with a sigmoid after every layer.
Loss: cross-entropy + 0.001 * sum(0.5 * ||W||^2) (all weights, decoders included) + mean((x_hat - x)^2) per
modality.  92,628 parameters (1,344 BatchNorm running statistics) on Houston 2013 (144 HS bands, 21 LiDAR
features, 15 classes).
"""

from __future__ import annotations

from ...builder import build_model
from ...registry import ArchConfig, register_model
from .mdlrs import MDLRSEnDe
from .weights_records import available_weights

__all__: list[str] = []

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "endnet": ArchConfig(
        task="classification",
        inputs=("hs", "lidar"),
        paper="D. Hong, L. Gao, R. Hang, B. Zhang, J. Chanussot, 'Deep Encoder-Decoder Networks for Classification "
              "of Hyperspectral and LiDAR Data', IEEE GRSL 19:5500205, 2022 (early access 2020)",
        summary="EndNet: FC encoders per modality, joint 256-128-64 head, sigmoid decoders rebuilding both pixel "
                "vectors from the joint code (= MDL-RS En-de FC); 92,628 parameters on Houston 2013",
        url="https://doi.org/10.1109/LGRS.2020.3017414",
        card="endnet.md",
        weights=available_weights("endnet", ("houston2013", "houston2018crop")),
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def endnet(pretrained: bool = False, **kwargs) -> MDLRSEnDe:
    """EndNet (Hong et al., GRSL 2020): FC encoder-decoder fusion of HS and LiDAR pixel vectors."""
    return build_model(MDLRSEnDe, "endnet", pretrained, backbone="fc", **kwargs)
