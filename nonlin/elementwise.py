"""One definition of a fixed elementwise unit -> functional, module, Spec, docstring.

A family file writes::

    @activation("mish", family="self_gated", formula=r"x\\tanh(\\mathrm{softplus}(x))",
                reference=ref("Mish: ...", "1908.08681", 2019),
                properties=dict(monotonic=False, smooth="Cinf", ...),
                builtin=F.mish)
    def mish(x):
        return x * torch.tanh(softplus(x))

    @mish.derivative
    def _(x):
        ...

and gets ``mish`` (the public functional), ``Mish`` (an ``nn.Module``) and a
registered Spec.  The decorated body is the *reference formula*: plain eager
PyTorch, the thing tests and ``nonlin perf`` compare against.

How a call is executed
----------------------
* A unit with a torch builtin (``builtin=``) calls it, unless it declares
  ``prefer="compiled"``: then large tensors take the path below (``F.mish``
  runs at about half the speed of nonlin's fused kernel on AVX-512 CPUs).
* Otherwise a custom ``autograd.Function`` runs the formula and saves only the
  input (one tensor the size of the input, or its clone when ``inplace``).
  Backward computes ``grad * f'(x)`` from the analytic derivative when the unit
  declares one, or by recomputing a vector-Jacobian product of the formula
  from the saved input otherwise.
* Large tensors (>= ``COMPILE_MIN_NUMEL`` elements) run forward and backward
  through ``torch.compile``-d kernels, one per unit and parameter set (so no
  wrapper hits the recompile limit).  Kernels compile ``tanh`` as
  ``2/(1+exp(-2x))-1`` (:data:`KERNEL_OPTIONS`): Inductor's own vectorised
  tanh costs ~3x a memory pass, eager torch.tanh ~1x.
* Autotuning: for each direction (forward, backward) the compiled kernel and
  the eager alternative (forward: the declared ``naive=`` builtin formula, or
  the formula; backward: the analytic derivative) are timed on the first large
  input of each dtype and the faster one is kept for the process
  (:meth:`ElementwiseUnit._fastest`).  Both save only the input.  Inductor's
  erf and tanh lose to ATen's fused GELU/tanh on some CPUs by up to 2x, so
  the choice is measured on the machine, not declared.  ``NONLIN_AUTOTUNE=0``
  or ``set_backend("compile")`` always take the kernel (deterministic choice).
* Speed floor: a unit is never slower than its formula run eagerly.  Where
  the formula uses an op that Inductor compiles much slower than eager torch
  runs it (:data:`EAGER_FASTER_OPS`, measured), or the unit declares
  ``prefer="eager"``, large tensors run the formula eagerly through autograd
  instead (:meth:`ElementwiseUnit.path`); such units save what autograd saves
  rather than only the input.  ``NONLIN_BACKEND`` / :func:`set_backend`
  chooses ``auto`` (default), ``eager`` or ``compile``.  If compilation fails
  (no C++ compiler, say) nonlin warns once per kernel and runs it eagerly.
* Inside a ``torch.compile`` region the plain formula is used so the outer
  graph fuses it (units with a surrogate gradient keep their Function).

Dtypes: float16/bfloat16 inputs are computed in float32 and cast back.
Integer, bool and complex tensors and non-tensors raise ``TypeError``.  NaN
propagates; empty tensors give empty results.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import sys
import types
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import torch
from torch import Tensor, nn

from .registry import Reference, Spec, add_spec, doc_footer, params_from_signature, _summary

BACKENDS = ("auto", "eager", "compile")
COMPILE_MIN_NUMEL = 1 << 16
_backend = os.environ.get("NONLIN_BACKEND", "auto")
if _backend not in BACKENDS:
    raise ValueError(f"NONLIN_BACKEND must be one of {', '.join(BACKENDS)}; got {_backend!r}")
_HALF = (torch.float16, torch.bfloat16)
PREFER = (None, "compiled", "eager")

# Inductor options for every nonlin kernel.  Inductor's CPU tanh is Sleef's
# tanhf (about 2.8x a copy of the tensor at 2^22 float32, 1 thread) while eager
# torch.tanh runs at copy speed; the decomposition 2/(1+exp(-2x))-1 costs
# ~1.2x.  It is exact at 0 and ±inf; its absolute error is about one ulp of 1
# (1e-7 in float32), so tanh of tiny x loses relative precision in kernels
# (never in the eager path, which small tensors and the tests take).
KERNEL_OPTIONS = {"cpp.use_decompose_tanh": True}

# aten ops that Inductor's CPU code runs far slower than eager ATen (measured at
# 2^22 float32 elements, 1 thread, cost relative to x.clone(), compiled vs eager):
# erfc 6.5 vs 1.2 (Sleef erfcf_u15), erfinv (scalar loop), lgamma/digamma
# (scalar).  A formula using one of them runs eagerly for large tensors
# (see ElementwiseUnit.path); docs/perf.md has the table.
EAGER_FASTER_OPS = frozenset({"erfc", "erfinv", "lgamma", "digamma", "polygamma", "special_erfcx",
                              "special_i0e", "special_i1", "special_i1e"})
_F64_MAX = torch.finfo(torch.float64).max


def set_backend(name: str) -> None:
    """Choose how elementwise units run: ``auto`` (compile large tensors), ``eager`` or ``compile``."""
    global _backend
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    _backend = name


def get_backend() -> str:
    return _backend


@contextmanager
def use_backend(name: str) -> Iterator[None]:
    """``with nonlin.use_backend("eager"): ...`` runs the block on that backend, then restores the previous one."""
    old = get_backend()
    set_backend(name)
    try:
        yield
    finally:
        set_backend(old)


def check_input(x: Any, name: str) -> None:
    """TypeError unless ``x`` is a floating-point tensor; the one input check of every unit.

    Layer units (learnable, gated, KAN, neurons) call it too, as
    ``check_float_input(x, "unit_name")``, so integer inputs get this message
    rather than a torch internal error."""
    if not isinstance(x, Tensor):
        raise TypeError(f"nonlin '{name}' expects a torch.Tensor; got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(
            f"nonlin '{name}' expects a floating-point tensor (float16, bfloat16, float32 or float64); "
            f"got {x.dtype}. Convert with x.float()."
        )


check_float_input = check_input


def _upcast(x: Tensor) -> Tensor:
    return x.float() if x.dtype in _HALF else x


class _ElementwiseFunction(torch.autograd.Function):
    """Saves only the input; backward from the analytic derivative or a VJP recompute."""

    @staticmethod
    def forward(ctx, x: Tensor, unit: "ElementwiseUnit", params: tuple, inplace: bool) -> Tensor:
        kw = dict(params)
        y = unit._forward_kernel(x, kw)
        if inplace:
            ctx.save_for_backward(x.clone())
            x.copy_(y)
            ctx.mark_dirty(x)
            y = x
        else:
            ctx.save_for_backward(x)
        ctx.unit, ctx.kw = unit, kw
        return y

    @staticmethod
    def backward(ctx, grad: Tensor):
        (x,) = ctx.saved_tensors
        return ctx.unit._backward_kernel(x, grad, ctx.kw), None, None, None


class ElementwiseUnit:
    """A registered fixed elementwise unit; calling it applies the function."""

    def __init__(self, fn: Callable, spec_kwargs: dict, builtin: Callable | None,
                 builtin_inplace: bool, prefer: str | None = None, naive: Callable | None = None,
                 eager: Callable | None = None, eager_grad: Callable | None = None):
        if prefer not in PREFER:
            raise ValueError(f"prefer must be one of {PREFER}; got {prefer!r}")
        self.name = spec_kwargs["name"]
        self.prefer = prefer  # None: decided from the formula's ops (see path())
        self._paths: dict = {}  # parameters -> "compiled" | "eager"
        self._fastest_path: dict = {}  # (direction, parameters, dtype, device) -> "kernel" | "eager"
        self.formula_fn = fn  # the reference formula, plain eager torch
        # what a user would write with torch builtins, where the formula must differ from it to stay
        # finite and accurate over the float range (``nonlin perf``'s naive baseline)
        self.naive_fn = naive or fn
        # the large-tensor eager forward candidate (no autograd): a declared in-place form, else the
        # naive builtin formula where it differs from the formula, else the formula
        self.eager_fn = eager or (self.naive_fn if naive is not None else None)
        # the large-tensor eager backward candidate (no autograd): grad·f'(x) with in-place ops, if declared
        self.eager_grad_fn = eager_grad
        self._derivative: Callable | None = None
        self.builtin = builtin
        self.builtin_inplace = builtin_inplace
        self._kernels: dict = {}
        self._limits: dict = {}  # parameters -> (limit at -inf, limit at +inf)
        self._inf_fix: dict = {}  # parameters -> limits to substitute at ±inf, or None
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__module__ = fn.__module__
        params = params_from_signature(fn, spec_kwargs.pop("params"), skip=1)
        self.defaults = {p.name: p.default for p in params}
        self.spec = Spec(params=params, summary=_summary(fn.__doc__), fn=self,
                         builtin=_builtin_name(builtin), **spec_kwargs)
        self.surrogate = bool(self.spec.properties.get("surrogate_gradient"))
        self.__doc__ = (fn.__doc__ or "") + doc_footer(self.spec)
        self.Module = _make_module_class(self)
        self.spec = _with_builder(self.spec, self.Module)
        add_spec(self.spec)

    # -- definition helpers -------------------------------------------------
    def derivative(self, dfn: Callable) -> Callable:
        """Decorator attaching the analytic derivative ``f'(x, **params)``."""
        self._derivative = dfn
        return dfn

    def reference(self, x: Tensor, **params: Any) -> Tensor:
        """The plain eager formula (autograd through it), as the paper writes it."""
        return self.formula_fn(x, **{**self.defaults, **params})

    def grad_reference(self, x: Tensor, **params: Any) -> Tensor:
        """f'(x) by the unit's backward rule (analytic derivative or surrogate)."""
        kw = {**self.defaults, **params}
        if self._derivative is not None:
            return self._derivative(x, **kw)
        xd = x.detach().requires_grad_(True)
        with torch.enable_grad():
            (g,) = torch.autograd.grad(self.formula_fn(xd, **kw).sum(), xd)
        return g

    @property
    def has_derivative(self) -> bool:
        return self._derivative is not None

    # -- execution ----------------------------------------------------------
    def __call__(self, x: Tensor, inplace: bool = False, **params: Any) -> Tensor:
        kw = dict(self.defaults)
        if params:
            kw.update(self.spec.check_params(params))
        return self.apply(x, inplace, kw)

    def apply(self, x: Tensor, inplace: bool, kw: dict) -> Tensor:
        """Apply with already-validated, complete parameters ``kw``."""
        check_input(x, self.name)
        if self.builtin is not None and not self.surrogate and not (
                self.prefer == "compiled" and should_compile(x.numel())):  # a builtin measured slower
            limits = self.infinite_input_fix(kw)
            if limits is not None:  # the builtin gives NaN (or a wrong value) at ±inf
                return self._builtin_with_limits(x, inplace, kw, limits)
            if inplace:
                if self.builtin_inplace:
                    return self.builtin(x, inplace=True, **kw)
                # the builtin saves its input for backward: feed it a copy so
                # overwriting x cannot corrupt the gradient
                src = x.clone() if (torch.is_grad_enabled() and x.requires_grad) else x
                return _write_into(x, self.builtin(src, **kw))
            return self.builtin(x, **kw)
        if torch.compiler.is_compiling() and not self.surrogate:
            y = _cast_back(self._formula_with_limits(_upcast(x), kw), x)
            return _write_into(x, y) if inplace else y
        if not self.surrogate and should_compile(x.numel()) and self.path(kw) == "eager":
            # the speed floor: Inductor would lose to the plain formula, so run it
            xs = x.clone() if inplace and torch.is_grad_enabled() and x.requires_grad else x
            y = _cast_back(self._formula_with_limits(_upcast(xs), kw), x)
            return _write_into(x, y) if inplace else y
        if not (torch.is_grad_enabled() and x.requires_grad):
            y = self._forward_kernel(x, kw)
            return _write_into(x, y) if inplace else y
        return _ElementwiseFunction.apply(x, self, tuple(sorted(kw.items())), inplace)

    # -- which path large tensors take -------------------------------------
    def traced_ops(self, kw: dict | None = None) -> frozenset[str]:
        """Names of the aten ops the formula (and its derivative, if declared) runs, traced once on float32."""
        from torch.fx.experimental.proxy_tensor import make_fx

        from . import _math
        kw = self.defaults if kw is None else kw
        probe = torch.linspace(-3.0, 3.0, 8)
        ops: set[str] = set()
        fns = [lambda t: self.formula_fn(t, **kw)]
        if self._derivative is not None:
            fns.append(lambda t: self._derivative(t, **kw))
        for f in fns:
            _math._kernel_trace = True  # the forms a compiled kernel would run (see _math.in_kernel)
            try:
                gm = make_fx(f)(probe)
            except Exception:  # untraceable formula (data-dependent control flow): say nothing
                continue
            finally:
                _math._kernel_trace = False
            ops.update(_op_name(n.target) for n in gm.graph.nodes if n.op == "call_function")
        return frozenset(ops)

    def path(self, kw: dict | None = None) -> str:
        """How large tensors run (without a builtin): ``"compiled"`` (the memory-lean Function with
        Inductor kernels) or ``"eager"`` (the formula through autograd).

        A declared ``prefer=`` wins; otherwise ``"eager"`` exactly when the formula or its derivative
        uses one of :data:`EAGER_FASTER_OPS`."""
        if self.prefer is not None:
            return self.prefer
        kw = self.defaults if kw is None else kw
        key = tuple(sorted(kw.items()))
        got = self._paths.get(key)
        if got is None:
            got = self._paths[key] = "eager" if self.traced_ops(kw) & EAGER_FASTER_OPS else "compiled"
        return got

    # -- ±inf inputs ----------------------------------------------------------
    def limits(self, kw: dict) -> tuple[float, float]:
        """(lim f at −inf, lim f at +inf), read from the formula near ∓max of float64 (see :func:`_limit_of`)."""
        key = tuple(sorted(kw.items()))
        got = self._limits.get(key)
        if got is None:
            far = torch.tensor(_LIMIT_POINTS, dtype=torch.float64)
            with torch.no_grad():
                neg = self.formula_fn(-far, **kw).tolist()
                pos = self.formula_fn(far, **kw).tolist()
            props = self.spec.properties
            bounded = props.get("bounded_below") not in (False, None) and props.get("bounded_above") not in (False, None)
            got = self._limits[key] = (_limit_of(neg, bounded), _limit_of(pos, bounded))
        return got

    def warm_up(self, kw: dict) -> None:
        """Compute the ±inf limits for these parameters now, eagerly.

        They are read from the formula with ``.tolist()``, which a traced region
        (torch.export, ``torch.compile(fullgraph=True)``) cannot do on a cold cache;
        modules and bound functionals call this when they are made, outside any trace.
        """
        if not torch.compiler.is_compiling():
            self.infinite_input_fix(kw)

    def infinite_input_fix(self, kw: dict) -> tuple[float, float] | None:
        """The limits when this unit's own computation misses them at ±inf (then apply() substitutes them), else None."""
        own = self.builtin if self.builtin is not None and not self.surrogate else self.formula_fn
        return self._limits_missed_by(own, tuple(sorted(kw.items())), kw)

    def _limits_missed_by(self, fn: Callable, key: Any, kw: dict) -> tuple[float, float] | None:
        """(lim −inf, lim +inf) when ``fn`` does not give them at ±inf, else None; cached under ``key``."""
        if key not in self._inf_fix:
            lo, hi = self.limits(kw)
            with torch.no_grad():
                y = fn(torch.tensor([-math.inf, math.inf], dtype=torch.float64), **kw).tolist()
            same = all((a == b) or (math.isnan(a) and math.isnan(b)) for a, b in zip(y, (lo, hi)))
            self._inf_fix[key] = None if same else (lo, hi)
        return self._inf_fix[key]

    def _formula_with_limits(self, x: Tensor, kw: dict, limits: Any = "lookup", fn: Callable | None = None) -> Tensor:
        y = (fn or self.formula_fn)(x, **kw)
        if limits == "lookup":  # compiled kernels pass their limits in: no dict lookup inside a traced graph
            limits = self.infinite_input_fix(kw) if fn is None else self._eager_inf_fix(kw)
        return y if limits is None or not _may_hold_inf(x) else _put_limits(x, y, limits)

    def _eager_inf_fix(self, kw: dict) -> tuple[float, float] | None:
        """The limits when the eager forward candidate (``eager=`` or ``naive=``) misses them at ±inf, else None."""
        return self._limits_missed_by(self.eager_fn, ("eager", tuple(sorted(kw.items()))), kw)

    def _builtin_with_limits(self, x: Tensor, inplace: bool, kw: dict, limits: tuple[float, float]) -> Tensor:
        # Only inputs that hold ±inf pay for the fix (and its saved mask); inside a compiled
        # region the where is fused and unconditional, and so it is under torch.func transforms
        # (vmap/jacrev cannot branch on a tensor's value).
        fix = _may_hold_inf(x)
        if not inplace:
            y = self.builtin(x, **kw)
            return _put_limits(x, y, limits) if fix else y
        src = x.clone() if (torch.is_grad_enabled() and x.requires_grad) else x  # the builtin may save it
        y = self.builtin(src, **kw)
        return _write_into(x, _put_limits(src, y, limits) if fix else y)

    def _use_compiled(self, x: Tensor) -> bool:
        return should_compile(x.numel())

    def _forward_kernel(self, x: Tensor, kw: dict) -> Tensor:
        if self._use_compiled(x):
            k = self._compiled("fwd", kw)
            if self._fastest("fwd", kw, k, self._fast_eager_forward, (x,)) == "kernel":
                return k(x)
            return self._fast_eager_forward(x, kw)
        return self._eager_forward(x, kw)

    def _backward_kernel(self, x: Tensor, grad: Tensor, kw: dict) -> Tensor:
        if self._use_compiled(x) and not torch.is_grad_enabled():
            k = self._compiled("bwd", kw)
            has_eager = self._derivative is not None or self.eager_grad_fn is not None
            eager = self._fast_eager_backward if has_eager else None
            if self._fastest("bwd", kw, k, eager, (x, grad)) == "kernel":
                return k(x, grad)
            return self._fast_eager_backward(x, grad, kw)
        return self._eager_backward(x, grad, kw)

    def _fast_eager_backward(self, x: Tensor, grad: Tensor, kw: dict) -> Tensor:
        """The eager backward candidate of the large-tensor path (grad disabled): the declared
        ``eager_grad`` form where there is one, else grad·f'(x) from the analytic derivative."""
        if self.eager_grad_fn is None:
            return self._eager_backward(x, grad, kw)
        return _cast_back(self.eager_grad_fn(_upcast(x), _upcast(grad), **kw), x)

    def _eager_forward(self, x: Tensor, kw: dict, limits: Any = "lookup") -> Tensor:
        return _cast_back(self._formula_with_limits(_upcast(x), kw, limits), x)

    def _fast_eager_forward(self, x: Tensor, kw: dict) -> Tensor:
        """The eager forward of the large-tensor path: the declared ``eager`` form (builtins working in
        place on their own temporaries), else the declared ``naive`` builtin formula (torch's fused
        builtins, e.g. F.gelu, can beat any compiled kernel), else the formula."""
        return _cast_back(self._formula_with_limits(_upcast(x), kw, fn=self.eager_fn), x)

    def _fastest(self, which: str, kw: dict, kernel: Callable, eager: Callable | None, args: tuple) -> str:
        """``"kernel"`` or ``"eager"``: whichever ran this direction faster on the first large input
        of this dtype (timed here once per process, parameters and dtype; see :data:`AUTOTUNE_ROUNDS`).

        Inductor's CPU code loses to eager ATen for some transcendental-heavy formulas (its erf, its
        tanh), by a factor that depends on the CPU, so the choice is measured, not declared.  Both
        candidates save only the input for backward.  ``set_backend("compile")`` always takes the kernel.
        """
        if eager is None or _backend == "compile" or not AUTOTUNE:
            return "kernel"
        key = (which, tuple(sorted(kw.items())), args[0].dtype, args[0].device.type)
        got = self._fastest_path.get(key)
        if got is None:
            got = self._fastest_path[key] = _time_pick(
                {"kernel": lambda: kernel(*args), "eager": lambda: eager(*args, kw)})
        return got

    def _eager_backward(self, x: Tensor, grad: Tensor, kw: dict) -> Tensor:
        xf, gf = _upcast(x), _upcast(grad)
        if self._derivative is not None:
            return _cast_back(gf * self._derivative(xf, **kw), x)
        _, pullback = torch.func.vjp(lambda t: self.formula_fn(t, **kw), xf)
        return _cast_back(pullback(gf)[0], x)

    def _compiled(self, which: str, kw: dict):
        key = (which, tuple(sorted(kw.items())))
        k = self._kernels.get(key)
        if k is None:
            if which == "fwd":
                def kernel(x, _kw=dict(kw), _limits=self.infinite_input_fix(kw)):
                    return self._eager_forward(x, _kw, _limits)
            else:
                def kernel(x, g, _kw=dict(kw)):
                    return self._eager_backward(x, g, _kw)
            k = self._kernels[key] = compile_kernel(kernel, f"{self.name}_{which}_{len(self._kernels)}")
        return k


