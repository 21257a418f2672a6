"""Every registered model, one by one: it builds (each arch untrained, each arch.tag with its pretrained weights), it keeps
its task's forward contract on tiny inputs, and every weights record passes the schema with a recipe that
exists in the repository.

The inputs come from the task object's modalities: the task's primary modality (the one whose bands the
model fuses, e.g. ``ms`` or ``hs``) at 16 x 16, every other modality the model declares at ``ratio`` times that
size (16 x 16 for classical methods, 8 x 8 for networks); the output is the primary's bands on the fine grid.
Classification models get every modality they declare as pixel vectors or patches and return (B, K) scores.
Fitted methods (optimised on each input, e.g. CUCaNet) are built but not run here: their own tests run them.
"""

from __future__ import annotations

import inspect

import pytest
import torch

import fusionzoo
from fusionzoo.models.classification import ClassificationModel
from fusionzoo.registry import get_arch, list_archs, split_name
from fusionzoo.tasks import get_task
from fusionzoo.weights import validate_weights_metadata
from tests.helpers import ROOT

NAMES = sorted(set(fusionzoo.list_models()) | set(list_archs()))
WEIGHTS = fusionzoo.list_models(pretrained=True)
#: the primary modality's size: classical methods need their filters to fit (16 x 16 MS, 64 x 64 PAN at ratio 4);
#: the networks run on 8 x 8
SIZE = {True: 16, False: 8}
#: bands of a secondary modality when the model does not say (``<modality>_bands``)
OTHER_BANDS = {"pan": 1, "ms": 3}
#: constructor arguments that keep iterative methods quick on tiny inputs (used where the constructor has them)
QUICK = {"iterations": 2, "iters": 2, "max_iter": 2, "outer_iters": 1, "cg_iters": 3, "core_iters": 3, "cpd_iters": 3,
         "rank": 4, "vca_runs": 1}


def _quick(arch: str) -> dict:
    """The :data:`QUICK` arguments the architecture's constructor takes."""
    cls = type(fusionzoo.create_model(arch))
    params = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in QUICK.items() if k in params}


def _build(name: str) -> torch.nn.Module:
    """``create_model(name)``, with its pretrained weights for ``arch.tag`` names; iterative methods with a few
    iterations where their constructor lets us."""
    arch, tag = split_name(name)
    return fusionzoo.create_model(name, pretrained=tag is not None, **_quick(arch)).eval()


def _inputs(model: torch.nn.Module, arch: str, bands: int) -> tuple[dict[str, torch.Tensor], tuple[int, ...]]:
    cfg = get_arch(arch).cfg
    task = get_task(cfg.task)
    ratio = getattr(model, "ratio", None) or 4
    size = SIZE[cfg.classical]
    g = torch.Generator().manual_seed(0)
    inputs = {}
    for m in task.modalities:
        if m.name not in cfg.inputs:
            continue
        if m.name == task.primary:
            inputs[m.name] = 0.1 + 0.8 * torch.rand(1, bands, size, size, generator=g)
        else:
            c = getattr(model, f"{m.name}_bands", None) or OTHER_BANDS.get(m.name, 3)
            inputs[m.name] = 0.1 + 0.8 * torch.rand(1, c, size * ratio, size * ratio, generator=g)
    return inputs, (1, bands, size * ratio, size * ratio)


def _primary_bands(model: torch.nn.Module) -> list[int]:
    n = getattr(model, "num_bands", None) or getattr(model, "hs_bands", None)
    return [n] if n else [4, 3, 8, 16]  # some classical methods take RGB only, some need more bands than factors


def _band_average_srf(inputs: dict[str, torch.Tensor], primary: str) -> torch.Tensor:
    """A spectral response for methods that need one: each band of the other modality averages a contiguous
    run of the primary's bands."""
    (c,) = {x.shape[1] for k, x in inputs.items() if k != primary}
    n = inputs[primary].shape[1]
    srf = torch.zeros(c, n)
    for i, chunk in enumerate(torch.arange(n).chunk(c)):
        srf[i, chunk] = 1.0 / len(chunk)
    return srf


