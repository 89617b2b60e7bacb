"""Mammogram preprocessing on 2-D grayscale arrays (``uint8``, ``uint16`` or float).

Every function keeps the input dtype and rejects empty, non-2-D and NaN input with a
:class:`mammokit.errors.PreprocessError`.

Examples
--------
>>> import numpy as np
>>> img = np.zeros((100, 60), np.uint8)
>>> img[20:80, 0:40] = 180                      # a "breast" on the left edge
>>> img[2:6, 50:58] = 255                       # a burnt-in label
>>> crop_breast(img).shape                      # the breast and a 2% margin
(64, 41)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mammokit.errors import PreprocessError
from mammokit.imaging.io import significant_bits

__all__ = [
    "MIN_SIDE_CONFIDENCE",
    "PreprocessError",
    "SideGuess",
    "breast_mask",
    "clahe",
    "crop_breast",
    "flip_to_left",
    "guess_side",
    "remove_pectoral",
    "side_guess",
]


def _check(image: np.ndarray, name: str = "image") -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise PreprocessError(f"{name}: expected a numpy array, got {type(image).__name__}")
    if image.ndim != 2:
        raise PreprocessError(f"{name}: expected a 2-D grayscale array, got shape {image.shape}")
    if image.size == 0:
        raise PreprocessError(f"{name}: empty array of shape {image.shape}")
    if image.dtype.kind == "f":
        if not np.isfinite(image).all():
            raise PreprocessError(f"{name}: contains NaN or infinite values")
    elif image.dtype not in (np.uint8, np.uint16):
        raise PreprocessError(
            f"{name}: unsupported dtype {image.dtype} (use uint8, uint16 or float)"
        )
    return image


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Scale an image to ``uint8`` for display.

    16-bit images by their significant bits (:func:`mammokit.imaging.io.significant_bits`: a
    12-bit image's 4095 becomes 255, as a 16-bit image's 65535 does), float by min-max.

    Examples
    --------
    >>> import numpy as np
    >>> sixteen, twelve = np.array([[0, 65535]], np.uint16), np.array([[0, 4095]], np.uint16)
    >>> to_uint8(sixteen).tolist(), to_uint8(twelve).tolist()
    ([[0, 255]], [[0, 255]])
    """
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        scale = 255.0 / (2 ** significant_bits(image) - 1)
        return np.round(image.astype(np.float32) * scale).astype(np.uint8)
    values = np.nan_to_num(image.astype(np.float32))
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros(values.shape, np.uint8)
    return np.round((values - low) / (high - low) * 255).astype(np.uint8)


#: Long side of the working copy :func:`breast_mask` segments (full-size films are ~4,500 px).
_WORK_SIZE = 512
#: Tissue must exceed the background by this share of the image's bright level (its 99.5th
#: percentile): the skin line of a scanned film sits at 0.5-3% of it, fat on a digital image
#: at 5-20%, so the threshold lies below both.
_MIN_CONTRAST = 0.01
#: ... and by this many standard deviations of the background's noise.
_NOISE_SIGMAS = 6.0


def breast_mask(image: np.ndarray) -> np.ndarray:
    """Boolean mask of the breast: everything brighter than the background, labels left out.

    The background level and noise are measured on the image half away from the chest wall
    (mostly background on every mammogram); tissue is what stands clear of them. That keeps
    the faint skin line of scanned films and the fatty breast of digital mammograms, which
    splitting the histogram in two (Otsu) loses to the bright glandular core. Film-edge strips
    and burnt-in letters are detached by an opening about 4% of the short side wide and left
    out as smaller regions; the breast is the largest one, restored to its full outline.
    Segmentation runs on a copy at most 512 pixels long, so it takes milliseconds at any size.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((50, 40), np.uint8); img[10:40, :25] = 200; img[2:5, 32:38] = 255
    >>> img[10:40, 20:25] = 4                    # a faint skin line, 2% of the tissue
    >>> mask = breast_mask(img)
    >>> bool(mask[25, 10]), bool(mask[25, 22]), bool(mask[3, 35])   # breast, skin in; label out
    (True, True, False)
    """
    _check(image)
    return _full_size(_segment(image)[1], image.shape)


