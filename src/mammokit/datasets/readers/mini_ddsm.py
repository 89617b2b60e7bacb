"""Reader for the Mini-DDSM download (JPEG-8 and PNG-16 variants) and its synthetic twin.

Layout of the published download::

    <root>/
      MINI-DDSM-Complete-JPEG-8/
        DataWMask.xlsx
        <Benign|Cancer|Normal>/<4-digit case>/
          C_0029_1.LEFT_CC.jpg          one image per view
          C_0029_1.LEFT_CC_Mask.jpg     lesion masks (_Mask, _Mask2, _MASK2)
          C-0029-1.ics                  case file with PATIENT_AGE and DENSITY
      MINI-DDSM-Complete-PNG-16/        the same in 16-bit PNG (no spreadsheet of its own)
      Data-MoreThanTwoMasks/<Class>/<case>/..._Mask3.png ... _Mask6.png

The patient is the file stem (``C_0029_1``); case folder numbers repeat across classes.
Files that are not views (``Mask_C_...``, ``.OVERLAY``, ``TAPE_*.16_PGM``, ``BoundaryMask.png``)
are never taken as images.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from mammokit.datasets.readers._source import check_on_missing, handle_missing, read_excel
from mammokit.errors import DatasetError
from mammokit.records import CLASSES, make_records

__all__ = [
    "LABEL_LEVELS",
    "NAME",
    "VARIANT_DIRS",
    "ics_bits_per_pixel",
    "is_download",
    "parse_ics",
    "read_mini_ddsm",
]

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "mini-ddsm"

#: The label choices of :func:`read_mini_ddsm`.
LABEL_LEVELS = ("case", "breast")

#: Folder of each variant inside the download.
VARIANT_DIRS = {"jpeg8": "MINI-DDSM-Complete-JPEG-8", "png16": "MINI-DDSM-Complete-PNG-16"}
_SUFFIX = {"jpeg8": ".jpg", "png16": ".png"}
#: Spreadsheets a download may hold, in order of preference: the download's own, then the
#: dataset's official ``Data.xlsx`` (it names ``.png`` files; either variant reads it).
_SHEETS = ("DataWMask.xlsx", "Data.xlsx")
_SHEET_COLUMNS = ("fullPath", "Status", "Tumour_Contour", "Tumour_Contour2", "Age", "Density")
_EXTRA_MASKS_DIR = "Data-MoreThanTwoMasks"
_ICS_VIEWS = ("LEFT_CC", "LEFT_MLO", "RIGHT_CC", "RIGHT_MLO")

_VIEW_NAME = re.compile(
    r"^(?P<stem>[A-Z]_\d{4}_\d)\.(?P<side>LEFT|RIGHT)_(?P<view>CC|MLO)\.(?P<ext>jpe?g|png)$", re.I
)
_MASK_NAME = re.compile(
    r"^(?P<image>[A-Z]_\d{4}_\d\.(?:LEFT|RIGHT)_(?:CC|MLO))_MASK(?P<n>\d?)\.(?:jpe?g|png)$", re.I
)


def read_mini_ddsm(
    root: str | os.PathLike,
    variant: str = "jpeg8",
    on_missing: str = "raise",
    labels: str = "case",
) -> pd.DataFrame:
    """Read Mini-DDSM (or a dataset from ``make_synthetic``) into a records table.

    Parameters
    ----------
    root
        The download's top folder, or one variant folder (``MINI-DDSM-Complete-JPEG-8``).
    variant
        ``"jpeg8"`` (8-bit JPEG) or ``"png16"`` (16-bit PNG).
    on_missing
        What to do with spreadsheet rows whose image or mask file is missing: ``"raise"``
        (default) raises :class:`DatasetError` listing them; ``"skip"`` drops the image (or
        just the mask) and lists each in ``records.attrs["skipped"]`` with its reason.
    labels
        ``"case"`` (default, the thesis's labels): every image gets its case's class, as the
        download files them. ``"breast"``: a breast with a lesion outline in either view gets
        the case's class; the other breast of a Benign or Cancer case, outlined in neither
        view, is ``Normal``. Both are kept as ``case_label`` and ``breast_label``; ``label``
        is the chosen one and ``records.attrs["labels"]`` says which.

    Returns
    -------
    pandas.DataFrame
        The records table (see :mod:`mammokit.records`), one row per image, sorted by
        ``patient_id``, ``side`` and ``view``.

    Notes
    -----
    ``DataWMask.xlsx`` (in the JPEG-8 folder, shared by the PNG-16 variant with ``.png``
    names) is used when present, else the dataset's official ``Data.xlsx`` (in the variant
    folder, the JPEG-8 folder or the top folder); either spreadsheet serves either variant,
    whatever image suffix it names. Without one the class folders are scanned and age and
    density come from each case's ``.ics`` file. Masks are matched case-insensitively and
    extra masks from ``Data-MoreThanTwoMasks/`` are added.

    The PNG-16 variant gets a ``bits_stored`` column: the ``BITS_PER_PIXEL`` the case's
    ``.ics`` file gives for the view (12 or 16, the digitiser's depth). The pipeline scales a
    PNG holding raw 12-bit values by it, and ignores it for a PNG whose values go beyond it
    (:mod:`mammokit.imaging.intensity`); the published PNG-16 files were converted from the original
    LJPEG scans, and whether they keep the digitiser's raw values varies, so the pipeline
    checks each image.

    Mini-DDSM's labels are the case's. Its spreadsheet shows that of the 2,700 breasts of the
    1,350 Benign and Cancer cases, 1,240 have no lesion outline in either view (622 Benign,
    618 Cancer): 2,480 of the 5,400 images labelled Benign or Cancer show a breast without an
    outlined lesion. Trained on case labels, an image classifier is taught to call those
    breasts Benign or Cancer from nothing it can see; ``labels="breast"`` calls them Normal.
    An outline is what the download lists (a spreadsheet contour, or a mask file when
    scanning folders), so a listed mask whose file is missing still marks its breast.

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic
    >>> root = make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48))
    >>> records = read_mini_ddsm(root)
    >>> len(records), sorted(records["label"].unique())
    (12, ['Benign', 'Cancer', 'Normal'])
    """
    if variant not in VARIANT_DIRS:
        raise DatasetError(f"variant must be one of {tuple(VARIANT_DIRS)}, got {variant!r}")
    check_on_missing(on_missing)
    if labels not in LABEL_LEVELS:
        raise DatasetError(f"labels must be one of {LABEL_LEVELS}, got {labels!r}")
    variant_dir, top = _locate(Path(root).resolve(), variant)
    sheet = _find_sheet(variant_dir, top)
    skipped: list[dict] = []
    if sheet is not None:
        rows = _rows_from_sheet(sheet, variant_dir, variant, on_missing, skipped)
    else:
        rows = _rows_from_folders(variant_dir)
    if top is not None:
        _add_extra_masks(rows, top / _EXTRA_MASKS_DIR)
    if not rows:
        raise DatasetError(f"{variant_dir}: no Mini-DDSM images found")
    if variant == "png16":
        _add_bits_stored(rows)
    _add_breast_labels(rows, labels)
    records = make_records(rows, skipped, CLASSES)
    records.attrs["labels"] = labels
    return records.sort_values(["patient_id", "side", "view"], ignore_index=True)


def _add_breast_labels(rows: list[dict], labels: str) -> None:
    """``case_label``, ``breast_label`` and the chosen ``label`` of each row."""
    outlined = defaultdict(bool)
    for row in rows:
        outlined[row["patient_id"], row["side"]] |= row.pop("_outlined")
    for row in rows:
        case = row["label"]
        breast = case if outlined[row["patient_id"], row["side"]] else "Normal"
        row["case_label"], row["breast_label"] = case, breast
        row["label"] = breast if labels == "breast" else case


def parse_ics(path: str | os.PathLike) -> dict[str, float]:
    """Read ``PATIENT_AGE`` and ``DENSITY`` from a DDSM ``.ics`` case file.

    Returns
    -------
    dict
        ``{"age": float, "density": float}``, ``NaN`` for a value the file lacks.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "A-0001-1.ics")
    >>> _ = open(path, "w").write("PATIENT_AGE 61\\nDENSITY 3\\n")
    >>> parse_ics(path)
    {'age': 61.0, 'density': 3.0}
    """
    values = {"age": float("nan"), "density": float("nan")}
    keys = {"PATIENT_AGE": "age", "DENSITY": "density"}
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as err:
        raise DatasetError(f"{path}: cannot read case file ({err.strerror or err})") from err
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in keys:
            try:
                values[keys[parts[0]]] = float(parts[1])
            except ValueError as err:
                raise DatasetError(f"{path}: {parts[0]} is not a number: {parts[1]!r}") from err
    return values


def ics_bits_per_pixel(path: str | os.PathLike) -> dict[str, int]:
    """Digitiser bits per view from a DDSM ``.ics`` case file: ``{"LEFT_CC": 12, ...}``.

    DDSM's films were digitised at 12 or 16 bits (the ``DIGITIZER`` line says which scanner);
    each view's line in the ``.ics`` file carries ``BITS_PER_PIXEL``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "A-0001-1.ics")
    >>> line = "LEFT_CC LINES 4576 PIXELS_PER_LINE 2776 BITS_PER_PIXEL 12 RESOLUTION 50 OVERLAY"
    >>> _ = open(path, "w").write(line + "\\n")
    >>> ics_bits_per_pixel(path)
    {'LEFT_CC': 12}
    """
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as err:
        raise DatasetError(f"{path}: cannot read case file ({err.strerror or err})") from err
    bits = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in _ICS_VIEWS and "BITS_PER_PIXEL" in parts[1:-1]:
            value = parts[parts.index("BITS_PER_PIXEL") + 1]
            if value.isdigit():
                bits[parts[0]] = int(value)
    return bits


def _add_bits_stored(rows: list[dict]) -> None:
    """``bits_stored`` of each PNG-16 image from its case's ``.ics`` file (NaN when unknown)."""
    cache: dict[Path, dict[str, dict[str, int]]] = {}
    for row in rows:
        folder = Path(row["image_path"]).parent
        if folder not in cache:
            cache[folder] = {
                ics.stem.replace("-", "_").upper(): ics_bits_per_pixel(ics)
                for ics in folder.glob("*.ics")
            }
        view_bits = cache[folder].get(str(row["patient_id"]).upper(), {})
        row["bits_stored"] = view_bits.get(f"{row['side']}_{row['view']}", float("nan"))


