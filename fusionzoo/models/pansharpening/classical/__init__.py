"""Classical pansharpening methods (no parameters to learn): EXP (:mod:`.interpolation`), component
substitution (:mod:`.component_substitution`), multiresolution analysis (:mod:`.multiresolution`,
:mod:`.adaptive_mra`, :mod:`.morphological`, :mod:`.sparse_representation`, :mod:`.contourlet`,
:mod:`.curvelet`) and variational optimisation (:mod:`.variational`)."""

from . import (  # noqa: F401
    adaptive_mra,
    component_substitution,
    contourlet,
    curvelet,
    interpolation,  # noqa: F401  (exp first: the default baseline)
    morphological,
    multiresolution,
    sparse_representation,
    variational,
)
