"""Export for fast CPU and mobile inference: TFLite (float32, float16, int8), ONNX, SavedModel.

Every exported file gets a sidecar (:mod:`mammokit.export.sidecar`), and a ``.tflite`` or
``.onnx`` file the same record inside it (:mod:`mammokit.export.embedded`), so that
:class:`~mammokit.export.Predictor` serves it as the model was trained.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit.datasets.pipeline import make_dataset
from mammokit.errors import MammokitError, require
from mammokit.export.embedded import embed_in_onnx, embed_in_tflite
from mammokit.export.sidecar import input_names, serving_config, view_shape, write_sidecar
from mammokit.imaging.example import InputSpec
from mammokit.progress import progress_bar
from mammokit.records import level_keys

__all__ = ["to_onnx", "to_saved_model", "to_tflite"]

_QUANTIZE = (None, "float16", "int8")


def _signature(model: keras.Model) -> list:
    """The serving signature: ``image``, or one input per view named as the model's."""
    shape = (None, *view_shape(model)[1:])
    names = input_names(model)
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
    write_sidecar(path, serving_config(model))
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
    >>> from mammokit.export import Predictor
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
    config = {**serving_config(model), "quantize": quantize}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(embed_in_tflite(content, config))
    write_sidecar(path, config)
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
    names = input_names(model)
    shape = tuple(view_shape(model)[1:])
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
    """Calibration inputs read from records with the model's own recipe (its InputSpec)."""
    spec = InputSpec.of(model)
    batches = make_dataset(data if spec.views else data.iloc[:limit], spec, batch_size=32)
    units = data.groupby(level_keys(data, spec.level)).ngroups if spec.views else len(data)
    samples: list = []
    with progress_bar(min(limit, units), "calibration samples", unit=spec.level) as bar:
        for inputs, _ in batches:
            inputs = tf.nest.map_structure(lambda tensor: tensor.numpy(), inputs)
            count = len(tf.nest.flatten(inputs)[0])
            for i in range(count):
                samples.append(tf.nest.map_structure(lambda batch, i=i: batch[i : i + 1], inputs))
            bar.update(count)
            if len(samples) >= limit:
                break
    samples = samples[:limit]
    return samples if spec.views else [[sample] for sample in samples]


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
    >>> from mammokit.export import Predictor
    >>> bool(np.allclose(Predictor(path).predict(images), expected, atol=1e-5))
    True
    """
    tf2onnx = require("tf2onnx", "export")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = input_names(model)
    if names is None:
        function = tf.function(lambda image: model(image, training=False))
        signature = _signature(model)
    else:  # one ONNX input per view, named as the model's inputs
        function = tf.function(
            lambda *views: model(dict(zip(names, views, strict=True)), training=False)
        )
        signature = list(_signature(model)[0].values())
    onnx = require("onnx", "export")
    proto, _ = tf2onnx.convert.from_function(function, input_signature=signature, opset=opset)
    config = serving_config(model)
    embed_in_onnx(proto, config)
    onnx.save(proto, str(path))
    write_sidecar(path, config)
    return path
