"""Classical pansharpening methods (no parameters to learn): EXP (:mod:`.interpolation`), component
substitution (:mod:`.component_substitution`) and multiresolution analysis (:mod:`.multiresolution`)."""

from . import (  # noqa: F401
    component_substitution,
    interpolation,  # noqa: F401  (exp first: the default baseline)
    multiresolution,
)
