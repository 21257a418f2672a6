"""1-NN on pixel vectors: scikit-learn's labels, hand-computed scores, and a safetensors round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import fusionzoo


def _model(**kw):
    return fusionzoo.create_model("nearest_neighbour", modalities=("lidar",), in_channels=(4,), num_classes=5, **kw)


def test_scores_are_minus_the_distance_to_each_class_nearest_pixel():
    m = _model()
    m.in_channels["lidar"] = 2
    m.fit({"lidar": np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])}, np.array([0, 1, 1]))
    s = m(lidar=torch.tensor([[0.0, 0.0]]))
    assert s[0, :2].tolist() == pytest.approx([0.0, -5.0])  # class 1: the nearer of (3, 4) and (6, 8)
    assert torch.isinf(s[0, 2:]).all()  # classes without training pixels


@pytest.mark.parametrize("standardize", [False, True])
def test_labels_match_scikit_learn_and_survive_a_round_trip(tmp_path, standardize):
    from sklearn.neighbors import KNeighborsClassifier

    g = np.random.default_rng(0)
    X, y, T = g.random((200, 4)), g.integers(0, 5, 200), g.random((300, 4))
    m = _model(standardize=standardize).fit({"lidar": X}, y)
    mu, sd = (X.mean(0), X.std(0)) if standardize else (0.0, 1.0)
    ref = KNeighborsClassifier(1).fit((X - mu) / sd, y).predict((T - mu) / sd)
    pred = m(lidar=torch.from_numpy(T).float()).argmax(1).numpy()
    assert (pred == ref).mean() >= 0.995  # float32 inputs: a near-tie may flip
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(tmp_path / "m.safetensors"))
    fresh = _model(standardize=standardize)
    fresh.load_state_dict(load_file(str(tmp_path / "m.safetensors")))
    x = torch.from_numpy(T).float()
    assert torch.equal(fresh(lidar=x), m(lidar=x))


def test_predict_gives_the_labels():
    m = _model()
    g = np.random.default_rng(1)
    X, y = g.random((20, 4)), np.arange(20) % 5
    m.fit({"lidar": X}, y)
    assert m.predict(lidar=torch.from_numpy(X).float()).tolist() == y.tolist()  # each pixel is its own neighbour
