"""Reading pixels from any supported file: JPEG, PNG (8- and 16-bit) and DICOM.

Every reader returns a 2-D grayscale array and keeps the stored bit depth: ``uint8`` for
8-bit JPEG/PNG, ``uint16`` for 16-bit PNG and for DICOM. Anything that cannot be read
raises :class:`mammokit.errors.ImageReadError` with the file's name in the message.

A 16-bit array may hold fewer significant bits (a 12-bit mammogram in a 16-bit PNG);
:mod:`mammokit.imaging.intensity` decides the scale from what the file says and what it holds.
DICOM pixels arrive on the full 16-bit scale: the modality and VOI LUTs (or window) are
applied, and the range they allow for ``BitsStored`` becomes 0..65535.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import cv2
import numpy as np

from mammokit.errors import ImageReadError, require

logger = logging.getLogger("mammokit")

__all__ = [
    "BIT_DEPTHS",
    "DICOM_SUFFIXES",
    "IMAGE_SUFFIXES",
    "MAMMOGRAPHY_MODALITIES",
    "MAX_PIXELS",
    "MIN_SIDE",
    "check_image_file",
    "read_image",
    "read_image_and_format",
    "significant_bits",
]

#: The bit depths stored mammograms come in (a 12-bit image in a 16-bit file is common).
BIT_DEPTHS = (8, 10, 12, 14, 16)
#: File suffixes read as DICOM (files with the ``DICM`` preamble are read as DICOM too).
DICOM_SUFFIXES = (".dcm", ".dicom")
#: File suffixes :func:`read_image` accepts besides DICOM.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".pgm")

#: The most pixels :func:`read_image` decodes, checked from the file's header before decoding
#: (a 30,000 x 30,000 PNG of a few hundred KB would take gigabytes). Like Pillow's
#: ``MAX_IMAGE_PIXELS``: raise it with ``mammokit.imaging.io.MAX_PIXELS = ...``.
MAX_PIXELS = 100_000_000
#: The fewest pixels per side :func:`read_image` accepts. No mammogram export comes near it;
#: what does is an icon, a 1 x 1 placeholder or a broken export, which would otherwise be
#: resized into a confident prediction. Lower it with ``mammokit.imaging.io.MIN_SIDE = ...``.
MIN_SIDE = 32
#: DICOM modalities read as mammograms: ``MG``, and the radiography and secondary-capture
#: modalities some archives file (scanned) mammograms under. Others (CT, MR, US, ...) are
#: refused; extend the tuple to read them anyway.
MAMMOGRAPHY_MODALITIES = ("MG", "CR", "DX", "OT")

_JPEG_SOI = b"\xff\xd8"
_JPEG_EOI = b"\xff\xd9"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OTHER_SIGNATURES = (b"II*\x00", b"MM\x00*", b"BM", b"P2", b"P5")  # TIFF, BMP, PGM
_DCT_REDUCTIONS = (
    (8, cv2.IMREAD_REDUCED_GRAYSCALE_8),
    (4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
    (2, cv2.IMREAD_REDUCED_GRAYSCALE_2),
)


def read_image(path: str | os.PathLike, *, min_size: tuple[int, int] | None = None) -> np.ndarray:
    """Read an image file as a 2-D grayscale array, keeping its bit depth.

    Parameters
    ----------
    path
        A JPEG, PNG, TIFF, BMP, PGM or DICOM file. Colour images are converted to grayscale.
    min_size
        Optional ``(height, width)`` the caller will resize to. When given, an 8-bit JPEG may be
        decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (much faster), never smaller than
        ``min_size``. Other formats are always decoded at full size.

    Returns
    -------
    numpy.ndarray
        ``(H, W)`` array, ``uint8`` or ``uint16`` as stored.

    Raises
    ------
    ImageReadError
        The file is missing, a directory, empty, truncated or not a readable image.

    Examples
    --------
    >>> import numpy as np, cv2, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> _ = cv2.imwrite(path, np.full((40, 50), 40000, np.uint16))
    >>> img = read_image(path)
    >>> img.shape, img.dtype
    ((40, 50), dtype('uint16'))
    """
    return read_image_and_format(path, min_size=min_size)[0]


def read_image_and_format(
    path: str | os.PathLike, *, min_size: tuple[int, int] | None = None
) -> tuple[np.ndarray, str, int | None]:
    """:func:`read_image`, plus the file's kind and the significant bits it declares.

    Returns
    -------
    (numpy.ndarray, str, int or None)
        The image; ``"dicom"``, ``"png"``, ``"jpeg"`` or ``"other"``; the bits a PNG's
        ``sBIT`` chunk declares (``None`` without one, and for other kinds).

    Examples
    --------
    >>> import numpy as np, cv2, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> _ = cv2.imwrite(path, np.full((40, 50), 4000, np.uint16))
    >>> image, kind, bits = read_image_and_format(path)
    >>> image.dtype, kind, bits
    (dtype('uint16'), 'png', None)
    """
    path = Path(path)
    if path.suffix.lower() in DICOM_SUFFIXES:  # pydicom reads the file itself, once
        _check_path(path)
        if path.stat().st_size == 0:
            raise ImageReadError(f"{path}: empty file (0 bytes)")
        return _read_dicom(path, path), "dicom", None
    data = _read_bytes(path)
    if data[128:132] == b"DICM":
        return _read_dicom(path, io.BytesIO(data)), "dicom", None
    image = _decode(path, data, min_size)
    if image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        image = cv2.cvtColor(image, code)
    if image.ndim != 2 or image.size == 0:
        raise ImageReadError(f"{path}: decoded to an unusable array of shape {image.shape}")
    if image.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(f"{path}: unsupported pixel type {image.dtype} (want 8 or 16 bit)")
    if data.startswith(_PNG_SIGNATURE):
        return image, "png", _png_significant_bits(data)
    return image, "jpeg" if data.startswith(_JPEG_SOI) else "other", None


def _png_significant_bits(data: bytes) -> int | None:
    """The gray channel's significant bits from a PNG's ``sBIT`` chunk (before ``IDAT``)."""
    position = len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if kind == b"sBIT" and length >= 1:
            return int(data[position + 8])
        if kind in (b"IDAT", b"IEND"):
            return None
        position += 12 + length
    return None


def check_image_file(path: str | os.PathLike) -> None:
    """Check an image file without decoding it: present, not empty, a known format, complete.

    Reads only the first and last kilobyte, so a whole dataset can be checked in a second
    before a long training run instead of failing hours into it. A file that passes can still
    hold damaged pixel data; :func:`read_image` reports that when it decodes.

    Raises
    ------
    ImageReadError
        Missing, a directory, empty, an unknown format, or a JPEG/PNG cut short.

    Examples
    --------
    >>> import numpy as np, cv2, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> _ = cv2.imwrite(path, np.zeros((4, 4), np.uint8))
    >>> check_image_file(path)
    >>> with open(path, "r+b") as handle:
    ...     _ = handle.truncate(30)
    >>> check_image_file(path)
    Traceback (most recent call last):
    ...
    mammokit.errors.ImageReadError: ...x.png: truncated PNG (no IEND chunk)
    """
    path = Path(path)
    _check_path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(132)
            handle.seek(max(0, path.stat().st_size - 1024))
            tail = handle.read()
    except OSError as err:
        raise ImageReadError(f"{path}: cannot be read ({err.strerror or err})") from err
    if not head:
        raise ImageReadError(f"{path}: empty file (0 bytes)")
    problem = _format_problem(head, tail, path.suffix.lower())
    if problem:
        raise ImageReadError(f"{path}: {problem}")


def _format_problem(head: bytes, tail: bytes, suffix: str) -> str | None:
    """What is wrong with a file's first 132 and last 1024 bytes, or None."""
    if head.startswith(_JPEG_SOI):
        return None if _JPEG_EOI in tail else "truncated JPEG (no end-of-image marker)"
    if head.startswith(_PNG_SIGNATURE):
        return None if b"IEND" in tail[-16:] else "truncated PNG (no IEND chunk)"
    if head[128:132] == b"DICM" or suffix in DICOM_SUFFIXES or head.startswith(_OTHER_SIGNATURES):
        return None
    return "not an image: neither JPEG, PNG, TIFF, BMP, PGM nor DICOM"