# Autotuning of the large-tensor path (ElementwiseUnit._fastest): rounds of timing per candidate.
AUTOTUNE = os.environ.get("NONLIN_AUTOTUNE", "1") != "0"
AUTOTUNE_ROUNDS = 5
# The first candidate (the kernel) is kept unless another takes less than this share of its time:
# near-ties are not worth a choice that flips with machine noise.
AUTOTUNE_MARGIN = 0.97


def _time_pick(candidates: dict[str, Callable[[], object]]) -> str:
    """The name of the fastest candidate: each is run once (compiles, warms caches), then the
    candidates are timed in alternation for :data:`AUTOTUNE_ROUNDS` rounds and the best time of each
    is compared, so a burst of load during one round hits every candidate alike.  The first
    candidate wins unless another takes less than :data:`AUTOTUNE_MARGIN` of its time."""
    import time
    with torch.no_grad():
        for f in candidates.values():
            f()
        best = {k: math.inf for k in candidates}
        for _ in range(AUTOTUNE_ROUNDS):
            for k, f in candidates.items():
                t0 = time.perf_counter()
                f()
                best[k] = min(best[k], time.perf_counter() - t0)
    first = next(iter(candidates))
    fastest = min(best, key=best.get)
    return fastest if best[fastest] < AUTOTUNE_MARGIN * best[first] else first


