"""What a model predicts and how its inputs were prepared: the facts serving must repeat.

A :class:`ModelInfo` travels inside every model mammokit builds
(:class:`mammokit.models.Classifier`), is saved in its ``.keras`` file, and is written into
the sidecar of every export, so class names and preprocessing are never guessed. This module
needs no TensorFlow.

Examples
--------
>>> info = ModelInfo(("Benign", "Malignant"), task="benign-vs-malignant")
>>> ModelInfo.from_dict(info.to_dict()) == info
True
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace

from mammokit.errors import LegacyModelWarning, ModelConfigError
from mammokit.records import CLASSES
from mammokit.views import check_views, views_level

__all__ = ["BEFORE_RECORDED", "FITS", "INVERSIONS", "PREPROCESSING", "ModelInfo", "info_of"]

#: The preprocessing names a model can record. ``"standard"``: mirror to the left and crop
#: to the breast (:func:`mammokit.datasets.pipeline.standard_preprocess`); ``"none"``:
#: resize only. A custom callable is recorded as ``"custom:<module>.<name>"`` and must be
#: handed to :class:`mammokit.export.Predictor` again.
PREPROCESSING = ("standard", "none")
#: How the crop reaches the model's size: ``"stretch"`` (both axes to the size, the aspect
#: changes; every model before 0.2) or ``"pad"`` (the aspect kept, the rest background:
#: :mod:`mammokit.imaging.geometry`).
FITS = ("stretch", "pad")
#: How an image in negative is handled (:mod:`mammokit.imaging.polarity`): ``"detect"``
#: brings it to normal polarity, ``"off"`` takes values as stored.
INVERSIONS = ("detect", "off")
#: Recipe steps a model saved before they existed was trained without: what its info means
#: when the key is absent (0.2 added inversion detection and blanking outside the breast).
BEFORE_RECORDED = {"inversion": "off", "blank": False}


@dataclass(frozen=True)
class ModelInfo:
    """What a classifier predicts and how its training images were prepared.

    Attributes
    ----------
    class_names
        The class of each output, in output order.
    preprocess
        ``"standard"``, ``"none"`` or ``"custom:<module>.<name>"`` (see :data:`PREPROCESSING`).
    intensity
        The 0..255 intensity rule of :mod:`mammokit.imaging.intensity`: ``"bits"``, ``"window"`` or
        ``(low, high)`` breast percentiles.
    task
        The task's name when the labels came from one (:data:`mammokit.datasets.TASKS`).
    labels
        Which labels it was trained on: ``"image"``, ``"breast"`` or ``"case"`` (Mini-DDSM's
        labels are the case's); ``None`` where unknown.
    views
        For a multi-view model (:func:`mammokit.models.multiview_classifier`): the view of
        each input, in input order (``("CC", "MLO")`` for a breast, ``("L-CC", "L-MLO",
        "R-CC", "R-MLO")`` for an exam); ``None`` for a model of single images.
    fit
        How the breast crop reached the input size: ``"stretch"`` or ``"pad"`` (:data:`FITS`).
    inversion
        Whether images in negative were detected and brought to normal polarity
        (:data:`INVERSIONS`).
    blank
        Whether what is not breast inside the crop was set to the background level.
    operating_points
        The decision thresholds chosen on validation data, by level (``"image"``,
        ``"breast"``, ``"patient"``), each a dict with ``threshold``, ``class`` (the positive
        class), ``level``, ``source`` (``"validation"``), ``target`` and the validation
        figures (:func:`mammokit.metrics.choose_operating_point`); ``None`` where none was
        chosen. :attr:`operating_point` is the one at the model's own level.
    temperature
        The temperature the model's outputs are calibrated with
        (:func:`mammokit.training.calibrate`); ``None`` for an uncalibrated model.
    training
        How it was trained (:class:`mammokit.experiment.TrainConfig`'s recipe: optimizer,
        rates, schedule, stages, sizes, seed), as ``train_model`` records it; ``None``
        otherwise.

    Info saved before ``inversion`` and ``blank`` existed reads as :data:`BEFORE_RECORDED`.

    Examples
    --------
    >>> ModelInfo(("Normal", "Benign", "Cancer")).preprocess
    'standard'
    >>> ModelInfo(("Benign", "Malignant"), views=("CC", "MLO")).level
    'breast'
    """

    class_names: tuple[str, ...]
    preprocess: str = "standard"
    intensity: str | tuple[float, float] = "bits"
    task: str | None = None
    labels: str | None = None
    views: tuple[str, ...] | None = None
    fit: str = "stretch"
    inversion: str = "detect"
    blank: bool = True
    operating_points: dict | None = field(default=None, hash=False)
    temperature: float | None = None
    training: dict | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        names = tuple(str(name) for name in self.class_names)
        if len(names) < 2 or len(set(names)) != len(names):
            raise ModelConfigError(f"class_names must be 2 or more distinct names, got {names}")
        object.__setattr__(self, "class_names", names)
        if self.preprocess not in PREPROCESSING and not self.preprocess.startswith("custom:"):
            raise ModelConfigError(
                f"preprocess must be one of {PREPROCESSING} or 'custom:<name>', "
                f"got {self.preprocess!r}"
            )
        if isinstance(self.intensity, list):
            object.__setattr__(self, "intensity", tuple(self.intensity))
        if self.fit not in FITS:
            raise ModelConfigError(f"fit must be one of {FITS}, got {self.fit!r}")
        if self.inversion not in INVERSIONS:
            raise ModelConfigError(f"inversion must be one of {INVERSIONS}, got {self.inversion!r}")
        object.__setattr__(self, "blank", bool(self.blank))
        if self.views is not None:
            object.__setattr__(self, "views", check_views(self.views))
        if self.operating_points is not None and not all(
            isinstance(point, Mapping) and "threshold" in point
            for point in dict(self.operating_points).values()
        ):
            raise ModelConfigError(
                f"operating_points must map levels to dicts with a threshold, got "
                f"{self.operating_points!r}"
            )
        if self.temperature is not None and not float(self.temperature) > 0:
            raise ModelConfigError(f"temperature must be above 0, got {self.temperature}")

    @property
    def level(self) -> str:
        """What one prediction is of: ``"image"``, ``"breast"`` or ``"exam"`` (from ``views``)."""
        if self.views is None:
            return "image"
        return views_level(self.views)

    @property
    def how(self) -> str:
        """How its images call a breast or patient by default: ``"mean"`` for case labels
        (every image of a case carries the case's class), ``"max"`` otherwise."""
        return "mean" if self.labels == "case" else "max"

    @property
    def operating_point(self) -> dict | None:
        """The operating point at the model's own level (:attr:`level`), or ``None``."""
        return (self.operating_points or {}).get(self.level)

    def replace(self, **changes: object) -> ModelInfo:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready fields (tuples as lists)."""
        values = asdict(self)
        values["class_names"] = list(self.class_names)
        if isinstance(self.intensity, tuple):
            values["intensity"] = list(self.intensity)
        if self.views is not None:
            values["views"] = list(self.views)
        values["operating_point"] = self.operating_point  # for readers of one threshold
        return values

    @classmethod
    def from_dict(cls, values: Mapping) -> ModelInfo:
        """Read :meth:`to_dict`'s output (unknown keys are ignored, for later versions)."""
        if "class_names" not in values:
            raise ModelConfigError(f"model info without class_names: {dict(values)}")
        known = {f.name for f in fields(cls)}
        # a model saved before a recipe step existed was trained without it
        return cls(**{**BEFORE_RECORDED, **{k: v for k, v in values.items() if k in known}})

    @classmethod
    def default(cls, num_classes: int, class_names: Sequence[str] | None = None) -> ModelInfo:
        """The info a builder records: ``class_names`` when given, else Mini-DDSM's classes
        for 3 outputs and ``class_0``, ``class_1``, ... otherwise.

        Examples
        --------
        >>> ModelInfo.default(2).class_names
        ('class_0', 'class_1')
        """
        if class_names is not None:
            if len(class_names) != num_classes:
                raise ModelConfigError(
                    f"{len(class_names)} class_names for num_classes={num_classes}"
                )
            return cls(tuple(class_names))
        if num_classes == len(CLASSES):
            return cls(CLASSES)
        return cls(tuple(f"class_{i}" for i in range(num_classes)))


def info_of(model: object, source: str | None = None) -> ModelInfo:
    """The :class:`ModelInfo` a Keras model carries; for one without, what is assumed, warned.

    A model saved before mammokit 0.2 (or built without mammokit) records nothing: it is
    assumed to predict Mini-DDSM's Normal/Benign/Cancer when it has 3 outputs (``class_0``,
    ... otherwise), trained with the standard preprocessing and the ``"bits"`` intensity rule,
    without the steps added since (:data:`BEFORE_RECORDED`), and a :class:`LegacyModelWarning`
    says so.

    Examples
    --------
    >>> import keras, warnings
    >>> inputs = keras.Input((4,))
    >>> plain = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     info = info_of(plain)
    >>> info.class_names, caught[0].category.__name__
    (('Normal', 'Benign', 'Cancer'), 'LegacyModelWarning')
    """
    recorded = getattr(model, "info", None)
    if isinstance(recorded, ModelInfo):  # a mammokit.models.Classifier
        return recorded
    info = ModelInfo.default(model.output_shape[-1]).replace(**BEFORE_RECORDED)
    warnings.warn(
        f"{source or model.name} carries no mammokit model info (saved before mammokit 0.2, or "
        f"built without mammokit): assuming classes {list(info.class_names)} in output order, "
        f"preprocess={info.preprocess!r} and intensity={info.intensity!r}. Record the truth "
        "with mammokit.models.as_classifier(model, ModelInfo(...)) and save it again.",
        LegacyModelWarning,
        stacklevel=2,
    )
    return info
