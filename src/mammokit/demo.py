"""The whole job on built-in synthetic mammograms: data, split, training, evaluation, Grad-CAM.

``mammokit demo --out DIR`` runs :func:`run_demo`. It is also the shortest complete example of
the library: every step is a public function.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT", "QUICK", "DemoConfig", "run_demo"]


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of a demo run."""

    n_patients: int = 300
    image_size: tuple[int, int] = (256, 160)
    input_size: int = 128
    epochs: int = 45
    patience: int = 10
    batch_size: int = 32
    cnn_filters: tuple[int, ...] = (16, 32, 64, 128)
    mobilenet_alpha: float = 0.25
    n_gradcam: int = 6


#: The default run: meets the accuracy bar in a few minutes on a 2-core CPU.
DEFAULT = DemoConfig()
#: A seconds-long run for tests and smoke checks (accuracy not meaningful).
QUICK = DemoConfig(
    n_patients=12,
    image_size=(96, 64),
    input_size=48,
    epochs=2,
    patience=1,
    batch_size=8,
    cnn_filters=(8, 16),
    mobilenet_alpha=0.25,
    n_gradcam=3,
)


def run_demo(
    out_dir: str | os.PathLike,
    config: DemoConfig = DEFAULT,
    seed: int = 0,
    log: Callable[[str], None] = print,
    verbose: int | str = "auto",
) -> dict:
    """Generate synthetic mammograms, train the CNN and MobileNet, evaluate, explain.

    Writes into ``out_dir``: ``data/`` (the synthetic Mini-DDSM), ``report.json``,
    ``<model>_training.png`` (accuracy and loss curves), ``<model>_confusion.png``,
    ``<model>_report.json`` (with each test image's probabilities), ``<model>_history.csv``,
    ``<model>.keras`` and ``gradcam/`` (overlays of test images, with the lesion outlined).

    Parameters
    ----------
    out_dir
        Output folder (created if missing).
    config
        Sizes; :data:`DEFAULT` or :data:`QUICK`.
    seed
        Seed of the data, the split and the weight initialisation.
    log
        Where progress lines go.
    verbose
        Keras verbosity for training (``"auto"`` shows progress bars).

    Returns
    -------
    dict
        The content of ``report.json``: per model ``accuracy``, the evaluation report,
        epochs and training time, plus the dataset summary and Grad-CAM localization scores.
    """

    from mammokit import datasets, explain
    from mammokit.experiment import TrainConfig, train_model
    from mammokit.models import load_model

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    log(f"[1/5] writing {config.n_patients} synthetic patients ({4 * config.n_patients} images)")
    root = datasets.make_synthetic(out / "data", config.n_patients, config.image_size, seed)
    records = datasets.read_mini_ddsm(root)
    skipped = records.attrs.get("skipped", [])
    log(f"      read {len(records)} images, skipped {len(skipped)}")
    train, val, test = datasets.split_by_patient(records, val_size=0.15, test_size=0.15, seed=seed)
    log(
        f"[2/5] split by patient: train {len(train)}, validation {len(val)}, test {len(test)} "
        "images (no patient in two parts)"
    )
    size = (config.input_size, config.input_size)
    weights = datasets.class_weights(train)
    training = TrainConfig(
        image_size=size,
        batch_size=config.batch_size,
        epochs=config.epochs,
        patience=config.patience,
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
            "split_images": {"train": len(train), "validation": len(val), "test": len(test)},
            "class_weights": {datasets.CLASSES[i]: w for i, w in weights.items()},
            "input_size": list(size),
        },
        "config": asdict(config),
        "models": {},
    }
    for step, (name, options) in enumerate(model_options.items(), start=3):
        log(f"[{step}/5] training {name} (weighted cross-entropy, early stopping on val loss)")
        entry = train_model(name, train, val, test, out, config=training, **options)
        report["models"][name] = entry
        log(f"      {name}: test accuracy {entry['accuracy']:.1%} ({entry['train_seconds']:.0f} s)")

    best = max(report["models"], key=lambda n: report["models"][n]["accuracy"])
    log(f"[5/5] Grad-CAM of the best model ({best}) on test images")
    report["best_model"] = best
    report["localization"] = _explain_test_images(
        load_model(out / f"{best}.keras"), test, size, out / "gradcam", config.n_gradcam, explain
    )
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    _print_summary(report, out, log)
    return report


def _explain_test_images(model, test, size, folder: Path, n_images: int, explain) -> dict:
    """Score Grad-CAM on every test lesion image; write overlays of a few test images."""
    import cv2

    from mammokit.datasets import to_tf_dataset
    from mammokit.datasets.records import CLASSES

    folder.mkdir(parents=True, exist_ok=True)
    data = to_tf_dataset(test, size, batch_size=64, with_masks=True)
    images, masks = [], []
    for (batch_images, batch_masks), _ in data:
        images.append(batch_images.numpy())
        masks.append(batch_masks.numpy()[..., 0])
    images, masks = np.concatenate(images), np.concatenate(masks)
    heatmaps = explain.grad_cam(model, images, method=explain.DEFAULT_METHOD)
    tolerance = max(1, size[0] // 32)  # one cell of a 1/32 map: CAM peaks sit on lesion rims
    scores = explain.localization_scores(heatmaps, masks, tolerance=tolerance)
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
        caption = f"true {labels[i]}, predicted {CLASSES[predicted[i]]}"
        big = cv2.resize(tile, (256, 256), interpolation=cv2.INTER_NEAREST)
        cv2.putText(big, caption, (4, 250), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1)
        cv2.imwrite(str(folder / f"{name}.png"), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
        tiles.append(big)
    if tiles:
        cv2.imwrite(str(folder / "overview.png"), cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR))
    return {
        **scores,
        "tolerance_px": tolerance,
        "method": explain.DEFAULT_METHOD,
        "overlays": len(tiles),
    }


def _print_summary(report: dict, out: Path, log: Callable[[str], None]) -> None:
    log("")
    header = ("model", "accuracy", "macro sens", "macro spec", "epochs", "train s")
    log(f"{header[0]:<11}{header[1]:>10}{header[2]:>12}{header[3]:>12}{header[4]:>8}{header[5]:>9}")
    for name, entry in report["models"].items():
        macro = entry["evaluation"]["macro"]
        log(
            f"{name:<11}{entry['accuracy']:>10.1%}{macro['sensitivity']:>12.1%}"
            f"{macro['specificity']:>12.1%}{entry['epochs']:>8}{entry['train_seconds']:>9.0f}"
        )
    local = report["localization"]
    log(
        f"{local['method']} ({report['best_model']}) on {local['n_scored']} test lesions: "
        f"pointing game {local['pointing_game']:.0%} (within {local['tolerance_px']} px), "
        f"IoU {local['iou']:.2f}"
    )
    log(f"done in {report['total_seconds']:.0f} s; report: {out / 'report.json'}")
    log(f"pictures: {out}/*_training.png, {out}/*_confusion.png, {out / 'gradcam'}/")
