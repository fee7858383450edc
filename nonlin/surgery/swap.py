"""``swap``: replace the activations inside any model, with one report.

See docs/surgery.md.  Walks the model, identifies every activation module
(:mod:`.identify`) and every activation called as a function in a
``forward`` (:mod:`.functional`), keeps the sites that match ``old`` and the
include/exclude filter, and puts a fresh ``new`` unit in each -- on the site's
device and dtype, initialised as the unit it replaces where ``new`` can be,
with per-channel parameters on the site's channel axis.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
from typing import Any, Callable, Sequence

import torch
from torch import nn

from ..registry import resolve, spec
from . import functional as _functional
from .channels import ChannelAxis, infer_channel_dim
from .identify import Identified, _table_rule, identify, identify_call, is_elementwise, is_unmapped_activation
from .report import PathPattern, SiteRecord, SwapReport, count_params, site_filter, type_name
from .torch_nn import FUNCTION_UNITS

_SWAP_EXTRA = ("inplace", "dtype", "device")


# ---------------------------------------------------------------- what `old` matches
@dataclasses.dataclass
class _Old:
    """A parsed ``old``: module test + the unit names (and parameters) a function call must compute."""

    test: Callable[[nn.Module, Identified | None], bool]
    units: dict[str, dict | None]  # for functional calls; "*" = every non-gate activation
    text: str


def _parse_old(old: Any) -> _Old:
    if old is None or (isinstance(old, str) and old in ("*", "all")):
        return _Old(lambda m, ident: ident is not None and ident.name != "identity", {"*": None},
                    "any activation")
    if isinstance(old, str):
        name = resolve(old)
        return _Old(lambda m, ident: ident is not None and ident.name == name, {name: None}, repr(old))
    if isinstance(old, type):
        if not issubclass(old, nn.Module):
            raise TypeError(f"swap: old must be a unit name, an nn.Module class or instance, a function "
                            f"such as F.relu, a predicate module -> bool, or a list of these; "
                            f"got the class {old.__name__}, which is not an nn.Module")
        units: dict[str, dict | None] = {}
        rule = _table_rule(old)  # a class of a known activation also matches its functional calls
        if rule is not None and isinstance(rule[1], str):
            units[resolve(rule[1])] = None
        return _Old(lambda m, _i: isinstance(m, old), units, old.__name__)
    if isinstance(old, nn.Module):
        target = identify(old)
        text = f"{type(old).__name__}({old.extra_repr()})"
        if target is None:
            rep = old.extra_repr()
            return _Old(lambda m, _i: type(m) is type(old) and m.extra_repr() == rep, {}, text)
        return _Old(lambda m, ident: ident is not None and ident.name == target.name
                    and ident.params == target.params, {target.name: dict(target.params)}, text)
    if isinstance(old, (list, tuple)):
        if not old:
            raise ValueError("swap: old is an empty list; give at least one unit, class, instance or predicate")
        parts = [_parse_old(o) for o in old]
        units = {}
        for p in parts:
            units.update(p.units)
        return _Old(lambda m, ident: any(p.test(m, ident) for p in parts), units,
                    "[" + ", ".join(p.text for p in parts) + "]")
    if callable(old):
        rule = _function_rule(old)
        if rule is not None:  # F.relu, torch.tanh, ...: that unit, as module or call
            name, params = rule
            return _Old(lambda m, ident: ident is not None and ident.name == name, {name: None},
                        getattr(old, "__name__", repr(old)))

        def test(m: nn.Module, _ident: Any) -> bool:
            r = old(m)
            if not isinstance(r, bool):
                raise TypeError(f"swap: the predicate old={getattr(old, '__name__', old)!r} must return "
                                f"True or False for a module; got {type(r).__name__} for {type(m).__name__}")
            return r

        return _Old(test, {}, getattr(old, "__name__", "predicate"))
    raise TypeError(f"swap: old must be a unit name, an nn.Module class or instance, a function such as "
                    f"F.relu, a predicate module -> bool, or a list of these; got {type(old).__name__} {old!r}")


def _function_rule(f: Any) -> tuple[str, dict] | None:
    try:
        rule = FUNCTION_UNITS.get(f)
    except TypeError:
        return None
    return None if rule is None else rule((None,), {})


# ---------------------------------------------------------------- what `new` builds
def _parse_new(new: Any, params: dict) -> tuple[str, Callable[[dict], nn.Module], str | None]:
    """(display name, builder(params) -> module, registered unit name or None)."""
    if isinstance(new, str):
        name = resolve(new)
        s = spec(name)
        if not is_elementwise(name):
            raise ValueError(
                f"swap: '{name}' is a {s.kind} unit that is not elementwise, so it cannot stand where an "
                f"activation stands (it would change shapes or mix elements). Use an activation or an "
                f"elementwise learnable unit (nonlin.names(kind='learnable')), or replace whole blocks "
                f"with nonlin.surgery.blocks.")
        checked = {k: v for k, v in params.items() if not (k == "num_parameters" and v == "channels")}
        s.check_params(checked, allow_extra=_SWAP_EXTRA)
        if params.get("num_parameters") == "channels" and "num_parameters" not in {p.name for p in s.params}:
            raise ValueError(f"swap: num_parameters='channels' needs a unit with per-channel parameters; "
                             f"'{name}' has none")
        from ..registry import create
        return name, lambda kw: create(name, **kw), name
    if params:
        raise TypeError(f"swap: unit parameters {sorted(params)} can only be given with a unit name as new")
    if isinstance(new, nn.Module):
        ident = identify(new)
        return type(new).__name__, lambda kw: copy.deepcopy(new), ident.name if ident else None
    if isinstance(new, type) and issubclass(new, nn.Module) or callable(new):
        label = getattr(new, "__name__", repr(new))

        def build(kw: dict) -> nn.Module:
            m = new()
            if not isinstance(m, nn.Module):
                raise TypeError(f"swap: new={label} must build an nn.Module; it returned {type(m).__name__}")
            return m
        return label, build, None
    raise TypeError(f"swap: new must be a unit name, an nn.Module, an nn.Module class or a factory; "
                    f"got {type(new).__name__} {new!r}")


def init_for(new_name: str, old: Identified | None, given: dict) -> tuple[dict, str]:
    """Parameters that make a learnable ``new_name`` start as the unit it replaces: (params, note).

    * ``init`` naming a unit (PAU fits its rational to it): the old unit's name;
    * ``init`` with choices (APA/AGLU: 'silu'): the old name if it is a choice;
    * PReLU's ``init`` (a negative slope): 0 for ReLU, the slope for leaky_relu.
    Nothing is set that the caller gave.  Units whose default already equals a
    common activation (xsilu_learnable = silu at alpha=0) need nothing.
    """
    if old is None or "init" in given:
        return {}, ""
    s = spec(new_name)
    p = {q.name: q for q in s.params}.get("init")
    if p is None:
        return {}, ""
    if p.choices is not None:
        if old.name in p.choices:
            return {"init": old.name}, f"init={old.name!r} (the replaced unit)"
        return {}, ""
    if p.kind == "str":
        if old.params:
            return {"init": old.name}, f"init={old.name!r} fitted at its default parameters, not {old.params}"
        return {"init": old.name}, f"init={old.name!r} (the replaced unit)"
    if new_name == "prelu":
        slope = {"relu": 0.0, "leaky_relu": old.params.get("negative_slope", 0.01),
                 "prelu_init": old.params.get("negative_slope", 0.25), "prelu": old.params.get("init")}.get(old.name)
        if slope is not None:
            return {"init": float(slope)}, f"init={float(slope):g} (slope of the replaced {old.name})"
    return {}, ""


# ---------------------------------------------------------------- helpers
def _site_device_dtype(old: nn.Module | None, parent: nn.Module, model: nn.Module):
    """Device and floating dtype of the site: the old module's, else its parent's, else the model's."""
    for scope in (old, parent, model):
        if scope is None:
            continue
        for t in list(scope.parameters()) + list(scope.buffers()):
            if t.is_floating_point():
                return t.device, t.dtype
    return None, None


