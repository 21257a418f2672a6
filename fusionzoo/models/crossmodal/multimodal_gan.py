"""Multimodal GANs for crossmodal hyperspectral-multispectral classification (Hong, Yao, Meng, Xu, Chanussot).

D. Hong, J. Yao, D. Meng, Z. Xu, J. Chanussot, "Multimodal GANs: Toward Crossmodal Hyperspectral-Multispectral
Image Segmentation", IEEE TGRS 59(6), 2021, DOI 10.1109/TGRS.2020.3020823.

Nothing of the paper beyond its title and bibliographic record could be read (no abstract, no code), so the network
is this project's design from the title's idea, a GAN that lets a hyperspectral (HS) + multispectral (MS) model be
used where only the MS (or LiDAR, RGB, SAR) is available (model_cards/multimodal_gan.md):

- **encoders**: one MDL-RS / EndNet FC encoder per training modality (d -> 16 -> 32 -> 64 -> 128, dense + BN + ReLU);
- **generator** (one per modality missing at test time): the concatenated 128-d codes of the test modalities ->
  128 -> 128 (dense + BN + ReLU), a *generated code* of the missing modality;
- **discriminator** (one per missing modality): 128 -> 64 (LeakyReLU 0.2) -> 1, real codes (of the missing
  modality's encoder, stop-gradient) against generated ones; the generator side is trained through a
  **gradient-reversal** layer, so one optimiser step on the total trains both players (minimax GAN loss);
- **classifier**: the MDL-RS middle-fusion head on the concatenated codes (``modalities`` order): 128 * M -> 128
  -> 64 (dense + BN + ReLU) -> K.  Test path: [test codes, generated codes] (the head's own BatchNorm); a second
  path on [real codes] (its own BatchNorm, same weights) keeps the real codes discriminative.
- **losses**: cross-entropy of the test path (``ce``) and of the real path (``real_weight``), L1 between generated
  and real codes where a sample has both (``rec_weight``), the discriminator's binary cross-entropy
  (``adv_weight``; reversed for the generator), L2 (``l2_weight``).

Unlabelled samples (the test modalities, optionally the missing ones) feed the adversarial term (and the L1 term
when they come with the missing modality).  Parameters on Houston 2013 sizes (HS 144 bands + LiDAR 21 features,
test LiDAR, 15 classes): 110,336 (BatchNorm gamma/beta included; 2,240 running statistics).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...registry import ArchConfig, register_model
from ..classification.base import l2_penalty
from ..classification.mdlrs import ENCODER_WIDTHS, BNStack, _encoder, _head, make_bn, tf_init_
from .base import CrossmodalModel
from .xmodalnet import check_init, check_training_inputs
from ..classification.weights_records import available_weights

__all__ = ["MultimodalGAN", "grad_reverse", "GradReverse"]

CODE = ENCODER_WIDTHS[-1]


class GradReverse(torch.autograd.Function):
    """Identity forward; backward multiplies the gradient by ``-scale`` (Ganin & Lempitsky 2015)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.scale * grad, None


