"""Training loop with the callbacks a careful study needs, and the thesis's training curves."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import keras
import tensorflow as tf
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mammokit.calibration import calibrate
from mammokit.datasets.pipeline import errors_from_the_graph
from mammokit.distribute import global_batch_statistics, is_chief
from mammokit.errors import MammokitError, ModelConfigError
from mammokit.figures import save_or_return
from mammokit.losses import WeightedCategoricalCrossentropy
from mammokit.metrics.streaming import Sensitivity, Specificity
from mammokit.model_info import ModelInfo
from mammokit.models.classifier import Classifier

__all__ = [
    "NO_DECAY",
    "OPTIMIZERS",
    "DatasetFunction",
    "calibrate",
    "compile_classifier",
    "fit",
    "is_chief",
    "learning_rate_schedule",
    "make_reproducible",
    "plot_history",
    "record_data_info",
    "record_info",
]

#: A function building one worker's dataset from its ``tf.distribute.InputContext``.
DatasetFunction = Callable[[tf.distribute.InputContext], tf.data.Dataset]

logger = logging.getLogger("mammokit")


def make_reproducible(seed: int) -> None:
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    Call it before building a model: the same seed then gives the same weights, the same
    shuffling and augmentation and, on the same machine and software, the same training run
    bit for bit (checked by the tests and by running the demo twice). Deterministic ops are
    switched on for the whole process; they cost little on a CPU and more on a GPU, and Keras
    then trains without XLA (``jit_compile``), which it does not support with them (on a CPU
    XLA is slower anyway: docs/performance.md). Results still differ between machines,
    TensorFlow versions and CPU and GPU, which is why the README reports the demo over seeds.

    Examples
    --------
    >>> import numpy as np
    >>> make_reproducible(3); first = np.random.rand()
    >>> make_reproducible(3); first == np.random.rand()
    True
    """
    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()


