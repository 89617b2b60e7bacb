"""Second-stage fine-tuning: unfreezing the top of a backbone."""

from __future__ import annotations

import keras

from mammokit.errors import MammokitError

__all__ = ["leaf_layers", "unfreeze"]


def unfreeze(model: keras.Model, n_layers: int | None = None) -> keras.Model:
    """Make the top ``n_layers`` layers with weights trainable, for a fine-tuning stage.

    Batch-normalization layers stay frozen (in inference mode), as the Keras transfer-learning
    guide recommends, so their statistics are not disturbed by small batches. Recompile the
    model (with a lower learning rate) after calling this, or the change has no effect.

    Parameters
    ----------
    model
        A model from :mod:`mammokit.models`. The layers of a nested model (the per-view
        encoder of a multi-view model) count one by one, in their place.
    n_layers
        How many layers with weights, counted from the output, to unfreeze; ``None`` for all.

    Returns
    -------
    keras.Model
        The same model, changed in place.

    Examples
    --------
    >>> from mammokit.models import mobilenet_classifier
    >>> model = mobilenet_classifier(input_shape=(32, 32, 3), weights=None, alpha=0.25)
    >>> for layer in model.layers:
    ...     layer.trainable = False
    >>> trainable = [l.name for l in unfreeze(model, 3).layers if l.trainable and l.weights]
    >>> trainable
    ['conv_pw_13', 'predictions']
    """
    if n_layers is not None and n_layers < 0:
        raise MammokitError(f"n_layers must be >= 0 or None, got {n_layers}")
    with_weights = [layer for layer in leaf_layers(model) if layer.weights]
    chosen = with_weights if n_layers is None else with_weights[len(with_weights) - n_layers :]
    for layer in chosen:
        if not isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = True
    return model


def leaf_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers in order, each nested model replaced by its own layers."""
    leaves = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            leaves += leaf_layers(layer)
        else:
            leaves.append(layer)
    return leaves
