"""read_inbreast on a release written in INbreast's documented format.

INbreast may not be redistributed; this fixture follows the format described in
``shared/reference/datasets/README.md``: ``;``-separated CSV with CRLF endings, "removed"
patient and age, an ACR of spaces, an ``FB`` view, BI-RADS ``4a``..``4c``, file names that say
``ML`` where the table says ``MLO``, and OsiriX plist ROIs.
"""

from __future__ import annotations

import plistlib

import cv2
import numpy as np
import pytest

from conftest import write_dicom
from mammokit.datasets import apply_task, detect_dataset, load_records, read_inbreast
from mammokit.datasets.readers.inbreast import roi_polygons
from mammokit.errors import DatasetError

pytest.importorskip("pydicom")

HEADER = "Patient ID;Patient age;Laterality;View;Acquisition date;File Name;ACR;Bi-Rads"
#: (side, view, date, file name, ACR, BI-RADS, patient hash)
IMAGES = [
    ("R", "CC", "201001", "20587148", "2", "2", "fd746d25eb40b3dc"),
    ("R", "MLO", "201001", "20587200", "2", "2", "fd746d25eb40b3dc"),
    ("L", "CC", "201001", "20587174", "2", "4a", "fd746d25eb40b3dc"),
    ("L", "MLO", "201001", "20587226", "2", "4c", "fd746d25eb40b3dc"),
    ("L", "CC", "200802", "24055779", "1", "2", "f0f1a133837b5137"),
    ("R", "FB", "200802", "50994300", " " * 200, "1", "f0f1a133837b5137"),
    ("L", "CC", "200903", "53587599", "4", "6", "11e6732579acf692"),
]


def _xml(path, rois):
    document = {"Images": [{"ImageIndex": 0, "NumberOfROIs": len(rois), "ROIs": rois}]}
    with open(path, "wb") as handle:
        plistlib.dump(document, handle)


@pytest.fixture
def release(tmp_path):
    root = tmp_path / "INbreast Release 1.0"
    (root / "AllDICOMs").mkdir(parents=True)
    (root / "AllXML").mkdir()
    lines = [HEADER]
    for side, view, date, name, acr, birads, patient in IMAGES:
        lines.append(f"removed;removed;{side};{view};{date};{name};{acr};{birads}")
        file_view = {"MLO": "ML"}.get(view, view)
        write_dicom(
            root / "AllDICOMs" / f"{name}_{patient}_MG_{side}_{file_view}_ANON.dcm",
            np.zeros((60, 40), np.uint16),
        )
    (root / "INbreast.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    mass = {
        "Name": "Mass",
        "NumberOfPoints": 4,
        "Point_px": ["(10.5, 10.25)", "(30, 10)", "(30, 30)", "(10, 30)"],
        "Point_mm": ["(1.1, 1.1, 0)"] * 4,
        "Area": 400.0,
    }
    calcification = {"Name": "Calcification", "NumberOfPoints": 1, "Point_px": ["(5, 50)"]}
    _xml(root / "AllXML" / "20587174.xml", [mass, calcification])
    _xml(root / "AllXML" / "53587599.xml", [calcification, calcification])
    return root


def test_counts_and_columns_follow_the_table(release):
    records = read_inbreast(release)
    assert len(records) == len(IMAGES)
    assert records["label"].value_counts().to_dict() == {
        "BI-RADS 2": 3, "BI-RADS 1": 1, "BI-RADS 4A": 1, "BI-RADS 4C": 1, "BI-RADS 6": 1
    }  # fmt: skip
    assert records.attrs["classes"] == (
        "BI-RADS 1", "BI-RADS 2", "BI-RADS 4A", "BI-RADS 4C", "BI-RADS 6"
    )  # fmt: skip
    assert records["patient_id"].nunique() == 3 and records["exam_id"].nunique() == 3
    assert records["view"].value_counts().to_dict() == {"CC": 4, "MLO": 2, "FB": 1}
    assert records["side"].value_counts().to_dict() == {"LEFT": 4, "RIGHT": 3}
    fb = records[records["view"] == "FB"].iloc[0]
    assert np.isnan(fb["density"]) and fb["file_name"] == "50994300"
    assert records["age"].isna().all()


def test_xml_outlines_become_masks(release):
    records = read_inbreast(release).set_index("file_name")
    row = records.loc["20587174"]
    assert row["roi_names"] == "Calcification;Mass" and row["n_rois"] == 2
    mask = cv2.imread(row["mask_paths"][0], cv2.IMREAD_UNCHANGED)
    assert mask.shape == (60, 40) and set(np.unique(mask)) == {0, 255}
    assert mask[20, 20] == 255 and mask[40, 20] == 0  # inside the mass, outside
    assert mask[50, 5] == 255 and mask[50, 12] == 0  # the calcification's disc
    assert records.loc["53587599", "roi_names"] == "Calcification (2)"
    assert records.loc["20587148", "mask_paths"] == ()
    again = read_inbreast(release).set_index("file_name")
    assert again.loc["20587174", "mask_paths"] == row["mask_paths"]


def test_masks_go_where_asked(release, tmp_path):
    records = read_inbreast(release, mask_dir=tmp_path / "masks")
    assert sum(len(paths) for paths in records["mask_paths"]) == 2
    assert all(p.startswith(str(tmp_path / "masks")) for ps in records["mask_paths"] for p in ps)


def test_tasks(release):
    records = read_inbreast(release)
    suspicious = apply_task(records, "birads-suspicious")
    assert suspicious["label"].value_counts().to_dict() == {"NotSuspicious": 4, "Suspicious": 3}
    birads = apply_task(records, "birads")
    assert len(birads) == 6 and "BI-RADS 4" in set(birads["label"])  # 6 dropped, 4A/4C merged


def test_missing_images_and_bad_files(release):
    next((release / "AllDICOMs").glob("24055779_*")).unlink()
    with pytest.raises(DatasetError, match="24055779"):
        read_inbreast(release)
    assert len(read_inbreast(release, on_missing="skip")) == len(IMAGES) - 1
    text = (release / "INbreast.csv").read_text().replace(";4c", ";7")
    (release / "INbreast.csv").write_text(text)
    with pytest.raises(DatasetError, match="Bi-Rads '7'"):
        read_inbreast(release, on_missing="skip")
    (release / "AllXML" / "20587174.xml").write_text("<plist>broken")
    with pytest.raises(DatasetError, match="20587174.xml"):
        roi_polygons(release / "AllXML" / "20587174.xml")


def test_load_records_recognises_the_release(release):
    assert detect_dataset(release) == "inbreast"
    assert len(load_records(release)) == len(IMAGES)
