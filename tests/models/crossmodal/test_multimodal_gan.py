"""Multimodal GAN (fusionzoo.models.crossmodal.multimodal_gan): the test-time contract, hand-counted parameters,
each loss term and where its gradient goes (the generator gets the discriminator's gradient reversed), and a short
training run on a synthetic crossmodal problem that beats the test-modality-only MDL-RS baseline."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.models.classification.mdlrs import MDLRSSingle
from fusionzoo.models.crossmodal.multimodal_gan import MultimodalGAN, grad_reverse
from tests.models.crossmodal.test_xmodalnet import _counts, _enc, _grads, accuracy, crossmodal_problem


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _batch(model: MultimodalGAN, b: int = 6, u: int = 10, seed: int = 0, unlabelled=("lidar",)):
    g = torch.Generator().manual_seed(seed)
    lab = {m: torch.rand(b, c, generator=g) for m, c in model.in_channels.items()}
    unl = {m: torch.rand(u, model.in_channels[m], generator=g) for m in unlabelled}
    return torch.arange(b) % model.num_classes, lab, unl


# --- the contract -----------------------------------------------------------------------------------------
def test_registered_and_used_with_the_test_modality_only():
    model = fusionzoo.create_model("multimodal_gan").eval()
    assert isinstance(model, MultimodalGAN) and model.task == "crossmodal"
    assert model.inputs == ("lidar",) == fusionzoo.get_arch("multimodal_gan").cfg.inputs
    assert model.missing_modalities == ("hs",)
    x = torch.rand(5, 21)
    with torch.no_grad():
        out = model(lidar=x)
    assert out.shape == (5, 15) and torch.isfinite(out).all()
    with pytest.raises(TypeError, match="hs is not an input at test time"):
        model(hs=torch.rand(5, 144))
    with pytest.raises(TypeError, match="hs is not an input at test time"):
        model(hs=torch.rand(5, 144), lidar=x)


def test_the_prediction_uses_the_generated_code_not_the_hs_encoder():
    model = MultimodalGAN(num_classes=4, in_channels=(10, 4)).eval()
    x = torch.rand(7, 4)
    with torch.no_grad():
        before = model(lidar=x)
        for p in [*model.encoders["hs"].parameters(), *model.discriminators.parameters(), *model.real_bns.parameters()]:
            p.add_(1.0)
        assert torch.equal(model(lidar=x), before)
        for p in model.generators.parameters():
            p.add_(0.5)
        assert not torch.allclose(model(lidar=x), before)


def test_several_missing_and_test_modalities():
    model = MultimodalGAN(num_classes=3, modalities=("hs", "ms", "sar"), in_channels=(10, 4, 2),
                          test_modalities=("ms", "sar"))
    assert model.missing_modalities == ("hs",) and model.generators["hs"].layers[0].in_features == 256
    model = MultimodalGAN(num_classes=3, modalities=("hs", "lidar", "ms"), in_channels=(10, 4, 2),
                          test_modalities=("ms",))
    assert set(model.discriminators) == {"hs", "lidar"}
    y, lab, unl = _batch(model, unlabelled=("ms", "hs"))
    assert torch.isfinite(model.training_losses(y, lab, unl)["total"])
    with torch.no_grad():
        assert model.eval()(ms=torch.rand(2, 2)).shape == (2, 3)


# --- parameters -------------------------------------------------------------------------------------------
def test_parameter_counts_by_hand():
    # HS 10 bands + MS 4 bands, 3 classes; every dense layer has a bias; BN gamma + beta
    gen = 2 * (128 * 128 + 128 + 2 * 128)              # 128 -> 128 -> 128, BN + ReLU
    disc = (128 * 64 + 64) + (64 + 1)                   # 128 -> 64 (LeakyReLU) -> 1
    head = (256 * 128 + 128 + 2 * 128) + (128 * 64 + 64 + 2 * 64)  # MDL-RS middle head 256 -> 128 -> 64
    real_bns = 2 * (128 + 64)
    stats = 2 * 2 * 240 + 2 * 2 * 128 + 2 * (128 + 64) + 2 * (128 + 64)
    small = MultimodalGAN(num_classes=3, modalities=("hs", "ms"), in_channels=(10, 4), test_modalities=("ms",))
    assert _counts(small) == (_enc(10) + _enc(4) + gen + disc + head + real_bns + 64 * 3 + 3, stats)
    assert _counts(small) == (107_140, 2_240)
    # Houston 2013 sizes: the numbers the docstring and the card state
    assert _counts(MultimodalGAN()) == (_enc(144) + _enc(21) + gen + disc + head + real_bns + 64 * 15 + 15, stats)
    assert _counts(MultimodalGAN()) == (110_336, 2_240)


# --- losses -----------------------------------------------------------------------------------------------
def test_gradient_reversal():
    x = torch.ones(3, requires_grad=True)
    y = grad_reverse(x, 2.0)
    assert torch.equal(y, x)
    (3.0 * y).sum().backward()
    assert torch.equal(x.grad, torch.full((3,), -6.0))


def test_each_term_is_finite_and_trains_the_intended_parts():
    torch.manual_seed(0)
    model = MultimodalGAN(num_classes=3, in_channels=(10, 4))
    y, lab, unl = _batch(model)
    losses = model.training_losses(y, lab, unl)
    terms = ("ce", "ce_real", "reconstruction", "adversarial", "l2")
    assert set(losses) == {*terms, "total", "logits"} and losses["logits"].shape == (6, 3)
    for t in terms:
        assert torch.isfinite(losses[t]) and losses[t] > 0, t
    assert torch.allclose(losses["total"], sum(losses[t] for t in terms))
    enc_hs, enc_li, gen, disc = model.encoders["hs"], model.encoders["lidar"], model.generators, model.discriminators
    parts = {"ce": (enc_li, gen, model.head, model.classifier), "ce_real": (enc_hs, enc_li, model.real_bns),
             "reconstruction": (enc_li, gen), "adversarial": (enc_li, gen, disc)}
    for t, trained in parts.items():
        for part in (enc_hs, enc_li, gen, disc, model.real_bns):
            assert _grads(losses[t], part) == any(part is p for p in trained), (t, part)
    losses["total"].backward()
    assert all(p.grad is not None for p in model.parameters())


def test_the_generator_gets_the_discriminator_loss_gradient_reversed():
    torch.manual_seed(0)
    model = MultimodalGAN(num_classes=3, in_channels=(10, 4), adv_weight=0.5, grl_scale=2.0).eval()
    y, lab, unl = _batch(model, unlabelled=("lidar", "hs"))
    adv = model.training_losses(y, lab, unl)["adversarial"]
    # the same binary cross-entropy without the reversal layer (eval mode: the same forward pass)
    codes = {m: model.encoders[m](torch.cat([lab[m], unl[m]])) for m in model.modalities}
    fake = model.generate({"lidar": codes["lidar"]})["hs"]
    d = model.discriminators["hs"]
    d_real, d_fake = d(codes["hs"].detach()), d(fake)
    plain = 0.5 * (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                   + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
    assert torch.allclose(adv, plain)
    for module, sign in ((model.generators, -2.0), (model.encoders["lidar"], -2.0), (model.discriminators, 1.0)):
        got = torch.autograd.grad(adv, list(module.parameters()), retain_graph=True)
        want = torch.autograd.grad(plain, list(module.parameters()), retain_graph=True)
        assert all(torch.allclose(a, sign * b, atol=1e-7) for a, b in zip(got, want))


def test_clear_errors():
    model = MultimodalGAN(num_classes=3, in_channels=(10, 4))
    y, lab, unl = _batch(model)
    with pytest.raises(ValueError, match="missing hs"):
        model.training_losses(y, {"lidar": lab["lidar"]}, unl)
    with pytest.raises(ValueError, match="unlabelled must hold the test modalities lidar"):
        model.training_losses(y, lab, {"hs": torch.rand(4, 10)})
    with pytest.raises(ValueError, match="must leave out at least one"):
        MultimodalGAN(test_modalities=("hs", "lidar"))
    with pytest.raises(ValueError, match="pixel vectors"):
        MultimodalGAN(patch_size=7)
    with pytest.raises(ValueError, match="init must be"):
        MultimodalGAN(init="xavier")


# --- a synthetic crossmodal problem ------------------------------------------------------------------------
def test_training_beats_the_lidar_only_baseline():
    steps, lr, l2 = 40, 1e-2, 1e-3
    p = crossmodal_problem()
    torch.manual_seed(0)
    base = MDLRSSingle(modalities=("lidar",), in_channels=(12,), num_classes=p["k"], backbone="fc", l2_weight=l2)
    opt = torch.optim.Adam(base.parameters(), lr=lr)
    for _ in range(steps):
        loss = base.training_losses(p["y"], lidar=p["labelled"]["lidar"])["total"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    baseline = accuracy(base, *p["test"])

    torch.manual_seed(0)
    model = MultimodalGAN(num_classes=p["k"], in_channels=(16, 12), l2_weight=l2)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(1)
    totals = []
    for _ in range(steps):
        idx = torch.randint(0, 512, (64,), generator=g)
        model.train()
        losses = model.training_losses(p["y"], p["labelled"], {m: x[idx] for m, x in p["pool"].items()})
        opt.zero_grad()
        losses["total"].backward()
        opt.step()
        totals.append(losses["total"].item())
    assert sum(totals[-5:]) < 0.6 * sum(totals[:5])
    oa = accuracy(model, *p["test"])
    assert oa > baseline + 0.05, (oa, baseline)
