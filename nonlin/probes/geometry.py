"""Representational geometry: CKA, RSA and input/target alignment.

* :func:`cka` — centred kernel alignment, Kornblith et al., "Similarity of Neural Network
  Representations Revisited", arXiv 1905.00414:
  CKA(K, L) = HSIC(K, L) / sqrt(HSIC(K, K) · HSIC(L, L)), with a linear kernel K = X Xᵀ or an RBF
  kernel K_ij = exp(−‖x_i − x_j‖² / (2σ²)), σ = ``sigma`` × the median pairwise distance.
  HSIC is by default the *unbiased* estimator of Song et al., "Feature Selection via Dependence
  Maximization" (JMLR 2012): with K̃, L̃ the kernels with zeroed diagonals,
  HSIC₁ = [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1 / ((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)),
  which removes the positive bias of the plug-in estimator tr(KHLH)/(n−1)² (for independent
  N(0, 1) features at n = 32 the biased CKA is about 0.2, the unbiased one about 0).
* :func:`rsa` — representational similarity analysis (Kriegeskorte et al. 2008): the Spearman
  (or Pearson) correlation of the upper triangles of two representational dissimilarity matrices
  (1 − Pearson correlation between samples' feature vectors, or Euclidean distance).
* :func:`layer_cka` — CKA between every pair of unit-module outputs of one or two models.
* :func:`alignment` — input and target alignment of each hidden layer, the kernel-alignment measures
  of Alleman, Lindsey & Fusi, "Task structure and nonlinearity jointly determine learned
  representational geometry", arXiv 2401.13558 (ICLR 2024): CKA(H, X) and CKA(H, Y), Y one-hot for
  labels.  Their finding: tanh networks align with the targets, ReLU networks keep the inputs' structure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn

from ._common import Result, batches, find_units, mean_ci, record_outputs

_KERNELS = ("linear", "rbf")


def _features(x: Any) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.dim() < 1:
        raise ValueError("features must have a sample dimension")
    return x.reshape(len(x), -1).to(torch.float64)


def _gram(x: torch.Tensor, kernel: str, sigma: float) -> torch.Tensor:
    if kernel == "linear":
        return x @ x.T
    sq = torch.cdist(x, x).pow(2)
    n = len(x)
    off = sq[~torch.eye(n, dtype=torch.bool)]
    med = off.sqrt().median() if off.numel() else torch.tensor(1.0, dtype=x.dtype)
    s = sigma * (med if med > 0 else torch.tensor(1.0, dtype=x.dtype))
    return torch.exp(-sq / (2 * s * s))


def hsic(K: torch.Tensor, L: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """HSIC of two n×n kernel matrices (unbiased estimator of Song et al. 2012 by default)."""
    n = K.shape[0]
    if unbiased:
        if n < 4:
            raise ValueError(f"the unbiased HSIC needs at least 4 samples; got {n}")
        K = K.clone()
        L = L.clone()
        K.fill_diagonal_(0)
        L.fill_diagonal_(0)
        ones = torch.ones(n, 1, dtype=K.dtype)
        KL = K @ L
        term = torch.trace(KL) + (ones.T @ K @ ones) * (ones.T @ L @ ones) / ((n - 1) * (n - 2)) \
            - 2.0 / (n - 2) * (ones.T @ KL @ ones)
        return term.squeeze() / (n * (n - 3))
    H = torch.eye(n, dtype=K.dtype) - 1.0 / n
    return torch.trace(K @ H @ L @ H) / (n - 1) ** 2


def cka(x: Any, y: Any, kernel: str = "linear", unbiased: bool = True, sigma: float = 1.0) -> float:
    """CKA between two representations of the same n samples (n × p and n × q; extra dims are flattened)."""
    if kernel not in _KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(_KERNELS)}; got {kernel!r}")
    X, Y = _features(x), _features(y)
    if len(X) != len(Y):
        raise ValueError(f"x and y must describe the same samples; got {len(X)} and {len(Y)} rows")
    K, L = _gram(X, kernel, sigma), _gram(Y, kernel, sigma)
    kl = hsic(K, L, unbiased)
    den = hsic(K, K, unbiased) * hsic(L, L, unbiased)
    if den <= 0:
        return float("nan")
    return float(kl / den.sqrt())


def _rankdata(v: torch.Tensor) -> torch.Tensor:
    """Average ranks (ties share their mean rank), as Spearman's correlation needs."""
    order = torch.argsort(v)
    sorted_v = v[order]
    ranks = torch.empty_like(v)
    i = 0
    n = len(v)
    sv = sorted_v.tolist()
    while i < n:
        j = i
        while j + 1 < n and sv[j + 1] == sv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def _rdm(x: torch.Tensor, metric: str) -> torch.Tensor:
    if metric == "correlation":
        z = x - x.mean(1, keepdim=True)
        z = z / z.norm(dim=1, keepdim=True).clamp_min(1e-300)
        return 1 - z @ z.T
    return torch.cdist(x, x)


