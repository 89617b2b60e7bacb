"""Transfer-learning classifiers on ``keras.applications`` backbones, one builder for all.

The head is built on ``base.output`` of a backbone constructed on the classifier's own input
tensor, so the result is one flat ``keras.Model``: every backbone layer is reachable by name,
which Grad-CAM (tf-keras-vis) needs under Keras 3.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import keras

from mammokit.errors import ModelConfigError
from mammokit.models.classifier import Classifier, resolve_classes
from mammokit.models.layers import BackbonePreprocessing, GrayToRGB, global_pooling
from mammokit.models.weights import (
    build_with_imagenet,
    check_weights_argument,
    load_backbone_weights,
)
from mammokit.registry import MODELS, model_entry

__all__ = ["BackboneSpec", "backbone_classifier"]

#: Names of the head layers the builders add on top of a backbone.
HEAD_LAYERS = ("global_pool", "head_dropout", "predictions")


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone: its ``keras.applications`` constructor and input scaling.

    Deprecated with :data:`BACKBONES`: :class:`mammokit.registry.ModelEntry` holds the same.
    """

    constructor: str
    preprocessing: str
    min_size: int


def __getattr__(name: str) -> object:
    if name == "BACKBONES":
        warnings.warn(
            "mammokit.models.BACKBONES is deprecated and will be removed in 0.3; use "
            "mammokit.models.available_models() and mammokit.registry.model_entry(name)",
            DeprecationWarning,
            stacklevel=2,
        )
        return {
            key: BackboneSpec(entry.backbone, entry.preprocessing, entry.min_size)
            for key, entry in MODELS.items()
            if entry.backbone
        }
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def backbone_classifier(
    name: str,
    num_classes: int | None = None,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    weights: str | os.PathLike | None = "imagenet",
    freeze_base: bool = True,
    dropout: float = 0.2,
    pooling: str = "avg",
    batch_norm_momentum: float | None = None,
    class_names: Sequence[str] | None = None,
    **backbone_kwargs,
) -> Classifier:
    """An ImageNet backbone with global pooling, dropout and a softmax head.

    Parameters
    ----------
    name
        A backbone model of the registry (:func:`mammokit.models.available_models`):
        ``"mobilenet"``, ``"mobilenet_v2"``, ``"vgg19"``, ``"resnet50"``, ``"inception_v3"``,
        ``"efficientnet_b0"``.
    num_classes
        Number of output classes; default ``len(class_names)``, else 3 (Normal, Benign,
        Cancer).
    input_shape
        ``(height, width, channels)``; channels 1 (grayscale, repeated to RGB inside the model)
        or 3.
    weights
        ``"imagenet"`` (Keras's download, or its cache ``~/.keras/models`` when offline), the
        path of a local weights file (``*_no_top.h5`` for the backbone, or a ``*.weights.h5``
        saved from a mammokit model of the same architecture), or ``None`` for random weights.
    freeze_base
        Freeze the backbone so only the head trains (the first transfer-learning stage; see
        :func:`mammokit.models.unfreeze` for the second). Ignored when ``weights=None``:
        random features are never frozen.
    dropout
        Dropout rate before the last dense layer.
    pooling
        Global pooling of the backbone's last feature map: ``"avg"`` (default, as the
        ImageNet heads) or ``"max"`` (better for small lesions when training from scratch).
    batch_norm_momentum
        Momentum of the backbone's batch-norm layers; ``None`` keeps Keras's (0.99). Trained
        from random weights for a few hundred steps, 0.9 lets the moving statistics keep up
        (Keras's 0.99 leaves them behind and validation predictions collapse to one class).
    class_names
        The class of each output, recorded in the model (``model.class_names``); default
        Mini-DDSM's classes for 3 outputs. Training on records sets them from the data.
    **backbone_kwargs
        Passed to the ``keras.applications`` constructor (e.g. ``alpha`` for MobileNet).

    Returns
    -------
    Classifier
        Uncompiled. It takes raw images on a 0..255 scale; the scaling the backbone expects is
        a layer inside the model.

    Raises
    ------
    WeightsError
        ImageNet weights cannot be fetched (offline) or a weights file does not fit.

    Examples
    --------
    >>> model = backbone_classifier(
    ...     "mobilenet_v2", input_shape=(32, 32, 1), weights=None, alpha=0.35
    ... )
    >>> model.output_shape
    (None, 3)
    """
    spec = model_entry(name)
    if spec.backbone is None:
        backbones = [key for key, entry in MODELS.items() if entry.backbone]
        raise ModelConfigError(f"{name!r} is not a backbone model; choose one of {backbones}")
    height, width, channels = input_shape
    if channels not in (1, 3):
        raise ModelConfigError(f"input_shape must have 1 or 3 channels, got {input_shape}")
    if min(height, width) < spec.min_size:
        raise ModelConfigError(f"{name} needs inputs of at least {spec.min_size}x{spec.min_size}")
    check_weights_argument(weights)
    num_classes, info = resolve_classes(num_classes, class_names)

    inputs = keras.Input(shape=input_shape, name="image")
    x = GrayToRGB(name="gray_to_rgb")(inputs)
    x = BackbonePreprocessing(spec.preprocessing, name="backbone_preprocessing")(x)
    constructor = getattr(keras.applications, spec.backbone)
    options = {
        "include_top": False,
        "input_tensor": x,
        "input_shape": (height, width, 3),
        **backbone_kwargs,
    }
    if weights == "imagenet":
        base = build_with_imagenet(constructor, spec.backbone, **options)
    else:
        base = constructor(weights=None, **options)

    if batch_norm_momentum is not None:
        for layer in base.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.momentum = batch_norm_momentum
    x = global_pooling(pooling)(base.output)
    x = keras.layers.Dropout(dropout, name=HEAD_LAYERS[1])(x)
    # float32 softmax under a mixed-precision policy (Keras guidance); no change otherwise
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", dtype="float32", name=HEAD_LAYERS[2]
    )(x)
    model = Classifier(inputs, outputs, name=f"{name}_classifier", info=info)
    if weights is not None and weights != "imagenet":
        load_backbone_weights(model, base, weights)
    if weights is not None and freeze_base:
        for layer in base.layers:
            layer.trainable = False
    return model
