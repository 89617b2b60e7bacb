"""View names, and records grouped into breasts and exams for multi-view models."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mammokit.datasets import to_tf_dataset
from mammokit.datasets.grouping import group_views, unit_records, view_rows
from mammokit.errors import DatasetError, MammokitError, ModelConfigError
from mammokit.records import make_records
from mammokit.views import (
    check_views,
    input_name,
    parse_views,
    view_batch,
    view_side,
    views_level,
)


def _exam(patient="P1", label_left="Cancer", views=("CC", "MLO"), right_views=("CC", "MLO")):
    rows = [
        {"image_path": f"/{patient}_L_{v}.png", "label": label_left, "patient_id": patient,
         "side": "LEFT", "view": v}
        for v in views
    ] + [
        {"image_path": f"/{patient}_R_{v}.png", "label": "Normal", "patient_id": patient,
         "side": "RIGHT", "view": v}
        for v in right_views
    ]  # fmt: skip
    return rows


def test_view_names_are_checked():
    assert check_views(["cc", " mlo "]) == ("CC", "MLO")
    assert parse_views("L-CC,R-CC") == ("L-CC", "R-CC")
    assert views_level(("CC", "MLO")) == "breast" and views_level(("L-CC", "R-MLO")) == "exam"
    assert view_side("l-mlo") == "LEFT" and input_name("R-MLO") == "r_mlo"
    for bad in (["CC"], ["CC", "cc"], ["CC", "L-MLO"], "CC,MLO", ["C C", "MLO"]):
        with pytest.raises(ModelConfigError):
            check_views(bad)


def test_breasts_take_the_most_severe_label_and_each_view_file():
    rows = _exam()
    rows[1]["label"] = "Benign"  # the MLO says Benign, the CC Cancer: the breast is Cancer
    groups = group_views(make_records(rows))
    assert groups["label"].tolist() == ["Cancer", "Normal"]
    assert groups["side"].tolist() == ["LEFT", "RIGHT"]
    assert (
        groups.loc[0, "CC_path"] == "/P1_L_CC.png" and groups.loc[0, "MLO_path"] == "/P1_L_MLO.png"
    )
    assert view_rows(groups).tolist() == [[0, 1], [2, 3]]
    assert groups["n_views"].tolist() == [2, 2] and groups.attrs["skipped"] == []


def test_a_missing_view_follows_the_rule_and_is_never_dropped_silently(caplog):
    records = make_records(_exam(right_views=("CC",)))  # the right MLO is missing
    zeros = group_views(records)
    assert zeros.loc[1, "MLO_path"] == "" and zeros.loc[1, "MLO_row"] == -1
    assert zeros.loc[1, "missing_views"] == ("MLO",) and zeros.loc[1, "n_views"] == 1

    repeat = group_views(records, missing="repeat")
    assert repeat.loc[1, "MLO_path"] == "/P1_R_CC.png" and repeat.loc[1, "missing_views"] == (
        "MLO",
    )

    with caplog.at_level(logging.WARNING, logger="mammokit"):
        skipped = group_views(records, missing="skip")
    assert len(skipped) == 1
    assert skipped.attrs["skipped"] == [{"group": "P1/RIGHT", "reason": "no MLO view"}]
    assert "1 breast(s) left out" in caplog.text

    with pytest.raises(DatasetError, match="P1/RIGHT"):
        group_views(records, missing="error")


def test_other_views_and_retakes_are_listed_as_unused():
    rows = _exam(views=("CC", "MLO", "ML"), right_views=("ML",))
    rows.append({**rows[0], "image_path": "/P1_L_CC_retake.png"})
    groups = group_views(make_records(rows))
    assert len(groups) == 1  # the right breast has only an ML view: nothing to read
    assert groups.attrs["skipped"] == [
        {"group": "P1/RIGHT", "reason": "none of the views ['CC', 'MLO']"}
    ]
    reasons = {entry["path"]: entry["reason"] for entry in groups.attrs["unused"]}
    assert reasons["/P1_L_CC_retake.png"] == "a second CC image"
    assert reasons["/P1_L_ML.png"] == "view 'ML' not read"
    assert group_views(make_records(rows), views=("CC", "ML")).loc[1, "ML_path"] == "/P1_R_ML.png"


def test_exams_group_four_views_by_side_and_view():
    rows = _exam("P1") + _exam("P2", label_left="Benign", right_views=("CC",))
    groups = group_views(make_records(rows), "exam", missing="repeat")
    assert list(groups["patient_id"]) == ["P1", "P2"] and "side" not in groups
    assert groups["label"].tolist() == ["Cancer", "Benign"]
    assert groups.loc[1, "R-MLO_path"] == "/P2_R_CC.png"  # the same breast's other view
    assert groups.loc[1, "missing_views"] == ("R-MLO",)
    assert unit_records(groups)["image_path"].tolist() == ["P1", "P2"]
    with pytest.raises(DatasetError, match="side and view"):
        group_views(make_records(rows), "exam", views=("CC", "MLO"))


def test_grouping_needs_each_side():
    rows = _exam()
    rows[0]["side"] = ""
    with pytest.raises(MammokitError, match="side"):
        group_views(make_records(rows))


def test_grouped_dataset_yields_views_with_a_zero_image_for_the_missing_one(records):
    part = records[records["patient_id"] == records["patient_id"].iloc[0]]
    part = part[~((part["side"] == "RIGHT") & (part["view"] == "MLO"))]
    data = to_tf_dataset(part, (24, 24), batch_size=8, channels=1, group="breast")
    views, labels = next(iter(data))
    assert sorted(views) == ["cc", "mlo"] and tuple(views["cc"].shape) == (2, 24, 24, 1)
    groups = data.mammokit_groups
    right = groups.index[groups["side"] == "RIGHT"][0]
    assert float(np.abs(views["mlo"][right]).max()) == 0.0  # missing: all zeros
    assert float(views["cc"][right].numpy().max()) > 0.0
    assert labels.numpy().sum(axis=1).tolist() == [1.0, 1.0]
    assert data.mammokit_info.views == ("CC", "MLO")


def test_grouped_dataset_augments_each_view_apart(records):
    part = records[records["patient_id"] == records["patient_id"].iloc[0]]
    duplicated = part.copy()
    duplicated.loc[duplicated["view"] == "MLO", "image_path"] = list(
        duplicated.loc[duplicated["view"] == "CC", "image_path"]
    )  # both views the same file: only augmentation can tell them apart

    def shift(batch):
        import tensorflow as tf

        return batch + tf.random.uniform((), 0.0, 100.0)

    views, _ = next(iter(to_tf_dataset(duplicated, (16, 16), 4, augment=shift, group="breast")))
    assert not np.allclose(views["cc"].numpy(), views["mlo"].numpy())
    plain, _ = next(iter(to_tf_dataset(duplicated, (16, 16), 4, group="breast")))
    assert np.allclose(plain["cc"].numpy(), plain["mlo"].numpy())


def test_grouped_dataset_refuses_masks(records):
    with pytest.raises(MammokitError, match="with_masks"):
        to_tf_dataset(records, (16, 16), group="breast", with_masks=True)


def test_view_batches_are_checked_once_for_models_and_predictors():
    image = np.zeros((8, 8, 1))
    batch = view_batch({"CC": image, "mlo": image[None]}, ["cc", "mlo"], (8, 8, 1))
    assert {name: view.shape for name, view in batch.items()} == {
        "cc": (1, 8, 8, 1),
        "mlo": (1, 8, 8, 1),
    }
    with pytest.raises(MammokitError, match=r"views \['cc', 'mlo'\], got \['cc'\]"):
        view_batch({"cc": image}, ["cc", "mlo"])
    with pytest.raises(MammokitError, match="view 'mlo' must be \\(8, 8, 1\\)"):
        view_batch({"cc": image, "mlo": np.zeros((8, 6, 1))}, ["cc", "mlo"], (8, 8, 1))
    with pytest.raises(MammokitError, match="same number"):
        view_batch({"cc": np.zeros((2, 8, 8, 1)), "mlo": image}, ["cc", "mlo"])
