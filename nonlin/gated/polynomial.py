r"""Π-net polynomial block (CCP decomposition).

"Π-nets: Deep Polynomial Neural Networks", Chrysos, Moschoglou, Bouritsas,
Panagakis, Deng, Zafeiriou, CVPR 2020, arXiv 2003.03828.

The output is a polynomial of degree N of the input z, expanded with the
coupled CP decomposition (CCP) as a recursion of Hadamard products:

    x_1 = U_1ᵀ z,   x_n = (U_nᵀ z) ⊙ x_{n−1} + x_{n−1}  (n = 2..N),   y = C x_N + β

No activation function is needed: the multiplicative interactions give the
nonlinearity.  U_n (in → hidden) and C (hidden → out) are initialised like
``nn.Linear``; β is C's bias.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..learnable._common import check_size, check_tensor
from ..registry import P, ParameterError, ref, register


@register(
    "pinet_ccp", aliases=("pi_net", "polynomial_ccp"), kind="gated", family="polynomial",
    formula=r"x_n = (U_n^\top z) \odot x_{n-1} + x_{n-1},\ x_1 = U_1^\top z,\ y = C x_N + \beta",
    reference=ref("Π-nets: Deep Polynomial Neural Networks", "2003.03828", 2020,
                  authors="Chrysos, Moschoglou, Bouritsas, Panagakis, Deng, Zafeiriou", venue="CVPR"),
    properties=dict(elementwise=False, smooth="Cinf"),
    params=dict(out_features=P(kind="any", doc="output width (default: in_features)"),
                degree=P(1, 16, kind="int", doc="polynomial degree N"),
                bias=P(kind="bool", doc="learn β")),
    positional=2,
)
class PiNetCCP(nn.Module):
    """Degree-N polynomial of the input (in → hidden → out) by the CCP recursion of Π-nets."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int | None = None,
                 degree: int = 2, bias: bool = True):
        super().__init__()
        if isinstance(degree, bool) or not isinstance(degree, int) or not 1 <= degree <= 16:
            raise ParameterError(f"parameter 'degree' of 'pinet_ccp' must be an integer in [1, 16]; got {degree!r}")
        check_size(in_features, "in_features", "pinet_ccp")
        check_size(hidden_features, "hidden_features", "pinet_ccp")
        out_features = in_features if out_features is None else check_size(out_features, "out_features", "pinet_ccp")
        if not isinstance(bias, bool):
            raise ParameterError(f"parameter 'bias' of 'pinet_ccp' must be True or False; got {bias!r}")
        self.degree = degree
        self.U = nn.ModuleList(nn.Linear(in_features, hidden_features, bias=False) for _ in range(degree))
        self.C = nn.Linear(hidden_features, out_features, bias=bias)

    def forward(self, z: Tensor) -> Tensor:
        check_tensor(z, "pinet_ccp")
        x = self.U[0](z)
        for u in self.U[1:]:
            x = u(z) * x + x
        return self.C(x)

    def extra_repr(self) -> str:
        return f"degree={self.degree}"
