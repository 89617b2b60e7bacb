import cv2
import numpy as np
import pytest

from mammokit.datasets import read_folder
from mammokit.errors import DatasetError


@pytest.fixture
def tree(tmp_path):
    pixels = np.zeros((8, 8), np.uint8)
    for relative in ("normal/a.png", "Cancer/p1/b.jpg", "Cancer/p1/c.png", "BENIGN/d.png"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), pixels)
    (tmp_path / "Cancer" / "notes.txt").write_text("not an image")
    (tmp_path / "other").mkdir()
    return tmp_path


def test_class_folders_any_case_and_nesting(tree):
    records = read_folder(tree)
    assert sorted(zip(records["label"], records["patient_id"], strict=True)) == [
        ("Benign", "d"),
        ("Cancer", "b"),
        ("Cancer", "c"),
        ("Normal", "a"),
    ]
    skipped = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in records.attrs["skipped"]}
    assert skipped == {"notes.txt": "not an image file", "other": "no images in this folder"}
    assert records.attrs["classes"] == ("Normal", "Benign", "Cancer")


def test_any_class_folders_and_a_chosen_class_order(tmp_path):
    pixels = np.zeros((8, 8), np.uint8)
    for relative in ("Malignant/a.png", "benign/b.png", "Malignant/c.png", "unsure/d.png"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / relative), pixels)
    every = read_folder(tmp_path)
    # folder names (a Mini-DDSM class in its own spelling), sorted: not all are Mini-DDSM's
    assert every.attrs["classes"] == ("Benign", "Malignant", "unsure")
    chosen = read_folder(tmp_path, classes=["Benign", "Malignant"])
    assert chosen.attrs["classes"] == ("Benign", "Malignant")
    assert sorted(chosen["label"]) == ["Benign", "Malignant", "Malignant"]
    assert {"path": str(tmp_path / "unsure"), "reason": "not a class folder"} in chosen.attrs[
        "skipped"
    ]


def test_metadata_csv_sets_patient_and_view(tree):
    csv = tree.parent / "meta.csv"
    csv.write_text(
        "file,patient_id,side,view,age\nCancer/p1/b.jpg,P1,left,cc,61\nc.png,P1,RIGHT,MLO,61\n"
    )
    records = read_folder(tree, metadata=csv).set_index("patient_id")
    rows = records.loc["P1"]
    assert sorted(rows["side"]) == ["LEFT", "RIGHT"] and sorted(rows["view"]) == ["CC", "MLO"]
    assert (rows["age"] == 61).all()


def test_metadata_errors(tree):
    bad = tree.parent / "bad.csv"
    bad.write_text("name,patient_id\nx,1\n")
    with pytest.raises(DatasetError, match="'file' column"):
        read_folder(tree, metadata=bad)
    bad.write_text("file\nnowhere.png\n")
    with pytest.raises(DatasetError, match="nowhere.png"):
        read_folder(tree, metadata=bad)


def test_empty_tree_is_an_error(tmp_path):
    (tmp_path / "Normal").mkdir()
    with pytest.raises(DatasetError, match="no images"):
        read_folder(tmp_path)


def test_patients_from_a_pattern_and_a_warning_when_each_file_is_its_own(tmp_path, caplog):
    pixels = np.zeros((8, 8), np.uint8)
    names = ("Cancer/P0042_L_CC.png", "Cancer/P0042_L_MLO.png", "Normal/P0007_R_CC.png")
    for relative in (*names, "Normal/scan.png"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / relative), pixels)
    with caplog.at_level("WARNING", logger="mammokit"):
        records = read_folder(tmp_path, patient_from=r"(?P<patient>P\d+)_")
    assert sorted(records["patient_id"]) == ["P0007", "P0042", "P0042"]
    assert {
        "path": str(tmp_path / "Normal" / "scan.png"),
        "reason": "patient_from did not match",
    } in (records.attrs["skipped"])
    assert "its own patient" not in caplog.text
    with caplog.at_level("WARNING", logger="mammokit"):
        read_folder(tmp_path)  # file stems: four images, four patients
    assert "every one of the 4 images is its own patient" in caplog.text
    with pytest.raises(DatasetError, match="not a regular expression"):
        read_folder(tmp_path, patient_from="(")
