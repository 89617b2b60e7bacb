"""The training recipe's plan: stages of transfer learning, their rates and schedules.

A model built on ImageNet weights with its backbone frozen (``freeze_base=True``, the
builders' default) trains in two stages, as Keras's fine-tuning guide and timm's fine-tuning
recipes do: first the new head alone on the frozen backbone (``head_epochs``, at the full
learning rate), then the whole network at a lower rate (``learning_rate x fine_tune_factor``)
with batch normalisation kept in inference mode (:func:`mammokit.models.unfreeze` leaves it
frozen, so small mammogram batches cannot disturb the ImageNet statistics). A model with
nothing frozen (random weights, the plain CNN) trains in one stage. Every stage warms its
rate up linearly and then decays it by a cosine (:func:`mammokit.training.learning_rate_schedule`).

Examples
--------
>>> from mammokit.models import cnn_classifier
>>> [stage.name for stage in plan_stages(cnn_classifier(input_shape=(16, 16, 1)), 10, 100)]
['all']
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import keras
import tensorflow as tf

from mammokit.errors import MammokitError
from mammokit.models.tuning import leaf_layers

__all__ = [
    "MIXED_PRECISION",
    "Stage",
    "frozen_layers",
    "mixed_precision",
    "plan_stages",
]

#: ``TrainConfig.mixed_precision`` settings: ``"auto"`` (float16 compute on a GPU, float32
#: elsewhere), ``"on"`` or ``"off"``.
MIXED_PRECISION = ("auto", "on", "off")


@dataclass(frozen=True)
class Stage:
    """One stage of training.

    Attributes
    ----------
    name
        ``"head"`` (the backbone frozen) or ``"all"`` (every layer but batch normalisation).
    first_epoch, last_epoch
        Epochs ``first_epoch`` (0-based) up to ``last_epoch`` (exclusive), numbered through
        the whole run.
    learning_rate
        The stage's peak rate.
    warmup_steps, decay_steps
        Its linear warm-up, then its cosine decay to 0.
    """

    name: str
    first_epoch: int
    last_epoch: int
    learning_rate: float
    warmup_steps: int
    decay_steps: int


def frozen_layers(model: keras.Model) -> list[str]:
    """Names of the layers with weights that do not train, batch normalisation aside (it
    stays frozen in every stage): a frozen backbone's convolutions, for instance."""
    return [
        layer.name
        for layer in leaf_layers(model)
        if layer.weights
        and not layer.trainable
        and not isinstance(layer, keras.layers.BatchNormalization)
    ]


def plan_stages(
    model: keras.Model,
    epochs: int,
    steps_per_epoch: int,
    *,
    learning_rate: float = 1e-3,
    warmup_epochs: float = 1.0,
    head_epochs: int = 3,
    fine_tune_factor: float = 0.1,
    fine_tune: bool = True,
) -> list[Stage]:
    """The stages that train ``model`` for ``epochs`` epochs.

    Two stages when the model has frozen layers (:func:`frozen_layers`), ``fine_tune`` is on
    and ``epochs`` exceeds ``head_epochs``; otherwise one (``"head"`` when layers stay
    frozen, ``"all"`` when none are). Each stage warms up over ``warmup_epochs`` (at most
    half the stage) and decays over the rest.

    Examples
    --------
    >>> from mammokit.models import mobilenet_classifier
    >>> model = mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)
    >>> for layer in model.layers[:-3]:  # a frozen backbone, as ImageNet weights build it
    ...     layer.trainable = False
    >>> [(s.name, s.first_epoch, s.last_epoch, s.learning_rate) for s in
    ...  plan_stages(model, 10, 50, learning_rate=1e-3, head_epochs=3)]
    [('head', 0, 3, 0.001), ('all', 3, 10, 0.0001)]
    """
    if epochs < 1 or steps_per_epoch < 1:
        raise MammokitError("epochs and steps_per_epoch must be at least 1")
    if head_epochs < 0 or warmup_epochs < 0 or not 0 < fine_tune_factor <= 1:
        raise MammokitError(
            "head_epochs and warmup_epochs must be >= 0 and fine_tune_factor in (0, 1]"
        )
    frozen = bool(frozen_layers(model))
    if not frozen:
        spans = [("all", 0, epochs, learning_rate)]
    elif not fine_tune or epochs <= head_epochs:
        spans = [("head", 0, epochs, learning_rate)]
    else:
        spans = [
            ("head", 0, head_epochs, learning_rate),
            ("all", head_epochs, epochs, learning_rate * fine_tune_factor),
        ]
    stages = []
    for name, first, last, rate in spans:
        if last <= first:
            continue
        total = (last - first) * steps_per_epoch
        warmup = min(round(warmup_epochs * steps_per_epoch), total // 2)
        stages.append(Stage(name, first, last, rate, warmup, total - warmup))
    return stages


@contextlib.contextmanager
def mixed_precision(setting: str = "auto") -> Iterator[str]:
    """Build models inside this block with float16 compute (``"mixed_float16"``) where
    ``setting`` asks for it: ``"on"``, or ``"auto"`` on a machine with a GPU. The global
    policy is restored afterwards; the layers built keep theirs, and compiling such a model
    scales its loss (Keras wraps the optimizer). Yields the policy's name.

    Examples
    --------
    >>> with mixed_precision("off") as policy:
    ...     policy
    'float32'
    """
    if setting not in MIXED_PRECISION:
        raise MammokitError(f"mixed_precision must be one of {MIXED_PRECISION}, got {setting!r}")
    wanted = setting == "on" or (setting == "auto" and bool(tf.config.list_physical_devices("GPU")))
    saved = keras.config.dtype_policy()
    policy = "mixed_float16" if wanted else saved.name
    keras.config.set_dtype_policy(policy)
    try:
        yield policy
    finally:
        keras.config.set_dtype_policy(saved)
