"""The one per-image recipe: how a file becomes a model's input, derived from the model.

An :class:`InputSpec` holds what a model needs of each image: its size and channels, the
0..255 intensity rule (:mod:`mammokit.imaging.intensity`), the preprocessing (flip to the
left and crop to the breast, by default) and, for a multi-view model, its views.
``InputSpec.of(model)`` reads them from the model itself (what it recorded when it was
trained, :class:`~mammokit.model_info.ModelInfo`), as timm's ``resolve_data_config(model=)``
does, so the tf.data pipeline, :class:`~mammokit.export.Predictor`, evaluation and the
command line prepare images the same way, from one place. :class:`ExampleReader` applies a
spec to the rows of a records table (or a list of files). Everything here is NumPy and
OpenCV; the tf.data pipeline (:mod:`mammokit.datasets.pipeline`) runs it in the graph.

Examples
--------
>>> import tempfile, os, cv2, numpy as np
>>> from mammokit.models import cnn_classifier
>>> spec = InputSpec.of(cnn_classifier(input_shape=(32, 32, 1), filters=(4,)))
>>> spec.size, spec.channels, spec.preprocess_name, spec.intensity
((32, 32), 1, 'standard', 'bits')
>>> path = os.path.join(tempfile.mkdtemp(), "x.RIGHT_CC.png")
>>> _ = cv2.imwrite(path, np.full((80, 60), 2000, np.uint16))
>>> spec.to_input([spec.read(path)[0]]).shape
(1, 32, 32, 1)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
import pandas as pd

from mammokit.errors import ImageReadError, MammokitError, ModelConfigError
from mammokit.imaging.geometry import Placement, fit_to_size
from mammokit.imaging.intensity import Intensity, check_intensity, check_inversion, read_scaled
from mammokit.imaging.io import read_image
from mammokit.imaging.preprocess import crop_breast, flip_to_left, side_guess
from mammokit.model_info import FITS, ModelInfo, info_of
from mammokit.views import check_views, side_from_name, views_level

__all__ = [
    "STORED_SCALE",
    "Box",
    "ExampleReader",
    "InputSpec",
    "Preprocess",
    "decided_side",
    "from_stored",
    "load_example",
    "place_example",
    "prepare_example",
    "preprocess_name",
    "resolve_preprocess",
    "side_survey",
    "standard_preprocess",
    "to_stored",
]

logger = logging.getLogger("mammokit")

#: A crop ``(y0, y1, x0, x1)`` in the flipped image.
Box = tuple[int, int, int, int]
#: ``preprocess(image, side) -> (image, box)``: mirror the image to the left by ``side`` (as
#: :func:`~mammokit.imaging.preprocess.flip_to_left` does; masks are flipped the same way),
#: then crop; ``box`` is the crop in the flipped image, or ``None``.
Preprocess = Callable[[np.ndarray, str], tuple[np.ndarray, Box | None]]


def standard_preprocess(
    image: np.ndarray, side: str, blank: bool = False
) -> tuple[np.ndarray, Box]:
    """Mirror to the left (:func:`flip_to_left`) and crop to the breast (:func:`crop_breast`).

    Returns the crop and its box in the flipped image, so masks can follow. With ``blank``,
    what is not breast inside the crop (labels, markers, a film edge's glow) is set to the
    background level (:func:`crop_breast`'s ``blank``), as :class:`InputSpec` does by default.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((50, 40), np.uint8); img[10:40, 15:] = 200
    >>> crop, box = standard_preprocess(img, "RIGHT")
    >>> crop.shape, box                           # rows 10:40, columns 0:25, 2% margin
    ((32, 26), (9, 41, 0, 26))
    """
    flipped = flip_to_left(image, side)
    crop, box = crop_breast(flipped, return_box=True, blank=blank)
    return crop, box


def preprocess_name(preprocess: Preprocess | None) -> str:
    """The name a model records for its preprocessing (:class:`~mammokit.model_info.ModelInfo`).

    Examples
    --------
    >>> preprocess_name(standard_preprocess), preprocess_name(None)
    ('standard', 'none')
    """
    if preprocess is None:
        return "none"
    if preprocess is standard_preprocess:
        return "standard"
    module = getattr(preprocess, "__module__", None) or "?"
    name = getattr(preprocess, "__qualname__", None) or type(preprocess).__name__
    return f"custom:{module}.{name}"


def resolve_preprocess(name: str, custom: Preprocess | None = None) -> Preprocess | None:
    """The preprocessing callable a recorded name stands for (:func:`preprocess_name`'s inverse).

    ``"standard"`` is :func:`standard_preprocess`, ``"none"`` is ``None``; a custom name needs
    its callable passed as ``custom``.

    Examples
    --------
    >>> resolve_preprocess("standard") is standard_preprocess, resolve_preprocess("none")
    (True, None)
    """
    if name == "standard":
        return standard_preprocess
    if name == "none":
        return None
    if custom is None:
        raise ModelConfigError(
            f"the model was trained with the custom preprocessing {name!r}; pass that callable "
            "again (e.g. Predictor(path, custom_preprocess=...))"
        )
    return custom


def load_example(
    path: str,
    side: str = "",
    mask_paths: tuple[str, ...] = (),
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = standard_preprocess,
    intensity: Intensity = "bits",
    bits_stored: float | None = None,
    fit: str = "stretch",
    inversion: str = "detect",
    blank: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Read, scale, preprocess and resize one image (and its merged lesion mask) for a model.

    :meth:`InputSpec.read` is this with the spec's settings.

    Parameters
    ----------
    path, side, mask_paths
        The image file, its side (``""`` when unknown) and its lesion mask files.
    image_size
        ``(height, width)`` of the result.
    preprocess
        ``preprocess(image, side) -> (image, box)``; ``None`` only resizes.
    intensity, bits_stored
        How stored values reach the 0..255 scale (:mod:`mammokit.imaging.intensity`):
        ``"bits"``, ``"window"`` or ``(low, high)`` breast percentiles; the records'
        ``bits_stored``.
    fit
        ``"stretch"`` to ``image_size``, or ``"pad"``: keep the aspect ratio
        (:mod:`mammokit.imaging.geometry`).
    inversion
        ``"detect"``: an image in negative is read in normal polarity
        (:mod:`mammokit.imaging.polarity`); ``"off"``: values as stored.
    blank
        With the standard preprocessing, set what is not breast inside the crop to the
        background level (:func:`standard_preprocess`).

    Returns
    -------
    (image, mask)
        ``image`` float32 ``(H, W)`` on the 0..255 scale, ``mask`` float32 ``(H, W)`` in
        {0, 1}, zeros where there is no mask.

    Examples
    --------
    >>> import tempfile, os, cv2, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> _ = cv2.imwrite(path, np.full((48, 40), 4095, np.uint16))    # 12 bits in 16
    >>> image, mask = load_example(path, image_size=(8, 8), preprocess=None)
    >>> round(float(image.max()), 3), float(mask.max())
    (255.0, 0.0)
    """
    image, _ = read_scaled(
        path,
        intensity=intensity,
        bits_stored=bits_stored,
        min_size=None if mask_paths else tuple(image_size),
        inversion=inversion,
    )
    mask = _merged_mask(mask_paths, image.shape) if mask_paths else None
    placed = place_example(image, side, image_size, preprocess, mask, fit, blank)
    return placed[0], placed[1]


def prepare_example(
    image: np.ndarray,
    side: str = "",
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = standard_preprocess,
    mask: np.ndarray | None = None,
    fit: str = "stretch",
    blank: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Preprocess and resize an image already on the 0..255 scale, and its mask, for a model.

    :func:`load_example` is reading (:func:`mammokit.imaging.intensity.read_scaled`) followed
    by this; call it directly when the image is in memory, or when the full-size preprocessed
    image is wanted too (:meth:`InputSpec.read_shown`). :func:`place_example` also says where
    the input came from.

    With ``preprocess`` and an unknown ``side`` (``""``), the side is guessed once from the
    image (:func:`decided_side`) and both the image and the mask are flipped by that guess,
    so the mask always stays on its lesion; an image whose side cannot be decided is left
    unmirrored, with a warning.

    Returns
    -------
    (image, mask, preprocessed)
        The model's input ``float32 (H, W)``, the mask resized alongside (zeros without one),
        and the full-size preprocessed image.

    Examples
    --------
    >>> import numpy as np
    >>> picture = np.zeros((50, 40), np.float32); picture[10:40, 15:] = 200.0
    >>> model_input, mask, full = prepare_example(picture, "RIGHT", (16, 16))
    >>> model_input.shape, full.shape, float(mask.max())
    ((16, 16), (32, 26), 0.0)
    """
    return place_example(image, side, image_size, preprocess, mask, fit, blank)[:3]


def place_example(
    image: np.ndarray,
    side: str = "",
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = standard_preprocess,
    mask: np.ndarray | None = None,
    fit: str = "stretch",
    blank: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Placement | None]:
    """:func:`prepare_example`, and the :class:`~mammokit.imaging.geometry.Placement` that maps
    the input back to ``image``'s pixels (``None`` for a custom preprocessing, whose flip and
    crop are its own). ``blank`` is :func:`standard_preprocess`'s, for the standard
    preprocessing only.

    Examples
    --------
    >>> import numpy as np
    >>> picture = np.zeros((50, 40), np.float32); picture[10:40, 15:] = 200.0
    >>> _, _, _, placement = place_example(picture, "RIGHT", (16, 16), fit="pad")
    >>> placement.flipped, placement.box, placement.offset
    (True, (9, 41, 0, 26), (0, 0))
    """
    original, flipped, box = tuple(image.shape[:2]), False, None
    if preprocess is not None:
        side = side or decided_side(image)
        flipped = side == "RIGHT"
        if blank and preprocess is standard_preprocess:
            image, box = standard_preprocess(image, side, blank=True)
        else:
            image, box = preprocess(image, side)
        if mask is not None:
            mask = flip_to_left(mask, side)
            if box is not None:
                mask = mask[box[0] : box[1], box[2] : box[3]]
    resized, placement = fit_to_size(image, image_size, fit)
    if preprocess is standard_preprocess:
        placement = replace(placement, source_shape=original, flipped=flipped, box=box)
    elif preprocess is not None:
        placement = None
    if mask is None:
        return resized, np.zeros(tuple(image_size), np.float32), image, placement
    mask, _ = fit_to_size(mask.astype(np.float32), image_size, fit, cv2.INTER_NEAREST_EXACT)
    return resized, mask, image, placement


def decided_side(image: np.ndarray, name: str = "an image") -> str:
    """The side to mirror an image of unknown side by: :func:`side_guess`'s when decided;
    otherwise ``"LEFT"`` (left as it is) and a warning naming ``name``, the guess and why.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((40, 60), np.uint8); img[5:35, 30:] = 200   # chest wall on the right
    >>> decided_side(img)
    'RIGHT'
    """
    guess = side_guess(image)
    if guess.decided:
        return guess.side
    logger.warning(
        "%s: side unknown and undecided (%s by %.2f, cues %s): not mirrored",
        name,
        guess.side,
        guess.confidence,
        guess.cues,
    )
    return "LEFT"


def _merged_mask(mask_paths: tuple[str, ...], shape: tuple[int, int]) -> np.ndarray:
    merged = np.zeros(shape, np.uint8)
    for mask_path in mask_paths:
        mask = read_image(mask_path)
        if mask.shape != shape:
            mask = cv2.resize(mask, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST_EXACT)
        merged |= (mask > int(mask.max()) // 2).astype(np.uint8)  # any bit depth
    return merged


#: An input is stored as its 0..255 value times this, rounded, in 16 bits.
STORED_SCALE = 257.0


def to_stored(image: np.ndarray) -> np.ndarray:
    """A 0..255 image as stored: ``uint16``, times :data:`STORED_SCALE`, rounded.

    Examples
    --------
    >>> to_stored(np.array([0.0, 127.5, 255.0])).tolist()
    [0, 32768, 65535]
    """
    return np.round(np.asarray(image, np.float32) * np.float32(STORED_SCALE)).astype(np.uint16)


def from_stored(image: np.ndarray) -> np.ndarray:
    """A stored ``uint16`` image back on the 0..255 scale, ``float32``."""
    return np.asarray(image, np.float32) / np.float32(STORED_SCALE)


@dataclass(frozen=True)
class InputSpec:
    """How one image becomes a model's input: size, channels, intensity rule, preprocessing.

    Attributes
    ----------
    size
        ``(height, width)`` of the model's input.
    channels
        1 (grayscale) or 3 (the gray channel repeated, for RGB backbones).
    intensity
        The 0..255 intensity rule: ``"bits"``, ``"window"`` or ``(low, high)`` breast
        percentiles (:mod:`mammokit.imaging.intensity`).
    preprocess
        ``preprocess(image, side) -> (image, box)`` run on the full-size image before
        resizing (default :func:`standard_preprocess`); ``None`` only resizes.
    views
        For a multi-view model, the view of each input in input order (``("CC", "MLO")``);
        ``None`` for a model of single images.
    fit
        How the crop reaches ``size``: ``"stretch"`` (default, as every model before 0.2) or
        ``"pad"`` (aspect ratio kept, the rest background: :mod:`mammokit.imaging.geometry`).
    inversion
        ``"detect"`` (default): an image in negative (bright background) is read in normal
        polarity (:mod:`mammokit.imaging.polarity`); ``"off"``: values as stored.
    blank
        Set what is not breast inside the crop (labels, markers, a film edge's glow) to the
        background level (default ``True``). A step of the standard preprocessing: with
        another one (or none) it is ``False``.

    Every input is on the 0..255 scale in steps of 1/257: the recipe ends by storing the image
    at 16 bits (:data:`STORED_SCALE`), so an image read here, one cached by the pipeline and one
    stored by :func:`mammokit.datasets.prepare` are the same numbers.

    Examples
    --------
    >>> spec = InputSpec((64, 32), channels=1)
    >>> spec.level, spec.preprocess_name, InputSpec(views=("cc", "mlo")).level
    ('image', 'standard', 'breast')
    """

    size: tuple[int, int] = (224, 224)
    channels: int = 3
    intensity: Intensity = "bits"
    preprocess: Preprocess | None = standard_preprocess
    views: tuple[str, ...] | None = None
    fit: str = "stretch"
    inversion: str = "detect"
    blank: bool = True

    def __post_init__(self) -> None:
        size = tuple(int(side) for side in self.size)
        if len(size) != 2:
            raise MammokitError(f"size must be (height, width), got {self.size!r}")
        object.__setattr__(self, "size", size)
        if self.channels not in (1, 3):
            raise MammokitError(f"channels must be 1 or 3, got {self.channels}")
        check_intensity(self.intensity)
        if isinstance(self.intensity, list):
            object.__setattr__(self, "intensity", tuple(self.intensity))
        if self.views is not None:
            object.__setattr__(self, "views", check_views(self.views))
        if self.fit not in FITS:
            raise MammokitError(f"fit must be one of {FITS}, got {self.fit!r}")
        check_inversion(self.inversion)
        if not isinstance(self.blank, bool | np.bool_):
            raise MammokitError(f"blank must be True or False, got {self.blank!r}")
        standard = self.preprocess is standard_preprocess
        object.__setattr__(self, "blank", bool(self.blank) and standard)

    @classmethod
    def of(cls, model: object, custom_preprocess: Preprocess | None = None) -> InputSpec:
        """The recipe a Keras model was trained with: its input shape and recorded info.

        Parameters
        ----------
        model
            A model built by :mod:`mammokit.models` (or any Keras model: one without
            mammokit's info is assumed to use the defaults, with a
            :class:`~mammokit.errors.LegacyModelWarning`).
        custom_preprocess
            The callable of a model trained with a custom preprocessing.
        """
        _, height, width, channels = tuple(model.inputs[0].shape)
        return cls.from_info(info_of(model), (height, width, channels), custom_preprocess)

    @classmethod
    def from_info(
        cls,
        info: ModelInfo,
        input_shape: Sequence[int],
        custom_preprocess: Preprocess | None = None,
    ) -> InputSpec:
        """The recipe of a model's recorded :class:`ModelInfo` and its ``(H, W, C)`` input.

        Examples
        --------
        >>> spec = InputSpec.from_info(ModelInfo(("B", "M"), preprocess="none"), (16, 8, 1))
        >>> spec.size, spec.channels, spec.preprocess is None
        ((16, 8), 1, True)
        """
        height, width, channels = (int(value) for value in input_shape)
        return cls(
            (height, width),
            channels,
            info.intensity,
            resolve_preprocess(info.preprocess, custom_preprocess),
            info.views,
            info.fit,
            info.inversion,
            info.blank,
        )

    @property
    def level(self) -> str:
        """What one input is of: ``"image"``, or ``"breast"``/``"exam"`` for a multi-view model."""
        return "image" if self.views is None else views_level(self.views)

    @property
    def preprocess_name(self) -> str:
        """The name a model records for :attr:`preprocess` (:func:`preprocess_name`)."""
        return preprocess_name(self.preprocess)

    def replace(self, **changes: object) -> InputSpec:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def model_info(
        self, class_names: Sequence[str], task: str | None = None, labels: str | None = None
    ) -> ModelInfo:
        """What a model trained on this recipe records (:class:`ModelInfo`).

        Examples
        --------
        >>> InputSpec(intensity="window").model_info(["B", "M"]).intensity
        'window'
        """
        return ModelInfo(
            tuple(class_names),
            preprocess=self.preprocess_name,
            intensity=self.intensity,
            task=task,
            labels=labels,
            views=self.views,
            fit=self.fit,
            inversion=self.inversion,
            blank=self.blank,
        )

    def read(
        self,
        path: str | os.PathLike,
        side: str = "",
        mask_paths: tuple[str, ...] = (),
        bits_stored: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One file as the model's ``float32 (H, W)`` input and its merged lesion mask."""
        image, mask = self.read_stored(path, side, mask_paths, bits_stored)
        return from_stored(image), mask.astype(np.float32)

    def read_stored(
        self,
        path: str | os.PathLike,
        side: str = "",
        mask_paths: tuple[str, ...] = (),
        bits_stored: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`read` as stored: ``uint16`` image (the 0..255 scale times
        :data:`STORED_SCALE`) and ``uint8`` mask (0/1), half the memory of float32."""
        image, mask, _ = self.read_placed(path, side, mask_paths, bits_stored)
        return to_stored(image), mask.astype(np.uint8)

    def read_placed(
        self,
        path: str | os.PathLike,
        side: str = "",
        mask_paths: tuple[str, ...] = (),
        bits_stored: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, Placement | None]:
        """The input before its 16-bit storage, the mask, and where the input came from in
        the file's pixels (:class:`~mammokit.imaging.geometry.Placement`)."""
        image, _ = read_scaled(
            path,
            intensity=self.intensity,
            bits_stored=bits_stored,
            min_size=None if mask_paths else self.size,
            inversion=self.inversion,
        )
        mask = _merged_mask(mask_paths, image.shape) if mask_paths else None
        if self.preprocess is not None and not side:
            side = decided_side(image, str(path))
        resized, mask, _, placement = place_example(
            image, side, self.size, self.preprocess, mask, self.fit, self.blank
        )
        return resized, mask, placement

    def read_shown(
        self, path: str | os.PathLike, side: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One file as the model's ``(H, W)`` input and as the full-size preprocessed image
        a figure shows, read once. ``side`` defaults to the file name's."""
        scaled, _ = read_scaled(path, intensity=self.intensity, inversion=self.inversion)
        side = side_from_name(path) if side is None else side
        image, _, shown = prepare_example(
            scaled, side, self.size, self.preprocess, fit=self.fit, blank=self.blank
        )
        return from_stored(to_stored(image)), shown

    def to_input(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """``(H, W)`` images as a ``float32 (N, H, W, channels)`` batch for the model."""
        if not len(images):
            return np.zeros((0, *self.size, self.channels), np.float32)
        batch = np.stack([np.asarray(image, np.float32) for image in images])
        return np.repeat(batch[..., np.newaxis], self.channels, axis=-1)


@dataclass(frozen=True)
class ExampleReader:
    """Reads the images of a records table (or a list of files) by an :class:`InputSpec`.

    Attributes
    ----------
    spec
        The recipe.
    paths, sides, masks, bits
        Per image: the file, its side (``""`` when unknown: guessed from the image), its
        lesion mask files and its stored bits (``None``: the file or content says).

    Examples
    --------
    >>> import tempfile, os, cv2, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x.LEFT_CC.png")
    >>> _ = cv2.imwrite(path, np.full((48, 40), 120, np.uint8))
    >>> reader = ExampleReader.of_files(InputSpec((8, 8), channels=1), [path])
    >>> reader.sides, reader.read(0)[0].shape, float(reader.read_views([0, -1])[1].max())
    (('LEFT',), (8, 8), 0.0)
    """

    spec: InputSpec
    paths: tuple[str, ...]
    sides: tuple[str, ...]
    masks: tuple[tuple[str, ...], ...]
    bits: tuple[float | None, ...]

    @classmethod
    def of_records(cls, spec: InputSpec, records: pd.DataFrame) -> ExampleReader:
        """A reader of each row of ``records`` (``image_path``; ``side``, ``mask_paths`` and
        ``bits_stored`` where present)."""
        count = len(records)
        return cls(
            spec,
            paths=tuple(records["image_path"].astype(str)),
            sides=tuple(records["side"].fillna("").astype(str))
            if "side" in records
            else ("",) * count,
            masks=tuple(tuple(m) for m in records["mask_paths"])
            if "mask_paths" in records
            else ((),) * count,
            bits=tuple(pd.to_numeric(records["bits_stored"], errors="coerce"))
            if "bits_stored" in records
            else (None,) * count,
        )

    @classmethod
    def of_files(
        cls,
        spec: InputSpec,
        paths: Sequence[str | os.PathLike],
        sides: Sequence[str] | None = None,
    ) -> ExampleReader:
        """A reader of image files; each side is ``sides[i]``, else the file name's
        (``...RIGHT_CC...``), else guessed from the image."""
        paths = tuple(str(path) for path in paths)
        sides = tuple(sides) if sides is not None else tuple(map(side_from_name, paths))
        return cls(spec, paths, sides, ((),) * len(paths), (None,) * len(paths))

    def __len__(self) -> int:
        return len(self.paths)

    def files(self, with_masks: bool = False) -> list[str]:
        """Every file the reader reads: the images, then (``with_masks``) the masks."""
        masks = [path for group in self.masks for path in group] if with_masks else []
        return [*self.paths, *masks]

    def read(self, index: int, with_masks: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Image ``index`` as the model's ``float32 (H, W)`` input, and its mask (zeros
        without ``with_masks``); a failing custom preprocessing names the file."""
        image, mask = self.read_stored(index, with_masks)
        return from_stored(image), mask.astype(np.float32)

    def read_stored(self, index: int, with_masks: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`read` as stored: ``uint16`` image, ``uint8`` mask (what caches hold)."""
        i = int(index)
        try:
            return self.spec.read_stored(
                self.paths[i], self.sides[i], self.masks[i] if with_masks else (), self.bits[i]
            )
        except MammokitError:
            raise
        except Exception as err:  # a preprocess callable failing on this file
            raise ImageReadError(f"{self.paths[i]}: could not be prepared ({err})") from err

    def read_views(self, rows: Sequence[int]) -> list[np.ndarray]:
        """The views of one breast (exam): image ``rows[k]`` for view ``k``, zeros for -1."""
        return [from_stored(view) for view in self.read_views_stored(rows)]

    def read_views_stored(self, rows: Sequence[int]) -> list[np.ndarray]:
        """:meth:`read_views` as stored (``uint16``)."""
        empty = np.zeros(self.spec.size, np.uint16)
        return [self.read_stored(row)[0] if row >= 0 else empty for row in rows]


def side_survey(
    records: pd.DataFrame | Sequence[str | os.PathLike],
    intensity: Intensity = "bits",
    inversion: str = "detect",
) -> pd.DataFrame:
    """How each image's side is (or would be) guessed: one row per image.

    Run it on the images of unknown side to see which ones the pipeline will leave
    unmirrored, and on images of known side to check the guess on a dataset. Decodes every
    image, so survey a sample of a large dataset.

    Parameters
    ----------
    records
        A records table (``image_path``; ``side`` and ``bits_stored`` where present) or paths.
    intensity, inversion
        How the pixels are read (:func:`~mammokit.imaging.intensity.read_scaled`).

    Returns
    -------
    pandas.DataFrame
        ``image_path``, ``side`` (recorded, ``""`` when unknown), ``guess``, ``confidence``,
        ``decided``, ``cues`` and ``agrees`` (the guess equals the recorded side; ``None``
        when it is unknown).

    Examples
    --------
    >>> import tempfile, os, cv2, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> img = np.zeros((80, 60), np.uint8); img[10:70, 30:] = 200   # chest wall on the right
    >>> _ = cv2.imwrite(path, img)
    >>> side_survey([path])[["side", "guess", "decided", "agrees"]].values.tolist()
    [['', 'RIGHT', True, None]]
    """
    if isinstance(records, pd.DataFrame):
        paths = records["image_path"].astype(str).tolist()
        sides = records["side"].fillna("").astype(str) if "side" in records else [""] * len(paths)
        bits = records["bits_stored"] if "bits_stored" in records else [None] * len(paths)
    else:
        paths = [str(path) for path in records]
        sides, bits = [""] * len(paths), [None] * len(paths)
    rows = []
    for path, side, bits_stored in zip(paths, sides, bits, strict=True):
        image, _ = read_scaled(
            path, intensity=intensity, bits_stored=bits_stored, inversion=inversion
        )
        guess = side_guess(image)
        rows.append(
            {
                "image_path": path,
                "side": side,
                "guess": guess.side,
                "confidence": guess.confidence,
                "decided": guess.decided,
                "cues": guess.cues,
                "agrees": (guess.side == side) if side else None,
            }
        )
    columns = ["image_path", "side", "guess", "confidence", "decided", "cues", "agrees"]
    return pd.DataFrame(rows, columns=columns)
