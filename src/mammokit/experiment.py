"""Train, evaluate and save one classifier, with everything written to one folder.

:func:`train_model` is the one entry for the whole job: records in, datasets built from one
:class:`TrainConfig`, model trained with class weights and early stopping, evaluated on the
test part, saved. ``mammokit train`` and ``mammokit demo`` run it; so can you.

Examples
--------
>>> import tempfile
>>> from mammokit.datasets import make_synthetic, read_mini_ddsm, split_by_patient
>>> folder = tempfile.mkdtemp()
>>> records = read_mini_ddsm(make_synthetic(folder, n_patients=9, image_size=(64, 48)))
>>> train, val, test = split_by_patient(records, val_size=1 / 3, test_size=1 / 3, seed=0)
>>> config = TrainConfig(image_size=(32, 32), batch_size=4, epochs=1, verbose=0)
>>> entry = train_model("cnn", train, val, test, folder, config=config, filters=(4,))
>>> entry["epochs"], sorted(entry["evaluation"]["per_class"])
(1, ['Benign', 'Cancer', 'Normal'])
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit import _deprecation
from mammokit.calibration import with_temperature
from mammokit.datasets.augment import default_augmenter
from mammokit.datasets.grouping import group_views, unit_records
from mammokit.datasets.pipeline import errors_from_the_graph, make_dataset
from mammokit.datasets.readers.prepared import prepared_recipe
from mammokit.datasets.splits import class_weights
from mammokit.errors import MammokitError
from mammokit.imaging.example import InputSpec
from mammokit.metrics import plot_confusion_matrix, plot_reliability_diagram
from mammokit.metrics.calibration import apply_temperature, fit_temperature
from mammokit.metrics.levels import level_operating_points, level_report
from mammokit.metrics.operating import parse_target
from mammokit.model_info import ModelInfo, info_of
from mammokit.models.classifier import Classifier, as_classifier
from mammokit.models.factory import create_classifier
from mammokit.models.tuning import unfreeze
from mammokit.recipe import mixed_precision, plan_stages
from mammokit.records import LEVELS, check_records, label_indices, level_keys, record_classes
from mammokit.registry import model_entry
from mammokit.training import (
    check_early_stopping,
    compile_classifier,
    fit,
    make_reproducible,
    plot_history,
    record_info,
)
from mammokit.views import BREAST_VIEWS, check_views

__all__ = ["TrainConfig", "evaluate_model", "train_and_evaluate", "train_model"]

logger = logging.getLogger("mammokit")


@dataclass(frozen=True)
class TrainConfig:
    """How :func:`train_model` builds its datasets and trains.

    Attributes
    ----------
    image_size
        ``(height, width)`` the images are resized to.
    batch_size
        Images per batch; the learning-rate schedule is derived from it and the records.
    epochs, patience
        At most ``epochs`` epochs; stop after ``patience`` without a better validation loss
        (in each stage).
    start_from_epoch
        Epochs at the start of each stage whose validation loss early stopping does not watch,
        so that none of them is restored as the best (0, the default: every epoch counts).
        From random weights on a small validation part, an epoch at the highest rates can
        score a lucky low loss; the demo watches the second half of its schedule.
    learning_rate
        The peak rate, reached after the warm-up and then decayed by a cosine to 0 over the
        stage (:func:`mammokit.training.learning_rate_schedule`).
    optimizer, weight_decay, clipnorm
        ``"adamw"`` (default; ``"adam"``: 0.1's recipe) with this decoupled weight decay
        (biases and normalisation left out), gradients clipped to this global norm
        (``None``, the default: not clipped; clipping at 1 stalled MobileNet from scratch,
        see the "Training recipe" docs page).
    warmup_epochs
        Epochs of linear warm-up at the start of each stage (at most half of it).
    label_smoothing
        Of the loss; 0 by default.
    head_epochs, fine_tune_factor, fine_tune
        A model with a frozen backbone (ImageNet weights) trains its head alone for
        ``head_epochs``, then the whole network at ``learning_rate x fine_tune_factor`` with
        batch normalisation in inference mode (:mod:`mammokit.recipe`); ``fine_tune=False``
        keeps the backbone frozen throughout.
    mixed_precision
        ``"auto"`` (float16 compute on a GPU), ``"on"`` or ``"off"``
        (:func:`mammokit.recipe.mixed_precision`).
    augment
        Random flips, rotations, zoom and contrast on the training part
        (:func:`mammokit.datasets.augment.default_augmenter`).
    channels
        1 or 3 input channels.
    intensity
        The 0..255 intensity rule (:mod:`mammokit.imaging.intensity`).
    seed
        Seeds the model's weights, shuffling and augmentation (:func:`make_reproducible`).
    verbose
        Keras's verbosity for training.
    missing_view
        For a multi-view model: what a missing view becomes (``"zeros"``, ``"repeat"``,
        ``"skip"``, ``"error"``; :mod:`mammokit.datasets.grouping`).
    fit
        How the breast crop reaches ``image_size``: ``"stretch"`` or ``"pad"`` (aspect kept,
        :mod:`mammokit.imaging.geometry`); ``None`` (default): the prepared data's, else
        ``"stretch"``.
    inversion, blank
        Whether an image in negative is brought to normal polarity (``"detect"``/``"off"``)
        and whether what is not breast inside the crop is set to the background level
        (:class:`~mammokit.imaging.InputSpec`); ``None`` (default): the prepared data's, else
        ``"detect"`` and ``True``.
    cache_memory_gb
        Most memory the decoded training and validation images may take in the in-memory
        cache (stored at 16 bits); over it nothing is cached and a log line says so (prepare
        the data once, :func:`mammokit.datasets.prepare`, to read it fast without a cache).
    calibrate
        After training, fit temperature scaling on the validation part and build it into the
        model (:func:`mammokit.training.calibrate`), so its probabilities (saved, exported,
        served) are calibrated.
    operating_target
        The operating point chosen on the validation part, per level, and recorded in the
        model: ``"sensitivity=0.9"`` (default), ``"specificity=0.9"``, ``"youden"`` or
        ``"pf1"`` (:func:`mammokit.metrics.parse_target`), or a dict such as
        ``{"specificity": 0.95}``.
    positive_class
        The class the operating point calls (default the last: ``"Cancer"``, ``"Malignant"``).
    """

    image_size: tuple[int, int] = (224, 224)
    batch_size: int = 32
    epochs: int = 30
    patience: int = 5
    start_from_epoch: int = 0
    learning_rate: float = 1e-3
    augment: bool = True
    channels: int = 3
    intensity: str | tuple[float, float] = "bits"
    seed: int = 0
    verbose: int | str = "auto"
    missing_view: str = "zeros"
    fit: str | None = None
    inversion: str | None = None
    blank: bool | None = None
    cache_memory_gb: float = 4.0
    optimizer: str = "adamw"
    weight_decay: float = 0.01
    warmup_epochs: float = 1.0
    clipnorm: float | None = None
    label_smoothing: float = 0.0
    head_epochs: int = 3
    fine_tune_factor: float = 0.1
    fine_tune: bool = True
    mixed_precision: str = "auto"
    calibrate: bool = True
    operating_target: str | Mapping[str, float] = "sensitivity=0.9"
    positive_class: str | None = None


def train_model(
    model: keras.Model | str,
    train_records: pd.DataFrame,
    val_records: pd.DataFrame,
    test_records: pd.DataFrame,
    out_dir: str | os.PathLike,
    name: str | None = None,
    config: TrainConfig = TrainConfig(),
    *,
    resume: bool = False,
    **model_options,
) -> dict:
    """Train, evaluate and save one classifier from records.

    After training, the model is calibrated on the validation part (temperature scaling) and
    an operating point is chosen there per level (``config.operating_target``), both recorded
    in the model (``model.info.temperature``, ``model.info.operating_points``); the test
    report then measures the test part at those thresholds.

    While it trains, the state after every epoch is kept in ``<name>_resume/<stage>/`` (weights,
    optimizer, early stopping, and the best epoch so far as ``best.keras``); it is removed once
    the model and its report are saved. A run stopped on the way (Ctrl-C, a crash) continues
    with ``resume=True`` and the same records and config (``mammokit train --resume DIR``).

    Parameters
    ----------
    model
        A registry name (:func:`mammokit.models.available_models`), built after seeding with
        ``config.seed`` for ``config.image_size``, ``config.channels`` and the training
        records' classes; or a built model with one output per class (seed before building
        it, with :func:`mammokit.training.make_reproducible`, for a reproducible run). A plain
        Keras model is wrapped in a :class:`~mammokit.models.Classifier` so the saved file
        records its classes and preprocessing.
    train_records, val_records, test_records
        The parts of a split (:func:`mammokit.datasets.split_by_patient`). The classes are the
        training part's (:func:`~mammokit.records.record_classes`).
    out_dir
        Folder for ``<name>.keras``, ``<name>_training.png``, ``<name>_confusion.png``,
        ``<name>_history.csv`` and ``<name>_report.json``.
    name
        Prefix of the files; default the registry name or the model's name.
    config
        Sizes and training settings, :class:`TrainConfig`.
    resume
        Continue from the state in ``<name>_resume/``, at the epoch after the last finished
        (from the first when there is none). Without it an old state there is removed.
    **model_options
        Passed to the builder when ``model`` is a name (e.g. ``alpha=0.25``, ``weights=None``).

    Returns
    -------
    dict
        ``accuracy``, ``epochs``, ``train_seconds`` and the full ``evaluation``
        (:func:`mammokit.metrics.evaluation_report`).
    """
    check_early_stopping(config.patience, config.start_from_epoch)  # before anything is written
    make_reproducible(config.seed)  # before datasets and model: the same seed, the same run
    parts = (train_records, val_records, test_records)
    classes = record_classes(train_records)
    prepared = prepared_recipe(train_records) or {}
    spec = InputSpec(
        config.image_size,
        config.channels,
        config.intensity,
        views=_views_of(model, model_options),  # a multi-view model reads breasts (exams)
        fit=config.fit or prepared.get("fit", "stretch"),
        inversion=config.inversion or prepared.get("inversion", "detect"),
        blank=prepared.get("blank", True) if config.blank is None else config.blank,
    )
    options = {"batch_size": config.batch_size, "classes": classes}
    groups = [_groups(part, spec, config.missing_view, classes) for part in parts]
    cache = _fits_in_memory(spec, groups, parts[:2], config.cache_memory_gb)
    augment = default_augmenter(seed=config.seed) if config.augment else None
    train_data = make_dataset(
        train_records,
        spec,
        shuffle=True,
        cache=cache,
        seed=config.seed,
        augment=augment,
        groups=groups[0],
        **options,
    )
    val_data = make_dataset(val_records, spec, cache=cache, groups=groups[1], **options)
    test_data = make_dataset(test_records, spec, groups=groups[2], **options)  # checks files
    if isinstance(model, str):
        name = name or model
        with mixed_precision(config.mixed_precision):
            model = create_classifier(
                model, input_shape=(*spec.size, spec.channels), class_names=classes, **model_options
            )
    elif model_options:
        raise MammokitError(f"model options {sorted(model_options)} need a model name, not a model")
    else:
        model = as_classifier(model)
    attrs = train_records.attrs
    record_info(model, spec.model_info(classes, attrs.get("task"), attrs.get("labels")))
    return _train_evaluate_save(
        model,
        train_records if groups[0] is None else unit_records(groups[0]),
        train_data,
        _Evaluation(val_records, val_data, groups[1]),
        _Evaluation(test_records, test_data, groups[2]),
        Path(out_dir),
        name or model.name,
        config,
        resume,
    )


def _fits_in_memory(
    spec: InputSpec, groups: list, parts: tuple[pd.DataFrame, ...], budget_gb: float
) -> bool:
    """Whether the training and validation inputs, stored at 16 bits, fit the cache budget."""
    views = len(spec.views) if spec.views else 1
    units = sum(len(g) if g is not None else len(p) for g, p in zip(groups, parts, strict=False))
    needed = units * views * spec.size[0] * spec.size[1] * 2 / 1e9
    if needed <= budget_gb:
        return True
    logger.warning(
        "the decoded images would take %.1f GB of memory, over the cache budget of %.1f GB "
        "(TrainConfig.cache_memory_gb): not cached, every epoch decodes again. Prepare the "
        "data once (mammokit prepare) to read it fast without a cache",
        needed,
        budget_gb,
    )
    return False


def _groups(
    records: pd.DataFrame, spec: InputSpec, missing_view: str, classes: Sequence[str]
) -> pd.DataFrame | None:
    """The breasts (exams) a multi-view spec reads, in dataset order; ``None`` for images."""
    if spec.views is None:
        return None
    return group_views(records, spec.level, spec.views, missing_view, classes)


def _views_of(model: keras.Model | str, options: dict) -> tuple[str, ...] | None:
    """The views a model (or registry name with its options) reads; ``None`` for images."""
    if not isinstance(model, str):
        return getattr(getattr(model, "info", None), "views", None)
    if not model_entry(model).reads_views:
        return None
    return check_views(options.get("views", BREAST_VIEWS))


def train_and_evaluate(
    model: keras.Model,
    train_records: pd.DataFrame,
    train_data: tf.data.Dataset,
    val_data: tf.data.Dataset,
    test_records: pd.DataFrame,
    test_data: tf.data.Dataset,
    out_dir: str | os.PathLike,
    name: str = "model",
    epochs: int = 30,
    patience: int = 5,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    verbose: int | str = "auto",
) -> dict:
    """Deprecated (removed in 0.3): use :func:`train_model`, which builds its own datasets.

    Compile with class weights, train with early stopping, evaluate on the test part. It takes
    datasets and records in matching pairs, and derives the learning-rate schedule from
    ``batch_size``, which must be the datasets' batch size.

    Returns
    -------
    dict
        ``accuracy``, ``epochs``, ``train_seconds`` and the full ``evaluation``
        (:func:`mammokit.metrics.evaluation_report`).

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm, to_tf_dataset
    >>> from mammokit.models import cnn_classifier
    >>> folder = tempfile.mkdtemp()
    >>> records = read_mini_ddsm(make_synthetic(folder, n_patients=3, image_size=(64, 48)))
    >>> data = to_tf_dataset(records, (32, 32), 4, channels=1)
    >>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(4,))
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     entry = train_and_evaluate(model, records, data, data, records, data, folder, "cnn",
    ...                                epochs=1, verbose=0)
    >>> entry["epochs"], sorted(entry["evaluation"]["per_class"])
    (1, ['Benign', 'Cancer', 'Normal'])
    """
    warnings.warn(
        "train_and_evaluate is deprecated and will be removed in 0.3; use train_model(model, "
        "train_records, val_records, test_records, out_dir, name, TrainConfig(...))",
        DeprecationWarning,
        stacklevel=2,
    )
    config = TrainConfig(  # 0.1's recipe, which this deprecated entry keeps
        epochs=epochs,
        patience=patience,
        learning_rate=learning_rate,
        batch_size=batch_size,
        verbose=verbose,
        optimizer="adam",
        weight_decay=0.0,
        warmup_epochs=0.0,
        clipnorm=None,
        fine_tune=False,
    )
    groups = getattr(train_data, "mammokit_groups", None)  # 0.2's datasets carry them
    return _train_evaluate_save(
        model,
        train_records if groups is None else unit_records(groups),
        train_data,
        val_data,  # a dataset without its records: nothing chosen on it
        _Evaluation(test_records, test_data, getattr(test_data, "mammokit_groups", None)),
        Path(out_dir),
        name,
        config,
    )


@dataclass(frozen=True)
class _Evaluation:
    """A part to evaluate: its records, its dataset and, for a multi-view model, the grouped
    table whose rows are the dataset's elements."""

    records: pd.DataFrame
    data: tf.data.Dataset
    groups: pd.DataFrame | None


