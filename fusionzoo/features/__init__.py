"""Features computed on whole rasters before pixels are sampled (morphological, extended morphological and
attribute profiles: :mod:`.profiles`) and the JSON-able preprocessing steps stored with a model's weights
(:mod:`.preprocess`: :func:`apply_preprocess`, which :meth:`ClassificationModel.prepare
<fusionzoo.models.classification.base.ClassificationModel.prepare>` calls)."""

from .preprocess import (
    PreprocessError,
    apply_preprocess,
    fit_minmax,
    fit_standardize,
    preprocess_ops,
    register_preprocess_op,
)
from .profiles import (
    ATTRIBUTES,
    DEFAULT_SIZES,
    HOUSTON2013_DSM_STRETCH,
    attribute_filter,
    attribute_profile,
    extended_morphological_profile,
    morphological_profile,
    stretch_to_8bit,
)

__all__ = ["ATTRIBUTES", "DEFAULT_SIZES", "HOUSTON2013_DSM_STRETCH", "PreprocessError", "apply_preprocess",
           "attribute_filter", "attribute_profile", "extended_morphological_profile", "fit_minmax",
           "fit_standardize", "morphological_profile", "preprocess_ops", "register_preprocess_op", "stretch_to_8bit"]