def _may_hold_inf(x: Tensor) -> bool:
    """False only when ``x`` surely holds no ±inf: its sum is finite (a sum overflowing to inf just
    says "maybe").  One reduction, ~10x cheaper than ``isinf(x).any()`` on CPU.  Traced regions and
    torch.func transforms cannot branch on values: there the answer is always True."""
    if torch.compiler.is_compiling() or torch._C._functorch.is_functorch_wrapped_tensor(x):
        return True
    if x.numel() < 4096:  # small: the exact test costs nothing
        return bool(torch.isinf(x).any())
    return not math.isfinite(x.detach().sum(dtype=torch.float64 if x.dtype == torch.float64 else torch.float32).item())


def should_compile(numel: int) -> bool:
    """Whether a kernel over ``numel`` elements takes the compiled path under the current backend."""
    if _backend == "eager" or torch.compiler.is_compiling():
        return False
    return _backend == "compile" or numel >= COMPILE_MIN_NUMEL


_label_counter = 0


def with_own_code(fn: Callable, label: str) -> Callable:
    """A copy of ``fn`` with its own code object.

    Dynamo caches (and limits recompiles, default 8) per *code object*.  Kernels
    made from one nested ``def`` or lambda share a code object, so the 5th unit
    compiled through it would hit the limit (and, with ``fullgraph=True``,
    fail or silently run eager).  Compile copies made here instead.
    """
    global _label_counter
    _label_counter += 1
    name = re.sub(r"\W", "_", f"{label}_{_label_counter}")
    return types.FunctionType(fn.__code__.replace(co_name=name), fn.__globals__, name,
                              fn.__defaults__, fn.__closure__)


