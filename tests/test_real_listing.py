"""The reader against the real Mini-DDSM download's file listing (every name in it).

``tests/data/mini-ddsm-file-listing.txt.gz`` is the listing of the published download. The
test lays the whole tree out as empty files (the reader never opens images) and reads it by
folder scan, as it would a download without its spreadsheet.
"""

import gzip
import re
from pathlib import Path

import pytest

from mammokit.datasets import read_mini_ddsm

LISTING = Path(__file__).parent / "data" / "mini-ddsm-file-listing.txt.gz"


@pytest.fixture(scope="module")
def listing():
    with gzip.open(LISTING, "rt") as handle:
        return [line.strip()[2:] for line in handle if line.strip() not in (".", "")]


@pytest.fixture(scope="module")
def download(listing, tmp_path_factory):
    root = tmp_path_factory.mktemp("mini-ddsm")
    folders = {p for p in listing if "." not in Path(p).name}
    for path in listing:
        if path in folders or path.endswith((".xlsx", ".zip")):
            continue  # no spreadsheet: exercise the folder scan
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    return root


@pytest.mark.parametrize(("variant", "suffix"), [("jpeg8", ".jpg"), ("png16", ".png")])
def test_every_view_of_the_real_listing_is_read(download, variant, suffix):
    records = read_mini_ddsm(download, variant=variant)
    assert len(records) == 7808
    assert records["label"].value_counts().to_dict() == {
        "Cancer": 2716,
        "Benign": 2684,
        "Normal": 2408,
    }
    assert records["patient_id"].nunique() == 1952
    assert records.groupby("patient_id").size().eq(4).all()
    assert records["image_path"].str.endswith(suffix).all()
    names = [Path(p).name for p in records["image_path"]]
    assert not any(n.startswith(("Mask_", "TAPE_")) or "OVERLAY" in n for n in names)


def test_every_mask_in_the_listing_is_attached(download, listing):
    records = read_mini_ddsm(download)
    attached = {Path(m).name for masks in records["mask_paths"] for m in masks}
    pattern = re.compile(r"^[A-D]_\d{4}_\d\.(LEFT|RIGHT)_(CC|MLO)_mask\d?\.(jpg|png)$", re.I)
    expected = {
        Path(p).name
        for p in listing
        if pattern.match(Path(p).name) and ("JPEG-8" in p or "MoreThanTwoMasks" in p)
    }
    assert attached == expected
    assert len(expected) == 3064 + 62
    lesion_views = records[records["mask_paths"].map(len) > 0]
    assert set(lesion_views["label"]) == {"Benign", "Cancer"}


def test_breast_labels_on_the_real_listing(download):
    """1,240 breasts of Benign/Cancer cases carry no outline in either view (the spreadsheet's
    count too): with breast labels their 2,480 images are Normal."""
    case = read_mini_ddsm(download)
    breast = read_mini_ddsm(download, labels="breast")
    assert case.attrs["labels"] == "case" and breast.attrs["labels"] == "breast"
    assert (case["label"] == case["case_label"]).all()
    assert (breast["label"] == breast["breast_label"]).all()
    assert (breast["case_label"] == case["case_label"]).all()
    lesion_cases = breast[breast["case_label"] != "Normal"]
    per_breast = lesion_cases.groupby(["patient_id", "side"])
    assert per_breast.ngroups == 2700
    relabelled = per_breast["breast_label"].first().eq("Normal")
    assert int(relabelled.sum()) == 1240
    assert int((lesion_cases["breast_label"] == "Normal").sum()) == 2480
    by_case = lesion_cases.groupby("case_label")["breast_label"].apply(
        lambda s: (s == "Normal").sum()
    )
    assert by_case.to_dict() == {"Benign": 2 * 622, "Cancer": 2 * 618}
    # a breast keeps its case's class exactly when one of its views has a mask
    outlined = per_breast["mask_paths"].apply(lambda m: any(len(x) for x in m))
    assert (relabelled == ~outlined).all()
    # the other breast of a case is never relabelled when it has an outline
    assert set(breast.loc[breast["mask_paths"].map(len) > 0, "breast_label"]) == {
        "Benign",
        "Cancer",
    }


SHEET = Path(__file__).parent / "data" / "mini-ddsm-Data.xlsx"


@pytest.mark.parametrize("place", ["MINI-DDSM-Complete-JPEG-8/DataWMask.xlsx", "Data.xlsx"])
def test_the_official_spreadsheet_serves_both_variants(download, place, tmp_path):
    """Mini-DDSM's own Data.xlsx names .png files; placed as the JPEG-8 folder's DataWMask.xlsx
    (or as Data.xlsx at the top) it must still find every JPEG, and give the same labels."""
    import shutil

    target = download / place
    shutil.copy(SHEET, target)
    try:
        for variant, suffix in (("jpeg8", ".jpg"), ("png16", ".png")):
            records = read_mini_ddsm(download, variant=variant, labels="breast")
            assert len(records) == 7808 and records.attrs["skipped"] == []
            assert records["image_path"].str.endswith(suffix).all()
            lesion_cases = records[records["case_label"] != "Normal"]
            per_breast = lesion_cases.groupby(["patient_id", "side"])["breast_label"].first()
            assert int((per_breast == "Normal").sum()) == 1240  # the spreadsheet's own count
    finally:
        target.unlink()
