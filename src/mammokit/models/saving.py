"""Loading saved models safely."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import keras

# importing these registers mammokit's losses, metrics and layers with Keras, so a saved
# model compiled with them loads in safe mode without custom_objects
import mammokit.losses
import mammokit.metrics.streaming
import mammokit.models.layers  # noqa: F401
from mammokit.errors import ModelLoadError

__all__ = ["ModelLoadError", "load_model"]


def load_model(path: str | os.PathLike, allow_unsafe: bool = False) -> keras.Model:
    """Load a ``.keras`` model in Keras safe mode.

    mammokit's layers, losses and metrics are registered when :mod:`mammokit.models` is
    imported, so no ``custom_objects`` are needed (``keras.saving.load_model`` works too once
    ``mammokit.models`` is imported).
    Safe mode refuses ``Lambda`` layers, whose Python code would run on loading.

    Parameters
    ----------
    path
        A ``.keras`` file.
    allow_unsafe
        Load ``Lambda`` layers anyway. Only for files from a source you trust.

    Raises
    ------
    ModelLoadError
        The file is missing, not a ``.keras`` archive, or holds unsafe code.

    Examples
    --------
    >>> import tempfile, os
    >>> from mammokit.models import cnn_classifier
    >>> path = os.path.join(tempfile.mkdtemp(), "cnn.keras")
    >>> cnn_classifier(input_shape=(16, 16, 1), filters=(4,)).save(path)
    >>> load_model(path).output_shape
    (None, 3)
    """
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"{path}: no such model file")
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise ModelLoadError(f"{path}: not a Keras model file (expected a .keras archive)")
    try:
        return keras.saving.load_model(path, safe_mode=not allow_unsafe)
    except ValueError as err:
        if "Lambda" in str(err) or "safe_mode" in str(err):
            raise ModelLoadError(
                f"{path}: the model holds a Lambda layer, whose code would run on loading; "
                "pass allow_unsafe=True only if you trust where the file came from"
            ) from err
        raise ModelLoadError(f"{path}: could not load the model ({err})") from err
    except Exception as err:  # Keras raises many kinds for a damaged archive
        raise ModelLoadError(
            f"{path}: could not load the model ({type(err).__name__}: {err})"
        ) from err
