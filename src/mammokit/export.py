"""Export for fast CPU and mobile inference (TFLite, ONNX, SavedModel) and a Predictor to serve.

Every exported file gets a sidecar ``<file>.mammokit.json`` holding what serving must repeat
from training: input size and channels, and the model's own record of its class names,
preprocessing and intensity rule (:class:`~mammokit.model_info.ModelInfo`), never a guess.
:class:`Predictor` reads it (or, for a ``.keras`` file, the model itself), so files are
prepared the way the training pipeline prepared them.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit.errors import MammokitError, ModelConfigError, ModelLoadError, require
from mammokit.model_info import ModelInfo
from mammokit.progress import progress_bar

__all__ = ["Predictor", "read_serving_config", "to_onnx", "to_saved_model", "to_tflite"]

_SIDECAR_SUFFIX = ".mammokit.json"
_QUANTIZE = (None, "float16", "int8")


def _serving_config(model: keras.Model) -> dict:
    from mammokit import __version__
    from mammokit.models.classifier import model_info

    _, height, width, channels = _view_shape(model)
    names = _input_names(model)
    return {
        "input_size": [int(height), int(width)],
        "channels": int(channels),
        **({"inputs": names} if names else {}),
        **model_info(model).to_dict(),
        "pixel_scale": "0..255 by the intensity rule (mammokit.intensity)",
        "mammokit_version": __version__,
    }


def _write_sidecar(path: Path, config: dict) -> None:
    Path(f"{path}{_SIDECAR_SUFFIX}").write_text(json.dumps(config, indent=2))


def read_serving_config(path: str | os.PathLike) -> dict | None:
    """The serving sidecar written next to an exported model, or ``None`` if there is none.

    Examples
    --------
    >>> import tempfile, os
    >>> from mammokit.models import cnn_classifier
    >>> path = to_tflite(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)),
    ...                  os.path.join(tempfile.mkdtemp(), "m.tflite"))
    >>> read_serving_config(path)["input_size"], read_serving_config(path)["channels"]
    ([16, 16], 1)"""
    sidecar = Path(f"{path}{_SIDECAR_SUFFIX}")
    return json.loads(sidecar.read_text()) if sidecar.is_file() else None


def _input_names(model: keras.Model) -> list[str] | None:
    """The named view inputs of a multi-view model, in the model's input order; else ``None``."""
    if isinstance(model.input, dict):
        return [tensor.name for tensor in model.inputs]
    return None


def _view_shape(model: keras.Model) -> tuple:
    """``(None, H, W, C)`` of the model's input (of each view, for a multi-view model)."""
    return tuple(model.inputs[0].shape)


def _signature(model: keras.Model) -> list:
    """The serving signature: ``image``, or one input per view named as the model's."""
    shape = (None, *_view_shape(model)[1:])
    names = _input_names(model)
    if names is None:
        return [tf.TensorSpec(shape, tf.float32, name="image")]
    return [{name: tf.TensorSpec(shape, tf.float32, name=name) for name in names}]


def to_saved_model(model: keras.Model, path: str | os.PathLike) -> Path:
    """Export a TensorFlow SavedModel for TF Serving (``serve`` endpoint, float32 images).

    Examples
    --------
    >>> import tempfile, os
    >>> from mammokit.models import cnn_classifier
    >>> out = to_saved_model(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)),
    ...                      os.path.join(tempfile.mkdtemp(), "served"))
    >>> (out / "saved_model.pb").exists()
    True
    """
    path = Path(path)
    _export_saved_model(model, path)
    _write_sidecar(path, _serving_config(model))
    return path


def _export_saved_model(model: keras.Model, folder: str | os.PathLike) -> None:
    """``model.export`` without its printout (Keras 3.9 prints despite ``verbose=False``)."""
    with _tensorflow_logs_at(logging.WARNING), contextlib.redirect_stdout(io.StringIO()):
        model.export(
            str(folder), format="tf_saved_model", verbose=False, input_signature=_signature(model)
        )


