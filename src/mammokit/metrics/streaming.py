"""Sensitivity and specificity as Keras metrics that stream a confusion matrix over batches.

:mod:`mammokit.metrics` offers these two classes (importing them loads Keras and TensorFlow;
the rest of :mod:`mammokit.metrics` needs only NumPy). Definitions and conventions are those
of :mod:`mammokit.metrics`.
"""

from __future__ import annotations

import keras
from keras import ops

from mammokit.errors import MammokitError

__all__ = ["Sensitivity", "Specificity"]


class _ConfusionMetric(keras.metrics.Metric):
    """Accumulates a confusion matrix over batches; subclasses read a rate from it.

    A subclass names its rate (``_kind``, the default metric name) and says which counts make
    it (``_fraction``).
    """

    _kind = ""

    def __init__(
        self,
        class_id: int | None = None,
        num_classes: int | None = None,
        name: str | None = None,
        **kwargs,
    ) -> None:
        name = name or (self._kind if class_id is None else f"{self._kind}_{class_id}")
        super().__init__(name=name, **kwargs)
        self.class_id = class_id
        self.num_classes = None
        self.matrix = None
        if num_classes is not None:
            self._allocate(int(num_classes))

    def _allocate(self, num_classes: int) -> None:
        if num_classes < 2:
            raise MammokitError(f"num_classes must be >= 2, got {num_classes}")
        if self.class_id is not None and not 0 <= self.class_id < num_classes:
            raise MammokitError(f"class_id must be in [0, {num_classes}), got {self.class_id}")
        self.num_classes = num_classes
        self.matrix = self.add_variable(
            shape=(num_classes, num_classes), initializer="zeros", dtype="float32", name="matrix"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.matrix is None:  # the class count comes from the first predictions
            if y_pred.shape[-1] is None:
                raise MammokitError(f"{self.name}: give num_classes; the predictions' is unknown")
            self._allocate(int(y_pred.shape[-1]))
        if y_pred.shape[-1] is not None and y_pred.shape[-1] != self.num_classes:
            raise MammokitError(
                f"{self.name}: predictions have {y_pred.shape[-1]} classes but the metric was "
                f"built for num_classes={self.num_classes}"
            )
        # one-hot products keep every shape static, so the metric also runs under XLA
        truth = ops.one_hot(ops.reshape(ops.argmax(y_true, axis=-1), (-1,)), self.num_classes)
        guess = ops.one_hot(ops.reshape(ops.argmax(y_pred, axis=-1), (-1,)), self.num_classes)
        if sample_weight is not None:
            truth = truth * ops.reshape(ops.cast(sample_weight, truth.dtype), (-1, 1))
        self.matrix.assign_add(ops.cast(ops.matmul(ops.transpose(truth), guess), "float32"))

    def reset_state(self):
        if self.matrix is not None:
            self.matrix.assign(ops.zeros((self.num_classes, self.num_classes)))

    def result(self):
        if self.matrix is None:  # nothing seen yet
            return ops.convert_to_tensor(0.0)
        rates = ops.divide_no_nan(*self._fraction(*self._counts()))
        if self.class_id is None:
            return ops.mean(rates)
        return rates[self.class_id]

    def _fraction(self, true_positive, positives, false_positive, negatives):
        raise NotImplementedError

    def _counts(self):
        true_positive = ops.diagonal(self.matrix)
        positives = ops.sum(self.matrix, axis=1)
        predicted = ops.sum(self.matrix, axis=0)
        total = ops.sum(self.matrix)
        false_positive = predicted - true_positive
        negatives = total - positives
        return true_positive, positives, false_positive, negatives

    def get_config(self) -> dict:
        return {**super().get_config(), "class_id": self.class_id, "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="mammokit")
class Sensitivity(_ConfusionMetric):
    """Sensitivity (recall, true-positive rate) TP / (TP + FN), streamed over batches.

    Parameters
    ----------
    class_id
        The positive class; ``None`` gives the macro average over all classes.
    num_classes
        Number of classes of the one-hot targets and the probabilities; default: taken from
        the first predictions.
    name
        Metric name; default ``"sensitivity"`` or ``"sensitivity_<class_id>"``.

    Examples
    --------
    >>> import numpy as np
    >>> metric = Sensitivity(class_id=2)
    >>> metric.update_state(np.eye(3)[[2, 2, 0]], np.eye(3)[[2, 1, 0]])
    >>> float(metric.result())
    0.5
    """

    _kind = "sensitivity"

    def _fraction(self, true_positive, positives, false_positive, negatives):
        return true_positive, positives


@keras.saving.register_keras_serializable(package="mammokit")
class Specificity(_ConfusionMetric):
    """Specificity (true-negative rate) TN / (TN + FP), streamed over batches.

    Parameters
    ----------
    class_id
        The positive class; ``None`` gives the macro average over all classes.
    num_classes
        Number of classes of the one-hot targets and the probabilities; default: taken from
        the first predictions.
    name
        Metric name; default ``"specificity"`` or ``"specificity_<class_id>"``.

    Examples
    --------
    >>> import numpy as np
    >>> metric = Specificity(class_id=2)
    >>> metric.update_state(np.eye(3)[[2, 0, 0, 1]], np.eye(3)[[2, 2, 0, 1]])
    >>> round(float(metric.result()), 4)    # TN = 2, FP = 1
    0.6667
    """

    _kind = "specificity"

    def _fraction(self, true_positive, positives, false_positive, negatives):
        return negatives - false_positive, negatives