def _full_size(small: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A working-size 0/1 mask at ``shape`` (nearest neighbour), boolean."""
    if small.shape != tuple(shape):
        small = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return small.astype(bool)


def _segment(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`breast_mask` on a copy at most :data:`_WORK_SIZE` long: the tissue above the
    background level and the breast, both ``uint8`` 0/1 at that size."""
    height, width = image.shape
    factor = max(1.0, max(height, width) / _WORK_SIZE)
    small_size = (max(1, round(width / factor)), max(1, round(height / factor)))
    work = np.asarray(image, np.float32)  # no copy of a float32 image: it is only read
    if factor > 1:
        work = cv2.resize(work, small_size, interpolation=cv2.INTER_AREA)
    smooth = cv2.GaussianBlur(work, (0, 0), 1.0)
    threshold = _background_threshold(smooth)
    # smoothed against noise, unsmoothed against edges bleeding outwards
    binary = ((smooth > threshold) & (work > threshold)).astype(np.uint8)
    # an opening wider than film-border strips and letter strokes detaches them from the
    # breast; outside the image counts as background, so strips along the edges erode away
    kernel_size = max(3, (min(smooth.shape) // 25) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel_size, kernel_size))
    opened = cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    if count <= 1:
        return binary, np.ones(binary.shape, np.uint8)
    largest = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    # the opening also shaved the breast's thin parts (nipple, skin fold): take back the
    # tissue within half a kernel width that is connected to the breast (letters are not)
    half = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, (kernel_size // 2) | 1),) * 2)
    near = binary & cv2.dilate(largest, half)
    _, parts = cv2.connectedComponents(near, connectivity=8)
    seed = np.unravel_index(int(np.argmax(largest)), largest.shape)  # the breast is connected,
    breast = (parts == parts[seed]).astype(np.uint8)  # so one of its pixels names its part
    return binary, _without_edge_strips(breast)


#: A strip along the chest-wall edge beyond the breast (the glow of a scanned film's edge) is
#: narrower than this share of the breast's widest row ...
_STRIP_WIDTH = 0.3
#: ... and runs, nearly as wide all along, over at least this share of the mask's rows.
_STRIP_LENGTH = 0.04
#: The breast's tip runs inside the strip for a while before it widens: this share of the
#: mask's rows next to the breast is kept.
_TIP = 0.03


def _without_edge_strips(breast: np.ndarray) -> np.ndarray:
    """``breast`` without the strips that run along the chest-wall edge above or below it.

    A scanned film's edge often glows: a band a few percent of the image wide along the
    chest-wall side, attached to the breast and as long as the film, which would stretch the
    crop to the film's full height. Rows at the top and bottom of the mask whose width stays
    near the width of the end rows (a long run of a narrow, even band) are taken out, but for
    the :data:`_TIP` next to the breast, where its tip runs inside the band; the tip of a
    breast without a band widens at once and is kept whole.
    """
    widths = breast.sum(axis=1).astype(np.float64)
    rows = np.flatnonzero(widths)
    if rows.size < 10:
        return breast
    widest, length = float(widths.max()), rows[-1] + 1 - rows[0]
    ends = max(3, round(_STRIP_LENGTH * length / 2))
    for order in (rows, rows[::-1]):  # from the top, then from the bottom
        strip = float(np.median(widths[order[:ends]]))
        if strip >= _STRIP_WIDTH * widest:
            continue
        beyond = np.flatnonzero(widths[order] > 1.1 * strip + 2)
        run = int(beyond[0]) if beyond.size else 0
        if run >= _STRIP_LENGTH * length:
            breast[order[: max(0, run - round(_TIP * length))]] = 0
    return breast


def _background_threshold(work: np.ndarray) -> float:
    """Level above which a pixel of a smoothed image is tissue, not background.

    The background is the highest peak of the histogram of the half away from the chest wall
    (a spike at 0 on cleaned films and digital images, a broad hump on a mottled film base);
    its noise is the spread of the values below the peak, which tissue cannot reach.
    """
    sample = work[::2, ::2]  # every fourth pixel: the same levels at a quarter of the cost
    bright = float(np.percentile(sample, 99.5))
    floor = float(work.min())
    if bright <= floor:
        return bright
    half = sample.shape[1] // 2
    left, right = sample[:, :half], sample[:, half:]
    far = left if left.mean() < right.mean() else right  # the half away from the chest wall
    values = (far.ravel() - floor) / (bright - floor)
    bins = 256
    counts = np.bincount(np.clip(values * bins, 0, bins - 1).astype(np.intp), minlength=bins)
    # smoothed over 2% of the range, so that one noisy bin of a broad hump is not the peak
    smoothed = np.convolve(np.pad(counts, 2, mode="reflect"), np.ones(5) / 5, mode="valid")
    around = int(np.argmax(smoothed))
    around = max(0, around - 2) + int(np.argmax(counts[max(0, around - 2) : around + 3]))
    mode = (around + 0.5) / bins
    below = values[values <= mode]
    noise = float(np.sqrt(np.mean((below - mode) ** 2))) if below.size else 0.0
    level = mode + max(_NOISE_SIGMAS * noise, _MIN_CONTRAST)
    return floor + level * (bright - floor)


def crop_breast(
    image: np.ndarray, return_box: bool = False, margin: float = 0.02, blank: bool = False
) -> np.ndarray | tuple[np.ndarray, tuple[int, int, int, int]]:
    """Crop an image to the breast (:func:`breast_mask`) with a small background margin.

    The whole breast stays in the crop, skin line, nipple and fatty tissue included, on
    scanned film and on digital mammograms alike; film labels, scanner strips and film edges
    that are not attached to the breast stay out, and so does the glow strip along a film's
    chest-wall edge above and below the breast. With ``blank``, whatever of them still lies
    inside the crop (a label beside the nipple, a marker, the glow) is set to the background
    level, so that it never reaches a model in full contrast.

    Parameters
    ----------
    image
        2-D grayscale mammogram.
    return_box
        Also return the box ``(y0, y1, x0, x1)``, so that ``image[y0:y1, x0:x1]`` is the crop.
    margin
        Background kept around the breast's bounding box on each side, as a share of the box's
        height (top and bottom) and width (left and right); clipped at the image border.
    blank
        Set the crop's pixels outside the breast (:func:`breast_mask`, widened by 0.5% of the
        image's long side so the skin line is never touched) to the background's median.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, tuple)
        The crop (same dtype), and the box when ``return_box`` is true.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((50, 40), np.uint16); img[10:40, :25] = 30000
    >>> crop, box = crop_breast(img, return_box=True, margin=0.0)
    >>> crop.shape, box
    ((30, 25), (10, 40, 0, 25))
    >>> crop_breast(img, return_box=True)[1]      # 2% of the box on each side, rounded up
    (9, 41, 0, 26)
    >>> img[12:14, 20:24] = 0; img[20:22, 30:33] = 65535  # a dark spot inside, a marker beside
    >>> crop = crop_breast(img, blank=True, margin=0.3)
    >>> int(crop[12, 20]), int(crop.max())        # inside the breast kept; the marker blanked
    (0, 30000)
    """
    if margin < 0:
        raise PreprocessError(f"margin must be >= 0, got {margin}")
    _check(image)
    _, small = _segment(image)
    mask = _full_size(small, image.shape)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    pad_y = int(np.ceil(margin * (rows[-1] + 1 - rows[0])))
    pad_x = int(np.ceil(margin * (cols[-1] + 1 - cols[0])))
    height, width = image.shape
    box = (
        max(0, int(rows[0]) - pad_y),
        min(height, int(rows[-1]) + 1 + pad_y),
        max(0, int(cols[0]) - pad_x),
        min(width, int(cols[-1]) + 1 + pad_x),
    )
    crop = image[box[0] : box[1], box[2] : box[3]]
    if blank:
        keep = _full_size(_widened(small), image.shape)[box[0] : box[1], box[2] : box[3]]
        crop = _blanked(crop, keep, _background_level(image, mask))
    return (crop, box) if return_box else crop


def _background_level(image: np.ndarray, mask: np.ndarray) -> float:
    """The median of the pixels outside the breast (a sample of them), or the minimum."""
    step = max(1, max(image.shape) // 512)
    outside = image[::step, ::step][~mask[::step, ::step]]
    return float(np.median(outside)) if outside.size else float(image.min())


def _widened(breast: np.ndarray) -> np.ndarray:
    """A working-size breast mask widened by 0.5% of its long side (at least a pixel), so
    that blanking never touches the skin line; dilated at the working size, not in full."""
    reach = max(1, round(0.005 * max(breast.shape))) * 2 + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))
    return cv2.dilate(breast, kernel)


def _blanked(crop: np.ndarray, keep: np.ndarray, level: float) -> np.ndarray:
    """``crop`` with the pixels outside ``keep`` set to ``level``."""
    if keep.all():
        return crop
    blanked = crop.copy()
    blanked[~keep] = np.asarray(level).astype(crop.dtype)
    return blanked


def flip_to_left(image: np.ndarray, side: str | None = None) -> np.ndarray:
    """Mirror a mammogram so that the chest wall is on the left image edge.

    Parameters
    ----------
    image
        2-D grayscale mammogram.
    side
        ``"LEFT"`` (returned as is, the Mini-DDSM convention) or ``"RIGHT"`` (mirrored). With
        ``None`` or ``""`` the side is guessed: the half holding more breast is the chest wall.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((40, 60), np.uint8); img[5:35, 30:] = 200   # chest wall on the right
    >>> flip_to_left(img, "RIGHT")[20, ::10].tolist()
    [200, 200, 200, 0, 0, 0]
    >>> flip_to_left(img)[20, ::10].tolist()
    [200, 200, 200, 0, 0, 0]
    """
    _check(image)
    side = (side or "").upper()
    if side not in ("", "LEFT", "RIGHT"):
        raise PreprocessError(f"side must be 'LEFT', 'RIGHT' or None, got {side!r}")
    side = side or guess_side(image)
    return np.ascontiguousarray(image[:, ::-1]) if side == "RIGHT" else image


#: A side guess whose confidence (0..1) is below this is undecided.
MIN_SIDE_CONFIDENCE = 0.25
#: Weight of each cue of :func:`side_guess` (the label is a hint, not always present).
_SIDE_CUES = {"chest_wall": 1.0, "outline": 1.0, "mass": 1.0, "label": 0.5}


@dataclass(frozen=True)
class SideGuess:
    """Which side a mammogram shows, as :func:`side_guess` judged it.

    Attributes
    ----------
    side
        ``"LEFT"`` (chest wall on the left image edge) or ``"RIGHT"``: the better guess.
    confidence
        0 (the cues cancel out) to 1 (every cue agrees fully).
    cues
        Each cue's vote, -1 (right) to 1 (left); a cue that found nothing is absent.
    """

    side: str
    confidence: float
    cues: dict

    @property
    def decided(self) -> bool:
        """Whether :attr:`confidence` reaches :data:`MIN_SIDE_CONFIDENCE`."""
        return self.confidence >= MIN_SIDE_CONFIDENCE


def side_guess(image: np.ndarray) -> SideGuess:
    """Guess which side a mammogram shows from several cues, with a confidence.

    The cues, each a vote from -1 (right) to 1 (left), found on :func:`breast_mask`:

    ``chest_wall``
        The breast lies against the image edge of its side: rows of breast touching the left
        against the right edge.
    ``outline``
        Where the nipple points: the chest-wall side of the outline is straight (many rows
        reach the breast's own bounding box there), the nipple side comes to a point (few
        do), whether or not the breast touches the image edge.
    ``mass``
        A breast is thickest at the chest wall: its tissue in the left against the right half
        of its own width.
    ``label``
        Film labels and markers (bright, small, apart from the breast) sit away from the
        chest wall: on the right half for a left breast. Absent where there is none.

    The confidence is the weighted mean vote's size; under :data:`MIN_SIDE_CONFIDENCE` the
    guess is undecided (:attr:`SideGuess.decided`), and the pipeline then leaves the image
    unmirrored and says so.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((40, 60), np.uint8); img[5:35, 30:] = 200   # chest wall on the right
    >>> guess = side_guess(img)
    >>> guess.side, guess.decided, sorted(guess.cues)
    ('RIGHT', True, ['chest_wall', 'mass', 'outline'])
    """
    _check(image)
    tissue, breast = _segment(image)
    width = breast.shape[1]
    rows = breast.any(axis=1)
    cues = {"chest_wall": _vote(breast[:, 0].sum(), breast[:, -1].sum())}
    if rows.any():
        inside = breast[rows].astype(bool)
        first = inside.argmax(axis=1)
        last = width - 1 - inside[:, ::-1].argmax(axis=1)
        left, right = int(first.min()), int(last.max())
        reach = max(1, round(0.02 * (right + 1 - left)))
        cues["outline"] = _vote((first <= left + reach).sum(), (last >= right - reach).sum())
        columns = breast.sum(axis=0)
        middle = (left + right + 1) // 2
        cues["mass"] = _vote(columns[left:middle].sum(), columns[middle : right + 1].sum())
    cues["label"] = _label_areas(tissue, breast)
    cues = {name: round(vote, 6) for name, vote in cues.items() if vote is not None}
    weights = sum(_SIDE_CUES[name] for name in cues)
    if not weights:  # no breast found: nothing to go by
        return SideGuess("LEFT", 0.0, {})
    score = sum(_SIDE_CUES[name] * vote for name, vote in cues.items()) / weights
    return SideGuess("RIGHT" if score < 0 else "LEFT", round(abs(score), 6), cues)


def _vote(left: float, right: float) -> float | None:
    """-1..1 from two amounts that favour the left and the right; ``None`` when both are 0."""
    total = float(left) + float(right)
    return None if total == 0 else (float(left) - float(right)) / total


def _label_areas(tissue: np.ndarray, breast: np.ndarray) -> float | None:
    """The label cue: small bright parts apart from the breast, on the right half (a left
    breast) against the left half."""
    apart = tissue & (1 - cv2.dilate(breast, np.ones((5, 5), np.uint8)))
    count, _, stats, centroids = cv2.connectedComponentsWithStats(apart, connectivity=8)
    area = breast.size
    small = [
        i for i in range(1, count) if 0.0005 * area <= stats[i, cv2.CC_STAT_AREA] <= 0.03 * area
    ]
    half = breast.shape[1] / 2
    right = sum(stats[i, cv2.CC_STAT_AREA] for i in small if centroids[i][0] >= half)
    left = sum(stats[i, cv2.CC_STAT_AREA] for i in small if centroids[i][0] < half)
    return _vote(right, left)


def guess_side(image: np.ndarray) -> str:
    """Guess which side a mammogram shows: :func:`side_guess`'s better guess.

    The chest wall lies on the image edge of the breast's side (``"LEFT"``: left edge, the
    Mini-DDSM convention; ``"RIGHT"``: right edge). Used when a record's ``side`` is unknown;
    a file stored mirrored from that convention gets the opposite answer.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((40, 60), np.uint8); img[5:35, 30:] = 200   # chest wall on the right
    >>> guess_side(img)
    'RIGHT'
    """
    return side_guess(image).side


def remove_pectoral(image: np.ndarray, fill: float | None = None) -> np.ndarray:
    """Blank out the pectoral muscle of an MLO view whose chest wall is on the left.

    The muscle is the bright wedge in the top-left corner of the breast. Pixels brighter than
    halfway between the corner's and the breast's median belong to it when they form a run
    from the chest wall; the run may only narrow from one row to the next, so the wedge cannot
    leak into bright glandular tissue further down. Call :func:`flip_to_left` first for RIGHT
    views. An image whose corner is not brighter than the breast is returned unchanged.

    Parameters
    ----------
    image
        2-D grayscale MLO mammogram, chest wall on the left.
    fill
        Value written over the muscle; default the image's minimum (background).

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((60, 40), np.uint8); img[5:55, :30] = 120
    >>> ys, xs = np.mgrid[:60, :40]; muscle = (xs / 15 + ys / 20 < 1) & (img > 0)
    >>> img[muscle] = 230
    >>> cleaned = remove_pectoral(img)
    >>> bool((cleaned[muscle] == 0).mean() > 0.95), bool((cleaned[~muscle] == img[~muscle]).all())
    (True, True)
    """
    _check(image)
    breast = breast_mask(image)
    gray = image.astype(np.float32)
    height, width = gray.shape
    top = int(np.flatnonzero(breast.any(axis=1))[0])
    corner = np.s_[top : top + max(2, height // 20), : max(2, width // 20)]
    corner_values = gray[corner][breast[corner]]
    tissue = float(np.median(gray[breast]))
    if corner_values.size == 0 or np.median(corner_values) <= tissue:
        return image.copy()
    bright = (breast & (gray > (float(np.median(corner_values)) + tissue) / 2)).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel).astype(bool)
    runs = np.where(bright.all(axis=1), width, np.argmin(bright, axis=1))
    starts = np.flatnonzero(runs[top:] > 0)
    if starts.size == 0:
        return image.copy()
    first = top + int(starts[0])  # the blurred skin line may sit above the muscle's first row
    runs[:first] = width
    runs = np.minimum.accumulate(runs)
    muscle = np.arange(width)[np.newaxis, :] < runs[:, np.newaxis]
    muscle[:first] = False
    result = image.copy()
    result[muscle & breast] = image.min() if fill is None else fill
    return result


def clahe(
    image: np.ndarray, clip_limit: float = 2.0, tile_grid_size: tuple[int, int] = (8, 8)
) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation (OpenCV), keeping the dtype.

    Parameters
    ----------
    image
        2-D ``uint8`` or ``uint16`` image (float input is scaled to ``uint16`` and back).
    clip_limit
        Contrast limit per tile; higher means stronger equalisation.
    tile_grid_size
        Number of tiles in ``(rows, columns)``.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.tile(np.arange(100, 150, dtype=np.uint8), (50, 1))
    >>> out = clahe(img)
    >>> out.dtype, int(out.max()) - int(out.min()) > 50
    (dtype('uint8'), True)
    """
    _check(image)
    if clip_limit <= 0:
        raise PreprocessError(f"clip_limit must be positive, got {clip_limit}")
    equaliser = cv2.createCLAHE(clipLimit=float(clip_limit), tileGridSize=tuple(tile_grid_size))
    if image.dtype.kind != "f":
        return equaliser.apply(np.ascontiguousarray(image))
    low, high = float(image.min()), float(image.max())
    if high <= low:
        return image.copy()
    scaled = np.round((image - low) / (high - low) * 65535).astype(np.uint16)
    return (equaliser.apply(scaled) / 65535 * (high - low) + low).astype(image.dtype)
