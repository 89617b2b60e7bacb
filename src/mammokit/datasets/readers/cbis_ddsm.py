"""Reader for CBIS-DDSM (TCIA), as DICOM in any of its published layouts or as Kaggle JPEGs.

The four case-description CSVs (``mass_case_description_train_set.csv``, ...) list one row per
abnormality; their paths name the images of the legacy TCIA layout. The images come in one of:

* the legacy TCIA layout the CSVs' paths name:
  ``<subject>/<StudyInstanceUID>/<SeriesInstanceUID>/000000.dcm``;
* the NBIA Data Retriever's layout:
  ``CBIS-DDSM/<subject>/07-20-2016-DDSM-NA-74994/1.000000-full mammogram images-24515/1-1.dcm``;
* the Kaggle JPEG conversion: ``jpeg/<SeriesInstanceUID>/1-249.jpg`` with ``csv/dicom_info.csv``.

Files are matched on the subject folder (``Mass-Training_P_00001_LEFT_CC``, and
``..._LEFT_CC_1`` for abnormality 1) or, for JPEGs, on the SeriesInstanceUID, never on the
CSV's file names: those do not say which file is the ROI mask and which the crop. The mask is
told from the crop by its size (the mask is full-size, the crop small).
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from mammokit.datasets.readers._source import (
    check_on_missing,
    find_file,
    handle_missing,
    present_classes,
    read_csv,
    require_columns,
    require_folder,
    walk_files,
)
from mammokit.datasets.readers.dicom_folder import dicom_size
from mammokit.errors import DatasetError
from mammokit.records import make_records

__all__ = [
    "CBIS_CLASSES",
    "CBIS_CSVS",
    "NAME",
    "find_case_descriptions",
    "is_download",
    "read_cbis_ddsm",
]

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "cbis-ddsm"

logger = logging.getLogger("mammokit")

#: The case-description CSVs: ``(abnormality type, published split) -> file name``.
CBIS_CSVS = {
    ("mass", "Training"): "mass_case_description_train_set.csv",
    ("mass", "Test"): "mass_case_description_test_set.csv",
    ("calcification", "Training"): "calc_case_description_train_set.csv",
    ("calcification", "Test"): "calc_case_description_test_set.csv",
}
#: The classes of :func:`read_cbis_ddsm`'s labels.
CBIS_CLASSES = ("Benign", "Malignant")
#: Pathologies from the least to the most severe, and the label each gives.
_PATHOLOGY_LABEL = {
    "BENIGN_WITHOUT_CALLBACK": "Benign",
    "BENIGN": "Benign",
    "MALIGNANT": "Malignant",
}
_SEVERITY = {name: rank for rank, name in enumerate(_PATHOLOGY_LABEL)}
_ABNORMALITY = ("both", "mass", "calcification")
_CSV_FOLDERS = ("", "csv", "CBIS-DDSM", "CBIS-DDSM/csv")
_SUBJECT = re.compile(
    r"^(Mass|Calc)-(Training|Test)_P_\d{5}_(LEFT|RIGHT)_(CC|MLO)(_\d+)?$", re.IGNORECASE
)
_DESCRIPTORS = {
    "mass": ("mass shape", "mass margins"),
    "calcification": ("calc type", "calc distribution"),
}
_PATH_COLUMNS = ("image file path", "cropped image file path", "ROI mask file path")
_COLUMNS = (
    "patient_id",
    "left or right breast",
    "image view",
    "abnormality id",
    "abnormality type",
    "assessment",
    "pathology",
    "subtlety",
    *_PATH_COLUMNS,
)


def read_cbis_ddsm(
    root: str | os.PathLike, abnormality: str = "both", on_missing: str = "raise"
) -> pd.DataFrame:
    """Read CBIS-DDSM into a records table: one row per full mammogram.

    Parameters
    ----------
    root
        The download: a folder holding the case-description CSVs (at the top, in ``csv/`` or
        in ``CBIS-DDSM/``) and the images in one of the layouts above.
    abnormality
        ``"both"`` (default), ``"mass"`` or ``"calcification"``: which CSVs to read. A full
        image appears in the mass and in the calcification CSVs as two files (TCIA converted
        it once per collection); both are kept, as published, with ``abnormality_type`` telling
        them apart. They share ``patient_id``, so patient splits keep them together.
    on_missing
        ``"raise"`` (default) lists every image or ROI mask the CSVs name that is not on disk;
        ``"skip"`` drops the image (or only the mask) and lists it in
        ``records.attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        The records table. ``label`` is ``Benign`` or ``Malignant``: the worst pathology of the
        image's abnormalities, ``BENIGN_WITHOUT_CALLBACK`` (benign, no recall needed) counted as
        Benign; ``pathology`` keeps the worst as published. ``mask_paths`` holds the ROI mask of
        every abnormality, ``crop_paths`` the lesion crops. Also: ``exam_id`` (the patient: a
        DDSM case is one screening exam), ``density`` (the CSV's 1-4; 0 in two calc-test rows,
        kept as published and dropped by the ``density`` task), ``assessment`` and ``birads``
        (the worst BI-RADS assessment), ``subtlety`` (the highest), ``abnormality_type``,
        ``abnormality_ids``, ``n_abnormalities``, the lesion descriptors (``mass_shape``,
        ``mass_margins``, ``calc_type``, ``calc_distribution``, ``;``-joined per abnormality),
        ``split`` (``Training``/``Test`` as published) and ``dataset="cbis-ddsm"``.

    Notes
    -----
    Default task: benign against malignant (``attrs["classes"] = ("Benign", "Malignant")``).
    Also supported: ``cancer-vs-rest``, ``density``, ``birads`` and ``birads-suspicious`` (from
    the assessment) via :func:`~mammokit.datasets.apply_task`. The published split is in
    ``split``; ``records[records.split == "Test"]`` is the official test set.

    Examples
    --------
    >>> records = read_cbis_ddsm("CBIS-DDSM")  # doctest: +SKIP
    >>> records.groupby("split").label.value_counts()  # doctest: +SKIP
    """
    if abnormality not in _ABNORMALITY:
        raise DatasetError(f"abnormality must be one of {_ABNORMALITY}, got {abnormality!r}")
    check_on_missing(on_missing)
    root = require_folder(root)
    tables = _read_csvs(root, abnormality)
    images = _image_index(root)
    rows, skipped = [], []
    for path, table in tables:
        missing: list[dict] = []
        for subject, group in table.groupby("_subject", sort=True):
            row = _image_row(subject, group, images, missing)
            if row is not None:
                rows.append(row)
        handle_missing(missing, on_missing, path, skipped)
    if not rows:
        raise DatasetError(f"{root}: none of the CBIS-DDSM images listed in its CSVs were found")
    records = make_records(rows, skipped, CBIS_CLASSES)
    records.attrs["classes"] = present_classes(CBIS_CLASSES, records["label"])
    return records.sort_values(["patient_id", "side", "view", "image_path"], ignore_index=True)


def find_case_descriptions(root: Path) -> dict[tuple[str, str], Path | None]:
    """Where each case-description CSV of :data:`CBIS_CSVS` lies under ``root`` (or ``None``)."""
    return {key: find_file(root, [name], _CSV_FOLDERS) for key, name in CBIS_CSVS.items()}


def _read_csvs(root: Path, abnormality: str) -> list[tuple[Path, pd.DataFrame]]:
    tables = []
    for (kind, split), path in find_case_descriptions(root).items():
        if abnormality not in ("both", kind):
            continue
        name = CBIS_CSVS[kind, split]
        if path is None:
            logger.warning("%s: no %s; its %s %s images are not read", root, name, kind, split)
            continue
        table = read_csv(path, dtype=str, keep_default_na=False)
        table = table.rename(columns={"breast density": "breast_density"})
        for column in _PATH_COLUMNS:
            if column in table:
                table[column] = table[column].str.strip()
        require_columns(table, (*_COLUMNS, "breast_density", *_DESCRIPTORS[kind]), path)
        table["_split"], table["_kind"], table["_csv"] = split, kind, str(path)
        table["_subject"] = [p.replace("\\", "/").split("/")[0] for p in table["image file path"]]
        tables.append((path, table))
    if not tables:
        names = [n for (k, _), n in CBIS_CSVS.items() if abnormality in ("both", k)]
        raise DatasetError(
            f"{root}: no CBIS-DDSM case-description CSV found; expected {names} in the folder, "
            "its csv/ or CBIS-DDSM/ subfolder"
        )
    return tables


# --------------------------------------------------------------------------- image files


class _Images:
    """The image files of a download, by subject folder (DICOM) or by series UID (JPEG)."""

    def __init__(self, by_key: dict[str, list[str]], jpeg: bool, sizes: dict[str, tuple]):
        self.by_key, self.jpeg, self._sizes = by_key, jpeg, sizes

    def files(self, csv_path: str) -> list[str]:
        parts = csv_path.replace("\\", "/").split("/")
        key = parts[2] if self.jpeg and len(parts) > 2 else parts[0]
        return self.by_key.get(key.upper() if not self.jpeg else key, [])

    def size(self, path: str) -> tuple[int, int] | None:
        """``(rows, columns)`` of an image: DICOM header, Kaggle's dicom_info, or JPEG header."""
        if path not in self._sizes:
            self._sizes[path] = _jpeg_size(path) if self.jpeg else _dicom_size(path)
        return self._sizes[path]


