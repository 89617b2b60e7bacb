"""A tf.data pipeline from a records table to batches of images and one-hot labels."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit.datasets.grouping import group_views, view_rows
from mammokit.datasets.preprocess import crop_breast, flip_to_left, guess_side
from mammokit.datasets.records import check_records, label_indices
from mammokit.errors import ImageReadError, MammokitError, ModelConfigError
from mammokit.intensity import Intensity, check_intensity, read_scaled
from mammokit.io import check_image_file, read_image
from mammokit.model_info import ModelInfo
from mammokit.views import input_name

__all__ = [
    "load_example",
    "prepare_example",
    "preprocess_name",
    "side_from_name",
    "standard_preprocess",
    "to_tf_dataset",
    "view_loader",
]

_SIDE_IN_NAME = re.compile(r"(?:^|[._-])(LEFT|RIGHT)(?:[._-]|$)", re.IGNORECASE)

#: ``preprocess(image, side) -> (image, box)``: mirror the image to the left by ``side`` (as
#: :func:`~mammokit.datasets.preprocess.flip_to_left` does; masks are flipped the same way),
#: then crop; ``box`` ``(y0, y1, x0, x1)`` is the crop in the flipped image, or ``None``.
Preprocess = Callable[[np.ndarray, str], tuple[np.ndarray, tuple[int, int, int, int] | None]]


def standard_preprocess(
    image: np.ndarray, side: str
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Mirror to the left (:func:`flip_to_left`) and crop to the breast (:func:`crop_breast`).

    Returns the crop and its box in the flipped image, so masks can follow.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((50, 40), np.uint8); img[10:40, 15:] = 200
    >>> crop, box = standard_preprocess(img, "RIGHT")
    >>> crop.shape, box                           # rows 10:40, columns 0:25, 2% margin
    ((32, 26), (9, 41, 0, 26))
    """
    flipped = flip_to_left(image, side)
    crop, box = crop_breast(flipped, return_box=True)
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


def side_from_name(path: str | os.PathLike) -> str:
    """``"LEFT"`` or ``"RIGHT"`` when the file name says so (Mini-DDSM style), else ``""``.

    Examples
    --------
    >>> side_from_name("/data/C_0029_1.RIGHT_MLO.png"), side_from_name("scan.png")
    ('RIGHT', '')
    """
    match = _SIDE_IN_NAME.search(Path(path).name)
    return match.group(1).upper() if match else ""


