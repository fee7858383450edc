"""Effective nonlinearity (arXiv 2211.17180): linearising the unit layers from a depth on."""

import pytest
import torch
from torch import nn

import nonlin
from nonlin.probes import nonlinear_advantage as NA


def _train(model, x, y, epochs, lr=3e-3, seed=0, batch=64):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return model.eval()


def _mlp(unit, d_in, width, depth, out, seed):
    torch.manual_seed(seed)
    layers, w = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(w, width), nonlin.create(unit)]
        w = width
    return nn.Sequential(*layers, nn.Linear(w, out))


def _rings(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    return x, (x.norm(dim=1) > 1.1774).long()       # median radius of a 2-D Gaussian: balanced classes


@pytest.mark.parametrize("mode", ["fit", "mean"])
def test_a_linear_network_is_fully_explained_at_every_depth(mode):
    x, y = _rings(600, 0)
    net = _train(_mlp("identity", 2, 16, 3, 2, 0), x, y, 3)
    res = NA.nonlinear_advantage(net, (x, y), mode=mode)
    assert res.agreement == [1.0] * 4
    assert min(res.output_r2) > 1 - 1e-9 and res.linear_model_r2 > 1 - 1e-9
    assert res.linear_model_agreement == 1.0


def test_a_relu_network_on_a_nonlinear_task_is_not():
    x, y = _rings(2000, 1)
    net = _train(_mlp("relu", 2, 32, 2, 2, 0), x, y, 30)
    res = NA.nonlinear_advantage(net, (x, y))
    assert res.accuracy[-1] > 0.9 and res.agreement[-1] == 1.0
    assert res.agreement[0] < 0.8 and res.linear_model_agreement < 0.8   # a linear map cannot draw a ring
    assert res.accuracy[0] < res.accuracy[-1] - 0.2


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be"):
        NA.nonlinear_advantage(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), torch.zeros(4, 2), mode="taylor")


@pytest.mark.slow   # ~12 s of CPU, 90 s wall on the loaded 2-core machine
def test_reproduction_late_layers_linearise_at_little_cost_on_mnist1d():
    # 3-hidden-layer ReLU MLPs (width 128, 30 epochs) on mnist1d, 3 seeds: accuracy lost when the last
    # unit layer is made affine vs when all are (the paper: late layers linearise at little cost)
    import numpy as np
    from nonlin.bench.tasks import get_task
    from nonlin.probes._common import mean_ci
    d = get_task("mnist1d").generate(0)
    late, full = [], []
    for seed in range(3):
        net = _train(_mlp("relu", 40, 128, 3, 10, seed), d.x_train, d.y_train, 30, lr=2e-3, seed=seed, batch=128)
        res = NA.nonlinear_advantage(net, (d.x_test, d.y_test), calibration=d.x_train)
        late.append(res.accuracy[-1] - res.accuracy[-2])
        full.append(res.accuracy[-1] - res.accuracy[0])
    m_late, _, hi_late = mean_ci(late)
    m_diff, lo_diff, _ = mean_ci(np.asarray(full) - np.asarray(late))
    assert m_late < 0.05 and hi_late < 0.10    # linearising the last layer costs a few points at most
    assert lo_diff > 0.2                       # linearising all of them costs far more
