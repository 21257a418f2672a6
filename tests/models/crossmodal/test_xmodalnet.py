"""X-ModalNet (fusionzoo.models.crossmodal.xmodalnet): the test-time contract, hand-counted parameters, each loss
term and where its gradient goes, label propagation on toy graphs against hand-computed values, and a short
training run on a synthetic crossmodal problem that beats the test-modality-only MDL-RS baseline."""

from __future__ import annotations

import math

import pytest
import torch

import fusionzoo
from fusionzoo.models.classification.mdlrs import MDLRSSingle
from fusionzoo.models.crossmodal.xmodalnet import XModalNet, knn_affinity, spread_labels


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny nets: one thread is much faster than two on a loaded machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _counts(model: torch.nn.Module) -> tuple[int, int]:
    params = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return params, stats


def _enc(d: int) -> int:
    """An MDL-RS FC encoder d -> 16 -> 32 -> 64 -> 128: dense weights + biases, BatchNorm gamma + beta."""
    return sum(i * o + o + 2 * o for i, o in zip((d, 16, 32, 64), (16, 32, 64, 128)))


def _batch(model: XModalNet, b: int = 6, u: int = 10, seed: int = 0, unlabelled=("lidar",)):
    g = torch.Generator().manual_seed(seed)
    lab = {m: torch.rand(b, c, generator=g) for m, c in model.in_channels.items()}
    unl = {m: torch.rand(u, model.in_channels[m], generator=g) for m in unlabelled}
    y = torch.arange(b) % model.num_classes
    return y, lab, unl


# --- the contract -----------------------------------------------------------------------------------------
def test_registered_and_used_with_the_test_modality_only():
    model = fusionzoo.create_model("xmodalnet").eval()
    assert isinstance(model, XModalNet) and model.task == "crossmodal"
    assert model.modalities == ("hs", "lidar") and model.inputs == ("lidar",)
    assert fusionzoo.get_arch("xmodalnet").cfg.inputs == model.inputs
    x = torch.rand(5, 21)
    with torch.no_grad():
        out = model(lidar=x)
        assert out.shape == (5, 15) and torch.isfinite(out).all()
        assert torch.equal(model(x), out)  # positional, in test_modalities order
    with pytest.raises(TypeError, match="hs is not an input at test time"):
        model(hs=torch.rand(5, 144))
    with pytest.raises(TypeError, match="hs is not an input at test time"):
        model(hs=torch.rand(5, 144), lidar=x)
    with pytest.raises(ValueError, match="give the test modalities lidar"):
        model()


def test_the_prediction_does_not_depend_on_the_training_only_branch():
    model = XModalNet(num_classes=4, in_channels=(10, 4)).eval()
    x = torch.rand(7, 4)
    with torch.no_grad():
        before = model(lidar=x)
        for p in model.encoders["hs"].parameters():
            p.add_(1.0)
        model.top_bns["hs"].weight.mul_(3.0)
        assert torch.equal(model(lidar=x), before)


def test_other_modalities_and_several_test_modalities():
    model = XModalNet(num_classes=3, modalities=("hs", "ms", "sar"), in_channels=(10, 4, 2),
                      test_modalities=("ms", "sar")).eval()
    with torch.no_grad():
        z = model(ms=torch.rand(2, 4), sar=torch.rand(2, 2))
        z_ms = model.branch("ms", torch.rand(2, 4))[1]
    assert z.shape == z_ms.shape == (2, 3)


# --- parameters -------------------------------------------------------------------------------------------
def test_parameter_counts_by_hand():
    # HS 10 bands + MS 4 bands, 3 classes: two encoders, shared top 128 -> 64 with one BN per modality, 64 -> 3
    top, top_bns, cls = 128 * 64 + 64, 2 * 2 * 64, 64 * 3 + 3
    assert (_enc(10), _enc(4)) == (11_632, 11_536)
    small = XModalNet(num_classes=3, modalities=("hs", "ms"), in_channels=(10, 4), test_modalities=("ms",))
    assert _counts(small) == (11_632 + 11_536 + top + top_bns + cls, 2 * 2 * 240 + 2 * 2 * 64) == (31_875, 1_216)
    # Houston 2013 sizes, the numbers the docstring and the card state
    houston = _enc(144) + _enc(21) + top + top_bns + 64 * 15 + 15
    assert _counts(XModalNet()) == (houston, 1_216) == (35_071, 1_216)