def rsa(x: Any, y: Any, metric: str = "correlation", compare: str = "spearman") -> float:
    """Correlation between the representational dissimilarity matrices of two representations."""
    if metric not in ("correlation", "euclidean"):
        raise ValueError(f"metric must be 'correlation' or 'euclidean'; got {metric!r}")
    if compare not in ("spearman", "pearson"):
        raise ValueError(f"compare must be 'spearman' or 'pearson'; got {compare!r}")
    X, Y = _features(x), _features(y)
    if len(X) != len(Y):
        raise ValueError(f"x and y must describe the same samples; got {len(X)} and {len(Y)} rows")
    iu = torch.triu_indices(len(X), len(X), 1)
    a, b = _rdm(X, metric)[iu[0], iu[1]], _rdm(Y, metric)[iu[0], iu[1]]
    if compare == "spearman":
        a, b = _rankdata(a), _rankdata(b)
    a, b = a - a.mean(), b - b.mean()
    return float((a @ b) / (a.norm() * b.norm()))


def layer_outputs(model: nn.Module, data: Any, batch_size: int | None = 512) -> dict[str, torch.Tensor]:
    """Outputs of every unit module over ``data``, each flattened to (samples, features)."""
    outs: dict[str, list[torch.Tensor]] = {}

    def reduce(name, mod, inp, out):
        outs.setdefault(name, []).append(out.reshape(len(out), -1).double())

    units = record_outputs(model, data, reduce, batch_size)
    return {n: torch.cat(outs[n]) for n, _, _ in units if n in outs}


@dataclasses.dataclass
class CKAResult(Result):
    """CKA between the unit-module outputs of two models (or one model with itself)."""

    kernel: str
    unbiased: bool
    rows: list[str]
    cols: list[str]
    matrix: list[list[float]]

    def _draw(self, ax: Any) -> None:
        im = ax.imshow(np.asarray(self.matrix), vmin=0, vmax=1, cmap="magma", origin="lower")
        ax.set_yticks(range(len(self.rows)), self.rows, fontsize=7)
        ax.set_xticks(range(len(self.cols)), self.cols, fontsize=7, rotation=45)
        ax.figure.colorbar(im, ax=ax)
        ax.set_title(f"{'unbiased ' if self.unbiased else ''}{self.kernel} CKA", fontsize=9)


def layer_cka(model: nn.Module, data: Any, other: nn.Module | None = None, kernel: str = "linear",
              unbiased: bool = True, sigma: float = 1.0) -> CKAResult:
    """CKA between every unit layer of ``model`` and every unit layer of ``other`` (default: itself)."""
    a = layer_outputs(model, data)
    b = a if other is None else layer_outputs(other, data)
    m = [[cka(a[r], b[c], kernel, unbiased, sigma) for c in b] for r in a]
    return CKAResult(kernel, unbiased, list(a), list(b), m)


@dataclasses.dataclass
class AlignmentResult(Result):
    """Per unit layer: CKA with the inputs and with the targets (arXiv 2401.13558)."""

    layers: list[str]
    input_alignment: list[float]
    target_alignment: list[float]

    @property
    def value(self) -> float:
        """Target minus input alignment of the last unit layer (> 0: the layer follows the targets)."""
        return self.target_alignment[-1] - self.input_alignment[-1]

    def _draw(self, ax: Any) -> None:
        i = np.arange(len(self.layers))
        ax.plot(i, self.input_alignment, "o-", label="input alignment CKA(H, X)")
        ax.plot(i, self.target_alignment, "s-", label="target alignment CKA(H, Y)")
        ax.set_xticks(i, self.layers, fontsize=7)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)


def alignment(model: nn.Module, data: Any, kernel: str = "linear", unbiased: bool = True,
              num_classes: int | None = None) -> AlignmentResult:
    """Input and target alignment of every hidden unit layer on (x, y): CKA(H, X) and CKA(H, Y).

    Integer labels become one-hot vectors (``num_classes`` defaults to max label + 1)."""
    xs, ys = [], []
    for x, y in batches(data):
        if y is None:
            raise ValueError("alignment needs targets: pass data as (x, y)")
        xs.append(x)
        ys.append(y)
    x, y = torch.cat(xs), torch.cat(ys)
    if not torch.is_floating_point(y):
        y = torch.nn.functional.one_hot(y.long(), num_classes or int(y.max()) + 1)
    h = layer_outputs(model, x)
    names = list(h)
    return AlignmentResult(names, [cka(h[n], x, kernel, unbiased) for n in names],
                           [cka(h[n], y, kernel, unbiased) for n in names])