def _train_evaluate_save(
    model: keras.Model,
    units: pd.DataFrame,
    train_data: tf.data.Dataset,
    validation: _Evaluation | tf.data.Dataset,
    test: _Evaluation,
    out: Path,
    name: str,
    config: TrainConfig,
    resume: bool = False,
) -> dict:
    """Compile, train, calibrate, decide, save and evaluate; ``units`` are the training
    examples (images, or breasts for a multi-view model): the learning-rate schedule and
    class weights count them. A validation part with its records calibrates the model and
    sets its operating points; a bare dataset (the deprecated entry) only stops early.
    ``resume``: continue from the training state kept in ``<name>_resume/``."""
    val_data = validation.data if isinstance(validation, _Evaluation) else validation
    out.mkdir(parents=True, exist_ok=True)
    backup, log = out / f"{name}_resume", out / f"{name}_history.csv"
    if resume and not backup.is_dir():
        logger.info("no training state in %s: training from the first epoch", backup)
    elif not resume and backup.exists():
        logger.warning("%s: removing the training state of an earlier run", backup)
        shutil.rmtree(backup)
    weights = class_weights(units)
    stages = plan_stages(
        model,
        config.epochs,
        -(-len(units) // config.batch_size),
        learning_rate=config.learning_rate,
        warmup_epochs=config.warmup_epochs,
        head_epochs=config.head_epochs,
        fine_tune_factor=config.fine_tune_factor,
        fine_tune=config.fine_tune,
    )
    _record_recipe(model, config, stages)
    append = resume and backup.is_dir()
    tic = time.perf_counter()
    for stage in stages:
        if stage.name == "all":
            unfreeze(model)  # every layer but batch normalisation, which stays in inference
        compile_classifier(
            model,
            weights,
            stage.learning_rate,
            decay_steps=stage.decay_steps,
            optimizer=config.optimizer,
            weight_decay=config.weight_decay,
            warmup_steps=stage.warmup_steps,
            clipnorm=config.clipnorm,
            label_smoothing=config.label_smoothing,
        )
        fit(
            model,
            train_data,
            val_data,
            epochs=stage.last_epoch,
            initial_epoch=stage.first_epoch,
            patience=config.patience,
            start_from_epoch=config.start_from_epoch,
            verbose=config.verbose,
            callbacks=[keras.callbacks.CSVLogger(str(log), append=append)],
            backup_dir=backup / stage.name,
        )
        append = True  # the next stage's epochs follow in the same log
    seconds = time.perf_counter() - tic
    history = _logged_history(log)  # every epoch of the run, those before a resume included
    plot_history(history, out / f"{name}_training.png", title=name)
    if isinstance(validation, _Evaluation):
        model = _calibrate_and_decide(model, validation, config)
    model.save(out / f"{name}.keras")
    evaluation = _evaluate(model, info_of(model), test, out, name)
    shutil.rmtree(backup, ignore_errors=True)  # the run is saved: its state is not needed
    return {
        "accuracy": evaluation["accuracy"],
        "epochs": len(history["loss"]),
        "train_seconds": round(seconds, 1),
        "evaluation": evaluation,
    }


def _record_recipe(model: keras.Model, config: TrainConfig, stages: list) -> None:
    """Record how the model is trained in its info (``ModelInfo.training``)."""
    recipe = {
        key: getattr(config, key)
        for key in (
            "optimizer",
            "learning_rate",
            "weight_decay",
            "warmup_epochs",
            "clipnorm",
            "label_smoothing",
            "batch_size",
            "epochs",
            "patience",
            "start_from_epoch",
            "augment",
            "seed",
        )
    }
    recipe["image_size"] = list(config.image_size)
    recipe["stages"] = [
        {"name": s.name, "epochs": [s.first_epoch, s.last_epoch], "learning_rate": s.learning_rate}
        for s in stages
    ]
    recipe["mixed_precision"] = model.dtype_policy.name
    if isinstance(model, Classifier):
        model.info = model.info.replace(training=recipe)


def _calibrate_and_decide(model: keras.Model, validation: _Evaluation, config: TrainConfig):
    """The trained model calibrated on the validation part (``config.calibrate``), with the
    operating points chosen there recorded in its info."""
    info = info_of(model)
    records = validation.records if validation.groups is None else unit_records(validation.groups)
    with errors_from_the_graph():
        probabilities = model.predict(validation.data, verbose=0)
    if config.calibrate:
        temperature = fit_temperature(probabilities, label_indices(records, info.class_names))
        model = with_temperature(model, temperature)
        probabilities = apply_temperature(probabilities, temperature)
        logger.info(
            "calibrated on %d validation examples: temperature %.3f", len(records), temperature
        )
    points = level_operating_points(
        records,
        probabilities,
        parse_target(config.operating_target),
        info.how,
        info.class_names,
        _levels_from(info.level, ("image", "breast", "patient")),
        config.positive_class,
    )
    record_info(model, info_of(model).replace(operating_points=points or None))
    return model


def _levels_from(first: str, levels: Sequence[str]) -> tuple[str, ...]:
    """``levels`` at or above ``first`` (a breast model has no image results)."""
    return tuple(level for level in levels if LEVELS.index(level) >= LEVELS.index(first))


def _plot_calibration(
    report: dict, records: pd.DataFrame, probabilities: np.ndarray, info: ModelInfo, path, name
) -> None:
    """The reliability diagram of the positive class per example (before and after the
    model's temperature, when it has one)."""
    column = list(info.class_names).index(report["operating_point"]["class"])
    truth = (label_indices(records, info.class_names) == column).astype(int)
    curves = {"model": probabilities[:, column]}
    if info.temperature is not None:
        before = apply_temperature(probabilities, 1 / info.temperature)[:, column]
        curves = {
            "before calibration": before,
            f"after (T = {info.temperature:.2f})": curves["model"],
        }
    plot_reliability_diagram(truth, curves, path, title=f"{name}: {info.class_names[column]}")


def _logged_history(log: Path) -> dict[str, list[float]]:
    """The per-epoch metrics in a CSV log, an epoch logged twice (run again after an
    interruption) counted once."""
    table = pd.read_csv(log).drop_duplicates("epoch", keep="last").sort_values("epoch")
    return {column: table[column].tolist() for column in table.columns if column != "epoch"}


def evaluate_model(
    model: keras.Model,
    records: pd.DataFrame,
    data: tf.data.Dataset | None = None,
    out_dir: str | os.PathLike | None = None,
    name: str = "model",
    levels: tuple[str, ...] = ("image", "breast", "patient"),
    how: str | None = None,
    *,
    batch_size: int = 32,
    missing_view: str = "zeros",
    custom_preprocess: Callable | None = None,
) -> dict:
    """Predict ``records`` with ``model``, prepared by the model's own recipe, and report.

    The classes are the model's (:func:`mammokit.models.info_of`); every label of
    ``records`` must be one of them. Results are given per image and, for each other level
    of ``levels``, per breast (needs each image's side; left out with a note where a side is
    unknown) and per patient (:func:`mammokit.metrics.level_report`, probabilities combined by
    ``how``). Every interval resamples patients. ``how=None`` follows the labels the
    model was trained on: ``"mean"`` for case labels (such a model spreads the case's class
    over every image of the case), ``"max"`` otherwise (a unit is called by its most
    suspicious image).

    The images are read as the model was trained (:class:`~mammokit.imaging.InputSpec`
    ``.of(model)``: size, channels, intensity rule, preprocessing), ``batch_size`` at a time;
    a model trained with a custom preprocessing needs its callable as ``custom_preprocess``.
    A multi-view model (:func:`mammokit.models.multiview_classifier`) is evaluated on what
    it predicts: its views are grouped by breast (exam), a missing view by ``missing_view``,
    the results start at its level and the report's ``predictions`` name each breast (exam)
    and its view files.

    ``data``, a dataset built from ``records`` without shuffling, is deprecated (0.3 removes
    it): records and a dataset that disagree gave wrong reports.

    With ``out_dir``, writes ``<name>_confusion.png`` (the first level) and
    ``<name>_report.json`` there; without, writes nothing. Returns the first level's report of
    :func:`mammokit.metrics.evaluation_report` with ``"levels"``: the report of each level.
    The JSON file adds each image's probabilities under ``"predictions"``.

    Examples
    --------
    >>> import tempfile, json, os
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm
    >>> from mammokit.models import cnn_classifier
    >>> folder = tempfile.mkdtemp()
    >>> records = read_mini_ddsm(make_synthetic(folder, n_patients=3, image_size=(64, 48)))
    >>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(4,))
    >>> report = evaluate_model(model, records, out_dir=folder, name="check")
    >>> report["n"], {level: r["n"] for level, r in report["levels"].items()}
    (12, {'image': 12, 'breast': 6, 'patient': 3})
    >>> len(json.load(open(os.path.join(folder, "check_report.json")))["predictions"])
    12
    """
    info = info_of(model)
    _check_levels(levels)
    check_records(records, classes=info.class_names)  # before reading, which takes the time
    if data is not None:
        _deprecation.warn_moved(
            "evaluate_model(model, records, data, ...)",
            "evaluate_model(model, records, out_dir=...), which builds the data from the model",
        )
        part = _Evaluation(records, data, getattr(data, "mammokit_groups", None))
    else:
        _, height, width, channels = tuple(model.inputs[0].shape)
        spec = InputSpec.from_info(info, (height, width, channels), custom_preprocess)
        groups = _groups(records, spec, missing_view, info.class_names)
        data = make_dataset(
            records, spec, batch_size=batch_size, classes=info.class_names, groups=groups
        )
        part = _Evaluation(records, data, groups)
    return _evaluate(model, info, part, out_dir, name, levels, how)


def _check_levels(levels: Sequence[str]) -> None:
    unknown = sorted(set(levels) - set(LEVELS))
    if unknown:
        raise MammokitError(f"unknown level(s) {unknown}; choose from {LEVELS}")


def _evaluate(
    model: keras.Model,
    info: ModelInfo,
    part: _Evaluation,
    out_dir: str | os.PathLike | None,
    name: str = "model",
    levels: Sequence[str] = ("image", "breast", "patient"),
    how: str | None = None,
) -> dict:
    """Predict ``part`` and report per level; the files go into ``out_dir`` when given."""

    classes = info.class_names
    how = how or info.how
    _check_levels(levels)
    records, groups = part.records, part.groups
    check_records(records, classes=classes)  # before the predictions, which take the time
    if info.views is not None:
        if groups is None:
            raise MammokitError(
                f"{model.name} reads the views {list(info.views)}: build data with "
                f"to_tf_dataset(records, ..., group={info.level!r}, views={list(info.views)})"
            )
        records = unit_records(groups)  # one row per breast (exam): what the model predicts
        levels = _levels_from(info.level, levels)
    with errors_from_the_graph():
        probabilities = model.predict(part.data, verbose=0)
    if len(probabilities) != len(records):
        raise MammokitError(f"{len(probabilities)} predictions for {len(records)} records")
    first = info.level
    reports, notes = {}, {}
    for level in dict.fromkeys((first, *levels)):
        try:
            level_keys(records, level)  # breast results need every image's side
        except MammokitError as err:
            notes[level] = str(err)
            continue
        point = (info.operating_points or {}).get(level)
        if point is not None and point.get("how", how) != how:
            notes[f"{level} operating point"] = (
                f"chosen on probabilities combined by {point['how']!r}, not {how!r}: not applied"
            )
            point = None
        reports[level] = level_report(
            records,
            probabilities,
            level,
            how,
            classes,
            operating_point=point,
            temperature=info.temperature,
        )
    report = {**reports[first], "levels": reports, "levels_left_out": notes}
    if out_dir is None:
        return report
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot_confusion_matrix(
        report["confusion_matrix"],
        classes,
        out / f"{name}_confusion.png",
        title=f"{name}: accuracy {report['accuracy']:.1%} (n = {report['n']} {first}s)",
    )
    _plot_calibration(report, records, probabilities, info, out / f"{name}_reliability.png", name)
    predictions = [
        {"image_path": path, "label": label, "probabilities": np.round(p, 6).tolist()}
        for path, label, p in zip(
            records["image_path"], records["label"], probabilities, strict=True
        )
    ]
    if groups is not None:  # name the unit and its view files
        for entry, (_, group) in zip(predictions, groups.iterrows(), strict=True):
            del entry["image_path"]
            entry.update(
                {info.level: group["group_id"]},
                views={view: group[f"{view}_path"] for view in info.views},
            )
    (out / f"{name}_report.json").write_text(
        json.dumps({**report, "predictions": predictions}, indent=2)
    )
    return report
