"""Tasks beyond the three Mini-DDSM classes, end to end: records to a served model."""

import cv2
import numpy as np
import pytest

from mammokit.datasets import (
    make_synthetic,
    read_folder,
    read_mini_ddsm,
    split_by_patient,
    synthetic_mammogram,
)
from mammokit.datasets.splits import class_weights
from mammokit.datasets.tasks import TASKS, apply_task, relabel
from mammokit.errors import DatasetError
from mammokit.experiment import TrainConfig, train_model
from mammokit.export import Predictor, read_serving_config, to_tflite
from mammokit.models import load_model
from mammokit.records import label_indices, make_records, record_classes

CONFIG = TrainConfig(image_size=(32, 32), batch_size=8, epochs=1, augment=False, verbose=0)


def _rows(labels):
    return [
        {"image_path": f"/{i}.png", "label": label, "patient_id": f"P{i}"}
        for i, label in enumerate(labels)
    ]


def test_relabel_maps_drops_and_orders():
    records = make_records(_rows(["Normal", "Benign", "Cancer", "Cancer"]))
    table = relabel(records, {"Normal": None, "Benign": "Benign", "Cancer": "Malignant"})
    assert table["label"].tolist() == ["Benign", "Malignant", "Malignant"]
    assert table["source_label"].tolist() == ["Benign", "Cancer", "Cancer"]
    assert table.attrs["classes"] == ("Benign", "Malignant")
    assert class_weights(table) == {0: 2.0, 1: 1.0}
    merged = relabel(records, {"Normal": "Neg", "Benign": "Neg", "Cancer": "Pos"})
    assert label_indices(merged).tolist() == [0, 0, 1, 1]
    with pytest.raises(DatasetError, match=r"\['Cancer'\] of column 'label' are not in"):
        relabel(records, {"Normal": "Neg", "Benign": "Neg"})
    with pytest.raises(DatasetError, match="every row was dropped"):
        relabel(records, dict.fromkeys(("Normal", "Benign", "Cancer")))


def test_density_task_reads_another_column_and_drops_unknowns():
    rows = _rows(["Normal"] * 5)
    for row, density in zip(rows, [1, 4, float("nan"), 4, 0], strict=True):
        row["density"] = density  # Mini-DDSM's spreadsheet holds 0 for one patient
    table = apply_task(make_records(rows), "density")
    assert table["label"].tolist() == ["A", "D", "D"]
    assert table.attrs["classes"] == ("A", "B", "C", "D") and table.attrs["task"] == "density"


def test_stale_classes_are_named_in_the_error():
    records = make_records(_rows(["Benign", "Cancer"]))
    records["label"] = ["Benign", "Malignant"]  # changed by hand, classes not updated
    with pytest.raises(DatasetError, match="relabel or with_classes"):
        record_classes(records)


def test_split_keeps_the_classes_and_stratifies_by_the_last():
    labels = ["Low", "High"] * 10
    records = make_records(_rows(labels), classes=["Low", "High"])
    parts = split_by_patient(records, 0.2, 0.2, seed=0)
    for part in parts:
        assert part.attrs["classes"] == ("Low", "High")
        assert set(part["label"]) == {"Low", "High"}


def _check_served(result, out, classes, test):
    report = result["evaluation"]
    assert list(report["per_class"]) == list(classes) and report["class_names"] == list(classes)
    assert report["operating_point"]["class"] == classes[-1]
    assert set(report["levels"]) >= {"image", "patient"}
    model = load_model(out / "cnn.keras")
    assert model.class_names == tuple(classes) and model.output_shape == (None, len(classes))
    assert model.info.preprocess == "standard" and model.info.intensity == "bits"
    path = to_tflite(model, out / "cnn.tflite")
    assert read_serving_config(path)["class_names"] == list(classes)
    for served in (out / "cnn.keras", path):
        predictor = Predictor(served)
        assert predictor.class_names == list(classes)
        table = predictor.predict_records(test)
        assert list(table.columns[-len(classes) :]) == list(classes)
        assert set(table["predicted"]) <= set(classes)
        np.testing.assert_allclose(table[list(classes)].sum(axis=1), 1.0, atol=1e-5)
    return table


def test_benign_vs_malignant_end_to_end(tmp_path):
    root = make_synthetic(tmp_path / "data", n_patients=12, image_size=(64, 48), seed=1)
    records = apply_task(read_mini_ddsm(root, labels="breast"), "benign-vs-malignant")
    assert set(records["label"]) == {"Benign", "Malignant"}
    train, val, test = split_by_patient(records, 0.25, 0.25, seed=0)
    result = train_model("cnn", train, val, test, tmp_path, config=CONFIG, filters=(4,))
    classes = ("Benign", "Malignant")
    _check_served(result, tmp_path, classes, test)
    model = load_model(tmp_path / "cnn.keras")
    assert model.info.task == "benign-vs-malignant" and model.info.labels == "breast"


def test_four_classes_from_folders_end_to_end(tmp_path):
    classes = ("BIRADS-2", "BIRADS-3", "BIRADS-4", "BIRADS-5")
    lesion = {"BIRADS-2": "Normal", "BIRADS-3": "Benign", "BIRADS-4": "Benign"}
    rng = np.random.default_rng(0)
    for name in classes:
        for patient in range(4):
            sample = synthetic_mammogram(lesion.get(name, "Cancer"), "LEFT", "CC", (64, 48), 2, rng)
            path = tmp_path / "data" / name / f"{name}_{patient}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), np.round(sample.image * 255).astype(np.uint8))
    records = read_folder(tmp_path / "data", classes=classes)
    assert records.attrs["classes"] == classes
    train, val, test = split_by_patient(records, 0.25, 0.25, seed=0)
    assert all(set(part["label"]) == set(classes) for part in (train, val, test))
    result = train_model("cnn", train, val, test, tmp_path, config=CONFIG, filters=(4,))
    table = _check_served(result, tmp_path, classes, test)
    assert len(table) == len(test) == 4


def test_a_model_with_the_wrong_output_count_is_refused(tmp_path):
    from mammokit.errors import ModelConfigError
    from mammokit.models import cnn_classifier

    root = make_synthetic(tmp_path, n_patients=6, image_size=(64, 48))
    records = apply_task(read_mini_ddsm(root), "cancer-vs-rest")
    train, val, test = split_by_patient(records, 1 / 3, 1 / 3, seed=0)
    three = cnn_classifier(input_shape=(32, 32, 3), filters=(4,))
    with pytest.raises(ModelConfigError, match="3 outputs but the data has 2 classes"):
        train_model(three, train, val, test, tmp_path, config=CONFIG)


def test_every_named_task_keeps_its_class_order():
    records = make_records(_rows(["Normal", "Benign", "Cancer"] * 2))
    for name, task in TASKS.items():
        if task.column != "label":
            continue
        table = apply_task(records, name)
        assert table.attrs["classes"] == task.classes
        assert set(table["label"]) <= set(task.classes)
