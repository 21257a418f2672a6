"""What the MATLAB-compatible operators and the methods built on them share: MATLAB's ``eps`` and the check of
power-of-two resolution ratios."""

from __future__ import annotations

import math

__all__ = ["MATLAB_EPS", "power_of_two_levels"]

MATLAB_EPS = 2.220446049250313e-16  # MATLAB eps: 2**-52, which the toolbox adds to denominators


def power_of_two_levels(ratio: int, what: str = "this method", why: str = "", minimum: int = 2) -> int:
    """``log2(ratio)`` for a power-of-two ``ratio >= minimum``; otherwise a ``ValueError`` saying that ``what``
    needs one (and ``why``)."""
    if ratio < minimum or 2 ** round(math.log2(ratio)) != ratio:
        because = f" ({why})" if why else ""
        at_least = f" >= {minimum}" if ratio < minimum else ""
        raise ValueError(f"{what} needs a power-of-two ratio{at_least} (2, 4, 8, ...){because}, got {ratio}")
    return int(round(math.log2(ratio)))