def _check_path(path: Path) -> None:
    if not path.exists():
        raise ImageReadError(f"{path}: no such file")
    if path.is_dir():
        raise ImageReadError(f"{path}: is a directory, not an image file")


def _read_bytes(path: Path) -> bytes:
    _check_path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ImageReadError(f"{path}: cannot be read ({err.strerror or err})") from err
    if not data:
        raise ImageReadError(f"{path}: empty file (0 bytes)")
    return data


def _decode(path: Path, data: bytes, min_size: tuple[int, int] | None) -> np.ndarray:
    buffer = np.frombuffer(data, np.uint8)
    problem = _format_problem(data[:132], data[-1024:], path.suffix.lower())
    if problem:
        raise ImageReadError(f"{path}: {problem}")
    is_jpeg = data[:2] == _JPEG_SOI
    size = (0, 0)
    if is_jpeg:
        size = _jpeg_size(buffer)
    elif data.startswith(_PNG_SIGNATURE) and len(data) >= 24:
        size = int.from_bytes(data[20:24], "big"), int.from_bytes(data[16:20], "big")
    if min(size) > 0:
        _check_pixels(path, *size)
    flag = cv2.IMREAD_UNCHANGED
    if is_jpeg and min_size is not None:
        flag = _dct_reduction_flag(buffer, min_size)
    try:
        image = cv2.imdecode(buffer, flag)
    except cv2.error as err:  # OpenCV's own limits and decoder failures
        raise ImageReadError(f"{path}: not a decodable image ({err.err or err})") from err
    if image is None:
        raise ImageReadError(f"{path}: not a readable image (corrupt, truncated or unsupported)")
    if min(size) == 0:  # no size in a header read: the decoded image's (never a reduced one)
        _check_pixels(path, *image.shape[:2])
    if image.ndim == 3 and image.shape[2] >= 3:
        sample = image[::8, ::8, :3].astype(np.int32)
        if np.abs(sample - sample[..., :1]).max() > 8:  # channels differ: a colour picture
            logger.warning("%s: a colour image, read as grayscale; is it a mammogram?", path)
    return image