def _place(unit: nn.Module, device, dtype) -> nn.Module:
    if device is None:
        return unit
    return unit.to(device=device, dtype=dtype)


def _record_input_shapes(model: nn.Module, modules: dict[int, nn.Module], owners: dict[int, nn.Module],
                         example_inputs: Any) -> dict[int, set]:
    """Input shapes seen at each site during one forward of ``example_inputs``."""
    shapes: dict[int, set] = collections.defaultdict(set)
    handles = []

    def hook_for(key):
        def hook(mod, args):
            if args and isinstance(args[0], torch.Tensor):
                shapes[key].add(tuple(args[0].shape))
        return hook

    for key, m in modules.items():
        handles.append(m.register_forward_pre_hook(hook_for(key)))
    # functional sites: the owner's input is not the activation's input, so watch the calls
    from torch.overrides import TorchFunctionMode

    class Watch(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            rule = FUNCTION_UNITS.get(func)
            if rule is not None and args and isinstance(args[0], torch.Tensor):
                name = rule(args, kwargs)[0]
                for key, owner in owners.items():
                    if key[1] == name and active and active[-1] is owner:
                        shapes[key].add(tuple(args[0].shape))
            return func(*args, **kwargs)

    active: list = []
    for key, owner in owners.items():
        handles.append(owner.register_forward_pre_hook(lambda m, a: active.append(m)))
        handles.append(owner.register_forward_hook(lambda m, a, o: active.pop(), always_call=True))
    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    was = model.training
    model.eval()
    try:
        with torch.no_grad(), Watch():
            model(*args)
    finally:
        model.train(was)
        for h in handles:
            h.remove()
    return shapes


# ---------------------------------------------------------------- the call
def swap(
    model: nn.Module,
    old: Any = None,
    new: Any = None,
    *,
    include: PathPattern = None,
    exclude: PathPattern = None,
    dry_run: bool = False,
    shared: bool = False,
    functional: bool = True,
    probe: bool = False,
    channel_dim: int | str = "auto",
    example_inputs: Any = None,
    report: bool = False,
    **params: Any,
) -> nn.Module | SwapReport:
    """Replace every activation ``old`` in ``model`` by a fresh ``new`` unit; in place.

    ``old``: a unit name or alias ("gelu" matches torch's ``nn.GELU``,
    transformers' ``GELUActivation``, timm's ``GELU`` and ``F.gelu`` calls),
    ``None``/``"*"`` for every recognised activation, an ``nn.Module`` class
    (``isinstance``), an instance (modules computing the same unit with the same
    parameters), a function such as ``F.relu``, a predicate ``module -> bool``,
    or a list of these.  ``new``: a registered elementwise unit name (with its
    ``**params``), an ``nn.Module`` (deep-copied per site), or a class/factory.

    ``include``/``exclude``: glob(s) on module paths or ``(path, module) -> bool``.
    ``shared``: one unit for every site instead of one per site.
    ``functional``: also swap activations called as functions inside forward.
    ``probe``: identify unknown parameter-free modules by evaluating them.
    ``num_parameters="channels"`` gives a per-channel learnable unit at each
    site (needs ``example_inputs``); ``channel_dim``: the channel axis
    ("auto": from the neighbouring Linear (-1) or conv (1)).

    Returns ``model`` (so ``model = nonlin.swap(model, ...)`` keeps working),
    or the :class:`SwapReport` with ``report=True`` or ``dry_run=True`` (which
    changes nothing).  Raises ``ValueError`` listing the activation types seen
    when nothing matches.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"swap: model must be an nn.Module; got {type(model).__name__}")
    if new is None:
        raise TypeError("swap: say what to put in: swap(model, old, new), e.g. swap(model, 'gelu', 'mish')")
    matcher = _parse_old(old)
    new_label, build, new_name = _parse_new(new, params)
    keep = site_filter(include, exclude)
    if not (channel_dim == "auto" or (isinstance(channel_dim, int) and not isinstance(channel_dim, bool))):
        raise TypeError(f"swap: channel_dim must be 'auto' or an int; got {channel_dim!r}")
    per_channel = params.get("num_parameters")
    if per_channel == "channels" and example_inputs is None:
        raise ValueError("swap: num_parameters='channels' reads each site's channel count from one forward "
                         "pass: give example_inputs=(x,) (or give num_parameters=C)")

    rep = SwapReport(dry_run=dry_run, shared=shared, model=model)
    # ---- module sites (every (parent, attribute) that holds a matching module)
    sites = []  # (parent, child_name, path, child, ident)
    chosen_paths: list[str] = []
    for parent_path, parent in model.named_modules(remove_duplicate=False):
        for child_name, child in list(parent._modules.items()):  # named_children() hides repeats
            if child is None:
                continue
            path = f"{parent_path}.{child_name}" if parent_path else child_name
            ident = identify(child, probe=probe)
            if ident is not None or is_unmapped_activation(child):
                rep.seen[type_name(child)] += 1
            if any(path.startswith(p + ".") for p in chosen_paths):
                continue  # inside a module already being replaced
            if matcher.test(child, ident) and keep(path, child):
                if any(p == path for p in chosen_paths):
                    continue
                sites.append((parent, child_name, path, child, ident))
                chosen_paths.append(path)

    # ---- functional sites (owner module, old unit name, call texts)
    fsites = []  # (owner_path, owner, unit name, static params, call texts)
    if functional and matcher.units:
        for owner_path, owner in model.named_modules():
            t = type(owner)
            if t.__module__.startswith(("torch.", "nonlin.")) or identify(owner) is not None:
                continue
            calls = _functional.scan(t)
            if not calls:
                continue
            existing = getattr(owner, _functional.ATTR, None)
            by_unit: dict[str, list] = {}
            for text, name, sparams in calls:
                if "*" in matcher.units:
                    if name in _functional.GATE_LIKE or name == "identity":
                        continue
                elif name not in matcher.units:
                    continue
                else:
                    want = matcher.units[name]
                    if want is not None and sparams and dict(sparams) != want:
                        continue
                if existing is not None and name in existing.units:
                    continue  # swapped before: its unit is a module site now
                by_unit.setdefault(name, [])
                if text not in by_unit[name]:
                    by_unit[name].append(text)
            for name, texts in by_unit.items():
                path = f"{owner_path}:{'|'.join(texts)}" if owner_path else f":{'|'.join(texts)}"
                if keep(path, owner):
                    fsites.append((owner_path, owner, name, texts, path))
                rep.seen[f"{' / '.join(texts)} in {t.__name__}.forward"] += 1

    if not sites and not fsites:
        seen = ", ".join(f"{k} x{v}" for k, v in sorted(rep.seen.items())) or "none"
        raise ValueError(f"swap: no module matching {matcher.text} found in {type(model).__name__} "
                         f"(after include/exclude); activation types seen: {seen}")

    # ---- per-channel: count channels at each site
    shapes: dict[int, set] = {}
    if per_channel == "channels":
        shapes = _record_input_shapes(model, {id(s[3]): s[3] for s in sites},
                                      {(id(f[1]), f[2]): f[1] for f in fsites}, example_inputs)

    def make(ident: Identified | None, key: Any, parent: nn.Module | None, child_name: str | None,
             old_module: nn.Module | None, path: str) -> tuple[nn.Module, dict, str]:
        kw = {k: v for k, v in params.items() if k != "num_parameters" or v != "channels"}
        notes = []
        if new_name is not None:
            init, note = init_for(new_name, ident, kw)
            kw.update(init)
            if note:
                notes.append(note)
        dim = None
        if per_channel is not None and per_channel != 1:
            if channel_dim == "auto":
                dim, why = infer_channel_dim(parent, child_name, model)
            else:
                dim, why = channel_dim, f"channel dim {channel_dim} (given)"
            notes.append(why)
            if per_channel == "channels":
                seen_shapes = shapes.get(key, set())
                counts = {s_[dim] for s_ in seen_shapes if len(s_) > (dim if dim >= 0 else -dim - 1)}
                if len(counts) != 1:
                    raise ValueError(f"swap: site {path} saw input shapes {sorted(seen_shapes) or 'none'} in "
                                     f"the example forward; cannot give it one per-channel unit on dim {dim}")
                kw["num_parameters"] = counts.pop()
        try:
            unit = build(kw)
        except Exception as err:
            if new_name is None or "init" not in kw or "init" in params:
                raise
            # an init chosen here (e.g. PAU fitted to a discontinuous unit) must not break the swap
            notes = [n for n in notes if not n.startswith("init=")]
            notes.append(f"init from {ident.name if ident else '?'} failed ({type(err).__name__}); default init")
            del kw["init"]
            unit = build(kw)
        if dim is not None and dim != 1:
            unit = ChannelAxis(unit, dim)
        device, dtype = _site_device_dtype(old_module, parent if parent is not None else model, model)
        return _place(unit, device, dtype), kw, "; ".join(notes)

    actions: list[Callable[[], Any]] = []  # applied only once every new unit is built
    shared_unit = None
    made: dict[int, tuple] = {}  # one new module per old module object (keeps sharing)
    for parent, child_name, path, child, ident in sites:
        if shared and shared_unit is not None:
            unit, kw, note = shared_unit
        elif id(child) in made:
            unit, kw, note = made[id(child)]
        else:
            unit, kw, note = make(ident, id(child), parent, child_name, child, path)
            made[id(child)] = (unit, kw, note)
            if shared:
                shared_unit = (unit, kw, note)
        if ident is not None and (not ident.exact or ident.source == "probe"):
            note = "; ".join(x for x in (ident.note, note) if x)
        rep.sites.append(SiteRecord(path, type_name(child), ident.name if ident else None, new_name or new_label,
                                    dict(ident.params) if ident else {}, kw, count_params(child),
                                    count_params(unit), "module", note))
        actions.append(functools.partial(setattr, parent, child_name, unit))

    for owner_path, owner, name, texts, path in fsites:
        ident = Identified(name, {}, "torch.nn.functional")
        if shared and shared_unit is not None:
            unit, kw, note = shared_unit
        else:
            unit, kw, note = make(ident, (id(owner), name), owner, None, None, path)
            if shared:
                shared_unit = (unit, kw, note)
        rep.sites.append(SiteRecord(path, " / ".join(texts), name, new_name or new_label, {}, kw, 0,
                                    count_params(unit), "functional", note))
        actions.append(functools.partial(_install_call, owner, name, unit,
                                         None if "*" in matcher.units else matcher.units.get(name), texts))

    if not dry_run:  # every unit was built without error: now change the model
        for act in actions:
            act()

    if report or dry_run:
        return rep
    return model


def _install_call(owner: nn.Module, name: str, unit: nn.Module, match: dict | None, texts: list[str]) -> None:
    fs = _functional.install(owner)
    fs.units[name] = unit
    fs.match[name] = match
    fs.calls[name] = list(texts)


def plan(model: nn.Module, old: Any = None, new: Any = None, **kwargs: Any) -> SwapReport:
    """What :func:`swap` would replace, without changing anything (``swap(..., dry_run=True)``)."""
    return swap(model, old, new, dry_run=True, **kwargs)
