"""Reader for INbreast (release 1.0): BI-RADS per image and lesion outlines drawn as masks.

Layout of the release::

    <root>/
      INbreast.csv      ; separated: Patient ID;Patient age;Laterality;View;Acquisition date;
                        File Name;ACR;Bi-Rads  (patient and age are "removed")
      INbreast.xls      the same and lesion flags (not needed here)
      AllDICOMs/<File Name>_<patient hash>_MG_<L|R>_<CC|ML>_ANON.dcm
      AllXML/<File Name>.xml     OsiriX plist: Images -> ROIs -> Point_px "(x, y)" strings

INbreast is distributed on request and may not be redistributed: bring your own copy.
"""

from __future__ import annotations

import os
import plistlib
import re
from collections import Counter
from pathlib import Path
from xml.parsers.expat import ExpatError

import cv2
import numpy as np
import pandas as pd

from mammokit.datasets.readers._source import (
    check_on_missing,
    handle_missing,
    present_classes,
    read_csv,
    require_folder,
    walk_files,
    write_mask,
)
from mammokit.datasets.readers.dicom_folder import dicom_size
from mammokit.errors import DatasetError
from mammokit.records import make_records
from mammokit.views import parse_side

__all__ = ["INBREAST_CLASSES", "NAME", "is_download", "read_inbreast", "roi_polygons"]

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "inbreast"

#: The classes of :func:`read_inbreast`'s labels: BI-RADS as INbreast writes it.
INBREAST_CLASSES = tuple(f"BI-RADS {k}" for k in ("1", "2", "3", "4A", "4B", "4C", "5", "6"))
_COLUMNS = ("Laterality", "View", "Acquisition date", "File Name", "ACR", "Bi-Rads")
_DICOM_NAME = re.compile(
    r"^(?P<file>\d+)_(?P<patient>[0-9a-f]+)_MG_(?P<side>[LR])_(?P<view>[A-Z]+)_ANON\.dcm$", re.I
)
_POINT = re.compile(r"\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*(?:,\s*[-+0-9.eE]+\s*)?\)")
#: Radius in pixels of the disc drawn for a ROI of one or two points (a calcification).
POINT_RADIUS = 3


def read_inbreast(
    root: str | os.PathLike,
    mask_dir: str | os.PathLike | None = None,
    on_missing: str = "raise",
) -> pd.DataFrame:
    """Read INbreast into a records table: one row per image.

    Parameters
    ----------
    root
        The release folder (``INbreast.csv``, ``AllDICOMs/``, ``AllXML/``).
    mask_dir
        Where the lesion masks drawn from ``AllXML/`` are written (one PNG per annotated
        image, 255 inside any ROI); default ``<root>/AllMasks``. A mask newer than its XML
        file is reused, not drawn again.
    on_missing
        ``"raise"`` (default) lists every image of the CSV with no DICOM file; ``"skip"``
        drops them and lists each in ``records.attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        The records table: ``label`` the image's BI-RADS (``"BI-RADS 1"`` ... ``"BI-RADS 6"``,
        with INbreast's 4A/4B/4C), ``birads`` (``"4A"``...); ``patient_id`` the 16-hex patient
        hash of the file name (the CSV's patient column says "removed"); ``exam_id`` the
        patient and the acquisition month; ``side``, ``view`` (``CC``, ``MLO``, one ``FB``:
        the CSV's, where the file names say ``ML``); ``density`` the ACR 1-4 (``NaN`` for the
        row whose ACR is blank); ``acquisition_date`` (``YYYYMM``); ``file_name``;
        ``mask_paths`` (the drawn mask where the image has an XML outline), ``roi_names``
        (``Mass``, ``Calcification``... ``;``-joined with counts) and ``n_rois``;
        ``dataset="inbreast"``.

    Notes
    -----
    ROIs of three or more points are filled polygons; ROIs of one or two points (single
    calcifications) are discs of :data:`POINT_RADIUS` pixels. The image size comes from the
    DICOM header (``dicom`` extra).

    Default task: BI-RADS as published. Common alternatives via
    :func:`~mammokit.datasets.apply_task`: ``birads-suspicious`` (BI-RADS 1-3 against 4-6,
    the usual INbreast benign/malignant split), ``birads`` (1-5, 4A-4C merged, 6 dropped),
    ``density``.

    Examples
    --------
    >>> records = read_inbreast("INbreast Release 1.0")  # doctest: +SKIP
    >>> records.label.value_counts()  # doctest: +SKIP
    """
    check_on_missing(on_missing)
    root = require_folder(root)
    table_path = root / "INbreast.csv"
    if not table_path.is_file():
        raise DatasetError(f"{root}: no INbreast.csv; pass the INbreast release folder")
    table = read_csv(table_path, _COLUMNS, sep=";", dtype=str, keep_default_na=False)
    dicoms = _dicoms_by_file_name(root / "AllDICOMs")
    xml_dir = root / "AllXML"
    mask_dir = Path(mask_dir) if mask_dir is not None else root / "AllMasks"
    rows, missing, skipped = [], [], []
    for line, entry in enumerate(table.to_dict("records"), start=2):
        file_name = entry["File Name"].strip()
        if not file_name:
            continue  # the spreadsheet's trailing blank rows
        birads = _birads(entry["Bi-Rads"], table_path, line)
        found = dicoms.get(file_name)
        if found is None:
            where = f"{root / 'AllDICOMs'}/{file_name}_*.dcm"
            missing.append({"path": where, "reason": "image listed in INbreast.csv is missing"})
            continue
        path, patient = found
        row = {
            "image_path": path,
            "label": f"BI-RADS {birads}",
            "patient_id": patient,
            "exam_id": f"{patient}_{entry['Acquisition date'].strip()}",
            "side": parse_side(entry["Laterality"]),
            "view": entry["View"].strip().upper(),
            "density": pd.to_numeric(entry["ACR"].strip() or np.nan),
            "dataset": "inbreast",
            "birads": birads,
            "acquisition_date": entry["Acquisition date"].strip(),
            "file_name": file_name,
            "mask_paths": (),
            "roi_names": "",
            "n_rois": 0,
        }
        xml = xml_dir / f"{file_name}.xml"
        if xml.is_file():
            polygons = roi_polygons(xml)
            names = Counter(name for name, _ in polygons)
            row["roi_names"] = ";".join(
                f"{name} ({count})" if count > 1 else name for name, count in sorted(names.items())
            )
            row["n_rois"] = len(polygons)
            row["mask_paths"] = (str(_mask(path, xml, polygons, mask_dir)),)
        rows.append(row)
    handle_missing(missing, on_missing, table_path, skipped)
    if not rows:
        raise DatasetError(f"{root}: none of the images listed in INbreast.csv were found")
    classes = present_classes(INBREAST_CLASSES, (row["label"] for row in rows))
    records = make_records(rows, skipped, classes)
    return records.sort_values(["patient_id", "exam_id", "side", "view"], ignore_index=True)


