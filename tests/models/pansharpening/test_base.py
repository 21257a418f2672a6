"""The forward contract every pansharpening CNN family shares (``PansharpeningModel``): any band count, power-of-two ratios, clear errors, band adaptation, identity initialisation."""

from __future__ import annotations

import pytest
import torch

import fusionzoo
from fusionzoo.ops.interp import interp23tap
from fusionzoo.registry import get_arch
from fusionzoo.weights import BandMismatchError, adapt_band_layers

ARCHS = ("drpnn", "pannet", "msdcnn", "dicnn", "bdpn", "apnn", "fusionnet")


def _n(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("bands", [4, 8])
def test_contract_any_bands(arch, bands):
    torch.manual_seed(0)
    model = fusionzoo.create_model(arch, bands=bands, ratio=4)
    ms, pan = torch.rand(2, bands, 6, 8), torch.rand(2, 1, 24, 32)
    out = model(ms, pan)
    assert out.shape == (2, bands, 24, 32) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    out.square().mean().backward()  # every parameter takes part in the forward pass
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(BandMismatchError, match=f"expects {bands} MS bands"):
        model(torch.rand(1, bands + 1, 6, 8), torch.rand(1, 1, 24, 32))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("ratio", [2, 8])
def test_other_power_of_two_ratios(arch, ratio):
    model = fusionzoo.create_model(arch, bands=4, ratio=ratio).eval()
    with torch.no_grad():
        out = model(torch.rand(1, 4, 4, 4), torch.rand(1, 1, 4 * ratio, 4 * ratio))
    assert out.shape == (1, 4, 4 * ratio, 4 * ratio)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("ratio", [3, 6])
def test_unsupported_ratio_is_a_clear_error(arch, ratio):
    with pytest.raises(ValueError, match=f"power-of-two.*got {ratio}"):
        fusionzoo.create_model(arch, ratio=ratio)


@pytest.mark.parametrize("arch", ["pannet", "bdpn"])
def test_ratio_one_needs_an_upsampling_stage(arch):
    with pytest.raises(ValueError, match=r"ratio >= 2"):
        fusionzoo.create_model(arch, ratio=1)


@pytest.mark.parametrize("arch", ARCHS)
def test_band_layers_cover_the_band_dependent_parameters(arch):
    cfg = get_arch(arch).cfg
    sd = fusionzoo.create_model(arch, bands=8).state_dict()
    new = adapt_band_layers(sd, cfg.band_layers, 8, 4)
    target = fusionzoo.create_model(arch, bands=4)
    assert {k for k, v in target.state_dict().items() if new[k].shape != v.shape} == set()
    target.load_state_dict(new, strict=True)


@pytest.mark.parametrize("arch", ["pnn", "msdcnn", "drpnn", "bdpn"])
def test_identity_init_starts_from_the_upsampled_ms(arch):
    """init="identity" (the fusionzoo recipes' start): the untrained network returns about the upsampled MS
    (the 23-tap interpolation; pixel replication for BDPN, whose MS path is sub-pixel convolutions)."""
    torch.manual_seed(0)
    ms, pan = 0.2 + 0.5 * torch.rand(1, 4, 16, 16), 0.2 + 0.5 * torch.rand(1, 1, 64, 64)
    up = torch.nn.functional.interpolate(ms, scale_factor=4) if arch == "bdpn" else interp23tap(ms, 4)
    with torch.no_grad():
        start = fusionzoo.create_model(arch, bands=4, init="identity")(ms, pan)
        default = fusionzoo.create_model(arch, bands=4)(ms, pan)
    assert (start - up).abs().mean() < 0.05 < (default - up).abs().mean()
    with pytest.raises(ValueError, match="init must be"):
        fusionzoo.create_model(arch, bands=4, init="zeros")
