r"""Block surgery: replace whole MLP blocks by a gated unit, a KAN, or an MLP around any unit.

``swap`` replaces an activation where an activation stands.  A gated unit
(SwiGLU, GEGLU, the bilinear MLP, Π-net) or a KAN layer replaces the *whole*
feed-forward block ``in -> hidden -> out``, and needs sizes only the block
knows.  :func:`swap_blocks` finds the blocks, reads their sizes, builds the new
block and puts it in place, with one :class:`SwapReport` entry per block.

Blocks recognised (rules below; each is also checked numerically before it is
replaced, so a look-alike class whose ``forward`` computes something else is
refused, never silently rewired):

==========================  ===================================================  ===========
rule                        classes                                              structure
==========================  ===================================================  ===========
``gpt2``                    transformers ``GPT2MLP`` (and every ``*MLP`` with    plain
                            ``c_fc``/``c_proj``/``act``: Conv1D, weights stored
                            (in, out), or Linear)
``bert``                    transformers ``BertIntermediate`` + its sibling      plain
                            ``BertOutput`` (RoBERTa, ELECTRA, ... copies): the
                            intermediate becomes the new block, ``output.dense``
                            becomes ``Identity`` (its dropout, LayerNorm and
                            residual are kept)
``llama``                   transformers ``LlamaMLP`` (Mistral, Qwen2, Gemma ...  gated
                            copies): ``gate_proj``, ``up_proj``, ``down_proj``,
                            ``act_fn``
``timm_mlp``                timm ``Mlp``                                         plain
``timm_glu``                timm ``GluMlp`` (``SwiGLUPacked``), timm ``SwiGLU``  gated
``torchvision_mlp``         torchvision ``ops.MLP``, ``vision_transformer``'s    plain
                            ``MLPBlock`` (two Linear layers)
==========================  ===================================================  ===========

What replaces a block depends on the new unit's contract:

* gated block ``G(in, hidden, out)`` (``swiglu``, ``geglu``, ``reglu``, ``glu``,
  ``bilinear``, ``bilinear_mlp``, ``pinet_ccp``): ``G`` itself;
* layer ``U(in, out)`` (KAN layers, quadratic neurons, NAU/NMU, SIREN ...):
  two layers ``U(in, hidden)``, ``U(hidden, out)`` (the KAN-as-FFN of the
  Kolmogorov-Arnold Transformer);
* elementwise or size-free unit (``polyrelu``, ``polynorm``, ``mish`` ...):
  :class:`MLP` ``fc2(unit(fc1 x))`` — the PolyCom paper's MLP for PolyNorm,
  which :func:`swap` refuses because it is not elementwise.

Weights are copied when the structure matches and the hidden width is kept:
a gated block (LLaMA, timm GluMlp/SwiGLU) into a GLU variant (``w_in`` =
[gate; up], ``w_out`` = down), or a plain block into an :class:`MLP`
(GPT-2's Conv1D weights transposed).  With the same activation the outputs
are identical: a LLaMA MLP becomes nonlin's ``swiglu`` computing the same
numbers.  Otherwise the new block starts from its own initialisation.
``match_params=True`` picks the hidden width whose parameter count is closest
to the replaced block's (SwiGLU for a GELU MLP: 2/3 of the width).  The
output dropout of the old block is kept (:class:`Replaced`); a dropout
*inside* the hidden layer (timm ``drop1``) has no place in a gated unit and
is dropped, with a note.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable

import torch
from torch import Tensor, nn

from ..registry import create, resolve, spec
from .identify import Identified, identify
from .report import PathPattern, SiteRecord, SwapReport, count_params, site_filter, type_name
from .swap import init_for

# new-unit contracts
GATED, LAYER, ACTIVATION = "gated block", "two layers", "mlp around the unit"
# the gate activation of nonlin's GLU variants, by registered unit (GatedFFN.ACT)
GLU_GATE = {"glu": "sigmoid", "bilinear": "identity", "reglu": "relu", "geglu": "gelu", "swiglu": "silu",
            "bilinear_mlp": "identity"}


# ---------------------------------------------------------------- replacement modules
class MLP(nn.Module):
    """``fc2(act(fc1(x)))``: the plain feed-forward block around any unit (e.g. PolyNorm, PolyReLU)."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int, act: nn.Module,
                 bias: bool = True):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features, bias=bias)
        self.act = act
        self.fc2 = nn.Linear(hidden_features, out_features, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Replaced(nn.Module):
    """A new feed-forward block followed by the replaced block's output dropout."""

    def __init__(self, block: nn.Module, dropout: nn.Module):
        super().__init__()
        self.block = block
        self.dropout = dropout

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.block(x))


