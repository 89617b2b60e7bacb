"""One intensity scale for every image: stored values mapped to 0..255 before the model.

Digital mammograms are 10-, 12- or 14-bit images, usually exported in 16-bit containers
(PNG, DICOM); scanned films are 12- or 16-bit. Dividing a 16-bit file by 65,535 whatever it
holds makes a 12-bit image nearly black (0..16 instead of 0..255). :func:`intensity_scale`
decides, per image, which stored value becomes 0 and which 255, by the first rule that
applies:

``"8-bit"``
    8-bit files (JPEG, PNG): 0..255 as stored.
``"dicom"``
    DICOM: :func:`mammokit.imaging.io.read_image` applies the modality LUT and the VOI LUT or window
    and maps the whole output range those allow for ``BitsStored`` (inverted for
    ``MONOCHROME1``) onto 0..65535, so the full 16 bits are meaningful.
``"sbit"``
    A PNG whose ``sBIT`` chunk says how many bits are significant. The PNG standard wants the
    values scaled up to 16 bits; many exporters store them unscaled. Values above the declared
    range mean scaled, and the full 16 bits are used.
``"records"``
    The records' ``bits_stored`` column (e.g. Mini-DDSM's ``.ics`` ``BITS_PER_PIXEL``), unless
    values exceed it.
``"content"``
    Otherwise: the image's maximum rounded up to 8, 10, 12, 14 or 16 bits. A 12-bit image
    whose brightest pixel is below 1,024 would pass for 10-bit; mammograms (dense tissue,
    labels, markers) practically always reach the top quarter of their range.

With ``intensity="window"`` (or ``(low, high)`` percentiles) the range is instead a window
over the breast's own values (:func:`mammokit.imaging.preprocess.breast_mask`): the 0.5th
and 99.5th percentile by default. That evens out exposure differences, at the price of
dropping absolute brightness.

Examples
--------
>>> import numpy as np
>>> twelve_bit = np.array([[0, 1000, 4095]], np.uint16)
>>> scale = intensity_scale(twelve_bit)
>>> scale.rule, scale.bits, scale.apply(twelve_bit).astype(float).round(1).tolist()
('content', 12, [[0.0, 62.3, 255.0]])
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from mammokit.errors import MammokitError
from mammokit.imaging.io import read_image_and_format, significant_bits
from mammokit.imaging.polarity import Polarity, detect_inversion
from mammokit.imaging.preprocess import breast_mask

__all__ = [
    "INTENSITY_RULES",
    "INVERSION_OPTIONS",
    "IntensityScale",
    "check_intensity",
    "check_inversion",
    "intensity_scale",
    "intensity_survey",
    "read_scaled",
    "significant_bits",
]

#: The rules :func:`intensity_scale` applies, in order.
INTENSITY_RULES = ("8-bit", "dicom", "sbit", "records", "content", "window")
#: The ``inversion`` options: detect an image in negative, or take values as they are.
INVERSION_OPTIONS = ("detect", "off")
#: Breast percentiles of ``intensity="window"``.
DEFAULT_WINDOW = (0.5, 99.5)

Intensity = str | tuple[float, float]

_SURVEY_COLUMNS = [
    "image_path",
    "rule",
    "bits",
    "low",
    "high",
    "note",
    "polarity",
    "polarity_confidence",
    "inverted",
]


@dataclass(frozen=True)
class IntensityScale:
    """How one image's stored values map to the 0..255 model scale.

    Attributes
    ----------
    rule
        One of :data:`INTENSITY_RULES`: which rule chose the range.
    low, high
        Stored values that become 0 and 255.
    bits
        Significant bits (``None`` for a window).
    note
        Why, in words, when a declared depth was overruled; else ``""``.
    """

    rule: str
    low: float
    high: float
    bits: int | None = None
    note: str = ""
    inverted: bool = False

    def apply(self, image: np.ndarray) -> np.ndarray:
        """``image`` as float32 on the 0..255 scale, clipped to it (``low`` becomes 255 and
        ``high`` 0 for an inverted image).

        Examples
        --------
        >>> import numpy as np
        >>> IntensityScale("content", 0, 1023, 10).apply(np.array([512], np.uint16)).round(1)
        array([127.6], dtype=float32)
        >>> IntensityScale("8-bit", 0, 255, 8, inverted=True).apply(np.array([200], np.uint8))
        array([55.], dtype=float32)
        """
        span = max(float(self.high) - float(self.low), 1e-6)
        scaled = (np.asarray(image, np.float32) - np.float32(self.low)) * np.float32(255.0 / span)
        scaled = np.clip(scaled, 0.0, 255.0, out=scaled)
        if self.inverted:
            np.subtract(np.float32(255.0), scaled, out=scaled)
        return scaled


def intensity_scale(
    image: np.ndarray,
    *,
    intensity: Intensity = "bits",
    source: str | None = None,
    declared_bits: int | None = None,
    bits_stored: float | None = None,
    inversion: str = "detect",
) -> IntensityScale:
    """Decide which stored values of ``image`` become 0 and 255 (see the module's rules).

    Parameters
    ----------
    image
        2-D ``uint8`` or ``uint16`` image as :func:`mammokit.imaging.io.read_image` returns it.
    intensity
        ``"bits"`` (default) for the bit-depth rules, ``"window"`` for the 0.5-99.5th
        percentiles of the breast, or ``(low, high)`` percentiles of the breast.
    source
        ``"dicom"`` or ``"png"`` for a file of that kind, else ``None``.
    declared_bits
        The file's own statement of significant bits (a PNG's ``sBIT``), if any.
    bits_stored
        The records' ``bits_stored`` for this image, if known (``NaN`` counts as unknown).
    inversion
        ``"detect"`` (default): an image in negative (bright background, dark breast,
        :func:`~mammokit.imaging.polarity.detect_inversion`) gets an inverted scale, so it
        reaches the model in normal polarity; ``"off"``: values are taken as they are.

    Returns
    -------
    IntensityScale

    Examples
    --------
    >>> import numpy as np
    >>> raw = np.array([[0, 800, 1023]], np.uint16)
    >>> intensity_scale(raw, source="png", declared_bits=12).high    # sBIT says 12
    4095.0
    >>> intensity_scale(raw * 64, source="png", declared_bits=10).rule  # scaled up, as per spec
    'sbit'
    >>> intensity_scale(raw, bits_stored=14).note
    ''
    """
    if image.dtype not in (np.uint8, np.uint16):
        raise MammokitError(f"intensity_scale takes uint8 or uint16 images, got {image.dtype}")
    percentiles = check_intensity(intensity)
    polarity = detect_inversion(image) if check_inversion(inversion) == "detect" else None
    return _decided_scale(image, percentiles, source, declared_bits, bits_stored, polarity)


def _decided_scale(
    image: np.ndarray,
    percentiles: tuple[float, float] | None,
    source: str | None,
    declared_bits: int | None,
    bits_stored: float | None,
    polarity: Polarity | None,
) -> IntensityScale:
    """:func:`intensity_scale` once its options are checked and the polarity is known."""
    inverted = polarity is not None and polarity.inverted
    scale = None
    if percentiles is not None:
        scale = _window(image, percentiles, inverted)
    scale = scale or _bit_depth_scale(image, source, declared_bits, bits_stored)
    if not inverted:
        return scale
    found = (
        f"inverted grey levels: bright background on {polarity.bright_background:.0%} of the "
        f"image, dark on {polarity.dark_background:.0%}"
    )
    return replace(scale, inverted=True, note="; ".join(n for n in (scale.note, found) if n))


def check_inversion(inversion: str) -> str:
    """Validate an ``inversion`` option (``"detect"`` or ``"off"``) and return it.

    Examples
    --------
    >>> check_inversion("off")
    'off'
    """
    if inversion not in INVERSION_OPTIONS:
        raise MammokitError(f"inversion must be one of {INVERSION_OPTIONS}, got {inversion!r}")
    return inversion


def _bit_depth_scale(
    image: np.ndarray, source: str | None, declared_bits: int | None, bits_stored: float | None
) -> IntensityScale:
    """The bit-depth rules of the module, in order."""
    if image.dtype == np.uint8:
        return IntensityScale("8-bit", 0.0, 255.0, 8)
    if source == "dicom":
        return IntensityScale("dicom", 0.0, 65535.0, 16)
    peak = int(image.max()) if image.size else 0
    notes = []
    for rule, bits in (("sbit", declared_bits), ("records", bits_stored)):
        if bits is None or not np.isfinite(bits):
            continue
        bits = int(bits)
        if not 1 <= bits <= 16:
            notes.append(f"{rule} gives {bits} bits, not 1-16")
        elif peak < 2**bits:
            return IntensityScale(rule, 0.0, float(2**bits - 1), bits, "; ".join(notes))
        elif rule == "sbit":  # values scaled to the container, as the PNG standard says
            return IntensityScale(rule, 0.0, 65535.0, 16, f"sBIT {bits}, values scaled to 16 bits")
        else:
            notes.append(f"records say {bits} bits but values reach {peak}")
    bits = significant_bits(image)
    return IntensityScale("content", 0.0, float(2**bits - 1), bits, "; ".join(notes))


def check_intensity(intensity: Intensity) -> tuple[float, float] | None:
    """Validate an ``intensity`` option; the window's percentiles, or ``None`` for ``"bits"``.

    Examples
    --------
    >>> check_intensity("bits") is None, check_intensity("window"), check_intensity((1, 99))
    (True, (0.5, 99.5), (1.0, 99.0))
    """
    if isinstance(intensity, str) and intensity in ("bits", "window"):
        return None if intensity == "bits" else DEFAULT_WINDOW
    if not (isinstance(intensity, tuple | list) and len(intensity) == 2):
        raise MammokitError(
            f"intensity must be 'bits', 'window' or (low, high) percentiles, got {intensity!r}"
        )
    percentiles = (float(intensity[0]), float(intensity[1]))
    if not 0 <= percentiles[0] < percentiles[1] <= 100:
        raise MammokitError(f"window percentiles must rise within [0, 100], got {percentiles}")
    return percentiles


def _window(
    image: np.ndarray, percentiles: tuple[float, float], inverted: bool
) -> IntensityScale | None:
    """The breast's percentiles as the range; for an image in negative, the breast is found
    in the mirrored image and the percentiles are mirrored too (its bright end is low)."""
    if inverted:
        mirrored = ((1 << significant_bits(image)) - 1 - image.astype(np.int64)).astype(image.dtype)
        tissue = image[breast_mask(mirrored)]
        percentiles = (100 - percentiles[1], 100 - percentiles[0])
    else:
        tissue = image[breast_mask(image)]
    low, high = (float(v) for v in np.percentile(tissue, percentiles))
    if high <= low:  # a flat breast: keep the bit-depth rules
        return None
    return IntensityScale("window", low, high, None, f"breast percentiles {percentiles}")


def read_scaled(
    path: str | os.PathLike,
    *,
    intensity: Intensity = "bits",
    bits_stored: float | None = None,
    min_size: tuple[int, int] | None = None,
    inversion: str = "detect",
) -> tuple[np.ndarray, IntensityScale]:
    """Read an image file onto the 0..255 model scale, and say which rule put it there.

    Parameters
    ----------
    path
        Any file :func:`mammokit.imaging.io.read_image` reads.
    intensity, bits_stored, inversion
        As for :func:`intensity_scale`: an image in negative comes back in normal polarity.
    min_size
        As for :func:`mammokit.imaging.io.read_image`.

    Returns
    -------
    (numpy.ndarray, IntensityScale)
        ``float32 (H, W)`` in [0, 255], and the scale applied.

    Examples
    --------
    >>> import numpy as np, cv2, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "twelve.png")
    >>> stripes = np.repeat([[0, 2048, 4095]], 40, axis=0).repeat(16, axis=1)  # 40 x 48
    >>> _ = cv2.imwrite(path, stripes.astype(np.uint16))
    >>> image, scale = read_scaled(path)
    >>> image[0, ::16].round().tolist(), scale.rule, scale.bits
    ([0.0, 128.0, 255.0], 'content', 12)
    """
    image, source, declared = read_image_and_format(path, min_size=min_size)
    scale = intensity_scale(
        image,
        intensity=intensity,
        source=source,
        declared_bits=declared,
        bits_stored=bits_stored,
        inversion=inversion,
    )
    return scale.apply(image), scale


def intensity_survey(
    paths: Iterable[str | os.PathLike] | pd.DataFrame,
    intensity: Intensity = "bits",
    inversion: str = "detect",
) -> pd.DataFrame:
    """Which intensity rule each image gets, and whether it is in negative: one row per
    image, to spot a mixed dataset.

    Decodes every image, so survey a sample of a large dataset.

    Parameters
    ----------
    paths
        Image paths, or a records table (its ``image_path`` and, if present, ``bits_stored``).
    intensity, inversion
        As for :func:`intensity_scale`.

    Returns
    -------
    pandas.DataFrame
        ``image_path``, ``rule``, ``bits``, ``low``, ``high``, ``note``, and the polarity
        decision: ``polarity`` (``"normal"``, ``"inverted"``, ``"undecided"``, or ``"off"``
        without detection), ``polarity_confidence`` (0..1) and ``inverted``.

    Examples
    --------
    >>> import numpy as np, cv2, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> _ = cv2.imwrite(os.path.join(folder, "a.png"), np.full((40, 40), 4000, np.uint16))
    >>> _ = cv2.imwrite(os.path.join(folder, "b.png"), np.full((40, 40), 200, np.uint8))
    >>> survey = intensity_survey(sorted(os.path.join(folder, n) for n in os.listdir(folder)))
    >>> survey[["rule", "bits", "polarity"]].values.tolist()
    [['content', 12, 'undecided'], ['8-bit', 8, 'undecided']]
    """
    if isinstance(paths, pd.DataFrame):
        bits = paths["bits_stored"] if "bits_stored" in paths else [None] * len(paths)
        pairs = list(zip(paths["image_path"], bits, strict=True))
    else:
        pairs = [(path, None) for path in paths]
    percentiles, _ = check_intensity(intensity), check_inversion(inversion)
    rows = []
    for path, bits_stored in pairs:
        image, source, declared = read_image_and_format(path)
        polarity = detect_inversion(image) if inversion == "detect" else None
        scale = _decided_scale(image, percentiles, source, declared, bits_stored, polarity)
        rows.append(
            {
                "image_path": str(path),
                "rule": scale.rule,
                "bits": scale.bits,
                "low": scale.low,
                "high": scale.high,
                "note": scale.note,
                "polarity": polarity.decision if polarity else "off",
                "polarity_confidence": polarity.confidence if polarity else float("nan"),
                "inverted": bool(polarity and polarity.inverted),
            }
        )
    return pd.DataFrame(rows, columns=_SURVEY_COLUMNS)
