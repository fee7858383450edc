"""KAN([widths]): a stack of KANLinear layers with pykan's interpretability tools.

Training (:meth:`KAN.fit`: LBFGS or Adam, grid updates from samples as pykan
does during its first steps), regularisation (:meth:`KAN.regularization`:
L1 + entropy of edge magnitudes, KAN paper §2.5.1), grid refinement
(:meth:`KAN.refine`), pruning (:meth:`KAN.prune`, :meth:`KAN.prune_input`),
plotting (:meth:`KAN.plot`) and symbolic regression (:meth:`KAN.suggest_symbolic`,
:meth:`KAN.fix_symbolic`, :meth:`KAN.auto_symbolic`, :meth:`KAN.symbolic_formula`).
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterable, Sequence

import torch
from torch import Tensor, nn

from ..registry import ParameterError
from .layer import KANLinear
from .symbolic import SYMBOLIC_LIB, fit_params, round_expr, suggest_symbolic


class KAN(nn.Module):
    """A Kolmogorov-Arnold network: KANLinear layers of the given widths.

    ``KAN([2, 5, 1], basis="bspline", grid_size=5)`` builds 2 → 5 → 1; every
    keyword is passed to each :class:`KANLinear`.  Inputs that survive
    :meth:`prune_input` are listed in ``input_ids`` (names in formulas).
    """

    def __init__(self, widths: Sequence[int], basis: str = "bspline", **layer_options: Any):
        super().__init__()
        widths = list(widths)
        if len(widths) < 2 or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
            raise ParameterError(f"KAN: widths must be a list of at least two positive integers; got {widths!r}")
        self.layers = nn.ModuleList(KANLinear(a, b, basis=basis, **layer_options)
                                    for a, b in zip(widths[:-1], widths[1:]))
        self.input_ids = list(range(widths[0]))

    @property
    def widths(self) -> list[int]:
        return [self.layers[0].in_features] + [l.out_features for l in self.layers]

    def forward(self, x: Tensor) -> Tensor:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x, contiguous=i == last)  # between layers, the layout the next one wants
        return x

    @torch.no_grad()
    def layer_inputs(self, x: Tensor) -> list[Tensor]:
        """The input of every layer for the samples x (for grids, scores, fits, plots)."""
        out = []
        for layer in self.layers:
            out.append(x)
            x = layer(x)
        return out

    # -- grids ----------------------------------------------------------------
    def update_grid(self, x: Tensor, grid_eps: float = 0.02, margin: float = 0.0) -> None:
        """pykan's update_grid_from_samples on every layer, first to last."""
        with torch.no_grad():
            for layer in self.layers:
                layer.update_grid(x, grid_eps=grid_eps, margin=margin)
                x = layer(x)

    def refine(self, x: Tensor, grid_size: int, grid_eps: float | None = None) -> "KAN":
        """Coarse-to-fine: put every layer on ``grid_size`` intervals, keeping its functions on x.

        ``grid_eps=None`` (default) subdivides the current grids as pykan's
        ``refine`` does (new knots interpolate the old ones); a number rebuilds
        them from the samples x (:meth:`update_grid` blend).  Either way the
        coefficients are refit by least squares on x.
        """
        with torch.no_grad():
            for layer in self.layers:
                if grid_eps is None:
                    layer.subdivide_grid(x, grid_size)
                else:
                    layer.update_grid(x, grid_size=grid_size, grid_eps=grid_eps)
                x = layer(x)
        return self

    # -- regularisation -------------------------------------------------------
    def regularization(self, x: Tensor, lamb_l1: float = 1.0, lamb_entropy: float = 2.0,
                       lamb_coef: float = 0.0, lamb_coefdiff: float = 0.0) -> Tensor:
        """Σ_layers lamb_l1·Σ|φ| + lamb_entropy·S(|φ|/Σ|φ|) (+ coefficient terms).

        |φ_{o,i}| is the RMS of the edge over the samples (differentiable,
        computed from a K×K Gram matrix per input: no (batch, in, out) tensor);
        the KAN paper uses the mean absolute value, which needs that tensor.
        """
        reg = x.new_zeros(())
        h = x
        for layer in self.layers:
            scale = layer.edge_rms(h)
            total = scale.sum()
            p = scale / (total + 1e-12)
            entropy = -(p * torch.log(p + 1e-12)).sum()
            reg = reg + lamb_l1 * total + lamb_entropy * entropy
            if lamb_coef:
                reg = reg + lamb_coef * layer.coef.abs().mean()
            if lamb_coefdiff and layer.coef.shape[-1] > 1:
                reg = reg + lamb_coefdiff * layer.coef.diff(dim=-1).abs().mean()
            h = layer(h)
        return reg

    # -- training -------------------------------------------------------------
    def fit(self, x: Tensor, y: Tensor, steps: int = 100, opt: str = "lbfgs", lr: float = 1.0,
            lamb: float = 0.0, lamb_l1: float = 1.0, lamb_entropy: float = 2.0, lamb_coef: float = 0.0,
            lamb_coefdiff: float = 0.0, update_grid: bool = True, grid_update_num: int = 10,
            stop_grid_update_step: int = 50, batch: int = -1, max_iter: int = 20,
            x_test: Tensor | None = None, y_test: Tensor | None = None, log: int = 0) -> dict:
        """Train on (x, y) with MSE (+ lamb·regularisation); pykan's ``fit`` schedule.

        ``opt="lbfgs"`` (strong-Wolfe line search, history 10, up to ``max_iter``
        iterations per step, as pykan), ``"adam"``, or ``"lm"``: one
        Levenberg–Marquardt step per step (:meth:`lm_step`; small networks,
        MSE only, no regularisation).  On pykan's Example 1 LM reaches test
        RMSE ~6e-7 at grid 50 in 50 steps per grid, ~35× faster than LBFGS's
        200 steps to the same accuracy.  Grids follow the samples
        every stop_grid_update_step/grid_update_num steps during the first
        stop_grid_update_step steps (bases with a grid only).  ``batch=-1`` is
        full batch.  Returns {"train_loss": [...], "test_loss": [...], "seconds"}.
        """
        if opt not in ("lbfgs", "adam", "lm"):
            raise ParameterError(f"fit: opt must be 'lbfgs', 'adam' or 'lm'; got {opt!r}")
        if opt == "lm":
            if lamb > 0:
                raise ParameterError("fit: opt='lm' minimises the squared error only; use lamb=0, "
                                     "or opt='lbfgs'/'adam' for regularised training")
            self._check_lm()
        def make_optimizer():  # on the current parameters (grid updates replace them)
            params = [p for p in self.parameters() if p.requires_grad]
            if opt == "lbfgs":
                return torch.optim.LBFGS(params, lr=lr, history_size=10, max_iter=max_iter,
                                         line_search_fn="strong_wolfe", tolerance_grad=1e-32, tolerance_change=1e-32)
            return torch.optim.Adam(params, lr=lr) if opt == "adam" else None

        # torch's LBFGS drops a curvature pair when yᵀs ≤ 1e-10 (pykan's copy uses 1e-32); at
        # the small losses of fine grids every pair is dropped and LBFGS stalls into plain
        # gradient steps.  So LBFGS minimises loss / scale, with the scale reset to the current
        # loss whenever the scaled loss falls below 1e-3 (and the optimiser restarted).
        scale = None
        optimizer = make_optimizer()
        has_grid = all(hasattr(l.basis, "set_grid_from_samples") for l in self.layers)
        every = max(1, stop_grid_update_step // max(1, grid_update_num))
        hist = {"train_loss": [], "test_loss": []}
        n = x.shape[0]
        t0 = time.perf_counter()
        for step in range(steps):
            idx = torch.randperm(n)[:batch] if 0 < batch < n else None
            xb, yb = (x, y) if idx is None else (x[idx], y[idx])
            if update_grid and has_grid and step % every == 0 and step < stop_grid_update_step:
                self.update_grid(xb)
                optimizer, scale = make_optimizer(), None  # the parameters were replaced: restart on them

            def closure():
                nonlocal scale
                optimizer.zero_grad()
                loss = torch.mean((self(xb) - yb) ** 2)
                if lamb > 0:
                    loss = loss + lamb * self.regularization(xb, lamb_l1, lamb_entropy, lamb_coef, lamb_coefdiff)
                if opt == "lbfgs":
                    if scale is None:
                        scale = float(loss.detach()) or 1.0
                    loss = loss / scale
                loss.backward()
                return loss

            if opt == "lm":
                self.lm_step(xb, yb)
            elif opt == "lbfgs":
                scaled = float(optimizer.step(closure).detach())
                if scaled < 1e-3:
                    optimizer, scale = make_optimizer(), None
            else:
                closure()
                optimizer.step()
            with torch.no_grad():
                hist["train_loss"].append(float(torch.sqrt(torch.mean((self(x) - y) ** 2))))
                if x_test is not None:
                    hist["test_loss"].append(float(torch.sqrt(torch.mean((self(x_test) - y_test) ** 2))))
            if log and (step % log == 0 or step == steps - 1):
                msg = f"step {step}: train rmse {hist['train_loss'][-1]:.3e}"
                if hist["test_loss"]:
                    msg += f", test rmse {hist['test_loss'][-1]:.3e}"
                print(msg)
        hist["seconds"] = time.perf_counter() - t0
        return hist

    # -- Levenberg–Marquardt ---------------------------------------------------
    LM_MAX_PARAMETERS = 20_000

    def _lm_parameters(self) -> list[tuple[int, str, Tensor]]:
        """(layer index, name, parameter) of every parameter LM trains, in Jacobian column order."""
        out = []
        for l, layer in enumerate(self.layers):
            for name in ("coef", "base_weight", "bias"):
                p = getattr(layer, name)
                if p is not None and p.requires_grad:
                    out.append((l, name, p))
        return out

    def _check_lm(self) -> None:
        known = {id(p) for _, _, p in self._lm_parameters()}
        other = [n for n, p in self.named_parameters() if p.requires_grad and id(p) not in known]
        if other:
            raise ParameterError(f"fit: opt='lm' trains coef/base_weight/bias only; this model also has "
                                 f"trainable {other[:4]} (basis or LayerNorm parameters): use 'lbfgs' or 'adam'")
        n = sum(p.numel() for _, _, p in self._lm_parameters())
        if n > self.LM_MAX_PARAMETERS:
            raise ParameterError(f"fit: opt='lm' solves a dense {n}×{n} system; it is meant for small networks "
                                 f"(≤ {self.LM_MAX_PARAMETERS} parameters): use 'lbfgs' or 'adam'")

    def residual_jacobian(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """Residuals r = model(x) − y, flattened (N·out,), and their Jacobian (N·out, P).

        P runs over :meth:`_lm_parameters` (coef, base_weight, bias of every
        layer, in order).  Samples are independent, so one backward pass per
        network output gives every sample's gradient with respect to every
        layer output g[n, o]; the parameter blocks then follow in closed form:
        ∂/∂c_{o,i,k} = g[n,o]·mask[o,i]·B_k(u[n,i]), ∂/∂w_{o,i} = g[n,o]·mask[o,i]·b(u[n,i]),
        ∂/∂bias_o = g[n,o].
        """
        inputs, outputs = [], []
        h = x.reshape(-1, self.layers[0].in_features)
        with torch.enable_grad():
            for layer in self.layers:
                inputs.append(h.detach())
                h = layer(h)
                outputs.append(h)
            out = h
            grads = []
            for c in range(out.shape[1]):
                g = torch.autograd.grad(out[:, c].sum(), outputs, retain_graph=c < out.shape[1] - 1)
                grads.append([t.detach() for t in g])
        n = out.shape[0]
        blocks = []
        for l, name, _ in self._lm_parameters():
            layer, u = self.layers[l], inputs[l]
            mask = layer.mask.to(u.dtype)
            if name == "coef":
                feature = layer.basis(u)                                    # (N, in, K)
            elif name == "base_weight":
                feature = layer._base_fn(u)                                 # (N, in)
            per_out = []
            for g in grads:
                gl = g[l]                                                   # (N, out_l)
                if name == "coef":
                    j = torch.einsum("no,oi,nik->noik", gl, mask, feature)
                elif name == "base_weight":
                    j = torch.einsum("no,oi,ni->noi", gl, mask, feature)
                else:
                    j = gl
                per_out.append(j.reshape(n, -1))
            blocks.append(torch.stack(per_out, 1).reshape(n * len(grads), -1))   # rows (n, c)
        return (out.detach() - y.reshape(n, -1)).reshape(-1), torch.cat(blocks, 1)

    @torch.no_grad()
    def lm_step(self, x: Tensor, y: Tensor, max_tries: int = 12) -> float:
        """One Levenberg–Marquardt step on the squared error; returns the new RMSE.

        Solves (JᵀJ + μ·(diag JᵀJ + 1e-9·I)) δ = −Jᵀr in float64 (Marquardt's
        scaling; the identity term covers basis functions no sample reaches)
        and accepts δ when the loss drops (then μ ← μ/3), else μ ← 4μ and
        retries.  μ persists across steps on the model.
        """
        r, jac = self.residual_jacobian(x, y)
        r, jac = r.double(), jac.double()
        params = [p for _, _, p in self._lm_parameters()]
        theta = torch.cat([p.reshape(-1).double() for p in params])
        a = jac.t() @ jac
        g = jac.t() @ r
        diag = torch.diagonal(a) + 1e-9 * torch.diagonal(a).mean().clamp_min(1e-30)
        loss = float(r @ r)
        mu = getattr(self, "_lm_damping", 1e-3)

        def assign(t: Tensor) -> None:
            for p, v in zip(params, torch.split(t, [p.numel() for p in params])):
                p.copy_(v.view(p.shape).to(p.dtype))

        for _ in range(max_tries):
            try:
                delta = torch.linalg.solve(a + torch.diag(mu * diag), -g)
            except RuntimeError:  # singular even with damping: take a bigger damping
                mu *= 4
                continue
            assign(theta + delta)
            new = float(((self(x).reshape(-1) - y.reshape(-1)).double() ** 2).sum())
            if new < loss:
                self._lm_damping = max(mu / 3, 1e-15)
                return math.sqrt(new / r.numel())
            mu *= 4
        assign(theta)
        self._lm_damping = min(mu, 1e10)
        return math.sqrt(loss / r.numel())

    # -- scores and pruning ---------------------------------------------------
    def edge_scores(self, x: Tensor) -> list[Tensor]:
        """Mean |φ| of every edge over the samples, per layer (out, in): the KAN paper's edge norm."""
        return [layer.edge_scale(h) for layer, h in zip(self.layers, self.layer_inputs(x))]

    @torch.no_grad()
    def prune(self, x: Tensor, node_th: float = 1e-2, edge_th: float = 3e-2) -> "KAN":
        """Remove hidden nodes, then edges, whose scores are below the thresholds.

        A hidden node is kept when both its incoming score (max over the edges
        into it) and its outgoing score (max over the edges out of it) exceed
        node_th (KAN paper §2.5.1); then every remaining edge with mean |φ| <
        edge_th is masked.  Returns self (modified in place).
        """
        scores = self.edge_scores(x)
        keep = [list(range(self.layers[0].in_features))]
        for l in range(len(self.layers) - 1):
            incoming = scores[l].max(dim=1).values          # (out_l,)
            outgoing = scores[l + 1].max(dim=0).values      # (in_{l+1},)
            kept = [j for j in range(incoming.numel()) if incoming[j] > node_th and outgoing[j] > node_th]
            keep.append(kept or [int(torch.argmax(incoming * outgoing))])
        keep.append(list(range(self.layers[-1].out_features)))
        self.layers = nn.ModuleList(layer.subset(keep[l], keep[l + 1]) for l, layer in enumerate(self.layers))
        return self.prune_edges(x, edge_th)

    @torch.no_grad()
    def prune_edges(self, x: Tensor, threshold: float = 3e-2) -> "KAN":
        """Mask every spline edge whose mean |φ| on x is below ``threshold``."""
        for layer, s in zip(self.layers, self.edge_scores(x)):
            sym = torch.zeros_like(layer.mask, dtype=torch.bool)
            for (o, i) in layer.symbolic:
                sym[o, i] = True
            layer.mask[(s < threshold) & ~sym] = 0.0
        return self

    @torch.no_grad()
    def prune_input(self, x: Tensor, threshold: float = 1e-2) -> "KAN":
        """Drop inputs whose largest outgoing edge score is below ``threshold``.

        The pruned model takes only the kept inputs; ``input_ids`` records
        which original inputs they are.
        """
        s = self.edge_scores(x)[0].max(dim=0).values
        kept = [i for i in range(s.numel()) if s[i] > threshold] or [int(torch.argmax(s))]
        first = self.layers[0]
        self.layers[0] = first.subset(kept, range(first.out_features))
        self.input_ids = [self.input_ids[i] for i in kept]
        return self

    # -- plotting -------------------------------------------------------------
    @torch.no_grad()
    def plot(self, x: Tensor, path: str | None = None, max_edges: int = 400):
        """Plot every edge function over the range of its samples (matplotlib figure).

        One row of panels per layer, one panel per (input, output) edge;
        masked edges are drawn grey, symbolic edges in red with their name.
        """
        import matplotlib
        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        inputs = self.layer_inputs(x)
        n_edges = sum(l.in_features * l.out_features for l in self.layers)
        if n_edges > max_edges:
            raise ValueError(f"KAN.plot: {n_edges} edges is more than max_edges={max_edges}; prune first")
        cols = max(l.in_features * l.out_features for l in self.layers)
        fig, axes = plt.subplots(len(self.layers), cols, figsize=(1.6 * cols, 1.6 * len(self.layers)),
                                 squeeze=False)
        for r, (layer, h) in enumerate(zip(self.layers, inputs)):
            hs, order = torch.sort(h, dim=0)
            phi = layer.edge_values(hs)
            for c in range(cols):
                ax = axes[r][c]
                ax.set_xticks([])
                ax.set_yticks([])
                if c >= layer.in_features * layer.out_features:
                    ax.axis("off")
                    continue
                o, i = divmod(c, layer.in_features)
                sym = layer.symbolic.get((o, i))
                colour = "red" if sym else ("black" if layer.mask[o, i] > 0 else "lightgrey")
                ax.plot(hs[:, i].numpy(), phi[:, o, i].numpy(), color=colour)
                ax.set_title(f"L{r} {i}→{o}" + (f" {sym['name']}" if sym else ""), fontsize=6)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=100)
        return fig

    # -- symbolic ---------------------------------------------------------------
    def _edge_samples(self, x: Tensor, l: int, i: int, j: int) -> tuple[Tensor, Tensor]:
        if not 0 <= l < len(self.layers):
            raise IndexError(f"layer {l} out of range (the model has {len(self.layers)} layers)")
        layer = self.layers[l]
        layer._check_edge(j, i)
        h = self.layer_inputs(x)[l]
        with torch.no_grad():
            if layer.norm is not None:
                raise ValueError("symbolic fitting needs univariate edges; this layer has a LayerNorm on its input")
            mask = layer.mask[j, i].clone()
            sym = layer.symbolic.pop((j, i), None)
            layer.mask[j, i] = 1.0
            y = layer.edge_values(h[:, i:i + 1].expand(-1, layer.in_features).contiguous(),
                                  include_symbolic=False)[:, j, i]
            layer.mask[j, i] = mask
            if sym is not None:
                layer.symbolic[(j, i)] = sym
        return h[:, i], y

    def suggest_symbolic(self, x: Tensor, l: int, i: int, j: int, lib: Iterable[str] | None = None,
                         topk: int = 5, weight_simple: float = 0.8) -> list[dict]:
        """Best library functions for edge (layer l, input i → output j), best first."""
        xs, ys = self._edge_samples(x, l, i, j)
        return suggest_symbolic(xs, ys, lib=lib, topk=topk, weight_simple=weight_simple)

    def fix_symbolic(self, l: int, i: int, j: int, name: str, x: Tensor | None = None,
                     params: tuple[float, float, float, float] | None = None) -> float:
        """Set edge (l, i → j) to c·f(a·x + b) + d; fit (a, b, c, d) on samples x unless params given.

        Returns the R² of the fit (nan when params are given).
        """
        if name not in SYMBOLIC_LIB:
            raise ParameterError(f"unknown symbolic function {name!r}; allowed: {', '.join(SYMBOLIC_LIB)}")
        r2 = float("nan")
        if params is None:
            if x is None:
                raise ValueError("fix_symbolic: give samples x to fit (a, b, c, d), or params")
            xs, ys = self._edge_samples(x, l, i, j)
            params, r2 = fit_params(xs, ys, name)
        self.layers[l].fix_symbolic(j, i, name, params)
        return r2

    def auto_symbolic(self, x: Tensor, lib: Iterable[str] | None = None, weight_simple: float = 0.8,
                      r2_threshold: float = 0.0, verbose: bool = False) -> list[tuple]:
        """Fix every active spline edge to its best library function (R² ≥ r2_threshold)."""
        fixed = []
        for l, layer in enumerate(self.layers):
            for j in range(layer.out_features):
                for i in range(layer.in_features):
                    if layer.mask[j, i] == 0 or (j, i) in layer.symbolic:
                        continue
                    best = self.suggest_symbolic(x, l, i, j, lib=lib, topk=1, weight_simple=weight_simple)[0]
                    if best["r2"] >= r2_threshold:
                        layer.fix_symbolic(j, i, best["name"], best["params"])
                        fixed.append((l, i, j, best["name"], best["r2"]))
                        if verbose:
                            print(f"fixing ({l},{i},{j}) with {best['name']}, r2={best['r2']:.6f}")
        return fixed

    def symbolic_formula(self, var_names: Sequence[str] | None = None, digits: int | None = 4):
        """The network as SymPy expressions, one per output; every active edge must be symbolic."""
        import sympy as sp
        if var_names is None:
            var_names = [f"x_{i + 1}" for i in self.input_ids]
        if len(var_names) != self.layers[0].in_features:
            raise ValueError(f"symbolic_formula: {len(var_names)} names for {self.layers[0].in_features} inputs")
        h = [sp.Symbol(n) if isinstance(n, str) else n for n in var_names]
        for l, layer in enumerate(self.layers):
            spline = [(l, i, o) for o in range(layer.out_features) for i in range(layer.in_features)
                      if layer.mask[o, i] > 0]
            if spline:
                raise ValueError(f"symbolic_formula: edges {spline[:6]}{'…' if len(spline) > 6 else ''} "
                                 "(layer, in, out) are still splines; fix_symbolic/auto_symbolic or prune them first")
            outs = []
            for o in range(layer.out_features):
                expr = sp.Integer(0)
                if layer.bias is not None:
                    expr += sp.Float(float(layer.bias[o]))
                for (oo, i), e in layer.symbolic.items():
                    if oo == o:
                        f = SYMBOLIC_LIB[e["name"]].sympy
                        expr += e["c"] * f(e["a"] * h[i] + e["b"]) + e["d"]
                outs.append(expr)
            h = outs
        if digits is not None:
            h = [round_expr(e, digits) for e in h]
        return h