# ---------------------------------------------------------------- what a found block is
@dataclasses.dataclass
class Block:
    """An MLP block found in a model, read into plain terms.

    ``gated``: act(x W_g) * (x W_u) -> W_d (``weights`` = (W_g, b_g, W_u, b_u, W_d, b_d));
    otherwise act(x W_1) -> W_2 (``weights`` = (W_1, b_1, W_2, b_2)).  Weights are
    (out, in) like ``nn.Linear``, biases None when absent.  ``act``: the activation
    module (or function).  ``dropout``: the output dropout to keep after the new
    block.  ``install(new)`` puts the new block in place; ``check()`` confirms
    numerically that the block computes what this record says.
    """

    rule: str
    path: str
    module: nn.Module
    gated: bool
    in_features: int
    hidden_features: int
    out_features: int
    act: Any
    weights: tuple
    dropout: nn.Module | None
    install: Callable[[nn.Module], None]
    check: Callable[[], float]
    old_params: int
    old_type: str
    note: str = ""

    @property
    def bias(self) -> bool:
        return any(b is not None for b in self.weights[1::2])

    def reference(self, x: Tensor) -> Tensor:
        """This record's reading of the block, from its own weights and activation."""
        F = torch.nn.functional
        if self.gated:
            wg, bg, wu, bu, wd, bd = self.weights
            return F.linear(self.act(F.linear(x, wg, bg)) * F.linear(x, wu, bu), wd, bd)
        w1, b1, w2, b2 = self.weights
        return F.linear(self.act(F.linear(x, w1, b1)), w2, b2)


def _weight_of(layer: nn.Module) -> tuple[Tensor, Tensor | None]:
    """(weight (out, in), bias) of a Linear or of transformers' Conv1D (weight stored (in, out))."""
    if isinstance(layer, nn.Linear):
        return layer.weight, layer.bias
    if type(layer).__name__ == "Conv1D" and hasattr(layer, "nf"):
        return layer.weight.t(), layer.bias
    raise TypeError(f"not a Linear layer: {type(layer).__name__}")


def _is_linear(layer: Any) -> bool:
    return isinstance(layer, nn.Linear) or (type(layer).__name__ == "Conv1D" and hasattr(layer, "nf")
                                             and getattr(layer, "weight", None) is not None
                                             and layer.weight.dim() == 2)


def _is_dropout(m: Any) -> bool:
    return isinstance(m, (nn.Dropout, nn.Identity))


def _eval_check(module: nn.Module, fn: Callable[[], float]) -> Callable[[], float]:
    """Run ``fn`` with ``module`` in eval mode (dropout off), no grad; restore the mode."""
    def run() -> float:
        was = module.training
        module.eval()
        try:
            with torch.no_grad():
                return fn()
        finally:
            module.train(was)
    return run


def _probe_input(module: nn.Module, n: int) -> Tensor:
    p = next(module.parameters())
    g = torch.Generator(device="cpu").manual_seed(0)
    return torch.randn(3, n, generator=g).to(device=p.device, dtype=p.dtype)