# --------------------------------------------------------------------------- locating


def _locate(root: Path, variant: str) -> tuple[Path, Path | None]:
    """Return (variant folder, download top folder or None)."""
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    name = VARIANT_DIRS[variant]
    if (root / name).is_dir():
        return root / name, root
    if root.name == name or any((root / c).is_dir() for c in CLASSES):
        return root, root.parent
    raise DatasetError(
        f"{root}: neither contains {name}/ nor class folders {list(CLASSES)}; pass the Mini-DDSM "
        f"download folder or its {name} folder"
    )


def _find_sheet(variant_dir: Path, top: Path | None) -> Path | None:
    folders = [variant_dir]
    if top is not None:
        folders += [top / VARIANT_DIRS["jpeg8"], top]
    candidates = [folder / name for name in _SHEETS for folder in folders]
    return next((c for c in candidates if c.is_file()), None)


# --------------------------------------------------------------------------- spreadsheet


def _rows_from_sheet(
    sheet: Path, variant_dir: Path, variant: str, on_missing: str, skipped: list[dict]
) -> list[dict]:
    table = read_excel(sheet, _SHEET_COLUMNS, dtype=str)
    rows, missing = [], []
    for line, entry in zip(range(2, len(table) + 2), table.itertuples(index=False), strict=True):
        status = str(entry.Status).strip()
        if status not in CLASSES:
            raise DatasetError(
                f"{sheet}, row {line}: unknown Status {entry.Status!r} (expected one of {CLASSES})"
            )
        image = _sheet_path(variant_dir, entry.fullPath, variant)
        if image is None:
            raise DatasetError(f"{sheet}, row {line}: empty fullPath")
        if not image.is_file():
            missing.append(
                {"path": str(image), "reason": f"image listed in {sheet.name} is missing"}
            )
            continue
        masks, listed = [], False
        for column in ("Tumour_Contour", "Tumour_Contour2"):
            mask = _sheet_path(variant_dir, getattr(entry, column), variant)
            if mask is None:
                continue
            listed = True
            if mask.is_file():
                masks.append(str(mask))
            else:
                missing.append(
                    {"path": str(mask), "reason": f"mask listed in {sheet.name} is missing"}
                )
        match = _VIEW_NAME.match(image.name)
        stem = match["stem"] if match else image.stem.split(".")[0]
        rows.append(
            {
                "image_path": str(image),
                "label": status,
                "patient_id": stem,
                "side": match["side"].upper() if match else "",
                "view": match["view"].upper() if match else "",
                "age": entry.Age,
                "density": entry.Density,
                "mask_paths": tuple(masks),
                "_outlined": listed,
            }
        )
    handle_missing(missing, on_missing, sheet, skipped)
    return rows


