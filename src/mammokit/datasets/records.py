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

import numpy as np
import pandas as pd

from mammokit.errors import DatasetError

__all__ = ["CLASSES", "RECORD_COLUMNS", "check_records", "label_indices", "make_records"]

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
