"""Reader for the mini-MIAS database: 322 scanned films, circles around the abnormalities.

mini-MIAS (Suckling et al., 1994) is the MIAS films digitised at 200 micron and cut to
1024x1024 8-bit PGM images, ``mdb001.pgm`` .. ``mdb322.pgm``, with one label table,
``Info.txt``. Layout of the usual copies::

    <root>/Info.txt                 (or all-mias/Info.txt, or a CSV with a header line)
    <root>/mdb001.pgm ...           (or all-mias/mdb001.pgm ...)

The table has one line per abnormality, space-separated:

1. reference (``mdb001``); 2. background tissue: ``F`` fatty, ``G`` fatty-glandular, ``D``
   dense-glandular; 3. class: ``CALC`` calcification, ``CIRC`` circumscribed mass, ``SPIC``
   spiculated mass, ``MISC`` ill-defined mass, ``ARCH`` architectural distortion, ``ASYM``
   asymmetry, ``NORM`` normal; 4. severity ``B``/``M`` (absent for ``NORM``); 5.-7. x, y and
   the radius in pixels of a circle enclosing the abnormality.

Its quirks, all handled: an image with several abnormalities has several lines (one has a
benign and a malignant line: the image is ``Malignant``); some abnormal lines have no
coordinates (a ``CIRC B`` line ends after the severity; three ``CALC M`` lines say
``*NOTE 3*``, calcifications spread over the breast): the image keeps its label, has no mask
and is listed; lines may end in spaces; **y counts from the bottom-left corner** (image row =
height - y); the original distribution opens the file with about 100 lines of README text and
closes it with a line of ``=``, which are skipped. Films come in pairs of one woman
(``mdb001``/``mdb002``, ...), the odd number the right breast, the even the left; every view
is MLO.

Licence: for research use; the images may not be redistributed. Cite J. Suckling et al.,
"The Mammographic Image Analysis Society digital mammogram database", Exerpta Medica,
International Congress Series 1069, pp. 375-378, 1994. Bring your own copy.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mammokit.datasets.readers._source import (
    check_on_missing,
    handle_missing,
    present_classes,
    require_folder,
    walk_files,
    write_mask,
)
from mammokit.errors import DatasetError
from mammokit.imaging.io import read_image
from mammokit.records import make_records

__all__ = ["MIAS_CLASSES", "NAME", "is_download", "parse_info", "read_mias"]

logger = logging.getLogger("mammokit")

#: The name :func:`~mammokit.datasets.detect_dataset` gives this dataset.
NAME = "mias"
#: The labels of :func:`read_mias`, mildest first.
MIAS_CLASSES = ("Normal", "Benign", "Malignant")
#: The abnormality classes of ``Info.txt``.
ABNORMALITIES = ("CALC", "CIRC", "SPIC", "MISC", "ARCH", "ASYM", "NORM")
#: The background tissue letters and what they mean.
TISSUES = {"F": "fatty", "G": "fatty-glandular", "D": "dense-glandular"}
_SEVERITY = {"B": "Benign", "M": "Malignant"}
_LINE = re.compile(r"^\s*(mdb\d{3})\b(.*)$", re.IGNORECASE)
_IMAGE = re.compile(r"^mdb(\d{3})\.(pgm|png|jpe?g|tiff?)$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(\.\d+)?")
_TABLE_NAMES = ("info.txt", "info.csv", "mias.csv", "data.csv")


def parse_info(path: str | os.PathLike) -> pd.DataFrame:
    """The abnormality lines of a mini-MIAS label table, one row per line.

    Reads the original ``Info.txt`` (README text before the table, a line of ``=`` after it),
    the bare table, or a CSV copy with a header line (``REFNUM,BG,CLASS,SEVERITY,X,Y,RADIUS``).

    Returns
    -------
    pandas.DataFrame
        ``reference``, ``tissue``, ``abnormality``, ``severity`` (``"B"``, ``"M"`` or
        ``""``), ``x``, ``y``, ``radius`` (``NaN`` where the line has no coordinates) and the
        ``line`` number.

    Raises
    ------
    DatasetError
        A line that starts with a reference but does not follow the format, naming it.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "Info.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("MIAS notes\\nmdb001 G CIRC B 535 425 197\\nmdb002 G NORM \\n"
    ...                 "mdb059 F CIRC B\\nmdb209 G CALC M *NOTE 3*\\n=====\\n")
    >>> info = parse_info(path)
    >>> info["reference"].tolist(), info["severity"].tolist(), info["y"].tolist()
    (['mdb001', 'mdb002', 'mdb059', 'mdb209'], ['B', '', 'B', 'M'], [425.0, nan, nan, nan])
    """
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as err:
        raise DatasetError(f"{path}: cannot read the mini-MIAS table ({err})") from err
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line.replace(",", " "))
        if match:
            rows.append(
                {**_fields(match[1].lower(), match[2].split(), path, number), "line": number}
            )
    if not rows:
        raise DatasetError(f"{path}: no mini-MIAS lines (mdb001 G CIRC B 535 425 197) in this file")
    return pd.DataFrame(rows)


def _fields(reference: str, tokens: list[str], path: str | os.PathLike, line: int) -> dict:
    """One table line's fields after the reference, or an error naming the line."""
    where = f"{path}, line {line}"
    if len(tokens) < 2:
        raise DatasetError(f"{where}: {reference} needs a background tissue and a class")
    tissue, abnormality = tokens[0].upper(), tokens[1].upper()
    if tissue not in TISSUES:
        raise DatasetError(f"{where}: background tissue {tokens[0]!r} is not one of F, G, D")
    if abnormality not in ABNORMALITIES:
        raise DatasetError(f"{where}: class {tokens[1]!r} is not one of {list(ABNORMALITIES)}")
    severity, rest = "", tokens[2:]
    if abnormality != "NORM":
        if not rest or rest[0].upper() not in _SEVERITY:
            raise DatasetError(f"{where}: {abnormality} needs a severity, B or M")
        severity, rest = rest[0].upper(), rest[1:]
    x = y = radius = np.nan
    if len(rest) >= 3 and all(_NUMBER.fullmatch(token) for token in rest[:3]):
        x, y, radius = (float(token) for token in rest[:3])
    elif rest and not rest[0].startswith("*"):  # "*NOTE 3*": spread calcifications
        raise DatasetError(f"{where}: expected x, y and radius, got {' '.join(rest)!r}")
    return {
        "reference": reference,
        "tissue": tissue,
        "abnormality": abnormality,
        "severity": severity,
        "x": x,
        "y": y,
        "radius": radius,
    }


