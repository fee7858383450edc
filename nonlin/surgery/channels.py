"""Per-channel learnable parameters on the right axis.

nonlin's learnable units follow ``nn.PReLU``: ``num_parameters = C`` puts one
parameter set per channel of **dim 1**.  That is the channel axis of a conv
net (N, C, H, W) but the token axis of a transformer (N, T, C).  When a swap
puts a per-channel unit where the channel axis is elsewhere, the unit is
wrapped in :class:`ChannelAxis`, which moves that axis to dim 1 and back.
"""

from __future__ import annotations

from torch import Tensor, nn

from .report import type_name

# Layers whose output features are the last dim (a transformer MLP) or dim 1 (a conv net).
_LAST_DIM = ("torch.nn.modules.linear.Linear", "torch.nn.modules.linear.LazyLinear",
             "torch.nn.modules.linear.Bilinear", "transformers.pytorch_utils.Conv1D")
_DIM_ONE = ("torch.nn.modules.conv.", "torch.nn.modules.batchnorm.", "torch.nn.modules.instancenorm.")


class ChannelAxis(nn.Module):
    """Apply ``inner`` with channel axis ``dim`` moved to dim 1 (and back).

    Inputs of fewer than 2 dims go straight to ``inner`` (its own rule: dim 0).
    The wrapper is transparent to :func:`nonlin.surgery.identify`.
    """

    def __init__(self, inner: nn.Module, dim: int):
        super().__init__()
        self.inner = inner
        self.dim = int(dim)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() < 2:
            return self.inner(x)
        d = self.dim % x.dim()
        if d == 1:
            return self.inner(x)
        return self.inner(x.movedim(d, 1)).movedim(1, d)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _axis_of(m: nn.Module) -> int | None:
    t = type_name(m)
    if t.startswith(_DIM_ONE):
        return 1
    if t in _LAST_DIM:
        return -1
    return None


def _last_axis(m: nn.Module) -> tuple[int, str] | None:
    """The axis of the last typed layer inside ``m`` (``m`` itself included)."""
    hit = None
    for sub in m.modules():
        a = _axis_of(sub)
        if a is not None:
            hit = (a, type(sub).__name__)
    return hit


def infer_channel_dim(parent: nn.Module | None, child_name: str | None, model: nn.Module) -> tuple[int, str]:
    """The channel axis of a site from its neighbours: ``(dim, why)``.

    The nearest layer registered before the site in its parent decides (a
    Linear or transformers' Conv1D: -1; a conv or batch/instance norm: 1),
    then the nearest after it, then the first such layer in the model, else 1.
    Pass ``channel_dim=`` to ``swap`` where this guess is wrong.
    """
    if parent is not None and child_name is not None:
        names = [n for n, _ in parent.named_children()]
        kids = dict(parent.named_children())
        i = names.index(child_name) if child_name in names else len(names)
        for n in reversed(names[:i]):
            hit = _last_axis(kids[n])
            if hit:
                return hit[0], f"channel dim {hit[0]} (after {hit[1]})"
        for n in names[i + 1:]:
            hit = _last_axis(kids[n])
            if hit:
                return hit[0], f"channel dim {hit[0]} (before {hit[1]})"
    if parent is not None and child_name is None:  # a functional call in parent's forward
        for sub in parent.modules():
            a = _axis_of(sub)
            if a is not None:
                return a, f"channel dim {a} (owner's {type(sub).__name__})"
    for sub in model.modules():
        a = _axis_of(sub)
        if a is not None:
            return a, f"channel dim {a} (model's first {type(sub).__name__})"
    return 1, "channel dim 1 (default)"
