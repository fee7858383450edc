"""Benchmark tasks: contract, determinism, untouched global RNGs and each task's defining property.

Every reference value here is computed independently of nonlin's generators:
closed forms, mpmath, scipy quadrature, a stack evaluator for ListOps and a
flood fill for Pathfinder.
"""

from __future__ import annotations

import collections
import json
import math
import random

import mpmath
import numpy as np
import pytest
import torch
from scipy import integrate

from nonlin.bench.tasks import OUTPUT_KINDS, get_task, task_names

# Every task with options small enough for a fast test.
TINY = {
    "mnist1d": dict(num_samples=200),
    "mnist1d_seq": dict(num_samples=200),
    "digits": {},
    "digits_seq": {},
    "digits_pseq": {},
    "kan_toy": dict(n_train=64, n_test=32),
    "special_fn": dict(n_train=64, n_test=32),
    "periodic_extrapolation": dict(n_train=64, n_test=32),
    "image_fit": dict(size=8),
    "adding": dict(length=20, n_train=64, n_test=16),
    "copy": dict(length=7, n_train=64, n_test=16),
    "listops": dict(n_train=60, n_test=20, min_length=5, max_length=40),
    "pathfinder": dict(n_train=24, n_test=8),
    "mnist_5k": {},
    "char_lm": dict(seq_len=16, n_train=64, n_test=16),
}
# Tasks that read local data files: tested on files the tests write, in tests/bench/test_real_data.py.
FILE_BACKED = {"cifar10", "cifar100", "lra_listops", "lra_pathfinder", "shd"}
SEED_INDEPENDENT = {"image_fit"}  # one fixed image: the seed only matters for the model


def tiny(name: str, **extra):
    return get_task(name, **{**TINY[name], **extra})


def fresh(task, seed: int):
    return task.generate(seed)


def test_every_task_is_registered_and_tested():
    from nonlin.bench.tasks import base

    names = task_names()
    ours = {n for n in names if base._TASKS[n].__module__.startswith("nonlin.bench.tasks.")}
    assert ours == set(TINY) | FILE_BACKED  # (other test modules may register test-only tasks of their own)


def test_unknown_task_lists_close_names():
    with pytest.raises(KeyError, match="addin.*Closest: adding"):
        get_task("addin")


# ---------------------------------------------------------------------------
# the contract, for every task
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TINY))
def test_shapes_dtypes_and_description(name):
    task = tiny(name)
    d = fresh(task, 0)
    assert task.output_kind in OUTPUT_KINDS
    for x, y in ((d.x_train, d.y_train), (d.x_test, d.y_test)):
        assert x.dtype == torch.float32 and torch.isfinite(x).all()
        assert tuple(x.shape[1:]) == tuple(task.input_shape)
        assert len(x) == len(y) > 0
        if task.output_kind == "classification":
            assert y.dtype == torch.int64 and y.shape == (len(x),)
            assert 0 <= int(y.min()) and int(y.max()) < task.num_outputs
        elif task.output_kind == "sequence_classification":
            assert y.dtype == torch.int64 and y.shape == (len(x), task.input_shape[0])
            assert 0 <= int(y.min()) and int(y.max()) < task.num_outputs
        else:
            assert y.dtype == torch.float32 and y.shape == (len(x), task.num_outputs)
            assert torch.isfinite(y).all()
    if task.vocab_size is not None:  # token ids stored as exact integers
        assert torch.equal(d.x_train, d.x_train.round()) and int(d.x_train.max()) < task.vocab_size
    desc = json.loads(json.dumps(task.describe()))
    assert desc["name"] == name and desc["options"] == task.options
    assert set(task.defaults) >= {"quick", "full"}
    assert task.default_model in ("mlp", "cnn1d", "cnn2d", "transformer", "sequence", "gpt2", "llama")
    assert task.reference and task.trivial_baseline_note
    assert task.higher_is_better == (task.metric in ("accuracy", "psnr"))


@pytest.mark.parametrize("name", sorted(TINY))
def test_same_seed_same_data_other_seed_other_data(name):
    task = tiny(name)
    a, b, c = fresh(task, 1), fresh(task, 1), fresh(task, 2)
    for f in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, f), getattr(b, f))
    differs = not torch.equal(a.x_train, c.x_train)
    assert differs == (name not in SEED_INDEPENDENT)


