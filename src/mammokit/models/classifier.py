"""A functional Keras model that knows what it predicts, saved with it in the ``.keras`` file."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from mammokit.distribute import spans_workers
from mammokit.errors import LegacyModelWarning, ModelConfigError
from mammokit.model_info import ModelInfo, info_of

__all__ = ["Classifier", "LegacyModelWarning", "as_classifier", "info_of", "resolve_classes"]

_CONFIG_KEY = "mammokit"


@keras.saving.register_keras_serializable(package="mammokit")
class Classifier(keras.Model):
    """A functional classifier carrying a :class:`~mammokit.model_info.ModelInfo`.

    Build it like any functional model, ``Classifier(inputs, outputs, name=...)``; every
    builder of :mod:`mammokit.models` returns one. ``info`` (class names in output order,
    preprocessing, intensity rule, task, label level) is part of the model's config, so
    ``model.save`` writes it into the ``.keras`` file and loading restores it (safe mode
    included). :func:`mammokit.training.fit` and :func:`mammokit.experiment.train_model` record
    what the training data says.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inputs))
    >>> model = Classifier(inputs, outputs, info=ModelInfo(("Benign", "Malignant")))
    >>> model.class_names
    ('Benign', 'Malignant')
    """

    def __init__(self, *args, info: ModelInfo | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._mammokit_info = None
        self.info = info or ModelInfo.default(self.output_shape[-1])

    @property
    def info(self) -> ModelInfo:
        """What the model predicts and how its inputs are prepared."""
        return self._mammokit_info

    @info.setter
    def info(self, value: ModelInfo) -> None:
        if not isinstance(value, ModelInfo):
            raise ModelConfigError(f"info must be a ModelInfo, got {type(value).__name__}")
        outputs = self.output_shape[-1]
        if len(value.class_names) != outputs:
            raise ModelConfigError(
                f"{len(value.class_names)} class names {list(value.class_names)} for a model "
                f"with {outputs} outputs"
            )
        self._mammokit_info = value

    @property
    def class_names(self) -> tuple[str, ...]:
        """The class of each output, in output order."""
        return self.info.class_names

    def get_config(self) -> dict:
        return {**super().get_config(), _CONFIG_KEY: self.info.to_dict()}

    def train_step(self, data):
        return _multi_worker_logs(self, super().train_step(data))

    def test_step(self, data):
        return _multi_worker_logs(self, super().test_step(data))

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Build the model's state from one replica's batch under a distribution strategy.

        Keras 3 averages the replicas' first batch with ``strategy.reduce`` to learn the input
        shapes, which ``MultiWorkerMirroredStrategy`` refuses (keras-team/keras#20585); one
        local replica's batch has the same shapes. Tested by ``tests/test_distribute.py``.
        """
        strategy = getattr(self, "_distribute_strategy", None)
        if iterator is None or strategy is None:
            return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)
        import tensorflow as tf

        def local(value):
            if isinstance(value, tf.distribute.DistributedValues):
                return strategy.experimental_local_results(value)[0]
            return value

        for step in iterator:  # (step, iterator) until Keras 3.10, (step, epoch, iterator) after
            data_batch = keras.tree.map_structure(local, next(step[-1]))
            break
        with strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Classifier:
        config = dict(config)
        info = config.pop(_CONFIG_KEY, None)
        model = super().from_config(config, custom_objects=custom_objects)
        if info is not None:
            model.info = ModelInfo.from_dict(info)
        return model


def _multi_worker_logs(model: keras.Model, logs: dict) -> dict:
    """Scalar logs as shape ``(1,)`` under ``MultiWorkerMirroredStrategy``.

    Keras 3 averages each step's logs over the workers with ``strategy.reduce(..., axis=0)``,
    which fails on a scalar (keras-team/keras#20585); a one-element vector averages to the same
    scalar. Other strategies get the logs unchanged.
    """
    import tensorflow as tf

    if not spans_workers(getattr(model, "_distribute_strategy", None)):
        return logs

    return {
        name: tf.reshape(value, (1,)) if getattr(value, "shape", None) == () else value
        for name, value in logs.items()
    }


def as_classifier(model: keras.Model, info: ModelInfo | None = None) -> Classifier:
    """``model`` as a :class:`Classifier` (itself when it is one), sharing its layers.

    A plain functional model (your own, or a ``.keras`` file saved before mammokit 0.2) is
    rebuilt from its inputs and outputs; the weights are shared, the compiled state is not.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((4,))
    >>> plain = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    >>> as_classifier(plain).class_names
    ('Normal', 'Benign', 'Cancer')
    """
    if isinstance(model, Classifier):
        if info is not None:
            model.info = info
        return model
    if not hasattr(model, "inputs") or not model.inputs:
        raise ModelConfigError(
            f"{model.name}: only functional models can carry mammokit's info; build it with "
            "keras.Input and call Classifier(inputs, outputs)"
        )
    return Classifier(model.inputs, model.outputs, name=model.name, info=info)


def resolve_classes(
    num_classes: int | None, class_names: Sequence[str] | None
) -> tuple[int, ModelInfo]:
    """A builder's class count and info from its ``num_classes`` and ``class_names``.

    Examples
    --------
    >>> resolve_classes(None, ["Benign", "Malignant"])[0], resolve_classes(None, None)[0]
    (2, 3)
    """
    if class_names is not None:
        count = len(class_names) if num_classes is None else num_classes
        return count, ModelInfo.default(count, class_names)
    count = 3 if num_classes is None else int(num_classes)
    if count < 2:
        raise ModelConfigError(f"num_classes must be >= 2, got {count}")
    return count, ModelInfo.default(count)