def compile_kernel(fn: Callable, label: str) -> Callable:
    """``torch.compile(fn, fullgraph=True)`` on its own code object; eager on failure.

    Shapes are automatic-dynamic (``dynamic=None``: the first compile is static, a call with another
    shape recompiles once with dynamic sizes).  ``dynamic=True`` would also make the unit's parameters,
    which the kernel holds as constants, symbolic: ``clamp_min(x, 0) ** p`` with a symbolic int p
    compiles to a generic pow, 2.8x eager (repu), against 0.5x with p a constant."""
    return _SafeCompiled(with_own_code(fn, label), label)


class _SafeCompiled:
    """torch.compile of one kernel; on a compile error warn once and run this kernel eagerly."""

    def __init__(self, fn: Callable, label: str):
        self.fn = fn
        self.label = label
        self.compiled = torch.compile(fn, dynamic=None, fullgraph=True, options=dict(KERNEL_OPTIONS))
        self.broken = False

    def __call__(self, *args):
        if self.broken:
            return self.fn(*args)
        try:
            return self.compiled(*args)
        except Exception as err:  # compiler missing or unsupported op: stay correct, go eager
            self.broken = True
            warnings.warn(f"nonlin: torch.compile failed for {self.label} ({type(err).__name__}: "
                          f"{str(err).splitlines()[0] if str(err) else ''}); this unit runs eagerly",
                          RuntimeWarning, stacklevel=3)
            return self.fn(*args)


