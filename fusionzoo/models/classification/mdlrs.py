"""MDL-RS: multimodal deep learning for remote-sensing classification (Hong et al., IEEE TGRS 2021).

D. Hong, L. Gao, N. Yokoya, J. Yao, J. Chanussot, Q. Du, B. Zhang, "More Diverse Means Better: Multimodal Deep
Learning Meets Remote-Sensing Imagery Classification", IEEE TGRS 59(5):4340-4354, 2021, DOI
10.1109/TGRS.2020.3016820.

Twelve networks, written from the layer lists of the authors' TF1 scripts (fully connected "FC" nets on pixel
vectors, "CNN" nets on k x k patches, k = 7 by default), each a choice of how two modalities are fused:

- **single** (HSI_FC / LiDAR_FC, HSI_CNNs / LiDAR_CNNs): one modality, encoder then classifier;
- **early**: the modalities concatenated channel-wise before one encoder;
- **middle**: one encoder per modality, the two 128-d codes concatenated, then a joint 128 -> 64 head;
- **late**: encoder *and* 128 -> 64 head per modality, the two 64-d features concatenated before the classifier;
- **endec** (En-de; the FC one is EndNet): middle fusion plus one decoder per modality from the first joint
  128-d activation, a sigmoid after every decoder layer, loss + ``mean((x_hat - x)^2)`` per modality;
- **cross**: the encoders' last layer applied cross-wise with shared weights (each application with its own
  BatchNorm), three joints (both, first only, second only) through the same head weights with separate BatchNorm
  per path; the prediction is the joint path's, loss + ``mean((z2 - z1)^2) + mean((z3 - z1)^2)`` on the logits.

Layers are dense (FC) or 'SAME' convolutions (CNN) with bias, each followed by BatchNorm and ReLU.  The encoder
of a d-channel modality is d -> 16 -> 32 -> 64 -> 128; in the CNN encoder the kernels are 3x3, 1x1, 3x3, 1x1
and the 1x1 layers are followed by BatchNorm, a 2x2 max pool of stride 2 with TF 'SAME' padding (ceil mode:
7 -> 4 -> 2) and then ReLU.  The CNN heads are 1x1 convolutions whose last hidden layer ends with an average pool
(BatchNorm, pool, ReLU); the authors' 2x2 pool of the 2x2 map is a global average pool here, so any odd k works
(the En-de CNN decoders rebuild 7x7 and 9x9 patches only).  Parameters on Houston 2013 (144 HS bands, 21 LiDAR
features, 15 classes; BatchNorm gamma/beta included, running statistics in brackets):

=========  ==================================  ==================================
fusion     FC (pixel vectors)                  CNN (7 x 7 patches)
=========  ==================================  ==================================
single     15,711 (480); LiDAR: 13,743 (480)   50,527 (480); LiDAR: 32,815 (480)
early      40,239 (864)                        77,743 (864)
middle     68,095 (1,344)                      121,983 (1,344)
late       77,823 (1,728)                      131,711 (1,728)
endec      92,628 (1,344)                      208,596 (1,344)
cross      69,375 (2,624)                      123,263 (2,624)
=========  ==================================  ==================================

The L2 factor of each script (``l2_weight`` default, :data:`L2_WEIGHTS`) applies to ``sum(0.5 * ||W||^2)`` over
the weights (no biases, no BatchNorm), see :mod:`.base`.  ``init="tf"`` (default) is the authors' initialisation
(:func:`tf_init_`), ``init="torch"`` keeps PyTorch's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...registry import ArchConfig, register_model
from .base import BatchNorm1d, BatchNorm2d, ClassificationModel
from .weights_records import available_weights

__all__ = ["L2_WEIGHTS", "MDLRS", "TARGET_SUFFIX", "BNStack", "MDLRSCross", "MDLRSEarly", "MDLRSEnDe", "MDLRSLate",
           "MDLRSMiddle", "MDLRSSingle", "make_bn", "maxpool_same", "pooled_size", "tf_init_"]

#: the ``beta_reg`` of each of the authors' scripts, by backbone and fusion
L2_WEIGHTS = {
    "fc": {"single": 0.01, "early": 0.01, "middle": 0.01, "late": 0.01, "endec": 0.001, "cross": 0.01},
    "cnn": {"single": 0.001, "early": 0.001, "middle": 0.001, "late": 0.001, "endec": 0.01, "cross": 0.01},
}
#: a key ``<modality> + TARGET_SUFFIX`` in a training batch holds that modality's reconstruction target
TARGET_SUFFIX = ":target"
ENCODER_WIDTHS = (16, 32, 64, 128)


# --- modules ---------------------------------------------------------------------------------------------
def tf_init_(module: nn.Module, factor: float = 2.0) -> nn.Module:
    """The authors' TF1 initialisation of every dense, convolution and transposed-convolution layer in ``module``:
    ``tf.contrib.layers.variance_scaling_initializer()`` (factor 2, fan-in, normal), i.e. weights from a normal
    of std ``sqrt(1.3 * factor / fan_in)`` truncated at 2 std (sample std ``1.0029 * sqrt(factor / fan_in)``),
    biases 0.  ``fan_in`` is what TF reads off its filter shape: inputs x kernel area for dense and convolution
    layers, *outputs* x kernel area for transposed convolutions (TF's ``[kh, kw, out, in]`` filter); with
    PyTorch's weight layouts that is ``weight[0].numel()`` in all three cases."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            std = math.sqrt(1.3 * factor / m.weight[0].numel())
            nn.init.trunc_normal_(m.weight, 0.0, std, -2.0 * std, 2.0 * std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


def maxpool_same(x: torch.Tensor) -> torch.Tensor:
    """2x2 max pool of stride 2 with TF 'SAME' padding: an odd side is padded at the end (bottom / right) by
    a value that never wins, i.e. PyTorch's ceil mode (7 -> 4 -> 2)."""
    return F.max_pool2d(x, 2, 2, ceil_mode=True)


def pooled_size(k: int, pools: int = 2) -> int:
    """The side of a k x k patch after ``pools`` 'SAME' 2x2 max pools of stride 2 (7 -> 4 -> 2)."""
    for _ in range(pools):
        k = -(-k // 2)
    return k


class BNStack(nn.Module):
    """Layers each followed by its BatchNorm, an optional pool and ReLU (the authors' unit, conv -> BN -> pool ->
    ReLU).  ``widths`` = (in, out1, out2, ...); ``conv``: 'SAME' ``Conv2d`` of the given ``kernels`` (default 1x1)
    on (B, C, H, W), else ``Linear`` on (B, C); ``pools`` per layer: ``None``, ``"max"`` (:func:`maxpool_same`) or
    ``"avg"`` (global average pool, the authors' 2x2 average pool of a 2x2 map)."""

    def __init__(self, widths: Sequence[int], conv: bool, kernels: Sequence[int] | None = None,
                 pools: Sequence[str | None] | None = None) -> None:
        super().__init__()
        n = len(widths) - 1
        kernels = tuple(kernels) if kernels is not None else (1,) * n
        self.pools = tuple(pools) if pools is not None else (None,) * n
        if len(kernels) != n or len(self.pools) != n:
            raise ValueError(f"give one kernel and one pool per layer ({n}), got {kernels} and {self.pools}")
        self.layers = nn.ModuleList(
            nn.Conv2d(i, o, k, padding=k // 2) if conv else nn.Linear(i, o)
            for i, o, k in zip(widths[:-1], widths[1:], kernels))
        self.bns = nn.ModuleList(make_bn(o, conv) for o in widths[1:])

    def unit(self, i: int, x: torch.Tensor, bn: nn.Module | None = None) -> torch.Tensor:
        """Layer ``i`` with its BatchNorm (or ``bn``: the same weights on another path), pool and ReLU."""
        y = (self.bns[i] if bn is None else bn)(self.layers[i](x))
        if self.pools[i] == "max":
            y = maxpool_same(y)
        elif self.pools[i] == "avg":
            y = y.mean((2, 3), keepdim=True)
        return F.relu(y)

    def forward(self, x: torch.Tensor, start: int = 0, stop: int | None = None,
                bns: Sequence[nn.Module] | None = None) -> torch.Tensor:
        """Layers ``start`` to ``stop - 1``; ``bns``: other BatchNorm layers, one per layer of the stack."""
        for i in range(start, len(self.layers) if stop is None else stop):
            x = self.unit(i, x, None if bns is None else bns[i])
        return x


def make_bn(channels: int, conv: bool) -> nn.Module:
    """The task's BatchNorm (TF1 defaults, :func:`~.base.set_bn_mode`) for (B, C, H, W) or (B, C)."""
    return BatchNorm2d(channels) if conv else BatchNorm1d(channels)


def _encoder(channels: int, conv: bool) -> BNStack:
    """A modality's encoder d -> 16 -> 32 -> 64 -> 128 (CNN: 3x3, 1x1 + max pool, 3x3, 1x1 + max pool)."""
    return BNStack((channels, *ENCODER_WIDTHS), conv, kernels=(3, 1, 3, 1),
                   pools=(None, "max", None, "max") if conv else None)


def _head(channels: int, conv: bool) -> BNStack:
    """The hidden head ``channels`` -> 128 -> 64 (CNN: 1x1 convolutions, the last one with the average pool)."""
    return BNStack((channels, 128, 64), conv, pools=(None, "avg") if conv else None)


def _classifier(channels: int, num_classes: int, conv: bool) -> nn.Module:
    """The logits layer: dense, or a 1x1 convolution of the 1x1 map (the authors' kernel shape)."""
    return nn.Conv2d(channels, num_classes, 1) if conv else nn.Linear(channels, num_classes)


def _decoder(channels: int, conv: bool) -> nn.Sequential:
    """An En-de decoder from the 128-d joint activation back to ``channels``, sigmoid after every layer.  FC:
    128 -> 64 -> 32 -> 16 -> C.  CNN (transposed convolutions on the m x m map): 1x1 to 64, 3x3 'SAME' to 32,
    3x3 stride 2 'VALID' to 16 (2m + 1), 3x3 'VALID' to C (2m + 3: 2 -> 7)."""
    if conv:
        layers = [nn.ConvTranspose2d(128, 64, 1), nn.ConvTranspose2d(64, 32, 3, padding=1),
                  nn.ConvTranspose2d(32, 16, 3, stride=2), nn.ConvTranspose2d(16, channels, 3)]
    else:
        layers = [nn.Linear(i, o) for i, o in zip((128, 64, 32, 16), (64, 32, 16, channels))]
    return nn.Sequential(*(m for layer in layers for m in (layer, nn.Sigmoid())))


class MDLRS(ClassificationModel):
    """Base of the MDL-RS networks: the backbone, the defaults of the authors' scripts and the initialisation.

    ``backbone``: ``"fc"`` (pixel vectors, ``patch_size=None``) or ``"cnn"`` (k x k patches, ``patch_size``
    odd, 7 by default); ``l2_weight``: ``None`` takes the script's (:data:`L2_WEIGHTS`); ``init``: ``"tf"`` (the
    authors', :func:`tf_init_`) or ``"torch"`` (PyTorch's defaults); the rest as :class:`~.base.ClassificationModel`
    (``num_classes``, ``modalities``, ``in_channels`` in the same order, ``bn_mode``, ``missing``, ...).
    """

    fusion = ""
    #: the number of modalities the fusion takes (None: any)
    num_modalities: int | None = 2

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "lidar"),
                 in_channels: Sequence[int] = (144, 21), backbone: str = "fc", patch_size: int | None = None,
                 l2_weight: float | None = None, init: str = "tf", **kwargs: Any) -> None:
        if not self.fusion:
            raise TypeError("MDLRS is the base class: build MDLRSSingle, MDLRSEarly, MDLRSMiddle, MDLRSLate, MDLRSEnDe "
                            "or MDLRSCross (or fusionzoo.create_model('mdlrs_fc_middle'), ...)")
        if backbone not in L2_WEIGHTS:
            raise ValueError(f"backbone must be 'fc' (pixel vectors) or 'cnn' (patches), got {backbone!r}")
        if backbone == "fc" and patch_size is not None:
            raise ValueError(f"the FC nets take pixel vectors (patch_size=None), got patch_size={patch_size!r}; "
                             f"use backbone='cnn' (the mdlrs_cnn_* models) for patches")
        if backbone == "cnn":
            patch_size = 7 if patch_size is None else patch_size
            if isinstance(patch_size, bool) or not isinstance(patch_size, int) or patch_size < 1 or patch_size % 2 == 0:
                raise ValueError(f"patch_size must be an odd positive integer (a patch centred on its pixel), "
                                 f"got {patch_size!r}")
        if init not in ("tf", "torch"):
            raise ValueError(f"init must be 'tf' (the authors' truncated-normal fan-in init) or 'torch', got {init!r}")
        n = self.num_modalities
        if n is not None and len(tuple(modalities)) != n:
            what = "one modality" if n == 1 else "exactly two modalities"
            raise ValueError(f"{type(self).__name__} ({self.fusion} fusion) takes {what}, got {tuple(modalities)}; "
                             f"early fusion takes any number")
        l2 = L2_WEIGHTS[backbone][self.fusion] if l2_weight is None else l2_weight
        super().__init__(num_classes, modalities, in_channels, patch_size=patch_size, l2_weight=l2, **kwargs)
        self.backbone = backbone
        self.conv = backbone == "cnn"
        self.init = init
        self._build()
        if init == "tf":
            tf_init_(self)

    def _build(self) -> None:
        raise NotImplementedError

    def _logits(self, h: torch.Tensor) -> torch.Tensor:
        return self.classifier(h).flatten(1)


class MDLRSSingle(MDLRS):
    """One modality (HSI_FC, LiDAR_FC, HSI_CNNs, LiDAR_CNNs): encoder, (CNN: global average pool of the final
    ReLU map,) linear / 1x1 classifier 128 -> K."""

    fusion = "single"
    num_modalities = 1

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs",), in_channels: Sequence[int] = (144,),
                 **kwargs: Any) -> None:
        super().__init__(num_classes, modalities, in_channels, **kwargs)

    def _build(self) -> None:
        (c,) = self.in_channels.values()
        self.branches = nn.ModuleList([_encoder(c, self.conv)])
        self.classifier = _classifier(128, self.num_classes, self.conv)

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        h = self.branches[0](x[self.modalities[0]])
        if self.conv:
            h = h.mean((2, 3), keepdim=True)
        return {"logits": self._logits(h)}


class MDLRSEarly(MDLRS):
    """Early fusion: the modalities concatenated channel-wise (in ``modalities`` order), one encoder, head
    128 -> 128 -> 64, classifier 64 -> K."""

    fusion = "early"
    num_modalities = None

    def _build(self) -> None:
        self.branches = nn.ModuleList([_encoder(sum(self.in_channels.values()), self.conv)])
        self.head = _head(128, self.conv)
        self.classifier = _classifier(64, self.num_classes, self.conv)

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        h = self.branches[0](torch.cat([x[m] for m in self.modalities], 1))
        return {"logits": self._logits(self.head(h))}


class MDLRSMiddle(MDLRS):
    """Middle fusion: an encoder per modality, the two 128-d codes concatenated (256), head 256 -> 128 -> 64,
    classifier 64 -> K."""

    fusion = "middle"

    def _build(self) -> None:
        self.branches = nn.ModuleList(_encoder(c, self.conv) for c in self.in_channels.values())
        self.head = _head(256, self.conv)
        self.classifier = _classifier(64, self.num_classes, self.conv)

    def _joint(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        """The concatenated codes (B, 256) or (B, 256, m, m)."""
        return torch.cat([b(x[m]) for b, m in zip(self.branches, self.modalities)], 1)

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        return {"logits": self._logits(self.head(self._joint(x)))}


class MDLRSLate(MDLRS):
    """Late (feature-level) fusion: per modality an encoder and a head 128 -> 128 -> 64; the two 64-d features
    concatenated (128), classifier 128 -> K.  No decision averaging."""

    fusion = "late"

    def _build(self) -> None:
        self.branches = nn.ModuleList(_encoder(c, self.conv) for c in self.in_channels.values())
        self.heads = nn.ModuleList(_head(128, self.conv) for _ in self.modalities)
        self.classifier = _classifier(128, self.num_classes, self.conv)

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        feats = [h(b(x[m])) for b, h, m in zip(self.branches, self.heads, self.modalities)]
        return {"logits": self._logits(torch.cat(feats, 1))}


class MDLRSEnDe(MDLRSMiddle):
    """En-de fusion (EndNet for the FC backbone): middle fusion plus a decoder per modality from the first joint
    activation (128-d, after BatchNorm and ReLU; CNN: the 128 x m x m map), sigmoid after every decoder layer,
    no BatchNorm.  :meth:`aux_losses`: ``mean((x_hat - x)^2)`` per modality (weight 1) against the input as given
    to the network (a zero-filled missing modality included).

    ``cml_training=True``: every training batch is tripled into (both, second zeroed, first zeroed) with the full
    inputs as reconstruction targets, the authors' CML training set of En-de (:meth:`training_batch`).
    """

    fusion = "endec"

    def __init__(self, *args: Any, cml_training: bool = False, **kwargs: Any) -> None:
        if not isinstance(cml_training, bool):
            raise TypeError(f"cml_training must be True or False, got {cml_training!r}")
        super().__init__(*args, **kwargs)
        self.cml_training = cml_training

    def _build(self) -> None:
        super()._build()
        if self.conv:
            m = pooled_size(self.patch_size)
            if 2 * m + 3 != self.patch_size:
                raise ValueError(f"the En-de CNN decoders rebuild a {2 * m + 3}x{2 * m + 3} patch from the "
                                 f"{m}x{m} joint map, not {self.patch_size}x{self.patch_size}; use patch_size 7 or 9")
        self.decoders = nn.ModuleList(_decoder(c, self.conv) for c in self.in_channels.values())

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        h = self.head.unit(0, self._joint(x))
        logits = self._logits(self.head.unit(1, h))
        recon = {m: d(h) for d, m in zip(self.decoders, self.modalities)}
        targets = {m: x.get(m + TARGET_SUFFIX, x[m]) for m in self.modalities}
        return {"logits": logits, "reconstructions": recon, "targets": targets}

    def aux_losses(self, out: dict[str, Any], x: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {f"recon_{m}": (out["reconstructions"][m] - out["targets"][m]).pow(2).mean() for m in self.modalities}

    def training_batch(self, x: dict[str, torch.Tensor], target: torch.Tensor
                       ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        if not self.cml_training:
            return x, target
        a, b = self.modalities
        xa, xb = x[a], x[b]
        batch = {a: torch.cat([xa, xa, torch.zeros_like(xa)]), b: torch.cat([xb, torch.zeros_like(xb), xb]),
                 a + TARGET_SUFFIX: torch.cat([xa, xa, xa]), b + TARGET_SUFFIX: torch.cat([xb, xb, xb])}
        return batch, target.repeat(3)

    def reconstruct(self, *args: torch.Tensor, **inputs: torch.Tensor) -> dict[str, torch.Tensor]:
        """The decoders' outputs, per modality, shaped as its input ((B, C) or (B, C, k, k), in [0, 1])."""
        self._sync_bn_mode()
        return self.outputs(self.check_inputs(self._positional(args, inputs)))["reconstructions"]


class MDLRSCross(MDLRS):
    """Cross fusion.  Encoders a and b up to their third layer (64-d); their fourth layers W4a, W4b applied to
    both codes, each of the four applications with its own BatchNorm; joints (sums after ReLU)
    J1 = [a.W4a + b.W4a, b.W4b + a.W4b], J2 = [a.W4a, a.W4b] (a only), J3 = [b.W4a, b.W4b] (b only), each through
    the same head and classifier weights with its own BatchNorm.  Logits = J1's; :meth:`aux_losses`:
    ``mean((z2 - z1)^2) + mean((z3 - z1)^2)`` on the logits (weight 1 each)."""

    fusion = "cross"

    def _build(self) -> None:
        self.branches = nn.ModuleList(_encoder(c, self.conv) for c in self.in_channels.values())
        # BatchNorm of b's code through W4a ([0]) and of a's code through W4b ([1]); the own paths use the branches'
        self.cross_bns = nn.ModuleList(make_bn(ENCODER_WIDTHS[-1], self.conv) for _ in range(2))
        self.head = _head(256, self.conv)  # its own BatchNorm: the J1 path
        self.path_bns = nn.ModuleList(nn.ModuleList(make_bn(c, self.conv) for c in (128, 64)) for _ in range(2))
        self.classifier = _classifier(64, self.num_classes, self.conv)

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        (ea, eb), (a, b) = self.branches, self.modalities
        ha, hb = ea(x[a], stop=3), eb(x[b], stop=3)
        aa, bb = ea.unit(3, ha), eb.unit(3, hb)
        ba, ab = ea.unit(3, hb, self.cross_bns[0]), eb.unit(3, ha, self.cross_bns[1])
        z1 = self._logits(self.head(torch.cat([aa + ba, bb + ab], 1)))
        z2 = self._logits(self.head(torch.cat([aa, ab], 1), bns=self.path_bns[0]))
        z3 = self._logits(self.head(torch.cat([ba, bb], 1), bns=self.path_bns[1]))
        return {"logits": z1, "logits_" + a: z2, "logits_" + b: z3}

    def aux_losses(self, out: dict[str, Any], x: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {f"consistency_{m}": (out["logits_" + m] - out["logits"]).pow(2).mean() for m in self.modalities}


# --- configs ----------------------------------------------------------------------------------------------
PAPER = ("D. Hong, L. Gao, N. Yokoya, J. Yao, J. Chanussot, Q. Du, B. Zhang, 'More Diverse Means Better: Multimodal "
         "Deep Learning Meets Remote-Sensing Imagery Classification', IEEE TGRS 59(5):4340-4354, 2021")
URL = "https://doi.org/10.1109/TGRS.2020.3016820"
_SUMMARIES = {
    "mdlrs_fc_single": "MDL-RS single-modality FC net on pixel vectors (HSI_FC; LiDAR_FC with modalities=('lidar',)); "
                       "15,711 parameters on Houston 2013 HS (LiDAR: 13,743)",
    "mdlrs_fc_early": "MDL-RS early-fusion FC net: HS and LiDAR pixel vectors concatenated before one encoder; "
                      "40,239 parameters on Houston 2013",
    "mdlrs_fc_middle": "MDL-RS middle-fusion FC net: an encoder per modality, joint 256-128-64 head; "
                       "68,095 parameters on Houston 2013",
    "mdlrs_fc_late": "MDL-RS late-fusion FC net: encoder and head per modality, 64-d features concatenated; "
                     "77,823 parameters on Houston 2013",
    "mdlrs_fc_endec": "MDL-RS encoder-decoder fusion FC net (= EndNet): middle fusion + reconstruction decoders; "
                      "92,628 parameters on Houston 2013",
    "mdlrs_fc_cross": "MDL-RS cross-fusion FC net: last encoder layer shared cross-wise, 3 joint paths, logit "
                      "consistency; 69,375 parameters on Houston 2013",
    "mdlrs_cnn_single": "MDL-RS single-modality CNN on 7x7 patches (HSI_CNNs; LiDAR_CNNs with modalities=('lidar',)); "
                        "50,527 parameters on Houston 2013 HS (LiDAR: 32,815)",
    "mdlrs_cnn_early": "MDL-RS early-fusion CNN: HS and LiDAR patches stacked channel-wise before one branch; "
                       "77,743 parameters on Houston 2013",
    "mdlrs_cnn_middle": "MDL-RS middle-fusion CNN: a conv branch per modality, joint 1x1-conv head; "
                        "121,983 parameters on Houston 2013",
    "mdlrs_cnn_late": "MDL-RS late-fusion CNN: branch and head per modality, features concatenated; "
                      "131,711 parameters on Houston 2013",
    "mdlrs_cnn_endec": "MDL-RS encoder-decoder fusion CNN: middle fusion + transposed-conv decoders of both patches; "
                       "208,596 parameters on Houston 2013",
    "mdlrs_cnn_cross": "MDL-RS cross-fusion CNN: last branch layer shared cross-wise, 3 joint paths, logit "
                       "consistency; 123,263 parameters on Houston 2013",
}
#: the weights of each architecture (first = default), published once measured (see weights_records)
TAGS = {**{f"mdlrs_fc_{f}": ("houston2013",) for f in ("early", "middle", "late", "cross")},
        "mdlrs_fc_endec": ("houston2013", "houston2013_cml"),
        "mdlrs_fc_single": ("houston2013_hs", "houston2013_lidar"),
        **{f"mdlrs_cnn_{f}": ("houston2018crop",) for f in ("early", "middle", "late", "endec", "cross")},
        "mdlrs_cnn_single": ("houston2018crop_hs", "houston2018crop_rgb")}

default_cfgs = {
    name: ArchConfig(task="classification", inputs=("hs",) if name.endswith("_single") else ("hs", "lidar"),
                     paper=PAPER, summary=summary, url=URL, card="mdlrs.md",
                     weights=available_weights(name, TAGS[name]))
    for name, summary in _SUMMARIES.items()
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def mdlrs_fc_single(pretrained: bool = False, **kwargs) -> MDLRSSingle:
    """MDL-RS HSI_FC / LiDAR_FC: one modality's pixel vectors, encoder and linear classifier."""
    return build_model(MDLRSSingle, "mdlrs_fc_single", pretrained, backbone="fc", **kwargs)


@register_model
def mdlrs_fc_early(pretrained: bool = False, **kwargs) -> MDLRSEarly:
    """MDL-RS Early_fusion_FC: pixel vectors concatenated, one encoder."""
    return build_model(MDLRSEarly, "mdlrs_fc_early", pretrained, backbone="fc", **kwargs)


@register_model
def mdlrs_fc_middle(pretrained: bool = False, **kwargs) -> MDLRSMiddle:
    """MDL-RS Middle_fusion_FC: an encoder per modality, codes concatenated."""
    return build_model(MDLRSMiddle, "mdlrs_fc_middle", pretrained, backbone="fc", **kwargs)


@register_model
def mdlrs_fc_late(pretrained: bool = False, **kwargs) -> MDLRSLate:
    """MDL-RS Late_fusion_FC: encoder and head per modality, features concatenated."""
    return build_model(MDLRSLate, "mdlrs_fc_late", pretrained, backbone="fc", **kwargs)


@register_model
def mdlrs_fc_endec(pretrained: bool = False, **kwargs) -> MDLRSEnDe:
    """MDL-RS En_de_fusion_FC (= EndNet): middle fusion with reconstruction decoders."""
    return build_model(MDLRSEnDe, "mdlrs_fc_endec", pretrained, backbone="fc", **kwargs)


@register_model
def mdlrs_fc_cross(pretrained: bool = False, **kwargs) -> MDLRSCross:
    """MDL-RS Cross_fusion_FC: cross-wise shared last encoder layer, three joint paths."""
    return build_model(MDLRSCross, "mdlrs_fc_cross", pretrained, backbone="fc", **kwargs)


@register_model
def mdlrs_cnn_single(pretrained: bool = False, **kwargs) -> MDLRSSingle:
    """MDL-RS HSI_CNNs / LiDAR_CNNs: one modality's patches, conv branch and 1x1 classifier."""
    return build_model(MDLRSSingle, "mdlrs_cnn_single", pretrained, backbone="cnn", **kwargs)


@register_model
def mdlrs_cnn_early(pretrained: bool = False, **kwargs) -> MDLRSEarly:
    """MDL-RS Early_fusion_CNNs: patches stacked channel-wise, one branch."""
    return build_model(MDLRSEarly, "mdlrs_cnn_early", pretrained, backbone="cnn", **kwargs)


@register_model
def mdlrs_cnn_middle(pretrained: bool = False, **kwargs) -> MDLRSMiddle:
    """MDL-RS Middle_fusion_CNNs: a conv branch per modality, maps concatenated."""
    return build_model(MDLRSMiddle, "mdlrs_cnn_middle", pretrained, backbone="cnn", **kwargs)


@register_model
def mdlrs_cnn_late(pretrained: bool = False, **kwargs) -> MDLRSLate:
    """MDL-RS Late_fusion_CNNs: branch and head per modality, features concatenated."""
    return build_model(MDLRSLate, "mdlrs_cnn_late", pretrained, backbone="cnn", **kwargs)


@register_model
def mdlrs_cnn_endec(pretrained: bool = False, **kwargs) -> MDLRSEnDe:
    """MDL-RS En_de_fusion_CNNs: middle fusion with transposed-conv decoders of both patches."""
    return build_model(MDLRSEnDe, "mdlrs_cnn_endec", pretrained, backbone="cnn", **kwargs)


@register_model
def mdlrs_cnn_cross(pretrained: bool = False, **kwargs) -> MDLRSCross:
    """MDL-RS Cross_fusion_CNNs: cross-wise shared last branch layer, three joint paths."""
    return build_model(MDLRSCross, "mdlrs_cnn_cross", pretrained, backbone="cnn", **kwargs)