def _rel_err(a: Tensor, b: Tensor) -> float:
    a, b = a.double(), b.double()
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def _plain_block(rule, path, module, fc1, act, fc2, dropout, install, note="") -> Block:
    w1, b1 = _weight_of(fc1)
    w2, b2 = _weight_of(fc2)
    blk = Block(rule, path, module, False, w1.shape[1], w1.shape[0], w2.shape[0], act, (w1, b1, w2, b2),
                dropout, install, lambda: 0.0, count_params(module), type_name(module), note)
    return blk


def _self_check(blk: Block, call: Callable[[Tensor], Tensor]) -> Block:
    def fn() -> float:
        x = _probe_input(blk.module, blk.in_features)
        return _rel_err(blk.reference(x), call(x))
    blk.check = _eval_check(blk.module, fn)
    return blk


# ---------------------------------------------------------------- the rules
def _setter(parent: nn.Module, name: str) -> Callable[[nn.Module], None]:
    return lambda new: setattr(parent, name, new)


def _wrap_dropout(new: nn.Module, dropout: nn.Module | None) -> nn.Module:
    return new if dropout is None else Replaced(new, dropout)


def _rule_gpt2(path, module, parent, name) -> Block | None:
    if not (type(module).__name__.endswith("MLP") and all(hasattr(module, a) for a in ("c_fc", "c_proj", "act"))):
        return None
    if not (_is_linear(module.c_fc) and _is_linear(module.c_proj)):
        return None
    dropout = getattr(module, "dropout", None)
    dropout = dropout if isinstance(dropout, nn.Dropout) else None
    blk = _plain_block("gpt2", path, module, module.c_fc, module.act, module.c_proj, dropout, None)
    blk.install = lambda new: setattr(parent, name, _wrap_dropout(new, dropout))
    return _self_check(blk, module)


def _rule_bert(path, module, parent, name) -> Block | None:
    if not (type(module).__name__.endswith("Intermediate") and isinstance(getattr(module, "dense", None), nn.Linear)
            and hasattr(module, "intermediate_act_fn")):
        return None
    out = getattr(parent, "output", None)
    if out is None or not (type(out).__name__.endswith("Output") and isinstance(getattr(out, "dense", None), nn.Linear)
                           and hasattr(out, "LayerNorm")):
        return None
    blk = _plain_block("bert", path, module, module.dense, module.intermediate_act_fn, out.dense, None, None,
                       note="output.dense -> Identity (its dropout, LayerNorm and residual kept)")
    blk.old_params = count_params(module) + count_params(out.dense)

    def install(new: nn.Module) -> None:
        setattr(parent, name, new)
        out.dense = nn.Identity()
    blk.install = install

    def check() -> float:
        x = _probe_input(module, blk.in_features)
        res = _probe_input(module, blk.out_features).flip(0)
        h = module(x)
        want = out(h, res)
        got = out.LayerNorm(out.dropout(blk.reference(x)) + res)
        return max(_rel_err(blk.reference(x), out.dense(h)), _rel_err(got, want))
    blk.check = _eval_check(parent, check)
    return blk


def _rule_llama(path, module, parent, name) -> Block | None:
    if not (all(isinstance(getattr(module, a, None), nn.Linear) for a in ("gate_proj", "up_proj", "down_proj"))
            and hasattr(module, "act_fn")):
        return None
    g, u, d = module.gate_proj, module.up_proj, module.down_proj
    blk = Block("llama", path, module, True, g.in_features, g.out_features, d.out_features, module.act_fn,
                (g.weight, g.bias, u.weight, u.bias, d.weight, d.bias), None, _setter(parent, name),
                lambda: 0.0, count_params(module), type_name(module))
    return _self_check(blk, module)


TIMM_MLP = ("timm.layers.mlp.Mlp", "timm.models.layers.mlp.Mlp")
TIMM_GLU = ("timm.layers.mlp.GluMlp", "timm.models.layers.mlp.GluMlp")
TIMM_SWIGLU = ("timm.layers.mlp.SwiGLU", "timm.models.layers.mlp.SwiGLU")
TORCHVISION_MLP = ("torchvision.ops.misc.MLP", "torchvision.models.vision_transformer.MLPBlock")


