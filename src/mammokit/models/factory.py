"""Build any classifier of the registry (:mod:`mammokit.registry`) by its name.

Examples
--------
>>> create_classifier("cnn", input_shape=(32, 32, 1), filters=(8, 16)).output_shape
(None, 3)
"""

from __future__ import annotations

import importlib

import keras

from mammokit.registry import BACKBONE_BUILDER, model_entry

__all__ = ["create_classifier"]


def create_classifier(name: str, **kwargs) -> keras.Model:
    """Build any registered classifier by name.

    Parameters
    ----------
    name
        One of :func:`available_models`.
    **kwargs
        The builder's arguments (``num_classes``, ``input_shape``, ``weights`` and the
        entry's options); ``input_shape`` defaults to the entry's size with 3 channels.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = create_classifier("cnn", input_shape=(32, 32, 1), filters=(8, 16))
    >>> model.output_shape
    (None, 3)
    """
    entry = model_entry(name)
    module, function = entry.builder.split(":")
    builder = getattr(importlib.import_module(module), function)
    kwargs.setdefault("input_shape", (entry.input_size, entry.input_size, 3))
    if entry.builder == BACKBONE_BUILDER:
        return builder(entry.name, **kwargs)
    return builder(**kwargs)
