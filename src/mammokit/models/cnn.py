"""The thesis's plain convolutional network."""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

from mammokit.errors import ModelConfigError
from mammokit.models.classifier import Classifier, resolve_classes
from mammokit.models.layers import global_pooling
from mammokit.models.weights import check_weights_argument, load_backbone_weights

__all__ = ["cnn_classifier"]


def cnn_classifier(
    num_classes: int | None = None,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    filters: Sequence[int] = (32, 64, 128, 256),
    dense_units: int = 128,
    dropout: float = 0.5,
    pooling: str = "max",
    weights: str | os.PathLike | None = None,
    batch_norm_momentum: float = 0.9,
    class_names: Sequence[str] | None = None,
) -> Classifier:
    """A plain CNN: conv blocks (3x3 conv, batch norm, ReLU, 2x2 max-pool) and a dense head.

    The last block has no pooling, so its ReLU (``last_conv_relu``) keeps the finest spatial
    map for Grad-CAM; global pooling, a hidden dense layer with dropout and a softmax layer
    follow. Global *max* pooling is the default: a lesion is small and can be anywhere, and
    averaging over the whole breast dilutes it (on the synthetic demo data, max pooling
    reaches about 90% test accuracy where average pooling stays near chance for many epochs).

    Parameters
    ----------
    num_classes
        Number of output classes; default ``len(class_names)``, else 3 (Normal, Benign,
        Cancer).
    input_shape
        ``(height, width, channels)``; 1 or 3 channels.
    filters
        Filters of each conv block; the spatial size halves after every block but the last.
    dense_units
        Units of the hidden dense layer.
    dropout
        Dropout rate before the softmax layer.
    pooling
        Global pooling before the dense head: ``"max"`` (default) or ``"avg"``.
    weights
        ``None`` (random) or a ``*.weights.h5`` file saved from a model built with the same
        arguments.
    batch_norm_momentum
        Momentum of the moving statistics of the batch-norm layers. 0.9 (default) lets them
        keep up with weights trained from scratch for a few hundred steps; Keras's 0.99 leaves
        them behind, and validation predictions collapse to one class.
    class_names
        The class of each output, recorded in the model (``model.class_names``); default
        Mini-DDSM's classes for 3 outputs. Training on records sets them from the data.

    Returns
    -------
    Classifier
        Uncompiled; feed raw 0..255 images (scaling to [0, 1] happens inside).

    Examples
    --------
    >>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(8, 16))
    >>> model.output_shape, model.get_layer("last_conv_relu").output.shape
    ((None, 3), (None, 16, 16, 16))
    """
    if not filters:
        raise ModelConfigError("filters must name at least one conv block")
    if input_shape[-1] not in (1, 3):
        raise ModelConfigError(f"input_shape must have 1 or 3 channels, got {input_shape}")
    check_weights_argument(weights)
    num_classes, info = resolve_classes(num_classes, class_names)
    inputs = keras.Input(shape=input_shape, name="image")
    x = keras.layers.Rescaling(1.0 / 255.0, name="rescale")(inputs)
    for block, n_filters in enumerate(filters, start=1):
        last = block == len(filters)
        x = keras.layers.Conv2D(n_filters, 3, padding="same", use_bias=False, name=f"conv{block}")(
            x
        )
        x = keras.layers.BatchNormalization(momentum=batch_norm_momentum, name=f"conv{block}_bn")(x)
        x = keras.layers.ReLU(name="last_conv_relu" if last else f"conv{block}_relu")(x)
        if not last:
            x = keras.layers.MaxPooling2D(2, name=f"pool{block}")(x)
    x = global_pooling(pooling)(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    # float32 softmax under a mixed-precision policy (Keras guidance); no change otherwise
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)
    model = Classifier(inputs, outputs, name="cnn_classifier", info=info)
    if weights is not None:
        load_backbone_weights(model, model, weights)
    return model