def fit(
    model: keras.Model | Callable[[], keras.Model],
    train: tf.data.Dataset | DatasetFunction,
    validation: tf.data.Dataset | DatasetFunction | None = None,
    epochs: int = 30,
    patience: int = 5,
    class_weight: Mapping[int, float] | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    strategy: tf.distribute.Strategy | None = None,
    verbose: int | str = "auto",
    callbacks: list[keras.callbacks.Callback] | None = None,
    backup_dir: str | os.PathLike | None = None,
    initial_epoch: int = 0,
    start_from_epoch: int = 0,
) -> keras.callbacks.History:
    """Train a compiled model with early stopping, checkpoints and a CSV log.

    Parameters
    ----------
    model
        A compiled ``keras.Model``, or (with ``strategy``) a function that builds and compiles
        one, so that its variables are created under the strategy's scope.
    train, validation
        Datasets of ``(images, one-hot labels)``, e.g. from
        :func:`mammokit.datasets.to_tf_dataset`; or, to train on several workers, functions
        ``input_context -> dataset`` (``to_tf_dataset(..., input_context=input_context)``),
        which are distributed with ``strategy.distribute_datasets_from_function`` so that each
        worker reads only its own share of the files.
    epochs
        Most epochs to run.
    patience
        Epochs without improvement of the validation loss before stopping; the weights of the
        best epoch are restored. Ignored without ``validation``.
    class_weight
        ``{class_index: weight}`` passed to ``model.fit`` (leave it out when the loss already
        weights classes, e.g. :class:`~mammokit.losses.WeightedCategoricalCrossentropy`).
    checkpoint_dir
        If given, ``best.keras`` (best validation loss) and ``history.csv`` are written there,
        by the chief worker only when ``strategy`` spans several workers (:func:`is_chief`).
    strategy
        A ``tf.distribute.Strategy``: ``MirroredStrategy`` for several GPUs of one machine,
        ``MultiWorkerMirroredStrategy`` for several machines, a ``TPUStrategy`` (the
        "Scaling out" docs page gives the commands). With more than one replica, batch
        normalisation takes its statistics over the global batch while training
        (``synchronized``), so every replica and worker ends with the same weights, moving
        averages included, as one machine training on the global batch would.
    verbose
        Keras verbosity: 1 shows a progress bar, 2 one line per epoch, 0 nothing; ``"auto"``
        is 1 when standard output is a terminal and 2 otherwise (a log file gets one line an
        epoch, not a frame of the bar per step).
    callbacks
        Extra Keras callbacks.
    backup_dir
        Keep the training state here after every epoch, so that a run stopped by Ctrl-C, a
        crash or a lost machine can go on where it stopped: the weights with the optimizer's
        state and the epoch (Keras's ``BackupAndRestore``), early stopping's state, and the
        best epoch so far as ``best.keras`` (a model you can load and use). When the folder
        already holds a state, training continues from it: the epoch after the last finished,
        with the same best epoch and patience left; a run that early stopping had ended
        trains no further. The folder stays after training; remove it once the model is saved.
        Resumed, the data's shuffling and augmentation start their sequence again, so the run
        is not bit-identical to one that was never stopped. Not with a multi-worker strategy.
    initial_epoch
        The epoch to start at (a second training stage goes on from the first's last epoch,
        so its epochs are numbered after them); ``epochs`` is the last.
    start_from_epoch
        Epochs of this call (from ``initial_epoch``) whose validation loss is not watched:
        early stopping neither counts them nor keeps one as the best epoch (nor writes it as
        ``best.keras``); Keras's ``EarlyStopping(start_from_epoch=)``. On a small validation
        part, an epoch at the schedule's highest rates can score a lucky low loss and be
        restored in place of the converged model.

    Returns
    -------
    keras.callbacks.History
        The per-epoch metrics (of the epochs this call trained); ``history.model`` is the
        trained model.

    Notes
    -----
    A model records what it is trained on (class names, preprocessing, intensity rule, task:
    :class:`~mammokit.model_info.ModelInfo`), so ``model.save`` keeps it and exports and
    :class:`~mammokit.export.Predictor` use it. Build it with ``class_names`` and record the
    recipe with :func:`record_info` (``spec.model_info(classes)`` of an
    :class:`~mammokit.imaging.InputSpec`), as :func:`mammokit.experiment.train_model` does.
    When ``train`` comes from :func:`mammokit.datasets.to_tf_dataset`, its deprecated
    ``mammokit_info`` attribute is still recorded, as in 0.1 (0.3 drops it). A model whose
    output count differs from the data's classes is refused before training.

    Examples
    --------
    >>> import numpy as np, tensorflow as tf, keras
    >>> from mammokit.models import cnn_classifier
    >>> model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,))
    >>> model.compile("adam", "categorical_crossentropy")
    >>> data = tf.data.Dataset.from_tensor_slices(
    ...     (np.zeros((4, 16, 16, 1), "float32"), np.eye(3)[[0, 1, 2, 0]])).batch(2)
    >>> fit(model, data, data, epochs=2, verbose=0).history["loss"].__len__()
    2
    """
    if epochs < 1 or not 0 <= initial_epoch <= epochs:
        raise MammokitError(f"epochs must be >= 1 and initial_epoch in [0, epochs], got {epochs}")
    check_early_stopping(patience, start_from_epoch)
    watch_from = initial_epoch + start_from_epoch  # Keras counts epochs from the first call
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        if not isinstance(model, keras.Model):
            model = model()
        if not getattr(model, "compiled", False):
            raise MammokitError("compile the model before fit (or return a compiled one)")
    infos: list = []
    train = _distributed(train, strategy, infos)
    validation = _distributed(validation, strategy, [])
    record_info(model, infos[0] if infos else getattr(train, "mammokit_info", None))
    all_callbacks = list(callbacks or [])
    if backup_dir is not None and isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        raise MammokitError("backup_dir works on one machine, not with a multi-worker strategy")
    backup = None if backup_dir is None else Path(backup_dir)
    if validation is not None:  # before the backup, which marks the epoch as done
        all_callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=patience,
                restore_best_weights=True,
                start_from_epoch=watch_from,
            )
            if backup is None
            else _ResumableEarlyStopping(backup, patience, watch_from)
        )
    if backup is not None:
        epochs = _epochs_left(backup, epochs)
        all_callbacks.append(keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False))
    if checkpoint_dir is not None and is_chief(strategy):
        folder = Path(checkpoint_dir)
        folder.mkdir(parents=True, exist_ok=True)
        monitor = "val_loss" if validation is not None else "loss"
        all_callbacks += [
            _BestModelCheckpoint(str(folder / "best.keras"), monitor, watch_from),
            keras.callbacks.CSVLogger(str(folder / "history.csv")),
        ]
    in_memory = not isinstance(train, tf.data.Dataset | tf.distribute.DistributedDataset)
    with global_batch_statistics(model, strategy), errors_from_the_graph():
        return model.fit(
            train,
            validation_data=validation,
            epochs=epochs,
            initial_epoch=initial_epoch,
            shuffle=in_memory,
            class_weight=dict(class_weight) if class_weight else None,
            callbacks=all_callbacks,
            verbose=(1 if sys.stdout.isatty() else 2) if verbose == "auto" else verbose,
        )


