"""Pathfinder: are the two markers connected by one contour?  (LRA Pathfinder-32 style)

"Learning long-range spatial dependencies with horizontal gated recurrent
units", Linsley et al., NeurIPS 2018 (arXiv 1805.08315), as used in "Long
Range Arena", Tay et al., ICLR 2021 (arXiv 2011.04006): a 32 x 32 grey image
with two long curved contours ("snakes"), a few short distractor snakes and
two round markers.  Positive (label 1): both markers sit on the two ends of
the same snake.  Negative (label 0): one marker on one end of each long
snake.  Both classes have the same number of long snakes and distractors.

Drawn with NumPy (our re-implementation from the description; the original
py2/cv2 code is not used):

* a snake is a polyline of ``contour_length`` segments of ``paddle_length``
  pixels; each segment turns from the previous one by an angle uniform in
  [-max_turn, max_turn] with max_turn = ``continuity`` x 0.5 rad (our reading
  of LRA's ``continuity`` = 1.0; unverified), and must stay inside the image;
* segments are drawn as anti-aliased lines of width ``thickness`` = 0.5 (pixel
  value = clip(thickness/2 + 0.5 - distance, 0, 1)); markers are discs of
  radius 1.5 drawn the same way; distractors have contour_length // 3
  segments, ``20 // (contour_length // 3)`` of them (LRA: 20 / dist_len);
* unlike the original, segments are contiguous (no gaps between paddles), so
  every snake is one 8-connected set of lit pixels;
* the two markers are at least ``seed_distance`` = 7 pixels apart in both classes.

How labels are guaranteed: every object (a snake with its markers) is placed
only where it does not touch the union of the objects already placed grown
by one pixel (3 x 3 dilation).  So distinct objects never share or touch lit
pixels, and the lit pixels of the image split into one 8-connected component
per object: a positive's markers are connected through their snake, a
negative's markers lie in two different components.  The tests check this
with a flood fill.

Layouts: ``image`` gives (1, 32, 32) for CNNs; ``sequence`` gives the raster
scan as a (1024, 1) sequence (LRA's setting; the published Transformer
accuracy, 71.40 %, is for that layout with LRA's 160k training images).
"""

from __future__ import annotations

import math

import numpy as np

from .base import Option, OptionTask, TaskData, TrainDefaults, as_tensors, register_task, task_rng

MARKER_RADIUS = 1.5
THICKNESS = 0.5
SEED_DISTANCE = 7.0
MARGIN = 1.0  # padding: polylines stay this far inside the image
TURN_PER_CONTINUITY = 0.5  # radians of maximum turn per unit of `continuity`


class _Canvas:
    """Anti-aliased polylines and discs, each computed only inside its bounding box."""

    def __init__(self, size: int):
        self.size = size

    def _box(self, lo_xy: np.ndarray, hi_xy: np.ndarray, reach: float):
        x0, y0 = (max(0, int(math.floor(v - reach))) for v in lo_xy)
        x1, y1 = (min(self.size, int(math.ceil(v + reach)) + 1) for v in hi_xy)
        yy, xx = np.meshgrid(np.arange(y0, y1) + 0.5, np.arange(x0, x1) + 0.5, indexing="ij")
        return (slice(y0, y1), slice(x0, x1)), np.stack([xx.ravel(), yy.ravel()], 1), yy.shape

    def polyline(self, pts: np.ndarray, width: float) -> np.ndarray:
        reach = width / 2 + 0.5
        box, px, shape = self._box(pts.min(0), pts.max(0), reach)
        a, b = pts[:-1], pts[1:]                         # (S, 2) segment ends, (x, y)
        ab = b - a
        ap = px[:, None, :] - a[None]                    # (P, S, 2)
        t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
        d = np.sqrt((((ap - t[..., None] * ab) ** 2).sum(-1)).min(1))
        out = np.zeros((self.size, self.size))
        out[box] = np.clip(reach - d, 0.0, 1.0).reshape(shape)
        return out

    def disc(self, centre: np.ndarray, radius: float) -> np.ndarray:
        reach = radius + 0.5
        box, px, shape = self._box(centre, centre, reach)
        d = np.sqrt(((px - centre) ** 2).sum(-1))
        out = np.zeros((self.size, self.size))
        out[box] = np.clip(reach - d, 0.0, 1.0).reshape(shape)
        return out


