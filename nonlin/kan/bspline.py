"""B-spline basis: the original KAN edge function (pykan / efficient-kan).

B_{j,0}(x) = 1[t_j ≤ x < t_{j+1}],
B_{j,p}(x) = (x − t_j)/(t_{j+p} − t_j)·B_{j,p−1}(x) + (t_{j+p+1} − x)/(t_{j+p+1} − t_{j+1})·B_{j+1,p−1}(x)
(Cox–de Boor), on a grid of G intervals over [lo, hi] extended by k knots on
each side, giving K = G + k functions per input.  Derivative (closed form):
B'_{j,k}(x) = k·[B_{j,k−1}(x)/(t_{j+k} − t_j) − B_{j+1,k−1}(x)/(t_{j+k+1} − t_{j+1})].
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ParameterError, ref, register
from .layer import COMMON_PARAMS, SIZE_PARAMS, Basis, KANLinear, compiled, register_basis, use_compile

KAN_REF = ref("KAN: Kolmogorov-Arnold Networks", "2404.19756", 2024,
              authors="Liu, Wang, Vaidya, Ruehle, Halverson, Soljačić, Hou, Tegmark", venue="ICLR 2025")


def _check_range(grid_range: Any, who: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in grid_range)
    except (TypeError, ValueError):
        raise ParameterError(f"{who}: grid_range must be a pair (low, high); got {grid_range!r}") from None
    if not lo < hi:
        raise ParameterError(f"{who}: grid_range must satisfy low < high; got {grid_range!r}")
    return lo, hi


def _check_int(v: Any, name: str, low: int, who: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ParameterError(f"{who}: {name} must be an integer ≥ {low}; got {v!r}")
    return v


def _indicator(inside: Tensor, x: Tensor) -> Tensor:
    """Order-0 B-spline value: 1 inside the knot span, 0 outside, NaN for a NaN input.

    NaN compares False, so without this a NaN input would silently get an all-zero
    basis row (order 0) instead of keeping the NaN in its row as the other bases do.
    """
    return torch.where(torch.isnan(x), x, inside.to(x.dtype))


def _finite(x: Tensor) -> Tensor:
    """x with ±inf replaced by 0 (used where the basis value is already 0, so only inf·0 = NaN is avoided)."""
    return torch.where(torch.isinf(x), torch.zeros_like(x), x)


def cubic_uniform(x: Tensor, t0: float, h: float, num: int, derivative: bool):
    """Dense cubic B-splines on equally spaced knots t_q = t0 + q·h, q = 0 … num+3, in closed form.

    Function q is the cardinal cubic B-spline N_3(u − q), u = (x − t0)/h, whose
    four pieces on [d, d+1), d = ⌊u⌋ − q, are (f = u − ⌊u⌋)
    f³/6, (−3f³ + 3f² + 3f + 1)/6, (3f³ − 6f² + 4)/6, (1 − f)³/6;
    the derivative's pieces (÷h) f²/2, (−3f² + 2f + 1)/2, (3f² − 4f)/2, −(1 − f)²/2
    (the Cox–de Boor recursion and its derivative formula, worked out for k = 3).

    The four pieces are computed once per input element and each of the ``num``
    output columns selects one (or 0) by d: ``num`` (N, in) tensors stacked on
    the last axis.  Compiled, this is one loop over (N, in) that Inductor
    vectorises along ``in``; the former broadcast over a trailing ``arange(num)``
    axis made it vectorise along the 8-wide last axis instead (1.45x slower at
    (100, 256, 8)).  Returns (values, derivatives or None); NaN x gives NaN, ±inf gives 0.
    """
    u = (x - t0) / h
    jf = torch.floor(u)
    finite = torch.isfinite(u)
    f = torch.where(finite, u - jf, torch.zeros_like(u))
    j = torch.where(finite, jf, torch.full_like(jf, -10.0))  # ±inf: outside every function's support
    f2 = f * f
    f3 = f2 * f
    g = 1 - f
    nan = torch.isnan(x)
    zero = torch.zeros_like(x)

    def columns(p0: Tensor, p1: Tensor, p2: Tensor, p3: Tensor) -> Tensor:
        cols = []
        for q in range(num):
            d = j - q
            v = torch.where(d == 0, p0, torch.where(d == 1, p1, torch.where(d == 2, p2, torch.where(d == 3, p3, zero))))
            cols.append(torch.where(nan, x, v))
        return torch.stack(cols, -1)

    val = columns(f3 / 6, (-3 * f3 + 3 * f2 + 3 * f + 1) / 6, (3 * f3 - 6 * f2 + 4) / 6, g * g * g / 6)
    if not derivative:
        return val, None
    der = columns(f2 / (2 * h), (-3 * f2 + 2 * f + 1) / (2 * h), (3 * f2 - 4 * f) / (2 * h), -(g * g) / (2 * h))
    return val, der


def cubic_uniform_derivative_dot(x: Tensor, g: Tensor, t0: float, h: float, num: int) -> Tensor:
    """Σ_q g[..., q]·B_q'(x) for the cubic B-splines of :func:`cubic_uniform`, without building B'.

    One pass over (N, in) when compiled (the KAN layer's input gradient, instead of
    dB/dx of shape (N, in, num) and a batched dot product).  NaN x gives NaN."""
    u = (x - t0) / h
    jf = torch.floor(u)
    finite = torch.isfinite(u)
    f = torch.where(finite, u - jf, torch.zeros_like(u))
    j = torch.where(finite, jf, torch.full_like(jf, -10.0))
    f2 = f * f
    g1 = 1 - f
    p0, p1 = f2 / (2 * h), (-3 * f2 + 2 * f + 1) / (2 * h)
    p2, p3 = (3 * f2 - 4 * f) / (2 * h), -(g1 * g1) / (2 * h)
    zero = torch.zeros_like(x)
    acc = zero
    for q in range(num):
        d = j - q
        acc = acc + g[..., q] * torch.where(d == 0, p0, torch.where(d == 1, p1, torch.where(
            d == 2, p2, torch.where(d == 3, p3, zero))))
    return torch.where(torch.isnan(x), x, acc)


def _cubic_span(x: Tensor, t0: float, h: float) -> tuple[Tensor, Tensor]:
    """Knot interval j = ⌊u⌋ and offset f = u − j of u = (x − t0)/h; ±inf and NaN get j = −10
    (outside every function's support) and f = 0."""
    u = (x - t0) / h
    jf = torch.floor(u)
    finite = torch.isfinite(u)
    return torch.where(finite, jf, torch.full_like(jf, -10.0)), torch.where(finite, u - jf, torch.zeros_like(u))


def _columns(j: Tensor, num: int, p: tuple[Tensor, Tensor, Tensor, Tensor], other: Tensor) -> list[Tensor]:
    """Function q's value for q = 0 … num−1: piece j − q of p, or ``other`` outside its support.

    The masks j == c are shared by the four functions that compare against c
    (num + 3 comparisons instead of 4·num)."""
    eq = [j == c for c in range(num + 3)]
    return [torch.where(eq[q], p[0], torch.where(eq[q + 1], p[1], torch.where(eq[q + 2], p[2], torch.where(
        eq[q + 3], p[3], other))))
            for q in range(num)]


def cubic_features_t(xt: Tensor, t0: float, h: float, num: int, base: bool) -> tuple[Tensor, Tensor | None]:
    """Feature-major cubic B-splines: xt (in, N) -> B (in, num, N), and silu(xt) when ``base``.

    The same closed form as :func:`cubic_uniform` (bit for bit the same pieces), laid out
    with the batch last: one compiled loop over (in, N) then stores every function's
    values as contiguous vectors along N, where the (N, in, num) layout needs
    stride-``num`` scalar stores; and the layer's matmuls are faster on it (C @ B).
    NaN x gives NaN (j = −10 selects no piece; ``other`` carries the NaN), ±inf gives 0.
    """
    j, f = _cubic_span(xt, t0, h)
    f2 = f * f
    f3 = f2 * f
    g = 1 - f
    other = torch.where(torch.isnan(xt), xt, torch.zeros_like(xt))
    p = (f3 / 6, (-3 * f3 + 3 * f2 + 3 * f + 1) / 6, (3 * f3 - 6 * f2 + 4) / 6, g * g * g / 6)
    b = torch.stack(_columns(j, num, p, other), 1)
    return b, (F.silu(xt) if base else None)


def cubic_input_grad_t(xt: Tensor, gbt: Tensor, gst: Tensor | None, t0: float, h: float, num: int) -> Tensor:
    """Feature-major input gradient: Σ_q gbt[i, q, n]·B_q'(x) + gst[i, n]·silu'(x), (in, N).

    gbt (in, num, N) is the gradient reaching the basis values, gst (in, N) the one
    reaching silu(x) (None: no base branch).  silu'(x) = σ(x)(1 + x(1 − σ(x))), as
    torch's silu backward.  NaN x gives NaN, ±inf gives 0 from the spline part."""
    j, f = _cubic_span(xt, t0, h)
    f2 = f * f
    g1 = 1 - f
    p = (f2 / (2 * h), (-3 * f2 + 2 * f + 1) / (2 * h), (3 * f2 - 4 * f) / (2 * h), -(g1 * g1) / (2 * h))
    acc = torch.zeros_like(xt)
    for q, col in enumerate(_columns(j, num, p, acc)):
        acc = acc + gbt[:, q] * col
    if gst is not None:
        s = torch.sigmoid(xt)
        acc = acc + gst * (s * (1 + xt * (1 - s)))
    return torch.where(torch.isnan(xt), xt, acc)


class CubicFusedKernels:
    """The fused layer path's kernels (:class:`~nonlin.kan.layer.FusedKernels`) for the uniform cubic
    B-spline with a SiLU (``base=True``) or no base branch; compiled above the backend's size threshold."""

    def __init__(self, t0: float, h: float, num: int, base: bool):
        self.args, self.num_functions, self.base = (t0, h, num), num, base

    def features(self, xt: Tensor) -> tuple[Tensor, Tensor | None]:
        if use_compile(xt.numel() * self.num_functions):
            return compiled(cubic_features_t, *self.args, self.base)(xt)
        return cubic_features_t(xt, *self.args, self.base)

    def input_grad(self, xt: Tensor, gbt: Tensor, gst: Tensor | None) -> Tensor:
        if use_compile(gbt.numel()):
            return compiled(cubic_input_grad_t, *self.args)(xt, gbt, gst)
        return cubic_input_grad_t(xt, gbt, gst, *self.args)


def _cubic_value(x: Tensor, t0: float, h: float, num: int) -> Tensor:
    return cubic_uniform(x, t0, h, num, False)[0]


def _cubic_value_and_derivative(x: Tensor, t0: float, h: float, num: int) -> tuple[Tensor, Tensor]:
    return cubic_uniform(x, t0, h, num, True)


def extend_grid(inner: Tensor, k: int) -> Tensor:
    """Add k knots on each side of (in, G+1) knots, spaced like the mean interval (pykan)."""
    h = (inner[:, -1:] - inner[:, :1]) / (inner.shape[1] - 1)
    steps = torch.arange(1, k + 1, dtype=inner.dtype, device=inner.device)
    left = inner[:, :1] - h * steps.flip(0)
    right = inner[:, -1:] + h * steps
    return torch.cat([left, inner, right], dim=1)


def cox_de_boor(x: Tensor, t: Tensor, order: int) -> Tensor:
    """Dense B_{·,order}(x) on knots t (in, M): (N, in, M − 1 − order).  Plain Cox–de Boor."""
    xe = x.unsqueeze(-1)
    b = _indicator((xe >= t[:, :-1]) & (xe < t[:, 1:]), xe)
    xe = _finite(xe)  # ±inf lies outside every span (b = 0): keep inf·0 out of the recursion
    for p in range(1, order + 1):
        left = (xe - t[:, :-(p + 1)]) / (t[:, p:-1] - t[:, :-(p + 1)])
        right = (t[:, p + 1:] - xe) / (t[:, p + 1:] - t[:, 1:-p])
        b = left * b[..., :-1] + right * b[..., 1:]
    return b


def cox_de_boor_and_derivative(x: Tensor, t: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """Dense B_{·,k}(x) and dB/dx from the order k − 1 level (closed-form derivative)."""
    if k == 0:
        b = cox_de_boor(x, t, 0)
        return b, torch.zeros_like(b)
    low = cox_de_boor(x, t, k - 1)
    xe = _finite(x.unsqueeze(-1))
    dl = t[:, k:-1] - t[:, :-(k + 1)]
    dr = t[:, k + 1:] - t[:, 1:-k]
    b = (xe - t[:, :-(k + 1)]) / dl * low[..., :-1] + (t[:, k + 1:] - xe) / dr * low[..., 1:]
    db = k * (low[..., :-1] / dl - low[..., 1:] / dr)
    return b, db


@register_basis
class BSplineBasis(Basis):
    """B-splines of order k on a per-input knot vector (buffer ``grid``, shape (in, G+2k+1))."""

    name = "bspline"
    default_base = "silu"

    def __init__(self, in_features: int, grid_size: int = 5, spline_order: int = 3,
                 grid_range: tuple = (-1.0, 1.0), noise_scale: float = 0.3):
        super().__init__(in_features)
        who = "kan_bspline"
        self.grid_size = _check_int(grid_size, "grid_size", 1, who)
        self.spline_order = _check_int(spline_order, "spline_order", 0, who)
        lo, hi = _check_range(grid_range, who)
        if not noise_scale >= 0:
            raise ParameterError(f"{who}: noise_scale must be ≥ 0; got {noise_scale!r}")
        self.noise_scale = float(noise_scale)
        # the initial knots t_j = lo + (j − k)·h, kept as Python floats so the uniform
        # path is exact in every dtype (a float32 buffer would round them)
        self._lo, self._h = lo, (hi - lo) / grid_size
        inner = torch.linspace(lo, hi, grid_size + 1, dtype=torch.float64).expand(in_features, -1)
        self.register_buffer("grid", extend_grid(inner, spline_order).to(torch.get_default_dtype()).contiguous())
        # equally spaced knots allow the search-free evaluation; cleared by grid updates
        self.register_buffer("uniform_flag", torch.tensor(True), persistent=True)

    @property
    def uniform(self) -> bool:
        return bool(self.uniform_flag)

    def knots(self, x: Tensor) -> Tensor:
        """The knot vectors (in, G + 2k + 1) in x's dtype (exact for the initial uniform grid)."""
        if self.uniform:
            m = self.grid.shape[1]
            j = torch.arange(m, dtype=torch.float64, device=x.device) - self.spline_order
            return (self._lo + j * self._h).to(x.dtype).expand(self.grid.shape[0], m)
        return self.grid.to(x.dtype)

    @property
    def num_functions(self) -> int:
        return self.grid_size + self.spline_order

    def _levels(self, x: Tensor, order: int) -> Tensor:
        """Dense Cox–de Boor: B_{·,order}(x), (N, in, G + 2k − order).  The plain reference."""
        return cox_de_boor(x, self.knots(x), order)

    def _local(self, x: Tensor, derivative: bool):
        """The k+1 B-splines that are non-zero at x (de Boor's triangle), and their derivatives.

        Works on (N, in, ≤ k+2) tensors instead of (N, in, G+2k): find the knot
        interval j (t_j ≤ x < t_{j+1}) by binary search, gather the 2k+2
        surrounding knots, run Cox–de Boor on that window only.  Returns
        (first function index q0 = j − k, values (N, in, k+1), derivatives or None).
        """
        k = self.spline_order
        if self.uniform:
            return self._local_uniform(x, derivative)
        t = self.grid.to(x.dtype)                                    # (in, M)
        m = t.shape[1]
        h_lo, h_hi = t[:, 1:2] - t[:, :1], t[:, -1:] - t[:, -2:-1]
        steps = torch.arange(1, k + 1, dtype=x.dtype, device=x.device)
        tp = torch.cat([t[:, :1] - h_lo * steps.flip(0), t, t[:, -1:] + h_hi * steps], 1)  # pad k each side
        # knot interval by counting knots ≤ x (torch.searchsorted is far slower on CPU for
        # batched short rows); −1 or M−1 when outside
        j = (x.unsqueeze(-1) >= t).sum(-1).t() - 1                   # (in, N)
        inside = (j >= 0) & (j <= m - 2)
        j = j.clamp(0, m - 2)
        win = torch.gather(tp, 1, (j.unsqueeze(-1) + torch.arange(2 * k + 2, device=x.device)).reshape(len(t), -1))
        win = win.reshape(*j.shape, 2 * k + 2).transpose(0, 1)       # (N, in, 2k+2): t_{j-k} … t_{j+k+1}
        xe = _finite(x).unsqueeze(-1)
        b = _indicator(inside.t(), x).unsqueeze(-1)                # order 0: function j
        db = None
        for p in range(1, k + 1):
            # functions q = j−p … j; knots t_q, t_{q+1}, t_{q+p}, t_{q+p+1} sit at window offsets below
            q = k - p                                                # window index of t_{j−p}
            tq = win[..., q:q + p + 1]
            tq1 = win[..., q + 1:q + p + 2]
            tqp = win[..., q + p:q + 2 * p + 1]
            tqp1 = win[..., q + p + 1:q + 2 * p + 2]
            zero = torch.zeros_like(b[..., :1])
            lower = torch.cat([zero, b], -1)                         # B_{q, p−1} for q = j−p … j
            upper = torch.cat([b, zero], -1)                         # B_{q+1, p−1}
            if derivative and p == k:
                db = k * (lower / (tqp - tq) - upper / (tqp1 - tq1))
            b = (xe - tq) / (tqp - tq) * lower + (tqp1 - xe) / (tqp1 - tq1) * upper
        if derivative and k == 0:
            db = torch.zeros_like(b)
        return j.t() - k, b, db

    def _local_uniform(self, x: Tensor, derivative: bool):
        """As :meth:`_local` for equally spaced knots: no search, no gathers.

        With u = (x − t_0)/h, j = ⌊u⌋, f = u − j, the recursion on the window
        q = j − p + m (m = 0 … p) becomes
        B_m^p = ((f + p − m)·B_{m}^{p−1,lower} + (1 − f + m)·B_{m}^{p−1,upper}) / p,
        and B'_m = (lower_m − upper_m)/h at the last level.
        """
        k, m = self.spline_order, self.grid.shape[1]
        h = self._h
        u = (x - (self._lo - k * h)) / h
        jf = torch.floor(u)
        f = torch.where(torch.isinf(u), torch.zeros_like(u), u - jf).unsqueeze(-1)  # x = ±inf: b = 0, no inf − inf
        inside = (jf >= 0) & (jf <= m - 2)
        # NaN x: any in-range index (its values are NaN below), never the int cast of NaN
        j = torch.where(torch.isnan(jf), torch.zeros_like(jf), jf).clamp(0, m - 2).to(torch.long)
        b = _indicator(inside, x).unsqueeze(-1)
        db = None
        for p in range(1, k + 1):
            r = torch.arange(p + 1, dtype=x.dtype, device=x.device)
            zero = torch.zeros_like(b[..., :1])
            lower = torch.cat([zero, b], -1)
            upper = torch.cat([b, zero], -1)
            if derivative and p == k:
                db = (lower - upper) / h
            b = ((f + (p - r)) * lower + ((1 + r) - f) * upper) / p
        if derivative and k == 0:
            db = torch.zeros_like(b)
        return j - k, b, db

    def _scatter(self, q0: Tensor, vals: Tensor) -> Tensor:
        k, kk = self.spline_order, self.num_functions
        n, d = q0.shape
        dense = vals.new_zeros(n, d, kk + 2 * k)
        idx = (q0 + k).unsqueeze(-1) + torch.arange(k + 1, device=vals.device)
        dense.scatter_(2, idx, vals)
        return dense[..., k:k + kk]

    def _cubic_args(self) -> tuple[float, float, int]:
        return self._lo - 3 * self._h, self._h, self.num_functions

    def forward(self, x: Tensor) -> Tensor:
        if torch.compiler.is_compiling():
            # traced (torch.compile / export / ONNX): the dense recursion on the grid buffer; the
            # uniform fast path branches on a buffer's value, which a traced graph cannot do
            return cox_de_boor(x, self.grid.to(x.dtype), self.spline_order)
        if self.uniform and self.spline_order == 3:  # the default: closed form, one fused pass
            if use_compile(x.numel() * self.num_functions):
                return compiled(_cubic_value, *self._cubic_args())(x)
            return _cubic_value(x, *self._cubic_args())
        if use_compile(x.numel() * self.num_functions):
            # one fused kernel for the whole dense recursion
            return compiled(cox_de_boor, self.spline_order)(x, self.knots(x))
        q0, b, _ = self._local(x, derivative=False)
        return self._scatter(q0, b)

    @property
    def fused_derivative_dot(self) -> bool:
        return self.uniform and self.spline_order == 3 and not torch.compiler.is_compiling()

    def derivative_dot(self, x: Tensor, g: Tensor) -> Tensor:
        if not self.fused_derivative_dot:
            return super().derivative_dot(x, g)
        if use_compile(g.numel()):
            return compiled(cubic_uniform_derivative_dot, *self._cubic_args())(x, g)
        return cubic_uniform_derivative_dot(x, g, *self._cubic_args())

    def fused_kernels(self, base_activation: str) -> CubicFusedKernels | None:
        """The fused feature-major path for the default case: uniform grid, cubic, SiLU or no base."""
        if (not self.uniform or self.spline_order != 3 or base_activation not in ("silu", "none")
                or torch.compiler.is_compiling()):
            return None
        return CubicFusedKernels(*self._cubic_args(), base_activation == "silu")

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if self.uniform and self.spline_order == 3:
            if use_compile(x.numel() * self.num_functions):
                return compiled(_cubic_value_and_derivative, *self._cubic_args())(x)
            return _cubic_value_and_derivative(x, *self._cubic_args())
        if use_compile(x.numel() * self.num_functions):
            return compiled(cox_de_boor_and_derivative, self.spline_order)(x, self.knots(x))
        q0, b, db = self._local(x, derivative=True)
        return self._scatter(q0, b), self._scatter(q0, db)

    def init_coef(self, out_features: int, generator: torch.Generator | None = None) -> Tensor:
        """pykan's KANLayer init: a spline through noise, times scale_sp = 1/√in.

        pykan draws noise U(−1/2, 1/2)·noise_scale/G at the G + 1 inner knots,
        fits the coefficients by least squares (``curve2coef``; G + 1 equations
        for G + k unknowns: the minimum-norm solution) and multiplies the spline
        by ``scale_sp`` = 1/√in in its forward.  nonlin has no separate
        ``scale_sp``, so the factor goes into the coefficients.
        """
        k = self.spline_order
        t = self.grid.to(torch.float64)
        pts = t[:, k:t.shape[1] - k]                                   # (in, G+1) inner knots
        basis = cox_de_boor(pts.t().contiguous(), t, k).transpose(0, 1)  # (in, G+1, K)
        noise = (torch.rand(self.grid_size + 1, self.in_features, out_features, generator=generator,
                            dtype=torch.float64) - 0.5) * self.noise_scale / self.grid_size
        coef = torch.linalg.lstsq(basis, noise.transpose(0, 1), driver="gelsd").solution  # (in, K, out)
        return coef.permute(2, 0, 1).contiguous() / self.in_features ** 0.5

    @torch.no_grad()
    def set_grid_from_samples(self, x: Tensor, grid_size: int | None = None, grid_eps: float = 0.02,
                              margin: float = 0.0) -> None:
        """New knots: grid_eps·uniform + (1 − grid_eps)·quantiles of x per input (pykan), then extend.

        The quantiles are pykan's: the sorted samples at indices int(N/G·i) for
        i = 0 … G−1, and the largest sample (``update_grid_from_samples``).
        """
        g = self.grid_size if grid_size is None else _check_int(grid_size, "grid_size", 1, "update_grid")
        if not 0.0 <= grid_eps <= 1.0:
            raise ParameterError(f"update_grid: grid_eps must be in [0, 1]; got {grid_eps!r}")
        xs = torch.sort(x.to(torch.float64), dim=0).values            # (N, in)
        n = xs.shape[0]
        idx = torch.tensor([int(n / g * i) for i in range(g)] + [n - 1], dtype=torch.long)
        adaptive = xs[idx].t()                                          # (in, G+1)
        lo, hi = xs[0] - margin, xs[-1] + margin
        span = (hi - lo).clamp_min(1e-6)
        uniform = lo.unsqueeze(1) + span.unsqueeze(1) * torch.linspace(0, 1, g + 1, dtype=torch.float64)
        inner = grid_eps * uniform + (1 - grid_eps) * adaptive
        # quantiles coincide on constant or discrete inputs: keep knots strictly increasing
        min_step = 1e-6 * span.unsqueeze(1)
        steps = inner.diff(dim=1).clamp_min(min_step)
        inner = torch.cat([inner[:, :1], inner[:, :1] + torch.cumsum(steps, dim=1)], dim=1)
        self.grid_size = g
        self.uniform_flag = torch.tensor(False)
        self.grid = extend_grid(inner, self.spline_order).to(self.grid.dtype).contiguous()

    @torch.no_grad()
    def subdivide(self, grid_size: int, x: Tensor | None = None) -> None:
        """``grid_size`` intervals whose knots interpolate the current ones linearly (pykan's refine).

        Knot j of the new grid sits at position j·G/G' of the old inner knots,
        so a uniform grid stays uniform and an adapted grid keeps its shape.
        With samples x (N, in), the end knots first move out to cover them:
        inputs drift during training, and outside the grid only the base
        branch is left.
        """
        g = _check_int(grid_size, "grid_size", 1, "refine")
        k = self.spline_order
        inner = self.grid.to(torch.float64)[:, k:self.grid.shape[1] - k].clone()  # (in, G+1)
        if x is not None and x.numel():
            x = x.to(torch.float64).reshape(-1, self.in_features)
            inner[:, 0] = torch.minimum(inner[:, 0], x.min(0).values)
            inner[:, -1] = torch.maximum(inner[:, -1], x.max(0).values)
        pos = torch.linspace(0, self.grid_size, g + 1, dtype=torch.float64)
        left = pos.floor().long().clamp(max=self.grid_size - 1)
        frac = pos - left
        new = inner[:, left] * (1 - frac) + inner[:, left + 1] * frac
        self.grid_size = g
        self.uniform_flag = torch.tensor(False)  # the search-free path's knots are fixed at construction
        self.grid = extend_grid(new, k).to(self.grid.dtype).contiguous()

    def subset(self, idx: Tensor) -> "BSplineBasis":
        new = super().subset(idx)
        new.grid = self.grid[idx].clone()
        return new

    def domain(self, i: int) -> tuple[float, float]:
        k = self.spline_order
        return float(self.grid[i, k]), float(self.grid[i, -k - 1])

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, grid_size={self.grid_size}, spline_order={self.spline_order}"


@register(
    "kan_bspline", kind="kan", family="kan",
    formula=r"\phi_{o,i}(x)=w_{o,i}\,\mathrm{silu}(x)+\sum_{j=0}^{G+k-1} c_{o,i,j}B_{j,k}(x)",
    reference=KAN_REF,
    params=dict(**SIZE_PARAMS, **COMMON_PARAMS, 
        grid_size=P(1, None, doc="number of grid intervals G", kind="int"),
        spline_order=P(0, None, doc="spline order k (3 = cubic)", kind="int"),
        grid_range=P(doc="(low, high) interval of the initial grid", kind="tuple"),
        noise_scale=P(0.0, None, doc="initial coefficient noise amplitude (× 1/G)"),
    ),
    positional=0,
)
class BSplineKAN(KANLinear):
    """B-spline KAN layer (pykan's KANLayer, computed as basis-then-matmul).

    Edge function φ(x) = w·silu(x) + Σ_j c_j B_{j,k}(x): cubic (k = 3) B-splines
    on G = 5 intervals of [−1, 1] extended by k knots each side (K = G + k
    coefficients per edge).  Initialisation as pykan's KANLayer: w ~ U(±1/√in);
    the spline is a least-squares fit through noise U(±1/2)·noise_scale/G at the
    inner knots, scaled by 1/√in (pykan's scale_sp); noise_scale = 0.3, the
    default of pykan's KAN model (with 0.1 a [2, 1, 1] net was seen to stall at
    RMSE 0.6).  Grid updates place knots at pykan's sample quantiles.  Supports grid update from samples and refinement
    (:meth:`update_grid`).  Paper: "KAN: Kolmogorov-Arnold Networks",
    Liu et al., arXiv 2404.19756 (2024).
    """

    def __init__(self, in_features: int, out_features: int, grid_size: int = 5, spline_order: int = 3,
                 grid_range: tuple = (-1.0, 1.0), noise_scale: float = 0.3,
                 base_activation: str = "default", bias: Any = False, lean: bool = True):
        super().__init__(in_features, out_features, basis="bspline", base_activation=base_activation,
                         bias=bias, lean=lean, grid_size=grid_size, spline_order=spline_order,
                         grid_range=grid_range, noise_scale=noise_scale)
