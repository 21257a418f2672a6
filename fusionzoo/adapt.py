"""Target-adaptive fine-tuning (Scarpa, Vitale, Cozzolino 2018, "PNN+" / A-PNN).

A pre-trained pansharpening CNN is fine-tuned, in place, on the very scene it is about to fuse, by Wald's
protocol: the scene ``(ms, pan)`` is reduced by the sensor's ratio with :func:`fusionzoo.ops.degrade`
(MTF-matched MS filter, toolbox decimation), the network learns to map the reduced pair back to the
original MS (the reference), and is then run on the full-resolution pair as usual::

    model = fusionzoo.create_model("pnn.wv23", pretrained=True)
    fusionzoo.adapt.target_adapt(model, ms, pan, sensor="WV3", iterations=100)
    fused = model(ms, pan)

The paper's reference code runs 50 iterations of SGD (momentum 0.9, lr 2e-4, last layer 2e-5); here the
optimiser is Adam with a small learning rate (default 1e-4, measured against 1e-5 and 1e-3 on real
scenes in model_cards/apnn.md), L1 loss, on the whole reduced scene or, when it is larger than ``crop``
pixels (PAN grid of the reduced pair), on random aligned crops of it.
"""

from __future__ import annotations

import time
from typing import Callable

import torch
from torch import nn

from .ops.degrade import degrade
from .sensors import Sensor, get_sensor

__all__ = ["target_adapt", "AdaptationError"]


class AdaptationError(ValueError):
    """Target adaptation cannot run (parameter-free model, scene too small) or diverged."""


_LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "l1": nn.functional.l1_loss, "mse": nn.functional.mse_loss, "l2": nn.functional.mse_loss}


def _progress(n: int, enabled: bool):
    if enabled:
        try:
            from tqdm.auto import tqdm
            return tqdm(range(n), desc="target adaptation", leave=False)
        except ImportError:  # pragma: no cover - tqdm comes with huggingface_hub
            pass
    return range(n)


def target_adapt(model: nn.Module, ms: torch.Tensor, pan: torch.Tensor, sensor: str | Sensor | None = None,
                 iterations: int = 100, lr: float = 1e-4, loss: str = "l1", progress: bool = True,
                 seed: int = 0, crop: int = 256, ratio: int | None = None) -> nn.Module:
    """Fine-tune ``model`` in place on its own target scene by Wald's protocol; returns it in eval mode.

    ``ms`` (C, h, w) or (B, C, h, w) and ``pan`` (1, H, W) or (B, 1, H, W) on the model's [0, 1] scale, the
    full-resolution pair to be fused (never a reference).  ``sensor`` gives the MTF of the degradation
    (default: ``model.pretrained_cfg.sensor``).  ``ratio`` defaults to ``model.ratio`` (else the sensor's).
    Each of the ``iterations`` Adam steps (learning rate ``lr``) fits ``model(ms_lr, pan_lr)`` to ``ms`` with
    the ``loss`` ("l1" or "mse") on the whole reduced scene, or on a random ``crop`` x ``crop`` window of
    the reduced PAN (offsets multiples of the ratio, MS crops aligned) when it is larger.  ``seed`` fixes
    the crops and any randomness in the model (the global RNG state is left untouched).  BatchNorm layers
    keep their running statistics (they stay in eval mode).  Training runs on the device of the model's
    parameters.  A summary is stored in ``model.target_adaptation`` (losses, time).

    Raises :class:`AdaptationError` for a model without parameters (classical methods), a scene too small
    for the ratio, non-finite inputs, or a loss that turns NaN / infinite (the weights are then restored).
    """
    params = list(model.parameters())
    _check_settings(model, params, iterations, loss, lr)
    if sensor is None:
        sensor = getattr(getattr(model, "pretrained_cfg", None), "sensor", None)
        if sensor is None:
            raise AdaptationError("no sensor given and the model has no pretrained weights record to take it "
                                  "from; pass sensor=... (e.g. 'WV3', or 'generic')")
    ms, pan = _as_batches(ms, pan)
    try:
        s = get_sensor(sensor, num_bands=ms.shape[1])
    except (KeyError, ValueError) as e:
        raise AdaptationError(str(e).strip("'\"")) from e
    r = int(ratio or getattr(model, "ratio", None) or s.ratio)
    ms, pan = _trimmed(ms, pan, r, params[0])
    with torch.no_grad():
        ms_lr, pan_lr = degrade(ms, pan, s, r)
    backup = {k: v.detach().clone() for k, v in model.state_dict().items()}
    flags = [p.requires_grad for p in params]
    was_training = model.training
    t0 = time.perf_counter()
    cuda = [params[0].device.index or 0] if params[0].device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            losses = _fit(model, params, ms_lr, pan_lr, ms, r, crop, int(iterations), lr, _LOSSES[loss],
                          torch.Generator().manual_seed(seed), progress)
    except BaseException:
        model.load_state_dict(backup)
        model.train(was_training)
        raise
    finally:
        for p, f in zip(params, flags):
            p.requires_grad_(f)
    model.eval()
    model.target_adaptation = {  # type: ignore[assignment]
        "sensor": s.name, "ratio": r, "iterations": int(iterations), "lr": lr, "loss": loss, "seed": seed,
        "losses": losses, "seconds": round(time.perf_counter() - t0, 3)}
    return model


