"""Small serializable layers the builders put inside models, so serving matches training."""

from __future__ import annotations

import keras
from keras.applications import imagenet_utils

from mammokit.errors import ModelConfigError

__all__ = ["BackbonePreprocessing", "GrayToRGB", "global_pooling"]


@keras.saving.register_keras_serializable(package="mammokit")
class BackbonePreprocessing(keras.layers.Layer):
    """Scale raw 0..255 images the way an ImageNet backbone was trained.

    Parameters
    ----------
    mode
        ``"tf"`` (to [-1, 1]: MobileNet, MobileNetV2, InceptionV3), ``"caffe"`` (RGB to BGR
        minus the ImageNet mean: VGG, ResNet50), ``"torch"`` (to [0, 1], then ImageNet
        mean/std) or ``"none"`` (EfficientNet scales inside its own graph).

    Examples
    --------
    >>> import numpy as np
    >>> layer = BackbonePreprocessing("tf")
    >>> np.asarray(layer(np.array([[[[0.0, 127.5, 255.0]]]]))).round(3).tolist()
    [[[[-1.0, 0.0, 1.0]]]]
    """

    def __init__(self, mode: str = "tf", **kwargs) -> None:
        super().__init__(**kwargs)
        if mode not in ("tf", "caffe", "torch", "none"):
            raise ModelConfigError(f"mode must be 'tf', 'caffe', 'torch' or 'none', got {mode!r}")
        self.mode = mode

    def call(self, inputs):
        if self.mode == "none":
            return inputs
        return imagenet_utils.preprocess_input(inputs, data_format="channels_last", mode=self.mode)

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="mammokit")
class GrayToRGB(keras.layers.Layer):
    """Repeat a single gray channel three times for RGB backbones; RGB input passes through.

    Examples
    --------
    >>> import numpy as np
    >>> tuple(GrayToRGB()(np.zeros((1, 4, 4, 1), "float32")).shape)
    (1, 4, 4, 3)
    """

    def call(self, inputs):
        if inputs.shape[-1] == 1:
            return keras.ops.repeat(inputs, 3, axis=-1)
        return inputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3)


def global_pooling(kind: str) -> keras.layers.Layer:
    """A global pooling layer named ``"global_pool"``: ``"avg"`` or ``"max"``.

    Examples
    --------
    >>> global_pooling("max").name
    'global_pool'
    """
    layers = {"avg": keras.layers.GlobalAveragePooling2D, "max": keras.layers.GlobalMaxPooling2D}
    if kind not in layers:
        raise ModelConfigError(f"pooling must be 'avg' or 'max', got {kind!r}")
    return layers[kind](name="global_pool")