_LIMIT_POINTS = (1e100, 1e150, 1e200, 1e250, 1e300, _F64_MAX / 8, _F64_MAX / 4, _F64_MAX / 2, _F64_MAX)


def _limit_of(vals: list[float], bounded: bool) -> float:
    """The limit suggested by f at the increasing points :data:`_LIMIT_POINTS` (values in that order).

    Candidate: the value at the largest two points when they agree (to 1e-14), or 0 when both are
    below 1e-290 in size (a decay such as 1/x); it is the limit if f approaches it at every
    step (so a clamped phase, constant near the maximum, is not taken for convergence).  A
    magnitude that grows at every step with one sign gives ±inf (never for a unit declared
    bounded).  Anything else (oscillation, NaN) gives NaN: there is no limit.
    """
    far = vals[-1]
    if any(math.isnan(v) for v in vals):
        return math.nan
    cand = None
    tol = 1e-14 * abs(far)  # a few rounding errors of the formula
    if abs(vals[-1] - vals[-2]) <= tol:
        cand = far
    elif all(abs(v) < 1e-290 for v in vals[-2:]):
        cand = math.copysign(0.0, far)
    if cand is not None and math.isinf(cand):
        return cand
    if cand is not None:
        gaps = [abs(v - cand) for v in vals]
        return cand if all(b <= a + tol for a, b in zip(gaps, gaps[1:])) else math.nan
    growing = all(abs(b) > abs(a) and a * b > 0 for a, b in zip(vals, vals[1:]))
    if not bounded and (math.isinf(far) or growing):
        return math.copysign(math.inf, far)
    return math.nan


