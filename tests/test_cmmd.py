"""read_cmmd on a tree laid out from CMMD's real clinical spreadsheet and retriever listing."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import write_dicom
from mammokit.datasets import apply_task, detect_dataset, read_cmmd
from mammokit.errors import DatasetError

pydicom = pytest.importorskip("pydicom")

DATA = Path(__file__).parent / "data"
SHEET = "CMMD_clinicaldata_revision.xlsx"


def _templates(folder: Path) -> dict[tuple[str, str], bytes]:
    """Header-only differences: laterality in ImageLaterality, view in ViewCodeSequence."""
    folder.mkdir(parents=True, exist_ok=True)
    meanings = {"CC": "cranio-caudal", "MLO": "medio-lateral oblique"}
    templates = {}
    for side in "LR":
        for view, meaning in meanings.items():
            code = pydicom.Dataset()
            code.CodeMeaning = meaning
            path = write_dicom(
                folder / f"{side}{view}.dcm",
                np.zeros((8, 6), np.uint16),
                ImageLaterality=side,
                ViewCodeSequence=pydicom.Sequence([code]),
                StudyInstanceUID="1.3.6.1.4.1.14519.5.2.1.1239.1759.1",
            )
            templates[side, view] = path.read_bytes()
    return templates


@pytest.fixture(scope="module")
def clinical() -> pd.DataFrame:
    return pd.read_excel(DATA / f"cmmd-{SHEET}", dtype=str)


@pytest.fixture(scope="module")
def cmmd_tree(tmp_path_factory, clinical):
    """Every series of the real metadata.csv: CC and MLO of one breast (2 images) or both (4)."""
    root = tmp_path_factory.mktemp("cmmd")
    templates = _templates(tmp_path_factory.mktemp("templates"))
    shutil.copy(DATA / f"cmmd-{SHEET}", root / SHEET)
    (root / "metadata.csv").write_bytes(
        gzip.decompress((DATA / "cmmd-metadata.csv.gz").read_bytes())
    )
    listing = pd.read_csv(root / "metadata.csv", dtype=str)
    sides = clinical.groupby("ID1")["LeftRight"].agg(sorted).to_dict()
    for entry in listing.to_dict("records"):
        folder = root.joinpath(*entry["File Location"].replace("\\", "/").split("/")[1:])
        folder.mkdir(parents=True)
        patient_sides = sides[entry["Subject ID"]] if entry["Number of Images"] == "2" else "LR"
        images = [(side, view) for side in patient_sides for view in ("CC", "MLO")]
        for number, key in enumerate(images, start=1):
            (folder / f"1-{number}.dcm").write_bytes(templates[key])
    return root


@pytest.fixture(scope="module")
def cmmd_records(cmmd_tree):
    return read_cmmd(cmmd_tree)


def test_counts_equal_the_spreadsheet(cmmd_records, clinical):
    assert len(clinical) == 1872 and clinical["ID1"].nunique() == 1775
    assert len(cmmd_records) == 2 * len(clinical)
    per_breast = clinical["classification"].value_counts().to_dict()
    assert (cmmd_records["label"].value_counts() // 2).to_dict() == per_breast
    assert cmmd_records["patient_id"].nunique() == 1775
    sides = clinical["LeftRight"].map({"L": "LEFT", "R": "RIGHT"}).value_counts() * 2
    assert cmmd_records["side"].value_counts().to_dict() == sides.to_dict()
    assert cmmd_records["view"].value_counts().to_dict() == {"CC": 1872, "MLO": 1872}
    assert cmmd_records.groupby(["patient_id", "exam_id"]).ngroups == 1775
    assert cmmd_records.attrs["classes"] == ("Benign", "Malignant")


def test_breasts_the_spreadsheet_does_not_list_are_reported_or_called_normal(cmmd_tree):
    """729 patients have images of both breasts and a spreadsheet row for one (real quirk)."""
    listing = pd.read_csv(cmmd_tree / "metadata.csv", dtype=str)
    n_images = listing["Number of Images"].astype(int).sum()
    skipped = read_cmmd(cmmd_tree).attrs["skipped"]
    assert len(skipped) == n_images - 2 * 1872 == 2 * 729
    assert all("no row for" in entry["reason"] for entry in skipped)
    records = read_cmmd(cmmd_tree, unlisted="normal")
    assert len(records) == n_images and records.attrs["skipped"] == []
    assert records.attrs["classes"] == ("Normal", "Benign", "Malignant")
    normal = records[records["label"] == "Normal"]
    assert len(normal) == 2 * 729 and not normal["listed"].any()
    assert (normal.groupby("patient_id")["side"].nunique() == 1).all()


def test_clinical_columns_are_kept(cmmd_records, clinical):
    assert set(cmmd_records["abnormality"]) == {"mass", "calcification", "both"}
    subtypes = cmmd_records.loc[cmmd_records["subtype"] != "", "subtype"]
    assert set(subtypes) == set(clinical["subtype"].dropna())
    assert (cmmd_records.loc[cmmd_records["subtype"] != "", "cohort"] == "D2").all()
    assert cmmd_records["age"].between(10, 100).all()
    cancer = apply_task(cmmd_records, "cancer-vs-rest")
    assert cancer.attrs["classes"] == ("NoCancer", "Cancer")


def test_missing_and_unlisted_images(tmp_path, clinical):
    root = tmp_path / "cmmd"
    templates = _templates(tmp_path / "t")
    root.mkdir()
    shutil.copy(DATA / f"cmmd-{SHEET}", root / SHEET)
    # D1-0001 is listed for its right breast only; its left images are not in the sheet
    series = root / "CMMD" / "D1-0001" / "07-18-2010-NA-NA-79377" / "1.000000-NA-70244"
    series.mkdir(parents=True)
    for number, key in enumerate([("R", "CC"), ("R", "MLO"), ("L", "CC")], start=1):
        (series / f"1-{number}.dcm").write_bytes(templates[key])
    with pytest.raises(DatasetError, match="breast listed, no images"):
        read_cmmd(root)
    records = read_cmmd(root, on_missing="skip")
    assert len(records) == 2 and set(records["side"]) == {"RIGHT"}
    reasons = [entry["reason"] for entry in records.attrs["skipped"]]
    assert any("no row for D1-0001 LEFT" in reason for reason in reasons)
    assert sum("no images" in reason for reason in reasons) == len(clinical) - 1


def test_no_spreadsheet_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match=SHEET):
        read_cmmd(tmp_path)


def test_the_download_is_recognised(cmmd_tree):
    assert detect_dataset(cmmd_tree) == "cmmd"
