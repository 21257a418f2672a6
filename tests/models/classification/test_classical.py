"""SVM and random forest fitted on training pixels: agreement with scikit-learn, hand-built weights (libsvm's
vote and tie rule, a tree stump), the safetensors round trip into a fresh model, the contract and its errors,
and (with ``../shared/data``) the Houston 2013 LiDAR sanity anchor (classification-notes.md 3.2: RF / SVM on the
21 LiDAR features, OA about 69-71 %)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import fusionzoo
from fusionzoo.features import HOUSTON2013_DSM_STRETCH
from fusionzoo.metrics.classification import classification_report
from fusionzoo.models.classification.classical import (
    NotFittedError,
    RandomForestPixelClassifier,
    SVMPixelClassifier,
    random_forest,
    svm_rbf,
)
from fusionzoo.registry import get_arch
from tests.helpers import DATA, ROOT

SVC = pytest.importorskip("sklearn.svm", reason="fitting needs scikit-learn").SVC
RandomForestClassifier = pytest.importorskip("sklearn.ensemble").RandomForestClassifier

HOUSTON = DATA / "classification" / "houston2013"
FC = HOUSTON / "pixel_sets_fc"


def _blobs(n_train=240, n_test=600, classes=4, features=6, seed=0):
    """Overlapping Gaussian classes; the held-out points also cover the space between and beyond them."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(classes, features))
    y = rng.integers(0, classes, n_train)
    x = centres[y] + rng.normal(scale=1.5, size=(n_train, features))
    x_test = rng.uniform(-6, 6, size=(n_test, features))
    return x, y, x_test


def _roundtrip(model, fresh, tmp_path):
    path = tmp_path / "model.safetensors"
    save_file(model.state_dict(), str(path))
    fresh.load_state_dict(load_file(str(path)))
    return fresh


# --- agreement with scikit-learn -------------------------------------------------------------------------------
def test_svm_agrees_with_sklearn():
    x, y, x_test = _blobs()
    model = svm_rbf(modalities=("hs", "lidar"), in_channels=(4, 2), num_classes=4, C=10.0).fit(
        {"hs": x[:, :4], "lidar": x[:, 4:]}, y)
    mean, std = x.mean(0), x.std(0)
    ref = SVC(C=10.0, gamma="scale", decision_function_shape="ovo").fit((x - mean) / std, y)
    z = torch.from_numpy(x_test)
    out = model.outputs(model.check_inputs({"hs": z[:, :4], "lidar": z[:, 4:]}))
    pred = out["logits"].argmax(1).numpy()
    want = ref.predict((x_test - mean) / std)
    assert (pred == want).mean() == 1.0
    np.testing.assert_allclose(out["decision"].numpy(), ref.decision_function((x_test - mean) / std), atol=1e-9)
    votes = out["votes"].numpy()
    top = votes.max(1, keepdims=True)
    assert ((votes == top).sum(1) > 1).sum() > 0, "the held-out points should include vote ties"
    assert out["logits"].dtype == torch.float64


def test_random_forest_agrees_with_sklearn():
    x, y, x_test = _blobs(seed=1)
    model = random_forest(num_classes=4, in_channels=(6,), n_estimators=25).fit(x, y, seed=3)
    ref = RandomForestClassifier(n_estimators=25, random_state=3).fit(x, y)
    proba = model(lidar=torch.from_numpy(x_test)).numpy()
    np.testing.assert_allclose(proba, ref.predict_proba(x_test), rtol=1e-12, atol=1e-12)
    assert (proba.argmax(1) == ref.predict(x_test)).all()
    # float32 inputs: the trees read float32 as scikit-learn's do
    p32 = model(lidar=torch.from_numpy(x_test).float())
    assert p32.dtype == torch.float32
    np.testing.assert_allclose(p32.numpy(), ref.predict_proba(x_test.astype(np.float32)), atol=1e-6)


# --- hand-built weights ----------------------------------------------------------------------------------------
def _svm_state(intercept):
    """Three classes, one (ignored: zero coefficients) support vector each: the decisions are the intercepts."""
    return {"classes": torch.tensor([0, 1, 2]), "feature_mean": torch.zeros(0, dtype=torch.float64),
            "feature_scale": torch.zeros(0, dtype=torch.float64),
            "support_vectors": torch.tensor([[0.0], [1.0], [2.0]], dtype=torch.float64),
            "dual_coef": torch.zeros(2, 3, dtype=torch.float64),
            "intercept": torch.tensor(intercept, dtype=torch.float64), "n_support": torch.tensor([1, 1, 1]),
            "gamma": torch.tensor([1.0], dtype=torch.float64)}


