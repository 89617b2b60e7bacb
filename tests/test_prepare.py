"""Prepared datasets: the recipe applied once, stored losslessly, read in the graph."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from mammokit.datasets import load_records, make_dataset, split_by_patient, to_tf_dataset
from mammokit.datasets import preparation as prepare_module
from mammokit.datasets.preparation import prepare
from mammokit.datasets.readers.prepared import read_prepared
from mammokit.errors import DatasetError
from mammokit.imaging import InputSpec
from mammokit.imaging.example import STORED_SCALE as PNG_SCALE
from mammokit.imaging.geometry import Placement
from mammokit.imaging.io import read_image

SIZE = (96, 48)  # not square, as mammograms are not


@pytest.fixture(scope="module")
def prepared(records, tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared")
    return prepare(records, out, SIZE, workers=1)


def test_every_image_is_stored_at_16_bits_with_its_placement(prepared, records):
    assert len(prepared) == len(records) and prepared.attrs["skipped"] == []
    stored = read_image(prepared["image_path"].iloc[0])
    assert stored.dtype == np.uint16 and stored.shape == SIZE
    assert list(prepared["source_path"]) == list(records["image_path"])
    assert set(prepared["flipped"]) == {True, False}  # right breasts mirrored, left kept
    assert prepared.attrs["prepared"] == {
        "size": list(SIZE),
        "intensity": "bits",
        "preprocess": "standard",
        "fit": "pad",
        "inversion": "detect",
        "blank": True,
        "storage": "png16 x 257",
    }


def test_stored_pixels_are_the_recipe_of_the_raw_file(prepared, records):
    spec = InputSpec(SIZE, 1, fit="pad")
    for i in (0, 5):
        raw, _ = spec.read(records["image_path"].iloc[i], records["side"].iloc[i])
        stored = read_image(prepared["image_path"].iloc[i]).astype(np.float32) / PNG_SCALE
        np.testing.assert_allclose(stored, raw, atol=0.5 / PNG_SCALE + 1e-6)


def test_masks_map_back_to_the_original_pixels(prepared, records):
    lesions = [i for i, masks in enumerate(records["mask_paths"]) if masks]
    assert lesions
    for i in lesions[:4]:
        row = prepared.iloc[i]
        placement = Placement.from_dict(row.to_dict())
        prepared_mask = read_image(row["mask_paths"][0]) > 0
        back = placement.map_to_source(prepared_mask.astype(np.float32), nearest=True) > 0.5
        original = read_image(records["mask_paths"].iloc[i][0]) > 127
        overlap = (back & original).sum() / (back | original).sum()
        assert overlap > 0.8, overlap
        centre = np.argwhere(original).mean(axis=0)
        np.testing.assert_allclose(np.argwhere(back).mean(axis=0), centre, atol=1.0)
        ((py, px),) = placement.to_input([centre])
        assert prepared_mask[round(py), round(px)]


def test_graph_reading_equals_the_raw_pipeline(prepared, records):
    spec = InputSpec(SIZE, 1, fit="pad")
    raw = next(iter(make_dataset(records, spec, batch_size=8)))
    fast = next(iter(make_dataset(prepared, spec, batch_size=8)))
    np.testing.assert_array_equal(fast[0].numpy(), raw[0].numpy())
    np.testing.assert_array_equal(fast[1].numpy(), raw[1].numpy())
    with_masks = next(iter(make_dataset(prepared, spec, batch_size=4, with_masks=True)))
    assert with_masks[0][1].shape == (4, *SIZE, 1)


def test_a_recipe_the_data_was_not_prepared_with_is_refused(prepared):
    with pytest.raises(DatasetError, match="prepared with"):
        make_dataset(prepared, InputSpec(SIZE, 1, fit="stretch"))
    with pytest.raises(DatasetError, match="prepared with"):
        make_dataset(prepared, InputSpec(SIZE, 1, intensity="window", fit="pad"))
    with pytest.raises(DatasetError, match="blank=True"):
        make_dataset(prepared, InputSpec(SIZE, 1, fit="pad", blank=False))
    with pytest.raises(DatasetError, match="inversion='detect'"):
        make_dataset(prepared, InputSpec(SIZE, 1, fit="pad", inversion="off"))


def test_a_preparation_recorded_before_the_pixel_steps_reads_as_without_them(prepared):
    from mammokit.datasets.readers.prepared import prepared_recipe

    recipe = json.loads(prepared["prepared_recipe"].iloc[0])
    older = {k: v for k, v in recipe.items() if k not in ("inversion", "blank")}
    table = prepared.assign(prepared_recipe=json.dumps(older))
    assert prepared_recipe(table) | {"inversion": "off", "blank": False} == prepared_recipe(table)
    with pytest.raises(DatasetError, match="blank=False"):
        make_dataset(table, InputSpec(SIZE, 1, fit="pad"))


def test_load_records_reads_a_prepared_folder_and_a_saved_split(prepared, tmp_path):
    folder = prepared["image_path"].iloc[0].rsplit("/images/", 1)[0]
    again = load_records(folder)
    assert list(again["image_path"]) == list(prepared["image_path"])
    train, _, _ = split_by_patient(again, val_size=0.2, test_size=0.2, seed=0)
    from mammokit.records import read_records, save_records

    reread = read_records(save_records(train, tmp_path / "train.csv"))
    data = to_tf_dataset(reread, SIZE, 4, channels=1, fit="pad")
    assert next(iter(data))[0].shape == (4, *SIZE, 1)


def test_resume_after_an_interruption_redoes_nothing_finished(records, tmp_path, monkeypatch):
    real = prepare_module.prepare_one
    calls = []

    def interrupted(job, spec):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(job["path"])
        return real(job, spec)

    monkeypatch.setattr(prepare_module, "prepare_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare(records, tmp_path, SIZE, workers=1)
    with pytest.raises(DatasetError, match="did not finish"):
        read_prepared(tmp_path)
    calls.clear()

    def counted(job, spec):
        calls.append(job["path"])
        return real(job, spec)

    monkeypatch.setattr(prepare_module, "prepare_one", counted)
    done = prepare(records, tmp_path, SIZE, workers=1)
    assert len(done) == len(records) and len(calls) == len(records) - 5
    assert json.loads((tmp_path / "mammokit-prepared.json").read_text())["status"] == "complete"


def test_another_recipe_or_source_is_never_mixed_with_stale_files(records, tmp_path):
    prepare(records.iloc[:4], tmp_path, SIZE, workers=1)
    with pytest.raises(DatasetError, match="another recipe"):
        prepare(records.iloc[:4], tmp_path, (64, 32), workers=1)
    with pytest.raises(DatasetError, match="another fingerprint"):
        prepare(records.iloc[:6], tmp_path, SIZE, workers=1)
    replaced = prepare(records.iloc[:6], tmp_path, (64, 32), workers=1, overwrite=True)
    assert len(replaced) == 6 and read_image(replaced["image_path"].iloc[0]).shape == (64, 32)


def test_a_broken_file_is_listed_and_the_rest_prepared(records, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    table = records.iloc[:4].copy()
    table.loc[table.index[1], "image_path"] = str(broken)
    done = prepare(table, tmp_path / "out", SIZE, workers=1)
    assert len(done) == 3
    assert [entry["path"] for entry in done.attrs["skipped"]] == [str(broken)]


def test_two_processes_write_the_same_bytes_as_one(records, tmp_path):
    part = records.iloc[:8]
    one = prepare(part, tmp_path / "one", SIZE, workers=1)
    two = prepare(part, tmp_path / "two", SIZE, workers=2)
    _same_files(one, two)


def test_a_two_worker_dask_cluster_writes_the_same_bytes_as_one_process(records, tmp_path):
    pytest.importorskip("distributed")
    part = records.iloc[:8]
    one = prepare(part, tmp_path / "one", SIZE, workers=1)
    cluster = prepare(part, tmp_path / "dask", SIZE, workers=2, engine="dask")
    _same_files(one, cluster)


def _same_files(first: pd.DataFrame, second: pd.DataFrame) -> None:
    for a, b in zip(first["image_path"], second["image_path"], strict=True):
        assert Path(a).read_bytes() == Path(b).read_bytes()
    columns = [c for c in first if c not in ("image_path", "mask_paths")]
    pd.testing.assert_frame_equal(first[columns], second[columns])


def test_pad_keeps_the_aspect_and_stretch_does_not(records):
    path, side = records["image_path"].iloc[0], records["side"].iloc[0]
    image = read_image(path)
    padded, _, placement = InputSpec((64, 64), 1, fit="pad").read_placed(path, side)
    assert placement.scale[0] == pytest.approx(placement.scale[1], rel=0.05)
    stretched, _, other = InputSpec((64, 64), 1).read_placed(path, side)
    assert other.scale[0] != pytest.approx(other.scale[1], rel=0.05)
    assert image.shape != (64, 64) and padded.shape == stretched.shape == (64, 64)
    assert cv2.countNonZero((padded == 0).astype(np.uint8)) > 0


def test_train_and_evaluate_on_prepared_data_at_a_mammogram_aspect(prepared, tmp_path):
    from mammokit.experiment import TrainConfig, evaluate_model, train_model
    from mammokit.export import Predictor

    train, val, test = split_by_patient(prepared, val_size=0.25, test_size=0.25, seed=0)
    config = TrainConfig(image_size=SIZE, batch_size=8, epochs=1, channels=1, verbose=0)
    entry = train_model("cnn", train, val, test, tmp_path, config=config, filters=(4,))
    assert entry["evaluation"]["n"] == len(test)
    model_path = tmp_path / "cnn.keras"
    served = Predictor(model_path)
    assert served.info.fit == "pad" and served.input_shape == (*SIZE, 1)
    from mammokit.models import load_model

    model = load_model(model_path)
    again = evaluate_model(model, test)
    assert again["accuracy"] == entry["accuracy"]
    # the model serves raw files with the recipe it was trained on: the same probabilities
    raw = test.assign(image_path=test["source_path"]).drop(columns="prepared_recipe")
    np.testing.assert_allclose(
        served.predict_records(raw)[served.class_names].to_numpy(),
        model.predict(make_dataset(test, InputSpec.of(model)), verbose=0),
        atol=1e-5,
    )


def test_a_file_cache_never_serves_one_part_to_another(records, tmp_path):
    train, val, _ = split_by_patient(records, val_size=0.3, test_size=0.0, seed=0)
    first = [b[1].numpy() for b in to_tf_dataset(train, (16, 16), 64, cache=tmp_path)]
    second = to_tf_dataset(val, (16, 16), 64, cache=tmp_path)
    labels = np.concatenate([b[1].numpy() for b in second])
    assert len(labels) == len(val) != sum(len(b) for b in first)
    assert len(list(tmp_path.glob("mammokit-cache-*.index"))) == 2


def test_the_in_memory_cache_holds_16_bit_images(records):
    spec = InputSpec((16, 16), 1)
    dataset = make_dataset(records, spec, batch_size=4, cache=True)
    element = dataset._input_dataset  # prefetch <- map to model scale <- batch <- cache
    while "Cache" not in type(element).__name__:
        element = element._input_dataset
    assert element.element_spec[0].dtype.name == "uint16"


def test_cli_prepare_then_train_with_cross_validation(tmp_path, capsys):
    from mammokit.cli import main
    from mammokit.datasets import make_synthetic

    source = make_synthetic(tmp_path / "source", n_patients=24, image_size=(64, 48), seed=1)
    out = tmp_path / "prepared"
    assert main(["prepare", str(source), "--out", str(out), "--image-size", "32x16",
                 "--workers", "1"]) == 0  # fmt: skip
    assert "prepared 96 images at 32x16" in capsys.readouterr().out
    run = tmp_path / "run"
    code = main(["train", str(out), "--epochs", "1", "--split", "folds:2", "--out", str(run),
                 "--batch-size", "8"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    summary = json.loads((run / "folds.json").read_text())
    assert [row["fold"] for row in summary["folds"]] == [1, 2]
    assert 0 <= summary["accuracy"]["mean"] <= 1 and summary["accuracy"]["sd"] >= 0
    for bad in ("0x16", "abc", "32x16x3"):
        with pytest.raises(SystemExit) as exited:
            main(["train", str(out), "--image-size", bad])
        assert exited.value.code == 2
    assert main(["train", str(out), "--epochs", "0", "--out", str(tmp_path / "never")]) == 2
    assert not (tmp_path / "never").exists()


def test_a_tasks_class_order_survives_preparation(records, tmp_path):
    """Cancer-vs-rest's NoCancer comes first: sorted, Cancer would be first and NoCancer the
    class every operating point and "most severe" rule calls positive."""
    from mammokit.datasets.tasks import apply_task
    from mammokit.records import record_classes

    task = apply_task(records.iloc[:8], "cancer-vs-rest")
    assert record_classes(task) == ("NoCancer", "Cancer")
    prepared = prepare(task, tmp_path / "prepared", SIZE, workers=1)
    assert record_classes(prepared) == ("NoCancer", "Cancer")
    assert record_classes(read_prepared(tmp_path / "prepared")) == ("NoCancer", "Cancer")
