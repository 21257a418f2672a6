"""The real reduced-resolution scene most classical-method tests score on: ``WV3_test.mat`` of CDIF
(``../shared/data/pansharpening/wv3_cdif``), with the toolbox's scoring (DN scale, 20/21-pixel border cut)."""

from __future__ import annotations

import functools

import pytest
import torch

from fusionzoo.metrics import cut_border, ergas, q2n, sam

from . import DATA

WV3_TEST = DATA / "pansharpening" / "wv3_cdif" / "WV3_test.mat"

#: skip marker of the tests that score on WV3_test
requires_wv3_test = pytest.mark.skipif(not WV3_TEST.is_file(),
                                       reason=f"real data {WV3_TEST} (WV3_test.mat of liangjiandeng/CDIF) is absent")


@functools.lru_cache(maxsize=1)
def wv3_test():
    """The scene (``fusionzoo.datasets.Scene``: ms, pan, gt on [0, 1], sensor WV3, 11 bits)."""
    from fusionzoo.datasets import load_scene

    return load_scene("wv3_cdif", DATA)


def dn_scores(out: torch.Tensor, scene) -> tuple[float, float, float]:
    """(Q8, SAM, ERGAS) of ``out`` (1, C, H, W) on [0, 1] against the scene's reference, as the toolbox scores
    them: at DN scale with the 20/21-pixel border cut."""
    m = 2**scene.bit_depth - 1
    o, g = cut_border(out * m), cut_border(scene.gt[None] * m)
    return q2n(o, g).item(), sam(o, g).item(), ergas(o, g).item()