@pytest.mark.parametrize("intercept, votes, label", [
    ([1.0, 1.0, 1.0], [2, 1, 0], 0),   # 0 beats 1 and 2; 1 beats 2
    ([1.0, -1.0, 1.0], [1, 1, 1], 0),  # a three-way tie: the lowest class (libsvm)
    ([-1.0, 1.0, -1.0], [1, 1, 1], 0),
    ([0.0, 0.0, 0.0], [0, 1, 2], 2),   # a zero decision votes for the second class of the pair
    ([-1.0, 1.0, 1.0], [1, 2, 0], 1),
])
def test_svm_votes_and_ties_by_hand(intercept, votes, label):
    model = SVMPixelClassifier(num_classes=4, in_channels=(1,))
    model.load_state_dict(_svm_state(intercept))
    out = model.outputs(model.check_inputs({"lidar": torch.zeros(1, 1, dtype=torch.float64)}))
    assert out["votes"][0].tolist() == [*votes, 0]  # class 3 was never fitted
    assert int(out["logits"].argmax(1)) == label
    assert out["logits"][0, 3] == -1


def test_random_forest_stump_by_hand():
    """One stump: x <= 0.5 -> leaf 1 (class 0: 0.75, class 1: 0.25), else leaf 2 (class 1)."""
    state = {"classes": torch.tensor([0, 1]), "feature_mean": torch.zeros(0, dtype=torch.float64),
             "feature_scale": torch.zeros(0, dtype=torch.float64), "tree_offsets": torch.tensor([0, 3]),
             "children_left": torch.tensor([1, -1, -1]), "children_right": torch.tensor([2, -1, -1]),
             "feature": torch.tensor([1, -1, -1]), "threshold": torch.tensor([0.5, 0.0, 0.0], dtype=torch.float64),
             "leaf_index": torch.tensor([-1, 0, 1]),
             "leaf_proba": torch.tensor([[0.75, 0.25], [0.0, 1.0]], dtype=torch.float64),
             "depth": torch.tensor([1])}
    model = RandomForestPixelClassifier(num_classes=3, in_channels=(2,))
    model.load_state_dict(state)
    x = torch.tensor([[9.0, 0.5], [-9.0, 0.50001], [0.0, -3.0]], dtype=torch.float64)
    np.testing.assert_array_equal(model(lidar=x).numpy(), [[0.75, 0.25, 0], [0, 1, 0], [0.75, 0.25, 0]])


# --- saving and loading ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("build, kwargs", [(svm_rbf, {"C": 5.0}), (svm_rbf, {"standardize": False}),
                                           (random_forest, {"n_estimators": 7}),
                                           (random_forest, {"n_estimators": 3, "standardize": True})])
def test_safetensors_roundtrip_into_a_fresh_model(build, kwargs, tmp_path):
    x, y, x_test = _blobs(classes=3, features=5, seed=2)
    y[y == 1] = 4  # a class absent from 0..K-1's middle, one beyond the fitted ones
    model = build(num_classes=5, in_channels=(5,), **kwargs).fit(x, y)
    fresh = build(num_classes=5, in_channels=(5,))  # default settings: the state alone decides
    assert not fresh.is_fitted
    _roundtrip(model, fresh, tmp_path)
    z = torch.from_numpy(x_test).float()
    a, b = model(lidar=z), fresh(lidar=z)
    assert torch.equal(a, b) and a.shape == (600, 5)
    assert set(a.argmax(1).tolist()) <= {0, 2, 4}
    assert all(t.dtype != torch.uint8 for t in fresh.state_dict().values())


def test_loading_into_a_model_of_another_size_fails_clearly(tmp_path):
    x, y, _ = _blobs(classes=3, features=5, seed=4)
    model = svm_rbf(num_classes=3, in_channels=(5,)).fit(x, y)
    with pytest.raises(RuntimeError, match="fitted on 5 features, this model takes 4"):
        _roundtrip(model, svm_rbf(num_classes=3, in_channels=(4,)), tmp_path)
    rf = random_forest(num_classes=3, in_channels=(5,), n_estimators=2).fit(x, y)
    with pytest.raises(RuntimeError, match="classes up to 2, this model has num_classes=2"):
        _roundtrip(rf, random_forest(num_classes=2, in_channels=(5,)), tmp_path)


# --- contract and errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("build", [svm_rbf, random_forest])
def test_unfitted_model_says_what_to_do(build):
    model = build()
    assert model.modalities == ("lidar",) and model.in_channels == {"lidar": 21} and model.num_classes == 15
    assert sum(p.numel() for p in model.parameters()) == 0
    with pytest.raises(NotFittedError, match=r"not fitted: call model.fit\(X, y\) .* or load fitted weights"):
        model(lidar=torch.zeros(2, 21))