def _op_name(target: Any) -> str:
    """``aten.erfc.default`` -> ``"erfc"``."""
    name = getattr(target, "__name__", str(target))
    return name.split(".")[0]


def _put_limits(x: Tensor, y: Tensor, limits: tuple[float, float]) -> Tensor:
    """y with the limits of f at −inf and +inf where x is ±inf (one fused pass when compiled)."""
    lo, hi = limits
    return torch.where(x == math.inf, hi, torch.where(x == -math.inf, lo, y))


def _cast_back(y: Tensor, like: Tensor) -> Tensor:
    return y.to(like.dtype) if y.dtype != like.dtype else y


def _write_into(x: Tensor, y: Tensor) -> Tensor:
    x.copy_(y)
    return x


def _builtin_name(b: Callable | None) -> str | None:
    if b is None:
        return None
    mod = getattr(b, "__module__", None) or "torch"
    name = getattr(b, "__name__", repr(b))
    if mod.startswith("torch.nn.functional") or mod == "torch.nn.functional":
        return f"torch.nn.functional.{name}"
    return f"{mod}.{name}" if not mod.startswith("nonlin") else name


def _with_builder(spec: Spec, builder: type) -> Spec:
    import dataclasses
    return dataclasses.replace(spec, builder=builder)


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[_\s]+", name) if p)


