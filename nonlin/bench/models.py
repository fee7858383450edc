"""Reference models for the benchmark, each taking a unit *by name*.

``build_model(arch, unit, task, width=64, depth=2, unit_params=None)`` builds
one of the architectures below around any registered unit.  Units are reached
only through ``nonlin.create`` / ``nonlin.spec``; how a unit enters a model
depends on its *contract*:

=============  ==============================================================
contract       where the unit goes
=============  ==============================================================
elementwise    activation units, and learnable units built with no size
               arguments: every nonlinearity slot holds a fresh
               ``nonlin.create(unit, **unit_params)`` (per-layer parameters)
block          gated units taking (in_features, hidden_features, out_features):
               MLP blocks and transformer FFNs become ``nonlin.create(unit, i, h, o)``
layer          gated or learnable units taking (in_features, out_features)
               (quadratic neurons, NAU/NMU, SIREN or Padé layers): each
               Linear + activation of the MLP becomes ``nonlin.create(unit, i, o)``
kan            KAN layers (in_features, out_features): every Linear of the MLP
neuron         the recurrent core of ``sequence``: ``nonlin.create(unit,
               input_size, output_size)``, forward (B, T, C) -> ((B, T, out), state)
=============  ==============================================================

The contract comes from the unit's kind and its constructor's required
arguments (:func:`unit_contract`); non-elementwise units are also built once
at tiny sizes and run (:func:`compatible`), so one that breaks its contract
is reported as incompatible instead of failing inside a run.

Architectures (``width`` = hidden size / channels / d_model, ``depth`` =
number of nonlinear layers):

* ``mlp``: flatten -> depth x (Linear -> unit) -> Linear.  Blocks: depth
  blocks G(in, w, w) ... G(w, w, out).  Layers: depth unit layers
  [in, w, ..., w] then Linear(w, out).  KAN: depth + 1 KAN layers
  [in, w, ..., w, out] (the KAN paper's [2, 5, 1] is depth 1, width 5).
  Token inputs are one-hot encoded and flattened.
* ``cnn1d``: the MNIST-1D paper's CNN: depth x (Conv1d stride 2, padding 1,
  kernel 5 then 3 -> unit) -> flatten -> Linear.  Strided convolutions, no
  pooling, as in that paper.  Inputs (L,) are one channel; (T, C) sequences
  are C channels over T positions.
* ``cnn2d``: depth x (Conv2d 3x3 padding 1 -> unit -> AvgPool2d(2)) -> flatten
  -> Linear.  Average (not max) pooling, so the unit is the only
  nonlinearity being compared.
* ``transformer``: pre-norm encoder, d_model = width, 2 heads, depth blocks,
  FFN Linear(w, 2w) -> unit -> Linear(2w, w) (or a gated unit G(w, 2w, w)),
  learned positional embeddings; mean-pool over non-pad steps then Linear,
  or a per-step Linear for sequence outputs.
* ``sequence``: depth recurrent layers -> Linear readout of the last step
  (or of every step for sequence outputs).  Elementwise units run an
  "activation RNN" h_t = f(W x_t + U h_{t-1} + b), step by step, with U
  orthogonal at init: the unit is the only nonlinearity and the only gate
  (no hidden gating that would mask differences between units).  Neuron
  units are the layers themselves.
* ``gru``, ``lstm``: torch's GRU/LSTM with depth layers, the classic
  baselines; the unit is ignored (pass ``None``).
* ``gru_paper``: the MNIST-1D paper's GRU (Greydanus & Kobak, "Scaling Down
  Deep Learning with MNIST-1D", arXiv 2011.14439; ``GRUBase`` of the mnist1d
  repository's notebooks/models.py): a bidirectional GRU of ``width`` hidden
  units per direction (the paper: 6) and ``depth`` layers (the paper: 1)
  reads the input one value per step (a (40,) vector is 40 steps of one
  channel; (T, C) sequences are C channels per step), h_0 = 0, and the
  outputs of every step and both directions, flattened (T * 2 * width), go
  into one Linear classifier.  torch's GRU cell and init, as in the paper.
  Unit-free like the paper (its gates use their own sigmoid and tanh): the
  unit is ignored (pass ``None``; a name given is only a label).  Published
  with Adam lr 1e-2, batch 100, 6000 steps (mnist1d's ``full`` defaults):
  91 % test accuracy, 5,134 parameters at width 6, depth 1.
* ``gpt2``, ``llama``: HuggingFace transformers causal decoders built from
  small configs (random init, nothing downloaded): ``n_embd``/``hidden_size``
  = width, depth layers, 2 heads, context = the task's sequence length,
  dropout 0; per-step next-token logits, for causal token tasks (``char_lm``).
  The unit goes in through :mod:`nonlin.surgery`, as a user would put it in a
  real model.  ``gpt2`` keeps its MLP (hidden 4w): an elementwise unit
  replaces its GELU in place (``nonlin.swap``); a gated unit, a KAN or a
  non-elementwise unit (``polynorm``) replaces the whole MLP block at equal
  parameter count (``swap_blocks(match_params=True)``).  ``llama`` starts
  from its SwiGLU MLP (hidden 8w/3, LLaMA's ratio) and every unit replaces
  that block at equal parameter count: ``swiglu`` gives LLaMA itself, an
  activation gives the plain MLP W2 f(W1 x) (hidden 4w), as in the PolyCom
  paper's comparison of PolyReLU/PolyNorm with SwiGLU.  Needs transformers.

Token inputs (tasks with ``vocab_size``) are embedded (width) for
transformer / sequence / gru / lstm; a task's ``pad_token`` is masked in
attention and pooling.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import torch
from torch import Tensor, nn

import nonlin

ARCHS = ("mlp", "cnn1d", "cnn2d", "transformer", "sequence", "gru", "lstm", "gru_paper", "gpt2", "llama")
ELEMENTWISE_KINDS = ("activation", "learnable")
# How a unit enters a model ("contract"), decided from its kind and the
# required positional arguments of its constructor:
#   elementwise  activation / learnable unit built with no sizes: create(unit)
#   block        gated unit taking (in_features, hidden_features, out_features): a feed-forward block
#   layer        gated or learnable unit taking (in_features, out_features): a whole layer
#                (quadratic neurons, NAU/NMU, SIREN or Padé layers ...) replacing Linear + activation
#   kan          KAN layer taking (in_features, out_features)
#   neuron       neuron unit taking (input_size, output_size): (B, T, C) -> ((B, T, out), state)
CONTRACTS = ("elementwise", "block", "layer", "kan", "neuron")
# Which contracts each architecture can hold (None: the unit is ignored).
ARCH_CONTRACTS: dict[str, tuple[str, ...] | None] = {
    "mlp": ("elementwise", "block", "layer", "kan"),
    "cnn1d": ("elementwise",),
    "cnn2d": ("elementwise",),
    "transformer": ("elementwise", "block"),
    "sequence": ("elementwise", "neuron"),
    "gru": None,
    "lstm": None,
    "gru_paper": None,
    "gpt2": ("elementwise", "block", "layer", "kan"),
    "llama": ("elementwise", "block", "layer", "kan"),
}
SEQUENCE_ARCHS = ("transformer", "sequence", "gru", "lstm", "gpt2", "llama")  # may emit per-step outputs
# transformers decoders: causal language models over token tasks with per-step outputs
LM_ARCHS = ("gpt2", "llama")
# architectures whose step t only sees steps <= t (needed when the targets are the next inputs)
CAUSAL_ARCHS = ("sequence", "gru", "lstm", "gpt2", "llama")
TRANSFORMER_HEADS = 2
FFN_MULT = 2


class IncompatibleError(ValueError):
    """An (architecture, unit, task) combination that cannot be built."""


# ---------------------------------------------------------------------------
# compatibility
# ---------------------------------------------------------------------------

def _task_of(task: Any):
    if isinstance(task, str):
        from .tasks import get_task

        return get_task(task)
    return task


def _positional_args(builder: Any) -> tuple[list[str], list[str]]:
    """(all positional parameter names, the required ones) of a unit's constructor."""
    init = builder.__init__ if inspect.isclass(builder) else builder
    params = list(inspect.signature(init).parameters.values())
    if inspect.isclass(builder):
        params = params[1:]  # self
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [p.name for p in positional], [p.name for p in positional if p.default is p.empty]


