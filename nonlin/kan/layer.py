"""KANLinear: a Kolmogorov-Arnold layer as "basis expansion, then one matrix product".

Every edge function of a KAN layer is

    φ_{o,i}(x_i) = w_{o,i} · b(x_i) + Σ_k c_{o,i,k} B_k(x_i)

(KAN paper, "KAN: Kolmogorov-Arnold Networks", Liu et al., arXiv 2404.19756,
2024, eq. 2.10 with the base branch b = SiLU), and the layer output is
y_o = Σ_i φ_{o,i}(x_i).  Because every edge leaving input i uses the same
basis B_k(x_i), the layer is

    y = b(x) @ W_baseᵀ + vec(B(x)) @ C_flatᵀ,   C_flat ∈ R^{out × in·K}

(the reformulation of efficient-kan), which never builds the (batch, in, out)
tensor of edge values.

Memory: :class:`_LeanBasisMatmul` keeps only the input and the coefficients
for backward; it recomputes the basis (and its analytic derivative where the
basis provides one) in row chunks, so neither forward nor backward holds more
than one chunk of the (batch, in·K) basis tensor at a time.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..registry import P, ParameterError

# Rows per chunk are chosen so one chunk of the basis tensor has at most this
# many elements (8 MiB in float32): big enough for efficient matmuls, small
# enough that a large batch never holds the whole basis tensor.
CHUNK_ELEMENTS = 1 << 21
# Basis tensors up to this many elements (1 MiB in float32) are kept for backward
# instead of recomputed: below it the recompute costs more than the memory is worth.
KEEP_ELEMENTS = 1 << 18

BASE_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor] | None] = {
    "silu": F.silu,
    "gelu": F.gelu,
    "relu": F.relu,
    "tanh": torch.tanh,
    "identity": lambda x: x,
    "none": None,
}

# The layer sizes are ordinary (required) unit parameters so that both
# nonlin.create("kan_bspline", 4, 3) and nonlin.create("kan_bspline", in_features=4,
# out_features=3) work and are range-checked.
SIZE_PARAMS = dict(in_features=P(1, None, kind="int", doc="number of inputs (required)"),
                   out_features=P(1, None, kind="int", doc="number of outputs (required)"))
COMMON_PARAMS = dict(
    base_activation=P(choices=("default", "silu", "gelu", "relu", "tanh", "identity", "none"),
                      doc="base branch b(x); 'default' = the basis paper's choice"),
    bias=P(doc="learnable output bias (True, False or 'default')", kind="any"),
    lean=P(doc="memory-lean chunked recompute backward", kind="bool"),
)

# basis name -> Basis subclass; filled by each basis file through register_basis
BASES: dict[str, type] = {}


def register_basis(cls: type) -> type:
    """Class decorator: make a :class:`Basis` reachable as ``KANLinear(basis=cls.name)``."""
    BASES[cls.name] = cls
    return cls


def basis_names() -> list[str]:
    return sorted(BASES)


class Basis(nn.Module):
    """Univariate functions B_k applied to every input: (N, in) -> (N, in, K).

    Subclasses set ``name``, ``num_functions`` and implement :meth:`forward`.
    ``value_and_derivative`` returns (B(x), dB/dx); the default uses forward-
    mode AD (each B_k(x_i) depends only on x_i, so a JVP with a tangent of ones
    gives every derivative at once); bases with a closed form override it.
    """

    name = "basis"
    default_base: str | None = "silu"   # base branch used when the layer says "default"
    default_layernorm = False           # LayerNorm on the input (FastKAN / FasterKAN)
    default_bias = False
    num_functions: int

    def __init__(self, in_features: int):
        super().__init__()
        self.in_features = in_features

    def value_and_derivative(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return torch.func.jvp(self.forward, (x,), (torch.ones_like(x),))

    @property
    def fused_derivative_dot(self) -> bool:
        """Whether :meth:`derivative_dot` is a fused kernel (then backward never builds dB/dx)."""
        return False

    def derivative_dot(self, x: Tensor, g: Tensor) -> Tensor:
        """Σ_k g[n, i, k]·B_k'(x[n, i]): the input gradient of the spline branch, (N, in)."""
        return _rowdot(g, self.value_and_derivative(x)[1])

    def fused_kernels(self, base_activation: str) -> "FusedKernels | None":
        """Kernels for :class:`_FusedBasisLinear` (basis and base branch in one feature-major
        pass), or None: the layer then takes :class:`_LeanBasisMatmul` plus a separate base branch."""
        return None

    def lean_parameters(self) -> list[Tensor]:
        """Trainable tensors of the basis (their gradients come from a recompute in backward)."""
        return [p for p in self.parameters() if p.requires_grad]

    def init_coef(self, out_features: int, generator: torch.Generator | None = None) -> Tensor:
        """Initial coefficients (out, in, K); subclasses follow their paper."""
        bound = 1.0 / math.sqrt(self.in_features * self.num_functions)
        return (torch.rand(out_features, self.in_features, self.num_functions, generator=generator,
                           dtype=torch.float64) * 2 - 1) * bound

    def subset(self, idx: Tensor) -> "Basis":
        """The basis restricted to the inputs ``idx`` (pruning).  Default: no per-input state."""
        import copy
        new = copy.deepcopy(self)
        new.in_features = len(idx)
        return new

    def domain(self, i: int) -> tuple[float, float]:
        """A sensible plotting / fitting interval for input i."""
        return (-1.0, 1.0)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, K={self.num_functions}"


