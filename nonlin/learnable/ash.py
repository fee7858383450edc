r"""ASH: Adaptive SwisH, the stochastic adaptive activation (hard and smooth forms).

"Stochastic Adaptive Activation Function", Kyungsu Lee, Jaeseung Yang, Haeyun
Lee, Jae Youn Hwang, NeurIPS 2022, arXiv 2210.11672.

    hard:    ASH(x) = x · H(x − μ_X − z_k σ_X)
    smooth:  ASH(x) = x · sigmoid(α (x − μ_X − z_k σ_X))

μ_X and σ_X are the mean and standard deviation of the input feature map (here:
per sample, over every dim but the batch dim 0, or over ``dims``), so the unit
keeps the elements in the top-k percentile of its input context: for normal
inputs z_k = Φ⁻¹(1 − k/100).  z_k is trainable (init from ``percentile``); the
hard form has zero gradient with respect to z_k, so train with the smooth form.
The hard gate uses H(0) = 1 (an input exactly at the threshold is kept: x ≥ μ + zσ),
the same convention as ``hard_ash_fixed``; the paper's step function does not say which.
With μ = 0, σ = 0 the smooth form is Swish with slope α.
"""

from __future__ import annotations

from statistics import NormalDist

import torch
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from ._common import check_tensor, upcast


@register(
    "ash", aliases=("adaptive_swish",), kind="learnable", family="adaptive_gates",
    formula=r"x\cdot\sigma\big(\alpha(x - \mu_X - z_k\sigma_X)\big)\ \ \text{(hard: } x\,H(x-\mu_X-z_k\sigma_X))",
    reference=ref("Stochastic Adaptive Activation Function", "2210.11672", 2022,
                  authors="Lee, Yang, Lee, Hwang", venue="NeurIPS"),
    properties=dict(elementwise=False, stochastic=False, smooth="Cinf", zero_at_zero=True,
                    bounded_below=False, bounded_above=False),
    params=dict(mode=P(choices=("smooth", "hard"), doc="sigmoid gate (trainable z_k) or Heaviside gate"),
                percentile=P(0.0, 100.0, open_low=True, open_high=True,
                             doc="initial k: keep the top-k % of the input context"),
                alpha=P(0.0, None, open_low=True, doc="sharpness α of the smooth gate"),
                dims=P(kind="any", doc="dims of the statistics (default: all but dim 0)")),
)
class ASH(nn.Module):
    """Adaptive SwisH: gate x by its position relative to μ_X + z_k σ_X of the input's statistics."""

    def __init__(self, mode: str = "smooth", percentile: float = 50.0, alpha: float = 1.0, dims=None):
        super().__init__()
        if mode not in ("smooth", "hard"):
            raise ParameterError(f"parameter 'mode' of 'ash' must be 'smooth' or 'hard'; got {mode!r}")
        if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) or not 0 < percentile < 100:
            raise ParameterError(f"parameter 'percentile' of 'ash' must be in (0, 100); got {percentile!r}")
        if not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ParameterError(f"parameter 'alpha' of 'ash' must be > 0; got {alpha!r}")
        if dims is not None:
            items = dims if isinstance(dims, (tuple, list)) else (dims,)
            if not items or not all(isinstance(d, int) and not isinstance(d, bool) for d in items):
                raise ParameterError(f"parameter 'dims' of 'ash' must be None, an int or a non-empty tuple of ints "
                                     f"(the dims of the statistics μ_X, σ_X); got {dims!r}")
            dims = tuple(items)
        self.mode, self.alpha, self.dims = mode, float(alpha), dims
        z = NormalDist().inv_cdf(1.0 - percentile / 100.0)
        self.z = nn.Parameter(torch.tensor([z], dtype=torch.get_default_dtype()))

    def forward(self, x: Tensor) -> Tensor:
        check_tensor(x, "ash")
        xf = upcast(x)
        dims = self.dims if self.dims is not None else tuple(range(1, x.dim())) if x.dim() > 1 else (0,)
        mu = xf.mean(dim=dims, keepdim=True)
        sd = xf.std(dim=dims, keepdim=True, correction=0)
        t = xf - mu - self.z.to(xf.dtype) * sd
        if self.mode == "hard":
            y = xf * (t >= 0).to(xf.dtype)  # H(0) = 1, as hard_ash_fixed (x kept at x = t)
        else:
            y = xf * torch.sigmoid(self.alpha * t)
        return y.to(x.dtype)

    def extra_repr(self) -> str:
        k = 100.0 * (1.0 - NormalDist().cdf(float(self.z.detach())))
        return f"mode={self.mode!r}, percentile={k:.3g}, alpha={self.alpha}"