def _image_index(root: Path) -> _Images:
    jpeg_dir = next((root / f for f in ("jpeg", "CBIS-DDSM/jpeg") if (root / f).is_dir()), None)
    by_key: dict[str, list[str]] = defaultdict(list)
    if jpeg_dir is not None:
        for path in sorted(walk_files(jpeg_dir, (".jpg", ".jpeg", ".png"))):
            by_key[Path(path).parent.name].append(path)
        return _Images(by_key, True, _kaggle_sizes(root, jpeg_dir))
    for path in sorted(walk_files(root, (".dcm", ".dicom"))):
        subject = next(
            (part for part in Path(path).relative_to(root).parts if _SUBJECT.match(part)), None
        )
        if subject is not None:
            by_key[subject.upper()].append(path)
    return _Images(by_key, False, {})


def _kaggle_sizes(root: Path, jpeg_dir: Path) -> dict[str, tuple[int, int]]:
    """Image sizes from the Kaggle conversion's ``csv/dicom_info.csv``, when present."""
    info = find_file(root, ["dicom_info.csv"], _CSV_FOLDERS)
    if info is None:
        return {}
    table = read_csv(info, ["image_path", "Rows", "Columns"], dtype=str, keep_default_na=False)
    sizes = {}
    for entry in table.itertuples(index=False):
        parts = entry.image_path.replace("\\", "/").split("/")
        if len(parts) >= 2 and entry.Rows.isdigit() and entry.Columns.isdigit():
            path = str(jpeg_dir / parts[-2] / parts[-1])
            sizes[path] = (int(entry.Rows), int(entry.Columns))
    return sizes


