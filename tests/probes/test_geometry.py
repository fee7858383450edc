"""CKA / RSA known answers, against a float64 numpy reference written from the equations."""

import numpy as np
import pytest
import torch

from nonlin.probes import geometry


def _np_linear_cka(X, Y, unbiased):
    """Reference: Kornblith et al. (biased) and Song et al. (unbiased) HSIC, written independently in numpy."""
    n = len(X)
    K, L = X @ X.T, Y @ Y.T

    def h(K, L):
        if not unbiased:
            H = np.eye(n) - np.ones((n, n)) / n
            return np.trace(K @ H @ L @ H) / (n - 1) ** 2
        K, L = K - np.diag(np.diag(K)), L - np.diag(np.diag(L))
        s = np.trace(K @ L) + K.sum() * L.sum() / ((n - 1) * (n - 2)) - 2 / (n - 2) * (K.sum(0) @ L.sum(1))
        return s / (n * (n - 3))
    return h(K, L) / np.sqrt(h(K, K) * h(L, L))


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_cka_of_a_representation_with_itself_is_one(kernel, unbiased):
    X = torch.randn(40, 12, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert geometry.cka(X, X, kernel, unbiased) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("unbiased", [True, False])
def test_linear_cka_is_invariant_to_orthogonal_maps_and_isotropic_scaling(unbiased):
    g = torch.Generator().manual_seed(1)
    X = torch.randn(50, 8, generator=g, dtype=torch.float64)
    Y = torch.tanh(X @ torch.randn(8, 6, generator=g, dtype=torch.float64))
    Q, _ = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=torch.float64))
    base = geometry.cka(X, Y, unbiased=unbiased)
    assert geometry.cka(X, 3.7 * Y @ Q, unbiased=unbiased) == pytest.approx(base, abs=1e-12)
    assert base == pytest.approx(_np_linear_cka(X.numpy(), Y.numpy(), unbiased), abs=1e-12)
    # RBF with sigma relative to the median distance is invariant too
    assert geometry.cka(X, 2.5 * Y @ Q, "rbf", unbiased) == pytest.approx(geometry.cka(X, Y, "rbf", unbiased), abs=1e-10)


def test_unbiased_cka_of_independent_features_is_near_zero_and_biased_is_not():
    # reference figures: n = 32 samples of 8 independent N(0,1) features: biased CKA ~ 0.2, unbiased ~ 0
    unb, bia = [], []
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(32, 8, generator=g, dtype=torch.float64)
        Y = torch.randn(32, 8, generator=g, dtype=torch.float64)
        unb.append(geometry.cka(X, Y))
        bia.append(geometry.cka(X, Y, unbiased=False))
    assert abs(np.mean(unb)) <= 0.02
    assert 0.1 < np.mean(bia) < 0.35


def test_rsa_known_answers():
    g = torch.Generator().manual_seed(2)
    X = torch.randn(30, 5, generator=g, dtype=torch.float64)
    assert geometry.rsa(X, X) == pytest.approx(1.0, abs=1e-12)
    Q, _ = torch.linalg.qr(torch.randn(5, 5, generator=g, dtype=torch.float64))
    assert geometry.rsa(X, 2 * X @ Q, metric="euclidean") == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError, match="metric"):
        geometry.rsa(X, X, metric="cosine")


def test_cka_rejects_bad_input():
    X = torch.randn(10, 3)
    with pytest.raises(ValueError, match="kernel"):
        geometry.cka(X, X, kernel="poly")
    with pytest.raises(ValueError, match="same samples"):
        geometry.cka(X, X[:5])


def test_layer_cka_and_alignment_shapes(relu_digits):
    model, _, (xt, yt) = relu_digits
    res = geometry.layer_cka(model, xt[:100])
    m = np.asarray(res.matrix)
    assert m.shape == (2, 2) and np.allclose(np.diag(m), 1.0)
    al = geometry.alignment(model, (xt[:200], yt[:200]))
    assert len(al.input_alignment) == 2 and all(0 < v <= 1.0 for v in al.target_alignment)