@pytest.mark.parametrize("build", [svm_rbf, random_forest])
def test_fit_errors(build):
    model = build(num_classes=3, modalities=("hs", "lidar"), in_channels=(2, 1))
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"X must be \(N, 3\) training pixels"):
        model.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"missing \['lidar'\]"):
        model.fit({"hs": x[:, :2]}, [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"class indices 0..2, got values 1..3 \(subtract 1"):
        model.fit(x, [1, 2, 3, 1])
    with pytest.raises(ValueError, match="at least two classes"):
        model.fit(x, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="4 labels for 3"):
        model.fit(x[:3], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.full((4, 3), np.nan), [0, 1, 0, 1])


def test_registered_and_built_by_name():
    for name, cls in (("svm_rbf", SVMPixelClassifier), ("random_forest", RandomForestPixelClassifier)):
        m = fusionzoo.create_model(name, num_classes=6)
        assert type(m) is cls and m.num_classes == 6
        cfg = get_arch(name).cfg
        assert cfg.task == "classification" and cfg.inputs == ("lidar",)
        assert cfg.card == f"{name}.md" and cfg.kind == "learned"
        assert (ROOT / "model_cards" / cfg.card).is_file()


def test_missing_modality_is_zero_filled():
    x, y, x_test = _blobs(classes=3, features=3, seed=5)
    model = random_forest(num_classes=3, modalities=("hs", "lidar"), in_channels=(2, 1), n_estimators=5).fit(
        {"hs": x[:, :2], "lidar": x[:, 2:]}, y)
    z = torch.from_numpy(x_test[:, :2])
    filled = torch.cat([z, torch.zeros(len(z), 1, dtype=z.dtype)], 1)
    assert torch.equal(model(hs=z), model(hs=filled[:, :2], lidar=filled[:, 2:]))


# --- the real Houston 2013 LiDAR features --------------------------------------------------------------------
def _load_fc():
    import scipy.io

    def get(name):
        return scipy.io.loadmat(FC / f"{name}.mat")[name]

    return (get("LiDAR_TrSet"), get("TrLabel").ravel().astype(np.int64) - 1, get("LiDAR_TeSet"),
            get("TeLabel").ravel().astype(np.int64) - 1)


@pytest.mark.skipif(not all((FC / f"{n}.mat").exists() for n in ("LiDAR_TrSet", "LiDAR_TeSet", "TrLabel", "TeLabel")),
                    reason="needs the Houston 2013 FC pixel sets under ../shared/data")
@pytest.mark.parametrize("build, low", [(random_forest, 0.66), (svm_rbf, 0.66)])
def test_houston2013_lidar_anchor(build, low):
    """Measured: RF 200 trees seed 0 OA 0.6893; SVM (C 100, gamma scale, standardised) OA 0.6959 (0.6980 without
    standardisation, the notes' 69.80)."""
    xtr, ytr, xte, yte = _load_fc()
    model = build().fit({"lidar": xtr}, ytr, seed=0)
    scores = model(lidar=torch.from_numpy(xte).float())
    rep = classification_report(scores, torch.from_numpy(yte), 15)
    assert low < rep["OA"] < 0.72, rep["OA"]


DSM = HOUSTON / "dfc2013_official" / "2013_IEEE_GRSS_DF_Contest_LiDAR.tif"
MAPS = HOUSTON / "split_maps"


@pytest.mark.skipif(not (DSM.exists() and MAPS.exists()), reason="needs the Houston 2013 DSM and split maps")
def test_houston2013_from_the_dsm_through_prepare():
    """The whole path: the stored preprocess steps turn the DSM into the 21 features (prepare), the model is fitted
    on the TR pixels and scores the VA pixels (100 trees).  Measured OA 0.70."""
    from fusionzoo.io import read_geotiff

    steps = [{"op": "morphological_profile", "stretch": list(HOUSTON2013_DSM_STRETCH)}]
    model = random_forest(n_estimators=100, preprocess={"lidar": steps})
    feats = model.prepare({"lidar": read_geotiff(DSM)[0]})["lidar"]
    assert feats.shape == (21, 349, 1905)
    tr = read_geotiff(MAPS / "2013_IEEE_GRSS_DF_Contest_Samples_TR.tif")[0][0]
    va = read_geotiff(MAPS / "2013_IEEE_GRSS_DF_Contest_Samples_VA.tif")[0][0]
    model.fit({"lidar": feats[:, tr > 0].T}, tr[tr > 0].astype(np.int64) - 1)
    scores = model(lidar=torch.from_numpy(feats[:, va > 0].T))
    rep = classification_report(scores, torch.from_numpy(va[va > 0].astype(np.int64) - 1), 15)
    assert 0.66 < rep["OA"] < 0.72, rep["OA"]