def unit_contract(unit: str) -> str:
    """How ``unit`` enters a reference model (one of :data:`CONTRACTS`); raises IncompatibleError if none fits."""
    s = nonlin.spec(unit)
    if s.kind == "activation":
        return "elementwise"
    names, req = _positional_args(s.builder)
    if s.kind == "learnable" and not req:
        return "elementwise"
    if s.kind == "gated" and len(names) >= 3 and names[1].startswith("hidden"):
        return "block"  # (in_features, hidden_features, out_features), out_features may have a default
    if s.kind in ("gated", "learnable") and len(req) == 2 and not req[0].endswith("channels"):
        return "layer"
    if s.kind == "kan" and len(req) == 2:
        return "kan"
    if s.kind == "neuron" and 1 <= len(req) <= 2:
        return "neuron"
    raise IncompatibleError(
        f"unit '{s.name}' ({s.kind}) is built as {s.builder.__name__}({', '.join(req)}); the reference models "
        "take elementwise units (no size arguments), gated blocks (in_features, hidden_features, out_features), "
        "layers (in_features, out_features) and neurons (input_size, output_size)")


_PROBED: dict[tuple, str | None] = {}


def _probe(unit: str, contract: str, unit_params: dict | None) -> None:
    """Build the unit at tiny sizes and run it once, so units that break the contract fail here, clearly."""
    key = (unit, repr(sorted((unit_params or {}).items())))
    if key not in _PROBED:
        why = None
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                params = dict(unit_params or {})
                if contract == "block":
                    y = nonlin.create(unit, 3, 4, 5, **params)(torch.zeros(2, 3))
                    want = (2, 5)
                elif contract == "neuron":
                    y = nonlin.create(unit, 3, 5, **params)(torch.zeros(2, 4, 3))
                    y = y[0] if isinstance(y, tuple) else y
                    want = (2, 4, 5)
                else:
                    y = nonlin.create(unit, 3, 5, **params)(torch.zeros(2, 3))
                    want = (2, 5)
            if tuple(y.shape) != want:
                why = f"output shape {tuple(y.shape)} where the {contract} contract expects {want}"
        except Exception as err:  # the unit's own message says what it needs
            why = f"{type(err).__name__}: {err}"
        _PROBED[key] = why
    if _PROBED[key] is not None:
        raise IncompatibleError(f"unit '{unit}' does not fit the reference models as a {contract} "
                                f"unit: {_PROBED[key]}")


