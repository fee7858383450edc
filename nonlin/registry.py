"""The one registry of nonlin units.

A *unit* is anything that plays the role of a nonlinearity: a fixed elementwise
function, a learnable elementwise module, a gated layer, a KAN layer or a
stateful neuron.  Every unit is described by a :class:`Spec` and built by
:func:`create`; everything else in nonlin (CLI, benchmark, probes) reaches
units through this module and never imports a unit's file directly.

Units register themselves with :func:`register` (modules) or with
:func:`nonlin.elementwise.activation` (elementwise functions, which builds the
functional, the module and the Spec from one definition).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import inspect
import math
import re
from typing import Any, Callable, Iterable, Mapping

KINDS = ("activation", "learnable", "gated", "kan", "neuron")

# Properties a Spec may declare.  Values are bool, a string (``smooth``) or a
# number (bounds, period).  Unknown keys are rejected so typos do not pass.
PROPERTY_KEYS = {
    "monotonic": "non-decreasing on the whole real line",
    "smooth": "differentiability class: 'C0', 'C1', 'C2' or 'Cinf'",
    "bounded_below": "False, or the infimum (a number)",
    "bounded_above": "False, or the supremum (a number)",
    "zero_at_zero": "f(0) == 0",
    "self_gated": "of the form x * g(x) with a gate g in [0, 1]-like range",
    "piecewise_linear": "made of linear pieces",
    "periodic": "False, or the period (a number)",
    "odd": "f(-x) == -f(x)",
    "even": "f(-x) == f(x)",
    "surrogate_gradient": "backward uses a rule other than the true derivative",
    "stochastic": "training-time behaviour is random (evaluation form given)",
    "elementwise": "acts on each element independently",
    "stateful": "carries a state over time",
}

# Modules that register units, imported on first use of the registry.  A new
# unit file only needs to be listed in its package's __init__.
UNIT_PACKAGES = (
    "nonlin.activations",
    "nonlin.learnable",
    "nonlin.gated",
    "nonlin.kan",
    "nonlin.neurons",
)


class UnknownUnitError(KeyError):
    """A unit name that is not registered; the message lists close names."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want prose
        return str(self.args[0])


class ParameterError(ValueError):
    """A unit parameter outside its allowed range or of the wrong type."""


class _Required:
    """Default of a constructor argument that has none (layer sizes): shown as ``required``."""

    def __repr__(self) -> str:
        return "required"


REQUIRED = _Required()
MAX_NAME_ECHO = 60  # characters of an unknown name quoted back in an error


