"""Reader for CMMD, the Chinese Mammography Database (TCIA).

Layout of the NBIA Data Retriever download, with the clinical spreadsheet beside it::

    <root>/
      CMMD_clinicaldata_revision.xlsx     one row per breast: ID1, LeftRight, Age, ...
      metadata.csv                        the retriever's listing, one row per series
      CMMD/<ID1>/07-18-2010-NA-NA-79377/1.000000-NA-70244/1-1.dcm ... 1-4.dcm

The side and view of an image are only in its DICOM header, so the headers are read (no
pixels). Needs the ``dicom`` extra.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from mammokit.datasets.readers._source import (
    check_on_missing,
    find_file,
    handle_missing,
    present_classes,
    read_csv,
    read_excel,
    require_folder,
)
from mammokit.datasets.readers.dicom_folder import dicom_files, read_dicom_headers
from mammokit.errors import DatasetError
from mammokit.records import make_records
from mammokit.views import parse_side

__all__ = ["CMMD_CLASSES", "NAME", "find_clinical_table", "is_download", "read_cmmd"]

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "cmmd"

#: The classes of :func:`read_cmmd`'s labels (the clinical ``classification``).
CMMD_CLASSES = ("Benign", "Malignant")
_CLINICAL = ("CMMD_clinicaldata_revision.xlsx", "CMMD_clinicaldata_revision.csv")
_CLINICAL_COLUMNS = ("ID1", "LeftRight", "Age", "abnormality", "classification", "subtype")
_PATIENT = re.compile(r"^D\d-\d{4}$")
_UNLISTED = ("skip", "normal")
_UNLISTED_ENTRY = {"classification": "Normal", "abnormality": "", "subtype": ""}


def read_cmmd(
    root: str | os.PathLike, on_missing: str = "raise", unlisted: str = "skip"
) -> pd.DataFrame:
    """Read CMMD into a records table: one row per image, labelled per breast.

    Parameters
    ----------
    root
        The folder holding the clinical spreadsheet (``CMMD_clinicaldata_revision.xlsx``, or a
        CSV export of it with the same name and columns) and the ``CMMD/`` image tree.
    on_missing
        ``"raise"`` (default) lists every breast of the spreadsheet without images, and every
        series of the retriever's ``metadata.csv`` (when present) not on disk; ``"skip"``
        lists them in ``records.attrs["skipped"]`` and reads what is there.
    unlisted
        What to do with the images of a breast the spreadsheet does not list. In the published
        download 729 patients have four images (both breasts) but one spreadsheet row: CMMD
        lists the breast with the lesion only. ``"skip"`` (default) leaves those 1,458 images
        out and lists them in ``attrs["skipped"]``; ``"normal"`` labels them ``Normal``
        (classes ``Normal``, ``Benign``, ``Malignant``), the assumption a screening-style
        task makes about the breast without a listed lesion: yours to make, not the dataset's.

    Returns
    -------
    pandas.DataFrame
        The records table: ``label`` ``Benign``/``Malignant`` (the breast's
        ``classification``); ``patient_id`` (``ID1``, e.g. ``D1-0001``), ``exam_id`` (the
        StudyInstanceUID), ``side`` and ``view`` from the headers; ``age``; ``abnormality``
        (``mass``/``calcification``/``both``); ``subtype`` (molecular subtype, given for the
        D2 malignant cases only, else empty); ``cohort`` (``D1``/``D2``); ``manufacturer``;
        ``dataset="cmmd"``; ``listed`` (``False`` for an ``unlisted="normal"`` breast). Images
        without a laterality in the header are left out and listed in ``attrs["skipped"]``.

    Notes
    -----
    Default task: benign against malignant. Also: ``cancer-vs-rest`` (Malignant as Cancer).
    CMMD has no density or BI-RADS.

    Examples
    --------
    >>> records = read_cmmd("CMMD-download")  # doctest: +SKIP
    >>> records.groupby("label").patient_id.nunique()  # doctest: +SKIP
    """
    check_on_missing(on_missing)
    if unlisted not in _UNLISTED:
        raise DatasetError(f"unlisted must be one of {_UNLISTED}, got {unlisted!r}")
    root = require_folder(root)
    clinical_path = find_clinical_table(root)
    if clinical_path is None:
        raise DatasetError(f"{root}: no {_CLINICAL[0]}; put CMMD's clinical spreadsheet there")
    clinical = _clinical(clinical_path)
    image_root = root / "CMMD" if (root / "CMMD").is_dir() else root
    paths, _ = dicom_files(image_root)
    headers, unreadable = read_dicom_headers(paths)
    skipped: list[dict] = list(unreadable)
    rows, seen = [], set()
    for image in headers.to_dict("records"):
        patient = _patient_folder(Path(image["image_path"]), image_root) or image["patient_id"]
        key = (patient, image["side"])
        if not image["side"]:
            skipped.append({"path": image["image_path"], "reason": "no laterality in the header"})
            continue
        listed = key in clinical
        if not listed and (unlisted == "skip" or not _listed_patient(clinical, patient)):
            reason = f"no row for {patient} {image['side']} in {clinical_path.name}"
            skipped.append({"path": image["image_path"], "reason": reason})
            continue
        seen.add(key)
        entry = (
            clinical[key]
            if listed
            else {**clinical[_listed_patient(clinical, patient)], **_UNLISTED_ENTRY}
        )
        rows.append(
            {
                "image_path": image["image_path"],
                "label": entry["classification"],
                "patient_id": patient,
                "exam_id": image["exam_id"] or patient,
                "side": image["side"],
                "view": image["view"],
                "age": entry["Age"],
                "dataset": "cmmd",
                "abnormality": entry["abnormality"],
                "subtype": entry["subtype"],
                "cohort": patient[:2],
                "manufacturer": image["manufacturer"],
                "listed": listed,
            }
        )
    missing = [
        {"path": f"{image_root / patient} ({side})", "reason": "breast listed, no images"}
        for patient, side in sorted(set(clinical) - seen)
    ]
    missing += _missing_series(root, image_root)
    handle_missing(missing, on_missing, clinical_path, skipped)
    if not rows:
        raise DatasetError(f"{image_root}: no CMMD images matched {clinical_path.name}")
    classes = present_classes(("Normal", *CMMD_CLASSES), (row["label"] for row in rows))
    records = make_records(rows, skipped, classes)
    return records.sort_values(["patient_id", "side", "view", "image_path"], ignore_index=True)


def find_clinical_table(root: Path) -> Path | None:
    """CMMD's clinical spreadsheet (or its CSV export) in ``root`` or ``root/CMMD``."""
    return find_file(root, _CLINICAL, ("", "CMMD"))