def load_example(
    path: str,
    side: str = "",
    mask_paths: tuple[str, ...] = (),
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = standard_preprocess,
    intensity: Intensity = "bits",
    bits_stored: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Read, scale, preprocess and resize one image (and its merged lesion mask) for a model.

    Parameters
    ----------
    path, side, mask_paths
        The image file, its side (``""`` when unknown) and its lesion mask files.
    image_size
        ``(height, width)`` of the result.
    preprocess
        ``preprocess(image, side) -> (image, box)``; ``None`` only resizes.
    intensity, bits_stored
        How stored values reach the 0..255 scale (:mod:`mammokit.intensity`): ``"bits"``,
        ``"window"`` or ``(low, high)`` breast percentiles; the records' ``bits_stored``.

    Returns
    -------
    (image, mask)
        ``image`` float32 ``(H, W)`` on the 0..255 scale, ``mask`` float32 ``(H, W)`` in
        {0, 1}, zeros where there is no mask.

    Examples
    --------
    >>> import tempfile, os, cv2, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> _ = cv2.imwrite(path, np.full((40, 30), 4095, np.uint16))    # 12 bits in 16
    >>> image, mask = load_example(path, image_size=(8, 8), preprocess=None)
    >>> float(image.max()), float(mask.max())
    (255.0, 0.0)
    """
    image, _ = read_scaled(
        path,
        intensity=intensity,
        bits_stored=bits_stored,
        min_size=None if mask_paths else tuple(image_size),
    )
    mask = _merged_mask(mask_paths, image.shape) if mask_paths else None
    resized, resized_mask, _ = prepare_example(image, side, image_size, preprocess, mask)
    return resized, resized_mask


def prepare_example(
    image: np.ndarray,
    side: str = "",
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = standard_preprocess,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Preprocess and resize an image already on the 0..255 scale, and its mask, for a model.

    :func:`load_example` is reading (:func:`mammokit.intensity.read_scaled`) followed by this;
    call it directly when the image is in memory, or when the full-size preprocessed image is
    wanted too (``mammokit explain`` draws on it).

    With ``preprocess`` and an unknown ``side`` (``""``), the side is guessed once from the
    image (:func:`~mammokit.datasets.preprocess.guess_side`) and both the image and the mask
    are flipped by that guess, so the mask always stays on its lesion.

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
    height, width = image_size
    if preprocess is not None:
        side = side or guess_side(image)
        image, box = preprocess(image, side)
        if mask is not None:
            mask = flip_to_left(mask, side)
            if box is not None:
                mask = mask[box[0] : box[1], box[2] : box[3]]
    resized = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    if mask is None:
        return resized, np.zeros((height, width), np.float32), image
    mask = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
    return resized, mask, image


def _merged_mask(mask_paths: tuple[str, ...], shape: tuple[int, int]) -> np.ndarray:
    merged = np.zeros(shape, np.uint8)
    for mask_path in mask_paths:
        mask = read_image(mask_path)
        if mask.shape != shape:
            mask = cv2.resize(mask, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
        merged |= (mask > int(mask.max()) // 2).astype(np.uint8)  # any bit depth
    return merged


def to_tf_dataset(
    records: pd.DataFrame,
    image_size: tuple[int, int] = (224, 224),
    batch_size: int = 32,
    shuffle: bool = False,
    augment: Callable | None = None,
    cache: bool | str | os.PathLike | None = None,
    preprocess: Preprocess | None = standard_preprocess,
    seed: int | None = None,
    with_masks: bool = False,
    channels: int = 3,
    validate: bool = True,
    metadata: Sequence[str] = (),
    intensity: Intensity = "bits",
    classes: Sequence[str] | None = None,
    input_context: tf.distribute.InputContext | None = None,
    group: str | None = None,
    views: Sequence[str] | None = None,
    missing_view: str = "zeros",
) -> tf.data.Dataset:
    """Turn a records table into a batched ``tf.data.Dataset`` of images and one-hot labels.

    With ``group``, each element is one breast (or exam) for a multi-view model instead: a
    dict of its views and the label at that level.

    Parameters
    ----------
    records
        A records table (``image_path``, ``label``; ``side`` and ``mask_paths`` when present).
    image_size
        ``(height, width)`` the images are resized to.
    batch_size
        Images per batch; the last batch may be smaller.
    shuffle
        Shuffle the examples every epoch (seeded by ``seed``).
    augment
        A callable applied to each batch of images, e.g.
        :func:`mammokit.datasets.augment.default_augmenter`. With ``with_masks`` it is called as
        ``augment((images, masks))`` and must return both, aligned.
    cache
        ``True`` caches the decoded images in memory, a path caches them in files there; the
        epochs after the first then skip decoding. ``None``/``False`` decodes every epoch.
    preprocess
        ``preprocess(image, side) -> (image, box)`` run on the full-size image before resizing;
        default :func:`standard_preprocess` (flip to the left, crop to the breast). ``None``
        resizes the raw image.
    seed
        Seed for shuffling.
    with_masks
        Also yield the merged lesion mask, resized alongside, as ``(images, masks), labels``.
    channels
        1 for grayscale batches, 3 (default) to repeat the gray channel for RGB backbones.
    metadata
        Records columns to yield with each image, e.g. ``("age", "density", "view")``. The
        inputs then become a dict: ``{"image": ..., "mask": ... (with_masks), "age": ...}``;
        numeric columns arrive as float32 (``NaN`` where unknown), others as strings.
    validate
        Check every file (and mask, with ``with_masks``) before building the dataset, with
        :func:`mammokit.io.check_image_file`: missing, empty, truncated or non-image files are
        all reported at once, before training starts.
    intensity
        How stored values reach the 0..255 scale (:mod:`mammokit.intensity`): ``"bits"``
        (default: what the file says, the records' ``bits_stored`` column, else the content's
        bit depth), ``"window"`` (0.5-99.5th percentiles of the breast) or ``(low, high)``
        breast percentiles. :func:`mammokit.intensity.intensity_survey` shows which rule each
        image gets.
    classes
        The class names in output order, one one-hot column each; default the records'
        classes (:func:`~mammokit.datasets.records.record_classes`). Give the model's classes
        when a part lacks some of them.
    input_context
        For training on several workers: the context
        ``strategy.distribute_datasets_from_function`` hands its dataset function (pass that
        function to :func:`mammokit.training.fit`). The images are divided among the input
        pipelines before anything is read, so each worker reads and decodes only its own
        files; ``batch_size`` is then the global batch, each pipeline yielding
        ``input_context.get_per_replica_batch_size(batch_size)``; tf.data's own auto-sharding
        is switched off. See the "Scaling out" docs page.
    group
        ``"breast"`` or ``"exam"``: yield the views of one breast (exam) together, for
        :func:`mammokit.models.multiview_classifier`. The records are grouped by
        :func:`~mammokit.datasets.grouping.group_views`; the inputs are a dict keyed by
        :func:`~mammokit.views.input_name` of each view (``{"cc": ..., "mlo": ...}``), each
        ``(B, H, W, channels)``, preprocessed and augmented view by view (``augment`` draws
        anew for each view); the label is the group's most severe label; ``batch_size``
        counts groups. Not with ``with_masks`` or ``metadata``.
    views
        With ``group``: the views, in the model's input order; default ``("CC", "MLO")`` for
        a breast, ``("L-CC", "L-MLO", "R-CC", "R-MLO")`` for an exam.
    missing_view
        With ``group``: ``"zeros"`` (default: an all-zero image, which the multi-view models
        leave out of their fusion), ``"repeat"``, ``"skip"`` (reported) or ``"error"``; see
        :mod:`mammokit.datasets.grouping`.

    Returns
    -------
    tf.data.Dataset
        Yields ``(images, labels)``: ``float32 (B, H, W, channels)`` on a 0..255 scale and
        ``float32 (B, len(classes))`` one-hot labels. The models in :mod:`mammokit.models`
        scale their input themselves. The dataset's ``mammokit_info`` attribute holds the
        :class:`~mammokit.model_info.ModelInfo` a model trained on it should record (classes,
        preprocessing, intensity rule, task, views); :func:`mammokit.training.fit` records it.
        With ``group``, ``mammokit_groups`` holds the grouped table, in the dataset's order
        (without shuffling).

    Raises
    ------
    ImageReadError
        With ``validate``, listing every unusable file. While iterating, a file whose pixels
        cannot be decoded stops the iteration with an error that names it.

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm
    >>> root = make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48))
    >>> records = read_mini_ddsm(root)
    >>> images, labels = next(iter(to_tf_dataset(records, image_size=(32, 32), batch_size=4)))
    >>> tuple(images.shape), tuple(labels.shape)
    ((4, 32, 32, 3), (4, 3))
    >>> views, labels = next(iter(to_tf_dataset(records, (32, 32), 4, group="breast")))
    >>> sorted(views), tuple(views["mlo"].shape), tuple(labels.shape)
    (['cc', 'mlo'], (4, 32, 32, 3), (4, 3))
    """
    classes = check_records(records, classes=classes)
    if channels not in (1, 3):
        raise MammokitError(f"channels must be 1 or 3, got {channels}")
    if batch_size < 1:
        raise MammokitError(f"batch_size must be >= 1, got {batch_size}")
    check_intensity(intensity)
    size = (int(image_size[0]), int(image_size[1]))
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    images = _ImageColumns.of(records)
    groups = None
    if group is not None:
        if with_masks or metadata:
            raise MammokitError("with_masks and metadata are not available with group")
        groups = group_views(records, group, views, missing_view, classes)
        views = groups.attrs["views"]
        loader = _ViewsLoader(images, view_rows(groups), views, size, preprocess, intensity)
        files = loader.files()
        targets = groups["label"].map({name: i for i, name in enumerate(classes)}).to_numpy()
    else:
        loader = _ExampleLoader(images, size, preprocess, intensity, with_masks)
        files = images.files(with_masks)
        targets = label_indices(records, classes)
    if validate:
        _validate_files(files)
    labels = tf.one_hot(targets, len(classes), dtype=tf.float32)
    columns = {name: _column_tensor(records, name) for name in metadata}
    indices = tf.data.Dataset.range(len(targets))
    if input_context is not None:
        indices = indices.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
    dataset = indices.map(
        lambda i: (
            loader.tensors(i),
            {name: tf.gather(values, i) for name, values in columns.items()},
            tf.gather(labels, i),
        ),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    if cache:
        dataset = dataset.cache("" if cache is True else str(Path(cache) / "mammokit-cache"))
    if shuffle:
        dataset = dataset.shuffle(len(targets), seed=seed, reshuffle_each_iteration=True)
    dataset = _batched(dataset, batch_size, augment, channels, bool(metadata))
    if input_context is not None:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        dataset = dataset.with_options(options)
    dataset.mammokit_info = (
        ModelInfo(
            classes,
            preprocess=preprocess_name(preprocess),
            intensity=intensity,
            task=records.attrs.get("task"),
            labels=records.attrs.get("labels"),
            views=views if group is not None else None,
        )
        if len(classes) >= 2
        else None
    )
    dataset.mammokit_groups = groups
    return dataset


@dataclass(frozen=True)
class _ImageColumns:
    """What loading needs of each record: file, side, masks, stored bits."""

    paths: list[str]
    sides: list[str]
    masks: list[tuple[str, ...]]
    bits: list[float | None]

    @classmethod
    def of(cls, records: pd.DataFrame) -> _ImageColumns:
        count = len(records)
        return cls(
            paths=records["image_path"].astype(str).tolist(),
            sides=records["side"].fillna("").astype(str).tolist()
            if "side" in records
            else [""] * count,
            masks=[tuple(m) for m in records["mask_paths"]]
            if "mask_paths" in records
            else [()] * count,
            bits=pd.to_numeric(records["bits_stored"], errors="coerce").tolist()
            if "bits_stored" in records
            else [None] * count,
        )

    def files(self, with_masks: bool) -> list[str]:
        masks = [path for group in self.masks for path in group] if with_masks else []
        return self.paths + masks


class _ExampleLoader:
    """Loads record ``i`` with :func:`load_example` inside the graph, via ``numpy_function``."""

    def __init__(
        self,
        images: _ImageColumns,
        size: tuple[int, int],
        preprocess: Preprocess | None,
        intensity: Intensity,
        with_masks: bool,
    ) -> None:
        self.images, self.size, self.with_masks = images, size, with_masks
        self.preprocess, self.intensity = preprocess, intensity

    def arrays(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i, images = int(index), self.images
        try:
            return load_example(
                images.paths[i],
                images.sides[i],
                images.masks[i] if self.with_masks else (),
                self.size,
                self.preprocess,
                self.intensity,
                images.bits[i],
            )
        except MammokitError:
            raise
        except Exception as err:  # a preprocess callable failing on this file
            raise ImageReadError(f"{images.paths[i]}: could not be prepared ({err})") from err

    def tensors(self, index: tf.Tensor) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        if not self.with_masks:
            image = tf.numpy_function(
                lambda i: self.arrays(i)[0], [index], tf.float32, stateful=False
            )
            return tf.ensure_shape(image, self.size)[..., tf.newaxis]
        image, mask = tf.numpy_function(
            self.arrays, [index], (tf.float32, tf.float32), stateful=False
        )
        image = tf.ensure_shape(image, self.size)[..., tf.newaxis]
        return image, tf.ensure_shape(mask, self.size)[..., tf.newaxis]


def view_loader(
    records: pd.DataFrame,
    groups: pd.DataFrame,
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = standard_preprocess,
    intensity: Intensity = "bits",
) -> Callable[[int], list[np.ndarray]]:
    """A function reading group ``i``'s views as the multi-view pipeline does.

    Parameters
    ----------
    records
        The records ``groups`` was made from.
    groups
        :func:`~mammokit.datasets.grouping.group_views` of ``records``.
    image_size, preprocess, intensity
        As for :func:`to_tf_dataset`.

    Returns
    -------
    callable
        ``load(i)``: one ``float32 (H, W)`` image per view of group ``i``, in the order of
        ``groups.attrs["views"]``, zeros for a missing view.

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm
    >>> from mammokit.datasets.grouping import group_views
    >>> records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 3, (64, 48)))
    >>> cc, mlo = view_loader(records, group_views(records), (16, 16))(0)
    >>> cc.shape, mlo.shape
    ((16, 16), (16, 16))
    """
    loader = _ViewsLoader(
        _ImageColumns.of(records),
        view_rows(groups),
        groups.attrs["views"],
        (int(image_size[0]), int(image_size[1])),
        preprocess,
        intensity,
    )
    return lambda index: loader.arrays(np.int64(index))


class _ViewsLoader:
    """Loads group ``i``'s views (zeros for a missing one) inside the graph."""

    def __init__(
        self,
        images: _ImageColumns,
        rows: np.ndarray,
        views: Sequence[str],
        size: tuple[int, int],
        preprocess: Preprocess | None,
        intensity: Intensity,
    ) -> None:
        self.rows, self.names = rows, [input_name(view) for view in views]
        self.single = _ExampleLoader(images, size, preprocess, intensity, with_masks=False)

    def files(self) -> list[str]:
        used = sorted({int(i) for i in self.rows.ravel() if i >= 0})
        return [self.single.images.paths[i] for i in used]

    def arrays(self, index: np.ndarray) -> list[np.ndarray]:
        empty = np.zeros(self.single.size, np.float32)
        return [
            self.single.arrays(np.int64(row))[0] if row >= 0 else empty
            for row in self.rows[int(index)]
        ]

    def tensors(self, index: tf.Tensor) -> dict[str, tf.Tensor]:
        views = tf.numpy_function(
            self.arrays, [index], [tf.float32] * len(self.names), stateful=False
        )
        return {
            name: tf.ensure_shape(view, self.single.size)[..., tf.newaxis]
            for name, view in zip(self.names, views, strict=True)
        }