@pytest.mark.parametrize("name", sorted(TINY))
def test_global_rngs_untouched(name):
    random.seed(123)
    np.random.seed(123)
    torch.manual_seed(123)
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    fresh(tiny(name), 3)
    assert random.getstate() == states[0]
    after = np.random.get_state()
    assert after[0] == states[1][0] and np.array_equal(after[1], states[1][1]) and after[2:] == states[1][2:]
    assert torch.equal(torch.get_rng_state(), states[2])


@pytest.mark.parametrize("name,bad,match", [
    ("adding", dict(lenght=10), "unknown option.*lenght.*length"),
    ("adding", dict(length=1), "option 'length' must be an integer >= 2; got 1"),
    ("adding", dict(length=10.5), "option 'length' must be an integer"),
    ("copy", dict(length=0), "option 'length'"),
    ("special_fn", dict(fn="gamma"), "option 'fn' must be one of 'ellipj'"),
    ("pathfinder", dict(layout="video"), "option 'layout' must be one of 'image', 'sequence'"),
    ("listops", dict(min_length=50, max_length=40), "max_length > min_length"),
    ("mnist1d", dict(shuffle_seq=1), "option 'shuffle_seq' must be True or False"),
    ("periodic_extrapolation", dict(noise=-1.0), "option 'noise'"),
])
def test_bad_options_are_named(name, bad, match):
    with pytest.raises(ValueError, match=match):
        get_task(name, **bad)


def test_bad_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        tiny("adding").generate(-1)


# ---------------------------------------------------------------------------
# defining properties
# ---------------------------------------------------------------------------