def use_compile(numel: int) -> bool:
    """Whether a basis evaluation of ``numel`` elements runs through torch.compile.

    Follows nonlin's elementwise backend (``NONLIN_BACKEND`` / ``nonlin.set_backend``):
    ``auto`` compiles large evaluations (≥ COMPILE_MIN_NUMEL elements), ``eager``
    never, ``compile`` always; a kernel that fails to compile runs eagerly.
    """
    from ..elementwise import should_compile
    return should_compile(numel)


_COMPILED: dict = {}


def compiled(fn: Callable, *static: Any) -> Callable:
    """torch.compile of ``fn(*tensors, *static)`` with the static arguments baked in (cached)."""
    key = (fn, static)
    if key not in _COMPILED:
        from ..elementwise import compile_kernel

        def kernel(*tensors):  # static arguments travel in the closure (copied by compile_kernel)
            return fn(*tensors, *static)

        _COMPILED[key] = compile_kernel(kernel, f"kan_{fn.__name__}_{'_'.join(map(str, static))}")
    return _COMPILED[key]


def _chunk_rows(n_rows: int, row_elems: int) -> int:
    return max(1, min(n_rows, CHUNK_ELEMENTS // max(1, row_elems)))


def _rowdot(a: Tensor, b: Tensor) -> Tensor:
    """Σ_k a[n, i, k]·b[n, i, k] as one batched matmul: about twice as fast on CPU as (a * b).sum(-1)."""
    n, d, k = a.shape
    return torch.bmm(a.reshape(n * d, 1, k), b.reshape(n * d, k, 1)).view(n, d)


def _accumulate(acc: Tensor | None, a: Tensor, b: Tensor) -> Tensor:
    """acc + a @ b, where acc None means zero (saves a zero fill when there is one chunk)."""
    return a @ b if acc is None else acc.addmm_(a, b)


class _LeanBasisMatmul(torch.autograd.Function):
    """y = vec(B(x)) @ Wᵀ saving only x and W; B recomputed in chunks in backward.

    Exception: inputs whose basis tensor has ≤ KEEP_ELEMENTS elements keep B (and
    dB/dx) from forward, since recomputing costs more than keeping them.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, basis: Basis, *params: Tensor) -> Tensor:
        n, k = x.shape[0], basis.num_functions
        rows = _chunk_rows(n, x.shape[1] * k)
        out = x.new_empty(n, weight.shape[0])
        wt = weight.t()
        ctx.kept = None
        # Small inputs (one chunk, ≤ KEEP_ELEMENTS): keep B (and dB/dx when x needs a
        # gradient) instead of recomputing them; a few MiB at most, and at small
        # batches the recompute costs as much as the matmuls.
        if rows >= n and n * x.shape[1] * k <= KEEP_ELEMENTS and not any(ctx.needs_input_grad[3:]):
            vd = ctx.needs_input_grad[0] and not basis.fused_derivative_dot
            ctx.kept = basis.value_and_derivative(x) if vd else (basis(x), None)
            torch.mm(ctx.kept[0].reshape(n, x.shape[1] * k), wt, out=out)
        else:
            for s in range(0, n, rows):
                b = basis(x[s:s + rows])
                torch.mm(b.reshape(b.shape[0], -1), wt, out=out[s:s + rows])
        ctx.basis = basis
        ctx.save_for_backward(x, weight, *params)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        x, weight, *params = ctx.saved_tensors
        basis: Basis = ctx.basis
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        need_p = [ctx.needs_input_grad[3 + j] for j in range(len(params))]
        n, d, k = x.shape[0], x.shape[1], basis.num_functions
        rows = _chunk_rows(n, d * k)
        gx = torch.empty_like(x) if need_x else None
        gw = None  # first chunk assigns (no zero fill: one chunk is the common case), later ones add
        gp = [torch.zeros_like(p) if need else None for p, need in zip(params, need_p)]
        recompute = any(need_p)
        if ctx.kept is not None:  # small input: B (and dB/dx) kept by forward
            b, db = ctx.kept
            ctx.kept = None
            if need_w:
                gw = grad.t() @ b.reshape(n, d * k)
            if need_x:
                gb = (grad @ weight).view(-1, d, k)
                gx = basis.derivative_dot(x, gb) if db is None else _rowdot(gb, db)
            return (gx, gw, None, *gp)
        if recompute:  # the recomputed chunk keeps its small autograd graph: use smaller chunks
            rows = max(min(n, 512), rows // 8)
        for s in range(0, n, rows):
            xc, gc = x[s:s + rows], grad[s:s + rows]
            if recompute:
                # trainable basis parameters: rebuild the small graph of this chunk
                with torch.enable_grad():
                    xd = xc.detach().requires_grad_(need_x)
                    b = basis(xd)
                    if need_w:
                        gw = _accumulate(gw, gc.t(), b.detach().reshape(b.shape[0], -1))
                    gb = (gc @ weight).view_as(b)
                    wrt = ([xd] if need_x else []) + [p for p, need in zip(params, need_p) if need]
                    got = list(torch.autograd.grad(b, wrt, gb))
                if need_x:
                    gx[s:s + rows] = got.pop(0)
                for j, need in enumerate(need_p):
                    if need:
                        gp[j] += got.pop(0)
            elif need_x and basis.fused_derivative_dot:
                if need_w:
                    gw = _accumulate(gw, gc.t(), basis(xc).reshape(xc.shape[0], -1))
                gx[s:s + rows] = basis.derivative_dot(xc, (gc @ weight).view(-1, d, k))
            elif need_x:
                b, db = basis.value_and_derivative(xc)
                if need_w:
                    gw = _accumulate(gw, gc.t(), b.reshape(b.shape[0], -1))
                del b
                gx[s:s + rows] = _rowdot((gc @ weight).view(-1, d, k), db)
            elif need_w:
                b = basis(xc)
                gw = _accumulate(gw, gc.t(), b.reshape(b.shape[0], -1))
        if need_w and gw is None:  # no rows
            gw = torch.zeros_like(weight)
        return (gx, gw, None, *gp)


class FusedKernels:
    """What a basis hands :class:`_FusedBasisLinear` (see ``Basis.fused_kernels``); feature-major layout.

    ``num_functions``: K.  ``base``: whether the base branch b(x) is computed too.
    ``features(xt)``: xt (in, N) -> (B (in, K, N), b(xt) (in, N) or None).
    ``input_grad(xt, gbt, gst)``: Σ_k gbt[i, k, n]·B_k'(x) + gst[i, n]·b'(x), (in, N).
    """

    num_functions: int
    base: bool

    def features(self, xt: Tensor) -> tuple[Tensor, Tensor | None]:
        raise NotImplementedError

    def input_grad(self, xt: Tensor, gbt: Tensor, gst: Tensor | None) -> Tensor:
        raise NotImplementedError


class _FusedBasisLinear(torch.autograd.Function):
    """y = vec(B(x)) @ Cᵀ + b(x) @ Wᵀ in one node, with the basis laid out feature-major.

    The basis is computed as Bᵀ (in·K, N) (batch last) together with the base branch
    b(x)ᵀ (in, N) in one kernel; the products are C @ Bᵀ and W @ b(x)ᵀ into one
    accumulator, the weight gradients gᵀ @ B and gᵀ @ b(x), the input gradient one
    kernel over (in, N) for both branches.  Against :class:`_LeanBasisMatmul` plus an
    autograd base branch: the kernels store contiguous vectors along N, MKL's sgemm is
    faster on these operand layouts (C @ Bᵀ; gᵀ @ B with B feature-major), and one
    autograd node replaces four.  Memory as the lean path: only x and the weights are
    saved; small inputs (basis ≤ KEEP_ELEMENTS) keep Bᵀ and b(x)ᵀ, larger ones are
    processed (and recomputed in backward) in row chunks of ≤ CHUNK_ELEMENTS.
    """

    @staticmethod
    def forward(ctx, x: Tensor, coef: Tensor, base_weight: Tensor | None, kernels: FusedKernels,
                contiguous: bool = True) -> Tensor:
        n, d = x.shape
        k = kernels.num_functions
        rows = _chunk_rows(n, d * k)
        ctx.kept = None
        if rows >= n:  # one chunk: the common case
            xt = x.t().contiguous()  # free when x is the previous layer's transposed output
            bt, st = kernels.features(xt)
            yt = coef @ bt.view(d * k, n)
            if st is not None:
                yt.addmm_(base_weight, st)
            out = yt.t().contiguous() if contiguous else yt.t()
            if n * d * k <= KEEP_ELEMENTS:
                ctx.kept = (xt, bt, st)
        else:
            out = x.new_empty(n, coef.shape[0])
            for s in range(0, n, rows):
                xt = x[s:s + rows].t().contiguous()
                bt, st = kernels.features(xt)
                yt = coef @ bt.view(d * k, xt.shape[1])
                if st is not None:
                    yt.addmm_(base_weight, st)
                out[s:s + rows] = yt.t()
        ctx.kernels = kernels
        ctx.save_for_backward(x, coef, base_weight)
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        x, coef, base_weight = ctx.saved_tensors
        kernels: FusedKernels = ctx.kernels
        need_x, need_c, need_w = ctx.needs_input_grad[:3]
        n, d = x.shape
        k = kernels.num_functions
        kept, ctx.kept = ctx.kept, None
        rows = n if kept is not None else _chunk_rows(n, d * k)
        gt = grad.t()                                               # (out, N)
        gx = None
        gc = gw = None  # first chunk assigns, later ones add
        for s in range(0, n, rows):
            if kept is not None:
                xt, bt, st = kept
            else:
                xt = x[s:s + rows].t().contiguous()
                bt, st = kernels.features(xt) if (need_c or need_w) else (None, None)
            r = xt.shape[1]
            gtc = gt[:, s:s + rows]
            if need_c:
                gc = _accumulate(gc, gtc, bt.view(d * k, r).t())
            if need_w:
                gw = _accumulate(gw, gtc, st.t())
            if need_x:
                gbt = (coef.t() @ gtc).view(d, k, r)
                gst = base_weight.t() @ gtc if kernels.base else None
                gxt = kernels.input_grad(xt, gbt, gst)
                if rows >= n:
                    gx = gxt.t()
                else:
                    if gx is None:
                        gx = torch.empty_like(x)
                    gx[s:s + rows] = gxt.t()
        if need_x and gx is None:  # no rows
            gx = torch.empty_like(x)
        if need_c and gc is None:
            gc = torch.zeros_like(coef)
        if need_w and gw is None:
            gw = torch.zeros_like(base_weight)
        return gx, gc, gw, None, None


class KANLinear(nn.Module):
    """Kolmogorov-Arnold layer (…, in) → (…, out): φ_{o,i}(x_i) summed over inputs.

    φ_{o,i}(x) = w_{o,i}·b(x) + Σ_k c_{o,i,k} B_k(x), with B the chosen basis
    (``basis=`` one of :func:`basis_names`), b the base branch (SiLU in the KAN
    paper) and an optional LayerNorm on the input (FastKAN / FasterKAN).

    Parameters
    ----------
    in_features, out_features: layer sizes.
    basis: name of the basis ("bspline", "chebyshev", "fourier", "rbf",
        "rswaf", "relu", "af", "rational").
    base_activation: "default" (the basis paper's choice), "silu", "gelu",
        "relu", "tanh", "identity" or "none" (no base branch).
    layernorm: "default", True or False: LayerNorm on the input of the basis.
    bias: "default", True or False: a learnable output bias.
    lean: True (default) uses the chunked recompute backward; False the plain
        autograd formula (the reference the tests compare against).
    **basis_options: passed to the basis (grid_size, degree, ...).

    Initialisation: base weights U(−1/√in, 1/√in) (kaiming-uniform with a=√5,
    as efficient-kan); coefficients as the basis paper does (see each basis).

    Interpretability (pykan's stack on the fast layer): ``mask`` (pruned
    edges), symbolic edges (:meth:`fix_symbolic`), :meth:`edge_values`,
    :meth:`edge_scale`, :meth:`update_grid` (bases with a grid).
    """

    def __init__(self, in_features: int, out_features: int, basis: str = "bspline",
                 base_activation: str = "default", layernorm: Any = "default", bias: Any = "default",
                 lean: bool = True, **basis_options: Any):
        super().__init__()
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ParameterError(f"KANLinear: {name} must be a positive integer; got {v!r}")
        if basis not in BASES:
            raise ParameterError(f"KANLinear: unknown basis {basis!r}; allowed: {', '.join(basis_names())}")
        cls = BASES[basis]
        self.in_features, self.out_features, self.lean = in_features, out_features, bool(lean)
        self.basis = cls(in_features, **basis_options)
        if base_activation == "default":
            base_activation = cls.default_base or "none"
        if base_activation not in BASE_ACTIVATIONS:
            raise ParameterError(f"KANLinear: base_activation must be one of 'default', "
                                 f"{', '.join(map(repr, BASE_ACTIVATIONS))}; got {base_activation!r}")
        self.base_activation = base_activation
        self._base_fn = BASE_ACTIVATIONS[base_activation]
        layernorm = cls.default_layernorm if layernorm == "default" else layernorm
        bias = cls.default_bias if bias == "default" else bias
        for name, v in (("layernorm", layernorm), ("bias", bias), ("lean", lean)):
            if not isinstance(v, bool):
                raise ParameterError(f"KANLinear: {name} must be True, False (or 'default'); got {v!r}")
        self.norm = nn.LayerNorm(in_features) if layernorm else None
        k = self.basis.num_functions
        self.coef = nn.Parameter(self.basis.init_coef(out_features).to(torch.get_default_dtype()))
        if self._base_fn is not None:
            bound = 1.0 / math.sqrt(in_features)
            self.base_weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        else:
            self.register_parameter("base_weight", None)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        # 1 = active edge, 0 = pruned or replaced by a symbolic function
        self.register_buffer("mask", torch.ones(out_features, in_features))
        self.symbolic: dict[tuple[int, int], dict] = {}
        assert self.coef.shape == (out_features, in_features, k)

    # -- forward ------------------------------------------------------------
    def basis_input(self, x: Tensor) -> Tensor:
        """What the basis sees: the input, layer-normalised when the layer has a LayerNorm."""
        return self.norm(x) if self.norm is not None else x

    def _masked(self) -> tuple[Tensor, Tensor | None]:
        if torch.compiler.is_compiling():
            # traced (torch.compile / torch.export / ONNX): the mask is data the graph cannot
            # branch on (nor read a data pointer of), so always apply it
            full = False
        else:
            # mask.all() is cached on the buffer's version counter (bumped by every in-place edit)
            key = (self.mask.data_ptr(), self.mask._version)
            if getattr(self, "_mask_key", None) != key:
                self._mask_key, self._mask_full = key, bool(self.mask.all())
            full = self._mask_full
        coef = self.coef if full else self.coef * self.mask.unsqueeze(-1).to(self.coef.dtype)
        base = self.base_weight
        if base is not None and not full:
            base = base * self.mask.to(base.dtype)
        return coef, base

    def forward(self, x: Tensor, contiguous: bool = True) -> Tensor:
        """y (…, out).  ``contiguous=False`` lets the fused path return its (N, out) result as the
        transpose of an (out, N) tensor, saving two transposing copies when the next layer is a
        KANLinear too (which wants exactly that layout); :class:`KAN` uses it between its layers."""
        if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
            raise TypeError(f"KANLinear expects a floating-point tensor; got "
                            f"{type(x).__name__ if not isinstance(x, Tensor) else x.dtype}")
        if x.shape[-1] != self.in_features:
            raise ValueError(f"KANLinear: expected last dimension {self.in_features}; got shape {tuple(x.shape)}")
        lead = x.shape[:-1]
        x2 = x.reshape(-1, self.in_features)
        coef, base = self._masked()
        fused = self._fused_kernels()
        if fused is not None:  # the default B-spline layer: basis and base branch in one node
            y = _FusedBasisLinear.apply(x2, coef.reshape(self.out_features, -1), base, fused, contiguous)
        else:
            y = self._spline(self.basis_input(x2), coef.reshape(self.out_features, -1))
            if base is not None:
                y = y + F.linear(self._base_fn(x2), base)
        if self.bias is not None:
            y = y + self.bias
        if self.symbolic:
            y = y + self._symbolic_forward(x2)
        return y.reshape(*lead, self.out_features)

    def _fused_kernels(self) -> FusedKernels | None:
        """The basis's fused kernels when this layer can use them (lean, no LayerNorm, not traced)."""
        if not self.lean or self.norm is not None or torch.compiler.is_compiling():
            return None
        return self.basis.fused_kernels(self.base_activation)

    def _spline(self, u: Tensor, w: Tensor) -> Tensor:
        if torch.compiler.is_compiling():
            # traced: the plain formula.  The lean Function keeps the basis module on ctx and
            # fills preallocated outputs chunk by chunk, which tracers cannot follow; the
            # compiler fuses and plans memory itself.
            return self.basis(u).flatten(1) @ w.t()
        params = self.basis.lean_parameters()
        needs_grad = torch.is_grad_enabled() and (u.requires_grad or w.requires_grad
                                                  or any(p.requires_grad for p in params))
        if self.lean and needs_grad:
            return _LeanBasisMatmul.apply(u, w, self.basis, *params)
        if not needs_grad:  # inference: chunk too, nothing is kept
            rows = _chunk_rows(u.shape[0], w.shape[1])
            if rows < u.shape[0]:
                return torch.cat([self.basis(u[s:s + rows]).flatten(1) @ w.t()
                                  for s in range(0, u.shape[0], rows)])
        return self.basis(u).flatten(1) @ w.t()

    # -- per-edge views (analysis; these do build (N, out, in)) --------------
    def edge_values(self, x: Tensor, include_symbolic: bool = True) -> Tensor:
        """φ_{o,i}(x_i) for every edge: (N, out, in).  For analysis, not training."""
        x2 = x.reshape(-1, self.in_features)
        coef, base = self._masked()
        b = self.basis(self.basis_input(x2))
        phi = torch.einsum("nik,oik->noi", b, coef)
        if base is not None:
            phi = phi + self._base_fn(x2).unsqueeze(1) * base
        if include_symbolic:
            for (o, i), e in self.symbolic.items():
                phi[:, o, i] = phi[:, o, i] + _symbolic_eval(e, x2[:, i])
        return phi

    def edge_scale(self, x: Tensor, chunk: int = 4096) -> Tensor:
        """Mean |φ_{o,i}(x_i)| over the samples x: (out, in); the KAN paper's edge L1 norm."""
        with torch.no_grad():
            x2 = x.reshape(-1, self.in_features)
            total = torch.zeros(self.out_features, self.in_features, dtype=x2.dtype, device=x2.device)
            for s in range(0, x2.shape[0], chunk):
                total += self.edge_values(x2[s:s + chunk]).abs().sum(0)
            return total / max(1, x2.shape[0])

    def edge_rms(self, x: Tensor) -> Tensor:
        """Differentiable RMS of each edge over the samples, (out, in), without an (N, out, in) tensor.

        With features f(x_i) = [b(x_i), B_1(x_i), ..., B_K(x_i)] and edge
        weights w_{o,i}, mean_n φ² = w_{o,i}ᵀ G_i w_{o,i}, G_i = mean_n f fᵀ.
        """
        x2 = x.reshape(-1, self.in_features)
        b = self.basis(self.basis_input(x2))
        coef, base = self._masked()
        if base is not None:
            b = torch.cat([self._base_fn(x2).unsqueeze(-1), b], dim=-1)
            coef = torch.cat([base.unsqueeze(-1), coef], dim=-1)
        gram = torch.einsum("nik,nil->ikl", b, b) / max(1, x2.shape[0])
        ms = torch.einsum("oik,ikl,oil->oi", coef, gram, coef)
        return torch.sqrt(ms.clamp_min(0) + 1e-12)

    # -- symbolic edges -----------------------------------------------------
    def _symbolic_forward(self, x2: Tensor) -> Tensor:
        outs = torch.zeros(x2.shape[0], self.out_features, dtype=x2.dtype, device=x2.device)
        cols = []
        idx = []
        for (o, i), e in self.symbolic.items():
            cols.append(_symbolic_eval(e, x2[:, i]))
            idx.append(o)
        return outs.index_add(1, torch.tensor(idx, device=x2.device), torch.stack(cols, 1))

    def fix_symbolic(self, o: int, i: int, name: str, params: tuple[float, float, float, float] = (1.0, 0.0, 1.0, 0.0)) -> None:
        """Replace edge (out o, in i) by c·f(a·x + b) + d with f = SYMBOLIC_LIB[name]."""
        from .symbolic import SYMBOLIC_LIB
        if name not in SYMBOLIC_LIB:
            raise ParameterError(f"unknown symbolic function {name!r}; allowed: {', '.join(SYMBOLIC_LIB)}")
        self._check_edge(o, i)
        if self.norm is not None:
            raise ValueError("symbolic edges need univariate edges; this layer has a LayerNorm on its input (layernorm=True)")
        a, b, c, d = (float(v) for v in params)
        self.symbolic[(o, i)] = {"name": name, "a": a, "b": b, "c": c, "d": d}
        self.mask[o, i] = 0.0

    def unfix_symbolic(self, o: int, i: int) -> None:
        """Return edge (o, i) to its spline."""
        self.symbolic.pop((o, i), None)
        self.mask[o, i] = 1.0

    def _check_edge(self, o: int, i: int) -> None:
        if not (0 <= o < self.out_features and 0 <= i < self.in_features):
            raise IndexError(f"edge (out {o}, in {i}) outside layer of shape out={self.out_features}, in={self.in_features}")

    def get_extra_state(self) -> dict:
        return {"symbolic": {f"{o},{i}": dict(e) for (o, i), e in self.symbolic.items()}}

    def set_extra_state(self, state: dict) -> None:
        self.symbolic = {tuple(int(v) for v in k.split(",")): dict(e) for k, e in state.get("symbolic", {}).items()}

    # -- grid update / refinement ---------------------------------------------
    def update_grid(self, x: Tensor, grid_size: int | None = None, grid_eps: float = 0.02,
                    margin: float = 0.0) -> None:
        """Move the basis grid to the samples and refit coefficients by least squares.

        pykan's ``update_grid_from_samples``: the new grid blends sample quantiles
        (weight 1 − grid_eps) with a uniform grid over the sample range (grid_eps);
        the coefficients are refit so that each edge keeps its function on x.
        ``grid_size`` different from the current one refines (or coarsens) the grid.
        Only bases with a grid (``set_grid_from_samples``) support this.
        """
        self._check_grid()
        self._regrid(x, lambda u: self.basis.set_grid_from_samples(u, grid_size=grid_size, grid_eps=grid_eps,
                                                                  margin=margin))

    def subdivide_grid(self, x: Tensor, grid_size: int) -> None:
        """pykan's ``refine``: ``grid_size`` intervals placed by interpolating the current knots.

        The new grid keeps the shape of the current one (a grid adapted to the
        samples stays adapted; its ends stretch to cover x) and the coefficients are refit by least squares
        on x, so each edge keeps its function.
        """
        self._check_grid()
        self._regrid(x, lambda u: self.basis.subdivide(grid_size, u))

    def _check_grid(self) -> None:
        if not hasattr(self.basis, "set_grid_from_samples"):
            raise TypeError(f"basis {self.basis.name!r} has no grid to update; "
                            f"bases with a grid: bspline")

    def _regrid(self, x: Tensor, set_grid: Callable[[Tensor], None]) -> None:
        """Change the basis grid with ``set_grid(u)``, then refit the coefficients on x (least squares)."""
        with torch.no_grad():
            u = self.basis_input(x.reshape(-1, self.in_features)).to(torch.float64)
            old = self.basis(u.to(self.coef.dtype)).to(torch.float64)          # (N, in, K)
            target = torch.einsum("nik,oik->ino", old, self.coef.to(torch.float64))
            set_grid(u)
            new = self.basis(u.to(self.coef.dtype)).to(torch.float64).transpose(0, 1)  # (in, N, K')
            sol = _lstsq(new, target)                                          # (in, K', out)
            self.coef = nn.Parameter(sol.permute(2, 0, 1).contiguous().to(self.coef.dtype))

    # -- pruning ------------------------------------------------------------
    def subset(self, in_idx, out_idx) -> "KANLinear":
        """A smaller layer keeping inputs ``in_idx`` and outputs ``out_idx`` (functions unchanged)."""
        import copy
        in_idx = torch.as_tensor(list(in_idx), dtype=torch.long)
        out_idx = torch.as_tensor(list(out_idx), dtype=torch.long)
        if len(in_idx) == 0 or len(out_idx) == 0:
            raise ValueError("a KAN layer needs at least one input and one output after pruning")
        if self.norm is not None and len(in_idx) != self.in_features:
            raise ValueError("cannot remove inputs of a layer with a LayerNorm on its input")
        new = copy.deepcopy(self)
        new.in_features, new.out_features = len(in_idx), len(out_idx)
        new.basis = self.basis.subset(in_idx)
        new.coef = nn.Parameter(self.coef.detach()[out_idx][:, in_idx].clone())
        if self.base_weight is not None:
            new.base_weight = nn.Parameter(self.base_weight.detach()[out_idx][:, in_idx].clone())
        if self.bias is not None:
            new.bias = nn.Parameter(self.bias.detach()[out_idx].clone())
        new.mask = self.mask[out_idx][:, in_idx].clone()
        o_map = {int(o): n for n, o in enumerate(out_idx)}
        i_map = {int(i): n for n, i in enumerate(in_idx)}
        new.symbolic = {(o_map[o], i_map[i]): dict(e) for (o, i), e in self.symbolic.items()
                        if o in o_map and i in i_map}
        return new

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"basis={self.basis.name!r}, base={self.base_activation!r}, "
                f"layernorm={self.norm is not None}, bias={self.bias is not None}")


def _lstsq(a: Tensor, b: Tensor) -> Tensor:
    """Batched least squares a x ≈ b (float64, SVD driver: tolerates empty grid cells)."""
    return torch.linalg.lstsq(a, b, driver="gelsd").solution


def _symbolic_eval(e: dict, x: Tensor) -> Tensor:
    from .symbolic import SYMBOLIC_LIB
    f = SYMBOLIC_LIB[e["name"]].torch
    return e["c"] * f(e["a"] * x + e["b"]) + e["d"]
