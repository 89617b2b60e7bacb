import shutil

import pandas as pd
import pytest

from mammokit.datasets import read_mini_ddsm
from mammokit.errors import DatasetError


def test_reads_every_view_with_metadata(records):
    assert len(records) == 36
    assert records["patient_id"].nunique() == 9
    assert set(records["label"]) == {"Normal", "Benign", "Cancer"}
    assert set(records["side"]) == {"LEFT", "RIGHT"} and set(records["view"]) == {"CC", "MLO"}
    assert records["age"].between(38, 80).all() and records["density"].between(1, 4).all()
    assert records.attrs["skipped"] == []
    assert records.attrs["classes"] == ("Normal", "Benign", "Cancer")
    assert records.attrs["labels"] == "case" and (records["label"] == records["case_label"]).all()
    outlined = records["mask_paths"].map(len)
    assert outlined.isin([0, 1]).all()
    assert set(records.loc[outlined > 0, "label"]) == {"Benign", "Cancer"}
    # a lesion case's lesion is in one breast, seen in both views; the other breast is clean
    lesion_cases = records[records["label"] != "Normal"]
    counts = lesion_cases.assign(n=lesion_cases["mask_paths"].map(len))
    per_breast = counts.groupby(["patient_id", "side"])["n"].apply(tuple)
    for _, sides in per_breast.groupby(level=0):
        assert sorted(sides) == [(0, 0), (1, 1)]


def test_breast_labels_call_the_clean_breast_normal(synthetic_root, records):
    breast = read_mini_ddsm(synthetic_root, labels="breast")
    assert breast.attrs["labels"] == "breast"
    assert (breast["case_label"] == records["label"]).all()
    outlined = breast["mask_paths"].map(len) > 0
    assert (breast.loc[outlined, "label"] == breast.loc[outlined, "case_label"]).all()
    assert (breast.loc[~outlined, "label"] == "Normal").all()
    assert int((breast["label"] != breast["case_label"]).sum()) == 12  # 6 lesion cases x 2
    with pytest.raises(DatasetError, match="labels must be one of"):
        read_mini_ddsm(synthetic_root, labels="image")


def test_png16_variant_shares_the_spreadsheet(synthetic_root, records):
    png = read_mini_ddsm(synthetic_root, variant="png16")
    assert png["image_path"].str.endswith(".png").all()
    assert list(png["patient_id"]) == list(records["patient_id"])
    masks = [m for paths in png["mask_paths"] for m in paths]
    assert masks and all(m.endswith("_Mask.png") for m in masks)


def test_variant_folder_can_be_the_root(synthetic_root, records):
    direct = read_mini_ddsm(synthetic_root / "MINI-DDSM-Complete-JPEG-8")
    pd.testing.assert_frame_equal(direct, records)


def _copy(synthetic_root, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(synthetic_root, target)
    return target


def test_folder_scan_without_spreadsheet_matches(synthetic_root, records, tmp_path):
    root = _copy(synthetic_root, tmp_path)
    (root / "MINI-DDSM-Complete-JPEG-8" / "DataWMask.xlsx").unlink()
    scanned = read_mini_ddsm(root)
    assert [p.replace(str(root), "") for p in scanned["image_path"]] == [
        p.replace(str(synthetic_root), "") for p in records["image_path"]
    ]
    assert list(scanned["age"]) == list(records["age"])
    assert list(scanned["mask_paths"].map(len)) == list(records["mask_paths"].map(len))


def test_strays_and_mask_case_quirks(synthetic_root, tmp_path):
    root = _copy(synthetic_root, tmp_path)
    jpeg = root / "MINI-DDSM-Complete-JPEG-8"
    (jpeg / "DataWMask.xlsx").unlink()
    case = jpeg / "Cancer" / "0001"
    shutil.copy(case / "C_0001_1.LEFT_MLO.jpg", case / "Mask_C_0001_1.LEFT_MLO.jpg")
    (case / "C_0001_1.RIGHT_MLO.OVERLAYu").write_text("stray")
    (case / "TAPE_C_0001_1.COMB.16_PGM").write_bytes(b"P5")
    shutil.copy(case / "C_0001_1.LEFT_CC_Mask.jpg", case / "C_0001_1.LEFT_CC_MASK2.jpg")
    shutil.copy(case / "C_0001_1.LEFT_CC.jpg", jpeg / "BoundaryMask.png")
    extra = root / "Data-MoreThanTwoMasks" / "Cancer" / "0001"
    extra.mkdir(parents=True)
    shutil.copy(case / "C_0001_1.LEFT_CC_Mask.jpg", extra / "C_0001_1.LEFT_CC_Mask3.png")
    scanned = read_mini_ddsm(root)
    assert len(scanned) == 36
    left_cc = scanned[scanned["image_path"].str.endswith("C_0001_1.LEFT_CC.jpg")].iloc[0]
    names = sorted(p.rsplit("/", 1)[-1] for p in left_cc["mask_paths"])
    assert names == [
        "C_0001_1.LEFT_CC_MASK2.jpg",
        "C_0001_1.LEFT_CC_Mask.jpg",
        "C_0001_1.LEFT_CC_Mask3.png",
    ]


def test_missing_image_raises_or_is_reported(synthetic_root, tmp_path):
    root = _copy(synthetic_root, tmp_path)
    gone = root / "MINI-DDSM-Complete-JPEG-8" / "Benign" / "0002" / "B_0002_1.RIGHT_CC.jpg"
    gone.unlink()
    with pytest.raises(DatasetError, match="B_0002_1.RIGHT_CC.jpg"):
        read_mini_ddsm(root)
    kept = read_mini_ddsm(root, on_missing="skip")
    assert len(kept) == 35
    assert kept.attrs["skipped"] == [
        {"path": str(gone), "reason": "image listed in DataWMask.xlsx is missing"}
    ]


def test_unknown_status_and_missing_columns_are_errors(synthetic_root, tmp_path):
    root = _copy(synthetic_root, tmp_path)
    sheet_path = root / "MINI-DDSM-Complete-JPEG-8" / "DataWMask.xlsx"
    sheet = pd.read_excel(sheet_path)
    broken = sheet.copy()
    broken.loc[3, "Status"] = "Malignant"
    broken.to_excel(sheet_path, index=False)
    with pytest.raises(DatasetError, match=r"row 5: unknown Status 'Malignant'"):
        read_mini_ddsm(root)
    sheet.drop(columns=["Tumour_Contour"]).to_excel(sheet_path, index=False)
    with pytest.raises(DatasetError, match="missing column"):
        read_mini_ddsm(root)


def test_bad_root_and_arguments(tmp_path):
    with pytest.raises(DatasetError, match="not a folder"):
        read_mini_ddsm(tmp_path / "nope")
    with pytest.raises(DatasetError, match="class folders"):
        read_mini_ddsm(tmp_path)
    with pytest.raises(DatasetError, match="variant"):
        read_mini_ddsm(tmp_path, variant="dicom")
