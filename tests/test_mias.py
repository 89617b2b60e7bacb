"""mini-MIAS: a label table in each of its published forms, with every quirk, and PGM films.

The fixtures follow the database's format exactly (one line per abnormality, y from the
bottom, README text before the original table, a closing line of ``=``); the films are
small synthetic PGMs, since the real ones may not be redistributed.
"""

from pathlib import Path

import cv2
import numpy as np
import pytest

from mammokit.datasets import detect_dataset, load_records, read_mias
from mammokit.datasets.readers.mias import parse_info
from mammokit.errors import DatasetError
from mammokit.imaging.io import read_image

SIZE = 128  # the real films are 1024x1024; the format does not depend on it

README = """\
                     MIAS MiniMammographic Database
                     ==============================

This is the mini-MIAS database, reduced to 200 micron pixel edge and clipped or padded
so that every image is 1024 pixels x 1024 pixels.

1st column: MIAS database reference number.
2nd column: Character of background tissue: F Fatty, G Fatty-glandular, D Dense-glandular
3rd column: Class of abnormality present: CALC, CIRC, SPIC, MISC, ARCH, ASYM, NORM
4th column: Severity of abnormality; B Benign, M Malignant
5th,6th columns: x,y image-coordinates of centre of abnormality.
7th column: Approximate radius (in pixels) of a circle enclosing the abnormality.

NOTES
=====
1) The list is arranged in pairs of films, where each pair represents the left (even
   filename numbers) and right mammograms (odd filename numbers) of a single patient.
2) The origin of co-ordinates is the bottom-left corner.
3) In those cases where calcifications are present in clusters rather than a single
   mass, the coordinates refer to the centre of the cluster and the radius encloses it.
"""

TABLE = [
    "mdb001 G CIRC B 40 30 10",  # y from the bottom: row 128 - 30 = 98
    "mdb002 G CIRC B 90 100 8 ",  # a trailing space
    "mdb003 D NORM ",
    "mdb004 D NORM",
    "mdb005 F CALC B 60 64 6",  # two lines, one benign, one malignant: the film is Malignant
    "mdb005 F CALC M 70 40 5",
    "mdb006 F NORM",
    "mdb007 G CIRC B",  # abnormal with no coordinates
    "mdb008 G NORM",
    "mdb009 D CALC M *NOTE 3*",  # calcifications spread over the breast
    "mdb010 D NORM",
]


