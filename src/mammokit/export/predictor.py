"""Serving: class probabilities from a ``.keras``, ``.tflite`` or ``.onnx`` file on a CPU.

:class:`Predictor` prepares files with the model's own per-image recipe
(:class:`~mammokit.imaging.InputSpec`, from the ``.keras`` file or the export's sidecar) and
runs the file with the runtime its format needs: Keras, LiteRT (``ai-edge-litert``, in the
``export`` extra; TensorFlow's deprecated ``tf.lite.Interpreter`` where LiteRT is not
installed) or ONNX Runtime.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit.datasets.grouping import group_keys, group_views, view_rows
from mammokit.errors import (
    LegacyModelWarning,
    MammokitError,
    ModelConfigError,
    ModelLoadError,
    require,
)
from mammokit.export.embedded import check_agrees, onnx_record, tflite_record
from mammokit.export.sidecar import SIDECAR_SUFFIX, read_serving_config, view_shape
from mammokit.imaging.example import ExampleReader, InputSpec
from mammokit.metrics.levels import aggregate_predictions
from mammokit.model_info import BEFORE_RECORDED, ModelInfo, info_of
from mammokit.models.saving import load_model
from mammokit.progress import progress_bar
from mammokit.records import with_classes
from mammokit.views import input_name, view_batch

__all__ = [
    "TFLITE_RUNTIMES",
    "Predictor",
    "add_decision",
    "operating_point_name",
    "tflite_interpreter",
]

#: The interpreters a ``.tflite`` file can be served with (``"auto"``: LiteRT where installed).
TFLITE_RUNTIMES = ("auto", "litert", "tensorflow")


def tflite_interpreter(path: str | os.PathLike, num_threads: int = 1, runtime: str = "auto"):
    """A TFLite interpreter for ``path``: LiteRT's (``ai-edge-litert``) or TensorFlow's.

    ``runtime="auto"`` takes LiteRT where it is installed (the ``export`` extra installs it)
    and TensorFlow's ``tf.lite.Interpreter`` otherwise, which TensorFlow deprecates; both
    expose the same interface, so serving has one code path.

    Examples
    --------
    >>> import tempfile, os
    >>> from mammokit.export import to_tflite
    >>> from mammokit.models import cnn_classifier
    >>> path = to_tflite(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)),
    ...                  os.path.join(tempfile.mkdtemp(), "m.tflite"))
    >>> tflite_interpreter(path, runtime="tensorflow").get_input_details()[0]["shape"].tolist()
    [1, 16, 16, 1]
    """
    if runtime not in TFLITE_RUNTIMES:
        raise MammokitError(f"runtime must be one of {TFLITE_RUNTIMES}, got {runtime!r}")
    if runtime == "tensorflow":
        interpreter_class = tf.lite.Interpreter
    else:
        try:
            from ai_edge_litert.interpreter import Interpreter as LiteRTInterpreter

            interpreter_class = LiteRTInterpreter
        except ImportError:
            if runtime == "litert":
                require("ai_edge_litert", "export")  # raises, saying how to install it
            interpreter_class = tf.lite.Interpreter
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
            return interpreter_class(model_path=str(path), num_threads=num_threads)
    except ValueError as err:
        raise ModelLoadError(f"{path}: not a readable TFLite model ({err})") from err


def _check_sidecar(path: Path, sidecar: dict, shape: Sequence, outputs: int) -> None:
    """Refuse a sidecar that does not describe the model file beside it."""
    if not sidecar:
        return
    where = f"{path}{SIDECAR_SUFFIX}"
    names = sidecar.get("class_names")
    if names is not None and len(names) != outputs:
        raise ModelLoadError(
            f"{where} names {len(names)} classes {list(names)} for a model with {outputs} "
            "outputs: the sidecar belongs to another model; export this one again"
        )
    fixed = [int(v) if isinstance(v, int | np.integer) and v > 0 else None for v in shape[:3]]
    size = sidecar.get("input_size")
    if size is not None and None not in fixed[:2] and [int(v) for v in size] != fixed[:2]:
        raise ModelLoadError(f"{where} says input size {list(size)}, the model takes {fixed[:2]}")
    channels = sidecar.get("channels")
    if channels is not None and fixed[2] is not None and int(channels) != fixed[2]:
        raise ModelLoadError(f"{where} says {channels} channel(s), the model takes {fixed[2]}")


def add_decision(
    table: pd.DataFrame, probabilities: np.ndarray, point: dict | None, class_names: list[str]
) -> pd.DataFrame:
    """Add the call at ``point`` (``decision``: the positive class where its probability
    reaches the threshold, else the most probable other class) and the point's name
    (``operating_point``) to ``table``, whose rows are those of ``probabilities``; with no
    point, ``table`` as it is.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> point = {"class": "Cancer", "threshold": 0.3, "target": "youden", "level": "image"}
    >>> table = add_decision(pd.DataFrame(index=range(2)), np.array([[0.6, 0.4], [0.8, 0.2]]),
    ...                      point, ["Normal", "Cancer"])
    >>> table["decision"].tolist()
    ['Cancer', 'Normal']
    """
    if point is None:
        return table
    column = class_names.index(point["class"])
    others = [i for i in range(len(class_names)) if i != column]
    alternative = np.array(class_names)[others][probabilities[:, others].argmax(axis=1)]
    called = probabilities[:, column] >= point["threshold"]
    table["decision"] = np.where(called, point["class"], alternative)
    table["operating_point"] = operating_point_name(point)
    return table


def operating_point_name(point: dict) -> str:
    """A short name of an operating point, e.g. ``"sensitivity 0.90 per image (validation,
    threshold 0.312)"``.

    Examples
    --------
    >>> operating_point_name({"target": "youden", "level": "breast", "threshold": 0.25,
    ...                       "source": "validation"})
    'youden per breast (validation, threshold 0.250)'
    """
    target = point.get("target")
    if isinstance(target, dict):
        target = " ".join(f"{name} {value:.2f}" for name, value in target.items())
    return (
        f"{target} per {point.get('level', 'image')} ({point.get('source', 'given')}, "
        f"threshold {point['threshold']:.3f})"
    )


class Predictor:
    """Fast inference from a ``.keras``, ``.tflite`` or ``.onnx`` file.

    The model's class names and the preprocessing of training (flip to the left, crop to the
    breast, resize, the 0..255 intensity scale of :mod:`mammokit.imaging.intensity`) come from the
    model itself (``.keras``) or the sidecar written at export; a file without either is
    served with Mini-DDSM's assumptions and a :class:`~mammokit.models.LegacyModelWarning`.

    Parameters
    ----------
    path
        The model file.
    num_threads
        CPU threads for TFLite and ONNX Runtime; default all cores.
    custom_preprocess
        The ``preprocess(image, side) -> (image, box)`` callable of a model trained with a
        custom preprocessing (recorded as ``"custom:<name>"``); not needed otherwise.
    tflite_runtime
        For a ``.tflite`` file: ``"auto"`` (LiteRT where installed), ``"litert"`` or
        ``"tensorflow"`` (:func:`tflite_interpreter`).

    Attributes
    ----------
    info
        The :class:`~mammokit.model_info.ModelInfo` served.
    spec
        The per-image recipe files are prepared with (:class:`~mammokit.imaging.InputSpec`).
    class_names
        The class of each output column.
    config
        The serving configuration as a dict: the sidecar's entries, the input size and
        channels, and ``info``'s fields (as in 0.1, where it was the sidecar or defaults).

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from mammokit.models import cnn_classifier
    >>> path = os.path.join(tempfile.mkdtemp(), "cnn.keras")
    >>> cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["B", "M"]).save(path)
    >>> predictor = Predictor(path)
    >>> predictor.predict(np.zeros((16, 16, 1))).shape, predictor.class_names
    ((1, 2), ['B', 'M'])
    """

    def __init__(
        self,
        path: str | os.PathLike,
        num_threads: int | None = None,
        custom_preprocess: Callable | None = None,
        tflite_runtime: str = "auto",
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelLoadError(f"{self.path}: no such model file")
        threads = num_threads or os.cpu_count() or 1
        suffix = self.path.suffix.lower()
        recorded, self._record = None, None
        if suffix == ".keras":
            model = load_model(self.path)
            self._run, shape, outputs = self._keras(model)
            recorded = info_of(model, source=str(self.path))
        elif suffix == ".tflite":
            self._run, shape, outputs = self._tflite(threads, tflite_runtime)
            self._record = tflite_record(self.path)
        elif suffix == ".onnx":
            self._run, shape, outputs = self._onnx(threads)
        else:
            raise ModelLoadError(
                f"{self.path}: unsupported model file (use .keras, .tflite or .onnx)"
            )
        sidecar = read_serving_config(self.path) or {}
        _check_sidecar(self.path, sidecar, shape, int(outputs))
        if self._record is not None:  # the file's own record (exports of 0.3 on)
            if sidecar:
                check_agrees(self.path, sidecar, self._record)
            sidecar = {**self._record, **sidecar}
        self.info = recorded or self._recorded_info(sidecar, int(outputs))
        size = sidecar.get("input_size") or [int(shape[0]), int(shape[1])]
        channels = sidecar.get("channels") or int(shape[2])
        self.input_shape = (int(size[0]), int(size[1]), int(channels))
        self.config = {
            **sidecar,
            "input_size": list(self.input_shape[:2]),
            "channels": self.input_shape[2],
            **self.info.to_dict(),
        }
        self.class_names = list(self.info.class_names)
        self.views = self.info.views
        try:
            self.spec = InputSpec.from_info(self.info, self.input_shape, custom_preprocess)
        except ModelConfigError as err:
            raise ModelConfigError(f"{self.path}: {err}") from err

    def _recorded_info(self, config: dict, outputs: int) -> ModelInfo:
        if "class_names" in config:
            return ModelInfo.from_dict(config)
        info = ModelInfo.default(outputs).replace(**BEFORE_RECORDED)
        warnings.warn(
            f"{self.path} has no mammokit sidecar ({self.path.name}{SIDECAR_SUFFIX}) naming its "
            f"classes: assuming {list(info.class_names)}, standard preprocessing and the "
            "'bits' intensity rule. Export it again with mammokit to record them.",
            LegacyModelWarning,
            stacklevel=3,
        )
        return info

    @staticmethod
    def _keras(model: keras.Model):
        # one traced function: model.predict's per-call set-up dominates single images
        traced = tf.function(lambda images: model(images, training=False), reduce_retracing=True)

        def run(images: np.ndarray | dict[str, np.ndarray]) -> np.ndarray:
            return traced(tf.nest.map_structure(tf.constant, images)).numpy()

        return run, view_shape(model)[1:], model.output_shape[-1]

    def _tflite(self, threads: int, runtime: str):
        # a TFLite interpreter is not thread-safe: each thread that predicts gets its own
        local = threading.local()

        def interpreter():
            if not hasattr(local, "interpreter"):
                local.interpreter = tflite_interpreter(self.path, threads, runtime)
                local.interpreter.allocate_tensors()
                local.source = local.interpreter.get_input_details()[0]
                local.target = local.interpreter.get_output_details()[0]
            return local

        first = interpreter()
        shape, outputs = tuple(first.source["shape"][1:]), int(first.target["shape"][-1])
        if len(first.interpreter.get_input_details()) > 1:  # a multi-view model: by name

            def run_views(views: dict[str, np.ndarray]) -> np.ndarray:
                (result,) = interpreter().interpreter.get_signature_runner()(**views).values()
                return np.array(result)

            return run_views, shape, outputs

        def run(images: np.ndarray) -> np.ndarray:
            state = interpreter()
            if tuple(state.source["shape"]) != images.shape:
                state.interpreter.resize_tensor_input(state.source["index"], images.shape)
                state.interpreter.allocate_tensors()
                state.source = state.interpreter.get_input_details()[0]
            state.interpreter.set_tensor(state.source["index"], images)
            state.interpreter.invoke()
            return state.interpreter.get_tensor(state.target["index"]).copy()

        return run, shape, outputs

    def _onnx(self, threads: int):
        onnxruntime = require("onnxruntime", "export")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        try:
            session = onnxruntime.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own exception types
            raise ModelLoadError(f"{self.path}: not a readable ONNX model ({err})") from err
        self._record = onnx_record(self.path, session)
        name = session.get_inputs()[0].name
        shape = session.get_inputs()[0].shape[1:]
        outputs = int(session.get_outputs()[0].shape[-1])
        if len(session.get_inputs()) > 1:  # a multi-view model: inputs by name
            return (lambda views: session.run(None, views)[0]), shape, outputs
        return (lambda images: session.run(None, {name: images})[0]), shape, outputs

    def predict(
        self, images: np.ndarray | Sequence[str | os.PathLike], batch_size: int = 32
    ) -> np.ndarray:
        """Class probabilities ``(N, classes)``, columns in :attr:`class_names` order.

        ``images`` is one image ``(H, W, C)`` or a batch ``(N, H, W, C)`` already of the
        model's size on a 0..255 scale, or a list of image files, which are read and
        preprocessed as in training (:meth:`predict_files`).
        """
        if self.views is not None:
            return self._predict_views(images)
        if isinstance(images, (str, os.PathLike)) or (
            isinstance(images, (list, tuple))
            and images
            and all(isinstance(item, (str, os.PathLike)) for item in images)
        ):
            paths = [images] if isinstance(images, (str, os.PathLike)) else list(images)
            return self.predict_files(paths, batch_size)
        batch = np.asarray(images, dtype=np.float32)
        if batch.ndim == 3:
            batch = batch[np.newaxis]
        if batch.ndim != 4 or batch.shape[1:] != self.input_shape:
            raise MammokitError(
                f"images must be {self.input_shape} or a batch of them, got {np.shape(images)}"
            )
        if not np.isfinite(batch).all():
            raise MammokitError("images hold NaN or infinite values; nothing was predicted")
        return np.asarray(self._run(np.ascontiguousarray(batch)))

    def _predict_views(self, views: dict) -> np.ndarray:
        names = [input_name(view) for view in self.views]
        if not isinstance(views, dict):
            raise MammokitError(
                f"{self.path.name} reads the views {list(self.views)} together: pass a dict of "
                f"view images {{{', '.join(repr(n) for n in names)}: ...}}, or records to "
                "predict_breasts"
            )
        return np.asarray(self._run(view_batch(views, names, self.input_shape)))

    def predict_files(
        self,
        paths: Sequence[str | os.PathLike],
        batch_size: int = 32,
        sides: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Read, preprocess as in training, and predict image files; ``(N, classes)``.

        The side (for the flip to the left) is ``sides[i]`` when given, else the file name's
        (``...RIGHT_CC...``), else guessed from the image
        (:func:`~mammokit.imaging.preprocess.guess_side`).
        """
        return self._predict_images(ExampleReader.of_files(self.spec, paths, sides), batch_size)

    def _predict_images(self, reader: ExampleReader, batch_size: int) -> np.ndarray:
        """``(N, classes)`` for every image of ``reader``, ``batch_size`` at a time."""
        if self.views is not None:
            raise MammokitError(
                f"{self.path.name} reads the views {list(self.views)} of a {self.info.level} "
                "together; predict records with predict_breasts"
            )
        outputs = [np.zeros((0, len(self.class_names)), np.float32)]
        with progress_bar(len(reader), "predicting", unit="image") as bar:
            for start in range(0, len(reader), batch_size):
                chunk = range(start, min(start + batch_size, len(reader)))
                outputs.append(self.predict(self.spec.to_input([reader.read(i)[0] for i in chunk])))
                bar.update(len(chunk))
        return np.concatenate(outputs)

    def predict_records(
        self, records: pd.DataFrame | Sequence[str | os.PathLike], batch_size: int = 32
    ) -> pd.DataFrame:
        """Named class probabilities: one row per image, one column per class.

        Parameters
        ----------
        records
            A records table (its ``side`` column is used) or a list of image files.
        batch_size
            Images per inference call.

        Returns
        -------
        pandas.DataFrame
            ``image_path`` (with ``patient_id``, ``side`` and ``view`` for records),
            ``predicted`` (the most probable class), for a model with an operating point
            ``decision`` (its positive class where that class's probability reaches the
            threshold chosen on validation, else the most probable other class) and
            ``operating_point`` (its name), and one probability column per class name.
            :func:`mammokit.metrics.levels.aggregate_predictions` turns it into results per
            breast or patient: ``aggregate_predictions(records, table[predictor.class_names])``.

        Examples
        --------
        >>> import tempfile, os, cv2, numpy as np
        >>> from mammokit.models import cnn_classifier
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "cnn.keras")
        >>> cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["B", "M"]).save(path)
        >>> image = os.path.join(folder, "x.RIGHT_CC.png")
        >>> _ = cv2.imwrite(image, np.full((48, 40), 120, np.uint8))
        >>> list(Predictor(path).predict_records([image]).columns)
        ['image_path', 'predicted', 'B', 'M']
        """
        if isinstance(records, pd.DataFrame):
            table = records[
                [c for c in ("image_path", "patient_id", "side", "view") if c in records]
            ].reset_index(drop=True)
        else:
            table = pd.DataFrame({"image_path": [str(p) for p in records]})
        if "side" in table:  # the records' sides and stored bits, as in training
            reader = ExampleReader.of_records(self.spec, records)
        else:  # sides from the file names (else guessed)
            reader = ExampleReader.of_files(self.spec, table["image_path"])
        probabilities = self._predict_images(reader, batch_size)
        table["predicted"] = [self.class_names[i] for i in probabilities.argmax(axis=1)]
        add_decision(table, probabilities, self.operating_point("image"), self.class_names)
        for index, name in enumerate(self.class_names):
            table[name] = probabilities[:, index]
        return table

    def operating_point(self, level: str, how: str | None = None) -> dict | None:
        """The model's operating point per ``level`` (chosen on validation and recorded at
        training), or ``None``: the model has none there, or it was chosen on probabilities
        combined otherwise than ``how`` (default the model's rule, see :meth:`predict_breasts`)."""
        how = how or self.info.how
        point = (self.info.operating_points or {}).get(level)
        if point is None or (level != self.info.level and point.get("how", how) != how):
            return None
        return point

    def predict_breasts(
        self,
        records: pd.DataFrame,
        batch_size: int = 32,
        how: str | None = None,
        missing_view: str = "zeros",
    ) -> pd.DataFrame:
        """Named class probabilities per breast (per exam, for an exam model).

        A multi-view model reads each breast's views together
        (:func:`~mammokit.datasets.grouping.group_views`, missing views by ``missing_view``); a
        single-image model predicts each image and calls the breast from its images
        (:func:`~mammokit.metrics.aggregate_predictions` with ``how``), so both kinds of model
        give the same table and can be compared breast by breast.

        Parameters
        ----------
        records
            A records table with ``patient_id``, ``side`` and ``view``. Labels that are not the
            model's classes (an unlabelled archive) are allowed; the result then has no
            ``label`` column.
        batch_size
            Breasts (images, for a single-image model) per inference call.
        how
            ``"max"`` or ``"mean"``: how a single-image model's images call the breast;
            ``None`` (default) follows the labels the model was trained on, as
            :func:`mammokit.experiment.evaluate_model` does: ``"mean"`` for case labels,
            ``"max"`` otherwise (0.1 always took ``"max"``).
        missing_view
            ``"zeros"``, ``"repeat"``, ``"skip"`` or ``"error"``, for a multi-view model.

        Returns
        -------
        pandas.DataFrame
            One row per breast: ``patient_id`` (``exam_id``), ``side`` (not for an exam
            model), ``n_images`` (single-image model) or ``n_views`` and ``missing_views``
            (multi-view model), ``label`` (the most severe image label, when the records'
            labels are the model's classes), ``predicted``, ``decision`` and
            ``operating_point`` (at the model's breast operating point, chosen with the same
            ``how``; see :meth:`predict_records`) and one probability column per class name.

        Examples
        --------
        >>> import tempfile, os
        >>> from mammokit.datasets import make_synthetic, read_mini_ddsm
        >>> from mammokit.models import multiview_classifier
        >>> folder = tempfile.mkdtemp()
        >>> records = read_mini_ddsm(make_synthetic(folder, 3, (64, 48)))
        >>> path = os.path.join(folder, "two-view.keras")
        >>> multiview_classifier("cnn", input_shape=(16, 16, 1), weights=None,
        ...                      filters=(4,)).save(path)
        >>> table = Predictor(path).predict_breasts(records)
        >>> len(table), list(table.columns[:4])
        (6, ['patient_id', 'side', 'n_views', 'missing_views'])
        """
        table, labelled = self._known_labels(records)
        how = how or self.info.how
        if self.views is None:
            images = self.predict_records(table, batch_size)
            result = aggregate_predictions(
                table, images[self.class_names].to_numpy(), "breast", how, self.class_names
            )
        else:
            groups = group_views(table, self.info.level, self.views, missing_view)
            probabilities = self._predict_groups(table, groups, batch_size)
            result = groups[[*group_keys(groups), "n_views", "missing_views", "label"]].copy()
            result[self.class_names] = probabilities
        if not labelled:
            result = result.drop(columns="label")
        position = result.columns.get_loc(self.class_names[0])
        probabilities = result[self.class_names].to_numpy()
        result.insert(position, "predicted", [self.class_names[i] for i in probabilities.argmax(1)])
        decided = add_decision(
            result[result.columns[: position + 1]].copy(),
            probabilities,
            self.operating_point(self.info.level if self.views else "breast", how),
            self.class_names,
        )
        result = pd.concat([decided, result[self.class_names]], axis=1)
        return result.reset_index(drop=True)

    def _known_labels(self, records: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
        """The records with the model's classes; unknown labels (unlabelled data) stood in."""
        if set(records["label"]) <= set(self.class_names):
            return with_classes(records, self.class_names), True
        return with_classes(records.assign(label=self.class_names[0]), self.class_names), False

    def _predict_groups(
        self, records: pd.DataFrame, groups: pd.DataFrame, batch_size: int
    ) -> np.ndarray:
        reader, rows = ExampleReader.of_records(self.spec, records), view_rows(groups)
        names = [input_name(view) for view in self.views]
        outputs = []
        with progress_bar(len(groups), "predicting", unit=self.info.level) as bar:
            for start in range(0, len(groups), batch_size):
                chunk = [
                    reader.read_views(rows[i])
                    for i in range(start, min(start + batch_size, len(groups)))
                ]
                views = {
                    name: self.spec.to_input([views[k] for views in chunk])
                    for k, name in enumerate(names)
                }
                outputs.append(self.predict(views))
                bar.update(len(chunk))
        return np.concatenate(outputs)
