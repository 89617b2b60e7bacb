"""Reader for any folder of mammography DICOM files: who, which exam, which breast, which view.

Only the headers are read (``stop_before_pixels``), so listing an archive of thousands of
files takes seconds. Needs the ``dicom`` extra (``pip install 'mammokit[dicom]'``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mammokit.datasets.readers._source import (
    UNLABELLED,
    read_csv,
    require_columns,
    require_folder,
    walk_files,
)
from mammokit.errors import DatasetError, require
from mammokit.imaging.io import DICOM_SUFFIXES
from mammokit.records import make_records
from mammokit.views import parse_side

__all__ = ["HEADER_COLUMNS", "read_dicom_folder", "read_dicom_headers"]

logger = logging.getLogger("mammokit")

#: The columns :func:`read_dicom_headers` returns besides ``image_path``.
HEADER_COLUMNS = (
    "patient_id",
    "exam_id",
    "series_uid",
    "sop_instance_uid",
    "side",
    "view",
    "age",
    "modality",
    "manufacturer",
    "photometric_interpretation",
    "bits_stored",
    "rows",
    "columns",
    "series_description",
)
_TAGS = (
    "PatientID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "ImageLaterality",
    "Laterality",
    "ViewPosition",
    "ViewCodeSequence",
    "PatientAge",
    "Modality",
    "Manufacturer",
    "PhotometricInterpretation",
    "BitsStored",
    "Rows",
    "Columns",
    "SeriesDescription",
)
#: ViewCodeSequence code meanings (DICOM CID 4014) and their usual abbreviations.
_VIEW_MEANINGS = {
    "cranio-caudal": "CC",
    "medio-lateral oblique": "MLO",
    "medio-lateral": "ML",
    "latero-medial": "LM",
    "latero-medial oblique": "LMO",
    "cranio-caudal exaggerated laterally": "XCCL",
    "cranio-caudal exaggerated medially": "XCCM",
    "axillary tail": "AT",
}
_DESCRIPTION = re.compile(
    r"(?<![A-Z])(?P<side>L|R|LEFT|RIGHT)[\s_-]*(?P<view>CC|MLO|ML|LM|LMO|XCCL|XCCM|AT)(?![A-Z])"
)
_DESCRIPTION_SIDE = re.compile(r"(?<![A-Z])(?P<side>LEFT|RIGHT)(?![A-Z])")
_KEYS = (
    ("file",),
    ("sop_instance_uid",),
    ("patient_id", "exam_id", "side"),
    ("patient_id", "side"),
    ("exam_id",),
    ("patient_id",),
)


def read_dicom_headers(paths: Sequence[str | os.PathLike]) -> tuple[pd.DataFrame, list[dict]]:
    """The mammography header fields of DICOM files, one row per readable file.

    Parameters
    ----------
    paths
        DICOM files.

    Returns
    -------
    headers : pandas.DataFrame
        ``image_path`` and :data:`HEADER_COLUMNS`. ``side`` comes from ImageLaterality, else
        Laterality, else the series description (``"L CC"``, ``"RIGHT MLO"``); ``view`` from
        ViewPosition, else the ViewCodeSequence, else the series description; ``""`` where none
        says. ``age`` is PatientAge in years (``NaN`` where absent).
    unreadable : list of dict
        ``{"path": ..., "reason": ...}`` for each file pydicom could not parse.

    Examples
    --------
    >>> headers, unreadable = read_dicom_headers([])
    >>> list(headers.columns)[:4], unreadable
    (['image_path', 'patient_id', 'exam_id', 'series_uid'], [])
    """
    pydicom = require("pydicom", "dicom")
    rows, unreadable = [], []
    for path in paths:
        try:
            dataset = _read_header(pydicom, path)
        except Exception as err:  # pydicom raises many types for malformed files
            unreadable.append({"path": str(path), "reason": f"not a readable DICOM file ({err})"})
            continue
        rows.append({"image_path": str(Path(path).resolve()), **_header_fields(dataset)})
    return pd.DataFrame(rows, columns=["image_path", *HEADER_COLUMNS]), unreadable


def _read_header(pydicom, path):
    """The header, also of a file written without the preamble and file meta (old archives)."""
    tags = list(_TAGS)
    try:
        return pydicom.dcmread(path, stop_before_pixels=True, specific_tags=tags)
    except pydicom.errors.InvalidDicomError:
        dataset = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=tags, force=True)
        if not any(keyword in dataset for keyword in _TAGS):
            raise
        return dataset


def dicom_size(path: str | os.PathLike) -> tuple[int, int]:
    """``(rows, columns)`` of a DICOM image from its header; :class:`DatasetError` if unreadable."""
    pydicom = require("pydicom", "dicom")
    try:
        header = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["Rows", "Columns"])
        return int(header.Rows), int(header.Columns)
    except Exception as err:  # pydicom raises many kinds for a malformed file
        raise DatasetError(f"{path}: cannot read the image size from its header ({err})") from err


def _header_fields(dataset) -> dict:
    def text(keyword: str) -> str:
        value = dataset.get(keyword)
        return "" if value is None else str(value).strip()

    description = text("SeriesDescription")
    described = _DESCRIPTION.search(description.upper())
    side = parse_side(text("ImageLaterality")) or parse_side(text("Laterality"))
    if not side:
        loose = described or _DESCRIPTION_SIDE.search(description.upper())
        side = parse_side(loose["side"]) if loose else ""
    view = text("ViewPosition").upper() or _coded_view(dataset)
    if not view and described:
        view = described["view"]
    bits = dataset.get("BitsStored")
    return {
        "patient_id": text("PatientID"),
        "exam_id": text("StudyInstanceUID"),
        "series_uid": text("SeriesInstanceUID"),
        "sop_instance_uid": text("SOPInstanceUID"),
        "side": side,
        "view": view,
        "age": _age_years(text("PatientAge")),
        "modality": text("Modality").upper(),
        "manufacturer": text("Manufacturer"),
        "photometric_interpretation": text("PhotometricInterpretation").upper(),
        "bits_stored": float(bits) if bits is not None else np.nan,
        "rows": int(dataset.get("Rows") or 0),
        "columns": int(dataset.get("Columns") or 0),
        "series_description": description,
    }


def _coded_view(dataset) -> str:
    sequence = dataset.get("ViewCodeSequence")
    if not sequence:
        return ""
    meaning = str(sequence[0].get("CodeMeaning", "")).strip().lower()
    return _VIEW_MEANINGS.get(meaning, "")


def _age_years(value: str) -> float:
    """DICOM AS (``061Y``, ``006M``) in years; ``NaN`` when absent or malformed."""
    match = re.fullmatch(r"(\d{1,3})([DWMY])", value.upper())
    if not match:
        return np.nan
    per_year = {"D": 365.25, "W": 52.1775, "M": 12.0, "Y": 1.0}[match[2]]
    return round(int(match[1]) / per_year, 2)


def dicom_files(root: Path) -> tuple[list[str], list[str]]:
    """(DICOM files, other files) under ``root``: a ``.dcm``/``.dicom`` suffix or the preamble."""
    found, other = [], []
    for path in sorted(walk_files(root)):
        if path.lower().endswith(DICOM_SUFFIXES) or _has_preamble(path):
            found.append(path)
        else:
            other.append(path)
    return found, other


def _has_preamble(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(132)[128:] == b"DICM"
    except OSError:
        return False


def read_dicom_folder(
    root: str | os.PathLike,
    labels: str | os.PathLike | pd.DataFrame | None = None,
    classes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read every mammogram of a DICOM archive (any folder layout) into a records table.

    Files are found by their ``.dcm``/``.dicom`` suffix or, without one, by the DICOM
    preamble; only headers are read. The table has the standard columns (``patient_id`` from
    PatientID, ``exam_id`` from StudyInstanceUID, ``side``, ``view``, ``age``) and the other
    fields of :func:`read_dicom_headers` (``manufacturer``, ``photometric_interpretation``,
    ``bits_stored``...).

    What is refused or flagged, never guessed:

    * a file whose Modality is given and is not ``MG`` (a CT, an ultrasound, a report): left
      out and listed in ``records.attrs["skipped"]``;
    * a file without a PatientID: left out and listed (splits by patient need it);
    * a file whose laterality no header gives: kept with ``side=""`` and listed in
      ``records.attrs["flagged"]`` (breast-level results refuse it until you fill it in);
    * files that are not DICOM, or that pydicom cannot read: listed in ``attrs["skipped"]``.

    Parameters
    ----------
    root
        The archive's top folder.
    labels
        Optional CSV path (or DataFrame) with a ``label`` column and a key to join on, the
        first of these whose columns it has: ``file`` (path relative to ``root``, or file
        name), ``sop_instance_uid``, (``patient_id``, ``exam_id``, ``side``), (``patient_id``,
        ``side``) for breast labels, ``exam_id``, ``patient_id``. ``side`` may be written
        ``L``/``R``. Images it gives no label are left out and listed. Without ``labels``,
        every image is labelled ``"Unlabelled"``: enough to predict, inspect or relabel.
    classes
        The label names in output order; default :func:`~mammokit.records.record_classes`'s
        rule.

    Returns
    -------
    pandas.DataFrame
        The records table, sorted by patient, exam, side and view; ``dataset`` is
        ``"dicom"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pydicom import Dataset
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> ds = Dataset()
    >>> ds.PatientID, ds.Modality, ds.ImageLaterality, ds.ViewPosition = "P1", "MG", "L", "CC"
    >>> ds.StudyInstanceUID = "1.2.3"
    >>> ds.save_as(root / "a.dcm", implicit_vr=True, little_endian=True)
    >>> read_dicom_folder(root)[["patient_id", "side", "view", "label"]].values.tolist()
    [['P1', 'LEFT', 'CC', 'Unlabelled']]
    """
    root = require_folder(root)
    paths, other = dicom_files(root)
    skipped = [{"path": p, "reason": "not a DICOM file"} for p in other]
    headers, unreadable = read_dicom_headers(paths)
    skipped += unreadable
    if headers.empty:
        first = f"; e.g. {unreadable[0]['path']}: {unreadable[0]['reason']}" if unreadable else ""
        raise DatasetError(f"{root}: no readable DICOM files found{first}")
    keep = np.ones(len(headers), dtype=bool)
    for i, row in enumerate(headers.itertuples(index=False)):
        if row.modality and row.modality != "MG":
            skipped.append(
                {"path": row.image_path, "reason": f"modality {row.modality}, not MG (mammogram)"}
            )
            keep[i] = False
        elif not row.patient_id:
            skipped.append({"path": row.image_path, "reason": "no PatientID in the header"})
            keep[i] = False
    table = headers[keep].reset_index(drop=True)
    if table.empty:
        raise DatasetError(
            f"{root}: no mammograms among {len(headers)} DICOM file(s), e.g. {skipped[-1]}"
        )
    flagged = [
        {"path": path, "reason": "no laterality (ImageLaterality, Laterality, description)"}
        for path in table.loc[table["side"] == "", "image_path"]
    ]
    if labels is None:
        table["label"] = UNLABELLED
    else:
        table = _join_labels(table, labels, root, skipped)
    table["dataset"] = "dicom"
    records = make_records(table.to_dict("records"), skipped, classes)
    records.attrs["flagged"] = flagged
    for what, entries in (("left out", skipped), ("kept without a side", flagged)):
        if entries:
            logger.warning("%s: %d file(s) %s; see records.attrs", root, len(entries), what)
    return records.sort_values(["patient_id", "exam_id", "side", "view"], ignore_index=True)


