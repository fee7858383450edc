"""Linear interpreter (LinearScope) and empirical NTK against closed forms."""

import numpy as np
import pytest
import torch
from torch import nn

from nonlin.probes import linear, ntk


def _relu_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 20), nn.ReLU(), nn.Linear(20, 20), nn.ReLU(), nn.Linear(20, 3))


def test_linear_map_of_a_relu_network_is_exact_and_matches_the_weights():
    net = _relu_net()
    x = torch.randn(5, 6, generator=torch.Generator().manual_seed(1))
    res = linear.linear_map(net, x)
    assert res.reconstruction_error < 1e-5
    # independent reference: W3 D2 W2 D1 W1 and the bias path, from the weights in float64 numpy
    W = [m.weight.detach().double().numpy() for m in net if isinstance(m, nn.Linear)]
    b = [m.bias.detach().double().numpy() for m in net if isinstance(m, nn.Linear)]
    for i in range(len(x)):
        z1 = W[0] @ x[i].double().numpy() + b[0]
        D1 = np.diag((z1 > 0).astype(float))
        z2 = W[1] @ (D1 @ z1) + b[1]
        D2 = np.diag((z2 > 0).astype(float))
        A = W[2] @ D2 @ W[1] @ D1 @ W[0]
        bias = W[2] @ D2 @ (W[1] @ D1 @ b[0] + b[1]) + b[2]
        np.testing.assert_allclose(res.A[i].double().numpy(), A, atol=1e-5)
        np.testing.assert_allclose(res.b[i].double().numpy(), bias, atol=1e-5)
    # piecewise linear: the same map holds exactly for a small step inside the region
    dx = 1e-4 * torch.randn(6, generator=torch.Generator().manual_seed(2))
    y2 = net(x[:1] + dx)[0]
    pred = res.A[0] @ (x[0] + dx) + res.b[0]
    assert (y2 - pred).abs().max() < 1e-5


def test_linear_map_of_a_smooth_network_is_the_tangent():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2)).double()
    x = torch.randn(1, 4, dtype=torch.float64)
    res = linear.linear_map(net, x)
    assert res.reconstruction_error < 1e-12
    J = torch.autograd.functional.jacobian(lambda v: net(v.unsqueeze(0))[0], x[0])
    torch.testing.assert_close(res.A[0], J, atol=1e-12, rtol=0)
    errs = []
    for h in (1e-2, 1e-3):
        dx = h * torch.ones(4, dtype=torch.float64)
        with torch.no_grad():
            errs.append(float((net(x + dx)[0] - (res.A[0] @ (x[0] + dx) + res.b[0])).abs().max()))
    assert errs[1] < errs[0] / 50  # second-order error: 100x smaller for a 10x smaller step


def test_jacobian_spectrum_of_a_linear_map_is_its_singular_values():
    torch.manual_seed(0)
    lin = nn.Linear(5, 4).double()
    sv = linear.jacobian_spectrum(lin, torch.randn(5, dtype=torch.float64))
    np.testing.assert_allclose(sv.detach().numpy(), np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False),
                               rtol=1e-12)


def test_ntk_of_a_linear_model_is_the_gram_matrix():
    torch.manual_seed(0)
    x = torch.randn(7, 5, dtype=torch.float64)
    model = nn.Linear(5, 3, bias=False).double()
    res = ntk.ntk(model, x)
    # trace over 3 outputs: 3 X X^T
    torch.testing.assert_close(res.kernel, 3 * x @ x.T, atol=1e-12, rtol=0)
    full = ntk.ntk(model, x, mode="full").kernel
    torch.testing.assert_close(full, torch.kron(x @ x.T, torch.eye(3, dtype=torch.float64)), atol=1e-12, rtol=0)
    # a bias adds a constant 1 per output
    with_bias = ntk.ntk(nn.Linear(5, 1).double(), x).kernel
    torch.testing.assert_close(with_bias, x @ x.T + 1, atol=1e-12, rtol=0)
    np.testing.assert_allclose(res.eigenvalues.numpy(), np.sort(np.linalg.eigvalsh(3 * (x @ x.T).numpy()))[::-1],
                               atol=1e-10)
    with pytest.raises(ValueError, match="mode"):
        ntk.ntk(model, x, mode="diag")


def test_ntk_tracker_moves_from_zero():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 1))
    x = torch.randn(16, 2)
    tr = ntk.NTKTracker(net, x, every=5)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for step in range(20):
        tr(step)
        opt.zero_grad()
        ((net(x) - x[:, :1] * x[:, 1:]) ** 2).mean().backward()
        opt.step()
    mv = tr.movement
    assert mv[0] == (0, 0.0) and mv[-1][1] > 0 and len(mv) == 4
