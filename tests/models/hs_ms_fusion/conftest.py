"""Fixtures shared by the HS-MS fusion model tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_thread():
    """Small problems: one thread avoids oversubscription on shared CPUs (``pytest.mark.usefixtures("one_thread")``)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
