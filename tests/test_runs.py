"""A run folder is a unit: one writer, never mixed with another run, never half-written."""

import json
import subprocess
import sys

import pytest

from mammokit.runs import LOCK, RunFolderError, read_run, run_folder


def _enter(folder, **options):
    with run_folder(folder, **options):
        pass


def _write_then_raise(folder, raised):
    with run_folder(folder, "train"):
        (folder / "cnn_history.csv").write_text("epoch 1")
        raise raised("stop")


def test_a_finished_run_is_refused_unless_overwritten_and_then_cleared(tmp_path):
    out = tmp_path / "run"
    with run_folder(out, "first"):
        (out / "cnn.keras").write_text("model")
        (out / "train.csv").write_text("split")
    (out / "cnn.tflite").write_text("an export made later")
    (out / "cnn.tflite.mammokit.json").write_text("{}")
    (out / "notes.txt").write_text("mine")  # not a run's file: kept
    with pytest.raises(RunFolderError, match="holds a complete run; use --overwrite"):
        _enter(out, command="second")
    assert read_run(out)["command"] == "first"  # the refused run changed nothing
    with run_folder(out, "second", overwrite=True):
        assert sorted(p.name for p in out.iterdir() if p.name != LOCK) == [
            "mammokit-run.json",
            "notes.txt",
        ]
        (out / "cnn.keras").write_text("new model")
    run = read_run(out)
    assert (run["command"], run["status"], run["files"]) == ("second", "complete", ["cnn.keras"])


def test_files_of_a_run_without_a_manifest_are_refused_too(tmp_path):
    (tmp_path / "mobilenet.keras").write_text("a 0.1 run")
    with pytest.raises(RunFolderError, match="1 file\\(s\\) of an earlier run"):
        _enter(tmp_path)


def test_a_second_writer_is_refused_and_a_dead_ones_lock_is_taken(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        import socket

        (tmp_path / LOCK).write_text(json.dumps({"host": socket.gethostname(), "pid": sleeper.pid}))
        busy = f"another run is writing here \\(process {sleeper.pid}"
        with pytest.raises(RunFolderError, match=busy):
            _enter(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    with run_folder(tmp_path):  # its process is gone: the stale lock is taken
        assert (tmp_path / LOCK).is_file()
    assert not (tmp_path / LOCK).exists()


@pytest.mark.parametrize(
    ("raised", "status"), [(KeyboardInterrupt, "interrupted"), (ValueError, "failed")]
)
def test_an_interrupted_or_failed_run_says_so(tmp_path, raised, status):
    with pytest.raises(raised):
        _write_then_raise(tmp_path, raised)
    run = read_run(tmp_path)
    assert run["status"] == status and run["files"] == ["cnn_history.csv"]
    assert not (tmp_path / LOCK).exists()


def test_train_refuses_an_existing_run_before_touching_it(tmp_path, capsys):
    from mammokit.cli import main
    from mammokit.datasets import make_synthetic

    root = make_synthetic(tmp_path / "data", n_patients=6, image_size=(64, 48))
    out = tmp_path / "run"
    common = ["train", str(root), "--out", str(out), "--epochs", "1", "--image-size", "32"]
    assert main(common) == 0
    assert read_run(out)["status"] == "complete"
    before = (out / "test.csv").read_text()
    assert main([*common, "--seed", "1"]) == 1
    assert "holds a complete run; use --overwrite" in capsys.readouterr().err
    assert (out / "test.csv").read_text() == before  # the old split is untouched
    for bad in (["--epochs", "-1"], ["--batch-size", "0"]):  # checked before the split is written
        assert main([*common, "--overwrite", *bad]) == 2
        assert (out / "test.csv").read_text() == before and read_run(out)["status"] == "complete"
    with pytest.raises(SystemExit) as exited:  # was: silently trained at 224 px
        main([*common, "--overwrite", "--image-size", "0"])
    assert exited.value.code == 2
