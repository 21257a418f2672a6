"""Classical pansharpening methods (no parameters to learn): EXP (:mod:`.interpolation`), component
substitution (:mod:`.component_substitution`, :mod:`.hfcs`, :mod:`.matting`), multiresolution analysis (:mod:`.multiresolution`,
:mod:`.adaptive_mra`, :mod:`.morphological`, :mod:`.sparse_representation`, :mod:`.contourlet`,
:mod:`.curvelet`) and variational / model-based optimisation (:mod:`.variational`, :mod:`.mbrr`)."""

from . import (  # noqa: F401
    adaptive_mra,
    component_substitution,
    contourlet,
    curvelet,
    hfcs,
    interpolation,  # (exp first: the default baseline)
    matting,
    mbrr,
    morphological,
    multiresolution,
    sparse_representation,
    variational,
)