def _unit_contract(arch: str, unit: str | None, unit_params: dict | None = None) -> str | None:
    if ARCH_CONTRACTS[arch] is None:
        if unit is not None:
            nonlin.spec(unit)  # still reject misspelled names (with close matches)
        return None
    if unit is None:
        raise IncompatibleError(f"architecture '{arch}' needs a unit name; "
                                "only gru, lstm and gru_paper take unit=None")
    contract = unit_contract(unit)
    if contract != "elementwise" and contract in ARCH_CONTRACTS[arch]:
        _probe(nonlin.resolve(unit), contract, unit_params)
    return contract


def _cnn1d_length(length: int, depth: int) -> int:
    for i in range(depth):
        length = (length + 2 - (5 if i == 0 else 3)) // 2 + 1
    return length


def compatible(arch: str, unit: str | None, task: Any = None, depth: int = 2,
               unit_params: dict | None = None) -> None:
    """Raise :class:`IncompatibleError` (a ValueError) if ``arch`` cannot hold ``unit`` or fit ``task``.

    Returns None when the combination can be built.  Units that are not
    elementwise are built once at tiny sizes (with ``unit_params``) and run, so
    a unit that does not follow its kind's contract is reported here.
    Unknown unit names raise nonlin's UnknownUnitError (with close matches).
    """
    if arch not in ARCHS:
        raise IncompatibleError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHS)}")
    contract = _unit_contract(arch, unit, unit_params)
    allowed = ARCH_CONTRACTS[arch]
    if allowed is not None and contract not in allowed:
        kind = nonlin.spec(unit).kind
        fits = [a for a, cs in ARCH_CONTRACTS.items() if cs is not None and contract in cs]
        raise IncompatibleError(
            f"unit '{unit}' is a {kind} unit used as a {contract} and cannot be used in a '{arch}' model "
            f"('{arch}' takes {', '.join(allowed)} units); it fits: {', '.join(fits)}")
    if task is None:
        return
    task = _task_of(task)
    shape = tuple(task.input_shape)
    tokens = getattr(task, "vocab_size", None) is not None
    if task.output_kind == "sequence_classification" and arch not in SEQUENCE_ARCHS:
        raise IncompatibleError(
            f"task '{task.name}' needs per-step outputs; use one of {', '.join(SEQUENCE_ARCHS)}, not '{arch}'")
    if arch == "cnn1d" and (tokens or len(shape) not in (1, 2)):
        raise IncompatibleError(
            f"'cnn1d' needs real-valued inputs of shape (L,) or sequences (T, C); task '{task.name}' has "
            f"{'token ' if tokens else ''}inputs of shape {shape}")
    if arch == "cnn1d" and _cnn1d_length(shape[0], depth) < 1:
        raise IncompatibleError(f"'cnn1d' of depth {depth} needs longer inputs than task '{task.name}' "
                                f"has (length {shape[0]}); use mlp or a smaller depth")
    if arch == "cnn2d" and (tokens or len(shape) != 3):
        raise IncompatibleError(
            f"'cnn2d' needs image inputs of shape (C, H, W); task '{task.name}' has inputs of shape {shape}")
    if getattr(task, "causal", False) and arch not in CAUSAL_ARCHS:
        raise IncompatibleError(
            f"task '{task.name}' predicts each next input, so the model must be causal; '{arch}' sees later "
            f"steps. Use one of {', '.join(CAUSAL_ARCHS)}")
    if arch in LM_ARCHS and not (tokens and len(shape) == 1 and task.output_kind == "sequence_classification"):
        raise IncompatibleError(
            f"'{arch}' is a causal language model: it needs token inputs (T,) and per-step outputs (e.g. char_lm); "
            f"task '{task.name}' has {'token ' if tokens else ''}inputs of shape {shape} and "
            f"{task.output_kind} outputs")
    if arch in LM_ARCHS:
        _check_transformers(arch)
    if arch == "gru_paper" and (tokens or len(shape) not in (1, 2)):
        raise IncompatibleError(
            f"'gru_paper' reads real-valued inputs of shape (L,) (one value per step) or sequences (T, C); "
            f"task '{task.name}' has {'token ' if tokens else ''}inputs of shape {shape}")
    if arch in SEQUENCE_ARCHS and not ((tokens and len(shape) == 1) or (not tokens and len(shape) == 2)):
        raise IncompatibleError(
            f"'{arch}' needs sequences of shape (T, C) or token ids (T,); task '{task.name}' has inputs of "
            f"shape {shape} (use its sequence variant, e.g. mnist1d_seq, digits_seq, or an mlp/cnn)")


