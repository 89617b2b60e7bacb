"""read_rsna_screening and read_vindr_mammo on fixtures written in their documented formats.

Their licences forbid redistributing the real tables, so these fixtures are written here row by
row in the exact published format (columns, codes, blanks, quirks) described in
``shared/reference/datasets/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mammokit.datasets import (
    apply_task,
    detect_dataset,
    load_records,
    read_rsna_screening,
    read_vindr_mammo,
)
from mammokit.errors import DatasetError
from mammokit.metrics.levels import aggregate_predictions

RSNA_HEADER = (
    "site_id,patient_id,image_id,laterality,view,age,cancer,biopsy,invasive,BIRADS,implant,"
    "density,machine_id,difficult_negative_case"
)
#: Raw Kaggle writing: integers as integers, blanks empty, True/False literal, odd views.
RSNA_ROWS = """\
2,10006,462822612,L,CC,61,0,0,0,,0,,29,False
2,10006,1459541791,L,MLO,61,0,0,0,,0,,29,False
2,10006,1864590858,R,MLO,61,0,0,0,,0,,29,False
2,10006,1874946579,R,CC,61,0,0,0,,0,,29,False
2,10011,220375232,L,CC,55,0,0,0,0,0,,21,True
2,10011,270344397,L,MLO,55,0,0,0,0,0,,21,True
2,10011,541722628,R,CC,55,0,0,0,0,0,,21,True
2,10011,1031443799,R,MLO,55,0,0,0,0,0,,21,True
1,10049,94335194,L,CC,,1,1,1,,0,B,49,False
1,10049,1242186138,L,AT,,1,1,1,,0,B,49,False
1,10049,1359297102,L,MLO,,1,1,1,,0,B,49,False
1,10049,1925891106,R,CC,,0,0,0,1,0,B,49,False
1,10049,2143573817,R,MLO,,0,0,0,1,0,B,49,False
1,10102,1312416946,R,LM,72,0,1,0,2,1,D,93,False
1,10102,1541016216,R,CC,72,0,1,0,2,1,D,93,False
"""


def _rsna(root: Path, suffix: str = ".dcm", images: str = "train_images") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "train.csv").write_text(RSNA_HEADER + "\n" + RSNA_ROWS)
    for line in RSNA_ROWS.splitlines():
        _, patient, image = line.split(",")[:3]
        (root / images / patient).mkdir(parents=True, exist_ok=True)
        (root / images / patient / f"{image}{suffix}").write_bytes(b"")
    return root


def test_rsna_counts_equal_the_table(tmp_path):
    records = read_rsna_screening(_rsna(tmp_path / "rsna"))
    table = pd.read_csv(tmp_path / "rsna" / "train.csv", dtype={"patient_id": str})
    assert len(records) == len(table) == 15
    assert records["label"].value_counts().to_dict() == {"NoCancer": 12, "Cancer": 3}
    assert records.attrs["classes"] == ("NoCancer", "Cancer")
    assert records["patient_id"].nunique() == records["exam_id"].nunique() == 4
    sides = table["laterality"].map({"L": "LEFT", "R": "RIGHT"}).value_counts().to_dict()
    assert records["side"].value_counts().to_dict() == sides == {"LEFT": 7, "RIGHT": 8}
    assert records["view"].value_counts().to_dict() == table["view"].value_counts().to_dict()
    assert {"AT", "LM"} <= set(records["view"])
    assert records["age"].isna().sum() == 5
    assert records["density"].value_counts().to_dict() == {2.0: 5, 4.0: 2}
    assert records["density"].isna().sum() == 8
    assert sorted(records["birads"].unique()) == ["", "0", "1", "2"]
    assert records["difficult_negative_case"].sum() == 4
    assert set(records["prediction_id"]) == {
        f"{p}_{s}" for p in ("10006", "10011", "10049") for s in "LR"
    } | {"10102_R"}
    assert set(records["dataset"]) == {"rsna-screening"}


def test_rsna_breasts_are_kaggles_prediction_ids(tmp_path):
    records = read_rsna_screening(_rsna(tmp_path / "rsna"))
    probabilities = [[0.9, 0.1]] * len(records)
    breasts = aggregate_predictions(records, probabilities, level="breast")
    ids = set(breasts["patient_id"] + "_" + breasts["side"].str[0])
    assert ids == set(records["prediction_id"])
    assert breasts.loc[breasts["label"] == "Cancer", "patient_id"].tolist() == ["10049"]


def test_rsna_tasks_and_converted_images(tmp_path):
    root = _rsna(tmp_path / "rsna", suffix=".png", images="png_512")
    records = read_rsna_screening(root, images=root / "png_512")
    assert records["image_path"].str.endswith(".png").all()
    assert apply_task(records, "cancer-vs-rest")["label"].tolist() == records["label"].tolist()
    density = apply_task(records, "density")
    assert density["label"].value_counts().to_dict() == {"B": 5, "D": 2}


def test_rsna_missing_images_are_named_or_skipped(tmp_path):
    root = _rsna(tmp_path / "rsna")
    (root / "train_images" / "10102" / "1312416946.dcm").unlink()
    with pytest.raises(DatasetError, match="1312416946"):
        read_rsna_screening(root)
    records = read_rsna_screening(root, on_missing="skip")
    assert len(records) == 14 and len(records.attrs["skipped"]) == 1


def test_rsna_test_split_is_unlabelled(tmp_path):
    root = tmp_path / "rsna"
    (root / "test_images" / "10008").mkdir(parents=True)
    (root / "test.csv").write_text(
        "site_id,patient_id,image_id,laterality,view,age,implant,machine_id,prediction_id\n"
        "2,10008,736471439,L,MLO,81,0,21,10008_L\n"
    )
    (root / "test_images" / "10008" / "736471439.dcm").write_bytes(b"")
    records = read_rsna_screening(root, split="test")
    assert records["label"].tolist() == ["Unlabelled"]
    assert records.attrs["classes"] == ("Unlabelled",)


BREAST_HEADER = (
    "study_id,series_id,image_id,laterality,view_position,height,width,breast_birads,"
    "breast_density,split"
)
FINDING_HEADER = (
    "study_id,series_id,image_id,laterality,view_position,height,width,breast_birads,"
    "breast_density,finding_categories,finding_birads,xmin,ymin,xmax,ymax,split"
)
#: (study, image, side, view, birads, density, split); the second study has two L CC images
#: and no L MLO, like the published study dbca9d28baa3207b3187c4d07dc81a80.
_A, _B = "b8d273e8601f348d3664778dae0e7e0b", "dbca9d28baa3207b3187c4d07dc81a80"
VINDR_IMAGES = [
    (_A, "d8125545210c08e1b1793a5af6458ee2", "L", "CC", 2, "C", "training"),
    (_A, "290c658f4e75a3f83ec78a847414297c", "L", "MLO", 2, "C", "training"),
    (_A, "4e3a578fe535ea4f5258d3f7f4419db8", "R", "CC", 4, "C", "training"),
    (_A, "040cc172596bded4092c44094dc33fb7", "R", "MLO", 4, "C", "training"),
    (_B, "1a0000000000000000000000000000a1", "L", "CC", 1, "B", "test"),
    (_B, "1a0000000000000000000000000000a2", "L", "CC", 1, "B", "test"),
    (_B, "1a0000000000000000000000000000a3", "R", "CC", 5, "B", "test"),
    (_B, "1a0000000000000000000000000000a4", "R", "MLO", 5, "B", "test"),
]
#: (image index, categories literal, finding birads, box) rows of finding_annotations.csv
VINDR_FINDINGS = [
    (0, "['No Finding']", "", ("", "", "", "")),
    (2, "['Mass']", "BI-RADS 4", ("2355.1398925781", "1300.0", "2500.5", "1450.25")),
    (2, "['Suspicious Calcification', 'Mass']", "", ("2098.0", "900.0", "2200.0", "1000.0")),
    (6, "['Mass']", "BI-RADS 5", ("10.0", "20.0", "30.0", "40.0")),
]


def _vindr(root: Path) -> Path:
    (root / "images").mkdir(parents=True)
    lines = [BREAST_HEADER]
    for study, image, side, view, birads, density, split in VINDR_IMAGES:
        lines.append(
            f"{study},s{study[:8]},{image},{side},{view},3518,2800,BI-RADS {birads},"
            f"DENSITY {density},{split}"
        )
        (root / "images" / study).mkdir(exist_ok=True)
        (root / "images" / study / f"{image}.dicom").write_bytes(b"")
    (root / "breast-level_annotations.csv").write_text("\n".join(lines) + "\n")
    lines = [FINDING_HEADER]
    for index, categories, birads, box in VINDR_FINDINGS:
        study, image, side, view, breast, density, split = VINDR_IMAGES[index]
        lines.append(
            f"{study},s{study[:8]},{image},{side},{view},3518,2800,BI-RADS {breast},"
            f'DENSITY {density},"{categories}",{birads},{",".join(box)},{split}'
        )
    (root / "finding_annotations.csv").write_text("\n".join(lines) + "\n")
    return root


def test_vindr_counts_labels_and_split_equal_the_table(tmp_path):
    records = read_vindr_mammo(_vindr(tmp_path / "vindr"))
    assert len(records) == 8
    assert records["label"].value_counts().to_dict() == {
        "BI-RADS 2": 2,
        "BI-RADS 4": 2,
        "BI-RADS 1": 2,
        "BI-RADS 5": 2,
    }
    assert records.attrs["classes"] == ("BI-RADS 1", "BI-RADS 2", "BI-RADS 4", "BI-RADS 5")
    assert records["exam_id"].nunique() == records["patient_id"].nunique() == 2
    assert records["view"].value_counts().to_dict() == {"CC": 5, "MLO": 3}
    assert records["split"].value_counts().to_dict() == {"training": 4, "test": 4}
    assert set(records["density"]) == {2.0, 3.0}


def test_vindr_boxes_and_findings(tmp_path):
    records = read_vindr_mammo(_vindr(tmp_path / "vindr")).set_index("image_id")
    two = records.loc["4e3a578fe535ea4f5258d3f7f4419db8"]
    assert two["boxes"] == (
        (2355.1398925781, 1300.0, 2500.5, 1450.25),
        (2098.0, 900.0, 2200.0, 1000.0),
    )
    assert two["box_categories"] == ("Mass", "Suspicious Calcification;Mass")
    assert two["box_birads"] == ("4", "")
    assert two["findings"] == "Mass;Suspicious Calcification"
    clean = records.loc["d8125545210c08e1b1793a5af6458ee2"]
    assert clean["findings"] == "No Finding" and clean["boxes"] == ()
    assert records["n_boxes"].sum() == 3


def test_vindr_tasks(tmp_path):
    records = read_vindr_mammo(_vindr(tmp_path / "vindr"))
    assert apply_task(records, "birads")["label"].tolist() == records["label"].tolist()
    suspicious = apply_task(records, "birads-suspicious")
    assert suspicious["label"].value_counts().to_dict() == {"NotSuspicious": 4, "Suspicious": 4}
    assert set(apply_task(records, "density")["label"]) == {"B", "C"}


def test_vindr_missing_and_malformed(tmp_path):
    root = _vindr(tmp_path / "vindr")
    study, image = VINDR_IMAGES[3][:2]
    (root / "images" / study / f"{image}.dicom").unlink()
    with pytest.raises(DatasetError, match=image):
        read_vindr_mammo(root)
    assert len(read_vindr_mammo(root, on_missing="skip")) == 7
    text = (root / "breast-level_annotations.csv").read_text().replace("BI-RADS 5", "BI-RADS 7")
    (root / "breast-level_annotations.csv").write_text(text)
    with pytest.raises(DatasetError, match="BI-RADS 7"):
        read_vindr_mammo(root, on_missing="skip")
    with pytest.raises(DatasetError, match="breast-level_annotations.csv"):
        read_vindr_mammo(tmp_path)


def test_load_records_recognises_both_downloads(tmp_path):
    rsna, vindr = _rsna(tmp_path / "rsna"), _vindr(tmp_path / "vindr")
    assert (detect_dataset(rsna), detect_dataset(vindr)) == ("rsna-screening", "vindr-mammo")
    assert load_records(rsna)["image_path"].tolist() == (
        read_rsna_screening(rsna)["image_path"].tolist()
    )
    assert len(load_records(vindr)) == 8
