"""The records table every loader produces and everything downstream reads.

One row per image. Columns (a loader may add more):

``image_path``
    absolute path of the image file (``str``)
``label``
    the class name (any text); the ordered class names travel in ``records.attrs["classes"]``
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

The label set is open: Mini-DDSM's ``Normal``/``Benign``/``Cancer`` (:data:`CLASSES`),
``Benign``/``Malignant``, BI-RADS, density, anything. The class names, in the order of the
model outputs, are ``records.attrs["classes"]``: readers and :func:`relabel` set it,
splitting keeps it. Where a table has none (a hand-written CSV), :func:`record_classes` derives
it: Mini-DDSM's order when every label is one of :data:`CLASSES`, else the sorted labels. By
convention classes run from the least to the most severe, so the last one is the "positive"
class of an operating point and the one a patient is stratified by.

Results are given at the :data:`LEVELS` image, breast, exam and patient; :func:`level_keys`
names the columns that identify one unit of a level.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mammokit.errors import DatasetError, MammokitError

__all__ = [
    "CLASSES",
    "LEVELS",
    "MISSING_PATIENT",
    "RECORD_COLUMNS",
    "check_patients",
    "check_records",
    "label_indices",
    "level_keys",
    "make_records",
    "read_records",
    "record_classes",
    "save_records",
    "with_classes",
    "without_patient",
]

logger = logging.getLogger("mammokit")

#: What :func:`check_patients` does with an image without a patient id.
MISSING_PATIENT = ("error", "own")
#: Mini-DDSM's classes (the thesis's task), in the order of the model outputs.
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


def make_records(
    rows: list[dict],
    skipped: list[dict] | None = None,
    classes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Build a records table from row dicts, filling the standard columns.

    Parameters
    ----------
    rows
        One dict per image with at least ``image_path``, ``label`` and ``patient_id``.
    skipped
        ``{"path": ..., "reason": ...}`` of each file the caller could not use.
    classes
        The class names in output order (``attrs["classes"]``); default
        :func:`record_classes`'s rule.

    Examples
    --------
    >>> df = make_records([{"image_path": "/a.png", "label": "Normal", "patient_id": "p1"}])
    >>> df.loc[0, "mask_paths"], df.attrs["skipped"], df.attrs["classes"]
    ((), [], ('Normal', 'Benign', 'Cancer'))
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
    frame["label"] = [v.strip() if isinstance(v, str) else v for v in frame["label"]]
    frame["age"] = pd.to_numeric(frame["age"], errors="coerce").astype(float)
    frame["density"] = pd.to_numeric(frame["density"], errors="coerce").astype(float)
    frame.attrs["skipped"] = list(skipped or [])
    if len(frame):
        frame.attrs["classes"] = _checked_classes(frame, classes, "records")
    return frame


def check_records(
    records: pd.DataFrame, *, name: str = "records", classes: Sequence[str] | None = None
) -> tuple[str, ...]:
    """Raise :class:`DatasetError` unless ``records`` is a usable, non-empty records table.

    Every row needs a non-empty ``label``; with ``classes`` (or ``attrs["classes"]``) every
    label must be one of them.

    Returns
    -------
    tuple of str
        The classes the labels were checked against: ``classes``, else
        :func:`record_classes`'s rule.

    Examples
    --------
    >>> check_records(make_records([{"image_path": "/a", "label": "Cancer", "patient_id": "p"}]))
    ('Normal', 'Benign', 'Cancer')
    """
    if not isinstance(records, pd.DataFrame):
        raise DatasetError(f"{name}: expected a pandas DataFrame, got {type(records).__name__}")
    missing = [c for c in ("image_path", "label", "patient_id") if c not in records.columns]
    if missing:
        raise DatasetError(f"{name}: missing column(s) {missing}; have {list(records.columns)}")
    if records.empty:
        raise DatasetError(f"{name}: the table is empty (no images)")
    blank = _blank(records["image_path"])
    if blank.any():
        rows = list(records.index[blank][:10])
        raise DatasetError(f"{name}: {int(blank.sum())} row(s) without an image_path (rows {rows})")
    return _checked_classes(records, classes, name)


def check_patients(
    records: pd.DataFrame, missing: str = "error", name: str = "records"
) -> pd.DataFrame:
    """The records, after checking what a patient split relies on: every image has a patient,
    and no image belongs to two.

    Parameters
    ----------
    records
        A records table.
    missing
        ``"error"`` (default): blank or missing patient ids are an error naming the rows;
        ``"own"``: each such image becomes a patient of its own (``image:<path>``), with a
        warning (safe for a split: it cannot land beside another image of its patient, but a
        patient's other images may still sit in another part).
    name
        How errors name the table.

    Raises
    ------
    DatasetError
        Blank patient ids (with ``missing="error"``), or one image path under two patients.

    Examples
    --------
    >>> rows = [{"image_path": "/a.png", "label": "Benign", "patient_id": ""},
    ...         {"image_path": "/b.png", "label": "Benign", "patient_id": "P1"}]
    >>> check_patients(make_records(rows), missing="own")["patient_id"].tolist()
    ['image:/a.png', 'P1']
    """
    if missing not in MISSING_PATIENT:
        raise DatasetError(f"missing must be one of {MISSING_PATIENT}, got {missing!r}")
    blank = without_patient(records)
    if blank.any():
        listed = ", ".join(
            f"row {i} ({path})" for i, path in list(records["image_path"][blank].items())[:10]
        )
        more = f" and {int(blank.sum()) - 10} more" if blank.sum() > 10 else ""
        if missing == "error":
            raise DatasetError(
                f"{name}: {int(blank.sum())} image(s) without a patient id: {listed}{more}; "
                "give every image its patient (or missing='own' to make each its own patient)"
            )
        logger.warning(
            "%s: %d image(s) without a patient id are each their own patient: %s%s",
            name,
            int(blank.sum()),
            listed,
            more,
        )
        records = records.copy()
        records.loc[blank, "patient_id"] = [f"image:{p}" for p in records["image_path"][blank]]
    owners = records.groupby(records["image_path"].astype(str))["patient_id"].nunique()
    shared = owners[owners > 1]
    if len(shared):
        listed = ", ".join(shared.index[:10])
        raise DatasetError(
            f"{name}: {len(shared)} image(s) listed under two or more patients, which a patient "
            f"split would put on both sides: {listed}"
        )
    return records


def without_patient(records: pd.DataFrame) -> np.ndarray:
    """Which rows have no patient id (missing or blank), as a boolean array.

    Examples
    --------
    >>> rows = [{"image_path": "/a.png", "label": "Benign", "patient_id": p} for p in ("", "P1")]
    >>> without_patient(make_records(rows)).tolist()
    [True, False]
    """
    return _blank(records["patient_id"])


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()


def record_classes(records: pd.DataFrame) -> tuple[str, ...]:
    """The class names of a records table, in output order.

    ``records.attrs["classes"]`` when set (readers, :func:`relabel` and :func:`with_classes`
    set it); else :data:`CLASSES` when every label is a Mini-DDSM class; else the sorted
    labels.

    Examples
    --------
    >>> rows = [{"image_path": f"/{i}", "label": l, "patient_id": str(i)}
    ...         for i, l in enumerate(["Malignant", "Benign"])]
    >>> record_classes(make_records(rows))
    ('Benign', 'Malignant')
    """
    return check_records(records)


def with_classes(records: pd.DataFrame, classes: Sequence[str]) -> pd.DataFrame:
    """A copy of ``records`` whose class names (and their order) are ``classes``.

    Raises
    ------
    DatasetError
        A label is not one of ``classes``, or ``classes`` repeats a name.

    Examples
    --------
    >>> table = make_records([{"image_path": "/a", "label": "Benign", "patient_id": "p"}])
    >>> with_classes(table, ["Benign", "Malignant"]).attrs["classes"]
    ('Benign', 'Malignant')
    """
    check_records(records, classes=classes)
    table = records.copy()
    table.attrs = {**records.attrs, "classes": tuple(str(c) for c in classes)}
    return table


def _derived(records: pd.DataFrame) -> tuple[str, ...]:
    labels = set(records["label"])
    if labels <= set(CLASSES):
        return CLASSES
    if all(_is_number(label) for label in labels):  # "1", "2", "10": as numbers, not text
        return tuple(sorted(labels, key=float))
    return tuple(sorted(labels))


def _is_number(text: str) -> bool:
    try:
        return np.isfinite(float(text))
    except ValueError:
        return False


def _checked_classes(
    records: pd.DataFrame, classes: Sequence[str] | None, name: str
) -> tuple[str, ...]:
    """Validate the labels against ``classes`` (or ``attrs["classes"]``); return the classes."""
    labels = records["label"]
    bad = labels.isna() | (labels.astype(str).str.strip() == "")
    if bad.any():
        rows = list(records.index[bad.to_numpy()][:10])
        raise DatasetError(f"{name}: {int(bad.sum())} row(s) without a label (rows {rows})")
    non_text = sorted({type(v).__name__ for v in labels if not isinstance(v, str)})
    if non_text:
        raise DatasetError(
            f"{name}: labels must be class names (text), found values of type {non_text}; "
            "convert them, e.g. records['label'] = records['label'].astype(str)"
        )
    spaced = sorted({v for v in labels if v != v.strip()})
    if spaced:
        raise DatasetError(
            f"{name}: label(s) {spaced} start or end with spaces; make_records and "
            "read_records strip them"
        )
    by_case: dict[str, set] = {}
    for label in set(labels):
        by_case.setdefault(label.casefold(), set()).add(label)
    clashes = [sorted(names) for names in by_case.values() if len(names) > 1]
    if clashes:
        raise DatasetError(
            f"{name}: labels that differ only in case would be separate classes: "
            f"{sorted(clashes)}; write each class one way"
        )
    source = ""
    if classes is None and records.attrs.get("classes"):
        classes = records.attrs["classes"]
        source = (
            " (records.attrs['classes']; after changing labels, set the classes with "
            "mammokit.datasets.relabel or with_classes)"
        )
    classes = tuple(str(c) for c in (_derived(records) if classes is None else classes))
    if len(set(classes)) != len(classes):
        raise DatasetError(f"{name}: class names repeat: {list(classes)}")
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise DatasetError(
            f"{name}: unknown label(s) {unknown}; the classes are {list(classes)}{source}"
        )
    return classes


def label_indices(records: pd.DataFrame, classes: Sequence[str] | None = None) -> np.ndarray:
    """Class index of each row: the position of its label in the classes.

    Parameters
    ----------
    records
        A records table.
    classes
        The class names in output order; default :func:`record_classes`.

    Examples
    --------
    >>> label_indices(make_records([{"image_path": "/a", "label": "Cancer", "patient_id": "p"}]))
    array([2])
    """
    classes = check_records(records, classes=classes)
    lookup = {name: i for i, name in enumerate(classes)}
    return records["label"].map(lookup).to_numpy(dtype=np.int64)


def save_records(records: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a records table to CSV; ``mask_paths`` become a JSON list (any path round-trips).

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
    table["mask_paths"] = [
        json.dumps(list(paths)) if len(paths) else "" for paths in table["mask_paths"]
    ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def read_records(path: str | os.PathLike, classes: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a records table from CSV (as written by :func:`save_records` or by hand).

    Needs ``image_path``, ``label`` and ``patient_id`` columns; relative image paths are taken
    relative to the CSV's folder. Missing standard columns are filled with defaults. Labels
    are read as text (BI-RADS ``4`` is the class ``"4"``). ``classes`` gives the class names
    in output order; without it :func:`record_classes`'s rule applies.

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
        table = pd.read_csv(path, dtype={"patient_id": str, "side": str, "view": str, "label": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DatasetError(f"{path}: not a readable CSV records table ({err})") from err
    if "label" in table:
        table["label"] = [v.strip() if isinstance(v, str) else v for v in table["label"]]
    check_records(table, name=str(path), classes=classes)
    table["image_path"] = [
        _resolved(path, value, row) for row, value in enumerate(table["image_path"])
    ]
    if "mask_paths" in table:
        table["mask_paths"] = [_mask_paths(value, path) for value in table["mask_paths"]]
    for column in ("side", "view"):
        if column in table:
            table[column] = table[column].fillna("").str.upper()
    return make_records(table.to_dict("records"), classes=classes)


def _resolved(source: Path, value: object, row: int) -> str:
    """An image path of the table at ``source``, absolute (relative ones from its folder)."""
    try:
        return str((source.parent / str(value)).resolve())
    except (ValueError, OSError) as err:  # a null byte, a path the system cannot take
        raise DatasetError(f"{source}, row {row}: unusable image_path {value!r} ({err})") from err


def _mask_paths(value: object, source: Path) -> tuple[str, ...]:
    """One CSV cell of mask paths: a JSON list (save_records), or ``;``-separated (by hand,
    and save_records before 0.2)."""
    if not isinstance(value, str) or not value.strip():
        return ()
    if value.lstrip().startswith("["):
        try:
            paths = json.loads(value)
        except json.JSONDecodeError as err:
            raise DatasetError(
                f"{source}: mask_paths {value!r} is not a JSON list ({err})"
            ) from err
        return tuple(str(p) for p in paths)
    return tuple(p for p in value.split(";") if p)


#: The levels results can be given at.
LEVELS = ("image", "breast", "exam", "patient")


def level_keys(records: pd.DataFrame, level: str) -> list[str]:
    """The records columns that identify one unit of ``level``.

    ``breast``: patient and side (and exam, when the records have an ``exam_id`` column, so a
    breast screened twice counts twice); ``exam``: patient and ``exam_id`` (Mini-DDSM has one
    exam per patient: its exam is the patient); ``patient``: the patient; ``image``: the patient
    and the file.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> row = {"image_path": "/a", "label": "Normal", "patient_id": "p", "side": "LEFT"}
    >>> level_keys(make_records([row]), "breast"), level_keys(make_records([row]), "exam")
    (['patient_id', 'side'], ['patient_id'])
    """
    if level not in LEVELS:
        raise MammokitError(f"level must be one of {LEVELS}, got {level!r}")
    exam = ["exam_id"] if "exam_id" in records else []
    if level == "image":
        return ["patient_id", "image_path"]
    if level == "breast":
        unknown = records["side"].fillna("").astype(str).str.strip() == ""
        if unknown.any():
            raise MammokitError(
                f"breast-level results need each image's side; {int(unknown.sum())} image(s) "
                f"have none (e.g. {records.loc[unknown, 'image_path'].iloc[0]})"
            )
        return ["patient_id", *exam, "side"]
    if level == "exam":
        return ["patient_id", *exam]
    return ["patient_id"]