def _films(folder: Path, count: int = 10) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        image = np.zeros((SIZE, SIZE), np.uint8)
        centre = (0, SIZE // 2) if number % 2 == 0 else (SIZE - 1, SIZE // 2)
        cv2.ellipse(image, centre, (70, 55), 0, 0, 360, 150, -1)
        assert cv2.imwrite(str(folder / f"mdb{number:03d}.pgm"), image)


@pytest.fixture
def original(tmp_path):
    """The original distribution: README text, the table, a closing line of '='."""
    root = tmp_path / "mias"
    _films(root / "all-mias")
    text = README + "\n" + "\n".join(TABLE) + "\n" + "=" * 60 + "\n"
    (root / "all-mias" / "Info.txt").write_text(text)
    return root


def test_records_follow_the_table_and_its_quirks(original):
    records = read_mias(original).set_index("reference")
    assert len(records) == 10 and records.attrs["skipped"] == []
    assert records.loc["mdb005", "label"] == "Malignant"  # the worst severity
    assert records.loc["mdb005", "abnormality_classes"] == "CALC"
    assert records.loc["mdb001", "label"] == "Benign" and records.loc["mdb003", "label"] == "Normal"
    assert records.attrs["classes"] == ("Normal", "Benign", "Malignant")
    # pairs of one woman; odd the right breast, even the left; every view MLO
    assert records.loc["mdb001", "patient_id"] == records.loc["mdb002", "patient_id"]
    assert records.loc["mdb002", "patient_id"] != records.loc["mdb003", "patient_id"]
    assert records.loc["mdb001", "side"] == "RIGHT" and records.loc["mdb002", "side"] == "LEFT"
    assert set(records["view"]) == {"MLO"}
    assert records.loc["mdb005", "background_tissue"] == "fatty"
    assert records.loc["mdb003", "background_tissue"] == "dense-glandular"


def test_circles_become_masks_with_y_counted_from_the_bottom(original):
    records = read_mias(original).set_index("reference")
    assert records.loc["mdb001", "circles"] == f"40,{SIZE - 30},10"
    (mask_path,) = records.loc["mdb001", "mask_paths"]
    mask = read_image(mask_path) > 0
    rows, cols = np.nonzero(mask)
    assert abs(rows.mean() - (SIZE - 30)) < 0.5 and abs(cols.mean() - 40) < 0.5
    assert abs(mask.sum() - np.pi * 10**2) < 0.1 * np.pi * 10**2
    two = read_image(records.loc["mdb005", "mask_paths"][0]) > 0
    assert two[SIZE - 64, 60] and two[SIZE - 40, 70]  # both circles of the film


def test_abnormal_films_without_coordinates_keep_their_label_and_are_listed(original):
    records = read_mias(original).set_index("reference")
    assert records.attrs["unlocated"] == ["mdb007", "mdb009"]
    assert records.loc["mdb007", "label"] == "Benign"
    assert records.loc["mdb009", "label"] == "Malignant"
    assert records.loc["mdb009", "mask_paths"] == () and not records.loc["mdb009", "located"]
    assert records.loc["mdb003", "located"]  # a normal film needs no circle


def test_the_bare_table_and_a_csv_copy_read_the_same(original, tmp_path):
    expected = read_mias(original)
    bare = tmp_path / "bare"
    _films(bare)
    (bare / "Info.txt").write_text("\n".join(TABLE) + "\n")
    csv = tmp_path / "csv"
    _films(csv)
    lines = ["REFNUM,BG,CLASS,SEVERITY,X,Y,RADIUS"]
    lines += [",".join(line.replace("*NOTE 3*", "").split()) for line in TABLE]
    (csv / "Info.csv").write_text("\n".join(lines) + "\n")
    for root in (bare, csv):
        records = read_mias(root)
        columns = ["label", "patient_id", "side", "circles", "abnormality_classes"]
        assert records[columns].equals(expected[columns]), root


def test_detected_and_loaded_as_a_dataset(original):
    assert detect_dataset(original) == "mias"
    assert len(load_records(original)) == 10


def test_a_missing_film_is_named_or_skipped_and_listed(original):
    (original / "all-mias" / "mdb004.pgm").unlink()
    with pytest.raises(DatasetError, match="mdb004"):
        read_mias(original)
    records = read_mias(original, on_missing="skip")
    assert len(records) == 9
    assert [Path(s["path"]).name for s in records.attrs["skipped"]] == ["mdb004.pgm"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("mdb011 X CIRC B 1 2 3", "background tissue"),
        ("mdb011 G BLOB B 1 2 3", "class"),
        ("mdb011 G CIRC 1 2 3", "severity"),
        ("mdb011 G CIRC B 10 twenty 3", "x, y and radius"),
    ],
)
def test_a_malformed_line_is_named(tmp_path, line, problem):
    table = tmp_path / "Info.txt"
    table.write_text("mdb001 G NORM\n" + line + "\n")
    with pytest.raises(DatasetError, match=rf"line 2: .*{problem}"):
        parse_info(table)


def test_a_folder_without_the_table_says_what_it_needs(tmp_path):
    _films(tmp_path)
    with pytest.raises(DatasetError, match="Info.txt"):
        read_mias(tmp_path)


def test_the_usual_mias_tasks_apply(original):
    from mammokit.datasets import apply_task

    records = read_mias(original)
    abnormal = apply_task(records, "normal-vs-abnormal")
    assert abnormal["label"].value_counts().to_dict() == {"Normal": 5, "Abnormal": 5}
    lesions = apply_task(records, "benign-vs-malignant")
    assert lesions["label"].value_counts().to_dict() == {"Benign": 3, "Malignant": 2}
