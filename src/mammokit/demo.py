"""The whole job on built-in synthetic mammograms: data, split, training, evaluation, Grad-CAM.

``mammokit demo --out DIR`` runs :func:`run_demo`. It is also the shortest complete example of
the library: every step is a public function.

The synthetic cases are built like Mini-DDSM's: a Benign or Cancer case has its lesion in one
breast, and the download files all four views under the case's class. The demo reads them with
breast labels (the lesion-free breast is Normal), trains the CNN and MobileNet on them, and
reports each model per image, per breast and per patient. Then it trains the CNN once more on
the case labels, as the thesis did, and scores it against what the images show, to measure
what case labels cost.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT", "QUICK", "DemoConfig", "run_demo"]


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of a demo run."""

    n_patients: int = 300
    image_size: tuple[int, int] = (256, 160)
    #: The CNNs' square input (MobileNet's: ``mobilenet_input_size``).
    input_size: int = 128
    #: Each training's schedule (warm-up, then a cosine to 0) spans ``epochs``; early
    #: stopping watches the validation loss from ``start_from_epoch`` on, the second half:
    #: at the highest rates an epoch of MobileNet scored a lucky low loss on the 45
    #: validation patients and was kept in place of the converged model (91.7% test against
    #: a validation accuracy of 0.97 at the end, seed 1).
    epochs: int = 20
    patience: int = 10
    start_from_epoch: int = 10
    #: The CNN sees the gray image once (``cnn_channels=1``), in batches of ``batch_size``.
    batch_size: int = 16
    cnn_filters: tuple[int, ...] = (8, 16, 32, 64)
    cnn_channels: int = 1
    mobilenet_alpha: float = 0.25
    #: MobileNet from random weights (28 layers, no shortcuts) needs more and larger steps
    #: than the CNN: batch 8 and a peak rate of 3e-3 ("Training recipe" docs); it keeps the
    #: three channels its ImageNet weights would take.
    mobilenet_batch_size: int = 8
    mobilenet_learning_rate: float = 3e-3
    #: MobileNet sees the images at their own size (``None``: ``image_size``). Its stem (a
    #: stride-2 convolution, then a stride-2 depthwise block) brings a 128 px input to 32x32
    #: within three layers, and the one-pixel spicules that tell a cancer from a benign mass
    #: are gone: 83% at 128 px, 98-99% at 256x160 ("Training recipe" docs).
    mobilenet_input_size: tuple[int, int] | None = None
    n_gradcam: int = 6
    compare_case_labels: bool = True


#: The default run: under ten minutes on 2 CPU cores (8 min 44 s on an AVX2 EPYC).
DEFAULT = DemoConfig()
#: A seconds-long run for tests and smoke checks (accuracy not meaningful).
QUICK = DemoConfig(
    n_patients=12,
    image_size=(96, 64),
    input_size=48,
    epochs=2,
    patience=1,
    start_from_epoch=1,
    batch_size=8,
    cnn_filters=(8, 16),
    mobilenet_alpha=0.25,
    mobilenet_batch_size=8,
    n_gradcam=3,
    compare_case_labels=True,
)