def _dicom_size(path: str) -> tuple[int, int] | None:
    try:
        return dicom_size(path)
    except DatasetError:  # an unreadable file has no size: it is neither mask nor crop
        return None


def _jpeg_size(path: str) -> tuple[int, int] | None:
    from PIL import Image  # a matplotlib dependency; reads the header only

    try:
        with Image.open(path) as image:
            return image.height, image.width
    except OSError:
        return None


# --------------------------------------------------------------------------- rows


def _image_row(
    subject: str, group: pd.DataFrame, images: _Images, missing: list[dict]
) -> dict | None:
    first = group.iloc[0]
    source = Path(first["_csv"]).name
    full = _one_full_image(images.files(first["image file path"]), first["image file path"])
    if full is None:
        missing.append(
            {
                "path": f"{subject} ({first['image file path']})",
                "reason": f"full image listed in {source} is missing",
            }
        )
        return None
    masks, crops = [], []
    for entry in group.to_dict("records"):
        roi = entry["ROI mask file path"]
        files = sorted({*images.files(entry["cropped image file path"]), *images.files(roi)})
        mask, crop = _mask_and_crops([f for f in files if f != full], images, images.size(full))
        crops += crop
        if mask is None:
            missing.append(
                {
                    "path": f"{subject} abnormality {entry['abnormality id']} ({roi})",
                    "reason": f"ROI mask listed in {source} is missing",
                }
            )
        else:
            masks.append(mask)
    worst = max(group["pathology"], key=lambda p: _severity(p, source))
    kind = first["_kind"]
    assessment = pd.to_numeric(group["assessment"], errors="coerce").max()
    row = {
        "image_path": full,
        "label": _PATHOLOGY_LABEL[worst],
        "patient_id": first["patient_id"],
        "exam_id": first["patient_id"],
        "side": first["left or right breast"].upper(),
        "view": first["image view"].upper(),
        "density": first["breast_density"],
        "mask_paths": tuple(masks),
        "crop_paths": tuple(crops),
        "dataset": "cbis-ddsm",
        "pathology": worst,
        "abnormality_type": kind,
        "abnormality_ids": ";".join(group["abnormality id"]),
        "n_abnormalities": len(group),
        "assessment": assessment,
        "birads": "" if pd.isna(assessment) else str(int(assessment)),
        "subtlety": pd.to_numeric(group["subtlety"], errors="coerce").max(),
        "split": first["_split"],
    }
    for column in _DESCRIPTORS[kind]:
        row[column.replace(" ", "_")] = ";".join(group[column])
    return row


def _severity(pathology: str, source: str) -> int:
    if pathology not in _SEVERITY:
        raise DatasetError(
            f"{source}: unknown pathology {pathology!r}; expected one of {list(_SEVERITY)}"
        )
    return _SEVERITY[pathology]


def _one_full_image(files: list[str], csv_path: str) -> str | None:
    """The full mammogram of a subject folder (one file; the CSV's name breaks a tie)."""
    if len(files) == 1:
        return files[0]
    name = Path(csv_path.replace("\\", "/")).name
    named = [f for f in files if Path(f).name == name]
    return named[0] if len(named) == 1 else None


def _mask_and_crops(
    files: list[str], images: _Images, full_size: tuple[int, int] | None
) -> tuple[str | None, list[str]]:
    """Tell the ROI mask (full-size) from the lesion crops (small) by their pixel counts."""
    if not files:
        return None, []
    pixels = {f: _pixels(images.size(f)) for f in files}
    largest = max(files, key=lambda f: pixels[f])
    full = _pixels(full_size)
    if full and pixels[largest] < full / 2:
        return None, files  # only crops here: the mask is missing
    if not full and len(files) == 1:
        return largest, []  # nothing to compare with: a lone file is taken for the mask
    return largest, [f for f in files if f != largest]


def _pixels(size: tuple[int, int] | None) -> int:
    return size[0] * size[1] if size else 0


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds CBIS-DDSM: a case-description CSV where :func:`read_cbis_ddsm`
    finds them."""
    return any(find_case_descriptions(Path(path)).values())