def _timm_common(module) -> tuple[nn.Module | None, str]:
    """(output dropout, note) of a timm MLP; refuse a norm inside the hidden layer."""
    if not isinstance(getattr(module, "norm", nn.Identity()), nn.Identity):
        raise _Unsupported("it has a norm layer inside the hidden layer (norm_layer=...), which a gated unit has "
                           "no place for")
    note = ""
    p1 = getattr(getattr(module, "drop1", None), "p", 0.0)
    if p1:
        note = f"hidden dropout drop1 (p={p1:g}) dropped: a gated unit has no hidden-layer slot"
    drop2 = getattr(module, "drop2", None)
    return (drop2 if isinstance(drop2, nn.Dropout) else None), note


def _rule_timm(path, module, parent, name) -> Block | None:
    tn = type_name(module)
    if tn in TIMM_MLP:
        if not (isinstance(module.fc1, nn.Linear) and isinstance(module.fc2, nn.Linear)):
            raise _Unsupported("its fc1/fc2 are 1x1 convolutions (use_conv=True); only Linear MLPs are replaced")
        dropout, note = _timm_common(module)
        blk = _plain_block("timm_mlp", path, module, module.fc1, module.act, module.fc2, dropout, None, note)
    elif tn in TIMM_GLU:
        if not (isinstance(module.fc1, nn.Linear) and isinstance(module.fc2, nn.Linear)):
            raise _Unsupported("its fc1/fc2 are 1x1 convolutions (use_conv=True); only Linear MLPs are replaced")
        dropout, note = _timm_common(module)
        w, b = module.fc1.weight, module.fc1.bias
        h = w.shape[0] // 2
        first, second = (w[:h], None if b is None else b[:h]), (w[h:], None if b is None else b[h:])
        # gate_last: x1 * act(x2), the gate is the second half
        (wg, bg), (wu, bu) = (second, first) if getattr(module, "gate_last", True) else (first, second)
        blk = Block("timm_glu", path, module, True, w.shape[1], h, module.fc2.out_features, module.act,
                    (wg, bg, wu, bu, module.fc2.weight, module.fc2.bias), dropout, None, lambda: 0.0,
                    count_params(module), tn, note)
    elif tn in TIMM_SWIGLU:
        dropout, note = _timm_common(module)
        g, u, d = module.fc1_g, module.fc1_x, module.fc2
        blk = Block("timm_glu", path, module, True, g.in_features, g.out_features, d.out_features, module.act,
                    (g.weight, g.bias, u.weight, u.bias, d.weight, d.bias), dropout, None, lambda: 0.0,
                    count_params(module), tn, note)
    else:
        return None
    blk.install = lambda new: setattr(parent, name, _wrap_dropout(new, blk.dropout))
    return _self_check(blk, module)


def _rule_torchvision(path, module, parent, name) -> Block | None:
    if type_name(module) not in TORCHVISION_MLP:
        return None
    layers = list(module)
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    if len(linears) != 2:
        raise _Unsupported(f"it has {len(linears)} Linear layers; only the two-layer MLP (hidden_channels=[h, out]) "
                           "is one feed-forward block")
    if len(layers) != 5 or not (isinstance(layers[0], nn.Linear) and _is_dropout(layers[2])
                                and isinstance(layers[3], nn.Linear) and _is_dropout(layers[4])):
        raise _Unsupported("it is not Linear, activation, Dropout, Linear, Dropout (a norm_layer inside the hidden "
                           "layer has no place in a gated unit)")
    dropout = layers[4] if isinstance(layers[4], nn.Dropout) else None
    note = f"hidden dropout (p={layers[2].p:g}) dropped" if getattr(layers[2], "p", 0.0) else ""
    blk = _plain_block("torchvision_mlp", path, module, layers[0], layers[1], layers[3], dropout, None, note)
    blk.install = lambda new: setattr(parent, name, _wrap_dropout(new, dropout))
    return _self_check(blk, module)


class _Unsupported(ValueError):
    """A recognised block in a configuration that cannot be replaced (the message says why)."""