# --- losses -----------------------------------------------------------------------------------------------
def _grads(loss: torch.Tensor, module: torch.nn.Module) -> bool:
    """Whether ``loss`` has a non-zero gradient on some parameter of ``module``."""
    gs = torch.autograd.grad(loss, list(module.parameters()), retain_graph=True, allow_unused=True)
    return any(g is not None and g.abs().sum() > 0 for g in gs)


def test_each_term_is_finite_and_trains_the_intended_parts():
    torch.manual_seed(0)
    model = XModalNet(num_classes=3, in_channels=(10, 4), lp_warmup=0, lp_threshold=0.0, lp_k=3)
    y, lab, unl = _batch(model)
    losses = model.training_losses(y, lab, unl)
    terms = ("ce", "adversarial", "mutual", "propagation", "l2")
    assert set(losses) == {*terms, "total", "logits"} and losses["logits"].shape == (6, 3)
    for t in terms:
        assert torch.isfinite(losses[t]) and losses[t] > 0, t
    assert torch.allclose(losses["total"], sum(losses[t] for t in terms))
    enc_hs, enc_li = model.encoders["hs"], model.encoders["lidar"]
    for t in ("ce", "adversarial", "mutual", "l2"):
        assert _grads(losses[t], enc_hs) and _grads(losses[t], enc_li), t
    # the unlabelled batch holds LiDAR only: propagated labels train the LiDAR branch and the shared layers
    assert _grads(losses["propagation"], enc_li) and _grads(losses["propagation"], model.classifier)
    assert not _grads(losses["propagation"], enc_hs)
    losses["total"].backward()
    assert all(p.grad is not None for p in model.parameters())


def test_mutual_learning_is_the_symmetric_kl_of_the_two_branches():
    # p1 = (1/2, 1/2), p2 = (3/4, 1/4): KL(p2 || p1) + KL(p1 || p2)
    model = XModalNet(num_classes=2, in_channels=(3, 2))
    kl, rows = model._mutual({"hs": torch.tensor([[0.0, 0.0]]), "lidar": torch.tensor([[math.log(3.0), 0.0]])})
    want = (0.75 * math.log(1.5) + 0.25 * math.log(0.5)) + (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(2.0))
    assert rows == 1 and kl.item() == pytest.approx(want, abs=1e-6) and want == pytest.approx(0.274653, abs=1e-6)


def test_the_self_adversarial_perturbation_raises_the_branch_loss():
    torch.manual_seed(0)
    model = XModalNet(num_classes=3, in_channels=(10, 4), adv_epsilon=1e-3).eval()
    y, lab, _ = _batch(model)
    ce = torch.nn.functional.cross_entropy
    for m in model.modalities:
        r = model._perturbation(m, lab[m], y, None)
        assert torch.allclose(r.abs(), torch.full_like(r, 1e-3))
        with torch.no_grad():
            assert ce(model.branch(m, lab[m] + r)[1], y) > ce(model.branch(m, lab[m])[1], y)


def test_propagation_waits_for_its_warmup_and_needs_an_unlabelled_batch():
    model = XModalNet(num_classes=3, in_channels=(10, 4), lp_warmup=2, lp_threshold=0.0)
    y, lab, unl = _batch(model)
    steps = [model.training_losses(y, lab, unl)["propagation"].item() for _ in range(3)]
    assert steps[:2] == [0.0, 0.0] and steps[2] > 0 and model.lp_steps == 3
    assert model.training_losses(y, lab)["propagation"].item() == 0.0
    model.eval()
    with torch.no_grad():  # evaluation: the clock stands still, the adversarial term is still computed
        losses = model.training_losses(y, lab, unl)
    assert model.lp_steps == 4 and losses["adversarial"] > 0


# --- label propagation ------------------------------------------------------------------------------------
def test_propagation_on_a_path_graph_matches_the_closed_form_by_hand():
    # 0 - 1 - 2, unit weights, node 0 seeded: S = D^-1/2 W D^-1/2 has S01 = S12 = 1/sqrt(2); with
    # a = alpha / sqrt(2), (I - alpha S) f = e0 gives f0 = (1 - a^2) / (1 - 2 a^2), f1 = a f0 / (1 - a^2), f2 = a f1;
    # alpha = 1/2: f = (7/6, sqrt(2)/3, 1/6)
    w = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=torch.float64)
    f = spread_labels(w, torch.tensor([[1.0], [0.0], [0.0]], dtype=torch.float64), alpha=0.5)
    assert torch.allclose(f[:, 0], torch.tensor([7 / 6, math.sqrt(2) / 3, 1 / 6], dtype=torch.float64))
    with pytest.raises(ValueError, match="alpha"):
        spread_labels(w, torch.zeros(3, 1), alpha=1.0)


