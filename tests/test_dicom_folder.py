"""read_dicom_folder on archives written with pydicom: tags present, missing and odd."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import write_dicom
from mammokit.datasets import read_dicom_folder, split_by_patient
from mammokit.errors import DatasetError, MammokitError
from mammokit.metrics.levels import level_keys

pydicom = pytest.importorskip("pydicom")

PIXELS = np.zeros((8, 6), np.uint16)


def _view_code(meaning: str):
    item = pydicom.Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "R-10242", "SRT", meaning
    return pydicom.Sequence([item])


@pytest.fixture
def archive(tmp_path):
    """Two patients in two exams each, every tag in another place, and files to refuse."""
    root = tmp_path / "archive"
    for patient in ("P1", "P2"):
        for exam in ("2019", "2021"):
            for side in ("L", "R"):
                for view in ("CC", "MLO"):
                    folder = root / patient / exam
                    folder.mkdir(parents=True, exist_ok=True)
                    write_dicom(
                        folder / f"{side}{view}",  # no suffix: found by the preamble
                        PIXELS,
                        PatientID=patient,
                        StudyInstanceUID=f"1.2.{patient[1]}.{exam}",
                        ImageLaterality=side,
                        ViewPosition=view,
                        PatientAge="061Y",
                        Manufacturer="HOLOGIC, Inc.",
                        BitsStored=12,
                    )
    odd = root / "odd"
    odd.mkdir()
    # laterality only in Laterality; view only in the ViewCodeSequence
    write_dicom(
        odd / "a.dcm",
        PIXELS,
        PatientID="P3",
        StudyInstanceUID="1.3",
        Laterality="R",
        ViewCodeSequence=_view_code("medio-lateral oblique"),
    )
    # both only in the series description; inverted grey scale
    write_dicom(
        odd / "b.dcm",
        PIXELS,
        "MONOCHROME1",
        PatientID="P3",
        StudyInstanceUID="1.3",
        SeriesDescription="L CC",
    )
    # no laterality anywhere: kept and flagged
    write_dicom(odd / "c.dcm", PIXELS, PatientID="P3", StudyInstanceUID="1.3")
    # refused: no patient, not a mammogram, not DICOM at all
    write_dicom(odd / "d.dcm", PIXELS, ImageLaterality="L")
    write_dicom(odd / "e.dcm", PIXELS, PatientID="P3", Modality="CT")
    (odd / "notes.txt").write_text("report")
    (odd / "broken.dcm").write_bytes(b"not dicom at all")
    return root


def test_headers_give_patient_exam_side_view(archive):
    records = read_dicom_folder(archive)
    clean = records[records["patient_id"].isin(["P1", "P2"])]
    assert len(clean) == 16
    assert clean.groupby("patient_id")["exam_id"].nunique().to_dict() == {"P1": 2, "P2": 2}
    assert clean["side"].value_counts().to_dict() == {"LEFT": 8, "RIGHT": 8}
    assert clean["view"].value_counts().to_dict() == {"CC": 8, "MLO": 8}
    assert (clean["age"] == 61).all() and (clean["bits_stored"] == 12).all()
    assert set(clean["manufacturer"]) == {"HOLOGIC, Inc."}
    assert set(records["label"]) == {"Unlabelled"} and set(records["dataset"]) == {"dicom"}


def test_odd_headers_are_read_from_where_they_are(archive):
    records = read_dicom_folder(archive)
    odd = records[records["patient_id"] == "P3"]
    odd.index = [path.rsplit("/", 1)[-1] for path in odd["image_path"]]
    assert odd.loc["a.dcm", ["side", "view"]].tolist() == ["RIGHT", "MLO"]
    assert odd.loc["b.dcm", ["side", "view"]].tolist() == ["LEFT", "CC"]
    assert odd.loc["b.dcm", "photometric_interpretation"] == "MONOCHROME1"
    assert odd.loc["c.dcm", "side"] == ""


def test_what_is_refused_or_flagged_is_listed(archive):
    records = read_dicom_folder(archive)
    skipped = {
        entry["path"].rsplit("/", 1)[-1]: entry["reason"] for entry in records.attrs["skipped"]
    }
    assert "PatientID" in skipped["d.dcm"]
    assert "modality CT" in skipped["e.dcm"]
    assert skipped["notes.txt"] == "not a DICOM file"
    assert "not a readable DICOM" in skipped["broken.dcm"]
    flagged = [entry["path"].rsplit("/", 1)[-1] for entry in records.attrs["flagged"]]
    assert flagged == ["c.dcm"]
    with pytest.raises(MammokitError, match="side"):
        level_keys(records, "breast")


def test_breast_labels_join_on_patient_and_side(archive, tmp_path):
    labels = tmp_path / "labels.csv"
    pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2"],
            "side": ["L", "R", "L", "R"],
            "label": ["Cancer", "Normal", "Normal", "Benign"],
        }
    ).to_csv(labels, index=False)
    records = read_dicom_folder(archive, labels=labels)
    assert len(records) == 16  # P3's files have no label: left out and listed
    by_breast = records.groupby(["patient_id", "side"])["label"].agg(set).to_dict()
    assert by_breast[("P1", "LEFT")] == {"Cancer"} and by_breast[("P2", "RIGHT")] == {"Benign"}
    assert records.attrs["classes"] == ("Normal", "Benign", "Cancer")
    unlabelled = [e for e in records.attrs["skipped"] if "no label" in e["reason"]]
    assert len(unlabelled) == 3
    train, _, test = split_by_patient(records, 0, 0.5, seed=0)
    assert not set(train["patient_id"]) & set(test["patient_id"])


def test_labels_join_on_file_names(archive):
    table = pd.DataFrame({"file": ["odd/a.dcm", "odd/b.dcm"], "label": ["Benign", "Malignant"]})
    records = read_dicom_folder(archive, labels=table)
    assert records["label"].tolist() == ["Malignant", "Benign"]  # sorted: LEFT before RIGHT


def test_label_table_errors_name_the_problem(archive):
    with pytest.raises(DatasetError, match="key column"):
        read_dicom_folder(archive, labels=pd.DataFrame({"x": [1], "label": ["a"]}))
    with pytest.raises(DatasetError, match="repeated"):
        read_dicom_folder(
            archive, labels=pd.DataFrame({"patient_id": ["P1", "P1"], "label": ["a", "b"]})
        )


def test_a_folder_without_mammograms_is_an_error(tmp_path):
    write_dicom(tmp_path / "ct.dcm", PIXELS, PatientID="P", Modality="CT")
    with pytest.raises(DatasetError, match="no mammograms"):
        read_dicom_folder(tmp_path)
    with pytest.raises(DatasetError, match="no such folder"):
        read_dicom_folder(tmp_path / "nowhere")