def _vertices_free(pts: np.ndarray, occupied: np.ndarray) -> bool:
    """Cheap pre-check before rendering: no vertex lies in an occupied pixel."""
    ij = np.clip(pts.astype(int), 0, occupied.shape[0] - 1)
    return not occupied[ij[:, 1], ij[:, 0]].any()


def dilate(mask: np.ndarray) -> np.ndarray:
    """3 x 3 binary dilation (8-neighbourhood)."""
    p = np.pad(mask, 1)
    out = np.zeros_like(mask)
    h, w = mask.shape
    for dy in range(3):
        for dx in range(3):
            out |= p[dy:dy + h, dx:dx + w]
    return out


class _Uniforms:
    """Scalar U[0, 1) draws from a NumPy generator, fetched in blocks (NumPy scalar calls are slow)."""

    def __init__(self, rng: np.random.Generator, block: int = 4096):
        self.rng, self.block, self.buf, self.i = rng, block, [], 0

    def __call__(self, low: float = 0.0, high: float = 1.0) -> float:
        if self.i == len(self.buf):
            self.buf, self.i = self.rng.random(self.block).tolist(), 0
        self.i += 1
        return low + (high - low) * self.buf[self.i - 1]


def random_polyline(u: _Uniforms, n_seg: int, seg_len: float, max_turn: float, size: int,
                    lo: float, tries: int = 50) -> np.ndarray | None:
    """A polyline of n_seg segments whose points stay in [lo, size - lo]^2, or None."""
    hi = size - lo
    for _ in range(tries):
        x, y = u(lo, hi), u(lo, hi)
        theta = u(0.0, 2 * math.pi)
        pts = [(x, y)]
        for k in range(n_seg):
            for _ in range(20):
                t = theta + (u(-max_turn, max_turn) if k else 0.0)
                qx, qy = x + seg_len * math.cos(t), y + seg_len * math.sin(t)
                if lo <= qx <= hi and lo <= qy <= hi:
                    break
                if not k:  # first segment: any direction
                    theta = u(0.0, 2 * math.pi)
            else:
                break
            theta, x, y = t, qx, qy
            pts.append((x, y))
        if len(pts) == n_seg + 1:
            return np.array(pts)
    return None