class ElementwiseModule(nn.Module):
    """Base of the generated modules: holds fixed parameters, calls the functional."""

    unit: ElementwiseUnit

    def __init__(self, inplace: bool = False, dtype: torch.dtype | None = None,
                 device: Any = None, **params: Any):
        super().__init__()
        self.inplace = inplace
        self.params = dict(self.unit.defaults)
        self.params.update(self.unit.spec.check_params(params))
        self.unit.warm_up(self.params)

    def forward(self, x: Tensor) -> Tensor:
        return self.unit.apply(x, self.inplace, self.params)

    def extra_repr(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.params.items()]
        if self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


def _make_module_class(unit: ElementwiseUnit) -> type:
    cls_name = _camel(unit.name)
    cls = type(cls_name, (ElementwiseModule,), {
        "unit": unit,
        "__doc__": unit.__doc__,
        "__module__": unit.__module__,
        "__qualname__": cls_name,
    })
    # make the class importable (and picklable) from its family module
    mod = sys.modules.get(unit.__module__)
    if mod is not None and not hasattr(mod, cls_name):
        setattr(mod, cls_name, cls)
    return cls


def activation(
    name: str,
    *,
    family: str,
    formula: str,
    reference: Reference,
    properties: Mapping[str, Any],
    params: Mapping[str, dict] | None = None,
    aliases: tuple[str, ...] = (),
    builtin: Callable | None = None,
    builtin_inplace: bool | None = None,
    kind: str = "activation",
    constraints: Callable[[dict], None] | None = None,
    prefer: str | None = None,
    naive: Callable | None = None,
    eager: Callable | None = None,
    eager_grad: Callable | None = None,
) -> Callable[[Callable], ElementwiseUnit]:
    """Register a fixed elementwise unit from its reference formula (see module doc).

    ``builtin`` is a torch function called as ``builtin(x, **params)`` (plus
    ``inplace=True`` when ``builtin_inplace``); it must compute the same
    function.  ``builtin_inplace`` defaults to whether the builtin takes an
    ``inplace`` argument.  ``constraints`` checks parameters together at construction
    (see :meth:`nonlin.registry.Spec.check_params`, :func:`nonlin.registry.ordered`).
    ``prefer`` (``"compiled"`` or ``"eager"``) overrides the automatic choice of
    :meth:`ElementwiseUnit.path`; leave it ``None`` unless a measurement says so.
    ``naive`` (same signature as the formula) is the plain formula a user would
    write with torch builtins, given only where the registered formula differs to
    stay finite/accurate (``F.gelu`` overflows near the float maximum, say); it is
    the speed floor ``nonlin perf`` holds the unit to.  ``eager`` (same signature) is a faster
    no-autograd form of ``naive`` for the large-tensor eager candidate, typically the same builtins
    applied in place to their own temporaries (one memory pass less per op); it must compute the
    same values as ``naive``.  ``eager_grad(x, grad, **params)`` is likewise a no-autograd form of
    ``grad * f'(x)`` for the large-tensor eager backward candidate; it must equal the analytic
    derivative's product.
    """

    def deco(fn: Callable) -> ElementwiseUnit:
        props = {"elementwise": True, **properties}
        b_inplace = builtin_inplace
        if b_inplace is None and builtin is not None:
            try:
                b_inplace = "inplace" in inspect.signature(builtin).parameters
            except (TypeError, ValueError):
                b_inplace = False
        return ElementwiseUnit(
            fn,
            dict(name=name, kind=kind, family=family, formula=formula, reference=reference,
                 properties=props, params=params, aliases=tuple(aliases), constraints=constraints),
            builtin, bool(b_inplace), prefer, naive, eager, eager_grad,
        )

    return deco