def _batched(
    dataset: tf.data.Dataset,
    batch_size: int,
    augment: Callable | None,
    channels: int,
    with_metadata: bool,
) -> tf.data.Dataset:
    """Batch, augment, repeat gray to RGB and shape the inputs; prefetch."""
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(
            lambda x, meta, y: (_each_view(augment, x), meta, y),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,  # random draws in batch order, whatever the threads do
        )
    if channels == 3:
        dataset = dataset.map(lambda x, meta, y: (_each_view(_to_rgb, x), meta, y))
    if with_metadata:
        dataset = dataset.map(lambda x, meta, y: (_as_dict(x, meta), y))
    else:
        dataset = dataset.map(lambda x, meta, y: (x, y))
    return dataset.prefetch(tf.data.AUTOTUNE)


def _validate_files(paths: list[str]) -> None:
    from mammokit.progress import progress_bar

    problems = []
    with progress_bar(len(paths), "checking files", unit="file") as bar:
        for path in paths:
            try:
                check_image_file(path)
            except ImageReadError as err:
                problems.append(str(err))
            bar.update(1)
    if problems:
        listed = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ImageReadError(f"{len(problems)} unusable image file(s):\n  {listed}{more}")


def _column_tensor(records: pd.DataFrame, name: str) -> tf.Tensor:
    if name not in records:
        raise MammokitError(f"metadata column {name!r} is not in the records; have {list(records)}")
    values = records[name]
    if pd.api.types.is_numeric_dtype(values):
        return tf.constant(values.to_numpy(dtype=np.float32))
    return tf.constant(values.fillna("").astype(str).to_numpy())


def _as_dict(x: tf.Tensor | tuple, meta: dict) -> dict:
    if isinstance(x, tuple):
        return {"image": x[0], "mask": x[1], **meta}
    return {"image": x, **meta}


def _each_view(function: Callable, x: tf.Tensor | tuple | dict) -> tf.Tensor | tuple | dict:
    """``function`` of each view of a multi-view batch (a dict); of the batch otherwise."""
    if isinstance(x, dict):
        return {name: function(view) for name, view in x.items()}
    return function(x)


def _to_rgb(x: tf.Tensor | tuple) -> tf.Tensor | tuple:
    if isinstance(x, tuple):
        return tf.repeat(x[0], 3, axis=-1), x[1]
    return tf.repeat(x, 3, axis=-1)
