"""Transfer-learning classifiers on ``keras.applications`` backbones, one builder for all.

The head is built on ``base.output`` of a backbone constructed on the classifier's own input
tensor, so the result is one flat ``keras.Model``: every backbone layer is reachable by name,
which Grad-CAM (tf-keras-vis) needs under Keras 3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import keras

from mammokit.errors import ModelConfigError
from mammokit.models.layers import BackbonePreprocessing, GrayToRGB, global_pooling
from mammokit.models.weights import (
    build_with_imagenet,
    check_weights_argument,
    load_backbone_weights,
)

__all__ = ["BACKBONES", "BackboneSpec", "backbone_classifier"]

#: Names of the head layers the builders add on top of a backbone.
HEAD_LAYERS = ("global_pool", "head_dropout", "predictions")


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone: its ``keras.applications`` constructor and input scaling."""

    constructor: str
    preprocessing: str
    min_size: int


#: Backbones :func:`backbone_classifier` knows, by name.
BACKBONES: dict[str, BackboneSpec] = {
    "mobilenet": BackboneSpec("MobileNet", "tf", 32),
    "mobilenet_v2": BackboneSpec("MobileNetV2", "tf", 32),
    "vgg19": BackboneSpec("VGG19", "caffe", 32),
    "resnet50": BackboneSpec("ResNet50", "caffe", 32),
    "inception_v3": BackboneSpec("InceptionV3", "tf", 75),
    "efficientnet_b0": BackboneSpec("EfficientNetB0", "none", 32),
}


def backbone_classifier(
    name: str,
    num_classes: int = 3,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    weights: str | os.PathLike | None = "imagenet",
    freeze_base: bool = True,
    dropout: float = 0.2,
    pooling: str = "avg",
    **backbone_kwargs,
) -> keras.Model:
    """An ImageNet backbone with global pooling, dropout and a softmax head.

    Parameters
    ----------
    name
        One of :data:`BACKBONES`: ``"mobilenet"``, ``"mobilenet_v2"``, ``"vgg19"``,
        ``"resnet50"``, ``"inception_v3"``, ``"efficientnet_b0"``.
    num_classes
        Number of output classes (default 3: Normal, Benign, Cancer).
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
    **backbone_kwargs
        Passed to the ``keras.applications`` constructor (e.g. ``alpha`` for MobileNet).

    Returns
    -------
    keras.Model
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
    if name not in BACKBONES:
        raise ModelConfigError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}")
    spec = BACKBONES[name]
    height, width, channels = input_shape
    if channels not in (1, 3):
        raise ModelConfigError(f"input_shape must have 1 or 3 channels, got {input_shape}")
    if min(height, width) < spec.min_size:
        raise ModelConfigError(f"{name} needs inputs of at least {spec.min_size}x{spec.min_size}")
    check_weights_argument(weights)

    inputs = keras.Input(shape=input_shape, name="image")
    x = GrayToRGB(name="gray_to_rgb")(inputs)
    x = BackbonePreprocessing(spec.preprocessing, name="backbone_preprocessing")(x)
    constructor = getattr(keras.applications, spec.constructor)
    options = {
        "include_top": False,
        "input_tensor": x,
        "input_shape": (height, width, 3),
        **backbone_kwargs,
    }
    if weights == "imagenet":
        base = build_with_imagenet(constructor, spec.constructor, **options)
    else:
        base = constructor(weights=None, **options)

    x = global_pooling(pooling)(base.output)
    x = keras.layers.Dropout(dropout, name=HEAD_LAYERS[1])(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name=HEAD_LAYERS[2])(x)
    model = keras.Model(inputs, outputs, name=f"{name}_classifier")
    if weights is not None and weights != "imagenet":
        load_backbone_weights(model, base, weights)
    if weights is not None and freeze_base:
        for layer in base.layers:
            layer.trainable = False
    return model
