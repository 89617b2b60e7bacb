"""The thesis's transfer-learning model: MobileNet v1 with a softmax head."""

from __future__ import annotations

import os
from collections.abc import Sequence

from mammokit.models.backbones import backbone_classifier
from mammokit.models.classifier import Classifier

__all__ = ["mobilenet_classifier"]


def mobilenet_classifier(
    num_classes: int | None = None,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    weights: str | os.PathLike | None = "imagenet",
    alpha: float = 1.0,
    freeze_base: bool = True,
    dropout: float = 0.2,
    pooling: str = "avg",
    batch_norm_momentum: float | None = None,
    class_names: Sequence[str] | None = None,
) -> Classifier:
    """MobileNet v1 + global pooling + dropout + softmax, as one flat Keras model.

    Parameters
    ----------
    num_classes
        Number of output classes; default ``len(class_names)``, else 3 (Normal, Benign,
        Cancer).
    input_shape
        ``(height, width, channels)``, channels 1 or 3. ImageNet weights exist for square
        inputs of 128, 160, 192 or 224 pixels.
    weights
        ``"imagenet"``, a local weights file, or ``None``; see
        :func:`~mammokit.models.backbone_classifier`.
    alpha
        Width multiplier: 0.25, 0.5, 0.75 or 1.0 for ImageNet weights, any positive value for
        ``weights=None``.
    freeze_base
        Train only the head (ignored when ``weights=None``).
    dropout
        Dropout rate before the last dense layer.
    pooling
        ``"avg"`` (default) or ``"max"`` global pooling of the last feature map.
    batch_norm_momentum
        Momentum of the batch-norm layers; ``None`` keeps Keras's 0.99. Use 0.9 when
        training from random weights (the demo does).
    class_names
        The class of each output, recorded in the model (``model.class_names``).

    Returns
    -------
    Classifier
        Uncompiled; feed raw 0..255 images (scaling to [-1, 1] happens inside).

    Examples
    --------
    >>> model = mobilenet_classifier(input_shape=(64, 64, 3), weights=None, alpha=0.25)
    >>> model.output_shape, model.get_layer("conv_pw_13_relu").output.shape
    ((None, 3), (None, 2, 2, 256))
    """
    return backbone_classifier(
        "mobilenet",
        num_classes=num_classes,
        input_shape=input_shape,
        weights=weights,
        freeze_base=freeze_base,
        dropout=dropout,
        pooling=pooling,
        batch_norm_momentum=batch_norm_momentum,
        class_names=class_names,
        alpha=alpha,
    )
