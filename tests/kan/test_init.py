"""KAN initialisation and grid update against the reference implementations' rules.

- ChebyKAN (SynodicMonth/ChebyKAN): coefficients ~ N(0, std²), std = 1/(in·(D+1)).
- FourierKAN (GistNoesis/FourierKAN): N(0, 1)/(√in·√G); smooth_initialization: N(0, 1)/(√in·k²).
- pykan KANLayer: spline = least-squares (minimum-norm) fit through noise
  U(−1/2, 1/2)·noise_scale/G at the G + 1 inner knots, times scale_sp = 1/√in.
- pykan update_grid_from_samples: knots at the sorted samples int(N/G·i), i < G, and the last.

References are computed with SciPy / NumPy, independently of nonlin's B-spline code.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.interpolate import BSpline

from nonlin.kan import KANLinear


def test_chebyshev_init_std_is_one_over_in_times_degree_plus_one():
    torch.manual_seed(0)
    layer = KANLinear(64, 64, basis="chebyshev", degree=4)
    want = 1.0 / (64 * 5)
    got = float(layer.coef.detach().double().std())
    assert abs(got / want - 1) < 0.03, (got, want)


@pytest.mark.parametrize("smooth", [False, True])
def test_fourier_init_scale(smooth):
    torch.manual_seed(1)
    n_in, g = 64, 8
    layer = KANLinear(n_in, 64, basis="fourier", grid_size=g, smooth_init=smooth)
    c = layer.coef.double()  # (out, in, 2G): cos 1..G, sin 1..G
    for k in range(1, g + 1):
        got = float(torch.cat([c[..., k - 1], c[..., g + k - 1]]).std())
        want = 1 / (np.sqrt(n_in) * (k ** 2 if smooth else np.sqrt(g)))
        assert abs(got / want - 1) < 0.05, (k, got, want)


def test_bspline_init_is_pykans_noise_spline_scaled_by_one_over_sqrt_in():
    n_in, n_out, g, k, noise_scale = 9, 4, 5, 3, 0.3
    torch.manual_seed(2)
    layer = KANLinear(n_in, n_out, basis="bspline", grid_size=g, spline_order=k, noise_scale=noise_scale).double()
    torch.manual_seed(2)  # the same draw pykan makes: (G+1, in, out) uniform noise
    noise = ((torch.rand(g + 1, n_in, n_out, dtype=torch.float64) - 0.5) * noise_scale / g).numpy()
    h = 2.0 / g
    knots = -1.0 + h * np.arange(-k, g + k + 1)           # extended uniform grid on [-1, 1]
    inner = knots[k:g + k + 1]
    # B-spline design matrix at the inner knots from SciPy
    design = np.stack([BSpline(knots, np.eye(g + k)[j], k, extrapolate=False)(inner) for j in range(g + k)], 1)
    design = np.nan_to_num(design)
    coef = layer.coef.detach().numpy()                    # (out, in, G+k)
    for i in range(n_in):
        want = np.linalg.pinv(design) @ noise[:, i, :] / np.sqrt(n_in)   # minimum-norm fit, then scale_sp
        np.testing.assert_allclose(coef[:, i, :].T, want, rtol=1e-6, atol=1e-9)  # float32 parameters
    # the spline interpolates the scaled noise at the knots
    np.testing.assert_allclose(np.einsum("pj,oij->pio", design, coef), noise / np.sqrt(n_in), atol=1e-8)


def test_bspline_grid_update_takes_pykans_sample_quantiles():
    torch.manual_seed(3)
    n, g, eps = 100, 8, 0.02
    layer = KANLinear(2, 1, basis="bspline", grid_size=g).double()
    x = torch.randn(n, 2, dtype=torch.float64)
    layer.update_grid(x, grid_eps=eps)
    xs = np.sort(x.numpy(), axis=0)
    ids = [int(n / g * i) for i in range(g)] + [n - 1]     # pykan: 0, 12, 25, 37, 50, 62, 75, 87, 99
    adaptive = xs[ids].T
    uniform = adaptive[:, :1] + (adaptive[:, -1:] - adaptive[:, :1]) / g * np.arange(g + 1)
    want = eps * uniform + (1 - eps) * adaptive
    k = layer.basis.spline_order
    np.testing.assert_allclose(layer.basis.grid[:, k:g + k + 1].numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("uniform", [True, False])
@pytest.mark.parametrize("order", [0, 1, 3])
def test_bspline_nan_input_stays_in_its_row(uniform, order):
    """A NaN input gives NaN in its own output row only, values and gradients (issue 14 item 8)."""
    torch.manual_seed(4)
    layer = KANLinear(3, 2, basis="bspline", spline_order=order, base_activation="none")
    if not uniform:
        layer.update_grid(torch.rand(64, 3) * 2 - 1)
    x = torch.randn(4, 3) * 0.5
    x[1, 0] = float("nan")
    x[2, 2] = float("inf")  # outside every grid: basis 0, finite
    x.requires_grad_(True)
    y = layer(x)
    assert torch.isnan(y[1]).all()
    assert torch.isfinite(y[[0, 2, 3]]).all()
    gx, = torch.autograd.grad(y[[0, 3]].sum(), [x])
    assert torch.isfinite(gx[~torch.isnan(x)]).all()  # only the NaN input's own gradient may be NaN
    with torch.no_grad():
        assert torch.isnan(layer(x)[1]).all() and torch.isfinite(layer(x)[[0, 2, 3]]).all()


def test_closed_form_cubic_matches_scipy_values_and_derivatives():
    """The uniform cubic fast path (default grid) against SciPy's B-splines, inside and outside the grid."""
    from nonlin.kan.bspline import cubic_uniform

    g, k = 5, 3
    h = 2.0 / g
    knots = -1.0 + h * np.arange(-k, g + k + 1)
    x = np.concatenate([np.linspace(-2.0, 2.0, 401), knots])
    val, der = cubic_uniform(torch.tensor(x), knots[0], h, g + k, True)
    for q in range(g + k):
        spl = BSpline.basis_element(knots[q:q + k + 2], extrapolate=False)
        want = np.nan_to_num(spl(x))
        dwant = np.nan_to_num(spl.derivative()(x))
        np.testing.assert_allclose(val[:, q].numpy(), want, atol=1e-13)
        np.testing.assert_allclose(der[:, q].numpy(), dwant, atol=1e-12)