def is_compatible(arch: str, unit: str | None, task: Any = None, depth: int = 2,
                  unit_params: dict | None = None) -> bool:
    try:
        compatible(arch, unit, task, depth, unit_params)
    except IncompatibleError:
        return False
    return True


# ---------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------

class _Slots:
    """Creates the unit's modules for each slot of a model."""

    def __init__(self, unit: str | None, unit_params: dict | None):
        if unit_params is not None and not isinstance(unit_params, dict):
            raise TypeError(f"unit_params must be a dict of the unit's parameters; got {type(unit_params).__name__}")
        self.unit = unit
        self.params = dict(unit_params or {})
        self.kind = None if unit is None else nonlin.spec(unit).kind
        self.contract = None if unit is None else unit_contract(unit)

    def act(self) -> nn.Module:
        return nonlin.create(self.unit, **self.params)

    def gated(self, n_in: int, hidden: int, n_out: int) -> nn.Module:
        return nonlin.create(self.unit, n_in, hidden, n_out, **self.params)

    def layer(self, n_in: int, n_out: int) -> nn.Module:
        return nonlin.create(self.unit, n_in, n_out, **self.params)

    kan = layer

    def neuron(self, n_in: int, n_out: int) -> nn.Module:
        return nonlin.create(self.unit, n_in, n_out, **self.params)


