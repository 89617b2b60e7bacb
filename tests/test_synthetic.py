import hashlib

import cv2
import numpy as np
import pandas as pd
import pytest

from mammokit.datasets import CLASSES, make_synthetic, read_mini_ddsm, synthetic_mammogram
from mammokit.errors import MammokitError
from mammokit.imaging.io import read_image

VIEWS = ("LEFT_CC", "LEFT_MLO", "RIGHT_CC", "RIGHT_MLO")


def test_layout_matches_mini_ddsm(synthetic_root):
    jpeg = synthetic_root / "MINI-DDSM-Complete-JPEG-8"
    png = synthetic_root / "MINI-DDSM-Complete-PNG-16"
    assert sorted(p.name for p in jpeg.iterdir()) == [
        "Benign",
        "Cancer",
        "DataWMask.xlsx",
        "Normal",
    ]
    assert sorted(p.name for p in png.iterdir()) == ["Benign", "Cancer", "Normal"]
    case = jpeg / "Cancer" / "0001"
    names = sorted(p.name for p in case.iterdir())
    assert "C-0001-1.ics" in names
    for view in VIEWS:
        assert f"C_0001_1.{view}.jpg" in names
        assert (png / "Cancer" / "0001" / f"C_0001_1.{view}.png").is_file()
    masked = {n.split(".")[1].rsplit("_", 2)[0] for n in names if n.endswith("_Mask.jpg")}
    assert len(masked) == 1  # one breast (side) holds the lesion ...
    side = masked.pop()
    assert {f"C_0001_1.{side}_{v}_Mask.jpg" for v in ("CC", "MLO")} <= set(names)  # both views
    normal = sorted(p.name for p in (jpeg / "Normal" / "0001").iterdir())
    assert normal == ["A-0001-1.ics"] + [f"A_0001_1.{v}.jpg" for v in VIEWS]


def test_case_numbers_repeat_across_classes_but_stems_do_not(synthetic_root):
    jpeg = synthetic_root / "MINI-DDSM-Complete-JPEG-8"
    assert all((jpeg / label / "0001").is_dir() for label in CLASSES)
    stems = {p.name.split(".")[0] for p in jpeg.rglob("*.jpg") if "_Mask" not in p.name}
    assert len(stems) == 9


def test_spreadsheet_has_the_published_columns(synthetic_root):
    sheet = pd.read_excel(synthetic_root / "MINI-DDSM-Complete-JPEG-8" / "DataWMask.xlsx")
    assert list(sheet.columns) == [
        "fullPath",
        "fileName",
        "View",
        "Side",
        "Status",
        "Tumour_Contour",
        "Tumour_Contour2",
        "Age",
        "Density",
    ]
    assert len(sheet) == 36
    assert sheet["fullPath"].str.contains("\\", regex=False).all()
    normal = sheet[sheet["Status"] == "Normal"]
    assert (normal["Tumour_Contour"] == "-").all()
    lesion_cases = sheet[sheet["Status"] != "Normal"].assign(
        outlined=lambda t: t["Tumour_Contour"] != "-",
        patient=lambda t: t["fileName"].str.split(".").str[0],
    )
    per_breast = lesion_cases.groupby(["patient", "Side"])["outlined"].agg(["all", "any"])
    assert (per_breast["all"] == per_breast["any"]).all()  # both views of a breast agree
    assert per_breast.groupby(level=0)["all"].sum().eq(1).all()  # exactly one breast outlined


def test_both_breasts_keep_the_old_data(tmp_path):
    root = make_synthetic(tmp_path, n_patients=3, image_size=(64, 48), lesion_breasts="both")
    records = read_mini_ddsm(root, labels="breast")
    lesions = records[records["case_label"] != "Normal"]
    assert lesions["mask_paths"].map(len).eq(1).all()
    assert (records["label"] == records["case_label"]).all()
    with pytest.raises(MammokitError, match="lesion_breasts"):
        make_synthetic(tmp_path, n_patients=3, lesion_breasts="none")


def test_bit_depths(synthetic_root):
    jpeg = read_image(synthetic_root / "MINI-DDSM-Complete-JPEG-8/Benign/0001/B_0001_1.LEFT_CC.jpg")
    png = read_image(synthetic_root / "MINI-DDSM-Complete-PNG-16/Benign/0001/B_0001_1.LEFT_CC.png")
    assert jpeg.dtype == np.uint8 and png.dtype == np.uint16
    assert jpeg.shape == png.shape == (96, 64)
    assert png.max() > 255  # really uses the 16-bit range