def _clinical(path: Path) -> dict[tuple[str, str], dict]:
    """The spreadsheet's rows by ``(ID1, LEFT|RIGHT)``."""
    if path.suffix.lower() == ".csv":
        table = read_csv(path, _CLINICAL_COLUMNS, dtype=str, keep_default_na=False)
    else:
        table = read_excel(path, _CLINICAL_COLUMNS, dtype=str).fillna("")
    rows = {}
    for line, entry in enumerate(table.to_dict("records"), start=2):
        side = parse_side(entry["LeftRight"])
        if entry["classification"] not in CMMD_CLASSES or not side:
            raise DatasetError(
                f"{path}, row {line}: expected LeftRight L/R and classification in "
                f"{CMMD_CLASSES}, got {entry['LeftRight']!r}, {entry['classification']!r}"
            )
        key = (str(entry["ID1"]).strip(), side)
        if key in rows:
            raise DatasetError(f"{path}, row {line}: breast {key} is listed twice")
        rows[key] = entry
    return rows


def _listed_patient(clinical: dict, patient: str) -> tuple[str, str] | None:
    """The key of a spreadsheet row of ``patient`` (either breast), or ``None``."""
    return next(((patient, s) for s in ("LEFT", "RIGHT") if (patient, s) in clinical), None)


def _patient_folder(path: Path, image_root: Path) -> str | None:
    """The ``D1-0001`` folder an image lies in (the layout names the patient)."""
    parts = path.relative_to(image_root).parts
    return next((part for part in parts[:-1] if _PATIENT.match(part)), None)


def _missing_series(root: Path, image_root: Path) -> list[dict]:
    """Series the retriever's ``metadata.csv`` lists that are not on disk."""
    listing = find_file(root, ["metadata.csv"], ("", "CMMD"))
    if listing is None:
        return []
    table = read_csv(listing, ["File Location"], dtype=str, keep_default_na=False)
    missing = []
    for location in table["File Location"]:
        parts = [p for p in location.replace("\\", "/").split("/") if p not in ("", ".")]
        if parts and parts[0] == "CMMD":
            parts = parts[1:]
        folder = image_root.joinpath(*parts)
        if not folder.is_dir():
            reason = f"series listed in {listing.name} is missing"
            missing.append({"path": str(folder), "reason": reason})
    return missing


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds CMMD: its clinical table, where :func:`read_cmmd` finds it."""
    return find_clinical_table(Path(path)) is not None
