"""A stopped run keeps its best epoch and continues where it stopped (``--resume``)."""

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from mammokit import experiment
from mammokit.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main
from mammokit.datasets import make_synthetic, read_mini_ddsm, split_by_patient
from mammokit.experiment import TrainConfig, train_model
from mammokit.runs import read_run
from mammokit.training import fit


def _interrupt_before_epoch(monkeypatch, stop_at: int) -> None:
    """Make training raise Ctrl-C when epoch ``stop_at`` (0-based) begins."""
    real_fit = experiment.fit

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == stop_at:
                raise KeyboardInterrupt

    def interrupted_fit(*args, callbacks=None, **options):
        return real_fit(*args, callbacks=[*(callbacks or []), CtrlC()], **options)

    monkeypatch.setattr(experiment, "fit", interrupted_fit)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return make_synthetic(tmp_path_factory.mktemp("data"), n_patients=8, image_size=(64, 48))


def test_ctrl_c_keeps_the_best_epoch_and_resume_finishes_the_run(data_root, tmp_path, monkeypatch):
    out = tmp_path / "run"
    command = ["train", str(data_root), "--out", str(out), "--epochs", "4", "--patience", "9"]
    command += ["--image-size", "32", "--batch-size", "8", "--no-augment"]
    _interrupt_before_epoch(monkeypatch, stop_at=2)
    assert main(command) == EXIT_INTERRUPTED
    run = read_run(out)
    assert run["status"] == "interrupted" and not (out / "cnn.keras").exists()
    state = json.loads((out / "cnn_resume" / "all" / "early_stopping.json").read_text())
    assert state["epochs"] == 2 and not state["stopped"]
    best = keras.saving.load_model(out / "cnn_resume" / "all" / "best.keras", safe_mode=True)
    assert best.class_names == ("Normal", "Benign", "Cancer")  # a usable model, not weights

    monkeypatch.undo()
    split = (out / "test.csv").read_text()
    assert main(["train", "--resume", str(out)]) == EXIT_OK
    run = read_run(out)
    assert run["status"] == "complete" and len(run["resumed"]) == 1
    assert run["arguments"]["augment"] is False and run["arguments"]["epochs"] == 4
    history = pd.read_csv(out / "cnn_history.csv")
    assert history["epoch"].tolist() == [0, 1, 2, 3]  # two before, two after the resume
    assert (out / "test.csv").read_text() == split
    assert (out / "cnn.keras").is_file() and not (out / "cnn_resume").exists()
    assert "cnn_report.json" in run["files"]


def test_resume_restores_the_optimizer_and_its_schedule(data_root, tmp_path, monkeypatch):
    records = read_mini_ddsm(data_root)
    train, val, test = split_by_patient(records, 0.25, 0.25, seed=0)
    config = TrainConfig(
        image_size=(32, 32), batch_size=8, epochs=3, patience=9, augment=False, verbose=0
    )
    _interrupt_before_epoch(monkeypatch, stop_at=1)
    with pytest.raises(KeyboardInterrupt):
        train_model("cnn", train, val, test, tmp_path, config=config, filters=(4,))
    monkeypatch.undo()
    seen = {}

    def keep_model(model, *args, **options):
        seen["model"] = model
        return fit(model, *args, **options)

    monkeypatch.setattr(experiment, "fit", keep_model)
    entry = train_model("cnn", train, val, test, tmp_path, config=config, resume=True, filters=(4,))
    steps = -(-len(train) // config.batch_size)
    assert entry["epochs"] == 3
    # the step counter went on from the saved one, so the learning-rate schedule did too
    assert int(seen["model"].optimizer.iterations) == 3 * steps


def test_a_run_early_stopping_ended_trains_no_further(tmp_path):
    images = np.random.default_rng(0).random((8, 8, 8, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((images, np.eye(2)[[0, 1] * 4])).batch(4)

    def model():
        net = keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
        )
        net.compile(keras.optimizers.SGD(0.0), "categorical_crossentropy")  # loss never improves
        return net

    first = fit(model(), data, data, epochs=10, patience=0, verbose=0, backup_dir=tmp_path)
    assert len(first.history["loss"]) == 2  # epoch 2 did not beat epoch 1: stopped
    again = fit(model(), data, data, epochs=10, patience=0, verbose=0, backup_dir=tmp_path)
    assert again.history.get("loss", []) == []


def test_train_model_without_resume_removes_an_old_state(data_root, tmp_path):
    records = read_mini_ddsm(data_root)
    train, val, test = split_by_patient(records, 0.25, 0.25, seed=0)
    stale = tmp_path / "cnn_resume"
    stale.mkdir()
    (stale / "early_stopping.json").write_text('{"stopped": true, "epochs": 1}')
    config = TrainConfig(image_size=(32, 32), batch_size=8, epochs=2, augment=False, verbose=0)
    entry = train_model("cnn", train, val, test, tmp_path, config=config, filters=(4,))
    assert entry["epochs"] == 2 and not stale.exists()


def test_resume_refuses_what_it_cannot_continue(data_root, tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path)]) == EXIT_USAGE
    assert "give DATA, or --resume DIR" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path)]) == EXIT_ERROR
    assert "no run to resume" in capsys.readouterr().err
    out = tmp_path / "run"
    common = ["train", str(data_root), "--out", str(out), "--epochs", "1", "--image-size", "32"]
    assert main(common) == EXIT_OK
    assert main(["train", "--resume", str(out), "--epochs", "5"]) == EXIT_USAGE
    assert "leave out --epochs" in capsys.readouterr().err
    assert main(["train", "--resume", str(out)]) == EXIT_ERROR
    assert "the run is complete; nothing to resume" in capsys.readouterr().err
    manifest = read_run(out)
    (out / "mammokit-run.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    test_csv = out / "test.csv"
    test_csv.write_text("".join(test_csv.read_text().splitlines(keepends=True)[:-1]))
    assert main(["train", "--resume", str(out)]) == EXIT_ERROR
    assert "the data changed since the run started (its test part differs)" in (
        capsys.readouterr().err
    )
