"""Classical HS-MS fusion methods (no parameters to learn; some fit themselves to each input): plain
upsampling (:mod:`.interpolation`), component substitution (:mod:`.component_substitution`, GSA-HS),
multiresolution analysis (:mod:`.multiresolution`, SFIM-HS, GLP-HS), coupled unmixing (:mod:`.unmixing`, CNMF),
subspace regularisation (:mod:`.hysure`), Bayesian fusion by a Sylvester equation (:mod:`.bayesian_sylvester`,
FUSE), coupled tensor factorisations (:mod:`.tensor_factorization`, CSTF, STEREO) and the spectral-response
estimation they share (:mod:`.spectral_response`)."""

from . import interpolation  # noqa: F401  (bicubic first: the trivial baseline)
from . import component_substitution, multiresolution, unmixing  # noqa: F401
from . import bayesian_sylvester, hysure, tensor_factorization  # noqa: F401