def run_demo(
    out_dir: str | os.PathLike,
    config: DemoConfig = DEFAULT,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    verbose: int | str = "auto",
) -> dict:
    """Generate synthetic mammograms, train the CNN and MobileNet, evaluate, explain.

    Writes into ``out_dir``: ``data/`` (the synthetic Mini-DDSM), ``report.json``,
    ``<model>_training.png`` (accuracy and loss curves), ``<model>_confusion.png``,
    ``<model>_report.json`` (with each test image's probabilities and the image, breast and
    patient levels), ``<model>_history.csv``, ``<model>.keras`` and ``gradcam/`` (overlays of
    test images, with the lesion outlined); with ``compare_case_labels`` the same for
    ``cnn_case_labels``.

    Parameters
    ----------
    out_dir
        Output folder (created if missing).
    config
        Sizes; :data:`DEFAULT` or :data:`QUICK`.
    seed
        Seed of the data, the split and the weight initialisation.
    log
        Where progress lines go; default the ``mammokit`` logger at INFO level (the
        ``mammokit`` command shows them; in Python, ``logging.basicConfig(level="INFO")`` or
        ``log=print``).
    verbose
        Keras verbosity for training (``"auto"`` shows progress bars).

    Returns
    -------
    dict
        The content of ``report.json``: per model ``accuracy``, the evaluation report (with
        its ``levels``), epochs, training time and ``input_size``; ``case_labels``, the CNN
        trained on case labels scored against breast labels; the dataset summary; Grad-CAM's
        localization of the test lesions per model (``localization_by_model``) and of the
        best model (``localization``, whose overlays are in ``gradcam/``).
    """

    from mammokit import datasets, explain
    from mammokit.experiment import TrainConfig, train_model
    from mammokit.models import load_model

    log = log or logging.getLogger("mammokit").info

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    log(f"[1/5] writing {config.n_patients} synthetic patients ({4 * config.n_patients} images)")
    root = datasets.make_synthetic(out / "data", config.n_patients, config.image_size, seed)
    records = datasets.read_mini_ddsm(root, labels="breast")
    skipped = records.attrs.get("skipped", [])
    relabelled = int((records["label"] != records["case_label"]).sum())
    log(
        f"      read {len(records)} images with breast labels ({relabelled} images of lesion "
        f"cases show no lesion and are Normal), skipped {len(skipped)}"
    )
    train, val, test = datasets.split_by_patient(records, val_size=0.15, test_size=0.15, seed=seed)
    log(
        f"[2/5] split by patient: train {len(train)}, validation {len(val)}, test {len(test)} "
        "images (no patient in two parts)"
    )
    size = (config.input_size, config.input_size)
    mobilenet_size = tuple(config.mobilenet_input_size or config.image_size)
    weights = datasets.class_weights(train)
    training = TrainConfig(
        image_size=size,
        batch_size=config.batch_size,
        epochs=config.epochs,
        patience=config.patience,
        start_from_epoch=config.start_from_epoch,
        seed=seed,
        verbose=verbose,
    )
    model_options = {  # registry name: builder options (momentum 0.9: trained from scratch)
        "cnn": {"filters": config.cnn_filters},
        "mobilenet": {
            "weights": None,
            "alpha": config.mobilenet_alpha,
            "batch_norm_momentum": 0.9,
        },
    }
    report: dict = {
        "dataset": {
            "root": str(root),
            "images": len(records),
            "patients": int(records["patient_id"].nunique()),
            "skipped": len(skipped),
            "labels": "breast",
            "images_relabelled_normal": relabelled,
            "label_counts": {c: int((records["label"] == c).sum()) for c in datasets.CLASSES},
            "split_images": {"train": len(train), "validation": len(val), "test": len(test)},
            "class_weights": {datasets.CLASSES[i]: w for i, w in weights.items()},
            "input_size": list(size),
        },
        "config": asdict(config),
        "models": {},
    }
    model_training = {
        "cnn": replace(training, channels=config.cnn_channels),
        "mobilenet": replace(
            training,
            image_size=mobilenet_size,
            batch_size=config.mobilenet_batch_size,
            learning_rate=config.mobilenet_learning_rate,
        ),
    }
    for step, (name, options) in enumerate(model_options.items(), start=3):
        height, width = model_training[name].image_size
        log(
            f"[{step}/5] training {name} on {height}x{width} inputs (weighted cross-entropy, "
            "early stopping on val loss)"
        )
        entry = train_model(name, train, val, test, out, config=model_training[name], **options)
        report["models"][name] = {**entry, "input_size": list(model_training[name].image_size)}
        log(f"      {name}: test accuracy {entry['accuracy']:.1%} ({entry['train_seconds']:.0f} s)")

    if config.compare_case_labels:
        log("      cnn on case labels (the thesis's labels), same patients and settings")
        report["case_labels"] = _case_label_cost(
            train, val, test, out, model_training["cnn"], model_options["cnn"], train_model
        )
        cost = report["case_labels"]
        log(
            f"      cnn_case_labels: image accuracy {cost['image_accuracy']:.1%} on what the "
            f"images show (breast labels), {cost['image_accuracy_case_labels']:.1%} on its case "
            "labels"
        )

    best = max(report["models"], key=lambda n: report["models"][n]["accuracy"])
    log(f"[5/5] Grad-CAM of each model on the test lesions; overlays of the best ({best})")
    report["best_model"] = best
    report["localization_by_model"] = {
        name: _explain_test_images(
            load_model(out / f"{name}.keras"),
            test,
            out / "gradcam" if name == best else None,
            config.n_gradcam,
            explain,
        )
        for name in report["models"]
    }
    report["localization"] = report["localization_by_model"][best]
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    _print_summary(report, out, log)
    return report