def _sheet_path(variant_dir: Path, value: object, variant: str) -> Path | None:
    """A spreadsheet path (Windows separators, ``-`` for none) as an absolute path."""
    if value is None or pd.isna(value):
        return None
    text = str(value).strip()
    if text in ("", "-"):
        return None
    relative = Path(*text.replace("\\", "/").split("/"))
    # one spreadsheet names .jpg files, the other .png: the variant's own suffix is meant
    relative = relative.with_suffix(_SUFFIX[variant])
    return _case_insensitive(variant_dir / relative)


def _case_insensitive(path: Path) -> Path:
    """``path`` itself if it exists, else a sibling whose name differs only in case."""
    if path.exists() or not path.parent.is_dir():
        return path
    lowered = path.name.lower()
    return next((p for p in path.parent.iterdir() if p.name.lower() == lowered), path)


# --------------------------------------------------------------------------- folder scan


def _rows_from_folders(variant_dir: Path) -> list[dict]:
    rows = []
    for label in CLASSES:
        class_dir = variant_dir / label
        if not class_dir.is_dir():
            continue
        for case_dir in sorted(p for p in class_dir.iterdir() if p.is_dir()):
            rows.extend(_rows_from_case(case_dir, label))
    return rows


def _rows_from_case(case_dir: Path, label: str) -> list[dict]:
    files = sorted(p for p in case_dir.iterdir() if p.is_file())
    masks = defaultdict(list)
    for path in files:
        match = _MASK_NAME.match(path.name)
        if match:
            masks[match["image"].upper()].append(str(path))
    meta = {}
    for path in files:
        if path.suffix.lower() == ".ics":
            meta[path.stem.replace("-", "_").upper()] = parse_ics(path)
    rows = []
    for path in files:
        match = _VIEW_NAME.match(path.name)
        if not match:
            continue
        stem = match["stem"]
        key = f"{stem}.{match['side']}_{match['view']}".upper()
        info = meta.get(stem.upper(), {})
        rows.append(
            {
                "image_path": str(path.resolve()),
                "label": label,
                "patient_id": stem,
                "side": match["side"].upper(),
                "view": match["view"].upper(),
                "age": info.get("age"),
                "density": info.get("density"),
                "mask_paths": tuple(sorted(masks.get(key, []))),
                "_outlined": bool(masks.get(key)),
            }
        )
    return rows


def _add_extra_masks(rows: list[dict], extra_dir: Path) -> None:
    """Add ``_Mask3``..``_Mask6`` files from ``Data-MoreThanTwoMasks/`` to their images."""
    if not extra_dir.is_dir():
        return
    extra = defaultdict(list)
    for path in extra_dir.rglob("*"):
        match = _MASK_NAME.match(path.name)
        if match and path.is_file():
            extra[match["image"].upper()].append(str(path.resolve()))
    if not extra:
        return
    for row in rows:
        key = Path(row["image_path"]).stem.upper()
        if key in extra:
            row["mask_paths"] = tuple(row["mask_paths"]) + tuple(sorted(extra[key]))


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds Mini-DDSM: a variant folder, one inside it, or ``DataWMask.xlsx``.

    Examples
    --------
    >>> import tempfile
    >>> is_download(tempfile.mkdtemp())
    False
    """
    path = Path(path)
    if path.name in VARIANT_DIRS.values() or (path / "DataWMask.xlsx").is_file():
        return True
    return any((path / name).is_dir() for name in VARIANT_DIRS.values())