def _check_pixels(path: Path, height: int, width: int) -> None:
    """Refuse an image larger than :data:`MAX_PIXELS` (before decoding it) or with a side
    under :data:`MIN_SIDE`."""
    if height * width > MAX_PIXELS:
        raise ImageReadError(
            f"{path}: {height} x {width} pixels is over the limit of {MAX_PIXELS:,} "
            "(mammokit.imaging.io.MAX_PIXELS; raise it if the image is genuine)"
        )
    if min(height, width) < MIN_SIDE:
        raise ImageReadError(
            f"{path}: {height} x {width} pixels is below the minimum of {MIN_SIDE} per side: "
            "not a mammogram (mammokit.imaging.io.MIN_SIDE; lower it if the image is genuine)"
        )


def _dct_reduction_flag(buffer: np.ndarray, min_size: tuple[int, int]) -> int:
    height, width = _jpeg_size(buffer)
    for factor, flag in _DCT_REDUCTIONS:
        if height // factor >= min_size[0] and width // factor >= min_size[1]:
            return flag
    return cv2.IMREAD_UNCHANGED


def _jpeg_size(buffer: np.ndarray) -> tuple[int, int]:
    """Read (height, width) from the JPEG start-of-frame marker without decoding."""
    data = buffer.tobytes()
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 5 : i + 7], "big"), int.from_bytes(
                data[i + 7 : i + 9], "big"
            )
        i += 2 + length
    return 0, 0


