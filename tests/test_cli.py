import json

import pytest

from mammokit.cli import main
from mammokit.registry import MODELS, ModelEntry, ModelOption, register_model


def test_the_registry_drives_train_help(capsys):
    entry = ModelEntry(
        "tiny_test_net",
        "mammokit.models.cnn:cnn_classifier",
        "a model registered by a test",
        options=(ModelOption("depth_scale", float, 1.0, "test-only option"),),
    )
    register_model(entry)
    try:
        with pytest.raises(SystemExit):
            main(["train", "--help"])
    finally:
        del MODELS["tiny_test_net"]
    help_text = " ".join(capsys.readouterr().out.split())
    assert "tiny_test_net (224 px): a model registered by a test" in help_text
    assert "--depth-scale" in help_text and "(tiny_test_net; default 1.0)" in help_text
    assert "--alpha" in help_text and "mobilenet, mobilenet_v2" in help_text


def test_an_option_of_another_model_is_refused(synthetic_root, tmp_path, capsys):
    status = main(["train", str(synthetic_root), "--out", str(tmp_path), "--alpha", "0.5"])
    assert status == 2  # a usage error, as argparse's own
    assert "--alpha does not apply to --model cnn" in capsys.readouterr().err


def test_a_negative_start_from_epoch_is_a_usage_error(synthetic_root, tmp_path, capsys):
    status = main(["train", str(synthetic_root), "--out", str(tmp_path), "--start-from-epoch",
                   "-1"])  # fmt: skip
    assert status == 2 and "--start-from-epoch must be >= 0" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before anything was written


@pytest.fixture(scope="module")
def trained(synthetic_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    status = main(
        [
            "train",
            str(synthetic_root),
            "--out",
            str(out),
            "--epochs",
            "2",
            "--image-size",
            "32",
            "--batch-size",
            "8",
            "--val-size",
            "0.25",
            "--test-size",
            "0.25",
            "--no-augment",
        ]
    )
    assert status == 0
    return out


def test_train_writes_model_split_and_report(trained):
    for name in (
        "cnn.keras",
        "cnn_training.png",
        "cnn_confusion.png",
        "cnn_history.csv",
        "train.csv",
        "val.csv",
        "test.csv",
    ):
        assert (trained / name).is_file(), name
    report = json.loads((trained / "cnn_report.json").read_text())
    assert report["n"] == len(report["predictions"]) == 12
    assert 0.0 <= report["accuracy"] <= 1.0


def test_evaluate_a_saved_model_on_the_test_split(trained, tmp_path, capsys):
    status = main(
        ["evaluate", str(trained / "cnn.keras"), str(trained / "test.csv"), "--out", str(tmp_path)]
    )
    assert status == 0
    report = json.loads((tmp_path / "evaluation_report.json").read_text())
    first = json.loads((trained / "cnn_report.json").read_text())
    assert report["accuracy"] == pytest.approx(first["accuracy"])
    assert "accuracy" in capsys.readouterr().out


def test_library_errors_become_one_line_and_status_1(tmp_path, capsys):
    not_a_model = tmp_path / "model.keras"
    not_a_model.write_text("text")
    assert main(["evaluate", str(not_a_model), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mammokit: error:") and "model.keras" in err


def test_explain_writes_overlays_and_probabilities(trained, synthetic_root, tmp_path):
    import csv

    import cv2

    from conftest import write_dicom
    from mammokit.imaging.io import read_image

    png = synthetic_root / "MINI-DDSM-Complete-PNG-16" / "Benign" / "0002" / "B_0002_1.LEFT_MLO.png"
    images = [
        synthetic_root / "MINI-DDSM-Complete-JPEG-8" / "Cancer" / "0001" / "C_0001_1.RIGHT_CC.jpg",
        png,
        write_dicom(tmp_path / "scan.RIGHT_CC.dcm", read_image(png)[:, ::-1]),
    ]
    status = main(
        ["explain", str(trained / "cnn.keras"), *map(str, images), "--out", str(tmp_path)]
    )
    assert status == 0
    with open(tmp_path / "predictions.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["image_path"] for row in rows] == [str(p) for p in images]
    for row in rows:
        total = sum(float(row[f"p_{c}"]) for c in ("Normal", "Benign", "Cancer"))
        assert total == pytest.approx(1.0, abs=1e-4)
        picture = cv2.imread(row["overlay"])
        assert picture is not None and picture.ndim == 3


def test_a_task_trains_evaluates_and_predicts_with_its_class_names(
    synthetic_root, tmp_path, capsys
):
    out = tmp_path / "run"
    common = ["--epochs", "1", "--image-size", "32", "--batch-size", "8", "--no-augment"]
    args = ["train", str(synthetic_root), "--out", str(out), "--task", "cancer-vs-rest"]
    assert (
        main([*args, "--labels", "breast", "--val-size", "0.34", "--test-size", "0.34", *common])
        == 0
    )
    printed = capsys.readouterr().out
    assert "task cancer-vs-rest: 36 of 36 images kept" in printed
    assert "classes: NoCancer 30, Cancer 6" in printed  # 3 Cancer cases x one breast x 2 views
    report = json.loads((out / "cnn_report.json").read_text())
    assert report["class_names"] == ["NoCancer", "Cancer"]
    assert set(report["levels"]) == {"image", "breast", "patient"}

    # evaluate the whole synthetic set: task, labels and preprocessing come from the model
    status = main(
        [
            "evaluate",
            str(out / "cnn.keras"),
            str(synthetic_root),
            "--out",
            str(tmp_path / "ev"),
            "--level",
            "breast",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "breast      18 breasts" in printed and "Cancer AUC" in printed
    evaluation = json.loads((tmp_path / "ev" / "evaluation_report.json").read_text())
    assert (
        evaluation["levels"]["breast"]["n"] == 18 and evaluation["levels"]["breast"]["how"] == "max"
    )
    assert evaluation["levels"]["breast"]["per_class"]["Cancer"]["support"] == 3

    jpeg = synthetic_root / "MINI-DDSM-Complete-JPEG-8" / "Cancer"
    assert main(["predict", str(out / "cnn.keras"), str(jpeg)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = "image_path,predicted,decision,operating_point,p_NoCancer,p_Cancer"
    assert lines[0] == header and len(lines) == 13
    assert all(line.split(",")[2] in ("NoCancer", "Cancer") for line in lines[1:])
    assert "per image (validation, threshold" in lines[1]


def test_help_shows_defaults_and_the_exit_statuses(capsys):
    for command in ([], ["train"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Exit status: 0 success, 1 a data or model problem" in text
    assert "--epochs EPOCHS most epochs to train (default: 30)" in text
    assert "(default: None)" not in text


def test_quiet_and_verbose_set_the_library_logger_while_the_command_runs(tmp_path, capsys):
    import logging

    import mammokit.cli as cli

    logger = logging.getLogger("mammokit")
    before = (logger.level, logger.propagate, list(logger.handlers))
    seen = []

    def command(args):
        seen.append(logger.getEffectiveLevel())
        logger.info("progress line")
        return 0

    parser_args = {"-q": logging.WARNING, "-v": logging.DEBUG, None: logging.INFO}
    for flag, level in parser_args.items():
        args = cli.build_parser().parse_args([*([flag] if flag else []), "demo"])
        args.handler = command
        with cli._logging_for(args):
            args.handler(args)
        assert seen[-1] == level
    assert capsys.readouterr().out.count("progress line") == 2  # not with -q
    assert (logger.level, logger.propagate, list(logger.handlers)) == before
    assert main(["-q", "train", str(tmp_path / "nowhere")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
