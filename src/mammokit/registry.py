"""The one registry of classifiers: every model mammokit builds, by name, without TensorFlow.

Each entry names the builder (``"module:function"``), the input size the model is meant for,
the input scaling inside it, and the options it takes beyond the common ones
(``num_classes``, ``input_shape``, ``weights``). The registry is data only: it imports no
builder. :func:`mammokit.models.create_classifier` builds any entry; the command line takes
its ``--model`` choices, help and per-model options from here.

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
import warnings
from dataclasses import dataclass

from mammokit.errors import ModelConfigError
from mammokit.views import parse_views

__all__ = [
    "BACKBONE_BUILDER",
    "MODELS",
    "ModelEntry",
    "ModelOption",
    "available_models",
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


#: The builder every ``keras.applications`` backbone shares (it gets the name first).
BACKBONE_BUILDER = "mammokit.models.backbones:backbone_classifier"
_WIDTH = ModelOption("alpha", float, 1.0, "width multiplier, Keras's alpha")


def _yes_no(text: str) -> bool:
    """``yes``/``no`` (``true``/``false``, ``1``/``0``) from the command line."""
    value = text.strip().lower()
    if value not in ("yes", "no", "true", "false", "1", "0"):
        raise ValueError(f"expected yes or no, got {text!r}")
    return value in ("yes", "true", "1")


_VIEWS_HELP = "views read together: CC,MLO (a breast) or L-CC,L-MLO,R-CC,R-MLO (an exam)"
_MULTIVIEW = (
    ModelOption("views", parse_views, "CC,MLO", _VIEWS_HELP),
    ModelOption("fusion", str, "concat", "fusion of the views' features: concat, mean, attention"),
    ModelOption("shared", _yes_no, "yes", "one encoder for every view (yes) or one per view"),
)


def _backbone(name: str, constructor: str, preprocessing: str, **extra) -> ModelEntry:
    return ModelEntry(
        name=name,
        builder=BACKBONE_BUILDER,
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
        _backbone("efficientnet_v2_b0", "EfficientNetV2B0", "none"),
        _backbone("convnext_tiny", "ConvNeXtTiny", "none"),
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


def __getattr__(name: str) -> object:
    if name == "create_classifier":  # moved to the models layer: the registry loads no builder
        warnings.warn(
            "mammokit.registry.create_classifier is deprecated and will be removed in 0.3; use "
            "mammokit.models.create_classifier",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module("mammokit.models.factory").create_classifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
