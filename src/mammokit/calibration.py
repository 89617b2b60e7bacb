"""Calibrate a trained classifier on validation data, inside the model (temperature scaling).

:func:`calibrate` predicts the validation records with the model's own recipe, fits one
temperature to them (:func:`mammokit.metrics.fit_temperature`) and returns the model with a
:class:`~mammokit.models.layers.TemperatureScaling` layer on its output and the temperature
in its info: the saved ``.keras`` file and every export (TFLite, ONNX) then give calibrated
probabilities, with nothing to remember at serving time. ``mammokit.training.calibrate`` is
the same function.

Examples
--------
>>> import tempfile
>>> from mammokit.datasets import make_synthetic, read_mini_ddsm
>>> from mammokit.models import cnn_classifier
>>> records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 3, (64, 48)))
>>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(4,))
>>> calibrated = calibrate(model, records)
>>> calibrated.info.temperature > 0, calibrated.layers[-1].__class__.__name__
(True, 'TemperatureScaling')
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import pandas as pd

from mammokit.datasets.grouping import group_views, unit_records
from mammokit.datasets.pipeline import errors_from_the_graph, make_dataset
from mammokit.imaging.example import InputSpec
from mammokit.metrics.calibration import fit_temperature
from mammokit.model_info import info_of
from mammokit.models.classifier import Classifier
from mammokit.models.layers import TemperatureScaling
from mammokit.records import check_records, label_indices

__all__ = ["calibrate", "predict_units", "with_temperature"]


def predict_units(
    model: keras.Model,
    records: pd.DataFrame,
    batch_size: int = 32,
    missing_view: str = "zeros",
    custom_preprocess: Callable | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """The model's probabilities for ``records``, read with its recipe, and the units they
    are of: the records themselves, or one row per breast (exam) for a multi-view model.

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm
    >>> from mammokit.models import cnn_classifier
    >>> records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 3, (64, 48)))
    >>> probabilities, units = predict_units(cnn_classifier(input_shape=(32, 32, 1)), records)
    >>> probabilities.shape, len(units)
    ((12, 3), 12)
    """
    info = info_of(model)
    check_records(records, classes=info.class_names)
    spec = InputSpec.of(model, custom_preprocess)
    groups = None
    if spec.views is not None:
        groups = group_views(records, spec.level, spec.views, missing_view, info.class_names)
    data = make_dataset(
        records, spec, batch_size=batch_size, classes=info.class_names, groups=groups
    )
    units = records if groups is None else unit_records(groups)
    with errors_from_the_graph():
        return model.predict(data, verbose=0), units


def with_temperature(model: keras.Model, temperature: float) -> Classifier:
    """``model`` with its probabilities calibrated by ``temperature``, recorded in its info.

    A model already calibrated keeps one :class:`TemperatureScaling` layer: the temperatures
    multiply (dividing logits by one and then the other is dividing by their product). The
    returned model shares the layers (and weights) of ``model``.

    Examples
    --------
    >>> from mammokit.models import cnn_classifier
    >>> once = with_temperature(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)), 2.0)
    >>> with_temperature(once, 1.5).info.temperature
    3.0
    """
    info = info_of(model)
    last = model.layers[-1]
    if isinstance(last, TemperatureScaling):
        base, temperature = last.input, last.temperature * float(temperature)
    else:
        (base,) = model.outputs  # a classifier has one output
    inputs = model.input  # a multi-view model's dict of views stays a dict
    if isinstance(inputs, list | tuple) and len(inputs) == 1:
        inputs = inputs[0]
    # float32 under a mixed-precision policy too, like the softmax head
    scaled = TemperatureScaling(temperature, name="temperature_scaling", dtype="float32")(base)
    return Classifier(
        inputs, scaled, name=model.name, info=info.replace(temperature=float(temperature))
    )


def calibrate(
    model: keras.Model,
    validation_records: pd.DataFrame,
    *,
    batch_size: int = 32,
    missing_view: str = "zeros",
    custom_preprocess: Callable | None = None,
) -> Classifier:
    """Fit temperature scaling on ``validation_records`` and build it into the model.

    Parameters
    ----------
    model
        A trained classifier (its info gives the classes and the recipe to read with).
    validation_records
        Records the model was not trained on, with labels among its classes: the validation
        part of the split. Calibrating on test data would flatter the test's figures.
    batch_size, missing_view, custom_preprocess
        How the records are read (:func:`predict_units`).

    Returns
    -------
    mammokit.models.Classifier
        The calibrated model (sharing ``model``'s weights); ``.info.temperature`` is the
        fitted temperature. Its argmax is ``model``'s.
    """
    probabilities, units = predict_units(
        model, validation_records, batch_size, missing_view, custom_preprocess
    )
    truth = label_indices(units, info_of(model).class_names)
    return with_temperature(model, fit_temperature(probabilities, truth))
