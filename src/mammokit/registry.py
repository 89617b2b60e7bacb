"""The one registry of classifiers: every model mammokit builds, by name, without TensorFlow.

Each entry names the builder (imported only when a model is built), the input size the model
is meant for, the input scaling inside it, and the options it takes beyond the common ones
(``num_classes``, ``input_shape``, ``weights``). :func:`create_classifier` builds any of them;
the command line takes its ``--model`` choices, help and per-model options from here.

Examples
--------
>>> from mammokit.registry import available_models, model_entry
>>> available_models()[:3]
['cnn', 'mobilenet', 'mobilenet_v2']
>>> entry = model_entry("mobilenet")
>>> entry.input_size, entry.preprocessing, [option.name for option in entry.options]
(224, 'tf', ['alpha'])
>>> entry.reads_views, model_entry("multiview_cnn").reads_views
(False, True)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from mammokit.errors import ModelConfigError

__all__ = [
    "MODELS",
    "ModelEntry",
    "ModelOption",
    "available_models",
    "create_classifier",
    "model_entry",
    "register_model",
]


@dataclass(frozen=True)
class ModelOption:
    """A builder argument a model takes beyond the common ones, as the CLI offers it."""

    name: str
    type: type
    default: object
    help: str


@dataclass(frozen=True)
class ModelEntry:
    """One classifier of the registry.

    Attributes
    ----------
    name
        The registry name (``mammokit train --model NAME``).
    builder
        ``"module:function"`` building it; backbones share
        ``mammokit.models.backbones:backbone_classifier`` and get the name as first argument.
    description
        One line for help texts.
    input_size
        Side of the square input the model is meant for (ImageNet weights' size).
    preprocessing
        Input scaling inside the model, from raw 0..255: ``"unit"`` ([0, 1]), ``"tf"``
        ([-1, 1]), ``"caffe"`` (BGR, ImageNet mean subtracted), ``"none"`` (the backbone
        scales itself).
    options
        Extra builder arguments, offered as CLI options.
    backbone
        The ``keras.applications`` constructor, for backbone models.
    min_size
        Smallest input side the architecture accepts.
    """

    name: str
    builder: str
    description: str
    input_size: int = 224
    preprocessing: str = "none"
    options: tuple[ModelOption, ...] = ()
    backbone: str | None = None
    min_size: int = 32

    @property
    def reads_views(self) -> bool:
        """Whether the model reads several views together (a multi-view model)."""
        return self.builder.startswith("mammokit.models.multiview:")


_BACKBONE_BUILDER = "mammokit.models.backbones:backbone_classifier"
_WIDTH = ModelOption("alpha", float, 1.0, "width multiplier, Keras's alpha")


def _yes_no(text: str) -> bool:
    """``yes``/``no`` (``true``/``false``, ``1``/``0``) from the command line."""
    value = text.strip().lower()
    if value not in ("yes", "no", "true", "false", "1", "0"):
        raise ValueError(f"expected yes or no, got {text!r}")
    return value in ("yes", "true", "1")


def _views(text: str) -> tuple[str, ...]:
    from mammokit.views import parse_views

    return parse_views(text)


_VIEWS_HELP = "views read together: CC,MLO (a breast) or L-CC,L-MLO,R-CC,R-MLO (an exam)"
_MULTIVIEW = (
    ModelOption("views", _views, "CC,MLO", _VIEWS_HELP),
    ModelOption("fusion", str, "concat", "fusion of the views' features: concat, mean, attention"),
    ModelOption("shared", _yes_no, "yes", "one encoder for every view (yes) or one per view"),
)


def _backbone(name: str, constructor: str, preprocessing: str, **extra) -> ModelEntry:
    return ModelEntry(
        name=name,
        builder=_BACKBONE_BUILDER,
        description=f"keras.applications.{constructor} with a softmax head",
        preprocessing=preprocessing,
        backbone=constructor,
        **extra,
    )


#: Every classifier, by name. Add one with :func:`register_model`.
MODELS: dict[str, ModelEntry] = {
    entry.name: entry
    for entry in (
        ModelEntry(
            name="cnn",
            builder="mammokit.models.cnn:cnn_classifier",
            description="the thesis's plain CNN (conv blocks, global max pooling, dense head)",
            preprocessing="unit",
            min_size=8,
        ),
        _backbone("mobilenet", "MobileNet", "tf", options=(_WIDTH,)),
        _backbone("mobilenet_v2", "MobileNetV2", "tf", options=(_WIDTH,)),
        _backbone("vgg19", "VGG19", "caffe"),
        _backbone("resnet50", "ResNet50", "caffe"),
        _backbone("inception_v3", "InceptionV3", "tf", input_size=299, min_size=75),
        _backbone("efficientnet_b0", "EfficientNetB0", "none"),
        ModelEntry(
            name="multiview_mobilenet",
            builder="mammokit.models.multiview:multiview_mobilenet",
            description="MobileNet on each view of a breast (or exam), views fused, one softmax",
            preprocessing="tf",
            options=(_WIDTH, *_MULTIVIEW),
        ),
        ModelEntry(
            name="multiview_cnn",
            builder="mammokit.models.multiview:multiview_cnn",
            description="the plain CNN on each view of a breast (or exam), views fused",
            preprocessing="unit",
            options=_MULTIVIEW,
            min_size=8,
        ),
    )
}


def register_model(entry: ModelEntry, *, replace: bool = False) -> ModelEntry:
    """Add a classifier to the registry (and so to ``mammokit train --model``).

    Examples
    --------
    >>> entry = ModelEntry("tiny_cnn", "mammokit.models.cnn:cnn_classifier", "a small CNN")
    >>> _ = register_model(entry)
    >>> "tiny_cnn" in available_models()
    True
    >>> del MODELS["tiny_cnn"]
    """
    if entry.name in MODELS and not replace:
        raise ModelConfigError(f"a model named {entry.name!r} is registered already")
    if ":" not in entry.builder:
        raise ModelConfigError(f"builder must be 'module:function', got {entry.builder!r}")
    MODELS[entry.name] = entry
    return entry


def available_models() -> list[str]:
    """Names :func:`create_classifier` builds, in registry order."""
    return list(MODELS)


def model_entry(name: str) -> ModelEntry:
    """The registry entry of ``name`` (``-`` read as ``_``); a clear error for an unknown name.

    Examples
    --------
    >>> model_entry("multiview-mobilenet").name
    'multiview_mobilenet'
    """
    key = name if name in MODELS else name.replace("-", "_")
    if key not in MODELS:
        raise ModelConfigError(f"unknown model {name!r}; choose one of {available_models()}")
    return MODELS[key]


def create_classifier(name: str, **kwargs):
    """Build any registered classifier by name.

    Parameters
    ----------
    name
        One of :func:`available_models`.
    **kwargs
        The builder's arguments (``num_classes``, ``input_shape``, ``weights`` and the
        entry's options); ``input_shape`` defaults to the entry's size with 3 channels.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = create_classifier("cnn", input_shape=(32, 32, 1), filters=(8, 16))
    >>> model.output_shape
    (None, 3)
    """
    entry = model_entry(name)
    module, function = entry.builder.split(":")
    builder = getattr(importlib.import_module(module), function)
    kwargs.setdefault("input_shape", (entry.input_size, entry.input_size, 3))
    if entry.builder == _BACKBONE_BUILDER:
        return builder(entry.name, **kwargs)
    return builder(**kwargs)