class OneHotFlatten(nn.Module):
    """Token ids (N, T) stored as floats -> flattened one-hot (N, T * vocab)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.vocab_size = vocab_size

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.one_hot(x.long(), self.vocab_size).flatten(1).float()


class TokenEmbedding(nn.Module):
    """Token ids (N, T) stored as floats -> (N, T, width)."""

    def __init__(self, vocab_size: int, width: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, width)

    def forward(self, x: Tensor) -> Tensor:
        return self.embed(x.long())


class _Model(nn.Module):
    """Common attributes of the reference models."""

    arch = ""

    def _meta(self, unit: str | None, task, width: int, depth: int) -> None:
        self.unit_name = unit
        self.task_name = task.name
        self.width, self.depth = width, depth
        self.per_step = task.output_kind == "sequence_classification"


class MLP(_Model):
    arch = "mlp"

    def __init__(self, slots: _Slots, task, width: int, depth: int):
        super().__init__()
        self._meta(slots.unit, task, width, depth)
        vocab = getattr(task, "vocab_size", None)
        if vocab is not None:
            layers: list[nn.Module] = [OneHotFlatten(vocab)]
            n_in = math.prod(task.input_shape) * vocab
        else:
            layers = [nn.Flatten()]
            n_in = math.prod(task.input_shape)
        n_out = task.num_outputs
        dims = [n_in] + [width] * depth + [n_out]
        if slots.contract == "block":
            # depth blocks G(n_in, w, w), G(w, w, w), ..., G(w, w, n_out): one gated nonlinearity each
            ins = [n_in] + [width] * (depth - 1)
            outs = [width] * (depth - 1) + [n_out]
            layers += [slots.gated(i, width, o) for i, o in zip(ins, outs)]
        elif slots.contract == "kan":
            layers += [slots.kan(i, o) for i, o in zip(dims[:-1], dims[1:])]
        elif slots.contract == "layer":  # depth unit layers, then a linear read-out
            layers += [slots.layer(i, o) for i, o in zip(dims[:-2], dims[1:-1])]
            layers.append(nn.Linear(dims[-2], dims[-1]))
        else:
            for i, o in zip(dims[:-2], dims[1:-1]):
                layers += [nn.Linear(i, o), slots.act()]
            layers.append(nn.Linear(dims[-2], dims[-1]))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class CNN1d(_Model):
    arch = "cnn1d"

    def __init__(self, slots: _Slots, task, width: int, depth: int):
        super().__init__()
        self._meta(slots.unit, task, width, depth)
        shape = tuple(task.input_shape)
        # (L,) -> one channel; (T, C) sequences -> C channels over T steps
        length, channels = (shape[0], 1) if len(shape) == 1 else shape
        self.add_channel = len(shape) == 1
        layers: list[nn.Module] = []
        for i in range(depth):
            k = 5 if i == 0 else 3
            layers += [nn.Conv1d(channels, width, k, stride=2, padding=1), slots.act()]
            channels, length = width, (length + 2 - k) // 2 + 1
        layers += [nn.Flatten(), nn.Linear(width * length, task.num_outputs)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.unsqueeze(1) if self.add_channel else x.transpose(1, 2))


class CNN2d(_Model):
    arch = "cnn2d"

    def __init__(self, slots: _Slots, task, width: int, depth: int):
        super().__init__()
        self._meta(slots.unit, task, width, depth)
        channels, h, w = task.input_shape
        layers: list[nn.Module] = []
        for _ in range(depth):
            layers += [nn.Conv2d(channels, width, 3, padding=1), slots.act()]
            if h >= 2 and w >= 2:  # pool while the map is at least 2 x 2
                layers.append(nn.AvgPool2d(2))
                h, w = h // 2, w // 2
            channels = width
        layers += [nn.Flatten(), nn.Linear(width * h * w, task.num_outputs)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class EncoderBlock(nn.Module):
    """Pre-norm transformer block: x + MHA(LN x), then x + FFN(LN x)."""

    def __init__(self, width: int, ffn: nn.Module):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, TRANSFORMER_HEADS, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        self.ffn = ffn

    def forward(self, x: Tensor, pad_mask: Tensor | None = None) -> Tensor:
        h = self.norm1(x)
        a, _ = self.attn(h, h, h, key_padding_mask=pad_mask, need_weights=False)
        x = x + a
        return x + self.ffn(self.norm2(x))


class Transformer(_Model):
    arch = "transformer"

    def __init__(self, slots: _Slots, task, width: int, depth: int):
        super().__init__()
        self._meta(slots.unit, task, width, depth)
        if width % TRANSFORMER_HEADS:
            raise ValueError(f"transformer width must be a multiple of {TRANSFORMER_HEADS} (heads); got {width}")
        vocab = getattr(task, "vocab_size", None)
        self.pad_token = getattr(task, "pad_token", None) if vocab is not None else None
        steps = task.input_shape[0]
        self.embed = TokenEmbedding(vocab, width) if vocab is not None else nn.Linear(task.input_shape[1], width)
        self.position = nn.Parameter(torch.randn(steps, width) * 0.02)
        hidden = FFN_MULT * width
        blocks = []
        for _ in range(depth):
            if slots.contract == "block":
                ffn = slots.gated(width, hidden, width)
            else:
                ffn = nn.Sequential(nn.Linear(width, hidden), slots.act(), nn.Linear(hidden, width))
            blocks.append(EncoderBlock(width, ffn))
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, task.num_outputs)

    def forward(self, x: Tensor) -> Tensor:
        pad = (x == self.pad_token) if self.pad_token is not None else None
        if pad is not None and bool(pad.all(1).any()):
            pad = pad & ~pad.all(1, keepdim=True)  # an all-pad row would make attention NaN
        h = self.embed(x) + self.position
        for block in self.blocks:
            h = block(h, pad)
        h = self.norm(h)
        if self.per_step:
            return self.head(h)
        if pad is None:
            return self.head(h.mean(1))
        keep = (~pad).unsqueeze(-1).to(h.dtype)
        return self.head((h * keep).sum(1) / keep.sum(1).clamp_min(1.0))


class ActivationRNN(nn.Module):
    """h_t = f(W x_t + U h_{t-1} + b), h_0 = 0; U orthogonal at init, W and b PyTorch's Linear init."""

    def __init__(self, input_size: int, hidden_size: int, act: nn.Module):
        super().__init__()
        self.input = nn.Linear(input_size, hidden_size)
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False)
        nn.init.orthogonal_(self.recurrent.weight)
        self.act = act

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        z = self.input(x)                       # all input projections at once
        h = z.new_zeros(z.shape[0], z.shape[2])
        outs = []
        for t in range(z.shape[1]):
            h = self.act(z[:, t] + self.recurrent(h))
            outs.append(h)
        return torch.stack(outs, 1), h