def test_adding_target_is_sum_of_marked_values():
    task = tiny("adding")
    d = fresh(task, 0)
    x, y = d.x_train.double(), d.y_train.double()
    T = task.options["length"]
    marks = x[:, :, 1]
    assert set(marks.unique().tolist()) == {0.0, 1.0}
    assert (marks[:, : T // 2].sum(1) == 1).all() and (marks[:, T // 2:].sum(1) == 1).all()
    expected = (x[:, :, 0] * marks).sum(1, keepdim=True)
    assert torch.allclose(y, expected, atol=1e-6)
    assert ((x[:, :, 0] >= 0) & (x[:, :, 0] <= 1)).all()
    assert task.trivial_baseline == pytest.approx(1 / 6)  # Var(U1 + U2) = 2 * 1/12


def test_adding_trivial_baseline_is_what_predicting_one_scores():
    task = get_task("adding", length=10, n_train=1, n_test=20000)
    d = fresh(task, 0)
    mse = task.score(torch.ones_like(d.y_test), d.y_test)
    assert mse == pytest.approx(1 / 6, abs=0.01)  # 20000 samples: std of the estimate < 0.002


def test_copy_target_is_input_symbols_shifted():
    task = tiny("copy")
    T = task.options["length"]
    d = fresh(task, 0)
    x, y = d.x_train.long(), d.y_train
    assert x.shape[1] == T + 20
    assert ((x[:, :10] >= 1) & (x[:, :10] <= 8)).all()
    assert (x[:, 10:T + 9] == 0).all() and (x[:, T + 9] == 9).all() and (x[:, T + 10:] == 0).all()
    assert (y[:, :T + 10] == 0).all()
    assert torch.equal(y[:, T + 10:], x[:, :10])


def test_copy_memoryless_baseline_cross_entropy():
    task = tiny("copy")
    T = task.options["length"]
    d = fresh(task, 0)
    n = len(d.y_test)
    # blank with certainty for T + 10 steps, uniform over symbols 1..8 for the last 10
    probs = torch.zeros(n, T + 20, 10, dtype=torch.float64)
    probs[:, :T + 10, 0] = 1.0
    probs[:, T + 10:, 1:9] = 1 / 8
    logits = probs.clamp_min(1e-300).log()
    expected = 10 * math.log(8) / (T + 20)
    assert task.score(logits, d.y_test) == pytest.approx(expected, rel=1e-9)
    assert task.trivial_baseline == pytest.approx(expected)
    assert not task.higher_is_better


# ListOps: an evaluator written from the task description, on the token ids.
_LISTOPS_WORDS = {**{i + 1: str(i) for i in range(10)}, 11: "MIN", 12: "MAX", 13: "MED", 14: "SM", 15: "]"}


def _evaluate_listops(ids: list[int]) -> int:
    stack: list[list] = []
    result = None
    for tok in ids:
        word = _LISTOPS_WORDS[tok]
        if word in ("MIN", "MAX", "MED", "SM"):
            stack.append([word])
        elif word == "]":
            op, *args = stack.pop()
            if op == "MIN":
                v = min(args)
            elif op == "MAX":
                v = max(args)
            elif op == "SM":
                v = sum(args) % 10
            else:  # median; even counts: mean of the middle two, rounded down
                s = sorted(args)
                k = len(s)
                v = s[k // 2] if k % 2 else (s[k // 2 - 1] + s[k // 2]) // 2
            if stack:
                stack[-1].append(v)
            else:
                result = v
        else:
            if stack:
                stack[-1].append(int(word))
            else:
                result = int(word)
    assert not stack
    return result


def test_listops_labels_equal_independent_evaluation():
    task = tiny("listops")
    d = fresh(task, 0)
    o = task.options
    seen = set()
    for x, y in ((d.x_train, d.y_train), (d.x_test, d.y_test)):
        for row, label in zip(x.long().tolist(), y.tolist()):
            first = next(i for i, t in enumerate(row) if t != 0)
            ids = row[first:]
            assert 0 not in ids  # padding only on the left
            assert o["min_length"] < len(ids) < o["max_length"]
            assert _evaluate_listops(ids) == label
            assert tuple(ids) not in seen  # deduplicated across train and test
            seen.add(tuple(ids))
    assert any(13 in ids for ids in seen)  # MED occurs, so its rule is exercised


def test_listops_lra_settings_carry_published_number():
    assert get_task("listops", min_length=500, max_length=2000).published["Transformer (LRA)"] == 36.37
    assert get_task("listops").published == {}


def _component(mask: np.ndarray, start: tuple[int, int]) -> set:
    """8-connected flood fill of True pixels from start (row, col)."""
    h, w = mask.shape
    seen, todo = {start}, collections.deque([start])
    while todo:
        i, j = todo.popleft()
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                a, b = i + di, j + dj
                if 0 <= a < h and 0 <= b < w and mask[a, b] and (a, b) not in seen:
                    seen.add((a, b))
                    todo.append((a, b))
    return seen


@pytest.mark.parametrize("layout", ["image", "sequence"])
def test_pathfinder_positive_iff_markers_connected(layout):
    task = tiny("pathfinder", layout=layout, n_train=40, n_test=4)
    d = fresh(task, 0)
    s = task.options["size"]
    images = d.x_train.reshape(-1, s, s).numpy()
    markers = d.meta["train_markers"]
    labels = d.y_train.numpy()
    assert labels.sum() == len(labels) // 2  # exactly balanced
    for img, (m1, m2), lab in zip(images, markers, labels):
        assert 0.0 <= img.min() and img.max() <= 1.0
        lit = img > 0
        p1 = (int(m1[1]), int(m1[0]))  # marker centre (x, y) -> pixel (row, col)
        p2 = (int(m2[1]), int(m2[0]))
        assert img[p1] == 1.0 and img[p2] == 1.0  # marker discs are fully lit at their centres
        assert math.dist(m1, m2) >= 7.0
        assert (p2 in _component(lit, p1)) == bool(lab)


def test_pathfinder_published_only_for_lra_layout():
    assert get_task("pathfinder", layout="sequence").published == {"Transformer (LRA Pathfinder-32)": 71.40}
    assert get_task("pathfinder").published == {}
    assert get_task("pathfinder", layout="sequence").input_shape == (1024, 1)


def test_kan_toy_values_and_baseline():
    task = tiny("kan_toy")
    d = fresh(task, 0)
    for x, y in ((d.x_train, d.y_train), (d.x_test, d.y_test)):
        x = x.double().numpy()
        assert np.abs(x).max() <= 1.0
        np.testing.assert_allclose(y[:, 0].numpy(), np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2), rtol=1e-6)
    # trivial baseline: std of f under the uniform law on [-1, 1]^2, by adaptive quadrature
    f = lambda y, x: math.exp(math.sin(math.pi * x) + y * y)  # noqa: E731
    m1 = integrate.dblquad(f, -1, 1, -1, 1)[0] / 4
    m2 = integrate.dblquad(lambda y, x: f(y, x) ** 2, -1, 1, -1, 1)[0] / 4
    assert task.trivial_baseline == pytest.approx(math.sqrt(m2 - m1 * m1), rel=1e-4)
    assert task.metric == "rmse" and not task.higher_is_better


def _special_reference(fn: str, a: float, b: float) -> float:
    if fn == "ellipj":
        return float(mpmath.ellipfun("sn", a, m=b))
    if fn == "ellipkinc":
        return float(mpmath.ellipf(a, b))
    if fn == "jv":
        return float(mpmath.besselj(a, b))
    if fn == "lpmv":  # with the Condon-Shortley phase, as scipy
        return float(mpmath.legenp(a, 1, b, type=2))
    if fn == "sph_harm":  # Re Y_2^1(theta, phi) = -1/2 sqrt(15 / (2 pi)) sin(theta) cos(theta) cos(phi)
        return -0.5 * math.sqrt(15 / (2 * math.pi)) * math.sin(a) * math.cos(a) * math.cos(b)
    raise AssertionError(fn)


_DOMAINS = {"ellipj": ((-1, 1), (0, 1)), "ellipkinc": ((-1, 1), (0, 1)), "jv": ((0, 2), (0, 10)),
            "lpmv": ((0, 4), (-1, 1)), "sph_harm": ((0, math.pi), (0, 2 * math.pi))}


@pytest.mark.parametrize("fn", sorted(_DOMAINS))
def test_special_fn_values(fn):
    task = tiny("special_fn", fn=fn, n_train=12, n_test=4)
    d = fresh(task, 0)
    (alo, ahi), (blo, bhi) = _DOMAINS[fn]
    for u, y in zip(d.x_train.double().tolist(), d.y_train[:, 0].tolist()):
        a = alo + (u[0] + 1) / 2 * (ahi - alo)
        b = blo + (u[1] + 1) / 2 * (bhi - blo)
        assert y == pytest.approx(_special_reference(fn, a, b), rel=1e-5, abs=1e-6)
    assert 0 < task.trivial_baseline < 10


def test_periodic_extrapolation_split_and_baseline():
    task = tiny("periodic_extrapolation")
    r = task.options["train_radius"]
    d = fresh(task, 0)
    xtr, xte = d.x_train.double()[:, 0], d.x_test.double()[:, 0]
    assert (xtr.abs() <= r).all()
    assert ((xte.abs() > r) & (xte.abs() <= 3 * r)).all()
    assert (xte > 0).sum() == (xte < 0).sum()
    assert torch.allclose(d.y_test.double()[:, 0], torch.sin(xte), atol=1e-6)
    # mean of sin^2 over (r, 3r]: 1/2 - (sin(6r) - sin(2r)) / (8r)
    assert task.trivial_baseline == pytest.approx(0.5 - (math.sin(6 * r) - math.sin(2 * r)) / (8 * r), rel=1e-7)
    sines = get_task("periodic_extrapolation", fn="sines")
    # mean of f^2 on (5, 15], f = sin x + sin 2x / 2 + sin 4x / 4, by a midpoint rule
    t = 5 + (np.arange(200_000) + 0.5) * 10 / 200_000
    f = np.sin(t) + 0.5 * np.sin(2 * t) + 0.25 * np.sin(4 * t)
    assert sines.trivial_baseline == pytest.approx(np.mean(f * f), rel=1e-6)


def test_image_fit_psnr():
    task = tiny("image_fit")
    d = fresh(task, 0)
    y = d.y_test
    assert task.score(y.clone(), y) == math.inf
    yn = y.double().numpy()
    mean_pred = np.broadcast_to(yn.mean(0), yn.shape)
    expected = 10 * math.log10(4.0 / np.mean((mean_pred - yn) ** 2))  # peak-to-peak 2 for [-1, 1]
    assert task.score(torch.from_numpy(mean_pred.copy()), y) == pytest.approx(expected, rel=1e-9)
    assert task.trivial_baseline == pytest.approx(expected, rel=1e-4)
    # predictions outside [-1, 1] are clipped first, as for an image
    assert task.score(y * 0 + 5.0, y) == task.score(y * 0 + 1.0, y)


def test_image_fit_pixels_and_coordinates():
    from sklearn.datasets import load_sample_image

    task = get_task("image_fit", size=7)  # 427 = 7 x 61: area averaging is an exact block mean
    d = fresh(task, 0)
    img = load_sample_image("china.jpg").astype(np.float64) / 255.0
    left = (640 - 427) // 2
    blocks = img[:, left:left + 427].reshape(7, 61, 7, 61, 3).mean((1, 3)) * 2 - 1
    np.testing.assert_allclose(d.y_train.numpy(), blocks.reshape(-1, 3), atol=1e-6)
    centres = (np.arange(7) + 0.5) / 7 * 2 - 1
    xy = d.x_train.numpy()
    np.testing.assert_allclose(xy[:7, 0], centres, atol=1e-7)  # first row: x runs left to right
    np.testing.assert_allclose(xy[::7, 1], centres, atol=1e-7)  # first column: y runs top to bottom


def test_mnist1d_matches_package_and_is_balanced():
    from mnist1d.data import get_dataset_args, make_dataset

    task = tiny("mnist1d")
    d = fresh(task, 5)
    args = get_dataset_args()
    args.num_samples, args.seed = 200, 5
    state = np.random.get_state()
    ref = make_dataset(args)
    np.random.set_state(state)
    np.testing.assert_array_equal(d.x_train.numpy(), ref["x"].astype(np.float32))
    np.testing.assert_array_equal(d.y_test.numpy(), ref["y_test"])
    labels = torch.cat([d.y_train, d.y_test])
    assert torch.bincount(labels, minlength=10).tolist() == [20] * 10
    assert len(d.y_train) == 160
    seq = fresh(tiny("mnist1d_seq"), 5)
    assert torch.equal(seq.x_train[:, :, 0], d.x_train)


def test_mnist1d_published_numbers():
    assert get_task("mnist1d").published["CNN (MNIST-1D README)"] == 94.0
    assert get_task("mnist1d", shuffle_seq=True).published["CNN (MNIST-1D README, shuffled)"] == 56.0
    assert get_task("mnist1d_seq").published["GRU (MNIST-1D README)"] == 91.0
    assert get_task("mnist1d", num_samples=1000).published == {}


def test_digits_split_is_stratified_and_complete():
    from sklearn.datasets import load_digits

    raw = load_digits()
    task = tiny("digits")
    d = fresh(task, 0)
    assert len(d.y_train) + len(d.y_test) == 1797
    counts = np.bincount(raw.target, minlength=10)
    test_counts = np.bincount(d.y_test.numpy(), minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * counts) <= 0.5)
    # every image appears exactly once, with its own label
    rows = {tuple(r): int(t) for r, t in zip(raw.data.astype(int).tolist(), raw.target)}
    got = torch.cat([d.x_train, d.x_test]).reshape(-1, 64).mul(16).round().long().tolist()
    labels = torch.cat([d.y_train, d.y_test]).tolist()
    assert sorted(map(tuple, got)) == sorted(map(tuple, raw.data.astype(int).tolist()))
    assert all(rows[tuple(r)] == t for r, t in zip(got, labels))


def test_digits_sequence_layouts():
    img = fresh(tiny("digits"), 4)
    seq = fresh(tiny("digits_seq"), 4)
    pseq_task = tiny("digits_pseq")
    pseq, pseq_other_seed = fresh(pseq_task, 4), fresh(pseq_task, 9)
    assert torch.equal(seq.x_train[:, :, 0], img.x_train.reshape(-1, 64))
    perm = pseq_task.permutation
    assert sorted(perm.tolist()) == list(range(64)) and not np.array_equal(perm, np.arange(64))
    assert torch.equal(pseq.x_train[:, :, 0], seq.x_train[:, perm, 0])
    assert torch.equal(pseq.y_train, seq.y_train)
    # the permutation is part of the task, not of the data seed
    other_seq = fresh(tiny("digits_seq"), 9)
    assert torch.equal(pseq_other_seed.x_train[:, :, 0], other_seq.x_train[:, perm, 0])
    assert not np.array_equal(get_task("digits_pseq", perm_seed=1).permutation, perm)
