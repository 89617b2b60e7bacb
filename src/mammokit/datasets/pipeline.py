"""A tf.data pipeline from a records table to batches of model inputs and one-hot labels.

:func:`make_dataset` takes the per-image recipe (:class:`~mammokit.imaging.InputSpec`, e.g.
``InputSpec.of(model)``) and the tf.data options; :func:`to_tf_dataset` is the same with the
recipe given field by field. Reading an image is :class:`~mammokit.imaging.ExampleReader`'s
job, run inside the graph here.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit import _deprecation
from mammokit import errors as mammokit_errors
from mammokit.datasets.grouping import group_views, view_rows
from mammokit.datasets.readers.prepared import RECIPE_STEPS, prepared_recipe, recipe_of
from mammokit.errors import DatasetError, ImageReadError, MammokitError
from mammokit.imaging import example
from mammokit.imaging.example import STORED_SCALE, ExampleReader, InputSpec, Preprocess
from mammokit.imaging.intensity import Intensity
from mammokit.imaging.io import check_image_file
from mammokit.progress import progress_bar
from mammokit.records import check_records, label_indices
from mammokit.views import default_views, input_name

__all__ = ["errors_from_the_graph", "make_dataset", "to_tf_dataset", "view_loader"]

#: Names that moved to :mod:`mammokit.imaging.example` (and ``side_from_name`` to
#: :mod:`mammokit.views`) in 0.2; reachable here, with a warning, until 0.3.
_MOVED = {
    "Preprocess": "mammokit.imaging.example",
    "load_example": "mammokit.imaging.example",
    "prepare_example": "mammokit.imaging.example",
    "preprocess_name": "mammokit.imaging.example",
    "resolve_preprocess": "mammokit.imaging.example",
    "standard_preprocess": "mammokit.imaging.example",
    "side_from_name": "mammokit.views",
}


def __getattr__(name: str) -> object:
    if name in _MOVED:
        _deprecation.warn_moved(f"{__name__}.{name}", f"{_MOVED[name]}.{name}")
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_tf_dataset(
    records: pd.DataFrame,
    image_size: tuple[int, int] = (224, 224),
    batch_size: int = 32,
    shuffle: bool = False,
    augment: Callable | None = None,
    cache: bool | str | os.PathLike | None = None,
    preprocess: Preprocess | None = example.standard_preprocess,
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
    fit: str = "stretch",
    inversion: str = "detect",
    blank: bool = True,
) -> tf.data.Dataset:
    """Turn a records table into a batched ``tf.data.Dataset`` of images and one-hot labels.

    The per-image recipe given field by field (``image_size``, ``channels``, ``intensity``,
    ``preprocess``, ``views``): :func:`make_dataset` with that
    :class:`~mammokit.imaging.InputSpec`. With ``group``, each element is one breast (or exam)
    for a multi-view model instead: a
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
        default :func:`~mammokit.imaging.standard_preprocess` (flip to the left, crop to the
        breast). ``None``
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
        :func:`mammokit.imaging.io.check_image_file`: missing, empty, truncated or non-image
        files are
        all reported at once, before training starts.
    intensity
        How stored values reach the 0..255 scale (:mod:`mammokit.imaging.intensity`): ``"bits"``
        (default: what the file says, the records' ``bits_stored`` column, else the content's
        bit depth), ``"window"`` (0.5-99.5th percentiles of the breast) or ``(low, high)``
        breast percentiles. :func:`mammokit.imaging.intensity_survey` shows which rule each
        image gets.
    classes
        The class names in output order, one one-hot column each; default the records'
        classes (:func:`~mammokit.records.record_classes`). Give the model's classes
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
    fit
        How the crop reaches ``image_size``: ``"stretch"`` (default) or ``"pad"`` (aspect
        ratio kept; :mod:`mammokit.imaging.geometry`).
    inversion
        ``"detect"`` (default): an image in negative (bright background, dark breast) is read
        in normal polarity (:mod:`mammokit.imaging.polarity`); ``"off"``: values as stored.
    blank
        With the standard preprocessing, set what is not breast inside the crop (labels,
        markers, a film edge's glow) to the background level (default ``True``).

    Returns
    -------
    tf.data.Dataset
        Yields ``(images, labels)``: ``float32 (B, H, W, channels)`` on a 0..255 scale and
        ``float32 (B, len(classes))`` one-hot labels. The models in :mod:`mammokit.models`
        scale their input themselves. Deprecated (removed in 0.3, and lost by any
        ``.map()``): the ``mammokit_info`` attribute holds the
        :class:`~mammokit.model_info.ModelInfo` a model trained on it would record (build the
        model with ``class_names`` instead), and with ``group`` ``mammokit_groups`` holds the
        grouped table (:func:`~mammokit.datasets.grouping.group_views` gives it).

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
    if group is not None and views is None:
        views = default_views(group)
    spec = InputSpec(
        image_size,
        channels,
        intensity,
        preprocess,
        views if group else None,
        fit,
        inversion,
        blank,
    )
    classes = check_records(records, classes=classes)
    _check_options(batch_size, group is not None, with_masks, metadata)
    groups = group_views(records, group, spec.views, missing_view, classes) if group else None
    dataset = make_dataset(
        records,
        spec,
        batch_size=batch_size,
        shuffle=shuffle,
        augment=augment,
        cache=cache,
        seed=seed,
        classes=classes,
        validate=validate,
        input_context=input_context,
        with_masks=with_masks,
        metadata=metadata,
        groups=groups,
    )
    # 0.2's attributes, for code that reads them; mammokit itself reads neither (0.3 drops them)
    dataset.mammokit_info = (
        spec.model_info(classes, records.attrs.get("task"), records.attrs.get("labels"))
        if len(classes) >= 2
        else None
    )
    dataset.mammokit_groups = groups
    return dataset


#: A mammokit error raised while tf.data read a file, as TensorFlow's message carries it.
_GRAPH_ERROR = re.compile(r"\b(\w*Error): (.+)")


@contextlib.contextmanager
def errors_from_the_graph() -> Iterator[None]:
    """Give back the mammokit error a file raised inside tf.data.

    A dataset reads images in the graph (``numpy_function``), so an unreadable file met
    hours into training reaches the caller as TensorFlow's ``InvalidArgumentError`` with the
    original error in its message. Inside this block it is raised again as that error
    (:class:`~mammokit.errors.ImageReadError`, ...), naming the file; other TensorFlow errors
    pass through.

    Examples
    --------
    >>> import tensorflow as tf
    >>> def broken(i):
    ...     raise ImageReadError("/data/x.png: truncated PNG")
    >>> data = tf.data.Dataset.range(1).map(
    ...     lambda i: tf.numpy_function(broken, [i], tf.int64))
    >>> with errors_from_the_graph():
    ...     _ = list(data)
    Traceback (most recent call last):
    ...
    mammokit.errors.ImageReadError: /data/x.png: truncated PNG
    """
    try:
        yield
    except tf.errors.OpError as err:
        for name, message in _GRAPH_ERROR.findall(err.message or ""):
            kind = getattr(mammokit_errors, name, None)
            if isinstance(kind, type) and issubclass(kind, MammokitError):
                raise kind(message.strip()) from err
        raise


def make_dataset(
    records: pd.DataFrame,
    spec: InputSpec,
    *,
    batch_size: int = 32,
    shuffle: bool = False,
    augment: Callable | None = None,
    cache: bool | str | os.PathLike | None = None,
    seed: int | None = None,
    classes: Sequence[str] | None = None,
    validate: bool = True,
    input_context: tf.distribute.InputContext | None = None,
    with_masks: bool = False,
    metadata: Sequence[str] = (),
    missing_view: str = "zeros",
    groups: pd.DataFrame | None = None,
) -> tf.data.Dataset:
    """Batches of model inputs and one-hot labels from records, prepared by ``spec``.

    The recipe of one image is ``spec`` (:class:`~mammokit.imaging.InputSpec`; for a trained
    model ``InputSpec.of(model)``); the rest are tf.data options, as for
    :func:`to_tf_dataset`. A spec with ``views`` yields one element per breast (exam), the
    views read together (:func:`~mammokit.datasets.grouping.group_views` with
    ``missing_view``, or the ``groups`` given); ``with_masks`` and ``metadata`` are for single
    images only. Nothing is attached to the returned dataset: to know which breast each
    element is, group the records yourself and pass the table as ``groups`` (its rows are the
    dataset's elements, in order).

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm
    >>> from mammokit.imaging import InputSpec
    >>> records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 3, (64, 48)))
    >>> images, labels = next(iter(make_dataset(records, InputSpec((32, 16), 1), batch_size=4)))
    >>> tuple(images.shape), tuple(labels.shape)
    ((4, 32, 16, 1), (4, 3))
    """
    classes = check_records(records, classes=classes)
    _check_options(batch_size, spec.views is not None, with_masks, metadata)
    if input_context is not None:
        batch_size = input_context.get_per_replica_batch_size(batch_size)
    reader = ExampleReader.of_records(spec, records)
    prepared = _prepared_loader(records, spec, with_masks)
    if spec.views is not None:
        if groups is None:
            groups = group_views(records, spec.level, spec.views, missing_view, classes)
        elif tuple(groups.attrs.get("views", ())) != spec.views:
            raise MammokitError(
                f"groups has the views {groups.attrs.get('views')}, the spec {list(spec.views)}"
            )
        loader = _ViewsLoader(reader, view_rows(groups), prepared)
        files = loader.files()
        targets = groups["label"].map({name: i for i, name in enumerate(classes)}).to_numpy()
    else:
        loader = prepared or _ExampleLoader(reader, with_masks)
        files = reader.files(with_masks)
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
        dataset = dataset.cache("" if cache is True else _cache_file(cache, records, spec, classes))
    if shuffle:
        dataset = dataset.shuffle(len(targets), seed=seed, reshuffle_each_iteration=True)
    dataset = _batched(dataset, batch_size, augment, spec.channels, bool(metadata))
    if input_context is not None:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        dataset = dataset.with_options(options)
    return dataset


def _prepared_loader(
    records: pd.DataFrame, spec: InputSpec, with_masks: bool
) -> _PreparedLoader | None:
    """The in-graph reader of prepared records, after checking they fit ``spec``."""
    recipe = prepared_recipe(records)
    if recipe is None:
        return None
    wanted = recipe_of(spec)
    differ = [k for k in RECIPE_STEPS if recipe[k] != wanted[k]]
    if differ:
        raise DatasetError(
            "these records were prepared with "
            + ", ".join(f"{k}={recipe[k]!r}" for k in differ)
            + "; the recipe asked for is "
            + ", ".join(f"{k}={wanted[k]!r}" for k in differ)
            + ": prepare the source again with it, or use the prepared recipe"
        )
    return _PreparedLoader(records, spec.size, tuple(recipe["size"]), with_masks)


def _cache_file(
    folder: str | os.PathLike, records: pd.DataFrame, spec: InputSpec, classes: Sequence[str]
) -> str:
    """A cache file in ``folder`` named by what it holds: the records' files, sides, stored
    bits and labels, the classes and the recipe. Another table or recipe gets another file, so
    a cache never serves one part's images to another."""
    digest = hashlib.sha256()
    columns = [
        c for c in ("image_path", "side", "bits_stored", "label", "mask_paths") if c in records
    ]
    digest.update(records[columns].astype(str).to_csv(index=False).encode())
    digest.update(json.dumps([list(classes), recipe_of(spec), spec.views]).encode())
    Path(folder).mkdir(parents=True, exist_ok=True)
    return str(Path(folder) / f"mammokit-cache-{digest.hexdigest()[:16]}")


def _check_options(batch_size: int, grouped: bool, with_masks: bool, metadata: Sequence) -> None:
    if batch_size < 1:
        raise MammokitError(f"batch_size must be >= 1, got {batch_size}")
    if grouped and (with_masks or metadata):
        raise MammokitError("with_masks and metadata are not available with group")


class _ExampleLoader:
    """Reads record ``i`` with an :class:`ExampleReader` inside the graph (``numpy_function``),
    as stored: ``uint16`` image, ``uint8`` mask."""

    def __init__(self, reader: ExampleReader, with_masks: bool) -> None:
        self.reader, self.with_masks = reader, with_masks
        self.size = reader.spec.size

    def tensors(self, index: tf.Tensor) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        if not self.with_masks:
            image = tf.numpy_function(
                lambda i: self.reader.read_stored(i)[0], [index], tf.uint16, stateful=False
            )
            return tf.ensure_shape(image, self.size)[..., tf.newaxis]
        image, mask = tf.numpy_function(
            lambda i: self.reader.read_stored(i, with_masks=True),
            [index],
            (tf.uint16, tf.uint8),
            stateful=False,
        )
        image = tf.ensure_shape(image, self.size)[..., tf.newaxis]
        return image, tf.ensure_shape(mask, self.size)[..., tf.newaxis]


class _PreparedLoader:
    """Reads prepared record ``i`` in the graph: its 16-bit PNG decoded by TensorFlow, no
    Python; resized (area) when the spec's size is not the prepared one."""

    def __init__(
        self,
        records: pd.DataFrame,
        size: tuple[int, int],
        stored: tuple[int, int],
        with_masks: bool,
    ) -> None:
        self.paths = tf.constant(records["image_path"].astype(str).to_numpy())
        masks = records["mask_paths"] if "mask_paths" in records else [()] * len(records)
        self.masks = tf.constant([m[0] if len(m) else "" for m in masks])
        self.size, self.stored, self.with_masks = size, stored, with_masks

    def image(self, index: tf.Tensor) -> tf.Tensor:
        data = tf.io.read_file(tf.gather(self.paths, index))
        image = tf.io.decode_png(data, channels=1, dtype=tf.uint16)
        if self.stored != self.size:
            resized = tf.image.resize(tf.cast(image, tf.float32), self.size, method="area")
            image = tf.cast(tf.round(resized), tf.uint16)
        return tf.ensure_shape(image, (*self.size, 1))

    def mask(self, index: tf.Tensor) -> tf.Tensor:
        path = tf.gather(self.masks, index)
        mask = tf.cond(
            path == "",
            lambda: tf.zeros((*self.size, 1), tf.uint8),
            lambda: self._decoded_mask(path),
        )
        return tf.ensure_shape(tf.cast(mask > 0, tf.uint8), (*self.size, 1))

    def _decoded_mask(self, path: tf.Tensor) -> tf.Tensor:
        mask = tf.io.decode_png(tf.io.read_file(path), channels=1)
        if self.stored != self.size:
            mask = tf.image.resize(mask, self.size, method="nearest")
        return mask

    def tensors(self, index: tf.Tensor) -> tf.Tensor | tuple[tf.Tensor, tf.Tensor]:
        if self.with_masks:
            return self.image(index), self.mask(index)
        return self.image(index)


def view_loader(
    records: pd.DataFrame,
    groups: pd.DataFrame,
    image_size: tuple[int, int] = (224, 224),
    preprocess: Preprocess | None = example.standard_preprocess,
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
    spec = InputSpec(image_size, 1, intensity, preprocess, groups.attrs["views"])
    reader, rows = ExampleReader.of_records(spec, records), view_rows(groups)
    return lambda index: reader.read_views(rows[int(index)])


class _ViewsLoader:
    """Loads group ``i``'s views (zeros for a missing one) inside the graph, as stored."""

    def __init__(
        self, reader: ExampleReader, rows: np.ndarray, prepared: _PreparedLoader | None
    ) -> None:
        self.reader, self.rows, self.prepared = reader, rows, prepared
        self.names = [input_name(view) for view in reader.spec.views]
        self.size = reader.spec.size

    def files(self) -> list[str]:
        used = sorted({int(i) for i in self.rows.ravel() if i >= 0})
        return [self.reader.paths[i] for i in used]

    def tensors(self, index: tf.Tensor) -> dict[str, tf.Tensor]:
        if self.prepared is not None:
            rows = tf.gather(tf.constant(self.rows, tf.int64), index)
            views = [
                tf.cond(
                    rows[k] >= 0,
                    lambda k=k: self.prepared.image(tf.maximum(rows[k], 0)),
                    lambda: tf.zeros((*self.size, 1), tf.uint16),
                )
                for k in range(len(self.names))
            ]
            return dict(zip(self.names, views, strict=True))
        views = tf.numpy_function(
            lambda i: self.reader.read_views_stored(self.rows[int(i)]),
            [index],
            [tf.uint16] * len(self.names),
            stateful=False,
        )
        return {
            name: tf.ensure_shape(view, self.size)[..., tf.newaxis]
            for name, view in zip(self.names, views, strict=True)
        }


def _batched(
    dataset: tf.data.Dataset,
    batch_size: int,
    augment: Callable | None,
    channels: int,
    with_metadata: bool,
) -> tf.data.Dataset:
    """Convert from storage to float (image by image, on every thread), batch, augment,
    repeat gray to RGB; prefetch. Without augmentation the RGB copy is made image by image
    too, so no stage after batching runs on one thread alone."""
    # deterministic: elements (and an augmenter's random draws) in order, whatever the threads
    parallel = {"num_parallel_calls": tf.data.AUTOTUNE, "deterministic": True}
    rgb_first = channels == 3 and augment is None

    def convert(x: tf.Tensor | tuple | dict) -> tf.Tensor | tuple | dict:
        x = _from_stored(x)
        return _each_view(_to_rgb, x) if rgb_first else x

    dataset = dataset.map(lambda x, meta, y: (convert(x), meta, y), **parallel)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(lambda x, meta, y: (_each_view(augment, x), meta, y), **parallel)
    if channels == 3 and not rgb_first:
        dataset = dataset.map(lambda x, meta, y: (_each_view(_to_rgb, x), meta, y), **parallel)
    if with_metadata:
        dataset = dataset.map(lambda x, meta, y: (_as_dict(x, meta), y))
    else:
        dataset = dataset.map(lambda x, meta, y: (x, y))
    return dataset.prefetch(tf.data.AUTOTUNE)


def _validate_files(paths: list[str]) -> None:
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


def _from_stored(x: tf.Tensor | tuple | dict) -> tf.Tensor | tuple | dict:
    """Stored images on the model's scale: ``uint16`` images / 257, ``uint8`` masks as 0/1."""

    def convert(tensor: tf.Tensor) -> tf.Tensor:
        if tensor.dtype == tf.uint16:
            return tf.cast(tensor, tf.float32) / STORED_SCALE
        return tf.cast(tensor, tf.float32)

    return tf.nest.map_structure(convert, x)


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
