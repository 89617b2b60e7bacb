"""One entry point for every kind of dataset on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from mammokit.datasets.folder import read_folder
from mammokit.datasets.mini_ddsm import VARIANT_DIRS, read_mini_ddsm
from mammokit.datasets.records import read_records
from mammokit.errors import DatasetError

__all__ = ["load_records"]


def load_records(
    path: str | os.PathLike, variant: str = "jpeg8", labels: str = "case"
) -> pd.DataFrame:
    """Read a records table from a CSV, a Mini-DDSM download or a folder of class folders.

    Parameters
    ----------
    path
        A ``.csv`` records table (see :func:`~mammokit.datasets.records.read_records`); a
        Mini-DDSM download (or one of its variant folders, or a ``make_synthetic`` output); or
        a folder with ``Normal/``, ``Benign/``, ``Cancer/`` subfolders of images.
    variant
        Mini-DDSM variant, ``"jpeg8"`` or ``"png16"``.
    labels
        Mini-DDSM's ``"case"`` or ``"breast"`` labels (:func:`read_mini_ddsm`); other
        sources have one kind and ignore it.

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic
    >>> len(load_records(make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48))))
    12
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    if path.is_file() and path.suffix.lower() == ".csv":
        return read_records(path)
    if not path.is_dir():
        raise DatasetError(f"{path}: expected a records CSV or a dataset folder")
    if _looks_like_mini_ddsm(path):
        return read_mini_ddsm(path, variant=variant, labels=labels)
    return read_folder(path)


def _looks_like_mini_ddsm(path: Path) -> bool:
    if path.name in VARIANT_DIRS.values() or (path / "DataWMask.xlsx").is_file():
        return True
    return any((path / name).is_dir() for name in VARIANT_DIRS.values())