def _check_class_scores(model: torch.nn.Module) -> None:
    """Classification: every declared modality as pixel vectors (B, C) or patches (B, C, k, k) -> (B, K)."""
    g = torch.Generator().manual_seed(0)
    k = model.patch_size
    # the modalities the model takes where it is used (crossmodal models: the test ones only)
    inputs = {m: torch.rand(3, model.in_channels[m], *((k, k) if k else ()), generator=g) for m in model.inputs}
    with torch.no_grad():
        out = model(**inputs)
    assert out.shape == (3, model.num_classes) and out.dtype == torch.float32
    assert torch.isfinite(out).all()


def _check_contract(model: torch.nn.Module, arch: str) -> None:
    if isinstance(model, ClassificationModel):
        return _check_class_scores(model)
    primary = get_task(get_arch(arch).cfg.task).primary
    for bands in _primary_bands(model):
        inputs, shape = _inputs(model, arch, bands)
        try:
            with torch.no_grad():
                try:
                    out = model(**inputs)
                except ValueError as e:
                    if "srf=" not in str(e):
                        raise
                    # the method needs the spectral response of the other modality: give it one
                    srf = _band_average_srf(inputs, primary)
                    srf_model = fusionzoo.create_model(arch, srf=srf, **_quick(arch)).eval()
                    out = srf_model(**inputs)
            break
        except ValueError as e:
            assert "band" in str(e), e
    else:
        pytest.fail(f"{arch} accepts none of the band counts {_primary_bands(model)}")
    assert out.shape == shape and out.dtype == torch.float32
    assert torch.isfinite(out).all()


def test_the_registry_is_not_empty():
    assert {"pansharpening"} <= {get_arch(a).cfg.task for a in list_archs()}
    assert WEIGHTS


@pytest.mark.parametrize("name", NAMES)
def test_builds_and_keeps_its_task_contract(name):
    arch, tag = split_name(name)
    cfg = get_arch(arch).cfg
    assert set(cfg.inputs) <= set(get_task(cfg.task).input_names)
    model = _build(name)
    if tag is not None:
        assert model.pretrained_cfg.tag == tag
    if hasattr(model, "is_fitted"):
        # fitted on training pixels (SVM, random forest, the shallow crossmodal methods): state in buffers, filled by
        # fit on every training modality (and an unlabelled pool of the test ones, which LeMA needs)
        if not model.is_fitted:
            g = torch.Generator().manual_seed(0)
            data = {m: torch.rand(30, c, generator=g) for m, c in model.in_channels.items()}
            extra = {"unlabelled": {m: torch.rand(30, model.in_channels[m], generator=g) for m in model.inputs}} \
                if "unlabelled" in inspect.signature(model.fit).parameters else {}
            model.fit(data, torch.arange(30) % model.num_classes, **extra)
    elif not cfg.fitted:  # a fitted method may create its parameters on the first input
        assert cfg.classical == (sum(p.numel() for p in model.parameters()) == 0)
    if cfg.fitted:
        pytest.skip(f"{arch} is fitted on each input (tens of seconds even with {_quick(arch)}); its own tests run it")
    _check_contract(model, arch)


@pytest.mark.parametrize("name", WEIGHTS)
def test_weights_record_passes_the_schema(name):
    arch, _ = split_name(name)
    cfg = get_arch(arch).cfg
    w = fusionzoo.get_weights(name)
    model = fusionzoo.create_model(arch, **w.model_kwargs)
    assert validate_weights_metadata(w, model, task=cfg.task) == []
    assert (ROOT / w.recipe).is_file(), f"{name}: recipe {w.recipe} is not in the repository"
    assert w.recipe.startswith("configs/") or w.recipe.startswith("scripts/"), w.recipe
