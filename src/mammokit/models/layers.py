"""Small serializable layers the builders put inside models, so serving matches training."""

from __future__ import annotations

import keras
from keras.applications import imagenet_utils

from mammokit.errors import ModelConfigError

__all__ = [
    "FUSIONS",
    "BackbonePreprocessing",
    "GrayToRGB",
    "TemperatureScaling",
    "ViewFusion",
    "ViewPresence",
    "global_pooling",
]

#: How :class:`ViewFusion` combines the views' features.
FUSIONS = ("concat", "mean", "attention")


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


def global_pooling(kind: str, name: str = "global_pool") -> keras.layers.Layer:
    """A global pooling layer, by default named ``"global_pool"``: ``"avg"`` or ``"max"``.

    Examples
    --------
    >>> global_pooling("max").name
    'global_pool'
    """
    layers = {"avg": keras.layers.GlobalAveragePooling2D, "max": keras.layers.GlobalMaxPooling2D}
    if kind not in layers:
        raise ModelConfigError(f"pooling must be 'avg' or 'max', got {kind!r}")
    return layers[kind](name=name)


@keras.saving.register_keras_serializable(package="mammokit")
class ViewPresence(keras.layers.Layer):
    """1.0 for each image holding any non-zero pixel, 0.0 for an all-zero (missing) view.

    A missing view reaches a multi-view model as an all-zero image
    (:mod:`mammokit.datasets.grouping`); a mammogram never is one.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.zeros((2, 4, 4, 1), "float32"); images[1, 0, 0] = 3.0
    >>> np.asarray(ViewPresence()(images)).ravel().tolist()
    [0.0, 1.0]
    """

    def call(self, inputs):
        flat = keras.ops.reshape(keras.ops.abs(inputs), (keras.ops.shape(inputs)[0], -1))
        return keras.ops.cast(keras.ops.max(flat, axis=1, keepdims=True) > 0, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)


@keras.saving.register_keras_serializable(package="mammokit")
class ViewFusion(keras.layers.Layer):
    """Fuse the pooled features of several views, leaving out the views that are missing.

    Called on ``[features_1, ..., features_V, present_1, ..., present_V]``: V feature
    vectors ``(B, C)`` and V presence flags ``(B, 1)`` (:class:`ViewPresence`).

    Parameters
    ----------
    mode
        ``"concat"``: the features side by side ``(B, V * C)``, a missing view's zeroed;
        ``"mean"``: the mean over the views present ``(B, C)``; ``"attention"``: a weighted
        sum ``(B, C)`` with weights learnt from the features (gated attention, Ilse et al.,
        2018), a softmax over the views present.
    attention_units
        Hidden units of the attention's scoring network.

    Examples
    --------
    >>> import numpy as np
    >>> cc, mlo = np.ones((1, 2), "float32"), np.full((1, 2), 3.0, "float32")
    >>> present, absent = np.ones((1, 1), "float32"), np.zeros((1, 1), "float32")
    >>> np.asarray(ViewFusion("mean")([cc, mlo, present, present])).tolist()
    [[2.0, 2.0]]
    >>> np.asarray(ViewFusion("mean")([cc, mlo, present, absent])).tolist()
    [[1.0, 1.0]]
    """

    def __init__(self, mode: str = "concat", attention_units: int = 64, **kwargs) -> None:
        super().__init__(**kwargs)
        if mode not in FUSIONS:
            raise ModelConfigError(f"fusion must be one of {FUSIONS}, got {mode!r}")
        self.mode, self.attention_units = mode, int(attention_units)

    def build(self, input_shape):
        if len(input_shape) % 2 or len(input_shape) < 4:
            raise ModelConfigError("ViewFusion takes V >= 2 feature tensors and V presence flags")
        channels = int(input_shape[0][-1])
        if self.mode == "attention":
            units = self.attention_units
            self.hidden = self.add_weight((channels, units), name="hidden")
            self.gate = self.add_weight((channels, units), name="gate")
            self.score = self.add_weight((units, 1), name="score")

    def call(self, inputs):
        count = len(inputs) // 2
        features = keras.ops.stack(inputs[:count], axis=1)  # (B, V, C)
        present = keras.ops.stack(inputs[count:], axis=1)  # (B, V, 1)
        if self.mode == "concat":
            return keras.ops.reshape(features * present, (-1, count * features.shape[-1]))
        if self.mode == "mean":
            total = keras.ops.sum(features * present, axis=1)
            return total / keras.ops.maximum(keras.ops.sum(present, axis=1), 1.0)
        gated = keras.ops.tanh(features @ self.hidden) * keras.ops.sigmoid(features @ self.gate)
        logits = gated @ self.score  # (B, V, 1); missing views out (-1e4 fits float16 too)
        logits = keras.ops.where(present > 0, logits, keras.ops.full_like(logits, -1e4))
        weights = keras.ops.softmax(logits, axis=1) * present
        return keras.ops.sum(weights * features, axis=1)

    def compute_output_shape(self, input_shape):
        count, channels = len(input_shape) // 2, input_shape[0][-1]
        width = count * channels if self.mode == "concat" else channels
        return (input_shape[0][0], width)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "mode": self.mode,
            "attention_units": self.attention_units,
        }


@keras.saving.register_keras_serializable(package="mammokit")
class TemperatureScaling(keras.layers.Layer):
    """Calibrate softmax probabilities: ``softmax(log(p) / temperature)``.

    Put on a classifier's output by :func:`mammokit.training.calibrate`, so the saved model
    and every export give calibrated probabilities. The logarithm of a softmax output is its
    logits up to a constant per example, which the softmax ignores: the result is the
    softmax of the logits divided by the temperature. The argmax never changes.

    Examples
    --------
    >>> import numpy as np
    >>> np.asarray(TemperatureScaling(2.0)(np.array([[0.2, 0.8]]))).astype(float).round(3).tolist()
    [[0.333, 0.667]]
    """

    def __init__(self, temperature: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if not float(temperature) > 0:
            raise ModelConfigError(f"temperature must be above 0, got {temperature}")
        self.temperature = float(temperature)

    def call(self, inputs):
        logits = keras.ops.log(keras.ops.clip(inputs, 1e-7, 1.0))
        return keras.ops.softmax(logits / self.temperature, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "temperature": self.temperature}
