"""The pansharpening input contract: NaN and infinite values are refused alike; float64 inputs work with every
model (a learned one computes in its weights' dtype and returns float64; a classical one computes in float64)."""

from __future__ import annotations

import logging

import pytest
import torch

import fusionzoo


def _pair(dtype=torch.float32, bands=4, size=32):
    g = torch.Generator().manual_seed(0)
    ms = torch.rand(1, bands, size // 4, size // 4, generator=g)
    pan = torch.rand(1, 1, size, size, generator=g)
    return ms.to(dtype), pan.to(dtype)


@pytest.mark.parametrize("which", ["ms", "pan"])
@pytest.mark.parametrize("bad, word", [(float("nan"), "NaN"), (float("inf"), "infinite"),
                                       (float("-inf"), "infinite")])
@pytest.mark.parametrize("name", ["gsa", "pnn"])
def test_non_finite_values_are_refused(name, which, bad, word):
    ms, pan = _pair()
    t = ms if which == "ms" else pan
    t[0, 0, 1, 2] = bad
    t[0, 0, 3, 1] = bad
    model = fusionzoo.create_model(name, **({"bands": 4} if name == "pnn" else {}))
    with pytest.raises(ValueError, match=rf"^{which} contains 2 {word} values; fill or mask them before fusion$"):
        model(ms, pan)


def test_huge_finite_values_are_not_mistaken_for_infinite():
    ms, pan = _pair(torch.float16)
    pan[:] = 60000.0  # the float16 sum overflows, every value is finite
    out = fusionzoo.create_model("exp")(ms, pan)
    assert out.dtype == torch.float16


def test_float64_inputs_to_a_learned_model(caplog):
    model = fusionzoo.create_model("pnn", bands=4).eval()
    ms, pan = _pair()
    with torch.no_grad():
        ref = model(ms, pan)
        with caplog.at_level(logging.INFO, logger="fusionzoo.models.pansharpening.base"):
            out = model(ms.double(), pan.double())
            model(ms.double(), pan.double())
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, ref.double())  # computed in float32, returned as float64
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "float64 inputs computed in the weights' torch.float32" in notes[0]
    model.double()
    with torch.no_grad():
        torch.testing.assert_close(model(ms.double(), pan.double()), ref.double(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["gsa", "mtf_glp_hpm", "exp"])
def test_float64_inputs_to_a_classical_method(name):
    model = fusionzoo.create_model(name)
    ms, pan = _pair()
    out = model(ms.double(), pan.double())
    assert out.dtype == torch.float64
    torch.testing.assert_close(out.float(), model(ms, pan), rtol=1e-4, atol=1e-5)
    mixed = model(ms, pan.double())  # mixed dtypes: the common one
    assert mixed.dtype == torch.float64
