"""Long Range Arena ListOps and Pathfinder from a local copy of ``lra_release`` (no download).

"Long Range Arena: A Benchmark for Efficient Transformers", Tay et al.,
ICLR 2021 (arXiv 2011.04006); the data are the authors' release
``lra_release.gz``.  These tasks read its files; ``listops`` and
``pathfinder`` (other modules) generate look-alike data in the process.

**ListOps** (``lra_listops``), folder ``lra_release/listops-1000``:
``basic_train.tsv``, ``basic_val.tsv``, ``basic_test.tsv`` (96,000 / 2,000 /
2,000 rows), tab-separated with the header ``Source<TAB>Target``.  Source is
an expression such as ``( ( [MAX 2 9 ) ] )``; Target its value 0..9.  As in
LRA's input pipeline, parentheses are deleted and the rest split on white
space into the 15 symbols (digits, ``[MIN [MAX [MED [SM``, ``]``); ids are
those of :mod:`.listops` (0 = pad).  LRA keeps the first ``max_length`` =
2000 tokens; we do the same and pad on the left, as ``listops`` does.

**Pathfinder** (``lra_pathfinder``), folder ``lra_release/pathfinder32``
(or 64, 128, 256) with one sub-folder per difficulty: ``curv_baseline``
(easy), ``curv_contour_length_9`` (intermediate), ``curv_contour_length_14``
(hard, the split LRA reports).  Each has ``metadata/<k>.npy`` and
``imgs/<k>/sample_<i>.png``.  Despite the name, a metadata file is plain
text: one line per image, fields separated by single spaces; field 0 is the
image's folder (``imgs/<k>``), field 1 its file name and field 3 its label
(0/1), as LRA's reader uses them.  Images are 8-bit grey PNGs of
resolution x resolution pixels.  The release has at least one empty PNG
(LRA's loaders skip it); empty images are skipped and counted in ``meta``.
LRA splits each difficulty 80 / 10 / 10 % into train / val / test; we do the
same on the images in metadata-file order (files sorted by number, lines in
file order), so the split is fixed.

``n_train`` / ``n_test`` (0 = all) take a seeded random subset; with both 0
the data do not depend on the seed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng
from .data_files import DataFilesError, find_data_dir
from .listops import PAD, TOKEN_IDS, VOCAB_SIZE

_LRA_REF = ('"Long Range Arena: A Benchmark for Efficient Transformers", Tay et al., ICLR 2021, arXiv 2011.04006 '
            "(data: lra_release)")
_HOW_TO_GET = "LRA's data are the release lra_release.gz linked from github.com/google-research/long-range-arena."


def _subset(rng: np.random.Generator, n_have: int, n_want: int, task: str, key: str) -> np.ndarray:
    if n_want > n_have:
        raise DataFilesError(f"task '{task}': {key}={n_want} but the split holds only {n_have} examples")
    return np.sort(rng.permutation(n_have)[:n_want]) if n_want else np.arange(n_have)


# ---------------------------------------------------------------------------
# ListOps
# ---------------------------------------------------------------------------

_LISTOPS_SPLITS = {"train": "basic_train.tsv", "val": "basic_val.tsv", "test": "basic_test.tsv"}


def lra_listops_tokens(source: str) -> list[str]:
    """LRA's tokenisation: delete '(' and ')', split on white space."""
    return source.replace("(", " ").replace(")", " ").split()


