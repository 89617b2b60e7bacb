"""One entry point for every kind of dataset on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from mammokit.datasets.cbis_ddsm import find_case_descriptions, read_cbis_ddsm
from mammokit.datasets.cmmd import find_clinical_table, read_cmmd
from mammokit.datasets.folder import read_folder
from mammokit.datasets.inbreast import read_inbreast
from mammokit.datasets.mini_ddsm import VARIANT_DIRS, read_mini_ddsm
from mammokit.datasets.records import read_records
from mammokit.datasets.rsna_screening import read_rsna_screening
from mammokit.datasets.vindr_mammo import read_vindr_mammo
from mammokit.errors import DatasetError

__all__ = ["detect_dataset", "load_records"]

#: What :func:`detect_dataset` recognises, in the order it looks, and the file that tells.
_MARKERS = {
    "vindr-mammo": lambda p: (p / "breast-level_annotations.csv").is_file(),
    "rsna-screening": lambda p: (p / "train.csv").is_file() and (p / "train_images").is_dir(),
    "inbreast": lambda p: (p / "INbreast.csv").is_file() and (p / "AllDICOMs").is_dir(),
    "cmmd": lambda p: find_clinical_table(p) is not None,
    "cbis-ddsm": lambda p: any(find_case_descriptions(p).values()),
}
_READERS = {
    "vindr-mammo": read_vindr_mammo,
    "rsna-screening": read_rsna_screening,
    "inbreast": read_inbreast,
    "cmmd": read_cmmd,
    "cbis-ddsm": read_cbis_ddsm,
}


def load_records(
    path: str | os.PathLike, variant: str = "jpeg8", labels: str = "case"
) -> pd.DataFrame:
    """Read a records table from a CSV, a public dataset's download or a folder of class folders.

    Parameters
    ----------
    path
        A ``.csv`` records table (see :func:`~mammokit.datasets.records.read_records`); a
        download of one of the datasets :func:`detect_dataset` recognises (Mini-DDSM or a
        ``make_synthetic`` output, CBIS-DDSM, VinDr-Mammo, RSNA, INbreast, CMMD), read by its
        reader with the defaults; or a folder of class folders (:func:`read_folder`).
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
    dataset = detect_dataset(path)
    if dataset == "mini-ddsm":
        return read_mini_ddsm(path, variant=variant, labels=labels)
    if dataset in _READERS:
        return _READERS[dataset](path)
    return read_folder(path)


def detect_dataset(path: str | os.PathLike) -> str | None:
    """The public dataset a download folder holds, by the files it publishes; else ``None``.

    ``"mini-ddsm"`` (a variant folder or ``DataWMask.xlsx``), ``"vindr-mammo"``
    (``breast-level_annotations.csv``), ``"rsna-screening"`` (``train.csv`` and
    ``train_images/``), ``"inbreast"`` (``INbreast.csv`` and ``AllDICOMs/``), ``"cmmd"`` (its
    clinical spreadsheet, where :func:`read_cmmd` finds it) or ``"cbis-ddsm"`` (a
    case-description CSV, where :func:`read_cbis_ddsm` finds them).

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic
    >>> detect_dataset(make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48)))
    'mini-ddsm'
    >>> detect_dataset(tempfile.mkdtemp()) is None
    True
    """
    path = Path(path)
    if path.name in VARIANT_DIRS.values() or (path / "DataWMask.xlsx").is_file():
        return "mini-ddsm"
    if any((path / name).is_dir() for name in VARIANT_DIRS.values()):
        return "mini-ddsm"
    return next((name for name, marker in _MARKERS.items() if marker(path)), None)