class SequenceModel(_Model):
    arch = "sequence"

    def __init__(self, slots: _Slots, task, width: int, depth: int):
        super().__init__()
        self._meta(slots.unit, task, width, depth)
        vocab = getattr(task, "vocab_size", None)
        self.embed = TokenEmbedding(vocab, width) if vocab is not None else nn.Identity()
        n_in = width if vocab is not None else task.input_shape[1]
        layers = []
        for i in range(depth):
            size_in = n_in if i == 0 else width
            if slots.contract == "neuron":
                layers.append(slots.neuron(size_in, width))
            else:
                layers.append(ActivationRNN(size_in, width, slots.act()))
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(width, task.num_outputs)

    def forward(self, x: Tensor) -> Tensor:
        h = self.embed(x)
        for layer in self.layers:
            out = layer(h)  # neuron units return (y, state); a bare tensor is accepted too
            h = out[0] if isinstance(out, tuple) else out
        return self.head(h if self.per_step else h[:, -1])


class TorchRNN(_Model):
    """torch GRU / LSTM baseline (the unit is ignored)."""

    def __init__(self, arch: str, task, width: int, depth: int, unit: str | None):
        super().__init__()
        self.arch = arch
        self._meta(unit, task, width, depth)
        vocab = getattr(task, "vocab_size", None)
        self.embed = TokenEmbedding(vocab, width) if vocab is not None else nn.Identity()
        n_in = width if vocab is not None else task.input_shape[1]
        cls = nn.GRU if arch == "gru" else nn.LSTM
        self.rnn = cls(n_in, width, num_layers=depth, batch_first=True)
        self.head = nn.Linear(width, task.num_outputs)

    def forward(self, x: Tensor) -> Tensor:
        h, _ = self.rnn(self.embed(x))
        return self.head(h if self.per_step else h[:, -1])


class PaperGRU(_Model):
    """The MNIST-1D paper's GRU: bidirectional GRU over every step, all outputs flattened -> Linear.

    Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D" (ICML 2024,
    arXiv 2011.14439), ``GRUBase`` in the mnist1d repository: hidden size 6 per
    direction, one layer, one input value per step, h_0 = 0, a Linear of
    2 * 6 * 40 -> 10 on the flattened outputs.  Here hidden size = ``width``
    and layers = ``depth``.  Parameters: per direction and layer
    3 (h * n_in + h * h + 2 h) (torch's GRU: r, z, n gates with input and
    recurrent biases), plus (T * 2 h + 1) * outputs for the classifier; 5,134
    at the paper's sizes.  Init is torch's (U(-1/sqrt(h), 1/sqrt(h)) for the
    GRU, the Linear default for the head), the paper's too.  The unit is ignored.
    """

    arch = "gru_paper"

    def __init__(self, task, width: int, depth: int, unit: str | None):
        super().__init__()
        self._meta(unit, task, width, depth)
        shape = tuple(task.input_shape)
        steps, channels = (shape[0], 1) if len(shape) == 1 else shape
        self.rnn = nn.GRU(channels, width, num_layers=depth, batch_first=True, bidirectional=True)
        self.head = nn.Linear(steps * 2 * width, task.num_outputs)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(-1)  # (N, L) -> L steps of one value
        h, _ = self.rnn(x)       # (N, T, 2 * width), h_0 = 0
        return self.head(h.flatten(1))