def test_knn_affinity_by_hand():
    # 1-D points 0, 1, 3 with k = 1: 0 <-> 1 (d^2 = 1), 3 -> 1 (d^2 = 4); sigma^2 = mean(1, 1, 4) = 2;
    # symmetrised: W01 = exp(-1/2), W12 = exp(-4/2), W02 = 0
    w = knn_affinity(torch.tensor([[0.0], [1.0], [3.0]], dtype=torch.float64), k=1)
    e = math.exp
    want = torch.tensor([[0, e(-0.5), 0], [e(-0.5), 0, e(-2.0)], [0, e(-2.0), 0]], dtype=torch.float64)
    assert torch.allclose(w, want)
    w = knn_affinity(torch.tensor([[0.0], [1.0], [10.0], [11.0]]), k=1, sigma=1.0)
    assert torch.allclose(w, math.exp(-1.0) * torch.tensor([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0.0]]))


def test_pseudo_labels_follow_the_clusters_of_the_top_features():
    model = XModalNet(num_classes=2, in_channels=(3, 2), lp_k=2, lp_alpha=0.9)
    # two tight clusters on the unit circle; labelled rows first (one per cluster), then four unlabelled
    feats = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.1], [1.0, 0.1], [0.1, 1.0], [1.1, 0.0]])
    labels, keep = model.pseudo_labels({"lidar": feats}, torch.tensor([0, 1]))
    assert labels.tolist() == [1, 0, 1, 0] and keep.tolist() == [1.0] * 4


# --- errors -----------------------------------------------------------------------------------------------
def test_clear_errors():
    model = XModalNet(num_classes=3, in_channels=(10, 4))
    y, lab, unl = _batch(model)
    with pytest.raises(ValueError, match="missing hs"):
        model.training_losses(y, {"lidar": lab["lidar"]}, unl)
    with pytest.raises(ValueError, match="unlabelled must hold the test modalities lidar"):
        model.training_losses(y, lab, {"hs": torch.rand(4, 10)})
    with pytest.raises(ValueError, match="labelled batch size"):
        model.training_losses(y[:3], lab, unl)
    with pytest.raises(ValueError, match="class indices 0..2"):
        model.training_losses(y + 5, lab, unl)
    with pytest.raises(ValueError, match="subset of the training"):
        XModalNet(test_modalities=("ms",))
    with pytest.raises(ValueError, match="at least two"):
        XModalNet(modalities=("lidar",), in_channels=(21,))
    with pytest.raises(ValueError, match="pixel vectors"):
        XModalNet(patch_size=7)
    with pytest.raises(ValueError, match="adv_weight"):
        XModalNet(adv_weight=-1.0)


# --- a synthetic crossmodal problem ------------------------------------------------------------------------
def crossmodal_problem(seed: int = 0, k: int = 4, hs_dim: int = 16, li_dim: int = 12, per_class: int = 4,
                       pool: int = 512, test: int = 800) -> dict:
    """Latent classes seen through a clean HS (class means of scale 2, noise 0.3) and a noisy LiDAR-like
    modality (class means of scale 1, noise 1); ``per_class`` labelled samples, an unlabelled pool with both
    modalities, a LiDAR-only test set."""
    g = torch.Generator().manual_seed(seed)
    mean_hs, mean_li = 2.0 * torch.randn(k, hs_dim, generator=g), torch.randn(k, li_dim, generator=g)

    def draw(c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return (c, mean_hs[c] + 0.3 * torch.randn(len(c), hs_dim, generator=g),
                mean_li[c] + torch.randn(len(c), li_dim, generator=g))

    y, hs, li = draw(torch.arange(k).repeat_interleave(per_class))
    _, hs_u, li_u = draw(torch.randint(0, k, (pool,), generator=g))
    y_t, _, li_t = draw(torch.randint(0, k, (test,), generator=g))
    return {"k": k, "y": y, "labelled": {"hs": hs, "lidar": li}, "pool": {"hs": hs_u, "lidar": li_u},
            "test": (li_t, y_t)}


def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return (model(lidar=x).argmax(1) == y).float().mean().item()


def test_training_beats_the_lidar_only_baseline():
    steps, lr, l2 = 30, 1e-2, 1e-3
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
    model = XModalNet(num_classes=p["k"], in_channels=(16, 12), l2_weight=l2, lp_warmup=10)
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
    assert sum(totals[-5:]) < 0.5 * sum(totals[:5])
    oa = accuracy(model, *p["test"])
    assert oa > baseline + 0.05, (oa, baseline)
