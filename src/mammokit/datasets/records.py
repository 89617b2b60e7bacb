"""The records table every loader produces and everything downstream reads.

One row per image. Columns (a loader may add more):

``image_path``
    absolute path of the image file (``str``)
``label``
    one of :data:`CLASSES`
``patient_id``
    the patient, e.g. the Mini-DDSM file stem ``"C_0029_1"``; all views of a patient share it
``side`` / ``view``
    ``"LEFT"``/``"RIGHT"`` and ``"CC"``/``"MLO"`` (empty string where unknown)
``age`` / ``density``
    patient age in years and BI-RADS breast density 1-4 (``NaN`` where unknown)
``mask_paths``
    tuple of absolute lesion-mask paths, empty where none

Rows a loader could not use are listed in ``records.attrs["skipped"]``, a list of
``{"path": ..., "reason": ...}`` dicts, so nothing is dropped silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mammokit.errors import DatasetError

__all__ = [
    "CLASSES",
    "RECORD_COLUMNS",
    "check_records",
    "label_indices",
    "make_records",
    "read_records",
    "save_records",
]

#: The class names, in the order of the model outputs.
CLASSES: tuple[str, ...] = ("Normal", "Benign", "Cancer")
#: Columns every records table has.
RECORD_COLUMNS = (
    "image_path",
    "label",
    "patient_id",
    "side",
    "view",
    "age",
    "density",
    "mask_paths",
)


def make_records(rows: list[dict], skipped: list[dict] | None = None) -> pd.DataFrame:
    """Build a records table from row dicts, filling the standard columns.

    Examples
    --------
    >>> df = make_records([{"image_path": "/a.png", "label": "Normal", "patient_id": "p1"}])
    >>> df.loc[0, "mask_paths"], df.attrs["skipped"]
    ((), [])
    """
    frame = pd.DataFrame(rows)
    defaults = {"side": "", "view": "", "age": np.nan, "density": np.nan}
    for column in RECORD_COLUMNS:
        if column not in frame:
            if column == "mask_paths":
                frame[column] = [() for _ in range(len(frame))]
            else:
                frame[column] = defaults.get(column, "")
    other = [c for c in frame.columns if c not in RECORD_COLUMNS]
    frame = frame[list(RECORD_COLUMNS) + other].reset_index(drop=True)
    frame["age"] = pd.to_numeric(frame["age"], errors="coerce").astype(float)
    frame["density"] = pd.to_numeric(frame["density"], errors="coerce").astype(float)
    frame.attrs["skipped"] = list(skipped or [])
    return frame


def check_records(records: pd.DataFrame, *, name: str = "records") -> None:
    """Raise :class:`DatasetError` unless ``records`` is a usable, non-empty records table.

    Examples
    --------
    >>> check_records(make_records([{"image_path": "/a", "label": "Cancer", "patient_id": "p"}]))
    """
    if not isinstance(records, pd.DataFrame):
        raise DatasetError(f"{name}: expected a pandas DataFrame, got {type(records).__name__}")
    missing = [c for c in ("image_path", "label", "patient_id") if c not in records.columns]
    if missing:
        raise DatasetError(f"{name}: missing column(s) {missing}; have {list(records.columns)}")
    if records.empty:
        raise DatasetError(f"{name}: the table is empty (no images)")
    unknown = sorted(set(records["label"]) - set(CLASSES))
    if unknown:
        raise DatasetError(f"{name}: unknown label(s) {unknown}; labels must be one of {CLASSES}")


def label_indices(records: pd.DataFrame) -> np.ndarray:
    """Class index of each row (position of its label in :data:`CLASSES`).

    Examples
    --------
    >>> label_indices(make_records([{"image_path": "/a", "label": "Cancer", "patient_id": "p"}]))
    array([2])
    """
    check_records(records)
    lookup = {name: i for i, name in enumerate(CLASSES)}
    return records["label"].map(lookup).to_numpy(dtype=np.int64)


def save_records(records: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a records table to CSV; ``mask_paths`` become ``;``-separated text.

    Examples
    --------
    >>> import tempfile, os
    >>> table = make_records([{"image_path": "/a.png", "label": "Benign", "patient_id": "p",
    ...                        "mask_paths": ("/m1.png", "/m2.png")}])
    >>> path = save_records(table, os.path.join(tempfile.mkdtemp(), "records.csv"))
    >>> read_records(path).loc[0, "mask_paths"]
    ('/m1.png', '/m2.png')
    """
    check_records(records)
    table = records.copy()
    table["mask_paths"] = [";".join(paths) for paths in table["mask_paths"]]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def read_records(path: str | os.PathLike) -> pd.DataFrame:
    """Read a records table from CSV (as written by :func:`save_records` or by hand).

    Needs ``image_path``, ``label`` and ``patient_id`` columns; relative image paths are taken
    relative to the CSV's folder. Missing standard columns are filled with defaults.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.csv").write_text("image_path,label,patient_id\\nimg/a.png,Benign,P1\\n")
    >>> table = read_records(folder / "r.csv")
    >>> table.loc[0, "image_path"] == str(folder / "img" / "a.png"), table.loc[0, "mask_paths"]
    (True, ())
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype={"patient_id": str, "side": str, "view": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV records table ({err})") from err
    check_records(table, name=str(path))
    table["image_path"] = [
        str((path.parent / p).resolve()) for p in table["image_path"].astype(str)
    ]
    if "mask_paths" in table:
        table["mask_paths"] = [
            tuple(p for p in str(v).split(";") if p) if isinstance(v, str) else ()
            for v in table["mask_paths"]
        ]
    for column in ("side", "view"):
        if column in table:
            table[column] = table[column].fillna("").str.upper()
    return make_records(table.to_dict("records"))
