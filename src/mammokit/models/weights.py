"""Loading backbone weights: ImageNet through Keras's cache, or a local file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import keras

from mammokit.errors import WeightsError

__all__ = ["check_weights_argument", "load_backbone_weights"]

_KERAS_CACHE = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def check_weights_argument(weights: str | os.PathLike | None) -> None:
    """Raise :class:`WeightsError` unless ``weights`` is ``"imagenet"``, ``None`` or a file."""
    if weights is None or weights == "imagenet":
        return
    path = Path(weights)
    if not path.is_file():
        raise WeightsError(
            f"weights={str(weights)!r}: expected 'imagenet', None or the path of a weights file, "
            "and no such file exists"
        )


def build_with_imagenet(
    constructor: Callable[..., keras.Model], name: str, **kwargs
) -> keras.Model:
    """Call a ``keras.applications`` constructor with ImageNet weights, explaining offline failures.

    Keras looks in its cache (``~/.keras/models``) first and downloads only when the file is
    missing; on a machine without internet that download fails within a second.
    """
    try:
        return constructor(weights="imagenet", **kwargs)
    except Exception as err:
        if type(err) is not Exception:  # Keras raises a bare Exception for a failed download
            raise
        raise WeightsError(
            f"could not fetch the ImageNet weights of {name}: {err}\n"
            f"This machine seems to be offline. Either copy the weights file into {_KERAS_CACHE} "
            f"(on a machine with internet, `keras.applications.{constructor.__name__}("
            "include_top=False, weights='imagenet', ...)` with the same arguments downloads it "
            "there), or pass its path: weights='/path/to/..._no_top.h5' in Python, "
            "--weights /path/to/..._no_top.h5 on the command line."
        ) from err


def load_backbone_weights(model: keras.Model, base: keras.Model, path: str | os.PathLike) -> None:
    """Load a local weights file into the classifier or its backbone.

    A ``*.weights.h5`` file saved from a mammokit model (``model.save_weights``) is loaded into
    the whole classifier; any other ``.h5`` file (e.g. Keras's ``*_no_top.h5`` downloads) into
    the backbone only.
    """
    path = Path(path)
    target = "model" if path.name.endswith(".weights.h5") else "backbone"
    try:
        (model if target == "model" else base).load_weights(str(path))
    except Exception as err:  # h5py and Keras raise many kinds for a mismatched file
        raise WeightsError(
            f"{path}: could not load these weights into the {target} "
            f"({type(err).__name__}: {err}). Use a file saved from the same architecture, "
            "input channels and alpha."
        ) from err
