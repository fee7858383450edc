"""What a run costs: peak memory, bytes saved for backward, parameters, FLOPs.

Used by the run itself (:func:`nonlin.bench.runner.execute`) inside whichever
worker executes it.  Wall and CPU time are read by the run directly.
"""

from __future__ import annotations

from typing import Any


def _models():
    """The reference models module (written separately; imported lazily)."""
    from . import models
    return models


def count_parameters(model) -> int:
    try:
        return int(_models().count_parameters(model))
    except ImportError:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)


def estimate_flops(model, input_shape: tuple) -> int | None:
    try:
        return int(_models().estimate_flops(model, input_shape))
    except Exception:  # an estimate is optional; never fail a run over it
        return None


class PeakRSS:
    """Peak resident-set growth of this process during a block, in bytes.

    On Linux, writing 5 to /proc/self/clear_refs resets the high-water mark
    (VmHWM) to the current RSS, so each run in a reused worker is measured on
    its own.  Elsewhere, the growth of getrusage's ru_maxrss is used, which
    only sees a run that goes above every earlier peak of the process.
    Counts everything the process touches (weights, activations, optimizer
    state, allocator caches), not only tensors.
    """

    def __enter__(self) -> "PeakRSS":
        self.linux = False
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            self.start = self._status("VmRSS")
            self.linux = self.start is not None
        except OSError:
            pass
        if not self.linux:
            import resource
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = None
        return self

    @staticmethod
    def _status(field: str) -> int | None:
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def read(self) -> int:
        if self.linux:
            now = self._status("VmHWM") or 0
        else:
            import resource
            now = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return max(0, now - self.start)

    def __exit__(self, *exc: Any) -> None:
        self.peak = self.read()


class SavedBytes:
    """Bytes of the tensors autograd saves for backward inside the block (each storage once,
    parameters excluded): the activation memory of one training batch.  Deterministic and
    independent of the allocator, unlike the resident set."""

    def __init__(self, model):
        self.params = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self.seen: dict[int, int] = {}
        self.total = 0

    def _pack(self, t):
        try:
            st = t.untyped_storage()
            ptr = st.data_ptr()
            if ptr not in self.params and ptr not in self.seen:
                self.seen[ptr] = st.nbytes()
        except (RuntimeError, NotImplementedError):  # tensors without a plain storage
            pass
        return t

    def __enter__(self) -> "SavedBytes":
        import torch
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._hooks.__exit__(*exc)
        self.total = sum(self.seen.values())


_WARMED_UP = False


def warm_up() -> None:
    """One tiny training step per process, so that one-time costs (lazy kernel and
    allocator initialisation) are not charged to whichever run comes first."""
    global _WARMED_UP
    if _WARMED_UP:
        return
    import torch
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(32, 8, generator=g)
    for loss_fn, y in ((torch.nn.functional.cross_entropy, torch.randint(0, 4, (32,), generator=g)),
                       (torch.nn.functional.mse_loss, torch.randn(32, 4, generator=g))):
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x[torch.randperm(32, generator=g)]), y).backward()
        opt.step()
    with torch.no_grad():
        torch.isfinite(model(x)).all()
    _WARMED_UP = True