def _check_transformers(arch: str) -> None:
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise IncompatibleError(f"'{arch}' is built with HuggingFace transformers, which is not installed "
                                "(pip install transformers)") from None


class CausalLM(_Model):
    """A transformers causal decoder (GPT-2 or LLaMA) from a small config, its MLPs holding the unit.

    Token ids (N, T) stored as floats -> next-token logits (N, T, vocab).
    """

    def __init__(self, arch: str, slots: _Slots, task, width: int, depth: int):
        super().__init__()
        _check_transformers(arch)
        import transformers
        from ..surgery import swap
        from ..surgery.blocks import swap_blocks

        self.arch = arch
        self._meta(slots.unit, task, width, depth)
        if width % TRANSFORMER_HEADS:
            raise ValueError(f"{arch} width must be a multiple of {TRANSFORMER_HEADS} (heads); got {width}")
        vocab, steps = task.vocab_size, task.input_shape[0]
        if arch == "gpt2":
            cfg = transformers.GPT2Config(vocab_size=vocab, n_positions=steps, n_embd=width, n_layer=depth,
                                          n_head=TRANSFORMER_HEADS, resid_pdrop=0.0, embd_pdrop=0.0,
                                          attn_pdrop=0.0, use_cache=False, bos_token_id=0, eos_token_id=0)
            hf = transformers.GPT2LMHeadModel(cfg)
        else:
            cfg = transformers.LlamaConfig(vocab_size=vocab, max_position_embeddings=steps, hidden_size=width,
                                           intermediate_size=max(1, round(8 * width / 3)), num_hidden_layers=depth,
                                           num_attention_heads=TRANSFORMER_HEADS,
                                           num_key_value_heads=TRANSFORMER_HEADS, use_cache=False)
            hf = transformers.LlamaForCausalLM(cfg)
        from ..surgery.identify import is_elementwise
        if arch == "gpt2" and slots.contract == "elementwise" and is_elementwise(slots.unit):
            self.surgery = swap(hf, None, slots.unit, report=True, **slots.params)
        else:
            self.surgery = swap_blocks(hf, slots.unit, match_params=True, report=True, **slots.params)
        self.surgery.model = None  # the report need not hold a second reference to the model
        self.lm = TokenLM(hf, width, depth)

    def forward(self, x: Tensor) -> Tensor:
        return self.lm(x)


class TokenLM(nn.Module):
    """A transformers causal LM as a plain module: float token ids (N, T) -> logits (N, T, vocab)."""

    def __init__(self, model: nn.Module, width: int, depth: int):
        super().__init__()
        self.model = model
        self.width, self.depth = width, depth

    def forward(self, x: Tensor) -> Tensor:
        return self.model(input_ids=x.long(), use_cache=False).logits

    def macs(self, inputs: tuple, output: Any) -> int:
        """Multiply-accumulates of one forward: every weight matrix (any unit's too) once per token,
        plus the attention products (2 T w per token and layer); embedding look-ups are free."""
        n, t = inputs[0].shape[:2]
        emb = {id(p) for m in self.model.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}
        mats = sum(p.numel() for p in self.model.parameters() if p.dim() >= 2 and id(p) not in emb)
        head = self.model.get_output_embeddings().weight
        if id(head) in emb:  # tied to the input embedding (GPT-2): still one matmul per token
            mats += head.numel()
        return int(n * t * (mats + 2 * t * self.width * self.depth))


_BUILDERS = {"mlp": MLP, "cnn1d": CNN1d, "cnn2d": CNN2d, "transformer": Transformer, "sequence": SequenceModel}


def _check_size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return value


def build_model(arch: str, unit: str | None, task: Any, *, width: int = 64, depth: int = 2,
                unit_params: dict | None = None) -> nn.Module:
    """A reference model of architecture ``arch`` around unit ``unit`` for ``task``.

    ``task`` is a Task instance or a task name.  ``unit_params`` are passed to
    every ``nonlin.create`` call.  Raises :class:`IncompatibleError` for
    impossible combinations (see :func:`compatible`).  Initialisation draws
    from torch's global RNG: seed it (``torch.manual_seed``) before building.
    """
    task = _task_of(task)
    _check_size("width", width)
    _check_size("depth", depth)
    if unit_params is not None and not isinstance(unit_params, dict):
        raise TypeError(f"unit_params must be a dict of the unit's parameters; got {type(unit_params).__name__}")
    compatible(arch, unit, task, depth, unit_params)
    if arch in ("gru", "lstm"):
        return TorchRNN(arch, task, width, depth, unit)
    if arch == "gru_paper":
        return PaperGRU(task, width, depth, unit)
    if arch in LM_ARCHS:
        return CausalLM(arch, _Slots(unit, unit_params), task, width, depth)
    return _BUILDERS[arch](_Slots(unit, unit_params), task, width, depth)


