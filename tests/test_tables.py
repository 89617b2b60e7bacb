"""Records tables that cannot leak or silently change: patients, labels, mask paths."""

import logging

import pandas as pd
import pytest

from mammokit.datasets import patient_folds, split_by_patient
from mammokit.errors import DatasetError
from mammokit.records import check_patients, make_records, read_records, save_records


def _rows(patients=12, views=4, blank=()):
    return [
        {
            "image_path": f"/data/{p}_{v}.png",
            "label": ["Normal", "Cancer"][p % 2],
            "patient_id": "" if p in blank else f"P{p}",
        }
        for p in range(patients)
        for v in range(views)
    ]


def test_blank_patient_ids_are_an_error_naming_the_rows():
    records = make_records(_rows(blank=(3, 7)))
    with pytest.raises(DatasetError, match=r"8 image\(s\) without a patient id: row 12 "):
        split_by_patient(records, 0.2, 0.2)
    with pytest.raises(DatasetError, match="without a patient id"):
        patient_folds(records, k=3)
    nan = records.assign(patient_id=records["patient_id"].replace("", None))
    with pytest.raises(DatasetError, match="without a patient id"):
        split_by_patient(nan, 0.2, 0.2)


def test_each_image_its_own_patient_by_option_and_no_row_is_lost(caplog):
    records = make_records(_rows(blank=(3, 7)))
    with caplog.at_level(logging.WARNING, logger="mammokit"):
        parts = split_by_patient(records, 0.2, 0.2, missing_patient="own")
    assert sum(len(part) for part in parts) == len(records) == 48
    assert "8 image(s) without a patient id are each their own patient" in caplog.text
    folds = list(patient_folds(records, k=3, missing_patient="own"))
    assert sum(len(test) for _, test in folds) == 48


def test_an_image_under_two_patients_is_an_error():
    rows = _rows()
    rows.append({**rows[0], "patient_id": "P99"})  # the same file listed for another patient
    with pytest.raises(DatasetError, match=r"under two or more patients.*/data/0_0.png"):
        split_by_patient(make_records(rows), 0.2, 0.2)
    with pytest.raises(DatasetError, match="missing must be one of"):
        check_patients(make_records(_rows()), missing="drop")


def test_labels_are_stripped_and_labels_differing_in_case_are_an_error(tmp_path):
    rows = _rows(patients=4)
    rows[0]["label"], rows[1]["label"] = "Cancer ", " Normal"
    assert set(make_records(rows)["label"]) == {"Normal", "Cancer"}
    rows[2]["label"] = "cancer"
    with pytest.raises(DatasetError, match=r"differ only in case.*\['Cancer', 'cancer'\]"):
        make_records(rows)
    path = tmp_path / "records.csv"
    pd.DataFrame(_rows(patients=4)).assign(label=" Normal ").to_csv(path, index=False)
    assert set(read_records(path)["label"]) == {"Normal"}


def test_number_like_labels_sort_as_numbers():
    rows = [
        {"image_path": f"/{i}.png", "label": label, "patient_id": f"P{i}"}
        for i, label in enumerate(["10", "2", "1", "2.5"])
    ]
    assert make_records(rows).attrs["classes"] == ("1", "2", "2.5", "10")


def test_any_mask_path_round_trips_and_old_tables_still_read(tmp_path):
    masks = ("/masks/a;b.png", "/masks/c, d [1].png")
    table = make_records(
        [{"image_path": "/x.png", "label": "Benign", "patient_id": "P", "mask_paths": masks}]
    )
    again = read_records(save_records(table, tmp_path / "r.csv"))
    assert again.loc[0, "mask_paths"] == masks
    old = tmp_path / "old.csv"
    old.write_text("image_path,label,patient_id,mask_paths\n/x.png,Benign,P,/m1.png;/m2.png\n")
    assert read_records(old).loc[0, "mask_paths"] == ("/m1.png", "/m2.png")
    broken = tmp_path / "broken.csv"
    broken.write_text('image_path,label,patient_id,mask_paths\n/x.png,Benign,P,"[""/m1.png"n"\n')
    with pytest.raises(DatasetError, match="not a JSON list"):
        read_records(broken)


def test_train_refuses_blank_patient_ids_before_writing_anything(tmp_path, capsys):
    from mammokit.cli import main

    table = tmp_path / "records.csv"
    pd.DataFrame(_rows(blank=(5,))).to_csv(table, index=False)
    out = tmp_path / "run"
    assert main(["train", str(table), "--out", str(out), "--epochs", "1"]) == 1
    captured = capsys.readouterr()
    assert "read 48 images of 11 patients from" in captured.out
    assert "(4 image(s) without a patient id)" in captured.out
    assert "without a patient id: row 20 (/data/5_0.png)" in captured.err
    assert not out.exists()


@pytest.mark.parametrize(
    ("raised", "status", "said"),
    [
        (RuntimeError("boom"), 3, "internal error (RuntimeError: boom); this is a bug"),
        (KeyboardInterrupt(), 130, "mammokit train: interrupted"),
    ],
)
def test_exit_statuses_of_a_bug_and_an_interrupt(monkeypatch, capsys, raised, status, said):
    import mammokit.cli as cli

    def handler(args):
        raise raised

    monkeypatch.setattr(cli, "_train", handler)
    assert cli.main(["train", "anything"]) == status
    assert said in capsys.readouterr().err


def test_an_image_that_fails_inside_tf_data_is_a_data_error_naming_it(tmp_path, capsys):
    import cv2
    import numpy as np

    from mammokit.cli import main
    from mammokit.datasets import make_synthetic

    root = make_synthetic(tmp_path / "data", n_patients=6, image_size=(64, 48))
    victim = sorted(root.rglob("*_CC.jpg"))[0]
    cv2.imwrite(str(victim), np.full((20, 20), 90, np.uint8))  # passes the header check
    out = tmp_path / "run"
    code = main(["train", str(root), "--out", str(out), "--epochs", "1", "--image-size", "32"])
    err = capsys.readouterr().err
    assert code == 1 and "internal error" not in err, err  # was exit 3 with a graph traceback
    assert f"{victim.name}: 20 x 20 pixels is below the minimum" in err