def check_early_stopping(patience: int, start_from_epoch: int) -> None:
    """Refuse a negative ``patience`` or ``start_from_epoch`` (:func:`fit`'s options), so that a
    caller can check them before it writes anything.

    Examples
    --------
    >>> check_early_stopping(5, 0)
    >>> check_early_stopping(5, -1)
    Traceback (most recent call last):
    mammokit.errors.MammokitError: patience and start_from_epoch must be >= 0, got 5 and -1
    """
    if patience < 0 or start_from_epoch < 0:
        raise MammokitError(
            f"patience and start_from_epoch must be >= 0, got {patience} and {start_from_epoch}"
        )


#: Early stopping's state in a backup folder, and the best epoch's model.
EARLY_STOPPING_STATE = "early_stopping.json"
BEST_MODEL = "best.keras"


def _epochs_left(backup: Path, epochs: int) -> int:
    """``epochs``, or the epochs already finished when early stopping had ended the run."""
    state = _read_state(backup / EARLY_STOPPING_STATE)
    if state and state["stopped"]:
        logger.info("the run in %s had stopped early after %d epochs", backup, state["epochs"])
        return state["epochs"]
    return epochs


def _read_state(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise MammokitError(f"{path}: unreadable training state ({err}); train again") from err


class _BestModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """Keras's checkpoint of the best epoch's model, blind before ``start_from_epoch`` (as
    early stopping is, so that ``best.keras`` holds the weights early stopping restores)."""

    def __init__(self, path: str, monitor: str, start_from_epoch: int) -> None:
        super().__init__(path, monitor=monitor, save_best_only=True)
        self.start_from_epoch = start_from_epoch

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if epoch >= self.start_from_epoch:
            super().on_epoch_end(epoch, logs)


class _ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras's early stopping on the validation loss, its state kept in ``folder`` after every
    epoch (and the best epoch's model as ``best.keras``) and taken up again from there."""

    def __init__(self, folder: Path, patience: int, start_from_epoch: int = 0) -> None:
        super().__init__(
            monitor="val_loss",
            patience=patience,
            restore_best_weights=True,
            start_from_epoch=start_from_epoch,
        )
        self.folder = folder

    def on_train_begin(self, logs=None) -> None:
        super().on_train_begin(logs)
        state = _read_state(self.folder / EARLY_STOPPING_STATE)
        if state is None:
            return
        self.best, self.wait, self.best_epoch = state["best"], state["wait"], state["best_epoch"]
        if self.best is not None:
            best = keras.saving.load_model(self.folder / BEST_MODEL, compile=False, safe_mode=True)
            self.best_weights = best.get_weights()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        before = self.best
        super().on_epoch_end(epoch, logs)
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.best is not before:  # a new best epoch: keep it as a usable model
            _replace(self.folder / BEST_MODEL, self.model.save)
        state = {
            "best": None if self.best is None else float(self.best),
            "wait": self.wait,
            "best_epoch": self.best_epoch,
            "epochs": epoch + 1,
            "stopped": bool(self.model.stop_training),
        }
        _replace(
            self.folder / EARLY_STOPPING_STATE, lambda path: path.write_text(json.dumps(state))
        )


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary file, so that a reader never finds half of it."""
    temporary = path.with_name(f"partial-{path.name}")
    write(temporary)
    temporary.replace(path)


def _distributed(
    data: tf.data.Dataset | DatasetFunction | None,
    strategy: tf.distribute.Strategy | None,
    infos: list,
) -> tf.data.Dataset | tf.distribute.DistributedDataset | None:
    """A dataset function made into a (distributed) dataset; its ``mammokit_info`` kept."""
    if data is None or isinstance(data, tf.data.Dataset) or not callable(data):
        return data

    def make(context: tf.distribute.InputContext) -> tf.data.Dataset:
        dataset = data(context)
        infos.append(getattr(dataset, "mammokit_info", None))
        return dataset

    if strategy is None:
        return make(tf.distribute.InputContext())
    return strategy.distribute_datasets_from_function(make)


def record_data_info(model: keras.Model, data: tf.data.Dataset) -> None:
    """Record in ``model`` what ``data`` (from ``to_tf_dataset``) says it is trained on.

    Models that are not a :class:`~mammokit.models.Classifier` cannot keep it; a log line says
    so. A model whose output count differs from the data's classes raises
    :class:`~mammokit.errors.ModelConfigError`.

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm, to_tf_dataset
    >>> from mammokit.datasets.tasks import apply_task
    >>> from mammokit.models import cnn_classifier
    >>> records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 3, (64, 48)))
    >>> data = to_tf_dataset(apply_task(records, "cancer-vs-rest"), (16, 16), channels=1)
    >>> model = cnn_classifier(2, input_shape=(16, 16, 1), filters=(4,))
    >>> record_data_info(model, data); model.class_names
    ('NoCancer', 'Cancer')
    """
    record_info(model, getattr(data, "mammokit_info", None))


def record_info(model: keras.Model, info: ModelInfo | None) -> None:
    """Record ``info`` (what the model is trained on) in ``model``, after checking it fits.

    A model whose output count differs from ``info``'s classes, or whose views differ, raises
    :class:`~mammokit.errors.ModelConfigError`; a model that is not a
    :class:`~mammokit.models.Classifier` cannot keep it, and a log line says so. ``None``
    records nothing.

    Examples
    --------
    >>> from mammokit.model_info import ModelInfo
    >>> from mammokit.models import cnn_classifier
    >>> model = cnn_classifier(2, input_shape=(16, 16, 1), filters=(4,))
    >>> record_info(model, ModelInfo(("Benign", "Malignant"), intensity="window"))
    >>> model.class_names, model.info.intensity
    (('Benign', 'Malignant'), 'window')
    """
    if info is None:
        return
    outputs = model.output_shape[-1]
    if outputs != len(info.class_names):
        raise ModelConfigError(
            f"the model has {outputs} outputs but the data has {len(info.class_names)} classes "
            f"{list(info.class_names)}; build it with class_names={list(info.class_names)}"
        )
    if isinstance(model, Classifier):
        if model.info.views != info.views:
            raise ModelConfigError(
                f"the model reads views {model.info.views} but the data yields "
                f"{info.views or 'single images'}; build the data with to_tf_dataset(..., "
                "group=..., views=model.info.views)"
            )
        model.info = info
    else:
        logger.warning(
            "%s is not a mammokit Classifier, so it cannot record its classes %s; wrap it with "
            "mammokit.models.as_classifier before compiling",
            model.name,
            list(info.class_names),
        )


def plot_history(
    history: keras.callbacks.History | Mapping[str, list[float]],
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Path | Figure:
    """Draw accuracy and loss per epoch, training against validation.

    Parameters
    ----------
    history
        The ``History`` from :func:`fit` / ``model.fit``, or its ``.history`` dict.
    path
        Where to write the PNG; ``None`` returns the figure instead (shown inline in a
        notebook).
    title
        Figure title, e.g. the model name.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path``, or the figure when no path is given.

    Examples
    --------
    >>> import tempfile, os
    >>> out = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]},
    ...                    os.path.join(tempfile.mkdtemp(), "curves.png"))
    >>> out.exists()
    True
    >>> type(plot_history({"loss": [1.0, 0.5]})).__name__
    'Figure'
    """
    values = history.history if isinstance(history, keras.callbacks.History) else dict(history)
    if "loss" not in values:
        raise MammokitError(f"history has no 'loss' entry; keys: {sorted(values)}")
    panels = [key for key in ("accuracy", "loss") if key in values]
    figure = Figure(figsize=(5.5 * len(panels), 4))
    for axis, key in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels, strict=True):
        epochs = range(1, len(values[key]) + 1)
        axis.plot(epochs, values[key], marker="o", label="training")
        if f"val_{key}" in values:
            axis.plot(epochs, values[f"val_{key}"], marker="o", label="validation")
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        axis.set_ylabel(key)
        axis.set_title(f"{key.capitalize()} per epoch")
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return save_or_return(figure, path)


#: The optimizers :func:`compile_classifier` builds.
OPTIMIZERS = ("adamw", "adam")
#: Variables AdamW leaves out of weight decay: biases and normalisation scales and offsets
#: (as timm does: decaying them pulls a normalisation toward zero for no regularising gain).
NO_DECAY = ("bias", "gamma", "beta")


def compile_classifier(
    model: keras.Model,
    class_weights: Mapping[int, float] | Sequence[float] | None = None,
    learning_rate: float = 1e-3,
    decay_steps: int | None = None,
    jit_compile: bool | str = "auto",
    steps_per_execution: int = 1,
    *,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    warmup_steps: int = 0,
    clipnorm: float | None = None,
    label_smoothing: float = 0.0,
) -> keras.Model:
    """Compile a classifier with the metrics that matter, by the thesis's recipe or the new one.

    Weighted categorical cross-entropy (plain cross-entropy without weights), and accuracy,
    macro sensitivity and macro specificity as metrics. The defaults are the thesis's Adam;
    :func:`mammokit.experiment.train_model` passes the default recipe of
    :class:`~mammokit.experiment.TrainConfig` (AdamW, warm-up then cosine decay, gradient
    clipping): the "Training recipe" docs page says why.

    Parameters
    ----------
    model
        A classifier with a softmax output.
    class_weights
        Per-class loss weights, e.g. :func:`mammokit.datasets.class_weights`.
    learning_rate
        The peak learning rate (reached after the warm-up).
    decay_steps
        If given, the learning rate follows a cosine decay to zero over this many steps after
        the warm-up (usually epochs x steps per epoch, less the warm-up), which steadies the
        last epochs.
    jit_compile
        Compile train steps with XLA: ``True``, ``False`` or ``"auto"`` (Keras's choice: on
        for GPUs, off on CPU-only machines). See ``benchmarks/training.py`` for its effect.
    steps_per_execution
        Train steps run per call into TensorFlow. Larger values cut Python's per-step overhead,
        which counts on a GPU or TPU with small models; on a CPU the step's arithmetic
        dominates and it gains nothing measurable (``docs/performance.md``). It does not change
        what the model learns; callbacks' per-batch hooks then run every that many steps.
    optimizer
        ``"adam"`` or ``"adamw"`` (Adam with decoupled weight decay, Loshchilov & Hutter).
    weight_decay
        AdamW's decoupled weight decay; biases and normalisation parameters
        (:data:`NO_DECAY`) are left out.
    warmup_steps
        Steps of linear warm-up from 0 to ``learning_rate`` (Keras's ``CosineDecay``
        ``warmup_steps``); large early updates from random or new layers are what collapses
        a network trained from scratch at full rate.
    clipnorm
        Clip the gradients' global norm to this (``None``: no clipping).
    label_smoothing
        Of the loss (:class:`~mammokit.losses.WeightedCategoricalCrossentropy`).

    Returns
    -------
    keras.Model
        The same model, compiled.

    Examples
    --------
    >>> from mammokit.models import cnn_classifier
    >>> model = compile_classifier(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)), [1, 2, 1])
    >>> model.loss.class_weights
    [1.0, 2.0, 1.0]
    >>> model = compile_classifier(model, optimizer="adamw", weight_decay=0.01, warmup_steps=10,
    ...                            decay_steps=90, clipnorm=1.0)
    >>> type(model.optimizer).__name__, model.optimizer.global_clipnorm
    ('AdamW', 1.0)
    """
    if optimizer not in OPTIMIZERS:
        raise MammokitError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    num_classes = model.output_shape[-1]
    if class_weights is None:
        class_weights = [1.0] * num_classes
    schedule = learning_rate_schedule(learning_rate, decay_steps, warmup_steps)
    clipping = {} if clipnorm is None else {"global_clipnorm": float(clipnorm)}
    if optimizer == "adamw":
        chosen = keras.optimizers.AdamW(schedule, weight_decay=weight_decay, **clipping)
        chosen.exclude_from_weight_decay(var_names=list(NO_DECAY))
    else:
        chosen = keras.optimizers.Adam(schedule, **clipping)
    model.compile(
        optimizer=chosen,
        loss=WeightedCategoricalCrossentropy(class_weights, label_smoothing=label_smoothing),
        metrics=[
            "accuracy",
            Sensitivity(num_classes=num_classes),
            Specificity(num_classes=num_classes),
        ],
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
    return model


def learning_rate_schedule(
    learning_rate: float, decay_steps: int | None = None, warmup_steps: int = 0
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """Linear warm-up from 0 over ``warmup_steps``, then cosine decay to 0 over
    ``decay_steps`` (constant without them); a constant ``learning_rate`` with neither.

    Keras's ``CosineDecay`` with ``warmup_target``: the step-``t`` rate is
    ``lr * t / warmup`` during the warm-up, then ``lr * (1 + cos(pi * t' / decay)) / 2``
    with ``t'`` the steps since the warm-up.

    Examples
    --------
    >>> schedule = learning_rate_schedule(0.01, decay_steps=100, warmup_steps=20)
    >>> [round(float(schedule(step)), 5) for step in (0, 10, 20, 70, 120)]
    [0.0, 0.005, 0.01, 0.005, 0.0]
    """
    if learning_rate <= 0:
        raise MammokitError(f"learning_rate must be above 0, got {learning_rate}")
    if warmup_steps < 0 or (decay_steps is not None and decay_steps < 0):
        raise MammokitError("warmup_steps and decay_steps must be >= 0")
    if not decay_steps and not warmup_steps:
        return learning_rate
    if not warmup_steps:
        return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
    return keras.optimizers.schedules.CosineDecay(
        0.0,
        max(int(decay_steps or 0), 1),
        alpha=0.0 if decay_steps else 1.0,  # no decay: the rate stays after the warm-up
        warmup_target=learning_rate,
        warmup_steps=int(warmup_steps),
    )