# ---------------------------------------------------------------------------
# size and cost
# ---------------------------------------------------------------------------

def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameter elements."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def estimate_flops(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass on one sample of ``input_shape``.

    Counted through forward hooks: nn.Linear, nn.Conv1d/2d, nn.MultiheadAttention
    (projections and the two attention products), nn.GRU / nn.LSTM (gate
    matmuls per step), and any module with a ``macs(inputs, output) -> int``
    method (its children are then not counted again; KAN or neuron units can
    declare their own cost this way).  Elementwise work (the units
    themselves, norms, biases, pooling) is ignored, so this measures the
    matmul cost the architecture adds around a unit, not the unit's own cost.
    Inputs are zeros (token id 0 for token tasks).
    """
    total = [0]
    custom = [m for m in model.modules() if callable(getattr(m, "macs", None)) and m is not model]
    skip = {id(c) for m in custom for c in m.modules() if c is not m}

    def hook(module: nn.Module, inputs: tuple, output: Any) -> None:
        if id(module) in skip:
            return
        out = output[0] if isinstance(output, tuple) else output
        if callable(getattr(module, "macs", None)):
            total[0] += int(module.macs(inputs, output))
        elif isinstance(module, nn.Linear):
            total[0] += out.numel() * module.in_features
        elif isinstance(module, (nn.Conv1d, nn.Conv2d)):
            total[0] += out.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
        elif isinstance(module, nn.MultiheadAttention):
            q = inputs[0]
            b, t, e = (q.shape if module.batch_first else (q.shape[1], q.shape[0], q.shape[2]))
            total[0] += b * (4 * t * e * e + 2 * t * t * e)
        elif isinstance(module, (nn.GRU, nn.LSTM)):
            x = inputs[0]
            b, t = (x.shape[0], x.shape[1]) if module.batch_first else (x.shape[1], x.shape[0])
            gates = 3 if isinstance(module, nn.GRU) else 4
            hsz = module.hidden_size
            dirs = 2 if module.bidirectional else 1  # a bidirectional layer's input is both directions' output
            per_step = sum(gates * (module.input_size if layer == 0 else dirs * hsz) * hsz + gates * hsz * hsz
                           for layer in range(module.num_layers))
            total[0] += b * t * dirs * per_step

    kinds = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.MultiheadAttention, nn.GRU, nn.LSTM)
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, kinds) or m in custom]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            p = next(model.parameters(), None)
            model(torch.zeros((1, *input_shape), dtype=torch.float32,
                              device=p.device if p is not None else None))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return total[0]


def match_width(arch: str, unit: str | None, task: Any, target_params: int, *, depth: int = 2,
                unit_params: dict | None = None, max_width: int = 4096) -> int:
    """The width whose model has the parameter count closest to ``target_params``.

    Lets units with parameters (learnable, gated, KAN, neurons) be compared at
    equal size: e.g. ``match_width("mlp", "swiglu", task, count_parameters(relu_mlp))``.
    Assumes the count grows with width (true for every reference model).  The
    global torch RNG is left untouched.
    """
    task = _task_of(task)
    if isinstance(target_params, bool) or not isinstance(target_params, int) or target_params < 1:
        raise ValueError(f"target_params must be a positive integer; got {target_params!r}")
    compatible(arch, unit, task, depth, unit_params)
    step = TRANSFORMER_HEADS if arch in ("transformer", *LM_ARCHS) else 1
    cache: dict[int, int] = {}

    def params(w: int) -> int:
        if w not in cache:
            with torch.random.fork_rng(devices=[]):
                cache[w] = count_parameters(build_model(arch, unit, task, width=w, depth=depth,
                                                        unit_params=unit_params))
        return cache[w]

    lo, hi = step, step  # find hi with params(hi) >= target by doubling
    while params(hi) < target_params and hi < max_width:
        lo, hi = hi, min(hi * 2, max_width - max_width % step)
    while hi - lo > step:  # smallest width (multiple of step) with params >= target
        mid = (lo + hi) // 2 // step * step
        if params(mid) >= target_params:
            hi = mid
        else:
            lo = mid
    candidates = {lo, hi}
    return min(sorted(candidates), key=lambda w: abs(params(w) - target_params))