RULES: tuple[Callable, ...] = (_rule_llama, _rule_gpt2, _rule_bert, _rule_timm, _rule_torchvision)


def find_blocks(model: nn.Module, include: PathPattern = None, exclude: PathPattern = None) -> list[Block]:
    """Every recognised MLP block of ``model`` (outermost first, in model order), after the site filter."""
    keep = site_filter(include, exclude)
    found: list[Block] = []
    for parent_path, parent in model.named_modules():
        if any(parent_path == b.path or parent_path.startswith(b.path + ".") for b in found):
            continue  # inside a block already found
        for name, child in parent.named_children():
            path = f"{parent_path}.{name}" if parent_path else name
            if not keep(path, child):
                continue
            for rule in RULES:
                try:
                    blk = rule(path, child, parent, name)
                except _Unsupported as why:
                    raise ValueError(f"swap_blocks: the MLP block at {path!r} ({type_name(child)}) cannot be "
                                     f"replaced: {why}. Exclude it (exclude={path!r}) to replace the others.") from None
                if blk is not None:
                    found.append(blk)
                    break
    return found


# ---------------------------------------------------------------- what the new unit is
def contract(unit: str) -> str:
    """How ``unit`` replaces a block: GATED (in, hidden, out), LAYER (in, out) twice, or ACTIVATION (an MLP)."""
    s = spec(unit)
    init = s.builder.__init__ if inspect.isclass(s.builder) else s.builder
    params = [p for p in inspect.signature(init).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"]
    names = [p.name for p in params]
    required = [p.name for p in params if p.default is p.empty]
    if s.kind == "neuron":
        raise ValueError(f"swap_blocks: '{s.name}' is a neuron (a recurrence over time steps); an MLP block maps "
                         "each token on its own. Use a gated unit, a KAN layer or an activation.")
    if len(names) >= 3 and names[1].startswith("hidden"):
        return GATED
    if len(required) == 2 and not required[0].endswith("channels"):
        return LAYER
    if not required:
        return ACTIVATION
    raise ValueError(f"swap_blocks: '{s.name}' is built as {s.builder.__name__}({', '.join(required)}); a block "
                     "can be replaced by a gated unit (in, hidden, out), a layer (in, out) or a size-free unit")


def _takes(unit: str, param: str) -> bool:
    return param in {p.name for p in spec(unit).params}


def _builder(unit: str, c: str, blk: Block, params: dict) -> tuple[Callable[[int], nn.Module], dict, str]:
    """(hidden -> new block, the unit parameters used, note) for one site."""
    kw = dict(params)
    notes = []
    if c == GATED:
        if _takes(unit, "bias") and "bias" not in kw:
            kw["bias"] = blk.bias
        return (lambda h: create(unit, blk.in_features, h, blk.out_features, **kw)), kw, ""
    if c == LAYER:
        return (lambda h: nn.Sequential(create(unit, blk.in_features, h, **kw),
                                        create(unit, h, blk.out_features, **kw))), kw, ""
    old = identify(blk.act) if isinstance(blk.act, nn.Module) else None
    init, note = init_for(unit, old, kw)
    kw.update(init)
    if note:
        notes.append(note)
    return (lambda h: MLP(blk.in_features, h, blk.out_features, create(unit, **kw), bias=blk.bias)), kw, \
        "; ".join(notes)


def _solve_hidden(build: Callable[[int], nn.Module], target: int) -> int:
    """The hidden width whose block has the parameter count closest to ``target`` (count is affine in it)."""
    p1, p2 = _count(build, 1), _count(build, 2)
    slope, base = p2 - p1, 2 * p1 - p2
    if slope <= 0:
        raise ValueError("swap_blocks: match_params needs a block whose size grows with the hidden width")
    h = max(1, round((target - base) / slope))
    if _count(build, h) != base + slope * h:  # not affine after all: search around the estimate
        h = min(range(max(1, h - 8), h + 9), key=lambda k: abs(_count(build, k) - target))
    return h


def _count(build: Callable[[int], nn.Module], hidden: int) -> int:
    """Parameter count of ``build(hidden)``, built on the meta device (shapes only) where the unit allows."""
    try:
        with torch.device("meta"):
            return count_params(build(hidden))
    except Exception:  # a constructor that computes on its tensors: build it for real, once
        with torch.random.fork_rng(devices=[]):
            return count_params(build(hidden))


def _copy_weights(new: nn.Module, c: str, blk: Block) -> str:
    """Copy the old block's weights into ``new`` where the structure matches; a note saying what happened."""
    with torch.no_grad():
        w_in = getattr(new, "w_in", None)
        if c == GATED and blk.gated and w_in is not None and w_in.shape[0] == 2 * blk.hidden_features:
            wg, bg, wu, bu, wd, bd = blk.weights
            if (getattr(new, "b_in", None) is not None) != (bg is not None or bu is not None):
                return "fresh weights (bias differs from the replaced block)"
            new.w_in.copy_(torch.cat([wg, wu]))
            new.w_out.copy_(wd)
            if getattr(new, "b_in", None) is not None:
                z = lambda b, n: b if b is not None else wg.new_zeros(n)  # noqa: E731
                new.b_in.copy_(torch.cat([z(bg, wg.shape[0]), z(bu, wu.shape[0])]))
                new.b_out.copy_(z(bd, wd.shape[0]))
            return "weights copied"
        if c == ACTIVATION and not blk.gated and new.fc1.out_features == blk.hidden_features:
            w1, b1, w2, b2 = blk.weights
            new.fc1.weight.copy_(w1)
            new.fc2.weight.copy_(w2)
            for lin, b in ((new.fc1, b1), (new.fc2, b2)):
                if lin.bias is not None:
                    lin.bias.copy_(b if b is not None else torch.zeros_like(lin.bias))
            return "weights copied"
    return "fresh weights"


def _same_function(unit: str, c: str, blk: Block) -> bool:
    """Whether the new block computes the old one's function once weights are copied."""
    old = identify(blk.act) if isinstance(blk.act, nn.Module) else None
    if old is None or old.params:
        return False
    if c == GATED:
        return blk.gated and GLU_GATE.get(unit) == old.name
    return c == ACTIVATION and not blk.gated and unit == old.name


# ---------------------------------------------------------------- the call
def _place_like(new: nn.Module, blk: Block) -> nn.Module:
    p = next(blk.module.parameters())
    return new.to(device=p.device, dtype=p.dtype)


def convert(block: nn.Module, new: str, *, hidden_features: int | None = None, match_params: bool = False,
            copy_weights: bool = True, **params: Any) -> nn.Module:
    """The replacement for one MLP ``block`` (not installed anywhere): ``convert(llama_mlp, "swiglu")``.

    A BERT intermediate needs its sibling output and is converted through :func:`swap_blocks`.
    """
    holder = nn.Module()
    holder.block = block
    swap_blocks(holder, new, hidden_features=hidden_features, match_params=match_params,
                copy_weights=copy_weights, **params)
    return holder.block


def swap_blocks(model: nn.Module, new: str, *, include: PathPattern = None, exclude: PathPattern = None,
                dry_run: bool = False, match_params: bool = False, hidden_features: int | None = None,
                copy_weights: bool = True, check: bool = True, report: bool = False,
                **params: Any) -> nn.Module | SwapReport:
    """Replace every recognised MLP block of ``model`` by ``new``; in place (see the module doc).

    ``new``: a registered unit name: a gated block (``swiglu``, ``geglu``, ``bilinear_mlp`` ...),
    a layer such as a KAN (``kan_bspline``: two layers in -> hidden -> out), or a size-free unit
    (``polyrelu``, ``polynorm``, ``gelu``: an MLP around it); ``**params`` go to ``nonlin.create``.
    ``hidden_features``: the new hidden width (default: the block's own); ``match_params=True``
    instead picks the width whose parameter count is closest to the replaced block's.
    ``copy_weights``: copy the old weights where the structure and width match (exact outputs
    when the activation is the same too).  ``include``/``exclude``: globs on module paths or a
    predicate ``(path, module) -> bool``.  ``check``: verify numerically, before changing anything,
    that each block computes what its rule says (a look-alike class is refused).

    Returns ``model``, or the :class:`SwapReport` with ``report=True`` or ``dry_run=True``
    (which changes nothing).  Raises ``ValueError`` when nothing matches, listing the block
    types it knows.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"swap_blocks: model must be an nn.Module; got {type(model).__name__}")
    if not isinstance(new, str):
        raise TypeError(f"swap_blocks: new must be a registered unit name (e.g. 'swiglu', 'kan_bspline', "
                        f"'polyrelu'); got {type(new).__name__} {new!r}")
    unit = resolve(new)
    c = contract(unit)
    allowed = ("inplace", "dtype", "device") if c == ACTIVATION else ()
    spec(unit).check_params(params, allow_extra=allowed)
    if match_params and hidden_features is not None:
        raise ValueError("swap_blocks: give hidden_features or match_params=True, not both")
    if hidden_features is not None and (isinstance(hidden_features, bool) or not isinstance(hidden_features, int)
                                        or hidden_features < 1):
        raise ValueError(f"swap_blocks: hidden_features must be a positive integer; got {hidden_features!r}")

    blocks = find_blocks(model, include, exclude)
    if not blocks:
        raise ValueError(f"swap_blocks: no MLP block found in {type(model).__name__} (after include/exclude). "
                         "Known blocks: transformers GPT2MLP-style (c_fc/c_proj), BertIntermediate+BertOutput, "
                         "LlamaMLP-style (gate_proj/up_proj/down_proj); timm " + ", ".join(
                             t.rsplit(".", 1)[-1] for t in TIMM_MLP[:1] + TIMM_GLU[:1] + TIMM_SWIGLU[:1])
                         + "; torchvision MLP / MLPBlock")
    if check:
        for blk in blocks:
            err = blk.check()
            tol = 1e-2 if next(blk.module.parameters()).dtype in (torch.float16, torch.bfloat16) else 1e-4
            if not err <= tol:
                raise ValueError(f"swap_blocks: the block at {blk.path!r} ({blk.old_type}) looks like a {blk.rule} "
                                 f"MLP but its forward differs from that reading (relative error {err:.2g}); "
                                 "not replacing anything. Exclude it, or pass check=False if you know better.")

    rep = SwapReport(dry_run=dry_run, model=model)
    for blk in blocks:
        build, kw, note = _builder(unit, c, blk, params)
        hidden = blk.hidden_features
        if match_params:
            hidden = _solve_hidden(build, blk.old_params)
        elif hidden_features is not None:
            hidden = hidden_features
        old = identify(blk.act) if isinstance(blk.act, nn.Module) else None
        notes = [f"{blk.rule}: in {blk.in_features}, hidden {blk.hidden_features}"
                 + (f" -> {hidden}" if hidden != blk.hidden_features else "") + f", out {blk.out_features}"]
        new_block = None
        if not dry_run:
            new_block = _place_like(build(hidden), blk)
            if copy_weights:
                how = _copy_weights(new_block, c, blk)
                if how == "weights copied" and _same_function(unit, c, blk):
                    how += " (same function: identical outputs)"
                notes.append(how)
            after = count_params(new_block)
        else:
            after = _count(build, hidden)
        notes += [n for n in (note, blk.note) if n]
        rep.sites.append(SiteRecord(
            blk.path, blk.old_type, old.name if old is not None else None, unit,
            dict(old.params) if old is not None else {},
            {"in_features": blk.in_features, "hidden_features": hidden, "out_features": blk.out_features, **kw},
            blk.old_params, after, "block", "; ".join(notes)))
        rep.seen[blk.old_type] += 1
        if not dry_run:
            blk.install(new_block)
    if report or dry_run:
        return rep
    return model
