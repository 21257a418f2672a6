"""X-ModalNet: a semi-supervised deep cross-modal network (Hong, Yokoya, Xia, Chanussot, Zhu; ISPRS JPRS 2020).

D. Hong, N. Yokoya, G.-S. Xia, J. Chanussot, X. X. Zhu, "X-ModalNet: A Semi-Supervised Deep Cross-Modal Network for
Classification of Remote Sensing Data", ISPRS J. Photogramm. Remote Sens. 167:12-23, 2020, DOI
10.1016/j.isprsjprs.2020.06.014, arXiv 2006.13806.

Only the abstract of the paper could be read (no code is public): a network trained with a small hyperspectral
(HS) set and a larger multispectral / SAR set, used with the latter alone, built from three modules, a
*self-adversarial module*, an *interactive learning module* (keyword: mutual learning) and a *label propagation
module* that propagates labels "on an updatable graph constructed by high-level features on the top of the
network".  Everything below the module names is this project's reading (model_cards/xmodalnet.md):

- **branches**: one MDL-RS / EndNet FC encoder per training modality (d -> 16 -> 32 -> 64 -> 128, dense + BN +
  ReLU, :class:`~fusionzoo.models.classification.mdlrs.BNStack`) into a shared 128-d space, then a *shared* top
  layer 128 -> 64 (one weight matrix, one BatchNorm per modality, ReLU; its output is the "top-layer feature") and a
  *shared* linear classifier 64 -> K.  Test time: the test modalities' branches, logits averaged.
- **self-adversarial**: each branch is attacked by its own gradient (FGSM, ``x + eps * sign(grad_x CE)``) on the
  labelled samples and trained to classify the perturbed input too (cross-entropy, ``adv_weight``).
- **interactive (mutual) learning**: deep mutual learning between the branches: each branch matches the other
  branches' class distributions, ``KL(stop_grad(p_j) || p_m)``, on every sample that has both (labelled ones, and
  unlabelled ones that come with several modalities) (``mutual_weight``).
- **label propagation**: every step, a k-nearest-neighbour graph of the L2-normalised top-layer features of the
  test modality over the labelled + unlabelled batch (the "updatable graph": rebuilt from the current features),
  Zhou et al. (2004) closed-form propagation ``F = (I - alpha S)^-1 Y``, and a cross-entropy of each branch
  present in the unlabelled batch against the confident propagated labels (``lp_weight``).

Parameters on Houston 2013 sizes (HS 144 bands + LiDAR 21 features, test LiDAR, 15 classes): 35,071 (BatchNorm
gamma/beta included; 1,216 running statistics).
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
from ..classification.mdlrs import ENCODER_WIDTHS, _encoder, make_bn, tf_init_
from .base import CrossmodalModel
from ..classification.weights_records import available_weights

__all__ = ["XModalNet", "knn_affinity", "spread_labels", "check_training_inputs", "check_init", "TOP_WIDTH"]

#: width of the shared top layer whose output the label-propagation graph is built on
TOP_WIDTH = 64


# --- label propagation ------------------------------------------------------------------------------------
def knn_affinity(features: torch.Tensor, k: int, sigma: float | None = None) -> torch.Tensor:
    """The symmetric k-nearest-neighbour affinity (N, N) of ``features`` (N, D), Euclidean distances.

    ``W[i, j] = exp(-||f_i - f_j||^2 / sigma^2)`` when j is one of the k nearest neighbours of i or i one of j's
    (``W = max(W, W^T)``), else 0; no self-loops.  ``sigma``: ``None`` takes the root mean square of the k-NN
    distances (self-tuning; 1 where they are all 0).  ``k`` is capped at N - 1."""
    n = features.shape[0]
    k = min(int(k), n - 1)
    if k < 1:
        return features.new_zeros(n, n)
    d2 = torch.cdist(features, features).pow(2)
    d2 = d2.masked_fill(torch.eye(n, dtype=torch.bool, device=features.device), float("inf"))
    vals, idx = d2.topk(k, dim=1, largest=False)
    if sigma is None:
        s2 = vals.mean()
        s2 = torch.where(s2 > 0, s2, torch.ones_like(s2))
    else:
        s2 = torch.as_tensor(float(sigma) ** 2, dtype=features.dtype, device=features.device)
    w = features.new_zeros(n, n).scatter_(1, idx, torch.exp(-vals / s2))
    return torch.maximum(w, w.T)


def spread_labels(affinity: torch.Tensor, seeds: torch.Tensor, alpha: float = 0.99) -> torch.Tensor:
    """Zhou et al. (2004), "Learning with local and global consistency", closed form: ``F = (I - alpha S)^-1 Y``
    with ``S = D^-1/2 W D^-1/2`` (``D`` the degrees of ``W``; an isolated node keeps its seed row).

    ``affinity``: W (N, N), symmetric, non-negative, zero diagonal; ``seeds``: Y (N, K), one-hot rows for the
    labelled nodes, zero rows for the others; ``alpha`` in [0, 1).  Returns F (N, K), unnormalised scores."""
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must be in [0, 1), got {alpha}")
    d = affinity.sum(1)
    inv = torch.where(d > 0, d.clamp_min(torch.finfo(d.dtype).tiny).rsqrt(), torch.zeros_like(d))
    s = inv[:, None] * affinity * inv[None, :]
    eye = torch.eye(affinity.shape[0], dtype=affinity.dtype, device=affinity.device)
    return torch.linalg.solve(eye - alpha * s, seeds.to(affinity.dtype))


# --- shared checks of the crossmodal networks ----------------------------------------------------------------
def check_init(init: str, patch_size: Any) -> None:
    """The FC crossmodal networks take pixel vectors and the MDL-RS ``"tf"`` or PyTorch's initialisation."""
    if patch_size is not None:
        raise ValueError(f"this network is fully connected on pixel vectors (patch_size=None), got "
                         f"patch_size={patch_size!r}")
    if init not in ("tf", "torch"):
        raise ValueError(f"init must be 'tf' (the MDL-RS truncated-normal fan-in init) or 'torch', got {init!r}")