def _read_dicom(path: Path, source: Path | io.BytesIO) -> np.ndarray:
    pydicom = require("pydicom", "dicom")
    try:
        dataset = pydicom.dcmread(source)
    except Exception as err:  # pydicom raises many types for malformed files
        raise ImageReadError(f"{path}: not a readable DICOM file ({err})") from err
    if "PixelData" not in dataset:
        raise ImageReadError(f"{path}: DICOM file has no pixel data")
    modality = str(dataset.get("Modality", "") or "").upper()
    if modality and modality not in MAMMOGRAPHY_MODALITIES:
        raise ImageReadError(
            f"{path}: DICOM modality {modality!r} is not a mammogram (MG); "
            "mammokit.imaging.io.MAMMOGRAPHY_MODALITIES lists what is read"
        )
    rows, columns = int(dataset.get("Rows", 0) or 0), int(dataset.get("Columns", 0) or 0)
    if rows and columns:
        _check_pixels(path, rows, columns)
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise ImageReadError(
            f"{path}: unsupported photometric interpretation {photometric!r} "
            "(mammograms are MONOCHROME1 or MONOCHROME2)"
        )
    try:
        pixels = dataset.pixel_array
    except Exception as err:
        raise ImageReadError(
            f"{path}: cannot decode DICOM pixel data ({err}); compressed transfer syntaxes need "
            "`pip install 'mammokit[dicom]'`"
        ) from err
    if pixels.ndim != 2:
        raise ImageReadError(f"{path}: DICOM pixel data has shape {pixels.shape}, want one frame")
    if not (rows and columns):
        _check_pixels(path, *pixels.shape)
    try:
        table, offset = _lut_table(dataset, pixels, photometric == "MONOCHROME1")
    except Exception as err:  # a malformed LUT or window makes pydicom raise many kinds
        raise ImageReadError(f"{path}: cannot apply the DICOM LUT or window ({err})") from err
    if pixels.dtype.kind not in "iu":  # float pixel data (rare): the LUTs on the image itself
        if not np.isfinite(pixels).all():
            raise ImageReadError(f"{path}: DICOM pixel data holds NaN or infinite values")
        return _scaled_lut_output(pixels, dataset, photometric == "MONOCHROME1")
    if not offset and len(table) == 65536 and np.array_equal(table, _IDENTITY):
        return pixels.astype(np.uint16, copy=False)  # 16 bits, no LUT: the table changes nothing
    index = pixels.astype(np.int32) + offset if offset else pixels
    return np.take(table, index, mode="clip")  # a stored value above BitsStored: the top


#: The table of a 16-bit image without LUTs, window or inversion.
_IDENTITY = np.arange(65536, dtype=np.uint16)


def _lut_table(dataset, pixels: np.ndarray, invert: bool) -> tuple[np.ndarray, int]:
    """The whole read as one table: the ``uint16`` output of every stored value.

    Every stored value ``BitsStored`` allows (65,536 at most) is passed through the modality
    and VOI LUTs (or window), scaled from the range those LUTs can give to 0..65535 (so a
    12-bit image fills the 16-bit scale exactly as a 16-bit one does, whatever its own darkest
    and brightest pixel) and inverted for ``MONOCHROME1``; the image is then one lookup, not
    several passes of float arithmetic over 10-20 million pixels. ``offset`` is added to a
    signed stored value to index the table.
    """
    bits = int(dataset.get("BitsStored", pixels.dtype.itemsize * 8))
    bits = min(max(bits, 1), 16)
    if int(dataset.get("PixelRepresentation", 0)) == 1:
        stored, offset = (
            np.arange(-(2 ** (bits - 1)), 2 ** (bits - 1), dtype=np.int32),
            2 ** (bits - 1),
        )
    else:
        stored, offset = np.arange(0, 2**bits, dtype=np.int32), 0
    stored = stored.astype(pixels.dtype) if pixels.dtype.kind in "iu" else stored
    return _scaled_lut_output(stored, dataset, invert), offset


def _scaled_lut_output(values: np.ndarray, dataset, invert: bool) -> np.ndarray:
    """``values`` through the LUTs, scaled by the LUTs' output range to ``uint16``."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    mapped = apply_voi_lut(apply_modality_lut(values, dataset), dataset).astype(np.float64)
    low, high = float(np.min(mapped)), float(np.max(mapped))
    scaled = (mapped - low) / (high - low) if high > low else mapped * 0.0
    scaled = np.clip(scaled, 0.0, 1.0)
    if invert:
        scaled = 1.0 - scaled
    return np.round(scaled * 65535).astype(np.uint16)


def significant_bits(image: np.ndarray) -> int:
    """The bits an integer image's content needs: its maximum rounded up to 8, 10, 12, 14, 16.

    Examples
    --------
    >>> import numpy as np
    >>> significant_bits(np.array([3000], np.uint16)), significant_bits(np.array([5000], np.uint16))
    (12, 14)
    """
    peak = int(np.max(image)) if np.size(image) else 0
    return next((bits for bits in BIT_DEPTHS if peak < 2**bits), 16)
