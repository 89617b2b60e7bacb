import pandas as pd
import pytest

from mammokit.datasets import load_records, read_records, save_records
from mammokit.errors import DatasetError


def test_csv_round_trip(records, tmp_path):
    path = save_records(records, tmp_path / "records.csv")
    again = read_records(path)
    pd.testing.assert_frame_equal(again, records.reset_index(drop=True), check_dtype=False)


def test_relative_paths_are_relative_to_the_csv(tmp_path):
    (tmp_path / "img.png").write_bytes(b"")
    (tmp_path / "r.csv").write_text("image_path,label,patient_id\nimg.png,Cancer,p1\n")
    table = read_records(tmp_path / "r.csv")
    assert table.loc[0, "image_path"] == str(tmp_path / "img.png")
    assert table.loc[0, "mask_paths"] == ()


def test_bad_csv(tmp_path):
    (tmp_path / "r.csv").write_text("path,label\nx.png,Cancer\n")
    with pytest.raises(DatasetError, match="missing column"):
        read_records(tmp_path / "r.csv")
    (tmp_path / "s.csv").write_text("image_path,label,patient_id\nx.png,Malignant,p\n")
    with pytest.raises(DatasetError, match="Malignant"):
        read_records(tmp_path / "s.csv", classes=["Benign", "Cancer"])
    (tmp_path / "t.csv").write_text("image_path,label,patient_id\nx.png,,p\ny.png,Benign,q\n")
    with pytest.raises(DatasetError, match="1 row.s. without a label"):
        read_records(tmp_path / "t.csv")


def test_any_labels_and_their_class_order(tmp_path):
    (tmp_path / "r.csv").write_text(
        "image_path,label,patient_id\na.png,Malignant,p\nb.png,Benign,q\nc.png,4,r\n"
    )
    table = read_records(tmp_path / "r.csv")
    assert table.attrs["classes"] == ("4", "Benign", "Malignant")  # sorted, BI-RADS as text
    ordered = read_records(tmp_path / "r.csv", classes=["4", "Benign", "Malignant", "Unused"])
    assert ordered.attrs["classes"] == ("4", "Benign", "Malignant", "Unused")


def test_load_records_dispatches(synthetic_root, records, tmp_path):
    assert len(load_records(synthetic_root)) == len(records)
    assert load_records(synthetic_root, variant="png16")["image_path"].str.endswith(".png").all()
    assert len(load_records(save_records(records, tmp_path / "r.csv"))) == len(records)
    with pytest.raises(DatasetError, match="missing: no such file or folder"):
        load_records(tmp_path / "missing")