def _check_settings(model: nn.Module, params: list, iterations: int, loss: str, lr: float) -> None:
    if not params:
        raise AdaptationError(f"{type(model).__name__} has no trainable parameters (a classical method?); "
                              f"target adaptation only applies to learned models")
    if int(iterations) < 0:
        raise AdaptationError(f"iterations must be >= 0, got {iterations}")
    if loss not in _LOSSES:
        raise AdaptationError(f"unknown loss {loss!r}; use one of {', '.join(_LOSSES)}")
    if not lr > 0:
        raise AdaptationError(f"lr must be > 0, got {lr}")


def _as_batches(ms: torch.Tensor, pan: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C, h, w) and (B, 1, H, W), floating point and finite, or an :class:`AdaptationError`."""
    if ms.dim() == 3:
        ms = ms[None]
    if pan.dim() == 3:
        pan = pan[None]
    if ms.dim() != 4 or pan.dim() != 4 or pan.shape[1] != 1 or ms.shape[0] != pan.shape[0]:
        raise AdaptationError(f"expected ms (B, C, h, w) and pan (B, 1, H, W), got {tuple(ms.shape)} and "
                              f"{tuple(pan.shape)}")
    if not (ms.is_floating_point() and pan.is_floating_point()):
        raise AdaptationError("ms and pan must be floating point on the [0, 1] scale (DN / (2**bits - 1))")
    if not (torch.isfinite(ms).all() and torch.isfinite(pan).all()):
        raise AdaptationError("ms or pan contains NaN or infinite values; fill or mask them before adapting")
    return ms, pan


def _trimmed(ms: torch.Tensor, pan: torch.Tensor, r: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The pair trimmed to a multiple of the ratio (Wald's protocol needs an MS of at least 2 x 2 reduced
    pixels), on the device and dtype of ``like``."""
    h, w = ms.shape[-2:]
    if tuple(pan.shape[-2:]) != (r * h, r * w):
        raise AdaptationError(f"pan size {tuple(pan.shape[-2:])} is not ratio {r} times the ms size {(h, w)}")
    hc, wc = h // r * r, w // r * r
    if hc < 2 * r or wc < 2 * r:
        raise AdaptationError(f"scene too small for target adaptation at ratio {r}: MS {h}x{w} must be at least "
                              f"{2 * r}x{2 * r} pixels (PAN {2 * r * r}x{2 * r * r})")
    return (ms[..., :hc, :wc].to(device=like.device, dtype=like.dtype),
            pan[..., :r * hc, :r * wc].to(device=like.device, dtype=like.dtype))


def _fit(model: nn.Module, params: list, ms_lr: torch.Tensor, pan_lr: torch.Tensor, ref: torch.Tensor, r: int,
         crop: int, iterations: int, lr: float, loss_fn, gen: torch.Generator, progress: bool) -> list[float]:
    """The Adam steps on random crops (offsets multiples of the ratio) of the reduced scene; the losses."""
    hc, wc = ref.shape[-2:]
    c = max(int(crop) // r * r, 2 * r)
    for p in params:
        p.requires_grad_(True)
    model.train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
    opt = torch.optim.Adam(params, lr=lr)
    losses: list[float] = []
    for it in (bar := _progress(iterations, progress)):
        y0 = x0 = 0
        ch, cw = min(c, hc), min(c, wc)
        if hc > c:
            y0 = int(torch.randint(0, (hc - c) // r + 1, (1,), generator=gen)) * r
        if wc > c:
            x0 = int(torch.randint(0, (wc - c) // r + 1, (1,), generator=gen)) * r
        m_in = ms_lr[..., y0 // r:(y0 + ch) // r, x0 // r:(x0 + cw) // r]
        opt.zero_grad(set_to_none=True)
        value = loss_fn(model(m_in, pan_lr[..., y0:y0 + ch, x0:x0 + cw]), ref[..., y0:y0 + ch, x0:x0 + cw])
        if not torch.isfinite(value):
            raise AdaptationError(f"target adaptation diverged at iteration {it + 1} (loss {value.item()}); "
                                  f"the weights were restored; try a smaller lr than {lr:g}")
        value.backward()
        opt.step()
        losses.append(float(value.detach()))
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{losses[-1]:.3g}", refresh=False)
    if any(not torch.isfinite(p).all() for p in params):
        raise AdaptationError(f"target adaptation produced non-finite weights; the weights were restored; "
                              f"try a smaller lr than {lr:g}")
    return losses