def draw_pathfinder(rng: np.random.Generator | _Uniforms, label: int, *, size: int = 32, contour_length: int = 14,
                    paddle_length: float = 2.0, continuity: float = 1.0,
                    max_restarts: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """One float (size, size) image in [0, 1] and its two marker centres (2, 2) as (x, y).

    ``label`` 1 puts both markers on the ends of one snake, 0 one on each snake.
    """
    canvas = _Canvas(size)
    u = rng if isinstance(rng, _Uniforms) else _Uniforms(rng)
    max_turn = continuity * TURN_PER_CONTINUITY
    dist_len = max(1, contour_length // 3)
    n_distractors = 20 // dist_len
    marker_lo = MARGIN + MARKER_RADIUS  # marker discs stay inside the image
    for _ in range(max_restarts):
        image = np.zeros((size, size))
        occupied = np.zeros((size, size), dtype=bool)

        def place(obj: np.ndarray) -> bool:
            nonlocal image, occupied
            lit = obj > 0
            if (lit & occupied).any():
                return False
            image = np.maximum(image, obj)
            occupied = occupied | dilate(lit)
            return True

        # First long snake: positives carry both markers (far enough apart), negatives one.
        for _ in range(30):
            a = random_polyline(u, contour_length, paddle_length, max_turn, size, marker_lo)
            if a is not None and (label == 0 or np.linalg.norm(a[0] - a[-1]) >= SEED_DISTANCE):
                break
        else:
            continue
        ends = [a[0], a[-1]] if label == 1 else [a[-1 if u() < 0.5 else 0]]
        obj = canvas.polyline(a, THICKNESS)
        for m in ends:
            obj = np.maximum(obj, canvas.disc(m, MARKER_RADIUS))
        place(obj)  # the canvas is empty: always fits
        # Second long snake: unmarked for positives, carrying the second marker for negatives.
        for _ in range(30):
            b = random_polyline(u, contour_length, paddle_length, max_turn, size, marker_lo)
            if b is None or not _vertices_free(b, occupied):
                continue
            obj = canvas.polyline(b, THICKNESS)
            if label == 0:
                m = b[-1 if u() < 0.5 else 0]
                if np.linalg.norm(m - ends[0]) < SEED_DISTANCE:
                    continue
                obj = np.maximum(obj, canvas.disc(m, MARKER_RADIUS))
            if place(obj):
                if label == 0:
                    ends.append(m)
                break
        else:
            continue
        for _ in range(n_distractors):  # a distractor that finds no room in 10 tries is skipped
            for _ in range(10):
                d = random_polyline(u, dist_len, paddle_length, max_turn, size, MARGIN)
                if d is not None and _vertices_free(d, occupied) and place(canvas.polyline(d, THICKNESS)):
                    break
        return image, np.array(ends)
    raise RuntimeError(f"pathfinder: could not place two snakes of {contour_length} segments in a "
                       f"{size} x {size} image; lower contour_length")


@register_task
class Pathfinder(OptionTask):
    """Binary: do the two markers lie on one contour?  Pathfinder-32 by default."""

    name = "pathfinder"
    description = "Pathfinder-32 (LRA): are the two markers joined by one contour? image or 1024-step sequence"
    output_kind = "classification"
    metric = "accuracy"
    trivial_baseline = 50.0
    trivial_baseline_note = "chance: exactly balanced labels"
    reference = ('"Learning long-range spatial dependencies with horizontal gated recurrent units", Linsley et al., '
                 'NeurIPS 2018, arXiv 1805.08315; "Long Range Arena", Tay et al., ICLR 2021, arXiv 2011.04006')
    num_outputs = 2
    option_specs = {
        "layout": Option("image", str, choices=("image", "sequence"), doc="(1, S, S) image or (S*S, 1) sequence"),
        "size": Option(32, int, low=16, high=128, doc="image side S (LRA: 32; Path-X: 128)"),
        "contour_length": Option(14, int, low=3, high=40, doc="segments per long snake (LRA: 14)"),
        "continuity": Option(1.0, float, low=0.0, high=6.0, doc="max turn per segment, in units of 0.5 rad"),
        "n_train": Option(1000, int, low=2, doc="training images (LRA: ~160k)"),
        "n_test": Option(200, int, low=2, doc="test images"),
    }
    defaults = {
        "quick": TrainDefaults(epochs=3, batch_size=64, lr=1e-3, max_seconds=60.0),
        "full": TrainDefaults(epochs=50, batch_size=64, lr=1e-3),
    }

    def setup(self) -> None:
        o = self.options
        s = o["size"]
        seq = o["layout"] == "sequence"
        self.input_shape = (s * s, 1) if seq else (1, s, s)
        self.default_model = "sequence" if seq else "cnn2d"
        lra = seq and s == 32 and o["contour_length"] == 14 and o["continuity"] == 1.0
        self.published = {"Transformer (LRA Pathfinder-32)": 71.40} if lra else {}

    def _make(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        o = self.options
        labels = rng.permutation(np.arange(n) % 2)  # exactly balanced (one off for odd n)
        images, markers = [], []
        u = _Uniforms(rng)  # one scalar stream for the whole split
        for lab in labels:
            img, ends = draw_pathfinder(u, int(lab), size=o["size"], contour_length=o["contour_length"],
                                        continuity=o["continuity"])
            images.append(img)
            markers.append(ends)
        return np.stack(images), labels, np.stack(markers)

    def generate(self, seed: int) -> TaskData:
        rng = task_rng(seed, self.name)
        xtr, ytr, mtr = self._make(rng, self.options["n_train"])
        xte, yte, mte = self._make(rng, self.options["n_test"])
        s = self.options["size"]
        shape = (-1, s * s, 1) if self.options["layout"] == "sequence" else (-1, 1, s, s)
        meta = {"seed": seed, "train_markers": mtr, "test_markers": mte,
                "markers_note": "marker centres (x, y) in pixel units, pixel (i, j) has centre (j + .5, i + .5)"}
        return as_tensors(xtr.reshape(shape), ytr, xte.reshape(shape), yte, meta)