def grad_reverse(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """``x`` forward, ``-scale *`` the gradient backward."""
    return GradReverse.apply(x, scale)


# --- modules ----------------------------------------------------------------------------------------------
class MultimodalGAN(CrossmodalModel):
    """Multimodal GAN (this project's design, see the module docstring and the card).

    ``modalities`` / ``in_channels``: training modalities and their channels (pixel vectors); ``test_modalities``:
    those given where the model is used, a proper subset (the others are generated).  Loss weights:
    ``real_weight`` (cross-entropy of the real-code path), ``rec_weight`` (L1 generated vs real codes),
    ``adv_weight`` (discriminator BCE, reversed for the generator, ``grl_scale`` times); ``l2_weight``: the
    MDL-RS FC scripts' factor; ``init``: ``"tf"`` (MDL-RS) or ``"torch"``; the rest as
    :class:`~.base.CrossmodalModel`.
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "lidar"),
                 in_channels: Sequence[int] = (144, 21), test_modalities: Sequence[str] = ("lidar",),
                 real_weight: float = 1.0, rec_weight: float = 1.0, adv_weight: float = 0.1, grl_scale: float = 1.0,
                 l2_weight: float = 0.01, init: str = "tf", patch_size: int | None = None, **kwargs: Any) -> None:
        check_init(init, patch_size)
        super().__init__(num_classes, modalities, in_channels, test_modalities, l2_weight=l2_weight, **kwargs)
        self.missing_modalities = tuple(m for m in self.modalities if m not in self.test_modalities)
        if not self.missing_modalities:
            raise ValueError(f"the GAN generates the modalities absent at test time: test_modalities "
                             f"{self.test_modalities} must leave out at least one of {self.modalities}")
        for name, v in (("real_weight", real_weight), ("rec_weight", rec_weight), ("adv_weight", adv_weight),
                        ("grl_scale", grl_scale)):
            if v < 0:
                raise ValueError(f"{name} must be >= 0, got {v}")
        self.real_weight, self.rec_weight = float(real_weight), float(rec_weight)
        self.adv_weight, self.grl_scale = float(adv_weight), float(grl_scale)
        self.init = init
        self.encoders = nn.ModuleDict({m: _encoder(c, False) for m, c in self.in_channels.items()})
        avail = CODE * len(self.test_modalities)
        self.generators = nn.ModuleDict({m: BNStack((avail, CODE, CODE), conv=False)
                                         for m in self.missing_modalities})
        self.discriminators = nn.ModuleDict({
            m: nn.Sequential(nn.Linear(CODE, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
            for m in self.missing_modalities})
        self.head = _head(CODE * len(self.modalities), False)  # its BatchNorm: the test path (generated codes)
        self.real_bns = nn.ModuleList(make_bn(c, False) for c in (128, 64))  # the real-code path
        self.classifier = nn.Linear(64, num_classes)
        if init == "tf":
            tf_init_(self)

    # --- forward --------------------------------------------------------------------------------------------
    def generate(self, codes: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The generated codes (B, 128) of the missing modalities from the test modalities' ``codes``."""
        avail = torch.cat([codes[m] for m in self.test_modalities], 1)
        return {m: g(avail) for m, g in self.generators.items()}

    def classify(self, codes: dict[str, torch.Tensor], real: bool = False) -> torch.Tensor:
        """Logits from one code per training modality (the real path's BatchNorm with ``real=True``)."""
        joint = torch.cat([codes[m] for m in self.modalities], 1)
        return self.classifier(self.head(joint, bns=self.real_bns if real else None))

    def test_logits(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        codes = {m: self.encoders[m](x[m]) for m in self.test_modalities}
        return self.classify({**codes, **self.generate(codes)})

    # --- training -------------------------------------------------------------------------------------------
    def training_losses(self, target: torch.Tensor, labelled: Mapping[str, torch.Tensor],
                        unlabelled: Mapping[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        """One training step's losses.

        ``target`` (B,): class indices of the labelled samples; ``labelled``: every training modality of those
        samples, ``{modality: (B, C)}``; ``unlabelled``: ``None`` or one batch of unlabelled samples,
        ``{modality: (U, C)}`` with the test modalities and optionally the missing ones.  Returns ``{"ce",
        "ce_real", "reconstruction", "adversarial", "l2", "total", "logits"}``: the weighted terms (``total`` is
        their sum) and the test-path logits of the labelled batch.  One optimiser step on ``total`` trains every
        part, the generator against the discriminator through gradient reversal."""
        self._sync_bn_mode()
        lab, unl = check_training_inputs(self, target, labelled, unlabelled)
        y = target.long()
        n = y.shape[0]
        # one encoder pass per modality over the labelled (+ unlabelled) rows: one BatchNorm batch
        codes = {m: self.encoders[m](torch.cat([lab[m], unl[m]]) if m in unl else lab[m]) for m in self.modalities}
        fake = self.generate({m: codes[m] for m in self.test_modalities})  # rows: labelled + unlabelled (if any)
        logits = self.classify({m: (fake[m] if m in fake else codes[m])[:n] for m in self.modalities})
        ce = F.cross_entropy(logits, y)
        ce_real = F.cross_entropy(self.classify({m: c[:n] for m, c in codes.items()}, real=True), y)
        rec, adv = [], []
        for m in self.missing_modalities:
            real = codes[m].detach()  # the rows with the real modality: labelled (+ unlabelled when given)
            rec.append((fake[m][:real.shape[0]] - real).abs().mean())
            d = self.discriminators[m]
            d_real, d_fake = d(real), d(grad_reverse(fake[m], self.grl_scale))
            adv.append(F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                       + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        losses = {"ce": ce, "ce_real": self.real_weight * ce_real,
                  "reconstruction": self.rec_weight * torch.stack(rec).mean(),
                  "adversarial": self.adv_weight * torch.stack(adv).mean(),
                  "l2": self.l2_weight * l2_penalty(self).to(ce)}
        losses["total"] = torch.stack(list(losses.values())).sum()
        losses["logits"] = logits.detach()
        return losses


# --- configs ----------------------------------------------------------------------------------------------
PAPER = ("D. Hong, J. Yao, D. Meng, Z. Xu, J. Chanussot, 'Multimodal GANs: Toward Crossmodal Hyperspectral-"
         "Multispectral Image Segmentation', IEEE TGRS 59(6), 2021")
URL = "https://doi.org/10.1109/TGRS.2020.3020823"

default_cfgs = {
    "multimodal_gan": ArchConfig(
        task="crossmodal", inputs=("lidar",), paper=PAPER, url=URL, card="multimodal_gan.md",
        weights=available_weights("multimodal_gan", ("houston2013", "houston2018crop"), task="crossmodal"),
        summary="Multimodal GAN (our design from the title): a generator fills in the HS code from the LiDAR (or MS) "
                "code against a gradient-reversed discriminator; MDL-RS FC encoders and middle-fusion head; "
                "trained with HS + LiDAR, used with LiDAR only; 110,336 parameters on Houston 2013"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def multimodal_gan(pretrained: bool = False, **kwargs) -> MultimodalGAN:
    """Multimodal GAN: trained with every modality (+ unlabelled samples), used with the test modalities only."""
    return build_model(MultimodalGAN, "multimodal_gan", pretrained, **kwargs)
