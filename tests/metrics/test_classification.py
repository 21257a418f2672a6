"""Classification accuracy against hand-computed values (and scikit-learn's kappa where installed)."""

from __future__ import annotations

import math

import pytest
import torch

from fusionzoo.metrics import (ClassificationScores, average_accuracy, classification_report, confusion_matrix, kappa,
                               overall_accuracy, per_class_accuracy)

# 10 samples, 3 classes; rows = truth, columns = prediction:
# truth 0: 4 samples -> predicted 0, 0, 0, 1 ; truth 1: 3 -> 1, 1, 2 ; truth 2: 3 -> 2, 0, 2
TRUTH = torch.tensor([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
PRED = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 0, 2])
CM = [[3, 1, 0], [0, 2, 1], [1, 0, 2]]


def test_confusion_matrix_and_the_scores_by_hand():
    cm = confusion_matrix(PRED, TRUTH, 3)
    assert cm.tolist() == CM
    assert overall_accuracy(cm) == pytest.approx(7 / 10)
    assert per_class_accuracy(cm).tolist() == pytest.approx([3 / 4, 2 / 3, 2 / 3])
    assert average_accuracy(cm) == pytest.approx((3 / 4 + 2 / 3 + 2 / 3) / 3)
    # p_o = 0.7; p_e = (4*4 + 3*3 + 3*3) / 100 = 0.34; kappa = (0.7 - 0.34) / 0.66
    assert kappa(cm) == pytest.approx((0.7 - 0.34) / 0.66)


def test_scores_ignore_index_and_class_scores():
    scores = torch.nn.functional.one_hot(PRED, 3).float() * 5  # (N, K) class scores: argmax is PRED
    truth = torch.cat([TRUTH, torch.tensor([255, 255])])
    scores = torch.cat([scores, torch.zeros(2, 3)])
    assert confusion_matrix(scores, truth, 3, ignore_index=255).tolist() == CM
    with pytest.raises(ValueError, match="ignore_index"):
        confusion_matrix(PRED, torch.full_like(TRUTH, 255), 3)


def test_average_accuracy_skips_absent_classes_and_running_scores_match():
    cm = confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 0]), 3)  # classes 1 and 2 have no samples
    assert math.isnan(per_class_accuracy(cm)[1]) and average_accuracy(cm) == pytest.approx(0.5)
    running = ClassificationScores(3)
    running.update(PRED[:5], TRUTH[:5])
    running.update(PRED[5:], TRUTH[5:])
    assert running.compute() == classification_report(PRED, TRUTH, 3)


def test_kappa_agrees_with_scikit_learn():
    sk = pytest.importorskip("sklearn.metrics")
    assert kappa(confusion_matrix(PRED, TRUTH, 3)) == pytest.approx(sk.cohen_kappa_score(TRUTH, PRED))
