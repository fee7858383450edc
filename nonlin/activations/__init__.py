"""Fixed elementwise activation functions, one file per family.

Importing this package registers every activation.  To add a family, create
a file here and list it in ``FAMILIES``.
"""

import importlib

FAMILIES = (
    "rectifiers",
    "exponential",
    "sigmoidal",
    "sparse",
    "self_gated",
    "smooth_rectifiers",
    "periodic",
    "radial",
    "misc",
    # units catalogued by the survey arXiv 2402.09092 (one file per family)
    "survey_self_gated",
    "survey_misc",
    "survey_hybrids",
    "survey_classic",
    "survey_adaptive_fixed",
    "survey2_rect",
    "survey2_rect_step",
    "survey2_exp",
    # cat_gated (issue 13): self-gated, periodic, radial and polynomial units
    "survey2_gated", "survey2_periodic", "survey2_radial", "survey2_poly",
    # fixed activations reported by activation-function search papers
    "survey3_search",
    "survey2_sig",
    "survey2_sig_bounded",
    "survey3_algebraic",
    "survey3_adaptive",
    "survey3_combos",
    # cat_inr (issue 13): spike units with published surrogate gradients
    "survey3_spike", "survey3_inr", "survey3_secure",
    # cat_survey (issue 13): named units of single-unit papers catalogued by the surveys
    "survey4_named",
    "survey4_classic",  # cat_classic (issue 13): neural response functions, cosine squasher, HE polynomials
    # cat_modern (issue 13): units of 2016-2025 practice (NeRF, detection, diffusion, flows, GANs, audio)
    "survey4_modern",
)

for _family in FAMILIES:
    importlib.import_module(f"{__name__}.{_family}")