def _birads(value: str, path: Path, line: int) -> str:
    text = value.strip().upper()
    if text.endswith(".0"):  # the .xls stores numeric categories as floats
        text = text[:-2]
    if f"BI-RADS {text}" not in INBREAST_CLASSES:
        raise DatasetError(f"{path}, line {line}: unknown Bi-Rads {value!r}")
    return text


def _dicoms_by_file_name(folder: Path) -> dict[str, tuple[str, str]]:
    """``{File Name: (path, patient hash)}`` from the ``AllDICOMs`` names."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder; INbreast keeps its images in AllDICOMs/")
    found = {}
    for path in walk_files(folder, (".dcm",)):
        match = _DICOM_NAME.match(os.path.basename(path))
        if match:
            found[match["file"]] = (path, match["patient"].lower())
    return found


def roi_polygons(xml: str | os.PathLike) -> list[tuple[str, np.ndarray]]:
    """The ROIs of an INbreast ``AllXML`` file: ``(name, points)`` with points ``(N, 2)`` x, y.

    Examples
    --------
    >>> import plistlib, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "1.xml")
    >>> roi = {"Name": "Mass", "NumberOfPoints": 3, "Point_px": ["(1, 2)", "(5, 2)", "(3, 6)"]}
    >>> with open(path, "wb") as f:
    ...     plistlib.dump({"Images": [{"ImageIndex": 0, "NumberOfROIs": 1, "ROIs": [roi]}]}, f)
    >>> [(name, points.tolist()) for name, points in roi_polygons(path)]
    [('Mass', [[1.0, 2.0], [5.0, 2.0], [3.0, 6.0]])]
    """
    try:
        with open(xml, "rb") as handle:
            document = plistlib.load(handle)
    except (OSError, plistlib.InvalidFileException, ValueError, ExpatError) as err:
        raise DatasetError(f"{xml}: not a readable OsiriX XML plist ({err})") from err
    polygons = []
    images = document.get("Images", []) if isinstance(document, dict) else []
    for image in images:
        for roi in image.get("ROIs", []):
            points = [_POINT.fullmatch(str(p).strip()) for p in roi.get("Point_px", [])]
            if not points or not all(points):
                raise DatasetError(f"{xml}: ROI {roi.get('Name')!r} has unreadable Point_px")
            xy = np.array([[float(m[1]), float(m[2])] for m in points])
            polygons.append((str(roi.get("Name", "")).strip() or "Unnamed", xy))
    return polygons


def _mask(image: str, xml: Path, polygons: list, mask_dir: Path) -> Path:
    """Draw (or reuse) the mask of one image."""
    target = mask_dir / f"{xml.stem}_mask.png"
    if target.is_file() and target.stat().st_mtime >= xml.stat().st_mtime:
        return target
    mask = np.zeros(dicom_size(image), np.uint8)
    for _, xy in polygons:
        points = np.round(xy).astype(np.int32)
        if len(points) >= 3:
            cv2.fillPoly(mask, [points], 255)
        else:
            for x, y in points:
                cv2.circle(mask, (int(x), int(y)), POINT_RADIUS, 255, thickness=-1)
    return write_mask(target, mask, "read_inbreast")


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds INbreast: ``INbreast.csv`` and ``AllDICOMs/``."""
    path = Path(path)
    return (path / "INbreast.csv").is_file() and (path / "AllDICOMs").is_dir()