def check_training_inputs(model: CrossmodalModel, target: torch.Tensor, labelled: Mapping[str, torch.Tensor],
                          unlabelled: Mapping[str, torch.Tensor] | None
                          ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Validate a training batch: ``labelled`` holds every training modality for the ``target`` samples;
    ``unlabelled`` (``None`` or empty for none) holds the test modalities, and possibly others, of one batch of
    unlabelled samples.  Returns both as plain dicts (unlabelled ``{}`` when absent)."""
    if not isinstance(labelled, Mapping) or (unlabelled is not None and not isinstance(unlabelled, Mapping)):
        raise TypeError("give labelled={modality: tensor} (every training modality) and unlabelled={...} or None")
    missing = [m for m in model.modalities if labelled.get(m) is None]
    unknown = [m for m in labelled if m not in model.modalities]
    if missing or unknown:
        raise ValueError(f"labelled must hold exactly the training modalities {', '.join(model.modalities)}"
                         + (f"; missing {', '.join(missing)}" if missing else "")
                         + (f"; unknown {', '.join(unknown)}" if unknown else ""))
    lab = {m: model._check(m, labelled[m]) for m in model.modalities}
    if target.dim() != 1 or any(t.shape[0] != target.shape[0] for t in lab.values()):
        raise ValueError(f"target must be (B,) class indices with the labelled batch size, got target "
                         f"{tuple(target.shape)} and {', '.join(f'{m} {tuple(t.shape)}' for m, t in lab.items())}")
    if target.numel() and (target.min() < 0 or target.max() >= model.num_classes):
        raise ValueError(f"target holds class indices 0..{model.num_classes - 1}, got {target.min().item()}.."
                         f"{target.max().item()}")
    unl = {m: t for m, t in (unlabelled or {}).items() if t is not None}
    if unl:
        unknown = [m for m in unl if m not in model.modalities]
        absent = [m for m in model.test_modalities if m not in unl]
        if unknown or absent:
            raise ValueError(f"unlabelled must hold the test modalities {', '.join(model.test_modalities)} (and "
                             f"possibly other training modalities)"
                             + (f"; missing {', '.join(absent)}" if absent else "")
                             + (f"; unknown {', '.join(unknown)}" if unknown else ""))
        unl = {m: model._check(m, t) for m, t in unl.items()}
        if len({t.shape[0] for t in unl.values()}) > 1:
            raise ValueError("the unlabelled modalities have different batch sizes")
    return lab, unl


# --- modules ----------------------------------------------------------------------------------------------
class XModalNet(CrossmodalModel):
    """X-ModalNet (this project's reading of the abstract, see the module docstring and the card).

    ``modalities`` / ``in_channels``: training modalities and their channels (pixel vectors); ``test_modalities``:
    those given where the model is used (a subset).  Loss weights and settings: ``adv_weight`` and
    ``adv_epsilon`` (self-adversarial FGSM, in input units), ``mutual_weight`` and ``mutual_temperature``
    (mutual learning), ``lp_weight``, ``lp_k`` (neighbours), ``lp_alpha`` (Zhou's alpha), ``lp_threshold``
    (least normalised propagated score a pseudo-label needs) and ``lp_warmup`` (training steps before the
    propagation term starts); ``l2_weight``: the MDL-RS FC scripts' ``sum(0.5 ||W||^2)`` factor; ``init``:
    ``"tf"`` (MDL-RS) or ``"torch"``; the rest as :class:`~.base.CrossmodalModel` (``bn_mode``, ``class_names``,
    ``preprocess``).
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "lidar"),
                 in_channels: Sequence[int] = (144, 21), test_modalities: Sequence[str] = ("lidar",),
                 adv_weight: float = 1.0, adv_epsilon: float = 0.01, mutual_weight: float = 1.0,
                 mutual_temperature: float = 1.0, lp_weight: float = 1.0, lp_k: int = 10, lp_alpha: float = 0.99,
                 lp_threshold: float = 0.5, lp_warmup: int = 200, l2_weight: float = 0.01, init: str = "tf",
                 patch_size: int | None = None, **kwargs: Any) -> None:
        check_init(init, patch_size)
        super().__init__(num_classes, modalities, in_channels, test_modalities, l2_weight=l2_weight, **kwargs)
        if len(self.modalities) < 2:
            raise ValueError(f"X-ModalNet learns across modalities: give at least two, got {self.modalities}")
        for name, v in (("adv_weight", adv_weight), ("adv_epsilon", adv_epsilon), ("mutual_weight", mutual_weight),
                        ("lp_weight", lp_weight)):
            if v < 0:
                raise ValueError(f"{name} must be >= 0, got {v}")
        if mutual_temperature <= 0 or lp_k < 1 or not 0.0 <= lp_alpha < 1.0 or not 0.0 <= lp_threshold <= 1.0 \
                or lp_warmup < 0:
            raise ValueError(f"need mutual_temperature > 0, lp_k >= 1, 0 <= lp_alpha < 1, 0 <= lp_threshold <= 1 "
                             f"and lp_warmup >= 0; got {mutual_temperature}, {lp_k}, {lp_alpha}, {lp_threshold}, "
                             f"{lp_warmup}")
        self.adv_weight, self.adv_epsilon = float(adv_weight), float(adv_epsilon)
        self.mutual_weight, self.mutual_temperature = float(mutual_weight), float(mutual_temperature)
        self.lp_weight, self.lp_k, self.lp_alpha = float(lp_weight), int(lp_k), float(lp_alpha)
        self.lp_threshold, self.lp_warmup = float(lp_threshold), int(lp_warmup)
        self.init = init
        #: training steps seen (calls of training_losses in training mode): the propagation warm-up clock
        self.lp_steps = 0
        self.encoders = nn.ModuleDict({m: _encoder(c, False) for m, c in self.in_channels.items()})
        self.top = nn.Linear(ENCODER_WIDTHS[-1], TOP_WIDTH)
        self.top_bns = nn.ModuleDict({m: make_bn(TOP_WIDTH, False) for m in self.modalities})
        self.classifier = nn.Linear(TOP_WIDTH, num_classes)
        if init == "tf":
            tf_init_(self)

    # --- forward --------------------------------------------------------------------------------------------
    def branch(self, modality: str, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``modality``'s branch: (top-layer features (B, 64), logits (B, K))."""
        f = F.relu(self.top_bns[modality](self.top(self.encoders[modality](x))))
        return f, self.classifier(f)

    def test_logits(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.stack([self.branch(m, x[m])[1] for m in self.test_modalities]).mean(0)

    # --- training -------------------------------------------------------------------------------------------
    def _perturbation(self, modality: str, x: torch.Tensor, y: torch.Tensor,
                      ce: torch.Tensor | None) -> torch.Tensor:
        """FGSM: ``eps * sign(d CE / d x)``, from the clean pass's graph where there is one (``ce`` built on
        ``x`` requiring grad), else from its own pass."""
        if ce is None:
            with torch.enable_grad():
                x = x.detach().requires_grad_(True)
                ce = F.cross_entropy(self.branch(modality, x)[1], y)
        (g,) = torch.autograd.grad(ce, x, retain_graph=True)
        return self.adv_epsilon * g.sign()

    def _mutual(self, logits: dict[str, torch.Tensor]) -> tuple[torch.Tensor, int]:
        """Deep mutual learning on rows that every branch in ``logits`` holds: the sum over branches m of the mean
        over peers j of ``T^2 KL(stop_grad(p_j) || p_m)``, summed over rows (and the row count)."""
        t = self.mutual_temperature
        logp = {m: F.log_softmax(z / t, 1) for m, z in logits.items()}
        total = next(iter(logits.values())).new_zeros(())
        for m in logits:
            peers = [j for j in logits if j != m]
            for j in peers:
                pj = logp[j].detach().exp()
                total = total + (pj * (logp[j].detach() - logp[m])).sum() * t * t / len(peers)
        return total, next(iter(logits.values())).shape[0]

    def training_losses(self, target: torch.Tensor, labelled: Mapping[str, torch.Tensor],
                        unlabelled: Mapping[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        """One training step's losses.

        ``target`` (B,): class indices of the labelled samples; ``labelled``: every training modality of those
        samples, ``{modality: (B, C)}``; ``unlabelled``: ``None`` or one batch of unlabelled samples,
        ``{modality: (U, C)}`` with the test modalities and optionally others (their samples need not be the
        labelled ones).  Returns ``{"ce", "adversarial", "mutual", "propagation", "l2", "total", "logits"}``:
        the weighted terms (``total`` is their sum; ``ce`` the mean of the branches' cross-entropies) and the
        test-time logits of the labelled batch.  One optimiser step on ``total`` trains everything.  Each call
        in training mode advances the propagation warm-up clock :attr:`lp_steps`."""
        self._sync_bn_mode()
        lab, unl = check_training_inputs(self, target, labelled, unlabelled)
        y = target.long()
        n = y.shape[0]
        adv = self.adv_weight > 0 and self.adv_epsilon > 0
        grad = torch.is_grad_enabled()
        feats, logits, inputs = {}, {}, {}
        for m in self.modalities:
            x = lab[m].detach().requires_grad_(True) if adv and grad else lab[m]
            inputs[m] = x
            f, z = self.branch(m, torch.cat([x, unl[m]]) if m in unl else x)
            feats[m], logits[m] = f, z
        ce_m = {m: F.cross_entropy(logits[m][:n], y) for m in self.modalities}
        ce = torch.stack(list(ce_m.values())).mean()
        zero = ce.new_zeros(())

        # self-adversarial: each branch classifies its own FGSM-perturbed labelled inputs
        adv_loss = zero
        if adv:
            terms = []
            for m in self.modalities:
                r = self._perturbation(m, inputs[m], y, ce_m[m] if grad else None)
                terms.append(F.cross_entropy(self.branch(m, inputs[m].detach() + r)[1], y))
            adv_loss = torch.stack(terms).mean()

        # interactive (mutual) learning on the rows with several modalities
        kl, rows = self._mutual({m: z[:n] for m, z in logits.items()})
        if len(unl) > 1:
            kl_u, rows_u = self._mutual({m: logits[m][n:] for m in unl})
            kl, rows = kl + kl_u, rows + rows_u
        mutual = kl / max(rows, 1)

        # label propagation on the graph of the current top-layer features (labelled + unlabelled batch)
        lp = zero
        if unl and self.lp_weight > 0 and self.lp_steps >= self.lp_warmup:
            pseudo, keep = self.pseudo_labels({m: feats[m] for m in self.test_modalities}, y)
            u = keep.shape[0]
            terms = [(F.cross_entropy(logits[m][n:], pseudo, reduction="none") * keep).sum() / u for m in unl]
            lp = torch.stack(terms).mean()
        if self.training:
            self.lp_steps += 1

        losses = {"ce": ce, "adversarial": self.adv_weight * adv_loss, "mutual": self.mutual_weight * mutual,
                  "propagation": self.lp_weight * lp, "l2": self.l2_weight * l2_penalty(self).to(ce)}
        losses["total"] = torch.stack(list(losses.values())).sum()
        losses["logits"] = torch.stack([logits[m][:n] for m in self.test_modalities]).mean(0).detach()
        return losses

    @torch.no_grad()
    def pseudo_labels(self, features: dict[str, torch.Tensor], target: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """Propagated labels of the unlabelled rows: ``features`` per test modality (first ``len(target)`` rows
        labelled, the rest unlabelled), concatenated and L2-normalised (float32); a :func:`knn_affinity` graph with
        ``lp_k`` neighbours; :func:`spread_labels` with ``lp_alpha``; each row's scores normalised to sum 1.
        Returns (labels (U,), keep (U,) float: 1 where the top score reaches ``lp_threshold``)."""
        n = target.shape[0]
        f = F.normalize(torch.cat([features[m] for m in self.test_modalities], 1).detach().float(), dim=1)
        seeds = f.new_zeros(f.shape[0], self.num_classes)
        seeds[torch.arange(n, device=f.device), target.long().to(f.device)] = 1.0
        scores = spread_labels(knn_affinity(f, self.lp_k), seeds, self.lp_alpha)[n:].clamp_min(0)
        mass = scores.sum(1, keepdim=True)
        conf, labels = (scores / mass.clamp_min(torch.finfo(f.dtype).tiny)).max(1)
        keep = (mass.squeeze(1) > 0) & (conf >= self.lp_threshold)
        return labels, keep.to(f.dtype)


# --- configs ----------------------------------------------------------------------------------------------
PAPER = ("D. Hong, N. Yokoya, G.-S. Xia, J. Chanussot, X. X. Zhu, 'X-ModalNet: A Semi-Supervised Deep Cross-Modal "
         "Network for Classification of Remote Sensing Data', ISPRS J. Photogramm. Remote Sens. 167:12-23, 2020")
URL = "https://doi.org/10.1016/j.isprsjprs.2020.06.014"

default_cfgs = {
    "xmodalnet": ArchConfig(
        task="crossmodal", inputs=("lidar",), paper=PAPER, url=URL, card="xmodalnet.md",
        weights=available_weights("xmodalnet", ("houston2013", "houston2018crop"), task="crossmodal"),
        summary="X-ModalNet (our reading of the abstract): MDL-RS FC branches into a shared space, self-adversarial "
                "FGSM, mutual learning, label propagation on a k-NN graph of top features; trained with HS + LiDAR "
                "(or MS / SAR), used with LiDAR only; 35,071 parameters on Houston 2013"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def xmodalnet(pretrained: bool = False, **kwargs) -> XModalNet:
    """X-ModalNet: trained with every modality (+ unlabelled samples), used with the test modality only."""
    return build_model(XModalNet, "xmodalnet", pretrained, **kwargs)