def read_listops_tsv(path: Path, task_name: str = "lra_listops") -> tuple[list[list[int]], np.ndarray]:
    """(token-id lists, int64 labels) of one LRA ListOps TSV file, checked."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataFilesError(f"task '{task_name}': {path} is not UTF-8 text ({err})") from None
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    header = next(rows, None)
    if header is None or [h.strip() for h in header[:2]] != ["Source", "Target"]:
        raise DataFilesError(f"task '{task_name}': {path} must start with the header 'Source<TAB>Target'; "
                             f"got {header!r}")
    ids, labels = [], []
    for line_no, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) < 2:
            raise DataFilesError(f"task '{task_name}': {path} line {line_no}: expected Source<TAB>Target; got {row!r}")
        try:
            seq = [TOKEN_IDS[t] for t in lra_listops_tokens(row[0])]
        except KeyError as err:
            raise DataFilesError(f"task '{task_name}': {path} line {line_no}: unknown token {err.args[0]!r} "
                                 f"(allowed: digits 0-9, [MIN, [MAX, [MED, [SM, ], parentheses)") from None
        try:
            label = int(row[1])
        except ValueError:
            label = -1
        if not 0 <= label <= 9 or not seq:
            raise DataFilesError(f"task '{task_name}': {path} line {line_no}: need a non-empty Source and a Target "
                                 f"in 0..9; got {row[1]!r}")
        ids.append(seq)
        labels.append(label)
    if not labels:
        raise DataFilesError(f"task '{task_name}': {path} has a header but no examples")
    return ids, np.array(labels, dtype=np.int64)


def pad_left(seqs: list[list[int]], max_length: int) -> tuple[np.ndarray, int]:
    """(N, max_length) ids, the first max_length tokens of each sequence, padded on the left; and how many were cut."""
    out = np.full((len(seqs), max_length), PAD, dtype=np.int8)  # 16 ids; int8 keeps 96k x 2000 small
    cut = 0
    for i, s in enumerate(seqs):
        if len(s) > max_length:
            s, cut = s[:max_length], cut + 1
        out[i, max_length - len(s):] = s
    return out, cut


@register_task
class LraListOps(OptionTask):
    """LRA ListOps read from the released TSV files (10 classes)."""

    name = "lra_listops"
    description = "LRA ListOps from local lra_release files (96k/2k/2k expressions, up to 2000 tokens), 10 classes"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline_note = "majority class of the training labels, scored on the test set (set per seed in meta)"
    reference = ('"ListOps: A Diagnostic Dataset for Latent Tree Learning", Nangia & Bowman, NAACL SRW 2018, '
                 "arXiv 1804.06028; " + _LRA_REF)
    default_model = "transformer"
    num_outputs = 10
    vocab_size = VOCAB_SIZE
    pad_token = PAD
    option_specs = {
        "data_dir": Option("", str, doc="folder with basic_{train,val,test}.tsv "
                                        "(empty: use the environment variables)"),
        "max_length": Option(2000, int, low=2, doc="tokens kept (the first ones) and padded length (LRA: 2000)"),
        "test_split": Option("test", str, choices=("test", "val"), doc="which held-out file is scored"),
        "n_train": Option(0, int, low=0, doc="seeded random subset of the training file (0: all)"),
        "n_test": Option(0, int, low=0, doc="seeded random subset of the scored file (0: all)"),
    }
    defaults = {  # LRA: 5000 steps of batch 32 (~1.7 epochs of 96k)
        "quick": TrainDefaults(epochs=1, batch_size=32, lr=1e-3, max_seconds=120.0),
        "full": TrainDefaults(epochs=10, batch_size=32, lr=1e-3),
    }

    def setup(self) -> None:
        o = self.options
        self.input_shape = (o["max_length"],)
        full = o["max_length"] == 2000 and o["test_split"] == "test" and not o["n_train"] and not o["n_test"]
        self.published = {"Transformer (LRA)": 36.37} if full else {}
        self.folder = find_data_dir(self.name, o["data_dir"], "NONLIN_LISTOPS_DIR", "lra_release/listops-1000",
                                    (_LISTOPS_SPLITS["train"], _LISTOPS_SPLITS[o["test_split"]]),
                                    how_to_get=_HOW_TO_GET)

    def generate(self, seed: int) -> TaskData:
        o = self.options
        rng = task_rng(seed, self.name)
        tr_ids, ytr = read_listops_tsv(self.folder / _LISTOPS_SPLITS["train"], self.name)
        te_ids, yte = read_listops_tsv(self.folder / _LISTOPS_SPLITS[o["test_split"]], self.name)
        itr = _subset(rng, len(ytr), o["n_train"], self.name, "n_train")
        ite = _subset(rng, len(yte), o["n_test"], self.name, "n_test")
        xtr, cut_tr = pad_left([tr_ids[i] for i in itr], o["max_length"])
        xte, cut_te = pad_left([te_ids[i] for i in ite], o["max_length"])
        ytr, yte = ytr[itr], yte[ite]
        majority = int(np.bincount(ytr, minlength=10).argmax())
        meta = {"seed": seed, "folder": str(self.folder), "truncated_train": cut_tr, "truncated_test": cut_te,
                "majority_class_accuracy": float(np.mean(yte == majority) * 100.0)}
        return as_tensors(xtr, ytr, xte, yte, meta)


# ---------------------------------------------------------------------------
# Pathfinder
# ---------------------------------------------------------------------------

DIFFICULTY_DIRS = {"easy": "curv_baseline", "intermediate": "curv_contour_length_9", "hard": "curv_contour_length_14"}


def read_pathfinder_metadata(folder: Path, task_name: str = "lra_pathfinder") -> list[tuple[Path, int]]:
    """(image path, label) of every line of every ``metadata/*.npy`` (text) file, files in numeric order."""
    meta_dir = folder / "metadata"
    files = sorted(meta_dir.glob("*.npy"), key=lambda p: (int(p.stem) if p.stem.isdigit() else 1 << 62, p.name))
    if not files:
        raise DataFilesError(f"task '{task_name}': {meta_dir} has no *.npy metadata files")
    out = []
    for f in files:
        try:
            lines = f.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError:
            raise DataFilesError(f"task '{task_name}': {f} is not LRA Pathfinder metadata (text lines "
                                 "'<folder> <file> <n> <label> ...'); it is not UTF-8 text") from None
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            fields = line.split(" ")
            if len(fields) < 4 or fields[3] not in ("0", "1"):
                raise DataFilesError(f"task '{task_name}': {f} line {line_no}: expected '<folder> <file> <n> <label> "
                                     f"...' with label 0 or 1; got {line[:80]!r}")
            out.append((folder / fields[0] / fields[1], int(fields[3])))
    return out


def read_grey_png(path: Path, size: int, task_name: str = "lra_pathfinder") -> np.ndarray | None:
    """A (size, size) float32 image in [0, 1]; None for an empty file (the release has one)."""
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise DataFilesError(f"task '{task_name}': {path} is listed in the metadata but does not exist")
    if path.stat().st_size == 0:
        return None
    try:
        with Image.open(path) as im:
            a = np.asarray(im.convert("L"), dtype=np.float32)
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise DataFilesError(f"task '{task_name}': {path} is not a readable PNG ({err})") from None
    if a.shape != (size, size):
        raise DataFilesError(f"task '{task_name}': {path} is {a.shape[1]}x{a.shape[0]} pixels; "
                             f"resolution={size} expects {size}x{size}")
    return a / 255.0


@register_task
class LraPathfinder(OptionTask):
    """LRA Pathfinder read from the released PNG images and metadata (2 classes)."""

    name = "lra_pathfinder"
    description = "LRA Pathfinder from local lra_release images: are the two markers joined by a contour?"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline = 50.0
    trivial_baseline_note = "chance; the release is near balanced (the exact majority rate is in meta per seed)"
    reference = ('"Learning long-range spatial dependencies with horizontal gated recurrent units", Linsley et al., '
                 "NeurIPS 2018, arXiv 1805.08315; " + _LRA_REF)
    num_outputs = 2
    option_specs = {
        "data_dir": Option("", str, doc="folder pathfinder<resolution> holding the difficulty folders "
                                        "(empty: use the environment variables)"),
        "resolution": Option(32, int, choices=(32, 64, 128, 256), doc="image side (LRA Pathfinder: 32; Path-X: 128)"),
        "difficulty": Option("hard", str, choices=tuple(DIFFICULTY_DIRS),
                             doc="easy = curv_baseline, intermediate = curv_contour_length_9, "
                                 "hard = curv_contour_length_14 (LRA's)"),
        "layout": Option("sequence", str, choices=("image", "sequence"),
                         doc="(1, S, S) image or (S*S, 1) pixel sequence (LRA's)"),
        "test_split": Option("test", str, choices=("test", "val"), doc="which held-out 10 % is scored"),
        "n_train": Option(0, int, low=0, doc="seeded random subset of the training 80 % (0: all)"),
        "n_test": Option(0, int, low=0, doc="seeded random subset of the scored 10 % (0: all)"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=1, batch_size=64, lr=1e-3, max_seconds=120.0),
        "full": TrainDefaults(epochs=20, batch_size=64, lr=1e-3),
    }

    def setup(self) -> None:
        o = self.options
        s = o["resolution"]
        seq = o["layout"] == "sequence"
        self.input_shape = (s * s, 1) if seq else (1, s, s)
        self.default_model = "sequence" if seq else "cnn2d"
        lra = (seq and s == 32 and o["difficulty"] == "hard" and o["test_split"] == "test"
               and not o["n_train"] and not o["n_test"])
        self.published = {"Transformer (LRA Pathfinder-32)": 71.40} if lra else {}
        diff = DIFFICULTY_DIRS[o["difficulty"]]
        env = "NONLIN_PATHFINDER_DIR" if s == 32 else f"NONLIN_PATHFINDER{s}_DIR"
        root = find_data_dir(self.name, o["data_dir"], env, f"lra_release/pathfinder{s}", (f"{diff}/metadata",),
                             how_to_get=_HOW_TO_GET)
        self.folder = root / diff

    def split_indices(self, n: int) -> dict[str, np.ndarray]:
        """LRA's 80 / 10 / 10 % split of the images in metadata order."""
        a, b = int(n * 0.8), int(n * 0.9)
        return {"train": np.arange(a), "val": np.arange(a, b), "test": np.arange(b, n)}

    def _load(self, items: list[tuple[Path, int]]) -> tuple[np.ndarray, np.ndarray, int]:
        s = self.options["resolution"]
        images, labels, empty = [], [], 0
        for path, label in items:
            a = read_grey_png(path, s, self.name)
            if a is None:
                empty += 1
                continue
            images.append(a)
            labels.append(label)
        if not images:
            raise DataFilesError(f"task '{self.name}': every selected image in {self.folder} is empty")
        shape = (-1, s * s, 1) if self.options["layout"] == "sequence" else (-1, 1, s, s)
        return np.stack(images).reshape(shape), np.array(labels, dtype=np.int64), empty

    def generate(self, seed: int) -> TaskData:
        o = self.options
        rng = task_rng(seed, self.name)
        items = read_pathfinder_metadata(self.folder, self.name)
        split = self.split_indices(len(items))
        if not len(split["train"]) or not len(split[o["test_split"]]):
            raise DataFilesError(f"task '{self.name}': {self.folder} lists {len(items)} images, too few for an "
                                 f"80/10/10 split with a non-empty {o['test_split']} part")
        itr = split["train"][_subset(rng, len(split["train"]), o["n_train"], self.name, "n_train")]
        ite = split[o["test_split"]][_subset(rng, len(split[o["test_split"]]), o["n_test"], self.name, "n_test")]
        xtr, ytr, empty_tr = self._load([items[i] for i in itr])
        xte, yte, empty_te = self._load([items[i] for i in ite])
        majority = int(np.bincount(ytr, minlength=2).argmax())
        meta = {"seed": seed, "folder": str(self.folder), "empty_images_skipped": empty_tr + empty_te,
                "majority_class_accuracy": float(np.mean(yte == majority) * 100.0)}
        return as_tensors(xtr, ytr, xte, yte, meta)