@dataclasses.dataclass(frozen=True)
class Reference:
    """The paper a unit comes from."""

    title: str
    arxiv: str | None = None
    year: int | None = None
    authors: str | None = None
    venue: str | None = None

    def __str__(self) -> str:
        parts = [f'"{self.title}"']
        if self.authors:
            parts.append(self.authors)
        if self.venue:
            parts.append(self.venue)
        if self.year and not (self.venue and re.search(r"\b(19|20)\d\d\b", self.venue)):  # one year only
            parts.append(str(self.year))
        if self.arxiv:
            parts.append(f"arXiv {self.arxiv}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def ref(title: str, arxiv: str | None = None, year: int | None = None, **kw: Any) -> Reference:
    """Short constructor for :class:`Reference`."""
    return Reference(title, arxiv, year, **kw)


@dataclasses.dataclass(frozen=True)
class Param:
    """A unit parameter: default value, allowed range and meaning.

    ``low``/``high`` bound a number (``open_low``/``open_high`` exclude the
    bound); ``choices`` restricts to a finite set.  ``check`` raises a
    :class:`ParameterError` that names the unit, the parameter and the range.
    Numbers must be finite unless ``allow_inf`` declares that ±inf is meaningful
    (a threshold that disables a branch, say).  ``required`` marks a constructor
    argument without a default (a layer size), listed so that ``nonlin show`` shows it.
    """

    name: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    choices: tuple | None = None
    doc: str = ""
    kind: str = "float"  # float | int | bool | str | tuple | any
    allow_inf: bool = False
    required: bool = False

    def range_text(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.low is None and self.high is None:
            return {"bool": "True or False", "int": "any integer"}.get(self.kind, "any value")
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if (self.open_low or self.low is None) else "["
        right = ")" if (self.open_high or self.high is None) else "]"
        return f"{left}{lo}, {hi}{right}"

    def check(self, value: Any, unit: str = "") -> Any:
        where = f" of '{unit}'" if unit else ""
        if self.choices is not None:
            if value not in self.choices:
                raise ParameterError(
                    f"parameter '{self.name}'{where} must be {self.range_text()}; got {value!r}"
                )
            return value
        if self.kind in ("float", "int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(
                    f"parameter '{self.name}'{where} must be a number in {self.range_text()}; "
                    f"got {type(value).__name__} {value!r}"
                )
            # NaN/inf first: int(nan) would raise ValueError/OverflowError without the parameter's name
            if isinstance(value, float) and math.isnan(value):
                raise ParameterError(f"parameter '{self.name}'{where} must not be NaN; allowed: {self.range_text()}")
            if isinstance(value, float) and math.isinf(value) and (self.kind == "int" or not self.allow_inf):
                raise ParameterError(f"parameter '{self.name}'{where} must be finite; got {value!r}, "
                                     f"allowed: {self.range_text()}")
            if self.kind == "int" and int(value) != value:
                raise ParameterError(
                    f"parameter '{self.name}'{where} must be an integer in {self.range_text()}; got {value!r}"
                )
            bad_low = self.low is not None and (value < self.low or (self.open_low and value == self.low))
            bad_high = self.high is not None and (value > self.high or (self.open_high and value == self.high))
            if bad_low or bad_high:
                raise ParameterError(
                    f"parameter '{self.name}'{where} must be in {self.range_text()}; got {value!r}"
                )
        if self.kind == "bool" and not isinstance(value, bool):
            raise ParameterError(f"parameter '{self.name}'{where} must be True or False; got {value!r}")
        if self.kind == "str" and not isinstance(value, str):
            raise ParameterError(f"parameter '{self.name}'{where} must be a string; got {type(value).__name__} {value!r}")
        if self.kind == "tuple" and not isinstance(value, (tuple, list)):
            raise ParameterError(f"parameter '{self.name}'{where} must be a tuple; got {type(value).__name__} {value!r}")
        return value

    def to_dict(self) -> dict:
        d = {"name": self.name, "default": _jsonable(self.default), "kind": self.kind,
             "range": self.range_text(), "doc": self.doc}
        if self.low is not None:
            d["low"] = self.low
        if self.high is not None:
            d["high"] = self.high
        if self.choices is not None:
            d["choices"] = [_jsonable(c) for c in self.choices]
        if self.allow_inf:
            d["allow_inf"] = True
        if self.required:
            d["required"] = True
            d["default"] = None
        return d


def P(low: float | None = None, high: float | None = None, *, open_low: bool = False,
      open_high: bool = False, choices: Iterable | None = None, doc: str = "",
      kind: str | None = None, allow_inf: bool = False) -> dict:
    """Range declaration used in ``params={...}``; the name and default come from the signature.

    ``allow_inf=True`` lets ±inf through (otherwise every number must be finite)."""
    return dict(low=low, high=high, open_low=open_low, open_high=open_high,
                choices=None if choices is None else tuple(choices), doc=doc, kind=kind, allow_inf=allow_inf)


def _fmt(v: float) -> str:
    return repr(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v)


@dataclasses.dataclass(frozen=True)
class Spec:
    """Everything nonlin knows about a unit, built from its one definition."""

    name: str
    kind: str
    family: str
    formula: str
    reference: Reference
    properties: Mapping[str, Any]
    params: tuple[Param, ...]
    aliases: tuple[str, ...] = ()
    summary: str = ""
    builder: Callable[..., Any] | None = dataclasses.field(default=None, repr=False, compare=False)
    fn: Callable[..., Any] | None = dataclasses.field(default=None, repr=False, compare=False)
    builtin: str | None = None  # name of the torch builtin the unit dispatches to, if any
    # Cross-parameter constraints: called with every parameter's value (defaults filled in)
    # at construction; raises ParameterError naming the parameters (see check_params).
    constraints: Callable[[dict], None] | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def learnable(self) -> bool:
        return self.kind != "activation"

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(
            f"'{self.name}' has no parameter '{name}'; its parameters are: "
            + (", ".join(p.name for p in self.params) or "none")
        )

    def check_params(self, kwargs: Mapping[str, Any], allow_extra: Iterable[str] = ()) -> dict:
        """Validate keyword arguments against the declared parameters, then the Spec's constraints.

        Each value is checked against its own range; then ``constraints`` (if the unit
        declares it) sees all parameters, defaults filled in, so that relations such as
        lower <= upper fail here, at construction, not at the first forward.
        """
        known = {p.name: p for p in self.params}
        extra = set(allow_extra)
        out = {}
        for k, v in kwargs.items():
            if k in known:
                out[k] = known[k].check(v, self.name)
            elif k in extra:
                out[k] = v
            else:
                close = close_names(k, list(known) + list(extra), n=3)
                hint = f" Did you mean: {', '.join(close)}?" if close else ""
                allowed = ", ".join(sorted(list(known) + list(extra))) or "none"
                raise ParameterError(
                    f"'{self.name}' got an unexpected parameter '{_clip_text(k)}'.{hint} Allowed: {allowed}"
                )
        if self.constraints is not None:
            full = {p.name: p.default for p in self.params if not p.required}
            full.update({k: v for k, v in out.items() if k in known})
            try:
                self.constraints(full)
            except ParameterError as err:
                if f"'{self.name}'" in str(err):
                    raise
                raise ParameterError(f"'{self.name}': {err}") from None
        return out

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "kind": self.kind,
            "family": self.family,
            "summary": self.summary,
            "formula": self.formula,
            "reference": self.reference.to_dict(),
            "properties": {k: _jsonable(v) for k, v in self.properties.items()},
            "params": [p.to_dict() for p in self.params],
            "builtin": self.builtin,
        }


# name -> Spec, alias -> name
_SPECS: dict[str, Spec] = {}
_ALIASES: dict[str, str] = {}
_LOADED = False


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _load_units() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for mod in UNIT_PACKAGES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as err:
            # A unit package not written yet is fine; a broken import inside
            # one is not, and must surface.
            if err.name != mod:
                raise


def add_spec(spec: Spec) -> Spec:
    """Insert a Spec; names and aliases must be unique across all units."""
    if spec.kind not in KINDS:
        raise ValueError(f"unit '{spec.name}': kind must be one of {', '.join(KINDS)}; got {spec.kind!r}")
    bad = set(spec.properties) - set(PROPERTY_KEYS)
    if bad:
        raise ValueError(f"unit '{spec.name}': unknown properties {sorted(bad)}; allowed: {sorted(PROPERTY_KEYS)}")
    for n in (spec.name, *spec.aliases):
        key = _normalise(n)
        if key in _SPECS or key in _ALIASES:
            owner = _ALIASES.get(key, key)
            raise ValueError(f"unit name '{n}' is already registered (by '{owner}')")
    _SPECS[_normalise(spec.name)] = spec
    for a in spec.aliases:
        _ALIASES[_normalise(a)] = _normalise(spec.name)
    return spec


def params_from_signature(fn: Callable, ranges: Mapping[str, dict] | None, skip: int) -> tuple[Param, ...]:
    """Build Params from a function's keyword defaults plus declared ranges.

    ``skip`` leading positional parameters (the input tensor, layer sizes
    without defaults) are not unit parameters.
    """
    ranges = dict(ranges or {})
    out = []
    sig = inspect.signature(fn)
    for i, (pname, p) in enumerate(sig.parameters.items()):
        if i < skip or pname in ("self", "inplace", "dtype", "device") or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        r = dict(ranges.pop(pname, {}))
        default = None if p.default is inspect.Parameter.empty else p.default
        kind = r.pop("kind", None) or _infer_kind(default)
        out.append(Param(pname, default, kind=kind, **r))
    if ranges:
        raise ValueError(f"{fn.__qualname__}: ranges given for unknown parameters {sorted(ranges)}")
    return tuple(out)


def _required_params(fn: Callable, skip: int, positional: int, ranges: Mapping[str, dict] | None) -> tuple[Param, ...]:
    """The ``positional`` required constructor arguments (layer sizes), as required Params."""
    if not positional:
        return ()
    names = [n for n in inspect.signature(fn).parameters if n != "self"][:positional]
    out = []
    for n in names:
        r = dict((ranges or {}).get(n, {}))
        ann = inspect.signature(fn).parameters[n].annotation
        kind = r.pop("kind", None) or ("int" if ann in (int, "int") else "any")
        if kind == "int" and "low" not in r:
            r["low"] = 1  # a layer size
        out.append(Param(n, REQUIRED, required=True, kind=kind, **r))
    return tuple(out)


def _infer_kind(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, tuple):
        return "tuple"
    return "any"


def _summary(doc: str | None) -> str:
    return (inspect.cleandoc(doc).split("\n\n")[0].replace("\n", " ").strip()) if doc else ""


def register(
    name: str,
    *,
    kind: str,
    family: str,
    formula: str,
    reference: Reference,
    properties: Mapping[str, Any] | None = None,
    params: Mapping[str, dict] | None = None,
    aliases: Iterable[str] = (),
    positional: int = 0,
    constraints: Callable[[dict], None] | None = None,
) -> Callable:
    """Class decorator registering an ``nn.Module`` (or a factory) as a unit.

    The Spec's parameters come from the constructor signature (after
    ``positional`` required arguments such as layer sizes) with the ranges in
    ``params``; the summary comes from the docstring.  The docstring gets the
    formula and reference appended so ``help()`` shows them.  The ``positional``
    arguments appear in the Spec as ``required`` parameters (so ``nonlin show`` lists
    them) and get the same range/type checks when given by keyword.

    ``constraints`` is a function of all parameter values (defaults filled in) that
    raises :class:`ParameterError` for combinations that are invalid together
    (``lower > upper``); it runs at construction.  Example::

        def _order(p):
            if p["lower"] > p["upper"]:
                raise ParameterError(f"'rrelu': lower ({p['lower']}) must be <= upper ({p['upper']})")
    """

    def deco(obj: Callable) -> Callable:
        init = obj.__init__ if inspect.isclass(obj) else obj
        skip = positional + (1 if inspect.isclass(obj) else 0)
        required = _required_params(init, skip, positional, params)
        spec = Spec(
            name=name, kind=kind, family=family, formula=formula, reference=reference,
            properties=dict(properties or {}),
            params=required + params_from_signature(init, {k: v for k, v in (params or {}).items()
                                                           if k not in {p.name for p in required}}, skip),
            aliases=tuple(aliases), summary=_summary(obj.__doc__), builder=obj, constraints=constraints,
        )
        add_spec(spec)
        obj.__doc__ = (obj.__doc__ or "") + doc_footer(spec)
        obj.spec = spec
        return obj

    return deco


def doc_footer(spec: Spec) -> str:
    lines = ["", "", f"    Formula: ``{spec.formula}``", f"    Reference: {spec.reference}"]
    if spec.params:
        lines.append("    Parameters (default, allowed range):")
        lines += [f"        {p.name} = {p.default!r}, {p.range_text()}. {p.doc}".rstrip() for p in spec.params]
    lines.append(f"    Registered in nonlin as '{spec.name}' (kind {spec.kind}, family {spec.family}).")
    return "\n".join(lines) + "\n"


def resolve(name: str) -> str:
    """The canonical name of a unit or alias; raises :class:`UnknownUnitError` with close matches."""
    if not isinstance(name, str):
        raise TypeError(f"a unit name must be a string; got {type(name).__name__} {name!r}")
    _load_units()
    key = _normalise(name)
    if key in _SPECS:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    pool = list(_SPECS) + list(_ALIASES)
    matches = close_names(key, pool)
    matches += [n for n in pool if key and len(key) >= 3 and key in n]
    close: list[str] = []
    for m in matches:  # report canonical names, each once
        canon = _ALIASES.get(m, m)
        if canon not in close:
            close.append(canon)
    close = close[:5]
    hint = ("Closest names: " + ", ".join(close)) if close else "Run `nonlin list` to see all units."
    raise UnknownUnitError(f"unknown unit '{_clip_text(name)}'. {hint}")


def ordered(low: str, high: str, *, strict: bool = True, why: str = "") -> Callable[[dict], None]:
    """A Spec ``constraints`` check that parameter ``low`` is below ``high`` (``<`` or ``<=``)."""

    def check(p: dict) -> None:
        lo, hi = p[low], p[high]
        if (lo >= hi) if strict else (lo > hi):
            rel = "<" if strict else "<="
            raise ParameterError(f"parameters '{low}' and '{high}' must satisfy {low} {rel} {high}"
                                 f"{' (' + why + ')' if why else ''}; got {low}={lo!r}, {high}={hi!r}")

    return check


def _clip_text(text: str, limit: int = MAX_NAME_ECHO) -> str:
    """A user-given name shortened for an error message (a 5,000-character name is not echoed in full)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def osa_distance(a: str, b: str) -> int:
    """Optimal-string-alignment edit distance: insertions, deletions, substitutions and
    transpositions of adjacent characters each cost 1 (so 'ehlu' is 1 from 'helu')."""
    if abs(len(a) - len(b)) > 3:
        return 99
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def close_names(key: str, pool: Iterable[str], n: int = 8) -> list[str]:
    """Names close to ``key``: within a small OSA distance (typos, swapped letters) first, then difflib's."""
    pool = list(pool)
    if len(key) > 4 * max((len(p) for p in pool), default=1):
        return []
    budget = 1 if len(key) <= 4 else 2
    scored = sorted((d, p) for p in pool if (d := osa_distance(key, p)) <= budget)
    out = [p for _, p in scored]
    out += [m for m in difflib.get_close_matches(key, pool, n=n, cutoff=0.6) if m not in out]
    return out[:n]


def spec(name: str) -> Spec:
    """The :class:`Spec` of a unit (by name or alias)."""
    return _SPECS[resolve(name)]


def all_specs() -> list[Spec]:
    _load_units()
    return [_SPECS[k] for k in sorted(_SPECS)]


def names(family: str | None = None, kind: str | None = None, learnable: bool | None = None) -> list[str]:
    """Sorted unit names, optionally filtered by family, kind and learnability."""
    _load_units()
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if family is not None:
        fams = families()
        if family not in fams:
            close = difflib.get_close_matches(family, fams, n=3)
            raise ValueError(f"unknown family {family!r}; "
                             + (f"did you mean {', '.join(close)}? " if close else "")
                             + f"families: {', '.join(fams)}")
    out = []
    for s in all_specs():
        if family is not None and s.family != family:
            continue
        if kind is not None and s.kind != kind:
            continue
        if learnable is not None and s.learnable != learnable:
            continue
        out.append(s.name)
    return out


def families(kind: str | None = None) -> list[str]:
    return sorted({s.family for s in all_specs() if kind is None or s.kind == kind})


def get_fn(name: str, **params: Any) -> Callable:
    """The elementwise functional of a unit with its parameters bound.

    Only fixed elementwise units (kind ``activation``) have a functional form;
    for the others use :func:`create`.
    """
    s = spec(name)
    if s.fn is None:
        raise TypeError(f"'{s.name}' is a {s.kind} unit with no functional form; use nonlin.create('{s.name}', ...)")
    bound = s.check_params(params)
    if hasattr(s.fn, "warm_up"):
        s.fn.warm_up({**s.fn.defaults, **bound})  # its ±inf limits, outside any later trace

    def fn(x, inplace: bool = False):
        return s.fn(x, inplace=inplace, **bound)

    fn.__name__ = s.name
    fn.__doc__ = s.fn.__doc__
    fn.spec = s
    return fn


def create(name: str, *args: Any, **kwargs: Any):
    """Build the ``nn.Module`` of any unit.

    Parameters are checked against the Spec (clear error for unknown names or
    out-of-range values); ``inplace``, ``dtype`` and ``device`` are accepted
    where they make sense.
    """
    s = spec(name)
    if s.builder is None:
        raise TypeError(f"'{s.name}' cannot be instantiated")
    positional_names: tuple[str, ...] = ()
    if inspect.isclass(s.builder):  # required layer sizes may be given by keyword too
        positional_names = tuple(
            n for n, p in inspect.signature(s.builder.__init__).parameters.items()
            if n != "self" and p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    required = [p for p in s.params if p.required]
    for p, v in zip(required, args):  # layer sizes given positionally get the same checks
        p.check(v, s.name)
    given = {p.name for p in required[:len(args)]}
    dup = given & set(kwargs)
    if dup:
        raise TypeError(f"'{s.name}' got {', '.join(sorted(dup))} both by position and by keyword")
    params = s.check_params(kwargs, allow_extra=("inplace", "dtype", "device", *positional_names))
    move = {}
    if inspect.isclass(s.builder):
        sig = inspect.signature(s.builder.__init__)
        takes_any = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
        for extra in ("inplace", "dtype", "device"):
            if extra in params and extra not in sig.parameters and not takes_any:
                val = params.pop(extra)
                if extra == "inplace" and val:
                    raise ParameterError(f"'{s.name}' does not support inplace=True")
                if extra != "inplace" and val is not None:
                    move[extra] = val  # applied with .to() after construction
    module = s.builder(*args, **params)
    return module.to(**move) if move else module
