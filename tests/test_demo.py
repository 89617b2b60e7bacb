import json

import cv2
import pytest

from mammokit.cli import main


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--quick"]) == 0
    return out


def test_demo_writes_report_with_accuracy_per_model(demo_out):
    report = json.loads((demo_out / "report.json").read_text())
    assert set(report["models"]) == {"cnn", "mobilenet"}
    for entry in report["models"].values():
        assert 0.0 <= entry["accuracy"] <= 1.0
        assert len(entry["evaluation"]["confusion_matrix"]) == 3
    assert report["dataset"]["skipped"] == 0
    assert report["dataset"]["images"] == 48
    assert report["best_model"] in report["models"]
    by_model = report["localization_by_model"]
    assert set(by_model) == {"cnn", "mobilenet"}  # every breast-label model is scored
    assert report["localization"] == by_model[report["best_model"]]
    assert all(0.0 <= scores["pointing_game"] <= 1.0 for scores in by_model.values())
    assert by_model[report["best_model"]]["overlays"] > 0
    assert (
        sum(scores["overlays"] for scores in by_model.values())
        == len(list((demo_out / "gradcam").glob("*.png"))) - 1
    )  # the overview is the one more picture


def test_demo_pictures_are_real_images(demo_out):
    for name in (
        "cnn_training.png",
        "cnn_confusion.png",
        "mobilenet_training.png",
        "mobilenet_confusion.png",
    ):
        image = cv2.imread(str(demo_out / name))
        assert image is not None and min(image.shape[:2]) > 100, name
    overlays = sorted((demo_out / "gradcam").glob("*.png"))
    assert len(overlays) >= 2
    report = json.loads((demo_out / "report.json").read_text())
    height, width = report["models"][report["best_model"]]["input_size"]
    scale = -(-256 // height)  # the model's input, enlarged by whole pixels to >= 256 high
    assert cv2.imread(str(overlays[0])).shape == (height * scale, width * scale, 3)


def test_mobilenet_sees_the_images_at_their_own_size(demo_out):
    report = json.loads((demo_out / "report.json").read_text())
    assert report["models"]["mobilenet"]["input_size"] == report["config"]["image_size"]
    assert report["models"]["cnn"]["input_size"] == [report["config"]["input_size"]] * 2


def test_demo_models_reload_in_safe_mode(demo_out):
    import keras

    model = keras.saving.load_model(demo_out / "cnn.keras", safe_mode=True)
    assert model.output_shape == (None, 3)


def test_cli_usage_errors_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["nope"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow
def test_the_same_seed_gives_the_same_demo_in_a_new_process(demo_out, tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "mammokit.cli", "demo", "--out", str(tmp_path), "--quick"]
    subprocess.run(command, check=True, capture_output=True)
    for name in ("cnn_report.json", "mobilenet_report.json"):
        first = json.loads((demo_out / name).read_text())
        second = json.loads((tmp_path / name).read_text())
        for report in (first, second):  # the two runs wrote to different folders
            for prediction in report["predictions"]:
                prediction["image_path"] = prediction["image_path"].rsplit("/", 1)[-1]
        assert first == second, name  # predictions included, to the last digit
