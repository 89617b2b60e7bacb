"""The sidecar written beside every exported model: what serving must repeat from training.

``<file>.mammokit.json`` holds the input size and channels, the input names of a multi-view
model, and the model's own record of its class names, preprocessing and intensity rule
(:class:`~mammokit.model_info.ModelInfo`), so a ``.tflite`` or ``.onnx`` file is served the
way its model was trained, never by a guess.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras

from mammokit._version import __version__
from mammokit.errors import ModelLoadError
from mammokit.model_info import info_of

__all__ = [
    "SIDECAR_SUFFIX",
    "input_names",
    "read_serving_config",
    "serving_config",
    "view_shape",
    "write_sidecar",
]

#: Appended to an exported file's name for its sidecar.
SIDECAR_SUFFIX = ".mammokit.json"


def serving_config(model: keras.Model) -> dict:
    """The sidecar's entries for ``model``."""
    _, height, width, channels = view_shape(model)
    names = input_names(model)
    return {
        "input_size": [int(height), int(width)],
        "channels": int(channels),
        **({"inputs": names} if names else {}),
        **info_of(model).to_dict(),
        "pixel_scale": "0..255 by the intensity rule (mammokit.imaging.intensity)",
        "mammokit_version": __version__,
    }


def write_sidecar(path: Path, config: dict) -> None:
    """Write ``config`` as the sidecar of the exported file ``path``."""
    Path(f"{path}{SIDECAR_SUFFIX}").write_text(json.dumps(config, indent=2))


def read_serving_config(path: str | os.PathLike) -> dict | None:
    """The serving sidecar written next to an exported model, or ``None`` if there is none.

    Examples
    --------
    >>> import tempfile, os
    >>> from mammokit.export import to_tflite
    >>> from mammokit.models import cnn_classifier
    >>> path = to_tflite(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)),
    ...                  os.path.join(tempfile.mkdtemp(), "m.tflite"))
    >>> read_serving_config(path)["input_size"], read_serving_config(path)["channels"]
    ([16, 16], 1)"""
    sidecar = Path(f"{path}{SIDECAR_SUFFIX}")
    if not sidecar.is_file():
        return None
    try:
        config = json.loads(sidecar.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelLoadError(
            f"{sidecar}: not a JSON sidecar ({err}); export the model again"
        ) from err
    if not isinstance(config, dict):
        raise ModelLoadError(f"{sidecar}: expected a JSON object, got {type(config).__name__}")
    _check_entries(sidecar, config)
    return config


def _check_entries(sidecar: Path, config: dict) -> None:
    """The sidecar's own entries have the types and ranges serving relies on."""
    size = config.get("input_size")
    if size is not None and not (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ModelLoadError(f"{sidecar}: input_size must be [height, width] > 0, got {size!r}")
    channels = config.get("channels")
    if channels is not None and channels not in (1, 3):
        raise ModelLoadError(f"{sidecar}: channels must be 1 or 3, got {channels!r}")
    names = config.get("class_names")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) for n in names)
    ):
        raise ModelLoadError(f"{sidecar}: class_names must be a list of names, got {names!r}")


def input_names(model: keras.Model) -> list[str] | None:
    """The named view inputs of a multi-view model, in the model's input order; else ``None``."""
    if isinstance(model.input, dict):
        return [tensor.name for tensor in model.inputs]
    return None


def view_shape(model: keras.Model) -> tuple:
    """``(None, H, W, C)`` of the model's input (of each view, for a multi-view model)."""
    return tuple(model.inputs[0].shape)