def to_tflite(
    model: keras.Model,
    path: str | os.PathLike,
    quantize: str | None = None,
    representative_data: np.ndarray | pd.DataFrame | None = None,
    calibration_size: int = 200,
) -> Path:
    """Convert to TensorFlow Lite, optionally quantized.

    Parameters
    ----------
    model
        A Keras classifier.
    path
        The ``.tflite`` file to write.
    quantize
        ``None`` (float32), ``"float16"`` (half-size weights) or ``"int8"`` (full integer
        quantization of weights and activations, about 4x smaller; inputs and outputs stay
        float32 so callers feed the same images).
    representative_data
        For ``"int8"``: calibration images, an array ``(N, H, W, C)`` on the model's 0..255 scale
        (a dict of such arrays by input name for a multi-view model) or a records table (read
        with the training pipeline). A few hundred typical images (breasts).
    calibration_size
        Most images taken from ``representative_data``.

    Returns
    -------
    pathlib.Path
        ``path``; a ``.mammokit.json`` sidecar is written next to it.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from mammokit.models import cnn_classifier
    >>> model = cnn_classifier(input_shape=(16, 16, 1), filters=(8,))
    >>> calibration = np.random.default_rng(0).uniform(0, 255, (8, 16, 16, 1)).astype("float32")
    >>> path = to_tflite(model, os.path.join(tempfile.mkdtemp(), "m.int8.tflite"), "int8",
    ...                  representative_data=calibration)
    >>> Predictor(path).predict(calibration[:2]).shape
    (2, 3)
    """
    if quantize not in _QUANTIZE:
        raise MammokitError(f"quantize must be one of {_QUANTIZE}, got {quantize!r}")
    if quantize == "int8" and representative_data is None:
        raise MammokitError("int8 quantization needs representative_data (images or records)")
    path = Path(path)
    with tempfile.TemporaryDirectory() as folder, _tensorflow_logs_at(logging.WARNING):
        _export_saved_model(model, folder)
        converter = tf.lite.TFLiteConverter.from_saved_model(folder)
        if quantize == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif quantize == "int8":
            samples = _calibration_samples(model, representative_data, calibration_size)
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = lambda: iter(samples)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        content = converter.convert()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    _write_sidecar(path, {**_serving_config(model), "quantize": quantize})
    return path


@contextlib.contextmanager
def _tensorflow_logs_at(level: int):
    """TensorFlow's Python logger at ``level`` for a while ("Assets written to ..." is INFO)."""
    tf_logger = logging.getLogger("tensorflow")
    previous = tf_logger.level
    tf_logger.setLevel(max(level, previous))
    try:
        yield
    finally:
        tf_logger.setLevel(previous)


def _calibration_samples(
    model: keras.Model, data: np.ndarray | dict | pd.DataFrame, limit: int
) -> list:
    """Up to ``limit`` converter inputs: ``[image]`` each, or a dict of views (multi-view)."""
    names = _input_names(model)
    shape = tuple(_view_shape(model)[1:])
    if isinstance(data, pd.DataFrame):
        return _calibration_records(model, data, limit)
    if names is not None:
        if not isinstance(data, dict) or set(data) != set(names):
            raise MammokitError(f"representative_data must be records or a dict of {names}")
        views = {name: np.asarray(data[name], np.float32) for name in names}
        count = min(len(view) for view in views.values())
        return [{name: views[name][i : i + 1] for name in names} for i in range(min(count, limit))]
    images = np.asarray(data, dtype=np.float32)
    if images.ndim != 4 or images.shape[1:] != shape:
        raise MammokitError(
            f"representative_data must be (N, {', '.join(map(str, shape))}), got {images.shape}"
        )
    return [[image[np.newaxis]] for image in images[:limit]]


