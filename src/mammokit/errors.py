"""The exceptions mammokit raises.

Every error the library raises on purpose derives from :class:`MammokitError`, itself a
:class:`ValueError`, so ``except mammokit.MammokitError`` catches them all and code that
already catches ``ValueError`` keeps working. Each situation has one class, defined here;
an invalid argument that fits none of them raises :class:`MammokitError` itself.
"""

from __future__ import annotations


class MammokitError(ValueError):
    """Base class of every error mammokit raises on purpose."""


class ImageReadError(MammokitError):
    """An image file is missing, empty, truncated or not an image."""


class DatasetError(MammokitError):
    """A dataset on disk or a records table is malformed or incomplete."""


class WeightsError(MammokitError):
    """Model weights could not be found, downloaded or loaded."""


class PreprocessError(MammokitError):
    """An array handed to a preprocessing function is not a usable grayscale image."""


class ModelConfigError(MammokitError):
    """A model builder was asked for a model it cannot build (unknown name, bad arguments)."""


class ModelLoadError(MammokitError):
    """A model file is missing, not a model, or loading it would run arbitrary code."""


class MissingDependencyError(MammokitError, ImportError):
    """An optional dependency (a pip extra of mammokit) is not installed."""


class LegacyModelWarning(UserWarning):
    """A model without mammokit's info (saved before 0.2, or built elsewhere) is used."""


def require(module: str, extra: str) -> object:
    """Import an optional dependency or explain which extra installs it.

    Parameters
    ----------
    module
        The module to import, e.g. ``"pydicom"``.
    extra
        The mammokit extra that provides it, e.g. ``"dicom"``.

    Returns
    -------
    module
        The imported module.

    Examples
    --------
    >>> np = require("numpy", "core")
    >>> np.__name__
    'numpy'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(
            f"{module} is needed for this feature; install it with "
            f"`pip install 'mammokit[{extra}]'` ({err})"
        ) from err