def _join_labels(
    table: pd.DataFrame, labels: str | os.PathLike | pd.DataFrame, root: Path, skipped: list
) -> pd.DataFrame:
    source = "labels table"
    if isinstance(labels, pd.DataFrame):
        require_columns(labels, ["label"], source)
    else:
        source = str(labels)
        labels = read_csv(Path(labels), ["label"], dtype=str)
    key = next((k for k in _KEYS if all(c in labels.columns for c in k)), None)
    if key is None:
        raise DatasetError(
            f"{source}: needs a key column to join on, one of {[list(k) for k in _KEYS]}; "
            f"found {list(labels.columns)}"
        )
    labels = labels.astype({c: str for c in key}).copy()
    table = table.copy()
    if "side" in key:
        labels["side"] = [parse_side(v) for v in labels["side"]]
    if key == ("file",):
        names = labels["file"].str.replace("\\", "/")
        relative = [Path(p).relative_to(root).as_posix() for p in table["image_path"]]
        by_name = "/" not in "".join(names)
        table["file"] = [Path(p).name for p in relative] if by_name else relative
        labels["file"] = names
    duplicated = labels.duplicated(list(key))
    if duplicated.any():
        example = labels.loc[duplicated, list(key)].iloc[0].tolist()
        raise DatasetError(f"{source}: {int(duplicated.sum())} repeated key(s), e.g. {example}")
    merged = table.merge(labels[[*key, "label"]], on=list(key), how="left", validate="m:1")
    unlabelled = merged["label"].isna() | (merged["label"].astype(str).str.strip() == "")
    skipped += [
        {"path": path, "reason": f"no label in {source} (joined on {list(key)})"}
        for path in merged.loc[unlabelled, "image_path"]
    ]
    merged = merged[~unlabelled].drop(columns=["file"], errors="ignore")
    if merged.empty:
        raise DatasetError(f"{source}: labels none of the images under {root} (key {list(key)})")
    return merged.reset_index(drop=True)