def _calibration_records(model: keras.Model, data: pd.DataFrame, limit: int) -> list:
    """Calibration inputs read from records with the training pipeline."""
    from mammokit.datasets.pipeline import resolve_preprocess, to_tf_dataset
    from mammokit.models.classifier import model_info

    info = model_info(model)
    _, height, width, channels = _view_shape(model)
    grouped = {"group": info.level, "views": info.views} if info.views else {}
    batches = to_tf_dataset(
        data if info.views else data.iloc[:limit],
        (height, width),
        32,
        channels=channels,
        preprocess=resolve_preprocess(info.preprocess),
        intensity=info.intensity,
        **grouped,
    )
    samples: list = []
    units = batches.mammokit_groups if info.views else data  # what one sample is
    with progress_bar(min(limit, len(units)), "calibration samples", unit=info.level) as bar:
        for inputs, _ in batches:
            inputs = tf.nest.map_structure(lambda tensor: tensor.numpy(), inputs)
            count = len(tf.nest.flatten(inputs)[0])
            for i in range(count):
                samples.append(tf.nest.map_structure(lambda batch, i=i: batch[i : i + 1], inputs))
            bar.update(count)
            if len(samples) >= limit:
                break
    samples = samples[:limit]
    return samples if info.views else [[sample] for sample in samples]


def to_onnx(model: keras.Model, path: str | os.PathLike, opset: int = 17) -> Path:
    """Convert to ONNX with tf2onnx (extra ``export``); the input is named ``image``.

    A multi-view model gets one input per view, named as the model's (``cc``, ``mlo``).

    Returns
    -------
    pathlib.Path
        ``path``; a ``.mammokit.json`` sidecar is written next to it.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from mammokit.models import cnn_classifier
    >>> model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,))
    >>> path = to_onnx(model, os.path.join(tempfile.mkdtemp(), "m.onnx"))
    >>> images = np.zeros((1, 16, 16, 1), np.float32)
    >>> expected = model.predict(images, verbose=0)
    >>> bool(np.allclose(Predictor(path).predict(images), expected, atol=1e-5))
    True
    """
    tf2onnx = require("tf2onnx", "export")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = _input_names(model)
    if names is None:
        function = tf.function(lambda image: model(image, training=False))
        signature = _signature(model)
    else:  # one ONNX input per view, named as the model's inputs
        function = tf.function(
            lambda *views: model(dict(zip(names, views, strict=True)), training=False)
        )
        signature = list(_signature(model)[0].values())
    tf2onnx.convert.from_function(
        function, input_signature=signature, opset=opset, output_path=str(path)
    )
    _write_sidecar(path, _serving_config(model))
    return path