def _digest(root):
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".png", ".ics"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    first = make_synthetic(
        tmp_path / "a", n_patients=3, image_size=(64, 48), seed=5, variants=("png16",)
    )
    again = make_synthetic(
        tmp_path / "b", n_patients=3, image_size=(64, 48), seed=5, variants=("png16",)
    )
    other = make_synthetic(
        tmp_path / "c", n_patients=3, image_size=(64, 48), seed=6, variants=("png16",)
    )
    assert _digest(first) == _digest(again)
    assert _digest(first) != _digest(other)


@pytest.mark.parametrize("label", CLASSES)
@pytest.mark.parametrize(
    ("side", "view"), [("LEFT", "CC"), ("LEFT", "MLO"), ("RIGHT", "CC"), ("RIGHT", "MLO")]
)
def test_lesion_masks_lie_inside_the_breast(label, side, view):
    for seed in range(5):
        sample = synthetic_mammogram(label, side, view, (160, 100), density=1 + seed % 4, seed=seed)
        assert sample.image.dtype == np.float32
        assert sample.image.min() >= 0.0 and sample.image.max() <= 1.0
        if label == "Normal":
            assert not sample.mask.any()
        else:
            assert sample.mask.sum() > 20
            assert not (sample.mask & ~sample.breast).any()
            edges = np.concatenate([sample.mask[[0, -1]].ravel(), sample.mask[:, [0, -1]].ravel()])
            assert not edges.any()  # the lesion is whole, not cut by the chest-wall edge


def test_chest_wall_is_on_the_side_of_the_image():
    left = synthetic_mammogram("Normal", "LEFT", "CC", (160, 100), seed=1).breast
    right = synthetic_mammogram("Normal", "RIGHT", "CC", (160, 100), seed=1).breast
    assert left[:, :10].mean() > left[:, -10:].mean()
    assert right[:, -10:].mean() > right[:, :10].mean()


def test_lesions_are_brighter_than_their_surroundings():
    sample = synthetic_mammogram("Benign", "LEFT", "CC", (200, 120), seed=2)
    surround = sample.breast & ~sample.mask
    assert sample.image[sample.mask].mean() > sample.image[surround].mean() + 0.1


@pytest.mark.parametrize("label", ["Benign", "Cancer"])
def test_lesion_contrast_dims_the_lesion_and_nothing_else(label):
    full = synthetic_mammogram(label, "LEFT", "CC", (200, 120), seed=2)
    subtle = synthetic_mammogram(label, "LEFT", "CC", (200, 120), seed=2, lesion_contrast=0.4)
    assert (full.mask == subtle.mask).all()  # the same lesion, drawn fainter
    surround = full.breast & ~full.mask
    gain = full.image[full.mask].mean() - full.image[surround].mean()
    faint = subtle.image[subtle.mask].mean() - subtle.image[surround].mean()
    assert 0.0 < faint < 0.7 * gain
    far = ~cv2.dilate(full.mask.astype(np.uint8), np.ones((61, 61), np.uint8)).astype(bool)
    np.testing.assert_array_equal(full.image[far], subtle.image[far])
    with pytest.raises(ValueError, match="lesion_contrast"):
        synthetic_mammogram(label, lesion_contrast=0.0)


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="n_patients"):
        make_synthetic(tmp_path, n_patients=2)
    with pytest.raises(ValueError, match="variants"):
        make_synthetic(tmp_path, n_patients=3, variants=("tiff",))
    with pytest.raises(ValueError, match="label"):
        synthetic_mammogram("Malignant")


def test_subtle_findings_are_small_and_calcifications_vanish_at_224_px(tmp_path):
    import cv2

    from mammokit.datasets.synthetic import synthetic_mammogram

    size = (1024, 640)
    plain = synthetic_mammogram("Cancer", image_size=size, seed=4)
    subtle = synthetic_mammogram("Cancer", image_size=size, seed=4, findings="subtle")
    assert 0 < subtle.mask.sum() < plain.mask.sum() / 2
    normal = synthetic_mammogram("Normal", image_size=size, seed=4, findings="subtle")
    lesion = subtle.mask
    full_contrast = subtle.image[lesion].max() - normal.image[lesion].max()
    small = [
        cv2.resize(s.image, (140, 224), interpolation=cv2.INTER_AREA) for s in (subtle, normal)
    ]
    small_mask = cv2.resize(lesion.astype("uint8"), (140, 224), interpolation=cv2.INTER_NEAREST) > 0
    small_contrast = small[0][small_mask].max() - small[1][small_mask].max()
    assert full_contrast > 0.4 and small_contrast < 0.65 * full_contrast  # dots averaged away
    with pytest.raises(MammokitError, match="findings must be one of"):
        make_synthetic(tmp_path / "never", n_patients=3, image_size=(64, 48), findings="tiny")
    assert not (tmp_path / "never").exists()
