"""One entry point for every kind of dataset on disk.

Each reader module declares the files that identify its download (``NAME`` and
``is_download``); :func:`detect_dataset` asks them in :data:`DETECTION_ORDER`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from mammokit.datasets.readers import (
    cbis_ddsm,
    cmmd,
    inbreast,
    mias,
    mini_ddsm,
    prepared,
    rsna_screening,
    vindr_mammo,
)
from mammokit.datasets.readers.folder import read_folder
from mammokit.errors import DatasetError
from mammokit.records import read_records

__all__ = ["DETECTION_ORDER", "detect_dataset", "load_records"]

#: The readers :func:`detect_dataset` asks, in order: the first whose files are there wins.
DETECTION_ORDER = (
    prepared,
    mini_ddsm,
    vindr_mammo,
    rsna_screening,
    inbreast,
    mias,
    cmmd,
    cbis_ddsm,
)
_READERS = {
    prepared.NAME: prepared.read_prepared,
    vindr_mammo.NAME: vindr_mammo.read_vindr_mammo,
    rsna_screening.NAME: rsna_screening.read_rsna_screening,
    inbreast.NAME: inbreast.read_inbreast,
    mias.NAME: mias.read_mias,
    cmmd.NAME: cmmd.read_cmmd,
    cbis_ddsm.NAME: cbis_ddsm.read_cbis_ddsm,
}


def load_records(
    path: str | os.PathLike, variant: str = "jpeg8", labels: str = "case"
) -> pd.DataFrame:
    """Read a records table from a CSV, a public dataset's download or a folder of class folders.

    Parameters
    ----------
    path
        A ``.csv`` records table (see :func:`~mammokit.records.read_records`); a
        download of one of the datasets :func:`detect_dataset` recognises (Mini-DDSM or a
        ``make_synthetic`` output, CBIS-DDSM, VinDr-Mammo, RSNA, INbreast, mini-MIAS, CMMD),
        read by its reader with the defaults; or a folder of class folders
        (:func:`~mammokit.datasets.read_folder`).
    variant
        Mini-DDSM variant, ``"jpeg8"`` or ``"png16"``.
    labels
        Mini-DDSM's ``"case"`` or ``"breast"`` labels
        (:func:`~mammokit.datasets.read_mini_ddsm`); other
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
    if dataset == mini_ddsm.NAME:
        return mini_ddsm.read_mini_ddsm(path, variant=variant, labels=labels)
    if dataset in _READERS:
        return _READERS[dataset](path)
    return read_folder(path)


def detect_dataset(path: str | os.PathLike) -> str | None:
    """The public dataset a download folder holds, by the files it publishes; else ``None``.

    ``"mini-ddsm"`` (a variant folder or ``DataWMask.xlsx``), ``"vindr-mammo"``
    (``breast-level_annotations.csv``), ``"rsna-screening"`` (``train.csv`` and
    ``train_images/``), ``"inbreast"`` (``INbreast.csv`` and ``AllDICOMs/``), ``"mias"``
    (mini-MIAS: ``Info.txt`` beside ``mdbNNN.pgm`` films), ``"cmmd"`` (its
    clinical spreadsheet, where :func:`~mammokit.datasets.read_cmmd` finds it) or ``"cbis-ddsm"`` (a
    case-description CSV, where :func:`~mammokit.datasets.read_cbis_ddsm` finds them).

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic
    >>> detect_dataset(make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48)))
    'mini-ddsm'
    >>> detect_dataset(tempfile.mkdtemp()) is None
    True
    """
    return next((reader.NAME for reader in DETECTION_ORDER if reader.is_download(path)), None)