class Predictor:
    """Fast inference from a ``.keras``, ``.tflite`` or ``.onnx`` file.

    The model's class names and the preprocessing of training (flip to the left, crop to the
    breast, resize, the 0..255 intensity scale of :mod:`mammokit.intensity`) come from the
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

    Attributes
    ----------
    info
        The :class:`~mammokit.model_info.ModelInfo` served.
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
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelLoadError(f"{self.path}: no such model file")
        threads = num_threads or os.cpu_count() or 1
        suffix = self.path.suffix.lower()
        recorded = None
        if suffix == ".keras":
            from mammokit.models.classifier import model_info
            from mammokit.models.saving import load_model

            model = load_model(self.path)
            self._run, shape, outputs = self._keras(model)
            recorded = model_info(model, source=str(self.path))
        elif suffix == ".tflite":
            self._run, shape, outputs = self._tflite(threads)
        elif suffix == ".onnx":
            self._run, shape, outputs = self._onnx(threads)
        else:
            raise ModelLoadError(
                f"{self.path}: unsupported model file (use .keras, .tflite or .onnx)"
            )
        sidecar = read_serving_config(self.path) or {}
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
        self._preprocess = self._preprocess_callable(custom_preprocess)

    def _recorded_info(self, config: dict, outputs: int) -> ModelInfo:
        if "class_names" in config:
            return ModelInfo.from_dict(config)
        from mammokit.models.classifier import LegacyModelWarning

        info = ModelInfo.default(outputs)
        warnings.warn(
            f"{self.path} has no mammokit sidecar ({self.path.name}{_SIDECAR_SUFFIX}) naming its "
            f"classes: assuming {list(info.class_names)}, standard preprocessing and the "
            "'bits' intensity rule. Export it again with mammokit to record them.",
            LegacyModelWarning,
            stacklevel=3,
        )
        return info

    def _preprocess_callable(self, custom: Callable | None):
        from mammokit.datasets.pipeline import resolve_preprocess

        try:
            return resolve_preprocess(self.info.preprocess, custom)
        except ModelConfigError as err:
            raise ModelConfigError(f"{self.path}: {err}") from err

    @staticmethod
    def _keras(model: keras.Model):
        # one traced function: model.predict's per-call set-up dominates single images
        traced = tf.function(lambda images: model(images, training=False), reduce_retracing=True)

        def run(images: np.ndarray | dict[str, np.ndarray]) -> np.ndarray:
            return traced(tf.nest.map_structure(tf.constant, images)).numpy()

        return run, _view_shape(model)[1:], model.output_shape[-1]

    def _tflite(self, threads: int):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            Interpreter = tf.lite.Interpreter  # noqa: N806 - deprecated in TF 2.20, still works
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                interpreter = Interpreter(model_path=str(self.path), num_threads=threads)
        except ValueError as err:
            raise ModelLoadError(f"{self.path}: not a readable TFLite model ({err})") from err
        interpreter.allocate_tensors()
        source = interpreter.get_input_details()[0]
        target = interpreter.get_output_details()[0]
        if len(interpreter.get_input_details()) > 1:  # a multi-view model: inputs by name
            runner = interpreter.get_signature_runner()

            def run_views(views: dict[str, np.ndarray]) -> np.ndarray:
                (result,) = runner(**views).values()
                return np.array(result)

            return run_views, tuple(source["shape"][1:]), int(target["shape"][-1])

        def run(images: np.ndarray) -> np.ndarray:
            if tuple(source["shape"]) != images.shape:
                interpreter.resize_tensor_input(source["index"], images.shape)
                interpreter.allocate_tensors()
                source.update(interpreter.get_input_details()[0])
            interpreter.set_tensor(source["index"], images)
            interpreter.invoke()
            return interpreter.get_tensor(target["index"]).copy()

        return run, tuple(source["shape"][1:]), int(target["shape"][-1])

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
        return np.asarray(self._run(np.ascontiguousarray(batch)))

    def _predict_views(self, views: dict) -> np.ndarray:
        from mammokit.views import input_name, view_batch

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
        (:func:`~mammokit.datasets.preprocess.guess_side`).
        """
        from mammokit.datasets.pipeline import load_example, side_from_name

        if self.views is not None:
            raise MammokitError(
                f"{self.path.name} reads the views {list(self.views)} of a {self.info.level} "
                "together; predict records with predict_breasts"
            )
        intensity = self.info.intensity
        height, width, channels = self.input_shape
        sides = list(sides) if sides is not None else [side_from_name(p) for p in paths]
        outputs = []
        with progress_bar(len(paths), "predicting", unit="image") as bar:
            for start in range(0, len(paths), batch_size):
                chunk = range(start, min(start + batch_size, len(paths)))
                images = np.stack(
                    [
                        load_example(
                            str(paths[i]), sides[i], (), (height, width), self._preprocess,
                            intensity,
                        )[0]
                        for i in chunk
                    ]
                )  # fmt: skip
                images = np.repeat(images[..., np.newaxis], channels, axis=-1)
                outputs.append(self.predict(images))
                bar.update(len(chunk))
        if not outputs:
            return np.zeros((0, len(self.class_names)), np.float32)
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
            ``predicted`` (the most probable class) and one probability column per class
            name. :func:`mammokit.levels.aggregate_predictions` turns it into results per
            breast or patient: ``aggregate_predictions(records, table[predictor.class_names])``.

        Examples
        --------
        >>> import tempfile, os, cv2, numpy as np
        >>> from mammokit.models import cnn_classifier
        >>> folder = tempfile.mkdtemp()
        >>> path = os.path.join(folder, "cnn.keras")
        >>> cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["B", "M"]).save(path)
        >>> image = os.path.join(folder, "x.RIGHT_CC.png")
        >>> _ = cv2.imwrite(image, np.full((40, 30), 120, np.uint8))
        >>> list(Predictor(path).predict_records([image]).columns)
        ['image_path', 'predicted', 'B', 'M']
        """
        if isinstance(records, pd.DataFrame):
            table = records[
                [c for c in ("image_path", "patient_id", "side", "view") if c in records]
            ].reset_index(drop=True)
            sides = table["side"].fillna("").astype(str).tolist() if "side" in table else None
        else:
            table = pd.DataFrame({"image_path": [str(p) for p in records]})
            sides = None
        probabilities = self.predict_files(table["image_path"].tolist(), batch_size, sides)
        table["predicted"] = [self.class_names[i] for i in probabilities.argmax(axis=1)]
        for index, name in enumerate(self.class_names):
            table[name] = probabilities[:, index]
        return table

    def predict_breasts(
        self,
        records: pd.DataFrame,
        batch_size: int = 32,
        how: str = "max",
        missing_view: str = "zeros",
    ) -> pd.DataFrame:
        """Named class probabilities per breast (per exam, for an exam model).

        A multi-view model reads each breast's views together
        (:func:`~mammokit.datasets.grouping.group_views`, missing views by ``missing_view``); a
        single-image model predicts each image and calls the breast from its images
        (:func:`~mammokit.levels.aggregate_predictions` with ``how``), so both kinds of model
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
            ``"max"`` or ``"mean"``: how a single-image model's images call the breast.
        missing_view
            ``"zeros"``, ``"repeat"``, ``"skip"`` or ``"error"``, for a multi-view model.

        Returns
        -------
        pandas.DataFrame
            One row per breast: ``patient_id`` (``exam_id``), ``side`` (not for an exam
            model), ``n_images`` (single-image model) or ``n_views`` and ``missing_views``
            (multi-view model), ``label`` (the most severe image label, when the records'
            labels are the model's classes), ``predicted`` and one probability column per
            class name.

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
        from mammokit.datasets.grouping import group_keys, group_views
        from mammokit.levels import aggregate_predictions

        table, labelled = self._known_labels(records)
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
        predicted = result[self.class_names].to_numpy().argmax(axis=1)
        result.insert(position, "predicted", [self.class_names[i] for i in predicted])
        return result.reset_index(drop=True)

    def _known_labels(self, records: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
        """The records with the model's classes; unknown labels (unlabelled data) stood in."""
        from mammokit.datasets.records import with_classes

        if set(records["label"]) <= set(self.class_names):
            return with_classes(records, self.class_names), True
        return with_classes(records.assign(label=self.class_names[0]), self.class_names), False

    def _predict_groups(
        self, records: pd.DataFrame, groups: pd.DataFrame, batch_size: int
    ) -> np.ndarray:
        from mammokit.datasets.pipeline import view_loader
        from mammokit.views import input_name

        height, width, channels = self.input_shape
        load = view_loader(records, groups, (height, width), self._preprocess, self.info.intensity)
        names = [input_name(view) for view in self.views]
        outputs = []
        with progress_bar(len(groups), "predicting", unit=self.info.level) as bar:
            for start in range(0, len(groups), batch_size):
                chunk = [load(i) for i in range(start, min(start + batch_size, len(groups)))]
                views = {
                    name: np.repeat(
                        np.stack([group[k] for group in chunk])[..., None], channels, -1
                    )
                    for k, name in enumerate(names)
                }
                outputs.append(self.predict(views))
                bar.update(len(chunk))
        return np.concatenate(outputs)
