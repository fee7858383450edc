r"""Bilinear MLP with the eigendecomposition of its interaction tensor.

"Bilinear MLPs enable weight-based mechanistic interpretability", Pearce,
Dooms, Rigg, Oramas, Sharkey, ICLR 2025, arXiv 2410.08417.

    out = P ((W x) ⊙ (V x)),   out_k = xᵀ B_k x,   B_k = ½ Σ_h P_{kh} (w_h v_hᵀ + v_h w_hᵀ)

A GLU with no gate nonlinearity, so the whole layer is a third-order tensor
B (out × in × in); symmetrising each slice loses nothing (xᵀ A x = xᵀ Aᵀ x).
:meth:`BilinearMLP.interaction_eigendecomposition` returns the eigenvalues and
eigenvectors of B_k (or of Σ_k u_k B_k for an output direction u), the paper's
tool to read features off the weights.  Without biases (the default) the
identity out_k = xᵀ B_k x is exact.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..registry import P, ref, register
from .glu import GatedFFN


@register(
    "bilinear_mlp", kind="gated", family="bilinear",
    formula=r"P\,\big((W x) \odot (V x)\big),\quad \mathrm{out}_k = x^\top B_k x",
    reference=ref("Bilinear MLPs enable weight-based mechanistic interpretability", "2410.08417", 2025,
                  authors="Pearce, Dooms, Rigg, Oramas, Sharkey", venue="ICLR"),
    properties=dict(elementwise=False, smooth="Cinf"),
    params=dict(out_features=P(kind="any", doc="output width (default: in_features)"),
                bias=P(kind="bool", doc="biases (break the pure quadratic form)"),
                fused=P(kind="bool", doc="memory-lean fused backward"),
                inplace_grad=P(kind="bool", doc="fused backward writes gradients into the saved buffer")),
    positional=2,
)
class BilinearMLP(GatedFFN):
    """Bilinear layer in → hidden → out: P((W x) ⊙ (V x)), with interaction-tensor tools.

    ``w_gate`` = W, ``w_up`` = V (hidden × in), ``w_out`` = P (out × hidden).
    """

    ACT = "identity"

    def interaction_tensor(self) -> Tensor:
        """B (out, in, in) with out_k = xᵀ B_k x (symmetrised, bias terms excluded)."""
        w, v, p = self.w_gate, self.w_up, self.w_out
        b = torch.einsum("kh,hi,hj->kij", p, w, v)
        return 0.5 * (b + b.transpose(1, 2))

    def interaction_eigendecomposition(self, output: int | Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Eigenvalues (ascending) and eigenvectors (columns) of B_k.

        ``output`` is an output index k, a direction u of shape (out,) giving
        Σ_k u_k B_k, or None for all outputs (batched: (out, in) and (out, in, in)).
        """
        with torch.no_grad():
            b = self.interaction_tensor()
            if output is None:
                return torch.linalg.eigh(b)
            if isinstance(output, int):
                if not -self.out_features <= output < self.out_features:
                    raise IndexError(f"output index {output} out of range for out_features={self.out_features}")
                return torch.linalg.eigh(b[output])
            u = torch.as_tensor(output, dtype=b.dtype, device=b.device)
            if u.shape != (self.out_features,):
                raise ValueError(f"output direction must have shape ({self.out_features},); got {tuple(u.shape)}")
            return torch.linalg.eigh(torch.einsum("k,kij->ij", u, b))
