"""Inverted grey levels: a mammogram whose background is bright and breast dark.

An export that never applied DICOM's ``MONOCHROME1`` rule, or a viewer's "invert" saved to
disk, leaves a mammogram in negative: white background, dark breast, dark calcifications.
:func:`mammokit.imaging.io.read_image` already inverts a ``MONOCHROME1`` DICOM; this module
catches the files that carry no such tag (8- and 16-bit PNG/JPEG exports, mislabelled DICOM).

The cue is the background, not the breast: on a mammogram it is a large, flat region at one
end of the grey scale that touches the image border (the side away from the chest wall and
the corners). :func:`detect_inversion` measures, on a copy at most 128 pixels long, how much of
the image is flat, near an extreme and connected to the border, at the dark end and at the
bright end. The larger wins when it is clearly larger (:data:`MIN_MARGIN` times the other) and
covers at least :data:`MIN_BACKGROUND` of the image; anything else is *undecided* and the image
is left as it is, so a normal image is not inverted on a doubtful cue. Dense tissue at the
chest wall, the pectoral muscle, film labels and the unexposed film edges are at an extreme
too, but textured or small next to the background.

Examples
--------
>>> import numpy as np
>>> normal = np.zeros((200, 120), np.uint16)
>>> normal[20:180, :70] = np.random.default_rng(0).integers(1500, 4096, (160, 70))  # tissue
>>> detect_inversion(normal).inverted, detect_inversion(4095 - normal).inverted
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mammokit.imaging.io import significant_bits

__all__ = [
    "MIN_BACKGROUND",
    "MIN_MARGIN",
    "MIN_SIZE",
    "Polarity",
    "detect_inversion",
    "normal_polarity",
]

#: Share of the image the background must cover for a decision.
MIN_BACKGROUND = 0.05
#: How many times the winning end's border-connected flat area must exceed the other's.
MIN_MARGIN = 3.0
#: Images smaller than this on a side are not judged (a thumbnail or a test array is no
#: mammogram).
MIN_SIZE = 32
#: The working copy's longest side.
_WORK_SIZE = 128
#: A pixel is near an extreme within this share of the image's range ...
_EXTREME = 0.25
#: ... and flat when the standard deviation of its 5x5 neighbourhood is below this share.
_FLAT = 0.03


@dataclass(frozen=True)
class Polarity:
    """What :func:`detect_inversion` found in one image.

    Attributes
    ----------
    inverted
        True when the background is bright and the breast dark.
    decided
        False when neither end of the grey scale clearly holds the background (a blank image,
        a breast filling the frame, an image under :data:`MIN_SIZE` pixels): the image is then
        left as it is.
    dark_background, bright_background
        Share of the image that is flat, near the dark (bright) end and connected to the
        border.
    """

    inverted: bool
    decided: bool
    dark_background: float
    bright_background: float

    @property
    def confidence(self) -> float:
        """How clearly one end wins, 0 (a tie) to 1 (the other end has no background).

        Examples
        --------
        >>> Polarity(False, True, 0.4, 0.1).confidence
        0.6
        """
        total = self.dark_background + self.bright_background
        if total == 0:
            return 0.0
        return round(abs(self.dark_background - self.bright_background) / total, 6)

    @property
    def decision(self) -> str:
        """``"normal"``, ``"inverted"`` or ``"undecided"``, as surveys list it."""
        if not self.decided:
            return "undecided"
        return "inverted" if self.inverted else "normal"


def detect_inversion(image: np.ndarray) -> Polarity:
    """Whether a mammogram's grey levels are inverted (bright background, dark breast).

    Parameters
    ----------
    image
        2-D grayscale mammogram, any dtype, as stored.

    Returns
    -------
    Polarity
        The decision and the two background shares it rests on.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((100, 80), np.uint8)
    >>> image[10:90, :50] = np.random.default_rng(0).integers(60, 256, (80, 50))  # tissue
    >>> detect_inversion(255 - image).decision, detect_inversion(np.zeros((9, 9))).decision
    ('inverted', 'undecided')
    """
    work = np.asarray(image)
    if min(work.shape) < MIN_SIZE:
        return Polarity(False, False, 0.0, 0.0)
    if work.dtype not in (np.uint8, np.uint16, np.float32):
        work = work.astype(np.float32)
    factor = max(1.0, max(work.shape) / _WORK_SIZE)
    step = int(factor // 8)
    if step > 1:  # a full-size film: every step-th pixel, then averaged over 8x8 of them
        work, factor = work[::step, ::step], factor / step
    if factor > 1:  # OpenCV shrinks 8- and 16-bit images as they are, no float copy
        size = (max(1, round(work.shape[1] / factor)), max(1, round(work.shape[0] / factor)))
        work = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
    work = work.astype(np.float32)
    low, high = (float(v) for v in np.percentile(work, (0.5, 99.5)))
    if high - low <= 0:
        return Polarity(False, False, 0.0, 0.0)
    work = np.clip((work - low) / (high - low), 0.0, 1.0)
    mean = cv2.blur(work, (5, 5), borderType=cv2.BORDER_REFLECT)
    spread = np.sqrt(np.maximum(cv2.blur(work * work, (5, 5)) - mean * mean, 0.0))
    flat = spread < _FLAT
    dark = _border_area(flat & (work < _EXTREME))
    bright = _border_area(flat & (work > 1 - _EXTREME))
    winner, loser = max(dark, bright), min(dark, bright)
    decided = winner >= MIN_BACKGROUND and winner >= MIN_MARGIN * loser
    return Polarity(decided and bright > dark, decided, round(dark, 6), round(bright, 6))


def _border_area(region: np.ndarray) -> float:
    """Share of the image in the parts of ``region`` that touch the image border."""
    count, labels = cv2.connectedComponents(region.astype(np.uint8), connectivity=8)
    if count <= 1:
        return 0.0
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touching = np.unique(edge[edge > 0])
    return float(np.isin(labels, touching).sum()) / labels.size


def normal_polarity(image: np.ndarray) -> tuple[np.ndarray, Polarity]:
    """``image`` in normal polarity (dark background), and what was detected.

    An inverted integer image is mirrored within its bit depth (a 12-bit image's ``v``
    becomes ``4095 - v``, :func:`~mammokit.imaging.io.significant_bits`), as DICOM's
    ``MONOCHROME1`` rule does; a float image within its own minimum and maximum. The dtype is
    kept.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.full((100, 80), 4095, np.uint16)
    >>> image[10:90, :50] = np.random.default_rng(0).integers(0, 2500, (80, 50))  # tissue
    >>> fixed, polarity = normal_polarity(image)
    >>> polarity.inverted, int(fixed[0, -1]), int(fixed[50, 0]) == 4095 - int(image[50, 0])
    (True, 0, True)
    """
    polarity = detect_inversion(image)
    if not polarity.inverted:
        return image, polarity
    if image.dtype.kind in "ui":
        top = (1 << significant_bits(image)) - 1
        return (top - image.astype(np.int64)).astype(image.dtype), polarity
    return (image.max() + image.min() - image).astype(image.dtype), polarity
