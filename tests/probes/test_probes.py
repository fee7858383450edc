"""Probes against closed forms (ReLU arc-cosine kernel, Gaussian moments) and linear algebra."""

import math

import numpy as np
import pytest
import torch

import nonlin
from nonlin import probes
from nonlin.cli import main


def test_relu_closed_forms():
    assert probes.second_moment("relu") == pytest.approx(0.5, abs=1e-10)
    assert probes.init_gain("relu") == pytest.approx(math.sqrt(2), abs=1e-9)
    assert probes.chi("relu") == pytest.approx(0.5, abs=1e-10)
    assert probes.sparsity("relu") == pytest.approx(0.5, abs=1e-12)
    # R² = Cov(z, relu z)² / Var(relu z) = (1/2)² / (1/2 - 1/(2π))
    assert probes.linearity("relu") == pytest.approx(0.25 / (0.5 - 1 / (2 * math.pi)), abs=1e-9)
    assert probes.lipschitz("relu") == 1.0


@pytest.mark.parametrize("c", [-0.8, -0.2, 0.3, 0.9])
def test_relu_correlation_map_is_the_arccosine_kernel(c):
    # Cho & Saul (2009): E[relu(u)relu(v)] / E[relu(u)^2] = (sqrt(1-c²) + (π - arccos c) c) / π
    want = (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / math.pi
    assert probes.correlation_map("relu", c) == pytest.approx(want, abs=1e-6)


def test_scale_and_moments_of_other_units():
    # relu(z)^2: E[relu(z)^4] = 3/2, E[(2 relu z)^2] = 2
    assert probes.second_moment("relu_squared") == pytest.approx(1.5, abs=1e-9)
    assert probes.chi("relu_squared") == pytest.approx(2.0, abs=1e-9)
    # a linear unit: R² = 1, correlation map is the identity, variance scales with q
    assert probes.linearity("leaky_relu", negative_slope=1.0) == pytest.approx(1.0, abs=1e-12)
    assert probes.correlation_map("leaky_relu", 0.37, negative_slope=1.0) == pytest.approx(0.37, abs=1e-9)
    assert probes.second_moment("leaky_relu", q=2.5, negative_slope=1.0) == pytest.approx(2.5, abs=1e-9)
    # a callable works too: E[tanh-free cubic] = E[z^6] = 15
    assert probes.second_moment(lambda z: z**3) == pytest.approx(15.0, rel=1e-9)


def test_bad_correlation_is_rejected():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        probes.correlation_map("relu", 1.5)


def test_activation_stats_finds_dead_and_sparse_units():
    lin = torch.nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        lin.bias.copy_(torch.tensor([0.0, 0.0, -1.0]))  # third channel always -1 -> dead under ReLU
    model = torch.nn.Sequential(lin, torch.nn.ReLU())
    x = torch.tensor([[1.0, -1.0], [2.0, 3.0], [-1.0, -2.0], [0.5, 0.5]])
    (stats,) = probes.activation_stats(model, x)
    assert stats.unit == "relu" and stats.module == "1"
    out = torch.relu(lin(x))
    assert stats.zero_fraction == pytest.approx(float((out == 0).float().mean()))
    assert stats.dead_fraction == pytest.approx(1 / 3)


def test_jacobian_spectrum_of_a_linear_map_is_its_singular_values():
    torch.manual_seed(0)
    lin = torch.nn.Linear(5, 4).double()
    sv = probes.jacobian_spectrum(lin, torch.randn(5, dtype=torch.float64))
    np.testing.assert_allclose(sv.detach().numpy(), np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False),
                               rtol=1e-12)


def test_probe_cli(capsys):
    assert main(["probe", "relu", "--json"]) == 0
    import json
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["unit"] == "relu" and rows[0]["init_gain"] == pytest.approx(math.sqrt(2), abs=1e-9)
    assert main(["probe", "relu_squared"]) == 0
    assert "init_gain" in capsys.readouterr().out
    assert main(["probe", "nonexistent_unit"]) == 2
