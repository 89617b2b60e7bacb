"""The feature maps of a model that Grad-CAM and the multi-view models read.

Examples
--------
>>> from mammokit.models import cnn_classifier
>>> find_last_conv_layer(cnn_classifier(input_shape=(32, 32, 1), filters=(8, 16)))
'last_conv_relu'
"""

from __future__ import annotations

import keras

from mammokit.errors import MammokitError, ModelConfigError
from mammokit.views import input_name

__all__ = ["find_last_conv_layer", "is_spatial", "view_feature_layers"]


def find_last_conv_layer(model: keras.Model) -> str:
    """Name of the last layer with a spatial ``(B, H, W, C)`` output, H and W above 1.

    Examples
    --------
    >>> from mammokit.models import cnn_classifier
    >>> find_last_conv_layer(cnn_classifier(input_shape=(32, 32, 1), filters=(8, 16)))
    'last_conv_relu'
    """
    for layer in reversed(model.layers):
        if is_spatial(layer):
            return layer.name
    raise MammokitError(f"model {model.name!r} has no layer with a spatial (B, H, W, C) output")


def is_spatial(layer: keras.layers.Layer) -> bool:
    """Whether ``layer`` outputs a feature map ``(B, H, W, C)`` with H and W above 1."""
    if isinstance(layer, keras.layers.InputLayer):
        return False
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):
        return False
    return len(shape) == 4 and shape[1] is not None and shape[1] > 1 and shape[2] > 1


def view_feature_layers(model: keras.Model) -> dict[str, str]:
    """The layer holding each view's last feature map, by view, for Grad-CAM.

    Raises
    ------
    ModelConfigError
        ``model`` is not a multi-view model.
    """
    views = getattr(getattr(model, "info", None), "views", None)
    if not views:
        raise ModelConfigError(f"{model.name} is not a multi-view model (it records no views)")
    return {view: f"{input_name(view)}_features" for view in views}