def _case_label_cost(train, val, test, out: Path, training, options: dict, train_model) -> dict:
    """Train the CNN on case labels (same patients) and score it against the breast labels."""
    from mammokit.metrics import level_report

    def with_case_labels(part):
        table = part.assign(label=part["case_label"])
        table.attrs = {**part.attrs, "labels": "case"}
        return table

    name = "cnn_case_labels"
    entry = train_model(
        "cnn",
        with_case_labels(train),
        with_case_labels(val),
        with_case_labels(test),
        out,
        name,
        training,
        **options,
    )
    saved = json.loads((out / f"{name}_report.json").read_text())
    probabilities = np.array([p["probabilities"] for p in saved["predictions"]])
    levels = {
        level: level_report(test, probabilities, level, "mean", n_bootstrap=1000)
        for level in ("image", "breast", "patient")
    }
    return {
        "model": name,
        "trained_on": "case",
        "scored_on": "breast",
        "epochs": entry["epochs"],
        "train_seconds": entry["train_seconds"],
        "image_accuracy": levels["image"]["accuracy"],
        "image_accuracy_case_labels": entry["accuracy"],
        "levels": levels,
    }


def _explain_test_images(model, test, folder: Path | None, n_images: int, explain) -> dict:
    """Score Grad-CAM on every test lesion image; with a ``folder``, write overlays of a few
    test images there."""
    import cv2

    from mammokit.datasets import make_dataset
    from mammokit.imaging import InputSpec
    from mammokit.records import CLASSES

    data = make_dataset(test, InputSpec.of(model), batch_size=64, with_masks=True)
    images, masks = [], []
    for (batch_images, batch_masks), _ in data:
        images.append(batch_images.numpy())
        masks.append(batch_masks.numpy()[..., 0])
    images, masks = np.concatenate(images), np.concatenate(masks)
    heatmaps = explain.grad_cam(model, images, method=explain.DEFAULT_METHOD)
    height, width = images.shape[1:3]
    tolerance = max(1, height // 32)  # one cell of a 1/32 map: CAM peaks sit on lesion rims
    scores = explain.localization_scores(heatmaps, masks, tolerance=tolerance)
    scores = {**scores, "tolerance_px": tolerance, "method": explain.DEFAULT_METHOD}
    if folder is None:
        return {**scores, "overlays": 0}
    folder.mkdir(parents=True, exist_ok=True)
    predicted = model.predict(images, verbose=0).argmax(axis=1)

    labels = test["label"].tolist()
    per_class = max(1, n_images // 3)
    chosen = []
    for name in ("Cancer", "Benign", "Normal"):
        chosen += [i for i, label in enumerate(labels) if label == name][:per_class]
    tiles = []
    for i in chosen:
        tile = explain.overlay(images[i, ..., 0].astype(np.uint8), heatmaps[i])
        contours, _ = cv2.findContours(
            (masks[i] > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
        )
        cv2.drawContours(tile, contours, -1, (0, 255, 0), 1)
        name = Path(test["image_path"].iloc[i]).stem
        scale = -(-256 // height)  # whole pixels, at least 256 high
        big = cv2.resize(tile, (width * scale, height * scale), interpolation=cv2.INTER_NEAREST)
        for row, text in enumerate((f"true {labels[i]}", f"predicted {CLASSES[predicted[i]]}")):
            cv2.putText(big, text, (4, big.shape[0] - 20 + 13 * row), cv2.FONT_HERSHEY_SIMPLEX,
                        0.38, (255, 255, 255), 1)  # fmt: skip
        cv2.imwrite(str(folder / f"{name}.png"), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
        tiles.append(big)
    if tiles:
        cv2.imwrite(str(folder / "overview.png"), cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR))
    return {**scores, "overlays": len(tiles)}


def _decision_summary(result: dict) -> str:
    """One line: the test figures at the validation-chosen operating point, and calibration."""
    point, calibration = result["operating_point"], result["calibration"]
    if point.get("source") != "validation":
        decided = "no operating point (the validation part lacked cancers or normals)"
    else:

        def rate(key: str) -> str:
            return "n/a" if point[key] is None else f"{point[key]:.0%}"

        target = point["target"]
        if isinstance(target, dict):
            target = ", ".join(f"{k} {v:.2f}" for k, v in target.items())
        decided = (
            f"{point['class']} at {point['threshold']:.3f} ({target} on validation): test "
            f"sensitivity {rate('sensitivity')}, specificity {rate('specificity')}"
        )
    if calibration.get("before"):
        decided += (
            f"; ECE {calibration['before']['ece']:.3f} -> {calibration['ece']:.3f} "
            f"(T = {calibration['temperature']:.2f})"
        )
    return decided


def _print_summary(report: dict, out: Path, log: Callable[[str], None]) -> None:
    log("")
    log("test results on breast labels (what each image shows); intervals resample patients")
    header = f"{'model':<17}{'trained on':>11}{'image acc':>11}{'breast acc':>12}"
    log(f"{header}{'patient acc':>13}{'Cancer AUC':>12}{'epochs':>8}{'train s':>9}")
    rows = [
        (name, "breast", entry["evaluation"]["levels"], entry["epochs"], entry["train_seconds"])
        for name, entry in report["models"].items()
    ]
    if "case_labels" in report:
        cost = report["case_labels"]
        rows.append((cost["model"], "case", cost["levels"], cost["epochs"], cost["train_seconds"]))
    for name, trained_on, levels, epochs, seconds in rows:
        accuracies = "".join(
            f"{levels[level]['accuracy']:>{width}.1%}"
            for level, width in (("image", 11), ("breast", 12), ("patient", 13))
        )
        auc = levels["patient"]["per_class"]["Cancer"]["auc"]
        auc_text = f"{auc:>12.3f}" if auc is not None else f"{'n/a':>12}"
        log(f"{name:<17}{trained_on:>11}{accuracies}{auc_text}{epochs:>8}{seconds:>9.0f}")
    log(
        "(a breast or patient is called by its most suspicious image for the breast-label "
        "models, by its images' mean for the case-label model)"
    )
    log("operating points (chosen on validation, measured on test) and calibration, per breast:")
    for name, entry in report["models"].items():
        log(f"  {name}: {_decision_summary(entry['evaluation']['levels']['breast'])}")
    for name, local in report["localization_by_model"].items():
        log(
            f"{local['method']} of {name} on {local['n_scored']} test lesions: pointing game "
            f"{local['pointing_game']:.0%} (within {local['tolerance_px']} px), "
            f"IoU {local['iou']:.2f}"
        )
    log(f"done in {report['total_seconds']:.0f} s; report: {out / 'report.json'}")
    log(f"pictures: {out}/*_training.png, {out}/*_confusion.png, {out / 'gradcam'}/")
