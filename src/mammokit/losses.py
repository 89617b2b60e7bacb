"""Losses for imbalanced classes: weighted categorical cross-entropy and focal loss.

Both are registered Keras serializables, so a model compiled with them saves to ``.keras``
and loads with ``keras.saving.load_model(path)`` in safe mode, without ``custom_objects``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
from keras import ops

from mammokit.balance import class_weights_from_counts
from mammokit.errors import MammokitError

__all__ = ["CategoricalFocalLoss", "WeightedCategoricalCrossentropy", "class_weights_from_counts"]


def _weights_list(class_weights: Mapping[int, float] | Sequence[float]) -> list[float]:
    if isinstance(class_weights, Mapping):
        keys = sorted(int(k) for k in class_weights)
        if keys != list(range(len(keys))):
            raise MammokitError(f"class_weights keys must be 0..n-1, got {keys}")
        values = [float(class_weights[k]) for k in keys]
    else:
        values = [float(w) for w in class_weights]
    if not values or any(w < 0 for w in values):
        raise MammokitError(f"class_weights must be non-empty and non-negative, got {values}")
    return values


@keras.saving.register_keras_serializable(package="mammokit")
class WeightedCategoricalCrossentropy(keras.losses.Loss):
    """Categorical cross-entropy with one weight per class, for imbalanced data.

    The thesis's loss, for ``n`` examples (or pixels) and classes ``j``::

        J = -1/n * sum_i sum_j w_j * y_ij * log(p_ij)

    Works for image-level targets ``(B, C)`` and pixel-level targets ``(B, H, W, C)``.
    Probabilities are clipped to ``[epsilon, 1]`` so ``p = 0`` gives a large finite loss
    instead of infinity.

    Parameters
    ----------
    class_weights
        One weight per class, as a sequence or ``{class_index: weight}`` (e.g. from
        :func:`mammokit.datasets.class_weights`).
    from_logits
        Whether predictions are logits instead of probabilities.
    epsilon
        Smallest probability used in the logarithm.
    label_smoothing
        Share of each target spread evenly over the classes (``y (1 - s) + s / C``, as
        Keras's losses do); 0 (default) keeps one-hot targets.
    reduction, name
        As for any ``keras.losses.Loss``.

    Examples
    --------
    >>> import numpy as np
    >>> loss = WeightedCategoricalCrossentropy([1.0, 2.0, 4.0])
    >>> y_true = np.array([[0, 0, 1.0]])
    >>> y_pred = np.array([[0.25, 0.25, 0.5]])
    >>> round(float(loss(y_true, y_pred)), 4)   # 4 * -log(0.5)
    2.7726
    """

    def __init__(
        self,
        class_weights: Mapping[int, float] | Sequence[float],
        from_logits: bool = False,
        epsilon: float = 1e-7,
        reduction: str = "sum_over_batch_size",
        name: str = "weighted_categorical_crossentropy",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction=reduction, name=name)
        self.class_weights = _weights_list(class_weights)
        self.from_logits = from_logits
        self.epsilon = epsilon
        if not 0 <= label_smoothing < 1:
            raise MammokitError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        if self.label_smoothing:  # as Keras's: y (1 - s) + s / classes
            classes = ops.cast(ops.shape(y_true)[-1], y_pred.dtype)
            y_true = y_true * (1.0 - self.label_smoothing) + self.label_smoothing / classes
        weights = ops.convert_to_tensor(self.class_weights, dtype=y_pred.dtype)
        if self.from_logits:
            log_p = ops.log_softmax(y_pred, axis=-1)
        else:
            log_p = ops.log(ops.clip(y_pred, self.epsilon, 1.0))
        return -ops.sum(weights * y_true * log_p, axis=-1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_weights": self.class_weights,
            "from_logits": self.from_logits,
            "epsilon": self.epsilon,
            "label_smoothing": self.label_smoothing,
        }


@keras.saving.register_keras_serializable(package="mammokit")
class CategoricalFocalLoss(keras.losses.CategoricalFocalCrossentropy):
    """Focal loss (Lin et al., 2017) for one-hot targets, with per-class ``alpha``.

    ``FL = -alpha_j * (1 - p_j)^gamma * log(p_j)`` for the true class ``j``: easy, confident
    examples count less, so training concentrates on hard ones. A thin layer over
    ``keras.losses.CategoricalFocalCrossentropy`` that also accepts a weight per class.

    Parameters
    ----------
    gamma
        Focusing parameter; ``0`` gives (alpha-weighted) cross-entropy.
    alpha
        A scalar for every class, or one weight per class (e.g. the class weights).
    from_logits
        Whether predictions are logits.

    Examples
    --------
    >>> import numpy as np
    >>> loss = CategoricalFocalLoss(gamma=2.0, alpha=1.0)
    >>> round(float(loss(np.array([[0, 1.0]]), np.array([[0.5, 0.5]]))), 4)  # 0.25 * log 2
    0.1733
    """

    def __init__(
        self,
        gamma: float = 2.0,
        alpha: float | Sequence[float] = 0.25,
        from_logits: bool = False,
        reduction: str = "sum_over_batch_size",
        name: str = "categorical_focal_loss",
    ) -> None:
        alpha = float(alpha) if isinstance(alpha, int | float) else _weights_list(alpha)
        super().__init__(
            alpha=alpha, gamma=gamma, from_logits=from_logits, reduction=reduction, name=name
        )

    def get_config(self) -> dict:
        config = super().get_config()
        return {k: config[k] for k in ("gamma", "alpha", "from_logits", "reduction", "name")}