def read_mias(
    root: str | os.PathLike,
    mask_dir: str | os.PathLike | None = None,
    on_missing: str = "raise",
    table: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Read mini-MIAS into a records table: one row per film.

    Parameters
    ----------
    root
        The folder holding the images and ``Info.txt`` (either may be in ``all-mias/`` or
        another subfolder).
    mask_dir
        Where the lesion masks are drawn (one PNG per located abnormal film, 255 inside its
        circles); default ``<root>/masks``. A mask newer than the table is reused.
    on_missing
        ``"raise"`` (default) lists every film of the table with no image file; ``"skip"``
        leaves them out and lists each in ``records.attrs["skipped"]``.
    table
        The label table, when it is not found under ``root``.

    Returns
    -------
    pandas.DataFrame
        The records table: ``label`` ``Normal``, ``Benign`` or ``Malignant`` (the worst
        severity of the film's lines); ``patient_id`` per pair of films (``mias001`` for
        ``mdb001``/``mdb002``); ``side`` (odd: ``RIGHT``, even: ``LEFT``); ``view`` ``MLO``;
        ``reference``; ``abnormality_classes`` (``;``-joined, ``NORM`` for a normal film);
        ``background_tissue`` (``fatty``, ``fatty-glandular``, ``dense-glandular``);
        ``circles`` (``x,row,radius`` in image pixels from the top-left, ``;``-joined);
        ``mask_paths``; ``located`` (False for an abnormal film whose lines give no
        coordinates: no mask, listed in ``records.attrs["unlocated"]`` and the log);
        ``dataset="mias"``.

    Examples
    --------
    >>> records = read_mias("all-mias")  # doctest: +SKIP
    >>> records.label.value_counts()  # doctest: +SKIP
    """
    check_on_missing(on_missing)
    root = require_folder(root)
    table_path = Path(table) if table is not None else _find_table(root)
    lines = parse_info(table_path)
    images = _images(root)
    mask_dir = Path(mask_dir) if mask_dir is not None else root / "masks"
    rows, missing, skipped, unlocated = [], [], [], []
    for reference, entries in lines.groupby("reference", sort=True):
        path = images.get(reference)
        if path is None:
            missing.append({"path": f"{root}/{reference}.pgm", "reason": "film of the table"})
            continue
        number = int(reference[3:])
        severities = [_SEVERITY[s] for s in entries["severity"] if s]
        label = max(severities, key=MIAS_CLASSES.index) if severities else "Normal"
        located = entries.dropna(subset=["x", "y", "radius"])
        row = {
            "image_path": path,
            "label": label,
            "patient_id": f"mias{(number + 1) // 2:03d}",
            "side": "RIGHT" if number % 2 else "LEFT",
            "view": "MLO",
            "dataset": NAME,
            "reference": reference,
            "abnormality_classes": ";".join(sorted(set(entries["abnormality"]))),
            "background_tissue": TISSUES[entries["tissue"].iloc[0]],
            "circles": "",
            "mask_paths": (),
            "located": label == "Normal" or not located.empty,
        }
        if not located.empty:
            height = read_image(path).shape[0]
            circles = [(x, height - y, r) for x, y, r in located[["x", "y", "radius"]].values]
            row["circles"] = ";".join(f"{x:g},{y:g},{r:g}" for x, y, r in circles)
            row["mask_paths"] = (str(_mask(path, reference, circles, mask_dir, table_path)),)
        elif label != "Normal":
            unlocated.append(reference)
        rows.append(row)
    handle_missing(missing, on_missing, table_path, skipped)
    if not rows:
        raise DatasetError(f"{root}: none of the films listed in {table_path.name} were found")
    if unlocated:
        logger.info(
            "%s: %d abnormal film(s) without coordinates keep their label with no mask: %s",
            table_path,
            len(unlocated),
            ", ".join(unlocated),
        )
    records = make_records(rows, skipped, present_classes(MIAS_CLASSES, (r["label"] for r in rows)))
    records.attrs["unlocated"] = unlocated
    return records


def _find_table(root: Path) -> Path:
    """``Info.txt`` (or a CSV copy) in ``root`` or a subfolder, holding mini-MIAS lines."""
    candidates = sorted(
        Path(path)
        for path in walk_files(root, (".txt", ".csv"))
        if os.path.basename(path).lower() in _TABLE_NAMES
    )
    for candidate in sorted(candidates, key=lambda p: len(p.parts)):
        if _holds_lines(candidate):
            return candidate
    raise DatasetError(
        f"{root}: no mini-MIAS table (Info.txt with lines like 'mdb001 G CIRC B 535 425 197'); "
        "pass read_mias(table=...)"
    )


def _holds_lines(path: Path) -> bool:
    try:
        with open(path, errors="replace") as handle:
            return any(_LINE.match(line.replace(",", " ")) for line in handle)
    except OSError:
        return False


def _images(root: Path) -> dict[str, str]:
    """``{reference: path}`` of the films under ``root`` (``mdb001.pgm`` ...)."""
    found: dict[str, str] = {}
    for path in walk_files(root, (".pgm", ".png", ".jpg", ".jpeg", ".tif", ".tiff")):
        match = _IMAGE.match(os.path.basename(path))
        if match and "mask" not in Path(path).parent.name.lower():
            found.setdefault(f"mdb{match[1]}", path)
    return found


def _mask(image: str, reference: str, circles: list, mask_dir: Path, table_path: Path) -> Path:
    """Draw (or reuse) the circles of one film as a mask the size of the film."""
    target = mask_dir / f"{reference}_mask.png"
    if target.is_file() and target.stat().st_mtime >= table_path.stat().st_mtime:
        return target
    mask = np.zeros(read_image(image).shape[:2], np.uint8)
    for x, row, radius in circles:
        cv2.circle(mask, (round(x), round(row)), max(1, round(radius)), 255, thickness=-1)
    return write_mask(target, mask, "read_mias")


def is_download(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds mini-MIAS: ``mdbNNN`` films beside (or under) its table."""
    for folder in (Path(path), Path(path) / "all-mias"):
        names = os.listdir(folder) if folder.is_dir() else []
        tables = [folder / name for name in names if name.lower() in _TABLE_NAMES]
        if any(_holds_lines(table) for table in tables):
            return any(_IMAGE.match(name) for name in names)
    return False
