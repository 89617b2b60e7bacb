"""Reader for the RSNA Screening Mammography Breast Cancer Detection set (Kaggle, 2022-23).

Layout of the download (``kaggle competitions download rsna-breast-cancer-detection``)::

    <root>/
      train.csv                                  one row per image, 14 columns
      test.csv                                   the same without the outcome columns
      train_images/<patient_id>/<image_id>.dcm
      test_images/<patient_id>/<image_id>.dcm

Its licence (the competition rules) forbids redistribution: bring your own download. A
conversion of the images to PNG or JPEG in the same ``<patient_id>/<image_id>`` layout is read
the same way (``images=`` names its folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mammokit.datasets.readers._source import (
    UNLABELLED,
    check_on_missing,
    join_image_files,
    present_classes,
    read_csv,
    require_folder,
    sides_from_letters,
)
from mammokit.errors import DatasetError
from mammokit.records import make_records

__all__ = ["NAME", "RSNA_CLASSES", "is_download", "read_rsna_screening"]

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "rsna-screening"

#: The classes of :func:`read_rsna_screening`'s labels (the ``cancer`` column: 0, 1).
RSNA_CLASSES = ("NoCancer", "Cancer")
_SPLITS = ("train", "test")
_TEST_COLUMNS = ("site_id", "patient_id", "image_id", "laterality", "view", "age", "machine_id")
_TRAIN_COLUMNS = (*_TEST_COLUMNS, "cancer", "biopsy", "invasive", "BIRADS", "density")
_DENSITY = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0}


def read_rsna_screening(
    root: str | os.PathLike,
    split: str = "train",
    images: str | os.PathLike | None = None,
    on_missing: str = "raise",
) -> pd.DataFrame:
    """Read the RSNA screening set into a records table: one row per image.

    Parameters
    ----------
    root
        The download's folder (``train.csv``, ``train_images/``...).
    split
        ``"train"`` (default; labelled) or ``"test"`` (Kaggle's unlabelled test images: label
        ``"Unlabelled"``, for predictions).
    images
        The folder of ``<patient_id>/<image_id>.<dcm|png|jpg>`` files; default
        ``<root>/<split>_images``.
    on_missing
        ``"raise"`` (default) lists every image of the table not on disk; ``"skip"`` drops
        them and lists each in ``records.attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        The records table: ``label`` ``NoCancer``/``Cancer`` from ``cancer``; ``side`` from
        ``laterality``; ``view`` as published (``CC``, ``MLO``, and a few ``AT``, ``LM``,
        ``ML``, ``LMO``); ``age``; ``density`` 1-4 from A-D; ``birads`` ``"0"``/``"1"``/``"2"``
        (``""`` where blank: most rows); the outcome columns ``cancer``, ``biopsy``,
        ``invasive``, ``difficult_negative_case``; ``implant``, ``site_id``, ``machine_id``,
        ``image_id``; ``prediction_id`` (``<patient_id>_<L|R>``, the unit Kaggle scores);
        ``exam_id`` (the patient: the tables give no exam, and Kaggle scores each breast once);
        ``dataset="rsna-screening"``.

    Notes
    -----
    Default task: cancer against no cancer (``cancer-vs-rest``; the classes are already its
    ``NoCancer``/``Cancer``). Also: ``density``. Kaggle scores breasts: use
    :func:`mammokit.metrics.levels.aggregate_predictions` with ``level="breast"``, whose rows match
    ``prediction_id``. Reading the full training table (54,706 images) takes about a second
    (``benchmarks/records.py``).

    Examples
    --------
    >>> records = read_rsna_screening("rsna-breast-cancer-detection")  # doctest: +SKIP
    >>> records.groupby("site_id").label.value_counts()  # doctest: +SKIP
    """
    if split not in _SPLITS:
        raise DatasetError(f"split must be one of {_SPLITS}, got {split!r}")
    check_on_missing(on_missing)
    root = require_folder(root)
    table_path = root / f"{split}.csv"
    if not table_path.is_file():
        raise DatasetError(f"{root}: no {split}.csv; pass the RSNA download's folder")
    columns = _TRAIN_COLUMNS if split == "train" else _TEST_COLUMNS
    table = read_csv(table_path, columns, dtype={"patient_id": str, "image_id": str})
    folder = require_folder(images if images is not None else root / f"{split}_images")
    table, paths, skipped = join_image_files(
        table, "patient_id", "image_id", folder, ".dcm", table_path, on_missing
    )
    rows = _columns(table, paths, split)
    classes = present_classes(RSNA_CLASSES, rows["label"]) if split == "train" else (UNLABELLED,)
    return make_records(rows.to_dict("records"), skipped, classes)


def _columns(table: pd.DataFrame, paths: pd.Series, split: str) -> pd.DataFrame:
    side = sides_from_letters(table["laterality"], f"{split}.csv")
    out = pd.DataFrame(
        {
            "image_path": paths.to_numpy(),
            "label": UNLABELLED,
            "patient_id": table["patient_id"].to_numpy(),
            "exam_id": table["patient_id"].to_numpy(),
            "side": side.to_numpy(),
            "view": table["view"].astype(str).str.upper().to_numpy(),
            "age": pd.to_numeric(table["age"], errors="coerce").to_numpy(),
            "dataset": "rsna-screening",
            "image_id": table["image_id"].to_numpy(),
            "prediction_id": (table["patient_id"] + "_" + table["laterality"]).to_numpy(),
            "site_id": table["site_id"].to_numpy(),
            "machine_id": table["machine_id"].to_numpy(),
        }
    )
    if "implant" in table:
        out["implant"] = table["implant"].to_numpy()
    if split == "train":
        cancer = pd.to_numeric(table["cancer"], errors="coerce")
        if cancer.isna().any() or not cancer.isin([0, 1]).all():
            raise DatasetError(f"{split}.csv: cancer must be 0 or 1 in every row")
        out["label"] = np.where(cancer.to_numpy() == 1, "Cancer", "NoCancer")
        out["density"] = table["density"].map(_DENSITY).to_numpy()
        birads = pd.to_numeric(table["BIRADS"], errors="coerce")
        out["birads"] = ["" if np.isnan(b) else str(int(b)) for b in birads.to_numpy(dtype=float)]
        for column in ("cancer", "biopsy", "invasive", "difficult_negative_case"):
            if column in table:
                out[column] = table[column].to_numpy()
    return out


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds the RSNA screening set: ``train.csv`` and ``train_images/``."""
    path = Path(path)
    return (path / "train.csv").is_file() and (path / "train_images").is_dir()
